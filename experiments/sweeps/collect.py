"""`capsim collect <sweep_dir>`: the manifest and the merged dataset of a sweep.

Run at the end of every sweep and on its own (e.g. after a cluster sweep, or to see how far
an interrupted one got). For every planned run (``plan.json``) it verifies the run's tables
against their checksums, then writes

* ``manifest.csv``: one row per run - ``run_id, status, replicate, seed, overrides,
  duration_s, error, rows_steps, rows_shocks, rows_areas, sha256_steps, sha256_shocks,
  sha256_areas`` - then ``configuration``, ``batch`` and one column per factor;
* ``dataset/{steps,shocks,areas}.parquet``: the tables of every complete run, in plan order,
  each with the run's identifying columns (``run_id, scenario, regime, seed``), ``replicate``
  (the pairing key: the same replicate has the same seed in every configuration) and one
  column per factor named by its dotted key (``funding.direct_local_share``; for a config
  group such as ``crisis`` or ``mitigation`` the column holds the option's name).

Tables are streamed one run at a time into Parquet row groups, so memory does not grow with
the number of runs. A run whose result is missing or damaged is listed as failed (and left
out of the dataset); re-running the sweep command redoes it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from experiments.config import UsageError, fail
from experiments.sweeps.plan import SweepPlan
from experiments.sweeps.directory import SweepError, SweepLock
from sim.store import (STATUSES, TABLES, DatasetWriter, SweepPaths, read_json, read_verified, with_sweep_columns,
                       write_manifest)

__all__ = ["collect", "CollectResult", "main"]



@dataclass
class CollectResult:
    """What a collect found and wrote."""

    counts: dict
    rows: dict
    manifest: pd.DataFrame
    dataset_dir: Path
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)


def _factor_types(plan: SweepPlan) -> dict:
    return {k: pa.array(vals).type for k, vals in plan.factor_values.items()}


def collect(sweep_dir: str | os.PathLike, quiet: bool = False) -> CollectResult:
    """Write ``manifest.csv`` and ``dataset/`` for a sweep directory; returns what it found.

    Args:
        sweep_dir: a directory written by ``capsim sweep`` (holds sweep.json and plan.json).
        quiet: do not print the summary line.

    The caller holds the directory's lock (``SweepLock``) or knows no sweep is writing to it.
    """
    paths = SweepPaths(Path(sweep_dir))
    plan = SweepPlan.from_json(read_json(paths.plan_json))
    records = {}
    if paths.status.is_dir():
        for f in paths.status.glob("*.json"):
            try:
                rec = read_json(f)
            except (OSError, ValueError):
                continue
            records[rec["run_id"]] = rec
    types = _factor_types(plan)
    rows, commits = [], set()
    with DatasetWriter(paths.root) as dataset:
        for run in plan.runs:
            conf = plan.configurations[run.configuration]
            rec = records.get(run.run_id)
            tables, meta, reason = read_verified(paths.run_dir(run.run_id), run.run_id)
            row = {"run_id": run.run_id, "replicate": run.replicate, "seed": run.seed,
                   "overrides": json.dumps(plan.run_overrides(run)), "error": ""}
            if tables is not None:
                dataset.add({t: with_sweep_columns(tables[t], run.replicate, conf.factors, types) for t in TABLES})
                row["status"] = rec["status"] if rec and rec["status"] in ("done", "skipped") else "done"
                row["duration_s"] = rec["duration_s"] if rec and rec.get("duration_s") is not None \
                    else meta.get("elapsed_seconds")
                for t in TABLES:
                    row[f"rows_{t}"] = tables[t].num_rows
                    row[f"sha256_{t}"] = meta["sha256"][t]
                commits.add((meta.get("provenance") or {}).get("code", {}).get("commit"))
            else:
                row["status"] = "failed"
                row["duration_s"] = rec.get("duration_s") if rec else None
                if rec and rec["status"] == "failed":
                    row["error"] = rec["error"]
                elif rec:
                    row["error"] = f"result lost after the run: {reason}; re-run the sweep to redo it"
                else:
                    row["error"] = "not run (the sweep was interrupted or has not reached it); re-run the sweep command"
            row["configuration"] = run.configuration
            row["batch"] = run.batch
            for k in plan.factors:
                row[k] = conf.factors[k]
            rows.append(row)
    manifest = write_manifest(paths.root, rows)

    counts = {s: int((manifest["status"] == s).sum()) for s in STATUSES}
    notes = []
    commits.discard(None)
    if len(commits) > 1:
        notes.append(f"runs come from {len(commits)} code versions ({', '.join(sorted(c[:8] for c in commits))}); "
                     "for one version, sweep into a new hydra.sweep.dir")
    result = CollectResult(counts, dataset.rows, manifest, paths.dataset, notes)
    if not quiet:
        print(summary_lines(result, plan))
    return result


def summary_lines(result: CollectResult, plan: SweepPlan, counts: bool = True) -> str:
    """The summary printed after a sweep or a collect: counts, where the data is, failures."""
    c = result.counts
    lines = [f"  {len(plan.runs)} runs: {c['done']} done, {c['skipped']} skipped (complete before), "
             f"{c['failed']} failed"] if counts else []
    tables = ", ".join(f"{t}.parquet {n:,} rows" for t, n in result.rows.items())
    lines += [f"  dataset: {result.dataset_dir} ({tables})",
              f"  manifest: {result.dataset_dir.parent / 'manifest.csv'}"]
    failed = result.manifest[result.manifest["status"] == "failed"]
    for _, r in failed.head(5).iterrows():
        lines.append(f"  failed {r['run_id']} (replicate {r['replicate']}, {' '.join(json.loads(r['overrides']))}): "
                     f"{r['error']}")
    if len(failed) > 5:
        lines.append(f"  ... {len(failed) - 5} more failed runs in manifest.csv")
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)


def main(args: list[str]) -> int:
    """`capsim collect <sweep_dir>`: exit code 1 if any planned run is not complete."""
    if args and args[0] in ("-h", "--help"):
        print("usage: capsim collect <sweep_dir>\n\nWrites <sweep_dir>/manifest.csv and <sweep_dir>/dataset/ "
              "from the runs of a sweep (see experiments/sweeps/collect.py).")
        return 0
    if not args:
        raise UsageError("the sweep directory is missing; allowed: capsim collect <sweep_dir>")
    if len(args) > 1:
        raise UsageError(f"capsim collect takes one directory, got {len(args)} arguments; allowed: capsim collect <sweep_dir>")
    root = Path(args[0])
    paths = SweepPaths(root)
    if not paths.sweep_json.is_file() or not paths.plan_json.is_file():
        raise UsageError(f"{root} is not a sweep directory (no sweep.json and plan.json); allowed: a directory "
                         "written by capsim sweep")
    try:
        with SweepLock(root, "capsim collect"):
            print(f"capsim collect: {root.resolve()}")
            result = collect(root)
    except SweepError as e:
        fail(str(e), 1)
    except OSError as e:  # disk full, permissions: the runs themselves are untouched
        fail(f"cannot write the merged dataset of {root}: {e.strerror or e}"
             f"{f' ({e.filename})' if e.filename else ''}; the runs are untouched, re-run capsim collect after "
             "freeing space", 1)
    return 1 if result.failed else 0
