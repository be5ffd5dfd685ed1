"""Figure style shared by every plot: fixed colours, journal and slide sizes, saving, labels of levers.

Colours are from the Okabe-Ito palette (Okabe & Ito 2008; safe for the common forms of colour
blindness), fixed per regime so that a regime has the same colour in every figure. Levels of
other factors get the remaining Okabe-Ito colours in level order; continuous values use the
``cividis`` colour map (designed to be read the same with colour-vision deficiency).

Sizes: one journal column (3.5 in wide), a full page width (7.2 in) and a 16:9 slide (10 in).
Figures are saved as PNG at 300 dpi and as SVG (text kept as text).
"""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import FigureBase  # noqa: E402

from sim.params import REGIME_NAMES, lookup_spec, registry  # noqa: E402

__all__ = ["REGIME_COLOURS", "REGIME_ORDER", "LEVEL_COLOURS", "ACTOR_COLOURS", "CAPACITY_CMAP", "SERIES_COLOURS",
           "REFERENCE_COLOUR", "ALTERNATIVE_COLOURS", "DIVERGING_CMAP", "SIZES", "CMAP", "DPI", "save_figure",
           "figure_paths", "save_pickled_figure", "FigureWriter",
           "apply_style", "colours_for", "factor_label", "level_text", "panel_grid", "config_colours", "ANALYSIS_COLOURS"]

REGIME_ORDER = list(REGIME_NAMES)
REGIME_COLOURS = {
    "baseline": "#999999",  # grey
    "building": "#E69F00",  # orange
    "strengthening": "#56B4E9",  # sky blue
    "sharing": "#009E73",  # bluish green
}
# The capacity map: people in need against what local and international actors could cover.
ACTOR_COLOURS = {
    "need": "#999999",  # grey
    "local": "#D55E00",  # vermillion
    "international": "#0072B2",  # blue
}
CAPACITY_CMAP = "viridis"  # capacity indices 0..1 (perceptually uniform, colour-blind safe)
# Series without a regime (e.g. docking curves), in this order: Okabe-Ito blue, vermillion,
# reddish purple, yellow, black.
SERIES_COLOURS = ["#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000"]
# The other Okabe-Ito colours, for levels of factors other than the regime.
LEVEL_COLOURS = ("#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000", "#E69F00", "#56B4E9", "#009E73")
CMAP = "cividis"
DPI = 300
# A reference configuration (the status quo) against alternatives (donor packages): grey, then
# Okabe-Ito blue, vermillion, reddish purple, yellow. Changes (alternative minus reference) on
# maps use a diverging colour map that stays readable with red-green colour blindness.
REFERENCE_COLOUR = "#999999"
ALTERNATIVE_COLOURS = ("#0072B2", "#D55E00", "#CC79A7", "#F0E442")
DIVERGING_CMAP = "PuOr"
# Width, height in inches: one journal column, two columns (full page), a 16:9 slide.
SIZES = {"column": (3.5, 2.8), "page": (7.2, 4.5), "slide": (10.0, 5.6)}
# Panels per row of small multiples at each size.
COLUMNS = {"column": 2, "page": 3, "slide": 4}
# Short names of levers and factors for labels, from the parameter registry (``short``); the
# registry's meaning is used for the others.
SHORT_NAMES = {key: spec.short for key, spec, _ in registry() if spec.short}


def apply_style(size: str = "page") -> None:
    """Set matplotlib's rcParams for print (fonts scaled to the size)."""
    if size not in SIZES:
        raise ValueError(f"size = {size!r} is unknown; allowed: {', '.join(SIZES)}")
    base = {"column": 7, "page": 8, "slide": 11}[size]
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": DPI, "font.size": base, "axes.titlesize": base, "axes.labelsize": base,
        "legend.fontsize": base - 1, "xtick.labelsize": base - 1, "ytick.labelsize": base - 1,
        "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none", "axes.grid": False,
        "legend.frameon": False,
    })


