"""`capsim run`: one simulation from the composed config; tables and metadata to the output dir.

With country data (``data.dir``, e.g. ``capsim run scenario=from_data``) the run also prints
which quantities came from the data and which from assumptions, records the same in
``metadata.json``, and writes the capacity map at the start and the end of the run
(``capacity_map_start.csv/png``, ``capacity_map_end.csv/png``) next to the results; when the
3W gives people reached (``#reached``), the country's own check too (``reached_check.csv/png``:
reported against modelled people reached per area, ``analysis/report.py``).
"""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.config import CONFIG_DIR, job_errors, quiet_mesa, register_schema
from experiments.cli.data import data_metadata, report_lines, setup
from sim.outcomes import MAIN_OUTCOMES, label

register_schema()


def run_job(cfg: DictConfig, out_dir: Path) -> Path:
    """Run one simulation and write it to ``out_dir/results``; returns that directory.

    Args:
        cfg: the composed config (``data.dir`` set: start from that country's data).
        out_dir: the job's output directory.
    """
    from sim.results import run
    from sim.store import write_run

    quiet_mesa()
    s = setup(cfg)
    params = s.params
    for line in report_lines(s):
        print(line)
    result = run(params, s.country)
    extra = {"config": OmegaConf.to_container(cfg, resolve=True)}
    if s.country is not None:
        extra["data"] = data_metadata(s)
    path = write_run(result, out_dir / "results", extra_meta=extra)
    last = result.steps[result.steps["year"] > result.steps["year"].max() - 1]
    print(f"capsim run: scenario={params.scenario} regime={params.regime} seed={params.seed} "
          f"years={params.years:g} ({result.metadata['elapsed_seconds']:.2f}s)")
    print("  last-year means:")
    for o in MAIN_OUTCOMES:
        print(f"    {label(o):<55} {last[o].mean():12.4g}")
    print(f"  shocks: {len(result.shocks)}; results: {path}")
    if result.capacity is not None:
        from analysis.capacity_map import write_capacity_maps

        written = write_capacity_maps(result.capacity, path)
        print(f"  capacity map (need vs capacity present, by area and sector): {', '.join(p.name for p in written)}")
    if s.country is not None and s.country.reported_reached is not None:
        from analysis.report import reached_summary_line, write_reached_check

        written, summary = write_reached_check(result.areas, s.country.reported_block(), path)
        print(f"  {reached_summary_line(summary, s.country.admin_level)}: {', '.join(p.name for p in written)}")
    return path


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
@job_errors
def main(cfg: DictConfig) -> None:
    run_job(cfg, Path(HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    main()
