"""The one-page brief for donors: a question, four findings with intervals, a table, a figure, a footer.

:func:`render_html` turns a :class:`BriefData` (tables of paired runs of a reference and up to
four alternatives, with their names and provenance) into one self-contained HTML page: styles
inline, figures embedded as base64 PNG, nothing fetched from anywhere, laid out to print on one
A4 page. The findings are computed here from the tables (``analysis/effects.py``, intervals
from ``analysis/stats.py``), so every number on the page comes from the runs it cites.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field

import pandas as pd

import numpy as np

from sim.outcomes import DONOR_HEADLINES, LOCALISATION_OUTCOMES, PEOPLE_OUTCOMES

from .donor_figures import over_time
from .effects import MEASURES, field_levels, format_count, format_measure, paired_effects, per_run_measures

__all__ = ["BriefData", "Finding", "findings", "render_html", "summary_numbers", "measure_numbers", "describe_world",
           "format_effect",
           "FINDING_MEASURES", "TABLE_MEASURES", "Said", "say", "shown_value", "shown_change", "level_text"]

# The four findings, people in need first; what "better" means in words; the table's columns.
FINDING_MEASURES = ("people_weeks_met", "hard_to_reach_coverage", "response_time", "total_local_funding_share")
TABLE_MEASURES = (*FINDING_MEASURES, "local_capacity", "brain_drain")
_VERB = {  # key: (title, what a package that does better does: plural, singular)
    "people_weeks_met": ("Need met", "meet more need than", "meets more need than"),
    "hard_to_reach_coverage": ("Hard-to-reach areas", "meet more need in hard-to-reach areas than",
                               "meets more need in hard-to-reach areas than"),
    "response_time": ("Response after shocks", "respond faster after shocks than", "responds faster after shocks than"),
    "total_local_funding_share": ("Money reaching local actors", "get more money to local actors than",
                                  "gets more money to local actors than"),
    "local_capacity": ("Local capacity", "leave more local capacity than", "leaves more local capacity than"),
    "brain_drain": ("Brain drain", "cause less brain drain than", "causes less brain drain than"),
}
def _column(key: str, years: float) -> str:
    """A table column's head: the headline's label, its unit and its window (``sim.outcomes.DONOR_HEADLINES``)."""
    h = DONOR_HEADLINES[key]
    unit = "percentage points" if h.percent else h.unit
    return f"{html.escape(h.label)}<br><small>{html.escape(unit)}, {html.escape(h.window_text(years))}</small>"
_MEASURE = {m.key: m for m in MEASURES}


# ---------------------------------------------------------------------------- a donor's words
# One way to say every headline (definitions: ``sim/outcomes.py`` ``DONOR_HEADLINES``), used by the
# donor page, the brief and the lever table alike. A change is printed only when the paired runs
# agree on its direction (their range, or the 95% interval, excludes no change) and it is visible
# at the precision shown; otherwise the sentence says "about the same" and gives both levels.
_DECIMALS = {"weeks": 1, "index 0-1": 2}
WEEKS_PER_YEAR = 52


def shown_value(key: str, x: float, years: float) -> float:
    """A measure's value in the unit the headline shows (people a week, percent, ...)."""
    h = DONOR_HEADLINES[key]
    if h.per_week:
        return x / (years * WEEKS_PER_YEAR)
    if h.percent:
        return 100.0 * x
    return x


def _number(key: str, v: float) -> str:
    """A value in the shown unit, rounded as the page prints it (no sign)."""
    h = DONOR_HEADLINES[key]
    if not np.isfinite(v):
        return "n/a"
    if h.percent:
        return f"{abs(v):.1f}"
    if h.unit in _DECIMALS:
        return f"{abs(v):.{_DECIMALS[h.unit]}f}"
    return format_count(abs(v))


def level_text(key: str, x: float, years: float) -> str:
    """A level with its unit: ``"13.8%"``, ``"374,000 people a week"``, ``"12.3 weeks"``."""
    h = DONOR_HEADLINES[key]
    v = shown_value(key, x, years)
    sign = "-" if v < 0 and float(_number(key, v).replace(",", "").split()[0] or 0) != 0 else ""
    if h.percent:
        return f"{sign}{_number(key, v)}%"
    if h.unit == "index 0-1":
        return f"{sign}{_number(key, v)}"
    return f"{sign}{_number(key, v)} {h.unit}"


def _rounds_to_zero(key: str, v: float) -> bool:
    text = _number(key, v).replace(",", "").split()[0]
    try:
        return float(text) == 0.0
    except ValueError:
        return False


