"""Partnerships between international and local organisations: matching, participants, splits.

A local organisation has at most one international partner at a time (one row each in
``OrgTable.partner``); an international organisation keeps up to ``partners_per_intl``.
Partnerships run by the rules of a regime (``OrgTable.p_code``): the model's default regime,
or the sharing rules for as many of an international organisation's partnerships as its
funds earmarked for sharing pay for (``apply_sharing_earmark``).
A partnership ends after the rule set's ``partnership_weeks`` (project-bound building ends
with its project; open-ended sharing does not) and partners are matched again.

Who takes part is decided by who identifies the gaps: international actors pick trainees
at random from the partner's staff (a template), joint identification picks the people with
the largest gaps, an international assessment does half of each.
"""

from __future__ import annotations

import numpy as np

from .organisations import NO_PARTNER
from .regimes import REGIME_CODE

__all__ = ["end_partnerships", "match_partners", "apply_sharing_earmark", "earmark_targets", "select_participants", "pass_through_shares", "local_decision_weight"]



def end_partnerships(model, step: int) -> bool:
    """End partnerships whose term is over (or whose partner left); True if any ended."""
    orgs = model.orgs
    has = orgs.partner != NO_PARTNER
    gone = has & ((orgs.p_end <= step) | ~orgs.active | ~orgs.active[np.maximum(orgs.partner, 0)])
    if gone.any():
        orgs.partner[gone] = NO_PARTNER
        return True
    return False


def match_partners(model, step: int) -> None:
    """Each international organisation (a Mesa agent) fills its free partner slots."""
    for agent in model.intl_agents:
        agent.choose_partners(step)
    apply_sharing_earmark(model, step)


def earmark_targets(model) -> np.ndarray:
    """Per international organisation, how many of its partnerships its sharing earmark pays for.

    The earmark's share of the organisation's partnership budget (earmarked money, plus the
    pass-through share of the rest) times its number of partnerships, rounded.
    """
    orgs = model.orgs
    e = orgs.earmark_income_share
    ps = model.p.funding.pass_through_share
    denom = e + ps * (1.0 - e)
    frac = np.divide(e, denom, out=np.zeros(orgs.n), where=denom > 0)
    count = np.bincount(orgs.partner[orgs.partner != NO_PARTNER], minlength=orgs.n)
    return np.round(frac * count).astype(np.int64) * orgs.is_intl


