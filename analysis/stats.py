"""Statistics over replicates: bootstrap intervals, summaries per configuration, paired differences.

Replicates of one configuration share nothing but their config; replicates with the same
replicate index across configurations share every random draw that the configuration does
not change (common random numbers, ``sim/rng.py``), so differences are taken *within* a
replicate and then summarised: paired differences need far fewer replicates than unpaired ones.

Intervals are bootstrap intervals, seeded, so every number is reproducible. The default
method is the bias-corrected and accelerated (BCa) bootstrap (Efron 1987; Efron & Tibshirani
1993, ch. 14), whose interval endpoints are percentiles of the bootstrap distribution shifted
for bias and skew. With few replicates every bootstrap interval is too narrow (it uses the
normal quantile and the plug-in standard deviation where Student's t and the unbiased one
belong). ``small_sample=True`` (the default) applies Hesterberg's (2015) expansion: the
nominal tail probability is replaced by ``Phi(-sqrt(n/(n-1)) * t_{n-1, 1-alpha/2})``, which
makes the interval as wide as the t interval for symmetric data while keeping the bootstrap's
adjustment for skew. ``tests/test_stats.py`` checks the coverage of known means.

The core, :func:`bootstrap_columns`, is vectorised over columns (one bootstrap per column of a
replicate-by-column matrix, e.g. one per time point) with the same resampling indices for
every column; :func:`bootstrap_ci` is the one-sample case with any statistic.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import special, stats as sps

__all__ = ["CI_LEVEL", "N_BOOT", "METHODS", "bootstrap_ci", "bootstrap_columns", "window_means", "summarise",
           "summarise_matrix", "paired_differences", "differences_to_reference", "equal_to"]

CI_LEVEL = 0.95  # coverage of every interval reported (convention)
N_BOOT = 4000  # bootstrap resamples; >= 1000 for interval endpoints (Efron & Tibshirani 1993, sec. 19.3)
METHODS = ("bca", "percentile")
_CHUNK_VALUES = 4_000_000  # resampled values held in memory at once (32 MB of float64)


@contextlib.contextmanager
def _quiet():
    """Silence numpy's warnings for all-NaN or single-value reductions (their result, NaN, is reported)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _tail_probability(n: int, level: float, small_sample: bool) -> float:
    """Nominal lower-tail probability; expanded for small ``n`` (Hesterberg 2015, sec. 4.3)."""
    alpha = (1.0 - level) / 2.0
    if not small_sample or n < 2:
        return alpha
    t = sps.t.ppf(1.0 - alpha, n - 1)
    # For n = 2 or 3 the expanded tail is tiny: the interval becomes the range of the bootstrap
    # distribution. The floor keeps the normal quantile finite.
    return max(1e-12, float(special.ndtr(-np.sqrt(n / (n - 1.0)) * t)))


