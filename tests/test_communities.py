"""Communities and first responders (sim/communities.py): direction tests with everything else held fixed."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import small_params
from sim.params import ConfigError, Params
from sim.results import run

SHOCKY = {"rapid_onset_rate": 0.3}


def _shocks(seed: int, years: float = 2.0, **overrides):
    return run(small_params(seed=seed, years=years, crisis=SHOCKY, **overrides)).shocks


def test_first_responders_act_before_organisations_arrive():
    # A country with more areas than organisations cover: some shocks hit areas where no organisation works.
    sh = _shocks(3, years=2.0, world={"n_areas": 60})
    nobody = sh[sh.reach_72h == 0]
    assert len(nobody) > 0, "the setting must have shocks in areas where no organisation is operational"
    assert (nobody.reach_72h_community > 0).all(), "communities reach people where no organisation has arrived"
    assert (nobody.first_responders_community == 1).all(), "there, communities are the only first responders"


def test_first_responders_matter_more_where_access_is_hard():
    sh = _shocks(1, years=3.0)
    share = sh.groupby("hard_to_reach").first_responders_community.mean()
    assert share[True] > share[False] + 0.05, (
        f"communities' share of first-72-hours reach should be higher in hard-to-reach areas: {share.to_dict()}")


def _capacity_end(seed: int, **community) -> float:
    st = run(small_params(seed=seed, years=2.0, community=community)).steps
    return float(st.community_capacity.iloc[-13:].mean())


def test_community_capacity_grows_with_support_erodes_without_and_is_displaced():
    base = _capacity_end(2)
    unsupported = _capacity_end(2, support_rate=0.0)
    displaced = _capacity_end(2, displacement=0.05)
    start = float(run(small_params(seed=2, years=0.02)).steps.community_capacity.iloc[0])
    assert unsupported < 0.5 * start, f"without support community capacity erodes (no floor): {start} -> {unsupported}"
    assert base > unsupported + 0.02, f"support by those working there builds capacity: {base} vs {unsupported}"
    assert displaced < base - 0.01, f"outside actors displace community structures: {displaced} vs {base}"


def test_preparedness_lowers_the_harm_of_a_later_shock_on_the_same_seed():
    none = _shocks(3, years=2.0)
    prepared = _shocks(3, years=2.0, community={"preparedness_share": 0.05})
    assert (none.step.to_numpy() == prepared.step.to_numpy()).all(), "same seed, same shock schedule"
    later = (none.step >= 52).to_numpy()
    rapid = (none.kind == "rapid_onset").to_numpy()
    a, b = none.people.to_numpy()[later & rapid], prepared.people.to_numpy()[later & rapid]
    assert (b <= a + 1e-9).all() and b.sum() < 0.99 * a.sum(), (
        f"preparedness spares people from later shocks: {a.sum():.0f} -> {b.sum():.0f}")
    c0 = none.reach_72h_community.to_numpy(dtype=float)[later].mean()
    c1 = prepared.reach_72h_community.to_numpy(dtype=float)[later].mean()
    assert c1 > c0, f"prepared communities reach more of the people hit in the first 72 hours: {c0} -> {c1}"


def test_community_parameters_refused_out_of_range():
    with pytest.raises(ConfigError, match="community.preparedness_share"):
        Params.from_dict({"community": {"preparedness_share": 0.9}})
    with pytest.raises(ConfigError, match="community.reach_share"):
        Params.from_dict({"community": {"reach_share": -0.1}})
    assert np.isfinite(Params().community.harm_reduction)


def test_convening_grows_the_peer_network():
    def links(rate: float):
        st = run(small_params(seed=4, years=1.5, partnership={"convening_rate": rate})).steps
        return float(st.n_peer_links.iloc[0]), float(st.n_peer_links.iloc[-1])

    start0, end0 = links(0.0)
    start2, end2 = links(2.0)
    assert end0 == start0, f"without convening the peer network stays as it started: {start0} -> {end0}"
    assert end2 > start0 + 5, f"intermediaries that convene link their partners: {start0} -> {end2}"


def _late(seed: int, **overrides):
    voice = {"voice": 1.0, **overrides.pop("priorities", {})}
    st = run(small_params(seed=seed, years=2.0, regime="sharing", priorities=voice, **overrides)).steps
    return st[st.year > 1.0]


def _split_fit(m, org, area) -> np.ndarray:
    """Per (organisation, area) pair, the overlap between its split over sectors and people's priorities there."""
    split = m.priorities.sector_split(m, org, area)
    share = split / split.sum(1, keepdims=True)
    return np.minimum(share, m.priorities.people[area]).sum(1)