def shown_change(key: str, d: float, years: float) -> str:
    """A change in the shown unit, in words: ``"20,000 fewer people a week"``, ``"up 9.2 points"``."""
    h = DONOR_HEADLINES[key]
    v = shown_value(key, d, years)
    n = _number(key, v)
    if h.percent:
        return f"{'up' if v > 0 else 'down'} {n} percentage points"
    if h.unit == "index 0-1":
        return f"{'up' if v > 0 else 'down'} {n}"
    if h.unit == "weeks":
        return f"{n} weeks {'later' if v > 0 else 'sooner'}"
    if h.per_week:
        return f"{n} {'more' if v > 0 else 'fewer'} {h.unit}"
    return f"{n} {'more' if v > 0 else 'fewer'} {h.unit}"


def _signed_shown(key: str, v: float, years: float) -> str:
    shown = shown_value(key, v, years)
    if _rounds_to_zero(key, shown):
        return "0"
    return ("+" if shown > 0 else "-") + _number(key, shown)


def _short_unit(key: str) -> str:
    h = DONOR_HEADLINES[key]
    if h.percent:
        return " points"
    if h.unit == "index 0-1":
        return ""
    return f" {h.unit}"


@dataclass(frozen=True)
class Said:
    """One headline in a donor's words, with the numbers it rests on (measure units, not shown units).

    Attributes:
        measure: the headline's key (``sim.outcomes.DONOR_HEADLINES``).
        label: what the headline is called; ``window``: its time window in words.
        text: the sentence after the label.
        direction: ``better``, ``worse`` or ``about the same``.
        diff, low, high: mean paired difference and its interval (range of the runs or 95% interval).
        n_better, n_pairs: paired runs that moved in the better direction, and how many there are.
    """

    measure: str
    label: str
    window: str
    text: str
    direction: str
    diff: float
    low: float
    high: float
    n_better: int
    n_pairs: int

    @property
    def line(self) -> str:
        """``"Label (unit, window): text"``, as the page and the brief print it."""
        return f"{self.label} ({DONOR_HEADLINES[self.measure].unit}, {self.window}): {self.text}"


def _agreement(row, interval: str, higher_is_better: bool | None, tol: float) -> tuple[str, int]:
    """How the paired runs agree: ``(words, n_better)``, with differences within ``tol`` counted as none."""
    n = int(row["n_pairs"])
    lo, hi = float(row["range_low"]), float(row["range_high"])
    if interval == "ci":
        return (f"95% interval {float(row['ci_low']):+.3g} to {float(row['ci_high']):+.3g}", int(row["n_better"]))
    if max(abs(lo), abs(hi)) <= tol:
        return ("the same in every run", 0)
    nb = int(row["n_better"]) if higher_is_better is not None else 0
    nw = int(row["n_worse"]) if higher_is_better is not None else 0
    if lo > tol or hi < -tol:
        way = "higher" if lo > tol else "lower"
        return (f"{way} in all {n} runs" if n > 1 else f"{way} in the one run", nb)
    return (f"the runs disagree: {nb} of {n} better, {nw} worse", nb)


