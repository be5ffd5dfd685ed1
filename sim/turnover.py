"""Staff turnover and brain drain: pay, quits, layoffs, hiring and poaching.

* **Pay**: national staff at international organisations earn ``intl_national_pay_ratio``
  times local pay, less the share of the gap closed by ``salary_harmonisation``;
  expatriates earn ``expat_pay_ratio`` times local pay. Local staff of organisations holding
  multi-year funding (directly or through their partner) get ``retention_funding`` as a
  salary top-up.
* **Quits**: a yearly hazard ``annual_attrition`` plus ``insecurity_attrition`` scaled by how
  little funding the employer has secured for the coming year, plus the extra quits after
  security incidents on the employer's staff (``sim/risk.py``), reduced by the top-up.
  Multi-year grants secure funding, so they lower turnover.
* **Layoffs**: an employer that cannot pay its payroll, or is far above the headcount its
  income supports, lets people go; nationals stay in the labour pool with their skills.
* **Hiring and poaching**: employers hire towards the headcount their expected income
  supports. International organisations recruit a share (``poaching_pressure``) of their
  national hires from local organisations' staff, skilled people first; an offer is accepted
  with a probability rising with the pay ratio. Surge funding after shocks raises
  international hiring, and so poaching. A no-poaching agreement forgoes a share of offers.
  Skills move with the person: this is brain drain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .jit import kernel, lowest_per_group, masked_sum, pairwise_sum
from .kinds import NO_PARTNER
from .staff import GONE, POOL

__all__ = ["Pay", "set_pay", "weekly_pay", "staff_moves", "exit_international", "leaves", "outcomes"]


def leaves(uniforms: np.ndarray, probability) -> np.ndarray:
    """Who leaves this period: one uniform draw per person, True with that person's probability.

    The turnover of March's (1991) docking model (``sim/docking/march.py``, each individual leaves
    with probability p3 per period and is replaced by a newcomer) draws leavers here; the model's
    staff quits make the same comparison slot by slot in their kernel (:func:`_quits`).

    Args:
        uniforms: one uniform draw in [0, 1) per person (the model reads them per slot from
            ``Streams.slot_uniforms``; March's model draws them from its generator).
        probability: per-period probability of leaving, one per person (same shape), 0..1.
    """
    return np.asarray(uniforms) < np.asarray(probability)


@dataclass
class Pay:
    """This week's pay (USD per week), set in the funding phase (:func:`weekly_pay`).

    Attributes:
        topup: per organisation, the retention top-up of its local staff (share of pay).
        national: per organisation, the pay of one national staff member.
        expat: the pay of one expatriate.
        payroll: per organisation, its weekly payroll.
    """

    topup: np.ndarray
    national: np.ndarray
    expat: float
    payroll: np.ndarray

    @classmethod
    def zeros(cls, n_orgs: int) -> "Pay":
        z = np.zeros(n_orgs)
        return cls(z.copy(), z.copy(), 0.0, z.copy())


@kernel
def smallest_k(key, k):
    """Positions of the ``k`` smallest keys, smallest first, ties by position: the same on every machine.

    ``np.argpartition``'s order, and at ties its choice, depend on the sorting kernel numpy picks for
    the processor (AVX-512 or AVX2), so a model that used its order gave different runs on different
    machines (``tests/test_determinism.py``). The k-th smallest value is the same whatever the algorithm;
    the positions at or below it, sorted stably by key, are the answer.
    """
    if k <= 0:
        return np.zeros(0, np.int64)
    if k >= key.shape[0]:
        return np.argsort(key, kind="mergesort")
    kth = np.partition(key, k - 1)[k - 1]
    idx = np.nonzero(key <= kth)[0]
    return idx[np.argsort(key[idx], kind="mergesort")][:k]


def set_pay(model) -> None:
    """This week's pay (:func:`weekly_pay`) into ``model.pay``."""
    model.pay = weekly_pay(model.p, model.orgs, model.staff)


def weekly_pay(p, orgs, staff) -> Pay:
    """Per-organisation national pay, retention top-up, and payroll for this week."""
    s, t, f = p.staff, p.turnover, p.funding
    base = s.local_weekly_pay
    intl_nat = base * (1.0 + (s.intl_national_pay_ratio - 1.0) * (1.0 - t.salary_harmonisation))
    # The top-up is paid from multi-year money: in proportion to the share of the employer's
    # grant income (or its international partner's) that is multi-year.
    expat = base * s.expat_pay_ratio
    topup, national, payroll = _pay(orgs.partner, orgs.multi_year_income_share, orgs.is_local, f.retention_funding,
                                    base, intl_nat, expat, staff.slot_org, staff.national)
    return Pay(topup, national, expat, payroll)


@kernel
def _pay(partner, multi_year_share, is_local, retention_funding, base, intl_nat, expat, slot_org, slot_national):
    """Per organisation: the top-up, a national's pay and the payroll (each person's pay added in slot
    order, as ``np.bincount`` adds them)."""
    n = partner.shape[0]
    topup = np.zeros(n)
    national = np.empty(n)
    for o in range(n):
        share = multi_year_share[o]
        if partner[o] != NO_PARTNER and multi_year_share[partner[o]] > share:
            share = multi_year_share[partner[o]]
        if is_local[o]:
            topup[o] = retention_funding * share
            national[o] = base * (1.0 + topup[o])
        else:
            national[o] = intl_nat
    payroll = np.zeros(n + 1)  # (n: nobody employed; branch-free, as sim/staff.py _refresh)
    pay = np.empty(n + 1)
    pay[:n] = national
    pay[n] = 0.0
    for i in range(slot_org.shape[0]):
        o = slot_org[i]
        payroll[o] += pay[o] if slot_national[i] else expat
    return topup, national, payroll[:n]


def staff_moves(model, step: int) -> dict:
    """Quits, layoffs, poaching and hiring for this week; returns the counts moved.

    The arithmetic between the random draws runs in kernels (:func:`_before_quits`, :func:`_quits`,
    :func:`_after_quits`, :func:`_lay_off_lowest`, :func:`_after_hiring`); the draws are the mechanism's own.
    """
    orgs, staff, p, streams = model.orgs, model.staff, model.p, model.streams
    t = p.turnover
    n = orgs.n
    # 1. Quits (over every staff slot; nobody quits a slot where nobody is employed). People let go when
    # international actors exited earlier this step count as leavers too. The quit hazard depends on the
    # employer only: computed per organisation, read per person.
    weekly, hc0, leavers, departures = _before_quits(
        orgs.exit_leavers, staff.headcount, orgs.cash, orgs.committed, model.pay.payroll, model.pay.topup,
        model.risk.quit_hazard, p.STEPS_PER_YEAR, t.annual_attrition, t.insecurity_attrition, t.retention_effect)
    # Each person's draw is fixed by their slot and the week (common random numbers per person).
    luck = streams.slot_uniforms("attrition", step, staff.n_slots)
    quit, quits_by_org = _quits(luck, np.expm1(weekly), staff.slot_org, staff.employer, staff.trainee)

    # 2. Layoffs: unpaid payroll, or far above supported headcount; only the staff (who did not quit) of
    # organisations that lay people off are candidates.
    n_quits, hc, target, n_lay, laying_off, candidates, their_org = _after_quits(
        quits_by_org, leavers, hc0, quit, staff.slot_org, staff.headcount, model.pay.payroll, model.pay.national,
        orgs.income_ema, orgs.cash, orgs.active, orgs.unpaid, p.staff.staff_budget_share,
        p.staff.reserve_spend_weeks, p.staff.overstaffing_tolerance, p.staff.overstaffing_layoff_rate)
    staff.left += n_quits
    n_layoffs = 0
    if laying_off:
        key = streams.at_slots("layoffs", step, candidates)  # fixed per (week, person)
        n_layoffs = _lay_off_lowest(candidates, their_org, key, n_lay, staff.employer, staff.national,
                                    staff.trainee, leavers, hc)  # each organisation's lowest keys go
        staff.left += n_layoffs

    separations = leavers.copy()  # quits, layoffs and other departures by employer (poaching is counted apart)

    # 3. Hiring, with poaching by international organisations.
    vac = _vacancies(hc, target, orgs.cash, model.pay.payroll, orgs.active, p.staff.hiring_reserve_weeks,
                     p.staff.max_hiring_rate)
    rng = streams["poaching"]
    expat = np.zeros(n, np.int64)
    if orgs.is_intl.any():
        expat[orgs.is_intl] = rng.binomial(vac[orgs.is_intl], p.staff.expat_share_intl)
    nat_vac = vac - expat  # (less those poached, below)
    attempts = np.where(orgs.is_intl, rng.binomial(nat_vac, t.poaching_pressure * (1.0 - t.no_poaching_agreement)), 0)
    poached = 0
    poached_from = np.zeros(n)  # staff poached from each organisation this week
    if attempts.sum() > 0:
        # Still employed (after quits and layoffs) by an active local organisation, in slot order.
        pool, tech = _poaching_pool(staff.employer, staff.slot_org, orgs.is_local, orgs.active, staff.tech_base,
                                    staff.tech_gain)
        if len(pool):
            skill = tech ** t.poaching_skill_exponent + 1e-6
            # Weighted sampling without replacement (Efraimidis & Spirakis 2006): the k smallest Exp(1)/weight
            # keys; skilled people are approached first, each by the next attempt in organisation order.
            cand, hirer, ratio = _approached(pool, rng.exponential(1.0, len(pool)), skill, attempts, staff.employer,
                                             model.pay.national)
            accept_p = 1.0 / (1.0 + np.exp(-t.pay_sensitivity * (np.log(ratio) - np.log(t.reservation_pay_ratio))))
            poached_from, poached = _poach(cand, hirer, rng.random(len(cand)) < accept_p, staff.employer,
                                           staff.trainee, leavers, nat_vac)
    hire_orgs, national = _hire_list(nat_vac, expat)
    hires = staff.hire(hire_orgs, national, step, streams["hiring"], orgs.is_intl)
    staff.refresh(n)

    # Turnover erodes institutional memory a little; the pool loses skills and people.
    left, employed_before, separations_local, separations_intl, hires_local = _after_hiring(
        leavers, hc0, separations, orgs.inst, p.learning.turnover_erosion, orgs.is_local, orgs.is_intl, hire_orgs)
    orgs.leavers = leavers
    staff.pool_step(p.staff.pool_exit_rate, p.learning.unpractised_decay, streams["hiring"])
    return dict(quits=n_quits, layoffs=n_layoffs, departures=departures, poached=poached, poached_from=poached_from,
                hires=hires, leavers=left, employed_before=employed_before, hires_local=hires_local,
                hires_intl=hires - hires_local, separations_local=separations_local,
                separations_intl=separations_intl)


@kernel
def _poaching_pool(employer, slot_org, is_local, active, tech_base, tech_gain):
    """Staff still employed (after quits and layoffs) by an active local organisation, in slot order, and
    their technical skill (base + applied training, at most 1, as ``StaffTable.tech_of``); branch-free over
    the slots (``sim/staff.py`` ``_refresh``)."""
    n = is_local.shape[0]
    local = np.zeros(n + 1, np.bool_)  # per slot organisation (n: nobody employed at the refresh)
    for o in range(n):
        local[o] = is_local[o] and active[o]
    u = slot_org.shape[0]
    pool = np.empty(u, np.int64)
    k = 0
    for i in range(u):
        pool[k] = i
        k += (employer[i] >= 0) & local[slot_org[i]]
    tech = np.empty(k)
    for j in range(k):
        t = tech_base[pool[j]] + tech_gain[pool[j]]
        tech[j] = t if t < 1.0 else 1.0
    return pool[:k], tech


@kernel
def _approached(pool, draws, skill, attempts, employer, national_pay):
    """Whom the poaching attempts approach: the ``min(attempts, pool)`` people with the smallest
    ``draw / skill`` keys (:func:`smallest_k`'s choice), smallest first; the organisation each attempt is
    made by (organisation by organisation); and the pay ratio each is offered (hirer's national pay over
    the current employer's)."""
    keys = draws / skill
    total = 0
    for o in range(attempts.shape[0]):
        total += attempts[o]
    k = min(total, pool.shape[0])
    cand = pool[smallest_k(keys, k)] if k < pool.shape[0] else pool.copy()
    hirer = np.empty(k, np.int64)
    j = 0
    for o in range(attempts.shape[0]):
        for _ in range(attempts[o]):
            if j < k:
                hirer[j] = o
            j += 1
    ratio = np.empty(k)
    for j in range(k):
        ratio[j] = national_pay[hirer[j]] / national_pay[employer[cand[j]]]
    return cand, hirer, ratio


@kernel
def _poach(cand, hirer, accept, employer, trainee, leavers, nat_vac):
    """Those approached who accept move to the hirer (no longer trainees); returns the staff poached from
    each organisation (also added to ``leavers``; the hirers' national vacancies are reduced in place) and
    how many moved."""
    n = leavers.shape[0]
    poached_from = np.zeros(n)
    moved = 0
    for j in range(cand.shape[0]):
        if accept[j]:
            person = cand[j]
            poached_from[employer[person]] += 1.0
            nat_vac[hirer[j]] -= 1
            employer[person] = hirer[j]
            trainee[person] = False
            moved += 1
    for o in range(n):
        leavers[o] += poached_from[o]
    return poached_from, moved


@kernel
def _before_quits(exit_leavers, headcount, cash, committed, payroll, topup, incident_hazard, steps_per_year, annual,
                  insecurity_attrition, retention_effect):
    """:func:`staff_moves` before the quits' draws: the week's quit exponent per organisation (its hazard over
    the weeks of a year, negated: a person quits with probability ``-expm1`` of it), the headcount before the
    moves (exit departures included), the leavers so far (those departures) and their number. Empties
    ``exit_leavers``."""
    n = headcount.shape[0]
    hazard = _quit_hazard(cash, committed, payroll, topup, incident_hazard, steps_per_year, annual,
                          insecurity_attrition, retention_effect)
    weekly = np.empty(n)
    hc0 = np.empty(n)
    leavers = exit_leavers.copy()
    for o in range(n):
        weekly[o] = -hazard[o] / steps_per_year
        hc0[o] = headcount[o] + exit_leavers[o]
        exit_leavers[o] = 0.0
    return weekly, hc0, leavers, pairwise_sum(leavers)


@kernel
def _after_quits(quits_by_org, leavers, hc0, quit, slot_org, headcount, payroll, national_pay, income_ema, cash,
                 active, unpaid, budget_share, reserve_weeks, tolerance, layoff_rate):
    """:func:`staff_moves` after the quits: their number (added to ``leavers``), the headcount left, the target
    headcount (:func:`_target_headcount`, of the headcount before the moves), the layoffs per organisation
    (:func:`_layoff_counts`), whether any, and the candidates (slots in order) with their employers."""
    n = quits_by_org.shape[0]
    n_quits = 0
    hc = np.empty(n)
    for o in range(n):
        n_quits += quits_by_org[o]
        leavers[o] += quits_by_org[o]
        hc[o] = hc0[o] - quits_by_org[o]
    target = _target_headcount(headcount, payroll, national_pay, income_ema, cash, active, budget_share,
                               reserve_weeks)
    n_lay = _layoff_counts(hc, target, unpaid, payroll, active, tolerance, layoff_rate)
    laying_off = False
    lays_off = np.zeros(n + 1, np.bool_)  # per slot organisation (n: nobody employed at the refresh)
    for o in range(n):
        lays_off[o] = n_lay[o] > 0
        laying_off = laying_off or n_lay[o] != 0
    u = slot_org.shape[0]
    candidates = np.empty(u if laying_off else 0, np.int64)
    k = 0
    if laying_off:  # (branch-free over the slots, as sim/staff.py _refresh)
        for i in range(u):
            candidates[k] = i
            k += (not quit[i]) & lays_off[slot_org[i]]
    candidates = candidates[:k]
    their_org = np.empty(k, np.int64)
    for j in range(k):
        their_org[j] = slot_org[candidates[j]]
    return n_quits, hc, target, n_lay, laying_off, candidates, their_org


@kernel
def _lay_off_lowest(candidates, their_org, key, n_lay, employer, national, trainee, leavers, hc):
    """Each organisation lays off its ``n_lay`` candidates with the lowest keys (:func:`lowest_per_group`,
    :func:`_lay_off`), counted in ``leavers`` and out of ``hc``; returns how many."""
    out = lowest_per_group(their_org, key, n_lay)
    people = np.empty(out.shape[0], np.int64)
    orgs = np.empty(out.shape[0], np.int64)
    for j in range(out.shape[0]):
        people[j] = candidates[out[j]]
        orgs[j] = their_org[out[j]]
    gone = _lay_off(people, orgs, employer, national, trainee, n_lay.shape[0])
    for o in range(n_lay.shape[0]):
        leavers[o] += gone[o]
        hc[o] -= gone[o]
    return out.shape[0]


@kernel
def _after_hiring(leavers, hc0, separations, inst, erosion, is_local, is_intl, hire_orgs):
    """:func:`staff_moves`' end: turnover erodes institutional memory (by the share of the staff who left);
    returns the leavers, the headcount before the moves, the separations of local and of international actors
    (each summed as ``ndarray.sum`` sums) and the hires by local actors."""
    for o in range(leavers.shape[0]):
        share_left = leavers[o] / (hc0[o] if hc0[o] > 1.0 else 1.0)
        inst[o] -= erosion * share_left * inst[o]
    hires_local = 0
    for j in range(hire_orgs.shape[0]):
        if is_local[hire_orgs[j]]:
            hires_local += 1
    return (pairwise_sum(leavers), pairwise_sum(hc0), masked_sum(separations, is_local),
            masked_sum(separations, is_intl), hires_local)


@kernel
def _target_headcount(headcount, payroll, national_pay, income_ema, cash, active, budget_share, reserve_weeks):
    """The headcount each organisation's expected income supports (reserves spent over
    ``staff.reserve_spend_weeks``): the budget over the pay of one of its people (its payroll per head; with
    nobody employed, a national's pay), rounded down; 0 for inactive organisations."""
    n = headcount.shape[0]
    out = np.empty(n)
    for o in range(n):
        unit = payroll[o] / headcount[o] if headcount[o] > 0 else national_pay[o]
        budget = budget_share * (income_ema[o] + cash[o] / reserve_weeks)
        out[o] = np.floor(budget / (unit if unit > 1e-9 else 1e-9)) * (1.0 if active[o] else 0.0)
    return out


@kernel
def _quit_hazard(cash, committed, payroll, topup, incident_hazard, steps_per_year, annual, insecurity_attrition,
                 retention_effect):
    """Per organisation, its staff's yearly quit hazard: the base rate, more with less than a year's funding
    secured (0..1) and after security incidents, less with the retention top-up."""
    n = cash.shape[0]
    hazard = np.empty(n)
    for o in range(n):
        secured = (cash[o] + committed[o]) / (payroll[o] if payroll[o] > 1e-9 else 1e-9)
        insecure = 1.0 - secured / steps_per_year
        insecure = min(max(insecure, 0.0), 1.0)
        kept = 1.0 - retention_effect * topup[o]
        hazard[o] = (annual + insecurity_attrition * insecure + incident_hazard[o]) * (kept if kept > 0.0 else 0.0)
    return hazard


@kernel
def _layoff_counts(hc, target, unpaid, payroll, active, tolerance, layoff_rate):
    """Per organisation, how many it lets go: the unpaid share of its payroll, or a share of its staff above
    ``tolerance`` x its target, whichever is more (at most its staff); all of an inactive one's."""
    n = hc.shape[0]
    out = np.empty(n, np.int64)
    for o in range(n):
        if not active[o]:
            out[o] = int(hc[o])
            continue
        unpaid_share = unpaid[o] / payroll[o] if payroll[o] > 0 else 0.0
        over = hc[o] - tolerance * target[o]
        excess = (over if over > 0.0 else 0.0) * layoff_rate
        want = np.ceil(max(unpaid_share * hc[o], excess))
        out[o] = int(min(hc[o], want))
    return out


@kernel
def _vacancies(hc, target, cash, payroll, active, reserve_weeks, max_hiring_rate):
    """Per organisation, the people it hires towards its target this week: none without ``reserve_weeks`` of
    payroll in cash, at most ``max_hiring_rate`` of its staff plus one."""
    n = hc.shape[0]
    out = np.zeros(n, np.int64)
    for o in range(n):
        if active[o] and cash[o] >= reserve_weeks * payroll[o]:
            cap = np.ceil(max_hiring_rate * hc[o]) + 1
            gap = target[o] - hc[o]
            out[o] = int(min(max(gap, 0.0), cap))
    return out


@kernel
def _hire_list(national_vacancies, expat_vacancies):
    """The organisation of each hire, nationals first (organisation by organisation), then expatriates; and
    whether each is a national."""
    n = national_vacancies.shape[0]
    n_nat = 0
    n_all = 0
    for o in range(n):
        n_nat += national_vacancies[o]
        n_all += national_vacancies[o] + expat_vacancies[o]
    orgs = np.empty(n_all, np.int64)
    national = np.zeros(n_all, np.bool_)
    k = 0
    for o in range(n):
        for _ in range(national_vacancies[o]):
            orgs[k] = o
            national[k] = True
            k += 1
    for o in range(n):
        for _ in range(expat_vacancies[o]):
            orgs[k] = o
            k += 1
    return orgs, national


@kernel
def _quits(luck, expm1_weekly, slot_org, employer, trainee):
    """This week's quits, in slot order: the person in slot ``i`` quits when ``luck[i] < quit_p[employer]``
    (the comparison :func:`leaves` makes), ``quit_p = -expm1(weekly exponent)`` (:func:`_before_quits`), and the
    slot empties. Returns who quit (per slot) and the quits per organisation."""
    quit_p = -expm1_weekly
    n = quit_p.shape[0]
    quit = np.zeros(slot_org.shape[0], np.bool_)
    by_org = np.zeros(n, np.int64)
    for i in range(slot_org.shape[0]):
        o = slot_org[i]
        if o < n and luck[i] < quit_p[o]:
            quit[i] = True
            employer[i] = GONE
            trainee[i] = False
            by_org[o] += 1
    return quit, by_org


@kernel
def _lay_off(people, their_org, employer, national, trainee, n):
    """Lay these people off (nationals to the labour pool, expatriates out of the country's workforce);
    returns the layoffs per organisation."""
    gone = np.zeros(n, np.int64)
    for j in range(people.shape[0]):
        p = people[j]
        employer[p] = POOL if national[p] else GONE
        trainee[p] = False
        gone[their_org[j]] += 1
    return gone


def exit_international(model, step: int) -> None:
    """International actors leave: grants end, presence closes, staff are let go."""
    orgs, staff = model.orgs, model.staff
    model.grants.cancel(orgs.is_intl, step)
    orgs.active[orgs.is_intl] = False
    idx, emp = staff.idx, staff.emp
    people = idx[orgs.is_intl[emp]]
    staff.leave(people, staff.national[people])
    orgs.exit_leavers += np.bincount(emp[orgs.is_intl[emp]], minlength=orgs.n)
    orgs.partner[orgs.partner >= 0] = np.where(orgs.is_intl[orgs.partner[orgs.partner >= 0]], NO_PARTNER,
                                               orgs.partner[orgs.partner >= 0])
    staff.refresh(orgs.n)


def outcomes(moves: dict, pay: Pay, orgs, staff, steps_per_year: int) -> dict:
    """This week's staff outcomes (``sim/outcomes.py``) from :func:`staff_moves`' counts and the pay."""
    employed = staff.n_employed
    local_pay, local_staff, intl_staff, national, intl_national, intl_national_pay = _staff_sums(
        staff.headcount, staff.national_count, pay.national, orgs.is_local, orgs.is_intl)
    local_nat_pay = local_pay / local_staff if local_staff > 0 else 0.0  # staff-weighted mean, staffed local actors
    before = moves["employed_before"]
    return {
        "staff_turnover_rate": moves["leavers"] / before * steps_per_year if before > 0 else 0.0,
        "brain_drain": float(moves["poached"]),
        "new_hires": float(moves["hires"]),
        "new_quits": float(moves["quits"]),
        "new_layoffs": float(moves["layoffs"]),
        "new_other_departures": moves["departures"],
        "new_hires_local": float(moves["hires_local"]),
        "new_hires_intl": float(moves["hires_intl"]),
        "new_separations_local": moves["separations_local"],
        "new_separations_intl": moves["separations_intl"],
        "n_staff": float(staff.n_employed),
        "n_staff_local": local_staff,
        "n_staff_intl": intl_staff,
        "national_staff_share": national / employed if employed else 1.0,
        "expat_pay_ratio": float(pay.expat / local_nat_pay) if local_nat_pay > 0 else 0.0,
        "expat_pay_ratio_same_employer": (float(pay.expat * intl_national / intl_national_pay)
                                          if intl_national > 0 else 0.0),
    }


@kernel
def _staff_sums(headcount, national_count, national_pay, is_local, is_intl):
    """:func:`outcomes`' sums over the organisations (outcomes only: nothing reads them back, so they run in this
    order; they agree with numpy's to rounding, ``tests/test_golden.py``): local actors' national pay weighted by
    their staff, their staff, international actors' staff, national staff, international actors' national staff
    and those staff's pay."""
    local_pay = local_staff = intl_staff = national = intl_national = intl_national_pay = 0.0
    for o in range(headcount.shape[0]):
        hc = float(headcount[o])
        national += national_count[o]
        if is_local[o]:
            local_staff += hc
            local_pay += national_pay[o] * hc
        if is_intl[o]:
            intl_staff += hc
            intl_national += national_count[o]
            intl_national_pay += national_pay[o] * national_count[o]
    return local_pay, local_staff, intl_staff, national, intl_national, intl_national_pay
