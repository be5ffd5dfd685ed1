"""Governance: who decides, and so whose knowledge steers money and staff.

Decisions change *where* and *on what* money and staff go, never *how much* each partner gets
(that is a funding rule, ``sim/funding.py``). Knowledge comes from contextual capacity
(``sim/access.py``): an actor knows of the share ``access_factor(access, context)`` of an area's
unmet need. Decision weight says whose knowledge is used:

* **partnership decision weight** ``w`` of a local partner (:func:`partnership_decision_weight`):
  ``joint_decision_weight`` under joint governance (growing over the co-design weeks) plus
  ``local_board_seats x board_seat_weight``, at most 1;
* **knowledge weight** of each organisation (:func:`local_knowledge_weight`), the weight of local
  knowledge in decisions about its resources: a local organisation's own knowledge steers what
  it funds itself and the ``w`` part of its sub-grant (the rest follows its intermediary's
  knowledge); an international organisation's joint programme (``funding.joint_programme_share``
  of its budget) follows its partners' knowledge with their weight ``w``, and reserved board
  seats give them a say over the rest;
* **priorities of the response** (``governance.priority_setting``, :func:`priority_view`): what
  donors and the coordination system count as need is seen through international actors'
  knowledge (international), local actors' (local) or half each (joint).

With equal contextual capacity on both sides every view is the same, so decision weight
changes nothing (a test checks); where local knowledge is worse, giving it weight does harm.

*On what*: a sub-grant is earmarked to delivery except for its flexible part, which the local
partner may spend on its own core needs (systems, finance, retention). The intermediary sees
only ``governance.partner_gap_visibility`` of those needs, the partner all of them; the
flexible part of a sub-grant follows the decision-weighted view:
``flexible share x ((1 - w) x visibility + w)`` (:func:`subgrant_flexibility`).

The outcome ``local_decision_share`` (:func:`local_decision_share`) is the mean of three shares:
funds whose use local actors decide, coordination seats held by local and national actors (the
national authority's adoption included, ``sim/adoption.py``), and local actors' weight in
priority setting.
"""

from __future__ import annotations

import numpy as np

from .access import access_factor
from .jit import kernel
from .regimes import co_design_progress

__all__ = ["INTL_PRIORITY_WEIGHT", "local_decision_share", "partnership_decision_weight", "local_knowledge_weight",
           "priority_view", "subgrant_flexibility", "group_context", "outcomes"]

# Weight of internationally set priorities in what counts as need, by priority setting.
INTL_PRIORITY_WEIGHT = {"international": 1.0, "joint": 0.5, "local": 0.0}


def local_decision_share(params, locally_decided_funds: float, local_seats: float) -> float:
    """Mean of the funds local actors decide, their coordination seats and their weight in priority setting."""
    priority = 1.0 - INTL_PRIORITY_WEIGHT[params.governance.priority_setting]
    return (locally_decided_funds + local_seats + priority) / 3.0


def partnership_decision_weight(model) -> np.ndarray:
    """Per local organisation, its weight in its partnership's decisions (0 if it has no partner)."""
    orgs, rules, g = model.orgs, model.rules, model.p.governance
    return _partnership_decision_weight(orgs.partner, orgs.p_code, orgs.p_start, model.steps_done,
                                        rules.co_design_weeks, rules.joint_governance, g.joint_decision_weight,
                                        g.local_board_seats * g.board_seat_weight)


@kernel
def _partnership_decision_weight(partner, code, start, step, co_design_weeks, joint_governance, joint_weight, seats):
    """:func:`partnership_decision_weight` per organisation."""
    n = partner.shape[0]
    out = np.zeros(n)
    for o in range(n):
        if partner[o] < 0:
            continue
        c = code[o]
        progress = co_design_progress(co_design_weeks[c], step - start[o])
        jg = (1.0 if joint_governance[c] else 0.0) * joint_weight * progress
        out[o] = min(1.0, jg + seats)
    return out


def local_knowledge_weight(model, w: np.ndarray | None = None) -> np.ndarray:
    """Per organisation, the weight of local knowledge in decisions about its money and staff (0..1).

    Args:
        model: the model (reads partnerships, sub-grant shares and the funding levers).
        w: partnership decision weights (default: :func:`partnership_decision_weight`).
    """
    orgs, g, f = model.orgs, model.p.governance, model.p.funding
    if w is None:
        w = partnership_decision_weight(model)
    return _local_knowledge_weight(orgs.partner, orgs.is_local, w, orgs.subgrant_income_share,
                                   orgs.earmark_income_share, f.joint_programme_share,
                                   g.local_board_seats * g.board_seat_weight)


@kernel
def _local_knowledge_weight(partner, is_local, w, subgrant_share, earmark_share, joint_programme_share, seats):
    """:func:`local_knowledge_weight` per organisation: a local actor's own weight where its money is its own;
    an intermediary's partners' mean weight on its joint and earmarked money, plus board seats (at most 1)."""
    n = partner.shape[0]
    count = np.zeros(n, np.int64)
    w_sum = np.zeros(n)
    for o in range(n):
        if partner[o] >= 0:
            count[partner[o]] += 1
            w_sum[partner[o]] += w[o]
    out = np.empty(n)
    for o in range(n):
        if is_local[o]:
            out[o] = 1.0 - (1.0 - w[o]) * subgrant_share[o]
        elif count[o] > 0:
            joint = joint_programme_share + (1.0 - joint_programme_share) * earmark_share[o]
            out[o] = min(1.0, joint * (w_sum[o] / count[o]) + seats)
        else:
            out[o] = 0.0
    return out


def group_context(model) -> tuple[float, float]:
    """Staff-weighted mean effective contextual capacity of active local and of active international actors."""
    orgs, hc = model.orgs, model.staff.headcount
    ctx = model.effective_context()
    out = []
    for mask in (orgs.is_local & orgs.active, orgs.is_intl & orgs.active):
        weight = hc * mask
        total = float(weight.sum())
        out.append(float(ctx @ weight) / total if total > 0 else 0.0)
    return out[0], out[1]


def priority_view(model) -> np.ndarray:
    """Per area, the share of its need the response's priorities see (``governance.priority_setting``)."""
    local_ctx, intl_ctx = group_context(model)
    if not (model.orgs.is_intl & model.orgs.active).any():
        intl_ctx = local_ctx  # after an exit, nobody international sets priorities
    w_intl = INTL_PRIORITY_WEIGHT[model.p.governance.priority_setting]
    access = model.areas.access
    return w_intl * access_factor(access, intl_ctx) + (1.0 - w_intl) * access_factor(access, local_ctx)


def subgrant_flexibility(model, w: np.ndarray) -> np.ndarray:
    """Per local organisation, the share of a sub-grant's flexible part it may spend on its own core needs."""
    v = model.p.governance.partner_gap_visibility
    return (1.0 - w) * v + w


def outcomes(params, flows, orgs, w: np.ndarray, local_seats: float) -> dict:
    """This week's ``local_decision_share`` and the share of money local actors decide (``sim/outcomes.py``).

    Args:
        params: the run's parameters.
        flows: the week's money (``sim/funding.py`` ``WeeklyFlows``).
        orgs: the organisations.
        w: partnership decision weights.
        local_seats: coordination seats held by local and national actors (``sim/adoption.py`` ``local_seats``).
    """
    from .funding import locally_decided

    g = params.governance
    funds = locally_decided(flows, orgs, w, g.local_board_seats * g.board_seat_weight)
    return {"local_decision_share": local_decision_share(params, funds, local_seats), "local_funds_decided_share": funds}
