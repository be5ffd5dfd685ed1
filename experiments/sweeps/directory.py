"""A sweep at work in its directory: the lock, and half-written runs left by killed writers.

The directory's layout, run verification and every file format are the results format's, owned
by ``sim/store.py`` (:class:`~sim.store.SweepPaths`, :func:`~sim.store.check_run`); this module
re-exports the names the sweep commands use. The layout (the contract other code reads):

```
<sweep_dir>/
  sweep.json       what the sweep asks and how it is built (see experiments/sweeps/sweep.py)
  plan.json        every configuration (resolved parameters) and every run (id, replicate,
                   seed, launcher batch); the launcher jobs read their runs from it
  manifest.csv     one row per planned run: status, duration, error, rows and checksums
  runs/<run_id>/   steps/shocks/areas.parquet + metadata.json, written atomically by
                   sim.store.write_run (metadata lists each table's rows and SHA-256)
  status/<run_id>.json   what the latest sweep did with each run (done, skipped, failed)
  dataset/         the merged tables (experiments/sweeps/collect.py)
  jobs/<n>/        Hydra's record of each launcher job (.hydra/, log file); on SLURM the log file
  slurm_jobs.json  SLURM only: every array job submitted (id, batches, time)
  .submitit/<job>/ SLURM and submitit only: the job's sbatch script, pickles and task logs
```

A run counts as complete only if its metadata parses, names the run id, and every table's
SHA-256 matches the checksum recorded when it was written (``sim.store.check_run``); anything
else (a missing file, a truncated or altered table, a directory left by a killed writer) is redone.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from pathlib import Path

from sim.store import SweepPaths

__all__ = ["remove_stale_temporaries", "SweepLock", "SweepError"]

class SweepError(RuntimeError):
    """A sweep cannot go on (another sweep holds the directory, the plan is missing, ...)."""


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
