"""`capsim dashboard`: a page for advocates to show a donor what the donor's own rules do.

The page (built with Solara components; Mesa's SolaraViz is not used because it renders an
empty main area offline, see shared/TOOLCHAIN.md) has the levers a donor controls and the
agency-side levers (``experiments/advocacy/levers.py``) on the left and, on the right, the donor's
rules against the status quo run on the same seeds (paired): headline numbers in words for
people in need first, then the system behind them, with figures and a map of districts.

The live view (``experiments/advocacy/live.py``) trades precision for speed: by default 3 paired runs
of 5 years in the default country, in a small pool of worker processes, with the status quo
and every setting seen before cached. The page says what it runs; ``capsim brief`` runs more.

Invalid lever combinations (direct funding + sharing earmark + emergency reserve + pooled fund
above the whole budget) are explained on the page with the model's own one-line check
(``Params.check``); the last valid results stay on the page, marked as such.

The command that serves it, ``capsim dashboard``, is ``experiments/advocacy/server.py``; until
Solara and the model are loaded, ``experiments/advocacy/first_page.py`` answers on its address.
"""

from __future__ import annotations

import functools
import html
import os
import threading
import traceback

import solara
from solara.datatypes import ResultState

from experiments.advocacy.levers import (LEVERS, PACKAGES, REGIME_TITLES, SHARES_HELD_KEYS, STATUS_QUO, lever_values,
                                shares_held)
from experiments.advocacy.first_page import lever_sentences
from experiments.advocacy.live import LiveResult, engine, rules_key
from sim.outcomes import DONOR_HEADLINES
from experiments.runner import Cancelled
from sim.params import REGIME_NAMES, ConfigError, Params

__all__ = ["Page"]

# ====================================================================== the page

HELP_STYLE = "font-size: 0.85em; color: #555; margin-top: -22px; margin-bottom: 10px"
CHOICE_HELP_STYLE = "font-size: 0.85em; color: #555; margin-top: 4px; margin-bottom: 10px"
LABEL_STYLE = "margin-bottom: -18px"
SMALL = "font-size: 0.85em; color: #555"


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def _style(style) -> str:
    if isinstance(style, dict):
        return "; ".join(f"{k}: {v}" for k, v in style.items())
    return style or ""


@solara.component
def Words(text: str, style=None, tag: str = "div"):
    """Text with light Markdown (bold, italics, lists, headings) as plain HTML.

    Solara's ``Markdown`` component loads a math renderer (KaTeX) and a diagram renderer from
    ``/_solara/cdn`` on every render, files ``solara-assets`` does not ship (404, and the server
    then asks a public CDN): the page renders its words as HTML instead and fetches nothing.
    """
    solara.HTML(tag=tag, unsafe_innerHTML=_html(text), style=_style(style))


@functools.lru_cache(maxsize=4096)
def _html(text: str) -> str:
    """Light Markdown as HTML, kept: the page renders the same sentences in every render, and each conversion
    builds a new Markdown parser (about 0.4 ms; some 60 texts a render)."""
    import markdown

    return markdown.markdown(text)


@solara.component
def RegimeChoice(lever, value, on_value):
    """The regime as buttons with their full names (a drop-down cut the names off)."""
    Words(f"**{lever.title}**", style="margin-bottom: 2px")
    with solara.Column(gap="2px"):
        for name in REGIME_NAMES:
            chosen = name == value
            solara.Button(REGIME_TITLES[name], on_click=lambda name=name: on_value(name), small=True,
                          color="primary" if chosen else None, outlined=not chosen,
                          style={"text-transform": "none", "white-space": "normal", "height": "auto",
                                 "justify-content": "flex-start", "text-align": "left", "padding": "3px 8px",
                                 "letter-spacing": "normal"})


@solara.component
def LeverControl(lever, value, on_value):
    """One lever: a slider in percent (or a choice), its unit, and its help in plain words."""
    if lever.is_choice:
        RegimeChoice(lever, value, on_value)
        Words(lever.help, style=CHOICE_HELP_STYLE)
    else:
        Words(f"**{lever.title}**: {_percent(value)} {lever.unit_text}", style=LABEL_STYLE)
        solara.SliderInt(label="", value=int(round(100 * value)), min=int(100 * lever.lo), max=int(100 * lever.hi),
                         step=1, on_value=lambda v: on_value(v / 100.0), thumb_label=True)
        Words(lever.help, style=HELP_STYLE)


