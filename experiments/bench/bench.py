"""`capsim bench`: speed and memory of the model, with Mesa's BoltzmannWealth as reference.

Measured in one run, so that ratios are meaningful on a noisy machine:

* **Reference**: Mesa's own ``BoltzmannWealth`` example at 10,000 agents on a 100 x 100 grid,
  timed the way Mesa's benchmark suite times it (a warm-up model first; the garbage collector
  off while timing; for each of several seeds the best of several replications of
  ``steps`` steps), giving microseconds per agent-step (median over seeds).
* **This model** at the default size and at 2x, 4x and 8x (areas, organisations, staff and
  budgets scaled together): seconds per simulated year, microseconds per step and
  entity-updates per second (organisations + staff + area-sector cells, per step), medians of
  ``repetitions`` runs with min and max. The headline ratio is entity-updates per second over
  BoltzmannWealth's agent-steps per second; the scaling exponent is the log-log slope of time
  per step against size.
* **Sweep throughput**: 40 runs with 1 and with 2 worker processes; parallel efficiency
  ``T1 / (2 T2)``.
* **Memory**: peak resident memory of one default run and of the 8x run, each in a fresh process.
* **Where users wait** (commands timed from outside, as a user starts them): ``capsim run`` of one
  default 10-year run; a sweep's start-up, from the command to its first run starting (read from
  the probe ``experiments.runner.note_first_start`` writes); and ``capsim compare`` at its
  defaults (80 runs of 10 years and the report). Each a median of ``command_repeats``.
* **Provenance**: the commit measured, and whether the model or tools had uncommitted changes
  (``tests/test_bench.py`` fails when the committed ``docs/bench/bench.json`` is older than the
  last change to ``sim/``).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["scaled_params", "bench_boltzmann", "bench_model", "bench_ratio", "bench_sweep", "peak_memory_mb", "bench_commands",
           "measured_commit", "run_bench", "main"]

logging.getLogger("MESA").setLevel(logging.WARNING)


def scaled_params(scale: int, years: float, seed: int = 0, base: dict | None = None):
    """Default parameters with the country scaled by ``scale`` (sizes and budgets together)."""
    from sim.params import Params

    p = Params.from_dict(base or {})
    w, f = p.world, p.funding
    world = {k: getattr(w, k) * scale for k in ("n_areas", "n_local_ngos", "n_community_orgs",
                                                  "n_national_authorities", "n_ingos", "n_un_agencies", "n_staff")}
    funding = {"annual_budget": f.annual_budget * scale, "domestic_budget": f.domestic_budget * scale}
    return Params.from_dict({**(base or {}), "years": years, "seed": seed,
                             "world": {**(base or {}).get("world", {}), **world},
                             "funding": {**(base or {}).get("funding", {}), **funding}})


def _entities(params) -> int:
    w = params.world
    orgs = w.n_local_ngos + w.n_community_orgs + w.n_national_authorities + w.n_ingos + w.n_un_agencies
    return orgs + w.n_staff + w.n_areas * w.n_sectors


def _boltzmann(n: int, seed: int):
    """Mesa's BoltzmannWealth with ``n`` agents on a square grid: the reference model."""
    from mesa.examples import BoltzmannWealth
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario

    side = int(round(np.sqrt(n)))
    return BoltzmannWealth(scenario=BoltzmannScenario(rng=seed, n=n, width=side, height=side))


def _boltzmann_us(n: int, seed: int, steps: int) -> float:
    """Microseconds per agent-step of one BoltzmannWealth run of ``steps`` steps (garbage collector off)."""
    model = _boltzmann(n, seed)
    gc.disable()
    t0 = time.perf_counter()
    model.run_for(steps)
    dt = time.perf_counter() - t0
    gc.enable()
    return dt / (n * steps) * 1e6


def _model_seconds(params) -> tuple[float, float]:
    """Seconds to build this model and seconds per step to run it to its horizon (garbage collector off)."""
    from sim.model import CapacityModel

    gc.collect()
    gc.disable()
    t0 = time.perf_counter()
    model = CapacityModel(params)
    t1 = time.perf_counter()
    for _ in range(model.n_steps):
        model.step()
    t2 = time.perf_counter()
    gc.enable()
    return t1 - t0, (t2 - t1) / model.n_steps