def panel_grid(n_panels: int, size: str, height_ratio: float = 0.72, max_cols: int | None = None):
    """(rows, cols, figsize) for ``n_panels`` small multiples at a named size."""
    if size not in SIZES:
        raise ValueError(f"size = {size!r} is unknown; allowed: {', '.join(SIZES)}")
    w, h = SIZES[size]
    cols = max(1, min(n_panels, COLUMNS[size] if max_cols is None else max_cols))
    rows = -(-n_panels // cols)
    panel_h = w / cols * height_ratio
    return rows, cols, (w, max(h * 0.6, rows * panel_h + 0.6))


def colours_for(column: str, levels) -> dict:
    """A fixed colour per level: regimes keep theirs, other levels take Okabe-Ito colours in order."""
    levels = list(levels)
    if column == "regime":
        return {lv: REGIME_COLOURS.get(lv, "#000000") for lv in levels}
    return {lv: LEVEL_COLOURS[i % len(LEVEL_COLOURS)] for i, lv in enumerate(levels)}


def factor_label(key: str, width: int | None = None) -> str:
    """Readable name of a swept parameter (short name or the registry's meaning, with unit)."""
    if key in SHORT_NAMES:
        text = SHORT_NAMES[key]
        spec = lookup_spec(key)
        if spec is not None and spec.unit not in ("-", ""):
            text = f"{text} ({spec.unit})"
    else:
        spec = lookup_spec(key)
        if spec is None:
            text = key
        else:
            text = spec.meaning[:1].upper() + spec.meaning[1:]
            if spec.unit not in ("-", ""):
                text = f"{text} ({spec.unit})"
    return textwrap.fill(text, width, break_on_hyphens=False) if width else text


def level_text(key: str, value) -> str:
    """``Direct funding to local actors = 0.25`` (short name, no unit)."""
    name = SHORT_NAMES.get(key, key.rsplit(".", 1)[-1].replace("_", " "))
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{name} = {value}"


def figure_paths(path_stem: str | Path, formats=("png", "svg")) -> list[Path]:
    """The files :func:`save_figure` writes for ``path_stem``, one per format."""
    stem = Path(path_stem)
    return [stem.parent / f"{stem.name}.{fmt}" for fmt in formats]


def save_figure(fig, path_stem: str | Path, formats=("png", "svg")) -> list[Path]:
    """Save as PNG (300 dpi) and SVG next to each other; returns the written paths."""
    out = figure_paths(path_stem, formats)
    out[0].parent.mkdir(parents=True, exist_ok=True)
    for p, fmt in zip(out, formats):
        fig.savefig(p, dpi=DPI, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    return out


def save_pickled_figure(data: bytes, path_stem: str, formats: tuple, rc: dict) -> list[str]:
    """:func:`save_figure` of a pickled figure, or of the figure a pickled drawing makes (a callable that returns
    one, e.g. a ``functools.partial`` of a figure function and its tables), under the sending process's
    rcParams (run in a worker)."""
    with matplotlib.rc_context():
        dict.update(matplotlib.rcParams, rc)  # (values validated where they were set)
        fig = pickle.loads(data)
        if not isinstance(fig, FigureBase):
            fig = fig()
        try:
            return [str(p) for p in save_figure(fig, path_stem, formats)]
        finally:
            plt.close(fig)


class FigureWriter:
    """Writes figures with :func:`save_figure`, here or in worker processes.

    Rendering a figure to PNG and SVG takes most of a report's drawing time (0.6-1.4 s a figure
    at 300 dpi); a pickled figure renders to the same PNG in another process under the same
    rcParams (SVG differs only in the random ids of its clip paths, as between any two saves).
    Given a *drawing* instead of a figure (a callable that makes the figure, e.g. a ``functools.partial`` of a
    figure function and its tables), a worker draws it too: with the drawing done in this process, this process
    was the report's bottleneck (its seven figures took 3.8-4.0 s of its CPU while the two workers rendering
    them waited on it, then it waited 1.5-1.6 s for them; ``docs/bench/README.md``).

    Args:
        submit: ``submit(fn, *args) -> Future`` of a process pool, e.g. ``experiments.runner.Runner.submit``
            with two or more workers; None: draw and write in this process. A drawing that cannot be pickled
            is drawn here and its figure sent; a figure that cannot be pickled is written here.
    """

    def __init__(self, submit=None):
        self.submit = submit
        self.pending: list = []

    def save(self, fig, path_stem: str | Path, formats=("png", "svg")) -> list[Path]:
        """Write ``fig`` (a figure, or a drawing that makes one) now or queued to a worker; returns the paths it is
        written to. The caller may close a figure at once."""
        if self.submit is not None:
            try:
                data = pickle.dumps(fig)
            except Exception:  # noqa: BLE001 - e.g. a lambda formatter: written here instead
                data = None
            if data is not None:
                self.pending.append(self.submit(save_pickled_figure, data, str(path_stem), tuple(formats),
                                                dict(matplotlib.rcParams)))
                return figure_paths(path_stem, formats)
        if not isinstance(fig, FigureBase):  # a drawing: draw it here
            fig = fig()
            try:
                return self.save(fig, path_stem, formats)
            finally:
                plt.close(fig)
        return save_figure(fig, path_stem, formats)

    def wait(self) -> None:
        """Until every queued figure is written (a worker's error is raised here)."""
        pending, self.pending = self.pending, []
        for f in pending:
            f.result()


def config_colours(names, reference: str) -> dict[str, str]:
    """A colour per configuration: grey for the reference, then the alternative colours in order."""
    alts = [n for n in names if n != reference]
    colours = {reference: REFERENCE_COLOUR}
    for i, n in enumerate(alts):
        colours[n] = ALTERNATIVE_COLOURS[i % len(ALTERNATIVE_COLOURS)]
    return colours

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
