"""`capsim compare` writes a sweep directory in the contract format and reports on it; flow outcomes add up."""

import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest

from analysis.dataset import load
from experiments.cli.main import main
from experiments.config import params_from_cfg
from experiments.sweeps.grid import run_grid
from sim.outcomes import label
from sim.params import Params
from sim.results import run
from sim.rng import replicate_seeds
from sweep_fixture import TINY_WORLD

TINY = [f"world.{k}={v}" for k, v in TINY_WORLD.items()]


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    """One small `capsim compare`: its directory and what it printed."""
    out = tmp_path_factory.mktemp("compare") / "cmp"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        main(["compare", *TINY, "years=1", "seed=3", "crisis=rapid_onset", "compare.replicates=2",
              "compare.regimes=[baseline,sharing]", "compare.window_years=0.5", "compare.n_jobs=1",
              f"hydra.run.dir={out}"])
    return out, printed.getvalue()


@pytest.fixture(scope="module")
def compare_dir(compare_run):
    return compare_run[0]


def test_compare_writes_the_sweep_contract(compare_dir):
    info = json.loads((compare_dir / "sweep.json").read_text())
    levers = ["funding.joint_programme_share", "funding.overhead_passed_on"]
    assert info["factors"] == ["regime", *levers], info["factors"]
    assert info["reference"] == {"regime": "baseline", levers[0]: 0.0, levers[1]: 0.0}
    assert info["replicates"] == 2 and info["base_seed"] == 3 and info["window_years"] == 0.5
    assert info["primary_outcome"] == "coverage" and info["question"]
    assert info["provenance"]["packages"]["mesa"].startswith("3.")
    manifest = pd.read_csv(compare_dir / "manifest.csv")
    for col in ("run_id", "status", "replicate", "seed", "overrides", "duration_s", "error", "rows_steps",
                "rows_shocks", "rows_areas", "sha256_steps", "sha256_shocks", "sha256_areas"):
        assert col in manifest.columns, f"manifest lacks {col}"
    assert len(manifest) == 6 and (manifest["status"] == "done").all(), "2 regimes and the package x 2 replicates"
    seeds = replicate_seeds(3, 2)
    assert sorted(manifest["seed"]) == sorted(seeds * 3), "replicate seeds are not shared across configurations"
    for rid in manifest["run_id"]:
        assert (compare_dir / "runs" / rid / "steps.parquet").is_file()
    data = load(compare_dir)
    assert data.n_replicates == 2 and data.levels("regime") == ["baseline", "sharing"]
    package = data.runs[data.runs["funding.joint_programme_share"] > 0]
    assert len(package) == 2 and (package["regime"] == "sharing").all(), "the package is sharing with the levers"
    assert set(data.steps["replicate"]) == {0, 1}


def test_compare_report_is_the_report(compare_dir):
    rep = compare_dir / "report"
    index = json.loads((rep / "report.json").read_text())
    assert {"timeseries_outcomes", "comparison_last0p5y", "effects_vs_reference_last0p5y", "flows_staff_last0p5y",
            "flows_funding_last0p5y"} <= set(index["figures"])
    for f in index["figures"]:
        assert (rep / f"{f}.png").is_file() and (rep / f"{f}.svg").is_file() and (rep / f"{f}.json").is_file()
    table = pd.read_csv(rep / "summary_table_last0p5y.csv")
    assert list(table["Regime"]) == ["baseline", "sharing", "sharing"] and label("coverage") in table.columns
    assert "data:image/png;base64," in (rep / "index.html").read_text()


def test_compare_table_printed(compare_run):
    text = compare_run[1]
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("configuration"))
    table = lines[start:start + 4]
    assert [row.split()[0] for row in table[1:]] == ["baseline", "sharing", "sharing"], table
    assert "sharing package" in table[3], "the package row is named"
    assert "Coverage" in table[0] and "Hard-to-reach" in table[0]
    assert "difference to reference" in text, "paired differences missing from the printed table"
    width = max(len(line) for line in lines[start:] if not line.startswith(("(", "runs in")))
    assert width <= 100, f"the printed tables are {width} columns wide"
    assert "report/" in text and "2 paired replicates" in text


