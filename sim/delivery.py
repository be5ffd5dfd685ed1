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

from .access import access_factor
from .areas import sector_sum

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
    ctx = model.effective_context()[org]
    access = areas.access[area]
    deployed = deployable[org] * alloc  # staff deployed per pair
    potential = deployed * p.staff.productivity * model.effectiveness_base()[org]
    reached = potential * access_factor(access, ctx)  # potential output after access losses
    loss_rate = p.funding.fiduciary_loss_rate * (1.0 - orgs.inst)
    # Cash per person covered: goods and services (dearer where acceptance is low), and what is lost.
    unit = p.staff.ops_cost_per_person * (1.0 + p.staff.access_cost_premium * access * (1.0 - ctx)) / (1.0 - loss_rate[org])
    plan = np.bincount(org, reached * unit, n)
    funded = np.divide(orgs.cash, plan, out=np.ones(n), where=plan > 0)  # nothing to pay for: not cash-bound
    np.minimum(funded, 1.0, out=funded)
    out = reached * funded[org]

    out_s = out[:, None] * model.priorities.sector_split(model, org, area, decision_context)  # sim/priorities.py
    cell = area[:, None] * n_sec + np.arange(n_sec)
    supply = np.bincount(cell.ravel(), out_s.ravel(), n_areas * n_sec).astype(float)
    need = areas.need.ravel()
    fill = np.divide(need, supply, out=np.zeros_like(supply), where=supply > 1e-9)
    np.minimum(fill, 1.0, out=fill)
    got = out_s * fill[cell]  # people covered, per pair and sector
    delivered = sector_sum(got)
    cost = np.minimum(orgs.cash, np.bincount(org, delivered * unit, n))
    lost = cost * loss_rate
    spent = model.ledger.spend(orgs, cost - lost, "operations")
    spent += model.ledger.spend(orgs, lost, "losses")

    covered = np.minimum(need, supply).reshape(n_areas, n_sec)
    wcov = sector_sum(covered * areas.severity)
    wneed = areas.weighted_need_by_area
    area_cov = np.divide(wcov, wneed, out=np.ones(n_areas), where=wneed > 0)
    np.minimum(area_cov, 1.0, out=area_cov)
    model.coordination.unmet = np.maximum(0.0, wneed - wcov)

    has_area = np.bincount(org, minlength=n) > 0  # (organisations with no operational area deliver nothing)
    hc = np.maximum(staff.headcount, 1)
    orgs.utilisation = deployable * funded * has_area / hc

    quality = np.minimum(1.0, staff.tech_mean / p.staff.quality_standard)
    sev = areas.severity.ravel()[cell]
    w_quality = float((got * sev * quality[org][:, None]).sum())

    # What binds each organisation's delivery: its potential output split into the part it could
    # not pay for (cash), the part of what it paid for that found no unmet need (need), the rest (staff).
    pot_org = np.bincount(org, potential, n)
    out_org = np.bincount(org, out, n)
    people_by_org = np.bincount(org, delivered, n)
    used = np.divide(people_by_org, out_org, out=np.ones(n), where=out_org > 0)
    pot_total = float(pot_org.sum())

    def share(part) -> float:
        return float((pot_org * part).sum() / pot_total) if pot_total > 0 else 0.0

    # Local and international actors' output per area in one count (column 0 local, 1 international).
    out_by_actor = np.bincount(area * 2 + orgs.is_intl[org], out, 2 * n_areas).reshape(n_areas, 2)
    htr = areas.hard_to_reach
    total_w = wneed.sum()
    htr_w = wneed[htr].sum()
    people = float(covered.sum())
    need_total = float(need.sum())
    return Delivery(
        area_coverage=area_cov,
        covered_by_area=sector_sum(covered),
        covered_cells=covered,
        out_local=out_by_actor[:, 0].copy(),
        out_intl=out_by_actor[:, 1].copy(),
        coverage=float(wcov.sum() / total_w) if total_w > 0 else 1.0,
        quality_coverage=w_quality / float(total_w) if total_w > 0 else 1.0,
        hard_to_reach_coverage=float(wcov[htr].sum() / htr_w) if htr_w > 0 else 1.0,
        people_covered=people,
        need_total=need_total,
        unmet_need=max(0.0, need_total - people),
        spending=spent,
        losses=float(lost.sum()),
        people_by_org=people_by_org,
        ops_by_org=cost,
        lost_by_org=lost,
        bound_by_cash=share(1.0 - funded),
        bound_by_staff=share(funded * used),
        bound_by_need=share(funded * (1.0 - used)),
        access_loss_share=float((potential - reached).sum() / pot_total)
        if pot_total > 0 else 0.0,
        presence=(org, slot, area, deployed),
        people_by_pair=delivered,
    )


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
