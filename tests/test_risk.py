"""Risk that happens (``sim/risk.py``) and the localisation measures (``sim/localisation.py``).

Each test holds everything else fixed (same seed, a small country made dangerous enough for incidents
to happen every few weeks) and checks one mechanism's direction: who is present decides who is hurt;
risk sharing moves losses, compliance time and suspensions from local to international actors;
incidents raise quits and lower tolerance; audits show losses late; money is conserved; every new
outcome is in range and documented.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from conftest import run_model, small_params
from sim.model import CapacityModel
from sim.outcomes import OUTCOMES, STEP_OUTCOMES
from sim.params import ConfigError, Params

ROOT = Path(__file__).resolve().parents[1]
DANGEROUS = {"victim_rate": 1.0, "audit_interval_weeks": 13}  # incidents every few weeks in the small country
CALM = {"rapid_onset_rate": 0.0, "protracted_rate": 0.0}  # no shocks: no surge moves presence


def _totals(model, keys) -> dict:
    df = model.recorder.steps_table()
    return {k: float(df[k].sum()) for k in keys}


def _incident_log(remove_area: int | None = None) -> tuple[CapacityModel, np.ndarray]:
    """A half-year in a dangerous small country; optionally without international presence in one area."""
    p = small_params(seed=11, years=0.5, risk=DANGEROUS, crisis=CALM,
                     governance={"expansion_interval_weeks": 520})  # no reviews: nobody re-enters the area
    m = CapacityModel(p)
    if remove_area is not None:
        for o in np.flatnonzero(m.orgs.is_intl):
            m.orgs.drop_presence(int(o), remove_area)
    for _ in range(m.n_steps):
        m.step()
    return m, np.array(m.risk.log, dtype=np.int64).reshape(-1, 5)


def test_removing_international_presence_removes_international_staff_from_its_incidents():
    m, log = _incident_log()
    intl = m.orgs.is_intl[log[:, 1]]
    assert intl.any(), "no incident on international staff: the test shows nothing"
    a = int(np.bincount(log[intl, 2]).argmax())  # the area where international staff were hit most
    assert (log[:, 2] == a).any()
    m2, log2 = _incident_log(remove_area=a)
    here = log2[log2[:, 2] == a]
    assert not m2.orgs.is_intl[here[:, 1]].any(), "international organisations not present in the area had incidents there"
    assert here[:, 4].sum() == 0, "expatriates were hurt in an area no international organisation works in"
    assert m2.orgs.is_intl[log2[:, 1]].any(), "international staff elsewhere stopped being hit: the test shows nothing"
    # Victims fall on the staff of organisations present where the incident happened.
    for _, org, area, _, _ in log2:
        assert (m2.orgs.presence[org] == area).any(), "an incident in an area its victims' employer does not work in"


def test_risk_sharing_moves_losses_compliance_time_and_suspensions_to_international_actors():
    keys = ("repaid_local", "repaid_intl", "compliance_staff_weeks_local", "compliance_staff_weeks_intl",
            "compliance_cost_local", "compliance_cost_intl", "suspended_funding_local", "suspension_funded_intl",
            "security_cost_local", "new_incidents")
    out = {}
    for s in (0.0, 1.0):
        p = small_params(seed=12, years=1.0, risk=DANGEROUS, crisis=CALM, funding={"risk_sharing": s})
        out[s] = _totals(run_model(p), keys)
    transfer, sharing = out[0.0], out[1.0]
    assert transfer["new_incidents"] > 5 and sharing["new_incidents"] > 5, "too few incidents to judge suspensions"
    for local, intl in (("repaid_local", "repaid_intl"), ("compliance_staff_weeks_local", "compliance_staff_weeks_intl"),
                        ("compliance_cost_local", "compliance_cost_intl"),
                        ("suspended_funding_local", "suspension_funded_intl")):
        assert transfer[local] > 0, f"under risk transfer local actors carry no {local}: the test shows nothing"
        assert sharing[local] < 0.05 * transfer[local], f"{local} stays with local actors under full risk sharing"
        assert sharing[intl] > transfer[intl], f"{intl} does not move to international actors"
        if local != "suspended_funding_local":  # (protected, fewer local partners are suspended under sharing)
            assert sharing[intl] > transfer[intl] + 0.5 * transfer[local], f"{intl} moves only in part"
    assert transfer["security_cost_local"] == 0, "local actors paid for security under risk transfer"


@pytest.mark.parametrize("shared", [0.0, 1.0])
def test_a_suspended_partner_loses_its_subgrant_only_under_risk_transfer(shared):
    """The money itself: a local partner suspended after an incident receives its sub-grant in the share s."""
    received = {}
    for suspend in (False, True):
        m = CapacityModel(small_params(seed=21, years=0.2, funding={"risk_sharing": shared}))
        m.step()
        o = int(np.flatnonzero(m.orgs.is_local & (m.orgs.partner >= 0) & (m.flows.subgrant_received > 0))[0])
        if suspend:
            m.risk.subgrant_suspended_until[o] = m.steps_done + 1
        m.step()
        received[suspend] = (m.flows.subgrant_received[o], m.risk.week.suspended_funding_local,
                             m.risk.week.suspension_funded_intl)
    full, _, _ = received[False]
    got, withheld, kept = received[True]
    assert full > 0
    assert got == pytest.approx(shared * full, rel=1e-9, abs=1e-9), "the partner got the wrong share of its sub-grant"
    assert withheld == pytest.approx((1 - shared) * full, rel=1e-9) and kept == pytest.approx(shared * full, rel=1e-9)


def test_risk_sharing_funds_and_protects_local_actors_security():
    """The security channel alone: the same first week until the risk phase, then intermediaries (and local
    actors from their grants) pay for local staff's protection, and local staff's hazard falls by it."""
    others_off = {"risk_compliance": False, "risk_losses": False, "risk_tolerance": False}
    models = {}
    for on in (False, True):
        p = small_params(seed=23, years=0.2, funding={"risk_sharing": 1.0}, pathways={**others_off, "risk_security": on})
        models[on] = CapacityModel(p)
        models[on].step()
    off, on = models[False], models[True]
    paid_off = off.risk.week.security_cost_local + off.risk.week.security_cost_intl
    paid_on = on.risk.week.security_cost_local + on.risk.week.security_cost_intl
    assert paid_on > paid_off * 1.01, "nobody paid for local actors' security under sharing"
    local = on.orgs.is_local
    np.testing.assert_allclose(on.risk._base_rate[local], off.risk._base_rate[local] * (1 - p.risk.protection_effect))
    np.testing.assert_allclose(on.risk._base_rate[~local], off.risk._base_rate[~local])


def test_half_sharing_splits_what_local_partners_carry():
    """The lever is a share: at s = 0.5 a local partner's compliance time is half of its transfer level."""
    m = CapacityModel(small_params(seed=13, years=0.2, funding={"risk_sharing": 0.5}))
    m.step()
    m.risk.compliance_time()  # on the headcount after this week's staff moves
    orgs = m.orgs
    work = m.p.risk.compliance_time_share * m.staff.headcount * orgs.subgrant_income_share * orgs.is_local
    local = orgs.is_local & (work > 0)
    assert local.any()
    np.testing.assert_allclose(orgs.compliance_load[local], 0.5 * work[local])
    assert orgs.compliance_load[orgs.is_intl].sum() == pytest.approx(0.5 * work.sum())


