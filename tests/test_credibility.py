"""Factor list, point evaluation, calibration judging and PRIM boxes (small, fast cases)."""

import numpy as np
import pandas as pd
import pytest

from analysis.calibration import PATTERNS, accepted_ranges, judge
from analysis.discovery import box_table, encode_for_prim, find_box, in_box
from conftest import small_params
from experiments.studies.evaluate import Evaluation, ModelFunction, evaluate_points
from experiments.studies.factors import FACTORS, Factor, apply, check_factors, salib_problem, select
from sim.params import ConfigError


def test_factor_list_is_valid_and_has_both_kinds():
    check_factors()
    assert len(select("lever")) >= 10 and len(select("uncertainty")) >= 10
    assert {f.kind for f in FACTORS} == {"lever", "uncertainty"}
    for f in FACTORS:
        assert f.why.strip(), f"factor {f.key} has no reason"


def test_bad_factor_ranges_are_refused():
    with pytest.raises(ConfigError, match="outside the allowed"):
        check_factors([Factor("learning.transfer_rate", "uncertainty", 0.5, 1.5, "x")])
    with pytest.raises(ConfigError, match="not a parameter"):
        check_factors([Factor("learning.transfer_rat", "uncertainty", 0.5, 0.6, "x")])
    with pytest.raises(ConfigError, match="not in experiments/studies/factors.py"):
        select(names=["nope"])


def test_apply_sets_values_rounds_integers_and_maps_choices():
    fs = select(names=["learning.transfer_rate", "partners_per_intl", "governance.priority_setting"])
    prob = salib_problem(fs)
    assert prob["bounds"][2] == [0.0, 3.0], "a categorical factor spans one unit per choice"
    p = apply(small_params(), fs, [0.55, 3.6, 2.2])
    assert p.learning.transfer_rate == 0.55
    assert p.partners_per_intl == 4
    assert p.governance.priority_setting == "local"
    assert apply(small_params(), fs, [0.55, 3.6, 0.2]).governance.priority_setting == "international"


@pytest.fixture(scope="module")
def tiny_eval():
    base = small_params(years=1.0)
    fs = select(names=["learning.transfer_rate", "turnover.annual_attrition"])
    X = np.array([[0.5, 0.05], [0.75, 0.35]])
    ev = Evaluation(("building", "sharing"), 2, 7, ("coverage", "staff_turnover_rate"), 0.5, probe=True)
    return base, fs, X, ev


def test_evaluation_tasks_are_small_when_runs_are_few():
    """Few runs per worker go one a task, so no worker is left with the last full task alone (a calibration's
    validation: 20 runs on 2 workers); thousands go four a task."""
    from experiments.studies.evaluate import batch_runs

    assert [batch_runs(n, 2) for n in (1, 20, 31, 32, 40, 800, 5000)] == [1, 1, 1, 2, 2, 4, 4]
    assert batch_runs(20, 1) == 2 and batch_runs(800, 2, most=1) == 1


def test_evaluation_is_deterministic_paired_and_parallel_safe(tiny_eval):
    base, fs, X, ev = tiny_eval
    a = evaluate_points(base, fs, X, ev, n_jobs=1, progress=False)
    b = evaluate_points(base, fs, X, ev, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(a, b, obj="serial and parallel evaluations")
    assert len(a) == 2 * 2 * 2, "points x regimes x replicates rows"
    seeds = a.groupby(["point", "regime"])["seed"].apply(tuple)
    assert seeds.nunique() == 1, "every point and regime must use the same replicate seeds (common random numbers)"
    hi, lo = a[a.point == 1]["staff_turnover_rate"].mean(), a[a.point == 0]["staff_turnover_rate"].mean()
    assert hi > lo + 0.1, f"attrition 0.35 vs 0.05 should show in turnover: {hi:.3f} vs {lo:.3f}"


def test_model_function_outputs_paired_difference(tiny_eval):
    base, fs, X, ev = tiny_eval
    f = ModelFunction(base, fs, ev, pairs=[("sharing", "building")], n_jobs=1, progress=False)
    out = f(X)
    assert list(out.columns) == f.outputs
    np.testing.assert_allclose(out["coverage:sharing-building"], out["coverage@sharing"] - out["coverage@building"],
                               atol=1e-12, err_msg="with paired seeds the mean difference is the difference of means")


def _pattern_row(**changes):
    row = {p.key: (p.target if p.target is not None else 0.95) for p in PATTERNS}
    row.update(changes)
    return row


def test_judge_accepts_only_points_meeting_every_pattern():
    pts = pd.DataFrame([_pattern_row(), _pattern_row(staff_turnover_rate=0.5), _pattern_row(national_staff_share=0.85),
                        _pattern_row(direct_local_funding_share=0.029)])
    pts.insert(0, "point", range(len(pts)))
    pts["learning.transfer_rate"] = [0.6, 0.7, 0.55, 0.65]
    j = judge(pts)
    assert j["accepted"].tolist() == [True, False, False, True]
    assert j["n_ok"].tolist() == [7, 6, 6, 7]
    assert j.loc[0, "distance"] == 0.0 and j.loc[3, "distance"] > 0, "distance measures closeness to targets"
    r = accepted_ranges(j, select(names=["learning.transfer_rate"]))
    assert (r.loc[0, "accepted_min"], r.loc[0, "accepted_max"]) == (0.6, 0.65)


def test_prim_finds_the_box_that_generated_the_data():
    rng = np.random.default_rng(0)
    fs = select(names=["funding.multi_year_share", "learning.learn_rate", "governance.priority_setting"])
    n = 800
    vals = pd.DataFrame({"funding.multi_year_share": rng.uniform(0, 0.8, n), "learning.learn_rate": rng.uniform(0.05, 0.3, n),
                         "governance.priority_setting": rng.choice(["international", "joint", "local"], n)})
    y = (vals["funding.multi_year_share"] < 0.2) & (vals["governance.priority_setting"] == "international")
    x = encode_for_prim(vals, fs)
    r = find_box(x, y.to_numpy(), min_coverage=0.8, max_restricted=3)
    t = box_table(r, fs, x).set_index("factor")
    assert r.stats["coverage"] >= 0.8 and r.stats["density"] > 0.9, r.stats
    assert "learning.learn_rate" not in t.index, "an irrelevant factor should not be restricted"
    assert t.loc["governance.priority_setting", "in box"] == "international"
    assert 0.17 < t.loc["funding.multi_year_share", "box_max"] < 0.23
    assert in_box(x, r).sum() == int(r.stats["n"])


def test_prim_needs_points_of_both_kinds():
    x = pd.DataFrame({"a": np.linspace(0, 1, 20)})
    with pytest.raises(ValueError, match="of interest"):
        find_box(x, np.zeros(20, bool))


def test_docs_factor_table_is_generated_from_the_factor_list():
    from pathlib import Path

    from experiments.studies.factors import markdown_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "sensitivity.md").read_text()
    assert markdown_table() in doc, ("docs/sensitivity.md's factor table differs from experiments/studies/factors.py; "
                                     "paste the output of experiments.studies.factors.markdown_table()")
