"""Loading results into tidy DataFrames: a sweep directory (the sweep contract) or a single run.

The sweep directory contract (``capsim sweep`` / ``capsim collect``) is::

    <sweep_dir>/sweep.json      experiment, question, primary_outcome, factors, replicates,
                                base_seed, reference, window_years, config, provenance
    <sweep_dir>/manifest.csv    one row per run (run_id, status, replicate, seed, overrides, ...)
    <sweep_dir>/runs/<run_id>/  one run (steps/shocks/areas Parquet + metadata.json)
    <sweep_dir>/dataset/        steps/shocks/areas Parquet of all runs, with ``replicate`` and
                                one column per factor named by its dotted key

:func:`load` reads either a sweep directory or a run directory written by
:func:`sim.store.write_run` (``capsim run`` writes one under ``<output>/results``) into a
:class:`Results`: the three tables with the swept parameters as columns, the sweep's
description and its manifest. Nothing is unpickled: Parquet, CSV and JSON only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.store import TABLES, file_sha256

__all__ = ["Results", "ResultsError", "load", "load_sweep", "load_run", "config_hash", "level_order", "SWEEP_FIELDS"]

IDENTITY = ("run_id", "scenario", "regime", "seed")
# Fields of sweep.json the analysis needs (the contract lists them all).
SWEEP_FIELDS = ("experiment", "factors", "replicates", "base_seed", "reference", "window_years", "config",
                "provenance")


class ResultsError(ValueError):
    """A results directory is missing, incomplete or not in the expected format (one line)."""


def config_hash(config) -> str:
    """Short, stable hash of a resolved configuration (canonical JSON, SHA-256, 12 hex digits)."""
    text = json.dumps(config, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Results:
    """Tidy results of a sweep (or of one run, as a sweep with no factors and one replicate).

    Attributes:
        path: the directory read.
        kind: "sweep" or "run".
        info: the sweep description (sweep.json; synthesised from metadata.json for a run).
        manifest: one row per run with its status.
        steps, shocks, areas: the merged tables, each with ``run_id``, ``scenario``,
            ``regime``, ``seed``, ``replicate`` and one column per factor.
        files: the data files read, name -> SHA-256 (provenance of every number).
    """

    path: Path
    kind: str
    info: dict
    manifest: pd.DataFrame
    steps: pd.DataFrame
    shocks: pd.DataFrame
    areas: pd.DataFrame
    files: dict

    @property
    def experiment(self) -> str:
        return str(self.info.get("experiment") or self.path.name)

    @property
    def question(self) -> str:
        return str(self.info.get("question") or "")

    @property
    def primary_outcome(self) -> str:
        return str(self.info.get("primary_outcome") or "coverage")

    @property
    def factors(self) -> list[str]:
        return list(self.info.get("factors") or [])

    @property
    def reference(self) -> dict | None:
        ref = self.info.get("reference")
        return dict(ref) if ref else None

    @property
    def window_years(self) -> float:
        return float(self.info.get("window_years") or 1.0)

    @property
    def base_seed(self) -> int | None:
        b = self.info.get("base_seed")
        return None if b is None else int(b)

    @property
    def config_columns(self) -> list[str]:
        """Columns that identify a configuration: the factors (``regime`` if there are none)."""
        return self.factors or ["regime"]

    @property
    def varying(self) -> list[str]:
        """Factors with more than one level in the data."""
        return [f for f in self.config_columns if self.steps[f].nunique(dropna=False) > 1]

    def levels(self, factor: str) -> list:
        """The levels of a factor in the data, in reading order (:func:`level_order`)."""
        return level_order(self.steps[factor], factor)

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run: identity, replicate and factor columns."""
        cols = list(dict.fromkeys([*IDENTITY, "replicate", *self.config_columns]))
        return self.steps.groupby("run_id", sort=False, observed=True)[cols[1:]].first().reset_index()

    @property
    def seeds(self) -> list[int]:
        return sorted(int(s) for s in self.steps["seed"].unique())

    @property
    def n_replicates(self) -> int:
        """Smallest number of replicates over the configurations present."""
        runs = self.runs
        return int(runs.groupby(self.config_columns, observed=True, dropna=False).size().min()) if len(runs) else 0

    @property
    def config_hash(self) -> str:
        return config_hash(self.info.get("config"))


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ResultsError(f"{path} is not valid JSON ({e.msg} at line {e.lineno})") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ResultsError(f"{path} is missing")
    try:
        return pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for corrupt files
        raise ResultsError(f"{path} cannot be read as Parquet ({type(e).__name__})") from None


def level_order(values, column: str) -> list:
    """Levels in reading order: regimes in their canonical order, numbers ascending (also numbers
    written as text), then other text alphabetically, ``"null"`` last; missing values dropped."""
    vals = list(pd.unique(pd.Series(list(values), dtype=object).dropna()))
    if column == "regime":
        from sim.params import REGIME_NAMES

        return [r for r in REGIME_NAMES if r in vals] + sorted((v for v in vals if v not in REGIME_NAMES), key=str)

    def key(v):
        if isinstance(v, bool):
            return (1, str(v))
        try:
            return (0, float(v), "")
        except (TypeError, ValueError):
            return (2, 0.0, str(v)) if str(v) == "null" else (1, 0.0, str(v))

    return sorted(vals, key=key)


