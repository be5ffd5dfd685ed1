"""Figures from tidy results. Each function takes DataFrames and returns a Figure.

Labels and units come from the outcome registry (``sim/outcomes.py``); colours from
``analysis/style.py``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from sim.outcomes import label

from .style import REGIME_COLOURS, REGIME_ORDER, SIZES, apply_style

__all__ = ["regime_comparison"]


def regime_comparison(per_run: pd.DataFrame, summary: pd.DataFrame, outcomes, size: str = "page",
                      title: str | None = None):
    """Point estimates with 95% intervals per regime, one panel per outcome, replicates shown.

    Args:
        per_run: one row per run with a ``regime`` column and the outcome columns.
        summary: output of :func:`analysis.stats.summarise` by regime.
        outcomes: outcome keys, one panel each.
    """
    apply_style()
    outcomes = list(outcomes)
    ncols = min(3, len(outcomes))
    nrows = int(np.ceil(len(outcomes) / ncols))
    w, h = SIZES[size]
    fig, axes = plt.subplots(nrows, ncols, figsize=(w, max(h, 1.9 * nrows)), squeeze=False)
    order = [r for r in REGIME_ORDER if r in set(per_run["regime"])]
    for ax, o in zip(axes.ravel(), outcomes):
        sns.stripplot(data=per_run, x="regime", y=o, order=order, hue="regime", palette=REGIME_COLOURS,
                      hue_order=order, size=2.2, alpha=0.45, jitter=0.2, ax=ax, legend=False)
        s = summary[summary["outcome"] == o].set_index("regime")
        for i, r in enumerate(order):
            if r in s.index:
                ax.errorbar(i, s.loc[r, "mean"], yerr=[[s.loc[r, "mean"] - s.loc[r, "ci_low"]],
                                                       [s.loc[r, "ci_high"] - s.loc[r, "mean"]]],
                            fmt="o", color="black", ms=3.5, capsize=2.5, lw=1)
        ax.set_xlabel("")
        ax.set_ylabel(label(o), fontsize=7)
        ax.tick_params(axis="x", rotation=30)
    for ax in axes.ravel()[len(outcomes):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
