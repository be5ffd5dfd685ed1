"""The findings baseline: the project's headline conclusions, held under regression.

A *conclusion* is the sign of a paired difference between a configuration and the baseline on
an outcome: ``higher`` or ``lower`` when the 95% bootstrap interval excludes zero, ``none`` when
the whole interval is within rounding of zero (the configuration cannot move it), ``unclear``
otherwise. :data:`COMPARISONS` and :data:`OUTCOMES` name the headline comparisons; they are
computed at a reduced size (:data:`DESIGN`: a small country, 5 years, 8 paired seeds) so that
the suite can recompute them in under a minute. ``docs/findings_baseline.json`` holds the
conclusions as committed; ``tests/test_findings.py`` fails when a change flips one, until the
baseline is regenerated (``capsim findings --update``) and ``docs/findings.md`` gets a line that
names the new baseline's id and says why the conclusion changed.

The reduced size is a regression guard, not an estimate: the headline numbers come from the
full-size runs (``capsim compare``, ``capsim sweep experiment=pathways``).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from .stats import bootstrap_ci

__all__ = ["DESIGN", "COMPARISONS", "OUTCOMES", "conclusions", "baseline_id", "compare_to_baseline", "classify"]

DESIGN = {
    "years": 5.0,
    "replicates": 8,
    "seed": 20261206,
    "window_years": 2.0,
    # The smaller country of capsim sensitivity (configs/study/sensitivity.yaml), budget scaled with it.
    "world": dict(n_areas=20, n_local_ngos=30, n_community_orgs=10, n_national_authorities=1, n_ingos=5,
                  n_un_agencies=2, n_staff=1200),
    "funding": dict(annual_budget=30e6, domestic_budget=1.2e6),
}
# name -> parameter overrides; "baseline" is the reference of every comparison.
COMPARISONS: dict[str, dict] = {
    "baseline": {"regime": "baseline"},
    "building": {"regime": "building"},
    "strengthening": {"regime": "strengthening"},
    "sharing": {"regime": "sharing"},
    "sharing package": {"regime": "sharing", "funding": {"joint_programme_share": 0.5, "overhead_passed_on": 0.5}},
    "package money only": {"regime": "baseline",
                           "funding": {"joint_programme_share": 0.5, "overhead_passed_on": 0.5}},
}
OUTCOMES = ("coverage", "hard_to_reach_coverage", "quality_coverage", "local_capacity", "total_local_funding_share",
            "staff_turnover_rate")


def classify(low: float, high: float) -> str:
    """``none`` when the whole interval is within rounding of zero (1e-9), ``higher`` / ``lower`` when it
    excludes zero, else ``unclear``."""
    if max(abs(low), abs(high)) < 1e-9:
        return "none"
    if low > 0:
        return "higher"
    if high < 0:
        return "lower"
    return "unclear"


def conclusions(per_run: pd.DataFrame) -> pd.DataFrame:
    """One row per (comparison, outcome): mean paired difference to the baseline, interval, conclusion.

    Args:
        per_run: one row per run with ``config``, ``replicate`` and the :data:`OUTCOMES` (window means).
    """
    ref = per_run[per_run["config"] == "baseline"].set_index("replicate")
    rows = []
    for name in COMPARISONS:
        if name == "baseline":
            continue
        alt = per_run[per_run["config"] == name].set_index("replicate")
        common = ref.index.intersection(alt.index)
        for o in OUTCOMES:
            d = (alt.loc[common, o] - ref.loc[common, o]).to_numpy(float)
            est, lo, hi = bootstrap_ci(d, seed=0)
            rows.append({"comparison": name, "outcome": o, "diff": est, "ci_low": lo, "ci_high": hi,
                         "conclusion": classify(lo, hi)})
    return pd.DataFrame(rows)


def baseline_id(table: pd.DataFrame) -> str:
    """A short id of a set of conclusions (their comparison, outcome and conclusion only)."""
    text = json.dumps(sorted(zip(table["comparison"], table["outcome"], table["conclusion"])))
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def compare_to_baseline(table: pd.DataFrame, baseline: dict) -> list[str]:
    """Lines naming each conclusion that differs from the committed baseline (empty: none flipped)."""
    old = {(r["comparison"], r["outcome"]): r for r in baseline["conclusions"]}
    out = []
    for _, r in table.iterrows():
        b = old.get((r["comparison"], r["outcome"]))
        if b is None:
            out.append(f"{r['comparison']} / {r['outcome']}: new conclusion {r['conclusion']} (not in the baseline)")
        elif b["conclusion"] != r["conclusion"]:
            out.append(f"{r['comparison']} vs baseline, {r['outcome']}: {b['conclusion']} "
                       f"({b['diff']:+.4g} [{b['ci_low']:+.4g}, {b['ci_high']:+.4g}]) -> {r['conclusion']} "
                       f"({r['diff']:+.4g} [{r['ci_low']:+.4g}, {r['ci_high']:+.4g}])")
    missing = set(old) - set(zip(table["comparison"], table["outcome"]))
    out += [f"{c} / {o}: in the baseline but no longer computed" for c, o in sorted(missing)]
    return out


def window_means(steps: pd.DataFrame, window_years: float) -> pd.DataFrame:
    """Per run (``config``, ``replicate``), the mean of each outcome over its last ``window_years``."""
    last = steps.groupby(["config", "replicate"], observed=True)["step"].transform("max")
    win = steps[steps["step"] > last - window_years * 52]
    return win.groupby(["config", "replicate"], observed=True)[list(OUTCOMES)].mean().reset_index()


def is_finite_table(table: pd.DataFrame) -> bool:
    return bool(np.isfinite(table[["diff", "ci_low", "ci_high"]].to_numpy(float)).all())