def _held(values: dict, base: Params) -> tuple[float, float, float, float]:
    held = {**shares_held(base), **{k: values[k] for k in SHARES_HELD_KEYS if k in values}}
    return tuple(held[k] for k in SHARES_HELD_KEYS)


def _held_text(values: dict, base: Params) -> str:
    direct, earmark, emergency, pooled = _held(values, base)
    return (f"direct funding {_percent(direct)} + sharing earmark {_percent(earmark)} + emergency reserve "
            f"{_percent(emergency)} + pooled fund {_percent(pooled)} = "
            f"{_percent(direct + earmark + emergency + pooled)} of your budget")


def _headlines(res, package: str, values: dict, suffix: str = "") -> None:
    """The headlines for people in need, then those behind them, each with its reasons (inside a component)."""
    for title, said_list in (("For people in need", res.people),
                             ("Behind it: local actors, money and staff", res.system)):
        Words(f"#### {title}{suffix}").key(f"headlines-{title}")
        for said in said_list:
            Headline(said, _why_lines(package, values, said.measure)).key(f"headline-{said.measure}")


@solara.component
def SharesHeld(values: dict, base: Params):
    """The budget held outside ordinary grants, which may not exceed 100%.

    Args:
        values: the lever values on the page (direct share and earmark).
        base: the starting package (its emergency reserve and pooled fund, which are not levers).
    """
    total = sum(_held(values, base))
    text = f"Held outside ordinary project grants: {_held_text(values, base)} (at most 100%)."
    if total > 1.0 + 1e-12:
        solara.Error(text + " Lower direct funding or the earmark.", dense=True)
    else:
        Words(text, style="font-size: 0.85em")


def _why_lines(package: str, values: dict, headline: str) -> list[str]:
    """Why these rules move a headline, from the committed lever table (``capsim levers``)."""
    from experiments.advocacy.explain import load_table, reason_for, why_text

    try:
        table = load_table()
    except FileNotFoundError:
        return []
    sq = lever_values(engine().base(STATUS_QUO))
    return [why_text(row) for row in reason_for(table, package, values, sq, headline)]


def _sources(package: str, values: dict) -> list[str]:
    from experiments.advocacy.explain import load_table, reason_for, source_text

    try:
        table = load_table()
    except FileNotFoundError:
        return []
    sq = lever_values(engine().base(STATUS_QUO))
    rows = [r for key in DONOR_HEADLINES for r in reason_for(table, package, values, sq, key) if r["sign_stable"]]
    return sorted({t for t in (source_text(r) for r in rows) if t})


@solara.component
def Headline(said, why: list[str]):
    """A headline: what it is and its window, the sentence, why (from the lever table), its definition."""
    h = DONOR_HEADLINES[said.measure]
    Words(f"**{said.label}** ({h.unit}, {said.window}): {said.text}", style="margin-top: 6px")
    for line in why:
        Words(line, style="font-size: 0.9em; margin-left: 14px; color: #333")
    Words(f"What it is: {h.description}", style="font-size: 0.78em; margin-left: 14px; color: #777")


def _status_text(status: str, res: LiveResult, s) -> str:
    if res.estimated:
        return (f"Status: {status}. The numbers below are estimates, shown at once; the simulation of the status quo "
                f"and your rules in the same {s.replicates} simulated crises of {s.years:g} years in a made-up country "
                f"({res.world}) is running and its own results will replace them.")
    new = res.runs_total - res.runs_from_cache
    if res.reused:
        took = "shown again from earlier results"
    else:
        took = (f"headlines in {res.seconds_runs:.1f} s" +
                (f", figures {res.seconds_figures:.1f} s later" if res.figures else ""))
    return (f"Status: {status}. Each result compares the status quo and your rules in the same {s.replicates} "
            f"simulated crises of {s.years:g} years in a made-up country ({res.world}): the same shocks and the "
            f"same people, so a difference comes from the rules. Last update: {took} "
            f"({new} new simulation{'s' if new != 1 else ''}, {res.runs_from_cache} reused).")


