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
