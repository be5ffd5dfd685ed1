"""Presence and surge rules (regressions found by the property tests)."""

import numpy as np

from conftest import small_params
from sim.model import CapacityModel


def test_surge_into_an_area_already_worked_in_keeps_other_areas():
    m = CapacityModel(small_params(seed=1))
    o = int(np.flatnonzero(m.orgs.is_intl)[0])
    before = m.orgs.presence[o].copy()
    area = int(before[before >= 0][0])
    mask = np.zeros(m.orgs.n, bool)
    mask[o] = True
    m.coordination.surge(area, mask)
    np.testing.assert_array_equal(m.orgs.presence[o], before, err_msg="surge into a present area changed presence")


def test_surge_with_full_presence_swaps_one_area():
    m = CapacityModel(small_params(seed=1, world={"max_presence_areas": 6, "intl_presence_areas": 6}))
    o = int(np.flatnonzero(m.orgs.is_intl)[0])
    row = m.orgs.presence[o].copy()
    assert (row >= 0).all(), "test needs a full presence row"
    new_area = int(np.setdiff1d(np.arange(m.areas.n), row)[0])
    mask = np.zeros(m.orgs.n, bool)
    mask[o] = True
    m.coordination.surge(new_area, mask)
    after = m.orgs.presence[o]
    assert new_area in after, "the hit area was not added"
    assert len(np.setdiff1d(row, after)) == 1, "more or fewer than one area was dropped to make room"
