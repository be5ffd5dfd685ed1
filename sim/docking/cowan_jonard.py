"""Cowan & Jonard (2004) "Network structure and the diffusion of knowledge": knowledge barter on a small world.

``n_agents`` agents sit on a Watts-Strogatz network (each linked to ``degree`` nearest neighbours
on a ring, every link rewired with probability p). Each holds a knowledge level in each of
``categories`` categories. Linked agents meet and trade when the trade benefits both: each must
know more than the other in some category (a double coincidence of wants). In a trade each
agent absorbs a share ``absorptive_capacity`` (alpha) of its gap to the partner in every
category in which the partner knows more; knowledge is not rival, so nobody loses any. Trading
stops when no linked pair can trade any more: the steady state. The published result: steady-
state mean knowledge against p (log scale) peaks in the small-world region (most links local,
about 10% rewired), where the coefficient of variation of knowledge across agents is lowest.

capsim's own code does the work where it can express the model: the barter is
``sim/learning.py:barter``, built on ``close_gap``, the learning law of the regimes (a learner
closes a share of its gap to a teacher who knows more; under two-way sharing each partner learns
what the other knows better); the network is ``sim/networks.py:watts_strogatz_edges``, which
also builds the model's local peer network. The condition that *both* must gain before anything
is exchanged is Cowan & Jonard's and not a capsim rule: capsim's partnerships exchange by rule.

Meetings. Cowan & Jonard let one agent at a time meet a random neighbour. Here, to run many
agents and replications as arrays, each round draws a random matching among the links on which
a trade is possible (every such link gets a uniform priority; a link is chosen when its priority
is the lowest among the links of both its ends) and all matched pairs trade at once. As the
pairs are disjoint, a round equals those trades done one after another in any order; the
difference to the paper is only which tradeable pair is likely to trade next (see
``docs/docking.md``). Knowledge levels count as equal within a relative ``tolerance`` (1%),
which makes the steady state reachable in finitely many trades.

Initial knowledge is uniform on [0, ``initial_max``] per category; ``experts`` agents start with
``expert_level`` in one random category. The experts are not confirmed in the 2004 paper (we
could not read its full text here); they come from a later use of the model that cites it, and
the published shape appears only with them (``docs/docking.md`` reports both).

Replications are vectorised as one graph made of independent copies (block-diagonal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.learning import barter, can_exchange
from sim.networks import watts_strogatz_edges
from sim.params import ConfigError, param, section_from_dict

from . import grid_sweep, stream

__all__ = ["CowanJonardParams", "CJRuns", "simulate", "summarise", "sweep", "network_measures", "PUBLISHED_SHAPE",
           "PUBLISHED_SOURCE", "PUBLISHED_PEAK_REWIRING"]

CJ = "Cowan & Jonard (2004), JEDC 28(8):1557-1575"


@dataclass(frozen=True)
class CowanJonardParams:
    """Parameters of one Cowan & Jonard (2004) economy."""

    n_agents: int = param(500, "agents on the ring", "agents", 4, 1_000_000,
                          "assumption (500; the paper's value could not be checked here)")
    degree: int = param(
        10, "links per agent before rewiring (n nearest neighbours; even)", "links", 2, 1000,
        f"{CJ}: each agent linked to its n nearest neighbours; n = 10 an assumption",
    )
    categories: int = param(
        10, "knowledge categories per agent", "categories", 2, 1000,
        f"{CJ}: knowledge vectors; 10 categories as in a later use of the model (assumption, docs/docking.md)",
    )
    initial_max: float = param(
        10.0, "initial knowledge per category drawn uniformly from 0 to this", "knowledge units", 1e-9, 1e9,
        "assumption: U[0, 10] per category, as in a later use of the model (docs/docking.md)",
    )
    experts: int = param(
        10, "agents per economy who start as experts in one random category", "agents", 0, 1_000_000,
        "assumption; a later use of the model adds 10 experts at level 30 (see docs/docking.md)",
    )
    expert_level: float = param(30.0, "experts' initial knowledge in their category", "knowledge units", 0.0, 1e12,
                                "assumption (30 = 3 x initial_max, as in that later use)")
    absorptive_capacity: float = param(
        0.5, "alpha: share of the gap to the partner absorbed in one trade, per category", "share", 1e-6, 1.0,
        f"{CJ}: absorptive capacity alpha; the value 0.5 is an assumption",
    )
    rewiring: float = param(0.1, "p: Watts-Strogatz rewiring probability of each link", "probability", 0.0, 1.0, CJ)
    exchange: str = param(
        "all", "what a trade passes on: every category in which the partner is ahead, or only the one with the "
        "largest gap", choices=("all", "largest_gap"),
        source="assumption: 'all' as capsim's two-way sharing (each learns every capacity the other has more "
        "of); 'largest_gap' is a one-for-one reading of the barter",
    )
    double_coincidence: bool = param(
        True, "trade only when both gain (barter); false: each learns wherever the other is ahead, as in "
        "capsim's rule-based two-way sharing", source=f"{CJ}: barter requires a double coincidence of wants",
    )
    tolerance: float = param(
        0.01, "relative difference under which two knowledge levels count as equal", "share", 1e-6, 1.0,
        "assumption (1%), so that trading ends in finitely many steps",
    )
    max_rounds: int = param(
        100_000, "safety limit of meeting rounds; runs stopped here are counted, not hidden", "rounds", 1,
        100_000_000, "assumption",
    )

    @classmethod
    def from_dict(cls, data: dict | None, prefix: str = "") -> "CowanJonardParams":
        """Validated parameters; raises :class:`~sim.params.ConfigError` in one line."""
        p = section_from_dict(cls, data, prefix)
        if p.degree >= p.n_agents:
            raise ConfigError(f"{prefix}degree = {p.degree} is not below n_agents = {p.n_agents}; "
                              "allowed: fewer links per agent than agents")
        if p.experts > p.n_agents:
            raise ConfigError(f"{prefix}experts = {p.experts} exceeds n_agents = {p.n_agents}; "
                              "allowed: at most one expert per agent")
        return p


@dataclass
class CJRuns:
    """Results of ``replications`` runs of one parameter set, one entry per replication."""

    mean_knowledge: np.ndarray  # mean over agents and categories at the steady state
    knowledge_cv: np.ndarray  # sd / mean over agents of each agent's mean knowledge
    initial_mean: np.ndarray  # mean knowledge at the start
    trades: np.ndarray  # trades made
    rounds: np.ndarray  # meeting rounds until the steady state
    steady: np.ndarray  # True where trading ended by itself (not at max_rounds)


def simulate(params: CowanJonardParams, replications: int, seed: int) -> CJRuns:
    """Run ``replications`` independent economies to their steady state.

    Initial knowledge comes from the stream ``cj.initial`` of ``seed`` only, so every rewiring
    probability run with the same seed starts from the same endowments (common random numbers);
    networks come from ``cj.network``, meetings from ``cj.meetings``.

    Args:
        params: the model's parameters.
        replications: independent economies (each with its own network).
        seed: seed of the run.
    """
    p = params
    reps, n, k = int(replications), p.n_agents, p.categories
    init, net_rng, rng = stream(seed, "cj.initial"), stream(seed, "cj.network"), stream(seed, "cj.meetings")
    know = init.uniform(0.0, p.initial_max, (reps * n, k))
    if p.experts:
        who = np.argsort(init.random((reps, n)), axis=1)[:, : p.experts] + np.arange(reps)[:, None] * n
        know[who.ravel(), init.integers(0, k, who.size)] = p.expert_level
    edges = np.concatenate([
        watts_strogatz_edges(n, p.degree, p.rewiring, int(net_rng.integers(2**31))) + r * n for r in range(reps)
    ])
    u, w = edges[:, 0], edges[:, 1]
    owner = u // n  # replication of each link
    initial_mean = know.reshape(reps, n, k).mean((1, 2))
    trades = np.zeros(reps, np.int64)
    rounds = np.zeros(reps, np.int64)
    steady = np.zeros(reps, bool)
    node_min = np.empty(reps * n)
    for t in range(1, p.max_rounds + 1):
        open_ = can_exchange(know[u], know[w], p.tolerance, both_must_gain=p.double_coincidence)
        active = np.bincount(owner[open_], minlength=reps) > 0
        newly = ~active & ~steady
        rounds[newly] = t - 1
        steady |= ~active
        if not active.any():
            break
        cu, cw = u[open_], w[open_]
        prio = rng.random(len(cu))
        node_min.fill(np.inf)
        np.minimum.at(node_min, cu, prio)
        np.minimum.at(node_min, cw, prio)
        pick = (prio == node_min[cu]) & (prio == node_min[cw])
        a, b = barter(know[cu[pick]], know[cw[pick]], p.absorptive_capacity, p.tolerance,
                      one_category=p.exchange == "largest_gap", both_must_gain=p.double_coincidence)
        know[cu[pick]] = a
        know[cw[pick]] = b
        trades += np.bincount(owner[open_][pick], minlength=reps)
    else:
        rounds[~steady] = p.max_rounds
    agent_mean = know.reshape(reps, n, k).mean(2)
    mean = agent_mean.mean(1)
    cv = agent_mean.std(1) / mean
    return CJRuns(mean, cv, initial_mean, trades, rounds, steady)


def summarise(runs: CJRuns) -> dict:
    """Means and standard errors over replications of one parameter set."""
    r = len(runs.mean_knowledge)

    def se(x):
        return float(np.std(x, ddof=1) / np.sqrt(r)) if r > 1 else float("nan")

    return {
        "replications": r,
        "mean_knowledge": float(np.mean(runs.mean_knowledge)),
        "mean_knowledge_se": se(runs.mean_knowledge),
        "knowledge_cv": float(np.mean(runs.knowledge_cv)),
        "knowledge_cv_se": se(runs.knowledge_cv),
        "initial_mean": float(np.mean(runs.initial_mean)),
        "trades_mean": float(np.mean(runs.trades)),
        "rounds_max": int(np.max(runs.rounds)),
        "steady_share": float(np.mean(runs.steady)),
    }


def sweep(base: CowanJonardParams, grid: dict[str, list], replications: int, seed: int, progress=None,
          runs: dict | None = None) -> pd.DataFrame:
    """Every combination of the grid's values, one row each, all with the same seed (common random numbers).

    Args:
        base: parameters not on the grid.
        grid: parameter name -> values, e.g. ``{"rewiring": [1e-4, ..., 1.0]}``.
        replications: runs per grid point.
        seed: seed of every grid point.
        progress: optional callable ``progress(done, total, row)`` called after each point.
        runs: optional dict that receives each point's per-replication results, keyed by the
            tuple of its grid values (for paired comparisons between points).
    """
    return grid_sweep(CowanJonardParams, base, grid, replications, seed, simulate, summarise, progress, runs)


# ------------------------------------------------------------------------------------- reference
PUBLISHED_SOURCE = (
    "Cowan, R. & Jonard, N. (2004). Network structure and the diffusion of knowledge. Journal of Economic "
    "Dynamics and Control 28(8):1557-1575, abstract: steady-state average knowledge is maximal in the small "
    "world (most links local, roughly 10 percent long distance); the variance of knowledge is maximal and the "
    "coefficient of variation minimal there"
)
# The published result is a shape, not a table: where the extremes lie on the rewiring axis.
# "roughly 10 percent of them are long distance" at the maximum (abstract).
PUBLISHED_PEAK_REWIRING = 0.1
PUBLISHED_SHAPE = {
    "mean_knowledge": "maximal in the small-world region",
    "knowledge_cv": "minimal in the small-world region",
}


def network_measures(params: CowanJonardParams, samples: int, seed: int, sources: int = 100) -> dict:
    """Clustering and path length of the network, relative to the ring lattice (Watts & Strogatz 1998).

    Returns ``clustering_ratio`` C(p)/C(0) and ``path_ratio`` L(p)/L(0), means over ``samples``
    networks drawn from the stream ``cj.measures``. L is the mean shortest-path length from
    ``sources`` random nodes (all nodes if fewer) within the largest component.

    Args:
        params: the network's size, degree and rewiring probability.
        samples: networks to average over.
        seed: seed of the draws.
        sources: start nodes of the path-length estimate.
    """
    rng = stream(seed, "cj.measures")
    c0, l0 = _measure(params.n_agents, params.degree, 0.0, 0, sources, 0)
    vals = np.array([_measure(params.n_agents, params.degree, params.rewiring, int(rng.integers(2**31)), sources,
                              int(rng.integers(2**31))) for _ in range(samples)])
    return {"clustering_ratio": float(vals[:, 0].mean() / c0), "path_ratio": float(vals[:, 1].mean() / l0)}


def _measure(n: int, degree: int, p: float, net_seed: int, sources: int, pick_seed: int) -> tuple[float, float]:
    """Average clustering and mean shortest-path length (from sampled sources) of one network."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(watts_strogatz_edges(n, degree, p, net_seed).tolist())
    giant = g.subgraph(max(nx.connected_components(g), key=len))
    nodes = np.array(sorted(giant.nodes))
    if len(nodes) > sources:
        nodes = np.random.Generator(np.random.PCG64(pick_seed)).choice(nodes, sources, replace=False)
    dist = [np.mean(list(nx.single_source_shortest_path_length(giant, int(s)).values())) for s in nodes]
    m = giant.number_of_nodes()
    return nx.average_clustering(g), float(np.mean(dist)) * m / max(m - 1, 1)
