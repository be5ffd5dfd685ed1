"""A donor's words (analysis/brief.py `say`): one definition per headline, no change printed that the runs
do not support, no "0.0 weeks later", windows named."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.brief import format_effect, say
from sim.outcomes import DONOR_HEADLINES, OUTCOMES


def _eff(measure, diffs, ref=10.0, ci=None):
    """One paired-effects row from per-pair differences (the shape analysis.effects.paired_effects returns)."""
    better = OUTCOMES[DONOR_HEADLINES[measure].outcome].better
    sign = 1 if better == "higher" else -1
    d = pd.Series(diffs, dtype=float)
    lo, hi = ci if ci else (d.min(), d.max())
    return pd.DataFrame([{"config": "alt", "measure": measure, "n_pairs": len(d), "diff": d.mean(), "ci_low": lo,
                          "ci_high": hi, "ref_mean": ref, "alt_mean": ref + d.mean(), "range_low": d.min(),
                          "range_high": d.max(), "n_better": int((sign * d > 0).sum()),
                          "n_worse": int((sign * d < 0).sum())}])


def test_every_headline_is_defined_once_with_unit_window_and_definition():
    for key, h in DONOR_HEADLINES.items():
        assert h.outcome in OUTCOMES, f"{key}: {h.outcome} is not a registered outcome"
        assert h.label and h.unit and h.description.endswith("."), f"{key}: incomplete definition"
        assert h.window_text(5) in ("average over 5 years", "average over the shocks of 5 years", "in the final year",
                                    "over 5 years"), f"{key}: window {h.window_text(5)!r}"


@pytest.mark.parametrize("diffs", [[0.04, -0.02, 0.01], [0.0, 0.0, 0.0], [0.01, 0.02, 0.03]])
def test_response_time_never_prints_a_tiny_or_disputed_change(diffs):
    said = say(_eff("response_time", diffs, ref=45.12), "alt", 5.0, ["response_time"])[0]
    assert "0.0 weeks" not in said.text and "later" not in said.text and "sooner" not in said.text, said.text
    assert said.direction == "about the same" and "45.1 weeks under both" in said.text, said.text


def test_a_clear_change_is_named_with_its_agreement():
    said = say(_eff("response_time", [-2.0, -3.0, -1.0], ref=45.0), "alt", 5.0, ["response_time"])[0]
    assert said.direction == "better" and "2.0 weeks sooner" in said.text and "lower in all 3 runs" in said.text, \
        said.text
    share = say(_eff("total_local_funding_share", [0.2, 0.21, 0.22], ref=0.074), "alt", 5.0)[0]
    assert "up 21.0 percentage points" in share.text and share.window == "average over 5 years", share.text


def test_a_change_within_the_interval_is_not_printed_as_a_change():
    """Funding 7.4% -> 7.2% with runs either side of zero: both levels, no 'down 0.1 points'."""
    said = say(_eff("total_local_funding_share", [-0.004, 0.001, -0.001], ref=0.074), "alt", 5.0)[0]
    assert "down" not in said.text and "about the same" in said.text and "1 of 3 better" in said.text, said.text
    cell = format_effect("total_local_funding_share", -0.0013, -0.004, 0.001, 5.0)
    assert cell.startswith("no clear change"), cell


def test_float_noise_is_no_change():
    """A difference of 1e-17 (same runs) is 'the same in every run', not '1 of 4 better'."""
    said = say(_eff("total_local_funding_share", [-6.9e-18, 6.9e-18, 0.0, 0.0], ref=0.0737), "alt", 5.0)[0]
    assert "the same in every run" in said.text and "better" not in said.text, said.text


def test_need_met_is_people_a_week_averaged_over_the_window():
    weeks = 5 * 52
    said = say(_eff("people_weeks_met", [-5.1e6, -4.0e6, -6.2e6], ref=9.78e7), "alt", 5.0)[0]
    assert said.line.startswith("People with their needs met (people a week, average over 5 years):"), said.line
    assert f"{round(5.1e6 / weeks, -2):,.0f}"[:2] in said.text and "fewer people a week" in said.text, said.text
    assert "people-weeks" not in said.line
