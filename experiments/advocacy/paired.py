"""Paired runs: named configurations run on the same replicate seeds (common random numbers).

Used by the dashboard (live view, a handful of short runs per lever change) and by
``capsim brief`` (a small comparison of donor packages). Every configuration sees the same
replicate seeds, so the same country, shocks and people: a difference between configurations
is caused by the configuration (``sim/rng.py``). Results carry two identifying columns on top
of ``sim.results.run``'s: ``config`` (the configuration's name) and ``replicate`` (the pairing
key, 0..n-1, as in the sweep directory contract).

Runs go through the one runner (``experiments/runner.py``); its :class:`~experiments.runner.RunCache`
keeps finished runs keyed by their full parameters, so the status quo is run once per seed and a
lever setting seen before returns at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd

from experiments.runner import RunCache, Runner
from sim.params import Params
from sim.store import RunResult

__all__ = ["PairedTables", "run_paired"]


@dataclass
class PairedTables:
    """Tables of paired runs, each with ``config`` and ``replicate`` columns.

    Attributes:
        steps, shocks, areas: the tables of ``sim.results.run``, concatenated.
        configs: configuration name -> its parameters (seed of replicate 0).
        seeds: replicate seeds; ``seeds[replicate]`` is the seed of that replicate everywhere.
        reference: name of the configuration differences are taken against.
        metadata: run metadata per (config, replicate).
        from_cache: how many of this call's runs came from the cache (not run again).
    """

    steps: pd.DataFrame
    shocks: pd.DataFrame
    areas: pd.DataFrame
    configs: dict[str, Params]
    seeds: list[int]
    reference: str
    metadata: dict = field(default_factory=dict)
    from_cache: int = 0

    @property
    def years(self) -> float:
        return float(self.configs[self.reference].years)


def _run(params: Params) -> RunResult:
    from sim.results import run  # imported on first use: the page can answer before the model is loaded

    return run(params)


def run_paired(configs: dict[str, Params], seeds: list[int], reference: str, *, cache: RunCache | None = None,
               n_jobs: int = 1, runner: Runner | None = None,
               cancel: threading.Event | None = None) -> PairedTables:
    """Run every configuration on every replicate seed and return the tables.

    Args:
        configs: name -> parameters (their ``seed`` is replaced by each replicate seed).
        seeds: replicate seeds (e.g. ``sim.rng.replicate_seeds(base, n)``).
        reference: the configuration the others are compared with (must be in ``configs``).
        cache: finished runs to reuse and fill (keyed by full parameters, seed included).
        n_jobs: worker processes for runs not in the cache (1: run in this thread); ignored when
            ``runner`` is given.
        runner: a running :class:`experiments.runner.Runner` to use (kept warm by the page between calls).
        cancel: when set, stop before the next run and raise :class:`Cancelled`.

    Raises:
        KeyError: ``reference`` is not one of ``configs``.
        Cancelled: ``cancel`` was set.
    """
    if reference not in configs:
        raise KeyError(f"reference {reference!r} is not one of the configurations {list(configs)}")
    jobs = [(name, rep, p.replace(seed=int(s))) for name, p in configs.items() for rep, s in enumerate(seeds)]
    results: dict[tuple[str, int], RunResult] = {}
    todo = []
    for name, rep, p in jobs:
        hit = cache.get(p) if cache is not None else None
        if hit is not None:
            results[(name, rep)] = hit
        else:
            todo.append((name, rep, p))
    if todo:
        own = runner is None
        runner = Runner(n_jobs if len(todo) > 1 else 1) if own else runner
        try:
            done = runner.map(_run, [p for _, _, p in todo], progress=False, cancel=cancel,
                              on_result=(lambda i, res: cache.put(todo[i][2], res)) if cache is not None else None)
        finally:
            if own:
                runner.close()
        for (name, rep, _p), res in zip(todo, done):
            results[(name, rep)] = res
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
                        reference, meta, len(jobs) - len(todo))
