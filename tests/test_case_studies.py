"""The IASC scoping paper's case studies as evidence runs (face validity: the cases are self-reported).

Each preset in ``configs/scenario/`` (``alima_hybrid``, ``trocaire_convenor``, ``crs_empower``) must
reproduce, in direction, what the paper reports for its case; a second test per case switches the
case's key mechanism off and checks that the direction disappears. Runs are small (the country of
``tests/conftest.py``, 5 years, 2 paired seeds) and cached across the tests of this module.
``docs/case_studies.md`` gives the full-size numbers and the pathways.

Also here: the direction of adoption by national authorities (``sim/adoption.py``) with
everything else held fixed (one model state, the mechanism switched on or off).
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np

from conftest import SMALL_WORLD, run_model, small_params
from experiments.config import params_from_cfg, precheck
from sim.adoption import Adoption
from sim.kinds import OrgKind
from sim.model import CapacityModel

SEEDS = (1, 2)
YEARS = 5  # graduation to direct grants under the EMPOWER preset starts in year 3-5 of this country, by seed


@lru_cache(maxsize=None)
def _run(overrides: tuple[str, ...], seed: int):
    """(steps table, model at the end) of a composed config on the small country."""
    world = [f"world.{k}={v}" for k, v in SMALL_WORLD.items()]
    params = params_from_cfg(precheck(list(overrides) + world + [f"years={YEARS}", f"seed={seed}"]))
    m = run_model(params)
    return m.recorder.steps_table(), m


def first_last(overrides: tuple[str, ...], seed: int, key: str) -> tuple[float, float]:
    """An outcome's mean over the first and over the last year of the run."""
    s, _ = _run(overrides, seed)
    return float(s[s.year <= 1][key].mean()), float(s[s.year > s.year.max() - 1][key].mean())


def mean_partner_weight(overrides: tuple[str, ...], seed: int) -> float:
    """Mean partnership decision weight of the local organisations with a partner, at the end of the run."""
    _, m = _run(overrides, seed)
    has = (m.orgs.partner >= 0) & m.orgs.is_local
    return float(m.decision_weight[has].mean())


STATUS_QUO = ("scenario=status_quo",)

# --- ALIMA: "Local NGOs provide expertise to strengthen on-the-ground programming, and input into
# ALIMA's governance via board of directors"; "freedom to design and adapt programming".
ALIMA = ("scenario=alima_hybrid",)
ALIMA_NO_SEATS = ALIMA + ("governance.local_board_seats=0", "regimes.sharing.joint_governance=false")


def test_alima_partners_shape_programming_and_governance():
    for seed in SEEDS:
        w = mean_partner_weight(ALIMA, seed)
        assert w > 0.1, f"seed {seed}: ALIMA's local partners hold too little decision weight in the partnership ({w:.3f})"
        _, funds = first_last(ALIMA, seed, "local_funds_decided_share")
        _, funds_sq = first_last(STATUS_QUO, seed, "local_funds_decided_share")
        assert funds > funds_sq + 0.1, (f"seed {seed}: with ALIMA's preset local actors should decide clearly more of "
                                        f"the money than in the status quo ({funds:.3f} vs {funds_sq:.3f})")
        _, share = first_last(ALIMA, seed, "local_decision_share")
        _, share_sq = first_last(STATUS_QUO, seed, "local_decision_share")
        assert share > share_sq + 0.03, (f"seed {seed}: local share of decision power should exceed the status "
                                         f"quo's ({share:.3f} vs {share_sq:.3f})")


def _intermediaries_programming_fit(m) -> float:
    """Mean overlap between intermediaries' splits over sectors and people's priorities where they work."""
    org, slot = np.nonzero(m.orgs.presence >= 0)
    area = m.orgs.presence[org, slot]
    split = m.priorities.sector_split(m, org, area)
    share = split / split.sum(1, keepdims=True)
    fit = np.minimum(share, m.priorities.people[area]).sum(1)
    return float(fit[m.orgs.is_intl[org] & np.isin(org, m.orgs.partner[m.orgs.partner >= 0])].mean())


