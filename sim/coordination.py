"""Coordination: who knows where the gaps are, where organisations work, surge and mutual aid.

Gaps in coverage come from not knowing who works where and from "tunnel vision" (working
where one always has worked); risk-averse organisations leave known gaps unfilled
(Knox Clarke, PHAP/ICVA learning stream). Here:

* **knowledge** of an area's unmet need is the access factor of the knower's contextual
  capacity (``sim/access.py``); whose knowledge steers an organisation's money and staff is its
  local-knowledge weight (``sim/governance.py``): a blend of its own and its partner(s)';
* **visibility** of an area's unmet need to the coordination system rises with
  ``governance.coordination_quality`` and, in hard-to-reach areas, with local actors' voice in
  coordination: their seats and network capacity, less what a coordination held in a language
  they do not work in takes away (``governance.coordination_language_barrier``);
* each organisation splits its deployable staff over its areas partly evenly (habit) and
  partly towards the unmet need it knows of; local organisations always follow need in their
  own areas, international ones as far as coordination shows it;
* at presence reviews, organisations with reserves open a new area where the unmet need they
  know of is highest, if they accept its operating risk (``sim/access.py``; risk sharing raises
  tolerance); they leave an area when their money runs short, or one whose operating risk has
  come to exceed their tolerance (a partner who gave them access left);
* the gaps coordination puts forward are visible unmet need as the response's priorities see it
  (``sim/governance.py`` ``priority_view``);
* after a rapid-onset shock, funded international organisations that accept the risk surge
  into the area after ``crisis.intl_surge_delay_weeks``; local organisations there are already
  present, and local organisations next door or linked to one there in the peer network come to
  help with a probability rising with their network capacity (mutual aid), operational after a
  delay their network capacity shortens.
"""

from __future__ import annotations

import numpy as np

from .access import AcceptanceTable, access_factor, can_operate
from .jit import kernel
from .governance import local_knowledge_weight, partnership_decision_weight, priority_view

__all__ = ["Coordination", "presence_outcomes"]


