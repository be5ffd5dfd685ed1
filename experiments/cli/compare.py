"""`capsim compare`, the main job: every regime x N paired replicates on one scenario.

Runs every regime of ``compare.regimes`` under the scenario's funding and, as one more
configuration, the package of ``compare.package`` (by default the IASC package: sharing with a
joint programme split by complementarity and half the overhead passed on), each on
``compare.replicates`` paired replicates, into a sweep directory (the sweep contract:
``runs/``, ``manifest.csv``, ``dataset/``, ``sweep.json`` with factors ``regime`` and the
package's levers and reference ``{"regime": compare.reference}`` at the scenario's funding;
:mod:`experiments.sweeps.grid`), then builds the same report as
``capsim report`` on it (:mod:`analysis.report`). Prints the table of the main outcomes per
regime (mean and 95% interval over the last ``compare.window_years``) with the paired
difference to the reference regime as soon as the numbers are ready, then draws the figures
and the HTML page into ``<output_dir>/report/``. With country data (``data.dir``, e.g.
``scenario=from_data``) every run starts from that country; the data report is printed and
recorded in ``sweep.json`` and in every run's ``metadata.json``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.config import CONFIG_DIR, job_errors, quiet_mesa, register_schema
from experiments.cli.data import data_metadata, report_lines, setup
from sim.params import ConfigError, REGIME_NAMES

register_schema()

QUESTION = ("Which way of working on capacity - building, strengthening or sharing, or none (baseline) - "
            "serves people in need best in this scenario, and what does each do to local actors? And what does "
            "sharing do as the package the IASC paper describes (with complementarity and investment in local "
            "institutions)?")


def configurations(params, regimes: list[str], package: dict) -> tuple[list[dict], dict]:
    """The compared configurations and the reference: each regime at the scenario's funding, then the package.

    Args:
        params: the scenario's parameters (their funding is the status quo each regime is compared under).
        regimes: the regimes.
        package: ``{"regime": ..., "<dotted lever>": value, ...}``, or empty for none.
    """
    levers = [k for k in package if k != "regime"]
    current = {k: _get(params, k) for k in levers}
    points = [{"regime": r, **current} for r in regimes]
    if package:
        points.append({"regime": package.get("regime", "sharing"), **{k: package[k] for k in levers}})
    return points, levers


HEADLINE_OUTCOMES = ("coverage", "hard_to_reach_coverage", "quality_coverage", "local_capacity",
                     "total_local_funding_share", "staff_turnover_rate")


def terminal_view(summary, diffs, points: list[dict], levers: list[str], outcomes) -> tuple[str, str]:
    """The compare tables for a terminal (configurations as rows, headline outcomes; at most 100 columns)."""
    import pandas as pd

    from analysis import tables

    cols = ["regime", *levers]

    def key_of(frame):
        return frame[cols].astype(str).agg("|".join, axis=1) if len(frame) else pd.Series(dtype=str)

    labels = {}
    for i, p in enumerate(points):
        key = "|".join(str(p[c]) for c in cols)
        labels[key] = p["regime"] if i < len(points) - 1 or not levers or p == points[0] or \
            all(p[k] == points[0][k] for k in levers) else f"{p['regime']} package"
    s = summary.assign(_row=key_of(summary))
    d = diffs.assign(_row=key_of(diffs)) if len(diffs) else diffs
    heads = [o for o in HEADLINE_OUTCOMES if o in outcomes] or list(outcomes)[:6]
    return tables.terminal_tables(s, d, labels, heads)


def _get(params, key: str):
    node = params.to_dict()
    for part in key.split("."):
        node = node[part]
    return node


def compare_job(cfg: DictConfig, out_dir: Path, progress: bool = True, figures: bool = True):
    """Run the comparison into ``out_dir`` and report on it; returns the :class:`analysis.report.Report`.

    Args:
        cfg: the composed config (model parameters and the ``compare`` section).
        out_dir: the sweep directory to write (the report goes to ``out_dir/report``).
        progress: show progress over runs.
        figures: also draw figures and the HTML page (False: tables only).
    """
    from experiments.runner import Runner

    # The workers import the model while this process reads the config and plans; after the runs
    # they write the report's figures while this process draws the next.
    with Runner(cfg.compare.n_jobs).start() as runner:
        return _compare(cfg, out_dir, runner, progress, figures)


def _load_report_modules() -> None:
    """Import the report's modules (Matplotlib, seaborn and scipy's statistics: about 2.2 s of this process here);
    a failure is left to the import after the runs, which reports it."""
    try:
        import analysis.report  # noqa: F401
    except Exception:  # noqa: BLE001 - see the docstring
        pass


def _compare(cfg: DictConfig, out_dir: Path, runner, progress: bool, figures: bool):
    from experiments.sweeps.grid import run_grid
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
    package = OmegaConf.to_container(c.package, resolve=True) if c.get("package") else {}
    try:
        points, levers = configurations(params, regimes, package)
    except KeyError as e:
        raise ConfigError(f"compare.package names {e.args[0]!r}, which is not a parameter; allowed: regime and "
                          "dotted parameter keys (e.g. funding.joint_programme_share)") from None
    ref_point = {"regime": reference, **{k: _get(params, k) for k in levers}}
    t0 = time.perf_counter()
    n_runs = len(points) * int(c.replicates)
    extra = " and the package" if package else ""
    print(f"capsim compare: {len(regimes)} regimes{extra} x {int(c.replicates)} replicates = {n_runs} runs "
          f"of {params.years:g} years (scenario={params.scenario})", flush=True)
    # The report's modules load while the runs go on: imported before them (2.2 s of this process), they held
    # the runs back; the first run now starts 0.65-1.5 s sooner (docs/bench/README.md).
    threading.Thread(target=_load_report_modules, name="capsim-report-import", daemon=True).start()
    run_grid(params, points, int(c.replicates), out_dir, experiment="compare", question=QUESTION,
             primary_outcome="coverage", reference=ref_point if reference in regimes else None,
             window_years=window_years, config=OmegaConf.to_container(cfg, resolve=True), n_jobs=c.n_jobs,
             progress=progress, country=data.country,
             extra_meta={"data": data_meta} if data_meta is not None else None, runner=runner)
    t_runs = time.perf_counter() - t0
    from analysis.report import build_report  # (waits for the import above if it is still going on)

    rep = build_report(out_dir, windows=None, figures_too=False, submit=runner.offload)  # the idle workers
    main = rep.main
    outcomes = [o for o in MAIN_OUTCOMES if o in rep.outcomes]
    title = (f"Regimes compared over {main.window.describe()} ({params.years:g} years simulated); "
             f"{rep.data.n_replicates} paired replicates")
    print(title)
    means, diffs = terminal_view(main.summary, main.diffs, points, levers, outcomes)
    print(means)
    if diffs:
        print(f"\n{diffs}")
    print(f"\n(95% intervals in brackets; every outcome and interval: {out_dir / 'report'}/\n"
          f" summary_table_{main.window.slug}.md and differences_table_{main.window.slug}.md)", flush=True)
    if figures:
        rep.write_figures(submit=runner.offload).write_html()
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
