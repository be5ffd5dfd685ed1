"""Statistics: interval coverage on known cases, planted paired effects recovered, windows."""

import numpy as np
import pandas as pd
import pytest

from analysis.stats import (bootstrap_ci, bootstrap_columns, differences_to_reference, paired_differences,
                            summarise)
from analysis.windows import Window, per_run_means

TRIALS = 2000  # seeded samples per coverage check: the coverage estimate's SE is about 0.005


def _coverage(samples: np.ndarray, true_mean: float, **kw) -> float:
    _, lo, hi, _ = bootstrap_columns(samples, n_boot=2000, seed=0, **kw)
    return float(((lo <= true_mean) & (true_mean <= hi)).mean())


@pytest.mark.parametrize("dist,n", [("normal", 10), ("normal", 20), ("lognormal", 30)])
def test_interval_covers_known_mean_95_percent(dist, n):
    rng = np.random.default_rng(2024)
    if dist == "normal":
        x, mu = rng.normal(3.0, 2.0, (n, TRIALS)), 3.0
    else:
        x, mu = rng.lognormal(0.0, 0.5, (n, TRIALS)), float(np.exp(0.125))
    cov = _coverage(x, mu)
    assert 0.93 <= cov <= 0.97, f"coverage of the 95% interval of a {dist} mean with n={n}: {cov:.3f}"


def test_uncorrected_percentile_bootstrap_undercovers_at_small_n():
    """The known small-sample defect that the default widening corrects (Hesterberg 2015)."""
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 1.0, (10, TRIALS))
    plain = _coverage(x, 0.0, method="percentile", small_sample=False)
    default = _coverage(x, 0.0)
    assert plain < 0.93, f"uncorrected percentile coverage at n=10 is {plain:.3f}; expected below 0.93"
    assert default > plain + 0.02, f"widened BCa ({default:.3f}) does not improve on percentile ({plain:.3f})"


def test_bootstrap_is_seeded_and_one_sample_matches_columns():
    x = np.random.default_rng(1).normal(size=15)
    a = bootstrap_ci(x, seed=5)
    b = bootstrap_ci(x, seed=5)
    c = bootstrap_ci(x, seed=6)
    est, lo, hi, n = bootstrap_columns(x, seed=5)
    assert a == b, "same seed, different interval"
    assert a != c, "different seeds gave the very same interval"
    assert np.allclose(a, (est[0], lo[0], hi[0])), f"one-sample {a} and column {est, lo, hi} versions disagree"
    assert a[1] < x.mean() < a[2]


@pytest.mark.parametrize("n", [2, 5, 8, 16, 33])
@pytest.mark.parametrize("width", [1, 2, 7, 62])
def test_resampled_means_match_the_plain_gather_bit_for_bit(n, width):
    """The bootstrap's resampled means (analysis.stats._resampled_means) are x[idx].mean(1) exactly."""
    from analysis.stats import _resampled_means

    rng = np.random.default_rng(n * 100 + width)
    x = rng.normal(size=(n, width)) * 10 ** rng.uniform(-3, 3, size=(n, width))
    idx = rng.integers(0, n, (300, n))
    assert np.array_equal(_resampled_means(x, idx), x[idx].mean(1))


def test_degenerate_samples():
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0), "constant sample must give a zero-width interval"
    assert bootstrap_ci([4.0]) == (4.0, 4.0, 4.0)
    assert all(np.isnan(bootstrap_ci([np.nan, np.nan])))
    est, lo, hi, n = bootstrap_columns(np.array([[1.0, np.nan], [2.0, 5.0], [3.0, 7.0]]))
    assert list(n) == [3, 2], f"finite counts per column wrong: {n}"
    assert est[1] == 6.0 and lo[1] <= 5.0 + 1e-12 and hi[1] >= 7.0 - 1e-12, "NaN column not handled on its own"
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci([1, 2, 3], level=1.5)
    with pytest.raises(ValueError, match="method"):
        bootstrap_ci([1, 2, 3], method="magic")


