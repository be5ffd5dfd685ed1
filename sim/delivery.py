"""Service delivery: organisations cover needs in the areas where they work.

Each organisation pays its staff, then sends its deployable staff (headcount minus time
spent on capacity work, on funders' due-diligence assessments and on intermediaries' compliance,
``sim/risk.py``) to its operational areas (allocation from ``sim/coordination.py``).
Capacity reaches people by four pathways, each with its parameter:

* **technical and institutional capacity -> effectiveness**: people covered per staff-week =
  ``staff.productivity`` x effectiveness, with

      effectiveness = technical skill x (1 - w + w x institutional capacity)      (w = staff.institutional_weight)
                      x access_factor(access difficulty, effective contextual capacity)

  (``sim/access.py``): an organisation without local knowledge, language or acceptance loses
  most of its reach in hard-to-reach areas;
* **technical capacity -> quality**: what an organisation delivers has quality
  ``min(1, technical skill / staff.quality_standard)``; ``quality_coverage`` is coverage with each
  person covered weighted by the quality of what they received;
* **contextual capacity -> cost**: goods and services cost ``staff.ops_cost_per_person`` per person
  covered, times ``1 + staff.access_cost_premium x access x (1 - contextual capacity)``:
  acceptance makes delivery in hard areas cheaper (security, logistics, negotiation);
* **institutional capacity -> losses**: ``funding.fiduciary_loss_rate x (1 - institutional
  capacity)`` of operations spending is lost (fraud, diversion, error), so the same money
  delivers less where financial systems are weak.

An organisation without the cash for its planned operations scales them down. Supply beyond
need in a cell (area x sector) is duplication: it is not delivered and not paid for.

**What binds delivery** (outcomes ``bound_by_cash``, ``bound_by_staff``, ``bound_by_need`` and
``access_loss_share``): each organisation's potential output (its deployable staff at full
access) is split between the constraints that bind it this week - the share of its planned
operations it could not pay for (cash), the share of what it paid for that found no unmet need
(need: duplication), and the rest (staff: more staff would have delivered more) - summed over
organisations; ``access_loss_share`` is the share of potential output lost to access difficulty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .jit import kernel, masked_sum, pairwise_sum

__all__ = ["Delivery", "pay_salaries", "deliver", "outcomes"]


@dataclass
class Delivery:
    area_coverage: np.ndarray  # severity-weighted coverage per area (0..1)
    covered_by_area: np.ndarray  # people covered per area this week
    covered_cells: np.ndarray  # people covered per area and sector this week
    out_local: np.ndarray  # people covered per area by local and national actors' supply (before duplication)
    out_intl: np.ndarray  # the same for international actors
    coverage: float
    quality_coverage: float
    hard_to_reach_coverage: float
    people_covered: float
    need_total: float
    unmet_need: float
    spending: float  # operations and losses this week (USD)
    losses: float  # operations money lost this week (USD)
    people_by_org: np.ndarray  # people covered per organisation this week
    ops_by_org: np.ndarray  # operations spending per organisation, losses included (USD)
    lost_by_org: np.ndarray  # operations money lost per organisation (USD)
    bound_by_cash: float
    bound_by_staff: float
    bound_by_need: float
    access_loss_share: float
    presence: tuple  # (organisation, presence slot, area, staff deployed) of each operational pair (sim/risk.py)
    people_by_pair: np.ndarray  # people covered this week by each pair of presence (sim/inclusion.py)


def pay_salaries(model) -> float:
    """Pay this week's payroll from cash; what cannot be paid is recorded in ``OrgTable.unpaid``."""
    orgs = model.orgs
    paid = np.minimum(orgs.cash, model.pay.payroll)
    orgs.unpaid[:] = model.pay.payroll - paid
    spent = model.ledger.spend(orgs, paid, "salaries")
    g = model.p.governance
    if g.language_investment > 0:
        lang = np.minimum(orgs.cash, model.pay.payroll * g.language_cost * g.language_investment * orgs.is_intl)
        spent += model.ledger.spend(orgs, lang, "language")
    return spent


