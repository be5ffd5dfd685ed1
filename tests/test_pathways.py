"""Regime effects come from mechanisms: money apart from regimes, pathway switches, the money clamp,
decisions, capacity pathways with money held fixed, partnership renewal, horizon-independent response.

"Money held fixed" here means: the run under test books, every week, each organisation's income
from a reference run stepped in lockstep (``CapacityModel(params, money_source=reference)``), so
a difference cannot come from money reaching organisations differently.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from conftest import run_model, small_params
from sim.model import CapacityModel
from sim.params import PATHWAY_RULE_GROUPS, RegimeRules
from sim.results import run

SEEDS = (1, 2, 3)


def lockstep(variant, reference, weeks=None):
    """Run ``variant`` with every organisation's weekly income replayed from ``reference``."""
    ref = CapacityModel(reference)
    m = CapacityModel(variant, money_source=ref)
    for _ in range(weeks or m.n_steps):
        m.step()
    return m


def tail_mean(model, outcome, years=2.0):
    df = model.recorder.steps_table()
    return float(df[df.year >= df.year.max() - years][outcome].mean())


def outcome_columns(df):
    return [c for c in df.columns if c not in ("run_id", "scenario", "regime", "seed")]


# ------------------------------------------------------------------------------ switches and the clamp
def test_every_regime_rule_is_in_exactly_one_pathway_group():
    fields = [f.name for f in dataclasses.fields(RegimeRules)]
    grouped = [f for g in PATHWAY_RULE_GROUPS.values() for f in g]
    assert sorted(grouped) == sorted(fields), f"rule groups {grouped} do not partition RegimeRules {fields}"


@pytest.mark.parametrize("target,reference,earmark", [("sharing", "baseline", 0.0), ("sharing", "building", 0.0),
                                                      ("strengthening", "baseline", 0.0), ("sharing", "baseline", 0.1)])
def test_all_switches_off_is_bit_for_bit_the_reference_run(target, reference, earmark):
    off = dict(reference=reference, capacity_work=False, decisions=False, continuity=False, money_levers=False,
               money_response=False)
    funding = {"sharing_earmark": earmark}
    a = run(small_params(seed=5, years=2.0, regime=target, pathways=off, funding=funding))
    b = run(small_params(seed=5, years=2.0, regime=reference, funding=funding))
    if earmark:
        assert b.steps.n_capacity_partnerships.max() > 0, "the earmark should impose capacity work in the reference"
    cols = outcome_columns(a.steps)
    pd.testing.assert_frame_equal(a.steps[cols], b.steps[cols], check_exact=True)
    pd.testing.assert_frame_equal(a.shocks[outcome_columns(a.shocks)], b.shocks[outcome_columns(b.shocks)],
                                  check_exact=True)


def test_money_levers_off_is_the_status_quo_funding():
    pkg = dict(regime="sharing", funding={"joint_programme_share": 0.5, "overhead_passed_on": 0.5})
    a = run(small_params(seed=6, years=1.0, pathways={"money_levers": False}, **pkg))
    b = run(small_params(seed=6, years=1.0, regime="sharing"))
    cols = outcome_columns(a.steps)
    pd.testing.assert_frame_equal(a.steps[cols], b.steps[cols], check_exact=True)


def test_money_clamp_books_the_source_money_exactly():
    """A run whose money is replayed from an identical run is that run (the clamp adds nothing)."""
    p = small_params(seed=2, years=1.5, regime="building")
    plain = run_model(p)
    clamped = lockstep(p, p)
    a, b = plain.recorder.steps_table(), clamped.recorder.steps_table()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_money_clamp_holds_income_fixed_while_the_regime_changes():
    ref = small_params(seed=3, years=2.0, regime="baseline")
    var = small_params(seed=3, years=2.0, regime="sharing")
    clamped = lockstep(var, ref)
    reference = run_model(ref)
    free = run_model(var)
    for name, m in (("clamped", clamped), ("reference", reference)):
        assert np.isfinite(m.orgs.income_ema).all(), name
    np.testing.assert_allclose(clamped.orgs.income_ema, reference.orgs.income_ema, rtol=0, atol=1e-6,
                               err_msg="with money held fixed every organisation's income follows the reference")
    assert not np.allclose(free.orgs.income_ema, reference.orgs.income_ema), \
        "without the clamp the regime should move some organisation's income (the clamp would test nothing)"
    assert abs(clamped.ledger.imbalance(float(clamped.orgs.cash.sum()))) < 1e-9, "money not conserved under the clamp"


