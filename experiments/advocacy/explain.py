"""`capsim levers`: what each lever and package does to every headline, and through which mechanism.

For every move of a lever away from the status quo (and every package) this runs paired runs
(common random numbers) of the status quo and the move, in every combination of the mechanism
switches in :data:`MECHANISMS` switched off on *both* sides. Per seed, the lever's effect with the
set ``S`` of mechanisms left on is ``delta(S) = v(move, S) - v(status quo, S)``; the exact Shapley
values of the mechanisms over that factorial (``analysis.pathways.shapley``) plus ``delta(none)``
(what is left when every named mechanism is off: the lever's own rule) add up to the lever's
effect ``delta(all)``, seed by seed. The pathway with the largest share names the reason.

It writes the committed table the page and the brief read (:data:`TABLE`,
``experiments/advocacy/lever_effects.csv``: one row per move and headline, with the effect in the
headline's shown unit, how many paired runs moved which way, each pathway's part and one plain
sentence) and the lever table of ``docs/dashboard.md`` (between its ``lever-table`` markers).

Run ``capsim levers`` (defaults: 5 years, 3 paired runs, seed 0, the default country: the live
page's settings; about 400 runs, a few minutes on 2 cores), ``--years 10`` for the longer horizon
(written next to it as ``lever_effects_10y.csv`` unless ``--out`` says otherwise), ``--check`` to
compare the committed table's signs with a fresh small run.
"""

from __future__ import annotations

import itertools
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.config import UsageError, quiet_mesa
from experiments.advocacy.first_page import TABLE, TABLE_HEADLINE  # the committed table, defined where it is read first
from experiments.advocacy.levers import LEVERS, PACKAGES, REGIME_TITLES, STATUS_QUO, apply_levers, package_params
from experiments.cli.plain_args import OptionParser, positive_float, positive_int, seed_number

__all__ = ["Move", "MOVES", "Mechanism", "MECHANISMS", "TABLE", "DOC", "HEADLINE_KEYS", "measure_moves",
           "load_table", "first_rows", "reason_for", "why_text", "source_text", "brief_line", "doc_table", "main"]

HERE = Path(__file__).resolve().parent
DOC = HERE.parents[1] / "docs" / "dashboard.md"
DOC_START, DOC_END = "<!-- lever-table start (capsim levers) -->", "<!-- lever-table end -->"
HEADLINE_KEYS = ("people_weeks_met", "hard_to_reach_coverage", "response_time", "total_local_funding_share",
                 "local_capacity", "brain_drain")


@dataclass(frozen=True)
class Move:
    """A lever moved away from the status quo, or a package.

    Args:
        name: identifier in the table.
        lever: the lever's registry key, or ``"package"``.
        value: the lever's new value, or the package's name.
    """

    name: str
    lever: str
    value: object

    @property
    def title(self) -> str:
        if self.lever == "package":
            return PACKAGES[str(self.value)].title
        return next(lv.title for lv in LEVERS if lv.key == self.lever)

    def from_to(self, sq_value) -> str:
        if self.lever == "package":
            return "the package instead of the status quo"
        if self.lever == "regime":
            return f"{REGIME_TITLES[str(sq_value)].split(':')[0]} -> {REGIME_TITLES[str(self.value)].split(':')[0]}"
        return f"{100 * float(sq_value):.0f}% -> {100 * float(self.value):.0f}%"


# Each lever moved to the value a donor package uses (the Grand Bargain target, the sharing
# incentives), direct funding also past the 30% where the issue saw harm, every other regime.
MOVES: tuple[Move, ...] = (
    Move("direct_25", "funding.direct_local_share", 0.25),
    Move("direct_60", "funding.direct_local_share", 0.6),
    Move("multi_year_50", "funding.multi_year_share", 0.5),
    Move("flexible_50", "funding.flexible_share", 0.5),
    Move("earmark_25", "funding.sharing_earmark", 0.25),
    Move("overhead_50", "funding.overhead_passed_on", 0.5),
    Move("risk_50", "funding.risk_sharing", 0.5),
    Move("pooled_fund_25", "pooled_fund.share", 0.25),
    Move("shared_due_diligence", "funding.shared_due_diligence", 1.0),
    Move("regime_sharing", "regime", "sharing"),
    Move("regime_strengthening", "regime", "strengthening"),
    Move("regime_baseline", "regime", "baseline"),
    Move("salary_70", "turnover.salary_harmonisation", 0.7),
    Move("no_poaching_80", "turnover.no_poaching_agreement", 0.8),
    Move("seats_33", "governance.local_coordination_seats", 0.33),
    *(Move(f"package_{name}", "package", name) for name in PACKAGES if name != STATUS_QUO),
)


