"""Money: grants, weekly disbursement, pass-through via intermediaries, and the ledger.

Grants are rows of :class:`GrantBook` (donor, recipient, weekly tranche, start, end,
flexible share, multi-year, earmarked for sharing); the donors' (``sim/donors.py``) and the
country-based pooled fund's (``sim/pooled_fund.py``, whose money the ledger holds). Every week each
active grant pays one tranche.

The chain has up to two levels of intermediaries. First, UN agencies pass
``funding.un_to_ingo_share`` of their grant income to international NGOs (split by the funders'
allocation weights, ``sim/allocation.py``, or, with country data naming the UN agencies' NGO
partners, by the size of their 3W rows: ``CapacityModel.ingo_share``), keeping their overhead on it. Then every
international recipient acts as an intermediary: it sub-grants to each local
partner the fraction of what it receives that ``sim/partnerships.py`` ``pass_fractions`` says
(the pass-through share, and the partner's complementarity share of a joint programme: funding
rules, never regime rules), and keeps the indirect-cost allowance, passing on to partners only
the share of it that ``funding.overhead_passed_on`` says. Compliance costs
(``funding.compliance_cost`` of a sub-grant's programme value) are paid by the local partner, or,
in the share that risk sharing moves (``sim/risk.py`` ``sharing_channels``), by its intermediary. A sub-grant is earmarked to delivery except for
the part of its flexibility the partnership's decisions free for the partner's core needs
(``sim/governance.py`` ``subgrant_flexibility``).

The week's money is computed by :func:`disburse` (which reads the state and changes nothing)
and booked by :func:`book_flows`. Holding money fixed (``pathways.money_response`` off) books
another run's :class:`WeeklyFlows` instead of the run's own (``CapacityModel.funding_phase``).

The :class:`Ledger` makes money auditable: initial reserves + donor disbursements (their
grants and their contributions to the pooled fund) + domestic income = spending (by category,
security and money lost included) + losses repaid to donors after audits (``sim/risk.py``) +
overhead retained + the pooled fund's management costs + money held by the pooled fund +
reserves held, to rounding (``tests/test_funding_chain.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .jit import kernel, masked_sum, pairwise_sum
from .kinds import NO_PARTNER, OrgKind
from .organisations import OrgTable
from .params import Params
from .risk import sharing_channels

__all__ = ["GrantBook", "Ledger", "WeeklyFlows", "disburse", "book_flows", "locally_decided", "outcomes", "SPENDING"]

SPENDING = ("salaries", "operations", "losses", "compliance", "investment", "language", "preparedness", "security")


@dataclass
class Ledger:
    """Cumulative money flows of a run (USD)."""

    initial_cash: float = 0.0
    donor_disbursed: float = 0.0
    domestic_income: float = 0.0
    overhead_retained: float = 0.0
    pool_held: float = 0.0  # money in the pooled fund, not yet paid out
    pool_costs: float = 0.0  # the pooled fund's management costs
    repaid: float = 0.0  # losses audits found that funders claimed back (returned to donors; sim/risk.py)
    spent: dict = field(default_factory=lambda: {k: 0.0 for k in SPENDING})

    def spend(self, orgs: OrgTable, amounts: np.ndarray, category: str) -> float:
        """Take ``amounts`` (one per organisation, never above cash) out of cash."""
        total = float(_take(orgs.cash, amounts))  # (a Python float: Ledger.total_spent sums them with sum())
        self.spent[category] += total
        return total

    def repay(self, orgs: OrgTable, amounts: np.ndarray) -> float:
        """Return ``amounts`` (one per organisation, never above cash) to donors: money leaves the response."""
        total = float(_take(orgs.cash, amounts))  # (a Python float: Ledger.total_spent sums them with sum())
        self.repaid += total
        return total

    @property
    def total_spent(self) -> float:
        return sum(self.spent.values())

    def imbalance(self, cash_now: float) -> float:
        """Relative error of the money identity (0 when money is conserved)."""
        inflow = self.initial_cash + self.donor_disbursed + self.domestic_income
        outflow = self.total_spent + self.repaid + self.overhead_retained + self.pool_costs + self.pool_held + cash_now
        return abs(inflow - outflow) / max(1.0, inflow)


@kernel
def _take(cash, amounts):
    """Take ``amounts`` out of ``cash`` (in place; cash is then at least 0, which guards against -1e-12 rounding
    only) unless they sum to 0; returns their sum (as ``ndarray.sum`` forms it)."""
    total = pairwise_sum(amounts)
    if total != 0.0:
        for o in range(cash.shape[0]):
            c = cash[o] - amounts[o]
            cash[o] = c if (c >= 0.0 or np.isnan(c)) else 0.0  # (np.maximum(c, 0.0): -0.0 and NaN kept)
    return total


class GrantBook:
    """All grants of a run as parallel arrays; expired rows are pruned at funding rounds.

    Change the book only through :meth:`add`, :meth:`prune` and :meth:`cancel` (each marks the
    sums :meth:`due` keeps as out of date). The columns (``donor``, ``recipient``, ...) are the first
    ``n`` rows of buffers that grow by doubling, so adding grants does not copy the book.
    """

    COLS = (("donor", np.int64), ("recipient", np.int64), ("weekly", float), ("start", np.int64),
            ("end", np.int64), ("flexible", float), ("multi_year", bool), ("earmark", bool), ("emergency", bool))

    def __init__(self):
        self.n = 0  # grants in the book
        self._buf = {name: np.zeros(64, dtype) for name, dtype in self.COLS}
        self._views()
        self._version = 0  # bumped by every change to the book (add, prune, cancel)
        self._paying = None  # (version, first step, next change, n, pool index, TranchesDue)

    def _views(self) -> None:
        for name, _ in self.COLS:
            setattr(self, name, self._buf[name][: self.n])

    def add(self, donor, recipient, weekly, start, end, flexible, multi_year, earmark, emergency=False) -> None:
        recipient = np.atleast_1d(np.asarray(recipient, np.int64))
        k = len(recipient)
        if k == 0:
            return
        new = dict(donor=donor, recipient=recipient, weekly=weekly, start=start, end=end,
                   flexible=flexible, multi_year=multi_year, earmark=earmark, emergency=emergency)
        old, total = self.n, self.n + k
        cap = len(self._buf["donor"])
        if total > cap:
            for name, dtype in self.COLS:
                grown = np.zeros(max(2 * cap, total), dtype)
                grown[:old] = self._buf[name][:old]
                self._buf[name] = grown
        for name, dtype in self.COLS:
            self._buf[name][old:total] = np.asarray(new[name], dtype)
        self.n = total
        self._views()
        self._version += 1

    def prune(self, step: int) -> None:
        keep = self.end > step
        for name, _ in self.COLS:
            kept = getattr(self, name)[keep]
            self._buf[name][: len(kept)] = kept
        self.n = int(np.count_nonzero(keep))
        self._views()
        self._version += 1

    def due(self, step: int, n: int, pool_index: int) -> "TranchesDue":
        """The grants paying a tranche this week, summed per recipient (read only).

        The set of paying grants changes only when the book changes or a grant starts or ends, so
        the sums are kept until then (the same numbers as summing every week).
        """
        c = self._paying
        if c is not None and c[0] == self._version and c[1] <= step < c[2] and c[3] == n and c[4] == pool_index:
            return c[5]
        act = self.active(step)
        rec, tranche = self.recipient[act], self.weekly[act]
        due = TranchesDue(
            recipient=rec, tranche=tranche, end=self.end[act],
            received=np.bincount(rec, tranche, n).astype(float),
            pooled=np.bincount(rec, tranche * (self.donor[act] == pool_index), n).astype(float),
            flex=np.bincount(rec, tranche * self.flexible[act], n).astype(float),
            emergency=np.bincount(rec, tranche * self.emergency[act], n).astype(float),
            multi_year=np.bincount(rec, tranche * self.multi_year[act], n).astype(float),
            earmarked=np.bincount(rec, tranche * self.earmark[act], n).astype(float),
        )
        for fld in dataclasses.fields(due):  # (astuple would freeze deep copies, not these)
            getattr(due, fld.name).flags.writeable = False  # shared between weeks: a change in place would corrupt them
        later = np.concatenate([self.start[self.start > step], self.end[self.end > step]])
        self._paying = (self._version, step, int(later.min()) if len(later) else np.iinfo(np.int64).max, n,
                        pool_index, due)
        return due

    def active(self, step: int) -> np.ndarray:
        return (self.start <= step) & (step < self.end)

    def mean_rate(self, step: int, weeks: int, donor: int, mask: np.ndarray) -> float:
        """Mean weekly amount of this donor's grants in ``mask`` over the weeks [step, step + weeks)."""
        sel = (self.donor == donor) & mask & (self.end > step)
        if not sel.any():
            return 0.0
        overlap = np.minimum(self.end[sel], step + weeks) - np.maximum(self.start[sel], step)
        return float((self.weekly[sel] * np.clip(overlap, 0, None)).sum() / weeks)

    def cancel(self, recipients_mask: np.ndarray, step: int) -> None:
        """End grants to the masked organisations now (exit): remaining tranches are not paid."""
        hit = recipients_mask[self.recipient] & (self.end > step)
        self.end[hit] = step
        self._version += 1


