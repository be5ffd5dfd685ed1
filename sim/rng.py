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
scenarios that differ in hiring still give the same person the same luck. The draws are numpy's
``Philox`` (Philox4x64-10, Salmon et al. 2011) with the counter set to the week, computed by a kernel
(:func:`_philox_uniforms`, :func:`_philox_at`) that gives numpy's numbers bit for bit
(``tests/test_kernels.py``): about twice as fast as setting the state of numpy's generator each week,
and a few people's draws cost a few blocks, not the whole week's.
"""

from __future__ import annotations

import zlib

import numpy as np

from .jit import intrinsic, kernel

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
        self._philox: dict[str, np.ndarray] = {}  # per-slot streams: their Philox round keys

    def slot_uniforms(self, name: str, step: int, n_slots: int, sub: int = 0) -> np.ndarray:
        """Uniform draws for slots 0..n_slots-1 at ``step``, fixed per (seed, name, step, sub, slot).

        Args:
            name: a declared stream (``STREAM_NAMES``).
            step: the week.
            n_slots: how many draws (slot i's draw does not depend on n_slots).
            sub: a second key within the week (e.g. the organisation choosing, the area hit), so
                that several independent sets of draws in one week stay fixed per key.
        """
        return _philox_uniforms(self._round_keys(name), np.uint64(sub), np.uint64(step), int(n_slots))

    def at_slots(self, name: str, step: int, slots: np.ndarray, sub: int = 0) -> np.ndarray:
        """The :meth:`slot_uniforms` draws of the given slots (non-negative; only their blocks are computed)."""
        slots = np.asarray(slots, np.int64)
        if len(slots) == 0:
            return np.zeros(0)
        return _philox_at(self._round_keys(name), np.uint64(sub), np.uint64(step), slots)

    def _round_keys(self, name: str) -> np.ndarray:
        """The Philox round keys of a per-slot stream, keyed by (seed, crc32(name))."""
        keys = self._philox.get(name)
        if keys is None:
            if name not in STREAM_NAMES:
                raise KeyError(f"unknown random stream {name!r}; declared streams: {', '.join(STREAM_NAMES)}")
            keys = self._philox[name] = philox_round_keys(((self.seed << 32) ^ zlib.crc32(name.encode())) & _M128)
        return keys

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


# ------------------------------------------------------------------ Philox4x64-10, as numpy's Philox draws it
# Salmon, Moraes, Dror & Shaw (2011), "Parallel random numbers: as easy as 1, 2, 3" (Random123); the
# multipliers and key increments are theirs. numpy's ``Philox(key=k)`` keys with k's two 64-bit words (low
# first); with the counter set to [0, 0, sub, step] and its buffer empty, its i-th uniform is word i % 4 of
# the block at counter [i // 4 + 1, 0, sub, step] (the counter is advanced before each block), shifted to 53
# bits: ``(word >> 11) * 2**-53``.
_M64, _M128 = (1 << 64) - 1, (1 << 128) - 1
_PHILOX_M0, _PHILOX_M1 = np.uint64(0xD2E7470EE14C6C93), np.uint64(0xCA5A826395121157)
_PHILOX_W0, _PHILOX_W1 = 0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B
PHILOX_ROUNDS = 10
_ZERO, _SHIFT = np.uint64(0), np.uint64(11)
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def philox_round_keys(key: int) -> np.ndarray:
    """The key of each of Philox's rounds (the key plus the Weyl increments), ``(PHILOX_ROUNDS, 2)`` words."""
    k0, k1 = key & _M64, (key >> 64) & _M64
    return np.array([((k0 + r * _PHILOX_W0) & _M64, (k1 + r * _PHILOX_W1) & _M64) for r in range(PHILOX_ROUNDS)],
                    np.uint64)


def _build_mulhilo(numba):
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic as numba_intrinsic

    @numba_intrinsic
    def mulhilo(typingctx, a, b):
        sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64)

        def codegen(context, builder, signature, args):
            wide, word = ir.IntType(128), ir.IntType(64)
            product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
            low = builder.trunc(product, word)
            high = builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), word)
            return context.make_tuple(builder, signature.return_type, (low, high))

        return sig, codegen

    return mulhilo


def mulhilo_python(a, b):
    """The low and high 64-bit words of the 128-bit product of two 64-bit words (in Python integers)."""
    product = int(a) * int(b)
    return np.uint64(product & _M64), np.uint64(product >> 64)


_mulhilo = intrinsic(_build_mulhilo)(mulhilo_python)  # (the kernels' name becomes the intrinsic when they compile)


@kernel
def _philox_block(keys, x0, x1, x2, x3):
    """Philox4x64's rounds on one counter block (``keys``: :func:`philox_round_keys`)."""
    for r in range(keys.shape[0]):
        lo0, hi0 = _mulhilo(_PHILOX_M0, x0)
        lo1, hi1 = _mulhilo(_PHILOX_M1, x2)
        x0, x1, x2, x3 = hi1 ^ x1 ^ keys[r, 0], lo1, hi0 ^ x3 ^ keys[r, 1], lo0
    return x0, x1, x2, x3


@kernel
def _philox_uniforms(keys, sub, step, n):
    """numpy's ``Generator(Philox).random(n)`` with the counter at [0, 0, sub, step] and an empty buffer."""
    out = np.empty(n)
    for b in range((n + 3) // 4):
        w0, w1, w2, w3 = _philox_block(keys, np.uint64(b + 1), _ZERO, sub, step)
        i = 4 * b
        out[i] = (w0 >> _SHIFT) * _UNIT
        if i + 1 < n:
            out[i + 1] = (w1 >> _SHIFT) * _UNIT
        if i + 2 < n:
            out[i + 2] = (w2 >> _SHIFT) * _UNIT
        if i + 3 < n:
            out[i + 3] = (w3 >> _SHIFT) * _UNIT
    return out


@kernel
def _philox_at(keys, sub, step, slots):
    """:func:`_philox_uniforms`' draws at ``slots`` (each block computed once for a run of slots in it)."""
    out = np.empty(slots.shape[0])
    words = np.zeros(4, np.uint64)
    last = -1
    for i in range(slots.shape[0]):
        s = slots[i]
        b = s // 4
        if b != last:
            words[0], words[1], words[2], words[3] = _philox_block(keys, np.uint64(b + 1), _ZERO, sub, step)
            last = b
        out[i] = (words[s - 4 * b] >> _SHIFT) * _UNIT
    return out
