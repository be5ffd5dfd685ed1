"""The country-based pooled fund: donors' contributions, its own assessment, allocation rounds.

Every week each donor contributes ``pooled_fund.share`` of its budget (until an exit); the fund
keeps ``pooled_fund.management_share`` of each contribution for its own management and holds the
rest. Every ``pooled_fund.round_interval_weeks`` it allocates what it holds and has not yet
promised as grants of ``pooled_fund.grant_weeks``, paid weekly like any grant (``sim/funding.py``
``GrantBook``, donor index ``PooledFund.index``), to:

* local and national actors that pass **its own capacity assessment** (institutional capacity at
  or above ``pooled_fund.eligibility_threshold``; one assessment a year, costing the organisation
  ``funding.due_diligence_staff_weeks`` unless shared), funded directly; and
* international organisations, which pass part on to their local partners as they pass any grant.

It splits each round by the funders' allocation weights (``sim/allocation.py``): need, size,
assessed capacity, output per dollar and losses - never regime. A round with no eligible
recipient allocates nothing; the money stays in the fund for the next round (outcome
``pooled_fund_held``). After an exit no contributions arrive; the fund keeps allocating what it
holds to eligible local actors only.

The fund's money is in the ledger (``sim/funding.py`` ``Ledger``): contributions are donor
disbursements; grant tranches it pays come out of what it holds.
"""

from __future__ import annotations

import numpy as np

from .allocation import allocation_weights

__all__ = ["PooledFund"]


class PooledFund:
    """The pooled fund's commitments; its money is held in the ledger (``Ledger.pool_held``)."""

    def __init__(self, model):
        self.model = model
        self.index = model.p.funding.n_donors  # the donor index of its grants in the grant book

    def eligible(self) -> np.ndarray:
        """Organisations the fund may fund this round (its own assessment for local actors)."""
        m = self.model
        orgs = m.orgs
        local_ok = orgs.is_local & (orgs.inst >= m.p.pooled_fund.eligibility_threshold)
        return orgs.active & (local_ok | (orgs.is_intl & (not m.exited)))

    def weekly_contribution(self) -> float:
        """What donors give the fund this week (USD), before its management share."""
        m = self.model
        if m.exited:
            return 0.0
        return float(sum(d.weekly_budget for d in m.donors)) * m.p.pooled_fund.share

    def allocation_round(self) -> float:
        """Commit what the fund holds and has not promised as new grants; returns the weekly amount granted."""
        m = self.model
        pf = m.p.pooled_fund
        g = m.grants
        t = m.steps_done
        mine = (g.donor == self.index) & (g.end > t)
        promised = float((g.weekly[mine] * (g.end[mine] - np.maximum(g.start[mine], t))).sum())
        free = m.ledger.pool_held - promised
        mask = self.eligible()
        w = allocation_weights(m, mask)
        if free <= 0 or w.sum() <= 0:
            return 0.0
        rec = np.flatnonzero(w > 0)
        weekly = free / pf.grant_weeks * w[rec] / w[rec].sum()
        g.add(self.index, rec, weekly, t, t + pf.grant_weeks, m.p.funding.flexible_share, False, False)
        return float(weekly.sum())
