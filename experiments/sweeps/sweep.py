"""`capsim sweep experiment=<name> [overrides]`: one command per policy question.

What happens, in order:

1. **plan** (``experiments/sweeps/plan.py``): the experiment's factors and the command line's
   overrides are expanded, every configuration is resolved and validated (bad input: one
   line, exit code 2), and crossed with paired replicates; each run gets its id.
2. **prepare** the sweep directory (default ``outputs/sweeps/<experiment>``, or
   ``outputs/sweeps/<experiment>-<hash of the overrides>`` when overrides change what is
   run; ``hydra.sweep.dir=...`` chooses another): it is locked, ``sweep.json`` and
   ``plan.json`` are written, half-written runs of a killed sweep are removed.
3. **launch** the batches with work left: each job executes one batch of ``sweep.runs_per_job`` runs one
   after another in one process (:func:`run_batch`); runs already complete are recorded as skipped without a
   job. Locally the launcher is capsim's (``hydra/launcher=capsim``: the one runner's worker pool, started
   while the sweep is planned) with every core (``hydra.launcher.n_jobs=N`` to change): the batches go
   straight to the pool (:func:`runs_on_the_pool`; with other Hydra settings, through a Hydra multirun over
   ``sweep.batch=<batches>`` on ``hydra_plugins/capsim_launcher/capsim_launcher.py``); Hydra's own
   ``hydra/launcher=joblib`` also works;
   ``hydra/launcher=submitit_local`` runs the same jobs through submitit. With
   ``hydra/launcher=slurm`` (configs/hydra/launcher/slurm.yaml) the batches go to a SLURM
   cluster as one array job (``experiments/cluster.py``): before submitting, the partition and
   the nodes' view of the sweep directory are checked and the runs and core-hours printed;
   each array task runs :func:`cluster_job`. A run whose result is already complete and undamaged
   is skipped, so re-running a killed sweep's command resumes it; a run that raises is
   recorded as failed and the sweep goes on. A progress bar counts runs and shows an ETA.
4. **collect** (``experiments/sweeps/collect.py``): ``manifest.csv`` and the merged ``dataset/``;
   a summary (done / skipped / failed) and exit code 1 if any run failed.

``sweep.json`` (the contract shared with analysis and validation) holds: ``experiment``,
``question``, ``primary_outcome``, ``factors``, ``replicates``, ``base_seed``, ``reference``,
``window_years``, ``config`` (the resolved base config), ``provenance``; and, added to the
contract, ``secondary_outcomes``, ``factor_values``, ``factor_kinds`` (``parameter``: the column
holds the parameter's value; ``group``: the config option's name), ``overrides``, ``n_configurations``,
``n_runs``, ``runs_per_job``, ``n_batches``, ``launcher``. A SLURM sweep also keeps
``slurm_jobs.json`` (every array job it submitted: id, batches, time), so that a re-run does not
start while an earlier job of the same directory is still queued or running.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.cluster import SLURM, ClusterSettings, preflight
from experiments.config import CONFIG_DIR, UsageError, check_writable, fail, quiet_mesa, register_schema, split_hydra_args
from experiments.cli.data import data_metadata, load_country, setup
from experiments.runner import default_jobs, shared
from hydra_plugins.capsim_launcher.config import NAME as LAUNCHER_NAME
from experiments.sweeps.plan import PlannedRun, SweepPlan, default_workers, experiment_names, plan_sweep
from experiments.sweeps.directory import SweepError, SweepLock, remove_stale_temporaries
from sim.store import SweepPaths, check_run, read_json, write_json_atomic

__all__ = ["main", "run_batch", "execute_run", "job_main", "cluster_job", "sweep_json", "runs_on_the_pool"]

register_schema()
log = logging.getLogger("capsim.sweep")

USAGE = """usage: capsim sweep experiment=<name> [overrides] [--dry-run]

Runs an experiment from configs/experiment/: every configuration x sweep.replicates paired
replicates, in parallel, into outputs/sweeps/<experiment>/ (see experiments/sweeps/sweep.py).

