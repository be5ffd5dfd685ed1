"""Running capsim's work on a SLURM cluster: checks before submitting, array jobs, waiting, costs.

``hydra/launcher=slurm`` (``configs/hydra/launcher/slurm.yaml``) sends the work of ``capsim
sweep``, ``capsim calibrate``, ``capsim sensitivity`` and ``capsim discover`` to SLURM as one
array job per batch of work (submitit writes the sbatch script; each array task runs many
simulations one after another). Everything SLURM-specific lives here:

1. **checks before anything is submitted** (:func:`preflight`): a scheduler answers
   (``sinfo``), the partition exists, and the directory the results go to is visible on the
   compute nodes: a one-minute probe job looks for a file written here and for this Python;
   bad input or an unusable cluster ends in one line (exit code 2 for a partition that does
   not exist, 1 otherwise);
2. **what it will cost** (:func:`cost_lines`), printed before submitting: runs, array tasks,
   the core-hours requested (tasks x CPUs x time limit, what an allocation is charged at most)
   and the core-hours a timed pilot run on this machine predicts;
3. **one array job and the wait for it** (:func:`run_array`): job states come from ``squeue``
   (not ``sacct``, so clusters without an accounting database work), results from the files
   submitit writes. A task that is cancelled (``scancel``), stopped at its time limit or lost
   with its node is reported with its state; the wait never hangs on a node that is down: once
   tasks have been stuck on down or unreachable nodes for ``node_down_timeout_s`` seconds, the
   rest of the job is cancelled and reported. Tasks are resumable: submitit requeues a task
   that reaches its time limit up to ``max_num_timeout`` times (a sweep task then skips the
   runs it had completed), and re-running a command does the rest.

The settings are the launcher preset's (submitit's SLURM options: partition, time limit, CPUs,
memory, array parallelism, module lines under ``setup``) plus capsim's ``node_down_timeout_s``
and ``probe_timeout_s``; :class:`SlurmLauncherConf` declares them for Hydra. ``docs/cluster.md``
says how to choose them, and what the one-node CI cluster (``scripts/slurm_one_node.sh``) does
and does not prove.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from hydra_plugins.hydra_submitit_launcher.config import SlurmQueueConf
from hydra_plugins.hydra_submitit_launcher.submitit_launcher import SlurmLauncher as _HydraSlurmLauncher

from experiments.errors import RuntimeFailure, UsageError

__all__ = ["SLURM", "SlurmLauncherConf", "SlurmLauncher", "register_launcher_schema", "ClusterSettings",
           "preflight", "check_scheduler", "check_visible", "active_jobs", "cost_lines", "pilot_seconds_per_run",
           "Resumable", "TaskOutcome", "ArrayResult", "run_array", "StudyCluster", "study_cluster"]

SLURM = "slurm"  # the hydra/launcher choice that sends work to SLURM
_OURS = ("node_down_timeout_s", "probe_timeout_s")  # capsim's keys, not submitit's
# SLURM job states in which a task will not run again (requeued and preempted tasks will).
_ENDED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
          "SPECIAL_EXIT", "REVOKED"}
# Node states (sinfo %T, flags stripped) in which a node runs jobs.
_USABLE = {"idle", "mixed", "allocated", "completing", "planned"}
_CMD_TIMEOUT_S = 30  # sinfo/squeue/sbatch answer within seconds; a controller that is down takes about 10
DEFAULT_RUNS_PER_TASK = 50  # a study's runs per array task (a sweep's: experiments/sweeps/plan.py)


# ---------------------------------------------------------------------------- the launcher config
@dataclass
class SlurmLauncherConf(SlurmQueueConf):
    """Hydra's submitit SLURM options plus capsim's two settings (``configs/hydra/launcher/slurm.yaml``)."""

    _target_: str = "experiments.cluster.SlurmLauncher"
    # Stop waiting once tasks have been stuck on down or unreachable nodes (or wait for a
    # partition with no usable node) for this long, cancel the rest of the job and say so.
    node_down_timeout_s: int = 600
    # How long the probe job (is the results directory visible on the nodes?) may wait in the
    # queue before the check is given up with a note; the work is then submitted unchecked.
    probe_timeout_s: int = 120


def register_launcher_schema() -> None:
    """Register :class:`SlurmLauncherConf` as ``hydra/launcher/capsim_slurm_schema`` (slurm.yaml's base)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(group="hydra/launcher", name="capsim_slurm_schema", node=SlurmLauncherConf,
                                 provider="capsim")


