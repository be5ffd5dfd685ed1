"""Convening: intermediaries link their local partners, so the local peer network grows over the run.

The local peer network starts as a Watts-Strogatz small world (``sim/networks.py``,
``CapacityModel._peer_network``). An intermediary that convenes (IASC scoping paper,
recommendation 3; the Trocaire case study: an international convenor of locally led co-design)
brings its local partners together: at each funding round (every ``funding.round_interval_weeks``
weeks, after partners are matched), each international organisation links every pair of its
current local partners not yet linked with probability

    1 - exp(-partnership.convening_rate x round_interval_weeks / 52)

(one draw per pair from the ``convening`` stream, keyed by week and intermediary). Links are
undirected and kept for the rest of the run (both directions are added to ``model.peer_edges``).
They carry what the peer network carries: peer exchange of institutional learning under rules
with ``peer_exchange`` (``sim/regimes.py``) and mutual aid after shocks (``sim/coordination.py``).
With ``convening_rate = 0`` (the default) the network stays as it started.

Outcome (``sim/outcomes.py``): ``n_peer_links``, the undirected links of the local peer network.
"""

from __future__ import annotations

import numpy as np

__all__ = ["convene", "outcomes"]


def convene(model, t: int) -> int:
    """Add this round's convened links to ``model.peer_edges``; returns how many undirected links were added."""
    rate = model.p.partnership.convening_rate
    interval = model.p.funding.round_interval_weeks
    if rate <= 0 or t % interval != 0:
        return 0
    orgs = model.orgs
    n = orgs.n
    prob = 1.0 - np.exp(-rate * interval / model.p.STEPS_PER_YEAR)
    u, v = model.peer_edges
    existing = set((u * n + v).tolist())
    local = orgs.is_local & orgs.active & (orgs.partner >= 0)
    new_u, new_v = [], []
    for intl in np.unique(orgs.partner[local]):
        partners = np.nonzero(local & (orgs.partner == intl))[0]
        if len(partners) < 2:
            continue
        a, b = np.triu_indices(len(partners), 1)
        pu, pv = partners[a], partners[b]
        draw = model.streams.slot_uniforms("convening", t, len(pu), sub=int(intl))
        key = pu * n + pv
        fresh = np.fromiter((k not in existing for k in key.tolist()), bool, len(key))
        take = fresh & (draw < prob)
        new_u.append(pu[take])
        new_v.append(pv[take])
        existing.update(key[take].tolist())
        existing.update((pv[take] * n + pu[take]).tolist())
    if not new_u:
        return 0
    add_u, add_v = np.concatenate(new_u), np.concatenate(new_v)
    if len(add_u):
        model.peer_edges = (np.concatenate([u, add_u, add_v]), np.concatenate([v, add_v, add_u]))
    return len(add_u)


def outcomes(model) -> dict:
    """This week's ``n_peer_links`` (registered in ``sim/outcomes.py``)."""
    return {"n_peer_links": float(len(model.peer_edges[0]) // 2)}