# ------------------------------------------------------------------------------ no regime rule moves money
def _money_now(model):
    from sim.funding import disburse
    from sim.governance import subgrant_flexibility
    from sim.partnerships import pass_fractions

    flows = disburse(model.p, model.steps_done, model.grants, model.orgs, pass_fractions(model),
                     subgrant_flexibility(model, model.decision_weight))
    return flows


def test_no_regime_rule_moves_money():
    """For every RegimeRules field: the same state with that rule changed gives every organisation the
    same money (its use, the flexible part of sub-grants, may follow decisions; amounts may not)."""
    from sim.regimes import REGIME_CODE, RuleTable

    p = small_params(seed=4, years=1.0, regime="building", funding={"joint_programme_share": 0.4,
                                                                    "sharing_earmark": 0.1})
    m = CapacityModel(p)
    for _ in range(30):
        m.step()
    base = _money_now(m)
    sharing = p.regimes.sharing
    code = REGIME_CODE["building"]
    for f in dataclasses.fields(RegimeRules):
        own = getattr(p.regimes.building, f.name)
        other = getattr(sharing, f.name)
        if other == own:
            other = {bool: (not own)}.get(type(own), own)
            if isinstance(own, (int, float)) and not isinstance(own, bool):
                other = own + 1 if isinstance(own, int) else min(0.5, own + 0.2)
            if f.name == "gaps_identified_by":
                other = "joint"
            if f.name == "time_shape":
                other = "ongoing"
            if f.name == "partnership_weeks":
                other = None
        changed = dataclasses.replace(p.regimes.building, **{f.name: other})
        table = RuleTable.from_params(p.replace(regimes=dataclasses.replace(p.regimes, building=changed)),
                                      p.funding.short_grant_weeks)
        saved = m.rules
        m.rules = table
        try:
            flows = _money_now(m)
        finally:
            m.rules = saved
        assert table.capacity_work[code] == changed.capacity_work or f.name != "capacity_work"
        for field in ("income", "committed", "subgrant_received", "own_programme", "compliance"):
            np.testing.assert_array_equal(getattr(flows, field), getattr(base, field),
                                          err_msg=f"changing regime rule {f.name} moved money ({field})")


def test_complementarity_split_ignores_pay():
    from sim.partnerships import complementarity_split, pass_fractions
    from sim.turnover import set_pay

    p = small_params(seed=8, years=1.0, regime="sharing", funding={"joint_programme_share": 0.6})
    m = CapacityModel(p)
    for _ in range(20):
        m.step()
    local = np.flatnonzero(m.orgs.partner >= 0)
    assert len(local) > 3, "too few partnerships to test"
    before, split = pass_fractions(m), complementarity_split(m, local)
    assert set(np.round(split, 9)) <= {0.4, 0.5, 0.6}, f"split takes only the work types' shares: {set(split)}"
    m.p = m.p.replace(staff=dataclasses.replace(m.p.staff, local_weekly_pay=2 * m.p.staff.local_weekly_pay,
                                                intl_national_pay_ratio=1.0, expat_pay_ratio=1.0))
    set_pay(m)
    np.testing.assert_array_equal(pass_fractions(m), before, err_msg="pay moved the split of joint programmes")


def test_comparative_advantage_gives_community_facing_work_to_the_better_placed_partner():
    from sim.partnerships import complementarity_split

    m = CapacityModel(small_params(seed=8, years=1.0, regime="sharing", funding={"joint_programme_share": 0.6}))
    m.step()
    local = np.flatnonzero(m.orgs.partner >= 0)
    # Local partners have more contextual capacity than international staff behind a language barrier.
    split = complementarity_split(m, local)
    assert (split == m.p.staff.community_facing_share).mean() > 0.9, split
    m.staff.ctx_base[m.staff.idx] = np.where(m.orgs.is_intl[m.staff.emp], 1.0, 0.1)  # reverse the advantage
    m.staff.ctx_gain[:] = 0.0
    m.staff.refresh(m.orgs.n)
    m.p = m.p.replace(governance=dataclasses.replace(m.p.governance, language_barrier=0.0))
    split = complementarity_split(m, local)
    assert (split == 1 - m.p.staff.community_facing_share).mean() > 0.9, split


def test_joint_programme_moves_money_to_local_partners_under_any_regime():
    for regime in ("baseline", "building"):
        lo = run(small_params(seed=1, years=2.0, regime=regime)).steps
        hi = run(small_params(seed=1, years=2.0, regime=regime, funding={"joint_programme_share": 0.5})).steps
        assert hi.total_local_funding_share.mean() > lo.total_local_funding_share.mean() + 0.1, regime