def bench_boltzmann(n: int = 10_000, steps: int = 10, seeds=(1, 2, 3), replications: int = 3) -> dict:
    """Microseconds per agent-step of Mesa's BoltzmannWealth (best of replications, median of seeds)."""
    _boltzmann(n, 0).run_for(2)  # warm up
    per_seed = [min(_boltzmann_us(n, seed, steps) for _ in range(replications)) for seed in seeds]
    us = statistics.median(per_seed)
    return {"agents": n, "steps": steps, "seeds": list(seeds), "replications": replications,
            "us_per_agent_step": us, "us_per_agent_step_min": min(per_seed), "us_per_agent_step_max": max(per_seed),
            "agent_steps_per_second": 1e6 / us}


def bench_model(scale: int, years: float = 2.0, repetitions: int = 5) -> dict:
    """Time the model at one scale: median (min, max) over repetitions with different seeds."""
    _model_seconds(scaled_params(scale, 0.1, seed=999))  # warm up
    timed = [_model_seconds(scaled_params(scale, years, seed=rep)) for rep in range(repetitions)]
    init_times, step_times = [t[0] for t in timed], [t[1] for t in timed]
    ent = _entities(scaled_params(scale, years))
    med = statistics.median(step_times)
    return {
        "scale": scale, "entities": ent, "years": years, "repetitions": repetitions,
        "us_per_step": med * 1e6, "us_per_step_min": min(step_times) * 1e6, "us_per_step_max": max(step_times) * 1e6,
        "seconds_per_year": med * 52, "seconds_per_year_min": min(step_times) * 52,
        "seconds_per_year_max": max(step_times) * 52, "init_seconds": statistics.median(init_times),
        "entity_updates_per_second": ent / med, "entity_updates_per_second_min": ent / max(step_times),
        "entity_updates_per_second_max": ent / min(step_times),
    }


def bench_ratio(pairs: int = 9, years: float = 2.0, boltzmann_agents: int = 10_000, steps: int = 10,
                seeds=(1, 2, 3)) -> dict:
    """The headline ratio measured in back-to-back pairs: this machine's speed moves by more than any change
    (the same model's step took 2,835-4,625 us in three bench runs, and a 1.8x swing within minutes was
    seen), and the reference and the model, timed minutes apart, each met another machine. Each pair times
    BoltzmannWealth (``steps`` steps of ``boltzmann_agents`` agents, the seed rotating over ``seeds``) and
    one default-size run of ``years`` (seed = pair) within a couple of seconds, in alternating order; the
    pair's ratio is this model's entity-updates per second over BoltzmannWealth's agent-steps per second.
    Returns the pairs' ratios, their median (the headline) and range.
    """
    entities = _entities(scaled_params(1, years))

    def reference(i: int) -> float:  # us per agent-step
        return _boltzmann_us(boltzmann_agents, seeds[i % len(seeds)], steps)

    def ours(i: int) -> float:  # us per step
        return _model_seconds(scaled_params(1, years, seed=i))[1] * 1e6

    _boltzmann(boltzmann_agents, 0).run_for(2)  # warm both up (imports, caches)
    _model_seconds(scaled_params(1, 0.1, seed=999))
    rows = []
    for i in range(pairs):
        if i % 2 == 0:
            ref_us, model_us = reference(i), ours(i)
        else:
            model_us, ref_us = ours(i), reference(i)
        rows.append({"boltzmann_us_per_agent_step": ref_us, "model_us_per_step": model_us,
                     "ratio": entities * ref_us / model_us})
    ratios = [r["ratio"] for r in rows]
    return {"pairs": pairs, "years": years, "boltzmann_agents": boltzmann_agents, "boltzmann_steps": steps,
            "entities": entities, "rows": rows, "ratio_median": statistics.median(ratios),
            "ratio_min": min(ratios), "ratio_max": max(ratios)}


