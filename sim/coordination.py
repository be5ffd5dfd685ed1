"""Coordination: who knows where the gaps are, where organisations work, and surge.

Gaps in coverage come from not knowing who works where and from "tunnel vision" (working
where one always has worked); risk-averse organisations leave known gaps unfilled
(Knox Clarke, PHAP/ICVA learning stream). Here:

* **visibility** of an area's unmet need to the coordination system rises with
  ``governance.coordination_quality`` and, in hard-to-reach areas, only with local actors'
  voice in coordination (their seats and network capacity): they know those areas;
* each organisation splits its deployable staff over its areas partly evenly (habit) and
  partly towards visible unmet need; local organisations always see their own areas;
* at presence reviews, organisations with reserves open a new area where visible unmet
  need is highest, within their risk tolerance (raised when risk is shared), and leave an
  area when their money runs short;
* after a rapid-onset shock, funded international organisations surge into the area after
  ``crisis.intl_surge_delay_weeks``; local organisations there are already present.
"""

from __future__ import annotations

import numpy as np

from .governance import INTL_PRIORITY_WEIGHT

__all__ = ["Coordination"]


class Coordination:
    def __init__(self, model):
        self.m = model
        g = model.p.governance
        self.intl_priority_weight = INTL_PRIORITY_WEIGHT[g.priority_setting]
        self.unmet = model.areas.weighted_need_by_area.copy()  # severity-weighted, last week

    # ------------------------------------------------------------------ information
    def local_voice(self) -> float:
        m = self.m
        local = m.orgs.is_local & m.orgs.active
        net = float(m.orgs.net[local].mean()) if local.any() else 0.0
        g = m.p.governance
        return g.local_coordination_seats * (1.0 - g.local_voice_network_weight + g.local_voice_network_weight * net)

    def visibility(self) -> np.ndarray:
        """Per area, how much of its unmet need the coordination system sees (0..1)."""
        a = self.m.areas
        return self.m.p.governance.coordination_quality * (1.0 - a.access * (1.0 - self.local_voice()))

    def perceived_need(self) -> np.ndarray:
        """Severity-weighted need per area as the response's priorities see it."""
        a, g = self.m.areas, self.m.p.governance
        return a.weighted_need_by_area * (1.0 - self.intl_priority_weight * g.visibility_bias * a.access)

    def perceived_need_of_orgs(self) -> np.ndarray:
        """Per organisation, the share of perceived need in the areas it works in."""
        m = self.m
        org, area = m.orgs.presence_pairs(m.steps_done)
        pn = self.perceived_need()
        total = pn.sum()
        return np.bincount(org, pn[area], m.orgs.n) / total if total > 0 else np.zeros(m.orgs.n)

    def allocation(self, org: np.ndarray, area: np.ndarray) -> np.ndarray:
        """Share of each organisation's deployable staff sent to each of its areas."""
        m = self.m
        n = m.orgs.n
        local = m.orgs.is_local[org]
        vis = np.where(local, 1.0, self.visibility()[area])
        unmet = self.unmet[area] * np.where(local, 1.0, self.perceived_need()[area] / np.maximum(m.areas.weighted_need_by_area[area], 1e-12))
        k = np.bincount(org, minlength=n)
        tot = np.bincount(org, unmet, n)
        need_share = np.divide(unmet, tot[org], out=1.0 / np.maximum(k[org], 1), where=tot[org] > 0)
        w = (1.0 - vis) / np.maximum(k[org], 1) + vis * need_share
        return w / np.maximum(np.bincount(org, w, n)[org], 1e-12)

    def plan_allocation(self, step: int) -> None:
        """At a funding round, earmarked money is tied to the current split over areas."""
        orgs = self.m.orgs
        org, slot, area = orgs.presence_slots(step)
        orgs.planned[:] = 0.0
        if len(org):
            orgs.planned[org, slot] = self.allocation(org, area)

    def deployment(self, org: np.ndarray, slot: np.ndarray, area: np.ndarray) -> np.ndarray:
        """Share of each organisation's deployable staff sent to each of its operational areas.

        Earmarked money stays where the plan of the last funding round put it; money free to
        follow needs (flexible and emergency funds, domestic income) follows the current
        allocation. An organisation with no plan covering its areas follows the current one.
        """
        m = self.m
        n = m.orgs.n
        now = self.allocation(org, area)
        planned = m.orgs.planned[org, slot]
        total = np.bincount(org, planned, n)[org]
        planned = np.divide(planned, total, out=now.copy(), where=total > 0)
        free = m.orgs.responsive_share[org]
        return (1.0 - free) * planned + free * now

    def cost_effectiveness(self) -> np.ndarray:
        """People covered per USD of staff cost, per organisation, where it works."""
        m = self.m
        orgs, staff = m.orgs, m.staff
        org, area = orgs.presence_pairs(m.steps_done)
        n = orgs.n
        k = np.maximum(np.bincount(org, minlength=n), 1)
        access = np.bincount(org, m.areas.access[area], n) / k
        eff = m.effectiveness_base() * (1.0 - access * (1.0 - m.effective_context()))
        cost = np.maximum(m.payroll / np.maximum(staff.headcount, 1), 1e-9)
        return eff / cost

    # ------------------------------------------------------------------ presence
    def risk_tolerance(self) -> np.ndarray:
        m = self.m
        tol = m.orgs.risk_tolerance
        return tol + m.p.funding.risk_sharing * (1.0 - tol) * m.p.governance.risk_sharing_tolerance_effect

    def responders(self, area: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who receives emergency funds after a shock in ``area``, and who surges into it.

        Returns (local responders, international funders, international surge) masks: local
        organisations working in or next to the area within their risk tolerance; international
        organisations there that will go there, else the two largest that will; when no
        international organisation will go (too risky for all), the intermediaries of the local
        responders (remote management), else the two largest: they are funded but do not surge.
        """
        m = self.m
        orgs = m.orgs
        near = np.zeros(m.areas.n, bool)
        near[area] = True
        near[m.areas.neighbours[area]] = True
        pres = orgs.presence
        there = ((pres >= 0) & near[np.maximum(pres, 0)]).any(1)
        able = orgs.active & (self.risk_tolerance() >= m.areas.access[area])
        local = there & able & orgs.is_local
        intl = there & able & orgs.is_intl
        if not intl.any():
            willing = np.flatnonzero(orgs.is_intl & able)
            if len(willing):
                intl[willing[np.argsort(-m.staff.headcount[willing])[:2]]] = True
        surge = intl.copy()
        if not intl.any():
            partners = orgs.partner[local & (orgs.partner >= 0)]
            intl[partners[orgs.active[partners]]] = True
            if not intl.any():
                active = np.flatnonzero(orgs.is_intl & orgs.active)
                intl[active[np.argsort(-m.staff.headcount[active])[:2]]] = True
        return local, intl, surge

    def surge(self, area: int, intl: np.ndarray) -> None:
        """International responders open presence in the hit area after the surge delay.

        An organisation already there keeps its presence; one whose presence slots are all
        taken leaves its least-needed other area to make room.
        """
        m = self.m
        ready = m.steps_done + m.p.crisis.intl_surge_delay_weeks
        for o in np.flatnonzero(intl):
            row = m.orgs.presence[o]
            if (row == area).any():
                continue
            if not (row < 0).any():
                self._drop_least_needed(o)
            m.orgs.add_presence(o, area, ready)

    def _drop_least_needed(self, o: int) -> None:
        row = self.m.orgs.presence[o]
        areas = row[row >= 0]
        if len(areas) > 1:
            self.m.orgs.drop_presence(o, areas[np.argmin(self.unmet[areas])])

    def review(self, step: int) -> None:
        """Presence review: organisations (Mesa agents) expand into visible gaps or retreat."""
        vis_unmet = self.unmet * self.visibility()
        self._ranked = np.argsort(-vis_unmet)[: min(50, len(vis_unmet))]
        self._vis_unmet = vis_unmet
        self._tolerance = self.risk_tolerance()
        self.m.org_agents.shuffle_do("review_presence", step)

    def review_one(self, o: int, step: int) -> None:
        m = self.m
        orgs = m.orgs
        if not orgs.active[o]:
            return
        payroll = m.payroll[o]
        row = orgs.presence[o]
        mine = row[row >= 0]
        reserve = m.p.governance.expansion_reserve_weeks * payroll
        if orgs.cash[o] < m.p.governance.retreat_reserve_weeks * payroll and len(mine) > 1:
            self._drop_least_needed(o)
            return
        if orgs.cash[o] < reserve or len(mine) >= len(row):
            return
        tol = self._tolerance[o]
        if orgs.is_local[o]:
            # Local organisations know their neighbourhood: they see its unmet need directly.
            cand, score = np.unique(m.areas.neighbours[mine].ravel()), self.unmet
        else:
            cand, score = self._ranked, self._vis_unmet
        cand = cand[(m.areas.access[cand] <= tol) & ~np.isin(cand, mine)]
        if len(cand) == 0:
            return
        best = cand[np.argmax(score[cand])]
        if score[best] <= 0:
            return
        delay = m.p.governance.local_expansion_delay_weeks if orgs.is_local[o] else m.p.crisis.intl_surge_delay_weeks
        orgs.add_presence(o, best, step + delay)