def _quantiles_per_column(sorted_boots: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolated quantile ``q[j]`` of column ``j`` of an already sorted (B, m) array."""
    b = sorted_boots.shape[0]
    pos = np.clip(q, 0.0, 1.0) * (b - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, b - 1)
    frac = pos - lo
    cols = np.arange(sorted_boots.shape[1])
    return sorted_boots[lo, cols] * (1 - frac) + sorted_boots[hi, cols] * frac


def _interval(boots: np.ndarray, est: np.ndarray, jack: np.ndarray | None, tail: float, method: str):
    """Interval endpoints per column from bootstrap replicates (B, m) and jackknife values (n, m)."""
    boots = np.sort(boots, axis=0)
    b = boots.shape[0]
    if method == "percentile":
        q_lo = np.full(boots.shape[1], tail)
        q_hi = np.full(boots.shape[1], 1.0 - tail)
    else:  # BCa
        below = (boots < est).mean(0) + 0.5 * (boots == est).mean(0)
        z0 = special.ndtri(np.clip(below, 1.0 / (b + 1), b / (b + 1.0)))
        d = jack.mean(0) - jack
        num = (d**3).sum(0)
        den = 6.0 * ((d**2).sum(0)) ** 1.5
        accel = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        z = special.ndtri(np.array([tail, 1.0 - tail]))[:, None]
        zz = z0 + z
        den = 1.0 - accel * zz
        # Where the acceleration is so large that the BCa map breaks down (den <= 0), fall back
        # to the extreme of the bootstrap distribution on that side.
        adj = np.where(den > 0, special.ndtr(z0 + zz / np.where(den > 0, den, 1.0)), np.array([[0.0], [1.0]]))
        q_lo, q_hi = adj[0], adj[1]
    lo = _quantiles_per_column(boots, q_lo)
    hi = _quantiles_per_column(boots, q_hi)
    flat = boots[0] == boots[-1]  # no variation: the interval is the point
    lo = np.where(flat, est, lo)
    hi = np.where(flat, est, hi)
    return lo, hi


def _check(level: float, n_boot: int, method: str) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level = {level} is out of range; allowed: 0 < level < 1")
    if n_boot < 100:
        raise ValueError(f"n_boot = {n_boot} is too small; allowed: at least 100")
    if method not in METHODS:
        raise ValueError(f"method = {method!r} is unknown; allowed: {', '.join(METHODS)}")


def bootstrap_columns(matrix, level: float = CI_LEVEL, n_boot: int = N_BOOT, seed: int = 0,
                      method: str = "bca", small_sample: bool = True):
    """Mean and bootstrap interval of every column of a replicate-by-column matrix.

    Columns may contain NaN (e.g. a response time that was never reached): each column is then
    bootstrapped over its finite values only, on its own.

    Args:
        matrix: array (n replicates, m columns), or 1-d (one column).
        level: coverage of the interval.
        n_boot: bootstrap resamples (same resampling indices for all complete columns).
        seed: seed of the resampling; the same seed gives the same intervals.
        method: "bca" (bias-corrected and accelerated) or "percentile".
        small_sample: widen the nominal level for small n (Hesterberg 2015); see module docstring.

    Returns:
        (estimate, low, high, n): arrays of length m; n is the number of finite values per column.
    """
    _check(level, n_boot, method)
    x = np.asarray(matrix, float)
    if x.ndim == 1:
        x = x[:, None]
    n_rows, m = x.shape
    est = np.full(m, np.nan)
    lo = np.full(m, np.nan)
    hi = np.full(m, np.nan)
    finite = np.isfinite(x)
    n_ok = finite.sum(0)
    complete = n_ok == n_rows
    if n_rows >= 1 and complete.any():
        cols = np.flatnonzero(complete)
        e, l_, h_ = _bootstrap_complete(x[:, cols], level, n_boot, seed, method, small_sample)
        est[cols], lo[cols], hi[cols] = e, l_, h_
    for j in np.flatnonzero(~complete & (n_ok > 0)):
        col = x[finite[:, j], j][:, None]
        e, l_, h_ = _bootstrap_complete(col, level, n_boot, seed, method, small_sample)
        est[j], lo[j], hi[j] = e[0], l_[0], h_[0]
    return est, lo, hi, n_ok


def _bootstrap_complete(x: np.ndarray, level, n_boot, seed, method, small_sample):
    n, m = x.shape
    est = x.mean(0)
    if n == 1:
        return est, est.copy(), est.copy()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, (n_boot, n))
    tail = _tail_probability(n, level, small_sample)
    jack = (x.sum(0) - x) / (n - 1)  # leave-one-out means
    lo = np.empty(m)
    hi = np.empty(m)
    step = max(1, _CHUNK_VALUES // (n_boot * n))
    for a in range(0, m, step):
        sl = slice(a, min(m, a + step))
        boots = _resampled_means(x[:, sl], idx)  # (n_boot, chunk)
        lo[sl], hi[sl] = _interval(boots, est[sl], jack[:, sl], tail, method)
    return est, lo, hi


def _resampled_means(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``x[idx].mean(1)``: the mean of each resample (rows of ``idx``) for every column of ``x`` (n, c).

    With two or more columns numpy sums the gathered (B, n, c) array over its middle axis one
    resample position after another, so adding the n gathered (B, c) slices in the same order and
    dividing by n gives the same numbers without building the (B, n, c) array (about twice as fast).
    With one column numpy sums along the contiguous axis pairwise, in another order: that case keeps
    the plain form. ``tests/test_stats.py`` checks both against ``x[idx].mean(1)`` bit for bit.
    """
    n = x.shape[0]
    if x.shape[1] < 2:
        return x[idx].mean(1)
    out = x[idx[:, 0]]
    for k in range(1, n):
        out += x[idx[:, k]]
    out /= n
    return out


def bootstrap_ci(values, level: float = CI_LEVEL, n_boot: int = N_BOOT, seed: int = 0, stat=np.mean,
                 method: str = "bca", small_sample: bool = True) -> tuple[float, float, float]:
    """Point estimate and bootstrap interval of ``stat`` over one sample.

    Args:
        values: 1-d sample (NaN are dropped).
        level: coverage of the interval.
        n_boot: bootstrap resamples.
        seed: seed of the resampling (results are reproducible).
        stat: statistic, a numpy reduction taking ``axis`` (``np.mean``, ``np.median``, ...).
        method: "bca" or "percentile".
        small_sample: widen the nominal level for small n (Hesterberg 2015).

    Returns:
        (estimate, low, high); all NaN for an empty sample, all equal for one value.
    """
    _check(level, n_boot, method)
    x = np.asarray(values, float).ravel()
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    est = float(stat(x))
    if n == 1:
        return (est, est, est)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, (n_boot, n))
    boots = np.asarray(stat(x[idx], axis=1), float)[:, None]
    keep = ~np.eye(n, dtype=bool)
    jack = np.asarray(stat(np.broadcast_to(x, (n, n))[keep].reshape(n, n - 1), axis=1), float)[:, None]
    tail = _tail_probability(n, level, small_sample)
    lo, hi = _interval(boots, np.array([est]), jack, tail, method)
    return est, float(lo[0]), float(hi[0])


