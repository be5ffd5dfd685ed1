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
from .jit import kernel
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

    def group_reach(self, orgs, context: np.ndarray) -> np.ndarray:
        """Per organisation, ``f_o``: the rate at which it reaches the group relative to others (0..1)."""
        return np.where(orgs.marginalised_led, 1.0, access_factor(self.p.group_access_difficulty, context))

    def covered_by_group(self, model, org: np.ndarray, area: np.ndarray, people: np.ndarray,
                         covered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """People covered per area in the group (``G_a``) and in the rest (``R_a``)::

            phi_a = sum_pairs(people x w) / sum_pairs(people),  w = g_a f_o / (g_a f_o + 1 - g_a)   (g_a without pairs)
            G_a = min(max(phi_a C_a, C_a - (N_a - g_a N_a)), g_a N_a),   R_a = C_a - G_a

        Args:
            model: the model (organisations, areas, effective contextual capacity).
            org, area: the operational (organisation, area) pairs of this week's delivery.
            people: people each pair covered this week (``Delivery.people_by_pair``).
            covered: people covered per area this week (``Delivery.covered_by_area``).
        """
        group = _covered_by_group(org, area, people, covered, self.group_reach(model.orgs, model.effective_context()),
                                  self.group_share, model.areas.need_by_area)
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
    orgs, areas, inc, flows = model.orgs, model.areas, model.inclusion, model.flows
    org, _slot, area, _deployed = d.presence
    group, rest = inc.covered_by_group(model, org, area, d.people_by_pair, d.covered_by_area)
    (group_cov, rest_cov, women_p, marginalised_p, led_p, n_partnered, women_f, marginalised_f, total, drain,
     imposed) = _outcomes(group, rest, inc.group_share, areas.need_by_area, areas.weighted_need_by_area,
                          orgs.women_led, orgs.marginalised_led, orgs.partner, orgs.p_earmarked,
                          flows.direct_received, flows.subgrant_received, moves["poached_from"])
    high = max(group_cov, rest_cov)
    return {
        "group_coverage": group_cov,
        "rest_coverage": rest_cov,
        "group_equity": min(group_cov, rest_cov) / high if high > 0 else 1.0,
        "women_led_partner_share": _share(women_p, n_partnered),
        "marginalised_led_partner_share": _share(marginalised_p, n_partnered),
        "women_led_funding_share": _share(women_f, total),
        "marginalised_led_funding_share": _share(marginalised_f, total),
        "brain_drain_group_led": drain,
        "imposed_share_group_led": _share(imposed, led_p),
    }


@kernel
def _covered_by_group(org, area, people, covered, reach, g, need):
    """:meth:`Inclusion.covered_by_group`'s ``G_a`` (the pairs' sums in their order, as ``np.bincount``)."""
    n_areas = g.shape[0]
    total = np.zeros(n_areas)
    in_group = np.zeros(n_areas)
    for i in range(org.shape[0]):
        a = area[i]
        w = g[a] * reach[org[i]]
        w /= w + (1.0 - g[a])  # g_a < 1 (inclusion.group_population_share <= 0.6): never 0 / 0
        total[a] += people[i]
        in_group[a] += people[i] * w
    group = np.empty(n_areas)
    for a in range(n_areas):
        phi = in_group[a] / total[a] if total[a] > 0 else g[a]
        gn = g[a] * need[a]
        group[a] = min(max(phi * covered[a], covered[a] - (need[a] - gn)), gn)
    return group


@kernel
def _outcomes(group, rest, g, need, weighted, women_led, marginalised_led, partner, earmarked, direct_received,
              subgrant_received, poached_from):
    """:func:`outcomes`' sums, one pass over the areas and one over the organisations. (Outcomes only: nothing
    reads them back, so the sums run in this order; they agree with numpy's products to rounding,
    ``tests/test_golden.py``.)"""
    group_need = 0.0  # sum_a s_a g_a N_a (s_a N_a is the area's severity-weighted need)
    all_need = 0.0
    group_cov = 0.0
    rest_cov = 0.0
    for a in range(g.shape[0]):
        severity = weighted[a] / need[a] if need[a] > 0 else 1.0
        group_cov += severity * group[a]
        rest_cov += severity * rest[a]
        group_need += weighted[a] * g[a]
        all_need += weighted[a]
    rest_need = all_need - group_need
    group_cov = group_cov / group_need if group_need > 0 else 1.0
    rest_cov = rest_cov / rest_need if rest_need > 0 else 1.0
    # Leadership: only local organisations are ever led so, and only they have partners.
    women_p = marginalised_p = led_p = n_partnered = 0.0
    women_f = marginalised_f = received_total = drain = imposed = 0.0
    for o in range(partner.shape[0]):
        led = women_led[o] or marginalised_led[o]
        received = direct_received[o] + subgrant_received[o]  # grant money (0 for international actors)
        received_total += received
        if women_led[o]:
            women_f += received
        if marginalised_led[o]:
            marginalised_f += received
        if led:
            drain += poached_from[o]
        if partner[o] != NO_PARTNER:
            n_partnered += 1.0
            if women_led[o]:
                women_p += 1.0
            if marginalised_led[o]:
                marginalised_p += 1.0
            if led:
                led_p += 1.0
                if earmarked[o]:
                    imposed += 1.0
    return (group_cov, rest_cov, women_p, marginalised_p, led_p, n_partnered, women_f, marginalised_f,
            received_total, drain, imposed)
