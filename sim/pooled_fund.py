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
assessed capacity, output per dollar and losses - never regime. With country data whose 3W names
the fund's grantees (the fund as an organisation's programme partner, or as the funder of its own
programme), its **first round** - the grants in place at the start - goes to those grantees instead,
split by the size of the rows naming them (``start_size``: budget, else staff, else rows): the
data says whom the fund funds now, and the fund assessed them when it funded them. From its next
round on, its own assessment and the weights decide, as a fund that calls for proposals every
round does (docs/data.md). A round with no eligible
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
        # the size of the 3W rows naming each organisation as the fund's grantee (country data); None: the first
        # round as any other
        size = None if model.country is None else model.country.pool_grantee_size
        self.start_size = None if size is None or not size.any() else size.astype(float)

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

    def allocation_round(self, first: bool = False) -> float:
        """Commit what the fund holds and has not promised as new grants; returns the weekly amount granted.

        Args:
            first: the round at the start, which goes to the grantees the country's 3W names (``start_size``),
                where it names any that are active.
        """
        m = self.model
        pf = m.p.pooled_fund
        g = m.grants
        t = m.steps_done
        mine = (g.donor == self.index) & (g.end > t)
        promised = float((g.weekly[mine] * (g.end[mine] - np.maximum(g.start[mine], t))).sum())
        free = m.ledger.pool_held - promised
        named = self.start_size * m.orgs.active if first and self.start_size is not None else None
        w = named if named is not None and named.sum() > 0 else allocation_weights(m, self.eligible())
        if free <= 0 or w.sum() <= 0:
            return 0.0
        rec = np.nonzero(w > 0)[0]
        weekly = free / pf.grant_weeks * w[rec] / w[rec].sum()
        g.add(self.index, rec, weekly, t, t + pf.grant_weeks, m.p.funding.flexible_share, False, False)
        return float(weekly.sum())
