"""Figures of the docking runs: capsim's reproduction beside the published values.

Each function takes the table written by ``capsim dock`` (``experiments/docking/dock.py``) and returns a
Figure; outcome labels and units come from the outcome registry (``sim/outcomes.py``), colours
from ``analysis/style.py``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.outcomes import OUTCOMES, label

from .style import SERIES_COLOURS, SIZES, apply_style

__all__ = ["march_figure1", "march_turnover", "cowan_jonard_shape"]

Z95 = 1.96  # normal quantile of a two-sided 95% interval


def _two_line_label(key: str) -> str:
    """An outcome's label with its unit on a second line (for narrow panels)."""
    return f"{label(key, with_unit=False)}\n({OUTCOMES[key].unit})"


def march_figure1(table: pd.DataFrame, tolerance: float, size: str = "page"):
    """March (1991) Figure 1: equilibrium code knowledge against p1, one line per p2, published values beside.

    Args:
        table: one row per (socialisation_rate, code_learning_rate) with ``capsim``, ``capsim_se``,
            ``published`` (NaN where there is none) and ``difference``.
        tolerance: the allowed difference, drawn as a band on the right panel.
        size: a key of ``analysis.style.SIZES``.
    """
    apply_style()
    fig, (ax, dx) = plt.subplots(1, 2, figsize=SIZES[size], gridspec_kw={"width_ratios": [3, 2]})
    for colour, (p2, g) in zip(SERIES_COLOURS, table.groupby("code_learning_rate")):
        g = g.sort_values("socialisation_rate")
        x = g["socialisation_rate"].to_numpy()
        y, se = g["capsim"].to_numpy(), g["capsim_se"].to_numpy()
        ax.plot(x, y, color=colour, lw=1.2, label=f"capsim, p2 = {p2:g}")
        ax.fill_between(x, y - Z95 * se, y + Z95 * se, color=colour, alpha=0.25, lw=0)
        ax.plot(x, g["published"], ls="none", marker="o", mfc="none", mec=colour, ms=4.5,
                label=f"published, p2 = {p2:g}")
        dx.plot(x, g["difference"], color=colour, marker=".", lw=1, label=f"p2 = {p2:g}")
    ax.set_xlabel("Socialisation rate p1 (probability per period)")
    ax.set_ylabel(_two_line_label("code_knowledge"))
    ax.set_title("Equilibrium code knowledge (March 1991, Fig. 1)")
    ax.legend(frameon=False, ncol=2, fontsize=6)
    dx.axhspan(-tolerance, tolerance, color="0.9", lw=0, label=f"|difference| <= {tolerance:g}")
    dx.axhline(0, color="0.4", lw=0.6)
    dx.set_xlabel("Socialisation rate p1 (probability per period)")
    dx.set_ylabel("capsim - published (same unit)")
    dx.set_title("Difference to the published replication")
    lim = max(tolerance * 1.5, float(np.nanmax(np.abs(table["difference"]))) * 1.2)
    dx.set_ylim(-lim, lim)
    dx.legend(frameon=False, fontsize=6)
    fig.tight_layout()
    return fig


def march_turnover(table: pd.DataFrame, periods: int, size: str = "column"):
    """Code knowledge after ``periods`` periods against turnover p3, one line per socialisation rate p1.

    Args:
        table: one row per (socialisation_rate, turnover) with ``code_knowledge`` and ``code_knowledge_se``.
        periods: the horizon, for the title.
        size: a key of ``analysis.style.SIZES``.
    """
    apply_style()
    fig, ax = plt.subplots(figsize=SIZES[size])
    for colour, (p1, g) in zip(SERIES_COLOURS, table.groupby("socialisation_rate")):
        g = g.sort_values("turnover")
        ax.errorbar(g["turnover"], g["code_knowledge"], yerr=Z95 * g["code_knowledge_se"], color=colour,
                    marker="o", ms=3, lw=1, capsize=2, label=f"p1 = {p1:g}")
    ax.set_xlabel("Turnover p3 (probability per period)")
    ax.set_ylabel(_two_line_label("code_knowledge"))
    ax.set_title(f"Code knowledge at period {periods} (March 1991, turnover)")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def cowan_jonard_shape(table: pd.DataFrame, published_peak: float, size: str = "page"):
    """Steady-state mean knowledge and its coefficient of variation against rewiring p (log axis).

    One row of panels per model variant (their knowledge levels differ in scale).

    Args:
        table: one row per (variant, rewiring) with ``mean_knowledge``, ``mean_knowledge_se``,
            ``knowledge_cv``, ``knowledge_cv_se`` and a boolean ``small_world``.
        published_peak: the rewiring probability at which the paper reports the maximum.
        size: a key of ``analysis.style.SIZES``.
    """
    apply_style()
    variants = list(dict.fromkeys(table["variant"]))
    w, h = SIZES[size]
    fig, axes = plt.subplots(len(variants), 2, figsize=(w, max(h, 3.0 * len(variants))), squeeze=False)
    sw = table.loc[table["small_world"].astype(bool), "rewiring"]
    for row, (variant, colour) in enumerate(zip(variants, SERIES_COLOURS)):
        g = table[table["variant"] == variant].sort_values("rewiring")
        for ax, key in zip(axes[row], ("mean_knowledge", "knowledge_cv")):
            if len(sw):
                ax.axvspan(sw.min(), sw.max(), color="0.92", lw=0, label="small world (clustering, path criteria)")
            ax.axvline(published_peak, color="0.3", ls="--", lw=0.8, label=f"published maximum, p ~ {published_peak:g}")
            ax.errorbar(g["rewiring"], g[key], yerr=Z95 * g[f"{key}_se"], color=colour, marker="o", ms=3,
                        lw=1, capsize=2, label="capsim (95% interval)")
            best = g[key].idxmax() if key == "mean_knowledge" else g[key].idxmin()
            ax.plot(g.loc[best, "rewiring"], g.loc[best, key], marker="*", ms=9, color=colour, ls="none",
                    label="capsim maximum" if key == "mean_knowledge" else "capsim minimum")
            ax.set_xscale("log")
            ax.set_xlabel("Rewiring probability p (log scale)")
            ax.set_ylabel(_two_line_label(key))
            ax.set_title(f"{label(key, with_unit=False)}: {variant}", fontsize=8)
        axes[row][0].legend(frameon=False, fontsize=6)
    fig.suptitle("Cowan & Jonard (2004): knowledge barter on a Watts-Strogatz network", fontsize=9)
    fig.tight_layout()
    return fig