overrides (Hydra syntax):
  sweep.replicates=30 (or replicates=30)   paired replicates per configuration
  regime=building,sharing                  replace or add a factor (a,b,c = one value each)
  years=5 funding.multi_year_share=0.6     fix a parameter in every run
  hydra.launcher.n_jobs=2                  worker processes (default: every core)
  hydra/launcher=submitit_local            the submitit launcher on this machine
  hydra/launcher=slurm hydra.launcher.partition=<p>   a SLURM cluster (configs/hydra/launcher/slurm.yaml,
                                           docs/cluster.md); prints runs and core-hours first
  sweep.runs_per_job=50                    runs one launcher job executes one after another
                                           (default: ~2 jobs per local worker, 50 on a cluster)
  hydra.sweep.dir=<dir>                    another sweep directory
  --dry-run                                print the plan, run nothing

Re-running the same command resumes a killed sweep: complete runs are skipped.
"""


def usage() -> str:
    from omegaconf import OmegaConf

    lines = [USAGE, "experiments:"]
    for name in experiment_names():
        q = OmegaConf.load(Path(CONFIG_DIR) / "experiment" / f"{name}.yaml").get("sweep", {}).get("question", "")
        lines.append(f"  {name:<18} {' '.join(str(q).split())}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- launcher jobs
@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def job_main(cfg: DictConfig) -> dict:
    """One launcher job: run the batch ``sweep.batch`` of the plan in the sweep directory."""
    if cfg.sweep.batch is None:
        raise SweepError("sweep.batch is not set: launcher jobs are started by `capsim sweep`, not by hand")
    return run_batch(HydraConfig.get().sweep.dir, int(cfg.sweep.batch))


def cluster_job(sweep_dir: str, batch: int) -> dict:
    """One SLURM array task, or one job on the runner's pool (:func:`runs_on_the_pool`): run the batch ``batch``,
    logging to ``jobs/<batch>/capsim-sweep.log``.

    The log is the one the local launchers write (configs/hydra/job_logging/capsim_sweep.yaml):
    one line per run, Mesa's per-step messages silenced.

    Args:
        sweep_dir: the sweep directory (absolute; the node sees it on the shared filesystem).
        batch: which batch of the plan (0-based).
    """
    log_dir = Path(sweep_dir) / "jobs" / str(batch)
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_dir / "capsim-sweep.log")
    handler.setFormatter(logging.Formatter("[%(asctime)s][pid %(process)d][%(name)s][%(levelname)s] - %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        return run_batch(sweep_dir, batch)
    finally:
        root.removeHandler(handler)
        handler.close()


def run_batch(sweep_dir: str | os.PathLike, batch: int) -> dict:
    """Execute the runs of one batch one after another; returns counts by status.

    Args:
        sweep_dir: the sweep directory holding ``plan.json``.
        batch: which batch of the plan (0-based).
    """
    quiet_mesa()
    logging.captureWarnings(True)
    paths = SweepPaths(Path(sweep_dir))
    plan = SweepPlan.from_json(read_json(paths.plan_json))
    country = load_country(plan.base_config)  # read once per job; None for the synthetic world
    counts = {"done": 0, "skipped": 0, "failed": 0}
    for run in plan.batch_runs(batch):
        record = execute_run(plan, paths, run, country)
        if record["status"] == "skipped" and _done_earlier_in_this_sweep(paths, run.run_id):
            # a SLURM task requeued after its time limit finds the runs its first attempt did
            counts["done"] += 1
            continue
        write_json_atomic(paths.status_file(run.run_id), record)
        counts[record["status"]] += 1
    return counts


def _done_earlier_in_this_sweep(paths: SweepPaths, run_id: str) -> bool:
    """The status record says this sweep already ran it (the status folder is new for each sweep)."""
    try:
        return read_json(paths.status_file(run_id)).get("status") == "done"
    except (OSError, ValueError):
        return False


def execute_run(plan: SweepPlan, paths: SweepPaths, run: PlannedRun, country=None) -> dict:
    """Run one planned simulation unless a complete result exists; never raises for the run.

    Args:
        plan: the sweep's plan (read from ``plan.json``).
        paths: the sweep directory's layout.
        run: the run to execute.
        country: the country data the sweep starts from (``sim.country.CountryData``; None:
            the synthetic world).

    Returns its status record (``done``, ``skipped`` or ``failed`` with the error).
    """
    from experiments.runner import note_first_start
    from sim.results import run as simulate
    from sim.store import run_id, write_run

    note_first_start()
    conf = plan.configurations[run.configuration]
    overrides = plan.run_overrides(run)
    record = _record(plan, run)
    run_dir = paths.run_dir(run.run_id)
    check = check_run(run_dir, run.run_id)
    if check.ok:
        log.info("run %s (replicate %d, %s): complete, skipped", run.run_id, run.replicate, " ".join(conf.overrides))
        return skipped_record(plan, run, check)
    if run_dir.exists():
        log.warning("run %s: %s; running it again", run.run_id, check.reason)
    t0 = time.perf_counter()
    try:
        params = plan.run_params(run)
        if run_id(params, country) != run.run_id:
            raise SweepError("the plan no longer matches the code's parameters (run id differs); "
                             "re-run the sweep command to plan it again")
        result = simulate(params, country)
        write_run(result, run_dir, extra_meta={"sweep": {
            "experiment": plan.experiment, "replicate": run.replicate, "base_seed": plan.base_seed,
            "configuration": run.configuration, "factors": conf.factors, "overrides": overrides}})
        check = check_run(run_dir, run.run_id)
        if not check.ok:
            raise SweepError(f"result unreadable right after writing: {check.reason}")
    except Exception as e:  # a failed run is recorded and the sweep goes on
        stop = _interruption(e)
        if stop is not None:  # SLURM's warning before the time limit, or Ctrl-C: stop the task, not the run only
            raise stop from None
        log.error("run %s (replicate %d, %s) failed:\n%s", run.run_id, run.replicate, " ".join(conf.overrides),
                  traceback.format_exc())
        message = " ".join(str(e).split()) or "(no message)"
        return {**record, "status": "failed", "error": f"{type(e).__name__}: {message}",
                "duration_s": round(time.perf_counter() - t0, 4)}
    log.info("run %s (replicate %d, %s): done in %.2fs", run.run_id, run.replicate, " ".join(conf.overrides),
             time.perf_counter() - t0)
    return {**record, "status": "done", "duration_s": check.elapsed_seconds, **_files(check.rows, check.sha256)}


def _interruption(error: BaseException | None) -> BaseException | None:
    """The interruption behind a run's error, if it is one: submitit's signal that a SLURM task reached its
    time limit and will not be requeued again (``UncompletedJobError``), or Ctrl-C.

    A signal's handler raises where Python runs next. When that is a callback from compiled code (numba
    boxing a kernel's results calls back into Python), the interpreter reports it as a ``SystemError``
    caused by it, so the causes of a ``SystemError`` are followed (``tests/test_sweep.py``)."""
    from submitit.core.utils import UncompletedJobError

    while error is not None:
        if isinstance(error, (UncompletedJobError, KeyboardInterrupt)):
            return error
        error = error.__cause__ if isinstance(error, SystemError) else None
    return None


def _record(plan: SweepPlan, run: PlannedRun) -> dict:
    return {"run_id": run.run_id, "replicate": run.replicate, "seed": run.seed, "configuration": run.configuration,
            "batch": run.batch, "overrides": plan.run_overrides(run), "error": "", "duration_s": None}


def skipped_record(plan: SweepPlan, run: PlannedRun, check) -> dict:
    """Status record of a run whose complete result was found.

    Args:
        plan: the sweep's plan.
        run: the run.
        check: the passing :class:`~experiments.sweeps.directory.RunCheck` of its directory.
    """
    return {**_record(plan, run), "status": "skipped", "duration_s": check.elapsed_seconds,
            **_files(check.rows, check.sha256)}


def _files(rows: dict, sha: dict) -> dict:
    return {**{f"rows_{t}": n for t, n in rows.items()}, **{f"sha256_{t}": s for t, s in sha.items()}}


# ---------------------------------------------------------------------------- the command
class Progress:
    """A progress bar over the runs a sweep executes, fed by the status records jobs write.

    Reading the records (not the launcher) makes it work for every launcher whose jobs share
    the filesystem: local workers, submitit processes, SLURM tasks on a shared disk.
    """

    def __init__(self, status_dir: Path, total: int, ignore: set[str], show: bool = True, interval: float = 0.5):
        self.status_dir, self.total, self.ignore, self.interval = status_dir, total, ignore, interval
        self.seen: set[str] = set()
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.bar = None
        if show and total > 0:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="run", desc="  runs", file=sys.stderr, dynamic_ncols=True,
                            mininterval=0.5 if sys.stderr.isatty() else 30.0)

    def __enter__(self) -> "Progress":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()
        if self.bar is not None:
            self.bar.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll()

    def _poll(self) -> None:
        try:
            names = os.listdir(self.status_dir)
        except FileNotFoundError:
            return
        new = 0
        for name in names:
            rid = name[:-5]
            if not name.endswith(".json") or name.startswith(".") or rid in self.seen or rid in self.ignore:
                continue
            try:
                status = read_json(self.status_dir / name)["status"]
            except (OSError, ValueError, KeyError):
                continue
            self.seen.add(rid)
            if status == "skipped":
                continue
            new += 1
            self.failed += status == "failed"
        if new and self.bar is not None:
            self.bar.update(new)
            if self.failed:
                self.bar.set_postfix(failed=self.failed)


def sweep_json(plan: SweepPlan) -> dict:
    """The content of ``sweep.json`` (the directory contract, module docstring) for a plan.

    Args:
        plan: the planned sweep.
    """
    from sim.store import provenance

    s = plan.settings
    return {
        "experiment": plan.experiment,
        "question": s.get("question"),
        "primary_outcome": s["primary_outcome"],
        "factors": plan.factors,
        "replicates": plan.replicates,
        "base_seed": plan.base_seed,
        "reference": plan.reference,
        "window_years": s["window_years"],
        "config": plan.base_config,
        "provenance": provenance(),
        # additions to the contract
        "secondary_outcomes": s.get("secondary_outcomes", []),
        "factor_values": plan.factor_values,
        "factor_kinds": plan.factor_kinds,
        "overrides": plan.overrides,
        "n_configurations": len(plan.configurations),
        "n_runs": len(plan.runs),
        "runs_per_job": plan.runs_per_job,
        "n_batches": plan.n_batches,
        "launcher": plan.launcher,
        # the country data every run starts from (folder, files with sha256, what came from
        # data and what from assumptions); null for the synthetic world
        "data": data_metadata(setup(plan.base_config)) if (plan.base_config.get("data") or {}).get("dir") else None,
    }


def _hydra_argv(plan: SweepPlan, batches: list[int]) -> list[str]:
    """The Hydra multirun that executes these batches of the plan: one launcher job per batch."""
    given = {h.split("=", 1)[0] for h in plan.hydra_overrides}
    hydra_lines = [h for h in plan.hydra_overrides if h.split("=", 1)[0] != "hydra.sweep.dir"]
    if "hydra/job_logging" not in given:
        hydra_lines.append("hydra/job_logging=capsim_sweep")
    if "hydra/hydra_logging" not in given:
        hydra_lines.append("hydra/hydra_logging=disabled")
    if "hydra.sweep.subdir" not in given:
        hydra_lines.append("hydra.sweep.subdir=jobs/${sweep.batch}")
    if "hydra/sweeper" not in given:  # checks one job per configuration, not every batch (hydra_plugins/capsim_sweeper)
        hydra_lines.append("hydra/sweeper=capsim")
    # The factors are already expanded in the plan: the launcher sweeps over batches only.
    hydra_lines = [h for h in hydra_lines if not h.startswith("hydra.sweeper.params")]
    return ["capsim-sweep", "--multirun", *plan.base_overrides, *hydra_lines, f"hydra.sweep.dir={plan.sweep_dir}",
            "hydra.sweeper.params=null", "sweep.batch=" + ",".join(map(str, batches))]


def launch(plan: SweepPlan, batches: list[int], cluster=None) -> str:
    """Run these batches of the plan through Hydra's launcher, or as a SLURM array job; returns
    "" or what went wrong (one line).

    Args:
        plan: the planned sweep (its ``plan.json`` is already written).
        batches: the batch numbers to launch, one launcher job (array task) each.
        cluster: :class:`~experiments.cluster.ClusterSettings` for ``hydra/launcher=slurm``
            (checked by :func:`~experiments.cluster.preflight`); None: Hydra's launcher.
    """
    if cluster is not None:
        return _launch_on_slurm(plan, batches, cluster)
    if runs_on_the_pool(plan):
        return _launch_on_pool(plan, batches)
    argv = sys.argv
    sys.argv = _hydra_argv(plan, batches)
    try:
        job_main()
    except SystemExit as e:  # Hydra reports its own errors and exits
        if e.code not in (0, None):
            return f"the launcher stopped with exit code {e.code}"
    finally:
        sys.argv = argv
    return ""


# The Hydra settings a sweep on capsim's own local launcher can have and still skip Hydra's multirun: the
# launcher, its workers and the sweep directory. Any other (``hydra.sweep.subdir``, callbacks, logging, ...) is
# Hydra's to apply, so such a sweep goes through the multirun.
POOL_HYDRA_KEYS = ("hydra/launcher", "hydra.launcher.n_jobs", "hydra.sweep.dir")


def runs_on_the_pool(plan: SweepPlan) -> bool:
    """Whether the sweep's batches go straight to the runner's worker pool (capsim's local launcher, and no
    Hydra setting but :data:`POOL_HYDRA_KEYS`) rather than through a Hydra multirun.

    The plan has resolved and checked every configuration already; Hydra's multirun would compose the config
    again in this process (twice) and once more in each job's worker: about 1 s from the end of planning to the
    first job reaching the pool here, and 0.2 s per job (``docs/bench/README.md``). A batch then runs as a SLURM array
    task does (:func:`cluster_job`: the same log, ``jobs/<batch>/capsim-sweep.log``), without the job's
    ``.hydra/`` record of the config (``plan.json`` and ``sweep.json`` hold it).
    """
    return (plan.launcher.get("name") == LAUNCHER_NAME
            and all(h.lstrip("+~").split("=", 1)[0] in POOL_HYDRA_KEYS for h in plan.hydra_overrides))


def _pool_job(job: tuple[str, int]) -> dict:
    """One batch in a worker of the runner's pool (:func:`cluster_job`)."""
    return cluster_job(*job)


