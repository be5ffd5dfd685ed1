"""The sensitivity pipeline on functions with known indices (Ishigami; a linear function)."""

import numpy as np
import pytest

from analysis.sensitivity import morris_screening, sobol_indices, top_factors

PI = np.pi
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}
A, B = 7.0, 0.1


def ishigami(X):
    """Ishigami & Homma (1990): f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x ~ U(-pi, pi)^3."""
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices():
    """Analytic first- and total-order indices of the Ishigami function."""
    v1 = 0.5 * (1 + B * PI**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_recovers_ishigami_indices():
    s1_true, st_true = ishigami_indices()
    _, Y, t = sobol_indices(ishigami, ISHIGAMI, n=2048, seed=3, num_resamples=300)
    assert len(Y) == 2048 * 5, "Sobol sample without second order should have n * (k + 2) points"
    t = t.set_index("factor")
    for j, name in enumerate(ISHIGAMI["names"]):
        assert abs(t.loc[name, "S1"] - s1_true[j]) < 0.04, f"S1 of {name}: {t.loc[name, 'S1']:.3f} vs {s1_true[j]:.3f}"
        assert abs(t.loc[name, "ST"] - st_true[j]) < 0.04, f"ST of {name}: {t.loc[name, 'ST']:.3f} vs {st_true[j]:.3f}"
        for s, true in (("S1", s1_true[j]), ("ST", st_true[j])):
            assert t.loc[name, f"{s}_low"] - 0.02 <= true <= t.loc[name, f"{s}_high"] + 0.02, (
                f"{s} of {name}: interval [{t.loc[name, f'{s}_low']:.3f}, {t.loc[name, f'{s}_high']:.3f}] "
                f"misses the true {true:.3f}")
            assert t.loc[name, f"{s}_conf"] > 0, "bootstrap interval has no width"


def test_morris_ranks_ishigami_factors_and_finds_inert_one():
    def f(X):
        out = np.column_stack([ishigami(X), 2.0 * X[:, 0]])  # second output depends on x1 only
        return out

    _, _, t = morris_screening(f, ISHIGAMI, trajectories=40, levels=4, seed=1, num_resamples=200)
    y0 = t[t["output"] == "y0"].set_index("factor")
    assert y0.loc["x3", "mu_star"] > 0.5, "x3 matters through its interaction with x1"
    y1 = t[t["output"] == "y1"].set_index("factor")
    assert y1.loc["x2", "mu_star"] == pytest.approx(0.0, abs=1e-12), "x2 does not enter the second output"
    assert y1.loc["x1", "mu_star"] > 1.0, "x1 drives the second output"
    assert top_factors(t, 1, outputs=["y1"]) == ["x1"]
    assert set(top_factors(t, 3)) == {"x1", "x2", "x3"}


def test_morris_effects_step_by_step_equal_salibs():
    """The step-by-step elementary effects (used where an output is missing at some points) are SALib's."""
    from SALib.analyze.morris import _compute_delta, _compute_elementary_effects
    from SALib.sample import morris as morris_sample

    from analysis.sensitivity import _elementary_effects, _morris_stats

    X = morris_sample.sample(ISHIGAMI, N=30, num_levels=4, seed=2)
    y = ishigami(X)
    ee = _elementary_effects(X, y, 4)
    np.testing.assert_allclose(ee, _compute_elementary_effects(X, y, 4, _compute_delta(4)), rtol=0, atol=1e-12)
    _, _, t = morris_screening(ishigami, ISHIGAMI, trajectories=30, levels=4, seed=2, num_resamples=200)
    mine = _morris_stats(ee, 200, 0.95, np.random.default_rng(2))
    t = t.set_index("factor")
    for j, name in enumerate(ISHIGAMI["names"]):
        for k in ("mu", "mu_star", "sigma", "mu_star_conf"):
            assert mine[k][j] == pytest.approx(t.loc[name, k], rel=1e-12), (k, name)
    assert (t["n_effects"] == 30).all()


def test_an_output_missing_at_some_points_is_analysed_where_it_exists():
    """A response time exists only where a shock was reached: the indices use the effects (Morris) and
    base samples (Sobol) where the output exists, and the designs reach the caller before any analysis."""
    seen = {}

    def f(X):
        y = ishigami(X)
        return np.column_stack([y, np.where(X[:, 2] > 2.0, np.nan, y)])  # missing where x3 > 2

    X, Y, t = morris_screening(f, ISHIGAMI, trajectories=60, levels=4, seed=1, num_resamples=200,
                               on_evaluated=lambda X, Y: seen.setdefault("morris", len(Y)))
    assert seen["morris"] == len(X)
    full, part = (t[t["output"] == o].set_index("factor") for o in ("y0", "y1"))
    assert (full["n_effects"] == 60).all()
    assert (part["n_effects"] < 60).all() and (part["n_effects"] > 20).all()
    assert np.isfinite(part[["mu", "mu_star", "sigma", "mu_star_conf"]].to_numpy()).all()
    # x2 enters additively (a sin^2 x2, the same effect whatever x1 and x3): its effects that exist
    # give the same mu* as all of them; x3's largest effects lie where the output is missing.
    assert part.loc["x2", "mu_star"] == pytest.approx(full.loc["x2", "mu_star"], rel=1e-12)
    assert part.loc["x3", "n_effects"] < part.loc["x1", "n_effects"]
    _, Y, s = sobol_indices(f, ISHIGAMI, n=1024, seed=3, num_resamples=100,
                            on_evaluated=lambda X, Y: seen.setdefault("sobol", len(Y)))
    assert seen["sobol"] == len(Y)
    s = s.set_index(["output", "factor"])
    assert s.loc[("y0", "x1"), "n_base"] == 1024 and 0 < s.loc[("y1", "x1"), "n_base"] < 1024
    assert np.isfinite(s.loc["y1", ["S1", "ST"]].to_numpy()).all()
    _, _, none = sobol_indices(lambda X: np.full(len(X), np.nan), ISHIGAMI, n=8, num_resamples=10)
    assert none["S1"].isna().all() and (none["n_base"] == 0).all()


def test_sobol_sample_size_must_be_power_of_two():
    with pytest.raises(ValueError, match="power of 2"):
        sobol_indices(ishigami, ISHIGAMI, n=100)


def test_dummy_factor_measures_fresh_noise_and_is_zero_without_it():
    from analysis.sensitivity import DUMMY

    rng = np.random.default_rng(5)
    _, _, t = sobol_indices(lambda X: ishigami(X) + rng.normal(0, 2.0, len(X)), ISHIGAMI, n=1024, seed=2,
                            num_resamples=100, dummy=True)
    noisy = t.set_index("factor").loc[DUMMY, "ST"]
    assert noisy > 0.05, f"with fresh noise the dummy's total index shows it: {noisy:.3f}"
    _, _, t = sobol_indices(ishigami, ISHIGAMI, n=256, seed=2, num_resamples=100, dummy=True)
    assert abs(t.set_index("factor").loc[DUMMY, "ST"]) < 1e-12, "a deterministic function gives the dummy 0"
