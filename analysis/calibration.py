"""Pattern-oriented calibration: the observed patterns, judging model points against all of them.

Pattern-oriented modelling (Grimm et al. 2005) asks one parameter set to reproduce several
observed patterns at the same time. The patterns of the status quo (``shared/BRIEF.md``):

================================  =====================  ==========================================
pattern                           accepted range         source
================================  =====================  ==========================================
direct funding to local actors    1-3% of donor funding  Development Initiatives, GHA reports
national staff                    >= 90% of field staff  State of the Humanitarian System 2018, 2022
annual staff turnover             20-46%                 Loquercio, Hammersley & Emmens 2006
expatriate / national pay         about 4 (3.5-4.5)      Project ADD-UP (Carr & MacLachlan)
training applied, right after     62% +- 10 points       Saks & Belcourt 2006
training applied, after 6 months  44% +- 10 points       Saks & Belcourt 2006
training applied, after a year    34% +- 10 points       Saks & Belcourt 2006
================================  =====================  ==========================================

Each pattern is measured from the model (``sim/outcomes.py`` outcomes averaged over a window,
and the training probe of ``sim/probes.py``), never computed from parameters. The pay ratio is
expatriate pay over the pay of national staff *at the same international organisations*
(outcome ``expat_pay_ratio_same_employer``): ADD-UP compared expatriate and national staff in
the same aid organisations ("dual salaries"), i.e. similar jobs; the comparison with local
organisations' pay (outcome ``expat_pay_ratio``) mixes in the NGO wage premium.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Pattern", "PATTERNS", "judge", "accepted_ranges", "calibration_figure", "PATTERN_OUTCOMES"]


@dataclass(frozen=True)
class Pattern:
    """One observed pattern: the measured column, the accepted range and its source.

    ``target`` is the central value used to rank accepted points (None for a one-sided
    pattern, which counts only its violation).
    """

    key: str
    name: str
    lo: float
    hi: float
    target: float | None
    target_text: str
    source: str
    percent: bool = True

    def fmt(self, v: float) -> str:
        if v is None or not np.isfinite(v):
            return "n/a"
        return f"{100 * v:.1f}%" if self.percent else f"{v:.2f}"

    def distance(self, v: np.ndarray) -> np.ndarray:
        """Squared distance to the target in half-widths of the range (one-sided: the violation)."""
        v = np.asarray(v, float)
        half = (self.hi - self.lo) / 2
        if self.target is None:
            return (np.maximum(0.0, self.lo - v) / half) ** 2 + (np.maximum(0.0, v - self.hi) / half) ** 2
        return ((v - self.target) / half) ** 2


PATTERNS: tuple[Pattern, ...] = (
    Pattern("direct_local_funding_share", "Direct funding to local actors", 0.01, 0.03, 0.02, "1-3% of donor funding",
            "Development Initiatives, Global Humanitarian Assistance: 2.0% (2016), 2.9% (2017), 1.2% (2021-22)"),
    Pattern("national_staff_share", "National staff in the field workforce", 0.90, 1.0, None, "at least 90%",
            "State of the Humanitarian System 2018 and 2022"),
    Pattern("staff_turnover_rate", "Annual staff turnover", 0.20, 0.46, 0.33, "20-46% a year",
            "Loquercio, Hammersley & Emmens 2006 (HPN Network Paper 55)"),
    Pattern("expat_pay_ratio_same_employer", "Expatriate to national pay, same employers", 3.5, 4.5, 4.0,
            "about 4 (3.5-4.5)", "Project ADD-UP (Carr & MacLachlan)", percent=False),
    Pattern("training_applied_1w", "Training applied right after (1 week)", 0.52, 0.72, 0.62, "62% +- 10 points",
            "Saks & Belcourt 2006"),
    Pattern("training_applied_26w", "Training applied after 6 months", 0.34, 0.54, 0.44, "44% +- 10 points",
            "Saks & Belcourt 2006"),
    Pattern("training_applied_52w", "Training applied after a year", 0.24, 0.44, 0.34, "34% +- 10 points",
            "Saks & Belcourt 2006"),
)

# Step outcomes the patterns need (the training columns come from the probe).
PATTERN_OUTCOMES = tuple(p.key for p in PATTERNS if not p.key.startswith("training_applied_"))


def judge(points: pd.DataFrame, patterns=PATTERNS) -> pd.DataFrame:
    """Add, per point, ``ok:<pattern>`` for each pattern, ``n_ok``, ``accepted`` (all ok) and ``distance``.

    Args:
        points: one row per point with a column per pattern key (replicate means).
        patterns: the patterns to judge against.
    """
    out = points.copy()
    dist = np.zeros(len(out))
    for p in patterns:
        v = out[p.key].to_numpy(float)
        out[f"ok:{p.key}"] = np.isfinite(v) & (v >= p.lo) & (v <= p.hi)
        dist += np.where(np.isfinite(v), p.distance(v), np.inf)
    oks = out[[f"ok:{p.key}" for p in patterns]]
    out["n_ok"] = oks.sum(axis=1).astype(int)
    out["accepted"] = oks.all(axis=1)
    out["distance"] = dist
    return out


def accepted_ranges(judged: pd.DataFrame, factors) -> pd.DataFrame:
    """Per factor: the searched range and the range (and median) of the accepted points.

    Args:
        judged: output of :func:`judge` with the factor columns.
        factors: :class:`experiments.studies.factors.Factor` objects searched.
    """
    acc = judged[judged["accepted"]]
    rows = []
    for f in factors:
        row = {"factor": f.key, "searched": f.range_text}
        if f.choices:
            row.update(accepted_min=None, accepted_max=None, accepted_median=None,
                       accepted_values=", ".join(sorted(set(acc[f.key]))) if len(acc) else "")
        elif len(acc):
            v = acc[f.key].astype(float)
            row.update(accepted_min=float(v.min()), accepted_max=float(v.max()), accepted_median=float(v.median()),
                       share_of_range=float((v.max() - v.min()) / (f.hi - f.lo)))
        rows.append(row)
    return pd.DataFrame(rows)


def calibration_figure(judged: pd.DataFrame, patterns=PATTERNS, chosen: int | None = None, size: str = "page"):
    """Each pattern's value at every searched point, accepted points highlighted, target range shaded.

    Args:
        judged: output of :func:`judge`.
        patterns: the patterns (one panel each).
        chosen: ``point`` of the set chosen for the preset (marked), if any.
        size: a size from ``analysis.style.SIZES``.
    """
    import matplotlib.pyplot as plt

    from .style import ANALYSIS_COLOURS, SIZES, apply_style

    apply_style()
    w, h = SIZES[size]
    ncols = 4
    nrows = int(np.ceil(len(patterns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(w, max(h, 2.0 * nrows)), squeeze=False)
    rng = np.random.default_rng(0)  # jitter only
    acc = judged["accepted"].to_numpy(bool)
    for ax, p in zip(axes.ravel(), patterns):
        v = judged[p.key].to_numpy(float)
        scale = 100.0 if p.percent else 1.0
        x = rng.uniform(-0.3, 0.3, len(v))
        ax.axhspan(p.lo * scale, p.hi * scale, color=ANALYSIS_COLOURS["target"], alpha=0.25, lw=0,
                   label="observed range")
        ax.scatter(x[~acc], v[~acc] * scale, s=4, color=ANALYSIS_COLOURS["rejected"], label="searched")
        ax.scatter(x[acc], v[acc] * scale, s=9, color=ANALYSIS_COLOURS["accepted"], label="accepted (all patterns)")
        if chosen is not None and (judged["point"] == chosen).any():
            cv = float(judged.loc[judged["point"] == chosen, p.key].iloc[0]) * scale
            ax.scatter([0.0], [cv], s=40, marker="*", color="black", label="status-quo preset", zorder=5)
        ax.set_xticks([])
        ax.set_xlim(-0.5, 0.5)
        ax.set_title(p.name, fontsize=7)
        ax.set_ylabel("%" if p.percent else "ratio")
    for ax in axes.ravel()[len(patterns):]:
        ax.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
