"""Running one simulation: the model to its horizon, then its tables and metadata.

:func:`run` builds a :class:`~sim.model.CapacityModel`, runs it to the horizon and returns
tidy tables (a :class:`sim.store.RunResult`): ``steps`` (one row per week), ``shocks`` (one row per shock) and ``areas`` (one
row per area and year), each carrying the run id, scenario, regime and seed columns, plus
the run's metadata (resolved parameters, seed, code version, package versions) and its
accounting checks. A run started from country data (``sim/country.py``) also returns the
``capacity`` table: need and capacity present per area, sector and actor group (local or
international), at the start and at the end of the run (the capacity map), and its metadata says what
the model did with the data's funding chain at the start (``funding_start``, ``sim.country.chain_at_start``).
Writing and reading runs, their checksums and provenance belong to the results format's one
owner, ``sim/store.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .country import CountryData, chain_at_start
from .crises import ShockKind
from .model import CapacityModel
from .params import Params
from .store import RunResult, area_level, provenance, run_id

__all__ = ["run", "capacity_table"]


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
    funding_start = None if country is None else chain_at_start(model)
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
        "people": tr.people_hit[applied],
        "hard_to_reach": model.areas.hard_to_reach[s.area[applied]],
        "response_time": pd.array(np.where(reached, rt, np.nan), dtype="Float64"),
        "reached": reached,
        "censored": censored,
        "reach_72h": pd.array(tr.reach_72h[applied], dtype="Float64"),
        "reach_72h_local": pd.array(tr.reach_72h_local[applied], dtype="Float64"),
        "reach_72h_community": pd.array(model.communities.reach_72h_community[applied], dtype="Float64"),
        **{f"first_responders_{who}": pd.array(model.communities.first_responders[applied, j], dtype="Float64")
           for j, who in enumerate(("community", "local", "intl"))},
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
        "area_level": area_level(country),
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
        meta["funding_start"] = funding_start
    return RunResult(*tables[:3], metadata=meta, capacity=capacity)
