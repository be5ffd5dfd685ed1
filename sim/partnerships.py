"""Partnerships between international and local organisations: matching, trust, renewal, participants,
and the share of an intermediary's money each local partner receives.

A local organisation has at most one international partner at a time (one row each in
``OrgTable.partner``); an international organisation keeps up to ``partners_per_intl``.
Partnerships run by the rules of a regime (``OrgTable.p_code``): the model's default regime,
or the sharing rules for as many of an international organisation's partnerships as its
funds earmarked for sharing pay for (``apply_sharing_earmark``).

**Trust and renewal** (the same laws under every regime, ``partnership`` parameters). A
partnership both sides chose starts with trust ``trust_start``; imposing the sharing rules on a
partnership through an earmark multiplies its trust by ``imposed_trust_factor``. Trust grows by ``trust_gain`` of the remaining gap each week of
working together, and it decides how much capacity work takes hold (``sim/regimes.py``). At the
end of a term (the rule set's ``partnership_weeks``; open-ended terms never end) the partners
renew, keeping their trust, unless trust is below ``renewal_trust``, the local partner's
performance (its share of staff deployed and funded) is below ``renewal_performance``, the
intermediary has no grant income, or either has left; otherwise the partnership ends and both
are matched again.

**Matching** draws by (week, organisation): each international organisation ranks candidate
partners by uniforms fixed per (seed, week, intermediary, candidate), so a change elsewhere
cannot shift who is matched with whom (common random numbers, ``sim/rng.py``); a preference for
women-led and marginalised-led candidates scales their keys down (``sim/inclusion.py``).

**Who takes part** is decided by who identifies the gaps: international actors pick trainees
at random from the partner's staff (a template), joint identification picks the people with
the largest gaps, an international assessment does half of each.

**Money to partners** (:func:`pass_fractions`; a funding rule, never a regime rule): each local
partner receives a share of its intermediary's grant income, split among the partners by their
size. Outside joint programmes the share is ``funding.pass_through_share``. A joint programme
(``funding.joint_programme_share`` of the budget, and all of what is earmarked for sharing) is
split by complementarity (:func:`complementarity_split`).
"""

from __future__ import annotations

import numpy as np

from .inclusion import partner_keys
from .jit import kernel, lowest_per_group, pairwise_sum
from .kinds import NO_PARTNER
from .regimes import EARMARK_CODE

__all__ = ["end_partnerships", "match_partners", "apply_sharing_earmark", "earmark_targets", "select_participants",
           "pass_fractions", "complementarity_split", "grow_trust", "renewal_due", "outcomes"]

_FAR = np.iinfo(np.int64).max // 2


def grow_trust(model) -> None:
    """Trust grows by ``partnership.trust_gain`` of the remaining gap in every active partnership."""
    orgs = model.orgs
    has = (orgs.partner != NO_PARTNER) & orgs.active
    orgs.p_trust += model.p.partnership.trust_gain * (1.0 - orgs.p_trust) * has


def renewal_due(model, step: int) -> tuple[np.ndarray, np.ndarray]:
    """(renew, end) masks of local organisations whose partnership term ends this week (or whose partner left)."""
    orgs, pp = model.orgs, model.p.partnership
    return _renewal_due(orgs.partner, orgs.active, orgs.p_end, orgs.p_trust, orgs.utilisation, orgs.income_ema, step,
                        pp.renewal_trust, pp.renewal_performance)


@kernel
def _renewal_due(partner, active, p_end, p_trust, utilisation, income_ema, step, renewal_trust, renewal_performance):
    """:func:`renewal_due` per organisation: a partnership is over if the partner left (or either is inactive);
    it is due when its term ends; a due one is renewed with enough trust and performance and a funded partner."""
    n = partner.shape[0]
    keep = np.zeros(n, np.bool_)
    end = np.zeros(n, np.bool_)
    for o in range(n):
        has = partner[o] != NO_PARTNER
        parent = partner[o] if partner[o] > 0 else 0
        gone = has and (not active[o] or not active[parent])
        due = has and not gone and p_end[o] <= step
        keep[o] = (due and p_trust[o] >= renewal_trust and utilisation[o] >= renewal_performance
                   and income_ema[parent] > 0)
        end[o] = gone or (due and not keep[o])
    return keep, end


