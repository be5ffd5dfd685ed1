"""Figures of donor rules against the status quo: people in need first, then the system, a map.

Every function takes DataFrames (tables of paired runs with ``config`` and ``replicate``
columns, see ``experiments/advocacy/paired.py``) and returns a :class:`matplotlib.figure.Figure`
built without pyplot, so figures can be drawn in the dashboard's worker threads; none is
ever shown. Axis labels and units come from the outcome registry (``sim/outcomes.py``) or
from :data:`analysis.effects.MEASURES`; colours from ``analysis/style.py`` (grey for the
reference, Okabe-Ito colours for the alternatives).

Lines are means over the paired replicates; the shaded band is the range over them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.outcomes import OUTCOMES, label

from .effects import MEASURES
from .style import DIVERGING_CMAP, SIZES, apply_style, config_colours

__all__ = ["over_time", "people_figure", "system_figure", "area_map", "SERIES"]

_MEASURE = {m.key: m for m in MEASURES}
STEPS_PER_YEAR = 52

# How each outcome is drawn over time: (transformation, weeks of smoothing, y-axis label suffix).
# Weekly coverage is noisy (shocks, pay days), so it is shown as a 4-week moving mean; funding
# arrives in grant tranches, so its share is taken over 13-week (quarterly) windows of money.
SERIES = {
    "coverage": ("rolling", 4, "4-week mean"),
    "unmet_need": ("rolling", 4, "4-week mean"),
    "hard_to_reach_coverage": ("rolling", 4, "4-week mean"),
    "local_capacity": ("weekly", 1, ""),
    "total_local_funding_share": ("funding", 13, "13-week windows"),
    "brain_drain": ("cumulative", 1, "cumulative"),
}


def _series(steps: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Per-run series of an outcome after its transformation: columns config, replicate, year, value."""
    how, weeks, _ = SERIES.get(outcome, ("weekly", 1, ""))
    df = steps.sort_values(["config", "replicate", "step"])
    g = df.groupby(["config", "replicate"], observed=True, sort=False)
    if how == "weekly":
        val = df[outcome]
    elif how == "rolling":
        val = g[outcome].transform(lambda s: s.rolling(weeks, min_periods=1).mean())
    elif how == "cumulative":
        val = g[outcome].cumsum()
    elif how == "funding":
        money = df["donor_disbursed"]
        num = (df[outcome] * money).groupby([df["config"], df["replicate"]], observed=True, sort=False).transform(
            lambda s: s.rolling(weeks, min_periods=1).sum())
        den = money.groupby([df["config"], df["replicate"]], observed=True, sort=False).transform(
            lambda s: s.rolling(weeks, min_periods=1).sum())
        val = num / den.where(den > 0)
    else:
        raise ValueError(f"unknown series transformation {how!r}")
    return pd.DataFrame({"config": df["config"].astype(str).to_numpy(), "replicate": df["replicate"].to_numpy(),
                         "year": df["year"].to_numpy(), "value": val.to_numpy(float)})


def _title(outcome: str) -> str:
    """A panel's title: the donor headline's label where the outcome is one, else the registry's."""
    from sim.outcomes import DONOR_HEADLINES

    import textwrap

    text = next((h.label for h in DONOR_HEADLINES.values() if h.outcome == outcome and not h.per_week),
                label(outcome, with_unit=False))
    return "\n".join(textwrap.wrap(text, 40))


def _unit_label(outcome: str) -> str:
    """The y-axis label, short: the unit, and how the series is smoothed, in words."""
    how, weeks, _ = SERIES.get(outcome, ("weekly", 1, ""))
    unit = OUTCOMES[outcome].unit
    if _is_share(outcome):
        unit = "% of donor funding" if how == "funding" else "% of need"
    elif how == "cumulative":  # a flow per week summed over weeks is a count
        unit = unit.removesuffix("/week") + " so far"
    return unit  # smoothing (4-week means, 13-week windows of money) is said in the captions


def _is_share(outcome: str) -> bool:
    return OUTCOMES[outcome].unit.startswith("share")


