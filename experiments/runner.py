"""The one runner: every path that runs many model evaluations on this machine goes through it.

:class:`Runner` is a pool of worker processes (or this process, with one job) with one start
method (``forkserver``: workers do not inherit the parent's threads, which a fork with threads
can deadlock on; the fork server imports the model once, :data:`PRELOAD`), workers that exit when their
parent is gone, a warm start (:meth:`Runner.start` starts the workers while the caller does other work), ordered results, one
progress bar (:class:`Progress`) and cancellation (a ``threading.Event``; :class:`Cancelled`).
:class:`RunCache` keeps finished runs keyed by their full parameters.

Used by the grid behind ``capsim compare`` (:func:`run_many`), paired runs and the live page
(``experiments/advocacy/``), the studies' evaluator (``experiments/studies/evaluate.py``) and the
sweeps' local launcher (``hydra_plugins/capsim_launcher/capsim_launcher.py``, on the pool a sweep starts while
it plans: :func:`shared`). On a SLURM cluster the same work goes through
``experiments/cluster.py``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterable

from experiments.logs import quiet_mesa
from sim.country import CountryData
from sim.params import Params

__all__ = ["Runner", "Progress", "RunCache", "Cancelled", "run_many", "default_jobs", "shared", "START_METHOD"]

START_METHOD = "forkserver"


class Cancelled(Exception):
    """The caller asked to stop (for example a newer lever change superseded this computation)."""


def default_jobs(n_jobs: int | None) -> int:
    """Worker processes for a request: None or <= 0 means every core."""
    if n_jobs is None or n_jobs <= 0:
        return max(1, os.cpu_count() or 1)
    return int(n_jobs)


class Progress:
    """The progress bar of every multi-run path: counts and an ETA on a terminal (one line redrawn),
    one line per tenth of the work elsewhere (logs, CI).

    Args:
        total: units of work.
        what: what a unit is called ("runs", "batches").
        show: False prints nothing.
    """

    def __init__(self, total: int, what: str = "runs", show: bool = True):
        self.total, self.what, self.show = int(total), what, show
        self.t0 = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        if not self.show or self.total <= 0:
            return
        if not self.tty and done != self.total and done % max(1, self.total // 10):
            return
        el = time.perf_counter() - self.t0
        eta = el / done * (self.total - done) if done else 0.0
        bar = "#" * int(30 * done / self.total)
        line = f"  {self.what} [{bar:<30}] {done}/{self.total}  {el:5.1f}s elapsed, ~{eta:5.1f}s left"
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.show and self.tty and self.total > 0:
            print(file=sys.stderr)


def _watch_parent(parent: int) -> None:
    """Exit when the process that made the pool is gone (with forkserver the worker's own parent is the
    fork server, so the pool's maker is watched by its pid)."""
    def watch() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass
            time.sleep(1.0)

    threading.Thread(target=watch, name="capsim-parent-watch", daemon=True).start()


def _worker_start(parent: int, initializer: Callable | None, initargs: tuple) -> None:
    """Every worker: quiet Mesa, exit when the parent is gone however it ended, then the caller's set-up."""
    quiet_mesa()
    _watch_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def load_model() -> None:
    """Import what a model run needs (the model, Mesa, pandas for its tables), Mesa quieted: about 1.6 s of one
    core here.

    The fork server does this once before it forks any worker (:data:`PRELOAD`), so a pool's workers start with
    the model imported, however many it has. Each worker still imports numba and loads the model's compiled kernels
    (``sim/jit.py``, about 1.1 s here) at its first run, the workers in parallel: done once in the fork server,
    they delayed the first worker's start by more than they saved (measured in ``docs/bench/README.md``)."""
    quiet_mesa()
    import sim.results  # noqa: F401 - the model (sim.model) and its tables


# Imported by the fork server before it forks the first worker (``multiprocessing``'s forkserver preload):
# ``experiments/preload.py`` calls :func:`load_model`.
PRELOAD = "experiments.preload"


def _pid(hold: float = 0.0) -> int:
    load_model()  # (nothing left to do in a worker forked after the preload)
    time.sleep(hold)  # a busy worker cannot take the next task: each worker answers once
    return os.getpid()


def _warm_pid(hold: float = 0.0) -> int:
    """:func:`_pid`, and one week of a default model: the worker loads the model's compiled kernels
    (``sim/jit.py``) now rather than in its first run."""
    from sim.model import CapacityModel
    from sim.params import Params

    CapacityModel(Params.from_dict({"years": 0.1})).step()
    return _pid(hold)


def _context():
    """The start method's context, with the fork server told to load the model before it forks (:data:`PRELOAD`;
    effective when the fork server starts, i.e. for this process's first pool)."""
    ctx = get_context(START_METHOD)
    if START_METHOD == "forkserver":
        ctx.set_forkserver_preload([PRELOAD])
    return ctx


def _start_workers(pool: ProcessPoolExecutor, n: int) -> None:
    """Start ``n`` workers of ``pool`` (each imports the model, :func:`_pid`)."""
    try:
        for _ in range(n):
            pool.submit(_pid, 0.0)
    except RuntimeError:  # the pool was shut down (or broke) meanwhile: its users see that themselves
        pass


class Runner:
    """A pool of worker processes for model evaluations (this process when ``n_jobs`` is 1).

    Args:
        n_jobs: workers (None or <= 0: every core).
        initializer: called in each worker at start (after Mesa is quieted), e.g. to hold the
            base parameters of a study.
        initargs: its arguments.
    """

    def __init__(self, n_jobs: int | None = None, initializer: Callable | None = None, initargs: tuple = ()):
        self.n = default_jobs(n_jobs)
        self.initializer, self.initargs = initializer, initargs
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._local_ready = False

    # -------------------------------------------------------------- lifecycle
    def pool(self) -> ProcessPoolExecutor | None:
        """The worker pool (started on first use; None when running in this process)."""
        if self.n == 1:
            if not self._local_ready:
                quiet_mesa()
                if self.initializer is not None:
                    self.initializer(*self.initargs)
                self._local_ready = True
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.n, mp_context=_context(),
                                                 initializer=_worker_start,
                                                 initargs=(os.getpid(), self.initializer, self.initargs))
            return self._pool

    def start(self, workers: int | None = None) -> "Runner":
        """Start the workers and their imports now (returns at once; the work goes on in the workers).

        Args:
            workers: how many to start now (default: all); the others start with the first work
                submitted. On a machine with as many cores as workers, starting one leaves a core to
                the caller while it plans.
        """
        pool = self.pool()
        if pool is not None:
            n = self.n if workers is None else max(1, min(int(workers), self.n))
            # Starting a worker waits for the fork server's preload (:data:`PRELOAD`, about 1.6 s here): started
            # from a thread, so that the caller goes on meanwhile (its own first ``submit`` waits for them).
            threading.Thread(target=_start_workers, args=(pool, n), name="capsim-workers-start", daemon=True).start()
        return self

    def warm(self) -> list[int]:
        """Start the workers and wait until each has imported the model and loaded its kernels; returns their pids."""
        pool = self.pool()
        if pool is None:
            return [os.getpid()]
        return sorted(set(pool.map(_warm_pid, [0.3] * self.n)))

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------- work
    @property
    def offload(self) -> Callable | None:
        """:meth:`submit` when there are worker processes to hand work to (e.g. a report's bootstraps and
        figures, ``analysis/report.py``); None when the work would run in this process anyway."""
        return self.submit if self.n > 1 else None

    def submit(self, fn: Callable, *args) -> Future:
        """Run ``fn(*args)`` in a worker (in this process with one job); returns a future."""
        pool = self.pool()
        if pool is not None:
            return pool.submit(fn, *args)
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except BaseException as e:  # noqa: BLE001 - handed to the caller through the future
            fut.set_exception(e)
        return fut

    def map(self, fn: Callable, items: Iterable, progress: bool = True, what: str = "runs",
            cancel: threading.Event | None = None, on_result: Callable[[int, Any], None] | None = None) -> list:
        """``[fn(item) for item in items]``, in workers, results in the items' order.

        Args:
            fn: a module-level function (it is sent to the workers by reference).
            items: one argument each.
            progress: show :class:`Progress` on stderr.
            what: what the progress bar counts.
            cancel: when set, pending work is cancelled and :class:`Cancelled` raised (work already
                under way finishes in its worker and still reaches ``on_result``).
            on_result: called with (index, result) as each finishes, e.g. to fill a cache.
        """
        items = list(items)
        bar = Progress(len(items), what, progress)
        out: list = [None] * len(items)
        try:
            pool = self.pool()
            if pool is None:
                for i, item in enumerate(items):
                    if cancel is not None and cancel.is_set():
                        raise Cancelled()
                    out[i] = fn(item)
                    if on_result is not None:
                        on_result(i, out[i])
                    bar.update(i + 1)
                return out
            futures = [pool.submit(fn, item) for item in items]
            if on_result is not None:
                for i, f in enumerate(futures):
                    f.add_done_callback(lambda f, i=i: on_result(i, f.result())
                                        if not f.cancelled() and f.exception() is None else None)
            remaining = set(range(len(futures)))
            while remaining:
                if cancel is not None and cancel.is_set():
                    for f in futures:
                        f.cancel()
                    raise Cancelled()
                # Wake up now and then to look at the cancel flag, else only when work finishes.
                wait([futures[i] for i in remaining], timeout=0.05 if cancel is not None else None,
                     return_when=FIRST_COMPLETED)
                done = [i for i in remaining if futures[i].done()]
                for i in done:
                    out[i] = futures[i].result()
                    remaining.discard(i)
                if done:
                    bar.update(len(items) - len(remaining))
            return out
        finally:
            bar.close()


