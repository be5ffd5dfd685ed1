"""The report of one sweep: tables, every figure for its experiment, and one self-contained HTML page.

``capsim report <sweep_dir>`` (and ``capsim compare``, on the sweep directory it writes) calls
:func:`build_report`, which writes into ``<sweep_dir>/report/``:

* per window (``last:<window_years>`` from sweep.json, plus ``after_shock:1`` when the runs
  have a rapid-onset shock with a year of results after it): ``per_run_<w>.csv`` (one row per
  run), ``summary_<w>.csv`` (long: configuration x outcome, n, mean, median, sd, interval),
  ``summary_table_<w>.csv``/``.md`` (one row per configuration, outcomes as columns, each
  "estimate [low, high]"), and when the sweep names a reference configuration
  ``paired_differences_<w>.csv`` and ``differences_table_<w>.csv``/``.md``;
* ``timeseries.csv``: mean and interval per configuration, outcome and time bin;
* ``localisation_table_<w>.csv``/``.md``: the localisation measures in the field's own terms
  (Grand Bargain, quality of funding, NEAR framework areas; ``sim/localisation.py``) over the main
  window, with their definitions (selectable as outcomes too: ``--outcomes``); and
  ``people_table_<w>.csv``/``.md``: affected people and communities (priorities and feedback,
  community capacity and preparedness, inclusion; :data:`analysis.tables.MEASURE_TABLES`);
* figures (PNG 300 dpi + SVG), each with a sidecar ``<figure>.json`` caption stating the
  experiment, replicates, seeds, config hash, window and provenance;
* ``index.html``: question, answer (generated from the numbers), setup, main tables,
  figures (embedded), and provenance; opens with no server;
* ``report.json``: every file written, with its SHA-256.

Which figures a sweep gets depends on its factors: outcomes over time by regime (small
multiples); the primary outcome over time by lever levels when levers vary; the comparison
at each window; a two-lever heatmap per regime when two numeric levers vary; the forest
plot of paired differences when there is a reference; staff and funding flow diagrams.
A run started from data whose 3W gives people reached also gets the country's own check
(``reached_check.csv`` and figure): reported against modelled people reached per area
(:func:`reached_check`; ``capsim run`` writes the same next to the run's results).
Factors not shown in a figure are held at their reference level (or their first level when
the reference does not name them) or averaged over, and the caption says which.
"""

from __future__ import annotations

import json
import time
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.outcomes import MAIN_OUTCOMES, OUTCOMES, label

from . import figures, flows, pathways, tables
from sim.store import analysis_packages, file_sha256

from .dataset import Results, load
from .stats import CI_LEVEL, N_BOOT, _quiet, bootstrap_columns, differences_to_reference, equal_to, summarise
from .style import SIZES, FigureWriter, factor_label, level_text, save_figure
from .windows import STEPS_PER_YEAR, Window, per_run_means

__all__ = ["Report", "build_report", "time_summary", "start_time_summary", "default_outcomes", "default_windows", "INTERVAL_TEXT",
           "analysis_packages", "reached_check", "reached_summary", "reached_summary_line", "reached_check_figure",
           "write_reached_check", "REACHED_CHECK_NOTE"]

INTERVAL_TEXT = ("95% bias-corrected and accelerated bootstrap intervals, widened for small samples "
                 "(Hesterberg 2015)")
# Outcomes drawn over time and in the forest plot (after the primary outcome), in reading order.
FOREST_ROWS = 30  # most configurations in one forest plot (readability)
FIGURE_OUTCOMES = ("coverage", "unmet_need", "hard_to_reach_coverage", "response_time", "local_capacity",
                   "total_local_funding_share", "local_decision_share", "brain_drain", "cost_per_need_met")


def default_outcomes(data: Results) -> list[str]:
    """The primary outcome, the sweep's secondary outcomes, the main outcomes, response time and the flow
    outcomes present in the data."""
    keys = [data.primary_outcome, *(data.info.get("secondary_outcomes") or []), *MAIN_OUTCOMES, "response_time",
            *flows.STAFF_FLOW_OUTCOMES, *flows.FUNDING_FLOW_OUTCOMES]
    present = set(data.steps.columns) | ({"response_time"} if len(data.shocks) else set())
    return [k for k in dict.fromkeys(keys) if k in present and k in OUTCOMES]


def default_windows(data: Results) -> list[Window]:
    """``last:<window_years>``, plus ``after_shock:1`` when a run has a full year after a rapid-onset shock."""
    wins = [Window("last", length=data.window_years)]
    s = data.shocks
    if len(s):
        last = data.steps.groupby("run_id", observed=True)["step"].max()
        rapid = s[s["kind"].astype(str) == "rapid_onset"]
        if len(rapid) and ((rapid["step"] + STEPS_PER_YEAR - 1) <= rapid["run_id"].map(last)).any():
            wins.append(Window("after_shock", length=1.0))
    return wins


