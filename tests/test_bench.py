"""The benchmark runs at a tiny size and its JSON holds every figure the issue asks for (no timing asserts)."""

import json
import statistics

from experiments.bench.bench import main, scaled_params


def test_scaled_params_scale_sizes_and_budgets_together():
    p1, p4 = scaled_params(1, 1.0), scaled_params(4, 1.0)
    assert p4.world.n_staff == 4 * p1.world.n_staff and p4.world.n_areas == 4 * p1.world.n_areas
    assert p4.world.n_ingos == 4 * p1.world.n_ingos
    assert p4.funding.annual_budget == 4 * p1.funding.annual_budget


def test_bench_quick_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--quick", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    for key in ("cores", "python", "numpy", "mesa"):
        assert key in res["machine"], f"machine record lacks {key}"
    assert res["boltzmann_wealth"]["us_per_agent_step"] > 0
    for m in res["model"]:
        for key in ("us_per_step", "us_per_step_min", "us_per_step_max", "seconds_per_year",
                    "entity_updates_per_second", "entity_updates_per_second_min", "entity_updates_per_second_max"):
            assert m[key] > 0, f"{key} missing or not positive at scale {m['scale']}"
    h = res["headline"]
    for key in ("ratio_vs_boltzmann", "scaling_exponent", "parallel_efficiency_2_workers", "peak_memory_default_mb"):
        assert key in h and h[key] == h[key], f"headline {key} missing or NaN"
    # The headline ratio is the median of back-to-back pairs (reference, then model, or the other way round).
    pr = res["paired_ratio"]
    assert len(pr["rows"]) == pr["pairs"] == 2
    for row in pr["rows"]:
        assert row["ratio"] == pr["entities"] * row["boltzmann_us_per_agent_step"] / row["model_us_per_step"]
    assert h["ratio_vs_boltzmann"] == statistics.median(r["ratio"] for r in pr["rows"])
    assert h["ratio_vs_boltzmann_separate"] > 0 and h["ratio_vs_boltzmann_pairs_range"] == [pr["ratio_min"], pr["ratio_max"]]
    assert res["sweep"]["seconds_1_worker"] > 0 and res["sweep"]["seconds_2_workers"] > 0
    # The warm figure leaves the workers' start-up out of the clock; the end-to-end one keeps it in.
    sw = res["sweep"]
    assert 0 < sw["seconds_2_workers_warm"] and 0 < sw["worker_start_seconds"]
    assert h["parallel_efficiency_2_workers_warm"] == sw["seconds_1_worker"] / (2 * sw["seconds_2_workers_warm"])
    c = res["commands"]
    assert c["run_seconds"] > 0 and c["compare_seconds"] > 0 and c["compare_runs_seconds"] > 0
    assert 0 < c["sweep_start_seconds"] < c["sweep_seconds"], "the sweep's first run must start before it ends"
    assert len(res["commit"]) == 40 and isinstance(res["uncommitted_changes"], bool)
    assert "entity-updates/s vs BoltzmannWealth" in capsys.readouterr().out


def test_peak_memory_is_the_child_runs_own():
    """The memory figure is the run's process alone, whatever the size of the process that
    starts it (getrusage's ru_maxrss would report this test process's 600 MB)."""
    import numpy as np

    from experiments.bench.bench import peak_memory_mb

    ballast = np.ones(600 * 2**20 // 8)  # 600 MB, touched
    assert ballast.sum() > 0
    assert peak_memory_mb(1, 0.05) < 400


def test_the_committed_bench_is_not_older_than_the_model():
    """docs/bench/bench.json names the commit it measured; the last change to sim/ must be that commit or
    one of its ancestors, so that the committed speed figures are the model's as it stands."""
    from pathlib import Path

    from conftest import assert_measured_on_current_model

    assert_measured_on_current_model(Path(__file__).resolve().parents[1] / "docs" / "bench" / "bench.json",
                                     "docs/bench/bench.json", "capsim bench --out docs/bench/bench.json")



def test_the_first_run_probe_is_written_once(tmp_path, monkeypatch):
    """capsim bench times a sweep's start-up by the probe the first run writes; later runs leave it."""
    import time

    from experiments.runner import START_PROBE, note_first_start

    probe = tmp_path / "first"
    monkeypatch.setenv(START_PROBE, str(probe))
    before = time.time()
    note_first_start()
    first = float(probe.read_text())
    assert before <= first <= time.time()
    note_first_start()
    assert float(probe.read_text()) == first
