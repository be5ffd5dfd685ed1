"""Service delivery: organisations cover needs in the areas where they work.

Each organisation pays its staff, then sends its deployable staff (headcount minus time
spent on capacity work) to its operational areas (allocation from ``sim/coordination.py``).
People covered per staff-week = ``staff.productivity`` x effectiveness, where

    effectiveness = technical skill x (1 - w + w x institutional capacity)      (w = staff.institutional_weight)
                    x (1 - access difficulty x (1 - effective contextual capacity))

so an organisation without local knowledge, language or acceptance loses most of its reach
in hard-to-reach areas. Goods and services cost ``staff.ops_cost_per_person`` per person
covered; an organisation without the cash scales its operations down. Supply beyond need
in a cell (area x sector) is duplication: it is not delivered and not paid for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Delivery", "pay_salaries", "deliver"]


@dataclass
class Delivery:
    area_coverage: np.ndarray  # severity-weighted coverage per area (0..1)
    coverage: float
    hard_to_reach_coverage: float
    people_covered: float
    need_total: float
    unmet_need: float
    spending: float  # salaries + operations + language this week (USD)


def pay_salaries(model) -> float:
    """Pay this week's payroll from cash; what cannot be paid is recorded as a shortfall."""
    orgs = model.orgs
    paid = np.minimum(orgs.cash, model.payroll)
    model.shortfall = model.payroll - paid
    spent = model.ledger.spend(orgs, paid, "salaries")
    g = model.p.governance
    if g.language_investment > 0:
        lang = np.minimum(orgs.cash, model.payroll * g.language_cost * g.language_investment * orgs.is_intl)
        spent += model.ledger.spend(orgs, lang, "language")
    return spent


def deliver(model, step: int) -> Delivery:
    orgs, staff, areas, p = model.orgs, model.staff, model.areas, model.p
    n, n_areas, n_sec = orgs.n, areas.n, areas.n_sectors
    org, slot, area = orgs.presence_slots(step)
    deployable = np.maximum(0.0, staff.headcount - orgs.time_off)
    alloc = model.coordination.deployment(org, slot, area)
    eff = model.effectiveness_base()[org] * (1.0 - areas.access[area] * (1.0 - model.effective_context()[org]))
    out = deployable[org] * alloc * p.staff.productivity * eff
    plan = np.bincount(org, out, n) * p.staff.ops_cost_per_person
    funded = np.divide(orgs.cash, plan, out=np.zeros(n), where=plan > 0)
    np.minimum(funded, 1.0, out=funded)
    out *= funded[org]

    out_s = out[:, None] * orgs.sector_weight[org]
    cell = area[:, None] * n_sec + np.arange(n_sec)
    supply = np.bincount(cell.ravel(), out_s.ravel(), n_areas * n_sec).astype(float)
    need = areas.need.ravel()
    fill = np.divide(need, supply, out=np.zeros_like(supply), where=supply > 0)
    np.minimum(fill, 1.0, out=fill)
    delivered = (out_s * fill[cell]).sum(1)
    ops = np.minimum(orgs.cash, np.bincount(org, delivered, n) * p.staff.ops_cost_per_person)
    spent = model.ledger.spend(orgs, ops, "operations")

    covered = np.minimum(need, supply).reshape(n_areas, n_sec)
    wcov = (covered * areas.severity).sum(1)
    wneed = areas.weighted_need_by_area
    area_cov = np.divide(wcov, wneed, out=np.ones(n_areas), where=wneed > 0)
    np.minimum(area_cov, 1.0, out=area_cov)
    model.coordination.unmet = np.maximum(0.0, wneed - wcov)

    has_area = np.bincount(org, minlength=n) > 0
    hc = np.maximum(staff.headcount, 1)
    orgs.utilisation = deployable * funded * has_area / hc

    htr = areas.hard_to_reach
    total_w = wneed.sum()
    htr_w = wneed[htr].sum()
    people = float(covered.sum())
    need_total = float(need.sum())
    return Delivery(
        area_coverage=area_cov,
        coverage=float(wcov.sum() / total_w) if total_w > 0 else 1.0,
        hard_to_reach_coverage=float(wcov[htr].sum() / htr_w) if htr_w > 0 else 1.0,
        people_covered=people,
        need_total=need_total,
        unmet_need=max(0.0, need_total - people),
        spending=spent,
    )