def time_summary(data: Results, outcomes, config_cols, bin_weeks: int = 4, seed: int = 0,
                 n_boot: int = N_BOOT) -> pd.DataFrame:
    """Mean and interval over replicates per configuration, outcome and time bin.

    Args:
        data: the loaded results.
        outcomes: step outcome keys.
        config_cols: configuration columns.
        bin_weeks: weeks per time bin (each run's weekly values are averaged within a bin first).
        seed, n_boot: bootstrap seed and resamples.

    Returns:
        Long table: configuration columns, ``outcome``, ``bin``, ``year`` (bin centre),
        ``n``, ``mean``, ``median``, ``ci_low``, ``ci_high``.
    """
    return start_time_summary(data, outcomes, config_cols, bin_weeks, seed, n_boot)()


def start_time_summary(data: Results, outcomes, config_cols, bin_weeks: int = 4, seed: int = 0,
                       n_boot: int = N_BOOT, submit=None):
    """:func:`time_summary` in two halves: the bootstraps start now (with ``submit``, in a process pool: the
    same numbers, as each configuration's resampling depends on ``seed`` alone), and the returned
    function waits for them and returns the table."""
    outcomes = [o for o in outcomes if o in data.steps.columns]
    config_cols = list(config_cols)
    s = data.steps
    b = (s["step"] // bin_weeks).rename("bin")
    binned = s.groupby([s["run_id"], b], observed=True, sort=True)[outcomes].mean()
    ident = s.groupby("run_id", observed=True, sort=False)[[*config_cols, "replicate"]].first()
    started = []
    for key, runs in ident.groupby(config_cols, observed=True, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        sub = binned.loc[binned.index.get_level_values("run_id").isin(runs.index)]
        wide = sub.unstack("bin")  # rows: runs; columns: (outcome, bin)
        matrix = wide.to_numpy(float)
        boot = (submit(bootstrap_columns, matrix, CI_LEVEL, n_boot, seed) if submit is not None
                else bootstrap_columns(matrix, seed=seed, n_boot=n_boot))
        started.append((key, wide.columns, matrix, boot))

    def finish() -> pd.DataFrame:
        parts = []
        for key, cols, matrix, boot in started:
            est, lo, hi, n = boot.result() if submit is not None else boot
            with _quiet():
                med = np.nanmedian(matrix, axis=0)
            part = pd.DataFrame({"outcome": cols.get_level_values(0), "bin": cols.get_level_values(1).astype(int),
                                 "n": n, "mean": est, "median": med, "ci_low": lo, "ci_high": hi})
            for c, v in zip(config_cols, key):
                part.insert(0, c, v)
            parts.append(part)
        out = pd.concat(parts, ignore_index=True)
        out.insert(len(config_cols) + 2, "year", (out["bin"] * bin_weeks + (bin_weeks - 1) / 2) / STEPS_PER_YEAR)
        return out

    return finish


@dataclass
class WindowResult:
    """Per-run means, summaries and paired differences for one window."""

    window: Window
    per_run: pd.DataFrame
    summary: pd.DataFrame
    diffs: pd.DataFrame


@dataclass
class Report:
    """Builds the report of one results directory step by step (see :func:`build_report`).

    Args:
        data: loaded results.
        out_dir: where the report is written.
        windows: analysis windows (the first is the main one).
        outcomes: outcomes summarised.
        size: figure size ("column", "page" or "slide").
        seed: bootstrap seed.
        n_boot: bootstrap resamples.
        bin_weeks: weeks per time bin of the time series.
        formats: figure file formats.
    """

    data: Results
    out_dir: Path
    windows: list[Window]
    outcomes: list[str]
    size: str = "page"
    seed: int = 0
    n_boot: int = N_BOOT
    bin_weeks: int = 4
    formats: tuple[str, ...] = ("png", "svg")
    results: dict = field(default_factory=dict)
    figures: list[dict] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    timeseries: pd.DataFrame | None = None
    pathways: "pathways.Decomposition | None" = None
    pathway_groups: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    reached: pd.DataFrame | None = None  # the country's own check (a run from data with #reached)
    measure_tables: dict = field(default_factory=dict)  # tables.MEASURE_TABLES name -> summary over the main window

    # ------------------------------------------------------------------ configuration helpers
    @property
    def config_cols(self) -> list[str]:
        return self.data.config_columns

    @property
    def main(self) -> WindowResult:
        return self.results[self.windows[0].spec]

    def _held_level(self, factor: str):
        ref = self.data.reference or {}
        levels = self.data.levels(factor)
        if factor in ref:
            for lv in levels:
                if equal_to(pd.Series([lv]), ref[factor])[0]:
                    return lv
        return levels[0]

    def _hold(self, df: pd.DataFrame, keep: list[str]) -> tuple[pd.DataFrame, dict]:
        """Rows where every varying factor not in ``keep`` is at its held level."""
        held = {}
        for f in self.data.varying:
            if f not in keep:
                lv = self._held_level(f)
                df = df[df[f] == lv]
                held[f] = lv
        return df, held

    @property
    def hue(self) -> str:
        v = self.data.varying
        return "regime" if "regime" in v or not v else v[0]

    def _lever_factors(self) -> list[str]:
        """Varying factors other than the hue, numeric ones first."""
        rest = [f for f in self.data.varying if f != self.hue]
        return sorted(rest, key=lambda f: (not pd.api.types.is_numeric_dtype(self.data.steps[f]), rest.index(f)))

    def measure_outcomes(self, name: str) -> list[str]:
        """The outcomes of one of :data:`analysis.tables.MEASURE_TABLES` present in the data."""
        cols = set(self.data.steps.columns) | set(self.data.shocks.columns if self.data.shocks is not None else ())
        return [o for o in tables.MEASURE_TABLES[name][0] if o in cols]

    def measure_definitions(self, name: str) -> pd.DataFrame:
        """Each measure's label, unit and definition (source formula, or what a proxy stands for)."""
        return pd.DataFrame([{"measure": OUTCOMES[o].label, "key": o, "unit": OUTCOMES[o].unit,
                              "definition": OUTCOMES[o].description} for o in self.measure_outcomes(name)])

    # ------------------------------------------------------------------ numbers
    def compute(self, submit=None) -> "Report":
        """Per-run means, summaries, paired differences (per window) and the time summary.

        Args:
            submit: ``submit(fn, *args) -> Future`` of a process pool: the time summary's bootstraps run
                there while this process computes the windows (same numbers); None: all here.
        """
        d = self.data
        keys = list(dict.fromkeys(["scenario", "regime", "seed", "replicate", *self.config_cols]))
        ref = d.reference
        step_outcomes = [o for o in self.outcomes if o in d.steps.columns]
        timeseries = start_time_summary(d, step_outcomes, self.config_cols, self.bin_weeks, self.seed, self.n_boot,
                                        submit)
        for w in self.windows:
            per_run = per_run_means(d.steps, d.shocks, w, self.outcomes, keys)
            summary = summarise(per_run, self.config_cols, self.outcomes, seed=self.seed, n_boot=self.n_boot)
            diffs = pd.DataFrame()
            if ref and _reference_present(per_run, ref):
                diffs = differences_to_reference(per_run, ref, self.config_cols, self.outcomes, pair_on="replicate",
                                                 seed=self.seed, n_boot=self.n_boot)
            self.results[w.spec] = WindowResult(w, per_run, summary, diffs)
        for name in tables.MEASURE_TABLES:
            measures = self.measure_outcomes(name)
            if measures:
                w = self.windows[0]
                self.measure_tables[name] = summarise(per_run_means(d.steps, d.shocks, w, measures, keys),
                                                      self.config_cols, measures, seed=self.seed, n_boot=self.n_boot)
        self.timeseries = timeseries()
        self._compute_pathways(keys, step_outcomes)
        return self

    def _compute_pathways(self, keys: list[str], step_outcomes: list[str]) -> None:
        """The Shapley decomposition when pathway switches vary (``analysis/pathways.py``)."""
        d = self.data
        switches = [c for c in pathways.switch_columns(d.varying)]
        if not switches:
            return
        self.pathway_groups = [f for f in d.varying if f not in switches]
        exit_year = ((d.info.get("config") or {}).get("funding") or {}).get("exit_year")
        per_run = pathways.window_values(d.steps, step_outcomes, keys, exit_year=exit_year, shocks=d.shocks)
        wanted = [d.primary_outcome, *(d.info.get("secondary_outcomes") or []), *MAIN_OUTCOMES]
        outs = [o for o in dict.fromkeys(wanted) if o in step_outcomes] + list(pathways.SHOCK_MEASURES)
        self.pathways = pathways.decompose(per_run, outs, group_cols=self.pathway_groups, seed=self.seed,
                                           n_boot=self.n_boot)

    def pathway_group_values(self) -> list[dict]:
        """Each combination of the non-switch factors of a pathways sweep (one decomposition each)."""
        if self.pathways is None:
            return []
        t = self.pathways.table
        if not self.pathway_groups:
            return [{}]
        return t[self.pathway_groups].drop_duplicates().to_dict("records")

    # ------------------------------------------------------------------ tables
    def _write(self, path: Path, text_or_df) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text_or_df, pd.DataFrame):
            text_or_df.to_csv(path, index=False)
        else:
            path.write_text(text_or_df)
        self.written.append(path)
        return path

    def table_note(self, w: Window) -> str:
        d = self.data
        return (f"Mean over {d.n_replicates} replicate(s) per configuration of each run's mean over {w.describe()}; "
                f"[{INTERVAL_TEXT}; {self.n_boot} resamples, seed {self.seed}]. Experiment {d.experiment}, "
                f"config hash {d.config_hash}, base seed {d.base_seed}, data {_short_files(d.files)}.")

    def diff_note(self, w: Window) -> str:
        ref = ", ".join(f"{k}={v}" for k, v in (self.data.reference or {}).items())
        return (f"Configuration minus reference ({ref}), paired on the replicate index (same seed: common random "
                f"numbers), mean over pairs of each run's mean over {w.describe()}; [{INTERVAL_TEXT}]; "
                "d = standardised effect size d_z (mean difference / SD of the paired differences).")

    def write_tables(self) -> "Report":
        out = self.out_dir
        for spec, r in self.results.items():
            slug = r.window.slug
            self._write(out / f"per_run_{slug}.csv", r.per_run)
            self._write(out / f"summary_{slug}.csv", r.summary)
            st = tables.summary_table(r.summary, self.config_cols, self.outcomes)
            self._write(out / f"summary_table_{slug}.csv", st)
            self._write(out / f"summary_table_{slug}.md",
                        f"# {self.data.experiment}: outcomes over {r.window.describe()}\n\n"
                        f"{self.table_note(r.window)}\n\n{tables.to_markdown(st)}\n")
            if len(r.diffs):
                self._write(out / f"paired_differences_{slug}.csv", r.diffs)
                dt = tables.differences_table(r.diffs, self.config_cols, self.outcomes)
                self._write(out / f"differences_table_{slug}.csv", dt)
                self._write(out / f"differences_table_{slug}.md",
                            f"# {self.data.experiment}: paired differences over {r.window.describe()}\n\n"
                            f"{self.diff_note(r.window)}\n\n{tables.to_markdown(dt)}\n")
        self._write(out / "timeseries.csv", self.timeseries)
        for name, summary in self.measure_tables.items():
            w = self.windows[0]
            mt = tables.summary_table(summary, self.config_cols, self.measure_outcomes(name))
            self._write(out / f"{name}_table_{w.slug}.csv", mt)
            defs = self.measure_definitions(name)
            self._write(out / f"{name}_table_{w.slug}.md",
                        f"# {self.data.experiment}: {tables.MEASURE_TABLES[name][1]} over {w.describe()}\n\n"
                        f"{tables.MEASURE_TABLES[name][2]}\n\n{self.table_note(w)}\n\n{tables.to_markdown(mt)}\n\n"
                        f"## Definitions\n\n{tables.to_markdown(defs)}\n")
        reported = self._reported()
        if reported is not None:
            self.reached = reached_check(self.data.areas, reported)
            self._write(out / "reached_check.csv", self.reached)
        if self.pathways is not None:
            dec = self.pathways
            self._write(out / "pathways_decomposition.csv", dec.table)
            self._write(out / "pathways_per_seed.csv", dec.per_seed)
            text = [f"# {self.data.experiment}: pathway decomposition\n"]
            for group in self.pathway_group_values():
                for win in pathways.WINDOWS:
                    if dec.rows(win, group).empty:  # e.g. "after_exit" in a group without an exit
                        continue
                    where = ", ".join(f"{k}={v}" for k, v in group.items())
                    text.append(f"## {pathways.WINDOWS[win]}{' (' + where + ')' if where else ''}\n")
                    text.append(pathways.markdown(dec, win, group))
            self._write(out / "pathways_table.md", "\n".join(text))
        return self

    # ------------------------------------------------------------------ figures
    def _caption(self, name: str, text: str, window: Window | None, outcomes, held: dict, averaged=(),
                 paths=()) -> dict:
        d = self.data
        prov = d.info.get("provenance") or {}
        from sim.store import provenance

        return {
            "figure": name,
            "caption": text,
            "files": [p.name for p in paths],
            "experiment": d.experiment,
            "question": d.question,
            "n_replicates": d.n_replicates,
            "seeds": d.seeds,
            "base_seed": d.base_seed,
            "config_hash": d.config_hash,
            "window": window.spec if window else "time series",
            "window_description": window.describe() if window else f"{self.bin_weeks}-week bins over the whole run",
            "outcomes": list(outcomes),
            "factors": d.factors,
            "held_at": {k: _jsonable(v) for k, v in held.items()},
            "averaged_over": list(averaged),
            "reference": d.reference,
            "intervals": f"{INTERVAL_TEXT}; {self.n_boot} resamples, seed {self.seed}",
            "size": self.size,
            "size_inches": list(SIZES[self.size]),
            "data_files_sha256": d.files,
            "simulation_code": prov.get("code"),
            "simulation_packages": prov.get("packages"),
            "report_code": provenance().get("code"),
            "report_packages": analysis_packages(),
        }

    def _save(self, drawing, name: str, text: str, window: Window | None, outcomes, held: dict, averaged=()) -> None:
        """Write a figure and its caption; ``drawing`` makes the figure (drawn in a worker when there is one,
        and closed by the writer)."""
        paths = self._writer.save(drawing, self.out_dir / name, self.formats)
        cap = self._caption(name, text, window, outcomes, held, averaged, paths)
        cap_path = self.out_dir / f"{name}.json"
        cap_path.write_text(json.dumps(cap, indent=2, default=str))
        self.written += [*paths, cap_path]
        self.figures.append({"name": name, "caption": text, "paths": paths, "json": cap_path})

    def _held_text(self, held: dict, averaged=()) -> str:
        parts = []
        if held:
            parts.append("other levers held at " + ", ".join(level_text(k, v) for k, v in held.items()))
        if averaged:
            parts.append("averaged over " + ", ".join(factor_label(a) for a in averaged))
        return ("; " + "; ".join(parts)) if parts else ""

    def _fig_outcomes(self, limit: int) -> list[str]:
        keys = [self.data.primary_outcome, *FIGURE_OUTCOMES]
        return [k for k in dict.fromkeys(keys) if k in self.outcomes][:limit]

    def write_figures(self, submit=None) -> "Report":
        """Draw every figure of the report and write it (PNG and the other formats) with its caption.

        Args:
            submit: ``submit(fn, *args) -> Future`` of a process pool to write the figures in while
                this process draws the next (:class:`analysis.style.FigureWriter`); None: here.
        """
        self._writer = FigureWriter(submit)
        try:
            self._draw_figures()
        finally:
            self._writer.wait()
        return self

    def _draw_figures(self) -> None:
        d = self.data
        hue = self.hue
        main = self.main
        w0 = main.window
        n = d.n_replicates
        primary = d.primary_outcome
        levers = self._lever_factors()

        # 1. Outcomes over time, by regime (other levers held).
        ts, held = self._hold(self.timeseries, [hue])
        ts_outcomes = [o for o in self._fig_outcomes(6) if o in set(ts["outcome"])]
        if ts_outcomes:
            lo_w, hi_w = _window_years(main.per_run)
            fig = partial(figures.timeseries, ts, ts_outcomes, hue=hue, size=self.size, shade=(lo_w, hi_w))
            self._save(fig, "timeseries_outcomes",
                       f"Outcomes over time by {factor_label(hue).lower()}: mean over {n} replicates with 95% bands "
                       f"({self.bin_weeks}-week means); shaded: the analysis window ({w0.describe()})"
                       f"{self._held_text(held)}.", None, ts_outcomes, held)

        # 2. The primary outcome over time, panels by up to two levers.
        if levers and primary in set(self.timeseries["outcome"]):
            col = levers[0]
            row = levers[1] if len(levers) > 1 else None
            ts2, held2 = self._hold(self.timeseries, [hue, col, *([row] if row else [])])
            fig = partial(figures.timeseries_grid, ts2, primary, col=col, row=row, hue=hue, size=self.size)
            self._save(fig, f"timeseries_{primary}_by_levers",
                       f"{label(primary)} over time, panels by {factor_label(col).lower()}"
                       f"{' and ' + factor_label(row).lower() if row else ''}; mean over {n} replicates with 95% "
                       f"bands{self._held_text(held2)}.", None, [primary], held2)

        # 3. Comparison at each window.
        for spec, r in self.results.items():
            x = levers[0] if levers else None
            keep = [hue, *([x] if x else [])]
            pr, held = self._hold(r.per_run, keep)
            sm, _ = self._hold(r.summary, keep)
            outs = self._fig_outcomes(9)
            fig = partial(figures.window_comparison, pr, sm, outs, x=x, hue=hue, size=self.size)
            self._save(fig, f"comparison_{r.window.slug}",
                       f"Outcomes over {r.window.describe()}: mean with 95% interval (black outline) and every "
                       f"replicate (dots), {n} replicates per configuration{self._held_text(held)}.",
                       r.window, outs, held)

        # 4. Two-lever heatmap, one panel per regime.
        numeric = [f for f in levers if pd.api.types.is_numeric_dtype(d.steps[f])]
        if len(numeric) >= 2 and _is_product(d.runs, numeric[0], numeric[1]):
            x, y = numeric[0], numeric[1]
            panel = hue if hue not in (x, y) else None
            averaged = [f for f in d.varying if f not in (x, y, panel)]
            pr = main.per_run
            group = [c for c in (panel, x, y) if c]
            if averaged:
                pr = pr.groupby([*group, "replicate"], observed=True, as_index=False)[self.outcomes].mean()
            hm_outcomes = [primary] + [o for o in ("total_local_funding_share",) if o != primary and o in self.outcomes]
            sm = summarise(pr, group, hm_outcomes, seed=self.seed, n_boot=self.n_boot)
            for o in hm_outcomes:
                fig = partial(figures.lever_heatmap, sm, o, x=x, y=y, panel=panel, size=self.size)
                self._save(fig, f"heatmap_{o}_{w0.slug}",
                           f"{label(o)} over {w0.describe()} by {factor_label(x).lower()} and "
                           f"{factor_label(y).lower()}, one panel per "
                           f"{factor_label(panel).lower() if panel else 'sweep'}: "
                           f"mean over {n} replicates{self._held_text({}, averaged)}.", w0, [o], {}, averaged)

        # 5. Forest plot of paired differences to the reference (at most FOREST_ROWS configurations).
        if len(main.diffs):
            outs = self._fig_outcomes(6)
            label_cols = d.varying or self.config_cols
            diffs, note = main.diffs, ""
            prim = diffs[diffs["outcome"] == primary]
            if len(prim) > FOREST_ROWS:
                top = prim.reindex(prim["diff"].abs().sort_values(ascending=False).index).head(FOREST_ROWS)
                keep = top[label_cols].drop_duplicates()
                diffs = diffs.merge(keep, on=label_cols, how="inner")
                note = (f" Shown: the {FOREST_ROWS} of {len(prim)} configurations with the largest difference in "
                        f"{label(primary, with_unit=False).lower()}; all are in differences_table_{w0.slug}.csv.")
            fig = partial(figures.forest_plot, diffs, outs, label_cols=label_cols, colour_by=hue, size=self.size)
            ref = ", ".join(f"{k}={v}" for k, v in (d.reference or {}).items())
            self._save(fig, f"effects_vs_reference_{w0.slug}",
                       f"Paired differences to the reference ({ref}) over {w0.describe()}: mean difference with 95% "
                       f"interval over {n} pairs (same replicate = same seed); d = standardised effect size d_z."
                       + note, w0, outs, {})

        # 6. What binds delivery along the first lever (when the binding-constraint outcomes are reported).
        binding = [*figures.BINDING_OUTCOMES, "access_loss_share"]
        if levers and all(o in self.outcomes for o in binding):
            x = levers[0]
            sm, held = self._hold(main.summary, [hue, x])
            fig = partial(figures.binding_constraints, sm, x=x, hue=hue, size=self.size)
            self._save(fig, f"binding_constraints_{w0.slug}",
                       f"What binds delivery over {w0.describe()}, by {factor_label(x).lower()}: each organisation's "
                       "potential output (deployable staff at full access) split into the part it could not pay for "
                       "(cash), the part that found no unmet need (need) and the rest (staff); the line is the share "
                       f"of potential output lost to access difficulty; mean over {n} replicates"
                       f"{self._held_text(held)}.", w0, binding, held)

        # 7. Pathway decomposition (pathways sweeps).
        if self.pathways is not None:
            outs = [o for o in [primary, *self.outcomes, *pathways.SHOCK_MEASURES]
                    if o in set(self.pathways.table["outcome"])]
            outs = list(dict.fromkeys(outs))[:8]
            for group in self.pathway_group_values():
                for win in ("year1", "cumulative", "final", "after_exit"):
                    if self.pathways.rows(win, group).empty:  # e.g. "after_exit" in a group without an exit
                        continue
                    fig = partial(pathways.figure, self.pathways, win, outs, size=self.size, group=group)
                    tag = "_".join(str(v) for v in group.values())
                    where = ", ".join(f"{k}={v}" for k, v in group.items())
                    self._save(fig, f"pathways_{win}{'_' + tag if tag else ''}",
                               f"What carries each difference ({pathways.WINDOWS[win]}{'; ' + where if where else ''}): "
                               f"total effect of all pathway switches and each switch's exact Shapley value, mean "
                               f"over seeds with 95% intervals; (*) marks an outcome with an interaction above 25% "
                               f"of the total (pathways_table.md lists them).", None, outs, group)

        # 8. Flows: staff (brain drain) and funding chain, panels by regime (and a lever).
        col = hue
        # A lever makes the rows only where every (regime, lever level) pair was run: a package that
        # sets a lever to the value the other configurations already have leaves holes in the grid.
        def full_grid(f) -> bool:
            pairs = d.steps[[col, f]].drop_duplicates() if col else d.steps[[f]].drop_duplicates()
            return len(pairs) == d.steps[f].nunique() * (d.steps[col].nunique() if col else 1)

        row = next((f for f in levers if d.steps[f].nunique() <= 5 and full_grid(f)), None)
        keep = [col, *([row] if row else [])]
        sm, held = self._hold(main.summary, keep)
        if all(o in self.outcomes for o in flows.STAFF_FLOW_OUTCOMES):
            fig = partial(flows.staff_flows, sm, col=col, row=row, size=self.size)
            self._save(fig, f"flows_staff_{w0.slug}",
                       f"Staff flows over {w0.describe()}, people per year (mean over {n} replicates): hires from "
                       "outside the sector's employers, brain drain from local to international actors, quits and "
                       f"layoffs; nodes give mean headcount{self._held_text(held)}.", w0,
                       flows.STAFF_FLOW_OUTCOMES, held)
        if all(o in self.outcomes for o in flows.FUNDING_FLOW_OUTCOMES):
            fig = partial(flows.funding_flows, sm, col=col, row=row, size=self.size)
            self._save(fig, f"flows_funding_{w0.slug}",
                       f"Donor funding along the chain over {w0.describe()}, USD per year (mean over {n} "
                       "replicates): paid directly to local actors, passed on by international intermediaries, "
                       f"kept as overhead, and spent in the intermediaries' own programmes{self._held_text(held)}.",
                       w0, flows.FUNDING_FLOW_OUTCOMES, held)
        if self.reached is not None:
            fig = partial(reached_check_figure, self.reached, self.size)
            level = (self._reported() or {}).get("admin_level")
            self._save(fig, "reached_check", f"{reached_summary_line(reached_summary(self.reached), level)}. "
                       f"{REACHED_CHECK_NOTE}", None, ["area_people_covered"], {})

    def _reported(self) -> dict | None:
        """The people reached a run from data reports (``metadata.json`` ``data.reported``); None otherwise."""
        if self.data.kind != "run" or not (self.data.path / "metadata.json").is_file():
            return None
        meta = json.loads((self.data.path / "metadata.json").read_text())
        return (meta.get("data") or {}).get("reported")

    # ------------------------------------------------------------------ page and index
    def write_html(self) -> "Report":
        from .html import render_report

        path = self.out_dir / "index.html"
        path.write_text(render_report(self))
        self.written.append(path)
        return self

    def write_index(self) -> Path:
        """``report.json``: every file written, with its SHA-256, and the report's settings."""
        from sim.store import provenance

        path = self.out_dir / "report.json"
        index = {
            "source": str(self.data.path),
            "kind": self.data.kind,
            "experiment": self.data.experiment,
            "windows": [w.spec for w in self.windows],
            "outcomes": self.outcomes,
            "size": self.size,
            "seed": self.seed,
            "n_boot": self.n_boot,
            "figures": [f["name"] for f in self.figures],
            "files": {p.name: file_sha256(p) for p in self.written},
            "provenance": provenance(),
            "analysis_packages": analysis_packages(),
        }
        path.write_text(json.dumps(index, indent=2, default=str))
        return path


def _window_years(per_run: pd.DataFrame) -> tuple[float, float]:
    return float(per_run["window_start_year"].median()), float(per_run["window_end_year"].median())


def _is_product(runs: pd.DataFrame, x: str, y: str) -> bool:
    """Whether every level of ``x`` is run with every level of ``y`` (a heatmap needs a full grid)."""
    return len(runs[[x, y]].drop_duplicates()) == runs[x].nunique() * runs[y].nunique()


def _jsonable(v):
    return v.item() if hasattr(v, "item") else v


def _short_files(files: dict) -> str:
    return ", ".join(f"{k} sha256:{v[:12]}" for k, v in files.items() if k.endswith(".parquet"))


def _reference_present(per_run: pd.DataFrame, reference: dict) -> bool:
    mask = np.ones(len(per_run), bool)
    for k, v in reference.items():
        if k not in per_run.columns:
            return False
        mask &= np.asarray(equal_to(per_run[k], v))
    return bool(mask.any())


def build_report(path: str | Path, out_dir: str | Path | None = None, windows=None, outcomes=None,
                 size: str = "page", seed: int = 0, n_boot: int = N_BOOT, bin_weeks: int = 4,
                 formats=("png", "svg"), figures_too: bool = True, submit=None) -> Report:
    """Write the full report of a sweep (or run) directory; returns the :class:`Report`.

    Args:
        path: sweep directory (or run directory).
        out_dir: where to write (default ``<path>/report``).
        windows: :class:`~analysis.windows.Window` objects or their text (default:
            :func:`default_windows`); the first is the main window.
        outcomes: outcome keys (default: :func:`default_outcomes`).
        size: figure size, one of "column", "page", "slide".
        seed: bootstrap seed.
        n_boot: bootstrap resamples.
        bin_weeks: weeks per time bin of the time series.
        formats: figure formats (PNG at 300 dpi plus "svg" or "pdf").
        figures_too: also draw the figures and the HTML page (False: tables only).
        submit: ``submit(fn, *args) -> Future`` of a process pool for the time summary's bootstraps and
            the figures' rendering (the same tables and pictures); None: all in this process.

    Raises:
        analysis.dataset.ResultsError: the directory cannot be read.
        ValueError: a bad window, outcome or size (one line).
    """
    t0 = time.perf_counter()
    data = load(path)
    if size not in SIZES:
        raise ValueError(f"size = {size!r} is unknown; allowed: {', '.join(SIZES)}")
    bad_fmt = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad_fmt or "png" not in formats:
        raise ValueError(f"formats = {','.join(formats)} is not allowed; allowed: png plus svg and/or pdf")
    wins = [w if isinstance(w, Window) else Window.parse(w) for w in (windows or default_windows(data))]
    outs = list(outcomes) if outcomes else default_outcomes(data)
    unknown = [o for o in outs if o not in OUTCOMES]
    if unknown:
        raise ValueError(f"outcome {unknown[0]!r} is not a registered outcome; see sim/outcomes.py")
    absent = [o for o in outs if o not in data.steps.columns and o != "response_time"]
    if absent:
        raise ValueError(f"outcome {absent[0]!r} is not in the data of {data.path}")
    if data.primary_outcome not in outs:
        outs.insert(0, data.primary_outcome)
    rep = Report(data, Path(out_dir) if out_dir else data.path / "report", wins, outs, size=size, seed=seed,
                 n_boot=n_boot, bin_weeks=bin_weeks, formats=tuple(formats))
    rep.out_dir.mkdir(parents=True, exist_ok=True)
    rep.compute(submit).write_tables()
    if figures_too:
        rep.write_figures(submit).write_html()
    rep.elapsed = time.perf_counter() - t0
    rep.write_index()
    return rep


# ------------------------------------------------------------------------------------------
# The run report of a run from data: the country's own check (people reached)
# ------------------------------------------------------------------------------------------

REACHED_CHECK_NOTE = (
    "Reported: the 3W's #reached, de-duplicated per area and year (an activity's latest cumulative figure in the "
    "year; organisations added up within a sector; the area's largest sector total). Modelled: the run's people "
    "covered in the area in a week (people whose needs were met, each counted once in the sector of their main "
    "need), mean over the run's first year (areas table, area_people_covered). Ratio = modelled / reported. "
    "Reported, never fitted to.")


def reached_check(areas: pd.DataFrame, reported: dict) -> pd.DataFrame:
    """People reached as the country reports them against the model's, per area (and reporting year).

    Args:
        areas: a run's areas table (``year``, ``area``, ``area_people_covered``).
        reported: ``metadata.json`` ``data.reported`` (``CountryData.reported_block``).

    Returns:
        One row per reporting year and area: ``data_year``, ``area``, ``area_name``,
        ``reported_reached``, ``reported_targeted``, ``people_in_need``, ``model_year``,
        ``modelled_reached``, ``ratio`` (modelled / reported). The latest reporting year is
        compared with the run's first year (``model_year`` 1); earlier years are shown for
        reference (no modelled value).
    """
    first = areas[areas["year"] == areas["year"].min()].set_index("area")["area_people_covered"]
    years = reported["years"]
    rows = []
    for i, year in enumerate(years):
        latest = i == len(years) - 1
        for a, name in enumerate(reported["areas"]):
            rep = reported["reached"][i][a]
            mod = float(first.get(a, np.nan)) if latest else np.nan
            rows.append({"data_year": year, "area": a, "area_name": name,
                         "reported_reached": np.nan if rep is None else rep,
                         "reported_targeted": np.nan if reported["targeted"][i][a] is None else reported["targeted"][i][a],
                         "people_in_need": reported["people_in_need"][a],
                         "model_year": 1 if latest else pd.NA, "modelled_reached": mod,
                         "ratio": mod / rep if latest and rep else np.nan})
    return pd.DataFrame(rows)


def reached_summary(table: pd.DataFrame) -> dict:
    """The check in numbers: median over areas of modelled / reported (the summary number), its range, totals."""
    t = table[table["model_year"].notna() & (table["reported_reached"] > 0)]
    ratio = t["ratio"].to_numpy(float)
    return {"data_year": str(table["data_year"].iloc[-1]), "areas_compared": int(len(t)),
            "areas": int(table["area"].nunique()),
            "median_ratio": float(np.median(ratio)) if len(ratio) else float("nan"),
            "min_ratio": float(ratio.min()) if len(ratio) else float("nan"),
            "max_ratio": float(ratio.max()) if len(ratio) else float("nan"),
            "reported_total": float(t["reported_reached"].sum()), "modelled_total": float(t["modelled_reached"].sum())}


def reached_summary_line(summary: dict, admin_level: int | None = None) -> str:
    """The check as one printed line (``capsim run`` and ``capsim data check``)."""
    s = summary
    at = f" at admin {admin_level}" if admin_level else ""
    if not s["areas_compared"]:
        return f"country's own check ({s['data_year']}): no area{at} reports people reached"
    total = s["modelled_total"] / s["reported_total"]
    return (f"country's own check ({s['data_year']}, {s['areas_compared']} of {s['areas']} areas{at}): modelled / "
            f"reported people reached, median over areas {s['median_ratio']:.2f} (range {s['min_ratio']:.2f} to "
            f"{s['max_ratio']:.2f}); in all {s['modelled_total']:,.0f} modelled in a week of the first year against "
            f"{s['reported_total']:,.0f} reported (x{total:.2f}); reported, never fitted to")


def reached_check_figure(table: pd.DataFrame, size: str = "page"):
    """Reported against modelled people reached, one point per area (the diagonal: the same)."""
    from .style import apply_style

    apply_style(size)
    t = table[table["model_year"].notna()]
    fig, ax = plt.subplots(figsize=(5.0, 4.2))
    ax.scatter(t["reported_reached"], t["modelled_reached"], s=18, color="#1b6ca8", zorder=3)
    for _, r in t.iterrows():
        if np.isfinite(r["reported_reached"]) and np.isfinite(r["modelled_reached"]):
            ax.annotate(str(r["area_name"]), (r["reported_reached"], r["modelled_reached"]), fontsize=6,
                        xytext=(3, 2), textcoords="offset points")
    both = pd.concat([t["reported_reached"], t["modelled_reached"]]).dropna()
    hi = float(both.max()) * 1.1 if len(both) else 1.0
    ax.plot([0, hi], [0, hi], color="0.5", lw=0.8, ls="--", label="modelled = reported")
    ax.set_xlim(0, hi)
    ax.set_ylim(0, hi)
    ax.set_xlabel(f"People reached, reported ({t['data_year'].iloc[0] if len(t) else ''}; de-duplicated)")
    ax.set_ylabel("People covered in a week, modelled (first year)")
    ax.set_title("The country's own check: people reached per area", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def write_reached_check(areas: pd.DataFrame, reported: dict, out_dir: str | Path) -> tuple[list[Path], dict]:
    """Write ``reached_check.csv`` and ``reached_check.png`` into a run's folder; returns (paths, summary)."""
    out = Path(out_dir)
    table = reached_check(areas, reported)
    csv = out / "reached_check.csv"
    table.to_csv(csv, index=False)
    fig = reached_check_figure(table)
    paths = [csv, *save_figure(fig, out / "reached_check", formats=("png",))]
    plt.close(fig)
    return paths, reached_summary(table)
