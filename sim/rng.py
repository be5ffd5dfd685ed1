"""Named random streams: one seed in, one independent generator per stochastic process.

Each process (shocks, initial population, attrition, poaching, ...) draws from its own
``numpy.random.Generator`` seeded from ``(seed, crc32(name))``. Two runs with the same seed
therefore see the same shocks and the same initial organisations whatever their regime or
funding rules: differences between scenarios are caused by the scenario, not by a shifted
random sequence (common random numbers; Starsim hashes distribution names the same way).
Replicate seeds come from ``numpy.random.SeedSequence(base_seed).spawn(n)``.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Streams", "replicate_seeds", "STREAM_NAMES"]

# Every stream the model uses, declared once so a typo cannot create a silent new stream.
STREAM_NAMES = (
    "world",  # areas, populations, access
    "organisations",  # organisations, presence, sectors
    "staff_init",  # initial staff skills
    "peer_network",  # local peer network
    "shocks",  # shock schedule
    "hiring",  # skills of new hires
    "attrition",  # quits
    "poaching",  # poaching offers and acceptance
    "partners",  # partner matching
    "training",  # trainee selection
    "layoffs",  # who is laid off
)


class Streams:
    """Lazily created, independent generators keyed by process name."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            if name not in STREAM_NAMES:
                raise KeyError(f"unknown random stream {name!r}; declared streams: {', '.join(STREAM_NAMES)}")
            seq = np.random.SeedSequence([self.seed, zlib.crc32(name.encode())])
            gen = self._gens[name] = np.random.Generator(np.random.PCG64(seq))
        return gen


def replicate_seeds(base_seed: int, n: int) -> list[int]:
    """Deterministic, well-separated seeds for ``n`` replicates of a base seed."""
    children = np.random.SeedSequence(int(base_seed)).spawn(int(n))
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