@dataclass(frozen=True)
class Mechanism:
    """A mechanism the decomposition switches off (on both sides of every pair).

    Args:
        name: identifier (a column ``part_<name>`` of the table).
        title: the mechanism in a few words.
        reason: why a lever moves a headline through it, in plain words (completes "mostly because ...").
        off: Hydra overrides that switch it off.
        source: where the model makes it (file and function), for the page's details.
    """

    name: str
    title: str
    reason: str
    off: tuple[str, ...]
    source: str


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("core_investment", "core investment",
              "organisations spend part of their flexible income on their own systems, finance and governance "
              "(core investment) instead of delivery; the same investment lifts local actors over donors' "
              "due-diligence bar",
              ("learning.core_investment_share=0",),
              "sim/regimes.py (core investment: flexible income x core_investment_share x missing capacity)"),
    Mechanism("due_diligence", "due diligence",
              "direct grants go only to the few local actors that pass donors' due diligence; they work in few "
              "districts and hire only so fast, so money piles up unspent and their new staff land where need is "
              "already met",
              ("funding.due_diligence_threshold=0",),
              "sim/donors.py (Donor.eligible_local: institutional capacity >= the donor's own bar around "
              "due_diligence_threshold)"),
    Mechanism("regime_rules", "how agencies work",
              "how agencies work with local partners changes who learns what from whom, who decides, and how long "
              "partnerships last",
              ("pathways.capacity_work=false", "pathways.decisions=false", "pathways.continuity=false"),
              "sim/regimes.py, sim/governance.py, sim/partnerships.py (pathway switches, docs/pathways.md)"),
)
OWN_RULE = ("own_rule", "the rule itself",
            "what the rule does directly - who receives the money, and on what terms - with the named mechanisms "
            "switched off")


def _combos(k: int) -> list[tuple[bool, ...]]:
    return list(itertools.product((True, False), repeat=k))


def _configs(years: float, overrides: tuple[str, ...], moves=MOVES, combos=None) -> dict[str, object]:
    """The configurations of the factorial: the status quo and ``moves``, with every combination of mechanisms
    off (or only ``combos``, tuples of on/off flags in :data:`MECHANISMS` order)."""
    sq_regime = package_params(STATUS_QUO).regime
    out = {}
    for on in (combos or _combos(len(MECHANISMS))):
        off = [o for m, flag in zip(MECHANISMS, on) if not flag for o in m.off]
        extra = (f"years={years:g}", f"pathways.reference={sq_regime}", *off, *overrides)
        tag = "".join("1" if f else "0" for f in on)
        base = package_params(STATUS_QUO, extra)
        out[f"{STATUS_QUO}|{tag}"] = base
        for mv in moves:
            if mv.lever == "package":
                out[f"{mv.name}|{tag}"] = package_params(str(mv.value), extra)
            else:
                out[f"{mv.name}|{tag}"] = apply_levers(base, {mv.lever: mv.value})
    return out