@dataclass(frozen=True)
class TranchesDue:
    """The grants paying a tranche in a week (:meth:`GrantBook.due`): their rows, and per recipient the
    tranches summed in all and by kind (USD per week; read only, shared between weeks)."""

    recipient: np.ndarray
    tranche: np.ndarray
    end: np.ndarray
    received: np.ndarray
    pooled: np.ndarray  # from the pooled fund
    flex: np.ndarray
    emergency: np.ndarray
    multi_year: np.ndarray
    earmarked: np.ndarray


@dataclass
class WeeklyFlows:
    """Money moved this week (USD): every per-organisation amount the week's funding books.

    Scalars are totals for recording; arrays have one entry per organisation.
    """

    donor_total: float  # grant tranches paid to organisations, the pooled fund's included
    direct_local: float  # donors' own grant tranches paid to local actors
    to_local_total: float  # everything local actors receive from grants: direct, pooled fund, sub-grants
    pool_in: float  # donors' contributions to the pooled fund
    pool_costs: float  # the pooled fund's management share of them
    pool_tranches: float  # grant tranches the pooled fund paid
    pooled_local: float  # of which to local actors
    level1_passed: float  # what UN agencies passed to international NGOs (after their overhead)
    overhead_retained: float
    domestic: float
    income: np.ndarray  # all sources, added to cash
    grants_received: np.ndarray  # grant income before anything is passed on (donors', pooled fund's, UN agencies')
    flex_income: np.ndarray  # the part free for core needs and current needs (before the cash cap)
    responsive: np.ndarray  # income free to follow current needs (flexible, emergency)
    compliance: np.ndarray  # compliance costs owed on sub-grants: by local partners, and by intermediaries for the shared part
    compliance_local: float  # of which owed by local actors
    compliance_intl: float  # of which owed by international actors (the shared part)
    to_local_two_levels: float  # of to_local_total, sub-grants that came through two intermediaries (UN agency, then NGO)
    overhead_passed: float  # indirect-cost allowance passed on to local partners with their sub-grants
    subgrant_base: np.ndarray  # what each intermediary's sub-grants are computed on (grant income after the first level)
    committed: np.ndarray  # future tranches already promised
    multi_year_income_share: np.ndarray
    earmark_income_share: np.ndarray
    subgrant_income_share: np.ndarray
    hq_support: np.ndarray  # indirect costs retained at intermediaries' headquarters
    own_programme: np.ndarray  # what intermediaries keep for their own programme (decided by them)
    direct_received: np.ndarray  # grant tranches local actors receive directly (their own decision)
    subgrant_received: np.ndarray  # sub-grants (and overhead passed on) local partners receive
    domestic_income: np.ndarray  # national budgets and local fundraising
    subgrant_flex_base: np.ndarray  # the flexible part of each sub-grant before the partnership's decisions
    subgrant_flexibility: np.ndarray  # the share of it freed for the partner's core needs (decisions)


