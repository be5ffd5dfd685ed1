"""Pathway decomposition: which mechanism carries each difference between a run and its reference.

A pathways sweep (``capsim sweep experiment=pathways``; ``configs/experiment/pathways*.yaml``)
runs the full 2^k factorial of ``k`` pathway switches (``Params.pathways``: capacity work,
decisions, continuity, money levers, money response, and the four channels of risk sharing) on
common random numbers: with every
switch off a run is bit-for-bit its reference, with every switch on it is the regime or package.
Per seed, the value of an outcome for the set ``S`` of switches on is ``v(S)``; the total
effect is ``v(all) - v(none)``.

* **Shapley values** (exact, from the whole factorial): pathway ``i`` gets
  ``sum over S not containing i of |S|! (k - |S| - 1)! / k! x (v(S + i) - v(S))``. Per seed they
  add up to the total effect (efficiency; a test checks).
* **Interactions**: the Harsanyi dividend of every set ``T`` of two or more switches,
  ``sum over S in T of (-1)^(|T| - |S|) v(S)``, the part of the effect that needs all of ``T`` on
  at once. Shapley splits each dividend evenly between its members, so a dividend above
  :data:`INTERACTION_FLAG` of the total effect, whose interval excludes zero, is flagged: the split
  of that part is a convention. (A dividend whose interval includes zero is not distinguishable
  from the noise between seeds and is not flagged, however large relative to a small total.)
* **Intervals**: seeds are the unit of replication; means over seeds with bootstrap intervals
  (``analysis/stats.py``).

Outcomes are reduced per run over windows (:data:`WINDOWS`): the first year, the whole run
(cumulative mean), the last year, and - where the runs have an international exit - the year
after the exit.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .stats import bootstrap_columns
from sim.crises import RESPONSE_MEASURES, response_summary

__all__ = ["SWITCHES", "SWITCH_LABELS", "WINDOWS", "INTERACTION_FLAG", "SHOCK_MEASURES", "switch_columns",
           "window_values", "shock_measures", "shapley", "dividends", "decompose", "Decomposition",
           "DecompositionError", "markdown", "figure", "part_label"]

SWITCHES = ("capacity_work", "decisions", "continuity", "money_levers", "money_response",
            "risk_compliance", "risk_losses", "risk_security", "risk_tolerance")
SWITCH_LABELS = {
    "capacity_work": "capacity work",
    "decisions": "decisions (joint governance)",
    "continuity": "partnership continuity",
    "money_levers": "money levers (joint programme, overhead)",
    "money_response": "money that follows capacity",
    "risk_compliance": "compliance shared (costs, staff time)",
    "risk_losses": "losses shared (repayments)",
    "risk_security": "security shared (protection, suspended funding)",
    "risk_tolerance": "risk tolerance raised by sharing",
}
WINDOWS = {
    "year1": "first year",
    "cumulative": "whole run",
    "final": "last year",
    "after_exit": "year after the exit",
}
INTERACTION_FLAG = 0.25
STEPS_PER_YEAR = 52


class DecompositionError(ValueError):
    """The runs do not form a complete factorial of pathway switches."""


def switch_columns(columns) -> list[str]:
    """The pathway switch columns (``pathways.<switch>``) present, in :data:`SWITCHES` order."""
    return [f"pathways.{s}" for s in SWITCHES if f"pathways.{s}" in columns]


SHOCK_MEASURES = RESPONSE_MEASURES


def shock_measures(shocks: pd.DataFrame, keys, runs: pd.DataFrame) -> pd.DataFrame:
    """Per run, the response measures over its judged shocks (``sim.crises.response_summary``: mean
    response time among those reached, share not reached within the cap, mean first-72-hours reach;
    NaN where a run has none).

    Args:
        shocks: the shocks table with the ``keys`` columns.
        keys: columns identifying a run.
        runs: one row per run (the ``keys`` columns), so runs without judged shocks get NaN.
    """
    keys = list(keys)
    out = runs[keys].drop_duplicates().reset_index(drop=True)
    if len(shocks) == 0:
        return out.assign(**{m: np.nan for m in SHOCK_MEASURES})
    rows = []
    for key, g in shocks.groupby(keys, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key)),
                     **response_summary(g["response_time"].astype("float64").to_numpy(),
                                        g["censored"].astype(bool).to_numpy(),
                                        g["reach_72h"].astype("float64").to_numpy())})
    return out.merge(pd.DataFrame(rows, columns=[*keys, *SHOCK_MEASURES]), on=keys, how="left")


def window_values(steps: pd.DataFrame, outcomes, keys, exit_year: float | None = None,
                  shocks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per run and window, the mean of each outcome (long: keys + ``window`` + outcomes).

    Args:
        steps: weekly outcomes with the ``keys`` columns and ``step``.
        outcomes: step outcome columns.
        keys: columns identifying a run.
        exit_year: year of the international exit (adds the ``after_exit`` window); None reads each run's
            exit from the data (the first week without international staff), if any run has one.
        shocks: the shocks table; when given, the whole-run window also carries
            :data:`SHOCK_MEASURES` (:func:`shock_measures`).
    """
    keys = list(keys)
    last = steps.groupby(keys, observed=True)["step"].transform("max")
    masks = {
        "year1": steps["step"] < STEPS_PER_YEAR,
        "cumulative": np.ones(len(steps), bool),
        "final": steps["step"] > last - STEPS_PER_YEAR,
    }
    if exit_year is not None:
        start = int(round(exit_year * STEPS_PER_YEAR))
        masks["after_exit"] = (steps["step"] >= start) & (steps["step"] < start + STEPS_PER_YEAR)
    elif "n_staff_intl" in steps.columns:
        # Where the exit year differs between runs (a condition), read it from the data: the first
        # week with no international staff after a week with some.
        gone = steps["n_staff_intl"].to_numpy() == 0
        first = pd.Series(np.where(gone & (steps["step"].to_numpy() > 0), steps["step"].to_numpy(), np.iinfo(np.int64).max),
                          index=steps.index).groupby([steps[k] for k in keys], observed=True).transform("min")
        has_exit = first < np.iinfo(np.int64).max
        if has_exit.any():
            masks["after_exit"] = has_exit & (steps["step"] >= first) & (steps["step"] < first + STEPS_PER_YEAR)
    parts = []
    for name, mask in masks.items():
        g = steps[np.asarray(mask)].groupby(keys, observed=True, sort=True)[list(outcomes)].mean().reset_index()
        g.insert(len(keys), "window", name)
        if shocks is not None and name == "cumulative":
            g = g.merge(shock_measures(shocks, keys, g), on=keys, how="left")
        parts.append(g)
    return pd.concat(parts, ignore_index=True)


