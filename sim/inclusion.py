"""Inclusion and do no harm: who leads local organisations, who among the people in need they reach.

IASC scoping paper, principle 6 (capacity sharing is inclusive: it should not exclude or marginalise,
in line with "Do No Harm") and principle 5 (it is neither forced nor imposed). Local actors include
women-led organisations and organisations of marginalised groups; people within an area differ in
access. This module holds those differences as arrays and the outcomes disaggregated by them. It
moves no money and gives no regime anything: partner choice, due diligence, poaching and imposed
rules are the other modules' mechanisms, and this one only says who they fall on.

**Who leads local organisations** (drawn at set-up from the ``inclusion`` stream, two uniforms per
organisation, so changing a share changes only who crosses it): each local NGO and community-based
organisation is women-led with probability ``inclusion.women_led_share`` and led by members of the
marginalised group with probability ``inclusion.marginalised_led_share`` (independently; national
authorities are neither). ``OrgTable.women_led`` and ``OrgTable.marginalised_led``; an organisation
that is either is *group-led*. Group-led organisations start ``inclusion.institutional_gap`` below
their drawn institutional capacity (clipped to 0.02..0.98, as every draw of it): funders' due
diligence (``sim/donors.py``, ``sim/pooled_fund.py``) then passes them less often - gatekeeping,
with no rule of its own.

**Partner selection** (``inclusion.partner_preference`` = ``pi``, a partnership policy any regime can
adopt): an intermediary ranks its candidate partners by uniforms fixed per (week, intermediary,
candidate) (``sim/partnerships.py``) and takes the smallest; a group-led candidate's key is
multiplied by ``1 - pi``. ``pi = 0`` leaves matching exactly as before; ``pi = 1`` puts every
group-led candidate first. Sub-grants follow partners (``pass_fractions``), so the lever changes who
receives money through intermediaries, never how much intermediaries pass on.

**The marginalised group within areas** (drawn at set-up): the group is a share ``g_a`` of area
``a``'s population and of its people in need, ``g_a = inclusion.group_population_share x U(0.5, 1.5)``.
An organisation not led by the group reaches its members at the access factor (``sim/access.py``)

    f_o = 1 - inclusion.group_access_difficulty x (1 - c_o)        (c_o: effective contextual capacity)

of its rate for others, a group-led organisation at ``f_o = 1``. Each (organisation, area) pair's
people covered this week ``x_p`` (``sim/delivery.py``) are split between the group and the rest in
proportion to whom it reaches, ``w_p = g_a f_o / (g_a f_o + 1 - g_a)``, so the group's share of what
is covered in area ``a`` is ``phi_a = sum_p x_p w_p / sum_p x_p`` (``g_a`` where nobody covers
anyone). With ``C_a`` people covered and ``N_a`` in need in the area, the group's people covered are

    G_a = clip(phi_a C_a, C_a - (1 - g_a) N_a, g_a N_a),       R_a = C_a - G_a

(neither group covered beyond its need; the area's total is delivery's, unchanged). This is a
measurement: delivery's totals, and so every other outcome, do not depend on it.

Outcomes (``sim/outcomes.py``):

* ``group_coverage`` = ``sum_a s_a G_a / sum_a s_a g_a N_a`` and ``rest_coverage`` =
  ``sum_a s_a R_a / sum_a s_a (1 - g_a) N_a``, with ``s_a`` the area's mean severity (as ``coverage``
  weights it; 1 when a group has no need anywhere);
* ``group_equity`` = ``min(group, rest) / max(group, rest)`` of those two (1 equal, 0 one group
  not covered at all; 1 when neither is covered);
* ``women_led_partner_share``, ``marginalised_led_partner_share``: shares of the local organisations
  in a partnership that are women-led, marginalised-led (compare with ``women_led_share`` and
  ``marginalised_led_share`` among local NGOs and community-based organisations);
* ``women_led_funding_share``, ``marginalised_led_funding_share``: shares of the grant money local
  actors received this week (direct, pooled fund and sub-grants) that went to them;
* do no harm: ``brain_drain_group_led``, staff poached this week from group-led organisations
  (``sim/turnover.py``), and ``imposed_share_group_led``, the share of group-led organisations'
  partnerships whose rules an earmark imposed (``OrgTable.p_earmarked``, trust cut by
  ``partnership.imposed_trust_factor``; ``sim/partnerships.py``).

Not modelled: women as a population group (the group here is one marginalised group, e.g. people
with disabilities), harm beyond these counts (poaching's and imposition's effects on the
organisation are the other mechanisms' own), and any per-person targeting.
"""

from __future__ import annotations

import numpy as np

from .access import access_factor
from .kinds import NO_PARTNER, OrgKind

__all__ = ["Inclusion", "partner_keys", "outcomes"]