# ------------------------------------------------------------------------------ decisions
def _equal_context(**kw):
    """Everyone has the same contextual capacity (no spread, no language barrier, no two-way learning)."""
    return small_params(staff={"local_contextual_skill": 0.6, "expat_contextual_skill": 0.6, "skill_spread": 0.0},
                        governance={"language_barrier": 0.0, "partner_gap_visibility": 1.0, **kw.pop("gov", {})},
                        **kw)


def test_decision_weight_changes_nothing_when_knowledge_is_equal():
    common = dict(seed=3, years=2.0, regime="building", funding={"joint_programme_share": 0.5})
    none = run(_equal_context(gov={"local_board_seats": 0.0}, **common)).steps
    full = run(_equal_context(gov={"local_board_seats": 1.0, "board_seat_weight": 1.0}, **common)).steps
    # Measures of who decides move with the seats by definition; everything that happens must not.
    who_decides = {"local_decision_share", "local_funds_decided_share", "near_partnerships", "near_policy_influence",
                   "near_participation", "feedback_acted_on"}
    cols = [c for c in outcome_columns(none) if c not in who_decides]
    # Equal to rounding: staff-weighted means of equal capacities differ in the last bits (1e-15),
    # which is all that separates the runs. Since funders allocate by what they see of each
    # recipient (sim/allocation.py), those bits reach grants, hires and need shares and grow over
    # two years to at most 4e-4 relative in any outcome (measured with every funder response on or
    # off in turn; 6e-13 before). A real effect of board seats would be percent-sized.
    pd.testing.assert_frame_equal(none[cols], full[cols], check_exact=False, rtol=1e-3, atol=1e-6)
    assert full.local_decision_share.mean() > none.local_decision_share.mean(), "seats should move decision power"


def _intl_deployment_to_hard_areas(model):
    orgs = model.orgs
    org, slot, area = orgs.presence_slots(model.steps_done)
    alloc = model.coordination.allocation(org, area)
    intl = orgs.is_intl[org]
    staff = model.staff.headcount[org] * alloc
    return float((staff * intl * model.areas.hard_to_reach[area]).sum() / (staff * intl).sum())


@pytest.mark.parametrize("local_better", [True, False])
def test_decision_weight_moves_allocation_toward_the_better_or_worse_knowledge(local_better):
    """Local weight in an intermediary's decisions moves its staff toward the need local knowledge
    sees: toward hard areas where local knowledge is better, away where it is worse (harm)."""
    ctx = dict(local_contextual_skill=0.9, expat_contextual_skill=0.1) if local_better else \
        dict(local_contextual_skill=0.1, expat_contextual_skill=0.9)
    p = small_params(seed=2, years=1.0, regime="building", funding={"joint_programme_share": 1.0},
                     staff={**ctx, "expat_share_intl": 1.0, "skill_spread": 0.0},
                     governance={"language_barrier": 0.0, "coordination_quality": 1.0,
                                 "intl_risk_tolerance": 1.0, "local_board_seats": 0.0})
    m = CapacityModel(p)
    for _ in range(20):
        m.step()
    low = _intl_deployment_to_hard_areas(m)
    m.p = m.p.replace(governance=dataclasses.replace(m.p.governance, local_board_seats=1.0, board_seat_weight=1.0))
    high = _intl_deployment_to_hard_areas(m)
    if local_better:
        assert high > low + 0.005, f"local weight should send more staff to hard areas: {low:.3f} -> {high:.3f}"
    else:
        assert high < low - 0.005, f"weight to worse knowledge should send fewer to hard areas: {low:.3f} -> {high:.3f}"


def test_decision_weight_frees_sub_grants_for_core_needs():
    from sim.governance import subgrant_flexibility

    m = CapacityModel(small_params(seed=1, years=1.0, regime="sharing"))
    w = np.linspace(0, 1, m.orgs.n)
    flex = subgrant_flexibility(m, w)
    assert np.all(np.diff(flex) >= 0) and flex[-1] == 1.0 and flex[0] == m.p.governance.partner_gap_visibility


