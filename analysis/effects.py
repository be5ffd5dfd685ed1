"""Effects of a configuration relative to a reference, for people in need first, and in words.

Three steps, each a function of DataFrames:

1. :func:`per_run_measures` reduces each run (one ``config`` x ``replicate``) to the measures in
   :data:`MEASURES`: people-weeks of need met over the horizon, unmet need, coverage, coverage
   in hard-to-reach areas, response time after shocks, then local capacity, funding reaching
   local actors and brain drain. Each measure is a registered outcome (``sim/outcomes.py``,
   which gives its label) reduced in a stated way (sum over weeks, mean, final year, ...).
2. :func:`paired_effects` takes differences within a replicate (same seed: same country,
   shocks and people) against the reference configuration, with bootstrap intervals from
   :mod:`analysis.stats`, the range over replicates and how many pairs moved each way.
3. :func:`headlines` turns effects into sentences a donor reads in a meeting
   ("1.2 million more people-weeks of need met over 5 years ...").

Response after a shock (``sim/crises.py``): weeks until half of the people the shock newly put
in need are reached; a shock not reached within 26 weeks counts as 26, and shocks in a run's
last 26 weeks are left out, so the measure does not grow with the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.outcomes import LOCALISATION_OUTCOMES, OUTCOMES

from .stats import paired_differences

__all__ = ["Measure", "MEASURES", "MEASURE_KEYS", "per_run_measures", "paired_effects", "field_measures", "field_levels",
           "headlines", "Headline",
           "format_count", "format_share", "format_measure"]


@dataclass(frozen=True)
class Measure:
    """A registered outcome reduced to one number per run.

    Args:
        key: column name of the measure.
        source: the outcome key in ``sim/outcomes.py`` it is computed from.
        reduce: ``sum`` (over weeks), ``mean`` (over weeks), ``final_year`` (mean over the last 52
            weeks), ``funding_weighted`` (weekly shares weighted by donor disbursements), or
            ``shock_response`` (mean over shocks, censored at the end of the run).
        unit: unit after the reduction.
        how: the reduction in words, appended to the registry label.
        group: ``people`` (people in need) or ``system`` (capacity, money, staff).
    """

    key: str
    source: str
    reduce: str
    unit: str
    how: str
    group: str

    @property
    def label(self) -> str:
        return f"{OUTCOMES[self.source].label}, {self.how}"

    @property
    def short_label(self) -> str:
        return OUTCOMES[self.source].label

    @property
    def axis_label(self) -> str:
        return f"{self.short_label} ({self.unit})"

    @property
    def better(self) -> str | None:
        return OUTCOMES[self.source].better

    @property
    def is_share(self) -> bool:
        return self.unit.startswith("share")


def _unit(key: str) -> str:
    return OUTCOMES[key].unit


MEASURES: tuple[Measure, ...] = (
    Measure("people_weeks_met", "people_covered", "sum", "people-weeks", "summed over the weeks", "people"),
    Measure("unmet_need_weeks", "unmet_need", "sum", "people-weeks", "summed over the weeks", "people"),
    Measure("coverage", "coverage", "mean", _unit("coverage"), "mean over the weeks", "people"),
    Measure("hard_to_reach_coverage", "hard_to_reach_coverage", "mean", _unit("hard_to_reach_coverage"),
            "mean over the weeks", "people"),
    Measure("response_time", "response_time", "shock_response", "weeks",
            "mean over shocks (a shock not reached within 26 weeks counts as 26)", "people"),
    Measure("local_capacity", "local_capacity", "final_year", _unit("local_capacity"), "mean over the final year",
            "system"),
    Measure("total_local_funding_share", "total_local_funding_share", "funding_weighted",
            _unit("total_local_funding_share"), "over the whole horizon", "system"),
    Measure("brain_drain", "brain_drain", "sum", "people", "summed over the weeks", "system"),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)
_BY_KEY = {m.key: m for m in MEASURES}
STEPS_PER_YEAR = 52


def per_run_measures(steps: pd.DataFrame, shocks: pd.DataFrame, keys=("config", "replicate")) -> pd.DataFrame:
    """One row per run with every measure of :data:`MEASURES`.

    Args:
        steps: weekly outcomes (``sim.results.run``'s steps table) with the ``keys`` columns.
        shocks: the shocks table with the same ``keys`` columns (``step``, ``response_time``).
        keys: columns identifying a run.
    """
    keys = list(keys)
    g = steps.groupby(keys, observed=True, sort=True)
    out = g.size().rename("weeks").reset_index()
    for m in MEASURES:
        if m.reduce == "sum":
            vals = g[m.source].sum()
        elif m.reduce == "mean":
            vals = g[m.source].mean()
        elif m.reduce == "final_year":
            last = g["step"].transform("max")
            vals = steps[steps["step"] > last - STEPS_PER_YEAR].groupby(keys, observed=True, sort=True)[m.source].mean()
        elif m.reduce == "funding_weighted":
            money = steps["donor_disbursed"]
            num = (steps[m.source] * money).groupby([steps[k] for k in keys], observed=True, sort=True).sum()
            den = money.groupby([steps[k] for k in keys], observed=True, sort=True).sum()
            vals = num / den.where(den > 0)
        elif m.reduce == "shock_response":
            vals = _response_weeks(steps, shocks, keys)
        else:
            raise ValueError(f"measure {m.key}: unknown reduction {m.reduce!r}")
        out = out.merge(vals.rename(m.key).reset_index(), on=keys, how="left")
    return out


RESPONSE_CAP_WEEKS = 26  # crisis.response_cap_weeks at its default; a shock not reached counts as this


def _response_weeks(steps: pd.DataFrame, shocks: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Mean weeks to respond per run over its judged shocks (censored ones left out); a shock not
    reached within the cap counts as the cap, so the measure cannot grow with the horizon."""
    runs = steps.groupby(keys, observed=True, sort=True)["step"].max()
    if len(shocks) == 0:
        return pd.Series(np.nan, index=runs.index)
    s = shocks[~shocks["censored"].astype(bool)].copy()
    rt = s["response_time"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    s["weeks"] = np.where(np.isfinite(rt), rt, float(RESPONSE_CAP_WEEKS))
    return s.groupby(keys, observed=True, sort=True)["weeks"].mean().reindex(runs.index)


def paired_effects(per_run: pd.DataFrame, reference: str, factor: str = "config", pair_on: str = "replicate",
                   measures=MEASURE_KEYS, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Paired differences of each configuration to the reference, one row per (config, measure).

    Columns: the factor, ``measure``, ``n_pairs``, ``ref_mean``, ``alt_mean``, ``diff`` (mean paired
    difference), ``ci_low``/``ci_high`` (bootstrap interval, ``analysis.stats``), ``range_low``/
    ``range_high`` (smallest and largest paired difference), ``n_better``/``n_worse`` (pairs that
    moved in the better/worse direction of the measure) and ``effect_size``.

    Args:
        per_run: output of :func:`per_run_measures`.
        reference: the level of ``factor`` differences are taken against.
        factor: column naming the configuration.
        pair_on: column pairing runs (same value = same seed).
        measures: measure keys to compare.
        level: coverage of the bootstrap interval.
        seed: seed of the bootstrap.
    """
    measures = list(measures)
    diffs = paired_differences(per_run, factor, reference, measures, pair_on=pair_on, level=level, seed=seed)
    if diffs.empty:
        return diffs
    diffs = diffs.rename(columns={"outcome": "measure"})
    ref = per_run[per_run[factor] == reference].set_index(pair_on)
    extra = []
    for _, row in diffs.iterrows():
        other = per_run[per_run[factor] == row[factor]].set_index(pair_on)
        common = ref.index.intersection(other.index)
        m = row["measure"]
        d = (other.loc[common, m] - ref.loc[common, m]).to_numpy(float)
        d = d[np.isfinite(d)]
        better = _BY_KEY[m].better if m in _BY_KEY else None
        sign = 1.0 if better == "higher" else -1.0 if better == "lower" else 0.0
        extra.append({
            "ref_mean": float(ref.loc[common, m].mean()), "alt_mean": float(other.loc[common, m].mean()),
            "range_low": float(d.min()) if len(d) else np.nan, "range_high": float(d.max()) if len(d) else np.nan,
            "n_better": int((sign * d > 0).sum()) if sign else 0, "n_worse": int((sign * d < 0).sum()) if sign else 0,
        })
    return pd.concat([diffs.reset_index(drop=True), pd.DataFrame(extra)], axis=1)


# ---------------------------------------------------------------------------- the field's own terms

# Weekly shares of donors' money: weighted by what donors gave each week (as funding reaching local actors).
_DONOR_WEIGHTED = ("grand_bargain_local_share", "direct_local_funding_share")


def field_measures(steps: pd.DataFrame, keys=("config", "replicate"), outcomes=LOCALISATION_OUTCOMES) -> pd.DataFrame:
    """Per run, each measure of ``outcomes`` (by default the localisation measures in the field's own terms,
    ``sim.outcomes.LOCALISATION_OUTCOMES``; ``PEOPLE_OUTCOMES`` for affected people and communities) present
    in ``steps``, over the whole horizon: shares of donors' money weighted by each week's disbursements, the
    others the mean over the weeks (``grand_bargain_target_met``: the share of weeks).

    Args:
        steps: weekly outcomes with the ``keys`` columns.
        keys: columns identifying a run.
        outcomes: the weekly outcomes to take.
    """
    keys = list(keys)
    present = [k for k in outcomes if k in steps.columns]
    g = steps.groupby(keys, observed=True, sort=True)
    out = g[[k for k in present if k not in _DONOR_WEIGHTED]].mean()
    weighted = [k for k in present if k in _DONOR_WEIGHTED]
    if weighted:
        money = steps["donor_disbursed"]
        den = money.groupby([steps[k] for k in keys], observed=True, sort=True).sum()
        for k in weighted:
            num = (steps[k] * money).groupby([steps[c] for c in keys], observed=True, sort=True).sum()
            out[k] = num / den.where(den > 0)
    return out[present].reset_index()


def field_levels(steps: pd.DataFrame, order=None, config: str = "config", outcomes=LOCALISATION_OUTCOMES) -> pd.DataFrame:
    """Each measure of ``outcomes`` (:func:`field_measures`): its mean over runs per configuration, with its
    label and definition.

    Returns one row per measure: ``measure``, ``label``, ``unit``, ``description`` and one column per
    configuration (in ``order``, default the order of appearance).

    Args:
        steps: weekly outcomes with a ``config`` and a ``replicate`` column.
        order: configurations in display order.
        config: the column naming configurations.
        outcomes: the weekly outcomes to take (default the localisation measures).
    """
    per_run = field_measures(steps, (config, "replicate"), outcomes)
    means = per_run.groupby(config, observed=True, sort=False).mean(numeric_only=True)
    names = list(order) if order is not None else list(dict.fromkeys(per_run[config].astype(str)))
    means.index = means.index.astype(str)
    rows = []
    for k in [c for c in per_run.columns if c in OUTCOMES]:
        o = OUTCOMES[k]
        rows.append({"measure": k, "label": o.label, "unit": o.unit, "description": o.description,
                     **{n: float(means.loc[n, k]) for n in names if n in means.index}})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- words

def format_count(x: float) -> str:
    """A count in words a reader takes in at a glance (3 significant figures): 1.23 million, 12,300, 56."""
    ax = abs(x)
    if not np.isfinite(ax):
        return "n/a"
    if ax >= 1e9:
        return f"{ax / 1e9:.3g} billion"
    if ax >= 1e6:
        return f"{ax / 1e6:.3g} million"
    if ax >= 1000:
        return f"{float(f'{ax:.3g}'):,.0f}"
    if ax >= 10:
        return f"{ax:,.0f}"
    return f"{ax:.2g}" if ax < 1 else f"{ax:.1f}".rstrip("0").rstrip(".")


def format_share(x: float) -> str:
    """A share as a percentage: 0.086 -> 8.6%."""
    if not np.isfinite(x):
        return "n/a"
    pct = 100 * x
    return f"{pct:.2g}%" if abs(pct) < 10 else f"{pct:.0f}%"


def format_measure(key: str, x: float) -> str:
    """A measure's value in its unit, short (for tables)."""
    m = _BY_KEY[key]
    if m.is_share:
        return format_share(x)
    if m.unit == "weeks":
        return f"{x:.1f} weeks"
    if m.unit.startswith("index"):
        return f"{x:.2f}"
    return format_count(x) if x >= 0 else "-" + format_count(x)


def _signed(x: float, decimals: int) -> str:
    """``x`` with an explicit sign, and a plain 0 when it rounds to zero (never "-0.0")."""
    text = f"{x:+.{decimals}f}"
    return text[1:] if float(text) == 0 else text


def _points(d: float) -> str:
    return f"{abs(100 * d):.1f} percentage points"


@dataclass(frozen=True)
class Headline:
    """One finding in words, with the numbers it rests on."""

    measure: str
    text: str
    diff: float
    low: float
    high: float
    direction: str  # "better", "worse" or "no clear change"


def _interval_text(row, interval: str, fmt) -> str:
    if interval == "ci":
        return f"95% interval {fmt(row['ci_low'])} to {fmt(row['ci_high'])}"
    n = int(row["n_pairs"])
    lo, hi = row["range_low"], row["range_high"]
    if n == 1:
        return "one paired run"
    return f"from {fmt(lo)} to {fmt(hi)} across the {n} paired runs"


def _direction(row, interval: str) -> str:
    m = _BY_KEY[row["measure"]]
    d = row["diff"]
    lo, hi = (row["ci_low"], row["ci_high"]) if interval == "ci" else (row["range_low"], row["range_high"])
    scale = max(abs(row["ref_mean"]), abs(row["alt_mean"]), 1e-12)
    if abs(d) <= 1e-9 * scale or not np.isfinite(d):
        return "no clear change"
    if lo < 0 < hi:
        return "no clear change"
    good = (d > 0) == (m.better == "higher")
    return "better" if good else "worse"


def headlines(effects: pd.DataFrame, config: str, years: float, interval: str = "range", factor: str = "config",
              measures=("people_weeks_met", "hard_to_reach_coverage", "response_time", "total_local_funding_share",
                        "local_capacity", "brain_drain"), ref_name: str = "the status quo",
              alt_name: str = "these rules") -> list[Headline]:
    """Sentences on what ``config`` changes relative to the reference, for people in need first.

    Args:
        effects: output of :func:`paired_effects`.
        config: the configuration to describe.
        years: the horizon, for "over N years".
        interval: ``"range"`` (the spread over a few paired runs, for the live view) or ``"ci"``
            (the bootstrap interval, for the brief).
        factor: column naming the configuration.
        measures: which measures, in order.
        ref_name: what the reference is called ("under the status quo").
        alt_name: what ``config`` is called ("under these rules").
    """
    rows = effects[effects[factor].astype(str) == str(config)].set_index("measure")
    yrs = f"{years:g} year" + ("" if years == 1 else "s")
    out = []
    for key in measures:
        if key not in rows.index:
            continue
        r = rows.loc[key].copy()
        r["measure"] = key
        d = float(r["diff"])
        direction = _direction(r, interval)
        a, b = r["ref_mean"], r["alt_mean"]
        n = int(r["n_pairs"])
        if key == "people_weeks_met":
            weeks = years * STEPS_PER_YEAR
            more = "more" if d >= 0 else "fewer"
            iv = _interval_text(r, interval, lambda x: ("-" if x < 0 else "") + format_count(x))
            text = (f"{format_count(d)} {more} people-weeks of need met over {yrs} "
                    f"(about {format_count(d / weeks)} {more} people with their needs met each week; {iv}).")
        elif key in ("hard_to_reach_coverage", "coverage", "total_local_funding_share"):
            what = {"hard_to_reach_coverage": "Need met in hard-to-reach areas",
                    "coverage": "Need met across the country (severity-weighted)",
                    "total_local_funding_share": "Donor funding reaching local actors"}[key]
            up = "up" if d >= 0 else "down"
            iv = _interval_text(r, interval, lambda x: _signed(100 * x, 1))
            if abs(100 * d) < 0.05:  # below the precision shown
                text = f"{what}: {format_share(a)} under {ref_name} and under {alt_name} (no change; {iv})."
                direction = "no clear change"
            else:
                text = (f"{what}: {format_share(a)} under {ref_name}, {format_share(b)} under {alt_name} "
                        f"({up} {_points(d)}; {iv}).")
        elif key == "response_time":
            if not np.isfinite(d):
                text = (f"After a shock: no shock in these runs could be judged (each needs {RESPONSE_CAP_WEEKS} "
                        "weeks of results after it).")
                direction = "no clear change"
                out.append(Headline(key, text, d, float(r["ci_low"]), float(r["ci_high"]), direction))
                continue
            faster = "sooner" if d <= 0 else "later"
            iv = _interval_text(r, interval, lambda x: _signed(x, 1))
            text = (f"After a shock, half of the newly affected people are reached {abs(d):.1f} weeks {faster} on "
                    f"average ({a:.1f} weeks under {ref_name}, {b:.1f} under {alt_name}; {iv}).")
        elif key == "local_capacity":
            iv = _interval_text(r, interval, lambda x: _signed(x, 3))
            text = (f"Local organisations' capacity in the final year: {a:.2f} under {ref_name}, {b:.2f} under "
                    f"{alt_name} on a 0-1 index ({iv}).")
        elif key == "brain_drain":
            fewer = "fewer" if d <= 0 else "more"
            iv = _interval_text(r, interval, lambda x: ("-" if x < 0 else "+") + format_count(x))
            text = (f"{format_count(d)} {fewer} local staff recruited away by international agencies over {yrs} "
                    f"({format_count(a)} under {ref_name}, {format_count(b)} under {alt_name}; {iv}).")
        elif key == "unmet_need_weeks":
            less = "less" if d <= 0 else "more"
            iv = _interval_text(r, interval, lambda x: ("-" if x < 0 else "+") + format_count(x))
            text = f"{format_count(d)} people-weeks {less} unmet need over {yrs} ({iv})."
        else:
            continue
        if direction == "no clear change" and abs(d) > 0 and "(no change;" not in text:
            if interval == "ci":
                text += " Not a clear change: the 95% interval includes zero."
            else:
                text += f" Not a clear change: the paired runs disagree ({int(r['n_better'])} of {n} better)."
        lo, hi = (r["ci_low"], r["ci_high"]) if interval == "ci" else (r["range_low"], r["range_high"])
        out.append(Headline(key, text, d, float(lo), float(hi), direction))
    return out