def say(effects: pd.DataFrame, config: str, years: float, measures=None, interval: str = "range",
        ref_name: str = "the status quo", alt_name: str = "your rules", factor: str = "config") -> list[Said]:
    """Headlines for ``config`` against the reference, in a donor's words.

    A change is named only when it is clear (the runs' range, or the 95% interval with
    ``interval="ci"``, excludes no change) and visible at the precision printed; otherwise the
    sentence says "about the same" and gives both levels.

    Args:
        effects: :func:`analysis.effects.paired_effects` output.
        config: the configuration described.
        years: the horizon (for windows and weekly averages).
        measures: headline keys in order (default: every donor headline present).
        interval: ``"range"`` (a few runs, the page) or ``"ci"`` (the brief).
        ref_name, alt_name: what the reference and ``config`` are called.
        factor: the column naming configurations.
    """
    rows = effects[effects[factor].astype(str) == str(config)].set_index("measure")
    keys = [k for k in (measures or DONOR_HEADLINES) if k in rows.index and k in DONOR_HEADLINES]
    out = []
    for key in keys:
        h = DONOR_HEADLINES[key]
        r = rows.loc[key]
        better = _MEASURE[key].better
        d, a, b = float(r["diff"]), float(r["ref_mean"]), float(r["alt_mean"])
        window = h.window_text(years)
        n = int(r["n_pairs"])
        if not np.isfinite(d):
            text = "no sudden shock in these runs could be judged (each needs 26 weeks of results after it)."
            out.append(Said(key, h.label, window, text, "about the same", d, np.nan, np.nan, 0, n))
            continue
        tol = 1e-9 * max(abs(a), abs(b), 1e-12)
        lo, hi = ((float(r["ci_low"]), float(r["ci_high"])) if interval == "ci"
                  else (float(r["range_low"]), float(r["range_high"])))
        agree, nb = _agreement(r, interval, better == "higher" if better else None, tol)
        if interval == "ci":
            agree = f"95% interval {_signed_shown(key, lo, years)} to {_signed_shown(key, hi, years)}{_short_unit(key)}"
        clear = (lo > tol or hi < -tol) and not _rounds_to_zero(key, shown_value(key, d, years))
        la, lb = level_text(key, a, years), level_text(key, b, years)
        if clear:
            direction = "better" if (d > 0) == (better == "higher") else "worse"
            text = f"{lb} under {alt_name}, against {la} under {ref_name}: {shown_change(key, d, years)} ({agree})."
        else:
            direction = "about the same"
            levels = f"{la} under both" if la == lb else f"{la} under {ref_name}, {lb} under {alt_name}"
            why = agree if interval == "range" else f"the {agree} includes no change"
            text = f"about the same: {levels} ({why})."
        out.append(Said(key, h.label, window, text, direction, d, lo, hi, nb, n))
    return out


@dataclass
class BriefData:
    """Everything the brief shows, from a self-run comparison or a sweep directory.

    Args:
        question: the question the brief answers, in plain words.
        steps, shocks: tables of paired runs with ``config`` and ``replicate`` columns.
        reference: the reference configuration (the status quo).
        titles: configuration -> name shown to readers (in display order, reference first).
        descriptions: configuration -> what it changes, in words (for the footer).
        years: horizon of the runs.
        seeds: replicate seeds (``seeds[replicate]``, the same in every configuration).
        world: the country in words.
        source: where the runs come from ("run for this brief by ..." or the sweep directory).
        provenance: ``sim.results.provenance()`` of the runs (code version, packages).
        assumptions: sentences for the footer.
        omitted: configurations of a sweep left out of the brief.
        settings: configuration -> its settings for the technical record (config overrides; CSV only).
        reasons: a sentence on why need met moves (the lever table's pathways), printed under the table.
        command: the command that made the runs (CSV only).
    """

    question: str
    steps: pd.DataFrame
    shocks: pd.DataFrame
    reference: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    years: float
    seeds: list[int]
    world: str
    source: str
    provenance: dict
    assumptions: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    command: str = ""
    reasons: str = ""

    @property
    def alternatives(self) -> list[str]:
        return [c for c in self.titles if c != self.reference]


@dataclass(frozen=True)
class Finding:
    """One finding: which packages clearly do better, and the best package's numbers with its interval."""

    measure: str
    title: str
    text: str
    better: tuple[str, ...]  # configurations whose 95% interval lies on the better side of no change
    worse: tuple[str, ...]  # ... on the worse side


def _row(effects: pd.DataFrame, config: str, measure: str):
    rows = effects[(effects["config"].astype(str) == config) & (effects["measure"] == measure)]
    return rows.iloc[0]


def _side(row) -> str:
    """``better``, ``worse`` or ``unclear``: where the 95% interval lies relative to no change."""
    higher = _MEASURE[row["measure"]].better == "higher"
    if row["ci_low"] > 0:
        return "better" if higher else "worse"
    if row["ci_high"] < 0:
        return "worse" if higher else "better"
    return "unclear"


