"""The funding chain (issue "Money that responds"): two levels of intermediaries and the pooled fund
conserve money; funders allocate by what they see, never by regime; capacity up -> eligibility ->
direct funding up (the EMPOWER pathway); due diligence costs local staff time."""

from __future__ import annotations

import numpy as np
import pytest

from sim.allocation import allocation_weights
from sim.kinds import OrgKind
from sim.model import CapacityModel
from sim.params import ConfigError, Params
from tests.conftest import small_params


def _run(model: CapacityModel, weeks: int) -> list:
    flows = []
    for _ in range(weeks):
        model.step()
        flows.append(model.flows)
    return flows


def test_money_is_conserved_through_two_intermediary_levels_and_the_pooled_fund():
    m = CapacityModel(small_params(seed=3, years=1.5, funding={"un_to_ingo_share": 0.4},
                                   pooled_fund={"share": 0.2, "round_interval_weeks": 13}))
    level1, pool_paid, pool_local = 0.0, 0.0, 0.0
    for _ in range(m.n_steps):
        m.step()
        assert m.ledger.imbalance(float(m.orgs.cash.sum())) < 1e-9, f"money not conserved in week {m.steps_done}"
        assert m.ledger.pool_held >= -1e-6, "the pooled fund paid more than it held"
        level1 += m.flows.level1_passed
        pool_paid += m.flows.pool_tranches
        pool_local += m.flows.pooled_local
    assert level1 > 0, "UN agencies passed nothing to international NGOs: the first level did not run"
    assert pool_paid > 0 and pool_local > 0, "the pooled fund paid nothing (to local actors)"
    assert m.ledger.pool_costs > 0


def test_the_first_level_moves_money_from_un_agencies_to_ngos():
    def week(share):
        m = CapacityModel(small_params(seed=4, years=0.1, funding={"un_to_ingo_share": share}))
        m.step()
        return m.flows.own_programme, m.orgs.kind

    off, kind = week(0.0)
    on, _ = week(0.5)
    un, ingo = kind == int(OrgKind.UN_AGENCY), kind == int(OrgKind.INGO)
    assert on[un].sum() < off[un].sum() and on[ingo].sum() > off[ingo].sum()


def test_allocation_is_blind_to_the_regime():
    m = CapacityModel(small_params(seed=5, years=0.5, regime="building"))
    _run(m, 20)
    mask = m.orgs.active.copy()
    before = allocation_weights(m, mask)
    for code in range(4):  # every regime's rules on every partnership: nothing a funder sees changes
        m.orgs.p_code[:] = code
        m.default_code = code
        assert np.array_equal(allocation_weights(m, mask), before)
    # Two local organisations equal in everything a funder sees get the same weight, whatever their regime.
    local = np.flatnonzero(m.orgs.is_local & (m.orgs.kind == int(OrgKind.LOCAL_NGO)))
    a, b = local[:2]
    o, s = m.orgs, m.staff
    for arr in (o.inst, o.net, o.output_ema, o.income_ema, o.audited_loss_rate, o.grants_ema,
                s.tech_mean, s.ctx_mean, s.headcount):
        arr[b] = arr[a]
    o.presence[b] = o.presence[a]
    o.ready_step[b] = o.ready_step[a]
    o.p_code[a], o.p_code[b] = 0, 3  # baseline against sharing
    w = allocation_weights(m, mask)
    assert w[a] == pytest.approx(w[b], rel=1e-12)


def test_empower_pathway_capacity_up_then_eligibility_then_direct_funding_up():
    """A local organisation whose capacity grows crosses into direct funding, above the donors' floor."""
    p = small_params(seed=6, years=1.0, funding={"direct_local_share": 0.0, "min_direct_grant": 20_000.0})
    m = CapacityModel(p)
    _run(m, 26)
    o, s = m.orgs, m.staff
    org = int(np.flatnonzero(o.kind == int(OrgKind.LOCAL_NGO))[0])
    intermediaries = o.is_intl & o.active

    def direct_share_of(d):
        budget = d.weekly_budget * d.regular_share()
        return d.direct_split(d.eligible_local(), intermediaries, budget, 0.0)[1][org]

    stages = []
    for inst, grow in ((0.1, 1), (0.95, 1), (0.95, 100)):
        o.inst[org] = inst  # institutional systems: the due-diligence bar
        o.audited_loss_rate[org] = 0.06 * (1 - inst) * p.risk.audit_detection  # what its audits find with them
        s.headcount[org] = max(1, int(s.headcount[org])) * grow  # absorptive size: the smallest direct grant
        stages.append(max(direct_share_of(d) for d in m.donors))
    below_bar, eligible_small, eligible_grown = stages
    assert below_bar == 0.0, "an organisation below every donor's bar got direct funding"
    assert eligible_small == 0.0, "with no floor, a small eligible organisation got a direct grant below the minimum"
    assert eligible_grown > 0.0, "a grown eligible organisation did not cross into direct funding"
    # ... and the donors' next round grants it directly.
    m.steps_done = 52
    m.grants.prune(52)
    for d in m.donors:
        d.funding_round()
    g = m.grants
    assert g.weekly[(g.recipient == org) & (g.donor < p.funding.n_donors) & (g.start == 52)].sum() > 0


