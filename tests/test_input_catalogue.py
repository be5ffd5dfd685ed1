"""Every catalogued malformed input: the documented exit code, one line, no traceback, nothing written."""

import pytest

from input_catalogue import CASES, missing, run_case
from slurm_available import need


def test_catalogue_is_large_enough():
    assert len(CASES) >= 40, f"the catalogue has only {len(CASES)} cases"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input_is_refused(case, tmp_path):
    need(missing(case))
    code, err = run_case(case, tmp_path)
    assert code == case.code, f"{case.name}: exit {code}, expected {case.code}; stderr {err!r}"
    assert len(err.splitlines()) == 1, f"{case.name}: message is not one line: {err!r}"
    assert case.expect in err, f"{case.name}: {case.expect!r} not in {err!r}"
    assert "Traceback" not in err
    leftovers = [p for p in tmp_path.rglob("*.parquet")] + [p for p in tmp_path.rglob("metadata.json")]
    assert not leftovers, f"{case.name}: result files were written: {leftovers}"