def disburse(params: Params, step: int, grants: GrantBook, orgs: OrgTable, pass_fraction: np.ndarray,
             flexibility: np.ndarray, ingo_share: np.ndarray | None = None, pool_index: int = -1,
             pool_in: float = 0.0, compliance_shared: float | None = None) -> WeeklyFlows:
    """This week's grant tranches, sub-grants through one or two levels of intermediaries and domestic
    income (nothing is booked).

    Args:
        params: the run's parameters.
        step: the week.
        grants: the grant book (donors' grants and the pooled fund's).
        orgs: the organisations (read only).
        pass_fraction: per local partner, the fraction of its intermediary's grant income passed
            to it (``sim/partnerships.py`` ``pass_fractions``; 0 for everyone else).
        flexibility: per local partner, the share of a sub-grant's flexible part it may spend on its
            own core needs (``sim/governance.py`` ``subgrant_flexibility``).
        ingo_share: per organisation, its share of what UN agencies pass to international NGOs
            (sums to 1 over active international NGOs; None or all zero: nothing passes).
        pool_index: the pooled fund's donor index in the grant book (``sim/pooled_fund.py``).
        pool_in: donors' contributions to the pooled fund this week (USD).
        compliance_shared: the share of compliance costs intermediaries carry (``sim/risk.py``
            ``sharing_channels(params).compliance``, which None computes).
    """
    f = params.funding
    n = orgs.n
    due = grants.due(step, n, pool_index)
    un_share = f.un_to_ingo_share if ingo_share is not None else 0.0
    shared = sharing_channels(params).compliance if compliance_shared is None else compliance_shared
    (committed, base, level1_in, multi_year_share, earmark_share, retained, income_local_sub, flex_base, compliance,
     domestic, income, flex_income, responsive, totals, grants_received, own_programme, direct_received,
     subgrant_income_share, subgrant_flexibility) = _disburse(
        step, due.recipient, due.tranche, due.end, due.received, due.pooled, due.flex, due.emergency, due.multi_year,
        due.earmarked, orgs.kind, orgs.is_local, orgs.is_intl, orgs.active, orgs.partner, orgs.inst, pass_fraction,
        flexibility, np.zeros(n) if ingo_share is None else ingo_share, un_share, f.overhead_rate,
        f.overhead_passed_on, f.compliance_cost, shared, f.domestic_budget, f.local_fundraising, params.STEPS_PER_YEAR)
    donor_total, pool_tranches, direct_local, pooled_local, two_levels, to_local_sub = totals[:6]
    return WeeklyFlows(
        donor_total=donor_total,
        direct_local=direct_local,
        to_local_total=direct_local + pooled_local + to_local_sub,
        pool_in=pool_in,
        pool_costs=pool_in * params.pooled_fund.management_share,
        pool_tranches=pool_tranches,
        pooled_local=pooled_local,
        level1_passed=totals[6],
        overhead_retained=totals[7],
        domestic=totals[8],
        income=income,
        grants_received=grants_received,
        flex_income=flex_income,
        responsive=responsive,
        compliance=compliance,
        compliance_local=totals[10],
        compliance_intl=totals[11],
        to_local_two_levels=two_levels,
        overhead_passed=totals[9],
        subgrant_base=base,
        committed=committed,
        multi_year_income_share=multi_year_share,
        earmark_income_share=earmark_share,
        subgrant_income_share=subgrant_income_share,
        hq_support=retained,
        own_programme=own_programme,
        direct_received=direct_received,
        subgrant_received=income_local_sub,
        domestic_income=domestic,
        subgrant_flex_base=flex_base,
        subgrant_flexibility=subgrant_flexibility,
    )