@solara.component
def Results(key, error: str | None, error_words: str | None):
    """Headlines in words, then the figures; while new ones are computed, the stand-in's estimates for the rules
    (labelled as such), or else the last results, faded.

    The simulation's thread and the estimate are this component's own state: each result the thread yields
    re-renders this part of the page only, not the levers beside it.

    Args:
        key: (package, lever values) of the rules the page should show.
        error: the model's own message on why the rules cannot run (None if they can).
        error_words: the same in a donor's words.
    """
    eng = engine()

    def compute(cancel: threading.Event):
        def steps():
            try:
                yield from eng.updates(key[0], dict(key[1]), cancel)
            except Cancelled:  # a newer lever change took over
                raise solara.util.CancelledError() from None
        return steps()

    result = solara.use_thread(compute, dependencies=[key], intrusive_cancel=False)
    # The stand-in's estimate, computed in this render (about a millisecond): shown with the lever's new value,
    # before the thread above has even started.
    estimate = solara.use_memo(lambda: eng.estimate(key[0], dict(key[1])), dependencies=[key])
    s = eng.settings
    res: LiveResult | None = result.value
    current = res is not None and res.key == key
    if not current and estimate is not None and estimate.key == key:  # the simulation's results replace it
        res, current = estimate, True
    if error:
        solara.Error(f"These rules cannot run: {error_words}. Results below are for your last valid rules.")
        with solara.Details("Details of the check"):
            Words(f"The model's check: {error}", style=SMALL)
    if result.state == ResultState.ERROR and result.error is not None:
        if os.environ.get("CAPSIM_DEBUG"):
            traceback.print_exception(result.error)
        solara.Error("The simulations failed. Reload the page; if it happens again, the details below help the "
                     "person who runs this page.")
        with solara.Details("Details"):
            first = str(result.error).splitlines()[0] if str(result.error) else ""
            Words(f"{type(result.error).__name__}: {first}", style=SMALL)
    if res is None:
        solara.ProgressLinear(True).key("results-progress")
        solara.Info(f"Simulating the status quo ({s.replicates} crises of {s.years:g} years) ... Meanwhile, what "
                    "each lever did in earlier measurements:")
        LeverTable()
        return
    partial = current and 0 < res.runs_done < s.replicates
    status = ("up to date" if current and res.figures else
              "updating, estimates shown while the simulation runs" if current and res.estimated else
              f"updating, first results from {res.runs_done} of {s.replicates} simulated crises" if partial else
              "drawing figures" if current else "updating")
    # The parts below keep their place (and their key) from one update to the next, so that an update changes
    # the page's widgets rather than closing and re-creating them: a bar shown or hidden, headlines whose text
    # changes. Re-created (32-81 widgets a render), they cost the page's process 0.1-0.3 s a render, and the browser
    # more (docs/dashboard.md).
    solara.ProgressLinear(status != "up to date").key("results-progress")
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(_status_text(status, res, s)), style=SMALL,
                classes=["capsim-status"]).key("results-status")
    package, values = res.key[0], dict(res.key[1])  # the rules of the results shown (why lines match them)
    with solara.Column(style={"opacity": "0.5"} if (error or not current) else {},
                       classes=["capsim-results"]).key("results"):
        with solara.Column(classes=["capsim-estimate"] if res.estimated else [],
                           gap="0px" if res.estimated else "12px").key("results-headlines"):
            if res.is_status_quo:
                solara.Info("These are the status quo rules. Move a lever or pick a starting package to see what "
                            "changes for people in need.").key("results-note")
            elif res.estimated:
                solara.Info("Estimates, shown at once from earlier simulations of many lever settings; the "
                            "simulation's own results for your rules follow in a few seconds and replace them.",
                            dense=True).key("results-note")
            _headlines(res, package, values, " (estimates)" if res.estimated else "")
        # An estimate has no field measures: the last simulated ones stay on the page, hidden, until new ones come.
        fields = res if not res.estimated else result.value
        if fields is not None and fields.localisation:
            FieldMeasures(fields.localisation, "In the field's own terms: Grand Bargain localisation, quality of "
                          "funding, NEAR framework areas (means over the runs; measures marked proxy approximate the "
                          "framework's indicators)", hidden=res.estimated).key("results-field-localisation")
        if fields is not None and fields.people_measures:
            FieldMeasures(fields.people_measures, "For people and communities: aid matching people's priorities, "
                          "feedback acted on, communities' own response and preparedness, who is included (means over "
                          "the runs)", hidden=res.estimated).key("results-field-people")
        if not res.figures:
            solara.Text("The figures follow with the simulation's results ..." if res.estimated else
                        "Drawing the figures ...").key("results-figures-wait")
        else:
            Words("#### People in need over time (status quo dashed black, your rules blue; monthly averages)"
                  ).key("results-figure-people-title")
            solara.Image(res.figures["people"], width="100%").key("results-figure-people")
            Words("#### Local capacity, funding reaching local actors (quarterly), staff recruited away"
                  ).key("results-figure-system-title")
            solara.Image(res.figures["system"], width="100%").key("results-figure-system")
            Words("#### Need met by district (the first simulated crisis)").key("results-figure-map-title")
            Words("Each district's share of its need met. A district can lose coverage while the country as a whole "
                  "meets more need: the total counts people, so gains in large districts or hard-to-reach ones can "
                  "outweigh losses elsewhere, as money and staff move between organisations working in different "
                  "districts.", style=SMALL).key("results-figure-map-note")
            solara.Image(res.figures["map"], width="100%").key("results-figure-map")
    with solara.Details("Technical details").key("results-details"):
        Words(f"Settings: {s.replicates} paired runs of {s.years:g} years, seeds {', '.join(map(str, s.seeds))} "
              f"(base seed {s.seed}), overrides {', '.join(s.overrides) or 'none'}; the brief runs 10 of 10 years "
              "(`capsim brief`). Lever table: `capsim levers` (experiments/advocacy/lever_effects.csv). Rules on the "
              f"levers: {', '.join(f'{k}={v}' for k, v in sorted(values.items()))}.", style=SMALL)
        Words(_standin_text(), style=SMALL)
        sources = _sources(package, values)
        if sources:
            Words("Where the model makes the reasons above (each measured by switching the mechanism off on both "
                  "sides, `capsim levers`):\n\n" + "\n".join(f"- {x}" for x in sources), style=SMALL)