def findings(data: BriefData, effects: pd.DataFrame | None = None, measures=FINDING_MEASURES) -> list[Finding]:
    """The brief's findings: how many packages clearly do better, and the best one's numbers (95% interval).

    Args:
        data: the runs and their names.
        effects: paired effects (computed from ``data`` when None).
        measures: measure keys, one finding each.
    """
    if effects is None:
        effects = paired_effects(per_run_measures(data.steps, data.shocks), data.reference)
    ref_name = data.titles[data.reference].lower()
    out = []
    for key in measures:
        title, verb, verb_one = _VERB[key]
        present = set(effects.loc[effects["measure"] == key, "config"].astype(str))
        alts = [a for a in data.alternatives if a in present]
        sides = {a: _side(_row(effects, a, key)) for a in alts}
        better = tuple(a for a in alts if sides[a] == "better")
        worse = tuple(a for a in alts if sides[a] == "worse")
        sign = 1.0 if _MEASURE[key].better == "higher" else -1.0
        best = max(alts, key=lambda a: sign * float(_row(effects, a, key)["diff"]))
        n = len(alts)
        if n == 1 and better:
            count = f"The package clearly {verb_one} the {ref_name}."
        elif n and len(better) == n:
            count = f"All {n} packages clearly {verb} the {ref_name}."
        elif better:
            count = (f"{len(better)} of {n} packages clearly {verb_one if len(better) == 1 else verb} the "
                     f"{ref_name}.")
        elif n and len(worse) == n:
            count = f"All {n} packages clearly do worse than the {ref_name}."
        else:
            count = f"No package clearly does better than the {ref_name} here."
        said = say(effects, best, data.years, (key,), interval="ci", ref_name=f"the {ref_name}",
                   alt_name="it")
        text = count
        if said:
            lead_in = "Largest gain" if sides[best] == "better" else f"Closest to the {ref_name}"
            text += f" {lead_in}, {data.titles[best]}: {said[0].text}"
        if worse and len(worse) < n:
            text += " Clearly worse: " + ", ".join(data.titles[w] for w in worse) + "."
        out.append(Finding(key, title, text, better, worse))
    return out


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _compact(x: float) -> str:
    ax = abs(x)
    sign = "+" if x > 0 else "-" if x < 0 else ""
    if ax >= 1e6:
        return f"{sign}{ax / 1e6:.3g}M"
    if ax >= 1e4:
        return f"{sign}{ax / 1e3:.3g}k"
    return f"{sign}{ax:,.0f}"


def format_effect(measure: str, diff: float, low: float, high: float, years: float) -> str:
    """A paired difference and its 95% interval in a table cell, in the headline's shown unit.

    ``+2,540 (+1,100 to +3,900)``; when the interval includes no change the cell says so instead of
    printing the mean as a change: ``no clear change (-1,200 to +2,500)``.
    """
    def f(v: float) -> str:
        return _signed_shown(measure, v, years)

    if low <= 0 <= high or _rounds_to_zero(measure, shown_value(measure, diff, years)):
        return f"no clear change ({f(low)} to {f(high)})"
    return f"{f(diff)} ({f(low)} to {f(high)})"


def _png_base64(fig, dpi: int = 150) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


_CSS = """
@page { size: A4; margin: 8mm 10mm; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 8.1pt; line-height: 1.24; color: #1a1a1a;
       max-width: 190mm; margin: 0 auto; }
h1 { font-size: 12.5pt; margin: 0 0 2pt 0; }
p { margin: 2pt 0; }
.intro { color: #333; }
.finding { margin: 3pt 0; }
table { border-collapse: collapse; width: 100%; margin: 3pt 0; font-size: 7.4pt; }
th, td { border-bottom: 1px solid #ddd; padding: 1.5pt 3pt; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th small { font-weight: normal; color: #555; font-size: 6.6pt; }
td.better { background: #deebf7; }
td.worse { background: #fde0c5; }
figure { margin: 3pt 0; }
figure img { width: 78%; display: block; margin: 0 auto; }
figcaption { font-size: 7.2pt; color: #444; }
footer { border-top: 1px solid #bbb; margin-top: 3pt; padding-top: 2pt; font-size: 6.9pt; line-height: 1.22;
         color: #333; column-count: 2; column-gap: 12pt; }
footer p { margin: 1pt 0; }
"""


def _table(data: BriefData, effects: pd.DataFrame, per_run: pd.DataFrame) -> str:
    esc = html.escape
    ref = per_run[per_run["config"].astype(str) == data.reference]
    head = "<tr><th>Change against the " + esc(data.titles[data.reference].lower()) + "</th>" + "".join(
        f"<th>{_column(k, data.years)}</th>" for k in TABLE_MEASURES) + "</tr>"
    level = [f"<td>{esc(level_text(k, float(ref[k].mean()), data.years))}</td>" for k in TABLE_MEASURES]
    rows = [f"<tr><td><i>{esc(data.titles[data.reference])}: level</i></td>{''.join(level)}</tr>"]
    for a in data.alternatives:
        cells = []
        for k in TABLE_MEASURES:
            r = _row(effects, a, k)
            side = _side(r)
            mark = {"better": " &#9650;", "worse": " &#9660;", "unclear": ""}[side]
            cells.append(f"<td class=\"{side}\" data-measure=\"{k}\">"
                         f"{esc(format_effect(k, r['diff'], r['ci_low'], r['ci_high'], data.years))}{mark}</td>")
        rows.append(f"<tr><td>{esc(data.titles[a])}</td>{''.join(cells)}</tr>")
    note = ("<figcaption>Change against the status quo, mean over the paired simulations (95% interval). "
            "&#9650; blue: clearly better than the "
            f"{esc(data.titles[data.reference].lower())}; &#9660; orange: clearly worse; no mark: the interval "
            "includes no change.</figcaption>")
    return f"<table>\n{head}\n" + "\n".join(rows) + f"\n</table>\n{note}\n"


