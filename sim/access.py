"""Access and knowledge: what contextual capacity buys an organisation in an area.

One law, used everywhere the model needs it (the interface the funding and risk mechanisms
build on):

* **access factor** ``1 - access x (1 - context)``: the share of its full effectiveness an
  organisation keeps in an area of access difficulty ``access`` (0 easy .. 1 hardest) when its
  effective contextual capacity (local knowledge, language, acceptance; ``CapacityModel.
  effective_context``) is ``context``. Delivery (``sim/delivery.py``) and the complementarity
  split (``sim/partnerships.py``) use it for effectiveness; coordination (``sim/coordination.py``)
  uses the same factor as the share of an area's unmet need an actor knows of, so contextual
  capacity is knowledge as well as reach, and two actors with equal contextual capacity know
  the same;
* **operating risk** ``access x (1 - acceptance)``: what an organisation risks by working in an
  area. It works (opens presence, surges after a shock) only where operating risk is within its
  risk tolerance (raised by risk sharing, ``Coordination.risk_tolerance``). Acceptance is its
  own effective contextual capacity or, for an international organisation in an area where one
  of its local partners works, ``governance.partner_acceptance_share`` of that partner's, if that
  is more: international actors reach hard areas through their partners. There is no fixed
  wall: an international organisation that learns contextual capacity (two-way sharing) or
  partners with local organisations working in an area can go where it could not before.

Everything here is arrays in, arrays out; :func:`acceptance` reads the model's state.
"""

from __future__ import annotations

import numpy as np

__all__ = ["access_factor", "operating_risk", "acceptance", "can_operate"]


def access_factor(access, context):
    """Share of full effectiveness (and of unmet need known of) kept in an area.

    Args:
        access: access difficulty of the area(s), 0..1.
        context: effective contextual capacity of the organisation(s), 0..1 (broadcastable).
    """
    return 1.0 - np.asarray(access) * (1.0 - np.asarray(context))


def operating_risk(access, acceptance_level):
    """Risk an organisation carries by working in an area: ``access x (1 - acceptance)``, 0..1."""
    return np.asarray(access) * (1.0 - np.asarray(acceptance_level))


def acceptance(model, org: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Acceptance of each (organisation, area) pair: own contextual capacity, or, for an international
    organisation, the borrowed share of its best local partner's working in that area (if more).

    Args:
        model: the :class:`~sim.model.CapacityModel`.
        org: organisation indices (one per pair).
        area: area indices (same length).
    """
    orgs = model.orgs
    ctx = model.effective_context()
    own = ctx[np.asarray(org)]
    share = model.p.governance.partner_acceptance_share
    local = np.flatnonzero((orgs.partner >= 0) & orgs.active)
    if share <= 0 or len(local) == 0:
        return own
    # Best partner acceptance per (intermediary, area): over partners' presence slots.
    slots = orgs.presence[local]
    rows = np.repeat(local, slots.shape[1])
    areas = slots.ravel()
    ok = areas >= 0
    rows, areas = rows[ok], areas[ok]
    # (A sorted key table rather than an organisations x areas matrix: memory stays linear.)
    key = orgs.partner[rows].astype(np.int64) * model.areas.n + areas
    value = ctx[rows]
    order = np.lexsort((value, key))  # by key, then by value: the last of each key is its best
    key, value = key[order], value[order]
    last = np.r_[key[1:] != key[:-1], True]
    key, value = key[last], value[last]
    want = np.asarray(org, np.int64) * model.areas.n + np.asarray(area)
    pos = np.minimum(np.searchsorted(key, want), len(key) - 1)
    borrowed = share * np.where(key[pos] == want, value[pos], 0.0)
    return np.where(orgs.is_intl[np.asarray(org)], np.maximum(own, borrowed), own)


def can_operate(model, org: np.ndarray, area: np.ndarray, tolerance: np.ndarray | None = None) -> np.ndarray:
    """Whether each organisation accepts the operating risk of working in each area (pairs).

    Args:
        model: the model.
        org, area: pairs of organisation and area indices.
        tolerance: per-organisation risk tolerance (default: ``model.coordination.risk_tolerance()``).
    """
    tol = model.coordination.risk_tolerance() if tolerance is None else tolerance
    risk = operating_risk(model.areas.access[np.asarray(area)], acceptance(model, org, area))
    return risk <= tol[np.asarray(org)] + 1e-12
