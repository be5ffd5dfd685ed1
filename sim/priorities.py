"""People's priorities and feedback: what affected people want, who hears it and whose decisions follow it.

IASC scoping paper, principle 2 (affected people at the centre) and recommendation 2
(people-centred, area-based design). Affected people in each area have priorities across sectors,
``people`` (n_areas x n_sectors, rows sum to 1), drawn once at set-up from their own stream
(``priorities``), separately from anything an organisation believes: a Dirichlet around the
area's sector profile of need with concentration ``priorities.concentration`` per sector, so
people's priorities follow their needs on average but not exactly.

**What each actor sees.** An organisation sees the priorities of the people in the areas where it
works (nowhere else), with an error that shrinks with the contextual capacity (knowledge,
language, acceptance) of whoever decides about its money and staff, and with feedback channels:

    seen[o, a] = normalise(max(0, people[a] + sigma_o x eps[a])),
    sigma_o = priorities.perception_noise x (1 - decision context_o) x (1 - priorities.feedback_channels)

``eps[a]`` (one standard normal per area and sector, drawn at set-up from the same stream after
people's priorities) is how the area's priorities look from outside its context: the sectors whose
needs outsiders see and those they miss. It is the same error for every observer (an assumption):
what separates two views is only how much context each brings, so perceiving people's priorities is
part of knowledge, and two actors with the same contextual capacity see the same priorities.

**Whose decisions follow them.** The *decision context* (``sim/coordination.py``
``Coordination.decision_context``) is the contextual capacity of the knowledge that steers an
organisation's money and staff: its own, blended by decision weight with its partners' (an
intermediary's local partners under joint programmes and board seats; a local partner's
intermediary for the earmarked part of a sub-grant; ``sim/governance.py`` ``local_knowledge_weight``).
It is the same blend that steers where staff go. An organisation splits its supply in an area over
its sectors by its sector weights ``w_o`` (what it is set up to do), moved towards the priorities
its decision-makers see among those sectors by ``priorities.voice`` ``v``, the share of the split
that adapts to what people ask for (the rest is fixed by mandate, grants and supply lines):

    split[o, a] = (1 - v) x w_o + v x normalise(w_o x seen[o, a]) x sum(w_o)

so an organisation never moves into a sector it does not work in; a single-sector organisation is
unchanged. Delivery (``sim/delivery.py``) uses this split instead of the fixed sector weights.
Decision weight therefore moves the split towards people's priorities where local knowledge is
better, away from them where it is worse, and changes nothing where knowledge is equal (the
governance rule of ``sim/governance.py``, checked in ``tests/test_pathways.py``).

Outcomes (``sim/outcomes.py``): ``appropriateness``, the overlap between how the aid delivered in
each area is spread over sectors and how people there rank them,
``sum_a covered_a x sum_s min(aid share_{a,s}, people_{a,s}) / sum_a covered_a`` (1 when aid is
spread exactly as people prioritise); ``feedback_acted_on``, the share of people covered by
organisations weighted by feedback heard (``feedback_channels``), acted on (``voice``) and by
decision-makers close to people (the weight of local knowledge in the organisation's decisions,
``OrgTable.knowledge_weight``): ``feedback_channels x voice x knowledge weight_o``.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel

__all__ = ["Priorities", "outcomes"]


class Priorities:
    """People's priorities per area and sector, each organisation's perception error, the split they cause."""

    def __init__(self, params, areas, n_orgs: int, rng: np.random.Generator):
        """Args:
            params: the run's parameters (``priorities`` section).
            areas: the areas (sector profiles of need).
            n_orgs: number of organisations.
            rng: the ``priorities`` stream.
        """
        self.p = params.priorities
        alpha = np.maximum(self.p.concentration * areas.n_sectors * areas.sector_profile, 1e-3)
        g = rng.gamma(alpha)
        self.people = g / g.sum(1, keepdims=True)
        self.bias = rng.standard_normal((areas.n, areas.n_sectors))  # eps[a]: the view from outside each area
        self.weight = np.zeros(n_orgs)  # voice x knowledge weight this week (feedback acted on), set by sector_split

    def sector_split(self, model, org: np.ndarray, area: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        """Per (organisation, area) pair, the split of its supply over sectors (rows sum to the sector weights' sum).

        Args:
            model: the model.
            org, area: the (organisation, area) pairs.
            context: this week's decision context per organisation (``Coordination.decision_context``;
                computed here when not given).
        """
        orgs = model.orgs
        v = self.p.voice
        if v == 0:  # the mechanism off: the sector weights alone (and no cost; feedback is not acted on)
            return np.take(orgs.sector_weight, org, axis=0)
        if context is None:  # the contextual capacity of whoever decides (refreshes OrgTable.knowledge_weight)
            context = model.coordination.decision_context()
        self.weight = v * orgs.knowledge_weight
        seen = _seen(org, area, orgs.sector_weight, self.bias, self.people, context, self.p.perception_noise,
                     self.p.feedback_channels)
        # Row sums as products with ones (OpenBLAS's order, which a kernel's would change in the last bits).
        ones = np.ones(seen.shape[1])
        return _split(seen, seen @ ones, orgs.sector_weight @ ones, org, orgs.sector_weight, v)


@kernel
def _seen(org, area, sector_weight, bias, people, context, perception_noise, feedback_channels):
    """Per pair, the priorities its organisation sees among the sectors it works in (unnormalised):
    ``max(people + bias x sigma, 0) x w``, ``sigma = perception_noise x (1 - context) x (1 - feedback_channels)``
    of the organisation."""
    m = org.shape[0]
    k = bias.shape[1]
    seen = np.empty((m, k))
    for i in range(m):
        o = org[i]
        a = area[i]
        sigma = perception_noise * (1.0 - context[o]) * (1.0 - feedback_channels)
        for s in range(k):
            x = bias[a, s] * sigma + people[a, s]
            if not (x >= 0.0 or np.isnan(x)):  # (np.maximum(x, 0.0): -0.0 and NaN kept)
                x = 0.0
            seen[i, s] = x * sector_weight[o, s]
    return seen


@kernel
def _split(seen, total, weight_total, org, sector_weight, v):
    """``split = (1 - v) w + v normalise(w seen) sum(w)`` per pair (in place of ``seen``; ``total``: its row
    sums, ``weight_total``: each organisation's sector weights summed); with nothing seen in its sectors, w
    alone."""
    m, k = seen.shape
    for i in range(m):
        o = org[i]
        if total[i] > 0:
            scale = v * weight_total[o] / total[i]
            keep = 1.0 - v
        else:
            scale = 0.0
            keep = 1.0
        for s in range(k):
            seen[i, s] = seen[i, s] * scale + sector_weight[o, s] * keep
    return seen


def outcomes(priorities: Priorities, covered_cells: np.ndarray, people_by_org: np.ndarray) -> dict:
    """This week's ``appropriateness`` and ``feedback_acted_on`` (registered in ``sim/outcomes.py``).

    Args:
        priorities: people's priorities and this week's decision weights.
        covered_cells: people covered per area and sector this week.
        people_by_org: people covered per organisation this week.
    """
    matched, total, people, heard = _outcome_sums(covered_cells, priorities.people, people_by_org, priorities.weight)
    return {
        "appropriateness": matched / total if total > 0 else 0.0,
        "feedback_acted_on": priorities.p.feedback_channels * heard / people if people > 0 else 0.0,
    }


@kernel
def _outcome_sums(covered_cells, people, people_by_org, weight):
    """:func:`outcomes`' sums (outcomes only: nothing reads them back, so they run in this order; they agree with
    numpy's to rounding, ``tests/test_golden.py``): people covered as their priorities ask, as
    sum_s min(C_as / C_a, people_as) x C_a = sum_s min(C_as, people_as x C_a) (no division needed); people
    covered; people covered by organisations, and weighted by each one's weight on people's priorities."""
    matched = total = 0.0
    n_areas, n_sectors = covered_cells.shape
    for a in range(n_areas):
        per_area = 0.0
        for s in range(n_sectors):
            per_area += covered_cells[a, s]
        for s in range(n_sectors):
            matched += min(covered_cells[a, s], people[a, s] * per_area)
        total += per_area
    by_orgs = heard = 0.0
    for o in range(people_by_org.shape[0]):
        by_orgs += people_by_org[o]
        heard += people_by_org[o] * weight[o]
    return matched, total, by_orgs, heard