def render_html(data: BriefData) -> str:
    """The brief as one self-contained HTML page (inline CSS, base64 figures, no external resources).

    Args:
        data: the runs, their names and provenance.
    """
    per_run = per_run_measures(data.steps, data.shocks)
    effects = paired_effects(per_run, data.reference)
    found = findings(data, effects)
    n_rep = len(data.seeds)
    esc = html.escape
    ref_name = data.titles[data.reference].lower()

    steps = data.steps.copy()
    steps["config"] = pd.Categorical(steps["config"].astype(str), categories=list(data.titles), ordered=True)
    fig1 = over_time(steps, ("coverage", "hard_to_reach_coverage", "total_local_funding_share"), data.reference,
                     data.titles, ncols=3, height=1.25)
    img1 = _png_base64(fig1)
    n_alt = len(data.alternatives)

    parts = [f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             f"<title>{esc(data.question)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"]
    parts.append(f"<h1>{esc(data.question)}</h1>\n")
    parts.append(
        f"<p class=\"intro\">A made-up country in crisis ({esc(data.world)}), simulated for {data.years:g} years "
        f"under the {esc(ref_name)} and {n_alt} package{'s' if n_alt != 1 else ''} of donor and agency rules in the "
        f"same {n_rep} crises (same shocks, same people): differences come from the rules. Brackets: 95% "
        f"intervals.</p>\n")
    for f in found:
        parts.append(f"<p class=\"finding\" data-measure=\"{f.measure}\"><b>{esc(f.title)}.</b> {esc(f.text)}</p>\n")
    parts.append(_table(data, effects, per_run))
    if data.reasons:
        parts.append(f"<p class=\"finding\" data-reasons=\"people_weeks_met\"><b>Why.</b> {esc(data.reasons)}</p>\n")
    parts.append(_measures_line(data))
    parts.append(f"<figure><img alt=\"Coverage of needs, coverage in hard-to-reach areas and funding reaching local "
                 f"actors over time, by package\" src=\"data:image/png;base64,{img1}\">\n<figcaption>Figure. Over "
                 f"time: means over the {n_rep} crises, bands their range; status quo dashed black, on top. Need "
                 f"met: monthly averages; funding: quarterly shares."
                 f"</figcaption></figure>\n")
    parts.append(_footer(data))
    parts.append("</body>\n</html>\n")
    return "".join(parts)


# The measures beside the headlines, in one paragraph (every measure, defined, per package, in the brief's CSV of
# the set, named in the footer): name -> (outcomes, the few the paragraph shows, what the CSV holds).
MEASURE_LINES = {
    "localisation": (LOCALISATION_OUTCOMES, ("grand_bargain_local_share",), "every Grand Bargain and NEAR measure"),
    "people": (PEOPLE_OUTCOMES, ("group_equity",), "every measure of priorities, communities and inclusion"),
}


def _measures_line(data: BriefData) -> str:
    """One short paragraph with a few measures of each set of :data:`MEASURE_LINES` over the whole horizon (the
    reference's level and the packages' range); every measure, defined, per package: ``brief_<name>.csv``."""
    esc = html.escape
    ref = data.reference
    others = [c for c in data.titles if c != ref]
    spans = []
    for name, (outcomes, shown, _held) in MEASURE_LINES.items():
        levels = field_levels(data.steps, order=list(data.titles), outcomes=outcomes).set_index("measure")
        bits = []
        for k in shown:
            if k not in levels.index or ref not in levels.columns:
                continue
            row = levels.loc[k]
            share = str(row["unit"]).startswith("share")

            def fmt(v: float) -> str:
                return f"{100 * v:.0f}%" if share else f"{v:.2f}"

            alts = sorted(float(row[c]) for c in others if c in row.index)
            target = " (target 25%)" if k == "grand_bargain_local_share" else ""
            if not alts:
                where = ""
            elif len(alts) == 1 or fmt(alts[0]) == fmt(alts[-1]):
                where = f", {fmt(alts[0])} under the package{'s' if len(alts) > 1 else ''}"
            else:
                where = f", {fmt(alts[0])} to {fmt(alts[-1])} under the packages"
            lab = str(row["label"])
            if spans or bits:  # not the paragraph's first words: lower case, unless a proper name leads
                lab = lab if lab.split()[0] in ("Grand", "NEAR:") else lab[0].lower() + lab[1:]
            bits.append(f"{esc(lab)}{target} {fmt(float(row[ref]))} under the {esc(data.titles[ref].lower())}{where}")
        if bits:
            spans.append(f"<span data-field=\"{name}\">{'; '.join(bits)}</span>")
    if not spans:
        return ""
    return f"<p class=\"finding\"><b>Over the whole horizon</b>: {'; '.join(spans)}.</p>\n"


