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
``priorities.voice`` (0 switches the mechanism off):

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

from .governance import local_knowledge_weight

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
        sw = model.orgs.sector_weight[org]
        self.weight = d = self.p.voice * local_knowledge_weight(model, model.decision_weight)
        sigma = self.p.perception_noise * (1.0 - model.effective_context()) * (1.0 - self.p.feedback_channels)
        seen = np.maximum(0.0, self.people[area] + (sigma[:, None] * self.bias)[org])
        target = sw * seen
        total = target.sum(1, keepdims=True)
        target = np.divide(target * sw.sum(1, keepdims=True), total, out=sw.copy(), where=total > 0)
        dd = d[org][:, None]
        return (1.0 - dd) * sw + dd * target


def outcomes(priorities: Priorities, covered_cells: np.ndarray, people_by_org: np.ndarray) -> dict:
    """This week's ``appropriateness`` and ``feedback_acted_on`` (registered in ``sim/outcomes.py``).

    Args:
        priorities: people's priorities and this week's decision weights.
        covered_cells: people covered per area and sector this week.
        people_by_org: people covered per organisation this week.
    """
    per_area = covered_cells.sum(1)
    share = np.divide(covered_cells, per_area[:, None], out=np.zeros_like(covered_cells), where=per_area[:, None] > 0)
    overlap = np.minimum(share, priorities.people).sum(1)
    total = per_area.sum()
    people = people_by_org.sum()
    return {
        "appropriateness": float((overlap * per_area).sum() / total) if total > 0 else np.nan,
        "feedback_acted_on": float((people_by_org * priorities.p.feedback_channels * priorities.weight).sum() / people)
        if people > 0 else np.nan,
    }
