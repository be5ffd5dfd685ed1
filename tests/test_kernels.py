"""The compiled kernels (``sim/jit.py``) compute what their numpy forms computed, to the last bit.

End to end, ``tests/test_golden.py`` holds a default-size run to the numbers the numpy code gave. Here:
the sums a kernel forms as numpy would (``pairwise_sum``, a row over sectors), the kernels run as plain
Python giving the compiled numbers (numba changes nothing in the arithmetic), and a process that does not
run a model never imports numba.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.delivery import _row_sum
from sim.jit import masked_sum, pairwise_sum

ROOT = Path(__file__).resolve().parents[1]


def _far_apart(rng, shape):
    """Values whose magnitudes are far apart: a sum's order shows in its last bits."""
    return rng.random(shape) * np.exp(rng.normal(0.0, 8.0, shape))


@pytest.mark.parametrize("seed", range(3))
def test_pairwise_sum_is_numpys_sum_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    sizes = list(range(0, 300)) + [511, 512, 513, 1000, 1023, 1024, 1025, 4097, 9999]
    for n in sizes:
        x = _far_apart(rng, n)
        assert pairwise_sum(x) == x.sum(), n
        mask = rng.random(n) < 0.6
        assert masked_sum(x, mask) == x[mask].sum(), n
    # The data tell orders apart: a sum in order differs from numpy's (so the check above can fail).
    x = _far_apart(np.random.default_rng(99), 200)
    in_order = 0.0
    for v in x:
        in_order += v
    assert in_order != x.sum()


@pytest.mark.parametrize("k", range(1, 13))
def test_row_sum_over_sectors_is_numpys_row_sum(k):
    from sim.areas import sector_sum

    rng = np.random.default_rng(k)
    x = _far_apart(rng, (300, k))
    got = np.array([_row_sum(x, r) for r in range(len(x))])
    np.testing.assert_array_equal(got, x.sum(1))
    np.testing.assert_array_equal(got, sector_sum(x))


_RUN = """
import json, sys
sys.path.insert(0, "tests")
from conftest import small_params, steps
t = steps(small_params(years=0.6, regime="sharing", funding={"un_to_ingo_share": 0.3, "risk_sharing": 0.5}))
print(json.dumps(t.select_dtypes("number").to_numpy().tolist()))
"""


def _run(env_extra: dict) -> list:
    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", _RUN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def test_kernels_run_as_plain_python_give_the_compiled_numbers():
    """NUMBA_DISABLE_JIT runs every kernel as the Python it is written in: the same weekly outcomes, bit for
    bit, as the compiled kernels (so a kernel means what it says, and numba changes no arithmetic)."""
    compiled = np.array(_run({}), dtype=float)
    plain = np.array(_run({"NUMBA_DISABLE_JIT": "1"}), dtype=float)
    assert compiled.shape == plain.shape and compiled.size > 100
    np.testing.assert_array_equal(compiled, plain)


def test_numba_is_imported_only_when_a_model_runs():
    code = ("import sys; import sim.model, sim.params, experiments.sweeps; a = 'numba' in sys.modules\n"
            "from sim.model import CapacityModel\n"
            "CapacityModel(sim.params.Params.from_dict({'years': 0.1})).step(); print(a, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "True"]