class Coordination:
    def __init__(self, model):
        self.m = model
        self.unmet = model.areas.weighted_need_by_area.copy()  # severity-weighted, last week

    # ------------------------------------------------------------------ information
    def local_voice(self) -> float:
        """Local actors' voice in coordination, 0..1: seats (the national authority's adoption included,
        ``sim/adoption.py``) x network capacity x language."""
        m = self.m
        local = m.orgs.is_local & m.orgs.active
        count = np.count_nonzero(local)
        net = float(m.orgs.net @ local) / count if count else 0.0  # (mean of net over active local actors)
        g = m.p.governance
        language = 1.0 - g.coordination_language_barrier * (1.0 - g.language_investment)
        return m.adoption.local_seats() * (1.0 - g.local_voice_network_weight + g.local_voice_network_weight * net) * language

    def visibility(self) -> np.ndarray:
        """Per area, how much of its unmet need the coordination system shows (0..1)."""
        a = self.m.areas
        return self.m.p.governance.coordination_quality * (1.0 - a.access * (1.0 - self.local_voice()))

    def decision_context(self) -> np.ndarray:
        """Per organisation, the contextual capacity of the knowledge that steers its money and staff.

        A blend, by its local-knowledge weight, of its own effective contextual capacity and its
        partner's (a local organisation's intermediary) or partners' (an intermediary's local
        partners, staff-weighted). Refreshed into ``OrgTable.knowledge_weight`` as a side effect.
        """
        m = self.m
        orgs = m.orgs
        lam = local_knowledge_weight(m, partnership_decision_weight(m))
        orgs.knowledge_weight[:] = lam
        return _decision_context(m.effective_context(), lam, orgs.partner, orgs.active, orgs.is_local, m.staff.headcount)

    def perceived_need_of_orgs(self) -> np.ndarray:
        """Per organisation, the share of need, as the response's priorities see it, in the areas it works in."""
        m = self.m
        org, area = m.orgs.presence_pairs(m.steps_done)
        pn = m.areas.weighted_need_by_area * priority_view(m)
        total = pn.sum()
        return np.bincount(org, pn[area], m.orgs.n) / total if total > 0 else np.zeros(m.orgs.n)

    def allocation(self, org: np.ndarray, area: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        """Share of each organisation's deployable staff sent to each of its areas (pairs).

        Weight of an area = (1 - r) / k + r x (its share of the unmet need the organisation
        knows of), where k is the number of its areas and r is 1 for local organisations (they
        follow need in their own areas) and the coordination visibility of the area for
        international ones (tunnel vision where coordination shows little).
        """
        m = self.m
        if context is None:
            context = self.decision_context()
        return _allocation(org, area, m.orgs.is_local, self.visibility(), self.unmet, m.areas.access, context, m.orgs.n)

    def plan_allocation(self, step: int) -> None:
        """At a funding round, earmarked money is tied to the current split over areas."""
        orgs = self.m.orgs
        org, slot, area = orgs.presence_slots(step)
        orgs.planned[:] = 0.0
        if len(org):
            orgs.planned[org, slot] = self.allocation(org, area)

    def deployment(self, org: np.ndarray, slot: np.ndarray, area: np.ndarray,
                   context: np.ndarray | None = None) -> np.ndarray:
        """Share of each organisation's deployable staff sent to each of its operational areas.

        Earmarked money stays where the plan of the last funding round put it; money free to
        follow needs (flexible and emergency funds, domestic income) follows the current
        allocation. An organisation with no plan covering its areas follows the current one.
        """
        m = self.m
        if context is None:
            context = self.decision_context()
        return _deployment(org, slot, area, m.orgs.is_local, self.visibility(), self.unmet, m.areas.access, context,
                           m.orgs.planned, m.orgs.responsive_share)

    # ------------------------------------------------------------------ presence
    def risk_tolerance(self) -> np.ndarray:
        """Per organisation, the highest operating risk it accepts; risk sharing raises it (``sim/risk.py``: its
        tolerance channel; ``OrgTable.risk_tolerance`` drops after incidents and recovers)."""
        m = self.m
        tol = m.orgs.risk_tolerance
        return tol + m.risk.sharing.tolerance * (1.0 - tol) * m.p.governance.risk_sharing_tolerance_effect

    def responders(self, area: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who receives emergency funds after a shock in ``area``, and who surges into it.

        Returns (local responders, international funders, international surge) masks: local
        organisations working in or next to the area that accept its operating risk;
        international organisations there that accept it, else the two largest that would; when
        none would (too risky for all), the intermediaries of the local responders (remote
        management), else the two largest: they are funded but do not surge.
        """
        m = self.m
        orgs = m.orgs
        near = np.zeros(m.areas.n, bool)
        near[area] = True
        near[m.areas.neighbours[area]] = True
        pres = orgs.presence
        there = ((pres >= 0) & near[np.maximum(pres, 0)]).any(1)
        everyone = np.arange(orgs.n)
        able = orgs.active & can_operate(m, everyone, np.full(orgs.n, area), self.risk_tolerance())
        local = there & able & orgs.is_local
        intl = there & able & orgs.is_intl
        if not intl.any():
            willing = np.nonzero(orgs.is_intl & able)[0]
            if len(willing):
                intl[willing[np.argsort(-m.staff.headcount[willing], kind="stable")[:2]]] = True
        surge = intl.copy()
        if not intl.any():
            partners = orgs.partner[local & (orgs.partner >= 0)]
            intl[partners[orgs.active[partners]]] = True
            if not intl.any():
                active = np.nonzero(orgs.is_intl & orgs.active)[0]
                intl[active[np.argsort(-m.staff.headcount[active], kind="stable")[:2]]] = True
        return local, intl, surge

    def surge(self, area: int, intl: np.ndarray) -> None:
        """International responders open presence in the hit area after the surge delay.

        An organisation already there keeps its presence; one whose presence slots are all
        taken leaves its least-needed other area to make room.
        """
        m = self.m
        ready = m.steps_done + m.p.crisis.intl_surge_delay_weeks
        for o in np.nonzero(intl)[0]:
            row = m.orgs.presence[o]
            if (row == area).any():
                continue
            if not (row < 0).any():
                self._drop_least_needed(o)
            m.orgs.add_presence(o, area, ready)

    def local_entry_delay(self, orgs_idx: np.ndarray) -> np.ndarray:
        """Weeks before local organisations are operational in an area they open: shortened by network capacity."""
        m = self.m
        base = m.p.governance.local_expansion_delay_weeks
        return np.maximum(1, np.rint(base * (1.0 - m.orgs.net[orgs_idx]))).astype(np.int64)

    def mutual_aid(self, area: int, step: int) -> np.ndarray:
        """After a rapid-onset shock in ``area``: local organisations come to help (network capacity -> speed).

        Candidates are active local organisations not yet in the area, operational next to it
        or linked in the local peer network to one operational in it, with a free presence slot
        and the reserve to open an area, that accept its operating risk. Each comes with
        probability ``governance.mutual_aid_rate`` x its network capacity (a draw fixed per week,
        area and organisation) and is operational after :meth:`local_entry_delay`.
        Returns the organisations that came.
        """
        m = self.m
        orgs, g = m.orgs, m.p.governance
        n = orgs.n
        op_org, op_area = orgs.presence_pairs(step)
        near = np.zeros(m.areas.n, bool)
        near[m.areas.neighbours[area]] = True
        in_area = np.zeros(n, bool)
        in_area[op_org[op_area == area]] = True
        next_door = np.zeros(n, bool)
        next_door[op_org[near[op_area]]] = True
        linked = np.zeros(n, bool)
        if len(m.peer_edges[0]):
            u, v = m.peer_edges
            linked[v[in_area[u]]] = True
        reserve = g.expansion_reserve_weeks * m.pay.payroll
        free_slot = (orgs.presence < 0).any(1)
        present = (orgs.presence == area).any(1)
        cand = np.nonzero(orgs.is_local & orgs.active & ~present & (next_door | linked) & free_slot
                          & (orgs.cash >= reserve))[0]
        if len(cand) == 0:
            return cand
        cand = cand[can_operate(m, cand, np.full(len(cand), area), self.risk_tolerance())]
        draw = m.streams.slot_uniforms("mutual_aid", step, n, sub=area)[cand]
        came = cand[draw < g.mutual_aid_rate * orgs.net[cand]]
        for o, delay in zip(came, self.local_entry_delay(came)):
            orgs.add_presence(int(o), area, step + int(delay))
        return came

    def _drop_least_needed(self, o: int) -> None:
        row = self.m.orgs.presence[o]
        areas = row[row >= 0]
        if len(areas) > 1:
            self.m.orgs.drop_presence(o, areas[np.argmin(self.unmet[areas])])

    def review(self, step: int) -> None:
        """Presence review: every active organisation expands into a gap it knows of, or retreats.

        All organisations decide at once from one snapshot (the ranking of areas coordination
        puts forward, visibility, risk tolerance, decision context, acceptance), each on its own
        row of presence: no decision depends on another's, so there is no order of decisions.
        Per organisation, the first rule that applies:

        1. **retreat for money**: cash below ``governance.retreat_reserve_weeks`` of payroll and
           more than one area: leave the area with the least unmet need;
        2. **retreat for risk**: more than one area, and some whose operating risk has come to
           exceed its tolerance (a partner who gave it access left, or it lost contextual
           capacity): leave the riskiest of them (highest access difficulty), one per review;
        3. **expansion**: cash of at least ``governance.expansion_reserve_weeks`` of payroll and a
           free presence slot: open the candidate area it accepts the risk of with the highest
           unmet need it knows of (``access_factor`` of its decision context; an international
           organisation also knows what coordination shows), if that is above 0. Local
           organisations' candidates are their areas' neighbours (they know their
           neighbourhood), international ones' the 50 areas coordination ranks highest. Ties go
           to the lowest area index (local) or the higher-ranked area (international).
        """
        m = self.m
        orgs, areas, g = m.orgs, m.areas, m.p.governance
        n, n_a = orgs.n, areas.n
        # What coordination puts forward: visible unmet need, as the response's priorities see it.
        vis = self.visibility() * priority_view(m)
        ranked = np.argsort(-(self.unmet * vis), kind="stable")[: min(50, len(vis))]
        tolerance = self.risk_tolerance()
        context = self.decision_context()
        table = AcceptanceTable(m)  # one snapshot for the whole review

        pres = orgs.presence
        has = pres >= 0
        n_mine = has.sum(1)
        payroll = m.pay.payroll
        deciding = orgs.active.copy()
        drop = np.full(n, -1)

        # 1. Retreat for money: the area with the least unmet need (first such slot on ties).
        broke = deciding & (orgs.cash < g.retreat_reserve_weeks * payroll) & (n_mine > 1)
        if broke.any():
            unmet_slots = np.where(has, self.unmet[np.maximum(pres, 0)], np.inf)
            rows = np.nonzero(broke)[0]
            drop[rows] = pres[rows, np.argmin(unmet_slots[rows], axis=1)]
        deciding &= ~broke

        # 2. Retreat for risk: the riskiest area whose operating risk exceeds tolerance.
        several = deciding & (n_mine > 1)
        o_pair, s_pair = np.nonzero(has & several[:, None])
        if len(o_pair):
            a_pair = pres[o_pair, s_pair]
            risky = ~can_operate(m, o_pair, a_pair, tolerance, table)
            if risky.any():
                risk_slots = np.full(pres.shape, -np.inf)
                risk_slots[o_pair[risky], s_pair[risky]] = areas.access[a_pair[risky]]
                rows = np.unique(o_pair[risky])
                drop[rows] = pres[rows, np.argmax(risk_slots[rows], axis=1)]
                deciding[rows] = False
        for o in np.nonzero(drop >= 0)[0]:
            orgs.drop_presence(int(o), int(drop[o]))

        # 3. Expansion into the best gap known of, among the candidates it accepts the risk of.
        grow = np.nonzero(deciding & (orgs.cash >= g.expansion_reserve_weeks * payroll)
                          & (n_mine < pres.shape[1]))[0]
        if len(grow) == 0:
            return
        mine = np.zeros((len(grow), n_a), bool)
        r, s = np.nonzero(has[grow])
        mine[r, pres[grow][r, s]] = True
        local = orgs.is_local[grow]
        cand = np.zeros((len(grow), n_a), bool)
        if local.any():  # the neighbours of the areas each local organisation works in
            lr = np.nonzero(local)[0]
            r, s = np.nonzero(has[grow[lr]])
            k = areas.neighbours.shape[1]
            cand[np.repeat(lr[r], k), areas.neighbours[pres[grow[lr]][r, s]].ravel()] = True
        cand[np.ix_(~local, ranked)] = True
        cand &= ~mine
        r, a = np.nonzero(cand)
        if len(r) == 0:
            return
        ok = can_operate(m, grow[r], a, tolerance, table)
        r, a = r[ok], a[ok]
        known = access_factor(areas.access[a], context[grow[r]])
        intl = ~local[r]
        known[intl] = 1.0 - (1.0 - vis[a[intl]]) * (1.0 - known[intl])
        score = np.full((len(grow), n_a), -np.inf)
        score[r, a] = self.unmet[a] * known
        best = np.argmax(score, axis=1)  # lowest area index on ties (local organisations' order)
        by_rank = ranked[np.argmax(score[:, ranked], axis=1)]  # the higher-ranked area on ties
        best = np.where(local, best, by_rank)
        top = score[np.arange(len(grow)), best]
        go = top > 0
        delay = np.full(len(grow), m.p.crisis.intl_surge_delay_weeks, np.int64)
        delay[local] = self.local_entry_delay(grow[local])
        orgs.add_presences(grow[go], best[go], step + delay[go])


@kernel
def _decision_context(ctx, lam, partner, active, is_local, headcount):
    """:meth:`Coordination.decision_context` per organisation; each intermediary's partners' weighted
    differences added in the order of the partners (as ``np.bincount`` adds them)."""
    n = ctx.shape[0]
    wsum = np.zeros(n)
    diff = np.zeros(n)
    for o in range(n):
        if partner[o] >= 0 and active[o]:
            parent = partner[o]
            weight = headcount[o] + 1.0
            wsum[parent] += weight
            diff[parent] += weight * (ctx[o] - ctx[parent])
    out = np.empty(n)
    for o in range(n):
        if is_local[o]:
            intermediary = ctx[partner[o]] if partner[o] >= 0 and active[o] else ctx[o]
            out[o] = ctx[o] + (1.0 - lam[o]) * (intermediary - ctx[o])
        else:
            partners = ctx[o] + (diff[o] / wsum[o] if wsum[o] > 0 else 0.0)
            out[o] = ctx[o] + lam[o] * (partners - ctx[o])
    return out


@kernel
def _allocation(org, area, is_local, visibility, unmet, access, context, n):
    """:meth:`Coordination.allocation` for every pair (sums per organisation added in pair order)."""
    n_pairs = org.shape[0]
    areas_of = np.zeros(n, np.int64)
    known_total = np.zeros(n)
    known = np.empty(n_pairs)
    for i in range(n_pairs):
        o = org[i]
        areas_of[o] += 1
        known[i] = unmet[area[i]] * (1.0 - access[area[i]] * (1.0 - context[o]))  # sim/access.py access_factor
        known_total[o] += known[i]
    w = np.empty(n_pairs)
    w_total = np.zeros(n)
    for i in range(n_pairs):
        o = org[i]
        k = areas_of[o] if areas_of[o] > 1 else 1
        r = 1.0 if is_local[o] else visibility[area[i]]
        need_share = known[i] / known_total[o] if known_total[o] > 0 else 1.0 / k
        w[i] = (1.0 - r) / k + r * need_share
        w_total[o] += w[i]
    for i in range(n_pairs):
        total = w_total[org[i]]
        w[i] = w[i] / (total if total > 1e-12 else 1e-12)
    return w


@kernel
def _deployment(org, slot, area, is_local, visibility, unmet, access, context, planned, responsive_share):
    """:meth:`Coordination.deployment` for every pair (sums per organisation added in pair order)."""
    n = planned.shape[0]
    now = _allocation(org, area, is_local, visibility, unmet, access, context, n)
    n_pairs = org.shape[0]
    plan = np.empty(n_pairs)
    total = np.zeros(n)
    for i in range(n_pairs):
        plan[i] = planned[org[i], slot[i]]
        total[org[i]] += plan[i]
    out = np.empty(n_pairs)
    for i in range(n_pairs):
        o = org[i]
        share = plan[i] / total[o] if total[o] > 0 else now[i]
        free = responsive_share[o]
        out[i] = (1.0 - free) * share + free * now[i]
    return out


def presence_outcomes(orgs, areas) -> dict:
    """Where international organisations work this week (``sim/outcomes.py``)."""
    present, hard = _intl_presence(orgs.presence, orgs.is_intl, orgs.active, areas.hard_to_reach)
    return {"n_intl_presence": present, "n_intl_presence_hard_to_reach": hard}


@kernel
def _intl_presence(presence, is_intl, active, hard_to_reach):
    """Presence slots of active international organisations: all, and those in hard-to-reach areas."""
    present = hard = 0.0
    n, slots = presence.shape
    for o in range(n):
        if is_intl[o] and active[o]:
            for s in range(slots):
                if presence[o, s] >= 0:
                    present += 1.0
                    if hard_to_reach[presence[o, s]]:
                        hard += 1.0
    return present, hard