def _standin_text() -> str:
    """What the estimates are, for the details panel (fit, design, error, commit)."""
    eng = engine()
    st = eng.standin
    if st is None:
        return f"Estimates: none on this page ({eng.standin_note})."
    d = st.data
    errs = "; ".join(f"{DONOR_HEADLINES[k].label} {h['form']}, 9 in 10 within {h['cv']['p90_abs_error']:.3g} "
                     f"(median {h['cv']['median_abs_error']:.3g}, typical effect {h['cv']['median_abs_effect']:.3g})"
                     for k, h in d["headlines"].items())
    return (f"Estimates: a ridge regression per headline on the levers (experiments/advocacy/standin.py), fitted on "
            f"{d['design']['points']} Latin-hypercube lever settings x {len(d['settings']['seeds'])} seeds run on model "
            f"commit {str(d['commit'])[:10]} ({d['fitted']}, {d['fit_seconds']:g} s); nested cross-validated errors in "
            f"the headlines' units: {errs}. Re-fit: `capsim standin`.")


def field_value(row: dict, key: str) -> str:
    """A measure's value as the page shows it: shares in percent, indices to two decimals."""
    v = row.get(key)
    if v is None or v != v:
        return "n/a"
    return f"{100 * v:.1f}%" if str(row["unit"]).startswith("share") else f"{v:.2f}"


def field_lines(rows: list[dict]) -> list[str]:
    """One line per measure (localisation, or people and communities): its name, the status quo's and your rules'
    level, its definition."""
    from experiments.advocacy.live import DONOR

    return [f"**{r['label']}**: {field_value(r, STATUS_QUO)} under the status quo, {field_value(r, DONOR)} under your "
            f"rules. *{r['description']}*" for r in rows]


