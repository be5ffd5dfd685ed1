"""`capsim sweep` and `capsim collect`: plans, resumption, damage, failures, launchers, dataset.

Sweeps here use a tiny world and a few weeks so that each run takes a few hundredths of a
second; most use Hydra's in-process basic launcher, and one test each uses joblib with two
workers, submitit_local, and a killed subprocess.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli.main import main
from experiments.config import CONFIG_DIR, params_from_cfg, precheck
from experiments.sweeps.plan import experiment_names, plan_sweep
from experiments.sweeps.directory import SweepLock
from experiments.sweeps.sweep import runs_on_the_pool
from sim.outcomes import OUTCOMES
from sim.rng import replicate_seeds

ROOT = Path(__file__).resolve().parents[1]
TINY = ["years=0.2", "world.n_areas=10", "world.n_staff=300"]
BASIC = "hydra/launcher=basic"


def sweep(tmp: Path, *args: str) -> int:
    """Run `capsim sweep` in this process; returns its exit code."""
    try:
        return main(["sweep", *args, f"hydra.sweep.dir={tmp}"])
    except SystemExit as e:
        return int(e.code)


def dataset(d: Path, table: str = "steps") -> pd.DataFrame:
    return pd.read_parquet(d / "dataset" / f"{table}.parquet")


def manifest(d: Path) -> pd.DataFrame:
    return pd.read_csv(d / "manifest.csv", keep_default_na=False)


# ------------------------------------------------------------------------------ experiments
@pytest.mark.parametrize("name", experiment_names())
def test_experiment_file_states_question_and_outcome(name):
    text = (Path(CONFIG_DIR) / "experiment" / f"{name}.yaml").read_text()
    for marker in ("# Question:", "# Answered by:", "# Design:"):
        assert marker in text, f"{name}.yaml has no '{marker}' comment"
    from omegaconf import OmegaConf

    said = re.search(r"# Answered by: (\w+)", text).group(1)
    assert said == OmegaConf.load(Path(CONFIG_DIR) / "experiment" / f"{name}.yaml").sweep.primary_outcome, \
        f"{name}.yaml's comment names {said} but sweep.primary_outcome differs"


def test_every_experiment_is_listed():
    assert set(experiment_names()) >= {"regime_comparison", "donor_incentives", "brain_drain", "governance",
                                       "shocks_and_exit", "case_studies"}


@pytest.mark.parametrize("name", experiment_names())
def test_experiment_plans_at_default_size(name):
    plan = plan_sweep([f"experiment={name}"])
    assert plan.factors, f"{name} varies nothing"
    assert len(plan.runs) == len(plan.configurations) * plan.replicates
    assert 40 <= len(plan.runs) <= 800, f"{name}: {len(plan.runs)} runs is not a laptop-sized default"
    assert plan.settings["primary_outcome"] in OUTCOMES
    assert plan.reference, f"{name} has no reference level for paired differences"
    for k, v in plan.reference.items():
        assert v in plan.factor_values[k], f"{name}: reference {k}={v} is not one of its values"
    assert not plan.notes, f"{name}: {plan.notes}"
    # Common random numbers: replicate i has the same seed in every configuration.
    seeds = replicate_seeds(plan.base_seed, plan.replicates)
    for run in plan.runs:
        assert run.seed == seeds[run.replicate], "a replicate's seed differs between configurations"
    assert len({r.run_id for r in plan.runs}) == len(plan.runs), "two runs share an id"


def test_sweep_from_country_data(tmp_path):
    """A sweep started from HXL country data: every run starts from that country (its areas,
    its capacity map), the run ids include the data, and sweep.json records the files."""
    rc = sweep(tmp_path, "experiment=regime_comparison", "scenario=from_data", "regime=baseline,sharing",
               "years=0.1", "sweep.replicates=1", BASIC)
    assert rc == 0
    info = json.loads((tmp_path / "sweep.json").read_text())
    assert info["data"]["name"] and info["data"]["files"], "sweep.json lacks the data block"
    assert Path(info["config"]["data"]["dir"]).is_absolute()
    areas = dataset(tmp_path, "areas")
    from experiments.cli.data import load_country
    country = load_country({"data": {"dir": "data/example"}})
    assert areas["area"].nunique() == len(country.area_names), "runs did not start from the data's areas"
    for rid in manifest(tmp_path)["run_id"]:
        assert (tmp_path / "runs" / rid / "capacity.parquet").is_file(), "capacity map missing for a data run"
    synthetic = plan_sweep(["experiment=regime_comparison", "regime=baseline,sharing", "years=0.1",
                            "sweep.replicates=1", BASIC])
    assert not set(manifest(tmp_path)["run_id"]) & {r.run_id for r in synthetic.runs}


@pytest.mark.parametrize("name", experiment_names())
def test_reduced_experiment_runs(name, tmp_path):
    """Each experiment with at most two values per factor, 2 replicates, 5 weeks, a tiny world."""
    from omegaconf import OmegaConf

    factors = OmegaConf.load(Path(CONFIG_DIR) / "experiment" / f"{name}.yaml").hydra.sweeper.params
    values = {k: str(v).split(",") for k, v in factors.items()}
    reduced = [f"{k}={v[0]},{v[-1]}" for k, v in values.items()]
    rc = sweep(tmp_path, f"experiment={name}", "years=0.1", "world.n_areas=10", "world.n_staff=300",
               "sweep.replicates=2", "sweep.runs_per_job=16", BASIC, *reduced)
    assert rc == 0, f"reduced {name} failed"
    m, steps = manifest(tmp_path), dataset(tmp_path)
    n_conf = 2 ** len(values)
    assert len(m) == 2 * n_conf and (m["status"] == "done").all()
    assert sorted(steps["replicate"].unique()) == [0, 1]
    assert len(steps) == 2 * n_conf * 5, "dataset rows != runs x steps"
    for k in values:
        assert k in steps.columns, f"factor column {k} missing from the dataset"
        assert steps[k].nunique(dropna=False) == 2, f"factor {k} does not take its two values"
    meta = json.loads((tmp_path / "sweep.json").read_text())
    assert meta["experiment"] == name and meta["factors"] == list(values) and meta["replicates"] == 2


MITIGATIONS = {"none": (0.0, 0.0, 0.0), "salary_harmonisation": (0.7, 0.0, 0.0),
               "no_poaching_agreement": (0.0, 0.8, 0.0), "retention_funding": (0.0, 0.0, 0.2), "all": (0.7, 0.8, 0.2)}


@pytest.mark.parametrize("option", sorted(MITIGATIONS))
def test_mitigation_options_set_one_lever_each(option):
    # funding=sharing_incentives sets retention funding itself: the mitigation option must win.
    p = params_from_cfg(precheck([f"mitigation={option}", "funding=sharing_incentives"]))
    got = (p.turnover.salary_harmonisation, p.turnover.no_poaching_agreement, p.funding.retention_funding)
    assert got == MITIGATIONS[option], f"mitigation={option} set {got}"
    assert sorted(p.stem for p in (Path(CONFIG_DIR) / "mitigation").glob("*.yaml")) == sorted(MITIGATIONS)


def test_planned_parameters_equal_full_hydra_composition():
    plan = plan_sweep(["experiment=brain_drain", "sweep.replicates=1", "regime=baseline,sharing",
                       "mitigation=none,retention_funding"])
    for conf in plan.configurations[::3]:  # group and plain factors mixed
        composed = params_from_cfg(precheck([*plan.base_overrides, *conf.overrides])).to_dict()
        assert composed == conf.params, f"planner and Hydra disagree for {conf.overrides}"


def test_command_line_factors_replace_and_fix():
    plan = plan_sweep(["experiment=regime_comparison", "regime=sharing,baseline", "funding.exit_year=null,4",
                       "sweep.replicates=2"])
    assert plan.factors == ["regime", "funding.exit_year"]
    assert plan.factor_values == {"regime": ["sharing", "baseline"], "funding.exit_year": [None, 4.0]}
    fixed = plan_sweep(["experiment=regime_comparison", "regime=sharing", "sweep.replicates=2"])
    assert fixed.factors == [] and len(fixed.runs) == 2 and fixed.reference is None
    assert fixed.notes, "dropping the reference of a factor that no longer varies should be noted"


def test_more_replicates_keep_earlier_runs_and_directory():
    small = plan_sweep(["experiment=regime_comparison", "replicates=2", *TINY])
    big = plan_sweep(["experiment=regime_comparison", "replicates=3", *TINY, "hydra.launcher.n_jobs=1"])
    assert {r.run_id for r in small.runs} < {r.run_id for r in big.runs}, "earlier replicates changed id"
    assert small.sweep_dir == big.sweep_dir, "replicates or launcher settings must not move the sweep"
    other = plan_sweep(["experiment=regime_comparison", "replicates=2", "years=0.3"])
    assert other.sweep_dir != small.sweep_dir, "different runs must not share a default directory"
    assert other.sweep_dir.parent == small.sweep_dir.parent == (Path("outputs") / "sweeps").resolve()
    assert small.sweep_dir.name.startswith("regime_comparison-")


def test_runs_are_grouped_into_few_jobs():
    from experiments.sweeps.plan import auto_runs_per_job

    assert auto_runs_per_job(40, "joblib", 2) == 10, "40 runs on 2 workers: 4 jobs of 10"
    assert auto_runs_per_job(40, "joblib", 1) == 20
    assert auto_runs_per_job(640, "joblib", 2) == 50, "jobs are capped at 50 runs"
    assert auto_runs_per_job(3, "joblib", 8) == 1
    assert auto_runs_per_job(640, "slurm", None) == 50, "a cluster task runs many runs, not one"
    plan = plan_sweep(["experiment=regime_comparison", "hydra/launcher=slurm", "sweep.replicates=30"])
    assert plan.n_batches == 3 and all(len(plan.batch_runs(b)) <= 50 for b in range(3))


# ------------------------------------------------------------------------------ bad input
BAD = [
    ([], "experiment is missing"),
    (["experiment=regime_comparisn"], "did you mean regime_comparison"),
    (["experiment=regime_comparison", "regime=sharng"], "regime=sharng: no such option"),
    (["experiment=regime_comparison", "regime=sharing,sharng"], "regime=sharng: no such option"),
    (["experiment=regime_comparison", "funding.direct_local_share=0,2"], "funding.direct_local_share = 2.0 is out of range"),
    (["experiment=regime_comparison", "funding.multi_yr_share=0.1,0.2"], "did you mean funding.multi_year_share"),
    (["experiment=regime_comparison", "seed=1,2"], "seed cannot be swept"),
    (["experiment=regime_comparison", "sweep.replicates=0"], "sweep.replicates = 0 is not allowed"),
    (["experiment=regime_comparison", "regime=sharing,sharing"], "lists a value twice"),
    (["experiment=regime_comparison", "hydra/launcher=nope"], "hydra/launcher/nope"),
    (["experiment=regime_comparison", "--frobnicate"], "--frobnicate is not an option"),
]


@pytest.mark.parametrize("args,expected", BAD, ids=[" ".join(a) or "none" for a, _ in BAD])
def test_bad_sweep_input_one_line_exit_2(args, expected, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", *args])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2, f"exit code {exc.value.code}"
    assert len(err.splitlines()) == 1 and expected in err, err
    assert "Traceback" not in err


def test_collect_refuses_a_directory_that_is_not_a_sweep(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["collect", str(tmp_path)])
    assert exc.value.code == 2 and "is not a sweep directory" in capsys.readouterr().err


def test_locked_directory_is_refused(tmp_path, capsys):
    with SweepLock(tmp_path, "test"):
        rc = sweep(tmp_path, "experiment=case_studies", *TINY, "replicates=1", BASIC)
    err = capsys.readouterr().err
    assert rc == 1 and "is in use by test" in err, err


# ------------------------------------------------------------------------------ results
SHARED = ["experiment=donor_incentives", *TINY, "replicates=2", "funding.direct_local_share=0,0.25",
          "funding.multi_year_share=0.2", "funding.sharing_earmark=0", "funding.overhead_passed_on=0",
          "regime=building,sharing", "sweep.runs_per_job=3", BASIC]


@pytest.fixture(scope="module")
def shared_sweep(tmp_path_factory):
    """One small sweep (2 direct-funding shares x 2 regimes x 2 replicates = 8 runs in 3 jobs)."""
    d = tmp_path_factory.mktemp("shared_sweep")
    assert sweep(d, *SHARED) == 0
    return d


def test_sweep_writes_the_contract(shared_sweep):
    d = shared_sweep
    assert sorted(p.name for p in (d / "jobs").iterdir()) == ["0", "1", "2"], "8 runs in jobs of 3"
    meta = json.loads((d / "sweep.json").read_text())
    for key in ("experiment", "question", "primary_outcome", "factors", "replicates", "base_seed", "reference",
                "window_years", "config", "provenance"):
        assert key in meta, f"sweep.json lacks {key}"
    assert meta["factors"] == ["funding.direct_local_share", "regime"]
    assert meta["reference"] == {"funding.direct_local_share": 0.0}, "references of fixed factors must be dropped"
    assert meta["config"]["world"]["n_areas"] == 10 and meta["replicates"] == 2
    m = manifest(d)
    assert list(m.columns[:13]) == ["run_id", "status", "replicate", "seed", "overrides", "duration_s", "error",
                                    "rows_steps", "rows_shocks", "rows_areas", "sha256_steps", "sha256_shocks",
                                    "sha256_areas"]
    assert len(m) == 8 and m["run_id"].is_unique and (m["status"] == "done").all()
    assert m.groupby("replicate")["seed"].nunique().eq(1).all(), "a replicate's seed differs across configurations"
    for table in ("steps", "shocks", "areas"):
        df = dataset(d, table)
        assert list(df.columns[:6]) == ["run_id", "scenario", "regime", "seed", "replicate",
                                        "funding.direct_local_share"]
        assert len(df) == m[f"rows_{table}"].sum(), f"{table}: dataset rows != manifest rows"
    for rid in m["run_id"]:
        assert sorted(p.name for p in (d / "runs" / rid).iterdir()) == [
            "areas.parquet", "metadata.json", "shocks.parquet", "steps.parquet"]


def test_mesa_step_logging_is_silenced(shared_sweep):
    logs = list((shared_sweep / "jobs").glob("*/*.log"))
    assert len(logs) == 3, "each launcher job should keep a log"
    text = "".join(p.read_text() for p in logs)
    assert text.count("done in") == 8, "the job logs do not record every run"
    assert "MESA" not in text, "Mesa's per-step logging reached the sweep's logs"


def test_manifest_overrides_reproduce_a_run(shared_sweep, tmp_path):
    row = manifest(shared_sweep).iloc[-1]
    out = tmp_path / "single"
    main(["run", *json.loads(row["overrides"]), f"hydra.run.dir={out}"])
    single = pd.read_parquet(out / "results" / "steps.parquet")
    swept = dataset(shared_sweep).query("run_id == @row.run_id").drop(
        columns=["replicate", "funding.direct_local_share"]).reset_index(drop=True)
    assert (single["run_id"] == row["run_id"]).all(), "capsim run with the manifest's overrides is another run"
    pd.testing.assert_frame_equal(single, swept, check_exact=True)


def test_dataset_is_queryable_with_duckdb(shared_sweep):
    duckdb = pytest.importorskip("duckdb", reason="install duckdb (a capsim dependency)")
    path = shared_sweep / "dataset" / "steps.parquet"
    got = duckdb.sql(f"""SELECT regime, "funding.direct_local_share" AS share, avg(coverage) AS coverage
                         FROM '{path}' GROUP BY ALL ORDER BY regime, share""").df()
    want = dataset(shared_sweep).groupby(["regime", "funding.direct_local_share"])["coverage"].mean()
    assert got["share"].tolist() == [0.0, 0.25, 0.0, 0.25]
    assert got["coverage"].tolist() == pytest.approx(want.tolist(), rel=1e-12)


def test_damaged_and_partial_runs_are_detected_and_redone(tmp_path, capsys):
    args = ["experiment=regime_comparison", *TINY, "replicates=2", BASIC]
    assert sweep(tmp_path, *args) == 0
    before = dataset(tmp_path)
    ids = manifest(tmp_path)["run_id"].tolist()
    steps_file = tmp_path / "runs" / ids[0] / "steps.parquet"
    data = bytearray(steps_file.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the table
    steps_file.write_bytes(bytes(data))
    (tmp_path / "runs" / ids[1] / "areas.parquet").write_bytes(b"PAR1")  # truncated
    (tmp_path / "runs" / ids[2] / "metadata.json").unlink()
    (tmp_path / "runs" / f".{ids[3]}.tmp-999999").mkdir()  # left by a killed writer

    capsys.readouterr()
    assert main(["collect", str(tmp_path)]) == 1, "collect must report damaged runs as failed"
    m = manifest(tmp_path).set_index("run_id")
    assert m.loc[ids[0], "status"] == "failed" and "damaged" in m.loc[ids[0], "error"]
    assert m.loc[ids[2], "status"] == "failed"

    assert sweep(tmp_path, *args) == 0
    m = manifest(tmp_path).set_index("run_id")
    assert set(m.index[m["status"] == "done"]) == set(ids[:3]), "exactly the damaged runs are redone"
    assert (m.drop(index=ids[:3])["status"] == "skipped").all()
    assert not any(p.name.startswith(".") for p in (tmp_path / "runs").iterdir()), "stale temporary left behind"
    pd.testing.assert_frame_equal(dataset(tmp_path), before, check_exact=True)


def test_disk_full_keeps_complete_runs_and_resumes(tmp_path, monkeypatch):
    """Writes failing with ENOSPC after three runs: those three stay complete, the rest are
    recorded as failed with the reason, and the same command afterwards only redoes the rest."""
    import errno

    import sim.store

    real = sim.store.write_run
    calls = {"n": 0}

    def full(result, out_dir, **kw):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(out_dir))
        return real(result, out_dir, **kw)

    monkeypatch.setattr(sim.store, "write_run", full)
    args = ["experiment=regime_comparison", *TINY, "replicates=2", "sweep.runs_per_job=8", BASIC]
    assert sweep(tmp_path, *args) == 1
    m = manifest(tmp_path)
    assert (m["status"] == "done").sum() == 3 and (m["status"] == "failed").sum() == 5
    assert m.loc[m["status"] == "failed", "error"].str.contains("No space left on device").all()
    monkeypatch.setattr(sim.store, "write_run", real)
    assert sweep(tmp_path, *args) == 0
    m = manifest(tmp_path)
    assert (m["status"] == "skipped").sum() == 3 and (m["status"] == "done").sum() == 5
    assert len(dataset(tmp_path)) == 8 * 10


def test_collect_reports_a_full_disk_in_one_line(tmp_path, monkeypatch, capsys):
    import errno

    import experiments.sweeps.collect

    assert sweep(tmp_path, "experiment=regime_comparison", *TINY, "replicates=1", BASIC) == 0
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())

    def full(root, quiet=False):
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(root) / "dataset"))

    monkeypatch.setattr(experiments.sweeps.collect, "collect", full)
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(["collect", str(tmp_path)])
    assert e.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "No space left on device" in err and "runs are untouched" in err
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == runs


def test_failed_run_does_not_stop_the_sweep(tmp_path, monkeypatch, capsys):
    import sim.results

    real = sim.results.run

    def flaky(params, country=None):
        if params.regime == "sharing":
            raise RuntimeError("simulated failure")
        return real(params, country)

    monkeypatch.setattr(sim.results, "run", flaky)
    args = ["experiment=regime_comparison", *TINY, "replicates=2", "sweep.runs_per_job=8", BASIC]
    assert sweep(tmp_path, *args) == 1, "a sweep with failed runs must exit non-zero"
    out = capsys.readouterr()
    assert "6 done, 0 skipped, 2 failed" in out.out, out.out
    assert re.search(r"runs: 100%.*8/8 \[\d\d:\d\d<\d\d:\d\d.*failed=2", out.err), \
        f"no progress bar with counts, ETA and failures: {out.err!r}"
    m = manifest(tmp_path)
    failed = m[m["status"] == "failed"]
    assert len(failed) == 2 and failed["error"].str.contains("RuntimeError: simulated failure").all()
    assert (m.loc[m["status"] == "done", "error"] == "").all()
    assert "sharing" not in set(dataset(tmp_path)["regime"]), "failed runs must not enter the dataset"
    assert len(set(dataset(tmp_path)["run_id"])) == 6

    monkeypatch.setattr(sim.results, "run", real)
    assert sweep(tmp_path, *args) == 0
    m = manifest(tmp_path)
    assert m["status"].value_counts().to_dict() == {"skipped": 6, "done": 2}


def test_a_broken_launcher_job_leaves_the_others_and_is_reported(tmp_path, monkeypatch, capsys):
    import experiments.sweeps.sweep

    real = experiments.sweeps.sweep.run_batch

    def broken(sweep_dir, batch):
        if batch == 0:
            raise OSError("node lost")
        return real(sweep_dir, batch)

    monkeypatch.setattr(experiments.sweeps.sweep, "run_batch", broken)
    args = ["experiment=regime_comparison", *TINY, "replicates=2", "sweep.runs_per_job=4", BASIC]
    assert sweep(tmp_path, *args) == 1
    assert "the launcher stopped" in capsys.readouterr().err
    m = manifest(tmp_path)
    assert (m.loc[m["batch"] == 0, "status"] == "failed").all() and (m.loc[m["batch"] == 1, "status"] == "done").all()
    assert m.loc[m["batch"] == 0, "error"].str.startswith("not run").all()
    monkeypatch.setattr(experiments.sweeps.sweep, "run_batch", real)
    assert sweep(tmp_path, *args) == 0, "re-running must finish the sweep"
    assert manifest(tmp_path)["status"].value_counts().to_dict() == {"done": 4, "skipped": 4}


# ------------------------------------------------------------------------------ launchers
def test_one_and_two_workers_give_identical_data(tmp_path):
    args = ["experiment=regime_comparison", *TINY, "replicates=2", "sweep.runs_per_job=2", "hydra/launcher=joblib"]
    assert sweep(tmp_path / "one", *args, "hydra.launcher.n_jobs=1") == 0
    assert sweep(tmp_path / "two", *args, "hydra.launcher.n_jobs=2") == 0
    for table in ("steps", "shocks", "areas"):
        pd.testing.assert_frame_equal(dataset(tmp_path / "one", table), dataset(tmp_path / "two", table),
                                      check_exact=True, obj=f"{table} with 1 vs 2 workers")


def test_local_launcher_runs_on_the_workers_started_while_planning(tmp_path):
    """capsim's launcher (the default) runs the sweep's jobs on the one runner's pool that the sweep
    started while planning: no other worker process is started, and the data equal joblib's."""
    from experiments.runner import shared

    args = ["experiment=regime_comparison", *TINY, "replicates=2", "sweep.runs_per_job=2"]
    assert sweep(tmp_path / "capsim", *args, "hydra.launcher.n_jobs=2") == 0
    runner = shared(2)
    before = runner.warm()
    assert len(before) == 2, f"the pool should have 2 workers: {before}"
    assert sweep(tmp_path / "capsim2", *args, "seed=9", "hydra.launcher.n_jobs=2") == 0
    assert runner.warm() == before, "the second sweep should reuse the same warm workers"
    assert sweep(tmp_path / "joblib", *args, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2") == 0
    a = pd.read_parquet(tmp_path / "capsim" / "dataset" / "steps.parquet").sort_values(["run_id", "step"])
    b = pd.read_parquet(tmp_path / "joblib" / "dataset" / "steps.parquet").sort_values(["run_id", "step"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_workers_are_forked_with_the_model_imported():
    """The runner's fork server imports the model before it forks (``experiments/runner.py`` ``PRELOAD``): a
    worker's very first task finds the model's modules loaded, and ``start()`` returns before the workers exist
    (starting them waits for that import). In a fresh interpreter, whose fork server is this test's own."""
    script = """
import sys, time
from experiments.runner import Runner

LOADED = "all(m in __import__('sys').modules for m in ('sim.model', 'sim.results', 'mesa'))"

if __name__ == "__main__":
    runner = Runner(2)
    t0 = time.perf_counter()
    runner.start()
    started = time.perf_counter() - t0
    pool = runner.pool()
    print(all(pool.submit(eval, LOADED).result() for _ in range(4)), started < 0.5, started)
    runner.close()
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded, quick, started = out.stdout.split()
    assert loaded == "True", "a worker's first task should find the model imported by the fork server"
    assert quick == "True", f"Runner.start() took {started} s: it should not wait for the workers"


def test_an_interruption_inside_compiled_code_still_stops_the_task():
    """SLURM's time-limit warning raises submitit's UncompletedJobError (and Ctrl-C a KeyboardInterrupt) wherever
    Python runs next. Landing in numba's boxing of a kernel's results (a callback into Python), it surfaces as a
    SystemError caused by it: reproduced here with real numba, in a fresh interpreter (numba keeps the callback it
    finds first). The sweep must read it as the interruption, not as a failed run."""
    script = """
import numba, numpy as np
import numba.core.serialize as serialize
from submitit.core.utils import UncompletedJobError
from experiments.sweeps.sweep import _interruption

real, pending = serialize._numba_unpickle, []
def callback(*args):
    if pending:
        raise pending.pop()
    return real(*args)
serialize._numba_unpickle = callback

@numba.njit
def kernel(n):
    return np.zeros(n), np.ones(n), n

kernel(2)
for signal in (UncompletedJobError("timed-out"), KeyboardInterrupt()):
    pending.append(signal)
    try:
        kernel(3)
        print("nothing raised")
    except BaseException as e:
        print(type(e).__name__, _interruption(e) is signal)
print(_interruption(ValueError("a run's own error")) is None, _interruption(SystemError("no cause")) is None)
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:3] == ["SystemError True", "SystemError True", "True True"], out.stdout


def test_submitit_local_launcher_runs_a_sweep(tmp_path):
    assert sweep(tmp_path, "experiment=case_studies", *TINY, "replicates=1", "sweep.runs_per_job=2",
                 "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10") == 0
    m = manifest(tmp_path)
    assert len(m) == 4 and (m["status"] == "done").all()
    assert sorted(m["batch"].unique()) == [0, 1], "4 runs in jobs of 2 should be 2 launcher jobs"
    assert (tmp_path / ".submitit").is_dir(), "the runs did not go through submitit"


def test_slurm_launcher_config(tmp_path, monkeypatch):
    """The SLURM preset composes, and submitit accepts every parameter it passes (sbatch is not run)."""
    from hydra.utils import instantiate
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose("config", overrides=["hydra/launcher=slurm", "hydra.launcher.partition=cpu"],
                      return_hydra_config=True)
    lc = cfg.hydra.launcher
    assert lc._target_.endswith("SlurmLauncher")
    assert (lc.partition, lc.cpus_per_task, lc.timeout_min, lc.array_parallelism) == ("cpu", 1, 60, 64)
    assert (lc.node_down_timeout_s, lc.probe_timeout_s, lc.max_num_timeout) == (600, 120, 2), "capsim's own keys"
    launcher = instantiate({k: v for k, v in lc.items() if k != "submitit_folder"} | {"submitit_folder": str(tmp_path)})
    # submitit refuses to build a SLURM executor without `srun` on PATH: give it a stand-in.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "srun").write_text("#!/bin/sh\nexit 0\n")
    (fake / "srun").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    import submitit
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
    from omegaconf import OmegaConf

    base = set(OmegaConf.structured(BaseQueueConf).keys())
    init = {"submitit_folder", "max_num_timeout"}
    executor = submitit.AutoExecutor(cluster="slurm", folder=tmp_path / "sub", slurm_max_num_timeout=2)
    executor.update_parameters(**{(k if k in base else f"slurm_{k}"): v for k, v in launcher.params.items()
                                  if k not in init})  # raises on any parameter submitit does not know


def test_killed_sweep_resumes_to_the_same_dataset(tmp_path):
    """SIGKILL a sweep part way, re-run the same command: every run once, the same data."""
    args = ["experiment=regime_comparison", "years=0.5", "world.n_areas=10", "world.n_staff=300", "replicates=8",
            "regime=baseline,sharing", "sweep.runs_per_job=4", "hydra/launcher=joblib", "hydra.launcher.n_jobs=1"]
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "experiments.cli.main", "sweep", *args, f"hydra.sweep.dir={killed}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    status = killed / "status"
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None:
            if status.is_dir() and sum(1 for p in status.iterdir() if p.suffix == ".json") >= 3:
                break
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done_before = [p for p in (killed / "runs").iterdir() if not p.name.startswith(".")]
    assert 3 <= len(done_before) < 16, f"kill came too late or too early: {len(done_before)} of 16 runs"

    assert sweep(killed, *args) == 0
    m = manifest(killed)
    assert len(m) == 16 and m["run_id"].is_unique, "every run must be present once"
    assert (m["status"] == "skipped").sum() >= 3 and (m["status"] != "failed").all()
    reference = tmp_path / "uninterrupted"
    assert sweep(reference, *args[:-2], BASIC, "sweep.runs_per_job=16") == 0
    for table in ("steps", "shocks", "areas"):
        pd.testing.assert_frame_equal(dataset(killed, table), dataset(reference, table), check_exact=True,
                                      obj=f"{table} after kill and resume")


def test_report_reads_a_real_sweep(tmp_path, capsys):
    """`capsim report` on what `capsim sweep` wrote (not the hand-written fixture): the factors
    are columns, paired differences are taken against the experiment's reference, and the
    report writes its tables, figures and page."""
    from analysis.dataset import load

    rc = sweep(tmp_path, "experiment=regime_comparison", "regime=baseline,sharing", *TINY, "replicates=3", BASIC)
    assert rc == 0
    res = load(tmp_path)
    assert res.kind == "sweep" and res.info["factors"] == ["regime"] and len(res.manifest) == 6
    assert set(res.steps["regime"]) == {"baseline", "sharing"} and sorted(res.steps["replicate"].unique()) == [0, 1, 2]
    assert main(["report", str(tmp_path), "--window", "last:0.1"]) == 0
    out = tmp_path / "report"
    diffs = pd.read_csv(out / "paired_differences_last0p1y.csv")
    assert set(diffs["regime"]) == {"sharing"} and (diffs["n_pairs"] == 3).all()
    assert (out / "index.html").is_file() and list(out.glob("*.png")) and list(out.glob("summary_table_*.md"))


def test_local_sweep_hands_its_batches_to_the_pool_without_a_hydra_multirun(tmp_path, monkeypatch):
    """On capsim's own launcher (the default) the planned batches go straight to the runner's pool: no Hydra
    multirun composes them again (0.9-1.2 s before the first run, 0.2 s a job); each batch logs to
    jobs/<batch>/capsim-sweep.log as a SLURM array task does. Any other Hydra setting goes through the multirun."""
    import experiments.sweeps.sweep as sw

    def no_multirun():
        raise AssertionError("the sweep went through Hydra's multirun")

    monkeypatch.setattr(sw, "job_main", no_multirun)
    d = tmp_path / "pool"
    assert sweep(d, "experiment=regime_comparison", "regime=baseline,sharing", *TINY, "replicates=2",
                 "sweep.runs_per_job=2", "hydra.launcher.n_jobs=2") == 0  # (the jobs in worker processes)
    m = manifest(d)
    assert len(m) == 4 and (m["status"] == "done").all()
    assert sorted(p.name for p in (d / "jobs").iterdir()) == ["0", "1"]
    for job in (d / "jobs").iterdir():
        lines = (job / "capsim-sweep.log").read_text().splitlines()
        assert len(lines) == 2 and all("done in" in line for line in lines), lines
        assert not (job / ".hydra").exists()

    monkeypatch.undo()
    other = tmp_path / "multirun"  # a Hydra setting only Hydra's job machinery applies
    assert sweep(other, "experiment=regime_comparison", "regime=baseline,sharing", *TINY, "replicates=2",
                 "sweep.runs_per_job=2", "hydra.launcher.n_jobs=1", "hydra.sweep.subdir=batch_${sweep.batch}") == 0
    assert sorted(p.name for p in other.iterdir() if p.name.startswith("batch_")) == ["batch_0", "batch_1"]
    assert (other / "batch_0" / ".hydra" / "config.yaml").is_file()
    pd.testing.assert_frame_equal(dataset(d, "steps"), dataset(other, "steps"), check_exact=True)


def test_which_sweeps_skip_the_hydra_multirun():
    plan = plan_sweep(["experiment=regime_comparison", "sweep.replicates=1", "years=0.1"])
    assert runs_on_the_pool(plan)
    for extra in (["hydra.launcher.n_jobs=2"], ["hydra.sweep.dir=/tmp/x"]):
        assert runs_on_the_pool(plan_sweep(["experiment=regime_comparison", "sweep.replicates=1", "years=0.1",
                                            *extra]))
    for extra in (["hydra/launcher=joblib"], ["hydra/launcher=basic"], ["hydra.sweep.subdir=b${sweep.batch}"],
                  ["hydra.job.chdir=true"]):
        assert not runs_on_the_pool(plan_sweep(["experiment=regime_comparison", "sweep.replicates=1", "years=0.1",
                                                *extra])), extra


def test_sweeper_checks_one_job_per_configuration_of_a_batch():
    """``hydra/sweeper=capsim``: a batch's jobs differ only in ``sweep.batch``, so one composition checks
    them all; jobs with other overrides are each still checked."""
    from types import SimpleNamespace

    from experiments.sweeps.sweep import _hydra_argv
    from hydra_plugins.capsim_sweeper.capsim_sweeper import CapsimSweeper, distinct_jobs

    composed = []
    loader = SimpleNamespace(load_sweep_config=lambda master_config, sweep_overrides: composed.append(sweep_overrides))
    sweeper = CapsimSweeper(max_batch_size=None)
    sweeper.hydra_context, sweeper.config = SimpleNamespace(config_loader=loader), object()
    batch = [["experiment=x", "years=1", f"sweep.batch={b}"] for b in range(6)] + [["experiment=x", "years=2",
                                                                                   "sweep.batch=6"]]
    sweeper.validate_batch_is_legal(batch)
    assert composed == [batch[0], batch[6]] == distinct_jobs(batch)
    plan = plan_sweep(["experiment=regime_comparison", "sweep.replicates=1", "years=0.1"])
    assert "hydra/sweeper=capsim" in _hydra_argv(plan, [0, 1])


def test_planning_a_sweep_does_not_import_the_table_libraries():
    """The first run of a sweep waits for planning: pandas and pyarrow (0.4 s) are imported when tables are
    read or written, not by the sweep command, its planner or ``sim.store``."""
    code = ("import sys; import experiments.sweeps.sweep, experiments.sweeps.plan, sim.store; "
            "print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"imported when a sweep starts: {out.stdout.strip()}"
