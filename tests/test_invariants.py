"""Accounting and ranges over whole runs: money, staff, capacities, shares, no NaN."""

import numpy as np
import pytest

from conftest import run_model, small_params
from sim.outcomes import STEP_OUTCOMES

CASES = {
    "building": dict(regime="building"),
    "sharing_with_exit": dict(regime="sharing", funding={"exit_year": 3.0}),
    "grand_bargain": dict(regime="strengthening", funding={"direct_local_share": 0.25, "multi_year_share": 0.6,
                                                          "overhead_passed_on": 1.0, "sharing_earmark": 0.2}),
    "shocks_and_poaching": dict(regime="baseline", crisis={"rapid_onset_rate": 0.3},
                                turnover={"poaching_pressure": 1.0}),
}


@pytest.fixture(scope="module", params=list(CASES))
def model(request):
    return run_model(small_params(seed=7, **CASES[request.param]))


def test_money_is_conserved(model):
    l = model.ledger
    cash = float(model.orgs.cash.sum())
    inflow = l.initial_cash + l.donor_disbursed + l.domestic_income
    outflow = l.total_spent + l.repaid + l.overhead_retained + l.pool_costs + l.pool_held + cash
    assert abs(inflow - outflow) <= 1e-9 * inflow, f"money not conserved: in {inflow:.2f} vs out {outflow:.2f}"
    assert l.imbalance(cash) <= 1e-9
    assert (model.orgs.cash >= 0).all(), "an organisation has negative cash"


def test_staff_are_conserved(model):
    s = model.staff
    assert s.initial + s.hired == s.left + s.n_employed, (
        f"hired + initial ({s.initial + s.hired}) != left + present ({s.left + s.n_employed})")


def test_outcomes_in_range_and_finite(model):
    df = model.recorder.steps_table()
    for o in STEP_OUTCOMES:
        col = df[o.key].to_numpy(float)
        assert np.isfinite(col).all(), f"{o.key} has NaN or infinity"
        if o.lo is not None:
            assert (col >= o.lo - 1e-12).all(), f"{o.key} below {o.lo}: min {col.min()}"
        if o.hi is not None:
            assert (col <= o.hi + 1e-12).all(), f"{o.key} above {o.hi}: max {col.max()}"


def test_capacities_in_unit_interval(model):
    for name, arr in (("institutional", model.orgs.inst), ("network", model.orgs.net),
                      ("technical", model.staff.tech), ("contextual", model.staff.ctx)):
        assert ((arr >= 0) & (arr <= 1)).all(), f"{name} capacity outside 0..1"


def test_decision_weights_are_shares(model):
    from sim.funding import locally_decided

    kw = model.orgs.knowledge_weight
    assert ((kw >= -1e-12) & (kw <= 1 + 1e-12)).all(), f"knowledge weights outside 0..1: {kw.min()}..{kw.max()}"
    w = model.decision_weight
    assert ((w >= 0) & (w <= 1)).all(), "partnership decision weights outside 0..1"
    assert (w[model.orgs.partner < 0] == 0).all(), "an organisation without a partner has a partnership weight"
    share = locally_decided(model.flows, model.orgs, w, 0.3)
    assert -1e-12 <= share <= 1.0 + 1e-12, f"locally decided share {share} outside 0..1"
