"""Test scaffolding: a small, real sweep directory written in the sweep contract's exact format.

Written here by hand (not by ``experiments.sweeps.grid``), so the analysis is tested against the
contract in ``sweep_contract.md`` rather than against its own writer: ``runs/<run_id>/`` by
``sim.store.write_run``, ``manifest.csv`` with every contract column, ``dataset/*.parquet``
with the identity columns, ``replicate`` and one column per factor, and ``sweep.json``.

The sweep: regime {baseline, sharing} x direct funding share {0.02, 0.25} x multi-year share
{0.2, 0.6} x 3 paired replicates, in a tiny country for 1.5 years with frequent rapid-onset
shocks (so the ``after_shock`` window exists). 24 runs, a few seconds.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging

import pandas as pd
import pytest

from sim.params import Params
from sim.results import run
from sim.store import provenance, write_run
from sim.rng import replicate_seeds

logging.getLogger("MESA").setLevel(logging.WARNING)

TINY_WORLD = dict(n_areas=10, n_local_ngos=12, n_community_orgs=4, n_national_authorities=1, n_ingos=3,
                  n_un_agencies=1, n_staff=300)
FACTORS = ["regime", "funding.direct_local_share", "funding.multi_year_share"]
LEVELS = {"regime": ["baseline", "sharing"], "funding.direct_local_share": [0.02, 0.25],
          "funding.multi_year_share": [0.2, 0.6]}
REPLICATES = 3
BASE_SEED = 11
YEARS = 1.5


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def base_config() -> dict:
    return Params.from_dict({"world": TINY_WORLD, "years": YEARS, "seed": BASE_SEED,
                             "crisis": {"rapid_onset_rate": 0.6}}).to_dict()


def write_sweep_dir(root, factors=FACTORS, levels=LEVELS, replicates=REPLICATES, reference=None) -> dict:
    """Run the sweep and write it in the contract format under ``root``; returns sweep.json's content."""
    cfg = base_config()
    seeds = replicate_seeds(BASE_SEED, replicates)
    manifest, merged = [], {"steps": [], "shocks": [], "areas": []}
    for combo in itertools.product(*(levels[f] for f in factors)):
        values = dict(zip(factors, combo))
        for rep, seed in enumerate(seeds):
            d = json.loads(json.dumps(cfg))
            d["seed"] = seed
            for key, v in values.items():
                node = d
                *parents, leaf = key.split(".")
                for p in parents:
                    node = node[p]
                node[leaf] = v
            params = Params.from_dict(d)
            result = run(params)
            rid = result.metadata["run_id"]
            out = write_run(result, root / "runs" / rid, extra_meta={"replicate": rep, "base_seed": BASE_SEED})
            row = {"run_id": rid, "status": "done", "replicate": rep, "seed": seed,
                   "overrides": json.dumps([f"{k}={v}" for k, v in values.items()]),
                   "duration_s": result.metadata["elapsed_seconds"], "error": ""}
            for t in merged:
                df = getattr(result, t).copy()
                df["replicate"] = rep
                for f in factors:
                    if f != "regime":
                        df[f] = values[f]
                merged[t].append(df)
                row[f"rows_{t}"] = len(df)
                row[f"sha256_{t}"] = _sha(out / f"{t}.parquet")
            manifest.append(row)
    (root / "dataset").mkdir(parents=True)
    for t, parts in merged.items():
        pd.concat(parts, ignore_index=True).to_parquet(root / "dataset" / f"{t}.parquet", index=False)
    pd.DataFrame(manifest).to_csv(root / "manifest.csv", index=False)
    info = {"experiment": "test_levers", "question": "Do direct and multi-year funding change coverage?",
            "primary_outcome": "coverage", "factors": list(factors), "replicates": replicates,
            "base_seed": BASE_SEED, "reference": reference if reference is not None else {"regime": "baseline"},
            "window_years": 0.5, "config": cfg, "provenance": provenance()}
    (root / "sweep.json").write_text(json.dumps(info, indent=2, default=str))
    return info


@pytest.fixture(scope="session")
def small_sweep(tmp_path_factory):
    """Path of the small sweep directory (built once per test session)."""
    root = tmp_path_factory.mktemp("sweep") / "test_levers"
    write_sweep_dir(root)
    return root
