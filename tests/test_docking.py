"""Docking: March (1991) and Cowan & Jonard (2004) reproduce their published results at reduced size.

The full-accuracy checks (every March Figure 1 grid point within 0.02 of the published replication
with 4,000 organisations per point; the Cowan & Jonard shape with 40 economies per point) belong
to ``capsim dock``; these tests use fewer replications and points and tolerances justified by
the standard errors at those sizes, so that a drift of the model fails them in seconds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.learning
import sim.networks
import sim.turnover
from experiments.cli.main import main
from experiments.docking.dock import load_config
from sim.docking import cowan_jonard as cj
from sim.docking import march
from sim.params import ConfigError
from conftest import assert_refused

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- shared primitives
def test_close_gap_learns_only_from_a_teacher_who_knows_more():
    learner = np.array([0.2, 0.5, 0.9])
    teacher = np.array([0.6, 0.5, 0.1])
    np.testing.assert_allclose(sim.learning.close_gap(learner, teacher, 0.25), [0.1, 0.0, 0.0],
                               err_msg="gain must be rate x gap where the teacher is ahead, else 0")


def test_barter_needs_both_to_gain_and_the_giver_loses_nothing():
    a = np.array([[8.0, 2.0, 5.0], [8.0, 8.0, 8.0]])
    b = np.array([[4.0, 6.0, 5.0], [4.0, 6.0, 5.0]])  # row 2: a dominates b, no double coincidence
    a2, b2 = sim.learning.barter(a, b, 0.5, 0.01)
    np.testing.assert_allclose(a2[0], [8.0, 4.0, 5.0], err_msg="a learns half its gap where b is ahead only")
    np.testing.assert_allclose(b2[0], [6.0, 6.0, 5.0], err_msg="b learns half its gap where a is ahead only")
    np.testing.assert_array_equal(a2[1], a[1], err_msg="no trade when one side has nothing the other wants")
    np.testing.assert_array_equal(b2[1], b[1], err_msg="no trade when one side has nothing the other wants")
    a3, b3 = sim.learning.barter(np.array([[8.0, 2.0, 1.0]]), np.array([[4.0, 6.0, 9.0]]), 0.5, 0.01,
                                 one_category=True)
    np.testing.assert_allclose(a3[0], [8.0, 2.0, 5.0], err_msg="one-category barter passes only the largest gap")
    np.testing.assert_allclose(b3[0], [6.0, 6.0, 9.0], err_msg="one-category barter passes only the largest gap")


def test_docking_models_use_capsims_own_mechanisms():
    assert cj.barter is sim.learning.barter, "Cowan & Jonard must barter with sim.learning.barter"
    assert cj.watts_strogatz_edges is sim.networks.watts_strogatz_edges, "network must be sim.networks'"
    assert march.leaves is sim.turnover.leaves, "March's turnover must draw leavers with sim.turnover.leaves"


# ----------------------------------------------------------------------------- March (1991)
# At 400 organisations per point the standard error of mean equilibrium knowledge is at most
# 0.006 (sd <= 0.11 measured), the published values' about 0.001: the issue's 0.02 is > 3 standard
# errors, so the reproduction passes for practically any seed and a drift of a few hundredths fails.
MARCH_POINTS = [(0.1, 0.9), (0.5, 0.5), (0.9, 0.1), (0.9, 0.9)]


@pytest.mark.parametrize("p1,p2", MARCH_POINTS, ids=[f"p1={a},p2={b}" for a, b in MARCH_POINTS])
def test_march_figure1_within_002_of_published(p1, p2):
    runs = march.simulate(march.MarchParams(socialisation_rate=p1, code_learning_rate=p2), 400, seed=5)
    s = march.summarise(runs)
    published = march.PUBLISHED_FIGURE1[(p1, p2)]
    assert s["equilibrium_share"] == 1.0, f"not every run reached equilibrium at p1={p1}, p2={p2}"
    assert abs(s["code_knowledge"] - published) <= 0.02, (
        f"equilibrium code knowledge {s['code_knowledge']:.4f} at p1={p1}, p2={p2} is more than 0.02 from the "
        f"published {published:.4f} (se {s['code_knowledge_se']:.4f})")


def test_march_figure1_pattern_slow_socialisation_helps_when_the_code_learns_fast():
    """March's main point: slower socialisation gives a more knowledgeable code (for p2 = 0.9)."""
    slow = march.summarise(march.simulate(march.MarchParams(socialisation_rate=0.1, code_learning_rate=0.9), 300, 1))
    fast = march.summarise(march.simulate(march.MarchParams(socialisation_rate=0.9, code_learning_rate=0.9), 300, 1))
    assert slow["code_knowledge"] - fast["code_knowledge"] > 0.15, (
        f"slow socialisation {slow['code_knowledge']:.3f} should beat fast {fast['code_knowledge']:.3f} by > 0.15 "
        "(published: 0.972 vs 0.728)")