UN_AGENCY = int(OrgKind.UN_AGENCY)  # (plain integers: what a kernel compares with)
NATIONAL_AUTHORITY = int(OrgKind.NATIONAL_AUTHORITY)


@kernel
def _disburse(step, rec, tranche, end, received, pooled, flex, emergency, multi_year, earmarked_due, kind, is_local,
              is_intl, active, partner, inst, pass_fraction, flexibility, ingo_share, un_share, r, overhead_passed_on,
              compliance_cost, shared, domestic_budget, local_fundraising, steps_per_year):
    """:func:`disburse`'s arithmetic: the week's tranches through one or two levels of intermediaries, and
    domestic income. Per-organisation sums are added in the order numpy's ``bincount`` adds them, totals as
    ``ndarray.sum`` adds them (``pairwise_sum``). Returns the per-organisation amounts and ``totals``:
    donor tranches, the pooled fund's, direct to local actors, pooled to local actors, two-level sub-grants,
    sub-grants to local actors, passed by UN agencies, overhead retained, domestic income, overhead passed, and
    the compliance costs owed by local and by international actors (outcomes, summed in order)."""
    n = received.shape[0]
    totals = np.zeros(12)
    committed = np.zeros(n)  # future tranches already promised
    for g in range(rec.shape[0]):
        committed[rec[g]] += tranche[g] * (end[g] - step - 1)
    earmarked = np.empty(n)
    for o in range(n):
        earmarked[o] = earmarked_due[o] * (1.0 if is_intl[o] else 0.0)
    totals[0] = pairwise_sum(tranche)
    totals[1] = pairwise_sum(pooled)
    totals[2] = masked_sum(received - pooled, is_local)
    totals[3] = masked_sum(pooled, is_local)

    # First level: UN agencies pass un_share of their grant income to international NGOs (keeping their
    # overhead on it); every per-organisation amount moves in proportion.
    amounts = np.empty((6, n))  # base, flex, emergency, committed, multi-year, earmarked
    amounts[0] = received
    amounts[1] = flex
    amounts[2] = emergency
    amounts[3] = committed
    amounts[4] = multi_year
    amounts[5] = earmarked
    level1_in = np.zeros(n)
    has_un = False
    for o in range(n):
        has_un = has_un or kind[o] == UN_AGENCY
    ingo_total = pairwise_sum(ingo_share)
    if un_share > 0 and has_un and ingo_total > 0:
        share = ingo_share / ingo_total
        out = np.zeros(n)
        for k in range(6):
            for o in range(n):
                out[o] = amounts[k, o] * (1.0 if kind[o] == UN_AGENCY else 0.0) * un_share
            passed = pairwise_sum(out)
            for o in range(n):
                amounts[k, o] = (amounts[k, o] - out[o]) + passed * (1 - r) * share[o]
                if k == 0:
                    level1_in[o] = passed * (1 - r) * share[o]
    base = amounts[0].copy()
    flex_a, emergency_a, committed = amounts[1].copy(), amounts[2].copy(), amounts[3].copy()
    multi_year_share = np.empty(n)
    earmark_share = np.empty(n)
    for o in range(n):
        safe = base[o] if base[o] > 0 else 1.0
        multi_year_share[o] = min(1.0, amounts[4, o] / safe)
        earmark_share[o] = min(1.0, amounts[5, o] / safe)

    # Second level: intermediaries' sub-grants to local partners, overhead, own programme.
    sub_gross = np.zeros(n)
    m = 0
    for o in range(n):
        if partner[o] != NO_PARTNER and is_local[o] and pass_fraction[o] > 0:
            m += 1
    partnered = np.empty(m, np.int64)
    sub_gross_each = np.empty(m)
    m = 0
    for o in range(n):
        if partner[o] != NO_PARTNER and is_local[o] and pass_fraction[o] > 0:
            partnered[m] = o
            parent = partner[o]
            sub_gross_each[m] = base[parent] * pass_fraction[o] * (1.0 if is_intl[parent] else 0.0)
            sub_gross[parent] += sub_gross_each[m]
            m += 1
    passed_overhead = np.empty(n)
    retained = np.empty(n)
    own = np.empty(n)
    for o in range(n):
        intl_o = 1.0 if is_intl[o] else 0.0
        passed_overhead[o] = sub_gross[o] * r * overhead_passed_on
        retained[o] = (received[o] + level1_in[o]) * intl_o * r - passed_overhead[o]
        own[o] = (base[o] - sub_gross[o]) * (1 - r) * intl_o

    income_local_sub = np.zeros(n)
    flex_sub = np.zeros(n)
    flex_base = np.zeros(n)
    compliance = np.zeros(n)
    if m:
        shared_owed = np.zeros(n)
        any_level1 = False
        for o in range(n):
            any_level1 = any_level1 or level1_in[o] != 0
        two_levels = np.empty(m)
        for i in range(m):
            o = partnered[i]
            parent = partner[o]
            base_parent = base[parent]
            programme = sub_gross_each[i] * (1 - r)
            overhead_part = sub_gross_each[i] * r * overhead_passed_on
            income_local_sub[o] = programme + overhead_part
            flex_share_parent = flex_a[parent] / base_parent if base_parent > 0 else 0.0
            flex_base[o] = programme * flex_share_parent
            flex_sub[o] = flex_base[o] * flexibility[o] + overhead_part
            owed = programme * compliance_cost
            compliance[o] = owed * (1 - shared)
            shared_owed[parent] += owed * shared
            via_un = level1_in[parent] / base_parent if base_parent > 0 else 0.0
            two_levels[i] = income_local_sub[o] * via_un
        if shared > 0:
            for o in range(n):
                compliance[o] += shared_owed[o]  # the intermediary carries the shared part
        if any_level1:
            totals[4] = pairwise_sum(two_levels)
        parents_committed = np.empty(m)
        for i in range(m):
            parents_committed[i] = committed[partner[partnered[i]]]
        for i in range(m):
            o = partnered[i]
            base_parent = base[partner[o]]
            frac = sub_gross_each[i] / base_parent if base_parent > 0 else 0.0
            committed[o] += parents_committed[i] * frac * (1 - r)
    totals[5] = pairwise_sum(income_local_sub)

    # Domestic income: national budgets and local fundraising (flexible, decided locally).
    domestic = np.zeros(n)
    n_auth = 0
    for o in range(n):
        if kind[o] == NATIONAL_AUTHORITY:
            n_auth += 1
    for o in range(n):
        if kind[o] == NATIONAL_AUTHORITY:
            domestic[o] = domestic_budget / steps_per_year / n_auth
        if is_local[o] and active[o]:
            domestic[o] += local_fundraising * inst[o] / steps_per_year

    income = np.empty(n)
    flex_income = np.empty(n)
    responsive = np.empty(n)
    for o in range(n):
        if is_local[o]:
            income[o] = received[o] + income_local_sub[o] + domestic[o]
            flex_income[o] = flex_a[o] + flex_sub[o] + domestic[o]
        else:
            income[o] = own[o] + income_local_sub[o] + domestic[o]
            flex_income[o] = (flex_a[o] - min(flex_a[o], sub_gross[o])) + flex_sub[o] + domestic[o]
        pass_share = sub_gross[o] / base[o] if base[o] > 0 else 0.0
        intl_part = emergency_a[o] * (1 - pass_share) * (1 - r) if is_intl[o] else 0.0
        free = flex_income[o] + emergency_a[o] * (1.0 if is_local[o] else 0.0) + intl_part
        responsive[o] = income[o] if income[o] <= free else free
    totals[6] = pairwise_sum(level1_in)
    totals[7] = pairwise_sum(retained)
    totals[8] = pairwise_sum(domestic)
    totals[9] = pairwise_sum(passed_overhead)
    grants_received = np.empty(n)
    own_programme = np.empty(n)
    direct_received = np.empty(n)
    subgrant_income_share = np.empty(n)
    subgrant_flexibility = np.empty(n)
    for o in range(n):
        grants_received[o] = received[o] + level1_in[o]
        own_programme[o] = own[o] * (1.0 if is_intl[o] else 0.0)
        direct_received[o] = received[o] if is_local[o] else 0.0
        subgrant_income_share[o] = income_local_sub[o] / income[o] if income[o] > 0 else 0.0
        subgrant_flexibility[o] = flexibility[o] if flex_base[o] > 0 else 0.0
        if is_local[o]:
            totals[10] += compliance[o]
        if is_intl[o]:
            totals[11] += compliance[o]
    return (committed, base, level1_in, multi_year_share, earmark_share, retained, income_local_sub, flex_base,
            compliance, domestic, income, flex_income, responsive, totals, grants_received, own_programme,
            direct_received, subgrant_income_share, subgrant_flexibility)


