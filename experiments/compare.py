"""`capsim compare`, the main job: every regime x N paired replicates on one scenario.

Runs the grid ``regime`` x ``compare.replicates`` into a sweep directory (the sweep contract:
``runs/``, ``manifest.csv``, ``dataset/``, ``sweep.json`` with factor ``regime`` and reference
``{"regime": compare.reference}``; :mod:`experiments.grid`), then builds the same report as
``capsim report`` on it (:mod:`analysis.report`). Prints the table of the main outcomes per
regime (mean and 95% interval over the last ``compare.window_years``) with the paired
difference to the reference regime as soon as the numbers are ready, then draws the figures
and the HTML page into ``<output_dir>/report/``. With country data (``data.dir``, e.g.
``scenario=from_data``) every run starts from that country; the data report is printed and
recorded in ``sweep.json`` and in every run's ``metadata.json``.
"""

from __future__ import annotations

import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.config import CONFIG_DIR, job_errors, quiet_mesa, register_schema
from experiments.data import data_metadata, report_lines, setup
from sim.params import ConfigError, REGIME_NAMES

register_schema()

QUESTION = ("Which way of working on capacity - building, strengthening or sharing, or none (baseline) - "
            "serves people in need best in this scenario, and what does each do to local actors?")


def compare_job(cfg: DictConfig, out_dir: Path, progress: bool = True, figures: bool = True):
    """Run the comparison into ``out_dir`` and report on it; returns the :class:`analysis.report.Report`.

    Args:
        cfg: the composed config (model parameters and the ``compare`` section).
        out_dir: the sweep directory to write (the report goes to ``out_dir/report``).
        progress: show progress over runs.
        figures: also draw figures and the HTML page (False: tables only).
    """
    from analysis import tables
    from analysis.report import build_report
    from experiments.grid import run_grid
    from sim.outcomes import MAIN_OUTCOMES

    quiet_mesa()
    data = setup(cfg)
    params = data.params
    for line in report_lines(data):
        print(line)
    data_meta = data_metadata(data)
    c = cfg.compare
    regimes = list(c.regimes)
    bad = [r for r in regimes if r not in REGIME_NAMES]
    if bad:
        raise ConfigError(f"compare.regimes contains {bad[0]!r}; allowed: {', '.join(REGIME_NAMES)}")
    if int(c.replicates) < 2:
        raise ConfigError(f"compare.replicates = {c.replicates} is too small; allowed: at least 2")
    window_years = float(c.window_years)
    if not 0 < window_years <= params.years:
        raise ConfigError(f"compare.window_years = {window_years:g} is out of range; allowed: above 0 and at most "
                          f"years = {params.years:g}")
    reference = str(c.reference)
    t0 = time.perf_counter()
    n_runs = len(regimes) * int(c.replicates)
    print(f"capsim compare: {len(regimes)} regimes x {int(c.replicates)} replicates = {n_runs} runs, "
          f"{params.years:g} years each (scenario={params.scenario})", flush=True)
    run_grid(params, {"regime": regimes}, int(c.replicates), out_dir, experiment="compare", question=QUESTION,
             primary_outcome="coverage", reference={"regime": reference} if reference in regimes else None,
             window_years=window_years, config=OmegaConf.to_container(cfg, resolve=True), n_jobs=c.n_jobs,
             progress=progress, country=data.country,
             extra_meta={"data": data_meta} if data_meta is not None else None)
    t_runs = time.perf_counter() - t0
    rep = build_report(out_dir, windows=None, figures_too=False)
    main = rep.main
    outcomes = [o for o in MAIN_OUTCOMES if o in rep.outcomes]
    title = (f"Regimes compared over {main.window.describe()} ({params.years:g} years simulated); "
             f"{rep.data.n_replicates} paired replicates")
    print(title)
    print(tables.outcome_rows_table(main.summary, main.diffs, "regime", outcomes).to_string(index=False), flush=True)
    if figures:
        rep.write_figures().write_html()
    rep.elapsed = time.perf_counter() - t0
    rep.write_index()
    print(f"\nruns in {t_runs:.1f}s, report in {rep.elapsed - t_runs:.1f}s; written to {out_dir}: sweep data "
          f"(runs/, dataset/, manifest.csv, sweep.json) and report/ ({len(rep.figures)} figures, tables, index.html)")
    return rep


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
@job_errors
def main(cfg: DictConfig) -> None:
    compare_job(cfg, Path(HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    main()
