"""`capsim compare`, the main job: every regime x N paired replicates on one scenario.

Prints a table of the main outcomes per regime (mean and 95% bootstrap interval over the
last ``compare.window_years``) with the paired difference to ``compare.reference``, and writes
the table (CSV, Markdown), the per-run data and one comparison figure (PNG + SVG) to the
output directory, next to every run's Parquet tables and metadata. With country data
(``data.dir``, e.g. ``scenario=from_data``) every run starts from that country; the data report
is printed and recorded in ``provenance.json`` and in every run's ``metadata.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.config import CONFIG_DIR, job_errors, quiet_mesa, register_schema
from experiments.data import data_metadata, report_lines, setup
from sim.params import ConfigError, REGIME_NAMES
from sim.rng import replicate_seeds

register_schema()


def compare_job(cfg: DictConfig, out_dir: Path, progress: bool = True) -> dict:
    from analysis.compare import load_runs, write_comparison
    from experiments.parallel import run_many
    from sim.results import provenance

    quiet_mesa()
    data = setup(cfg)
    params = data.params
    data_meta = data_metadata(data)
    for line in report_lines(data):
        print(line)
    c = cfg.compare
    regimes = list(c.regimes)
    bad = [r for r in regimes if r not in REGIME_NAMES]
    if bad:
        raise ConfigError(f"compare.regimes contains {bad[0]!r}; allowed: {', '.join(REGIME_NAMES)}")
    if int(c.replicates) < 2:
        raise ConfigError(f"compare.replicates = {c.replicates} is too small; allowed: at least 2")
    seeds = replicate_seeds(params.seed, int(c.replicates))
    jobs = []
    for r in regimes:
        for i, s in enumerate(seeds):
            p = params.replace(regime=r, seed=s)
            extra = {"replicate": i, "base_seed": params.seed}
            if data_meta is not None:
                extra["data"] = data_meta
            jobs.append((p, out_dir / "runs" / f"{r}_rep{i:03d}", extra))
    t0 = time.perf_counter()
    print(f"capsim compare: {len(regimes)} regimes x {len(seeds)} replicates = {len(jobs)} runs, "
          f"{params.years:g} years each (scenario={params.scenario})")
    dirs = run_many(jobs, c.n_jobs, progress=progress, country=data.country)
    steps = load_runs(dirs)
    prov = {"config": OmegaConf.to_container(cfg, resolve=True), "base_seed": params.seed, **provenance()}
    if data_meta is not None:
        prov["data"] = data_meta
    res = write_comparison(steps, out_dir, float(c.window_years), str(c.reference), prov)
    elapsed = time.perf_counter() - t0
    (out_dir / "provenance.json").write_text(json.dumps({**prov, "elapsed_seconds": elapsed}, indent=2, default=str))
    print(res["title"])
    print(res["table"].to_string(index=False))
    print(f"\nwritten to {out_dir} (comparison_table.csv, regime_comparison.png) in {elapsed:.1f}s")
    return res


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
@job_errors
def main(cfg: DictConfig) -> None:
    compare_job(cfg, Path(HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    main()