class SlurmLauncher(_HydraSlurmLauncher):
    """Hydra's submitit SLURM launcher, ignoring capsim's own keys.

    ``capsim sweep`` and the studies submit through :func:`run_array`; this class is what Hydra
    instantiates when someone runs a plain Hydra multirun with ``hydra/launcher=slurm``
    (``capsim run -m ... hydra/launcher=slurm``), which then behaves as the upstream launcher.
    """

    def __init__(self, **params: Any) -> None:
        super().__init__(**{k: v for k, v in params.items() if k not in _OURS})


# ---------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class ClusterSettings:
    """The launcher preset as capsim uses it.

    Args:
        partition: SLURM partition (None: the cluster's default; :func:`preflight` fills it in).
        timeout_min: time limit of one array task, minutes.
        cpus_per_task: CPUs per task.
        mem_gb: memory per task, GB (None: the partition's default).
        array_parallelism: most array tasks running at once.
        max_num_timeout: how often a task that reaches its time limit is requeued.
        node_down_timeout_s: see :class:`SlurmLauncherConf`.
        probe_timeout_s: see :class:`SlurmLauncherConf`.
        params: every option passed to submitit (Hydra's launcher keys).
    """

    partition: str | None
    timeout_min: int
    cpus_per_task: int
    mem_gb: float | None
    array_parallelism: int
    max_num_timeout: int
    node_down_timeout_s: float
    probe_timeout_s: float
    params: dict = field(default_factory=dict)

    @classmethod
    def from_launcher(cls, launcher: Mapping) -> "ClusterSettings":
        """Read the composed ``hydra.launcher`` node (a DictConfig or its container).

        Args:
            launcher: the launcher config; interpolations (``${hydra...}``) are not needed.

        Raises:
            UsageError: a value out of range, in one line.
        """
        from omegaconf import DictConfig, OmegaConf

        d = OmegaConf.to_container(launcher, resolve=False) if isinstance(launcher, DictConfig) else dict(launcher)
        d.pop("name", None)  # capsim's name for the record (plan.launcher), or Hydra's job name
        d.pop("_target_", None)
        d.pop("submitit_folder", None)  # capsim chooses the folder: next to the results

        def whole(key: str, lo: int) -> int:
            v = d.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise UsageError(f"hydra.launcher.{key} = {v!r} is not allowed; allowed: a whole number >= {lo}")
            return v

        settings = cls(
            partition=d.get("partition"),
            timeout_min=whole("timeout_min", 1),
            cpus_per_task=whole("cpus_per_task", 1) if d.get("cpus_per_task") is not None else 1,
            mem_gb=d.get("mem_gb"),
            array_parallelism=whole("array_parallelism", 1),
            max_num_timeout=whole("max_num_timeout", 0),
            node_down_timeout_s=whole("node_down_timeout_s", 0),
            probe_timeout_s=whole("probe_timeout_s", 0),
            params={k: v for k, v in d.items() if k not in _OURS and k != "max_num_timeout"},
        )
        if settings.mem_gb is not None and not settings.mem_gb > 0:
            raise UsageError(f"hydra.launcher.mem_gb = {settings.mem_gb!r} is not allowed; allowed: GB > 0 or null")
        return settings

    @property
    def where(self) -> str:
        return f"partition {self.partition}" if self.partition else "the default partition"