def bench_sweep(n_runs: int = 40, years: float = 2.0, repeats: int = 1) -> dict:
    """Wall time of ``n_runs`` default-size runs with 1 and 2 worker processes.

    With one worker the runs go on in this process, which has imported the model already; two
    workers are separate processes that import it first. The efficiency of the runs compares the two
    with the workers started and warm before the clock starts (``seconds_2_workers_warm``); the
    end-to-end figure (``seconds_2_workers``, as measured before) includes starting them
    (``worker_start_seconds``: the pool's start-up until both have imported the model).
    """
    import tempfile

    from experiments.runner import Runner, run_many

    def jobs(tmp):
        return [(scaled_params(1, years, seed=i), Path(tmp) / f"r{i:03d}", {}) for i in range(n_runs)]

    def once(workers):
        with tempfile.TemporaryDirectory() as tmp:
            todo = jobs(tmp)
            t0 = time.perf_counter()
            run_many(todo, n_jobs=workers, progress=False)
            return time.perf_counter() - t0

    def warm_once():
        with tempfile.TemporaryDirectory() as tmp, Runner(2) as runner:
            todo = jobs(tmp)
            t0 = time.perf_counter()
            runner.warm()
            t1 = time.perf_counter()
            run_many(todo, progress=False, runner=runner)
            return time.perf_counter() - t1, t1 - t0

    t1, t2, t2w, start = [], [], [], []
    for _ in range(repeats):  # alternating, so that a busy spell on the machine hits each
        t1.append(once(1))
        t2.append(once(2))
        w, s = warm_once()
        t2w.append(w)
        start.append(s)
    m1, m2, m2w = statistics.median(t1), statistics.median(t2), statistics.median(t2w)
    return {"runs": n_runs, "years": years, "repeats": repeats, "seconds_1_worker": m1, "seconds_2_workers": m2,
            "speedup": m1 / m2, "parallel_efficiency": m1 / (2 * m2),
            "seconds_2_workers_warm": m2w, "parallel_efficiency_warm": m1 / (2 * m2w),
            "worker_start_seconds": statistics.median(start),
            "all_1_worker": t1, "all_2_workers": t2, "all_2_workers_warm": t2w, "all_worker_start": start}


# The child reports VmHWM (peak resident set of its own address space, kB), not getrusage's
# ru_maxrss: Linux keeps ru_maxrss across fork and exec, so a child started by a large parent
# would report the parent's size (seen here: 301 MB for every scale when the bench process was
# that big, 159 MB for the same run started from a small process).
_MEM_CHILD = """
import logging
logging.getLogger("MESA").setLevel(logging.WARNING)
from experiments.bench.bench import scaled_params
from sim.results import run
run(scaled_params({scale}, {years}, seed=1))
with open("/proc/self/status") as f:
    print(next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")))
"""


def peak_memory_mb(scale: int, years: float = 10.0) -> float:
    """Peak resident memory (MB) of one full run (model + result tables) in a fresh process."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", _MEM_CHILD.format(scale=scale, years=years)], cwd=root,
                         capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(root)})
    return int(out.stdout.strip().splitlines()[-1]) / 1024.0


ROOT = Path(__file__).resolve().parents[2]


def measured_commit() -> dict:
    """The commit being measured and whether ``sim/``, ``experiments/`` or ``configs/`` differ from it."""
    def git(*args):
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--", "sim", "experiments", "configs", "hydra_plugins")
    return {"commit": commit, "uncommitted_changes": bool(dirty) if dirty is not None else None}


def _capsim_command() -> list[str]:
    """How a user starts capsim here: the installed console script, else the module."""
    script = Path(sys.executable).with_name("capsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "experiments.cli.main"]


def _timed(args: list[str], cwd: Path, probe: Path | None = None) -> tuple[float, float | None, str]:
    """Wall time of one capsim command; with ``probe``, also seconds until its first run started."""
    from experiments.runner import START_PROBE

    env = {**os.environ}
    if probe is not None:
        env[START_PROBE] = str(probe)
    t0_wall, t0 = time.time(), time.perf_counter()
    out = subprocess.run([*_capsim_command(), *args], cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"capsim {' '.join(args)} failed: {(out.stderr or out.stdout).strip().splitlines()[-1:]}")
    first = float(probe.read_text()) - t0_wall if probe is not None and probe.exists() else None
    return wall, first, out.stdout


def bench_commands(repeats: int = 3, compare_repeats: int = 1, quick: bool = False) -> dict:
    """Where users wait: one ``capsim run``, a sweep's start-up and ``capsim compare`` (medians)."""
    import re
    import tempfile

    years = ["years=0.2"] if quick else []
    cmp_size = ["years=0.2", "compare.replicates=2", "compare.window_years=0.2"] if quick else []
    runs, starts, sweeps, compares, parts = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i in range(repeats):
            wall, _, _ = _timed(["run", *years, f"hydra.run.dir={tmp / f'run{i}'}"], ROOT)
            runs.append(wall)
            probe = tmp / f"first{i}"
            wall, first, _ = _timed(["sweep", "experiment=regime_comparison", "replicates=1", "years=0.1",
                                     f"hydra.sweep.dir={tmp / f'sweep{i}'}"], ROOT, probe)
            sweeps.append(wall)
            starts.append(first if first is not None else float("nan"))
        for i in range(compare_repeats):
            wall, _, out = _timed(["compare", *cmp_size, f"hydra.run.dir={tmp / f'compare{i}'}"], ROOT)
            compares.append(wall)
            m = re.search(r"runs in ([0-9.]+)s, report in ([0-9.]+)s", out)
            if m:
                parts.append((float(m.group(1)), float(m.group(2))))
    med = statistics.median
    return {
        "repeats": repeats, "quick": quick,
        "run_seconds": med(runs), "all_run_seconds": runs,
        "run_command": "capsim run" + (" years=0.2" if quick else " (10 years, default size)"),
        "sweep_start_seconds": med(starts), "all_sweep_start_seconds": starts,
        "sweep_seconds": med(sweeps),
        "sweep_command": "capsim sweep experiment=regime_comparison replicates=1 years=0.1 (4 runs)",
        "compare_seconds": med(compares), "all_compare_seconds": compares,
        "compare_runs_seconds": med([r for r, _ in parts]) if parts else None,
        "compare_report_seconds": med([r for _, r in parts]) if parts else None,
        "compare_command": "capsim compare" + (" years=0.2 compare.replicates=2 compare.window_years=0.2" if quick else " (defaults: 80 runs of 10 years)"),
    }