def measure_numbers(data: BriefData, name: str) -> pd.DataFrame:
    """Every measure of one set of :data:`MEASURE_LINES` per configuration, with its definition
    (``brief_<name>.csv``); configurations are named by their titles."""
    levels = field_levels(data.steps, order=list(data.titles), outcomes=MEASURE_LINES[name][0])
    return levels.rename(columns={c: data.titles[c] for c in data.titles})


def _footer(data: BriefData) -> str:
    """Packages, what the numbers mean, assumptions and provenance, in words (technical details: the CSV)."""
    esc = html.escape
    prov = data.provenance or {}
    code = prov.get("code", {}) or {}
    pk = prov.get("packages", {}) or {}
    commit = code.get("commit") or "unknown"
    dirty = ", with changes not yet recorded in it" if code.get("dirty") else ""
    created = str(prov.get("created", ""))[:10]
    packages = " ".join(f"<b>{esc(data.titles[c])}</b>: {esc(data.descriptions.get(c, ''))}" for c in data.titles)
    meaning = " ".join(f"<b>{esc(DONOR_HEADLINES[k].label)}</b> ({esc(DONOR_HEADLINES[k].window_text(data.years))}): "
                       f"{esc(DONOR_HEADLINES[k].description)}" for k in TABLE_MEASURES)
    lines = [
        "<footer>",
        f"<p><b>Packages.</b> {packages}</p>",
        f"<p><b>What the numbers mean.</b> {meaning}</p>",
        "<p><b>Assumptions.</b> " + " ".join(esc(a) for a in data.assumptions) + "</p>",
        f"<p><b>Where the numbers come from.</b> {esc(data.source)}. Made on {esc(created)} with capsim "
        f"{esc(str(code.get('capsim') or ''))} (code version {esc(commit[:7])}{dirty}), Mesa {esc(str(pk.get('mesa', '')))}"
        f". The settings and seeds of every simulation are in brief_numbers.csv, next to this page; "
        + "; ".join(f"{esc(held)}, defined, per package, in brief_{name}.csv" for name, (_o, _s, held)
                    in MEASURE_LINES.items()) + ".</p>",
    ]
    if data.omitted:
        lines.append(f"<p>Not shown ({len(data.omitted)} more configurations of the sweep): "
                     f"{esc(', '.join(data.omitted))}.</p>")
    lines.append("</footer>\n")
    return "\n".join(lines)


def summary_numbers(data: BriefData) -> pd.DataFrame:
    """The paired effects behind the page, with the technical record (for tests and for ``brief_numbers.csv``).

    Columns: those of :func:`analysis.effects.paired_effects`, then ``config_title``, ``settings``
    (the configuration's overrides), ``years``, ``replicates``, ``seeds`` (space-separated),
    ``command``, ``commit`` and ``created``.
    """
    eff = paired_effects(per_run_measures(data.steps, data.shocks), data.reference)
    code = (data.provenance or {}).get("code", {}) or {}
    name = eff["config"].astype(str)
    return eff.assign(
        config_title=name.map(data.titles), settings=name.map(lambda c: data.settings.get(c, "")),
        reference_settings=data.settings.get(data.reference, ""), years=data.years, replicates=len(data.seeds),
        seeds=" ".join(str(x) for x in data.seeds), command=data.command, commit=code.get("commit") or "",
        created=str((data.provenance or {}).get("created", "")))


def describe_world(n_areas: int, n_local: int, n_intl: int, n_staff: int) -> str:
    """The synthetic country in a few words."""
    return (f"{n_areas} districts, {n_local} local and {n_intl} international organisations, "
            f"{format_count(n_staff)} humanitarian staff")
