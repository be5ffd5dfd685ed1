"""The capsim command: help, one run end to end, and bad input refused in one line (exit 2)."""

import json

import pandas as pd
import pytest

from experiments.cli.main import main
from conftest import assert_refused

BAD = [
    (["run", "regime=sharng"], "no such option (did you mean sharing?)"),
    (["run", "funding.multi_year_share=1.5"], "funding.multi_year_share = 1.5 is out of range"),
    (["run", "funding.multi_yr_share=0.5"], "did you mean funding.multi_year_share"),
    (["run", "fundng.direct_local_share=0.5"], "is not a known parameter"),
    (["run", "seed=abc"], "seed = 'abc' is not a number"),
    (["run", "seed=-1"], "seed = -1 is out of range"),
    (["run", "years=0"], "years = 0.0 is out of range"),
    (["run", "years=nan"], "is not a finite number"),
    (["run", "years=inf"], "is not a finite number"),
    (["run", "funding.direct_local_share=0.6", "funding.sharing_earmark=0.5"], "exceeds 1"),
    (["run", "scenario=atlantis"], "scenario=atlantis: no such option"),
    (["run", "crisis=flood"], "crisis=flood: no such option"),
    (["run", "world.n_staff=-5"], "world.n_staff = -5 is out of range"),
    (["run", "world.n_areas=0"], "world.n_areas = 0 is out of range"),
    (["run", "world.n_staff=100000000"], "GiB of memory"),
    (["run", "governance.priority_setting=donors"], "governance.priority_setting = 'donors' is unknown"),
    (["run", "regimes.sharing.two_way=maybe"], "regimes.sharing.two_way = 'maybe' is not true/false"),
    (["run", "world.n_staff=2.5"], "is not a whole number"),
    (["run", "world=5"], "world = 5 is not a section"),
    (["run", "regime"], "is not an override"),
    (["run", "funding.exit_year=soon"], "funding.exit_year = 'soon' is not a number"),
    (["compare", "regime=nope"], "no such option"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["rnu"], "did you mean run?"),
]


@pytest.mark.parametrize("argv,expected", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_one_line_exit_2(argv, expected, capsys):
    err = assert_refused(main, argv, expected, capsys)
    assert "Traceback" not in err


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("run", "compare", "params"):
        assert f"  {cmd} " in out, f"capsim --help does not list {cmd}"


def test_run_writes_tables_and_metadata(tmp_path, capsys):
    out = tmp_path / "r"
    main(["run", "years=0.5", "seed=7", "regime=sharing", "funding.multi_year_share=0.6", f"hydra.run.dir={out}"])
    res = out / "results"
    steps = pd.read_parquet(res / "steps.parquet")
    shocks = pd.read_parquet(res / "shocks.parquet")
    meta = json.loads((res / "metadata.json").read_text())
    assert len(steps) == 26
    for col in ("run_id", "scenario", "regime", "seed"):
        assert col in steps.columns and col in shocks.columns, f"{col} missing from tables"
    assert (steps["regime"] == "sharing").all() and (steps["seed"] == 7).all()
    assert meta["params"]["funding"]["multi_year_share"] == 0.6, "resolved config missing from metadata"
    assert meta["provenance"]["packages"]["mesa"].startswith("3."), "package versions missing"
    assert "commit" in meta["provenance"]["code"]
    assert (out / ".hydra" / "config.yaml").is_file(), "Hydra's own record of the config is missing"


def test_hydra_cfg_flag_passes_through(capsys):
    main(["run", "--cfg", "job", "funding.multi_year_share=0.6"])
    out = capsys.readouterr().out
    assert "multi_year_share: 0.6" in out


def test_bootstrap_byte_compiles_the_project():
    """``bootstrap.sh`` byte-compiles the project's modules, so that every command and worker starts without
    compiling them again where PYTHONDONTWRITEBYTECODE is set (about 0.2 s a process)."""
    import importlib.util
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if Path(sys.prefix).resolve() != (root / ".venv").resolve():
        pytest.skip("runs from the project's own .venv only (bash bootstrap.sh test): it calls bootstrap.sh")
    cached = Path(importlib.util.cache_from_source(str(root / "sim" / "store.py")))
    cached.unlink(missing_ok=True)
    out = subprocess.run(["bash", str(root / "bootstrap.sh"), "capsim", "--version"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=600)
    assert out.returncode == 0, out.stderr[-500:]
    assert cached.is_file(), f"bootstrap.sh left no byte code for sim/store.py ({cached})"