def _launch_on_pool(plan: SweepPlan, batches: list[int]) -> str:
    """The batches on the runner's pool (started by :func:`main` while the sweep was planned); returns "" or what
    went wrong (one line; the runs' own failures are recorded per run, not raised)."""
    from experiments.runner import shared

    runner = shared(default_workers(plan))
    log.info("capsim sweep: %d jobs on %d workers", len(batches), runner.n)
    try:
        runner.map(_pool_job, [(str(plan.sweep_dir), b) for b in batches], progress=False, what="jobs")
    except Exception as e:  # noqa: BLE001 - a job that could not run its batch; the runs it did are kept
        return f"a job stopped: {type(e).__name__}: {' '.join(str(e).split()) or '(no message)'}"
    return ""


def _launch_on_slurm(plan: SweepPlan, batches: list[int], cluster) -> str:
    """One array job over the batches; its id is recorded in ``slurm_jobs.json`` once submitted."""
    from experiments.cluster import run_array

    paths = SweepPaths(plan.sweep_dir)

    def record(job_id: str) -> None:
        jobs = read_json(paths.slurm_jobs) if paths.slurm_jobs.is_file() else []
        jobs.append({"job_id": job_id, "batches": batches, "submitted": time.strftime("%Y-%m-%dT%H:%M:%S")})
        write_json_atomic(paths.slurm_jobs, jobs)

    result = run_array(cluster, paths.root / ".submitit", f"capsim-sweep-{plan.experiment}", cluster_job,
                       [(str(plan.sweep_dir), b) for b in batches], on_submit=record)
    return result.summary()


