"""The capacity map: need by sector against the capacity present, local versus international, per area.

The mapping tool the IASC scoping paper recommends (map capacity needs and availability in a
given context). For each area and sector: the people in need, the staff present and what
they could cover in a week with full funding (``reach``), for local and national actors and
for international actors, and the capacity they bring by dimension (technical,
institutional, contextual, network). ``sim.results.capacity_table`` records it at the start
and the end of a run started from data; this module turns it into the map's table and
figure and writes them (``capacity_map_start.csv/png``, ``capacity_map_end.csv/png``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from sim.outcomes import label

from .style import ACTOR_COLOURS, CAPACITY_CMAP, apply_style, save_figure

__all__ = ["capacity_map", "capacity_map_figure", "write_capacity_maps", "DIMENSIONS", "MAX_AREAS_SHOWN"]

DIMENSIONS = ("technical", "institutional", "contextual", "network")
ACTORS = ("local", "international")
MAX_AREAS_SHOWN = 40  # the figure shows the areas with most need (the table has them all)


def capacity_map(capacity: pd.DataFrame, stage: str) -> pd.DataFrame:
    """The capacity map of one stage as a tidy table.

    Args:
        capacity: ``RunResult.capacity`` (one row per stage, area, sector and actor).
        stage: ``"start"`` or ``"end"``.

    Returns:
        One row per area, sector and actor (``local``, ``international``) with ``need``,
        ``staff_present``, ``reach``, ``reach_to_need`` (reach of both actor groups over
        need; NaN where no one is in need) and ``capacity_<dimension>`` (NaN where no staff).
    """
    if stage not in set(capacity["stage"]):
        raise ValueError(f"stage {stage!r} is not in the capacity table; stages: {sorted(set(capacity['stage']))}")
    df = capacity[capacity["stage"] == stage].copy()
    total_reach = df.groupby(["area", "sector"])["reach"].transform("sum")
    df["reach_to_need"] = np.where(df["need"] > 0, total_reach / df["need"].where(df["need"] > 0), np.nan)
    df = df.sort_values(["area", "sector", "actor"], key=lambda c: c.map({"local": 0, "international": 1})
                        if c.name == "actor" else c)
    front = [c for c in ("run_id", "scenario", "regime", "seed", "stage", "area", "area_name", "sector", "sector_name",
                         "actor", "need", "staff_present", "reach", "reach_to_need") if c in df.columns]
    return df[front + [f"capacity_{d}" for d in DIMENSIONS]].reset_index(drop=True)


def capacity_map_figure(table: pd.DataFrame, title: str | None = None):
    """Need against what local and international actors could cover, per sector and area;
    below, the capacity present by dimension per area.

    Args:
        table: output of :func:`capacity_map` (one stage).
        title: figure title.

    Returns:
        The matplotlib Figure (not shown, not saved).
    """
    apply_style()
    need_by_area = table[table["actor"] == "local"].groupby("area_name", sort=False)["need"].sum()
    order = list(need_by_area.sort_values(ascending=False).index)
    shown = order[:MAX_AREAS_SHOWN]
    sectors = list(dict.fromkeys(table["sector_name"]))
    height = max(2.2, 0.17 * len(shown) + 0.9)
    fig = plt.figure(figsize=(7.2, 2 * height + 0.4), layout="constrained")
    top, bottom = fig.subfigures(2, 1)
    axes = np.atleast_1d(top.subplots(1, len(sectors), sharey=True))
    t = table[table["area_name"].isin(shown)]
    key_need, key_reach = "People in need", "Could cover (people/week): "
    for ax, sector in zip(axes, sectors):
        cell = t[t["sector_name"] == sector]
        bars = pd.concat([
            cell[cell["actor"] == "local"].assign(what=key_need, value=lambda d: d["need"]),
            cell.assign(what=lambda d: key_reach + d["actor"], value=lambda d: d["reach"]),
        ])
        hue_order = [key_need] + [key_reach + a for a in ACTORS]
        palette = {key_need: ACTOR_COLOURS["need"], **{key_reach + a: ACTOR_COLOURS[a] for a in ACTORS}}
        sns.barplot(data=bars, y="area_name", x="value", hue="what", order=shown, hue_order=hue_order,
                    palette=palette, orient="h", ax=ax, legend=ax is axes[0], width=0.85)
        ax.set_title(sector, fontsize=8)
        ax.set_ylabel("")
        ax.set_xlabel("people", fontsize=7)
        ax.tick_params(axis="y", labelsize=6)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
    if axes[0].get_legend() is not None:
        handles, labels = axes[0].get_legend_handles_labels()
        axes[0].get_legend().remove()
        top.legend(handles, labels, loc="outside upper center", ncols=3, fontsize=6, frameon=False)
    hm_axes = bottom.subplots(1, 2, sharey=True)
    for ax, actor in zip(hm_axes, ACTORS):
        grid = _dimension_grid(table[table["actor"] == actor], shown)
        sns.heatmap(grid, vmin=0, vmax=1, cmap=CAPACITY_CMAP, ax=ax, annot=len(shown) <= 25, fmt=".2f",
                    annot_kws={"fontsize": 5}, cbar=actor == ACTORS[-1],
                    cbar_kws={"label": "capacity present (index 0..1)"} if actor == ACTORS[-1] else None)
        ax.set_title(f"{actor.capitalize()} actors: capacity present (grey: none)", fontsize=8)
        ax.set_facecolor("#DDDDDD")
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="y", labelsize=6)
        ax.tick_params(axis="x", labelsize=6, rotation=30)
    if title or len(order) > len(shown):
        note = f" ({len(shown)} of {len(order)} areas, most need first; all in the table)" if len(order) > len(shown) \
            else ""
        fig.suptitle((title or "Capacity map") + note, fontsize=9)
    return fig


def _dimension_grid(rows: pd.DataFrame, areas: list[str]) -> pd.DataFrame:
    """Area x dimension: capacity index averaged over sectors, weighted by staff present."""
    out = {}
    for d in DIMENSIONS:
        col = f"capacity_{d}"
        w = rows["staff_present"].where(rows[col].notna(), 0.0)
        num = (rows[col].fillna(0.0) * w).groupby(rows["area_name"]).sum()
        den = w.groupby(rows["area_name"]).sum()
        out[label(col, with_unit=False).replace(" capacity present", "")] = (num / den.where(den > 0)).reindex(areas)
    return pd.DataFrame(out, index=areas)


def write_capacity_maps(capacity: pd.DataFrame, out_dir: str | Path, stages=("start", "end")) -> list[Path]:
    """Write ``capacity_map_<stage>.csv`` and ``.png`` for each stage; returns the paths.

    Args:
        capacity: ``RunResult.capacity``.
        out_dir: the run's results folder.
        stages: which stages to write.
    """
    out = Path(out_dir)
    written = []
    for stage in stages:
        table = capacity_map(capacity, stage)
        csv = out / f"capacity_map_{stage}.csv"
        table.to_csv(csv, index=False)
        when = "at the start of the run" if stage == "start" else "at the end of the run"
        fig = capacity_map_figure(table, title=f"Capacity map {when}: need and capacity present by area")
        written += [csv, *save_figure(fig, out / f"capacity_map_{stage}", formats=("png",))]
        plt.close(fig)
    return written