def test_language_barrier_cuts_local_voice_and_international_reach_with_money_fixed():
    base = small_params(seed=4, years=3.0, governance={"coordination_language_barrier": 0.0, "language_barrier": 0.1})
    voice_cut = base.replace(governance=dataclasses.replace(base.governance, coordination_language_barrier=0.9))
    reach_cut = base.replace(governance=dataclasses.replace(base.governance, language_barrier=0.9))
    ref = CapacityModel(base)
    m0 = lockstep(base, base)
    m_voice = lockstep(voice_cut, base)
    m_reach = lockstep(reach_cut, base)
    del ref
    assert m_voice.coordination.local_voice() < 0.2 * m0.coordination.local_voice(), \
        "coordination in a language local actors do not use should cut their voice"
    assert m_voice.coordination.visibility()[m0.areas.hard_to_reach].mean() < \
        m0.coordination.visibility()[m0.areas.hard_to_reach].mean(), "less local voice, less visible hard areas"
    intl = m0.orgs.is_intl
    assert m_reach.effective_context()[intl].mean() < m0.effective_context()[intl].mean() - 0.2
    assert tail_mean(m_reach, "access_loss_share") > tail_mean(m0, "access_loss_share"), \
        "internationals behind a language barrier lose more of their reach to access"


# ------------------------------------------------------------------------------ capacity reaches people
def test_technical_capacity_raises_quality_with_money_fixed():
    diffs = []
    for s in SEEDS:
        ref = small_params(seed=s, years=2.0, staff={"local_technical_skill": 0.3})
        var = small_params(seed=s, years=2.0, staff={"local_technical_skill": 0.6})
        diffs.append(tail_mean(lockstep(var, ref), "quality_coverage") - tail_mean(run_model(ref), "quality_coverage"))
    assert min(diffs) > 0.005, f"more skilled local staff should deliver better quality: {diffs}"


def test_contextual_capacity_opens_hard_areas_with_money_fixed():
    diffs, presence = [], []
    for s in SEEDS:
        ref = small_params(seed=s, years=3.0, governance={"language_barrier": 0.9})
        var = small_params(seed=s, years=3.0, governance={"language_barrier": 0.0})
        a, b = run_model(ref), lockstep(var, ref)
        diffs.append(tail_mean(b, "hard_to_reach_coverage") - tail_mean(a, "hard_to_reach_coverage"))
        presence.append(tail_mean(b, "n_intl_presence_hard_to_reach") - tail_mean(a, "n_intl_presence_hard_to_reach"))
    assert np.mean(diffs) > 0.005 and min(presence) >= 0 and max(presence) > 0, (diffs, presence)


def test_institutional_capacity_cuts_losses_with_money_fixed():
    for s in SEEDS:
        ref = small_params(seed=s, years=2.0, world={"local_institutional_capacity": 0.2})
        var = small_params(seed=s, years=2.0, world={"local_institutional_capacity": 0.6})
        a, b = run_model(ref), lockstep(var, ref)
        assert b.ledger.spent["losses"] < a.ledger.spent["losses"], s


def test_institutional_capacity_opens_direct_funding():
    low = run(small_params(seed=1, years=2.0, world={"local_institutional_capacity": 0.2},
                           funding={"direct_local_share": 0.2})).steps
    high = run(small_params(seed=1, years=2.0, world={"local_institutional_capacity": 0.6},
                            funding={"direct_local_share": 0.2})).steps
    assert high.direct_local_funding_share.mean() > low.direct_local_funding_share.mean() + 0.05


def test_network_capacity_brings_mutual_aid_sooner():
    p = small_params(seed=2, years=1.0, crisis={"rapid_onset_rate": 0.0})
    came, delays = {}, {}
    for level in (0.1, 0.9):
        m = CapacityModel(p)
        m.step()
        m.orgs.net[m.orgs.is_local] = level
        m.orgs.cash[:] = 1e9
        area = int(np.argmax(m.areas.population))
        got = m.coordination.mutual_aid(area, m.steps_done)
        came[level] = len(got)
        delays[level] = m.coordination.local_entry_delay(got).mean() if len(got) else np.inf
    assert came[0.9] > came[0.1], came
    assert delays[0.9] < delays[0.1] or came[0.1] == 0, delays


# ------------------------------------------------------------------------------ partnerships
def test_partnerships_renew_unless_trust_or_performance_fail():
    def changes(**partnership):
        m = CapacityModel(small_params(seed=3, years=3.0, regime="building", partnership=partnership))
        before = m.orgs.partner.copy()
        n = 0
        for _ in range(m.n_steps):
            m.step()
            now = m.orgs.partner
            n += int(((before >= 0) & (now != before)).sum())
            before = now.copy()
        return n
    renewing = changes()
    never = changes(renewal_trust=1.0)
    assert never > 3 * max(renewing, 1), f"partner changes: renewing {renewing}, never renewing {never}"


