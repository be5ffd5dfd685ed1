"""Figure style shared by every plot: a fixed colour per regime and journal/slide sizes.

Colours are from the Okabe-Ito palette (safe for the common forms of colour blindness),
fixed per regime so that a regime has the same colour in every figure.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.params import REGIME_NAMES  # noqa: E402

__all__ = ["REGIME_COLOURS", "REGIME_ORDER", "SIZES", "ANALYSIS_COLOURS", "save_figure", "apply_style"]

REGIME_ORDER = list(REGIME_NAMES)
REGIME_COLOURS = {
    "baseline": "#999999",  # grey
    "building": "#E69F00",  # orange
    "strengthening": "#56B4E9",  # sky blue
    "sharing": "#009E73",  # bluish green
}
# Widths in inches: one journal column, two columns (full page), a 16:9 slide.
SIZES = {"column": (3.5, 2.8), "page": (7.2, 4.5), "slide": (10.0, 5.6)}


def apply_style() -> None:
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 300, "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8,
        "legend.fontsize": 7, "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.spines.top": False,
        "axes.spines.right": False, "svg.fonttype": "none",
    })


def save_figure(fig, path_stem: str | Path, formats=("png", "svg")) -> list[Path]:
    """Save as PNG (300 dpi) and SVG next to each other; returns the written paths."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        p = stem.with_suffix(f".{fmt}")
        fig.savefig(p, dpi=300, bbox_inches="tight")
        out.append(p)
    return out

# Colours of the credibility analyses (calibration, sensitivity, scenario discovery), Okabe-Ito.
ANALYSIS_COLOURS = {
    "first_order": "#0072B2",  # blue
    "total_order": "#D55E00",  # vermillion
    "lever": "#009E73",  # bluish green
    "uncertainty": "#0072B2",  # blue
    "accepted": "#009E73",
    "rejected": "#BBBBBB",
    "target": "#E69F00",  # orange
    "box": "#CC79A7",  # reddish purple
    "noise": "#555555",  # dark grey: noise floor (dummy factor)
    "dummy": "#BBBBBB",
}