def _planted(n_rep=30, effect=0.3, seed=3):
    """Two configurations sharing a large replicate effect (common random numbers), effect planted in ``a``."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(0.0, 1.0, n_rep)  # what the seed does to both configurations
    rows = []
    for cfg, add in (("reference", 0.0), ("treated", effect)):
        noise = rng.normal(0.0, 0.1, (n_rep, 2))
        for r in range(n_rep):
            rows.append({"config": cfg, "replicate": r, "a": shared[r] + add + noise[r, 0],
                         "b": shared[r] + noise[r, 1]})
    return pd.DataFrame(rows)


def test_paired_differences_recover_planted_effect():
    df = _planted()
    d = differences_to_reference(df, {"config": "reference"}, ["config"], ["a", "b"]).set_index("outcome")
    a, b = d.loc["a"], d.loc["b"]
    assert a["n_pairs"] == 30
    assert a["ci_low"] < 0.3 < a["ci_high"], f"planted 0.3 not inside [{a['ci_low']:.3f}, {a['ci_high']:.3f}]"
    assert a["ci_low"] > 0, "a planted effect of 0.3 (noise SD 0.1) must be clearly above zero"
    assert abs(a["diff"] - 0.3) < 0.06, f"estimate {a['diff']:.3f} far from 0.3"
    # d_z = 0.3 / (0.1 * sqrt(2)) = 2.1
    assert 1.4 < a["effect_size"] < 3.0, f"effect size {a['effect_size']:.2f}, expected about 2.1"
    assert b["ci_low"] < 0 < b["ci_high"], "no effect planted in b, but its interval excludes 0"
    # Pairing matters: the unpaired interval of the difference is dominated by the shared replicate effect.
    s = summarise(df, "config", ["a"]).set_index("config")
    unpaired_width = (s.loc["treated", "ci_high"] - s.loc["treated", "ci_low"]) + (
        s.loc["reference", "ci_high"] - s.loc["reference", "ci_low"])
    assert (a["ci_high"] - a["ci_low"]) * 5 < unpaired_width, "paired interval is not much narrower than unpaired"


def test_paired_differences_within_other_factors():
    """Reference fixes one factor; comparisons are made within each level of the other factor."""
    rng = np.random.default_rng(9)
    rows = []
    effects = {0.0: 0.1, 1.0: 0.5}
    for lever, eff in effects.items():
        shared = rng.normal(0, 1, 25)
        for regime in ("baseline", "sharing"):
            for r in range(25):
                rows.append({"regime": regime, "lever": lever, "replicate": r,
                             "y": shared[r] + (eff if regime == "sharing" else 0) + rng.normal(0, 0.05)})
    df = pd.DataFrame(rows)
    d = differences_to_reference(df, {"regime": "baseline"}, ["regime", "lever"], ["y"])
    assert len(d) == 2 and set(d["regime"]) == {"sharing"}
    for _, r in d.iterrows():
        eff = effects[r["lever"]]
        assert r["ci_low"] < eff < r["ci_high"], \
            f"lever {r['lever']}: planted {eff} not in [{r['ci_low']}, {r['ci_high']}]"
    # The one-factor wrapper gives the same numbers.
    d2 = paired_differences(df, "regime", "baseline", ["y"], pair_on="replicate", by=["lever"])
    assert np.allclose(d.sort_values("lever")["diff"], d2.sort_values("lever")["diff"])


def test_pairing_refuses_duplicate_replicates():
    df = _planted(n_rep=5)
    df = pd.concat([df, df[df["config"] == "reference"]])
    with pytest.raises(ValueError, match="cannot pair"):
        differences_to_reference(df.reset_index(drop=True), {"config": "reference"}, ["config"], ["a"])


# ---------------------------------------------------------------------------------- windows
@pytest.mark.parametrize("text,spec", [("last:1", "last:1"), ("years:2-5", "years:2-5"),
                                       ("after_shock:0.5", "after_shock:0.5"), ("all", "all")])
def test_window_parse(text, spec):
    assert Window.parse(text).spec == spec


@pytest.mark.parametrize("text", ["last", "last:0", "years:5-2", "after:1", "first:1", ""])
def test_window_parse_refuses(text):
    with pytest.raises(ValueError, match="allowed"):
        Window.parse(text)


def _synthetic_steps():
    """Two runs of 3 years; outcome ``x`` = step number, so window means are known exactly."""
    steps = pd.concat([pd.DataFrame({"run_id": rid, "regime": "baseline", "step": np.arange(156),
                                     "year": np.arange(156) / 52, "x": np.arange(156, dtype=float)})
                       for rid in ("r1", "r2")], ignore_index=True)
    shocks = pd.DataFrame({"run_id": ["r1", "r1", "r1", "r2"], "step": [10, 40, 120, 20], "kind": "rapid_onset",
                           "people": [100.0, 500.0, 900.0, 50.0], "response_time": [3.0, 6.0, np.nan, 2.0]})
    return steps, shocks


def test_window_means_are_exact():
    steps, shocks = _synthetic_steps()
    keys = ["regime"]
    last = per_run_means(steps, shocks, Window.parse("last:1"), ["x"], keys).set_index("run_id")
    assert last.loc["r1", "x"] == np.mean(np.arange(104, 156)), "last:1 is not the last 52 weeks"
    yrs = per_run_means(steps, shocks, Window.parse("years:1-2"), ["x", "response_time"], keys).set_index("run_id")
    assert yrs.loc["r1", "x"] == np.mean(np.arange(52, 104))
    assert np.isnan(yrs.loc["r1", "response_time"]), "no shock starts in years 1-2 of r1"
    after = per_run_means(steps, shocks, Window.parse("after_shock:1"), ["x", "response_time"], keys)
    after = after.set_index("run_id")
    # r1: the largest shock with a full year after it is the one at step 40 (step 120 has only 36 weeks left).
    assert after.loc["r1", "x"] == np.mean(np.arange(40, 92)), "after_shock chose the wrong shock or window"
    assert after.loc["r1", "response_time"] == 6.0
    assert after.loc["r2", "x"] == np.mean(np.arange(20, 72))
    whole = per_run_means(steps, shocks, Window.parse("all"), ["x", "response_time"], keys).set_index("run_id")
    assert whole.loc["r1", "response_time"] == 4.5, "mean response time over responded shocks is 4.5"


def test_after_shock_without_shocks_is_refused():
    steps, shocks = _synthetic_steps()
    with pytest.raises(ValueError, match="no run has a rapid-onset shock"):
        per_run_means(steps, shocks.iloc[0:0], Window.parse("after_shock:1"), ["x"], ["regime"])
