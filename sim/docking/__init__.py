"""Docking models: published models re-implemented with capsim's own mechanisms (Axtell et al. 1996).

Docking re-implements a published model and checks that it gives the published results. Where
capsim's own rules can express the published model, the docking model calls them, so a
successful docking also checks capsim's code (see ``docs/docking.md``).

================== =============================================================================
``march.py``       March (1991) mutual learning between an organisational code and individuals;
                   turnover draws leavers with ``sim/turnover.py:leaves``
``cowan_jonard.py`` Cowan & Jonard (2004) knowledge barter on a Watts-Strogatz network; the
                   barter is ``sim/learning.py:barter`` (the regimes' learning law
                   ``close_gap``), the network ``sim/networks.py:watts_strogatz_edges``
================== =============================================================================

Each model module holds a frozen parameter dataclass declared with ``sim.params.param`` (meaning,
unit, range, source), a vectorised ``simulate`` function (many replications at once, numpy
arrays), and the published values it is docked against, with their source. Randomness comes only
from :func:`stream`: one generator per (seed, process name), as in ``sim/rng.py``.
"""

from __future__ import annotations

import dataclasses
import itertools
import zlib
from typing import Callable

import numpy as np
import pandas as pd

__all__ = ["stream", "grid_sweep"]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one named process of a docking run.

    Args:
        seed: the run's seed (0 .. 2**63-1).
        name: the process, e.g. ``"march.initial"``; the same (seed, name) gives the same draws.
    """
    seq = np.random.SeedSequence([int(seed), zlib.crc32(name.encode())])
    return np.random.Generator(np.random.PCG64(seq))


def grid_sweep(params_cls, base, grid: dict[str, list], replications: int, seed: int,
               simulate: Callable, summarise: Callable[..., dict], progress=None,
               runs: dict | None = None) -> pd.DataFrame:
    """Every combination of the grid's values, one row each, all with the same seed (common random numbers).

    Args:
        params_cls: the model's parameter dataclass (with ``from_dict``, which validates).
        base: parameters not on the grid.
        grid: parameter name -> values.
        replications: runs per grid point.
        seed: seed of every grid point.
        simulate: the model's ``simulate(params, replications, seed)``.
        summarise: the model's ``summarise(result) -> dict`` (one row's measures).
        progress: optional callable ``progress(done, total, row)`` called after each point.
        runs: optional dict that receives each point's per-replication results, keyed by the
            tuple of its grid values (for paired comparisons between points).
    """
    names = list(grid)
    combos = list(itertools.product(*(grid[k] for k in names)))
    rows = []
    for i, values in enumerate(combos):
        point = dict(zip(names, values))
        result = simulate(params_cls.from_dict({**dataclasses.asdict(base), **point}), replications, seed)
        if runs is not None:
            runs[tuple(values)] = result
        rows.append({**point, **summarise(result)})
        if progress:
            progress(i + 1, len(combos), rows[-1])
    return pd.DataFrame(rows)
