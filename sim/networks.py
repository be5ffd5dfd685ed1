"""Network structures: the Watts-Strogatz small world used for peer networks.

The local peer network of the main model (``CapacityModel._peer_network``) and the agents'
network of the Cowan & Jonard (2004) docking model (``sim/docking/cowan_jonard.py``) are both
built here, so the docking run checks the same network code the model uses.

Watts & Strogatz (1998): ``n`` nodes on a ring, each joined to its ``k`` nearest neighbours
(``k/2`` on each side); each edge is then rewired with probability ``p`` to a node chosen
uniformly at random (no self-loops, no duplicate edges). ``p = 0`` is the regular ring lattice,
``p = 1`` a random graph with the same number of edges; small ``p`` gives a "small world": high
clustering and short paths. The construction is networkx's ``watts_strogatz_graph``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

__all__ = ["watts_strogatz_edges"]


def watts_strogatz_edges(n: int, k: int, p: float, seed: int) -> np.ndarray:
    """Undirected edges of a Watts-Strogatz graph as an ``(edges, 2)`` integer array.

    Args:
        n: number of nodes.
        k: each node's number of nearest neighbours on the ring before rewiring (even; an odd
            ``k`` is rounded down by networkx).
        p: rewiring probability of each edge, 0..1.
        seed: integer seed of the rewiring (draw it from a named stream, see ``sim/rng.py``).
    """
    g = nx.watts_strogatz_graph(n, k, p, seed=seed)
    return np.asarray(g.edges(), dtype=np.int64).reshape(-1, 2)
