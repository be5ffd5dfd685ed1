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

__all__ = ["access_factor", "operating_risk", "acceptance", "can_operate", "AcceptanceTable"]


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


class AcceptanceTable:
    """Acceptance of any (organisation, area) pair from one snapshot of the model's state.

    Own effective contextual capacity, or, for an international organisation, the borrowed share
    (``governance.partner_acceptance_share``) of its best local partner's working in that area,
    if that is more. Built once per decision round (a presence review, a shock), so that every
    organisation deciding in that round sees the same state whatever the order of decisions.
    """

    def __init__(self, model):
        orgs = model.orgs
        self.n_areas = model.areas.n
        self.ctx = model.effective_context()
        self.is_intl = orgs.is_intl
        self.share = model.p.governance.partner_acceptance_share
        local = np.nonzero((orgs.partner >= 0) & orgs.active)[0]
        self.key = np.zeros(0, np.int64)
        self.value = np.zeros(0)
        if self.share <= 0 or len(local) == 0:
            return
        slots = orgs.presence[local]
        rows = np.repeat(local, slots.shape[1])
        areas = slots.ravel()
        ok = areas >= 0
        rows, areas = rows[ok], areas[ok]
        # A sorted key table rather than an organisations x areas matrix: memory stays linear.
        key = orgs.partner[rows].astype(np.int64) * self.n_areas + areas
        value = self.ctx[rows]
        order = np.lexsort((value, key))  # by key, then by value: the last of each key is its best
        key, value = key[order], value[order]
        last = np.r_[key[1:] != key[:-1], True] if len(key) else np.zeros(0, bool)
        self.key, self.value = key[last], value[last]

    def of(self, org: np.ndarray, area: np.ndarray) -> np.ndarray:
        """Acceptance of each (organisation, area) pair."""
        org = np.asarray(org)
        own = self.ctx[org]
        if len(self.key) == 0:
            return own
        want = org.astype(np.int64) * self.n_areas + np.asarray(area)
        pos = np.minimum(np.searchsorted(self.key, want), len(self.key) - 1)
        borrowed = self.share * np.where(self.key[pos] == want, self.value[pos], 0.0)
        return np.where(self.is_intl[org], np.maximum(own, borrowed), own)


def acceptance(model, org: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Acceptance of each (organisation, area) pair in the model's current state (:class:`AcceptanceTable`).

    Args:
        model: the :class:`~sim.model.CapacityModel`.
        org: organisation indices (one per pair).
        area: area indices (same length).
    """
    return AcceptanceTable(model).of(org, area)


def can_operate(model, org: np.ndarray, area: np.ndarray, tolerance: np.ndarray | None = None,
                table: AcceptanceTable | None = None) -> np.ndarray:
    """Whether each organisation accepts the operating risk of working in each area (pairs).

    Args:
        model: the model.
        org, area: pairs of organisation and area indices.
        tolerance: per-organisation risk tolerance (default: ``model.coordination.risk_tolerance()``).
        table: acceptance snapshot to use (default: the current state).
    """
    tol = model.coordination.risk_tolerance() if tolerance is None else tolerance
    table = AcceptanceTable(model) if table is None else table
    risk = operating_risk(model.areas.access[np.asarray(area)], table.of(org, area))
    return risk <= tol[np.asarray(org)] + 1e-12