def end_partnerships(model, step: int) -> bool:
    """Renew partnerships whose term is over where trust, performance and funding allow, end the others.

    Returns True if any partnership ended (then partners are matched again).
    """
    orgs = model.orgs
    renew, end = renewal_due(model, step)
    if renew.any():
        term = model.rules.partnership_weeks[orgs.p_code[renew]]
        orgs.p_end[renew] = np.minimum(step + term, _FAR)
    if end.any():
        orgs.partner[end] = NO_PARTNER
        orgs.p_trust[end] = 0.0
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
    pass-through share and half the joint programme share of the rest) times its number of
    partnerships, rounded.
    """
    orgs, f = model.orgs, model.p.funding
    e = orgs.earmark_income_share
    # Non-earmarked money reaching partners: the pass-through share of the rest and, of a joint
    # programme, the split's expected half (the split itself is per partnership).
    ps = f.pass_through_share * (1.0 - f.joint_programme_share) + 0.5 * f.joint_programme_share
    denom = e + ps * (1.0 - e)
    frac = np.divide(e, denom, out=np.zeros(orgs.n), where=denom > 0)
    count = np.bincount(orgs.partner[orgs.partner != NO_PARTNER], minlength=orgs.n)
    return np.round(frac * count).astype(np.int64) * orgs.is_intl


def apply_sharing_earmark(model, step: int) -> None:
    """Run as many partnerships by the sharing rules as earmarked funds pay for, and no more.

    Partnerships switched by the earmark start afresh under the sharing rules; imposing them
    multiplies the partners' trust by ``partnership.imposed_trust_factor``; when the earmark shrinks
    or lapses, the extra ones return to the default regime's rules (keeping the trust they built).
    """
    orgs, rules = model.orgs, model.rules
    sharing = EARMARK_CODE
    if rules.same_rules(model.default_code, sharing):
        return  # the partnerships already run by the sharing rules
    target = earmark_targets(model)
    has = orgs.partner != NO_PARTNER
    current = np.bincount(orgs.partner[has & orgs.p_earmarked], minlength=orgs.n)
    changed = np.zeros(orgs.n, bool)
    pp = model.p.partnership
    for i in np.nonzero((target != current) & orgs.is_intl)[0]:
        mine = np.nonzero(orgs.partner == i)[0]
        marked = mine[orgs.p_earmarked[mine]]
        if len(marked) < target[i]:
            switch = mine[~orgs.p_earmarked[mine]][: target[i] - len(marked)]
            code = sharing
            orgs.p_earmarked[switch] = True
            orgs.p_trust[switch] *= pp.imposed_trust_factor  # imposing the rules costs trust
        else:
            switch = marked[: len(marked) - target[i]]
            code = model.default_code
            orgs.p_earmarked[switch] = False
        orgs.p_code[switch] = code
        orgs.p_start[switch] = step
        orgs.p_end[switch] = np.minimum(step + rules.partnership_weeks[code], _FAR)
        changed[switch] = True
    if changed.any():
        select_participants(model, step, force=changed)


def choose_partners_for(model, intl: int, step: int) -> None:
    """Match one international organisation with local partners where it works.

    Candidates are active local organisations without a partner working in or next to one of
    its areas; it takes those with the smallest draws fixed per (week, intermediary, candidate).
    """
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
    cand = np.nonzero(open_local & in_reach)[0]
    if len(cand) == 0:
        return
    key = model.streams.slot_uniforms("partners", step, orgs.n, sub=intl)[cand]
    key = partner_keys(model, cand, key)  # a preference for group-led partners (sim/inclusion.py)
    chosen = cand[np.argsort(key, kind="stable")[: min(free, len(cand))]]
    code = model.default_code
    orgs.partner[chosen] = intl
    orgs.p_earmarked[chosen] = False
    orgs.p_code[chosen] = code
    orgs.p_start[chosen] = step
    orgs.p_end[chosen] = np.minimum(step + model.rules.partnership_weeks[code], _FAR)
    orgs.p_trust[chosen] = p.partnership.trust_start
    force = np.zeros(orgs.n, bool)
    force[chosen] = True
    select_participants(model, step, force=force)


def select_participants(model, step: int, force: np.ndarray | None = None) -> None:
    """Choose trainees of local partners (and international counterparts for two-way work).

    Runs for partnerships that just started (``force``) and, every ``learning.reselect_weeks`` weeks,
    for all partnerships (people leave and join; participants are chosen again). The random part
    of the choice is a draw fixed per (week, person).
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
    random_key = model.streams.at_slots("training", step, people)
    quota = np.where(orgs.is_intl, counterparts, np.round(share * staff.headcount))
    key = _participant_keys(people, random_key, mode, orgs.is_intl, staff.employer, staff.tech_base, staff.tech_gain,
                            staff.ctx_base, staff.ctx_gain)
    # Each organisation's ``quota`` smallest keys, ties in slot order (``quota`` holds whole numbers).
    chosen = people[lowest_per_group(staff.employer[people], key, quota.astype(np.int64))]
    staff.trainee[people] = False
    staff.trainee[chosen] = True


