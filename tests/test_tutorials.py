"""The tutorials (docs/tutorials/*.ipynb) run, so they cannot rot.

Each notebook is executed from a clean kernel at its reduced size (``CAPSIM_TUTORIAL_SMALL=1``:
the same steps with fewer replicates and years), two at a time (one kernel per core); a cell that
raises, or a capsim command that fails, fails the notebook's test. The committed notebooks carry
their outputs (the site shows them): every code cell has been run, in order, without an error, and
no output names the temporary folder it was run in. To refresh one after a change:
``.venv/bin/jupyter nbconvert --to notebook --execute --inplace docs/tutorials/<name>.ipynb``.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import ROOT

TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.ipynb"))
SMALL = "CAPSIM_TUTORIAL_SMALL"


def _execute(path) -> str | None:
    """Run one notebook in a fresh kernel; None if it ran, else the failing cell's error."""
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(book, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": tempfile.mkdtemp(prefix="capsim-tutorial-cwd-")}})
    try:
        client.execute()
    except CellExecutionError as e:
        return str(e)[-3000:]
    return None


@pytest.fixture(scope="module")
def executed() -> dict:
    """Every tutorial executed at its reduced size: name -> error (None if it ran)."""
    before = os.environ.get(SMALL)
    os.environ[SMALL] = "1"  # kernels inherit the environment
    try:
        # the ones that run many simulations (compare, sweep) first, so the two kernels finish together
        order = sorted(TUTORIALS, key=lambda p: -sum(p.read_text(encoding="utf-8").count(f'capsim(\\"{c}\\"')
                                                     for c in ("compare", "sweep", "report")))
        with ThreadPoolExecutor(max_workers=2) as pool:
            return dict(zip([p.name for p in order], pool.map(_execute, order)))
    finally:
        if before is None:
            os.environ.pop(SMALL, None)
        else:
            os.environ[SMALL] = before


def test_there_are_four_tutorials():
    names = [p.stem for p in TUTORIALS]
    assert len(names) >= 4, f"docs/tutorials has {names}"


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs(executed, path):
    error = executed[path.name]
    assert error is None, f"{path.name} failed at its reduced size:\n{error}"


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_committed_tutorial_shows_its_outputs(path):
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code]
    assert all(counts) and counts == sorted(counts), \
        f"{path.name} is not committed executed in order (execution counts {counts}); re-run it top to bottom"
    for c in code:
        for out in c.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name} was committed with an error output"
            text = str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
            assert "/tmp/capsim-tutorial" not in text, f"{path.name} shows a temporary path: {text[:200]}"
    assert any(c.get("outputs") for c in code), f"{path.name} has no outputs"
    images = [o for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, f"{path.name} shows no figure (analysis.style draws off-screen: show the saved PNG)"
