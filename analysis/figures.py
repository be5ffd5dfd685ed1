"""Figures from tidy results. Each function takes DataFrames and returns a matplotlib Figure.

* :func:`timeseries` - outcomes over time, one line and 95% band per regime (small multiples);
* :func:`timeseries_grid` - one outcome over time, panels by one or two levers;
* :func:`window_comparison` - point estimates with 95% intervals at a window, replicates shown;
* :func:`lever_heatmap` - an outcome over two levers, one panel per regime;
* :func:`forest_plot` - paired differences to the reference configuration with intervals.

The flow diagrams (brain drain, funding chain) are in :mod:`analysis.flows`. Labels and
units come from the outcome registry (``sim/outcomes.py``), lever names from the parameter
registry, colours and sizes from :mod:`analysis.style`. No function shows or saves a figure.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.outcomes import label

from .dataset import level_order

from .style import CMAP, SIZES, apply_style, colours_for, factor_label, level_text, panel_grid

__all__ = ["timeseries", "timeseries_grid", "window_comparison", "regime_comparison", "lever_heatmap",
           "forest_plot", "binding_constraints", "BINDING_OUTCOMES", "ordered_levels", "compact_axis"]

BAND_ALPHA = 0.22


def ordered_levels(values, column: str) -> list:
    """Levels in reading order (regimes canonical, numbers ascending, ``"null"`` last)."""
    return level_order(values, column)


def _wrap(text: str, size: str, n_cols: int) -> str:
    width = int({"column": 40, "page": 60, "slide": 70}[size] / max(1, n_cols) * 1.6)
    return textwrap.fill(text, max(14, width), break_on_hyphens=False)


def _legend(fig, colours: dict, title: str | None, size: str, marker: str | None = None) -> None:
    handles = [Line2D([0], [0], color=c, lw=2, marker=marker, ls="-" if marker is None else "none")
               for c in colours.values()]
    fig.legend(handles, [str(k) for k in colours], title=title, loc="lower center", ncol=min(len(colours), 6),
               bbox_to_anchor=(0.5, 0.0), frameon=False)


def _compact(x, _pos=None) -> str:
    """Tick label: 250k, 1.2M for large numbers; plain otherwise."""
    ax_ = abs(x)
    if ax_ >= 1e6:
        return f"{x / 1e6:g}M"
    if ax_ >= 1e4:
        return f"{x / 1e3:g}k"
    return f"{x:g}"


def compact_axis(ax, which: str = "y") -> None:
    """Use at most five ticks and 250k/1.2M labels on an axis with large numbers."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_locator(MaxNLocator(5))
    lo, hi = (ax.get_ylim() if which == "y" else ax.get_xlim())
    if max(abs(lo), abs(hi)) >= 1e4:
        axis.set_major_formatter(FuncFormatter(_compact))


def _unique_check(df: pd.DataFrame, cols: list[str], what: str) -> None:
    dup = df.duplicated(cols)
    if dup.any():
        raise ValueError(f"{what}: several rows per {', '.join(cols)}; reduce the other factors first "
                         "(select one level or average over them)")


def timeseries(ts: pd.DataFrame, outcomes, hue: str = "regime", size: str = "page", title: str | None = None,
               shade: tuple[float, float] | None = None):
    """Outcomes over time with 95% bands, one line per level of ``hue``, one panel per outcome.

    Args:
        ts: long table with columns ``hue``, ``outcome``, ``year``, ``mean``, ``ci_low``,
            ``ci_high`` (:func:`analysis.report.time_summary`), one row per level, outcome and time.
        outcomes: outcome keys, one panel each (small multiples).
        hue: the column distinguishing lines (colours fixed per regime).
        size: "column", "page" or "slide".
        title: figure title.
        shade: (start, end) years of the analysis window, shaded in every panel.
    """
    apply_style(size)
    outcomes = list(outcomes)
    _unique_check(ts, [hue, "outcome", "year"], "timeseries")
    rows, cols, figsize = panel_grid(len(outcomes), size)
    fig, axes = plt.subplots(rows, cols, figsize=figsize, squeeze=False, sharex=True)
    colours = colours_for(hue, ordered_levels(ts[hue], hue))
    for ax, o in zip(axes.ravel(), outcomes):
        d = ts[ts["outcome"] == o]
        for lv, c in colours.items():
            g = d[d[hue] == lv].sort_values("year")
            if g.empty:
                continue
            ax.fill_between(g["year"], g["ci_low"], g["ci_high"], color=c, alpha=BAND_ALPHA, lw=0)
            ax.plot(g["year"], g["mean"], color=c, lw=1.2)
        if shade is not None:
            ax.axvspan(shade[0], shade[1], color="0.93", zorder=0, lw=0)
        compact_axis(ax, "y")
        ax.set_ylabel(_wrap(label(o), size, cols))
    for ax in axes[-1]:
        ax.set_xlabel("Time since start (years)")
    for ax in axes.ravel()[len(outcomes):]:
        ax.set_visible(False)
    for r in range(rows - 1):
        for c in range(cols):
            if r * cols + c + cols >= len(outcomes) and axes[r, c].get_visible():
                axes[r, c].set_xlabel("Time since start (years)")
                axes[r, c].xaxis.set_tick_params(labelbottom=True)
    if title:
        fig.suptitle(title)
    _legend(fig, colours, factor_label(hue), size)
    fig.tight_layout(rect=(0, 0.07 if rows > 1 else 0.12, 1, 1))
    return fig


