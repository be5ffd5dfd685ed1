"""People's priorities and feedback: what affected people want, who hears it and whose decisions follow it.

IASC scoping paper, principle 2 (affected people at the centre) and recommendation 2
(people-centred, area-based design). Affected people in each area have priorities across sectors,
``people`` (n_areas x n_sectors, rows sum to 1), drawn once at set-up from their own stream
(``priorities``), separately from anything an organisation believes: a Dirichlet around the
area's sector profile of need with concentration ``priorities.concentration`` per sector, so
people's priorities follow their needs on average but not exactly.

**What each actor sees.** An organisation sees the priorities of the people in the areas where it
works (nowhere else), with an error that shrinks with its contextual capacity (knowledge,
language, acceptance) and with feedback channels:

    seen[o, a] = normalise(max(0, people[a] + sigma_o x eps_o)),
    sigma_o = priorities.perception_noise x (1 - effective contextual capacity_o)
              x (1 - priorities.feedback_channels)

``eps_o`` (one standard normal per organisation and sector, drawn at set-up from the same stream
after people's priorities) is the organisation's own bias across sectors.

**Whose decisions follow them.** An organisation splits its supply in an area over its sectors by
its sector weights ``w_o`` (what it is set up to do), moved towards the priorities it sees among
those sectors with its decision weight ``d_o``, the weight of local knowledge in decisions about
its money and staff (``sim/governance.py`` ``local_knowledge_weight``: own funds and sub-grant
decision weight for local actors, joint programmes and board seats for international ones) times
``priorities.voice``. ``voice`` is 0 by default (the mechanism off, sector weights alone): with it
on, decision weight matters even where everyone's contextual capacity is equal, which the
governance rule "with equal knowledge, decision weight changes nothing" (``sim/governance.py``,
``tests/test_pathways.py``) does not allow; which rule should hold is for the model's owners:

    split[o, a] = (1 - d_o) x w_o + d_o x normalise(w_o x seen[o, a])

so an organisation never moves into a sector it does not work in; a single-sector organisation is
unchanged. Delivery (``sim/delivery.py``) uses this split instead of the fixed sector weights.

Outcomes (``sim/outcomes.py``): ``appropriateness``, the overlap between how the aid delivered in
each area is spread over sectors and how people there rank them,
``sum_a covered_a x sum_s min(aid share_{a,s}, people_{a,s}) / sum_a covered_a`` (1 when aid is
spread exactly as people prioritise); ``feedback_acted_on``, the share of people covered by
organisations weighted by feedback heard (``feedback_channels``) and acted on (``d_o``).
"""

from __future__ import annotations

import numpy as np

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
        self.bias = rng.standard_normal((n_orgs, areas.n_sectors))
        self.weight = np.zeros(n_orgs)  # d_o this week, set by sector_split

    def sector_split(self, model, org: np.ndarray, area: np.ndarray) -> np.ndarray:
        """Per (organisation, area) pair, the split of its supply over sectors (rows sum to the sector weights' sum)."""
        orgs = model.orgs
        if self.p.voice == 0:  # the mechanism off: the sector weights alone (and no cost; weight stays 0)
            return np.take(orgs.sector_weight, org, axis=0)
        # The weight of local knowledge in each organisation's decisions, as coordination's deployment
        # refreshed it this week (``OrgTable.knowledge_weight``, ``local_knowledge_weight``).
        self.weight = d = self.p.voice * orgs.knowledge_weight
        sigma = self.p.perception_noise * (1.0 - model.effective_context()) * (1.0 - self.p.feedback_channels)
        # (np.take and a product with ones: the fastest gathers and row sums for these small arrays)
        sw = np.take(orgs.sector_weight, org, axis=0)
        seen = np.take(self.people, area, axis=0)
        seen += np.take(sigma[:, None] * self.bias, org, axis=0)
        np.maximum(seen, 0.0, out=seen)
        seen *= sw  # the priorities seen among the sectors the organisation works in (unnormalised)
        ones = np.ones(seen.shape[1])
        total = seen @ ones
        dp = d[org]
        # split = (1 - d) w + d normalise(w seen) sum(w); with nothing seen in its sectors, w alone.
        scale = np.divide(dp * (orgs.sector_weight @ ones)[org], total, out=np.zeros_like(total), where=total > 0)
        keep = np.where(total > 0, 1.0 - dp, 1.0)
        seen *= scale[:, None]
        seen += sw * keep[:, None]
        return seen


def outcomes(priorities: Priorities, covered_cells: np.ndarray, people_by_org: np.ndarray) -> dict:
    """This week's ``appropriateness`` and ``feedback_acted_on`` (registered in ``sim/outcomes.py``).

    Args:
        priorities: people's priorities and this week's decision weights.
        covered_cells: people covered per area and sector this week.
        people_by_org: people covered per organisation this week.
    """
    # sum_s min(C_as / C_a, people_as) x C_a = sum_s min(C_as, people_as x C_a): no division needed.
    per_area = covered_cells.sum(1)
    matched = float(np.minimum(covered_cells, priorities.people * per_area[:, None]).sum())
    total = float(per_area.sum())
    people = float(people_by_org.sum())
    return {
        "appropriateness": matched / total if total > 0 else 0.0,
        "feedback_acted_on": priorities.p.feedback_channels * float(people_by_org @ priorities.weight) / people
        if people > 0 else 0.0,
    }