@kernel
def _participant_keys(people, random_key, mode, is_intl, employer, tech_base, tech_gain, ctx_base, ctx_gain):
    """Each candidate's key in :func:`select_participants` (the smallest are chosen): their draw (gap mode 0),
    their skill gap - technical for local staff, contextual for international counterparts, who are always
    chosen by their gaps - (mode 2), or the mean of the two (mode 1)."""
    key = np.empty(people.shape[0])
    for i in range(people.shape[0]):
        p = people[i]
        o = employer[p]
        if is_intl[o]:
            key[i] = ctx_base[p] + ctx_gain[p]
        else:
            gap = tech_base[p] + tech_gain[p]
            key[i] = random_key[i] if mode[o] == 0 else (0.5 * random_key[i] + 0.5 * gap if mode[o] == 1 else gap)
    return key


def complementarity_split(model, local: np.ndarray) -> np.ndarray:
    """Share of a joint programme's work, and money, each local partner takes (``local``: partners' indices).

    A programme's work is ``staff.community_facing_share`` community-facing (outreach,
    distribution, engagement) and the rest supply and specialist work. Each work type goes to
    the partner with the comparative advantage in it: effectiveness per staff-week on
    community-facing work is effectiveness x ``access_factor`` in the local partner's areas (it
    depends on access and acceptance), on supply and specialist work effectiveness alone. The
    local partner takes the community-facing work if its ratio of the two is higher than its
    intermediary's, the supply and specialist work otherwise; equal ratios split both evenly.
    Pay never enters: the split is the same whatever either side's staff are paid.
    """
    orgs = model.orgs
    return _complementarity(np.asarray(local, np.int64), orgs.partner, orgs.presence, model.areas.access,
                            model.effective_context(), model.p.staff.community_facing_share)


@kernel
def _complementarity(local, partner, presence, access, ctx, community_facing):
    """:func:`complementarity_split` for the partners ``local``: each one's mean access over its presences
    (``access_factor``'s arithmetic on it), against its intermediary's at the same access."""
    m, width = local.shape[0], presence.shape[1]
    out = np.empty(m)
    row = np.empty(width)
    for i in range(m):
        o = local[i]
        count = 0
        for j in range(width):
            a = presence[o, j]
            row[j] = access[a] if a >= 0 else 0.0
            count += a >= 0
        mean_access = pairwise_sum(row) / (count if count > 1 else 1)  # (a row summed as numpy sums it)
        ratio_local = 1.0 - mean_access * (1.0 - ctx[o])
        ratio_intl = 1.0 - mean_access * (1.0 - ctx[partner[o]])
        if ratio_local > ratio_intl + 1e-12:
            out[i] = community_facing
        elif ratio_intl > ratio_local + 1e-12:
            out[i] = 1.0 - community_facing
        else:
            out[i] = 0.5
    return out


