"""Run many simulations in worker processes; each run writes its own result directory.

Runs started from country data take the validated :class:`~sim.country.CountryData` along
(it is pickled to each worker with the job; the files are read once, by the parent).
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from sim.country import CountryData
from sim.params import Params

__all__ = ["run_many", "default_jobs"]


def default_jobs(n_jobs: int | None) -> int:
    if n_jobs is None or n_jobs <= 0:
        return max(1, os.cpu_count() or 1)
    return int(n_jobs)


def _run_one(params: Params, out_dir: str, extra: dict, country: CountryData | None = None) -> tuple[str, float]:
    import logging

    logging.getLogger("MESA").setLevel(logging.WARNING)
    from sim.results import run
    from sim.store import write_run

    t0 = time.perf_counter()
    result = run(params, country)
    write_run(result, out_dir, extra_meta=extra)
    return out_dir, time.perf_counter() - t0


def run_many(jobs: list[tuple[Params, Path, dict]], n_jobs: int | None = None, progress: bool = True,
             country: CountryData | None = None) -> list[str]:
    """Run ``(params, out_dir, extra_metadata)`` jobs; returns the run directories in job order.

    Args:
        jobs: one tuple per run.
        n_jobs: worker processes (None or <= 0: all cores).
        progress: show a progress bar on stderr.
        country: country data every run starts from (None: the synthetic country).
    """
    n = default_jobs(n_jobs)
    done: dict[int, str] = {}
    t0 = time.perf_counter()
    if n == 1:
        for i, (p, d, e) in enumerate(jobs):
            done[i], _ = _run_one(p, str(d), e, country)
            _progress(progress, len(done), len(jobs), t0)
    else:
        with ProcessPoolExecutor(max_workers=n) as pool:
            futs = {pool.submit(_run_one, p, str(d), e, country): i for i, (p, d, e) in enumerate(jobs)}
            for fut in as_completed(futs):
                done[futs[fut]], _ = fut.result()
                _progress(progress, len(done), len(jobs), t0)
    if progress and sys.stderr.isatty():
        print(file=sys.stderr)
    return [done[i] for i in range(len(jobs))]


def _progress(show: bool, k: int, n: int, t0: float) -> None:
    """A progress bar with counts and ETA; on a non-terminal, one line per tenth of the runs."""
    if not show:
        return
    tty = sys.stderr.isatty()
    if not tty and k != n and k % max(1, n // 10):
        return
    el = time.perf_counter() - t0
    eta = el / k * (n - k) if k else 0.0
    bar = "#" * int(30 * k / n)
    line = f"  runs [{bar:<30}] {k}/{n}  {el:5.1f}s elapsed, ~{eta:5.1f}s left"
    print(("\r" + line) if tty else line, end="" if tty else "\n", file=sys.stderr, flush=True)