# ---------------------------------------------------------------------------- commands
def _run(cmd: list[str], timeout: float = _CMD_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").strip().splitlines() if ln.strip()]
    # sinfo/sbatch put the reason last ("... error: Batch job submission failed: Invalid partition")
    return lines[-1] if lines else ""


_NO_SCHEDULER = ("no SLURM scheduler is reachable from here ({why}); allowed: run from a login node of a "
                 "SLURM cluster (docs/cluster.md), or leave out hydra/launcher=slurm to run on this machine")


def check_scheduler(settings: ClusterSettings) -> ClusterSettings:
    """Check that a SLURM controller answers and that the partition exists; returns the settings
    with the partition filled in (the cluster's default when none was chosen).

    Args:
        settings: the launcher settings.

    Raises:
        RuntimeFailure: no SLURM commands here, or the controller does not answer (exit 1).
        UsageError: the partition does not exist, or none was chosen and there is no default (exit 2).
    """
    for tool in ("sinfo", "sbatch", "squeue", "srun"):
        if shutil.which(tool) is None:
            raise RuntimeFailure(_NO_SCHEDULER.format(why=f"{tool} is not on PATH"))
    try:
        r = _run(["sinfo", "-h", "-o", "%P|%a"])
    except subprocess.TimeoutExpired:
        raise RuntimeFailure(_NO_SCHEDULER.format(why=f"sinfo got no answer in {_CMD_TIMEOUT_S} s")) from None
    if r.returncode != 0:
        raise RuntimeFailure(_NO_SCHEDULER.format(why=f"sinfo: {_first_line(r.stderr) or f'exit code {r.returncode}'}"))
    partitions: dict[str, str] = {}
    default = None
    for line in r.stdout.splitlines():
        name, _, avail = line.strip().partition("|")
        if not name:
            continue
        if name.endswith("*"):
            name = name[:-1]
            default = name
        partitions[name] = avail
    names = sorted(partitions)
    if settings.partition is None:
        if default is None:
            raise UsageError(f"hydra.launcher.partition is not set and this cluster has no default partition; "
                             f"allowed: hydra.launcher.partition=<one of {', '.join(names) or 'none found'}>")
        return replace(settings, partition=default)
    if settings.partition not in partitions:
        close = difflib.get_close_matches(str(settings.partition), names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"hydra.launcher.partition={settings.partition}: no such partition on this cluster{hint}; "
                         f"allowed: {', '.join(names) or 'none found (sinfo lists no partition)'}")
    return settings


def check_visible(settings: ClusterSettings, directory: Path) -> str:
    """Submit a probe job: do the nodes see ``directory`` and this Python? Returns a note ("" if checked).

    A file with a random name is written to ``directory`` here; the probe (one CPU, one
    minute) looks for it and for ``sys.executable`` on a node of the partition. If the probe
    has not run within ``probe_timeout_s`` (a busy queue), it is cancelled and the note says
    the check was not made.

    Args:
        settings: the launcher settings (partition already resolved).
        directory: where results will be written (exists).

    Raises:
        RuntimeFailure: the nodes do not see the directory or the Python, or sbatch refused the probe.
    """
    directory = Path(directory).resolve()
    token = directory / f".capsim-node-check-{uuid.uuid4().hex[:12]}"
    token.write_text("written on the submitting machine; a probe job on a compute node looks for it\n")
    python = sys.executable
    script = f"test -e {_quote(token)} || exit 3; test -x {_quote(python)} || exit 4"
    cmd = ["sbatch", "--parsable", "--job-name=capsim-node-check", "--ntasks=1", "--cpus-per-task=1", "--time=1",
           "--output=/dev/null", "--error=/dev/null", f"--chdir={directory.anchor}", f"--wrap={script}"]
    if settings.partition:
        cmd.append(f"--partition={settings.partition}")
    for key in ("account", "qos"):
        if settings.params.get(key):
            cmd.append(f"--{key}={settings.params[key]}")
    try:
        r = _run(cmd)
        if r.returncode != 0:
            raise RuntimeFailure(f"SLURM refused the probe job on {settings.where}: "
                                 f"{_first_line(r.stderr) or f'sbatch exit code {r.returncode}'}")
        job = r.stdout.strip().split(";")[0]
        deadline = time.monotonic() + settings.probe_timeout_s
        while True:
            state, code = _job_end(job)
            if state in _ENDED:
                break
            if time.monotonic() > deadline:
                _run(["scancel", job])
                return (f"the probe job {job} did not start within {settings.probe_timeout_s} s, so it is not checked "
                        f"that the nodes see {directory}; it must be on a filesystem they share (docs/cluster.md)")
            time.sleep(0.25)
    finally:
        token.unlink(missing_ok=True)
    if state == "COMPLETED" and code == 0:
        return ""
    if code == 3:
        raise RuntimeFailure(f"the sweep directory {directory} is not visible on the compute nodes of "
                             f"{settings.where} (probe job {job} could not see a file written there); allowed: a "
                             "directory on a filesystem the nodes share, e.g. hydra.sweep.dir=<shared path> "
                             "(docs/cluster.md)")
    if code == 4:
        raise RuntimeFailure(f"the Python running capsim ({python}) is not available on the compute nodes of "
                             f"{settings.where} (probe job {job}); allowed: a virtual environment on a shared "
                             "filesystem, or module lines in hydra.launcher.setup (docs/cluster.md)")
    raise RuntimeFailure(f"the probe job {job} on {settings.where} ended {state} (exit code {code}); check the "
                         "partition with sinfo and the job with scontrol show job")


def _quote(p) -> str:
    import shlex

    return shlex.quote(str(p))


def _job_end(job: str) -> tuple[str, int | None]:
    """(state, exit code) of a plain job from ``scontrol`` (state "" while it is unknown)."""
    r = _run(["scontrol", "-o", "show", "job", job])
    if r.returncode != 0:
        return "", None
    fields = dict(re.findall(r"(\S+?)=(\S*)", r.stdout))
    code = fields.get("ExitCode", "")
    return fields.get("JobState", ""), int(code.split(":")[0]) if code.split(":")[0].isdigit() else None


def preflight(launcher: Mapping, directory: str | os.PathLike) -> tuple[ClusterSettings, str]:
    """Every check before work is submitted: settings, scheduler, partition, directory on the nodes.

    Args:
        launcher: the composed ``hydra.launcher`` node.
        directory: where results will be written (created if missing).

    Returns:
        The settings (partition resolved) and a note ("" when everything was checked).
    """
    settings = check_scheduler(ClusterSettings.from_launcher(launcher))
    Path(directory).mkdir(parents=True, exist_ok=True)
    return settings, check_visible(settings, Path(directory))


def active_jobs(job_ids: Sequence[str]) -> list[str]:
    """Which of these SLURM jobs are still queued or running (checked with squeue).

    Args:
        job_ids: array job ids.
    """
    active = []
    for job in job_ids:
        r = _run(["squeue", "-h", "-r", "-j", str(job), "-o", "%i|%T"])
        if r.returncode == 0 and any(line.split("|")[-1] not in _ENDED for line in r.stdout.split()):
            active.append(str(job))
    return active


# ---------------------------------------------------------------------------- costs
def pilot_seconds_per_run(params, country=None, weeks: int = 8) -> float:
    """Seconds one run of ``params`` takes here, from a pilot of a few weeks (set-up + steps x cost).

    Args:
        params: the run's :class:`~sim.params.Params`.
        country: its country data (None: the synthetic country).
        weeks: steps the pilot runs.
    """
    from experiments.logs import quiet_mesa
    from sim.model import CapacityModel

    quiet_mesa()
    t0 = time.perf_counter()
    model = CapacityModel(params, country)
    t1 = time.perf_counter()
    k = max(1, min(weeks, model.n_steps))
    for _ in range(k):
        model.step()
    per_step = (time.perf_counter() - t1) / k
    return (t1 - t0) + per_step * model.n_steps


def cost_lines(settings: ClusterSettings, n_runs: int, n_tasks: int, runs_per_task: int,
               seconds_per_run: float | None) -> list[str]:
    """What a submission asks of the cluster, printed before it is made.

    Args:
        settings: the launcher settings.
        n_runs: simulations to run.
        n_tasks: array tasks that will be submitted.
        runs_per_task: most runs one task executes.
        seconds_per_run: a pilot's estimate of one run here (None: not estimated).
    """
    cpus = settings.cpus_per_task
    mem = f"{settings.mem_gb:g} GB" if settings.mem_gb else "the partition's default memory"
    requested = n_tasks * cpus * settings.timeout_min / 60

    def hours(h: float) -> str:
        return f"{h:.2f}" if h >= 0.1 else f"{h:.2g}" 
    lines = [f"  cluster: SLURM, {settings.where}: {n_tasks} array task{'s' if n_tasks != 1 else ''} of up to "
             f"{runs_per_task} runs, at most {min(n_tasks, settings.array_parallelism)} at once; {cpus} CPU, {mem} "
             f"and {settings.timeout_min} min per task",
             f"  cost: {n_runs} runs; at most {hours(requested)} core-hours requested ({n_tasks} "
             f"task{'s' if n_tasks != 1 else ''} x {cpus} CPU x "
             f"{settings.timeout_min} min)"]
    if seconds_per_run is not None:
        used = n_runs * seconds_per_run * cpus / 3600
        lines[-1] += f", about {hours(used)} core-hours used (a run takes ~{seconds_per_run:.2f} s on this machine)"
        need = runs_per_task * seconds_per_run / 60
        if need > 0.8 * settings.timeout_min:
            lines.append(f"  note: a task of {runs_per_task} runs needs about {need:.0f} min here, close to or over "
                         f"its {settings.timeout_min} min limit: lower the runs per task or raise "
                         "hydra.launcher.timeout_min")
    return lines


# ---------------------------------------------------------------------------- array jobs
class Resumable:
    """A task function that SLURM may stop at its time limit and submitit may requeue.

    submitit requeues a timed-out task (up to ``max_num_timeout`` times) only if its function
    has a ``checkpoint`` method; capsim's tasks can simply start again: a sweep task skips the
    runs it completed, and a study task is deterministic.

    Args:
        fn: a module-level function (pickled by reference).
    """

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)

    def checkpoint(self, *args):
        import submitit

        return submitit.helpers.DelayedSubmission(self, *args)