def test_direct_share_is_a_floor_not_a_fixed_share():
    lo = CapacityModel(small_params(seed=7, years=0.2, funding={"min_direct_grant": 1e9, "direct_local_share": 0.005}))
    hi = CapacityModel(small_params(seed=7, years=0.2, funding={"min_direct_grant": 0.0, "direct_local_share": 0.005}))
    floor = lo.p.funding.direct_local_share / (1 - lo.p.funding.emergency_share - lo.p.pooled_fund.share)
    assert all(d.direct_share == pytest.approx(floor) for d in lo.donors)
    assert all(d.direct_share >= floor - 1e-12 for d in hi.donors)
    assert max(d.direct_share for d in hi.donors) > floor, "eligible local actors above the minimum got only the floor"


def test_due_diligence_costs_local_staff_time_and_sharing_it_saves_it():
    own = CapacityModel(small_params(seed=8, years=0.2, funding={"shared_due_diligence": 0.0}))
    shared = CapacityModel(small_params(seed=8, years=0.2, funding={"shared_due_diligence": 1.0}))
    none = CapacityModel(small_params(seed=8, years=0.2, funding={"due_diligence_staff_weeks": 0.0}))
    local = own.orgs.is_local
    assert own.orgs.assessment_load[local].sum() > shared.orgs.assessment_load[local].sum() > 0
    assert none.orgs.assessment_load.sum() == 0
    assert own.orgs.assessment_load[~local].sum() == 0, "international organisations are not assessed"
    # Staff time on assessments is not delivered: same seed, less output.
    for m in (own, none):
        _run(m, 4)
    assert own.orgs.output_ema[local].sum() < none.orgs.output_ema[local].sum()


def test_pooled_fund_with_no_eligible_recipients_holds_its_money():
    p = small_params(seed=9, years=0.6, world={"n_ingos": 0, "n_un_agencies": 0},
                     pooled_fund={"share": 0.2, "eligibility_threshold": 1.0, "round_interval_weeks": 8})
    m = CapacityModel(p)
    held = [m.ledger.pool_held]
    for _ in range(m.n_steps):
        m.step()
        assert m.flows.pool_tranches == 0.0
        held.append(m.ledger.pool_held)
    assert held[-1] > held[0] > 0, "contributions should accumulate in the fund until someone is eligible"
    assert m.ledger.imbalance(float(m.orgs.cash.sum())) < 1e-9


def test_pooled_fund_responds_to_eligibility():
    def local_share(threshold):
        m = CapacityModel(small_params(seed=10, years=0.6, pooled_fund={"share": 0.2,
                                                                       "eligibility_threshold": threshold}))
        flows = _run(m, m.n_steps)
        return sum(f.pooled_local for f in flows) / sum(f.pool_tranches for f in flows)

    assert local_share(0.0) > local_share(0.6)


def test_shares_of_the_budget_that_do_not_add_up_are_refused_in_one_line():
    with pytest.raises(ConfigError) as e:
        Params.from_dict({"funding": {"direct_local_share": 0.6, "emergency_share": 0.2},
                          "pooled_fund": {"share": 0.3}})
    msg = str(e.value)
    assert "\n" not in msg and "pooled_fund.share" in msg and "at most 1" in msg


def test_the_tranches_kept_between_weeks_are_the_ones_summed_afresh():
    """GrantBook.due keeps the week's per-recipient sums until a grant starts or ends or the book changes:
    over a run with rounds, emergency releases and an exit, they equal the sums taken afresh every week."""
    import numpy as np

    from conftest import small_params
    from sim.funding import GrantBook
    from sim.model import CapacityModel

    m = CapacityModel(small_params(seed=4, years=1.5, funding={"exit_year": 1.1}, crisis={"rapid_onset_rate": 0.5}))
    reused = 0
    for _ in range(m.n_steps):
        t = m.steps_done
        g, n, pool = m.grants, m.orgs.n, m.pool.index
        before = g._paying
        due = g.due(t, n, pool)
        reused += before is not None and g._paying is before
        fresh = GrantBook.__new__(GrantBook)
        fresh.__dict__.update({k: v for k, v in g.__dict__.items() if k not in ("_paying",)})
        fresh._paying = None
        again = fresh.due(t, n, pool)
        for name in ("received", "pooled", "flex", "emergency", "multi_year", "earmarked", "tranche", "end"):
            assert np.array_equal(getattr(due, name), getattr(again, name)), (t, name)
        m.step()
    assert reused > m.n_steps // 2, "the sums were never kept between weeks: the test would not see a stale cache"
