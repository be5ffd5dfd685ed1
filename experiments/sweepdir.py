"""The sweep directory: its layout, the plan, per-run status records and run verification.

One place defines where a sweep keeps what (the contract other code reads):

```
<sweep_dir>/
  sweep.json       what the sweep asks and how it is built (see experiments/sweep.py)
  plan.json        every configuration (resolved parameters) and every run (id, replicate,
                   seed, launcher batch); the launcher jobs read their runs from it
  manifest.csv     one row per planned run: status, duration, error, rows and checksums
  runs/<run_id>/   steps/shocks/areas.parquet + metadata.json, written atomically by
                   sim.results.write_run (metadata lists each table's rows and SHA-256)
  status/<run_id>.json   what the latest sweep did with each run (done, skipped, failed)
  dataset/         the merged tables (experiments/collect.py)
  jobs/<n>/        Hydra's record of each launcher job (.hydra/, log file); on SLURM the log file
  slurm_jobs.json  SLURM only: every array job submitted (id, batches, time)
  .submitit/<job>/ SLURM and submitit only: the job's sbatch script, pickles and task logs
```

A run counts as complete only if its metadata parses, names the run id, and every table's
SHA-256 matches the checksum recorded when it was written; anything else (a missing file, a
truncated or altered table, a directory left by a killed writer) is redone.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sim.results import file_sha256

__all__ = ["TABLES", "STATUSES", "SweepPaths", "RunCheck", "check_run", "write_json_atomic", "read_json",
           "remove_stale_temporaries", "SweepLock", "SweepError"]

TABLES = ("steps", "shocks", "areas")
STATUSES = ("done", "skipped", "failed")


class SweepError(RuntimeError):
    """A sweep cannot go on (another sweep holds the directory, the plan is missing, ...)."""


@dataclass(frozen=True)
class SweepPaths:
    """Where each part of a sweep lives under ``root``."""

    root: Path

    @property
    def sweep_json(self) -> Path:
        return self.root / "sweep.json"

    @property
    def plan_json(self) -> Path:
        return self.root / "plan.json"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.csv"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def status(self) -> Path:
        return self.root / "status"

    @property
    def dataset(self) -> Path:
        return self.root / "dataset"

    @property
    def slurm_jobs(self) -> Path:
        return self.root / "slurm_jobs.json"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    def run_dir(self, run_id: str) -> Path:
        return self.runs / run_id

    def status_file(self, run_id: str) -> Path:
        return self.status / f"{run_id}.json"


def write_json_atomic(path: Path, data) -> None:
    """Write JSON to a temporary file next to ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)


def read_json(path: Path):
    return json.loads(Path(path).read_text())


@dataclass
class RunCheck:
    """Whether a run directory holds a complete, undamaged result, and what it holds."""

    ok: bool
    reason: str = ""
    rows: dict = field(default_factory=dict)
    sha256: dict = field(default_factory=dict)
    elapsed_seconds: float | None = None


def check_run(run_dir: Path, run_id: str) -> RunCheck:
    """Verify a run directory against the checksums in its own metadata.

    Args:
        run_dir: ``<sweep_dir>/runs/<run_id>``.
        run_id: the id the directory must hold (guards against a misplaced directory).
    """
    meta_path = Path(run_dir) / "metadata.json"
    if not Path(run_dir).is_dir():
        return RunCheck(False, "no result")
    try:
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError:
        return RunCheck(False, "metadata.json missing")
    except (OSError, ValueError) as e:
        return RunCheck(False, f"metadata.json unreadable ({type(e).__name__})")
    if not isinstance(meta, dict) or meta.get("run_id") != run_id:
        return RunCheck(False, "metadata.json names another run")
    sums, rows = meta.get("sha256"), meta.get("rows")
    if not isinstance(sums, dict) or not isinstance(rows, dict) or any(t not in sums or t not in rows for t in TABLES):
        return RunCheck(False, "metadata.json has no checksums")
    for t in (*TABLES, *sorted(set(sums) - set(TABLES))):  # plus the capacity map of a run from data
        path = Path(run_dir) / f"{t}.parquet"
        if not path.is_file():
            return RunCheck(False, f"{t}.parquet missing")
        if file_sha256(path) != sums[t]:
            return RunCheck(False, f"{t}.parquet damaged (checksum differs)")
    return RunCheck(True, "", {t: int(rows[t]) for t in TABLES}, {t: sums[t] for t in TABLES},
                    meta.get("elapsed_seconds"))


def remove_stale_temporaries(runs_dir: Path) -> int:
    """Remove half-written run directories left by killed writers; returns how many."""
    n = 0
    if runs_dir.is_dir():
        for p in runs_dir.iterdir():
            if p.name.startswith(".") and ".tmp-" in p.name:
                shutil.rmtree(p, ignore_errors=True)
                n += 1
    return n


class SweepLock:
    """An exclusive lock on a sweep directory while a sweep or a collect works in it.

    The lock is an ``flock`` on ``<sweep_dir>/.lock``: the operating system releases it when
    the holder exits, even after SIGKILL, so a killed sweep never leaves a stale lock.
    """

    def __init__(self, root: Path, what: str):
        self.paths = SweepPaths(Path(root))
        self.what = what
        self._fh = None

    def __enter__(self) -> "SweepLock":
        self.paths.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.paths.lock, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            if e.errno in (errno.EAGAIN, errno.EACCES):
                raise SweepError(f"{self.paths.root} is in use by {holder}; wait for it to finish "
                                 "or choose another hydra.sweep.dir") from None
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(f"{self.what} (pid {os.getpid()})")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