_SHARED: dict[int, Runner] = {}
_SHARED_LOCK = threading.Lock()


def shared(n_jobs: int | None = None) -> Runner:
    """The process's runner for ``n_jobs`` workers (one per size), e.g. started by a sweep while it plans
    and used by its launcher."""
    n = default_jobs(n_jobs)
    with _SHARED_LOCK:
        if n not in _SHARED:
            _SHARED[n] = Runner(n)
        return _SHARED[n]


class RunCache:
    """A thread-safe, bounded cache of finished runs keyed by their full parameters (``sim.store.run_id``).

    Args:
        max_runs: most runs kept; the least recently used is dropped first.
    """

    def __init__(self, max_runs: int = 256):
        self.max_runs = int(max_runs)
        self._runs: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, params: Params):
        from sim.store import run_id

        key = run_id(params)
        with self._lock:
            res = self._runs.get(key)
            if res is None:
                self.misses += 1
                return None
            self._runs.move_to_end(key)
            self.hits += 1
            return res

    def put(self, params: Params, result) -> None:
        from sim.store import run_id

        key = run_id(params)
        with self._lock:
            self._runs[key] = result
            self._runs.move_to_end(key)
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)

    def __len__(self) -> int:
        return len(self._runs)


# ------------------------------------------------------------------ runs written to directories
START_PROBE = "CAPSIM_FIRST_RUN_FILE"  # ``capsim bench``'s probe of a sweep's start-up (experiments/bench)