def book_flows(flows: WeeklyFlows, orgs: OrgTable, ledger: Ledger, flexibility: np.ndarray | None = None) -> None:
    """Book a week's money: income into cash, compliance paid, state the week's mechanisms read.

    Args:
        flows: the week's money (this run's, or another run's when money is held fixed).
        orgs: the organisations.
        ledger: the money ledger.
        flexibility: when booking another run's money, this run's sub-grant flexibility
            (``sim/governance.py`` ``subgrant_flexibility``): amounts stay the other run's, but
            what part of a sub-grant is free for core needs follows this run's decisions.
    """
    orgs.cash += flows.income
    ledger.donor_disbursed += flows.donor_total - flows.pool_tranches + flows.pool_in
    ledger.pool_held += flows.pool_in - flows.pool_costs - flows.pool_tranches
    ledger.pool_costs += flows.pool_costs
    ledger.domestic_income += flows.domestic
    ledger.overhead_retained += flows.overhead_retained
    orgs.hq_support = flows.hq_support.copy()  # spent at headquarters, partly on the intermediary's own systems
    ledger.spend(orgs, np.minimum(flows.compliance, orgs.cash), "compliance")
    flex = flows.flex_income
    if flexibility is not None:
        differs = (flows.subgrant_flex_base > 0) & (flexibility != flows.subgrant_flexibility)
        if differs.any():
            flex = flex + np.where(differs, flows.subgrant_flex_base * (flexibility - flows.subgrant_flexibility), 0.0)
    orgs.flex_income = np.minimum(flex, orgs.cash)
    orgs.committed = flows.committed.copy()
    orgs.multi_year_income_share = flows.multi_year_income_share.copy()
    orgs.earmark_income_share = flows.earmark_income_share.copy()
    orgs.subgrant_income_share = flows.subgrant_income_share.copy()


