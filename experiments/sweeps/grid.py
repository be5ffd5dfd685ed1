"""Run a grid of factor levels x paired replicates into a sweep directory (the sweep contract).

This is the small in-process runner behind ``capsim compare`` (a grid of
configurations on paired seeds); planned experiments, large sweeps, resuming and clusters are the job of
``capsim sweep`` (configs/experiment/). It writes exactly the directory layout that
``capsim sweep`` + ``capsim collect`` write, so ``capsim report`` reads both the same way:
``runs/<run_id>/`` (one run each, atomically, by :func:`sim.store.write_run`),
``manifest.csv``, ``dataset/{steps,shocks,areas}.parquet`` (every run, with ``replicate``
and one column per factor) and ``sweep.json``.

Replicate ``i`` of every configuration uses seed ``replicate_seeds(base_seed, n)[i]``:
common random numbers, so configurations can be compared pair by pair.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

from sim.params import ConfigError, Params
from sim.rng import replicate_seeds

__all__ = ["run_grid", "apply_assignments", "override_strings", "write_manifest_and_dataset"]

def _nest(key: str, value: Any) -> dict:
    out: dict = {}
    cur = out
    parts = key.split(".")
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = value
    return out


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def apply_assignments(params: Params, assignments: dict[str, Any]) -> Params:
    """Parameters with dotted keys set (``{"funding.multi_year_share": 0.6, "regime": "sharing"}``).

    Raises:
        ConfigError: an unknown key or a value out of range (one line).
    """
    data = params.to_dict()
    for k, v in assignments.items():
        data = _merge(data, _nest(k, v))
    return Params.from_dict(data)


def override_strings(assignments: dict[str, Any]) -> list[str]:
    """Hydra-style overrides (``key=value``) of a configuration, as in the manifest."""
    return [f"{k}={v}" for k, v in assignments.items()]


def write_manifest_and_dataset(out_dir: Path, records: list[dict], factors: list[str]) -> None:
    """Write ``manifest.csv`` and the merged ``dataset/`` from completed run directories, with the results
    format's one writer (``sim/store.py``), as ``capsim collect`` does for a sweep.

    Args:
        out_dir: the sweep directory (runs are under ``runs/<run_id>/``).
        records: one dict per run: run_id, status, replicate, seed, overrides (list of str),
            assignments (factor -> value), error.
        factors: the sweep's factors (dotted keys), one dataset column each.
    """
    import pyarrow as pa

    from sim.store import TABLES, DatasetWriter, SweepPaths, read_verified, with_sweep_columns, write_manifest

    paths = SweepPaths(Path(out_dir))
    types = {f: pa.array([rec["assignments"][f] for rec in records]).type for f in factors}
    rows = []
    with DatasetWriter(paths.root) as dataset:
        for rec in records:
            row = {"run_id": rec["run_id"], "status": rec["status"], "replicate": rec["replicate"], "seed": rec["seed"],
                   "overrides": json.dumps(rec["overrides"]), "duration_s": None, "error": rec.get("error", "")}
            if rec["status"] in ("done", "skipped"):
                tables, meta, reason = read_verified(paths.run_dir(rec["run_id"]), rec["run_id"])
                if tables is None:
                    raise RuntimeError(f"run {rec['run_id']} was just written but cannot be read: {reason}")
                dataset.add({t: with_sweep_columns(tables[t], rec["replicate"], rec["assignments"], types)
                             for t in TABLES})
                row["duration_s"] = meta.get("elapsed_seconds")
                for t in TABLES:
                    row[f"rows_{t}"] = tables[t].num_rows
                    row[f"sha256_{t}"] = meta["sha256"][t]
            rows.append(row)
    write_manifest(paths.root, rows)


def _points(base: Params, grid) -> tuple[list[str], list[dict]]:
    """The factors and configurations of a grid: every combination of a dict of levels, or an explicit
    list of configurations (keys missing from one take the base value)."""
    if isinstance(grid, dict):
        factors = list(grid)
        return factors, [dict(zip(factors, combo)) for combo in itertools.product(*grid.values())]
    factors = list(dict.fromkeys(k for point in grid for k in point))
    flat = base.to_dict()

    def base_value(key):
        node = flat
        for part in key.split("."):
            node = node[part]
        return node
    return factors, [{f: point.get(f, base_value(f)) for f in factors} for point in grid]


def run_grid(base: Params, grid: dict[str, list] | list[dict], replicates: int, out_dir: str | Path, *,
             experiment: str,
             question: str, primary_outcome: str, reference: dict | None, window_years: float,
             config: dict | None = None, n_jobs: int | None = None, progress: bool = True,
             country=None, extra_meta: dict | None = None, runner=None) -> Path:
    """Run every combination of ``grid`` x ``replicates`` paired replicates into a sweep directory.

    A run whose directory is already complete is not run again (status ``skipped``).

    Args:
        base: parameters every run starts from (its ``seed`` is the base seed).
        grid: factor (dotted parameter key) -> levels (every combination is run), or a list of
            configurations, each a dict of factor -> value (factors missing from one take the base value).
        replicates: replicates per configuration (at least 1).
        out_dir: the sweep directory to write.
        experiment, question, primary_outcome, reference, window_years: written to sweep.json.
        config: the resolved base config (for provenance; defaults to ``base.to_dict()``).
        n_jobs: worker processes (None: all cores).
        progress: show progress over runs on stderr.
        country: country data every run starts from (``sim.country.CountryData``; None: synthetic).
        extra_meta: added to every run's metadata.json and to sweep.json (e.g. the data report).
        runner: an ``experiments.runner.Runner`` to run on, left running (None: a pool of ``n_jobs``
            workers for these runs).

    Returns:
        The sweep directory.
    """
    from experiments.runner import run_many
    from sim.store import RESULT_FILES, atomic_write, provenance, run_id

    if replicates < 1:
        raise ConfigError(f"replicates = {replicates} is too small; allowed: at least 1")
    out = Path(out_dir)
    prov = provenance()  # the code that runs (taken before the runs, not after)
    factors, points = _points(base, grid)
    seeds = replicate_seeds(base.seed, replicates)
    records, jobs = [], []
    for assignments in points:
        p0 = apply_assignments(base, assignments)
        for rep, seed in enumerate(seeds):
            p = p0.replace(seed=seed)
            rid = run_id(p, country)
            run_dir = out / "runs" / rid
            done = all((run_dir / f).is_file() for f in RESULT_FILES)
            records.append({"run_id": rid, "status": "skipped" if done else "done", "replicate": rep, "seed": seed,
                            "overrides": override_strings(assignments), "assignments": assignments, "error": ""})
            if not done:
                jobs.append((p, run_dir, {"replicate": rep, "base_seed": base.seed, "experiment": experiment,
                                          "overrides": override_strings(assignments), **(extra_meta or {})}))
    t0 = time.perf_counter()
    if jobs:
        run_many(jobs, n_jobs, progress=progress, country=country, runner=runner)
    write_manifest_and_dataset(out, records, factors)
    info = {
        "experiment": experiment,
        "question": question,
        "primary_outcome": primary_outcome,
        "factors": factors,
        "replicates": int(replicates),
        "base_seed": int(base.seed),
        "reference": reference,
        "window_years": float(window_years),
        "config": config if config is not None else base.to_dict(),
        "provenance": prov,
        "levels": {k: list(dict.fromkeys(p[k] for p in points)) for k in factors},
        "runner": "experiments.sweeps.grid",
        "elapsed_seconds": round(time.perf_counter() - t0, 2),
        **(extra_meta or {}),
    }
    atomic_write(out / "sweep.json", lambda p: p.write_text(json.dumps(info, indent=2, default=str)))
    return out
