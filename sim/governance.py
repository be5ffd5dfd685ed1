"""Governance: who sets priorities and how much decision power local actors hold.

* ``governance.priority_setting`` decides whose view of need steers the response. Priorities
  set internationally under-see need in hard-to-reach areas (``visibility_bias``); locally
  set priorities see need as it is; joint priority setting sits halfway. Donors' and
  international organisations' choices follow these perceived needs (``sim/coordination.py``).
* Local decision power (outcome ``local_decision_share``) is the mean of three shares:
  funds whose use local actors decide (their own grants and domestic income, their weight in
  jointly governed partnerships, board seats in intermediaries), coordination seats held by
  local actors, and local actors' weight in priority setting.
"""

from __future__ import annotations

__all__ = ["INTL_PRIORITY_WEIGHT", "local_decision_share"]

# Weight of internationally set priorities in what counts as need, by priority setting.
INTL_PRIORITY_WEIGHT = {"international": 1.0, "joint": 0.5, "local": 0.0}


def local_decision_share(params, locally_decided_funds: float) -> float:
    g = params.governance
    priority = 1.0 - INTL_PRIORITY_WEIGHT[g.priority_setting]
    return (locally_decided_funds + g.local_coordination_seats + priority) / 3.0