def _cluster_costs(plan: SweepPlan, cluster, complete: set[str], batches: list[int]) -> list[str]:
    """The runs, array tasks and core-hours a SLURM sweep is about to ask for (a pilot run times one run)."""
    from experiments.cluster import cost_lines, pilot_seconds_per_run

    todo = [r for r in plan.runs if r.run_id not in complete]
    if not todo:
        return []
    seconds = pilot_seconds_per_run(plan.run_params(todo[0]), load_country(plan.base_config))
    return cost_lines(cluster, len(todo), len(batches), plan.runs_per_job, seconds)


def _describe(plan: SweepPlan, complete: int, n_jobs: int) -> str:
    from sim.outcomes import label

    s = plan.settings
    workers = default_workers(plan)
    where = f"{plan.launcher['name']}" + (f", {workers} worker{'s' if workers != 1 else ''}" if workers else "")
    factors = "; ".join(f"{k} ({len(v)})" for k, v in plan.factor_values.items()) or "none"
    years = plan.base_config.get("years")
    lines = [f"capsim sweep {plan.experiment}: {' '.join(str(s.get('question') or '').split())}",
             f"  factors: {factors}; {len(plan.configurations)} configurations x {plan.replicates} replicates = "
             f"{len(plan.runs)} runs of {years:g} years",
             f"  primary outcome: {label(s['primary_outcome'])}",
             f"  {complete} complete from an earlier sweep (skipped), {len(plan.runs) - complete} to run, "
             f"in {n_jobs} job{'s' if n_jobs != 1 else ''} of up to {plan.runs_per_job} runs; launcher: {where}",
             f"  directory: {plan.sweep_dir}"]
    lines += [f"  note: {n}" for n in plan.notes]
    return "\n".join(lines)