@dataclass
class TaskOutcome:
    """What became of one array task: its SLURM state, its return value or a one-line error."""

    index: int
    job_id: str
    state: str = "PENDING"
    ok: bool = False
    result: Any = None
    error: str = ""


@dataclass
class ArrayResult:
    """One array job: its id, every task's outcome, and why the wait was given up (if it was)."""

    job_id: str
    tasks: list[TaskOutcome]
    gave_up: str = ""

    @property
    def failed(self) -> list[TaskOutcome]:
        return [t for t in self.tasks if not t.ok]

    def summary(self) -> str:
        """One line: what went wrong ("" if every task returned)."""
        if self.gave_up:
            return self.gave_up
        bad = self.failed
        if not bad:
            return ""
        shown = "; ".join(f"task {t.index} {t.error}" for t in bad[:3])
        more = f"; {len(bad) - 3} more" if len(bad) > 3 else ""
        return f"SLURM job {self.job_id}: {len(bad)} of {len(self.tasks)} tasks did not finish ({shown}{more})"


def _task_states(job_id: str) -> dict[int, tuple[str, str]] | None:
    """Array task index -> (state, node) from squeue; None if squeue does not answer."""
    try:
        r = _run(["squeue", "-h", "-r", "-t", "all", "-j", job_id, "-o", "%i|%T|%N"])
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        # "Invalid job id specified": the controller has forgotten the job (all tasks ended long ago)
        return {} if "Invalid job id" in r.stderr else None
    states = {}
    for line in r.stdout.split():
        jid, state, node = (line.split("|") + ["", ""])[:3]
        task = jid.split("_", 1)[1] if "_" in jid else "0"
        if task.isdigit():
            states[int(task)] = (state, node)
    return states


