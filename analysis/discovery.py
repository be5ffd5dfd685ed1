"""Scenario discovery with PRIM (the EMA workbench's implementation): boxes, their statistics, figures.

PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010) peels a box around the sample points of
interest in the space of levers and uncertainties. Along its peeling trajectory each box has a
*coverage* (share of all points of interest that lie in the box), a *density* (share of the
points in the box that are of interest) and a *mass* (share of all points in the box). This
module only prepares the data, calls ``ema_workbench.analysis.prim.Prim`` and reads its
public results (``peeling_trajectory``, ``inspect(style="data")``); it does not implement PRIM.

Factors are passed to PRIM as floats (ema_workbench 3.0 fails on integer columns under pandas
3, and on categorical columns when inspecting boxes). A categorical factor is passed as its
ordinal code (``governance.priority_setting``: 0 international, 1 joint, 2 local: increasing
local say), and its limits are translated back into the choices inside the box.
"""

from __future__ import annotations

import logging
import textwrap
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PrimResult", "encode_for_prim", "feature_scores", "find_box", "in_box", "box_table", "tradeoff_figure"]


def encode_for_prim(values: pd.DataFrame, factors) -> pd.DataFrame:
    """The factor columns of ``values`` as floats (categorical factors as their ordinal code)."""
    out = pd.DataFrame(index=values.index)
    for f in factors:
        col = values[f.key]
        if f.choices:
            out[f.key] = col.map({c: float(i) for i, c in enumerate(f.choices)}).astype(float)
        else:
            out[f.key] = col.astype(float)
    return out


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int = 0, trees: int = 250) -> pd.Series:
    """Importance of each factor for telling the points of interest apart (EMA workbench extra trees).

    With dozens of factors and a few hundred points, PRIM peels noise dimensions; screening the
    factors first and running PRIM on the few that matter is the usual scenario-discovery workflow.

    Args:
        x: factor values (float columns).
        y: True for the points of interest.
        seed: seed of the extra-trees forest.
        trees: trees in the forest.

    Returns:
        Scores by factor (summing to 1), highest first.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    logging.getLogger("EMA").setLevel(logging.WARNING)
    scores, _ = feature_scoring.get_ex_feature_scores(x.astype(float).reset_index(drop=True), np.asarray(y, bool),
                                                      mode=RuleInductionType.CLASSIFICATION, nr_trees=int(trees),
                                                      random_state=int(seed))
    return scores.iloc[:, 0].sort_values(ascending=False).rename("score")


@dataclass
class PrimResult:
    """One PRIM box chosen on its peeling trajectory.

    Attributes:
        trajectory: the peeling trajectory (coverage, density, mass, res_dim, n, k per box).
        chosen: index of the chosen box on the trajectory.
        stats: coverage, density, mass, n (points in box), k (points of interest in box), res_dim.
        limits: one row per restricted factor: ``min``, ``max``, ``qp`` (quasi-p value).
        n_interest: points of interest in the whole sample.
        n_points: points in the whole sample.
    """

    trajectory: pd.DataFrame
    chosen: int
    stats: dict
    limits: pd.DataFrame
    n_interest: int
    n_points: int


def find_box(x: pd.DataFrame, y: np.ndarray, min_coverage: float = 0.5, max_restricted: int | None = None,
             peel_alpha: float = 0.05, paste_alpha: float = 0.05, mass_min: float = 0.05) -> PrimResult:
    """Run PRIM and choose the densest box on the trajectory with coverage >= ``min_coverage``.

    Args:
        x: factor values, float columns (see :func:`encode_for_prim`).
        y: True for the points of interest.
        min_coverage: smallest acceptable coverage of the chosen box.
        max_restricted: most restricted factors a chosen box may have (None: any); few
            restrictions keep a box interpretable and less over-fitted to the sample.
        peel_alpha, paste_alpha, mass_min: PRIM's peeling, pasting and minimum-mass settings.

    Raises:
        ValueError: no point, or every point, is of interest (PRIM has nothing to separate).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optional-backend notices at import
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)  # PRIM logs every box at INFO

    y = np.asarray(y, bool)
    if y.sum() == 0 or y.all():
        raise ValueError(f"{int(y.sum())} of {len(y)} points are of interest; PRIM needs some of each")
    x = x.astype(float).reset_index(drop=True)
    p = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
    box = p.find_box()
    traj = box.peeling_trajectory.astype(float).reset_index(drop=True)
    ok = traj["coverage"] >= min_coverage
    if max_restricted is not None:
        ok &= traj["res_dim"] <= max_restricted
    chosen = int(traj.loc[ok, "density"].idxmax()) if ok.any() else 0
    stats, lims = box.inspect(chosen, style="data")[0]
    lims = lims.copy()
    lims.columns = ["min", "max", "qp_low", "qp_high"]
    qp = lims[["qp_low", "qp_high"]].min(axis=1, skipna=True)
    limits = pd.DataFrame({"factor": lims.index, "min": lims["min"].astype(float).to_numpy(),
                           "max": lims["max"].astype(float).to_numpy(), "qp": qp.to_numpy(float)})
    stats = {k: float(stats[k]) for k in ("coverage", "density", "mass", "n", "k", "res_dim")}
    return PrimResult(traj, chosen, stats, limits.reset_index(drop=True), int(y.sum()), len(y))