def run_sweep(plan: SweepPlan, progress: bool = True, cluster=None) -> int:
    """Prepare the directory, launch the jobs, collect; returns the exit code (1 if a run failed).

    Args:
        plan: the planned sweep.
        progress: show a progress bar on stderr.
        cluster: checked :class:`~experiments.cluster.ClusterSettings` for ``hydra/launcher=slurm``.
    """
    paths = SweepPaths(plan.sweep_dir)
    with SweepLock(plan.sweep_dir, "capsim sweep"):
        if cluster is not None and paths.slurm_jobs.is_file():
            from experiments.cluster import active_jobs

            running = active_jobs([j["job_id"] for j in read_json(paths.slurm_jobs)])
            if running:
                raise SweepError(f"SLURM job {', '.join(running)} of an earlier capsim sweep of {plan.sweep_dir} is "
                                 f"still queued or running; wait for it to end or cancel it (scancel "
                                 f"{' '.join(running)}), then re-run the same command")
        paths.runs.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(paths.runs)
        shutil.rmtree(paths.status, ignore_errors=True)
        paths.status.mkdir()
        write_json_atomic(paths.plan_json, plan.to_json())
        write_json_atomic(paths.sweep_json, sweep_json(plan))
        # Complete runs are recorded as skipped here; only batches with work left are launched.
        complete = set()
        for r in plan.runs:
            check = check_run(paths.run_dir(r.run_id), r.run_id)
            if check.ok:
                complete.add(r.run_id)
                write_json_atomic(paths.status_file(r.run_id), skipped_record(plan, r, check))
        batches = sorted({r.batch for r in plan.runs if r.run_id not in complete})
        print(_describe(plan, len(complete), len(batches)), flush=True)
        if cluster is not None:
            print("\n".join(_cluster_costs(plan, cluster, complete, batches)), flush=True)
        t0 = time.perf_counter()
        launcher_error = ""
        if batches:
            with Progress(paths.status, len(plan.runs) - len(complete), complete, show=progress):
                launcher_error = launch(plan, batches, cluster)
        elapsed = time.perf_counter() - t0
        from experiments.sweeps.collect import collect, summary_lines  # (pandas: not before the runs start)

        result = collect(plan.sweep_dir, quiet=True)
    c = result.counts
    print(f"capsim sweep {plan.experiment}: {c['done']} done, {c['skipped']} skipped, {c['failed']} failed "
          f"in {elapsed:.1f}s")
    print(summary_lines(result, plan, counts=False))
    if launcher_error:
        advice = "" if "re-run the same command" in launcher_error else "; re-run the same command to finish the sweep"
        print(f"  {launcher_error}{advice}", file=sys.stderr)
    if result.failed:
        print(f"capsim sweep: {c['failed']} of {len(plan.runs)} runs failed; details in manifest.csv and "
              f"{paths.root / 'jobs'}/*/*.log; re-running the same command retries them", file=sys.stderr)
    return 1 if (result.failed or launcher_error) else 0