def _node_states(partition: str | None) -> dict[str, str] | None:
    """Node -> state (sinfo %T, e.g. ``idle``, ``mixed*``, ``down*``) of the partition's nodes."""
    cmd = ["sinfo", "-h", "-N", "-o", "%N|%T"] + (["-p", partition] if partition else [])
    try:
        r = _run(cmd)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        return None
    return dict(line.split("|", 1) for line in r.stdout.split() if "|" in line)


def _usable(state: str) -> bool:
    """A node that answers and takes jobs (``*``: not responding; down, drain, fail: not usable)."""
    return "*" not in state and state.rstrip("~#!%$@^-+") in _USABLE


def _describe_state(state: str) -> str:
    if "*" in state:
        return f"not responding ({state})"
    return f"unusable ({state})"


def run_array(settings: ClusterSettings, folder: str | os.PathLike, job_name: str, fn: Callable,
              args: Sequence[tuple], on_submit: Callable[[str], None] | None = None,
              echo: Callable[[str], None] | None = None, poll_s: float = 1.0,
              on_done: Callable[[int, int], None] | None = None) -> ArrayResult:
    """Submit ``fn(*a)`` for each ``a`` in ``args`` as one SLURM array job and wait for every task.

    Args:
        settings: launcher settings (partition resolved by :func:`preflight`).
        folder: where submitit keeps the job's script, pickles and logs (``<folder>/<job id>_<task>/``,
            ``<folder>/<job id>/`` for a single task); must be visible on the nodes.
        job_name: the SLURM job name.
        fn: a module-level function; it is wrapped in :class:`Resumable`.
        args: one argument tuple per array task.
        on_submit: called with the array job id right after submission (to record it).
        echo: where progress lines go (default: print to stdout).
        poll_s: seconds between looks at the queue (grows to 10 s on long waits).
        on_done: called with (tasks ended, tasks) each time tasks end.

    Raises:
        RuntimeFailure: sbatch refused the job (one line with SLURM's reason).
    """
    import submitit
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
    from omegaconf import OmegaConf

    say = echo or (lambda line: print(line, flush=True))
    executor = submitit.AutoExecutor(cluster="slurm", folder=str(Path(folder) / "%j"),
                                     slurm_max_num_timeout=settings.max_num_timeout)
    base = set(OmegaConf.structured(BaseQueueConf).keys())
    params = {**settings.params, "partition": settings.partition}
    executor.update_parameters(**{(k if k in base else f"slurm_{k}"): v for k, v in params.items()}, name=job_name)
    sbatch_said = io.StringIO()
    try:
        with contextlib.redirect_stderr(sbatch_said):  # submitit prints sbatch's complaint before raising
            jobs = executor.map_array(Resumable(fn), *zip(*args))
    except (submitit.core.utils.UncompletedJobError, submitit.core.utils.FailedSubmissionError) as e:
        why = _first_line(str(e)) or _first_line(sbatch_said.getvalue()) or "sbatch failed"
        raise RuntimeFailure(f"SLURM refused the job on {settings.where}: {why}") from None
    job_id = jobs[0].job_id.split("_")[0]
    if on_submit is not None:
        on_submit(job_id)
    logs = Path(folder) / (f"{job_id}_<task>" if len(jobs) > 1 else job_id)
    say(f"  submitted SLURM job {job_id} ({job_name}): {len(jobs)} array task{'s' if len(jobs) != 1 else ''} on "
        f"{settings.where}; task logs in {logs}/")
    try:
        return _wait(jobs, job_id, settings, say, poll_s, on_done)
    except KeyboardInterrupt:
        _run(["scancel", job_id])
        say(f"  interrupted: cancelled SLURM job {job_id}")
        raise


