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

import zlib

import numpy as np

__all__ = ["stream"]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one named process of a docking run.

    Args:
        seed: the run's seed (0 .. 2**63-1).
        name: the process, e.g. ``"march.initial"``; the same (seed, name) gives the same draws.
    """
    seq = np.random.SeedSequence([int(seed), zlib.crc32(name.encode())])
    return np.random.Generator(np.random.PCG64(seq))