@solara.component
def FieldMeasures(rows: list[dict], title: str, hidden: bool = False):
    """A set of measures beside the headlines (the field's own localisation terms; people and communities),
    folded under ``title``, with definitions; ``hidden`` keeps them on the page, out of view."""
    with solara.Column(style={"display": "none"} if hidden else {}):
        with solara.Details(title):
            for line in field_lines(rows):
                Words(line, style="font-size: 0.85em; margin-bottom: 4px")


@solara.component
def LeverTable():
    """What each lever and package did to people with their needs met, from the committed lever table (the
    sentences the first page shows too)."""
    sentences = lever_sentences()
    if sentences:
        Words("\n".join(f"- {s}" for s in sentences), style="font-size: 0.85em")


def _error_words(message: str, values: dict, base: Params) -> str:
    """A configuration error in a donor's words (the model's own message stays in the details)."""
    if sum(_held(values, base)) > 1.0 + 1e-12:
        return f"{_held_text(values, base)}, more than all of it. Lower direct funding or the earmark"
    return "this combination of rules is not possible in the model"


@solara.component
def Page():
    """The donor-incentives page."""
    eng = engine()
    package, set_package = solara.use_state(STATUS_QUO)
    start = lever_values(eng.base(STATUS_QUO))
    values, set_values = solara.use_state(start)
    last_valid = solara.use_ref(rules_key(STATUS_QUO, start))

    error = error_words = None
    try:
        eng.donor_params(package, values)
        last_valid.current = rules_key(package, values)
    except ConfigError as e:
        error = str(e)
        error_words = _error_words(error, values, eng.base(package))
    key = last_valid.current

    package_error, set_package_error = solara.use_state(None)

    def choose_package(name: str):
        try:
            start_values = lever_values(eng.base(name))
        except ConfigError as e:  # the page's settings (overrides) conflict with this package
            set_package_error(f"{PACKAGES[name].title} cannot run with this page's settings ({e}).")
            return
        set_package_error(None)
        set_package(name)
        set_values(start_values)

    def set_lever(k):
        return lambda v: set_values({**values, k: v})

    modified = values != lever_values(eng.base(package))
    solara.Title("capsim: what your funding rules do for people in a crisis")
    solara.Style(".v-slider__thumb-label { font-size: 0.75em; } .capsim-page { padding: 8px 24px; } "
                 ".capsim-page p { margin-bottom: 4px; }")
    with solara.Columns([5, 8], classes=["capsim-page"]):
        with solara.Column():
            Words("## Your rules")
            Words("Start from:", style="font-size: 0.9em")
            with solara.Row(style={"flex-wrap": "wrap"}):
                for name, pkg in PACKAGES.items():
                    chosen = name == package
                    label = pkg.title + (" (modified)" if chosen and modified else "")
                    solara.Button(label, on_click=lambda name=name: choose_package(name),
                                  color="primary" if chosen else None, outlined=not chosen, small=True,
                                  style={"text-transform": "none"})
            if package_error:
                solara.Error(package_error, dense=True)
            note = (" **Modified**: you changed levers since choosing it; the results are for the levers as set."
                    if modified else "")
            Words(f"*{PACKAGES[package].title}*: {PACKAGES[package].summary}{note}", style="font-size: 0.85em")
            Words("### What a donor decides")
            for lever in LEVERS:
                if lever.side == "donor":
                    LeverControl(lever, values[lever.key], set_lever(lever.key))
            SharesHeld(values, eng.base(package))
            Words("### What agencies decide")
            for lever in LEVERS:
                if lever.side == "agency":
                    LeverControl(lever, values[lever.key], set_lever(lever.key))
        with solara.Column():
            Words("# What your funding rules do for people in a crisis")
            Words("Your rules against the status quo in a made-up country, in the same simulated crises. Results are "
                  "exploratory: no study has yet measured these ways of working against each other.",
                  style="font-size: 0.9em")
            Results(key, error, error_words)
