"""The model's faster forms of numpy computations give exactly the numbers of the plain forms they replace.

Each fast path is checked bit for bit against the plain computation on random inputs, ties and edge cases
included, so that a speed-up can never change a run's results (issue 21).
"""

import numpy as np
import pytest

from sim.areas import gini, sector_sum
from sim.jit import lowest_per_group


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5, 7, 8, 9, 12])
def test_sector_sum_is_numpys_row_sum_bit_for_bit(k):
    rng = np.random.default_rng(k)
    for rows in (0, 1, 50, 816):
        x = rng.random((rows, k)) * np.exp(rng.normal(0.0, 8.0, (rows, k)))  # magnitudes far apart: order matters
        np.testing.assert_array_equal(sector_sum(x), x.sum(1))
        f = np.asfortranarray(x)
        np.testing.assert_array_equal(sector_sum(f), f.sum(1))


def _lowest_by_lexsort(group, key, want):
    """The plain form: a stable sort by (group, key), then each group's first ``want[g]``."""
    order = np.lexsort((key, group))
    g = group[order]
    rank = np.arange(len(order)) - np.searchsorted(g, g, side="left")
    return order[rank < want[g]]


@pytest.mark.parametrize("seed", range(6))
def test_lowest_per_group_is_the_stable_sort_selection(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    for _ in range(40):
        m = int(rng.integers(0, 3000))
        group = rng.integers(0, n, m)
        key = rng.random(m)
        if rng.random() < 0.5:  # ties: keys from a few values only
            key = rng.integers(0, 4, m) / 4.0
        shape = rng.random()
        if shape < 0.2:  # keys that are not uniform: most below any threshold
            key = key ** 8
        elif shape < 0.4:  # most above it (groups short of candidates below it)
            key = 1.0 - key ** 8
        elif shape < 0.5:  # keys beyond 0..1
            key = key * 10.0
        want = rng.integers(0, 30, n) * (rng.random(n) < 0.7)
        want[rng.random(n) < 0.2] = 10 ** 6  # more than the group has
        got = lowest_per_group(group, key, want)
        np.testing.assert_array_equal(np.sort(got), np.sort(_lowest_by_lexsort(group, key, want)))


def test_add_presences_is_add_presence_one_by_one():
    import copy

    from conftest import small_params
    from sim.model import CapacityModel

    orgs = CapacityModel(small_params(years=0.1, seed=3)).orgs
    rng = np.random.default_rng(0)
    n, slots = orgs.presence.shape
    for trial in range(30):
        base = copy.deepcopy(orgs)
        base.presence[rng.random((n, slots)) < 0.3] = -1  # free slots here and there
        base.presence[rng.random(n) < 0.2] = np.arange(slots)  # some organisations with none free
        k = int(rng.integers(0, n))
        who = rng.choice(n, k, replace=trial % 3 == 0)  # distinct, or (every third trial) repeated
        area = np.where(rng.random(k) < 0.3, base.presence[who, 0], rng.integers(0, 20, k))  # some already there
        ready = rng.integers(0, 100, k)
        one, many = copy.deepcopy(base), copy.deepcopy(base)
        for o, a, r in zip(who, area, ready):
            one.add_presence(int(o), int(a), int(r))
        many.add_presences(who, area, ready)
        for name in ("presence", "ready_step", "planned"):
            np.testing.assert_array_equal(getattr(many, name), getattr(one, name), err_msg=name)


def _gini_plain(values, weights):
    w = np.asarray(weights, float)
    total = w.sum()
    if total <= 0:
        return 0.0
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], w[order]
    mean = (v * w).sum() / total
    if mean <= 0:
        return 0.0
    lorenz = np.cumsum(v * w) / (mean * total)
    prev = np.concatenate(([0.0], lorenz[:-1]))
    area = ((lorenz + prev) * w).sum() / (2 * total)
    return float(np.clip(1.0 - 2.0 * area, 0.0, 1.0))


def test_gini_is_the_plain_formula_bit_for_bit():
    rng = np.random.default_rng(5)
    for _ in range(500):
        n = int(rng.integers(1, 80))
        values = rng.random(n) * (rng.random(n) < 0.8)
        weights = rng.random(n) * 1e5 * (rng.random(n) < 0.9)
        assert gini(values, weights) == _gini_plain(values, weights)
