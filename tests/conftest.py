"""Shared helpers: small, fast model configurations and a runner returning tables."""

from __future__ import annotations

import copy
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.model import CapacityModel  # noqa: E402
from sim.params import Params  # noqa: E402

logging.getLogger("MESA").setLevel(logging.WARNING)

SMALL_WORLD = dict(n_areas=20, n_local_ngos=30, n_community_orgs=10, n_national_authorities=1, n_ingos=5,
                   n_un_agencies=2, n_staff=1500)


def deep_merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def small_params(**overrides) -> Params:
    """A small country (fast) with any nested overrides, e.g. funding={"multi_year_share": 0.8}."""
    base = {"world": dict(SMALL_WORLD), "years": 5.0}
    return Params.from_dict(deep_merge(base, overrides))


def run_model(params: Params) -> CapacityModel:
    m = CapacityModel(params)
    for _ in range(m.n_steps):
        m.step()
    return m


def steps(params: Params):
    return run_model(params).recorder.steps_table()


def paired_mean(outcome: str, seeds, make_a, make_b, last_years: float = 2.0):
    """Mean over seeds of (b - a) in an outcome's mean over the last years (paired seeds)."""
    diffs = []
    for s in seeds:
        a, b = steps(make_a(s)), steps(make_b(s))
        cut = a["year"].max() - last_years
        diffs.append(b[b.year > cut][outcome].mean() - a[a.year > cut][outcome].mean())
    return float(np.mean(diffs)), diffs


@pytest.fixture
def tmp_out(tmp_path):
    return tmp_path


def assert_refused(main, argv, expected: str, capsys, code: int = 2) -> str:
    """Run the CLI with ``argv``: it must exit with ``code`` and one stderr line containing ``expected``."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == code, f"exit code {exc.value.code} for {argv}: {err}"
    assert len(err.splitlines()) == 1, f"error is not one line: {err!r}"
    assert expected in err, f"{expected!r} not in {err!r}"
    return err


# pytest-xdist (``bootstrap.sh test`` runs ``-n auto --dist loadgroup``): each test file runs in one
# worker, in its own order (module fixtures and caches are shared by a file's tests as in a serial
# run); the test files that share the one-node SLURM cluster (one of them stops and restarts its
# node) run in one worker, one after another.
SHARED_CLUSTER_FILES = {"test_cluster.py", "test_input_catalogue.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.path.name
        item.add_marker(pytest.mark.xdist_group("slurm" if name in SHARED_CLUSTER_FILES else name))


def assert_measured_on_current_model(artefact: Path, what: str, redo: str) -> None:
    """A committed measurement (JSON naming ``commit`` and ``uncommitted_changes``) was taken on the model
    as it stands: the last commit touching sim/ is its commit or one of its ancestors.

    Args:
        artefact: the committed JSON file.
        what: how the messages name it, e.g. "docs/bench/bench.json".
        redo: the command that regenerates it.
    """
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout (install git and clone the repository)")
    committed = json.loads(artefact.read_text())
    measured = committed.get("commit")
    assert measured, f"{what} has no commit: regenerate it with `{redo}`"
    assert committed.get("uncommitted_changes") is False, f"{what} was made with uncommitted changes"
    last_sim = subprocess.run(["git", "log", "-1", "--format=%H", "--", "sim"], cwd=ROOT, capture_output=True,
                              text=True, check=False).stdout.strip()
    if not last_sim:
        pytest.skip("a shallow clone without sim/'s history")
    known = subprocess.run(["git", "cat-file", "-e", f"{measured}^{{commit}}"], cwd=ROOT, capture_output=True, check=False)
    assert known.returncode == 0, f"the commit {what} names, {measured[:10]}, is not in this repository's history"
    fresh = subprocess.run(["git", "merge-base", "--is-ancestor", last_sim, measured], cwd=ROOT, check=False)
    assert fresh.returncode == 0, (f"sim/ changed in {last_sim[:10]} after {what} was made on {measured[:10]}: "
                                   f"run `{redo}` and commit it")