def locally_decided(flows: WeeklyFlows, orgs: OrgTable, w: np.ndarray, board_weight: float) -> float:
    """Share of this week's money whose use local actors decide.

    Each organisation decides its own grants and domestic income; a sub-grant is decided by the
    intermediary except for the local partner's weight ``w`` in the partnership; reserved board
    seats (``board_weight`` = seats x weight per seat) give an intermediary's local partners, in
    equal parts, that share of its own programme.
    """
    return _locally_decided(flows.direct_received, flows.own_programme, flows.hq_support, flows.domestic_income,
                            flows.subgrant_received, orgs.partner, orgs.is_local, w, board_weight)


@kernel
def _locally_decided(direct_received, own_programme, hq_support, domestic_income, subgrant_received, partner,
                     is_local, w, board_weight):
    """:func:`locally_decided` (an outcome: nothing reads it back, so its sums run in this order; they agree with
    numpy's to rounding, ``tests/test_golden.py``)."""
    n = partner.shape[0]
    decides = np.empty(n)
    passed = np.zeros(n)  # what each intermediary decides of its partners' sub-grants
    count = np.zeros(n, np.int64)  # its local partners
    for o in range(n):
        # A sub-grant booked to an organisation without a partner in this run (money held fixed from another
        # run) has no intermediary here to decide it: the organisation decides it.
        own = w[o] if partner[o] != NO_PARTNER else 1.0
        decides[o] = direct_received[o] + own_programme[o] + hq_support[o] + domestic_income[o] \
            + subgrant_received[o] * own
        if partner[o] != NO_PARTNER and is_local[o]:
            passed[partner[o]] += subgrant_received[o] * (1.0 - w[o])
            count[partner[o]] += 1
    for o in range(n):
        decides[o] += passed[o]
        if count[o] > 0:
            decides[o] -= own_programme[o] * board_weight
    for o in range(n):  # the board's share, in equal parts to the intermediary's local partners
        if partner[o] != NO_PARTNER and is_local[o]:
            p = partner[o]
            decides[o] += own_programme[p] * board_weight / count[p]
    total = 0.0
    local = 0.0
    for o in range(n):
        total += decides[o]
        if is_local[o]:
            local += decides[o]
    return local / total if total > 0 else 0.0