def _partners_knowledge_in_intermediaries(m) -> float:
    """How far partners' knowledge moves the contextual capacity steering active intermediaries' decisions."""
    intl = m.orgs.is_intl & m.orgs.active & np.isin(np.arange(m.orgs.n), m.orgs.partner[m.orgs.partner >= 0])
    return float((m.coordination.decision_context() - m.effective_context())[intl].mean())


def test_alima_partners_shape_intermediaries_programming():
    # "Local NGOs provide expertise to strengthen on-the-ground programming": with everything else held
    # fixed (the preset's state at the end of the run), the partners' weight brings their knowledge into
    # the intermediaries' decisions, and the intermediaries' split over sectors closer to people's priorities.
    for seed in SEEDS:
        _, m = _run(ALIMA, seed)
        moved = _partners_knowledge_in_intermediaries(m)
        assert moved > 0.03, f"seed {seed}: partners' knowledge should steer the intermediaries ({moved:+.4f})"
        with_seats = _intermediaries_programming_fit(m)
        p = m.p
        m.p = p.replace(governance=dataclasses.replace(p.governance, local_board_seats=0.0, joint_decision_weight=0.0))
        without = _intermediaries_programming_fit(m)
        m.p = p
        assert with_seats > without + 5e-4, (f"seed {seed}: partners' weight should bring the intermediaries' "
                                             f"programming closer to people's priorities ({with_seats:.4f} vs {without:.4f})")


def test_alima_direction_disappears_without_board_seats_and_joint_governance():
    for seed in SEEDS:
        w = mean_partner_weight(ALIMA_NO_SEATS, seed)
        assert w == 0.0, f"seed {seed}: without board seats and joint governance partners still decide ({w})"
        _, m = _run(ALIMA_NO_SEATS, seed)
        assert abs(_partners_knowledge_in_intermediaries(m)) < 1e-12, (
            f"seed {seed}: without board seats and joint governance partners' knowledge should not steer programming")
        _, funds = first_last(ALIMA, seed, "local_funds_decided_share")
        _, funds_off = first_last(ALIMA_NO_SEATS, seed, "local_funds_decided_share")
        assert funds_off < funds - 0.05, (f"seed {seed}: removing board seats and joint governance should lower the "
                                          f"money local actors decide ({funds_off:.3f} vs {funds:.3f})")


# --- Trocaire: "Trocaire took the role of a convenor"; the EWS "is locally owned and implemented, and the
# accompanying reference manual has been adopted by the National Coordinator for Disaster Risk Reduction".
TROCAIRE = ("scenario=trocaire_convenor",)
TROCAIRE_NO_CONVENING = TROCAIRE + ("partnership.convening_rate=0",)
TROCAIRE_NO_ADOPTION = TROCAIRE + ("community.national_adoption_rate=0",)


def test_trocaire_convening_builds_a_locally_owned_system_adopted_nationally():
    for seed in SEEDS:
        links0, links1 = first_last(TROCAIRE, seed, "n_peer_links")
        assert links1 > links0 + 10, f"seed {seed}: convening should grow the local peer network ({links0} -> {links1})"
        _, prep = first_last(TROCAIRE, seed, "preparedness")
        assert prep > 0.1, f"seed {seed}: local actors should build preparedness and early warning ({prep:.3f})"
        _, adopted = first_last(TROCAIRE, seed, "national_adoption_share")
        assert adopted > 0.05, f"seed {seed}: the national authority should adopt part of what was built ({adopted:.3f})"
        _, seats = first_last(TROCAIRE, seed, "national_coordination_seats")
        assert seats > 0.0, f"seed {seed}: adoption should give the national authority coordination seats"
        _, adopted_alone = first_last(TROCAIRE_NO_CONVENING, seed, "national_adoption_share")
        assert adopted > adopted_alone, (f"seed {seed}: convening should speed adoption through the peer network "
                                         f"({adopted:.3f} vs {adopted_alone:.3f} without convening)")


