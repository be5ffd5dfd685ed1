"""Measure how `capsim sweep` scales: speed-up with 2 workers, peak memory vs run count.

Each measurement runs the real command (``capsim sweep ...`` in a subprocess, into a fresh
directory under ``outputs/benchmarks/``); for memory it samples its whole process tree (the
command, Hydra's launcher and every joblib worker) from ``/proc`` (every 50 ms for ``memory``,
every second for ``default``, not at all while timing the speed-up):

* ``speedup``: a 40-run sweep (regime_comparison, 10 replicates, default world, 10 years)
  with ``hydra.launcher.n_jobs=1`` and ``=2``, alternating, ``--repeats`` times; reports the
  wall times, the median ratio, and whether the merged datasets of 1 and 2 workers are
  identical. Before each repeat it also measures what the machine offers: how much faster
  two processes finish pure-Python work than one (2.0 on two free cores).
* ``memory``: the same sweep shape with 20 and with 500 runs (default world, ``--years``
  years each, 2 workers); reports the peak of the summed RSS (and PSS, which counts pages
  shared between processes once) of the process tree, and the ratio 500 / 20.
* ``default``: ``capsim sweep experiment=regime_comparison`` at its default size, timed.

Usage (from the repository root, after ``bash bootstrap.sh test``)::

    .venv/bin/python experiments/bench/sweep_scaling.py speedup --repeats 3 [--idle 1.8]
    .venv/bin/python experiments/bench/sweep_scaling.py memory
    .venv/bin/python experiments/bench/sweep_scaling.py default

Results are printed and written to ``outputs/benchmarks/sweep_scaling.json``. Time on a
machine shared with other work is noisy: compare ratios measured in one invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "outputs" / "benchmarks"
CAPSIM = [sys.executable, "-m", "experiments.cli.main", "sweep"]
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _tree(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _rss_pss(pid: int) -> tuple[int, int]:
    try:
        with open(f"/proc/{pid}/statm") as f:
            rss = int(f.read().split()[1]) * PAGE
        pss = 0
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
        return rss, pss
    except (OSError, ValueError, IndexError):
        return 0, 0


class TreeMemory:
    """Peak summed RSS and PSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_single_rss = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self):
        while not self._stop.is_set():
            pids = _tree(self.pid)
            sizes = [_rss_pss(p) for p in pids]
            self.peak_rss = max(self.peak_rss, sum(s[0] for s in sizes))
            self.peak_pss = max(self.peak_pss, sum(s[1] for s in sizes))
            self.peak_single_rss = max(self.peak_single_rss, max((s[0] for s in sizes), default=0))
            self.peak_processes = max(self.peak_processes, len(pids))
            self._stop.wait(self.interval)


class _NoMemory:
    peak_rss = peak_pss = peak_single_rss = peak_processes = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def run_sweep(args: list[str], sweep_dir: Path, memory_interval: float | None = 0.05) -> dict:
    """Run `capsim sweep` in a subprocess into a fresh directory; returns time and memory.

    Args:
        args: the arguments after ``capsim sweep``.
        sweep_dir: where the sweep writes (removed first).
        memory_interval: seconds between samples of the process tree's memory; None: do not
            sample. Sampling reads /proc for every process every interval and takes CPU from
            the sweep's two workers on 2 cores (a 1-worker sweep leaves a core free for it),
            so the speed-up is timed without it: with the 50 ms sampler (and four launcher
            jobs per worker) the median speed-up of 3 repeats was 1.41, without both 1.73.
    """
    import resource

    shutil.rmtree(sweep_dir, ignore_errors=True)
    cmd = [*CAPSIM, *args, f"hydra.sweep.dir={sweep_dir}"]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = TreeMemory(proc.pid, memory_interval) if memory_interval else _NoMemory()
    with sampler as mem:
        output, _ = proc.communicate()
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and every worker it waited for
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark sweep failed ({proc.returncode}): {' '.join(cmd)}\n{output}")
    return {"command": "capsim sweep " + " ".join([*args, f"hydra.sweep.dir={sweep_dir}"]), "seconds": elapsed,
            "cpu_seconds": cpu,
            "peak_rss_mb": mem.peak_rss / 2**20, "peak_pss_mb": mem.peak_pss / 2**20,
            "peak_single_process_rss_mb": mem.peak_single_rss / 2**20, "processes": mem.peak_processes}


def _spin(_=None) -> float:
    t = time.perf_counter()
    x = 0
    for i in range(20_000_000):
        x += i
    return time.perf_counter() - t


def machine_parallelism() -> float:
    """How much faster 2 processes get pure-Python work done than 1, right now (2.0 = two free cores).

    Measured next to every repeat so that a sweep's speed-up can be read against what the
    (shared) machine offered at the time.
    """
    from multiprocessing import get_context

    one = _spin()
    with get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [0, 0])  # start-up outside the measurement
        t = time.perf_counter()
        pool.map(_spin, [0, 1], chunksize=1)
        two = time.perf_counter() - t
    return 2 * one / two


def _same_dataset(a: Path, b: Path) -> bool:
    import pandas as pd

    for t in ("steps", "shocks", "areas"):
        if not pd.read_parquet(a / "dataset" / f"{t}.parquet").equals(pd.read_parquet(b / "dataset" / f"{t}.parquet")):
            return False
    return True