def timeseries_grid(ts: pd.DataFrame, outcome: str, col: str | None = None, row: str | None = None,
                    hue: str = "regime", size: str = "page", title: str | None = None):
    """One outcome over time, panels by the levels of one or two levers, lines by ``hue``.

    Args:
        ts: long time table (see :func:`timeseries`) with the ``col``/``row`` columns.
        outcome: the outcome key.
        col, row: columns whose levels make the panel columns / rows.
        hue: the column distinguishing lines.
        size: "column", "page" or "slide".
        title: figure title.
    """
    apply_style(size)
    d = ts[ts["outcome"] == outcome]
    keys = [k for k in (row, col) if k]
    _unique_check(d, [*keys, hue, "year"], "timeseries_grid")
    col_levels = ordered_levels(d[col], col) if col else [None]
    row_levels = ordered_levels(d[row], row) if row else [None]
    w, h = SIZES[size]
    panel_h = w / len(col_levels) * 0.7
    fig_h = max(h * 0.6, panel_h * len(row_levels) + 0.8)
    fig, axes = plt.subplots(len(row_levels), len(col_levels), figsize=(w, fig_h), squeeze=False, sharex=True,
                             sharey=True)
    colours = colours_for(hue, ordered_levels(d[hue], hue))
    for i, rv in enumerate(row_levels):
        for j, cv in enumerate(col_levels):
            ax = axes[i, j]
            g = d
            if row:
                g = g[g[row] == rv]
            if col:
                g = g[g[col] == cv]
            for lv, c in colours.items():
                s = g[g[hue] == lv].sort_values("year")
                if s.empty:
                    continue
                ax.fill_between(s["year"], s["ci_low"], s["ci_high"], color=c, alpha=BAND_ALPHA, lw=0)
                ax.plot(s["year"], s["mean"], color=c, lw=1.1)
            parts = []
            if row:
                parts.append(level_text(row, rv))
            if col:
                parts.append(level_text(col, cv))
            ax.set_title(_wrap(", ".join(parts), size, len(col_levels)), fontsize=plt.rcParams["font.size"] - 1)
            if i == len(row_levels) - 1:
                ax.set_xlabel("Time since start (years)")
            compact_axis(ax, "y")
    fig.supylabel(_wrap(label(outcome), size, 1), fontsize=plt.rcParams["axes.labelsize"])
    if title:
        fig.suptitle(title)
    _legend(fig, colours, factor_label(hue), size)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def window_comparison(per_run: pd.DataFrame, summary: pd.DataFrame, outcomes, x: str | None = None,
                      hue: str = "regime", size: str = "page", title: str | None = None, seed: int = 0):
    """Point estimates with 95% intervals at a window, every replicate shown as a dot.

    Args:
        per_run: one row per run (configuration columns and outcome columns).
        summary: long summary with the same configuration columns (:func:`analysis.stats.summarise`).
        outcomes: outcome keys, one panel each.
        x: column whose levels are the x positions (None: the levels of ``hue``).
        hue: column coloured with fixed colours (side by side within an x position).
        size: "column", "page" or "slide".
        title: figure title.
        seed: seed of the horizontal jitter of the dots.
    """
    apply_style(size)
    outcomes = list(outcomes)
    keys = [k for k in dict.fromkeys([x, hue]) if k]
    _unique_check(summary, [*keys, "outcome"], "window_comparison")
    rows, cols, figsize = panel_grid(len(outcomes), size, height_ratio=0.8)
    fig, axes = plt.subplots(rows, cols, figsize=figsize, squeeze=False)
    hue_levels = ordered_levels(per_run[hue], hue)
    colours = colours_for(hue, hue_levels)
    x_levels = ordered_levels(per_run[x], x) if x and x != hue else [None]
    n_h = len(hue_levels)
    width = 0.8 if x_levels != [None] else 0.0
    rng = np.random.default_rng(seed)
    for ax, o in zip(axes.ravel(), outcomes):
        s = summary[summary["outcome"] == o]
        for xi, xv in enumerate(x_levels):
            for hi_, hv in enumerate(hue_levels):
                pos = (xi + (hi_ - (n_h - 1) / 2) * width / n_h) if xv is not None else hi_
                sel_run = per_run[hue] == hv
                sel_sum = s[hue] == hv
                if xv is not None:
                    sel_run &= per_run[x] == xv
                    sel_sum &= s[x] == xv
                vals = per_run.loc[sel_run, o].to_numpy(float)
                if len(vals) == 0:
                    continue
                jit = rng.uniform(-0.12, 0.12, len(vals)) * (1 if xv is None else width / n_h)
                ax.scatter(pos + jit, vals, s=5, color=colours[hv], alpha=0.45, lw=0)
                r = s[sel_sum]
                if len(r):
                    r = r.iloc[0]
                    ax.errorbar(pos, r["mean"], yerr=[[max(0.0, r["mean"] - r["ci_low"])],
                                                       [max(0.0, r["ci_high"] - r["mean"])]],
                                fmt="o", color="black", mfc=colours[hv], ms=4, capsize=2.5, lw=1, zorder=3)
        if x_levels == [None]:
            ax.set_xticks(range(n_h), [str(h) for h in hue_levels], rotation=30, ha="right")
        else:
            ax.set_xticks(range(len(x_levels)), [f"{v:g}" if isinstance(v, float) else str(v) for v in x_levels])
            ax.set_xlabel(_wrap(factor_label(x), size, cols))
        compact_axis(ax, "y")
        ax.set_ylabel(_wrap(label(o), size, cols))
    for ax in axes.ravel()[len(outcomes):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    if x_levels != [None]:
        _legend(fig, colours, factor_label(hue), size, marker="o")
        fig.tight_layout(rect=(0, 0.07, 1, 1))
    else:
        fig.tight_layout()
    return fig


BINDING_OUTCOMES = ("bound_by_cash", "bound_by_staff", "bound_by_need")


def binding_constraints(summary: pd.DataFrame, x: str, hue: str = "regime", size: str = "page"):
    """What binds delivery along a lever: stacked shares of potential output bound by cash, staff and
    need (``sim/delivery.py``), one bar per lever level, panels by ``hue``; the share lost to access
    difficulty drawn as a line. Returns the figure.

    Args:
        summary: long summary with ``x``, ``hue``, ``outcome``, ``mean`` rows for the
            :data:`BINDING_OUTCOMES` and ``access_loss_share``.
        x: the lever along the horizontal axis (e.g. ``funding.annual_budget``).
        hue: panels (one per level).
        size: "column", "page" or "slide".
    """
    apply_style(size)
    panels = ordered_levels(summary[hue], hue) if hue in summary.columns else [None]
    rows, cols, figsize = panel_grid(len(panels), size, height_ratio=0.8)
    fig, axes = plt.subplots(rows, cols, figsize=figsize, squeeze=False)
    colours = {"bound_by_cash": "#D55E00", "bound_by_staff": "#0072B2", "bound_by_need": "#999999"}
    for ax, pv in zip(axes.ravel(), panels):
        s = summary if pv is None else summary[summary[hue] == pv]
        levels = ordered_levels(s[x], x)
        pos = np.arange(len(levels))
        bottom = np.zeros(len(levels))
        for o in BINDING_OUTCOMES:
            vals = np.array([s[(s[x] == lv) & (s["outcome"] == o)]["mean"].mean() for lv in levels])
            ax.bar(pos, vals, bottom=bottom, color=colours[o], label=label(o, with_unit=False), width=0.7)
            bottom += np.nan_to_num(vals)
        acc = np.array([s[(s[x] == lv) & (s["outcome"] == "access_loss_share")]["mean"].mean() for lv in levels])
        if np.isfinite(acc).any():
            ax.plot(pos, acc, color="black", marker="o", ms=3, lw=1, label=label("access_loss_share", with_unit=False))
        ax.set_xticks(pos, [_compact(v) if isinstance(v, (int, float)) else str(v) for v in levels])
        ax.set_xlabel(_wrap(factor_label(x), size, cols))
        ax.set_ylabel("share of potential output")
        ax.set_ylim(0, 1)
        if pv is not None:
            ax.set_title(str(pv))
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    handles, labels_ = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="lower center", ncol=2, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def regime_comparison(per_run: pd.DataFrame, summary: pd.DataFrame, outcomes, size: str = "page",
                      title: str | None = None):
    """Regimes side by side at a window: :func:`window_comparison` with ``hue="regime"``.

    Args:
        per_run: one row per run with a ``regime`` column and the outcome columns.
        summary: output of :func:`analysis.stats.summarise` by regime.
        outcomes: outcome keys, one panel each.
        size: "column", "page" or "slide".
        title: figure title.
    """
    return window_comparison(per_run, summary, outcomes, x=None, hue="regime", size=size, title=title)


def lever_heatmap(summary: pd.DataFrame, outcome: str, x: str, y: str, panel: str | None = "regime",
                  size: str = "page", title: str | None = None):
    """An outcome over two levers (mean per cell, annotated), one panel per level of ``panel``.

    All panels share one colour scale (``cividis``), labelled with the outcome's registry label.

    Args:
        summary: long summary with columns ``x``, ``y``, ``panel``, ``outcome``, ``mean``.
        outcome: the outcome key.
        x, y: the two levers (columns).
        panel: the column whose levels get one panel each (None: one panel).
        size: "column", "page" or "slide".
        title: figure title.
    """
    apply_style(size)
    d = summary[summary["outcome"] == outcome]
    keys = [k for k in (panel, x, y) if k]
    _unique_check(d, keys, "lever_heatmap")
    panels = ordered_levels(d[panel], panel) if panel else [None]
    w, h = SIZES[size]
    n = len(panels)
    fig, axes = plt.subplots(1, n + 1, figsize=(w, max(h * 0.75, w / (n + 0.3) * 0.85)), squeeze=False,
                             gridspec_kw={"width_ratios": [1] * n + [0.06]})
    vmin, vmax = float(d["mean"].min()), float(d["mean"].max())
    dec = 3 if max(abs(vmin), abs(vmax)) < 10 else 0
    short = dec > 0 and max(abs(vmin), abs(vmax)) < 1  # ".376" rather than "0.376" in narrow cells
    n_cols = n * max(1, d[x].nunique())
    font = plt.rcParams["font.size"] - 1
    if n_cols > 8:  # many narrow cells across the figure: smaller numbers, so that they do not touch
        font = max(4.0, font * 8 / n_cols * 1.4)

    def fmt(v: float) -> str:
        s = f"{v:.{dec}f}"
        return s.replace("0.", ".", 1) if short and s.lstrip("-").startswith("0.") else s

    for ax, pv in zip(axes[0, :n], panels):
        g = d if pv is None else d[d[panel] == pv]
        grid = g.pivot(index=y, columns=x, values="mean")
        grid = grid.reindex(index=ordered_levels(grid.index, y)[::-1], columns=ordered_levels(grid.columns, x))
        text = grid.map(lambda v: "" if pd.isna(v) else fmt(float(v)))
        sns.heatmap(grid, ax=ax, cmap=CMAP, vmin=vmin, vmax=vmax, annot=text.to_numpy(), fmt="",
                    cbar=ax is axes[0, n - 1], cbar_ax=axes[0, n] if ax is axes[0, n - 1] else None,
                    cbar_kws={"label": _wrap(label(outcome), size, 3)}, linewidths=0.5, linecolor="white",
                    annot_kws={"fontsize": font})
        ax.set_xticklabels([f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns], rotation=0)
        ax.set_yticklabels([f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index], rotation=0)
        ax.set_xlabel(_wrap(factor_label(x), size, n))
        ax.set_ylabel(_wrap(factor_label(y), size, n) if ax is axes[0, 0] else "")
        if pv is not None:
            ax.set_title(level_text(panel, pv) if panel != "regime" else str(pv))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def forest_plot(diffs: pd.DataFrame, outcomes, label_cols, colour_by: str = "regime", size: str = "page",
                title: str | None = None):
    """Paired differences to the reference with 95% intervals: one panel per outcome, one row per configuration.

    Each row is annotated with the standardised effect size d_z. Rows are coloured by
    ``colour_by`` (fixed regime colours) when that column is present.

    Args:
        diffs: output of :func:`analysis.stats.differences_to_reference`.
        outcomes: outcome keys, one panel each.
        label_cols: columns whose values name a row (the configuration).
        colour_by: column giving each row its colour.
        size: "column", "page" or "slide".
        title: figure title.
    """
    apply_style(size)
    outcomes = [o for o in outcomes if o in set(diffs["outcome"])]
    label_cols = list(label_cols)
    if not outcomes:
        raise ValueError("forest_plot: none of the outcomes is in the differences table")
    first = diffs[diffs["outcome"] == outcomes[0]]
    configs = first[label_cols].drop_duplicates()
    for c in label_cols[::-1]:
        order = {v: i for i, v in enumerate(ordered_levels(configs[c], c))}
        configs = configs.iloc[np.argsort(configs[c].map(order).to_numpy(), kind="stable")]
    if len(label_cols) == 1:
        c0 = label_cols[0]
        names = [str(v) if c0 == "regime" else level_text(c0, v) for v in configs[c0]]
        key_text = ""
    else:  # compact rows ("sharing · 0.25 · 0.6") with the key in the figure
        names = [" · ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row)
                 for row in configs.itertuples(index=False)]
        key_text = "Rows: " + " · ".join(factor_label(c).split(" (")[0] for c in label_cols)
    n_rows = len(names)
    rows, cols, (w, _h) = panel_grid(len(outcomes), size, max_cols=3 if size != "column" else 1)
    panel_h = 1.0 + 0.2 * n_rows
    fig, axes = plt.subplots(rows, cols, figsize=(w, 0.4 + rows * panel_h), squeeze=False, sharey=True)
    colour_levels = ordered_levels(diffs[colour_by], colour_by) if colour_by in diffs.columns else []
    colours = colours_for(colour_by, colour_levels)
    small = plt.rcParams["font.size"] - 2
    for ax, o in zip(axes.ravel(), outcomes):
        d = diffs[diffs["outcome"] == o]
        for i, row in enumerate(configs.itertuples(index=False)):
            sel = np.ones(len(d), bool)
            for c, v in zip(label_cols, row):
                sel &= (d[c] == v).to_numpy()
            if not sel.any():
                continue
            r = d[sel].iloc[0]
            c = colours.get(r[colour_by], "black") if colour_by in d.columns else "black"
            y = n_rows - 1 - i
            ax.errorbar(r["diff"], y, xerr=[[max(0.0, r["diff"] - r["ci_low"])], [max(0.0, r["ci_high"] - r["diff"])]],
                        fmt="o", color=c, ms=3.5, capsize=2, lw=1.2)
            if np.isfinite(r["effect_size"]):
                ax.annotate(f"d={r['effect_size']:+.1f}", (r["ci_high"], y), xytext=(3, 0), textcoords="offset points",
                            fontsize=small, ha="left", va="center", color="0.35")
        ax.axvline(0, color="0.4", lw=0.8, ls="--")
        lo_x, hi_x = ax.get_xlim()
        ax.set_xlim(lo_x, hi_x + 0.22 * (hi_x - lo_x))  # room for the d labels
        compact_axis(ax, "x")
        ax.set_yticks(range(n_rows), names[::-1])
        ax.set_ylim(-0.6, n_rows - 0.2)
        ax.set_xlabel(_wrap(f"Difference: {label(o)}", size, cols))
    for ax in axes.ravel()[len(outcomes):]:
        ax.set_visible(False)
    ref = str(diffs["reference"].iloc[0]) if len(diffs) else ""
    fig.suptitle(_wrap(title or f"Paired differences to the reference ({ref}); 95% intervals; d = d_z effect size",
                       size, 1))
    if key_text:
        fig.text(0.01, 0.005, key_text, fontsize=plt.rcParams["font.size"] - 1, ha="left", va="bottom")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    else:
        fig.tight_layout()
    return fig