def deliver(model, step: int) -> Delivery:
    orgs, staff, areas, p = model.orgs, model.staff, model.areas, model.p
    n, n_areas, n_sec = orgs.n, areas.n, areas.n_sectors
    org, slot, area = orgs.presence_slots(step)
    deployable = np.maximum(0.0, staff.headcount - orgs.time_off - orgs.assessment_load - orgs.compliance_load)
    decision_context = model.coordination.decision_context()  # whose knowledge steers staff and sector split
    alloc = model.coordination.deployment(org, slot, area, decision_context)
    split = model.priorities.sector_split(model, org, area, decision_context)  # sim/priorities.py
    (deployed, potential, lost_to_access, unit, funded, out, got, delivered, cost, lost, covered, wcov, area_cov,
     unmet, w_quality, pot_org, out_org, people_by_org, used, out_by_actor, orgs.utilisation) = _deliver(
        org, area, alloc, split, deployable, model.effective_context(), model.effectiveness_base(), areas.access,
        orgs.inst, orgs.cash, staff.headcount, staff.tech_mean, orgs.is_intl, areas.need, areas.severity,
        areas.weighted_need_by_area, p.staff.productivity, p.funding.fiduciary_loss_rate, p.staff.ops_cost_per_person,
        p.staff.access_cost_premium, p.staff.quality_standard)
    spent = model.ledger.spend(orgs, cost - lost, "operations")
    spent += model.ledger.spend(orgs, lost, "losses")
    model.coordination.unmet = unmet
    (covered_by_area, out_local, out_intl, coverage, quality, hard_to_reach, people, need_total, losses, by_cash,
     by_staff, by_need, access_loss) = _delivery_sums(covered, areas.need, out_by_actor, wcov, w_quality,
                                                      areas.weighted_need_by_area, areas.hard_to_reach, pot_org,
                                                      funded, used, lost, lost_to_access)
    return Delivery(
        area_coverage=area_cov,
        covered_by_area=covered_by_area,
        covered_cells=covered,
        out_local=out_local,
        out_intl=out_intl,
        coverage=coverage,
        quality_coverage=quality,
        hard_to_reach_coverage=hard_to_reach,
        people_covered=people,
        need_total=need_total,
        unmet_need=max(0.0, need_total - people),
        spending=spent,
        losses=losses,
        people_by_org=people_by_org,
        ops_by_org=cost,
        lost_by_org=lost,
        bound_by_cash=by_cash,
        bound_by_staff=by_staff,
        bound_by_need=by_need,
        access_loss_share=access_loss,
        presence=(org, slot, area, deployed),
        people_by_pair=delivered,
    )


@kernel
def _delivery_sums(covered, need, out_by_actor, wcov, w_quality, wneed, hard_to_reach, pot_org, funded, used, lost,
                   lost_to_access):
    """The week's delivery totals (each sum as ``ndarray.sum`` forms it): people covered per area, local and
    international supply per area, severity-weighted coverage (all, quality, hard-to-reach areas), people
    covered, need, losses, and the shares of potential output bound by cash, by staff and by need and lost to
    access (``Delivery``'s fields)."""
    n_areas = covered.shape[0]
    covered_by_area = np.empty(n_areas)
    out_local = np.empty(n_areas)
    out_intl = np.empty(n_areas)
    for a in range(n_areas):
        covered_by_area[a] = _row_sum(covered, a)
        out_local[a] = out_by_actor[a, 0]
        out_intl[a] = out_by_actor[a, 1]
    total_w = pairwise_sum(wneed)
    htr_w = masked_sum(wneed, hard_to_reach)
    coverage = pairwise_sum(wcov) / total_w if total_w > 0 else 1.0
    quality = pairwise_sum(w_quality.ravel()) / total_w if total_w > 0 else 1.0
    hard = masked_sum(wcov, hard_to_reach) / htr_w if htr_w > 0 else 1.0
    pot_total = pairwise_sum(pot_org)
    n = pot_org.shape[0]
    part = np.empty(n)
    by_cash = by_staff = by_need = access_loss = 0.0
    if pot_total > 0:
        for o in range(n):
            part[o] = pot_org[o] * (1.0 - funded[o])
        by_cash = pairwise_sum(part) / pot_total
        for o in range(n):
            part[o] = pot_org[o] * (funded[o] * used[o])
        by_staff = pairwise_sum(part) / pot_total
        for o in range(n):
            part[o] = pot_org[o] * (funded[o] * (1.0 - used[o]))
        by_need = pairwise_sum(part) / pot_total
        access_loss = pairwise_sum(lost_to_access) / pot_total
    return (covered_by_area, out_local, out_intl, coverage, quality, hard, pairwise_sum(covered.ravel()),
            pairwise_sum(need.ravel()), pairwise_sum(lost), by_cash, by_staff, by_need, access_loss)


@kernel
def _row_sum(x, r):
    """``x[r].sum()`` as numpy adds it: in order below 8 values, else pairwise (eight running sums; every
    model has at most 12 sectors, so one block and the rest in order)."""
    k = x.shape[1]
    if k < 8:
        total = 0.0
        for j in range(k):
            total += x[r, j]
        return total
    acc = np.empty(8)
    for j in range(8):
        acc[j] = x[r, j]
    i = 8
    while i + 8 <= k:
        for j in range(8):
            acc[j] += x[r, i + j]
        i += 8
    total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
    while i < k:
        total += x[r, i]
        i += 1
    return total


