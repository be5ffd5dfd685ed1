"""What `capsim run` and `capsim compare` print fits a terminal of 100 columns, rounded to what it supports.

(`tests/test_compare.py` checks the width of a real `capsim compare`; here its tables are held at
the size of the main job, five configurations and every headline outcome, with numbers as wide as
unmet need's.)
"""

from __future__ import annotations

import contextlib
import io

import pandas as pd

from analysis.tables import terminal_tables
from experiments.cli.compare import HEADLINE_OUTCOMES
from experiments.cli.main import main as capsim
from experiments.cli.run import significant, terminal_table
from sim.outcomes import MAIN_OUTCOMES
from sweep_fixture import TINY_WORLD

WIDTH = 100


def test_run_prints_a_table_within_100_columns(tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        capsim(["run", *[f"world.{k}={v}" for k, v in TINY_WORLD.items()], "years=0.2", "seed=2",
                f"hydra.run.dir={tmp_path}"])
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("outcome"))
    table = lines[start:start + 1 + len(MAIN_OUTCOMES)]
    assert len(table) == 1 + len(MAIN_OUTCOMES) and "Coverage of needs" in table[1], table
    wide = [line for line in table if len(line) > WIDTH]
    assert not wide, f"capsim run prints lines wider than {WIDTH} columns: {wide}"


def test_run_table_shortens_long_units_and_rounds_to_three_digits():
    last = pd.DataFrame({"coverage": [0.41234, 0.41234], "unmet_need": [503712.3, 503712.3]})
    text = terminal_table(last, ["coverage", "unmet_need"], width=60)
    assert all(len(line) <= 60 for line in text.splitlines()), text
    assert "0.412" in text and "504,000" in text and "..." in text, text
    assert [significant(x) for x in (0.07649, 8.481, 314.2, 0.0)] == ["0.0765", "8.48", "314", "0"]


def test_compare_tables_fit_at_the_main_jobs_size():
    rows = {f"k{i}": name for i, name in enumerate(["baseline", "building", "strengthening", "sharing",
                                                     "sharing package"])}
    summary, diffs = [], []
    for i, key in enumerate(rows):
        for o in ["unmet_need", *HEADLINE_OUTCOMES]:
            big = 1e6 if o == "unmet_need" else 1.0
            summary.append({"_row": key, "outcome": o, "mean": 0.4123 * big, "ci_low": 0.4011 * big,
                            "ci_high": 0.4297 * big})
            if i:
                diffs.append({"_row": key, "outcome": o, "diff": -0.01234 * big, "ci_low": -0.02718 * big,
                              "ci_high": 0.00311 * big})
    means, differences = terminal_tables(pd.DataFrame(summary), pd.DataFrame(diffs), rows,
                                         ["unmet_need", *HEADLINE_OUTCOMES], width=WIDTH)
    for text in (means, differences):
        wide = [line for line in text.splitlines() if len(line) > WIDTH]
        assert not wide, f"lines wider than {WIDTH} columns: {wide}"
    assert len(means.splitlines()) == 6 and len(differences.splitlines()) == 5
    assert "Turnover" in means.splitlines()[0], "the means table keeps every headline outcome (it fits)"
    assert "Unmet need" in differences.splitlines()[0] and "Turnover" not in differences, \
        "the differences table keeps the first outcomes that fit"
    # one significant digit of the interval width: 412,300 [401,100, 429,700] reads 410,000
    assert "410,000" in means and "0.41" in means and "412,300" not in means, means
    assert "-10,000 [-30,000,0]" in differences and "-0.01 [-0.03,0.00]" in differences, differences