def _wait(jobs: list, job_id: str, settings: ClusterSettings, say: Callable[[str], None],
          poll_s: float, on_done: Callable[[int, int], None] | None = None) -> ArrayResult:
    """Wait for every task of the array; give up on tasks stuck on nodes that are down."""
    outcomes = [TaskOutcome(i, f"{job_id}_{i}" if len(jobs) > 1 else job_id) for i in range(len(jobs))]
    open_tasks = set(range(len(jobs)))
    ended_at: dict[int, float] = {}  # task -> when SLURM reported it ended without a result file
    stuck_since: float | None = None
    left = len(open_tasks)
    t0 = time.monotonic()
    while open_tasks:
        states = _task_states(job_id)
        for i in sorted(open_tasks):
            job = jobs[i]
            if job.paths.result_pickle.exists():
                _finish(outcomes[i], job, states, settings)
                open_tasks.discard(i)
                if not outcomes[i].ok:
                    say(f"  SLURM task {outcomes[i].job_id}: {outcomes[i].error}")
                continue
            state = (states or {}).get(i, ("", ""))[0]
            if states is not None and (state in _ENDED or (states == {} or i not in states)):
                # ended (or forgotten by the controller) without a result yet: allow the shared
                # filesystem a few seconds to show the file
                first = ended_at.setdefault(i, time.monotonic())
                if time.monotonic() - first > 10:
                    outcomes[i].state = state or "ENDED"
                    outcomes[i].error = _ended_without_result(state, settings, job.paths.stderr)
                    open_tasks.discard(i)
                    say(f"  SLURM task {outcomes[i].job_id}: {outcomes[i].error}")
            elif state:
                outcomes[i].state = state
        if on_done is not None and len(open_tasks) != left:
            on_done(len(jobs) - len(open_tasks), len(jobs))
        left = len(open_tasks)
        if not open_tasks:
            break
        # Tasks stuck on nodes that are down or do not answer, or waiting for a partition whose
        # nodes all are: report them after node_down_timeout_s instead of waiting forever.
        nodes = _node_states(settings.partition)
        problem = _stuck(open_tasks, states, nodes, settings) if states is not None and nodes is not None else ""
        if problem:
            stuck_since = stuck_since or time.monotonic()
            waited = time.monotonic() - stuck_since
            if waited >= settings.node_down_timeout_s:
                _run(["scancel", job_id])
                for i in open_tasks:
                    outcomes[i].state = "CANCELLED"
                    outcomes[i].error = "cancelled: its node was down"
                gave_up = (f"{problem} for {waited:.0f} s (hydra.launcher.node_down_timeout_s="
                           f"{settings.node_down_timeout_s}): cancelled the {len(open_tasks)} unfinished task"
                           f"{'s' if len(open_tasks) != 1 else ''} of SLURM job {job_id}; complete runs are kept, "
                           f"re-run the same command once the node is back (sinfo -p {settings.partition})")
                say(f"  {gave_up}")
                return ArrayResult(job_id, outcomes, gave_up)
        else:
            stuck_since = None
        elapsed = time.monotonic() - t0
        time.sleep(min(10.0, max(poll_s, elapsed / 60)))
    return ArrayResult(job_id, outcomes)