def _local_workers(overrides: list[str]) -> int | None:
    """Workers of capsim's local launcher for these overrides (None: another launcher, or one worker)."""
    chosen = [o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0] == "hydra/launcher"]
    if chosen and chosen[-1] != LAUNCHER_NAME:
        return None
    given = [o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0] == "hydra.launcher.n_jobs"]
    try:
        n = default_jobs(None if not given or given[-1] in ("null", "-1") else int(given[-1]))
    except ValueError:
        return None  # the planner reports the bad value
    return n if n > 1 else None


def main(args: list[str]) -> int:
    """`capsim sweep`: plan the overrides here, then hand the batches to Hydra's launcher.

    Args:
        args: the command line after ``capsim sweep`` (overrides, ``--dry-run``, ``--help``).

    Returns the exit code: 0, or 1 if any run failed. Bad input raises UsageError (exit 2).
    """
    overrides, flags = split_hydra_args(args)
    if any(f in ("-h", "--help") for f in flags):
        print(usage())
        return 0
    unknown = [f for f in flags if f != "--dry-run"]
    if unknown:
        raise UsageError(f"{unknown[0]} is not an option of capsim sweep; allowed: --dry-run, --help and "
                         "key=value overrides")
    # All but one core's worth of the local launcher's workers start (and import the model) while the
    # sweep is planned, leaving a core to planning; the others start with the first batch.
    workers = None if "--dry-run" in flags else _local_workers(overrides)
    if workers is not None:
        shared(workers).start(max(1, (os.cpu_count() or 1) - 1))
    try:
        plan = plan_sweep(overrides)
    except BaseException:
        if workers is not None:
            shared(workers).close()
        raise
    slurm = plan.launcher.get("name") == SLURM
    if "--dry-run" in flags:
        paths = SweepPaths(plan.sweep_dir)
        complete = {r.run_id for r in plan.runs if check_run(paths.run_dir(r.run_id), r.run_id).ok}
        batches = sorted({r.batch for r in plan.runs if r.run_id not in complete})
        print(_describe(plan, len(complete), len(batches)))
        if slurm:  # the cost, without asking the cluster anything
            print("\n".join(_cluster_costs(plan, ClusterSettings.from_launcher(plan.launcher), complete, batches)))
        for conf in plan.configurations:
            print(f"    [{conf.index}] {' '.join(conf.overrides)}")
        return 0
    check_writable(plan.sweep_dir)
    cluster = None
    if slurm:  # scheduler, partition, the sweep directory seen from the nodes (one line if not)
        cluster, note = preflight(plan.launcher, plan.sweep_dir)
        if note:
            plan.notes.append(note)
    try:
        return run_sweep(plan, cluster=cluster)
    except SweepError as e:
        fail(str(e), 1)
    except OSError as e:  # disk full, permissions: runs already written stay valid
        fail(f"cannot write to the sweep directory {plan.sweep_dir}: {e.strerror or e}"
             f"{f' ({e.filename})' if e.filename else ''}; complete runs are kept, and re-running the same "
             "command after freeing space resumes the sweep", 1)
