"""Properties that hold for every valid configuration (Hypothesis), and metamorphic relations.

Set CAPSIM_HYPOTHESIS_EXAMPLES to run more examples (default 200, the CI setting).
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_model, small_params
from sim.outcomes import STEP_OUTCOMES
from sim.params import REGIME_NAMES, ConfigError, Params

# 120 examples (about 29 s on 2 cores; 200 took 43 s, CI must stay under 20 minutes): more with
# CAPSIM_HYPOTHESIS_EXAMPLES=N. CI runs a fixed, reproducible set of examples; exploring new ones:
# CAPSIM_HYPOTHESIS_EXPLORE=1.
N_EXAMPLES = int(os.environ.get("CAPSIM_HYPOTHESIS_EXAMPLES", "120"))
DERANDOMIZE = not os.environ.get("CAPSIM_HYPOTHESIS_EXPLORE")
share = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def valid_params(draw) -> Params:
    """Small but otherwise arbitrary valid configurations (levers and uncertainties)."""
    direct = draw(st.floats(0.0, 0.6))
    earmark = draw(st.floats(0.0, 1.0 - direct - 0.1))
    emergency = draw(st.floats(0.0, 1.0 - direct - earmark))
    pooled = draw(st.floats(0.0, max(0.0, 1.0 - direct - earmark - emergency)))
    exit_year = draw(st.one_of(st.none(), st.floats(0.1, 1.0)))
    d = {
        "seed": draw(st.integers(0, 2**40)),
        "years": draw(st.floats(0.2, 1.2)),
        "regime": draw(st.sampled_from(REGIME_NAMES)),
        "partners_per_intl": draw(st.integers(0, 6)),
        "world": {
            "n_areas": draw(st.integers(1, 12)),
            "n_sectors": draw(st.integers(1, 5)),
            "n_local_ngos": draw(st.integers(0, 12)),
            "n_community_orgs": draw(st.integers(0, 6)),
            "n_national_authorities": draw(st.integers(0, 2)),
            "n_ingos": draw(st.integers(0, 4)),
            "n_un_agencies": draw(st.integers(0, 2)),
            "n_staff": draw(st.integers(40, 500)),
            "hard_to_reach_share": draw(share),
            "local_institutional_capacity": draw(share),
            "max_presence_areas": draw(st.integers(6, 12)),
        },
        "funding": {
            "annual_budget": draw(st.floats(0.0, 5e7)),
            "direct_local_share": direct,
            "sharing_earmark": earmark,
            "emergency_share": emergency,
            "un_to_ingo_share": draw(st.floats(0.0, 0.9)),
            "shared_due_diligence": draw(share),
            "min_direct_grant": draw(st.floats(0.0, 1e6)),
            "allocation_capacity_weight": draw(st.floats(0.0, 5.0)),
            "allocation_output_weight": draw(st.floats(0.0, 5.0)),
            "allocation_loss_weight": draw(st.floats(0.0, 100.0)),
            "multi_year_share": draw(share),
            "flexible_share": draw(share),
            "overhead_passed_on": draw(share),
            "risk_sharing": draw(share),
            "pass_through_share": draw(share),
            "retention_funding": draw(st.floats(0.0, 0.5)),
            "due_diligence_threshold": draw(share),
            "short_grant_weeks": draw(st.integers(1, 60)),
            "round_interval_weeks": draw(st.integers(1, 60)),
            "exit_year": exit_year,
        },
        "pooled_fund": {
            "share": pooled,
            "eligibility_threshold": draw(share),
            "round_interval_weeks": draw(st.integers(1, 60)),
            "grant_weeks": draw(st.integers(1, 60)),
        },
        "turnover": {
            "annual_attrition": draw(st.floats(0.0, 2.0)),
            "insecurity_attrition": draw(st.floats(0.0, 2.0)),
            "poaching_pressure": draw(share),
            "salary_harmonisation": draw(share),
            "no_poaching_agreement": draw(share),
        },
        "governance": {
            "priority_setting": draw(st.sampled_from(["international", "joint", "local"])),
            "local_coordination_seats": draw(share),
            "local_board_seats": draw(share),
            "language_investment": draw(share),
            "coordination_quality": draw(share),
        },
        "crisis": {
            "rapid_onset_rate": draw(st.floats(0.0, 3.0)),
            "protracted_rate": draw(st.floats(0.0, 1.0)),
        },
    }
    n_orgs = sum(d["world"][k] for k in ("n_local_ngos", "n_community_orgs", "n_national_authorities", "n_ingos",
                                          "n_un_agencies"))
    if n_orgs == 0:
        d["world"]["n_local_ngos"] = 1
    d["world"]["local_presence_areas"] = draw(st.integers(1, 3))
    d["world"]["intl_presence_areas"] = draw(st.integers(1, 6))
    return Params.from_dict(d)


def check_run(m) -> None:
    cash = float(m.orgs.cash.sum())
    assert m.ledger.imbalance(cash) <= 1e-9, f"money not conserved: relative error {m.ledger.imbalance(cash):.3g}"
    assert m.staff.initial + m.staff.hired == m.staff.left + m.staff.n_employed, "staff not conserved"
    df = m.recorder.steps_table()
    assert len(df) == m.n_steps, "run did not reach its horizon"
    for o in STEP_OUTCOMES:
        col = df[o.key].to_numpy(float)
        assert np.isfinite(col).all(), f"{o.key} not finite"
        if o.lo is not None:
            assert col.min() >= o.lo - 1e-9, f"{o.key} = {col.min()} below {o.lo}"
        if o.hi is not None:
            assert col.max() <= o.hi + 1e-9, f"{o.key} = {col.max()} above {o.hi}"
    for name, arr in (("inst", m.orgs.inst), ("net", m.orgs.net), ("tech", m.staff.tech), ("ctx", m.staff.ctx)):
        assert np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1, f"{name} capacity out of 0..1"
    assert (m.orgs.cash >= 0).all() and np.isfinite(m.orgs.cash).all(), "cash negative or not finite"
    assert np.isfinite(m.areas.need).all() and (m.areas.need >= 0).all(), "need negative or not finite"


@settings(max_examples=N_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=DERANDOMIZE)
@given(valid_params())
def test_any_valid_config_runs_with_accounting_and_ranges_intact(params):
    a = run_model(params)
    check_run(a)
    b = run_model(params)
    pd.testing.assert_frame_equal(a.recorder.steps_table(), b.recorder.steps_table(), check_exact=True,
                                  obj="two runs with the same seed")


def _need_met(params, budget_factor: float, seeds) -> float:
    """Mean over paired seeds of total need met (people-weeks) with budgets scaled."""
    f = params.funding
    scaled = params.replace(funding=dataclasses.replace(f, annual_budget=budget_factor * f.annual_budget))
    return float(np.mean([run_model(scaled.replace(seed=s)).recorder.steps_table()["people_covered"].sum()
                          for s in seeds]))


@settings(max_examples=max(20, N_EXAMPLES // 4), deadline=None, derandomize=DERANDOMIZE)
@given(valid_params(), st.floats(1e6, 5e7))
def test_doubling_donor_budgets_never_lowers_need_met(params, budget):
    """Doubling every donor budget never lowers need met, in expectation over paired seeds.

    A single pair of runs can diverge by path dependence (which organisation hires first and
    where, who is then poached, which areas a surge displaces), so the property is checked on
    the mean of three paired seeds, with a one-percent allowance for what remains of that
    divergence (found necessary by Hypothesis: -0.7% with 97% of budgets held for emergencies
    and an exit after half a year); budgets are at least USD 1 million a year (below that, a
    handful of staff decide everything).
    """
    # Without an exit: before an exit, more international money can poach local staff whom the
    # response then lacks after it (test_more_money_before_an_exit_can_hurt_through_poaching), a
    # brain-drain effect of the model rather than a violation of this property.
    params = params.replace(funding=dataclasses.replace(params.funding, annual_budget=budget, exit_year=None))
    seeds = [params.seed + k for k in range(3)]
    met, met2 = _need_met(params, 1.0, seeds), _need_met(params, 2.0, seeds)
    assert met2 >= met * 0.99, f"doubling donor budgets lowered need met by over 1%: {met:.0f} -> {met2:.0f}"


def test_more_money_before_an_exit_can_hurt_through_poaching():
    """Hypothesis found this counterexample to the doubling property (it also holds at commit 3a20ea5):
    in a small country whose international actors leave after five months, doubling donor budgets
    lowers need met, through poaching - international organisations hire away local staff with the
    extra money, then leave. With poaching off, the same doubling raises need met."""
    def params(poaching):
        return Params.from_dict({
            "seed": 0, "years": 1.19, "regime": "baseline", "partners_per_intl": 6,
            "world": {"n_areas": 1, "n_sectors": 1, "n_local_ngos": 2, "n_community_orgs": 0,
                      "n_national_authorities": 0, "n_ingos": 0, "n_un_agencies": 2, "n_staff": 40,
                      "local_institutional_capacity": 0.0, "hard_to_reach_share": 0.0},
            "funding": {"annual_budget": 13.94e6, "direct_local_share": 0.45, "sharing_earmark": 0.2,
                        "pass_through_share": 0.89, "due_diligence_threshold": 0.0, "min_direct_grant": 0.0,
                        "multi_year_share": 0.0, "flexible_share": 0.0, "short_grant_weeks": 1,
                        "round_interval_weeks": 1, "exit_year": 0.434},
            "pooled_fund": {"share": 0.0},
            "turnover": {"annual_attrition": 0.0, "insecurity_attrition": 0.0, "poaching_pressure": poaching},
            "crisis": {"rapid_onset_rate": 0.0}})

    seeds = [0, 1, 2]
    poached = _need_met(params(0.98), 2.0, seeds) / _need_met(params(0.98), 1.0, seeds) - 1
    unpoached = _need_met(params(0.0), 2.0, seeds) / _need_met(params(0.0), 1.0, seeds) - 1
    assert poached < -0.02 and unpoached > 0, (poached, unpoached)  # measured: -9.2% and +3.4%


def test_doubling_donor_budgets_raises_need_met_in_the_default_country():
    params = Params(years=3.0)
    seeds = [1, 2, 3]
    met, met2 = _need_met(params, 1.0, seeds), _need_met(params, 2.0, seeds)
    assert met2 > met * 1.1, f"doubling donor budgets should raise need met clearly: {met:.0f} -> {met2:.0f}"


def test_local_only_delivery_works_without_international_actors():
    m = run_model(small_params(world={"n_ingos": 0, "n_un_agencies": 0}, years=2.0))
    check_run(m)
    df = m.recorder.steps_table()
    assert df["n_staff_intl"].max() == 0
    assert df["people_covered"].min() > 0, "local actors alone covered nobody"
    assert df["n_partnerships"].max() == 0


def test_zero_poaching_means_zero_brain_drain():
    m = run_model(small_params(turnover={"poaching_pressure": 0.0, "annual_attrition": 0.0,
                                         "insecurity_attrition": 0.0}, crisis={"rapid_onset_rate": 0.5}))
    assert m.recorder.steps_table()["brain_drain"].sum() == 0


def test_no_shocks_no_response_time_rows():
    from sim.results import run

    res = run(small_params(crisis={"rapid_onset_rate": 0.0, "protracted_rate": 0.0}, years=2.0))
    assert len(res.shocks) == 0, "shocks table has rows without shocks"


def test_config_values_are_data_not_code():
    for bad in ({"_target_": "os.system"}, {"funding": {"_target_": "builtins.eval"}}):
        try:
            Params.from_dict(bad)
        except ConfigError as e:
            assert "is not a known parameter" in str(e)
        else:
            raise AssertionError(f"{bad} was accepted")