def _stuck(open_tasks: set[int], states: dict, nodes: dict, settings: ClusterSettings) -> str:
    """Why unfinished tasks cannot go on ("" if they can)."""
    bad = {n: s for n, s in nodes.items() if not _usable(s)}
    if not bad:
        return ""
    running_on_bad = sorted(n for i in open_tasks for n in [states.get(i, ("", ""))[1]]
                            if states.get(i, ("", ""))[0] in ("RUNNING", "COMPLETING") and n in bad)
    waiting = [i for i in open_tasks if states.get(i, ("", ""))[0] in ("PENDING", "REQUEUED", "")]
    if running_on_bad:
        node = running_on_bad[0]
        return f"node {node} of {settings.where} is {_describe_state(bad[node])} with tasks on it"
    if waiting and len(bad) == len(nodes):
        shown = ", ".join(f"{n} {_describe_state(s)}" for n, s in sorted(bad.items())[:3])
        return f"no node of {settings.where} can run the waiting tasks ({shown})"
    return ""


def _ended_without_result(state: str, settings: ClusterSettings, log: Path) -> str:
    if state == "CANCELLED":
        return "was cancelled (scancel) before it finished"
    if state == "TIMEOUT":
        return f"was stopped at its time limit (killed by SLURM at hydra.launcher.timeout_min={settings.timeout_min})"
    if state == "NODE_FAIL":
        return "was lost with its node (NODE_FAIL)"
    if state == "OUT_OF_MEMORY":
        return f"ran out of memory (hydra.launcher.mem_gb={settings.mem_gb})"
    if not state:
        return "is no longer known to SLURM and left no result"
    return f"ended {state} without a result (its log: {log})"


