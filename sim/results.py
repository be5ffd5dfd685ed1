"""Running one simulation and writing its results with provenance.

:func:`run` builds a :class:`~sim.model.CapacityModel`, runs it to the horizon and returns
tidy tables: ``steps`` (one row per week), ``shocks`` (one row per shock) and ``areas`` (one
row per area and year), each carrying the run id, scenario, regime and seed columns, plus
the run's metadata (resolved parameters, seed, code version, package versions) and its
accounting checks. A run started from country data (``sim/country.py``) also returns the
``capacity`` table: need and capacity present per area, sector and actor group (local or
international), at the start and at the end of the run (the capacity map).
:func:`write_run` writes them as Parquet + ``metadata.json`` atomically:
into a temporary directory first, renamed into place only when complete, so a directory
that exists is a complete result; ``metadata.json`` records each table's row count and
SHA-256 so that later damage to a file can be detected.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np
import pandas as pd

from .country import CountryData
from .crises import ShockKind
from .model import CapacityModel
from .params import Params

__all__ = ["RunResult", "run", "write_run", "read_run", "run_id", "provenance", "capacity_table", "file_sha256",
           "RESULT_FILES"]

RESULT_FILES = ("steps.parquet", "shocks.parquet", "areas.parquet", "metadata.json")
PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "hydra-core", "seaborn", "matplotlib", "networkx", "libhxl")
REPO = Path(__file__).resolve().parents[1]


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


def capacity_table(model: CapacityModel, stage: str) -> pd.DataFrame:
    """The capacity map now: one row per area, sector and actor group (local, international).

    Columns: ``stage``, ``area``, ``area_name``, ``sector``, ``sector_name``, ``actor``, then
    the registered capacity-map columns (``sim/outcomes.py``): ``need``, ``staff_present``,
    ``reach`` and ``capacity_<dimension>`` (see :meth:`CapacityModel.capacity_present`).
    """
    cp = model.capacity_present()
    n_a, n_s = model.areas.n, model.areas.n_sectors
    area_names = model.areas.names or tuple(f"area {i + 1}" for i in range(n_a))
    sector_names = model.areas.sector_names or tuple(f"sector {j + 1}" for j in range(n_s))
    a, s, g = (x.ravel() for x in np.meshgrid(np.arange(n_a), np.arange(n_s), np.arange(2), indexing="ij"))
    df = pd.DataFrame({
        "stage": stage,
        "area": a.astype(np.int64),
        "area_name": np.asarray(area_names, dtype=object)[a],
        "sector": s.astype(np.int64),
        "sector_name": np.asarray(sector_names, dtype=object)[s],
        "actor": np.where(g == 0, "local", "international"),
        "need": cp["need"][a, s],
        "staff_present": cp["staff"].ravel(),
        "reach": cp["reach"].ravel(),
    })
    for dim in model.CAPACITY_DIMENSIONS:
        df[f"capacity_{dim}"] = cp[dim].ravel()
    return df


def run(params: Params, country: CountryData | None = None, capacity_map: bool | None = None) -> RunResult:
    """Run one simulation to its horizon and return its tables and metadata.

    Args:
        params: validated parameters (fitted to ``country`` when one is given).
        country: a country from data; None for the synthetic country.
        capacity_map: record the capacity map at the start and the end (default: with data).
    """
    t0 = time.perf_counter()
    model = CapacityModel(params, country)
    if capacity_map is None:
        capacity_map = country is not None
    start = capacity_table(model, "start") if capacity_map else None
    for _ in range(model.n_steps):
        model.step()
    capacity = pd.concat([start, capacity_table(model, "end")], ignore_index=True) if capacity_map else None
    elapsed = time.perf_counter() - t0
    rid = run_id(params, country)
    ident = {"run_id": rid, "scenario": params.scenario, "regime": params.regime, "seed": params.seed}

    steps = model.recorder.steps_table()
    s = model.shocks
    tr = model.tracker
    applied = tr.applied
    censored = tr.censored(model.n_steps)[applied]
    rt = tr.response_time[applied].astype(float)
    reached = (rt >= 0) & ~censored
    shocks = pd.DataFrame({
        "shock_id": np.flatnonzero(applied).astype(np.int64),
        "step": s.step[applied].astype(np.int64),
        "area": s.area[applied].astype(np.int64),
        "kind": pd.Categorical([ShockKind(k).name.lower() for k in s.kind[applied]],
                               categories=[k.name.lower() for k in ShockKind]),
        "people": s.people[applied],
        "hard_to_reach": model.areas.hard_to_reach[s.area[applied]],
        "response_time": pd.array(np.where(reached, rt, np.nan), dtype="Float64"),
        "reached": reached,
        "censored": censored,
        "reach_72h": pd.array(tr.reach_72h[applied], dtype="Float64"),
        "reach_72h_local": pd.array(tr.reach_72h_local[applied], dtype="Float64"),
    })
    areas = model.recorder.areas_table(model.areas.hard_to_reach, model.areas.access)
    tables = []
    for df in (steps, shocks, areas) + ((capacity,) if capacity is not None else ()):
        for i, (k, v) in enumerate(ident.items()):
            df.insert(i, k, v)
        tables.append(df)

    ledger = model.ledger
    meta = {
        **ident,
        "params": params.to_dict(),
        "n_steps": model.n_steps,
        "elapsed_seconds": round(elapsed, 4),
        "accounting": {
            "money_relative_imbalance": ledger.imbalance(float(model.orgs.cash.sum())),
            "initial_cash": ledger.initial_cash,
            "donor_disbursed": ledger.donor_disbursed,
            "domestic_income": ledger.domestic_income,
            "spent": ledger.spent,
            "overhead_retained": ledger.overhead_retained,
            "cash_at_end": float(model.orgs.cash.sum()),
            "staff_initial": model.staff.initial,
            "staff_hired": model.staff.hired,
            "staff_left": model.staff.left,
            "staff_present": model.staff.n_employed,
        },
        "provenance": provenance(),
    }
    if country is not None:
        meta["country"] = country.describe()
    return RunResult(*tables[:3], metadata=meta, capacity=capacity)


_PROVENANCE: dict | None = None


def provenance() -> dict:
    """Code version (git commit and whether the tree was modified) and package versions."""
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
        versions = {}
        for pkg in PACKAGES:
            try:
                versions[pkg] = importlib_metadata.version(pkg)
            except importlib_metadata.PackageNotFoundError:
                versions[pkg] = None
        try:
            code["capsim"] = importlib_metadata.version("capsim")
        except importlib_metadata.PackageNotFoundError:
            code["capsim"] = None
        _PROVENANCE = {"code": code, "python": platform.python_version(), "packages": versions,
                       "platform": platform.platform()}
    return {**_PROVENANCE, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


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