def _numeric_factors(df: pd.DataFrame, factors) -> pd.DataFrame:
    """Normalise factor columns: numbers stored as text (``"0.25"``) become floats; a factor with
    a null level (a limit that does not apply, e.g. ``funding.exit_year = null``: never) becomes
    text with the level ``"null"``, so that it is a level like any other and is never dropped."""
    for f in factors:
        if f not in df.columns or not len(df):
            continue
        col = df[f]
        if col.isna().any() or (col.astype(str).isin(["None", "null"])).any():
            numeric = pd.to_numeric(col, errors="coerce")
            df[f] = [("null" if (v is None or (isinstance(v, float) and v != v) or str(v) in ("None", "null"))
                      else (f"{n:g}" if n == n else str(v))) for v, n in zip(col, numeric)]
            continue
        if f in ("regime", "scenario") or pd.api.types.is_numeric_dtype(col):
            continue
        converted = pd.to_numeric(col, errors="coerce")
        if converted.notna().all():
            df[f] = converted.astype(float)
    return df


def load(path: str | Path) -> Results:
    """Load a sweep directory or a run directory (or a ``capsim run`` output containing ``results/``).

    Raises:
        ResultsError: one line naming the path and what is wrong.
    """
    d = Path(path)
    if not d.exists():
        raise ResultsError(f"{d} does not exist; allowed: a sweep directory (with sweep.json) or a run directory")
    if not d.is_dir():
        raise ResultsError(f"{d} is not a directory; allowed: a sweep directory (with sweep.json) or a run directory")
    if (d / "sweep.json").is_file():
        return load_sweep(d)
    if (d / "metadata.json").is_file():
        return load_run(d)
    if (d / "results" / "metadata.json").is_file():
        return load_run(d / "results")
    raise ResultsError(f"{d} holds neither sweep.json nor metadata.json; allowed: a sweep directory written by "
                       "`capsim sweep` or a run directory written by `capsim run`")


def load_sweep(path: str | Path) -> Results:
    """Load a sweep directory in the contract format (see the module docstring).

    Raises:
        ResultsError: sweep.json, manifest.csv or a dataset table missing or malformed, or a
            factor or identity column missing from the dataset.
    """
    d = Path(path)
    info = _read_json(d / "sweep.json")
    missing = [k for k in SWEEP_FIELDS if k not in info]
    if missing:
        raise ResultsError(f"{d / 'sweep.json'} lacks {', '.join(missing)}; allowed: the sweep contract's fields")
    if not isinstance(info["factors"], list):
        raise ResultsError(f"{d / 'sweep.json'}: factors = {info['factors']!r} is not a list of parameter keys")
    if not (d / "manifest.csv").is_file():
        raise ResultsError(f"{d / 'manifest.csv'} is missing; the sweep directory is incomplete")
    manifest = pd.read_csv(d / "manifest.csv", dtype={"run_id": str, "error": str}, keep_default_na=False)
    ds = d / "dataset"
    if not ds.is_dir():
        raise ResultsError(f"{ds} is missing; merge the runs first with `capsim collect {d}`")
    tables = {t: _read_parquet(ds / f"{t}.parquet") for t in TABLES}
    need = [*IDENTITY, "replicate", *info["factors"]]
    for t, df in tables.items():
        absent = [c for c in need if c not in df.columns]
        if absent:
            raise ResultsError(f"{ds / (t + '.parquet')} lacks column(s) {', '.join(absent)}; "
                               "the dataset must carry run identity, replicate and one column per factor")
    if tables["steps"].empty:
        raise ResultsError(f"{ds / 'steps.parquet'} has no rows: no run of the sweep completed")
    for t in TABLES:
        tables[t] = _numeric_factors(tables[t], info["factors"])
    files = {f"dataset/{t}.parquet": file_sha256(ds / f"{t}.parquet") for t in TABLES}
    files["sweep.json"] = file_sha256(d / "sweep.json")
    files["manifest.csv"] = file_sha256(d / "manifest.csv")
    return Results(d, "sweep", info, manifest, tables["steps"], tables["shocks"], tables["areas"], files)


def load_run(path: str | Path) -> Results:
    """Load one run directory as a sweep of one configuration and one replicate.

    Raises:
        ResultsError: a result file missing or unreadable.
    """
    from sim.store import RESULT_FILES

    d = Path(path)
    absent = [f for f in RESULT_FILES if not (d / f).is_file()]
    if absent:
        raise ResultsError(f"{d} is not a complete run: missing {', '.join(absent)}")
    meta = _read_json(d / "metadata.json")
    tables = {t: _read_parquet(d / f"{t}.parquet") for t in TABLES}
    replicate = int(meta.get("replicate", 0))
    for df in tables.values():
        df["replicate"] = replicate
    seed = int(meta.get("seed", tables["steps"]["seed"].iloc[0]))
    info = {
        "experiment": f"run {meta.get('run_id', d.name)}",
        "question": "",
        "primary_outcome": "coverage",
        "factors": [],
        "replicates": 1,
        "base_seed": int(meta.get("base_seed", seed)),
        "reference": None,
        "window_years": 1.0,
        "config": meta.get("config", meta.get("params")),
        "provenance": meta.get("provenance", {}),
    }
    rows = meta.get("rows", {})
    manifest = pd.DataFrame([{"run_id": meta.get("run_id", d.name), "status": "done", "replicate": replicate,
                              "seed": seed, "overrides": "[]", "duration_s": meta.get("elapsed_seconds"),
                              "error": "", **{f"rows_{t}": rows.get(t, len(tables[t])) for t in TABLES}}])
    files = {f"{t}.parquet": file_sha256(d / f"{t}.parquet") for t in TABLES}
    files["metadata.json"] = file_sha256(d / "metadata.json")
    return Results(d, "run", info, manifest, tables["steps"], tables["shocks"], tables["areas"], files)