def test_incidents_raise_quits_and_lower_risk_tolerance_of_the_organisation_hit():
    quits = {}
    for rate in (0.0, 2.0):
        p = small_params(seed=14, years=1.0, risk={**DANGEROUS, "incident_quit_rate": rate, "victim_exit_share": 0.0},
                         crisis=CALM)
        m = run_model(p)
        quits[rate] = float(m.recorder.steps_table()["new_quits"].sum())
    assert quits[2.0] > quits[0.0] * 1.05, f"incidents did not raise quits: {quits}"
    # By organisation: the one hit fears and loses tolerance; the others do not.
    m = CapacityModel(small_params(seed=14, years=1.0, risk=DANGEROUS, crisis=CALM))
    before = m.orgs.risk_tolerance.copy()
    while not m.risk.log:
        m.step()
    hit = np.unique([row[1] for row in m.risk.log])
    assert (m.risk.quit_hazard[hit] > 0).all() and (m.orgs.risk_tolerance[hit] < before[hit]).all()
    others = np.setdiff1d(np.arange(m.orgs.n), hit)
    assert (m.risk.quit_hazard[others] == 0).all() and np.array_equal(m.orgs.risk_tolerance[others], before[others])


def test_victims_who_do_not_return_leave_their_employer():
    p = small_params(seed=15, years=0.5, risk={**DANGEROUS, "victim_exit_share": 1.0, "incident_quit_rate": 0.0},
                     crisis=CALM)
    m = run_model(p)
    victims = sum(row[3] + row[4] for row in m.risk.log)
    assert victims > 0
    s = m.staff
    assert s.initial + s.hired == s.left + s.n_employed, "staff accounting broken by victims leaving"


