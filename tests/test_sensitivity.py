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


def test_non_finite_output_is_refused():
    with pytest.raises(ValueError, match="non-finite"):
        sobol_indices(lambda X: np.where(X[:, 0] > 0, np.nan, 1.0), ISHIGAMI, n=8, num_resamples=10)


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