class Inclusion:
    """Who leads local organisations (on ``OrgTable``) and the marginalised group's share of each area."""

    def __init__(self, params, orgs, areas, rng: np.random.Generator):
        """Draw who leads each local organisation and the group's share of each area; apply the institutional gap.

        Args:
            params: the run's parameters (``inclusion`` section).
            orgs: the organisations; ``women_led``, ``marginalised_led`` and ``inst`` are set in place.
            areas: the areas.
            rng: the ``inclusion`` stream.
        """
        c = self.p = params.inclusion
        eligible = (orgs.kind == int(OrgKind.LOCAL_NGO)) | (orgs.kind == int(OrgKind.COMMUNITY_ORG))
        u = rng.random((2, orgs.n))
        orgs.women_led[:] = eligible & (u[0] < c.women_led_share)
        orgs.marginalised_led[:] = eligible & (u[1] < c.marginalised_led_share)
        self.group_share = c.group_population_share * rng.uniform(0.5, 1.5, areas.n)
        led = orgs.women_led | orgs.marginalised_led
        if c.institutional_gap > 0:
            orgs.inst[led] = np.clip(orgs.inst[led] - c.institutional_gap, 0.02, 0.98)
        # Leadership as rows of 0/1 (women-led, marginalised-led, either), for the weekly outcomes' sums in one
        # product each; leadership does not change during a run.
        self.leaders = np.stack([orgs.women_led, orgs.marginalised_led, led]).astype(float)

    def group_reach(self, orgs, context: np.ndarray) -> np.ndarray:
        """Per organisation, ``f_o``: the rate at which it reaches the group relative to others (0..1)."""
        return np.where(orgs.marginalised_led, 1.0, access_factor(self.p.group_access_difficulty, context))

    def covered_by_group(self, model, org: np.ndarray, area: np.ndarray, people: np.ndarray,
                         covered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """People covered per area in the group (``G_a``) and in the rest (``R_a``).

        Args:
            model: the model (organisations, areas, effective contextual capacity).
            org, area: the operational (organisation, area) pairs of this week's delivery.
            people: people each pair covered this week (``Delivery.people_by_pair``).
            covered: people covered per area this week (``Delivery.covered_by_area``).
        """
        g = self.group_share
        n_areas = len(g)
        f = self.group_reach(model.orgs, model.effective_context())[org]
        ga = g[area]
        w = ga * f
        w /= w + (1.0 - ga)  # g_a < 1 (inclusion.group_population_share <= 0.6): never 0 / 0
        total = np.bincount(area, people, n_areas)
        phi = np.divide(np.bincount(area, people * w, n_areas), total, out=g.copy(), where=total > 0)
        group_need = g * model.areas.need_by_area
        group = np.minimum(np.maximum(phi * covered, covered - (model.areas.need_by_area - group_need)), group_need)
        return group, covered - group


def partner_keys(model, candidates: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Matching keys of an intermediary's candidate partners after its preference for group-led ones.

    Args:
        model: the model (``inclusion.partner_preference``, ``OrgTable`` leadership).
        candidates: the candidates' indices.
        keys: their draws (the smallest are chosen).
    """
    pref = model.p.inclusion.partner_preference
    if pref == 0:
        return keys
    orgs = model.orgs
    led = orgs.women_led[candidates] | orgs.marginalised_led[candidates]
    return keys * np.where(led, 1.0 - pref, 1.0)


def _share(part, whole) -> float:
    return float(part) / float(whole) if whole > 0 else 0.0


def outcomes(model, d, moves: dict) -> dict:
    """This week's inclusion outcomes (registered in ``sim/outcomes.py``).

    Args:
        model: the model after this week's delivery and staff moves.
        d: this week's delivery (``sim/delivery.py`` ``Delivery``).
        moves: this week's staff moves (``sim/turnover.py`` ``staff_moves``; ``poached_from`` per organisation).
    """
    orgs, areas, inc = model.orgs, model.areas, model.inclusion
    org, _slot, area, _deployed = d.presence
    group, rest = inc.covered_by_group(model, org, area, d.people_by_pair, d.covered_by_area)
    g, need, weighted = inc.group_share, areas.need_by_area, areas.weighted_need_by_area
    severity = np.divide(weighted, need, out=np.ones(areas.n), where=need > 0)
    group_need = float(weighted @ g)  # sum_a s_a g_a N_a (s_a N_a is the area's severity-weighted need)
    rest_need = float(weighted.sum()) - group_need
    group_cov = float(severity @ group) / group_need if group_need > 0 else 1.0
    rest_cov = float(severity @ rest) / rest_need if rest_need > 0 else 1.0
    high = max(group_cov, rest_cov)

    leaders = inc.leaders  # rows: women-led, marginalised-led, either (only local organisations are ever led so)
    partnered = orgs.partner != NO_PARTNER  # set for local organisations only
    women_p, marginalised_p, led_p = leaders @ partnered
    flows = model.flows
    received = flows.direct_received + flows.subgrant_received  # local actors' grant money (0 for the others)
    women_f, marginalised_f, _ = leaders @ received
    total = float(received.sum())
    n_partnered = np.count_nonzero(partnered)
    return {
        "group_coverage": group_cov,
        "rest_coverage": rest_cov,
        "group_equity": min(group_cov, rest_cov) / high if high > 0 else 1.0,
        "women_led_partner_share": _share(women_p, n_partnered),
        "marginalised_led_partner_share": _share(marginalised_p, n_partnered),
        "women_led_funding_share": _share(women_f, total),
        "marginalised_led_funding_share": _share(marginalised_f, total),
        "brain_drain_group_led": float(leaders[2] @ moves["poached_from"]),
        "imposed_share_group_led": _share(leaders[2] @ (partnered & orgs.p_earmarked), led_p),
    }
