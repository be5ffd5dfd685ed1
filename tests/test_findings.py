"""Conclusions under regression: a change that flips a headline conclusion fails here until the
baseline is regenerated (``capsim findings --update``) and ``docs/findings.md`` says why."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.findings import baseline_id, classify, compare_to_baseline

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "docs" / "findings_baseline.json"


def test_classify_needs_an_interval_that_excludes_zero():
    assert classify(0.01, 0.05) == "higher"
    assert classify(-0.05, -0.01) == "lower"
    assert classify(-0.01, 0.05) == "unclear"
    assert classify(-1e-17, 1e-17) == "none"


def test_a_flipped_conclusion_is_reported():
    base = {"conclusions": [{"comparison": "sharing", "outcome": "coverage", "conclusion": "higher", "diff": 0.02,
                             "ci_low": 0.01, "ci_high": 0.03}]}
    same = pd.DataFrame([{"comparison": "sharing", "outcome": "coverage", "conclusion": "higher", "diff": 0.015,
                          "ci_low": 0.005, "ci_high": 0.02}])
    flipped = same.assign(conclusion="unclear", ci_low=-0.001)
    assert compare_to_baseline(same, base) == []
    lines = compare_to_baseline(flipped, base)
    assert len(lines) == 1 and "higher" in lines[0] and "unclear" in lines[0]


@pytest.mark.slow
def test_no_headline_conclusion_flipped_without_a_line_in_findings():
    from experiments.cli.findings import compute

    base = json.loads(BASELINE.read_text())
    table = compute(n_jobs=2)
    flips = compare_to_baseline(table, base)
    assert not flips, ("headline conclusions changed; if the change is meant, run `capsim findings --update` and add "
                       "a line to docs/findings.md naming the new baseline id and why:\n" + "\n".join(flips))
    assert baseline_id(pd.DataFrame(base["conclusions"])) == base["id"], "the baseline's id does not match its content"
    findings = (ROOT / "docs" / "findings.md").read_text()
    assert f"findings baseline {base['id']}" in findings, \
        f"docs/findings.md does not name the current findings baseline {base['id']} (say what changed and why)"


def test_the_findings_command_reads_the_committed_baseline():
    from experiments.cli.findings import BASELINE_PATH

    assert BASELINE_PATH == ROOT / "docs" / "findings_baseline.json" and BASELINE_PATH.is_file()