def in_box(x: pd.DataFrame, result: PrimResult) -> np.ndarray:
    """True for the points of ``x`` inside the chosen box (its restricted factors' limits)."""
    m = np.ones(len(x), bool)
    for r in result.limits.itertuples():
        v = x[r.factor].to_numpy(float)
        m &= (v >= r.min) & (v <= r.max)
    return m


def box_table(result: PrimResult, factors, x: pd.DataFrame) -> pd.DataFrame:
    """The chosen box in words: per restricted factor, the range in the box against the range searched.

    Args:
        result: from :func:`find_box`.
        factors: the factors (to translate categorical codes and show searched ranges).
        x: the data PRIM saw (to tell a lower bound from an upper bound).
    """
    by_key = {f.key: f for f in factors}
    rows = []
    for r in result.limits.itertuples():
        f = by_key[r.factor]
        lo_data, hi_data = float(x[r.factor].min()), float(x[r.factor].max())
        if f.choices:
            inside = [c for i, c in enumerate(f.choices) if r.min <= i <= r.max]
            text = " or ".join(inside)
        elif r.min > lo_data and r.max < hi_data:
            text = f"{r.min:.3g} to {r.max:.3g}"
        elif r.min > lo_data:
            text = f">= {r.min:.3g}"
        else:
            text = f"<= {r.max:.3g}"
        rows.append({"factor": r.factor, "kind": f.kind, "in box": text, "searched": f.range_text,
                     "box_min": r.min, "box_max": r.max, "qp": r.qp})
    return pd.DataFrame(rows)


def tradeoff_figure(results: dict[str, PrimResult], titles: dict[str, str] | None = None, size: str = "page"):
    """Coverage against density along each PRIM peeling trajectory, coloured by restricted factors.

    Args:
        results: PRIM results by case name.
        titles: panel titles by case name.
        size: a size from ``analysis.style.SIZES``.
    """
    import matplotlib.pyplot as plt

    from .style import ANALYSIS_COLOURS, SIZES, apply_style

    apply_style()
    w, h = SIZES[size]
    fig, axes = plt.subplots(1, len(results), figsize=(w * 1.2, h), squeeze=False, sharey=True)
    vmax = max(float(r.trajectory["res_dim"].max()) for r in results.values())
    sc = None
    for ax, (name, r) in zip(axes.ravel(), results.items()):
        t = r.trajectory
        ax.plot(t["coverage"], t["density"], color="#777777", lw=0.6, zorder=1)
        sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", vmin=0, vmax=max(1.0, vmax),
                        s=12, zorder=2)
        c = t.loc[r.chosen]
        ax.scatter([c["coverage"]], [c["density"]], s=90, facecolors="none", edgecolors=ANALYSIS_COLOURS["box"],
                   linewidths=1.6, zorder=3, label=f"chosen box (coverage {c['coverage']:.2f}, density "
                   f"{c['density']:.2f})")
        ax.axhline(r.n_interest / r.n_points, color=ANALYSIS_COLOURS["target"], lw=0.8, ls="--",
                   label=f"share of interest in sample ({r.n_interest / r.n_points:.2f})")
        ax.set_xlabel("coverage: share of cases of interest in box")
        if ax is axes.ravel()[0]:
            ax.set_ylabel("density: share of box that is of interest")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_title(textwrap.fill((titles or {}).get(name, name), 40), fontsize=8)
        ax.legend(fontsize=6, loc="lower left")
    if sc is not None:
        cb = fig.colorbar(sc, ax=axes.ravel().tolist(), shrink=0.8)
        cb.set_label("restricted factors")
    return fig