def test_march_turnover_helps_fast_socialisation_not_slow():
    """March (1991) turnover result at period 20, p2 = 0.5: turnover helps when socialisation is fast."""
    def gain(p1):
        base = march.simulate(march.MarchParams(socialisation_rate=p1, periods=20), 300, 3).code_knowledge
        turn = march.simulate(march.MarchParams(socialisation_rate=p1, periods=20, turnover=0.1), 300, 3).code_knowledge
        d = turn - base  # same seed: the same 300 initial organisations (paired)
        return d.mean(), d.std(ddof=1) / np.sqrt(len(d))

    fast, fast_se = gain(0.9)
    slow, slow_se = gain(0.1)
    assert fast > 3 * fast_se, f"turnover 0.1 should raise code knowledge with p1=0.9: {fast:+.4f} +/- {fast_se:.4f}"
    assert slow < 0, f"turnover 0.1 should not raise code knowledge with p1=0.1: {slow:+.4f} +/- {slow_se:.4f}"


def test_march_same_seed_same_result_other_seed_other_result():
    p = march.MarchParams(socialisation_rate=0.5, code_learning_rate=0.5)
    a, b, c = march.simulate(p, 50, 9), march.simulate(p, 50, 9), march.simulate(p, 50, 10)
    np.testing.assert_array_equal(a.code_knowledge, b.code_knowledge, err_msg="same seed gave different results")
    assert not np.array_equal(a.code_knowledge, c.code_knowledge), "different seeds gave identical results"


def test_march_refuses_turnover_without_a_horizon():
    with pytest.raises(ConfigError, match="never reach equilibrium"):
        march.MarchParams.from_dict({"turnover": 0.1})
    with pytest.raises(ConfigError, match="socialisation_rate = 1.5 is out of range"):
        march.MarchParams.from_dict({"socialisation_rate": 1.5})


# ----------------------------------------------------------------------------- Cowan & Jonard (2004)
# 12 economies of 500 agents per point: paired differences between rewiring probabilities (same
# endowments) have standard errors of about 0.08 (knowledge) and 0.004 (CV); the effects are
# about 0.3 and 0.013 (measured with 40 economies), so a 2-standard-error bar separates them.
@pytest.fixture(scope="module")
def cj_runs():
    return {p: cj.simulate(cj.CowanJonardParams(rewiring=p), 12, seed=11) for p in (1e-4, 0.3, 1.0)}


def _paired(a, b):
    d = a - b
    return d.mean(), d.std(ddof=1) / np.sqrt(len(d))


def test_cowan_jonard_knowledge_peaks_between_regular_and_random(cj_runs):
    lo, mid, hi = cj_runs[1e-4], cj_runs[0.3], cj_runs[1.0]
    assert lo.steady.all() and mid.steady.all() and hi.steady.all(), "some economies never stopped trading"
    d_lo, se_lo = _paired(mid.mean_knowledge, lo.mean_knowledge)
    d_hi, se_hi = _paired(mid.mean_knowledge, hi.mean_knowledge)
    assert d_lo > 2 * se_lo, f"knowledge at p=0.3 should beat the regular lattice: {d_lo:+.3f} +/- {se_lo:.3f}"
    assert d_hi > 2 * se_hi, f"knowledge at p=0.3 should beat the random graph: {d_hi:+.3f} +/- {se_hi:.3f}"


