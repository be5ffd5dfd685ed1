"""Paired runs: named configurations run on the same replicate seeds (common random numbers).

Used by the dashboard (live view, a handful of short runs per lever change) and by
``capsim brief`` (a small comparison of donor packages). Every configuration sees the same
replicate seeds, so the same country, shocks and people: a difference between configurations
is caused by the configuration (``sim/rng.py``). Results carry two identifying columns on top
of ``sim.results.run``'s: ``config`` (the configuration's name) and ``replicate`` (the pairing
key, 0..n-1, as in the sweep directory contract).

:class:`RunCache` keeps finished runs keyed by their full parameters (``sim.results.run_id``),
so the status quo is run once per seed and a lever setting seen before returns at once.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

import pandas as pd

from sim.params import Params
from sim.results import run
from sim.store import RunResult, run_id

__all__ = ["RunCache", "PairedTables", "run_paired", "Cancelled"]


class Cancelled(Exception):
    """The caller asked to stop (a newer lever change superseded this computation)."""


class RunCache:
    """A thread-safe, bounded cache of finished runs keyed by their full parameters.

    Args:
        max_runs: most runs kept; the least recently used is dropped first.
    """

    def __init__(self, max_runs: int = 256):
        self.max_runs = int(max_runs)
        self._runs: OrderedDict[str, RunResult] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, params: Params) -> RunResult | None:
        key = run_id(params)
        with self._lock:
            res = self._runs.get(key)
            if res is None:
                self.misses += 1
                return None
            self._runs.move_to_end(key)
            self.hits += 1
            return res

    def put(self, params: Params, result: RunResult) -> None:
        with self._lock:
            self._runs[run_id(params)] = result
            self._runs.move_to_end(run_id(params))
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)

    def __len__(self) -> int:
        return len(self._runs)


@dataclass
class PairedTables:
    """Tables of paired runs, each with ``config`` and ``replicate`` columns.

    Attributes:
        steps, shocks, areas: the tables of ``sim.results.run``, concatenated.
        configs: configuration name -> its parameters (seed of replicate 0).
        seeds: replicate seeds; ``seeds[replicate]`` is the seed of that replicate everywhere.
        reference: name of the configuration differences are taken against.
        metadata: run metadata per (config, replicate).
    """

    steps: pd.DataFrame
    shocks: pd.DataFrame
    areas: pd.DataFrame
    configs: dict[str, Params]
    seeds: list[int]
    reference: str
    metadata: dict = field(default_factory=dict)

    @property
    def years(self) -> float:
        return float(self.configs[self.reference].years)


def _run_quiet(params: Params) -> RunResult:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return run(params)


def _collect(pool: Executor, todo, results: dict, cache: RunCache | None, cancel: threading.Event | None) -> None:
    """Submit runs to ``pool`` and gather them; runs already under way when cancelled still fill the cache."""
    futures = []
    for name, rep, p in todo:
        fut = pool.submit(_run_quiet, p)
        if cache is not None:
            fut.add_done_callback(lambda f, p=p: cache.put(p, f.result()) if not f.cancelled() and
                                  f.exception() is None else None)
        futures.append((name, rep, fut))
    for name, rep, fut in futures:
        if cancel is not None and cancel.is_set():
            for *_, f in futures:
                f.cancel()
            raise Cancelled()
        results[(name, rep)] = fut.result()


def run_paired(configs: dict[str, Params], seeds: list[int], reference: str, *, cache: RunCache | None = None,
               n_jobs: int = 1, executor: Executor | None = None,
               cancel: threading.Event | None = None) -> PairedTables:
    """Run every configuration on every replicate seed and return the tables.

    Args:
        configs: name -> parameters (their ``seed`` is replaced by each replicate seed).
        seeds: replicate seeds (e.g. ``sim.rng.replicate_seeds(base, n)``).
        reference: the configuration the others are compared with (must be in ``configs``).
        cache: finished runs to reuse and fill (keyed by full parameters, seed included).
        n_jobs: worker processes for runs not in the cache (1: run in this thread); ignored when
            ``executor`` is given.
        executor: a running process pool to use (kept warm by the dashboard between calls).
        cancel: when set, stop before the next run and raise :class:`Cancelled`.

    Raises:
        KeyError: ``reference`` is not one of ``configs``.
        Cancelled: ``cancel`` was set.
    """
    if reference not in configs:
        raise KeyError(f"reference {reference!r} is not one of the configurations {list(configs)}")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    jobs = [(name, rep, p.replace(seed=int(s))) for name, p in configs.items() for rep, s in enumerate(seeds)]
    results: dict[tuple[str, int], RunResult] = {}
    todo = []
    for name, rep, p in jobs:
        hit = cache.get(p) if cache is not None else None
        if hit is not None:
            results[(name, rep)] = hit
        else:
            todo.append((name, rep, p))
    if executor is not None and len(todo) > 1:
        _collect(executor, todo, results, cache, cancel)
    elif n_jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=min(n_jobs, len(todo)), mp_context=get_context("spawn")) as pool:
            _collect(pool, todo, results, cache, cancel)
    else:
        for name, rep, p in todo:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            results[(name, rep)] = run(p)
            if cache is not None:
                cache.put(p, results[(name, rep)])
    tables = {"steps": [], "shocks": [], "areas": []}
    for name, rep, _p in jobs:
        res = results[(name, rep)]
        for kind in tables:
            df = getattr(res, kind).copy()
            df.insert(0, "config", name)
            df.insert(1, "replicate", rep)
            tables[kind].append(df)
    order = list(configs)
    out = {}
    for kind, parts in tables.items():
        df = pd.concat(parts, ignore_index=True)
        df["config"] = pd.Categorical(df["config"], categories=order, ordered=True)
        out[kind] = df
    meta = {(name, rep): results[(name, rep)].metadata for name, rep, _ in jobs}
    return PairedTables(out["steps"], out["shocks"], out["areas"], dict(configs), [int(s) for s in seeds],
                        reference, meta)
