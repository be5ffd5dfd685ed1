"""The results format, with one owner: what a run and a sweep directory hold, how they are written
(atomically, with checksums) and read, and the provenance every result carries.

Mesa-free (it imports no model code), so the analysis side reads through it too.

A **run directory** (``write_run`` / ``read_run`` / ``check_run`` / ``read_verified``)::

    steps.parquet  shocks.parquet  areas.parquet  [capacity.parquet]  metadata.json

``metadata.json`` holds the run id, resolved parameters, seed, accounting checks, provenance,
``area_level`` (what one area of the run is: :func:`area_level`), and each table's row count and
SHA-256. A directory is written into a temporary directory and
renamed into place, so one that exists is complete; a checksum that differs marks it damaged.

A **sweep directory** (:class:`SweepPaths`)::

    sweep.json  plan.json  manifest.csv  runs/<run_id>/  status/<run_id>.json  dataset/  jobs/

``manifest.csv`` has the :data:`MANIFEST_COLUMNS` first (one row per planned run), then the
sweep's own columns; ``dataset/{steps,shocks,areas}.parquet`` are every complete run's tables,
streamed (:class:`DatasetWriter`) with ``replicate`` and one column per factor added after the
identifying columns ``run_id, scenario, regime, seed``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
import tomllib
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

# pandas and pyarrow are imported where tables are read or written, not here: planning a sweep
# reads run ids and paths only, and starts its first run about 0.4 s sooner without them.

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .country import CountryData
    from .params import Params

__all__ = ["TABLES", "RESULT_FILES", "MANIFEST_COLUMNS", "STATUSES", "PACKAGES", "ANALYSIS_PACKAGES", "RunResult",
           "run_id", "area_level", "version", "provenance", "package_versions", "write_run", "read_run", "file_sha256",
           "SweepPaths",
           "write_json_atomic", "read_json", "atomic_write", "RunCheck", "check_run", "read_verified",
           "DatasetWriter", "with_sweep_columns", "write_manifest", "analysis_packages"]

TABLES = ("steps", "shocks", "areas")  # every run's tables (runs from data also write capacity)
RESULT_FILES = (*(f"{t}.parquet" for t in TABLES), "metadata.json")
STATUSES = ("done", "skipped", "failed")
MANIFEST_COLUMNS = ["run_id", "status", "replicate", "seed", "overrides", "duration_s", "error",
                    *(f"rows_{t}" for t in TABLES), *(f"sha256_{t}" for t in TABLES)]
PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "hydra-core", "seaborn", "matplotlib", "networkx", "libhxl")
REPO = Path(__file__).resolve().parents[1]
ROW_GROUP_BYTES = 8 * 2**20  # data buffered per table before a Parquet row group is written


# ------------------------------------------------------------------------------ one run
@dataclass
class RunResult:
    steps: pd.DataFrame
    shocks: pd.DataFrame
    areas: pd.DataFrame
    metadata: dict
    capacity: pd.DataFrame | None = None  # capacity map at start and end (runs from data)


def run_id(params: Params, country: CountryData | None = None) -> str:
    """A stable id of a run: a hash of its full resolved parameters (seed included) and its data."""
    text = json.dumps(params.to_dict(), sort_keys=True, default=str)
    if country is not None:
        text += country.fingerprint()
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def area_level(country: CountryData | None) -> str:
    """``metadata.json`` ``area_level``: "admin 1" or "admin 2" for a run from data (the level of its areas),
    "synthetic district" for the synthetic country."""
    from .country import AREA_LEVELS

    return "synthetic district" if country is None else AREA_LEVELS[country.admin_level]


_PROVENANCE: dict | None = None


def version() -> str | None:
    """capsim's version, the one to cite (``project.version`` in ``pyproject.toml``; CHANGELOG.md).

    Read from the ``pyproject.toml`` of the source tree that runs when there is one (an editable
    install whose metadata was written before the version changed would report the old one),
    else from the installed package's metadata; None if neither is there.
    """
    pyproject = REPO / "pyproject.toml"
    if pyproject.is_file():
        with open(pyproject, "rb") as f:
            project = tomllib.load(f).get("project", {})
        if project.get("name") == "capsim" and project.get("version"):
            return str(project["version"])
    try:
        return importlib_metadata.version("capsim")
    except importlib_metadata.PackageNotFoundError:
        return None


def provenance() -> dict:
    """Code version (``code``: capsim's :func:`version`, the git commit and whether the tree was modified),
    Python, package versions and platform; every run's ``metadata.json`` and every sweep's ``sweep.json``
    carry it."""
    global _PROVENANCE
    if _PROVENANCE is None:
        code = {"commit": None, "dirty": None}
        try:
            commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
            if commit.returncode == 0:
                code["commit"] = commit.stdout.strip()
                st = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=5)
                code["dirty"] = bool(st.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
        code["capsim"] = version()
        _PROVENANCE = {"code": code, "python": platform.python_version(), "packages": package_versions(PACKAGES),
                       "platform": platform.platform()}
    return {**_PROVENANCE, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def package_versions(names) -> dict:
    """Installed versions of the named packages (None where one is missing)."""
    out = {}
    for pkg in names:
        try:
            out[pkg] = importlib_metadata.version(pkg)
        except importlib_metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def write_run(result: RunResult, out_dir: str | os.PathLike, extra_meta: dict | None = None) -> Path:
    """Write a run's tables and metadata into ``out_dir`` atomically; returns ``out_dir``."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        tables = {"steps": result.steps, "shocks": result.shocks, "areas": result.areas}
        if result.capacity is not None:
            tables["capacity"] = result.capacity
        for name, table in tables.items():
            table.to_parquet(tmp / f"{name}.parquet", index=False)
        meta = dict(result.metadata)
        if extra_meta:
            meta.update(extra_meta)
        meta["rows"] = {name: len(table) for name, table in tables.items()}
        # Checksums let a reader (e.g. a resumed sweep) tell a complete run from a damaged one.
        meta["sha256"] = {name: file_sha256(tmp / f"{name}.parquet") for name in tables}
        (tmp / "metadata.json").write_text(json.dumps(meta, indent=2, default=str))
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_run(run_dir: str | os.PathLike) -> RunResult:
    """Read a run written by :func:`write_run` (Parquet and JSON only; nothing is unpickled)."""
    import pandas as pd

    d = Path(run_dir)
    missing = [f for f in RESULT_FILES if not (d / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{d} is not a complete run: missing {', '.join(missing)}")
    return RunResult(
        steps=pd.read_parquet(d / "steps.parquet"),
        shocks=pd.read_parquet(d / "shocks.parquet"),
        areas=pd.read_parquet(d / "areas.parquet"),
        metadata=json.loads((d / "metadata.json").read_text()),
        capacity=pd.read_parquet(d / "capacity.parquet") if (d / "capacity.parquet").is_file() else None,
    )


# ------------------------------------------------------------------------------ a sweep
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


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` for a temporary file next to ``path``, then rename it into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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


def read_verified(run_dir: Path, run_id: str):
    """The run's tables and metadata if every table matches its recorded checksum.

    Returns ``(tables, metadata, "")`` or ``(None, None, reason)``. Each file is read once:
    its bytes are hashed and parsed from memory.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

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


class DatasetWriter:
    """Writes a sweep's merged ``dataset/``: tables streamed into Parquet row groups (memory does not grow
    with the number of runs), swapped into place atomically when complete.

    Use as a context manager; :meth:`add` one run's tables (already with their sweep columns).
    """

    def __init__(self, root: Path):
        self.paths = SweepPaths(Path(root))
        self.tmp = self.paths.root / f".dataset.tmp-{os.getpid()}"
        self.sinks: dict = {}

    def __enter__(self) -> "DatasetWriter":
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)
        self.sinks = {t: _TableSink(self.tmp / f"{t}.parquet") for t in TABLES}
        return self

    def add(self, tables: dict) -> None:
        for t in TABLES:
            self.sinks[t].add(tables[t])

    @property
    def rows(self) -> dict:
        return {t: s.rows for t, s in self.sinks.items()}

    def __exit__(self, exc_type, *_exc) -> None:
        for s in self.sinks.values():
            s.close()
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        for t in TABLES:
            if self.sinks[t].writer is None:
                (self.tmp / f"{t}.parquet").unlink(missing_ok=True)
        # Swap the new dataset in; an old one is removed only once the new one is complete.
        old = self.paths.root / f".dataset.old-{os.getpid()}"
        if self.paths.dataset.exists():
            os.replace(self.paths.dataset, old)
        os.replace(self.tmp, self.paths.dataset)
        shutil.rmtree(old, ignore_errors=True)


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
            import pyarrow.parquet as pq

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
            import pyarrow as pa

            self.writer.write_table(pa.concat_tables(self.buffer))
            self.buffer, self.buffered = [], 0

    def close(self) -> None:
        if self.writer is not None:
            self.flush()
            self.writer.close()


def with_sweep_columns(table: pa.Table, replicate: int, factors: dict, types: dict) -> pa.Table:
    """Insert ``replicate`` and the factor columns after the identifying columns."""
    import pyarrow as pa

    n = table.num_rows
    pos = table.schema.get_field_index("seed") + 1
    table = table.add_column(pos, "replicate", pa.array(np.full(n, replicate, dtype=np.int64)))
    for key, value in factors.items():
        if key in table.column_names:  # regime, scenario: already identifying columns
            continue
        pos += 1
        table = table.add_column(pos, key, pa.array([value] * n, type=types[key]))
    return table


def write_manifest(root: Path, rows: list[dict]) -> pd.DataFrame:
    """Write ``manifest.csv`` (the :data:`MANIFEST_COLUMNS` first, then the sweep's own columns); returns it."""
    import pandas as pd

    manifest = pd.DataFrame(rows)
    for c in MANIFEST_COLUMNS:
        if c not in manifest.columns:
            manifest[c] = None
    manifest = manifest[MANIFEST_COLUMNS + [c for c in manifest.columns if c not in MANIFEST_COLUMNS]]
    for t in TABLES:
        manifest[f"rows_{t}"] = manifest[f"rows_{t}"].astype("Int64")
    atomic_write(SweepPaths(Path(root)).manifest, lambda p: manifest.to_csv(p, index=False))
    return manifest


ANALYSIS_PACKAGES = ("numpy", "pandas", "scipy", "matplotlib", "seaborn", "tabulate", "pyarrow")


def analysis_packages() -> dict:
    """Versions of the packages the statistics, tables and figures depend on."""
    return package_versions(ANALYSIS_PACKAGES)
