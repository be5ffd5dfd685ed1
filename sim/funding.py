"""Money: grants, weekly disbursement, pass-through via intermediaries, and the ledger.

Grants are rows of :class:`GrantBook` (donor, recipient, weekly tranche, start, end,
flexible share, multi-year, earmarked for sharing). Every week each active grant pays one
tranche. An international recipient acts as an intermediary: it sub-grants a share of what
it receives to its local partners (the pass-through share, or more where a joint programme
allocates work by comparative advantage), and keeps the indirect-cost allowance, passing on
to partners only the share of it that ``funding.overhead_passed_on`` says. Local partners
spend part of a sub-grant on compliance unless risk is shared. Sub-grants are earmarked
unless the partnership is jointly governed (then the grant's flexibility passes down).

The :class:`Ledger` makes money auditable: initial reserves + donor disbursements +
domestic income = spending (by category) + overhead retained + reserves held, to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .organisations import NO_PARTNER, OrgKind, OrgTable
from .params import Params

__all__ = ["GrantBook", "Ledger", "WeeklyFlows", "disburse"]

SPENDING = ("salaries", "operations", "compliance", "investment", "language")


@dataclass
class Ledger:
    """Cumulative money flows of a run (USD)."""

    initial_cash: float = 0.0
    donor_disbursed: float = 0.0
    domestic_income: float = 0.0
    overhead_retained: float = 0.0
    spent: dict = field(default_factory=lambda: {k: 0.0 for k in SPENDING})

    def spend(self, orgs: OrgTable, amounts: np.ndarray, category: str) -> float:
        """Take ``amounts`` (one per organisation, never above cash) out of cash."""
        total = float(amounts.sum())
        if total:
            orgs.cash -= amounts
            np.maximum(orgs.cash, 0.0, out=orgs.cash)  # guards against -1e-12 rounding only
        self.spent[category] += total
        return total

    @property
    def total_spent(self) -> float:
        return sum(self.spent.values())

    def imbalance(self, cash_now: float) -> float:
        """Relative error of the money identity (0 when money is conserved)."""
        inflow = self.initial_cash + self.donor_disbursed + self.domestic_income
        outflow = self.total_spent + self.overhead_retained + cash_now
        return abs(inflow - outflow) / max(1.0, inflow)


class GrantBook:
    """All grants of a run as parallel arrays; expired rows are pruned at funding rounds."""

    COLS = (("donor", np.int64), ("recipient", np.int64), ("weekly", float), ("start", np.int64),
            ("end", np.int64), ("flexible", float), ("multi_year", bool), ("earmark", bool), ("emergency", bool))

    def __init__(self):
        for name, dtype in self.COLS:
            setattr(self, name, np.zeros(0, dtype))

    def add(self, donor, recipient, weekly, start, end, flexible, multi_year, earmark, emergency=False) -> None:
        recipient = np.atleast_1d(np.asarray(recipient, np.int64))
        k = len(recipient)
        if k == 0:
            return
        new = dict(donor=donor, recipient=recipient, weekly=weekly, start=start, end=end,
                   flexible=flexible, multi_year=multi_year, earmark=earmark, emergency=emergency)
        for name, dtype in self.COLS:
            col = np.broadcast_to(np.asarray(new[name], dtype), (k,))
            setattr(self, name, np.concatenate([getattr(self, name), col]))

    def prune(self, step: int) -> None:
        keep = self.end > step
        for name, _ in self.COLS:
            setattr(self, name, getattr(self, name)[keep])

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


@dataclass
class WeeklyFlows:
    """Money moved this week (USD), for recording and for decision-power accounting."""

    donor_total: float
    direct_local: float
    to_local_total: float
    overhead_retained: float
    domestic: float
    locally_decided: float
    income: np.ndarray  # per organisation, all sources
    responsive: np.ndarray  # per organisation, income free to follow current needs (flexible, emergency)


def disburse(params: Params, step: int, grants: GrantBook, orgs: OrgTable, ledger: Ledger,
             pass_share: np.ndarray, joint_gov: np.ndarray, jointly_governed: np.ndarray,
             headcount: np.ndarray) -> WeeklyFlows:
    """Pay this week's grant tranches and domestic income, and pass funds through intermediaries.

    Args:
        pass_share: per organisation, the share of its grant income an intermediary sub-grants
            to its local partners this week (0 for local organisations).
        joint_gov: per local organisation, the local partner's decision weight in its
            partnership (0 if none; joint governance and board seats add to it).
        jointly_governed: per local organisation, whether its partnership's rules include joint
            governance (then the grant's flexibility passes down with the sub-grant).
        headcount: staff per organisation (weights for splitting sub-grants among partners).
    """
    f, g = params.funding, params.governance
    n = orgs.n
    act = grants.active(step)
    rec = grants.recipient[act]
    tranche = grants.weekly[act]
    # (np.bincount returns integers when there is nothing to count: cast to float.)
    received = np.bincount(rec, tranche, n).astype(float)
    flex = np.bincount(rec, tranche * grants.flexible[act], n).astype(float)
    emergency = np.bincount(rec, tranche * grants.emergency[act], n).astype(float)
    remaining = tranche * (grants.end[act] - step - 1)
    orgs.committed = np.bincount(rec, remaining, n).astype(float)
    safe = np.where(received > 0, received, 1.0)
    orgs.multi_year_income_share = np.bincount(rec, tranche * grants.multi_year[act], n) / safe
    orgs.earmark_income_share = np.bincount(rec, tranche * grants.earmark[act], n) / safe * orgs.is_intl
    donor_total = float(tranche.sum())
    direct_local = float(received[orgs.is_local].sum())

    # Intermediaries: sub-grant, overhead, own programme.
    r = f.overhead_rate
    sub_gross = received * pass_share * orgs.is_intl
    passed_overhead = sub_gross * r * f.overhead_passed_on
    retained = received * orgs.is_intl * r - passed_overhead
    own = received * orgs.is_intl - sub_gross * (1 - r) - passed_overhead - retained
    to_partners = sub_gross * (1 - r) + passed_overhead

    partnered = np.flatnonzero((orgs.partner != NO_PARTNER) & orgs.is_local)
    income_local_sub = np.zeros(n)
    flex_sub = np.zeros(n)
    compliance = np.zeros(n)
    if len(partnered):
        parent = orgs.partner[partnered]
        weight = headcount[partnered] + 1.0
        share = weight / np.bincount(parent, weight, n)[parent]
        programme = sub_gross[parent] * (1 - r) * share
        overhead_part = passed_overhead[parent] * share
        income_local_sub[partnered] = programme + overhead_part
        flex_share_parent = np.divide(flex[parent], received[parent], out=np.zeros(len(parent)), where=received[parent] > 0)
        flex_sub[partnered] = programme * flex_share_parent * jointly_governed[partnered] + overhead_part
        compliance[partnered] = programme * f.compliance_cost * (1 - f.risk_sharing)
        committed_parent = orgs.committed[parent] * pass_share[parent] * (1 - r) * share
        orgs.committed[partnered] += committed_parent
    # Intermediaries with no partner this week keep the sub-grant share as their own programme.
    undelivered = to_partners - np.bincount(orgs.partner[partnered], income_local_sub[partnered], n) if len(partnered) else to_partners
    own = own + np.where(orgs.is_intl, undelivered, 0.0)
    to_local_sub = float(income_local_sub.sum())

    # Domestic income: national budgets and local fundraising (flexible, decided locally).
    domestic = np.zeros(n)
    auth = orgs.kind == int(OrgKind.NATIONAL_AUTHORITY)
    if auth.any():
        domestic[auth] = f.domestic_budget / params.STEPS_PER_YEAR / auth.sum()
    raising = orgs.is_local & orgs.active
    domestic[raising] += f.local_fundraising * orgs.inst[raising] / params.STEPS_PER_YEAR

    income = np.where(orgs.is_local, received, own) + income_local_sub + domestic
    orgs.cash += income
    ledger.donor_disbursed += donor_total
    ledger.domestic_income += float(domestic.sum())
    ledger.overhead_retained += float(retained.sum())
    orgs.hq_support = retained  # spent at headquarters, partly on the intermediary's own systems
    ledger.spend(orgs, np.minimum(compliance, orgs.cash), "compliance")
    orgs.flex_income = np.where(orgs.is_local, flex, flex - np.minimum(flex, sub_gross)) + flex_sub + domestic
    orgs.flex_income = np.minimum(orgs.flex_income, orgs.cash)

    # Who decides how this week's money is used: each organisation its own grants and domestic
    # income; sub-grants are decided by the intermediary except for the local partner's weight
    # in the partnership (joint governance, board seats); reserved board seats also give an
    # intermediary's local partners that weight over its own programme, shared among them.
    seat = g.local_board_seats * g.board_seat_weight
    decides = np.where(orgs.is_local, received, own) + domestic + retained
    decides += income_local_sub * joint_gov
    if len(partnered):
        decides += np.bincount(parent, income_local_sub[partnered] * (1.0 - joint_gov[partnered]), n)
        has_partners = np.bincount(parent, minlength=n) > 0
        board = own * seat * has_partners * orgs.is_intl
        decides -= board
        decides[partnered] += board[parent] * share
    total_in = float(decides.sum())
    orgs.decision_power = decides / total_in if total_in > 0 else np.zeros(n)
    decided = float(decides[orgs.is_local].sum())
    return WeeklyFlows(
        donor_total=donor_total,
        direct_local=direct_local,
        to_local_total=direct_local + to_local_sub,
        overhead_retained=float(retained.sum()),
        domestic=float(domestic.sum()),
        locally_decided=decided / total_in if total_in > 0 else 0.0,
        income=income,
        responsive=np.minimum(income, orgs.flex_income + emergency * orgs.is_local
                              + np.where(orgs.is_intl, emergency * (1 - pass_share) * (1 - r), 0.0)),
    )