def _draw_over_time(ax, steps: pd.DataFrame, outcome: str, order: list[str], names: dict, colours: dict):
    """Draw one outcome over time; returns the legend's (handles, labels), reference first."""
    s = _series(steps, outcome)
    # The reference is drawn last, dashed and on top, so alternatives that lie close together never hide it;
    # the legend keeps the page's order (reference first).
    for z, cfg in enumerate([*order[1:], order[0]]):
        d = s[s["config"] == cfg]
        if d.empty:
            continue
        is_ref = cfg == order[0]
        agg = d.groupby("year")["value"].agg(["mean", "min", "max"])
        ax.plot(agg.index, agg["mean"], color="black" if is_ref else colours[cfg], lw=1.3 if is_ref else 1.4,
                ls="--" if is_ref else "-", label=names.get(cfg, cfg), zorder=10 if is_ref else 3 + z)
        if d["replicate"].nunique() > 1:
            ax.fill_between(agg.index, agg["min"], agg["max"], color=colours[cfg], alpha=0.12 if is_ref else 0.18,
                            lw=0, zorder=1)
    handles, labels = ax.get_legend_handles_labels()
    if labels and labels[-1] == names.get(order[0], order[0]):  # legend order: reference first
        handles, labels = [handles[-1], *handles[:-1]], [labels[-1], *labels[:-1]]
    ax.set_xlabel("year")
    ax.set_title(_title(outcome), fontsize=8)
    ax.set_ylabel(_unit_label(outcome), fontsize=7)
    if not OUTCOMES[outcome].unit.startswith("index"):  # indices change little: do not squash them
        ax.set_ylim(bottom=0)
    if _is_share(outcome):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    return handles, labels


def _legend_columns(labels) -> int:
    """All entries on one line when the names are short, two columns when they are long."""
    return len(labels) if sum(len(lb) for lb in labels) <= 90 else 2


def _order(steps: pd.DataFrame, reference: str) -> list[str]:
    cats = steps["config"].cat.categories if hasattr(steps["config"], "cat") else pd.unique(steps["config"])
    present = set(steps["config"].astype(str))
    names = [str(c) for c in cats if str(c) in present]
    return [reference] + [n for n in names if n != reference]


