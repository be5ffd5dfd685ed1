"""Communities and first responders: who is there before any organisation arrives.

In every area, people and community structures (volunteers, community-based groups, local
authorities) respond to a shock before any organisation can arrive (IASC scoping paper,
principle 2; about 90% of earthquake survivors were rescued by their own neighbours, Rom &
Kelman 2020). Their capacity is one number per area, ``capacity`` (index 0..1: the share of what
they could do fully organised and trained), held as an array over areas and updated once a week
after delivery (phase 5) by the laws every other actor's capacity follows - no constant floor:

* **support (the learning law, ``sim/learning.py`` ``close_gap``)**: community structures close a
  share ``community.support_rate x support`` of the gap to their supporters' contextual capacity,
  where ``support = min(1, L + intl_support_weight x I)``, ``L`` and ``I`` the shares of the
  area's need that local and national, and international, actors' supply could meet this week
  (each at most 1), and the supporters' level is the supply-weighted mean of the two groups'
  staff-weighted effective contextual capacity (``sim/governance.py`` ``group_context``);
* **preparedness**: drills and early-warning work close ``support_rate x preparedness`` of the gap
  to full capacity (1);
* **erosion (the skill-fade and turnover laws)**: a share
  ``learning.unpractised_decay x (1 - learning.practice_protection x practised) +
  turnover.annual_attrition / 52`` is lost per week, ``practised = min(1, support + preparedness)``:
  structures nobody works with lose their skills, and volunteers leave at the staff quit rate;
* **displacement by outside actors**: a further ``community.displacement x I`` is lost per week:
  where international actors meet the need on their own, volunteers are hired away and community
  structures are no longer called on (Deserranno, Nansamba & Qian 2020).

**Preparedness and early warning** (``community.preparedness_share``, a funding lever any regime
can use, default 0): each active local and national actor spends that share of its weekly income
(moving average) on preparedness with communities, from its cash (ledger category
``preparedness``). The money is spread over areas by whoever decides the response's priorities:
in proportion to population x the share of the area's need the priorities see
(``governance.priority_view``: international, joint or local knowledge). An area's preparedness
``e`` (0..1) grows by ``spend / (preparedness_cost x population) x (1 - e)`` and depreciates
like institutional capacity (``learning.institutional_depreciation``), except the part the national
authority has adopted and maintains (``sim/adoption.py``). A rapid-onset shock in an
area puts ``1 - harm_reduction x e`` of the people it would otherwise hit in need
(``sim/crises.py`` ``ResponseTracker.harm_factor``).

**First responders** (per shock, recorded in phase 8): what community structures reach in the
first 72 hours is ``3/7 x reach_share x capacity x population`` (they are there: no access loss,
no surge delay), beside the organisations' own first-72-hours reach (``sim/crises.py``). The
shock columns ``reach_72h_community`` and ``first_responders_community`` / ``_local`` / ``_intl``
(who reached people first, as shares of everything reached in the first 72 hours) are owned here.
"""

from __future__ import annotations

import numpy as np

from .crises import FIRST_HOURS_SHARE_OF_WEEK
from .governance import group_context, priority_view
from .jit import kernel
from .learning import close_gap

__all__ = ["Communities", "outcomes"]


