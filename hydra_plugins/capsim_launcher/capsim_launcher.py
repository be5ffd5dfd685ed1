"""capsim's local Hydra launcher (``hydra/launcher=capsim``, the default of ``capsim sweep``): Hydra's jobs
on the one runner (``experiments/runner.py``).

A Hydra launcher receives the multirun's jobs (here: one job per batch of a sweep's runs) and
must return each job's result. This one runs them on :func:`experiments.runner.shared` with
``n_jobs`` workers: the pool ``capsim sweep`` starts while it plans, so the jobs start on warm
workers, with nothing copied from another launcher's configuration. Each job is the Hydra
launcher protocol (the sweep config of its overrides, ``run_job``), sent to a worker with
cloudpickle (the task function and Hydra's context travel with it).

Hydra accepts launchers only from its ``hydra_plugins`` namespace, hence the folder. Hydra's own
launchers stay available (``hydra/launcher=basic``, ``joblib``, ``submitit_local``;
``slurm`` goes through ``experiments/cluster.py``).
"""

import logging
from pathlib import Path
from typing import Any, Sequence

from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict

from hydra_plugins.capsim_launcher.config import NAME, CapsimLauncherConf, register  # noqa: F401

__all__ = ["CapsimLauncher", "CapsimLauncherConf", "register", "NAME"]

log = logging.getLogger(__name__)


def _execute(blob: bytes) -> bytes:
    """In a worker: run one Hydra job from its pickled arguments; returns the pickled JobReturn."""
    import cloudpickle

    idx, overrides, hydra_context, config, task_function, singleton_state = cloudpickle.loads(blob)
    setup_globals()
    Singleton.set_state(singleton_state)
    sweep_config = hydra_context.config_loader.load_sweep_config(config, list(overrides))
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
        sweep_config.hydra.job.num = idx
    HydraConfig.instance().set_config(sweep_config)
    ret = run_job(hydra_context=hydra_context, config=sweep_config, task_function=task_function,
                  job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")
    return cloudpickle.dumps(ret)


class CapsimLauncher(Launcher):
    """Hydra's jobs on the one runner's worker pool."""

    def __init__(self, n_jobs: Any = None) -> None:
        self.n_jobs = None if n_jobs in (None, -1) else int(n_jobs)
        self.config: "DictConfig | None" = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        import cloudpickle

        from experiments.runner import shared

        setup_globals()
        assert self.config is not None and self.task_function is not None and self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        runner = shared(self.n_jobs)
        log.info(f"capsim launcher: {len(job_overrides)} jobs on {runner.n} workers")
        for idx, overrides in enumerate(job_overrides):
            log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
        state = Singleton.get_state()
        blobs = [cloudpickle.dumps((initial_job_idx + idx, list(overrides), self.hydra_context, self.config,
                                    self.task_function, state))
                 for idx, overrides in enumerate(job_overrides)]
        results = runner.map(_execute, blobs, progress=False, what="jobs")
        return [cloudpickle.loads(r) for r in results]