def window_means(steps: pd.DataFrame, outcomes, window_years: float | None = None,
                 start_year: float | None = None, end_year: float | None = None,
                 keys=("run_id",)) -> pd.DataFrame:
    """Mean of each outcome per run over a window of years.

    By default the window is the last ``window_years`` of each run; ``start_year`` and
    ``end_year`` select an explicit window ``[start_year, end_year)`` instead. See
    :mod:`analysis.windows` for named windows (the year after a shock, ...).

    Args:
        steps: the steps table (one row per run and week, with a ``year`` column).
        outcomes: outcome columns to average.
        window_years: length of the window at the end of each run.
        start_year, end_year: explicit window bounds in years since the start.
        keys: columns identifying a run (kept in the result).
    """
    keys = list(keys)
    df = steps
    if start_year is not None or end_year is not None:
        lo = -np.inf if start_year is None else start_year
        hi = np.inf if end_year is None else end_year
        df = df[(df["year"] >= lo) & (df["year"] < hi)]
    elif window_years is not None:
        last = df.groupby(keys, observed=True)["year"].transform("max")
        df = df[df["year"] > last - window_years + 1e-9]
    return df.groupby(keys, observed=True, sort=False)[list(outcomes)].mean().reset_index()


def _as_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def summarise(per_run: pd.DataFrame, by, outcomes, level: float = CI_LEVEL, seed: int = 0,
              n_boot: int = N_BOOT, method: str = "bca") -> pd.DataFrame:
    """One row per configuration and outcome: n, mean, median, sd, interval of the mean.

    Args:
        per_run: one row per run, configuration columns and one column per outcome.
        by: column(s) defining a configuration (e.g. ``"regime"`` or the sweep's factors).
        outcomes: outcome columns to summarise.
        level, seed, n_boot, method: see :func:`bootstrap_columns`.
    """
    by = _as_list(by)
    outcomes = list(outcomes)
    rows = []
    groups = per_run.groupby(by, observed=True, sort=False, dropna=False) if by else [((), per_run)]
    for key, grp in groups:
        key = key if isinstance(key, tuple) else (key,)
        vals = grp[outcomes].to_numpy(float)
        est, lo, hi, n = bootstrap_columns(vals, level=level, n_boot=n_boot, seed=seed, method=method)
        with _quiet():
            med = np.nanmedian(vals, axis=0) if len(vals) else np.full(len(outcomes), np.nan)
            sd = np.nanstd(vals, axis=0, ddof=1) if len(vals) > 1 else np.full(len(outcomes), np.nan)
        for j, o in enumerate(outcomes):
            rows.append({**dict(zip(by, key)), "outcome": o, "n": int(n[j]), "mean": est[j], "median": med[j],
                         "sd": sd[j], "ci_low": lo[j], "ci_high": hi[j]})
    cols = [*by, "outcome", "n", "mean", "median", "sd", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=cols)


