"""The donor page's stand-in (experiments/advocacy/standin.py): its regression, its design, its committed fit.

All fast (no model runs): the regression is checked on known functions, the design on the page's
rules, and the committed artefact on its provenance (fitted on the model as it stands) and its shape.
The page's use of the stand-in (estimates labelled, then replaced) is tested in tests/test_dashboard.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import assert_measured_on_current_model

from experiments.advocacy import standin
from experiments.advocacy.levers import LEVERS, PACKAGES, STATUS_QUO, apply_levers, lever_values, package_params
from experiments.advocacy.live import LiveSettings
from sim.outcomes import DONOR_HEADLINES

ROOT = Path(__file__).resolve().parents[1]


def _sq():
    base = package_params(STATUS_QUO, LiveSettings().package_overrides)
    return base, lever_values(base)


def _known(v: dict) -> float:
    """A known function of the levers: linear, a square, an interaction and a regime effect."""
    x = v["funding.direct_local_share"]
    y = v["funding.multi_year_share"]
    return 3.0 * x - 4.0 * x ** 2 + 2.0 * x * y + (1.5 if v["regime"] == "sharing" else 0.0)


def test_the_committed_standin_is_not_older_than_the_model():
    """experiments/advocacy/standin.json names the commit it was fitted on; the last change to sim/ must be that
    commit or one of its ancestors, so the page's estimates and their errors are the model's as it stands."""
    assert_measured_on_current_model(standin.ARTEFACT, "experiments/advocacy/standin.json", "capsim standin")


def test_the_committed_standin_fits_the_page():
    """The artefact covers every headline and lever of the page, for the page's default settings, with its
    errors, design, seeds and fit time; the status quo's estimate is no change."""
    data = json.loads(standin.ARTEFACT.read_text())
    st = standin.StandIn(data)
    assert st.applies_to(LiveSettings()), "the stand-in was not fitted for the page's default settings"
    assert set(data["headlines"]) == set(DONOR_HEADLINES), "a headline has no estimate"
    assert data["levers"] == [lv.key for lv in LEVERS]
    assert data["design"]["points"] == len(data["design_points"]) >= 30 and data["fit_seconds"] > 0
    assert data["settings"]["seeds"] == LiveSettings().seeds
    for key, h in data["headlines"].items():
        cv = h["cv"]
        assert 0 <= cv["median_abs_error"] <= cv["p90_abs_error"] <= cv["max_abs_error"], (key, cv)
        assert all(key in p for p in data["packages"].values()), f"{key}: a package's error is missing"
    assert set(data["packages"]) == set(PACKAGES) - {STATUS_QUO}, "a starting package was not measured: re-fit"
    _, sq = _sq()
    assert all(v == 0.0 for v in st.estimate(sq).values()), "the status quo's estimate is not 'no change'"


def test_ridge_recovers_a_known_function():
    """With the page's design and no noise, the chosen fit reproduces a quadratic with an interaction and a
    regime effect, and the nested cross-validated error is small against the function's spread."""
    base, sq = _sq()
    pts = standin.design(120, 1, sq, float(base.funding.emergency_share))
    y = np.array([_known(v) - _known(sq) for v in pts])
    Xs = {f: standin.features(pts, f, sq["regime"])[0] for f in standin.FORMS}
    refs = {f: standin.features([sq], f, sq["regime"])[0][0] for f in standin.FORMS}
    form, _, _, model, _ = standin.choose_and_fit(Xs, refs, y, seed=2)
    assert form == "quadratic", f"a quadratic truth was fitted as {form}"
    test = standin.design(40, 99, sq, float(base.funding.emergency_share))
    X_test = standin.features(test, form, sq["regime"])[0]
    pred = standin._difference(model, X_test, refs[form])
    truth = np.array([_known(v) - _known(sq) for v in test])
    miss = np.abs(pred - truth)
    assert np.quantile(miss, 0.9) < 0.1 * np.std(truth) and miss.max() < 0.4 * np.std(truth), (miss, np.std(truth))
    err = standin.cross_validated_errors(Xs, refs, y, seed=2)
    assert np.quantile(np.abs(err), 0.9) < 0.1 * np.std(y), np.quantile(np.abs(err), 0.9)


def test_cross_validation_reports_noise_it_cannot_fit():
    """A target that is pure noise gets a cross-validated error as large as the noise, not a flattering one."""
    base, sq = _sq()
    pts = standin.design(80, 3, sq, float(base.funding.emergency_share))
    y = np.random.default_rng(0).normal(0, 1.0, len(pts))
    Xs = {f: standin.features(pts, f, sq["regime"])[0] for f in standin.FORMS}
    refs = {f: standin.features([sq], f, sq["regime"])[0][0] for f in standin.FORMS}
    err = standin.cross_validated_errors(Xs, refs, y, seed=4)
    assert np.sqrt(np.mean(err ** 2)) > 0.8, f"noise of sd 1 was 'predicted' with rmse {np.sqrt(np.mean(err ** 2))}"


def test_design_covers_the_page_and_every_point_can_run():
    """Every design point is a valid setting of the page (the model's own check), sliders span their range,
    every regime appears."""
    base, sq = _sq()
    pts = standin.design(100, 15, sq, float(base.funding.emergency_share))
    for v in pts:
        apply_levers(base, v)  # raises ConfigError for a setting the page would refuse
    for lv in LEVERS:
        vals = [v[lv.key] for v in pts]
        if lv.is_choice:
            assert set(vals) == set(lv.spec.choices), f"{lv.key}: choices missing from the design"
        else:
            assert min(vals) >= lv.lo and max(vals) <= lv.hi and max(vals) - min(vals) > 0.5 * (lv.hi - lv.lo), lv.key
            assert all(abs(100 * x - round(100 * x)) < 1e-9 for x in vals), f"{lv.key}: not on the page's 1% steps"


def test_estimates_are_worded_as_estimates_with_their_error():
    """Every estimated headline says it is an estimate, gives its error in the headline's unit and says the
    simulation follows; a change smaller than the error is not named as a change; a rough one says so."""
    base, sq = _sq()
    pts = standin.design(40, 5, sq, float(base.funding.emergency_share))
    targets = [{k: _known(v) - _known(sq) for k in DONOR_HEADLINES} for v in pts]
    targets = [{**t, "brain_drain": float(np.random.default_rng(i).normal(0, 50))} for i, t in enumerate(targets)]
    st = standin.StandIn({**standin.fit_from_targets(pts, targets, sq), "settings": {}})
    levels = {k: 0.5 for k in DONOR_HEADLINES}
    levels["people_weeks_met"] = 1e8
    levels["brain_drain"] = 300.0
    big = {**sq, "funding.direct_local_share": 0.5, "regime": "sharing"}
    said = standin.say_estimates(st, st.estimate(big), levels, STATUS_QUO, 5.0, list(DONOR_HEADLINES))
    for s in said:
        assert s.text.startswith("estimate:") and "give or take" in s.text and "simulation's own result" in s.text, s
    assert "percentage points" in next(s for s in said if s.measure == "coverage").text
    drain = next(s for s in said if s.measure == "brain_drain")
    assert st.is_rough("brain_drain") and "rough" in drain.text, drain.text
    small = standin.say_estimates(st, {k: 0.0 for k in DONOR_HEADLINES}, levels, STATUS_QUO, 5.0, ["coverage"])[0]
    assert "about the same" in small.text and small.direction == "about the same", small.text
