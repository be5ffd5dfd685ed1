"""Every study (configs/study/*.yaml) composes, validates and runs at tiny size; bad settings are refused."""

import json
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli.main import main
from experiments.config import CONFIG_DIR, precheck
from conftest import assert_refused

# The studies' configs (a `study:` section, one per study command). The docking configs
# (configs/docking/) are tested by tests/test_docking.py; the sweep experiments (configs/experiment/)
# by tests/test_sweep.py.
EXPERIMENTS = sorted(p.stem for p in (Path(CONFIG_DIR) / "study").glob("*.yaml"))
TINY_WORLD = ["world.n_areas=8", "world.n_local_ngos=8", "world.n_community_orgs=2", "world.n_ingos=2",
              "world.n_un_agencies=1", "world.n_staff=200", "funding.annual_budget=5e6"]
TINY = {
    "calibration": ["study.samples=3", "study.replicates=1", "study.search_years=0.3", "years=0.3",
                    "study.window_start_year=0.1", "study.validation_replicates=2", "study.n_jobs=1"],
    "sensitivity": ["study.factors=[funding.multi_year_share,learning.learn_rate,turnover.annual_attrition]",
                    "study.morris_trajectories=2", "study.sobol_factors=2", "study.sobol_n=4",
                    "study.replicates=2", "years=0.1", "study.window_years=0.05",
                    "study.num_resamples=20", "study.n_jobs=1", "study.outcomes=[coverage,local_capacity]"],
    "scenario_discovery": ["study.factors=[funding.multi_year_share,governance.priority_setting,partners_per_intl]",
                           "study.samples=12", "study.replicates=1", "years=0.2",
                           "study.window_years=0.1", "study.n_jobs=1"],
}


def test_every_study_config_has_a_tiny_case():
    assert set(EXPERIMENTS) == set(TINY), f"study configs {EXPERIMENTS} vs tested {sorted(TINY)}"


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_config_composes_with_status_quo_levers(name):
    cfg = precheck([f"study={name}"])
    assert cfg.study.name == name
    assert cfg.scenario == "status_quo", "experiments run on the calibrated status-quo preset"


def _job(name):
    from experiments.studies import calibrate, discover, sensitivity

    return {"calibration": calibrate.calibrate_job, "sensitivity": sensitivity.sensitivity_job,
            "scenario_discovery": discover.discover_job}[name]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_runs_tiny_and_writes_its_tables(name, tmp_path):
    cfg = precheck([f"study={name}", *TINY_WORLD, *TINY[name]])
    res = _job(name)(cfg, tmp_path, progress=False)
    files = {p.name for p in tmp_path.iterdir()}
    assert "summary.md" in files and "provenance.json" in files
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["config"]["study"]["name"] == name and "packages" in prov
    if name == "calibration":
        samples = pd.read_csv(tmp_path / "calibration_samples.csv")
        assert len(samples) == 3 and "accepted" in samples.columns
        assert {"validation_table.csv", "status_quo_accepted.yaml", "calibration_patterns.png"} <= files
        table = pd.read_csv(tmp_path / "validation_table.csv")
        assert len(table) == 7 and table["mean"].notna().sum() >= 4, table
    elif name == "sensitivity":
        sobol = pd.read_csv(tmp_path / "sobol_indices.csv")
        assert set(sobol["output"]) == {"coverage@building", "coverage@sharing", "coverage:sharing-building",
                                        "local_capacity@building", "local_capacity@sharing",
                                        "local_capacity:sharing-building"}
        assert sobol["factor"].nunique() == 2 and {"S1_low", "ST_high"} <= set(sobol.columns)
        assert len(pd.read_csv(tmp_path / "morris_indices.csv")) == 6 * 3
        assert {"morris_runs.csv", "sobol_runs.csv", "replicate_noise.csv"} <= files
    else:
        pts = pd.read_csv(tmp_path / "discovery_points.csv")
        assert len(pts) == 12 and "coverage:sharing-building" in pts.columns
        assert pts["beats_most"].sum() >= 1
        assert len(res["stats"]) + len(res["skipped"]) == 2, "each question gets a box or a reason why not"


BAD = [
    (["calibrate", "study.samples=-1"], "study.samples = -1 is out of range"),
    (["calibrate", "study.samplez=5"], "study.samplez is not a known setting (did you mean study.samples?)"),
    (["sensitivity", "study.sobol_n=100"], "power of 2"),
    (["sensitivity", "study.factors=[nope,learning.learn_rate]"], "factor 'nope' is not in experiments/studies/factors.py"),
    (["sensitivity", "study.regimes=[building]"], "needs two regimes"),
    (["discover", "study.outcome=happiness"], "study.outcome = 'happiness' is unknown"),
    (["discover", "study.window_years=9"], "longer than the run"),
    (["discover", "-m", "seed=1,2"], "no -m/--multirun"),
    (["calibrate", "funding.multi_year_share=2"], "funding.multi_year_share = 2.0 is out of range"),
]


@pytest.mark.parametrize("argv,expected", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_experiment_settings_one_line_exit_2(argv, expected, capsys):
    assert_refused(main, argv, expected, capsys)


def test_calibration_validates_the_chosen_set_once(tmp_path, monkeypatch):
    """The set the search validated and chose is not validated a second time: its validation is the final one
    (every set here is made 'accepted', so the search validates candidates)."""
    import analysis.calibration as calibration
    from experiments.studies import calibrate

    real_judge, real_validate, calls = calibration.judge, calibrate.validate, []

    def all_accepted(points):
        judged = real_judge(points)
        judged["accepted"] = True
        return judged

    def counted(params, *args, **kwargs):
        calls.append(params)
        return real_validate(params, *args, **kwargs)

    monkeypatch.setattr(calibration, "judge", all_accepted)
    monkeypatch.setattr(calibrate, "validate", counted)
    cfg = precheck(["study=calibration", *TINY_WORLD, *TINY["calibration"], "study.closest=2"])
    result = calibrate.calibrate_job(cfg, tmp_path, progress=False)
    assert result["candidates_validated"] >= 1
    assert len(calls) == result["candidates_validated"], (len(calls), result["candidates_validated"])
    again = real_validate(calls[-1], calibrate.read_settings(cfg), False)[1]
    pd.testing.assert_frame_equal(pd.DataFrame(result["validation"]), again)  # the chosen set's own validation


def test_calibrate_command_end_to_end(tmp_path, capsys):
    out = tmp_path / "cal"
    main(["calibrate", *TINY_WORLD, *TINY["calibration"], f"hydra.run.dir={out}"])
    text = capsys.readouterr().out
    assert "accepted:" in text and "of 3 sets" in text
    assert (out / "summary.md").is_file() and (out / ".hydra" / "config.yaml").is_file()