def machine() -> dict:
    import mesa
    import pandas

    return {"cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "mesa": mesa.__version__, "pandas": pandas.__version__, "platform": platform.platform(),
            "processor": platform.processor() or platform.machine()}


def run_bench(scales=(1, 2, 4, 8), years: float = 2.0, repetitions: int = 5, boltzmann_agents: int = 10_000,
              sweep_runs: int = 40, sweep_years: float = 2.0, memory_years: float = 10.0, quick: bool = False,
              command_repeats: int = 3, compare_repeats: int = 1) -> dict:
    t0 = time.perf_counter()
    provenance = measured_commit()
    paired = bench_ratio(pairs=2 if quick else 9, years=years, boltzmann_agents=boltzmann_agents)
    ref = bench_boltzmann(n=boltzmann_agents, seeds=(1,) if quick else (1, 2, 3), replications=1 if quick else 3)
    models = [bench_model(s, years, repetitions) for s in scales]
    x = np.log([m["entities"] for m in models])
    y = np.log([m["us_per_step"] for m in models])
    exponent = float(np.polyfit(x, y, 1)[0]) if len(models) > 1 else float("nan")
    default = models[0]
    sweep = bench_sweep(sweep_runs, sweep_years, repeats=1 if quick else repetitions)  # medians
    memory = {"default_run_mb": peak_memory_mb(scales[0], memory_years),
              f"{scales[-1]}x_run_mb": peak_memory_mb(scales[-1], memory_years), "years": memory_years}
    commands = bench_commands(command_repeats, compare_repeats, quick=quick)
    return {
        **provenance,
        "machine": machine(),
        "boltzmann_wealth": ref,
        "model": models,
        "paired_ratio": paired,
        "headline": {
            "entity_updates_per_second_default": default["entity_updates_per_second"],
            "boltzmann_agent_steps_per_second": ref["agent_steps_per_second"],
            "ratio_vs_boltzmann": paired["ratio_median"],
            "ratio_vs_boltzmann_pairs_range": [paired["ratio_min"], paired["ratio_max"]],
            "ratio_vs_boltzmann_separate": default["entity_updates_per_second"] / ref["agent_steps_per_second"],
            "scaling_exponent": exponent,
            "parallel_efficiency_2_workers": sweep["parallel_efficiency"],
            "parallel_efficiency_2_workers_warm": sweep["parallel_efficiency_warm"],
            "peak_memory_default_mb": memory["default_run_mb"],
            f"peak_memory_{scales[-1]}x_mb": memory[f"{scales[-1]}x_run_mb"],
            "capsim_run_seconds": commands["run_seconds"],
            "sweep_start_seconds": commands["sweep_start_seconds"],
            "capsim_compare_seconds": commands["compare_seconds"],
        },
        "commands": commands,
        "sweep": sweep,
        "memory": memory,
        "elapsed_seconds": time.perf_counter() - t0,
    }


