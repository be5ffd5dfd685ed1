"""A 100-year run at the default size: stable memory, no overflow or underflow."""

import os

import numpy as np

from sim.model import CapacityModel
from sim.params import Params
from test_properties import check_run


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_hundred_years_default_size():
    m = CapacityModel(Params(years=100.0, seed=3))
    mem = {}
    for t in range(m.n_steps):
        m.step()
        if t + 1 in (20 * 52, 100 * 52):
            mem[t + 1] = rss_mb()
    check_run(m)
    growth = mem[100 * 52] - mem[20 * 52]
    assert growth < 40, f"memory grew by {growth:.1f} MB between year 20 and year 100"
    df = m.recorder.steps_table()
    last = df[df.year >= 99]
    assert last["coverage"].mean() > 0.05, "the response collapsed over a century without any exit"
    assert np.isfinite(m.orgs.cash).all() and m.orgs.cash.max() < 1e12, "cash overflowed"
    assert m.areas.need.max() < 1e10 and m.areas.need.min() >= 0, "needs overflowed or went negative"
    assert len(m.grants.weekly) < 10_000, f"grant book grows without bound: {len(m.grants.weekly)} rows"
    assert m.staff.capacity < 4 * 5000, f"staff slots grow without bound: {m.staff.capacity}"