def outcomes(flows: WeeklyFlows, spending: float, people_covered: float, cash_total: float,
             pool_held: float = 0.0, assessment_load: float = 0.0) -> dict:
    """This week's money outcomes (``sim/outcomes.py``).

    Args:
        flows: the week's money.
        spending: everything spent this week (USD).
        people_covered: people whose needs were met this week.
        cash_total: cash held by all organisations at the end of the week.
        pool_held: money held by the pooled fund at the end of the week (USD).
        assessment_load: staff-weeks local actors spent on funders' due diligence this week.
    """
    donor = flows.donor_total - flows.pool_tranches + flows.pool_in  # what donors gave this week

    def of_donor(x: float) -> float:
        return min(1.0, x / donor) if donor > 0 else 0.0

    return {
        "direct_local_funding_share": of_donor(flows.direct_local),
        "total_local_funding_share": of_donor(flows.to_local_total),
        "pooled_local_funding_share": of_donor(flows.pooled_local),
        "pooled_fund_local_share": flows.pooled_local / flows.pool_tranches if flows.pool_tranches > 0 else 0.0,
        "pooled_fund_held": max(0.0, pool_held),  # the ledger's balance, which rounding can leave at -1e-10
        "due_diligence_staff_weeks": assessment_load,
        "cost_per_need_met": spending / people_covered if people_covered > 0 else 0.0,
        "donor_disbursed": donor,
        "spending": spending,
        "overhead_retained": flows.overhead_retained,
        "funding_direct_local": flows.direct_local,
        "funding_via_intermediaries": float(flows.subgrant_received.sum()),
        "compliance_cost_local": flows.compliance_local,
        "compliance_cost_intl": flows.compliance_intl,
        "cash_total": cash_total,
    }