def format_table(res: dict) -> str:
    ref = res["boltzmann_wealth"]
    lines = [f"machine: {res['machine']['cores']} cores, Python {res['machine']['python']}, numpy "
             f"{res['machine']['numpy']}, Mesa {res['machine']['mesa']}",
             f"BoltzmannWealth ({ref['agents']} agents): {ref['us_per_agent_step']:.2f} us/agent-step "
             f"(min {ref['us_per_agent_step_min']:.2f}, max {ref['us_per_agent_step_max']:.2f}) = "
             f"{ref['agent_steps_per_second']:,.0f} agent-steps/s", "",
             f"{'scale':>5} {'entities':>9} {'us/step (min-max)':>26} {'s/sim-year':>11} {'entity-updates/s (min-max)':>36}"]
    for m in res["model"]:
        lines.append(f"{m['scale']:>4}x {m['entities']:>9,} {m['us_per_step']:>10,.0f} ({m['us_per_step_min']:,.0f}-"
                     f"{m['us_per_step_max']:,.0f}) {m['seconds_per_year']:>11.3f} {m['entity_updates_per_second']:>14,.0f} "
                     f"({m['entity_updates_per_second_min']:,.0f}-{m['entity_updates_per_second_max']:,.0f})")
    h, s = res["headline"], res["sweep"]
    pr = res.get("paired_ratio")
    paired = (f" (median of {pr['pairs']} back-to-back pairs, range {pr['ratio_min']:.1f}-{pr['ratio_max']:.1f}x; "
              f"from the separate measurements above {h['ratio_vs_boltzmann_separate']:.1f}x)" if pr else "")
    lines += ["", f"entity-updates/s vs BoltzmannWealth agent-steps/s: {h['ratio_vs_boltzmann']:.1f}x{paired}",
              f"scaling exponent (log-log slope of time per step vs entities): {h['scaling_exponent']:.3f}",
              f"sweep of {s['runs']} runs: {s['seconds_1_worker']:.1f}s with 1 worker, {s['seconds_2_workers']:.1f}s "
              f"with 2: speedup {s['speedup']:.2f}, parallel efficiency {s['parallel_efficiency']:.2f} (with the "
              f"workers' start-up, {s['worker_start_seconds']:.1f}s); with 2 warm workers {s['seconds_2_workers_warm']:.1f}s: "
              f"parallel efficiency {s['parallel_efficiency_warm']:.2f}",
              "peak memory: " + ", ".join(f"{k} {v:.0f} MB" for k, v in res["memory"].items() if k.endswith("_mb"))]
    c = res.get("commands")
    if c:
        split = (f" (runs {c['compare_runs_seconds']:.1f} s, report {c['compare_report_seconds']:.1f} s)"
                 if c.get("compare_runs_seconds") is not None else "")
        lines += [f"{c['run_command']}: {c['run_seconds']:.1f} s",
                  f"sweep start-up, command to first run: {c['sweep_start_seconds']:.2f} s ({c['sweep_command']})",
                  f"{c['compare_command']}: {c['compare_seconds']:.1f} s{split}"]
    if res.get("commit"):
        lines.append(f"measured on commit {res['commit'][:10]}"
                     + (" with uncommitted changes" if res.get("uncommitted_changes") else ""))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """``capsim bench [--quick] [--out FILE.json] [--repetitions N] [--years Y] [--compare-repeats N]``"""
    from experiments.config import UsageError

    out = Path("outputs/bench/bench.json")
    kwargs: dict = {}
    it = iter(argv)
    for a in it:
        if a == "--quick":
            kwargs.update(scales=(1, 2), years=0.5, repetitions=2, boltzmann_agents=2000, sweep_runs=4,
                          sweep_years=0.2, memory_years=0.5, quick=True, command_repeats=1)
        elif a in ("--out", "--repetitions", "--years", "--compare-repeats"):
            try:
                val = next(it)
            except StopIteration:
                raise UsageError(f"{a} needs a value") from None
            if a == "--out":
                out = Path(val)
            else:
                try:
                    num = int(val) if a in ("--repetitions", "--compare-repeats") else float(val)
                except ValueError:
                    raise UsageError(f"{a} = {val!r} is not a number") from None
                if num <= 0:
                    raise UsageError(f"{a} = {val} must be positive")
                kwargs[{"--repetitions": "repetitions", "--years": "years", "--compare-repeats": "compare_repeats"}[a]] = num
        elif a in ("-h", "--help"):
            print(main.__doc__)
            return 0
        else:
            raise UsageError(f"unknown bench option {a!r}; allowed: --quick, --out FILE, --repetitions N, --years Y, "
                             "--compare-repeats N")
    if kwargs.get("repetitions", 5) < 5 and not kwargs.get("quick"):
        print("note: the issue's figures are medians of at least 5 repetitions", file=sys.stderr)
    res = run_bench(**kwargs)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print(format_table(res))
    print(f"\nwritten to {out}")
    return 0