def over_time(steps: pd.DataFrame, outcomes, reference: str, names: dict | None = None, ncols: int = 3,
              title: str | None = None, size: str = "page", height: float = 2.3) -> Figure:
    """One panel per outcome over time, one line per configuration (mean, band = range over replicates).

    Args:
        steps: weekly outcomes of paired runs (columns config, replicate, step, year, outcomes).
        outcomes: outcome keys (see :data:`SERIES` for how each is smoothed).
        reference: the reference configuration (drawn grey).
        names: configuration -> display name.
        ncols: panels per row.
        title: figure title.
        size: a key of ``analysis.style.SIZES`` (its width is used).
        height: height of one row of panels, in inches.
    """
    apply_style()
    outcomes = list(outcomes)
    names = names or {}
    order = _order(steps, reference)
    colours = config_colours(order, reference)
    ncols = min(ncols, len(outcomes))
    nrows = int(np.ceil(len(outcomes) / ncols))
    w, _ = SIZES[size]
    fig = Figure(figsize=(w, height * nrows + 0.3), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    legends = [_draw_over_time(ax, steps, o, order, names, colours) for ax, o in zip(axes, outcomes)]
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    handles, labels = legends[0]
    fig.legend(handles, labels, loc="outside upper center", ncols=_legend_columns(labels), frameon=False)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def _paired_dots(ax, per_run: pd.DataFrame, measure: str, order: list[str], names: dict, colours: dict) -> None:
    """Each replicate's value per configuration, joined by a line between paired runs."""
    wide = per_run.pivot_table(index="replicate", columns="config", values=measure, observed=True)
    wide.columns = [str(c) for c in wide.columns]
    cols = [c for c in order if c in wide.columns]
    x = np.arange(len(cols))
    for _, row in wide[cols].iterrows():
        ax.plot(x, row.to_numpy(float), color="#555555", lw=0.6, alpha=0.6)
    for i, c in enumerate(cols):
        ax.scatter(np.full(len(wide), i), wide[c], color=colours[c], s=16, zorder=3)
        ax.scatter([i], [wide[c].mean()], color="black", marker="_", s=260, zorder=4)
    ax.set_xticks(x, [names.get(c, c) for c in cols], rotation=15)
    ax.set_xlim(-0.5, len(cols) - 0.5)
    m = _MEASURE[measure]
    ax.set_title(m.short_label + " after shocks" if m.source == "response_time" else m.short_label, fontsize=8)
    ax.set_ylabel(f"{m.unit}, mean per run", fontsize=7)
    ax.set_ylim(bottom=0)


def people_figure(steps: pd.DataFrame, per_run: pd.DataFrame, reference: str, names: dict | None = None,
                  size: str = "page") -> Figure:
    """For people in need: coverage, unmet need, hard-to-reach coverage over time; response time after shocks.

    Args:
        steps: weekly outcomes of paired runs.
        per_run: :func:`analysis.effects.per_run_measures` of the same runs (for response time).
        reference: the reference configuration.
        names: configuration -> display name.
        size: a key of ``analysis.style.SIZES``.
    """
    apply_style()
    names = names or {}
    order = _order(steps, reference)
    colours = config_colours(order, reference)
    w, _ = SIZES[size]
    fig = Figure(figsize=(w, 4.6), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    legends = [_draw_over_time(ax, steps, o, order, names, colours)
               for ax, o in zip(axes[:3], ("coverage", "unmet_need", "hard_to_reach_coverage"))]
    _paired_dots(axes[3], per_run, "response_time", order, names, colours)
    axes[3].annotate("grey lines join runs with the same seed", (0.5, 0.02), xycoords="axes fraction",
                     ha="center", fontsize=6, color="#555555")
    handles, labels = legends[0]
    fig.legend(handles, labels, loc="outside upper center", ncols=_legend_columns(labels), frameon=False)
    return fig


def system_figure(steps: pd.DataFrame, reference: str, names: dict | None = None, size: str = "page") -> Figure:
    """Behind the outcomes: local capacity, funding reaching local actors, brain drain (cumulative)."""
    return over_time(steps, ("local_capacity", "total_local_funding_share", "brain_drain"), reference, names,
                     ncols=3, size=size)


def area_map(areas: pd.DataFrame, xy: np.ndarray, reference: str, config: str, replicate: int = 0,
             names: dict | None = None, size: str = "page") -> Figure:
    """Coverage by area: the reference on the left, the change under ``config`` on the right.

    Args:
        areas: the areas table of paired runs (config, replicate, year, area, area_coverage,
            area_need, hard_to_reach), one row per area and year.
        xy: area positions (n_areas x 2) of that replicate's country (``sim.areas.Areas.xy``).
        reference: the reference configuration.
        config: the configuration whose change is mapped.
        replicate: which replicate's country to draw (each replicate seed draws its own country).
        names: configuration -> display name.
        size: a key of ``analysis.style.SIZES``.
    """
    apply_style()
    names = names or {}
    a = areas[areas["replicate"] == replicate]

    def mean_by_area(cfg):
        d = a[a["config"].astype(str) == cfg]
        return d.groupby("area").agg(cov=("area_coverage", "mean"), need=("area_need", "mean"),
                                     hard=("hard_to_reach", "first"))

    ref, alt = mean_by_area(reference), mean_by_area(config)
    idx = ref.index.to_numpy()
    change = 100.0 * (alt["cov"].reindex(ref.index) - ref["cov"]).to_numpy(float)
    size_pts = 20 + 280 * np.sqrt(ref["need"].to_numpy(float) / max(ref["need"].max(), 1e-12))
    hard = ref["hard"].to_numpy(bool)
    w, _ = SIZES[size]
    fig = Figure(figsize=(w, 3.5), layout="constrained")
    ax0, ax1 = fig.subplots(1, 2)
    lim = max(1.0, float(np.nanmax(np.abs(change))) if len(change) else 1.0)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim)
    for marker, sel in (("o", ~hard), ("^", hard)):
        sc0 = ax0.scatter(xy[idx[sel], 0], xy[idx[sel], 1], s=size_pts[sel], c=100 * ref["cov"].to_numpy(float)[sel],
                          cmap="Greys", vmin=0, vmax=100, marker=marker, edgecolors="black", linewidths=0.5)
        sc1 = ax1.scatter(xy[idx[sel], 0], xy[idx[sel], 1], s=size_pts[sel], c=change[sel], cmap=DIVERGING_CMAP,
                          norm=norm, marker=marker, edgecolors="black", linewidths=0.5)
    ax0.set_title(f"{names.get(reference, reference)}: {label('area_coverage', with_unit=False).lower()}", fontsize=8)
    ax1.set_title(f"Change under {names.get(config, config).lower()}", fontsize=8)
    fig.colorbar(sc0, ax=ax0, label="% of need met", shrink=0.8)
    fig.colorbar(sc1, ax=ax1, label="change (percentage points)", shrink=0.8)
    for ax in (ax0, ax1):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal")
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
    fig.suptitle("Districts: marker size = people in need; triangles = hard to reach", fontsize=7)
    return fig
