"""The compiled kernels (``sim/jit.py``) compute what their numpy forms computed, to the last bit.

End to end, ``tests/test_golden.py`` holds a default-size run to the numbers the numpy code gave. Here:
the sums a kernel forms as numpy would (``pairwise_sum``, a row over sectors), the per-slot draws are
numpy's Philox draws, the kernels run as plain Python giving the compiled numbers (numba changes nothing in
the arithmetic), and a process that does not run a model never imports numba.
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


def _numpy_philox(seed: int, name: str, step: int, sub: int, n: int) -> np.ndarray:
    """What numpy's own Philox draws for a per-slot stream's week (the way ``sim/rng.py`` drew them before its
    kernel): keyed by (seed, crc32(name)), the counter set to [0, 0, sub, step], the buffer empty."""
    import zlib

    bits = np.random.Philox(key=((seed << 32) ^ zlib.crc32(name.encode())) & ((1 << 128) - 1))
    state = bits.state
    state["state"]["counter"] = np.array([0, 0, sub, step], np.uint64)
    state["buffer_pos"] = 4
    state["has_uint32"] = 0
    bits.state = state
    return np.random.Generator(bits).random(n)


# Seeds as replicate_seeds makes them (up to 2**63, so the key's second word is used) and small ones.
@pytest.mark.parametrize("seed", [0, 1, 2**63 - 25, 7_816_345_117_092_312_579])
def test_slot_draws_are_numpys_philox_bit_for_bit(seed):
    from sim.rng import Streams

    streams = Streams(seed)
    pick = np.random.default_rng(seed % 1000)
    for name in ("attrition", "layoffs", "security"):
        for step, sub, n in [(0, 0, 0), (0, 0, 1), (3, 0, 2), (5, 0, 7), (519, 3, 5000), (77, 2**40, 13),
                             (2**31, 1, 9)]:
            expected = _numpy_philox(seed, name, step, sub, n)
            np.testing.assert_array_equal(streams.slot_uniforms(name, step, n, sub), expected)
            if n:
                slots = pick.integers(0, n, 40)  # any order, repeats included
                np.testing.assert_array_equal(streams.at_slots(name, step, slots, sub), expected[slots])
    # Different weeks, keys and streams draw differently (so the comparison above can fail).
    a = streams.slot_uniforms("attrition", 5, 64)
    assert not np.array_equal(a, streams.slot_uniforms("attrition", 6, 64))
    assert not np.array_equal(a, streams.slot_uniforms("attrition", 5, 64, sub=1))
    assert not np.array_equal(a, streams.slot_uniforms("layoffs", 5, 64))


def test_philox_as_python_draws_numpys_numbers():
    """With numba's compiler switched off (``NUMBA_DISABLE_JIT=1``) the kernels run as Python, the 128-bit
    product in Python integers, and still draw numpy's numbers."""
    from sim.rng import mulhilo_python

    top = np.uint64(2**64 - 1)
    assert mulhilo_python(top, top) == (np.uint64(1), np.uint64(2**64 - 2))
    assert mulhilo_python(np.uint64(3 << 62), np.uint64(4)) == (np.uint64(0), np.uint64(3))
    code = ("import json, warnings; warnings.simplefilter('ignore')\n"
            "from sim.rng import Streams\n"
            "s = Streams(2**63 - 25)\n"
            "print(json.dumps([s.slot_uniforms('attrition', 519, 9, 3).tolist(), s.at_slots('layoffs', 4, [6, 1]).tolist()]))")
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    import json

    week, some = json.loads(out.stdout.strip().splitlines()[-1])
    assert week == _numpy_philox(2**63 - 25, "attrition", 519, 3, 9).tolist()
    assert some == _numpy_philox(2**63 - 25, "layoffs", 4, 0, 7)[[6, 1]].tolist()


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