def measure_moves(years: float = 5.0, replicates: int = 3, seed: int = 0, jobs: int = 2, overrides=(),
                  moves=None, progress: bool = True) -> pd.DataFrame:
    """Run the factorial and return the lever table (one row per move and headline).

    Args:
        years: horizon of each run.
        replicates: paired runs (seeds) per configuration.
        seed: base seed (``sim.rng.replicate_seeds``).
        jobs: worker processes.
        overrides: Hydra overrides for every run (e.g. a smaller country).
        moves: names of :data:`MOVES` to measure (default all).
        progress: print what is being run.
    """
    from analysis.brief import say, shown_value
    from analysis.effects import paired_effects, per_run_measures
    from analysis.pathways import shapley
    from experiments.advocacy.paired import run_paired
    from sim.rng import replicate_seeds
    from sim.outcomes import DONOR_HEADLINES

    chosen = [m for m in MOVES if moves is None or m.name in moves]
    if moves is not None and len(chosen) != len(set(moves)):
        unknown = sorted(set(moves) - {m.name for m in MOVES})
        raise UsageError(f"--moves: {', '.join(unknown)} unknown; allowed: {', '.join(m.name for m in MOVES)}")
    configs = _configs(years, tuple(overrides), chosen)
    seeds = replicate_seeds(seed, replicates)
    if progress:
        print(f"capsim levers: {len(chosen)} moves x {2 ** len(MECHANISMS)} mechanism combinations x {replicates} "
              f"paired runs of {years:g} years = {len(configs) * replicates} runs ({jobs} worker process"
              f"{'es' if jobs > 1 else ''}) ...", flush=True)
    t0 = time.perf_counter()
    tables = run_paired(configs, seeds, f"{STATUS_QUO}|{'1' * len(MECHANISMS)}", n_jobs=jobs)
    per_run = per_run_measures(tables.steps, tables.shocks)
    per_run["config"] = per_run["config"].astype(str)
    per_run["move"] = per_run["config"].str.split("|").str[0]
    per_run["tag"] = per_run["config"].str.split("|").str[1]
    full = "1" * len(MECHANISMS)
    effects = paired_effects(per_run[per_run["tag"] == full].assign(config=lambda d: d["move"]), STATUS_QUO,
                             measures=HEADLINE_KEYS)
    sq_values = package_params(STATUS_QUO).to_dict()
    rows = []
    for mv in chosen:
        said = {s.measure: s for s in say(effects, mv.name, years, HEADLINE_KEYS, interval="range",
                                          alt_name="the change")}
        n_same = {k: bool(np.allclose(per_run[(per_run["move"] == mv.name) & (per_run["tag"] == full)]
                                      .set_index("replicate")[k].to_numpy(float),
                                      per_run[(per_run["move"] == STATUS_QUO) & (per_run["tag"] == full)]
                                      .set_index("replicate")[k].to_numpy(float), rtol=1e-9, atol=0, equal_nan=True))
                  for k in HEADLINE_KEYS}
        for key in HEADLINE_KEYS:
            values = {}
            for on in _combos(len(MECHANISMS)):
                tag = "".join("1" if f else "0" for f in on)
                alt = per_run[(per_run["move"] == mv.name) & (per_run["tag"] == tag)].set_index("replicate")[key]
                ref = per_run[(per_run["move"] == STATUS_QUO) & (per_run["tag"] == tag)].set_index("replicate")[key]
                values[frozenset(m.name for m, f in zip(MECHANISMS, on) if f)] = (alt - ref).to_numpy(float)
            parts = shapley(values, [m.name for m in MECHANISMS])
            own = values[frozenset()]
            total = values[frozenset(m.name for m in MECHANISMS)]
            e = effects[(effects["config"].astype(str) == mv.name) & (effects["measure"] == key)].iloc[0]
            s = said[key]
            row = {
                "move": mv.name, "lever": mv.lever, "title": mv.title,
                "change": mv.from_to(_dig(sq_values, mv.lever) if mv.lever != "package" else None),
                "headline": key, "label": DONOR_HEADLINES[key].label, "unit": DONOR_HEADLINES[key].unit,
                "window": DONOR_HEADLINES[key].window_text(years), "years": years, "replicates": replicates,
                "seed": seed, "status_quo": shown_value(key, float(e["ref_mean"]), years),
                "effect": shown_value(key, float(e["diff"]), years),
                "effect_low": shown_value(key, float(e["range_low"]), years),
                "effect_high": shown_value(key, float(e["range_high"]), years),
                "n_better": int(e["n_better"]), "n_worse": int(e["n_worse"]), "n_pairs": int(e["n_pairs"]),
                "direction": s.direction,
                "sign_stable": bool(s.direction != "about the same"),
                "no_effect": n_same[key],
                f"part_{OWN_RULE[0]}": shown_value(key, float(np.nanmean(own)), years),
                **{f"part_{m.name}": shown_value(key, float(np.nanmean(parts[m.name])), years) for m in MECHANISMS},
            }
            check = row[f"part_{OWN_RULE[0]}"] + sum(row[f"part_{m.name}"] for m in MECHANISMS)
            row["parts_sum_error"] = float(check - shown_value(key, float(np.nanmean(total)), years))
            row["said"] = s.text
            rows.append(row)
    out = finish(pd.DataFrame(rows))
    if progress:
        print(f"capsim levers: {len(configs) * replicates} runs in {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def _dig(d: dict, key: str):
    for part in key.split("."):
        d = d[part]
    return d


def finish(table: pd.DataFrame) -> pd.DataFrame:
    """Name each row's main pathway and write its sentence, from its numbers (``capsim levers --rewrite``
    re-derives them from a table without running anything)."""
    out = table.copy()
    main = [_main_pathway(r) for r in out.to_dict("records")]
    out["pathway"] = [m[0] for m in main]
    out["pathway_share"] = [m[1] for m in main]
    out["sentence"] = [_sentence(r) for r in out.to_dict("records")]
    return out


def _main_pathway(row: dict) -> tuple[str, float]:
    """The pathway carrying the largest part of the effect, in its direction, and its share of the effect."""
    total = row["effect"]
    names = [OWN_RULE[0], *(m.name for m in MECHANISMS)]
    if not np.isfinite(total) or total == 0:
        return "", float("nan")
    best = max(names, key=lambda n: np.sign(total) * row[f"part_{n}"])
    return best, float(row[f"part_{best}"] / total)


def _reason_text(name: str, row: dict | None = None) -> str:
    """Why a pathway moves a headline, in plain words; the rule itself is said with the lever's own help text."""
    if name == OWN_RULE[0]:
        what = ""
        if row is not None:
            if row["lever"] == "package":
                what = PACKAGES[str(row["move"]).removeprefix("package_")].summary
            else:
                what = next((lv.help.split(". ")[0] for lv in LEVERS if lv.key == row["lever"]), "")
        what = what.rstrip(".")
        return f"{OWN_RULE[2]}" + (f"; here: {what[:1].lower() + what[1:]}" if what else "")
    return next(m.reason for m in MECHANISMS if m.name == name)


def _fmt_part(row: dict, v: float) -> str:
    """A pathway's part in the headline's shown unit, signed (3 significant figures for counts)."""
    if row["unit"].startswith("%"):
        return f"{v:+.1f} points"
    if row["unit"] in ("weeks",):
        return f"{v:+.1f} weeks"
    if row["unit"].startswith("index"):
        return f"{v:+.3f}"
    return f"{float(f'{v:+.3g}'):+,.0f} {row['unit']}"


def _tug(row: dict) -> str:
    """When pathways pull both ways by more than the effect: the largest pull up and the largest pull down."""
    names = [OWN_RULE[0], *(m.name for m in MECHANISMS)]
    parts = {n: row[f"part_{n}"] for n in names}
    up = max(parts, key=parts.get)
    down = min(parts, key=parts.get)
    if parts[up] <= 0 or parts[down] >= 0 or min(parts[up], -parts[down]) <= abs(row["effect"]) * 0.5:
        return ""
    return (f" Pathways pull both ways: {_pathway_title(up)} {_fmt_part(row, parts[up])}, "
            f"{_pathway_title(down)} {_fmt_part(row, parts[down])}.")


def _sentence(row: dict) -> str:
    """What the move does to the headline and, when the runs agree on its direction, why (its main pathway)."""
    head = f"{row['title']} ({row['change']}), {row['label'].lower()}"
    if row["no_effect"]:
        return f"{head}: no effect in any run."
    what = f"{head}: {row['said']}"
    if not row["sign_stable"]:
        return what + " Not a clear effect: the runs do not agree on its direction." + _tug(row)
    share = row["pathway_share"]
    if not np.isfinite(share) or share <= 0:
        return what
    reason = _reason_text(row["pathway"], row)
    carried = ("all of it" if 0.95 <= share <= 1.05 else f"about {100 * share:.0f}% of it" if share < 1
               else "more than all of it")
    title = _pathway_title(row["pathway"])
    named = title if title.startswith("the ") else f"the {title}"  # "the rule itself", not "the the rule itself"
    return f"{what} Why: {reason[0].upper() + reason[1:]} ({named} pathway carries {carried}).{_tug(row)}"


# ---------------------------------------------------------------------------- reading the table

def load_table(path: Path | str = TABLE) -> pd.DataFrame:
    """The committed lever table (``capsim levers`` writes it).

    Raises:
        FileNotFoundError: the table has not been generated (run ``capsim levers``).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `capsim levers` to measure the levers")
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _TABLES:  # the page reads it on every render: keep it until the file changes
        _TABLES.clear()
        _TABLES[key] = pd.read_csv(path)
    return _TABLES[key]


_TABLES: dict[tuple, pd.DataFrame] = {}


def first_rows(table: pd.DataFrame, *columns: str) -> dict[tuple, dict]:
    """The table's first row (as a dict) for each combination of ``columns``' values, built once per table.

    The page asks the lever table for the rows of a few (headline, lever, move) combinations in every render;
    filtering the table with pandas each time took 75-120 ms a render (the seven headlines' reasons and the
    sources), a dictionary look-up takes microseconds. The table is read-only: the index is kept while the same
    table object is passed (``load_table`` keeps one until the file changes).

    Args:
        table: a table with the given columns.
        columns: the columns to index by, in the key's order.
    """
    key = (id(table), columns)
    hit = _FIRST_ROWS.get(key)
    if hit is not None and hit[0] is table:
        return hit[1]
    index: dict[tuple, dict] = {}
    for row in table.to_dict("records"):
        index.setdefault(tuple(row[c] for c in columns), row)
    if len(_FIRST_ROWS) >= 8:
        _FIRST_ROWS.clear()
    _FIRST_ROWS[key] = (table, index)
    return index


_FIRST_ROWS: dict[tuple, tuple[pd.DataFrame, dict]] = {}


def reason_for(table: pd.DataFrame, package: str, values: dict, sq_values: dict, headline: str) -> list[dict]:
    """The measured moves closest to the rules on the page, for one headline.

    For a package with no lever moved, its own row; otherwise, for each lever that differs from
    the status quo, the measured move of that lever in the same direction closest to its value.

    Args:
        table: :func:`load_table`.
        package: the starting package on the page.
        values: lever key -> value on the page.
        sq_values: lever key -> the status quo's value.
        headline: a headline key.

    Returns:
        Rows of the table (as new dicts, the first of the table for each move), at most one per changed lever.
    """
    rows = first_rows(table, "headline", "lever", "move")
    out = []
    if package != STATUS_QUO:
        row = rows.get((headline, "package", f"package_{package}"))
        base = package_params(package)
        from experiments.advocacy.levers import lever_values

        if row is not None and lever_values(base) == {**lever_values(base), **values}:
            return [dict(row)]
    for key, v in values.items():
        if v == sq_values.get(key):
            continue
        if key == "regime":
            move = f"regime_{v}"
        else:
            moves = {m.name: float(m.value) for m in MOVES if m.lever == key}
            up = float(v) > float(sq_values[key])
            same_side = [n for n, x in moves.items() if (x > float(sq_values[key])) == up]
            if not same_side:
                continue
            move = min(same_side, key=lambda n: abs(moves[n] - float(v)))
        row = rows.get((headline, key, move))
        if row is not None:
            out.append(dict(row))  # a copy: the index is shared by every render
    return out


def longer_horizon(row: dict, path: Path | None = None) -> str:
    """What the same move did to the same headline over a longer horizon, when that was measured
    (``capsim levers --years 10`` writes ``lever_effects_10y.csv``), e.g. whether a loss pays back."""
    path = path or TABLE.with_name("lever_effects_10y.csv")
    if not path.is_file():
        return ""
    r = first_rows(_read_cached(path), "move", "headline").get((row["move"], row["headline"]))
    if r is None or r["years"] <= row["years"]:
        return ""
    n = int(r["n_pairs"])
    if r.get("no_effect"):
        return f" Over {r['years']:g} years: no effect in any run."
    if not r["sign_stable"]:
        return (f" Over {r['years']:g} years: no clear effect ({int(r['n_better'])} of {n} runs better).")
    grows = abs(r["effect"]) > abs(row["effect"]) and np.sign(r["effect"]) == np.sign(row["effect"])
    short = f"{row['years']:g} years"
    trend = ("" if np.sign(r["effect"]) != np.sign(row["effect"]) else
             f", larger than over {short}" + (f": no payback within {r['years']:g} years"
                                              if r["direction"] == "worse" else "") if grows
             else f", smaller than over {short}")
    return (f" Over {r['years']:g} years: {_fmt_part(r, r['effect'])} ({r['direction']} in "
            f"{int(r['n_better'] if r['direction'] == 'better' else r['n_worse'])} of {n} runs{trend}).")


def _read_cached(path: Path) -> pd.DataFrame:
    key = ("longer", str(path), path.stat().st_mtime_ns)
    if key not in _LONGER:
        _LONGER.clear()
        _LONGER[key] = pd.read_csv(path)
    return _LONGER[key]


_LONGER: dict[tuple, pd.DataFrame] = {}


def why_text(row: dict) -> str:
    """Why a measured move changes a headline, for the page: what was measured and its main pathway's reason."""
    head = f"{row['title']} ({row['change']})"
    if row.get("no_effect"):
        return f"{head}: no effect on this in any measured run."
    if not row["sign_stable"]:
        return (f"{head}: no clear effect on this when measured ({int(row['n_better'])} of {int(row['n_pairs'])} "
                f"runs better, {int(row['n_worse'])} worse).{_tug(row)}{longer_horizon(row)}")
    way = "better" if row["direction"] == "better" else "worse"
    runs = f"{way} in {int(row['n_better'] if way == 'better' else row['n_worse'])} of {int(row['n_pairs'])} runs"
    if not isinstance(row["pathway"], str) or not row["pathway"]:
        return f"{head}: {way} when measured ({runs})."
    share = row["pathway_share"]
    carried = f"about {100 * share:.0f}% of the effect" if share <= 1.05 else "more than the whole effect"
    reason = _reason_text(row["pathway"], row)
    return (f"{head}: {way} when measured ({runs}). Why ({_pathway_title(row['pathway'])}, {carried}): "
            f"{reason}.{_tug(row)}{longer_horizon(row)}")


def brief_line(row: dict) -> str:
    """One short line for the brief: how a package's effect on a headline splits into pathways."""
    names = [OWN_RULE[0], *(m.name for m in MECHANISMS)]
    parts = sorted(((row[f"part_{n}"], n) for n in names), key=lambda x: -abs(x[0]))
    number = lambda v: _fmt_part(row, v).removesuffix(f" {row['unit']}")  # noqa: E731 (the unit is said once)
    shown = [f"{_pathway_title(n)} {number(v)}" for v, n in parts[:2] if abs(v) > 0]
    n = int(row["n_pairs"])
    agree = (f"{'better' if row['direction'] == 'better' else 'worse'} in all {n} runs" if row["sign_stable"]
             else f"{int(row['n_better'])} of {n} better")
    return f"{row['title']} {number(row['effect'])} ({agree}): " + ", ".join(shown) + "."


def source_text(row: dict) -> str:
    """Where the model makes a row's main pathway (for the page's technical details)."""
    src = next((m.source for m in MECHANISMS if m.name == row.get("pathway")), "")
    return f"{row['title']} ({row['change']}): {_pathway_title(row['pathway'])} - {src}" if src else ""


# ---------------------------------------------------------------------------- writing

def doc_table(table: pd.DataFrame) -> str:
    """The lever table of ``docs/dashboard.md``: each move's effect on need met, its reason and pathway."""
    t = table[table["headline"] == TABLE_HEADLINE]
    years = t["years"].iloc[0]
    lines = [f"Effect on people with their needs met (people a week, average over {years:g} years), "
             f"{int(t['replicates'].iloc[0])} paired runs of {years:g} years from seed {int(t['seed'].iloc[0])}, "
             "the default country. Pathway parts add up to the effect (Shapley values over the mechanism "
             "switches; the rule itself is what is left with every named mechanism off).", "",
             "| lever or package | change | effect (range over runs) | runs better | main pathway (share) | "
             "rule itself | core investment | due diligence | how agencies work | reason |",
             "|---|---|---:|---:|---|---:|---:|---:|---:|---|"]
    for r in t.to_dict("records"):
        share = r["pathway_share"]
        pw = ("-" if not r["sign_stable"] or not isinstance(r["pathway"], str)
              else f"{_pathway_title(r['pathway'])} ({100 * share:.0f}%)" if share <= 1.05
              else f"{_pathway_title(r['pathway'])} (more than the whole effect)")
        reason = ("not a clear effect: the runs disagree." + _tug(r) if not r["sign_stable"]
                  else _reason_text(r["pathway"], r) + "." + _tug(r) if isinstance(r["pathway"], str) else "")
        lines.append(f"| {r['title']} | {r['change']} | {r['effect']:+,.0f} ({r['effect_low']:+,.0f} to "
                     f"{r['effect_high']:+,.0f}) | {int(r['n_better'])} of {int(r['n_pairs'])} | {pw} | "
                     f"{r['part_own_rule']:+,.0f} | {r['part_core_investment']:+,.0f} | "
                     f"{r['part_due_diligence']:+,.0f} | {r['part_regime_rules']:+,.0f} | {reason} |")
    return "\n".join(lines)


def _pathway_title(name: str) -> str:
    if name == OWN_RULE[0]:
        return OWN_RULE[1]
    return next(m.title for m in MECHANISMS if m.name == name)


def write_doc(table: pd.DataFrame, doc: Path = DOC) -> None:
    """Replace the lever table between the markers of ``docs/dashboard.md``."""
    text = doc.read_text(encoding="utf-8")
    if DOC_START not in text or DOC_END not in text:
        raise UsageError(f"{doc} lacks the lever-table markers {DOC_START!r} ... {DOC_END!r}")
    new = re.sub(re.escape(DOC_START) + r".*?" + re.escape(DOC_END),
                 lambda _: f"{DOC_START}\n{doc_table(table)}\n{DOC_END}", text, flags=re.S)
    doc.write_text(new, encoding="utf-8")


def _parser() -> OptionParser:
    p = OptionParser(prog="capsim levers",
                     description="Measure what each lever and package does to every headline and through which "
                                 "mechanism; write experiments/advocacy/lever_effects.csv and the docs table.")
    p.add_argument("--years", type=positive_float("--years", 100.0), default=5.0, help="horizon (default 5)")
    p.add_argument("--replicates", type=positive_int("--replicates", 100), default=3,
                   help="paired runs per configuration (default 3)")
    p.add_argument("--seed", type=seed_number, default=0, help="base seed (default 0)")
    p.add_argument("--jobs", type=positive_int("--jobs", 256), default=2, help="worker processes (default 2)")
    p.add_argument("--moves", default=None, help="comma-separated moves to measure (default all)")
    p.add_argument("--out", default=None, help="CSV to write (default experiments/advocacy/lever_effects.csv at "
                                               "5 years, lever_effects_<N>y.csv otherwise)")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite the lever table in docs/dashboard.md")
    p.add_argument("--rewrite", action="store_true",
                   help="run nothing: re-derive pathways and sentences of the committed table and the docs table")
    p.add_argument("overrides", nargs="*", help="Hydra overrides for every run, e.g. world.n_areas=20")
    return p


def main(args: list[str]) -> int:
    """``capsim levers``: measure the levers and write the table (and the docs table at the default size)."""
    opts = _parser().parse_args(args)
    bad = [o for o in opts.overrides if "=" not in o]
    if bad:
        raise UsageError(f"{bad[0]!r} is not an override; allowed: key=value (e.g. world.n_areas=20)")
    if opts.rewrite:
        table = finish(load_table(opts.out or TABLE))
        table.to_csv(opts.out or TABLE, index=False, float_format="%.10g")
        if not opts.no_doc:
            write_doc(table)
        print(f"capsim levers: re-derived {len(table)} rows of {opts.out or TABLE} (nothing run)")
        return 0
    quiet_mesa()
    moves = [m.strip() for m in opts.moves.split(",") if m.strip()] if opts.moves else None
    table = measure_moves(opts.years, opts.replicates, opts.seed, opts.jobs, tuple(opts.overrides), moves)
    default = opts.years == 5.0 and not opts.overrides and moves is None
    out = Path(opts.out) if opts.out else TABLE if default else TABLE.with_name(f"lever_effects_{opts.years:g}y.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.10g")
    print(f"capsim levers: wrote {out} ({len(table)} rows)")
    if default and not opts.no_doc and out.resolve() == TABLE:
        write_doc(table)
        print(f"capsim levers: rewrote the lever table in {DOC}")
    worst = table["parts_sum_error"].abs().max()
    print(f"capsim levers: pathway parts add up to each effect to within {worst:.3g} (shown units)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