def test_funders_see_losses_only_after_an_audit_finds_them():
    m = CapacityModel(small_params(seed=16, years=1.0, risk={"audit_interval_weeks": 52, "audit_detection": 0.5}))
    o = int(np.flatnonzero(m.orgs.is_local & (m.risk.audit_week > 20))[0])
    week = int(m.risk.audit_week[o])
    for _ in range(week):
        m.step()
    assert m.risk.hidden_losses[o] > 0 and m.orgs.audited_loss_rate[o] == 0.0, "losses seen before any audit"
    hidden, ops = m.risk.hidden_losses[o], m.risk.ops_since_audit[o]
    m.step()  # the audit week (losses of this week's delivery included)
    assert m.orgs.audited_loss_rate[o] > 0
    assert m.orgs.audited_loss_rate[o] < m.p.funding.fiduciary_loss_rate, "an audit found more than is lost"
    assert m.risk.hidden_losses[o] == 0.0 and hidden > 0 and ops > 0


def test_losses_are_written_off_only_where_funders_do_not_recover_them():
    """What is written off is never the rounding residue of the two sums it is the difference of (the
    default country, whose first audits left residues of 1e-14 to 1e-13 USD before ``WRITE_OFF_ROUNDING``);
    with half of the losses claimed back, losses found on grants are written off in every audit that finds any."""
    from sim.risk import WRITE_OFF_ROUNDING

    weeks = run_model(Params.from_dict({"regime": "baseline", "seed": 2, "years": 0.2})).recorder.steps_table()
    found, off = weeks["losses_found"], weeks["losses_written_off"]
    assert (found > 0).sum() >= 2, "test needs audits that find losses"
    residue = (off > 0) & (off <= WRITE_OFF_ROUNDING * found)
    assert not residue.any(), f"rounding residues written off as money: {off[residue].tolist()}"
    half = run_model(small_params(seed=16, years=1.0, risk={**DANGEROUS, "recovery_share": 0.5},
                                  funding={"risk_sharing": 0.0})).recorder.steps_table()
    hit = half["losses_found"] > 0
    assert hit.any() and (half.loc[hit, "losses_written_off"] > 0).all()
    assert half["losses_written_off"].sum() <= half["losses_found"].sum()


def test_money_is_conserved_with_security_costs_and_repayments():
    m = run_model(small_params(seed=17, years=1.0, risk=DANGEROUS, funding={"risk_sharing": 0.5}))
    ledger = m.ledger
    assert ledger.repaid > 0 and ledger.spent["security"] > 0
    assert ledger.imbalance(float(m.orgs.cash.sum())) <= 1e-9


def test_every_risk_switch_off_is_risk_transfer_bit_for_bit():
    """With the four channels off, full risk sharing is exactly risk transfer (the pathway reference)."""
    off = {f"risk_{c}": False for c in ("compliance", "losses", "security", "tolerance")}
    a = run_model(small_params(seed=18, years=0.5, risk=DANGEROUS, funding={"risk_sharing": 0.0}))
    b = run_model(small_params(seed=18, years=0.5, risk=DANGEROUS, funding={"risk_sharing": 1.0}, pathways=off))
    c = run_model(small_params(seed=18, years=0.5, risk=DANGEROUS, funding={"risk_sharing": 1.0}))
    ta, tb, tc = (x.recorder.steps_table() for x in (a, b, c))
    assert ta.equals(tb), "a channel of risk sharing acts with its pathway switch off"
    assert not ta.equals(tc), "risk sharing changed nothing (the control shows nothing)"


NEW_GROUPS = ("risk", "localisation")
NEW_FUNDING = ("compliance_cost_local", "compliance_cost_intl", "local_funds_decided_share")


