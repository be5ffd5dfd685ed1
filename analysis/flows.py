"""Flow diagrams a reader grasps at a glance: staff moves (brain drain) and the funding chain.

Both are Sankey-style diagrams, one panel per configuration (e.g. per regime), with band
widths on one scale across all panels of a figure, so panels compare by eye; every band is
labelled with its number.

* :func:`staff_flows` - people per year: recruited from outside the sector's employers into
  local and international actors, moved from local to international actors (brain drain:
  ``brain_drain``), and leaving either (quits and layoffs); nodes state the mean headcount.
* :func:`funding_flows` - USD per year along donor -> intermediary -> local actor: paid
  directly to local actors, passed on by intermediaries, kept as overhead, spent by the
  intermediaries' own programmes (the remainder, so the bands add up to the donors' total).

The inputs are long summaries (:func:`analysis.stats.summarise`: one row per configuration and
outcome with its ``mean``) holding the flow outcomes below, recorded every week by the model
(``sim/outcomes.py``); weekly means are shown per year (x 52).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MPath

from sim.outcomes import OUTCOMES

from .figures import ordered_levels
from .style import SIZES, apply_style, level_text

__all__ = ["staff_flows", "funding_flows", "STAFF_FLOW_OUTCOMES", "FUNDING_FLOW_OUTCOMES", "sankey"]

WEEKS_PER_YEAR = 52
STAFF_FLOW_OUTCOMES = ("new_hires_local", "new_hires_intl", "brain_drain", "new_separations_local",
                       "new_separations_intl", "n_staff_local", "n_staff_intl")
FUNDING_FLOW_OUTCOMES = ("donor_disbursed", "funding_direct_local", "funding_via_intermediaries",
                         "overhead_retained")
# Okabe-Ito colours by destination (not regime colours: these are actors, not regimes).
NODE_COLOURS = {"outside": "#999999", "local": "#0072B2", "intl": "#D55E00", "left": "#999999",
                "donors": "#000000", "overhead": "#CC79A7", "own": "#E69F00"}


def _bezier_band(x0, t0, b0, x1, t1, b1) -> MPath:
    """A band from the segment [b0, t0] at x0 to [b1, t1] at x1 with S-shaped edges."""
    xm = (x0 + x1) / 2
    verts = [(x0, t0), (xm, t0), (xm, t1), (x1, t1), (x1, b1), (xm, b1), (xm, b0), (x0, b0), (x0, t0)]
    codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO, MPath.CURVE4, MPath.CURVE4,
             MPath.CURVE4, MPath.CLOSEPOLY]
    return MPath(verts, codes)


def sankey(ax, nodes: dict, links: list, scale: float, node_width: float = 0.035, fontsize: float = 7) -> None:
    """Draw a Sankey diagram on ``ax`` (axes coordinates 0..1).

    Args:
        ax: matplotlib axes (its frame is hidden).
        nodes: name -> dict(x (0..1), top (0..1, upper edge), label, colour, and optionally
            ``label_at``: "above" (default, left-aligned), "above_right" (right-aligned with the
            node's right edge), "below" or "right" (right of the node, centred)).
        links: list of dict(source, target, value, text); a node stacks its outgoing links from
            its top in the order of their targets' heights (highest first), and its incoming links
            in the order of their sources' heights, so bands cross as little as possible.
        scale: height per unit of value (axes fraction), shared across panels.
        node_width: width of a node bar (axes fraction).
        fontsize: size of the labels.
    """
    size = {k: max(sum(lk["value"] for lk in links if lk["source"] == k),
                   sum(lk["value"] for lk in links if lk["target"] == k)) for k in nodes}
    start_out, start_in = {}, {}
    for k in nodes:
        used = 0.0
        for i, lk in sorted(((i, lk) for i, lk in enumerate(links) if lk["source"] == k),
                            key=lambda t: -nodes[t[1]["target"]]["top"]):
            start_out[i] = nodes[k]["top"] - used
            used += max(0.0, lk["value"]) * scale
        used = 0.0
        for i, lk in sorted(((i, lk) for i, lk in enumerate(links) if lk["target"] == k),
                            key=lambda t: -nodes[t[1]["source"]]["top"]):
            start_in[i] = nodes[k]["top"] - used
            used += max(0.0, lk["value"]) * scale
    for i, lk in enumerate(links):
        v = lk["value"] * scale
        if v <= 0:
            continue
        s, t = nodes[lk["source"]], nodes[lk["target"]]
        t0, t1 = start_out[i], start_in[i]
        path = _bezier_band(s["x"] + node_width, t0, t0 - v, t["x"], t1, t1 - v)
        ax.add_patch(PathPatch(path, facecolor=t["colour"], alpha=0.38, lw=0, transform=ax.transAxes))
        if lk.get("text"):
            xm = (s["x"] + node_width + t["x"]) / 2
            ym = (t0 + t1) / 2 - v / 2
            ax.text(xm, ym, lk["text"], transform=ax.transAxes, ha="center", va="center", fontsize=fontsize - 0.5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    for k, nd in nodes.items():
        h = size[k] * scale
        ax.add_patch(Rectangle((nd["x"], nd["top"] - h), node_width, max(h, 0.004), color=nd["colour"],
                               transform=ax.transAxes, lw=0))
        where = nd.get("label_at", "above")
        if where == "right":
            xy, ha, va = (nd["x"] + node_width + 0.015, nd["top"] - max(h, 0.004) / 2), "left", "center"
        elif where == "below":
            xy, ha, va = (nd["x"], nd["top"] - max(h, 0.004) - 0.015), "left", "top"
        elif where == "above_right":
            xy, ha, va = (nd["x"] + node_width, nd["top"] + 0.015), "right", "bottom"
        else:
            xy, ha, va = (nd["x"], nd["top"] + 0.015), "left", "bottom"
        ax.text(*xy, nd["label"], transform=ax.transAxes, fontsize=fontsize, ha=ha, va=va)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")


def _means(summary: pd.DataFrame, keys: dict, outcomes) -> dict:
    sel = np.ones(len(summary), bool)
    for c, v in keys.items():
        sel &= (summary[c] == v).to_numpy()
    g = summary[sel].set_index("outcome")["mean"]
    missing = [o for o in outcomes if o not in g.index]
    if missing:
        raise KeyError(f"flow figure needs outcome(s) {', '.join(missing)} in the summary")
    if g.index.has_duplicates:
        raise ValueError(f"flow figure: several configurations match {keys}; reduce the other factors first")
    return {o: float(g[o]) for o in outcomes}


# Flow panels per row of the figure at each size (a Sankey needs width to be read).
FLOW_COLUMNS = {"column": 1, "page": 2, "slide": 3}


def _panels(summary: pd.DataFrame, col: str | None, row: str | None, size: str):
    """Figure and one (axes, row level, column level) per configuration, wrapped to a readable width."""
    col_levels = ordered_levels(summary[col], col) if col else [None]
    row_levels = ordered_levels(summary[row], row) if row else [None]
    cells = [(rv, cv) for rv in row_levels for cv in col_levels]
    if row and len(col_levels) <= FLOW_COLUMNS[size] + 1:
        ncols = len(col_levels)
    else:
        ncols = min(len(cells), FLOW_COLUMNS[size])
    nrows = -(-len(cells) // ncols)
    w, _h = SIZES[size]
    panel_h = w / ncols * 0.62
    fig, axes = plt.subplots(nrows, ncols, figsize=(w, panel_h * nrows + 0.5), squeeze=False)
    for ax in axes.ravel()[len(cells):]:
        ax.set_visible(False)
    return fig, [(axes.ravel()[k], rv, cv) for k, (rv, cv) in enumerate(cells)], len(col_levels)


def _panel_title(col, cv, row, rv) -> str:
    parts = []
    for k, v in ((row, rv), (col, cv)):
        if k:
            parts.append(str(v) if k == "regime" else level_text(k, v))
    return ", ".join(parts)


def _fmt_people(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def _fmt_usd(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.1f}M"
    if x >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


def staff_flows(summary: pd.DataFrame, col: str | None = "regime", row: str | None = None, size: str = "page",
                title: str | None = None):
    """Staff moving between the outside labour market, local actors and international actors (people/year).

    Args:
        summary: long summary holding :data:`STAFF_FLOW_OUTCOMES` (weekly means per configuration).
        col, row: columns whose levels make the panel columns / rows (one configuration each).
        size: "column", "page" or "slide".
        title: figure title (default explains the units).
    """
    apply_style(size)
    fig, panels, _n_cols = _panels(summary, col, row, size)
    fs = plt.rcParams["font.size"] - 1
    vals = {}
    for _ax, rv, cv in panels:
        keys = {k: v for k, v in ((col, cv), (row, rv)) if k}
        m = _means(summary, keys, STAFF_FLOW_OUTCOMES)
        vals[(rv, cv)] = {k: v * (WEEKS_PER_YEAR if k.startswith("new_") or k == "brain_drain" else 1.0)
                          for k, v in m.items()}
    biggest = max(max(v["new_hires_local"] + v["new_hires_intl"],
                      v["new_hires_local"], v["brain_drain"] + v["new_separations_local"],
                      v["new_hires_intl"] + v["brain_drain"], v["new_separations_local"] + v["new_separations_intl"])
                  for v in vals.values())
    scale = 0.66 / max(biggest, 1e-9)
    for ax, rv, cv in panels:
        v = vals[(rv, cv)]
        intl_h = max(v["new_hires_intl"] + v["brain_drain"], v["new_separations_intl"]) * scale
        top = 0.86
        # International actors sit below the band of local staff leaving, so no band crosses a node.
        intl_top = min(top, max(intl_h + 0.08, top - v["new_separations_local"] * scale - 0.06))
        nodes = {
            "outside": {"x": 0.02, "top": top - 0.04, "label": "Recruited\nfrom outside",
                        "colour": NODE_COLOURS["outside"]},
            "local": {"x": 0.33, "top": top, "label": f"Local actors\n({_fmt_people(v['n_staff_local'])} staff)",
                      "colour": NODE_COLOURS["local"]},
            "intl": {"x": 0.62, "top": intl_top,
                     "label": f"International actors\n({_fmt_people(v['n_staff_intl'])} staff)",
                     "colour": NODE_COLOURS["intl"], "label_at": "below"},
            "left": {"x": 0.93, "top": top - 0.02, "label": "Left\n(quits,\nlayoffs)",
                     "colour": NODE_COLOURS["left"], "label_at": "above_right"},
        }
        links = [
            {"source": "outside", "target": "local", "value": v["new_hires_local"],
             "text": _fmt_people(v["new_hires_local"])},
            {"source": "outside", "target": "intl", "value": v["new_hires_intl"],
             "text": _fmt_people(v["new_hires_intl"])},
            {"source": "local", "target": "left", "value": v["new_separations_local"],
             "text": _fmt_people(v["new_separations_local"])},
            {"source": "local", "target": "intl", "value": v["brain_drain"],
             "text": f"brain drain\n{_fmt_people(v['brain_drain'])}"},
            {"source": "intl", "target": "left", "value": v["new_separations_intl"],
             "text": _fmt_people(v["new_separations_intl"])},
        ]
        sankey(ax, nodes, links, scale, fontsize=fs)
        ax.set_title(_panel_title(col, cv, row, rv))
    fig.suptitle(title or f"Staff flows, people per year ({OUTCOMES['brain_drain'].label.lower()}: local to "
                          "international actors)")
    fig.tight_layout()
    return fig


def funding_flows(summary: pd.DataFrame, col: str | None = "regime", row: str | None = None, size: str = "page",
                  title: str | None = None):
    """Donor money along donor -> intermediary -> local actor (USD per year), one panel per configuration.

    Args:
        summary: long summary holding :data:`FUNDING_FLOW_OUTCOMES` (weekly means per configuration).
        col, row: columns whose levels make the panel columns / rows (one configuration each).
        size: "column", "page" or "slide".
        title: figure title (default explains the units).
    """
    apply_style(size)
    fig, panels, _n_cols = _panels(summary, col, row, size)
    fs = plt.rcParams["font.size"] - 1
    vals = {}
    for _ax, rv, cv in panels:
        keys = {k: v for k, v in ((col, cv), (row, rv)) if k}
        vals[(rv, cv)] = {k: x * WEEKS_PER_YEAR for k, x in _means(summary, keys, FUNDING_FLOW_OUTCOMES).items()}
    biggest = max(v["donor_disbursed"] for v in vals.values())
    scale = 0.66 / max(biggest, 1e-9)
    for ax, rv, cv in panels:
        v = vals[(rv, cv)]
        total = v["donor_disbursed"]
        direct, via, over = v["funding_direct_local"], v["funding_via_intermediaries"], v["overhead_retained"]
        inter = max(0.0, total - direct)
        own = max(0.0, inter - via - over)

        def pct(x):
            return f"{100 * x / total:.1f}%" if total > 0 else "n/a"

        top = 0.88
        right_x = 0.70
        nodes = {
            "donors": {"x": 0.02, "top": top - 0.02, "label": f"Donors\n{_fmt_usd(total)}",
                       "colour": NODE_COLOURS["donors"]},
            "intl": {"x": 0.36, "top": top - 0.02 - direct * scale - 0.07, "label": "International\nintermediaries",
                     "colour": NODE_COLOURS["intl"], "label_at": "below"},
            "local": {"x": right_x, "top": top, "label": f"Local actors\n{pct(direct + via)}",
                      "colour": NODE_COLOURS["local"], "label_at": "right"},
            "overhead": {"x": right_x, "top": top - (direct + via) * scale - 0.07,
                         "label": f"Overhead kept\n{pct(over)}", "colour": NODE_COLOURS["overhead"],
                         "label_at": "right"},
            "own": {"x": right_x, "top": top - (direct + via + over) * scale - 0.14,
                    "label": f"Intermediaries'\nown programmes\n{pct(own)}", "colour": NODE_COLOURS["own"],
                    "label_at": "right"},
        }
        links = [
            {"source": "donors", "target": "local", "value": direct, "text": f"direct {pct(direct)}"},
            {"source": "donors", "target": "intl", "value": inter, "text": f"to intermediaries\n{pct(inter)}"},
            {"source": "intl", "target": "local", "value": via, "text": f"passed on {pct(via)}"},
            {"source": "intl", "target": "overhead", "value": over, "text": ""},
            {"source": "intl", "target": "own", "value": own, "text": ""},
        ]
        sankey(ax, nodes, links, scale, fontsize=fs)
        ax.set_title(_panel_title(col, cv, row, rv))
    fig.suptitle(title or "Donor funding along the chain, USD per year and share of donor funding")
    fig.tight_layout()
    return fig
