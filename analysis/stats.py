"""Statistics over replicates: window means, bootstrap intervals, paired differences.

Replicates of one configuration share nothing but their config; replicates with the same
seed across configurations share every random draw that the configuration does not change
(common random numbers, ``sim/rng.py``), so differences are taken *within* a seed and then
summarised: paired differences need far fewer replicates than unpaired ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["bootstrap_ci", "window_means", "summarise", "paired_differences"]


def bootstrap_ci(values, level: float = 0.95, n_boot: int = 4000, seed: int = 0,
                 stat=np.mean) -> tuple[float, float, float]:
    """Point estimate and percentile-bootstrap interval of ``stat`` over ``values``.

    Args:
        values: 1-d sample (NaN are dropped).
        level: coverage of the interval.
        n_boot: bootstrap resamples.
        seed: seed of the resampling (results are reproducible).
        stat: statistic, a numpy reduction taking ``axis``.
    """
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return (np.nan, np.nan, np.nan)
    est = float(stat(x))
    if len(x) == 1:
        return (est, est, est)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), (n_boot, len(x)))
    boots = stat(x[idx], axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(boots, [alpha, 1 - alpha])
    return est, float(lo), float(hi)


def window_means(steps: pd.DataFrame, outcomes, window_years: float | None = None,
                 start_year: float | None = None, end_year: float | None = None,
                 keys=("run_id",)) -> pd.DataFrame:
    """Mean of each outcome per run over a window of years.

    By default the window is the last ``window_years`` of each run; ``start_year`` and
    ``end_year`` select an explicit window instead (e.g. the year after a shock).
    """
    keys = list(keys)
    df = steps
    if start_year is not None or end_year is not None:
        lo = -np.inf if start_year is None else start_year
        hi = np.inf if end_year is None else end_year
        df = df[(df["year"] >= lo) & (df["year"] < hi)]
    elif window_years is not None:
        last = df.groupby(keys)["year"].transform("max")
        df = df[df["year"] > last - window_years]
    return df.groupby(keys, observed=True)[list(outcomes)].mean().reset_index()


def summarise(per_run: pd.DataFrame, by, outcomes, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """One row per configuration and outcome: n, mean, median, CI low/high."""
    rows = []
    by = [by] if isinstance(by, str) else list(by)
    for key, grp in per_run.groupby(by, observed=True, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        for o in outcomes:
            est, lo, hi = bootstrap_ci(grp[o], level=level, seed=seed)
            rows.append({**dict(zip(by, key)), "outcome": o, "n": int(grp[o].notna().sum()), "mean": est,
                         "median": float(grp[o].median()), "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def paired_differences(per_run: pd.DataFrame, factor: str, reference, outcomes, pair_on: str = "seed",
                       by=(), level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Differences to a reference level of ``factor``, paired on ``pair_on`` (common seeds).

    Returns one row per (other level, outcome): mean difference, bootstrap interval,
    standardised effect size (mean difference / standard deviation of differences, d_z),
    and the number of pairs.
    """
    by = list(by)
    rows = []
    groups = per_run.groupby(by, observed=True, sort=False) if by else [((), per_run)]
    for gkey, grp in groups:
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        ref = grp[grp[factor] == reference].set_index(pair_on)
        if ref.index.has_duplicates:
            raise ValueError(f"several runs share {pair_on} within reference {reference!r}; cannot pair")
        for level_value, other in grp[grp[factor] != reference].groupby(factor, observed=True, sort=False):
            other = other.set_index(pair_on)
            common = ref.index.intersection(other.index)
            for o in outcomes:
                d = (other.loc[common, o] - ref.loc[common, o]).to_numpy(float)
                est, lo, hi = bootstrap_ci(d, level=level, seed=seed)
                sd = float(np.std(d, ddof=1)) if len(d) > 1 else np.nan
                rows.append({**dict(zip(by, gkey)), factor: level_value, "reference": reference, "outcome": o,
                             "n_pairs": len(common), "diff": est, "ci_low": lo, "ci_high": hi,
                             "effect_size": est / sd if sd and np.isfinite(sd) and sd > 0 else np.nan})
    return pd.DataFrame(rows)
