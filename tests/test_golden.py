"""The same numbers: a small run's weekly table against a committed copy (``tests/golden/``).

Fails when any change moves any number of the model (to 1e-9 relative), so a restructure that is
meant to change nothing is shown to change nothing. A change that is meant to move numbers
regenerates the copy (``python tests/test_golden.py --update``) in the same commit, and says why
in docs/findings.md when it moves a headline.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "small_runs.parquet"
CASES = {
    "sharing_package": dict(regime="sharing", funding={"joint_programme_share": 0.5, "overhead_passed_on": 0.5}),
    "building_exit_shocks": dict(regime="building", funding={"exit_year": 1.5}, crisis={"rapid_onset_rate": 0.3}),
}


def compute() -> pd.DataFrame:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import small_params
    from sim.results import run

    parts = []
    for name, over in CASES.items():
        steps = run(small_params(seed=21, years=2.0, **over)).steps.drop(columns=["run_id"])
        parts.append(steps.assign(case=name))
    return pd.concat(parts, ignore_index=True)


def test_small_runs_give_the_committed_numbers():
    now = compute()
    golden = pd.read_parquet(GOLDEN)
    assert list(now.columns) == list(golden.columns), "the recorded outcomes changed (regenerate the golden copy)"
    pd.testing.assert_frame_equal(now, golden, check_exact=False, rtol=1e-9, atol=1e-12,
                                  obj="small runs against tests/golden/small_runs.parquet")


if __name__ == "__main__" and "--update" in sys.argv:
    GOLDEN.parent.mkdir(exist_ok=True)
    compute().to_parquet(GOLDEN, index=False)
    print(f"written {GOLDEN}")