def apply_sharing_earmark(model, step: int) -> None:
    """Run as many partnerships by the sharing rules as earmarked funds pay for, and no more.

    Partnerships switched by the earmark start afresh under the sharing rules; when the earmark
    shrinks or lapses, the extra ones return to the default regime's rules.
    """
    orgs, rules = model.orgs, model.rules
    sharing = REGIME_CODE["sharing"]
    if model.default_code == sharing:
        return
    target = earmark_targets(model)
    has = orgs.partner != NO_PARTNER
    current = np.bincount(orgs.partner[has & orgs.p_earmarked], minlength=orgs.n)
    changed = np.zeros(orgs.n, bool)
    for i in np.flatnonzero((target != current) & orgs.is_intl):
        mine = np.flatnonzero(orgs.partner == i)
        marked = mine[orgs.p_earmarked[mine]]
        if len(marked) < target[i]:
            switch = mine[~orgs.p_earmarked[mine]][: target[i] - len(marked)]
            code = sharing
            orgs.p_earmarked[switch] = True
        else:
            switch = marked[: len(marked) - target[i]]
            code = model.default_code
            orgs.p_earmarked[switch] = False
        orgs.p_code[switch] = code
        orgs.p_start[switch] = step
        orgs.p_end[switch] = np.minimum(step + rules.partnership_weeks[code], np.iinfo(np.int64).max // 2)
        changed[switch] = True
    if changed.any():
        select_participants(model, step, force=changed)


def choose_partners_for(model, intl: int, step: int, rng) -> None:
    """Match one international organisation with local partners where it works."""
    orgs, p = model.orgs, model.p
    current = np.count_nonzero(orgs.partner == intl)
    free = p.partners_per_intl - current
    if free <= 0 or not orgs.active[intl]:
        return
    areas = orgs.presence[intl]
    areas = areas[areas >= 0]
    if len(areas) == 0:
        return
    near = np.zeros(model.areas.n, bool)
    near[areas] = True
    near[model.areas.neighbours[areas].ravel()] = True
    open_local = orgs.is_local & orgs.active & (orgs.partner == NO_PARTNER)
    pres = orgs.presence
    in_reach = (near[np.maximum(pres, 0)] & (pres >= 0)).any(1)
    cand = np.flatnonzero(open_local & in_reach)
    if len(cand) == 0:
        return
    chosen = rng.choice(cand, min(free, len(cand)), replace=False)
    code = model.default_code
    orgs.partner[chosen] = intl
    orgs.p_earmarked[chosen] = False
    orgs.p_code[chosen] = code
    orgs.p_start[chosen] = step
    orgs.p_end[chosen] = np.minimum(step + model.rules.partnership_weeks[code], np.iinfo(np.int64).max // 2)
    force = np.zeros(orgs.n, bool)
    force[chosen] = True
    select_participants(model, step, force=force)


def select_participants(model, step: int, force: np.ndarray | None = None) -> None:
    """Choose trainees of local partners (and international counterparts for two-way work).

    Runs for partnerships that just started (``force``) and, every ``learning.reselect_weeks`` weeks,
    for all partnerships (people leave and join; participants are chosen again).
    """
    orgs, staff, rules = model.orgs, model.staff, model.rules
    n = orgs.n
    if force is None and step % model.p.learning.reselect_weeks:
        return
    has = orgs.partner != NO_PARTNER
    due = has if force is None else (force & has)
    if not due.any():
        return
    code = orgs.p_code
    share = np.where(due, rules.trainee_share[code], 0.0)
    mode = rules.gap_mode[code]
    # International counterparts: as many as the local participants, in two-way partnerships.
    two = has & rules.two_way[code]
    counterparts = np.zeros(n)
    if two.any():
        counterparts = np.bincount(orgs.partner[two], np.round(rules.trainee_share[code[two]] * staff.headcount[two]), n)
    intl_due = np.zeros(n, bool)
    intl_due[orgs.partner[due]] = True
    idx, emp = staff.idx, staff.emp
    affected = (due[emp]) | (intl_due[emp] & orgs.is_intl[emp])
    people = idx[affected]
    if len(people) == 0:
        return
    e = staff.employer[people]
    rng = model.streams["training"]
    random_key = rng.random(len(people))
    # Gap-based key: lowest technical skill (local) or lowest contextual skill (international) first.
    gap_key = np.where(orgs.is_intl[e], staff.ctx_base[people] + staff.ctx_gain[people],
                       staff.tech_base[people] + staff.tech_gain[people])
    m = np.where(orgs.is_intl[e], 2, mode[e])  # counterparts are chosen by their own gaps
    key = np.choose(m, [random_key, 0.5 * random_key + 0.5 * gap_key, gap_key])
    order = np.lexsort((key, e))
    e_sorted = e[order]
    first = np.searchsorted(e_sorted, e_sorted, side="left")
    rank = np.arange(len(order)) - first
    quota = np.where(orgs.is_intl, counterparts, np.round(share * staff.headcount))
    chosen = rank < quota[e_sorted]
    staff.trainee[people[order]] = chosen


def pass_through_shares(model) -> np.ndarray:
    """Share of each intermediary's grant income sub-granted to its local partners this week.

    Outside joint programmes the share is ``funding.pass_through_share``. In a joint programme
    (``comparative_advantage_share`` of the intermediary's budget) work - and money - goes to
    whichever partner delivers more per dollar where the partners work: output per staff
    (technical skill, institutional systems, access through contextual capacity) over cost.
    """
    orgs, staff, p = model.orgs, model.staff, model.p
    n = orgs.n
    local = np.flatnonzero(orgs.partner != NO_PARTNER)
    share = np.zeros(n)
    if len(local) == 0:
        return share
    intl = orgs.partner[local]
    code = orgs.p_code[local]
    # The joint programme allocates work by comparative advantage once co-design is done.
    ramp = model.rules.co_design_progress(code, model.steps_done - orgs.p_start[local])
    ca_w = model.rules.ca_share[code] * ramp
    ce = model.coordination.cost_effectiveness()
    ce_local = np.bincount(intl, ce[local], n)
    count = np.bincount(intl, minlength=n)
    ce_local = np.divide(ce_local, count, out=np.zeros(n), where=count > 0)
    denom = ce_local + ce
    ca = np.divide(ce_local, denom, out=np.zeros(n), where=denom > 0)
    weight = np.divide(np.bincount(intl, ca_w, n), count, out=np.zeros(n), where=count > 0)
    share = (p.funding.pass_through_share * (1 - weight) + ca * weight) * (count > 0)
    return share * orgs.is_intl


def local_decision_weight(model) -> np.ndarray:
    """Per local organisation, its weight in its partnership's decisions (0 if no partner)."""
    orgs = model.orgs
    has = orgs.partner != NO_PARTNER
    g = model.p.governance
    jg = model.rules.joint_governance[orgs.p_code] * g.joint_decision_weight
    return np.where(has, np.minimum(1.0, jg + g.local_board_seats * g.board_seat_weight), 0.0)
