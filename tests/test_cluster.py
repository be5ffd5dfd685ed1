"""capsim on a SLURM cluster: sweeps and studies as array jobs, faults, checks and costs.

The tests marked `slurm` run the `capsim` command as a user would, against a real scheduler:
the one-node cluster of `scripts/slurm_one_node.sh` in CI (started by `.ci/run`), or any
cluster from its login node. Without one they are skipped with one line saying how to start
it (tests/slurm_available.py). The others check what needs no scheduler: the cost lines, the
dry run, the launcher settings, and the rules that decide when tasks are stuck on a lost node.

Each cluster test prints what the command printed (job ids, costs, counts) to the terminal, so
that a CI log shows the sweep and the study as they ran on SLURM.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.cluster import ClusterSettings, _stuck, _usable, cost_lines
from slurm_available import CLUSTER_SCRIPT, need, one_node_cluster, slurm_missing

ROOT = Path(__file__).resolve().parents[1]
SLURM = ["hydra/launcher=slurm", "hydra.launcher.partition=debug"]
TABLES = ("steps", "shocks", "areas")


def capsim(*args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the `capsim` command in a subprocess; returns it with its output."""
    return subprocess.run([sys.executable, "-m", "experiments.cli.main", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def show(capsys, title: str, out: str) -> None:
    """Print a command's output to the terminal (the CI log), without progress bars."""
    lines = [ln for ln in out.replace("\r", "\n").splitlines() if ln.strip() and "%|" not in ln]
    with capsys.disabled():
        print(f"\n--- {title}\n" + "\n".join(lines))


def job_ids(out: str) -> list[str]:
    return re.findall(r"submitted SLURM job (\d+)", out)


def counts(out: str) -> dict:
    m = re.search(r"(\d+) done, (\d+) skipped, (\d+) failed", out)
    assert m, f"no counts line in {out!r}"
    return dict(zip(("done", "skipped", "failed"), map(int, m.groups())))


def dataset(d: Path, table: str) -> pd.DataFrame:
    return pd.read_parquet(d / "dataset" / f"{table}.parquet")


def manifest(d: Path) -> pd.DataFrame:
    return pd.read_csv(d / "manifest.csv", keep_default_na=False)


def complete_runs(d: Path) -> dict[str, str]:
    """run id -> metadata.json text of every complete run (its checksums fix its tables)."""
    from sim.store import check_run

    runs = d / "runs"
    return {p.name: (p / "metadata.json").read_text() for p in runs.iterdir()
            if not p.name.startswith(".") and check_run(p, p.name).ok} if runs.is_dir() else {}


def assert_same_data(a: Path, b: Path, what: str) -> None:
    for t in TABLES:
        pd.testing.assert_frame_equal(dataset(a, t), dataset(b, t), check_exact=True, obj=f"{t}: {what}")


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the sweep ended before {what}: {out[-2000:]} {err[-2000:]}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def done_in_batch(d: Path, batch: int) -> int:
    """Runs of one batch whose status record says done (written by the task after each run)."""
    n = 0
    for f in (d / "status").glob("*.json"):
        try:
            rec = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        n += rec.get("batch") == batch and rec.get("status") == "done"
    return n


# ------------------------------------------------------------------------------ no scheduler needed
def _settings(**kw) -> ClusterSettings:
    base = dict(partition="debug", timeout_min=60, cpus_per_task=1, mem_gb=2, array_parallelism=64,
                max_num_timeout=2, node_down_timeout_s=600, probe_timeout_s=120)
    return ClusterSettings(**(base | kw))


def test_cost_lines_count_runs_tasks_and_core_hours():
    lines = cost_lines(_settings(cpus_per_task=2, timeout_min=30), n_runs=640, n_tasks=13, runs_per_task=50,
                       seconds_per_run=1.5)
    text = "\n".join(lines)
    assert "13 array tasks of up to 50 runs, at most 13 at once" in text
    assert "640 runs; at most 13.00 core-hours requested (13 tasks x 2 CPU x 30 min)" in text, text
    assert "about 0.53 core-hours used" in text, "640 runs x 1.5 s x 2 CPUs = 0.53 core-hours"
    assert "note" not in text, "50 runs of 1.5 s fit well in 30 minutes"
    tight = "\n".join(cost_lines(_settings(timeout_min=1), 100, 2, 50, seconds_per_run=1.5))
    assert "note: a task of 50 runs needs about 1 min here" in tight, tight


def test_dry_run_prints_the_cost_without_asking_the_cluster(tmp_path):
    """--dry-run with hydra/launcher=slurm works with no scheduler at all (no SLURM command on PATH)."""
    r = capsim("sweep", "experiment=regime_comparison", "replicates=3", "years=1", "sweep.runs_per_job=5",
               *SLURM, f"hydra.sweep.dir={tmp_path}/s", "--dry-run", env={"PATH": str(tmp_path / "empty")})
    assert r.returncode == 0, r.stderr
    assert "cost: 12 runs; at most 3.00 core-hours requested (3 tasks x 1 CPU x 60 min)" in r.stdout, r.stdout
    assert re.search(r"about [\d.e-]+ core-hours used \(a run takes ~[\d.]+ s on this machine\)", r.stdout), r.stdout
    assert not (tmp_path / "s" / "runs").exists(), "a dry run must not run anything"


def test_launcher_settings_are_checked():
    from experiments.config import UsageError

    good = {"partition": None, "timeout_min": 60, "cpus_per_task": 1, "mem_gb": 2, "array_parallelism": 64,
            "max_num_timeout": 2, "node_down_timeout_s": 600, "probe_timeout_s": 120, "setup": None}
    s = ClusterSettings.from_launcher(good)
    assert s.where == "the default partition" and "node_down_timeout_s" not in s.params, \
        "capsim's own keys must not reach submitit"
    for key, bad in (("timeout_min", 0), ("array_parallelism", 0), ("node_down_timeout_s", -1), ("mem_gb", 0)):
        with pytest.raises(UsageError, match=f"hydra.launcher.{key} = "):
            ClusterSettings.from_launcher(good | {key: bad})


def test_a_task_on_a_lost_node_is_stuck_and_a_healthy_queue_is_not():
    s = _settings()
    idle, lost = {"n1": "idle", "n2": "mixed"}, {"n1": "idle", "n2": "mixed*"}
    assert _usable("idle") and _usable("allocated") and not _usable("down*") and not _usable("idle*") \
        and not _usable("drained") and not _usable("completing*")
    running_on_n2 = {0: ("RUNNING", "n2"), 1: ("PENDING", "")}
    assert _stuck({0, 1}, running_on_n2, idle, s) == "", "a busy but healthy cluster is not stuck"
    assert "node n2 of partition debug is not responding (mixed*)" in _stuck({0, 1}, running_on_n2, lost, s)
    pending_only = {1: ("PENDING", "")}
    assert _stuck({1}, pending_only, lost, s) == "", "a waiting task can still run on n1"
    assert "no node of partition debug can run the waiting tasks" in _stuck(
        {1}, pending_only, {"n1": "down*", "n2": "drained"}, s)


def test_a_requeued_task_keeps_the_runs_its_first_attempt_did(tmp_path):
    """A SLURM task requeued after its time limit runs its batch again: the runs its first attempt
    completed are skipped, and their status records still say done (not skipped as if an
    earlier sweep had made them)."""
    from experiments.sweeps.sweep import run_batch

    d = tmp_path / "s"
    r = capsim("sweep", "experiment=regime_comparison", "replicates=1", "years=0.1", "world.n_areas=10",
               "world.n_staff=300", "sweep.runs_per_job=4", "hydra/launcher=basic", f"hydra.sweep.dir={d}")
    assert r.returncode == 0, r.stderr
    before = {p.name: p.read_text() for p in (d / "status").glob("*.json")}
    assert len(before) == 4 and all(json.loads(t)["status"] == "done" for t in before.values())
    assert run_batch(d, 0) == {"done": 4, "skipped": 0, "failed": 0}, "the second attempt must count them as done"
    assert {p.name: p.read_text() for p in (d / "status").glob("*.json")} == before, "status records were rewritten"


# ------------------------------------------------------------------------------ on the cluster
@pytest.mark.slurm
def test_sweep_on_slurm_gives_the_joblib_data(tmp_path, capsys):
    """An experiment as one SLURM array job (8 runs, 3 runs a task), collected; the same data as joblib.
    A `setup` line (where module loads go) runs before each task."""
    need(slurm_missing())
    args = ["experiment=regime_comparison", "replicates=2", "years=1", "sweep.runs_per_job=3"]
    setup = 'hydra.launcher.setup=["echo capsim-setup-line-ran"]'
    t0 = time.perf_counter()
    r = capsim("sweep", *args, *SLURM, setup, f"hydra.sweep.dir={tmp_path}/slurm")
    t_slurm = time.perf_counter() - t0
    show(capsys, f"capsim sweep {' '.join(args + SLURM)} ({t_slurm:.1f} s)", r.stdout + r.stderr)
    assert r.returncode == 0, r.stdout + r.stderr
    out, d = r.stdout, tmp_path / "slurm"
    assert out.index("cost: 8 runs") < out.index("submitted SLURM job"), "the cost must be printed before submitting"
    (job,) = job_ids(out)
    assert "3 array tasks" in out and counts(out) == {"done": 8, "skipped": 0, "failed": 0}
    record = json.loads((d / "slurm_jobs.json").read_text())
    assert [(j["job_id"], j["batches"]) for j in record] == [(job, [0, 1, 2])], record
    for task, n_runs in enumerate((3, 3, 2)):  # many runs per task, each task its own SLURM array task
        folder = d / ".submitit" / f"{job}_{task}"
        assert list(folder.glob("*_result.pkl")), f"task {task} left no result"
        assert "capsim-setup-line-ran" in (folder / f"{job}_{task}_0_log.out").read_text(), "setup lines did not run"
        log = (d / "jobs" / str(task) / "capsim-sweep.log").read_text()
        assert log.count(": done in ") == n_runs, f"array task {task} should have run {n_runs} runs:\n{log}"
    statuses = [json.loads(p.read_text())["status"] for p in (d / "status").glob("*.json")]
    assert statuses == ["done"] * 8, "progress comes from one status record per run"
    before = {t: dataset(d, t) for t in TABLES}
    c = capsim("collect", str(d))
    assert c.returncode == 0 and "8 runs: 8 done" in c.stdout, c.stdout + c.stderr
    for t in TABLES:
        pd.testing.assert_frame_equal(dataset(d, t), before[t], check_exact=True, obj=f"{t} after capsim collect")

    t0 = time.perf_counter()
    j = capsim("sweep", *args, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={tmp_path}/joblib")
    t_joblib = time.perf_counter() - t0
    assert j.returncode == 0, j.stderr
    assert_same_data(d, tmp_path / "joblib", "SLURM vs joblib on the same seeds")
    with capsys.disabled():
        print(f"--- the same sweep with joblib (2 workers): {t_joblib:.1f} s; SLURM: {t_slurm:.1f} s; identical data")


@pytest.mark.slurm
def test_cancelled_task_loses_no_run_and_the_same_command_finishes(tmp_path, capsys):
    """scancel one array task part way: the runs it completed stay, the sweep reports the counts and
    exits 1, and re-running the same command runs only what is missing."""
    need(slurm_missing())
    d = tmp_path / "s"
    # 24 runs of about 1 s in 2 tasks of 12: task 0 is cancelled after 2 runs, with ~9 s of work left
    # (SLURM gives a cancelled task KillWait, 5 s here, before it kills it; submitit lets the task go on
    # until then). Runs of 5 years took 0.4-0.5 s once the model was compiled: the task could finish its
    # ten runs inside KillWait and the sweep exit 0 (CI failed so once), so the runs are 10 years.
    args = ["sweep", "experiment=regime_comparison", "replicates=6", "years=10", "sweep.runs_per_job=12", *SLURM,
            "hydra.launcher.array_parallelism=2", f"hydra.sweep.dir={d}"]
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli.main", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: done_in_batch(d, 0) >= 2, 180, "two runs of task 0", proc)
        job = json.loads((d / "slurm_jobs.json").read_text())[0]["job_id"]
        subprocess.run(["scancel", f"{job}_0"], check=True)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    show(capsys, f"capsim {' '.join(args[:-1])} (task {job}_0 cancelled with scancel)", out + err)
    assert proc.returncode == 1, "a sweep with missing runs must exit 1"
    assert f"SLURM task {job}_0: was cancelled (scancel) before it finished" in out, out
    first = counts(out)
    assert first["failed"] > 0 and first["done"] + first["failed"] == 24, first
    kept = complete_runs(d)
    assert len(kept) == first["done"] >= 2, "every run completed before the cancel must be kept"

    again = capsim(*args)
    show(capsys, "the same command again", again.stdout + again.stderr)
    assert again.returncode == 0, again.stdout + again.stderr
    assert counts(again.stdout) == {"done": first["failed"], "skipped": first["done"], "failed": 0}
    after = complete_runs(d)
    assert len(after) == 24 and all(after[k] == v for k, v in kept.items()), "kept runs must not be redone"
    assert (manifest(d)["status"] != "failed").all()


@pytest.mark.slurm
@pytest.mark.slow
def test_task_killed_at_its_time_limit_loses_no_run(tmp_path, capsys):
    """A task longer than its one-minute limit is killed by SLURM (state TIMEOUT); its completed runs
    stay, the sweep reports the counts and exits 1, and re-running it in tasks that fit the limit
    (``sweep.runs_per_job``: same runs, same directory) does only what is missing.

    ``signal_delay_s=0`` leaves the kill to SLURM itself: without the early warning signal
    submitit cannot requeue the task first (docs/cluster.md: resuming after a time limit)."""
    need(slurm_missing())
    d = tmp_path / "s"
    # One task whose runs outlast the 60-90 s SLURM lets it run (SLURM enforces limits on a 30-second cycle,
    # so the work must outlast 90 s to be killed for sure) however fast the model is on this machine: about
    # 150 s of 5-year runs, sized from one run timed here (a warm one; 0.4-1.4 s over the model's history).
    from sim.params import Params
    from sim.results import run

    run(Params.from_dict({"years": 0.2, "seed": 1}))  # (imports and the compiled kernels loaded)
    t0 = time.perf_counter()
    run(Params.from_dict({"years": 5.0, "seed": 1}))
    replicates = max(32, int(150.0 / (time.perf_counter() - t0) / 4) + 1)  # 4 regimes x replicates runs
    n_runs = 4 * replicates
    sweep = ["sweep", "experiment=regime_comparison", f"replicates={replicates}", "years=5", *SLURM,
             "hydra.launcher.timeout_min=1", "hydra.launcher.signal_delay_s=0", "hydra.launcher.max_num_timeout=0",
             f"hydra.sweep.dir={d}"]
    r = capsim(*sweep, f"sweep.runs_per_job={n_runs}")
    show(capsys, f"capsim {' '.join(sweep[:-1])} sweep.runs_per_job={n_runs}", r.stdout + r.stderr)
    assert r.returncode == 1, r.stdout + r.stderr
    stopped = r"SLURM task \d+: was stopped at its time limit \(killed by SLURM at hydra.launcher.timeout_min=1\)"
    assert re.search(stopped, r.stdout), r.stdout
    first = counts(r.stdout)
    kept = complete_runs(d)
    assert first["failed"] > 0 and len(kept) == first["done"] > 0, first

    again = capsim(*sweep, "sweep.runs_per_job=16")
    show(capsys, "again, in tasks of 16 runs", again.stdout + again.stderr)
    assert again.returncode == 0, again.stdout + again.stderr
    assert counts(again.stdout) == {"done": first["failed"], "skipped": first["done"], "failed": 0}
    after = complete_runs(d)
    assert len(after) == n_runs and all(after[k] == v for k, v in kept.items()), "kept runs must not be redone"
    assert not [p for p in (d / "runs").iterdir() if p.name.startswith(".")], "the half-written run was not removed"


@pytest.mark.slurm
def test_time_limit_warning_stops_the_task_and_keeps_its_runs(tmp_path, capsys):
    """The signal SLURM sends ``signal_delay_s`` before a task's time limit (sent here with
    ``scancel --signal=USR2``, as submitit's own tests do, so that it comes after two runs):
    with no requeue left (``max_num_timeout=0``) the task stops at once, the run it was in is
    not recorded as failed but left for the re-run, and the same command finishes the sweep."""
    need(slurm_missing())
    d = tmp_path / "s"
    # timeout_min=5: SLURM's own warning (at 5 min - 60 s at the earliest minus a minute) comes too late to interfere
    args = ["sweep", "experiment=regime_comparison", "replicates=4", "years=5", "sweep.runs_per_job=16", *SLURM,
            "hydra.launcher.timeout_min=5", "hydra.launcher.signal_delay_s=60", "hydra.launcher.max_num_timeout=0",
            f"hydra.sweep.dir={d}"]
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli.main", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: done_in_batch(d, 0) >= 2, 180, "two runs", proc)
        job = json.loads((d / "slurm_jobs.json").read_text())[0]["job_id"]
        subprocess.run(["scancel", "--signal=USR2", job], check=True)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    show(capsys, f"capsim {' '.join(args[:-1])} (time-limit warning after two runs)", out + err)
    assert proc.returncode == 1, out + err
    warned = f"SLURM task {job}: was stopped at its time limit (SLURM's warning, hydra.launcher.signal_delay_s=60"
    assert warned in out, out
    first = counts(out)
    kept = complete_runs(d)
    assert first["failed"] > 0 and len(kept) == first["done"] >= 2, first
    m = manifest(d)
    assert not m["error"].str.contains("UncompletedJobError").any(), "the signal was recorded as a failed run"
    again = capsim(*args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert counts(again.stdout) == {"done": 16 - len(kept), "skipped": len(kept), "failed": 0}
    assert all(complete_runs(d)[k] == v for k, v in kept.items()), "kept runs must not be redone"


@pytest.mark.slurm
def test_a_node_that_goes_down_is_reported_not_waited_on(tmp_path, capsys):
    """slurmd stops while a sweep runs: the sweep says which node, cancels what cannot run, exits 1
    after node_down_timeout_s; once the node is back, the same command finishes."""
    need(one_node_cluster())
    d = tmp_path / "s"
    args = ["sweep", "experiment=regime_comparison", "replicates=3", "years=1", "sweep.runs_per_job=4", *SLURM,
            "hydra.launcher.array_parallelism=1", "hydra.launcher.node_down_timeout_s=5", f"hydra.sweep.dir={d}"]
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli.main", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: done_in_batch(d, 0) >= 1, 180, "the first run", proc)
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "stop-node"], check=True, capture_output=True)
        t_down = time.monotonic()
        out, err = proc.communicate(timeout=240)
        waited = time.monotonic() - t_down
    finally:
        if proc.poll() is None:
            proc.kill()
        up = subprocess.run(["bash", str(CLUSTER_SCRIPT), "up"], capture_output=True, text=True)
    show(capsys, f"capsim {' '.join(args[:-1])} (slurmd stopped after the first run; reported {waited:.0f} s later)",
         out + err)
    assert up.returncode == 0, f"the node did not come back: {up.stdout} {up.stderr}"
    assert proc.returncode == 1, out + err
    lost = (r"(no node of partition debug can run the waiting tasks \(\S+ not responding|node \S+ of partition debug "
            r"is not responding).* for \d+ s \(hydra.launcher.node_down_timeout_s=5\): cancelled")
    assert re.search(lost, out), out
    assert waited < 120, f"took {waited:.0f} s to report a lost node"
    first = counts(out)
    kept = complete_runs(d)
    assert first["failed"] > 0 and len(kept) == first["done"], first

    again = capsim(*args)
    show(capsys, "the same command, node back", again.stdout + again.stderr)
    assert again.returncode == 0, again.stdout + again.stderr
    assert counts(again.stdout) == {"done": 12 - len(kept), "skipped": len(kept), "failed": 0}


@pytest.mark.slurm
def test_a_scheduler_that_does_not_answer_is_refused_in_one_line(tmp_path):
    """The SLURM commands are here but their controller does not answer (SLURM_CONF points elsewhere)."""
    need(slurm_missing())
    conf = tmp_path / "slurm.conf"
    conf.write_text("ClusterName=elsewhere\nSlurmctldHost=nowhere(127.0.0.1)\nSlurmctldPort=9\n"
                    "NodeName=nowhere CPUs=1\nPartitionName=p Nodes=nowhere\n")
    r = capsim("sweep", "experiment=regime_comparison", "replicates=1", "years=0.1", *SLURM,
               f"hydra.sweep.dir={tmp_path}/s", env={"SLURM_CONF": str(conf)}, timeout=120)
    err = r.stderr.strip()
    assert r.returncode == 1 and len(err.splitlines()) == 1, err
    assert "no SLURM scheduler is reachable from here (sinfo: " in err and "Unable to contact slurm controller" in err


@pytest.mark.slurm
def test_a_sweep_waits_for_no_earlier_job_of_its_directory(tmp_path, capsys):
    """While an array job of an earlier `capsim sweep` of the directory is queued or running, a
    second one is refused (it would run the same runs twice)."""
    need(slurm_missing())
    d = tmp_path / "s"
    d.mkdir()
    held = subprocess.run(["sbatch", "--parsable", "--hold", "--partition=debug", "--output=/dev/null",
                           "--wrap=true"], capture_output=True, text=True, check=True).stdout.strip()
    try:
        (d / "slurm_jobs.json").write_text(json.dumps([{"job_id": held, "batches": [0]}]))
        r = capsim("sweep", "experiment=regime_comparison", "replicates=1", "years=0.1", *SLURM, f"hydra.sweep.dir={d}")
    finally:
        subprocess.run(["scancel", held])
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"SLURM job {held} of an earlier capsim sweep" in r.stderr and f"scancel {held}" in r.stderr, r.stderr
    assert not (d / "runs").exists() or not any((d / "runs").iterdir()), "nothing may run"


STUDIES = {
    "calibrate": ["study.samples=4", "study.replicates=1", "study.search_years=0.5",
                  "study.window_start_year=0.1", "study.validation_replicates=2", "study.closest=1",
                  "years=1", "study.runs_per_job=2"],
    "sensitivity": ["study.factors=[funding.multi_year_share,turnover.poaching_pressure]",
                    "study.morris_trajectories=2", "study.sobol_factors=2", "study.sobol_n=2",
                    "study.replicates=1", "study.num_resamples=10", "years=0.5",
                    "study.window_years=0.2", "study.runs_per_job=8",
                    # no shock falls in half a year, so shock response times would be undefined
                    "study.outcomes=[coverage,local_capacity]"],
    "discover": ["study.samples=10", "study.replicates=1", "years=0.5", "study.window_years=0.2",
                 "study.runs_per_job=10"],
}
# run tables of each study: (file, rows = runs made); calibrate: 4 sets + 2 validation replicates
RUN_TABLES = {"calibrate": [("calibration_runs.csv", 4), ("validation_runs.csv", 2)],
              "sensitivity": [("morris_runs.csv", 2 * 3 * 2), ("sobol_runs.csv", 2 * 4 * 2)],
              "discover": [("discovery_runs.csv", 10 * 2)]}


def run_study_on_slurm(study: str, out: Path, capsys) -> subprocess.CompletedProcess:
    """A reduced study with `hydra/launcher=slurm`; checks that it submitted, after printing the cost."""
    t0 = time.perf_counter()
    r = capsim(study, *STUDIES[study], *SLURM, f"hydra.run.dir={out}")
    elapsed = time.perf_counter() - t0
    show(capsys, f"capsim {study} {' '.join(STUDIES[study] + SLURM)} ({elapsed:.1f} s)",
         "\n".join(ln for ln in r.stdout.splitlines()
                   if re.match(r"\s*(capsim|cluster|cost|submitted|tasks|written)", ln)))
    assert r.returncode == 0, r.stdout + r.stderr
    jobs = job_ids(r.stdout)
    assert jobs and r.stdout.index("cost:") < r.stdout.index("submitted SLURM job"), r.stdout
    for job in jobs:
        assert list((out / ".submitit").glob(f"{job}*/*_result.pkl")), f"job {job} left no results"
    for name, rows in RUN_TABLES[study]:
        assert len(pd.read_csv(out / name)) == rows, f"{study}: {name} should hold {rows} runs"
    return r


@pytest.mark.slurm
def test_calibration_on_slurm_gives_the_local_pool_results(tmp_path, capsys):
    """`capsim calibrate ... hydra/launcher=slurm`: the search and the validation run as SLURM
    array jobs, and every table is identical to the same command in local worker processes
    (the evaluator is shared by every study: experiments/studies/evaluate.py)."""
    need(slurm_missing())
    run_study_on_slurm("calibrate", tmp_path / "slurm", capsys)
    local = capsim("calibrate", *STUDIES["calibrate"], "study.n_jobs=2", f"hydra.run.dir={tmp_path}/local")
    assert local.returncode == 0, local.stderr
    assert "submitted SLURM job" not in local.stdout
    for name in ("calibration_runs.csv", "calibration_samples.csv", "validation_runs.csv", "validation_table.csv"):
        a, b = pd.read_csv(tmp_path / "slurm" / name), pd.read_csv(tmp_path / "local" / name)
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f"calibrate {name}: SLURM vs local pool")


@pytest.mark.slurm
@pytest.mark.parametrize("study", ["sensitivity", "discover"])
def test_sensitivity_and_discovery_run_on_slurm(study, tmp_path, capsys):
    """The other studies take the same option: their runs go to SLURM array jobs (every design
    point's runs come back) and they write their indices or boxes."""
    need(slurm_missing())
    r = run_study_on_slurm(study, tmp_path, capsys)
    expected = {"sensitivity": ["morris_indices.csv", "sobol_indices.csv"], "discover": ["prim_boxes.csv"]}[study]
    for name in expected:
        assert (tmp_path / name).is_file(), f"{study} wrote no {name}"
    assert len(job_ids(r.stdout)) == {"sensitivity": 2, "discover": 1}[study], "one array job per evaluation"
