"""Inclusion and do no harm (sim/inclusion.py): direction tests with everything else held fixed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import small_params
from sim import delivery, inclusion
from sim.model import CapacityModel
from sim.params import ConfigError, Params
from sim.results import run


def _group_led_partners(seed: int, preference: float) -> tuple[float, np.ndarray]:
    """Share of the partnered local organisations that are group-led, right after the first matching.

    Two partners per intermediary: slots are scarce, so whom intermediaries choose matters (with five, the small
    country's intermediaries partner nearly every local organisation in reach whatever the preference)."""
    m = CapacityModel(small_params(seed=seed, years=0.1, partners_per_intl=2,
                                   inclusion={"partner_preference": preference}))
    orgs = m.orgs
    led = orgs.women_led | orgs.marginalised_led
    partnered = orgs.is_local & (orgs.partner >= 0)
    return float((partnered & led).sum() / partnered.sum()), led


def test_inclusion_changes_which_organisations_are_partnered():
    for seed in (1, 2, 3):
        off, led_off = _group_led_partners(seed, 0.0)
        on, led_on = _group_led_partners(seed, 1.0)
        assert np.array_equal(led_off, led_on), "the lever must not change who leads which organisation"
        assert on > off + 0.15, (f"seed {seed}: with the preference, intermediaries should partner more group-led "
                                 f"organisations: share {off:.2f} without, {on:.2f} with")


def _state(seed: int = 4, **over):
    """A model a few weeks in and this week's delivery (for measurements on one fixed state)."""
    m = CapacityModel(small_params(seed=seed, years=0.5, **over))
    for _ in range(8):
        m.step()
    return m, delivery.deliver(m, m.steps_done)


def _coverage(m, d) -> dict:
    moves = {"poached_from": np.zeros(m.orgs.n)}
    return inclusion.outcomes(m, d, moves)


def test_group_coverage_depends_on_who_is_present():
    m, d = _state()
    as_drawn = _coverage(m, d)
    total = float(d.covered_by_area.sum())
    saved = m.orgs.marginalised_led.copy()
    m.orgs.marginalised_led[:] = m.orgs.is_local  # every local actor led by the group, same delivery
    led = _coverage(m, d)
    m.orgs.marginalised_led[:] = False  # nobody led by the group
    none = _coverage(m, d)
    m.orgs.marginalised_led[:] = saved
    assert led["group_coverage"] > as_drawn["group_coverage"] + 0.002, (
        f"group-led local actors reach the group fully: {as_drawn['group_coverage']:.3f} -> "
        f"{led['group_coverage']:.3f}")
    assert none["group_coverage"] <= as_drawn["group_coverage"] + 1e-12, (
        f"without group-led organisations the group is covered less: {none} vs {as_drawn}")
    assert led["rest_coverage"] < as_drawn["rest_coverage"] + 1e-12, "the split conserves people covered"
    # The split is a measurement: people covered in the area are delivery's, whoever they are.
    g = m.inclusion.group_share
    org, _slot, area, _ = d.presence
    group, rest = m.inclusion.covered_by_group(m, org, area, d.people_by_pair, d.covered_by_area)
    assert abs(float(group.sum() + rest.sum()) - total) < 1e-6 * max(total, 1.0)
    assert (group <= g * m.areas.need_by_area + 1e-9).all() and (rest >= -1e-9).all()
    # Everyone led by the group, or no access gap: in every area both groups are covered alike.
    for case in ("all led", "no gap"):
        if case == "all led":
            m.orgs.marginalised_led[:] = True
        else:
            m.inclusion.p = dataclasses.replace(m.p.inclusion, group_access_difficulty=0.0)
        group, rest = m.inclusion.covered_by_group(m, org, area, d.people_by_pair, d.covered_by_area)
        need = m.areas.need_by_area
        assert np.allclose(group / (g * need), rest / ((1 - g) * need)), f"{case}: groups covered differently"
        m.orgs.marginalised_led[:] = saved
        m.inclusion.p = m.p.inclusion


def test_group_reach_rises_with_contextual_capacity():
    m, _ = _state()
    ctx = np.linspace(0.0, 1.0, m.orgs.n)
    m.orgs.marginalised_led[:] = False
    f = m.inclusion.group_reach(m.orgs, ctx)
    assert np.all(np.diff(f) > 0) and f[-1] == pytest.approx(1.0), "knowledge and acceptance reach the group"
    m.orgs.marginalised_led[0] = True
    assert m.inclusion.group_reach(m.orgs, ctx)[0] == 1.0, "an organisation led by the group reaches it fully"


def test_equity_outcome_in_range_and_equal_without_an_access_gap():
    st = run(small_params(seed=5, years=1.0)).steps
    for key in ("group_coverage", "rest_coverage", "group_equity"):
        assert st[key].between(0, 1).all(), f"{key} outside 0..1"
    expect = np.minimum(st.group_coverage, st.rest_coverage) / np.maximum(st.group_coverage, st.rest_coverage)
    assert np.allclose(st.group_equity, expect), "equity is the smaller coverage over the larger"
    assert st.group_equity.mean() < 0.95, "with an access gap the group is covered less than the rest"
    even = run(small_params(seed=5, years=1.0, inclusion={"group_access_difficulty": 0.0})).steps
    assert even.group_equity.mean() > st.group_equity.mean() + 0.1, (
        "without an access gap the groups are covered more equally (per area exactly; across areas the group's "
        f"share differs): {st.group_equity.mean():.3f} -> {even.group_equity.mean():.3f}")
    assert np.allclose(even.coverage, st.coverage), "the group split never changes delivery"


def test_institutional_gap_keeps_group_led_organisations_out_of_direct_funding():
    bar = Params().funding.due_diligence_threshold
    shares = []
    for gap in (0.0, 0.3):
        m = CapacityModel(small_params(seed=6, years=0.1, inclusion={"institutional_gap": gap}))
        led = m.orgs.women_led | m.orgs.marginalised_led
        shares.append(float((m.orgs.inst[led] >= bar).mean()))
    assert shares[1] < shares[0], f"group-led organisations pass due diligence less often with the gap: {shares}"
    funded = [run(small_params(seed=6, years=1.0, funding={"direct_local_share": 0.3},
                               inclusion={"institutional_gap": gap})).steps.women_led_funding_share.mean()
              for gap in (0.0, 0.3)]
    assert funded[1] < funded[0], f"the gap shows as less funding to women-led organisations: {funded}"


def test_harm_is_counted_for_group_led_organisations():
    st = run(small_params(seed=7, years=1.0)).steps
    assert (st.brain_drain_group_led <= st.brain_drain + 1e-9).all(), "poaching from group-led is part of brain drain"
    assert st.brain_drain_group_led.sum() > 0, "group-led organisations lose staff to poaching in the status quo"
    none = run(small_params(seed=7, years=1.0, turnover={"poaching_pressure": 0.0})).steps
    assert none.brain_drain_group_led.sum() == 0, "no poaching, no brain drain from group-led organisations"
    assert st.imposed_share_group_led.max() == 0, "no earmark, nothing imposed"
    imposed = run(small_params(seed=7, years=1.0, regime="building", funding={"sharing_earmark": 0.3})).steps
    assert imposed.imposed_share_group_led.max() > 0, "an earmark imposes sharing rules on some group-led partners"


@pytest.mark.parametrize("override, needle", [
    ({"inclusion": {"partner_preference": 1.5}}, "inclusion.partner_preference = 1.5 is out of range"),
    ({"inclusion": {"group_population_share": 0.8}}, "inclusion.group_population_share = 0.8 is out of range"),
    ({"inclusion": {"women_led": 0.2}}, "inclusion.women_led"),
])
def test_bad_inclusion_input_is_refused_in_one_line(override, needle):
    with pytest.raises(ConfigError) as err:
        Params.from_dict(override)
    assert needle in str(err.value) and "\n" not in str(err.value), str(err.value)