def test_cowan_jonard_cv_lowest_between_regular_and_random(cj_runs):
    lo, mid, hi = cj_runs[1e-4], cj_runs[0.3], cj_runs[1.0]
    d_lo, se_lo = _paired(lo.knowledge_cv, mid.knowledge_cv)
    d_hi, se_hi = _paired(hi.knowledge_cv, mid.knowledge_cv)
    assert d_lo > 2 * se_lo, f"CV at p=0.3 should be below the regular lattice's: {d_lo:+.4f} +/- {se_lo:.4f}"
    assert d_hi > 2 * se_hi, f"CV at p=0.3 should be below the random graph's: {d_hi:+.4f} +/- {se_hi:.4f}"


def test_cowan_jonard_optimum_comes_from_the_double_coincidence(cj_runs):
    """Exchange by rule (each learns wherever the other is ahead, as capsim's two-way sharing) has no optimum:
    knowledge and its evenness keep improving up to the random graph."""
    gift = {p: cj.simulate(cj.CowanJonardParams(rewiring=p, double_coincidence=False), 12, seed=11) for p in (0.3, 1.0)}
    d, se = _paired(gift[1.0].mean_knowledge, gift[0.3].mean_knowledge)
    assert d > -2 * se, f"without barter, p=1 should be no worse than p=0.3: {d:+.3f} +/- {se:.3f}"
    assert gift[1.0].knowledge_cv.mean() <= gift[0.3].knowledge_cv.mean(), "without barter, CV should be lowest at p=1"
    assert gift[0.3].knowledge_cv.mean() < 0.5 * cj_runs[0.3].knowledge_cv.mean(), (
        "without barter, knowledge should spread much more evenly than with it")


def test_cowan_jonard_barter_never_loses_knowledge(cj_runs):
    for p, r in cj_runs.items():
        assert (r.mean_knowledge > r.initial_mean).all(), f"mean knowledge fell below its start at p={p}"


def test_cowan_jonard_peak_network_is_a_small_world():
    base = cj.CowanJonardParams(rewiring=0.3)
    at = cj.network_measures(base, 1, 1)
    rand = cj.network_measures(cj.CowanJonardParams(rewiring=1.0), 1, 1)
    assert at["clustering_ratio"] / rand["clustering_ratio"] >= 5, "p=0.3 should keep clustering far above random"
    assert at["path_ratio"] / rand["path_ratio"] <= 1.5, "p=0.3 should have near-random path lengths"


# ----------------------------------------------------------------------------- the command
BAD = [
    (["dock", "marhc"], "unknown docking model 'marhc' (did you mean march?)"),
    (["dock", "march", "replicatons=5"],
     "replicatons is not a known parameter (did you mean replications?)"),
    (["dock", "march", "replications=abc"], "replications = 'abc' is not a number; allowed: integer from 2"),
    (["dock", "march", "replications=1"], "replications = 1 is out of range"),
    (["dock", "march", "figure1.socialisation_rate=[0.1,1.5]"], "figure1.socialisation_rate[1] = 1.5 is out of range"),
    (["dock", "march", "figure1.code_learning_rate=0.5"], "is not a list; allowed: a list, each number from 0 to 1"),
    (["dock", "march", "model.socialisaton_rate=0.5"], "did you mean model.socialisation_rate?"),
    (["dock", "march", "model.turnover=0.1"], "never reach equilibrium"),
    (["dock", "march", "turnover.turnover=[0.1,0.2]"], "lacks 0"),
    (["dock", "march", "tolerance=-1"], "tolerance = -1.0 is out of range"),
    (["dock", "march", "seed"], "is not an override"),
    (["dock", "cowan_jonard", "rewiring=[0.1,2]"], "rewiring[1] = 2.0 is out of range"),
    (["dock", "cowan_jonard", "model.degree=600"], "model.degree = 600 is not below n_agents = 500"),
    (["dock", "cowan_jonard", "model.exchange=gift"], "model.exchange = 'gift' is unknown"),
    (["dock", "cowan_jonard", "rewiring=[0.1,1]"], "fewer than 3 values"),
    (["dock", "cowan_jonard", "variants.no_experts.experts=-1"], "variants.no_experts.experts = -1 is out of range"),
]


