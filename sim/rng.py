"""Named random streams: one seed in, one independent generator per stochastic process.

Each process (shocks, initial population, attrition, poaching, ...) draws from its own
``numpy.random.Generator`` seeded from ``(seed, crc32(name))``. Two runs with the same seed
therefore see the same shocks and the same initial organisations whatever their regime or
funding rules: differences between scenarios are caused by the scenario, not by a shifted
random sequence (common random numbers; Starsim hashes distribution names the same way).
Replicate seeds come from ``numpy.random.SeedSequence(base_seed).spawn(n)``.

Per-person draws (who quits this week) use :meth:`Streams.slot_uniforms`: a counter-based
generator (Philox) keyed by seed and process and counted by step, read at each person's
slot, so a person's draw in a week does not depend on how many others are employed. Two
scenarios that differ in hiring still give the same person the same luck.
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
    "mutual_aid",  # which local organisations come to help after a shock
    "communities",  # starting community response capacity per area (sim/communities.py)
    "priorities",  # people's priorities across sectors and organisations' perception errors (sim/priorities.py)
    "convening",  # which pairs of an intermediary's partners it links (sim/convening.py)
    "security",  # security incidents (one draw per organisation and presence slot a week) and their victims
    "inclusion",  # who leads local organisations, the marginalised group's share of each area (sim/inclusion.py)
)


class Streams:
    """Lazily created, independent generators keyed by process name."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}
        self._philox: dict[str, tuple] = {}  # per-slot streams: (Philox, its Generator, a state dict)

    def slot_uniforms(self, name: str, step: int, n_slots: int, sub: int = 0) -> np.ndarray:
        """Uniform draws for slots 0..n_slots-1 at ``step``, fixed per (seed, name, step, sub, slot).

        Args:
            name: a declared stream (``STREAM_NAMES``).
            step: the week.
            n_slots: how many draws (slot i's draw does not depend on n_slots).
            sub: a second key within the week (e.g. the organisation choosing, the area hit), so
                that several independent sets of draws in one week stay fixed per key.
        """
        gen = self._philox.get(name)
        if gen is None:
            if name not in STREAM_NAMES:
                raise KeyError(f"unknown random stream {name!r}; declared streams: {', '.join(STREAM_NAMES)}")
            key = ((self.seed << 32) ^ zlib.crc32(name.encode())) & ((1 << 128) - 1)
            bits = np.random.Philox(key=key)
            gen = self._philox[name] = (bits, np.random.Generator(bits), bits.state)
        bits, generator, state = gen
        # The step goes into the counter's highest word and ``sub`` into the next: weeks and keys
        # never share draws (the lowest words count the draws within one week and key). Setting
        # the counter on one generator per stream gives the draws a new Philox(key, counter) would.
        state["state"]["counter"] = np.array([0, 0, int(sub), int(step)], np.uint64)
        state["buffer_pos"] = 4  # the buffer is empty: the first draw comes from the counter
        state["has_uint32"] = 0
        bits.state = state
        return generator.random(n_slots)

    def at_slots(self, name: str, step: int, slots: np.ndarray, sub: int = 0) -> np.ndarray:
        """The :meth:`slot_uniforms` draws of the given slots (only as many drawn as the highest slot needs)."""
        slots = np.asarray(slots)
        if len(slots) == 0:
            return np.zeros(0)
        return self.slot_uniforms(name, step, int(slots.max()) + 1, sub)[slots]

    def for_period(self, name: str, period: int) -> np.random.Generator:
        """A generator fixed per (seed, name, period): draws of one year do not depend on the horizon.

        The shock schedule is drawn year by year from these, so a 4-year run faces exactly the
        first 4 years of crises of an 8-year run with the same seed.
        """
        if name not in STREAM_NAMES:
            raise KeyError(f"unknown random stream {name!r}; declared streams: {', '.join(STREAM_NAMES)}")
        seq = np.random.SeedSequence([self.seed, zlib.crc32(name.encode()), int(period)])
        return np.random.Generator(np.random.PCG64(seq))

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