def test_grid_rerun_skips_complete_runs_and_gives_the_same_dataset(compare_dir):
    before = pd.read_parquet(compare_dir / "dataset" / "steps.parquet")
    info = json.loads((compare_dir / "sweep.json").read_text())
    base = params_from_cfg(info["config"])
    assert base.seed == 3
    from experiments.cli.compare import configurations

    points, levers = configurations(base, ["baseline", "sharing"], info["config"]["compare"]["package"])
    run_grid(base, points, 2, compare_dir, experiment="compare", question="q", primary_outcome="coverage",
             reference=info["reference"], window_years=0.5, n_jobs=1, progress=False)
    manifest = pd.read_csv(compare_dir / "manifest.csv")
    assert (manifest["status"] == "skipped").all(), "complete runs were run again"
    after = pd.read_parquet(compare_dir / "dataset" / "steps.parquet")
    pd.testing.assert_frame_equal(before, after)


def test_compare_loads_the_report_modules_while_its_runs_go_on(tmp_path):
    """The report's modules (Matplotlib, seaborn, scipy's statistics: about 2.2 s here) are first imported by a
    background thread started as the runs begin, not by the command before them (in a fresh interpreter)."""
    import subprocess
    import sys

    code = f"""
import sys, threading
importers = []
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "analysis.report":
            importers.append(threading.current_thread().name)
        return None
sys.meta_path.insert(0, Watch())
import experiments.sweeps.grid as grid
def runs(*a, **k):
    raise SystemExit("runs reached; report imported by: " + ",".join(importers))
grid.run_grid = runs
from experiments.cli.main import main
main(["compare", {", ".join(repr(t) for t in TINY)}, "years=1", "compare.replicates=2", "compare.n_jobs=1",
      "hydra.run.dir={tmp_path / 'cmp'}"])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    said = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.stdout
    assert "runs reached" in said, said
    importers = said.split("imported by: ", 1)[1].split(",") if "imported by: " in said else []
    assert "MainThread" not in importers, f"the command imported the report's modules before its runs: {said}"


def test_compare_refuses_bad_settings(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "compare.replicates=1", "years=0.1"])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and "compare.replicates = 1 is too small" in err and len(err.splitlines()) == 1, err


def test_help_lists_report(capsys):
    assert main(["--help"]) == 0
    assert "  report " in capsys.readouterr().out


def test_recorded_flows_add_up():
    """The flow outcomes behind the flow figures split existing totals exactly."""
    p = Params.from_dict({"world": TINY_WORLD, "years": 1.0, "seed": 5, "regime": "sharing",
                          "funding": {"direct_local_share": 0.2}})
    s = run(p).steps
    assert np.array_equal(s["new_hires_local"] + s["new_hires_intl"], s["new_hires"])
    assert np.allclose(s["new_separations_local"] + s["new_separations_intl"],
                       s["new_quits"] + s["new_layoffs"] + s["new_other_departures"])
    donor = s["donor_disbursed"]
    assert np.allclose(s["funding_direct_local"], s["direct_local_funding_share"] * donor, rtol=1e-9, atol=1e-6)
    pooled = s["pooled_local_funding_share"] * donor
    assert np.allclose(s["funding_direct_local"] + s["funding_via_intermediaries"] + pooled,
                       s["total_local_funding_share"] * donor, rtol=1e-9, atol=1e-6)
    assert s["funding_direct_local"].sum() > 0 and s["funding_via_intermediaries"].sum() > 0
    assert s["new_hires_intl"].sum() > 0 and s["new_separations_local"].sum() > 0


def test_compare_when_the_package_sets_a_lever_to_the_value_already_run(tmp_path):
    """The package sets funding.overhead_passed_on to 0.5; with the same value set for every regime the
    lever's grid has holes (no package at 0), which once crashed the flow figures after the tables."""
    out = tmp_path / "cmp"
    with contextlib.redirect_stdout(io.StringIO()):
        main(["compare", *TINY, "years=0.5", "seed=3", "funding.overhead_passed_on=0.5", "compare.replicates=2",
              "compare.regimes=[baseline,sharing]", "compare.window_years=0.25", "compare.n_jobs=1",
              f"hydra.run.dir={out}"])
    assert (out / "report" / "index.html").is_file()
    assert list((out / "report").glob("flows_staff_*.png")), "the staff flow figure was not drawn"