class Communities:
    """Community response capacity and preparedness per area (arrays), and first responders per shock."""

    def __init__(self, params, areas, rng: np.random.Generator, shock_area: np.ndarray):
        """Args:
            params: the run's parameters (``community`` section, learning and turnover laws).
            areas: the areas.
            rng: the ``communities`` stream (starting capacities).
            shock_area: the area of each scheduled shock (``ShockSchedule.area``).
        """
        c = params.community
        self.p = params
        self.areas = areas
        n = areas.n
        # Areas differ in how organised their communities are: +-50% around the mean (assumption).
        self.capacity = np.clip(c.initial_capacity * rng.uniform(0.5, 1.5, n), 0.0, 1.0)
        self.preparedness = np.zeros(n)
        self.harm_factor = np.ones(n)  # share of a shock's people put in need (read by ResponseTracker)
        self.shock_area = np.asarray(shock_area, np.int64)
        self.reach_72h_community = np.full(len(shock_area), np.nan)
        self.first_responders = np.full((len(shock_area), 3), np.nan)  # shares: community, local, international

    def prepare(self, model) -> None:
        """Preparedness spending by local and national actors, spread over areas by the response's priorities."""
        c = self.p.community
        if c.preparedness_share > 0:
            orgs = model.orgs
            local = orgs.is_local & orgs.active
            amount = np.where(local, np.minimum(orgs.cash, c.preparedness_share * np.maximum(orgs.income_ema, 0.0)),
                              0.0)
            total = model.ledger.spend(orgs, amount, "preparedness")
            if total > 0:
                pop = self.areas.population
                weight = pop * priority_view(model)
                spend = total * weight / weight.sum() if weight.sum() > 0 else np.zeros_like(pop)
                gain = np.minimum(1.0, spend / (c.preparedness_cost * np.maximum(pop, 1.0)))
                self.preparedness += gain * (1.0 - self.preparedness)
        # What the national authority adopted it maintains; the rest depreciates (sim/adoption.py).
        self.preparedness -= self.p.learning.institutional_depreciation * (self.preparedness - model.adoption.adopted)
        np.subtract(1.0, c.harm_reduction * self.preparedness, out=self.harm_factor)

    def step(self, model, out_local: np.ndarray, out_intl: np.ndarray) -> None:
        """After delivery: community capacity learns from its supporters, erodes and is displaced.

        Args:
            model: the model (group contexts, parameters).
            out_local: people local and national actors' supply could cover per area this week.
            out_intl: the same for international actors.
        """
        p, c = self.p, self.p.community
        local_ctx, intl_ctx = group_context(model)
        _learn_and_erode(self.capacity, self.preparedness, self.areas.need_by_area, out_local, out_intl, local_ctx,
                         intl_ctx, c.intl_support_weight, c.support_rate, c.displacement, p.learning.unpractised_decay,
                         p.learning.practice_protection, p.turnover.annual_attrition / p.STEPS_PER_YEAR)

    def first_hours(self, shocks: np.ndarray, people: np.ndarray, out_local: np.ndarray,
                    out_intl: np.ndarray) -> None:
        """Who reached the people newly in need in the first 72 hours of this week's shocks.

        Args:
            shocks: indices of the shocks that started this week.
            people: people newly in need per shock (all shocks; ``ResponseTracker.people_hit``).
            out_local, out_intl: people covered this week per area by local and national, and by
                international, actors operational there.
        """
        if len(shocks) == 0:
            return
        area = self.shock_area[shocks]
        community = FIRST_HOURS_SHARE_OF_WEEK * self.p.community.reach_share * self.capacity[area] \
            * self.areas.population[area]
        local = FIRST_HOURS_SHARE_OF_WEEK * out_local[area]
        intl = FIRST_HOURS_SHARE_OF_WEEK * out_intl[area]
        hit = people[shocks]
        self.reach_72h_community[shocks] = np.where(hit > 0, np.minimum(1.0, community / np.maximum(hit, 1e-12)), 1.0)
        total = community + local + intl
        parts = np.stack([community, local, intl], 1)
        self.first_responders[shocks] = np.divide(parts, total[:, None], out=np.full_like(parts, np.nan),
                                                  where=total[:, None] > 0)


def outcomes(communities: Communities, areas) -> dict:
    """This week's community outcomes (registered in ``sim/outcomes.py``)."""
    pop = areas.population
    htr_pop = pop * areas.hard_to_reach
    total, htr_total = float(pop.sum()), float(htr_pop.sum())
    cap = communities.capacity
    return {
        "community_capacity": float(cap @ pop) / total,
        "community_capacity_hard_to_reach": float(cap @ htr_pop) / htr_total if htr_total > 0 else 0.0,
        "preparedness": float(communities.preparedness @ pop) / total,
    }


@kernel
def _learn_and_erode(cap, prep, need, out_local, out_intl, local_ctx, intl_ctx, intl_support_weight, support_rate,
                     displacement, unpractised_decay, practice_protection, weekly_attrition):
    """:meth:`Communities.step` area by area, in place on ``cap``: support is the share of need local and
    national actors' supply could cover, plus international supply weighted by ``intl_support_weight`` (at
    most 1); capacity closes the gap to its supporters' contextual capacity (supply-weighted) and, with
    preparedness, to 1; it fades unless practised, with staff turnover, and international supply displaces
    it; then it is clipped to 0..1."""
    for a in range(cap.shape[0]):
        inv = 1.0 / max(need[a], 1e-12)  # need is positive wherever supply is
        share_local = min(1.0, out_local[a] * inv)
        share_intl = min(1.0, out_intl[a] * inv)
        weighted_intl = intl_support_weight * share_intl
        both = share_local + weighted_intl
        support = min(1.0, both)
        teacher = (share_local * local_ctx + weighted_intl * intl_ctx) / max(both, 1e-12)
        gain = close_gap(cap[a], teacher, support_rate * support) + close_gap(cap[a], 1.0, support_rate * prep[a])
        practised = min(1.0, support + prep[a])
        loss = (unpractised_decay * (1.0 - practice_protection * practised) + weekly_attrition
                + displacement * share_intl)
        level = cap[a] + (gain - loss * cap[a])
        cap[a] = min(max(level, 0.0), 1.0)