@pytest.mark.parametrize("argv,expected", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_dock_bad_input_one_line_exit_2(argv, expected, capsys):
    assert_refused(main, argv, expected, capsys)


def test_dock_help_and_real_configs_load(capsys):
    assert main(["dock", "--help"]) == 0
    out = capsys.readouterr().out
    assert "march" in out and "cowan_jonard" in out, "capsim dock --help does not list the models"
    for model in ("march", "cowan_jonard"):
        cfg = load_config(model, [])
        assert cfg.replications >= 2, f"configs/docking/{model}.yaml has too few replications"
    assert load_config("march", ["replications=7"]).replications == 7, "override not applied"


def test_dock_march_end_to_end_writes_tables_figures_provenance(tmp_path, capsys):
    out = tmp_path / "m"
    rc = main(["dock", "march", "replications=60", "figure1.socialisation_rate=[0.5]",
               "figure1.code_learning_rate=[0.5]",
               "turnover.replications=60", "turnover.socialisation_rate=[0.1,0.9]", "turnover.turnover=[0,0.1]",
               "turnover.significance=1", f"output_dir={out}"])
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "docking_march_figure1.csv")
    assert len(table) == 1 and table.loc[0, "published"] == pytest.approx(march.PUBLISHED_FIGURE1[(0.5, 0.5)], abs=1e-5)
    assert table.loc[0, "difference"] == pytest.approx(table.loc[0, "capsim"] - table.loc[0, "published"], abs=2e-5)
    checks = pd.read_csv(out / "docking_march_checks.csv")
    assert rc == (1 if (checks["result"] == "FAIL").any() else 0), "exit code does not follow the checks"
    for name in ("docking_march_figure1", "docking_march_turnover"):
        assert (out / f"{name}.png").stat().st_size > 10_000 and (out / f"{name}.svg").exists(), f"{name} missing"
    prov = json.loads((out / "docking_march_provenance.json").read_text())
    assert prov["config"]["replications"] == 60 and "packages" in prov, "provenance lacks config or versions"
    assert "Figure 1" in printed and "published" in printed, "comparison table not printed"


def test_dock_fails_with_exit_1_when_the_reproduction_drifts(tmp_path, capsys):
    rc = main(["dock", "march", "replications=40", "figure1.socialisation_rate=[0.9]",
               "figure1.code_learning_rate=[0.1]",
               "tolerance=0.000001", "turnover.replications=40", "turnover.socialisation_rate=[0.1,0.9]",
               "turnover.turnover=[0,0.1]", f"output_dir={tmp_path}"])
    err = capsys.readouterr().err
    assert rc == 1, "a docking check failed but the exit code is not 1"
    assert "check(s) failed" in err and "Figure 1 within" in err, f"failure not reported: {err!r}"


# ----------------------------------------------------------------------------- docs
def test_docs_reference_committed_figures_and_tables():
    doc = (ROOT / "docs" / "docking.md").read_text()
    refs = set(re.findall(r"figures/(docking_[\w.]+)", doc))
    assert refs, "docs/docking.md references no docking figures"
    for r in refs:
        assert (ROOT / "docs" / "figures" / r).exists(), f"docs/docking.md references missing docs/figures/{r}"
    table = pd.read_csv(ROOT / "docs" / "figures" / "docking_march_figure1.csv")
    assert table["within_tolerance"].all(), "committed March Figure 1 table has points outside the tolerance"


@pytest.mark.parametrize("model", ["march", "cowan_jonard"])
def test_docs_parameter_tables_are_generated_from_the_registry(model):
    from experiments.docking.dock import params_markdown

    doc = (ROOT / "docs" / "docking.md").read_text()
    block = re.search(rf"<!-- params:{model} -->\n(.*?)\n<!-- /params:{model} -->", doc, re.S)
    assert block, f"docs/docking.md has no generated parameter table for {model}"
    assert block.group(1).strip() == params_markdown(model).strip(), (
        f"docs/docking.md parameter table of {model} is out of date: paste `capsim dock {model} --params`")
