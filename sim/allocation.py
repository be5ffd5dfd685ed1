"""What funders see of a recipient, and how they split money among recipients.

Donors (``sim/donors.py``), the country-based pooled fund (``sim/pooled_fund.py``) and UN agencies
passing money to international NGOs (``sim/funding.py``) all split a window of money among the
recipients they may fund by one weight per recipient (except where a country's 3W names the
recipients: UN agencies' NGO partners, and the pooled fund's grantees at the start; docs/data.md)::

    weight = (headcount + 1) x portfolio x (share of perceived need where it works + floor) x seen

* **portfolio**: an intermediary's size is its whole portfolio, what it passes on included: its
  staff scaled by grant income before passing on / income it keeps (moving averages; 1 for
  local actors). Measured by staff alone, an intermediary that passes money on looks smaller
  at every round and shrinks in a self-reinforcing spiral (UN agencies passing 20% to NGOs fell
  from 1,378 to 35 staff in 3 years in the default country without this term, to 250 with it;
  docs/funding.md);

    seen   = (assessed capacity / mean over candidates) ** funding.allocation_capacity_weight
             x (output per dollar / mean over candidates) ** funding.allocation_output_weight
             x exp(-funding.allocation_loss_weight x loss rate)

* **assessed capacity**: the mean of the recipient's technical, institutional, contextual and
  network capacity (all its forms, not institutional systems only);
* **output per dollar**: people covered per USD of income, both moving averages over
  ``staff.income_memory_weeks`` - past performance and its cost together; a recipient without a
  record yet is seen at the candidates' mean;
* **loss rate**: money lost to fraud, diversion and error as a share of operations spending, as
  the recipient's last audit found it (``OrgTable.audited_loss_rate``, ``sim/risk.py``): funders
  see losses late and only in part (``risk.audit_detection``).

Nothing a funder sees names the regime a recipient works under: two recipients equal in size,
need, capacity, output and losses get the same, whatever their partnerships' rules
(``tests/test_funding_chain.py``). Regimes change what funders see only by changing capacity,
output and losses.
"""

from __future__ import annotations

import numpy as np

__all__ = ["assessed_capacity", "seen_score", "allocation_weights", "MIN_RECORD_USD"]

# Below a dollar a week of income (or operations spending) a recipient has no record a funder can
# read: ratios of such amounts are noise (and overflow for denormal budgets).
MIN_RECORD_USD = 1.0


def assessed_capacity(model) -> np.ndarray:
    """Per organisation, the mean of its four capacity forms (0..1) as an assessment sees them."""
    return (model.staff.tech_mean + model.orgs.inst + model.staff.ctx_mean + model.orgs.net) / 4.0


def _relative(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Values divided by their mean over the masked candidates (1 where the mean is not positive)."""
    mean = float(values[mask].mean()) if mask.any() else 0.0
    return values / mean if mean > 0 else np.ones_like(values)


def seen_score(model, mask: np.ndarray) -> np.ndarray:
    """The ``seen`` factor of the module docstring for every organisation, relative to the masked candidates."""
    f = model.p.funding
    orgs = model.orgs
    score = np.ones(orgs.n)
    if f.allocation_capacity_weight:
        cap = np.maximum(assessed_capacity(model), 1e-6)
        score *= _relative(cap, mask) ** f.allocation_capacity_weight
    if f.allocation_output_weight:
        has_record = (orgs.income_ema >= MIN_RECORD_USD) & (orgs.output_ema > 0)
        per_usd = np.divide(orgs.output_ema, orgs.income_ema, out=np.zeros(orgs.n), where=has_record)
        known = mask & has_record
        mean = float(per_usd[known].mean()) if known.any() else 0.0
        rel = np.where(has_record, per_usd / mean, 1.0) if mean > 0 else np.ones(orgs.n)
        score *= np.maximum(rel, 1e-6) ** f.allocation_output_weight
    if f.allocation_loss_weight:
        score *= np.exp(-f.allocation_loss_weight * orgs.audited_loss_rate)
    return score


def allocation_weights(model, mask: np.ndarray) -> np.ndarray:
    """The allocation weight of every masked organisation (0 elsewhere); see the module docstring.

    An organisation working nowhere keeps a small weight (a tenth of an average need share).
    """
    if not mask.any():
        return np.zeros(model.orgs.n)
    orgs = model.orgs
    need = model.coordination.perceived_need_of_orgs()
    floor = 0.1 / max(1, int(mask.sum()))
    portfolio = np.divide(orgs.grants_ema, orgs.income_ema, out=np.ones(orgs.n),
                          where=orgs.is_intl & (orgs.income_ema >= MIN_RECORD_USD) & (orgs.grants_ema > orgs.income_ema))
    return (model.staff.headcount + 1.0) * portfolio * (need + floor) * seen_score(model, mask) * mask
