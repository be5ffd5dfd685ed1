"""`capsim run`: one simulation from the composed config; tables and metadata to the output dir."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.config import CONFIG_DIR, job_errors, params_from_cfg, quiet_mesa, register_schema
from sim.outcomes import MAIN_OUTCOMES, label

register_schema()


def run_job(cfg: DictConfig, out_dir: Path) -> Path:
    """Run one simulation and write it to ``out_dir/results``; returns that directory."""
    from sim.results import run, write_run

    quiet_mesa()
    params = params_from_cfg(cfg)
    result = run(params)
    path = write_run(result, out_dir / "results", extra_meta={"config": OmegaConf.to_container(cfg, resolve=True)})
    last = result.steps[result.steps["year"] > result.steps["year"].max() - 1]
    print(f"capsim run: scenario={params.scenario} regime={params.regime} seed={params.seed} "
          f"years={params.years:g} ({result.metadata['elapsed_seconds']:.2f}s)")
    print("  last-year means:")
    for o in MAIN_OUTCOMES:
        print(f"    {label(o):<55} {last[o].mean():12.4g}")
    print(f"  shocks: {len(result.shocks)}; results: {path}")
    return path


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
@job_errors
def main(cfg: DictConfig) -> None:
    run_job(cfg, Path(HydraConfig.get().runtime.output_dir))


if __name__ == "__main__":
    main()
