"""One seed determines a run; regimes run with one seed face the same world (common random numbers)."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import run_model, small_params, steps
from sim.model import CapacityModel
from sim.rng import replicate_seeds


def test_same_seed_same_output():
    p = small_params(years=2.0, seed=11)
    a, b = steps(p), steps(p)
    pd.testing.assert_frame_equal(a, b, check_exact=True, obj="steps of two runs with the same seed")


def test_different_seed_different_output():
    a, b = steps(small_params(years=1.0, seed=1)), steps(small_params(years=1.0, seed=2))
    assert not np.allclose(a["coverage"], b["coverage"]), "two seeds gave identical coverage: seed is not used"


def test_regime_leaves_shocks_and_initial_population_unchanged():
    models = {r: CapacityModel(small_params(regime=r, seed=5, crisis={"rapid_onset_rate": 0.2})) for r in
              ("baseline", "building", "strengthening", "sharing")}
    ref = models["baseline"]
    assert len(ref.shocks) > 0, "test needs shocks"
    for r, m in models.items():
        for field in ("step", "area", "kind", "people", "duration"):
            np.testing.assert_array_equal(getattr(m.shocks, field), getattr(ref.shocks, field),
                                          err_msg=f"shock schedule field {field} differs under {r}")
        np.testing.assert_array_equal(m.areas.population, ref.areas.population, err_msg=f"areas differ under {r}")
        np.testing.assert_array_equal(m.orgs.inst, ref.orgs.inst, err_msg=f"initial organisations differ under {r}")
        np.testing.assert_array_equal(m.staff.tech_base, ref.staff.tech_base, err_msg=f"initial staff differ under {r}")


def test_shocks_hit_the_same_areas_at_the_same_steps_during_runs():
    a = run_model(small_params(regime="building", seed=3, years=2.0, crisis={"rapid_onset_rate": 0.3}))
    b = run_model(small_params(regime="sharing", seed=3, years=2.0, crisis={"rapid_onset_rate": 0.3}))
    np.testing.assert_array_equal(a.tracker.applied, b.tracker.applied, err_msg="applied shocks differ between regimes")


def test_replicate_seeds_are_deterministic_and_distinct():
    s1, s2 = replicate_seeds(42, 20), replicate_seeds(42, 20)
    assert s1 == s2, "replicate seeds from one base seed changed between calls"
    assert len(set(s1)) == 20, "replicate seeds collide"
    assert replicate_seeds(43, 20) != s1, "different base seeds gave the same replicate seeds"


def test_runs_are_the_same_whatever_the_processors_vector_instructions(tmp_path):
    """numpy picks sorting and reduction kernels by the processor (AVX-512, AVX2, or the baseline), so a
    model that relied on ``np.argpartition``'s order gave different runs on different machines (it
    did: the golden copy, made on an AVX2 machine, failed on an AVX-512 one). The golden cases, run
    with numpy's faster kernels switched off (``NPY_DISABLE_CPU_FEATURES``), must give this process's
    numbers to the golden tolerance (sums in another order differ in the last bits only).

    OpenBLAS, behind numpy's ``@``, picks its kernels by the processor too, and they add in different
    orders (a row sum of four: (a0 + a2) + (a1 + a3) in the Haswell kernel, in sequence in the Sandy
    Bridge one): the golden cases with OpenBLAS's Sandy Bridge kernels forced (``OPENBLAS_CORETYPE``; any
    processor with AVX2 runs them) must agree too. They did not until the losses written off stopped
    reporting a difference of two sums' rounding as money (``sim/risk.py`` ``WRITE_OFF_ROUNDING``)."""
    from numpy._core._multiarray_umath import __cpu_features__ as found

    if platform.machine() not in ("x86_64", "AMD64") or not (found.get("X86_V3") or found.get("X86_V4")):
        pytest.skip("needs an x86-64 processor with AVX2 or AVX-512 (numpy has only its baseline kernels here)")
    root = Path(__file__).resolve().parents[1]
    script = ("import sys; sys.path.insert(0, 'tests'); from test_golden import compute; "
              "compute().to_parquet(sys.argv[1])")
    runs = {}
    variants = (("default", {}), ("no AVX-512", {"NPY_DISABLE_CPU_FEATURES": "AVX512_SPR AVX512_ICL X86_V4"}),
                ("baseline only", {"NPY_DISABLE_CPU_FEATURES": "AVX512_SPR AVX512_ICL X86_V4 X86_V3"}))
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    if "openblas" in blas.lower():  # (numpy's wheels; a numpy built on another library has its own kernels)
        variants += (("OpenBLAS's Sandy Bridge", {"OPENBLAS_CORETYPE": "Sandybridge", "OPENBLAS_VERBOSE": "2"}),)
    for name, extra in variants:
        out = tmp_path / f"{len(runs)}.parquet"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("NPY_DISABLE", "OPENBLAS_"))}, **extra}
        done = subprocess.run([sys.executable, "-c", script, str(out)], cwd=root, env=env, check=True, timeout=600,
                              capture_output=True, text=True)
        if "OPENBLAS_CORETYPE" in extra:  # OpenBLAS says which kernels it loaded (numpy's own copy among them)
            assert "Core: Sandybridge" in done.stdout + done.stderr, "OpenBLAS did not take the forced kernels"
        runs[name] = pd.read_parquet(out)
    for name in [v[0] for v in variants[1:]]:
        pd.testing.assert_frame_equal(runs[name], runs["default"], check_exact=False, rtol=1e-9, atol=1e-12,
                                      obj=f"golden cases with {name} kernels against the default kernels")


def test_smallest_k_orders_by_key_then_position():
    from sim.turnover import smallest_k

    key = np.array([0.5, 0.1, 0.3, 0.1, 0.9, 0.3])
    assert smallest_k(key, 3).tolist() == [1, 3, 2]  # 0.1 (position 1), 0.1 (3), then the first 0.3
    assert smallest_k(key, 4).tolist() == [1, 3, 2, 5]
    assert smallest_k(key, 0).tolist() == [] and smallest_k(key, 9).tolist() == [1, 3, 2, 5, 0, 4]
