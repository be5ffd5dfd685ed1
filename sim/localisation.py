"""Localisation in the field's own terms: the Grand Bargain's and NEAR's measures, from the week's state.

Advocates and analysts report localisation in fixed terms; this module computes them each week
from what the mechanisms already did (the week's money, ``sim/funding.py``; delivery; the other
modules' outcomes, passed in as ``values``), so each is defined once, here, and registered in
``sim/outcomes.py`` (group ``localisation``). Where a measure's source defines a formula the model
can follow, it follows it; where the model has only an approximation the outcome's label says
"proxy" and its description says what stands in for what.

* **Grand Bargain localisation** (Grand Bargain 2016, commitment 2.4; the IASC Humanitarian
  Financing Task Team's localisation marker, 2018): funding to local and national actors "as
  directly as possible" - directly, through a pooled fund, or through one intermediary - over
  donors' funding; target 25%. Money that reached local actors through two intermediaries (a UN
  agency, then an NGO) does not count. Pooled-fund grants an NGO passes on count as through one
  intermediary (the fund is a funding mechanism, not an intermediary).
* **Quality of funding to local actors** (Grand Bargain commitments 7 and 8; A4EP 2023 survey;
  Development Initiatives' mapping of indirect-cost policies for the IASC, 2022): the multi-year
  and the flexible share of the grant money local actors receive, and the indirect-cost
  allowance they receive over their grant income (the full rate on their own grants, the part
  intermediaries pass on for sub-grants).
* **Local leadership in coordination** (proxy; IASC 2021 guidance on the participation,
  representation and leadership of local actors in coordination): local actors' voice in
  coordination (``Coordination.local_voice``: seats x network capacity x language).
* **NEAR Localisation Performance Measurement Framework** (NEAR 2019): its six areas, each a proxy
  index 0..1, the equal-weight mean of the model's measures of that area (see :data:`NEAR_AREAS`).
  The framework's own indicators are mostly surveys and document reviews; the proxies say what the
  model can and cannot see (it has no media, no policy documents and no community feedback).
"""

from __future__ import annotations

import numpy as np

from .governance import INTL_PRIORITY_WEIGHT

__all__ = ["GRAND_BARGAIN_TARGET", "NEAR_AREAS", "outcomes"]

GRAND_BARGAIN_TARGET = 0.25  # Grand Bargain (2016): 25% of humanitarian funding to local actors as directly as possible
LONG_TERM_WEEKS = 52  # a partnership agreement of a year or more counts as long-term (NEAR, partnerships area)

# What each NEAR area's proxy averages (equal weights), in the words of docs/risk.md.
NEAR_AREAS = {
    "near_partnerships": ("share of partnerships whose agreement runs a year or more (or is open-ended)",
                          "local partners' mean weight in partnership decisions", "mean trust in partnerships"),
    "near_funding": ("Grand Bargain localisation share over the 25% target (at most 1)",
                     "multi-year share of local actors' grant money", "flexible share of local actors' grant money",
                     "indirect-cost allowance local actors receive over the allowed rate (at most 1)"),
    "near_capacity": ("local capacity (mean of four dimensions)",
                      "1 - local staff recruited away by international actors per year, as a share of local staff"),
    "near_coordination": ("local leadership in coordination (voice)",
                          "local and national actors' share of the people covered (their supply)"),
    "near_policy_influence": ("local actors' weight in setting the response's priorities",
                              "share of the week's money whose use local actors decide"),
    "near_participation": ("weight of local knowledge in decisions on money and staff, income-weighted over "
                           "organisations",),
}


def _share(part: float, whole: float) -> float:
    return min(1.0, max(0.0, part / whole)) if whole > 0 else 0.0


def outcomes(model, values: dict, d) -> dict:
    """This week's localisation measures (``sim/outcomes.py``).

    Args:
        model: the model after this week's phases.
        values: this week's outcomes of the other modules (``funding``, ``governance``, ``turnover``,
            ``partnerships``, capacity), reused rather than recomputed.
        d: this week's ``Delivery``.
    """
    f, orgs, p = model.flows, model.orgs, model.p
    gb = _share(f.to_local_total - f.to_local_two_levels, values["donor_disbursed"])

    # Grant money local actors receive: their own and pooled-fund grants (direct_received) and sub-grants (both are
    # zero for international actors).
    direct = f.direct_local + f.pooled_local  # (the sums of direct_received and subgrant_received)
    total = f.to_local_total
    partnered = orgs.is_local & (orgs.partner >= 0)
    parent_multi = f.multi_year_income_share[orgs.partner] * partnered  # (index -1 masked)
    multi = float(f.multi_year_income_share @ f.direct_received + parent_multi @ f.subgrant_received)
    flexible = float((f.flex_income - f.domestic_income) @ orgs.is_local)  # (a local actor's flex_income includes
    #                                                                      its domestic income: the rest is grants)
    rate = p.funding.overhead_rate
    multi_share, flex_share = _share(multi, total), _share(flexible, total)
    overhead_share = _share(rate * direct + f.overhead_passed, total)

    voice = float(model.coordination.local_voice())
    n_partnered = np.count_nonzero(partnered)
    if n_partnered:
        long_term = np.count_nonzero((model.rules.partnership_weeks >= LONG_TERM_WEEKS)[orgs.p_code] & partnered) \
            / n_partnered
        weight = float(model.decision_weight @ partnered) / n_partnered
        partnerships = (long_term + weight + values["partnership_trust"]) / 3.0
    else:
        partnerships = 0.0
    local_staff = values["n_staff_local"]
    poached = _share(values["brain_drain"] * p.STEPS_PER_YEAR, local_staff) if local_staff > 0 else 0.0
    supply_local, supply_intl = float(d.out_local.sum()), float(d.out_intl.sum())
    local_supply = _share(supply_local, supply_local + supply_intl)
    priority = 1.0 - INTL_PRIORITY_WEIGHT[p.governance.priority_setting]
    income = f.income * orgs.active
    knowledge = _share(float(orgs.knowledge_weight @ income), float(income.sum()))
    return {
        "grand_bargain_local_share": gb,
        "grand_bargain_target_met": float(gb >= GRAND_BARGAIN_TARGET),
        "local_multi_year_share": multi_share,
        "local_flexible_share": flex_share,
        "local_overhead_received": overhead_share,
        "local_coordination_leadership": voice,
        "near_partnerships": partnerships,
        "near_funding": (min(1.0, gb / GRAND_BARGAIN_TARGET) + multi_share + flex_share
                         + (min(1.0, overhead_share / rate) if rate > 0 else 1.0)) / 4.0,
        "near_capacity": (values["local_capacity"] + 1.0 - poached) / 2.0,
        "near_coordination": (voice + local_supply) / 2.0,
        "near_policy_influence": (priority + values["local_funds_decided_share"]) / 2.0,
        "near_participation": knowledge,
    }