def test_trust_decides_how_much_capacity_work_takes_hold():
    def gain(trust):
        m = CapacityModel(small_params(seed=2, years=1.0, regime="building",
                                       partnership={"trust_start": trust, "trust_gain": 0.0}))
        for _ in range(10):
            m.step()
        return float(m.staff.tech_gain.sum())
    assert gain(0.9) > 2.0 * gain(0.3) > 0, (gain(0.9), gain(0.3))


def test_imposed_sharing_starts_with_less_trust():
    m = CapacityModel(small_params(seed=2, years=1.0, regime="building", funding={"sharing_earmark": 0.1}))
    for _ in range(3):
        m.step()
    has = m.orgs.partner >= 0
    imposed, chosen = has & m.orgs.p_earmarked, has & ~m.orgs.p_earmarked
    assert imposed.any() and chosen.any()
    assert m.orgs.p_trust[imposed].mean() < 0.6 * m.orgs.p_trust[chosen].mean()


# ------------------------------------------------------------------------------ response and horizon
def test_first_years_do_not_depend_on_the_horizon():
    short = run(small_params(seed=9, years=2.0, regime="sharing"))
    long = run(small_params(seed=9, years=4.0, regime="sharing"))
    n = len(short.steps)
    cols = outcome_columns(short.steps)
    pd.testing.assert_frame_equal(short.steps[cols], long.steps[cols].iloc[:n].reset_index(drop=True),
                                  check_exact=True)
    judged = short.shocks[~short.shocks.censored]
    assert len(judged) > 0, "no shock judged in the short run"
    other = long.shocks.set_index("shock_id").loc[judged.shock_id]
    np.testing.assert_array_equal(judged.response_time.to_numpy(float, na_value=np.nan),
                                  other.response_time.to_numpy(float, na_value=np.nan))
    last = short.shocks[short.shocks.step > n - 1 - 26]
    assert last.censored.all(), "shocks in the last 26 weeks must be left out"


def test_response_measures_stay_bounded_as_the_horizon_doubles():
    for years in (3.0, 6.0):
        sh = run(small_params(seed=4, years=years, crisis={"rapid_onset_rate": 0.2})).shocks
        ok = sh[~sh.censored]
        assert (ok.response_time.dropna() <= 26).all(), "response time above the cap"
        assert ok.reach_72h.dropna().between(0, 1).all()


def test_organisations_differ_in_risk_appetite_so_no_single_value_walls_off_hard_areas():
    """With risk tolerance spread around its mean, some international organisations work in hard areas at
    the default tolerance; with no spread and a low tolerance, none does."""
    spread = run_model(small_params(seed=3, years=2.0))
    wall = run_model(small_params(seed=3, years=2.0, governance={"risk_tolerance_spread": 0.0,
                                                                 "intl_risk_tolerance": 0.2}))
    tol = spread.orgs.risk_tolerance[spread.orgs.is_intl]
    assert tol.std() > 0.03, f"international risk tolerance does not vary: {tol}"
    assert tail_mean(spread, "n_intl_presence_hard_to_reach") > 0, "no international presence in hard areas"
    assert tail_mean(wall, "n_intl_presence_hard_to_reach") == 0, "a low uniform tolerance should keep them out"


def test_co_design_phase_moves_the_local_partners_weight_up_to_its_joint_share():
    """One definition of the co-design phase's progress (``sim/regimes.py``): 0 at the start, linear, 1 when
    it is over or the rules have none; the local partner's decision weight follows it, all else fixed."""
    from sim.governance import _partnership_decision_weight
    from sim.regimes import co_design_progress

    assert [co_design_progress(26, s) for s in (-1, 0, 13, 26, 40)] == [0.0, 0.0, 0.5, 1.0, 1.0]
    assert co_design_progress(0, 5) == 1.0
    partner, code, start = np.array([1, -1]), np.array([0, 0]), np.array([0, 0])
    weight = [_partnership_decision_weight(partner, code, start, t, np.array([26]), np.array([True]), 0.5, 0.1)
              for t in (0, 13, 26, 52)]
    assert [w[0] for w in weight] == pytest.approx([0.1, 0.35, 0.6, 0.6])
    assert all(w[1] == 0.0 for w in weight)  # no partner, no weight
    no_phase = _partnership_decision_weight(partner, code, start, 0, np.array([0]), np.array([True]), 0.5, 0.1)
    assert no_phase[0] == pytest.approx(0.6)