def _finish(outcome: TaskOutcome, job, states: dict | None, settings: ClusterSettings) -> None:
    """Read a task's result file: its return value, or the last line of its error."""
    outcome.state = (states or {}).get(outcome.index, ("COMPLETED", ""))[0] or "COMPLETED"
    try:
        outcome.result = job.results()[0]
        outcome.ok = True
    except Exception as e:  # noqa: BLE001 - the task's own error, reported in one line
        text = str(e)
        if "timed-out" in text:  # submitit's handler of SLURM's warning signal, no requeue left
            outcome.error = (f"was stopped at its time limit (SLURM's warning, hydra.launcher.signal_delay_s="
                             f"{settings.params.get('signal_delay_s')} before hydra.launcher.timeout_min="
                             f"{settings.timeout_min}, after hydra.launcher.max_num_timeout={settings.max_num_timeout} "
                             "requeues)")
        else:
            lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith(("-", "You can"))]
            error_lines = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b", ln)]
            outcome.error = "failed: " + (error_lines[-1] if error_lines else (lines[0] if lines else "no message"))
        outcome.ok = False


# ---------------------------------------------------------------------------- studies
@dataclass(frozen=True)
class StudyCluster:
    """Where a study (calibrate, sensitivity, discover) sends its model evaluations on SLURM.

    Args:
        settings: checked launcher settings.
        folder: submitit's folder for the study's array jobs (``<output dir>/.submitit``).
        name: SLURM job name.
        runs_per_job: runs one array task executes one after another.
    """

    settings: ClusterSettings
    folder: Path
    name: str
    runs_per_job: int

    def map_runs(self, fn: Callable, payload: Any, runs: list, pilot=None,
                 on_done: Callable[[int, int], None] | None = None) -> list:
        """Run ``fn(payload, batch)`` for batches of ``runs`` as one array job; the tasks' lists, joined.

        Args:
            fn: module-level function taking (payload, list of runs) and returning a list.
            payload: what every task needs (pickled once per task).
            runs: the runs to spread over the tasks, in order.
            pilot: parameters of a typical run, timed here to estimate the cost (None: no estimate).
            on_done: called with (tasks finished, tasks) as tasks finish.

        Raises:
            RuntimeFailure: a task did not finish (one line naming the job, the task and why).
        """
        batches = [runs[i:i + self.runs_per_job] for i in range(0, len(runs), self.runs_per_job)]
        seconds = pilot_seconds_per_run(pilot) if pilot is not None else None
        print("\n".join(cost_lines(self.settings, len(runs), len(batches), self.runs_per_job, seconds)), flush=True)
        result = run_array(self.settings, self.folder, self.name, fn, [(payload, b) for b in batches],
                           on_done=on_done)
        if result.failed or result.gave_up:
            raise RuntimeFailure(f"{result.summary()}; the study stopped: re-run the same command (its results do "
                                 "not depend on where or in how many tasks the runs are made)")
        return [row for task in result.tasks for row in task.result]


def study_cluster(cfg, out_dir: str | os.PathLike, name: str) -> StudyCluster | None:
    """The study's SLURM dispatch when the command chose ``hydra/launcher=slurm``; None otherwise.

    Runs :func:`preflight` (scheduler, partition, ``out_dir`` seen from the nodes) and prints its
    note, if any. Call it inside the Hydra app (it reads ``HydraConfig``).

    Args:
        cfg: the study's composed config (``study.runs_per_job``: runs per array task, null: 50).
        out_dir: the study's output directory.
        name: the study (``calibration``, ``sensitivity``, ``scenario_discovery``).
    """
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    if hc.runtime.choices.get("hydra/launcher") != SLURM:
        return None
    per_job = (cfg.get("study") or {}).get("runs_per_job")
    if per_job is None:
        per_job = DEFAULT_RUNS_PER_TASK
    elif isinstance(per_job, bool) or not isinstance(per_job, int) or per_job < 1:
        raise UsageError(f"study.runs_per_job = {per_job!r} is not allowed; allowed: a whole number >= 1 or null")
    settings, note = preflight(hc.launcher, out_dir)
    if note:
        print(f"  note: {note}", flush=True)
    return StudyCluster(settings, Path(out_dir) / ".submitit", f"capsim-{name}", per_job)
