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

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.config import UsageError, fail
from experiments.sweep_plan import SweepPlan
from experiments.sweepdir import STATUSES, TABLES, SweepError, SweepLock, SweepPaths, read_json

__all__ = ["collect", "CollectResult", "main", "MANIFEST_COLUMNS"]

MANIFEST_COLUMNS = ["run_id", "status", "replicate", "seed", "overrides", "duration_s", "error",
                    "rows_steps", "rows_shocks", "rows_areas", "sha256_steps", "sha256_shocks", "sha256_areas"]
ROW_GROUP_BYTES = 8 * 2**20  # data buffered per table before a Parquet row group is written


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


class _TableSink:
    """Streams tables with one schema into a Parquet file, a row group every ROW_GROUP_BYTES of data."""

    def __init__(self, path: Path):
        self.path = path
        self.writer: pq.ParquetWriter | None = None
        self.buffer: list[pa.Table] = []
        self.buffered = 0
        self.rows = 0

    def add(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        elif not table.schema.equals(self.writer.schema, check_metadata=False):
            table = table.cast(self.writer.schema)
        self.buffer.append(table)
        self.buffered += table.nbytes
        self.rows += table.num_rows
        if self.buffered >= ROW_GROUP_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.writer.write_table(pa.concat_tables(self.buffer))
            self.buffer, self.buffered = [], 0

    def close(self) -> None:
        if self.writer is not None:
            self.flush()
            self.writer.close()


def _read_verified(run_dir: Path, run_id: str):
    """The run's tables and metadata if every table matches its recorded checksum.

    Returns ``(tables, metadata, "")`` or ``(None, None, reason)``. Each file is read once:
    its bytes are hashed and parsed from memory.
    """
    try:
        meta = json.loads((run_dir / "metadata.json").read_text())
    except FileNotFoundError:
        return None, None, "no result" if not run_dir.is_dir() else "metadata.json missing"
    except (OSError, ValueError) as e:
        return None, None, f"metadata.json unreadable ({type(e).__name__})"
    sums = meta.get("sha256") if isinstance(meta, dict) else None
    if not isinstance(sums, dict) or meta.get("run_id") != run_id:
        return None, None, "metadata.json has no checksums or names another run"
    tables = {}
    for t in TABLES:
        try:
            data = (run_dir / f"{t}.parquet").read_bytes()
        except FileNotFoundError:
            return None, None, f"{t}.parquet missing"
        if hashlib.sha256(data).hexdigest() != sums.get(t):
            return None, None, f"{t}.parquet damaged (checksum differs)"
        tables[t] = pq.read_table(pa.BufferReader(data))
    return tables, meta, ""


def _factor_types(plan: SweepPlan) -> dict:
    return {k: pa.array(vals).type for k, vals in plan.factor_values.items()}


def _with_sweep_columns(table: pa.Table, replicate: int, factors: dict, types: dict) -> pa.Table:
    """Insert ``replicate`` and the factor columns after the identifying columns."""
    n = table.num_rows
    pos = table.schema.get_field_index("seed") + 1
    table = table.add_column(pos, "replicate", pa.array(np.full(n, replicate, dtype=np.int64)))
    for key, value in factors.items():
        if key in table.column_names:  # regime, scenario: already identifying columns
            continue
        pos += 1
        table = table.add_column(pos, key, pa.array([value] * n, type=types[key]))
    return table


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
    tmp = paths.root / f".dataset.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    sinks = {t: _TableSink(tmp / f"{t}.parquet") for t in TABLES}
    rows, commits = [], set()
    try:
        for run in plan.runs:
            conf = plan.configurations[run.configuration]
            rec = records.get(run.run_id)
            tables, meta, reason = _read_verified(paths.run_dir(run.run_id), run.run_id)
            row = {"run_id": run.run_id, "replicate": run.replicate, "seed": run.seed,
                   "overrides": json.dumps(plan.run_overrides(run)), "error": ""}
            if tables is not None:
                for t in TABLES:
                    sinks[t].add(_with_sweep_columns(tables[t], run.replicate, conf.factors, types))
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
    finally:
        for s in sinks.values():
            s.close()
    # Swap the new dataset in; an old one is removed only once the new one is complete.
    for t in TABLES:
        if sinks[t].writer is None:
            (tmp / f"{t}.parquet").unlink(missing_ok=True)
    old = paths.root / f".dataset.old-{os.getpid()}"
    if paths.dataset.exists():
        os.replace(paths.dataset, old)
    os.replace(tmp, paths.dataset)
    shutil.rmtree(old, ignore_errors=True)

    manifest = pd.DataFrame(rows)
    for c in MANIFEST_COLUMNS:
        if c not in manifest.columns:
            manifest[c] = None
    manifest = manifest[MANIFEST_COLUMNS + [c for c in manifest.columns if c not in MANIFEST_COLUMNS]]
    for t in TABLES:
        manifest[f"rows_{t}"] = manifest[f"rows_{t}"].astype("Int64")
    tmp_manifest = paths.root / f".manifest.csv.tmp-{os.getpid()}"
    manifest.to_csv(tmp_manifest, index=False)
    os.replace(tmp_manifest, paths.manifest)

    counts = {s: int((manifest["status"] == s).sum()) for s in STATUSES}
    notes = []
    commits.discard(None)
    if len(commits) > 1:
        notes.append(f"runs come from {len(commits)} code versions ({', '.join(sorted(c[:8] for c in commits))}); "
                     "for one version, sweep into a new hydra.sweep.dir")
    result = CollectResult(counts, {t: sinks[t].rows for t in TABLES}, manifest, paths.dataset, notes)
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
              "from the runs of a sweep (see experiments/collect.py).")
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
