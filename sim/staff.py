"""Staff: every person employed in the response, as arrays (one slot per person).

A person's technical and contextual skills are embodied: they move with the person when
they are poached and leave with them when they quit. Each skill is a base level (from
hiring and slow learning by doing) plus an applied training gain that fades unless the
person practises it. People laid off stay in the labour market (``POOL``) with their
skills and can be re-hired; people who quit, and expatriates who are laid off, leave the
country's humanitarian workforce (``GONE``). Staff accounting: hired = left + present.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel
from .organisations import OrgTable
from .params import Params

__all__ = ["StaffTable", "POOL", "GONE"]

POOL = -1  # laid off, in the labour market, can be re-hired
GONE = -2  # empty slot: never used, quit the sector, or expatriate who left


class StaffTable:
    """All staff slots. ``employer[i] >= 0`` is the organisation employing person ``i``."""

    def __init__(self, params: Params, orgs: OrgTable, rng: np.random.Generator,
                 headcount: np.ndarray | None = None):
        """Args:
            params: the run's parameters (``world.n_staff`` people are employed at the start).
            orgs: the organisations.
            rng: the ``staff_init`` stream (skills and nationality of the initial staff).
            headcount: staff per organisation at the start (from data); None splits
                ``world.n_staff`` by organisation size, as for the synthetic country.
        """
        self.p = params.staff
        n0 = params.world.n_staff
        self.capacity = 0
        self.used = 0  # slots ever filled are 0..used-1; every slot from ``used`` on is GONE (never used)
        self._alloc(max(2 * n0, n0 + 256))
        if headcount is not None:
            counts = np.asarray(headcount, np.int64)
            if counts.shape != (orgs.n,) or counts.sum() != n0 or (counts < 1).any():
                raise ValueError(f"initial headcount must give at least one person to each of {orgs.n} "
                                 f"organisations and sum to world.n_staff = {n0}")
        else:
            # Initial headcount by organisation size (at least one person each).
            share = orgs.size_weight / orgs.size_weight.sum()
            counts = np.maximum(1, np.floor(share * n0)).astype(np.int64)
            short = n0 - counts.sum()
            if short > 0:
                counts[np.argsort(-(share * n0 - np.floor(share * n0)), kind="stable")[:short]] += 1  # ties: first
            elif short < 0:
                for o in np.argsort(-counts, kind="stable"):
                    take = min(-short, counts[o] - 1)
                    counts[o] -= take
                    short += take
                    if short == 0:
                        break
        employer = np.repeat(np.arange(orgs.n), counts)
        n = len(employer)
        national = np.ones(n, bool)
        intl_rows = orgs.is_intl[employer]
        national[intl_rows] = rng.random(intl_rows.sum()) >= self.p.expat_share_intl
        self._fill(np.arange(n), employer, national, rng, intl_national=intl_rows & national)
        self.initial = n
        self.hired = 0
        self.left = 0
        self.refresh(orgs.n)

    # ------------------------------------------------------------------ storage
    def _alloc(self, cap: int) -> None:
        old = self.capacity
        def grow(name, fill, dtype):
            arr = np.full(cap, fill, dtype)
            if old:
                arr[:old] = getattr(self, name)
            setattr(self, name, arr)
        grow("employer", GONE, np.int64)
        grow("national", True, bool)
        grow("tech_base", 0.0, float)
        grow("ctx_base", 0.0, float)
        grow("tech_gain", 0.0, float)
        grow("ctx_gain", 0.0, float)
        grow("trainee", False, bool)
        grow("hired_step", 0, np.int64)
        self.capacity = cap

    def _fill(self, slots, employer, national, rng, intl_national=None) -> None:
        p = self.p
        k = len(slots)
        tech_mean = np.where(national, p.local_technical_skill, p.expat_technical_skill)
        if intl_national is not None:
            tech_mean = np.where(intl_national, p.intl_national_technical_skill, tech_mean)
        ctx_mean = np.where(national, p.local_contextual_skill, p.expat_contextual_skill)
        self.employer[slots] = employer
        self.national[slots] = national
        if k:
            self.used = max(self.used, int(slots.max()) + 1)
        # ``mean + spread * z`` is what ``rng.normal(mean, spread)`` draws, without its broadcasting cost.
        self.tech_base[slots] = np.minimum(np.maximum(tech_mean + p.skill_spread * rng.standard_normal(k), 0.0), 1.0)
        self.ctx_base[slots] = np.minimum(np.maximum(ctx_mean + p.skill_spread * rng.standard_normal(k), 0.0), 1.0)
        self.tech_gain[slots] = 0.0
        self.ctx_gain[slots] = 0.0
        self.trainee[slots] = False

    # ------------------------------------------------------------------ views
    def refresh(self, n_orgs: int) -> None:
        """Recompute the employed index and per-organisation aggregates (call after moves).

        Sets ``slot_org``: for every slot ``0..n_slots-1`` its employer, or ``n_orgs`` (a spare bin) if
        nobody is employed there. Per-person work can then run over the contiguous slots (``per_slot``
        reads a per-organisation value per slot), which is cheaper than gathering the employed; a
        bincount over ``slot_org`` adds each organisation's people in the same order as one over
        ``emp``. ``idx`` (the employed slots) and ``emp`` (their employers) are those of this refresh,
        built when first read.
        """
        u = self.used
        self.n_slots = u
        (self.slot_org, self.headcount, self.tech_sum, self.ctx_sum, self.national_count, self.tech_mean,
         self.ctx_mean, self.n_employed) = _refresh(self.employer[:u], self.tech_base[:u], self.tech_gain[:u],
                                                    self.ctx_base[:u], self.ctx_gain[:u], self.national[:u], n_orgs)
        self._idx = self._emp = None
        self.n_orgs = n_orgs

    @property
    def idx(self) -> np.ndarray:
        """The slots employed at the last refresh, in order."""
        if self._idx is None:
            self._idx = (self.slot_org < self.n_orgs).nonzero()[0]
        return self._idx

    @property
    def emp(self) -> np.ndarray:
        """The employers of ``idx``."""
        if self._emp is None:
            self._emp = self.slot_org[self.idx]
        return self._emp

    def per_slot(self, per_org: np.ndarray, spare) -> np.ndarray:
        """A per-organisation value read at every slot ``0..n_slots-1`` (``spare`` where nobody is employed)."""
        n = self.n_orgs
        ext = np.empty(n + 1, per_org.dtype)
        ext[:n] = per_org
        ext[n] = spare
        return ext[self.slot_org]

    def tech_of(self, people: np.ndarray) -> np.ndarray:
        """Technical skill (base + applied training, at most 1) of the given people."""
        return np.minimum(1.0, self.tech_base[people] + self.tech_gain[people])

    def ctx_of(self, people: np.ndarray) -> np.ndarray:
        """Contextual skill (base + applied learning, at most 1) of the given people."""
        return np.minimum(1.0, self.ctx_base[people] + self.ctx_gain[people])

    @property
    def tech(self) -> np.ndarray:
        return np.minimum(1.0, self.tech_base + self.tech_gain)

    @property
    def ctx(self) -> np.ndarray:
        return np.minimum(1.0, self.ctx_base + self.ctx_gain)

    # ------------------------------------------------------------------ moves
    def hire(self, orgs_per_hire: np.ndarray, national: np.ndarray, step: int, rng, intl_orgs: np.ndarray) -> int:
        """Hire one person per entry: nationals from the labour pool first, then newcomers."""
        k = len(orgs_per_hire)
        if k == 0:
            return 0
        pool, free = _pool_and_free(self.employer[: self.used])  # (hiring from the pool leaves the free ones empty)
        nat_rows = national.nonzero()[0]
        n_from_pool = min(len(pool), len(nat_rows))
        if n_from_pool:
            chosen = rng.choice(pool, n_from_pool, replace=False)
            self.employer[chosen] = orgs_per_hire[nat_rows[:n_from_pool]]
            self.hired_step[chosen] = step
            self.trainee[chosen] = False
        rest = np.concatenate([nat_rows[n_from_pool:], (~national).nonzero()[0]])
        if len(rest):
            free = self._free_slots(len(rest), free)
            if len(free) < len(rest):
                self._alloc(max(2 * self.capacity, self.capacity + len(rest)))
                free = self._free_slots(len(rest))
            slots = free[: len(rest)]
            emp = orgs_per_hire[rest]
            nat = national[rest]
            self._fill(slots, emp, nat, rng, intl_national=nat & intl_orgs[emp])
            self.hired_step[slots] = step
        self.hired += k
        return k

    def _free_slots(self, k: int, gone: np.ndarray | None = None) -> np.ndarray:
        """The ``k`` lowest-numbered GONE slots (fewer if the table is full); ``gone``: the GONE slots
        below ``used`` when already known."""
        free = (self.employer[: self.used] == GONE).nonzero()[0] if gone is None else gone
        if len(free) < k:
            free = np.concatenate([free, np.arange(self.used, min(self.capacity, self.used + k - len(free)))])
        return free[:k]

    def leave(self, people: np.ndarray, to_pool: np.ndarray) -> None:
        """People leave their employer: to the labour pool or out of the workforce."""
        if len(people) == 0:
            return
        self.employer[people] = np.where(to_pool, POOL, GONE)
        self.trainee[people] = False
        self.left += len(people)

    def pool_step(self, exit_rate: float, decay: float, rng) -> None:
        """People in the labour pool lose unpractised skills and some leave the market."""
        pool = _pool_decays(self.employer[: self.used], self.tech_gain, self.ctx_gain, 1.0 - decay)
        if len(pool):
            _pool_exits(pool, rng.random(len(pool)), exit_rate, self.employer)



@kernel
def _refresh(employer, tech_base, tech_gain, ctx_base, ctx_gain, national, n_orgs):
    """``StaffTable.refresh``'s pass over the slots: each slot's organisation (``n_orgs`` where nobody is
    employed) and, per organisation, its headcount, its staff's skills summed (each at most 1) and its
    nationals, added in slot order (as ``np.bincount`` adds them); the skills' means; the people employed.

    (Slot loops here are branch-free: an empty slot adds into a spare bin, ``n_orgs``, dropped at the end.
    Whether a slot is filled is unpredictable, and a mispredicted branch a slot cost more than numpy's
    vectorised passes.)"""
    u = employer.shape[0]
    slot_org = np.empty(u, np.int64)
    headcount = np.zeros(n_orgs + 1, np.int64)
    tech_sum = np.zeros(n_orgs + 1)
    ctx_sum = np.zeros(n_orgs + 1)
    national_count = np.zeros(n_orgs + 1)
    for i in range(u):
        o = employer[i] if employer[i] >= 0 else n_orgs
        slot_org[i] = o
        headcount[o] += 1
        t = tech_base[i] + tech_gain[i]
        tech_sum[o] += t if t < 1.0 else 1.0
        c = ctx_base[i] + ctx_gain[i]
        ctx_sum[o] += c if c < 1.0 else 1.0
        national_count[o] += 1.0 if national[i] else 0.0
    tech_mean = np.empty(n_orgs)  # means over each organisation's staff (0 without staff)
    ctx_mean = np.empty(n_orgs)
    employed = 0
    for o in range(n_orgs):
        employed += headcount[o]
        hc = headcount[o] if headcount[o] > 1 else 1
        tech_mean[o] = tech_sum[o] / hc
        ctx_mean[o] = ctx_sum[o] / hc
    return (slot_org, headcount[:n_orgs], tech_sum[:n_orgs], ctx_sum[:n_orgs], national_count[:n_orgs], tech_mean,
            ctx_mean, employed)


@kernel
def _pool_and_free(employer):
    """The slots in the labour pool and the empty slots, each in slot order (branch-free, as in
    :func:`_refresh`: each slot is written to both lists, and kept in the one it belongs to)."""
    u = employer.shape[0]
    pool = np.empty(u, np.int64)
    free = np.empty(u, np.int64)
    n_pool = n_free = 0
    for i in range(u):
        pool[n_pool] = i
        n_pool += employer[i] == POOL
        free[n_free] = i
        n_free += employer[i] == GONE
    return pool[:n_pool], free[:n_free]


@kernel
def _pool_decays(employer, tech_gain, ctx_gain, kept):
    """:meth:`StaffTable.pool_step` before its draws: the pool's slots, in order, whose applied skills keep
    ``kept`` of themselves (unpractised); branch-free, as :func:`_refresh`."""
    u = employer.shape[0]
    pool = np.empty(u, np.int64)
    n = 0
    for i in range(u):
        in_pool = employer[i] == POOL
        pool[n] = i
        n += in_pool
        factor = kept if in_pool else 1.0  # (x * 1.0 is x)
        tech_gain[i] *= factor
        ctx_gain[i] *= factor
    return pool[:n]


@kernel
def _pool_exits(pool, draws, exit_rate, employer):
    """Those of the pool whose draw is below ``exit_rate`` leave the market (their slots empty)."""
    for j in range(pool.shape[0]):
        if draws[j] < exit_rate:
            employer[pool[j]] = GONE