def _weights(k: int) -> dict[int, float]:
    return {s: math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)}


def shapley(values: dict[frozenset, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """Exact Shapley values of each switch from a complete factorial.

    Args:
        values: set of switches on -> outcome values (arrays of equal shape, e.g. one per seed).
        names: the switches.
    """
    k = len(names)
    w = _weights(k)
    out = {}
    for i in names:
        others = [n for n in names if n != i]
        total = 0.0
        for r in range(k):
            for S in itertools.combinations(others, r):
                S = frozenset(S)
                total = total + w[len(S)] * (values[S | {i}] - values[S])
        out[i] = total
    return out


def dividends(values: dict[frozenset, np.ndarray], names: list[str]) -> dict[frozenset, np.ndarray]:
    """Harsanyi dividends of every set of two or more switches (their pure interaction)."""
    out = {}
    for r in range(2, len(names) + 1):
        for T in itertools.combinations(names, r):
            T = frozenset(T)
            d = 0.0
            for q in range(len(T) + 1):
                for S in itertools.combinations(sorted(T), q):
                    d = d + (-1) ** (len(T) - q) * values[frozenset(S)]
            out[T] = d
    return out


@dataclass
class Decomposition:
    """Per (group, window, outcome): total effect, each pathway's Shapley value, flagged interactions."""

    table: pd.DataFrame  # one row per group x window x outcome x part ("total", a switch, or an interaction)
    per_seed: pd.DataFrame  # per seed: total and Shapley values (they add up)
    switches: list[str]

    def rows(self, window: str, group: dict | None = None) -> pd.DataFrame:
        """The table's rows of one window and one group (every group with ``group`` None or empty).

        A window can exist for some groups only: "after_exit" where the group includes an exit."""
        t = self.table[self.table["window"] == window]
        for k, v in (group or {}).items():
            t = t[t[k] == v]
        return t


def decompose(per_run: pd.DataFrame, outcomes, group_cols=(), pair_on: str = "replicate", seed: int = 0,
              n_boot: int = 2000) -> Decomposition:
    """Shapley decomposition of each outcome's total effect into pathway switches.

    Args:
        per_run: one row per run and window (:func:`window_values`) with the ``pathways.<switch>``
            columns (booleans), ``window``, the pairing column and the outcomes.
        outcomes: outcome columns to decompose.
        group_cols: columns that define separate decompositions (e.g. the target, a condition).
        pair_on: the column pairing runs of one seed (replicate).
        seed: bootstrap seed.
        n_boot: bootstrap resamples.

    Raises:
        DecompositionError: a seed lacks some combination of switches, or has it twice.
    """
    cols = switch_columns(per_run.columns)
    varying = [c for c in cols if per_run[c].nunique() > 1]
    if not varying:
        raise DecompositionError("no pathway switch varies in these runs; allowed: a factorial of pathways.<switch> "
                                 "true/false (configs/experiment/pathways.yaml)")
    names = [c.split(".", 1)[1] for c in varying]
    k = len(names)
    rows, seed_rows = [], []
    group_cols = [g for g in group_cols if g in per_run.columns]
    for gkey, g in per_run.groupby(list(group_cols) + ["window"], observed=True, sort=True):
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        ident = dict(zip(list(group_cols) + ["window"], gkey))
        on = g[varying].astype(bool).to_numpy()
        combo = [frozenset(n for n, flag in zip(names, r) if flag) for r in on]
        g = g.assign(_combo=combo)
        counts = g.groupby(pair_on, observed=True)["_combo"].nunique()
        full = counts[counts == 2 ** k].index
        if len(full) == 0:
            raise DecompositionError(f"no replicate has all {2 ** k} combinations of {', '.join(names)} in {ident}; "
                                     "allowed: a complete factorial on common seeds")
        g = g[g[pair_on].isin(full)]
        if g.duplicated([pair_on, "_combo"]).any():
            raise DecompositionError(f"a combination of switches appears twice for one replicate in {ident}")
        seeds = sorted(full)
        for outcome in outcomes:
            if outcome not in g.columns or g[outcome].isna().all():
                continue
            piv = g.pivot(index=pair_on, columns="_combo", values=outcome).loc[seeds]
            values = {c: piv[c].to_numpy(float) for c in piv.columns}
            total = values[frozenset(names)] - values[frozenset()]
            phi = shapley(values, names)
            div = dividends(values, names)
            parts = {"total": total, **{n: phi[n] for n in names}}
            parts.update({"x".join(sorted(T, key=names.index)): d for T, d in div.items()})
            matrix = np.column_stack(list(parts.values()))
            est, lo, hi, n_ok = bootstrap_columns(matrix, seed=seed, n_boot=n_boot)
            tot = est[0]
            for (part, vals), e, l_, h_ in zip(parts.items(), est, lo, hi):
                kind = "total" if part == "total" else ("pathway" if part in names else "interaction")
                share = e / tot if tot != 0 and np.isfinite(tot) else np.nan
                clear = bool(np.isfinite(l_) and np.isfinite(h_) and (l_ > 0 or h_ < 0))
                rows.append({**ident, "outcome": outcome, "part": part, "kind": kind, "estimate": e, "ci_low": l_,
                             "ci_high": h_, "clear": clear, "share_of_total": share, "n_seeds": len(seeds),
                             "flagged": bool(kind == "interaction" and clear and abs(e) > INTERACTION_FLAG * abs(tot))})
            for j, s in enumerate(seeds):
                seed_rows.append({**ident, "outcome": outcome, pair_on: s, "total": total[j],
                                  **{n: phi[n][j] for n in names}})
    return Decomposition(pd.DataFrame(rows), pd.DataFrame(seed_rows), names)


def part_label(part: str) -> str:
    """Readable name of a part of the decomposition: the total, a pathway, or an interaction."""
    if part == "total":
        return "total effect"
    return " x ".join(SWITCH_LABELS.get(p, p) for p in part.split("x")) if "x" in part and part not in SWITCH_LABELS \
        else SWITCH_LABELS.get(part, part)


def _outcome_label(key: str) -> str:
    from sim.outcomes import OUTCOMES

    o = OUTCOMES.get(key)
    return o.axis_label if o else key


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 0.1:
        return f"{x:.3f}"
    return f"{x:.4f}"


def markdown(dec: Decomposition, window: str, group: dict | None = None) -> str:
    """A Markdown table: per outcome, the total effect and each pathway's part, with intervals and shares,
    then the flagged interactions (or a line saying there are none)."""
    t = dec.rows(window, group)
    head = "| outcome | " + " | ".join(["total effect", *[SWITCH_LABELS[s] for s in dec.switches]]) + " |"
    lines = [head, "|" + "---|" * (len(dec.switches) + 2)]
    flags = []
    unclear = []
    for outcome, g in t.groupby("outcome", sort=False):
        tot = g[g["part"] == "total"]
        if len(tot) and not bool(tot.iloc[0]["clear"]):
            unclear.append(_outcome_label(outcome))
        cells = []
        for part in ["total", *dec.switches]:
            r = g[g["part"] == part]
            if r.empty:
                cells.append("")
                continue
            r = r.iloc[0]
            total_clear = bool(g[g["part"] == "total"]["clear"].iloc[0]) if (g["part"] == "total").any() else False
            share = "" if part == "total" or not total_clear or not np.isfinite(r.share_of_total) \
                else f" ({r.share_of_total:.0%})"
            cells.append(f"{_fmt(r.estimate)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]{share}")
        lines.append(f"| {_outcome_label(outcome)} | " + " | ".join(cells) + " |")
        for _, r in g[g["flagged"]].iterrows():
            flags.append(f"- {_outcome_label(outcome)}: interaction {part_label(r.part)} = {_fmt(r.estimate)} "
                         f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}], {abs(r.share_of_total):.0%} of the total effect")
    n = int(t["n_seeds"].max()) if len(t) else 0
    note = (f"\nShapley values from the full factorial, mean over {n} seeds with 95% bootstrap intervals; "
            "in brackets each pathway's share of the total effect where the total is distinguishable from zero. Per seed "
            "the pathways add up to the total.\n")
    flag_text = ("\nInteractions above 25% of the total effect (Shapley splits each evenly between its "
                 "pathways):\n" + "\n".join(flags) + "\n") if flags else \
        "\nNo interaction between pathways exceeds 25% of the total effect.\n"
    unclear_text = ("\nTotal effect not distinguishable from zero (its parts are not interpreted): "
                    + "; ".join(unclear) + ".\n") if unclear else ""
    return "\n".join(lines) + "\n" + note + flag_text + unclear_text


def figure(dec: Decomposition, window: str, outcomes, size: str = "page", group: dict | None = None):
    """Per outcome, a panel of horizontal bars: the total effect and each pathway's Shapley value with 95%
    intervals (interactions flagged in the panel title). Returns the figure."""
    import matplotlib.pyplot as plt

    from .style import apply_style, panel_grid

    apply_style(size)
    t = dec.rows(window, group)
    outcomes = [o for o in outcomes if o in set(t["outcome"])]
    rows, cols, figsize = panel_grid(len(outcomes), size, height_ratio=0.5 + 0.08 * len(dec.switches), max_cols=2)
    fig, axes = plt.subplots(rows, cols, figsize=figsize, squeeze=False)
    parts = ["total", *dec.switches]
    colours = ["#444444", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"]
    for ax, o in zip(np.atleast_1d(axes).ravel(), outcomes):
        g = t[t["outcome"] == o].set_index("part")
        y = np.arange(len(parts))[::-1]
        for yi, part, c in zip(y, parts, colours):
            if part not in g.index:
                continue
            r = g.loc[part]
            ax.barh(yi, r.estimate, color=c, alpha=0.85)
            ax.plot([r.ci_low, r.ci_high], [yi, yi], color="black", lw=1)
        ax.axvline(0, color="grey", lw=0.6)
        ax.set_yticks(y, [part_label(p) for p in parts] if ax.get_subplotspec().is_first_col() else [])
        flagged = g[g["flagged"]] if "flagged" in g else g.iloc[:0]
        import textwrap

        title = textwrap.fill(_outcome_label(o), 45) + (" (*)" if len(flagged) else "")
        ax.set_title(title, fontsize=8)
    for ax in np.atleast_1d(axes).ravel()[len(outcomes):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