def pass_fractions(model) -> np.ndarray:
    """Per local partner, the fraction of its intermediary's grant income passed to it this week (gross
    of overhead; 0 for organisations without a partner).

    Partners share the intermediary's money by the funders' allocation weights set at the last
    funding round (``CapacityModel.local_view``, ``sim/allocation.py``: size, need, assessed
    capacity, output per dollar, losses - never regime). The intermediary's
    joint programme - ``funding.joint_programme_share`` of its income, and all of its income
    earmarked for sharing - is split by :func:`complementarity_split`; the rest by
    ``funding.pass_through_share``.
    """
    orgs, f = model.orgs, model.p.funding
    return _pass_fractions(orgs.partner, orgs.is_local, model.local_view, model.staff.headcount,
                           orgs.earmark_income_share, orgs.presence, model.areas.access, model.effective_context(),
                           f.joint_programme_share, f.pass_through_share, model.p.staff.community_facing_share)


@kernel
def _pass_fractions(partner, is_local, local_view, headcount, earmark_share, presence, access, ctx, joint_share,
                    pass_through, community_facing):
    """:func:`pass_fractions`: each local partner's share of its intermediary's partners by the last round's view
    (a partner it did not see at the staff-weighted mean view), times what the intermediary passes on."""
    n = partner.shape[0]
    out = np.zeros(n)
    local = np.empty(n, np.int64)
    m = 0
    for o in range(n):
        local[m] = o
        m += partner[o] != NO_PARTNER and is_local[o]
    if m == 0:
        return out
    local = local[:m]
    size = np.empty(m)
    ratios = np.empty(m)  # view per staff of the partners seen
    seen = 0
    for i in range(m):
        size[i] = local_view[local[i]]
        if size[i] > 0:
            ratios[seen] = size[i] / (headcount[local[i]] + 1.0)
            seen += 1
    if seen < m:
        per_staff = pairwise_sum(ratios[:seen]) / seen if seen > 0 else 1.0
        for i in range(m):
            if not size[i] > 0:
                size[i] = (headcount[local[i]] + 1.0) * per_staff
    total = np.zeros(n)  # each intermediary's partners' sizes, added in order
    for i in range(m):
        total[partner[local[i]]] += size[i]
    joint = np.empty(m)
    any_joint = False
    for i in range(m):
        joint[i] = joint_share + (1.0 - joint_share) * earmark_share[partner[local[i]]]
        any_joint = any_joint or joint[i] > 0
    split = _complementarity(local, partner, presence, access, ctx, community_facing) if any_joint else np.zeros(m)
    for i in range(m):
        out[local[i]] = size[i] / total[partner[local[i]]] * (pass_through * (1.0 - joint[i]) + joint[i] * split[i])
    return out


def outcomes(orgs, rules) -> dict:
    """This week's partnership outcomes (``sim/outcomes.py``)."""
    n, capacity, trust = _partnership_sums(orgs.partner, orgs.p_code, orgs.p_trust, rules.capacity_work)
    return {
        "n_partnerships": n,
        "n_capacity_partnerships": capacity,
        "partnership_trust": trust / n if n else 0.0,
    }


@kernel
def _partnership_sums(partner, code, trust, capacity_work):
    """:func:`outcomes`' sums (outcomes only: nothing reads them back, so they run in this order; they agree with
    numpy's to rounding, ``tests/test_golden.py``): partnerships, those whose rules include capacity work, and
    their summed trust."""
    n = capacity = total = 0.0
    for o in range(partner.shape[0]):
        if partner[o] != NO_PARTNER:
            n += 1.0
            total += trust[o]
            if capacity_work[code[o]]:
                capacity += 1.0
    return n, capacity, total