def summarise_matrix(values: pd.DataFrame, level: float = CI_LEVEL, seed: int = 0, n_boot: int = N_BOOT,
                     method: str = "bca") -> pd.DataFrame:
    """Mean, median and interval of every column of a replicate-by-column frame (e.g. time points).

    Args:
        values: one row per replicate, one column per point (index of the result).
        level, seed, n_boot, method: see :func:`bootstrap_columns`.
    """
    arr = values.to_numpy(float)
    est, lo, hi, n = bootstrap_columns(arr, level=level, n_boot=n_boot, seed=seed, method=method)
    with _quiet():
        med = np.nanmedian(arr, axis=0)
    return pd.DataFrame({"n": n, "mean": est, "median": med, "ci_low": lo, "ci_high": hi}, index=values.columns)


def differences_to_reference(per_run: pd.DataFrame, reference: dict, factors, outcomes,
                             pair_on: str = "replicate", level: float = CI_LEVEL, seed: int = 0,
                             n_boot: int = N_BOOT, method: str = "bca") -> pd.DataFrame:
    """Paired differences of every configuration to its reference configuration.

    The reference fixes some factors (e.g. ``{"regime": "baseline"}``); a configuration is
    compared with the reference that has the same values of the other factors, pair by pair
    on ``pair_on`` (the replicate index: same replicate = same seed = common random numbers).

    Args:
        per_run: one row per run with the factor columns, ``pair_on`` and the outcomes.
        reference: factor -> reference value.
        factors: every factor of the sweep (the reference's factors and the others).
        outcomes: outcome columns.
        pair_on: column pairing runs across configurations.
        level, seed, n_boot, method: see :func:`bootstrap_columns`.

    Returns:
        One row per (non-reference configuration, outcome): the factor values, ``reference``
        (text), ``outcome``, ``n_pairs``, ``diff`` (mean paired difference, configuration minus
        reference), ``ci_low``, ``ci_high``, ``sd_diff`` and ``effect_size`` (d_z: mean difference
        over the standard deviation of the differences; NaN when the differences do not vary),
        and ``share_positive`` (share of pairs in which the configuration's value is higher).
    """
    factors = list(factors)
    outcomes = list(outcomes)
    ref_factors = list(reference)
    unknown = [f for f in ref_factors if f not in per_run.columns]
    if unknown:
        cols = ", ".join(map(str, per_run.columns))
        raise KeyError(f"reference factor {unknown[0]!r} is not a column; columns: {cols}")
    others = [f for f in factors if f not in ref_factors]
    is_ref = pd.Series(True, index=per_run.index)
    for f, v in reference.items():
        is_ref &= equal_to(per_run[f], v)
    ref_text = ", ".join(f"{k}={v}" for k, v in reference.items())
    rows = []
    groups = per_run.groupby(others, observed=True, sort=False, dropna=False) if others else [((), per_run)]
    for gkey, grp in groups:
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        mask = is_ref.loc[grp.index].to_numpy()
        ref = grp[mask].set_index(pair_on)
        if len(ref) == 0:
            continue
        if ref.index.has_duplicates:
            raise ValueError(f"several runs share {pair_on} within the reference ({ref_text}); cannot pair")
        cfg_cols = ref_factors
        rest = grp[~mask]
        if len(rest) == 0:
            continue
        for ckey, other in rest.groupby(cfg_cols, observed=True, sort=False, dropna=False):
            ckey = ckey if isinstance(ckey, tuple) else (ckey,)
            other = other.set_index(pair_on)
            if other.index.has_duplicates:
                raise ValueError(f"several runs share {pair_on} within one configuration; cannot pair")
            common = ref.index.intersection(other.index)
            d = other.loc[common, outcomes].to_numpy(float) - ref.loc[common, outcomes].to_numpy(float)
            est, lo, hi, n = bootstrap_columns(d.reshape(len(common), len(outcomes)), level=level, n_boot=n_boot,
                                               seed=seed, method=method)
            with _quiet():
                sd = np.nanstd(d, axis=0, ddof=1) if len(common) > 1 else np.full(len(outcomes), np.nan)
                pos = np.nanmean(d > 0, axis=0) if len(common) else np.full(len(outcomes), np.nan)
            for j, o in enumerate(outcomes):
                es = est[j] / sd[j] if np.isfinite(sd[j]) and sd[j] > 1e-12 * max(1.0, abs(est[j])) else np.nan
                rows.append({**dict(zip(others, gkey)), **dict(zip(cfg_cols, ckey)), "reference": ref_text,
                             "outcome": o, "n_pairs": int(n[j]), "diff": est[j], "ci_low": lo[j], "ci_high": hi[j],
                             "sd_diff": sd[j], "effect_size": es, "share_positive": pos[j]})
    cols = [*factors, "reference", "outcome", "n_pairs", "diff", "ci_low", "ci_high", "sd_diff", "effect_size",
            "share_positive"]
    return pd.DataFrame(rows, columns=cols)