@kernel
def _deliver(org, area, alloc, split, deployable, context, effectiveness, access_of_area, inst, cash, headcount,
             tech_mean, is_intl, need, severity, weighted_need, productivity, fiduciary_loss_rate, ops_cost, premium,
             quality_standard):
    """The week's delivery, pair by pair (see the module's docstring for the four pathways); sums over pairs
    and cells are added in pair order (as ``np.bincount`` adds them), sums over sectors as numpy adds a row.
    Also returns each organisation's utilisation: the share of its staff deployed and funded."""
    n = deployable.shape[0]
    n_pairs = org.shape[0]
    n_areas, n_sec = need.shape
    deployed = np.empty(n_pairs)
    potential = np.empty(n_pairs)
    reached = np.empty(n_pairs)
    unit = np.empty(n_pairs)
    plan = np.zeros(n)
    for i in range(n_pairs):
        o = org[i]
        ctx = context[o]
        access = access_of_area[area[i]]
        deployed[i] = deployable[o] * alloc[i]
        potential[i] = deployed[i] * productivity * effectiveness[o]
        reached[i] = potential[i] * (1.0 - access * (1.0 - ctx))  # sim/access.py access_factor
        loss_rate = fiduciary_loss_rate * (1.0 - inst[o])
        # Cash per person covered: goods and services (dearer where acceptance is low), and what is lost.
        unit[i] = ops_cost * (1.0 + premium * access * (1.0 - ctx)) / (1.0 - loss_rate)
        plan[o] += reached[i] * unit[i]
    funded = np.ones(n)
    for o in range(n):
        if plan[o] > 0:
            funded[o] = cash[o] / plan[o]  # nothing to pay for: not cash-bound
        if funded[o] > 1.0:
            funded[o] = 1.0
    out = np.empty(n_pairs)
    out_s = np.empty((n_pairs, n_sec))
    supply = np.zeros((n_areas, n_sec))
    for i in range(n_pairs):
        out[i] = reached[i] * funded[org[i]]
        for j in range(n_sec):
            out_s[i, j] = out[i] * split[i, j]
            supply[area[i], j] += out_s[i, j]
    fill = np.zeros((n_areas, n_sec))
    covered = np.empty((n_areas, n_sec))
    weighted_cover = np.empty((n_areas, n_sec))
    for a in range(n_areas):
        for j in range(n_sec):
            if supply[a, j] > 1e-9:
                fill[a, j] = need[a, j] / supply[a, j]
                if fill[a, j] > 1.0:
                    fill[a, j] = 1.0
            covered[a, j] = need[a, j] if need[a, j] <= supply[a, j] else supply[a, j]
            weighted_cover[a, j] = covered[a, j] * severity[a, j]
    got = np.empty((n_pairs, n_sec))  # people covered, per pair and sector
    w_quality = np.empty((n_pairs, n_sec))
    delivered = np.empty(n_pairs)
    owed = np.zeros(n)
    pot_org = np.zeros(n)
    out_org = np.zeros(n)
    people_by_org = np.zeros(n)
    out_by_actor = np.zeros((n_areas, 2))  # people covered per area by local (0) and international (1) supply
    has_area = np.zeros(n, np.bool_)
    for i in range(n_pairs):
        o = org[i]
        q = tech_mean[o] / quality_standard
        if q > 1.0:
            q = 1.0
        for j in range(n_sec):
            got[i, j] = out_s[i, j] * fill[area[i], j]
            w_quality[i, j] = got[i, j] * severity[area[i], j] * q
        delivered[i] = _row_sum(got, i)
        owed[o] += delivered[i] * unit[i]
        pot_org[o] += potential[i]
        out_org[o] += out[i]
        people_by_org[o] += delivered[i]
        out_by_actor[area[i], 1 if is_intl[o] else 0] += out[i]
        has_area[o] = True
    cost = np.empty(n)
    lost = np.empty(n)
    used = np.ones(n)
    utilisation = np.empty(n)
    for o in range(n):
        cost[o] = cash[o] if cash[o] <= owed[o] else owed[o]
        lost[o] = cost[o] * (fiduciary_loss_rate * (1.0 - inst[o]))
        if out_org[o] > 0:
            used[o] = people_by_org[o] / out_org[o]
        hc = headcount[o] if headcount[o] > 1 else 1
        utilisation[o] = deployable[o] * funded[o] * (1.0 if has_area[o] else 0.0) / hc
    wcov = np.empty(n_areas)
    area_cov = np.ones(n_areas)
    unmet = np.empty(n_areas)
    for a in range(n_areas):
        wcov[a] = _row_sum(weighted_cover, a)
        if weighted_need[a] > 0:
            area_cov[a] = wcov[a] / weighted_need[a]
        if area_cov[a] > 1.0:
            area_cov[a] = 1.0
        gap = weighted_need[a] - wcov[a]
        unmet[a] = gap if gap > 0.0 else 0.0
    lost_to_access = potential - reached
    return (deployed, potential, lost_to_access, unit, funded, out, got, delivered, cost, lost, covered, wcov,
            area_cov, unmet, w_quality, pot_org, out_org, people_by_org, used, out_by_actor, utilisation)


def outcomes(d: Delivery, areas) -> dict:
    """This week's delivery outcomes (registered in ``sim/outcomes.py``)."""
    from .areas import gini

    return {
        "coverage": d.coverage,
        "unmet_need": d.unmet_need,
        "need_total": d.need_total,
        "people_covered": d.people_covered,
        "coverage_gini": gini(d.area_coverage, areas.need_by_area),
        "hard_to_reach_coverage": d.hard_to_reach_coverage,
        "quality_coverage": d.quality_coverage,
        "losses": d.losses,
        "bound_by_cash": d.bound_by_cash,
        "bound_by_staff": d.bound_by_staff,
        "bound_by_need": d.bound_by_need,
        "access_loss_share": d.access_loss_share,
    }
