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
from .jit import kernel

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
    multi, flexible, n_partnered, long_term, weight, income, knowledge = _sums(
        orgs.is_local, orgs.partner, orgs.p_code, orgs.active, f.multi_year_income_share, f.direct_received,
        f.subgrant_received, f.flex_income, f.domestic_income, model.rules.partnership_weeks, LONG_TERM_WEEKS,
        model.decision_weight, f.income, orgs.knowledge_weight)
    rate = p.funding.overhead_rate
    multi_share, flex_share = _share(multi, total), _share(flexible, total)
    overhead_share = _share(rate * direct + f.overhead_passed, total)

    voice = float(model.coordination.local_voice())
    partnerships = (long_term / n_partnered + weight / n_partnered + values["partnership_trust"]) / 3.0 \
        if n_partnered else 0.0
    local_staff = values["n_staff_local"]
    poached = _share(values["brain_drain"] * p.STEPS_PER_YEAR, local_staff) if local_staff > 0 else 0.0
    supply_local, supply_intl = float(d.out_local.sum()), float(d.out_intl.sum())  # people covered, per area
    local_supply = _share(supply_local, supply_local + supply_intl)
    priority = 1.0 - INTL_PRIORITY_WEIGHT[p.governance.priority_setting]
    knowledge = _share(knowledge, income)
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


@kernel
def _sums(is_local, partner, p_code, active, multi_year_share, direct_received, subgrant_received, flex_income,
          domestic_income, partnership_weeks, long_term_weeks, decision_weight, income, knowledge_weight):
    """:func:`outcomes`' sums over the organisations, in one pass (outcomes only: nothing reads them back, so
    they run in this order; they agree with numpy's products to rounding, ``tests/test_golden.py``).

    Returns: local actors' multi-year grant money (a sub-grant is multi-year as its intermediary's income is),
    their flexible grant money (a local actor's ``flex_income`` includes its domestic income: the rest is grants),
    the number of partnered local actors, of those whose agreement runs ``long_term_weeks`` or more, the sum of
    their decision weights, active organisations' income and its sum weighted by each one's local-knowledge
    weight.
    """
    multi_direct = multi_sub = flexible = n_partnered = long_term = weight = 0.0
    income_total = knowledge = 0.0
    for o in range(is_local.shape[0]):
        multi_direct += multi_year_share[o] * direct_received[o]
        if active[o]:
            income_total += income[o]
            knowledge += knowledge_weight[o] * income[o]
        if is_local[o]:
            flexible += flex_income[o] - domestic_income[o]
            if partner[o] >= 0:
                multi_sub += multi_year_share[partner[o]] * subgrant_received[o]
                n_partnered += 1.0
                weight += decision_weight[o]
                if partnership_weeks[p_code[o]] >= long_term_weeks:
                    long_term += 1.0
    return multi_direct + multi_sub, flexible, n_partnered, long_term, weight, income_total, knowledge