def equal_to(col: pd.Series, value) -> np.ndarray:
    """Element-wise equality that treats 0.25 == "0.25" and numeric precision sensibly; None matches "null"."""
    if value is None:
        return (col.isna() | (col.astype(str) == "null")).to_numpy()
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        try:
            return np.isclose(col.to_numpy(float), float(value), rtol=1e-9, atol=1e-12)
        except (TypeError, ValueError):
            return np.zeros(len(col), bool)
    return (col.astype(str) == str(value)).to_numpy()


def paired_differences(per_run: pd.DataFrame, factor: str, reference, outcomes, pair_on: str = "seed",
                       by: Iterable[str] = (), level: float = CI_LEVEL, seed: int = 0, n_boot: int = N_BOOT,
                       method: str = "bca") -> pd.DataFrame:
    """Differences to a reference level of one ``factor``, paired on ``pair_on``, within ``by``.

    A one-factor view of :func:`differences_to_reference` (same columns).

    Args:
        per_run: one row per run.
        factor: the compared factor (e.g. ``"regime"``).
        reference: its reference level (e.g. ``"baseline"``).
        outcomes: outcome columns.
        pair_on: column pairing runs (``"seed"`` or ``"replicate"``).
        by: other factors within whose levels the comparison is made.
        level, seed, n_boot, method: see :func:`bootstrap_columns`.
    """
    return differences_to_reference(per_run, {factor: reference}, [*list(by), factor], outcomes, pair_on=pair_on,
                                    level=level, seed=seed, n_boot=n_boot, method=method)
