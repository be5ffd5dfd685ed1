"""Adoption by national authorities: the state takes up what local actors built.

IASC scoping paper, Trocaire case study: a flooding early warning system co-designed with
"communities, municipalities, academics and local authorities" is "locally owned and implemented,
and the accompanying reference manual has been adopted by the National Coordinator for Disaster
Risk Reduction". Here the national authority (``OrgKind.NATIONAL_AUTHORITY``; its presence in an
area stands for its municipalities there) adopts the preparedness and early-warning systems local
actors built with communities (``sim/communities.py``, preparedness ``e_a``), and its role in
coordination grows with what it has adopted.

**State.** ``adopted`` (array over areas, index 0..1, never above ``e_a``): the level of each area's
preparedness and early-warning system the national authority has taken into its own plans and
maintains. Adopted systems do not depreciate: only the part not adopted, ``e_a - adopted_a``,
loses ``learning.institutional_depreciation`` a week (``Communities.prepare``).

**Adoption** (at each funding round, every ``funding.round_interval_weeks`` weeks, after this
week's preparedness is built): in each area where an active national authority is operational,

    adopted_a += q x link_a x max(0, e_a - adopted_a),
    q = 1 - exp(-community.national_adoption_rate x round_interval_weeks / 52),

where ``link_a`` is the share of the local and national actors operational in the area that are
the national authority or linked to it in the local peer network (``model.peer_edges``): what
local actors build reaches the state through the network (so convening, ``sim/convening.py``,
speeds adoption). Without preparedness (``community.preparedness_share = 0``, the default) there
is nothing to adopt and the run is unchanged.

**Role in coordination.** The national authority's adopted systems give it a seat where response
is coordinated: the share of coordination seats held by local and national actors is

    seats = governance.local_coordination_seats
            + (1 - governance.local_coordination_seats) x community.adoption_coordination_seats x A,

``A`` the population-weighted mean of ``adopted`` (``national_adoption``). These seats are what
local actors' voice in coordination (``Coordination.local_voice``), their network gain
(``sim/regimes.py``) and the local share of decisions (``sim/governance.py``) read.

Outcomes (``sim/outcomes.py``): ``national_adoption`` (A), ``national_adoption_share`` (adopted over
built preparedness, population-weighted; 0 while nothing is built) and ``national_coordination_seats``
(the seats the national authority gained by adoption).
"""

from __future__ import annotations

import numpy as np

from .kinds import OrgKind

__all__ = ["Adoption", "outcomes"]


class Adoption:
    """What the national authority has adopted per area (array) and the coordination seats it brings."""

    def __init__(self, params, areas):
        """Args:
            params: the run's parameters (``community`` and ``governance`` sections).
            areas: the areas (population weights).
        """
        self.p = params
        self.areas = areas
        self.adopted = np.zeros(areas.n)
        self.level = 0.0  # A: population-weighted mean of adopted, refreshed when adoption happens

    def step(self, model, t: int) -> None:
        """At a funding round, the national authority adopts part of the preparedness built where it works."""
        rate = self.p.community.national_adoption_rate
        interval = self.p.funding.round_interval_weeks
        if rate <= 0 or t == 0 or t % interval != 0:
            return
        prep = model.communities.preparedness
        gap = np.maximum(prep - self.adopted, 0.0)
        if not gap.any():
            return
        orgs = model.orgs
        na = orgs.active & (orgs.kind == int(OrgKind.NATIONAL_AUTHORITY))
        if not na.any():
            return
        u, v = model.peer_edges
        linked = na.copy()
        linked[u[na[v]]] = True  # local actors with a peer link to a national authority
        org, area = orgs.presence_pairs(model.steps_done)
        local = orgs.is_local[org]
        n_a = self.areas.n
        present = np.bincount(area[local], minlength=n_a)
        reached = np.bincount(area[local], linked[org[local]], n_a)
        link = np.divide(reached, present, out=np.zeros(n_a), where=present > 0)
        there = np.bincount(area, na[org], n_a) > 0
        q = 1.0 - np.exp(-rate * interval / self.p.STEPS_PER_YEAR)
        self.adopted += q * link * there * gap
        np.minimum(self.adopted, prep, out=self.adopted)
        pop = self.areas.population
        self.level = float(self.adopted @ pop) / float(pop.sum())

    def local_seats(self) -> float:
        """Share of coordination seats held by local and national actors, the national authority's adoption included."""
        seats = self.p.governance.local_coordination_seats
        return seats + (1.0 - seats) * self.p.community.adoption_coordination_seats * self.level


def outcomes(adoption: Adoption, communities) -> dict:
    """This week's adoption outcomes (registered in ``sim/outcomes.py``)."""
    pop = adoption.areas.population
    built = float(communities.preparedness @ pop)
    return {
        "national_adoption": adoption.level,
        "national_adoption_share": float(adoption.adopted @ pop) / built if built > 0 else 0.0,
        "national_coordination_seats": adoption.local_seats() - adoption.p.governance.local_coordination_seats,
    }