def wait_for_two_free_cores(threshold: float, patience_s: float) -> float:
    """Probe every 20 s until two processes run ``threshold`` x as fast as one; returns the last probe."""
    deadline = time.time() + patience_s
    while True:
        machine = machine_parallelism()
        if machine >= threshold or time.time() > deadline:
            return machine
        print(f"  waiting for two free cores (2 processes now {machine:.2f}x one; load "
              f"{os.getloadavg()[0]:.1f})", flush=True)
        time.sleep(20)


def speedup(repeats: int, idle: float | None, patience_s: float) -> dict:
    """1 vs 2 workers on 40 runs, ``repeats`` times; with ``idle``, a repeat counts only if the
    machine offered at least ``idle`` x parallelism just before and just after it."""
    base = ["experiment=regime_comparison", "sweep.replicates=10", "hydra/launcher=joblib"]
    rows, attempts = [], 0
    while len([r for r in rows if r["valid"]]) < repeats and attempts < 4 * repeats:
        attempts += 1
        before = wait_for_two_free_cores(idle, patience_s) if idle else machine_parallelism()
        one = run_sweep([*base, "hydra.launcher.n_jobs=1"], OUT / "speedup_1", memory_interval=None)
        two = run_sweep([*base, "hydra.launcher.n_jobs=2"], OUT / "speedup_2", memory_interval=None)
        after = machine_parallelism()
        same = _same_dataset(OUT / "speedup_1", OUT / "speedup_2")
        valid = idle is None or min(before, after) >= idle
        rows.append({"one_worker_s": one["seconds"], "two_workers_s": two["seconds"],
                     "one_worker_cpu_s": one["cpu_seconds"], "two_workers_cpu_s": two["cpu_seconds"],
                     "ratio": one["seconds"] / two["seconds"], "identical": same,
                     "machine_parallelism_before": before, "machine_parallelism_after": after,
                     "load_average": os.getloadavg()[0], "valid": valid})
        print(f"  attempt {attempts}: 1 worker {one['seconds']:.1f}s, 2 workers {two['seconds']:.1f}s, "
              f"ratio {rows[-1]['ratio']:.2f} (CPU {one['cpu_seconds']:.0f}s vs {two['cpu_seconds']:.0f}s), "
              f"identical data: {same}; machine offered {before:.2f}x before, "
              f"{after:.2f}x after{'' if valid else ' (not counted: cores were busy)'}", flush=True)
    counted = [r for r in rows if r["valid"]] or rows
    result = {"runs": 40, "commands": [one["command"], two["command"]], "attempts": rows,
              "counted": len(counted), "idle_threshold": idle,
              "median_ratio": statistics.median(r["ratio"] for r in counted),
              "median_one_worker_s": statistics.median(r["one_worker_s"] for r in counted),
              "median_two_workers_s": statistics.median(r["two_workers_s"] for r in counted),
              "all_identical": all(r["identical"] for r in rows)}
    print(f"speedup, 40 runs ({len(counted)} repeats counted): median 1 worker {result['median_one_worker_s']:.1f}s, "
          f"2 workers {result['median_two_workers_s']:.1f}s, median ratio {result['median_ratio']:.2f} "
          f"(identical data in every attempt: {result['all_identical']})")
    return result


def memory(years: float) -> dict:
    out = {}
    for n_runs in (20, 500):
        args = ["experiment=regime_comparison", f"sweep.replicates={n_runs // 4}", f"years={years:g}",
                "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
        r = run_sweep(args, OUT / f"memory_{n_runs}")
        out[str(n_runs)] = r
        print(f"  {n_runs} runs: {r['seconds']:.1f}s, peak RSS of the process tree {r['peak_rss_mb']:.0f} MB "
              f"(PSS {r['peak_pss_mb']:.0f} MB, largest process {r['peak_single_process_rss_mb']:.0f} MB, "
              f"{r['processes']} processes)", flush=True)
    out["rss_ratio_500_over_20"] = out["500"]["peak_rss_mb"] / out["20"]["peak_rss_mb"]
    out["pss_ratio_500_over_20"] = out["500"]["peak_pss_mb"] / out["20"]["peak_pss_mb"]
    print(f"memory: peak RSS 500 runs / 20 runs = {out['rss_ratio_500_over_20']:.2f} "
          f"(PSS {out['pss_ratio_500_over_20']:.2f})")
    return out


def default_size() -> dict:
    r = run_sweep(["experiment=regime_comparison"], OUT / "regime_comparison_default", memory_interval=1.0)
    print(f"capsim sweep experiment=regime_comparison (120 runs of 10 years, all cores): {r['seconds']:.1f}s, "
          f"peak RSS {r['peak_rss_mb']:.0f} MB")
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["speedup", "memory", "default", "all"])
    ap.add_argument("--repeats", type=int, default=3, help="repeats of the speed-up measurement (median)")
    ap.add_argument("--years", type=float, default=2.0, help="simulated years per run in the memory measurement")
    ap.add_argument("--idle", type=float, default=None,
                    help="count a speed-up repeat only if 2 processes ran at least this many times as fast as 1 "
                         "just before and after it (e.g. 1.8 on a shared machine); waits for such moments")
    ap.add_argument("--patience", type=float, default=1800, help="seconds to wait for free cores per repeat")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results_file = OUT / "sweep_scaling.json"
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    info = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(),
            "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if a.what in ("speedup", "all"):
        results["speedup"] = {**info, **speedup(a.repeats, a.idle, a.patience)}
    if a.what in ("memory", "all"):
        results["memory"] = {**info, "years": a.years, **memory(a.years)}
    if a.what in ("default", "all"):
        results["default"] = {**info, **default_size()}
    results_file.write_text(json.dumps(results, indent=2))
    print(f"written to {results_file}")


if __name__ == "__main__":
    main()
