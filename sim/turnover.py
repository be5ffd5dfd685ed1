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

from .kinds import NO_PARTNER

__all__ = ["Pay", "set_pay", "weekly_pay", "staff_moves", "target_headcount", "exit_international", "leaves",
           "lowest_per_group", "outcomes"]


def leaves(uniforms: np.ndarray, probability) -> np.ndarray:
    """Who leaves this period: one uniform draw per person, True with that person's probability.

    The staff quits below and the turnover of March's (1991) docking model
    (``sim/docking/march.py``, each individual leaves with probability p3 per period and is
    replaced by a newcomer) both draw leavers here.

    Args:
        uniforms: one uniform draw in [0, 1) per person (the model reads them per slot from
            ``Streams.slot_uniforms``; March's model draws them from its generator).
        probability: per-period probability of leaving, one per person (same shape), 0..1.
    """
    return np.asarray(uniforms) < np.asarray(probability)


def lowest_per_group(group: np.ndarray, key: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Positions of the ``want[g]`` lowest keys of each group ``g`` (all of a group with fewer), in no order.

    Ties go to the earlier position: the set a stable sort by (group, key) and each group's first
    ``want[g]`` give (``np.lexsort``), without sorting every candidate. Only the candidates below a
    threshold per group are sorted: with uniform keys about ``want / count`` of a group lie below
    ``want / count``, so the threshold is a margin above that, and a group with too few below it is
    taken whole. Exact whatever the keys: every key left out is above all those kept in its group.

    Args:
        group: each candidate's group (0..len(want)-1).
        key: each candidate's key.
        want: per group, how many to take.
    """
    n = len(want)
    count = np.bincount(group, minlength=n)
    take = np.minimum(want, count)
    limit = np.divide(take + 3.0 * np.sqrt(take) + 5.0, count, out=np.full(n, np.inf), where=count > 0)
    below = key < limit[group]
    short = np.bincount(group[below], minlength=n) < take
    if short.any():
        limit[short] = np.inf
        below = key < limit[group]
    sub = below.nonzero()[0]
    order = sub[np.lexsort((key[sub], group[sub]))]
    g = group[order]
    per = np.bincount(g, minlength=n)
    rank = np.arange(len(order)) - (np.cumsum(per) - per)[g]  # position within its group
    return order[rank < want[g]]


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


def smallest_k(key: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` smallest keys, smallest first, ties by position: the same on every machine.

    ``np.argpartition``'s order, and at ties its choice, depend on the sorting kernel numpy picks for
    the processor (AVX-512 or AVX2), so a model that used its order gave different runs on different
    machines (``tests/test_determinism.py``). The k-th smallest value is the same whatever the kernel;
    the positions at or below it, sorted stably by key, are the answer.
    """
    if k <= 0:
        return np.zeros(0, np.int64)
    if k >= len(key):
        return np.argsort(key, kind="stable")
    kth = np.partition(key, k - 1)[k - 1]
    idx = (key <= kth).nonzero()[0]
    return idx[np.argsort(key[idx], kind="stable")][:k]


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
    partner_my = np.where(orgs.partner != NO_PARTNER, orgs.multi_year_income_share[np.maximum(orgs.partner, 0)], 0.0)
    my_share = np.maximum(orgs.multi_year_income_share, partner_my)
    topup = np.where(orgs.is_local, f.retention_funding * my_share, 0.0)
    national = np.where(orgs.is_local, base * (1.0 + topup), intl_nat)
    expat = base * s.expat_pay_ratio
    # The pay of the person in each staff slot (where nobody is employed: counted in the spare bin only);
    # each payroll adds its people in slot order, as a sum over the employed alone does.
    per_person = np.where(staff.national[: staff.n_slots], staff.per_slot(national, 0.0), expat)
    return Pay(topup, national, expat, np.bincount(staff.slot_org, per_person, orgs.n + 1)[: orgs.n])


def target_headcount(model) -> np.ndarray:
    """Headcount each organisation's expected income supports (reserves spent over ``staff.reserve_spend_weeks``)."""
    orgs, staff, p = model.orgs, model.staff, model.p
    unit = np.where(staff.headcount > 0, model.pay.payroll / np.maximum(staff.headcount, 1), model.pay.national)
    budget = p.staff.staff_budget_share * (orgs.income_ema + orgs.cash / p.staff.reserve_spend_weeks)
    return np.floor(budget / np.maximum(unit, 1e-9)) * orgs.active


def staff_moves(model, step: int) -> dict:
    """Quits, layoffs, poaching and hiring for this week; returns the counts moved."""
    orgs, staff, p, streams = model.orgs, model.staff, model.p, model.streams
    t = p.turnover
    n = orgs.n
    # People let go when international actors exited earlier this step count as leavers too.
    leavers = orgs.exit_leavers.copy()
    departures = float(leavers.sum())  # exit departures and incident victims who do not return (sim/risk.py)
    hc0 = staff.headcount + orgs.exit_leavers
    orgs.exit_leavers[:] = 0.0

    # 1. Quits (over every staff slot; nobody quits a slot where nobody is employed).
    secured = (orgs.cash + orgs.committed) / np.maximum(model.pay.payroll, 1e-9)
    insecurity = np.minimum(np.maximum(1.0 - secured / p.STEPS_PER_YEAR, 0.0), 1.0)  # less than a year secured
    # The quit hazard depends on the employer only: computed per organisation, read per person.
    hazard = (t.annual_attrition + t.insecurity_attrition * insecurity + model.risk.quit_hazard) * np.maximum(
        0.0, 1.0 - t.retention_effect * model.pay.topup
    )
    # Each person's draw is fixed by their slot and the week (common random numbers per person).
    luck = streams.slot_uniforms("attrition", step, staff.n_slots)
    quit = leaves(luck, staff.per_slot(-np.expm1(-hazard / p.STEPS_PER_YEAR), 0.0))
    quitters = quit.nonzero()[0]
    staff.leave(quitters, np.zeros(len(quitters), bool))
    quits_by_org = np.bincount(staff.slot_org[quitters], minlength=n)
    leavers += quits_by_org
    n_quits = len(quitters)

    # 2. Layoffs: unpaid payroll, or far above supported headcount.
    hc = hc0 - quits_by_org
    target = target_headcount(model)
    unpaid_share = np.divide(orgs.unpaid, model.pay.payroll, out=np.zeros(n), where=model.pay.payroll > 0)
    excess = np.maximum(0.0, hc - p.staff.overstaffing_tolerance * target) * p.staff.overstaffing_layoff_rate
    n_lay = np.minimum(hc, np.ceil(np.maximum(unpaid_share * hc, excess))).astype(np.int64)
    inactive = ~orgs.active
    n_lay[inactive] = hc[inactive]
    n_layoffs = 0
    if n_lay.any():
        # Only the staff (who did not quit) of organisations that lay people off.
        idx2 = (~quit & (staff.per_slot(n_lay, 0) > 0)).nonzero()[0]
        emp2 = staff.slot_org[idx2]
        key = streams.at_slots("layoffs", step, idx2)  # fixed per (week, person)
        out = lowest_per_group(emp2, key, n_lay)  # each organisation's lowest keys go
        people = idx2[out]
        staff.leave(people, staff.national[people])
        gone = np.bincount(emp2[out], minlength=n)
        leavers += gone
        hc = hc - gone
        n_layoffs = len(people)

    separations = leavers.copy()  # quits, layoffs and other departures by employer (poaching is counted apart)

    # 3. Hiring, with poaching by international organisations.
    can_hire = orgs.active & (orgs.cash >= p.staff.hiring_reserve_weeks * model.pay.payroll)
    cap = np.ceil(p.staff.max_hiring_rate * hc) + 1
    vac = np.where(can_hire, np.clip(target - hc, 0, cap), 0).astype(np.int64)
    rng = streams["poaching"]
    expat = np.zeros(n, np.int64)
    if orgs.is_intl.any():
        expat[orgs.is_intl] = rng.binomial(vac[orgs.is_intl], p.staff.expat_share_intl)
    nat_vac = vac - expat
    attempts = np.where(orgs.is_intl, rng.binomial(nat_vac, t.poaching_pressure * (1.0 - t.no_poaching_agreement)), 0)
    poached = 0
    poached_from = np.zeros(n)  # staff poached from each organisation this week
    if attempts.sum() > 0:
        # Still employed (after quits and layoffs) by an active local organisation, in slot order.
        local_employer = staff.per_slot(orgs.is_local & orgs.active, False)
        pool = ((staff.employer[: staff.n_slots] >= 0) & local_employer).nonzero()[0]
        if len(pool):
            skill = staff.tech_of(pool) ** t.poaching_skill_exponent + 1e-6
            k = int(min(attempts.sum(), len(pool)))
            # Weighted sampling without replacement (Efraimidis & Spirakis 2006): the k
            # smallest Exp(1)/weight keys; skilled people are approached first.
            keys = rng.exponential(1.0, len(pool)) / skill
            cand = pool[smallest_k(keys, k)] if k < len(pool) else pool  # smallest keys first
            hirer = np.repeat(np.arange(n), attempts)[:k]
            from_org = staff.employer[cand]
            ratio = model.pay.national[hirer] / model.pay.national[from_org]
            accept_p = 1.0 / (1.0 + np.exp(-t.pay_sensitivity * (np.log(ratio) - np.log(t.reservation_pay_ratio))))
            ok = rng.random(k) < accept_p
            movers = cand[ok]
            staff.employer[movers] = hirer[ok]
            staff.trainee[movers] = False
            poached_from = np.bincount(from_org[ok], minlength=n).astype(float)
            leavers += poached_from
            nat_vac = nat_vac - np.bincount(hirer[ok], minlength=n)
            poached = int(ok.sum())
    every = np.arange(n)
    hire_orgs = np.concatenate([np.repeat(every, nat_vac), np.repeat(every, expat)])
    national = np.concatenate([np.ones(nat_vac.sum(), bool), np.zeros(expat.sum(), bool)])
    hires = staff.hire(hire_orgs, national, step, streams["hiring"], orgs.is_intl)
    staff.refresh(n)

    # Turnover erodes institutional memory a little; the pool loses skills and people.
    share_left = np.divide(leavers, np.maximum(hc0, 1))
    orgs.inst -= p.learning.turnover_erosion * share_left * orgs.inst
    orgs.leavers = leavers
    staff.pool_step(p.staff.pool_exit_rate, p.learning.unpractised_decay, streams["hiring"])
    hires_local = int(np.count_nonzero(orgs.is_local[hire_orgs])) if hires else 0
    return dict(quits=n_quits, layoffs=n_layoffs, departures=departures, poached=poached, poached_from=poached_from,
                hires=hires,
                leavers=float(leavers.sum()), employed_before=float(hc0.sum()),
                hires_local=hires_local, hires_intl=hires - hires_local,
                separations_local=float(separations[orgs.is_local].sum()),
                separations_intl=float(separations[orgs.is_intl].sum()))


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
    hc = staff.headcount
    employed = staff.n_employed
    staffed_local = orgs.is_local & (hc > 0)
    # (The staff-weighted mean, as np.average computes it.)
    if staffed_local.any():
        weight = hc[staffed_local]
        local_nat_pay = float((pay.national[staffed_local] * weight).sum()) / float(weight.sum(dtype=float))
    else:
        local_nat_pay = 0.0
    intl_nat = staff.national_count * orgs.is_intl
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
        "n_staff_local": float(hc[orgs.is_local].sum()),
        "n_staff_intl": float(hc[orgs.is_intl].sum()),
        "national_staff_share": float(staff.national_count.sum()) / employed if employed else 1.0,
        "expat_pay_ratio": float(pay.expat / local_nat_pay) if local_nat_pay > 0 else 0.0,
        "expat_pay_ratio_same_employer": (float(pay.expat * intl_nat.sum() / (pay.national * intl_nat).sum())
                                          if intl_nat.sum() > 0 else 0.0),
    }