def test_trocaire_direction_disappears_without_convening_or_adoption():
    for seed in SEEDS:
        links0, links1 = first_last(TROCAIRE_NO_CONVENING, seed, "n_peer_links")
        assert links1 == links0, f"seed {seed}: without convening the peer network should not grow ({links0} -> {links1})"
        s, _ = _run(TROCAIRE_NO_ADOPTION, seed)
        assert s["national_adoption"].max() == 0.0 and s["national_coordination_seats"].max() == 0.0, (
            f"seed {seed}: with no adoption by the national authority nothing should be adopted")
        _, prep = first_last(TROCAIRE_NO_ADOPTION, seed, "preparedness")
        assert prep > 0.1, f"seed {seed}: the system is still built locally without adoption ({prep:.3f})"


# --- CRS EMPOWER: "enhancing local actors' ability to access direct humanitarian funding"; "networks between
# participating local institutions which are providing technical support and accompaniment to each other".
EMPOWER = ("scenario=crs_empower",)
EMPOWER_NO_GRADUATION = EMPOWER + ("funding.min_direct_grant=1e9",)
EMPOWER_NO_CONVENING = EMPOWER + ("partnership.convening_rate=0",)


def test_empower_partners_reach_direct_funding_and_support_each_other():
    for seed in SEEDS:
        d0, d1 = first_last(EMPOWER, seed, "direct_local_funding_share")
        assert d1 > d0 + 0.02, f"seed {seed}: direct funding to local actors should rise over the run ({d0:.4f} -> {d1:.4f})"
        _, d_sq = first_last(STATUS_QUO, seed, "direct_local_funding_share")
        assert d1 > d_sq + 0.02, f"seed {seed}: and end above the status quo's ({d1:.4f} vs {d_sq:.4f})"
        links0, links1 = first_last(EMPOWER, seed, "n_peer_links")
        assert links1 > links0 + 10, f"seed {seed}: partners should form a network of their own ({links0} -> {links1})"


def test_empower_direction_disappears_without_graduation_or_convening():
    for seed in SEEDS:
        d0, d1 = first_last(EMPOWER_NO_GRADUATION, seed, "direct_local_funding_share")
        assert d1 < d0 + 0.005, (f"seed {seed}: without graduation to direct grants direct funding should stay at "
                                 f"the floor ({d0:.4f} -> {d1:.4f})")
        links0, links1 = first_last(EMPOWER_NO_CONVENING, seed, "n_peer_links")
        assert links1 == links0, f"seed {seed}: without convening no new peer links ({links0} -> {links1})"


# --- Adoption by national authorities, everything else held fixed (sim/adoption.py)
def test_national_authority_adopts_preparedness_and_gains_a_coordination_role():
    params = small_params(seed=3, years=1.0, community={"preparedness_share": 0.05, "national_adoption_rate": 0.0})
    m = CapacityModel(params)
    for _ in range(40):
        m.step()
    t = params.funding.round_interval_weeks * 4  # a funding round
    assert m.communities.preparedness.max() > 0, "preparedness should have been built"
    voice_before = m.coordination.local_voice()
    off = Adoption(params, m.areas)
    off.step(m, t)
    assert off.adopted.max() == 0.0 and off.local_seats() == params.governance.local_coordination_seats, (
        "with the adoption rate at 0 nothing is adopted and seats stay as set")
    on_params = dataclasses.replace(params, community=dataclasses.replace(params.community, national_adoption_rate=2.0))
    on = Adoption(on_params, m.areas)
    on.step(m, t)
    orgs = m.orgs
    org, area = orgs.presence_pairs(m.steps_done)
    na_areas = np.unique(area[orgs.kind[org] == int(OrgKind.NATIONAL_AUTHORITY)])
    elsewhere = np.setdiff1d(np.arange(m.areas.n), na_areas)
    assert on.adopted[na_areas].sum() > 0, "the national authority should adopt preparedness where it works"
    assert on.adopted[elsewhere].max(initial=0.0) == 0.0, "and nowhere else"
    assert (on.adopted <= m.communities.preparedness + 1e-12).all(), "it cannot adopt more than was built"
    assert on.local_seats() > params.governance.local_coordination_seats, "adoption should add coordination seats"
    m.adoption = on
    assert m.coordination.local_voice() > voice_before, "and so local and national actors' voice in coordination"