def test_every_new_outcome_is_in_range_and_documented():
    new = [o for o in STEP_OUTCOMES if o.group in NEW_GROUPS or o.key in NEW_FUNDING]
    assert len(new) >= 30
    doc = (ROOT / "docs" / "risk.md").read_text(encoding="utf-8")
    for o in new:
        assert f"`{o.key}`" in doc, f"docs/risk.md does not define {o.key}"
        assert o.description and o.unit, f"{o.key} lacks a description or unit"
        proxy_label = "proxy" in o.label.lower()
        assert proxy_label == ("proxy" in o.description.lower()), f"{o.key}: 'proxy' in label and description differ"
    # Every localisation measure says its source's formula, or that it is a proxy.
    for o in new:
        if o.group == "localisation":
            assert "proxy" in o.label.lower() or re.search(r"(19|20)\d\d", o.description), \
                f"{o.key} names neither a source nor 'proxy'"
    # In range over runs that exercise them: shared risk, an exit, a two-level chain and shocks.
    for over in (dict(regime="sharing", funding={"risk_sharing": 1.0, "exit_year": 0.6, "un_to_ingo_share": 0.3,
                                                 "overhead_passed_on": 1.0}, risk=DANGEROUS),
                 dict(regime="building", crisis={"rapid_onset_rate": 0.5}, risk=DANGEROUS)):
        df = run_model(small_params(seed=19, years=1.0, **over)).recorder.steps_table()
        for o in new:
            col = df[o.key].to_numpy(float)
            assert np.isfinite(col).all(), f"{o.key} has NaN or infinity"
            assert o.lo is None or (col >= o.lo - 1e-12).all(), f"{o.key} below {o.lo}: {col.min()}"
            assert o.hi is None or (col <= o.hi + 1e-12).all(), f"{o.key} above {o.hi}: {col.max()}"
        assert df["new_incidents"].sum() > 0 and df["losses_found"].sum() > 0


@pytest.mark.parametrize("regime", ["building", "sharing"])
def test_localisation_measures_follow_their_formulas(regime):
    """The proxies' parts recomputed from the model's state, one week (NEAR partnerships, funding quality)."""
    m = CapacityModel(small_params(seed=22, years=0.5, regime=regime))
    for _ in range(8):
        m.step()
    row = m.recorder.steps_table().iloc[-1]
    orgs, f = m.orgs, m.flows
    partnered = np.flatnonzero(orgs.is_local & (orgs.partner >= 0))
    long_term = (m.rules.partnership_weeks[orgs.p_code[partnered]] >= 52).mean()
    assert long_term == (1.0 if regime == "sharing" else 0.0)
    expected = (long_term + m.decision_weight[partnered].mean() + orgs.p_trust[partnered].mean()) / 3
    assert row["near_partnerships"] == pytest.approx(expected, rel=1e-12)
    grants = f.direct_received.sum() + f.subgrant_received.sum()
    multi = (f.multi_year_income_share * f.direct_received).sum() + sum(
        f.multi_year_income_share[orgs.partner[o]] * f.subgrant_received[o] for o in partnered)
    assert row["local_multi_year_share"] == pytest.approx(multi / grants, rel=1e-12)
    assert row["grand_bargain_target_met"] == float(row["grand_bargain_local_share"] >= 0.25)


def test_grand_bargain_share_leaves_out_money_through_two_intermediaries():
    m = run_model(small_params(seed=20, years=0.5, funding={"un_to_ingo_share": 0.5}))
    df = m.recorder.steps_table()
    assert (df["grand_bargain_local_share"] <= df["total_local_funding_share"] + 1e-12).all()
    assert (df["grand_bargain_local_share"] < df["total_local_funding_share"] - 1e-6).any(), \
        "money through two intermediaries counted as 'as directly as possible'"
    plain = run_model(small_params(seed=20, years=0.5)).recorder.steps_table()
    np.testing.assert_allclose(plain["grand_bargain_local_share"], plain["total_local_funding_share"], atol=1e-12)


@pytest.mark.parametrize("override, expect", [
    ({"risk": {"victim_rate": 2.0}}, "risk.victim_rate = 2.0 is out of range"),
    ({"risk": {"victims_per_incident": 0.5}}, "risk.victims_per_incident = 0.5 is out of range"),
    ({"risk": {"audit_interval_weeks": 0}}, "risk.audit_interval_weeks = 0 is out of range"),
    ({"risk": {"victim_rat": 0.1}}, "did you mean risk.victim_rate?"),
    ({"pathways": {"risk_security": "maybe"}}, "pathways.risk_security"),
])
def test_bad_risk_input_is_refused_in_one_line(override, expect):
    with pytest.raises(ConfigError) as e:
        Params.from_dict(override)
    assert expect in str(e.value) and "\n" not in str(e.value)
