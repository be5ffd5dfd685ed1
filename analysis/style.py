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

__all__ = ["REGIME_COLOURS", "REGIME_ORDER", "REFERENCE_COLOUR", "ALTERNATIVE_COLOURS", "DIVERGING_CMAP", "SIZES",
           "save_figure", "apply_style", "config_colours"]

REGIME_ORDER = list(REGIME_NAMES)
REGIME_COLOURS = {
    "baseline": "#999999",  # grey
    "building": "#E69F00",  # orange
    "strengthening": "#56B4E9",  # sky blue
    "sharing": "#009E73",  # bluish green
}
# A reference configuration (the status quo) against alternatives (donor packages): grey, then
# Okabe-Ito blue, vermillion, reddish purple, yellow. Changes (alternative minus reference) on
# maps use a diverging colour map that stays readable with red-green colour blindness.
REFERENCE_COLOUR = "#999999"
ALTERNATIVE_COLOURS = ("#0072B2", "#D55E00", "#CC79A7", "#F0E442")
DIVERGING_CMAP = "PuOr"
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


def config_colours(names, reference: str) -> dict[str, str]:
    """A colour per configuration: grey for the reference, then the alternative colours in order."""
    alts = [n for n in names if n != reference]
    colours = {reference: REFERENCE_COLOUR}
    for i, n in enumerate(alts):
        colours[n] = ALTERNATIVE_COLOURS[i % len(ALTERNATIVE_COLOURS)]
    return colours
