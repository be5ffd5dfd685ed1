"""Areas (districts): populations, access difficulty and needs by sector, as numpy arrays.

Needs are people in need per area and sector; each person in need is counted in the sector
of their main need, so needs summed over sectors are people in need. Need has three layers, each with its own severity (1 minimal .. 5 catastrophic):
chronic need (always there), shock need (added by rapid-onset shocks, decaying back with
the recovery time constant) and protracted need (a level that stays while a protracted
crisis lasts). Coverage is severity-weighted: a person in severe need counts for more.
"""

from __future__ import annotations

import numpy as np

from .country import CountryData, xy_from_lat_lon
from .jit import kernel, pairwise_sum
from .params import Params

__all__ = ["Areas", "gini", "sector_sum"]


class Areas:
    """All areas of the country; every attribute is an array indexed by area (and sector)."""

    def __init__(self, params: Params, rng: np.random.Generator, country: CountryData | None = None):
        w = params.world
        c = params.crisis
        n, s = w.n_areas, w.n_sectors
        self.n, self.n_sectors = n, s
        self.names: tuple[str, ...] | None = None  # area names (from data; None for the synthetic country)
        self.sector_names: tuple[str, ...] | None = None
        thr = w.hard_to_reach_threshold
        if country is not None:
            self._from_country(country, w, rng)
        else:
            mu = np.log(w.population_mean) - 0.5 * w.population_sigma**2
            self.population = rng.lognormal(mu, w.population_sigma, n)
            # Access difficulty: a fixed share of areas is hard to reach.
            n_hard = int(round(w.hard_to_reach_share * n))
            hard = np.zeros(n, bool)
            hard[rng.permutation(n)[:n_hard]] = True
            self.access = np.where(
                hard, rng.uniform(thr + 0.01 * (1 - thr), min(1.0, thr + 0.9 * (1 - thr)), n), rng.uniform(0.05, thr * 0.8, n)
            )
            self.xy = rng.random((n, 2))
            # Sector profile of need: shares of an area's people in need by sector (sum to 1).
            self.sector_profile = rng.dirichlet(np.full(s, 4.0), n)
            self.chronic = self.population[:, None] * w.chronic_need_rate * self.sector_profile
        self.hard_to_reach = self.access > thr
        self.shock_need = np.zeros((n, s))
        self.protracted_need = np.zeros((n, s))
        self.chronic_severity = c.chronic_severity
        self.shock_severity = c.shock_severity
        self.recovery = float(np.exp(-1.0 / c.rapid_recovery_weeks))
        # At least four neighbours, more when local organisations start in more areas.
        self.neighbours = self._neighbours(k=min(max(4, w.local_presence_areas - 1), n - 1))
        self.update_need()

    def _from_country(self, country: CountryData, w, rng: np.random.Generator) -> None:
        """Areas from data: population, need by sector, access and positions where given.

        Access difficulty the data does not give is drawn as for the synthetic country
        (``world.hard_to_reach_share`` of those areas hard to reach); positions, if the data
        gives none, are drawn at random in the unit square (assumptions, reported by the run).
        """
        n, s = self.n, self.n_sectors
        if (country.n_areas, country.n_sectors) != (n, s):
            raise ValueError(f"world.n_areas/n_sectors = {n}/{s} but the country data has "
                             f"{country.n_areas}/{country.n_sectors}; build parameters with sim.country_params.country_params")
        self.names = country.area_names
        self.sector_names = country.sectors
        self.population = country.population.astype(float).copy()
        self.access = country.access.astype(float).copy()
        missing = np.flatnonzero(~np.isfinite(self.access))
        if len(missing):
            thr = w.hard_to_reach_threshold
            k = len(missing)
            hard = np.zeros(k, bool)
            hard[rng.permutation(k)[: int(round(w.hard_to_reach_share * k))]] = True
            self.access[missing] = np.where(
                hard, rng.uniform(thr + 0.01 * (1 - thr), min(1.0, thr + 0.9 * (1 - thr)), k), rng.uniform(0.05, thr * 0.8, k)
            )
        self.xy = xy_from_lat_lon(country.lat, country.lon) if country.has_positions else rng.random((n, 2))
        self.chronic = country.need.astype(float).copy()
        total = self.chronic.sum(1, keepdims=True)
        # Shocks add need in the area's own sector mix; an area with no chronic need gets an even mix.
        self.sector_profile = np.divide(self.chronic, total, out=np.full((n, s), 1.0 / s), where=total > 0)

    def _neighbours(self, k: int) -> np.ndarray:
        """Indices of the k nearest areas of each area (n x k); built once at set-up."""
        if k <= 0:
            return np.zeros((self.n, 0), dtype=np.int64)
        out = np.empty((self.n, k), dtype=np.int64)
        # Blocked to keep memory linear for large countries.
        for start in range(0, self.n, 512):
            block = self.xy[start : start + 512]
            d = ((block[:, None, :] - self.xy[None, :, :]) ** 2).sum(-1)
            d[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
            # Nearest first, ties by area index: a stable sort gives the same on every machine
            # (np.argpartition's choice at ties depends on the processor's sorting kernel).
            out[start : start + len(block)] = np.argsort(d, axis=1, kind="stable")[:, :k]
        return out

    # ------------------------------------------------------------------ dynamics
    def recover(self) -> None:
        """Shock-driven need decays back towards the chronic level."""
        self.shock_need *= self.recovery

    def update_need(self) -> None:
        self.need = self.chronic + self.shock_need + self.protracted_need
        self.weighted_need = self.chronic * self.chronic_severity + (self.shock_need + self.protracted_need) * self.shock_severity
        self.severity = self.weighted_need / np.maximum(self.need, 1e-12)
        self.need_by_area = sector_sum(self.need)
        self.weighted_need_by_area = sector_sum(self.weighted_need)


def sector_sum(x: np.ndarray) -> np.ndarray:
    """Sum over sectors (the last axis) of a (rows, sectors) array: the numbers of ``x.sum(1)``, faster.

    Numpy adds fewer than 8 values along an axis one after the other, as this does column by column
    (several times faster than its reduction over a short axis); from 8 sectors on it sums pairwise,
    so ``x.sum(1)`` is used.
    """
    k = x.shape[1]
    if k == 0 or k >= 8:
        return x.sum(1)
    total = x[:, 0].copy()
    for j in range(1, k):
        total += x[:, j]
    return total


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted Gini coefficient of ``values`` (0 = equal, 1 = all in one place)."""
    return _gini(np.asarray(values, float), np.asarray(weights, float))


@kernel
def _gini(values, weights):
    """:func:`gini`: 1 - 2 x the area under the weighted Lorenz curve (trapezoid rule); sums as ``ndarray.sum``
    forms them, the curve as ``np.cumsum`` (``tests/test_fast_paths.py`` checks it against the plain formula)."""
    total = pairwise_sum(weights)
    if total <= 0:
        return 0.0
    order = np.argsort(values, kind="mergesort")  # (stable: ties in position order)
    n = values.shape[0]
    w = np.empty(n)
    vw = np.empty(n)
    for i in range(n):
        w[i] = weights[order[i]]
        vw[i] = values[order[i]] * w[i]
    mean = pairwise_sum(vw) / total
    if mean <= 0:
        return 0.0
    scale = mean * total
    lorenz = np.empty(n)
    running = 0.0
    for i in range(n):
        running += vw[i]
        lorenz[i] = running / scale
    pairs = np.empty(n)  # each point plus the one before (0 before the first), times its weight
    for i in range(n):
        pairs[i] = ((lorenz[i] + lorenz[i - 1]) if i > 0 else lorenz[0]) * w[i]
    area = pairwise_sum(pairs) / (2 * total)
    return min(max(1.0 - 2.0 * area, 0.0), 1.0)