def note_first_start() -> None:
    """With ``CAPSIM_FIRST_RUN_FILE`` set, the first run to start writes the wall-clock time to that
    file (created exclusively, so later runs leave it): how ``capsim bench`` times a sweep's start-up."""
    path = os.environ.get(START_PROBE)
    if not path:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(repr(time.time()))


def _run_one(job: tuple) -> tuple[str, float]:
    from sim.results import run
    from sim.store import write_run

    params, out_dir, extra, country = job
    note_first_start()
    t0 = time.perf_counter()
    result = run(params, country)
    write_run(result, out_dir, extra_meta=extra)
    return out_dir, time.perf_counter() - t0


def run_many(jobs: list[tuple[Params, Path, dict]], n_jobs: int | None = None, progress: bool = True,
             country: CountryData | None = None, runner: Runner | None = None) -> list[str]:
    """Run ``(params, out_dir, extra_metadata)`` jobs, each written to its directory; returns the directories.

    Args:
        jobs: one tuple per run.
        n_jobs: worker processes (None or <= 0: all cores).
        progress: show a progress bar on stderr.
        country: country data every run starts from (None: the synthetic country); read once by
            the parent and sent with each job.
        runner: the workers to use, left running (e.g. started while the caller planned, and used after
            for its report's figures); None: a pool of ``n_jobs`` workers for these runs alone.
    """
    items = [(p, str(d), e, country) for p, d, e in jobs]
    if runner is not None:
        return [d for d, _ in runner.map(_run_one, items, progress=progress)]
    with Runner(n_jobs) as own:
        results = own.map(_run_one, items, progress=progress)
    return [d for d, _ in results]
