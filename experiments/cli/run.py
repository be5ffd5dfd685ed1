"""`capsim run`: one simulation from the composed config; tables and metadata to the output dir.

With country data (``data.dir``, e.g. ``capsim run scenario=from_data``) the run also prints
which quantities came from the data and which from assumptions, records the same in
``metadata.json``, and writes the capacity map at the start and the end of the run
(``capacity_map_start.csv/png``, ``capacity_map_end.csv/png``) next to the results; when the
3W gives people reached (``#reached``), the country's own check too (``reached_check.csv/png``:
reported against modelled people reached per area, ``analysis/report.py``).
"""

from __future__ import annotations

import math
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.config import CONFIG_DIR, job_errors, quiet_mesa, register_schema
from experiments.cli.data import chain_start_line, data_metadata, report_lines, setup
from sim.outcomes import MAIN_OUTCOMES, OUTCOMES

register_schema()


def significant(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, thousands separated (one run has no interval to round to)."""
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude >= digits - 1:
        return f"{round(x, digits - 1 - magnitude):,.0f}"
    return f"{x:.{digits - 1 - magnitude}f}"


def terminal_table(last_year: pd.DataFrame, outcomes, width: int = 100) -> str:
    """The last year's mean of each outcome, one per row (outcome, value, unit), at most ``width`` columns.

    Args:
        last_year: the run's steps in its last year.
        outcomes: outcome keys, one row each.
        width: the most columns a line may take (long units are shortened to fit).
    """
    rows = [(OUTCOMES[o].label, significant(float(last_year[o].mean())), OUTCOMES[o].unit) for o in outcomes]
    w_label = max(len("outcome"), *(len(r[0]) for r in rows))
    w_value = max(len("last-year mean"), *(len(r[1]) for r in rows))
    room = width - (2 + w_label + 2 + w_value + 2)
    lines = [f"  {'outcome':<{w_label}}  {'last-year mean':>{w_value}}  unit"]
    for name, value, unit in rows:
        unit = unit if len(unit) <= room else unit[:room - 3] + "..."
        lines.append(f"  {name:<{w_label}}  {value:>{w_value}}  {unit}".rstrip())
    return "\n".join(lines)


def run_job(cfg: DictConfig, out_dir: Path) -> Path:
    """Run one simulation and write it to ``out_dir/results``; returns that directory.

    Args:
        cfg: the composed config (``data.dir`` set: start from that country's data).
        out_dir: the job's output directory.
    """
    from experiments.runner import note_first_start
    from sim.results import run
    from sim.store import write_run

    note_first_start()
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
    print(terminal_table(last, MAIN_OUTCOMES))
    print(f"  shocks: {len(result.shocks)}; every week of every outcome: {path / 'steps.parquet'}")
    print(f"  results: {path}")
    if result.capacity is not None:
        from analysis.capacity_map import write_capacity_maps

        written = write_capacity_maps(result.capacity, path)
        print(f"  capacity map (need vs capacity present, by area and sector): {', '.join(p.name for p in written)}")
    if s.country is not None:
        print(f"  {chain_start_line(result.metadata['funding_start'])}")
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