@pytest.mark.parametrize("local", ["better", "worse", "equal"])
def test_decision_weight_moves_programming_toward_the_priorities_the_better_knowledge_sees(local):
    """Everything else held fixed (one model state, board seats switched): local partners' weight in their
    intermediaries' decisions moves the intermediaries' split over sectors towards people's priorities where
    local knowledge is better, away where it is worse, and not at all where knowledge is equal."""
    import dataclasses

    from sim.model import CapacityModel

    ctx = {"better": (0.9, 0.1), "worse": (0.1, 0.9), "equal": (0.6, 0.6)}[local]
    p = small_params(seed=2, years=1.0, regime="building", funding={"joint_programme_share": 1.0},
                     staff={"local_contextual_skill": ctx[0], "expat_contextual_skill": ctx[1],
                            "expat_share_intl": 1.0, "skill_spread": 0.0},
                     governance={"language_barrier": 0.0, "local_board_seats": 0.0}, priorities={"voice": 1.0})
    m = CapacityModel(p)
    for _ in range(20):
        m.step()
    org, slot = np.nonzero(m.orgs.presence >= 0)
    area = m.orgs.presence[org, slot]
    intl = m.orgs.is_intl[org] & np.isin(org, m.orgs.partner[m.orgs.partner >= 0])
    assert intl.sum() >= 3, "the setting must have intermediaries with partners"
    low = _split_fit(m, org, area)
    m.p = m.p.replace(governance=dataclasses.replace(m.p.governance, local_board_seats=1.0, board_seat_weight=1.0))
    high = _split_fit(m, org, area)
    moved = float(high[intl].mean() - low[intl].mean())
    if local == "better":
        assert moved > 0.005, f"weight to better local knowledge should bring programming closer: {moved:+.4f}"
    elif local == "worse":
        assert moved < -0.005, f"weight to worse local knowledge should take programming further: {moved:+.4f}"
    else:
        assert np.allclose(high, low, rtol=0, atol=1e-12), "with equal knowledge, decision weight changes no split"


def test_feedback_channels_are_heard_and_acted_on():
    few, many = _late(3, priorities={"feedback_channels": 0.0}), _late(3, priorities={"feedback_channels": 0.9})
    assert few.feedback_acted_on.max() == 0, "no feedback channels, no feedback heard"
    assert many.feedback_acted_on.mean() > 0.05, "feedback heard is acted on where local knowledge weighs"
    mute = _late(3, priorities={"feedback_channels": 0.9, "voice": 0.0})
    assert mute.feedback_acted_on.max() == 0, "without voice in decisions, feedback heard is not acted on"


def test_feedback_channels_bring_each_split_closer_to_peoples_priorities():
    # Everything else held fixed: one model's state, its decisions computed with and without feedback channels.
    # (Over whole runs the effect on appropriateness is small next to what else moves: +0.0006 mean over 6 seeds.)
    import dataclasses

    from sim.model import CapacityModel

    m = CapacityModel(small_params(seed=3, years=1.0, regime="sharing", priorities={"voice": 1.0}))
    for _ in range(20):
        m.step()
    org, slot = np.nonzero(m.orgs.presence >= 0)
    area = m.orgs.presence[org, slot]
    pr = m.priorities

    def overlap(channels: float) -> np.ndarray:
        pr.p = dataclasses.replace(pr.p, feedback_channels=channels)
        split = pr.sector_split(m, org, area)
        share = split / split.sum(1, keepdims=True)
        return np.minimum(share, pr.people[area]).sum(1)

    few, many = overlap(0.0), overlap(0.9)
    multi = (m.orgs.sector_weight[org] > 0).sum(1) > 1  # a single-sector organisation's split cannot move
    assert multi.sum() > 10, "the setting must have organisations working in several sectors"
    assert many[multi].mean() > few[multi].mean() + 1e-3, (many[multi].mean(), few[multi].mean())
    pr.p = dataclasses.replace(pr.p, voice=0.0)
    assert np.array_equal(overlap(0.0), overlap(0.9)), "without voice, feedback changes no split"


def test_peoples_priorities_are_drawn_apart_from_organisations():
    from sim.model import CapacityModel

    a = CapacityModel(small_params(seed=5, years=0.1, regime="building"))
    b = CapacityModel(small_params(seed=5, years=0.1, regime="sharing", world={"n_ingos": 3}))
    assert np.array_equal(a.priorities.people, b.priorities.people), "same seed, same people's priorities"
    assert np.allclose(a.priorities.people.sum(1), 1.0)
