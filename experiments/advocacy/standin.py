"""The stand-in: a fitted estimate of the donor page's headlines, shown until the simulation's own result arrives.

A lever change on the page costs 3 paired 5-year runs (about 1-2 s each on the shared 2-core machine):
more than the 1 s the page has. The stand-in answers in about a millisecond with an *estimate* of each donor headline
(``sim.outcomes.DONOR_HEADLINES``), labelled as one and with its measured error; the simulation's
own result replaces it when the runs finish (``experiments/advocacy/live.py``). The model stays
the truth: an estimate is never stored as a result.

What it is (all numpy, nothing hidden):

1. **Design.** A Latin hypercube (``scipy.stats.qmc``) over every lever of the page
   (``experiments.advocacy.levers.LEVERS``): each slider over its whole allowed range, rounded to
   the page's 1% steps, and the agencies' regime as one of its four choices. Points whose direct
   funding + sharing earmark + pooled fund + the status quo's emergency reserve exceed the budget
   (the page refuses them) have the first three scaled down together to fit. Each point is run on
   the page's own replicate seeds (``LiveSettings().seeds``) against the status quo on the same seeds, at the
   page's default size: the target is exactly the paired mean difference the page would show.
2. **Regression.** Per headline, a ridge regression of that difference (in the unit the page
   shows: people a week, percentage points, weeks, index points, people) on the levers: either
   linear, or quadratic with every pairwise interaction (levers scaled to -1..1, the regime as
   0/1 indicators against the status quo's regime), squares and interactions penalised more than
   the levers themselves by a weight. The form, that weight and the ridge penalty are chosen by
   10-fold cross-validation. The status quo itself is one more point of every fit (its difference is
   0 by definition), and the estimate is ``f(levers) - f(status quo levers)``, so the status quo's
   estimate is exactly no change, as the page's paired runs give.
3. **Error.** Nested cross-validation (10 outer folds, the choice of form and penalty made inside
   each) gives every design point an estimate from a fit that never saw it; the absolute errors'
   median, 90th percentile and maximum, per headline, in the headline's unit, are the error the
   page prints the 90th percentile ("give or take X; nine in ten such estimates were this close"). The starting packages are also run and their estimates
   compared (their non-lever settings, e.g. the salary top-up, are outside the stand-in: their error
   is reported separately and the page uses the larger of the two for them).

The artefact (:data:`ARTEFACT`, JSON) holds the coefficients, the errors, the design and its targets,
the seeds, the settings, the commit of the model it was fitted on and the time it took;
``capsim standin`` re-fits it (after any change to ``sim/``; ``tests/test_standin.py`` fails when it
is older than the model).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.advocacy.levers import LEVERS, PACKAGES, STATUS_QUO, apply_levers, lever_values, package_params
from experiments.advocacy.live import LiveSettings
from experiments.config import UsageError
from sim.outcomes import DONOR_HEADLINES

__all__ = ["ARTEFACT", "HEADLINES", "FORMS", "design", "features", "Ridge", "fit_ridge_path", "choose_and_fit",
           "cross_validated_errors", "StandIn", "load", "say_estimates", "amount_text", "fit", "main"]

ROOT = Path(__file__).resolve().parents[2]
ARTEFACT = Path(__file__).with_name("standin.json")
HEADLINES: tuple[str, ...] = tuple(DONOR_HEADLINES)
FORMS = ("linear", "quadratic")
PENALTIES = tuple(float(x) for x in np.logspace(-4, 3, 15))  # ridge penalties tried (on standardised features)
# Scale of the quadratic terms against the linear ones after standardising (a smaller scale is a larger
# penalty on squares and interactions than on main effects): chosen by cross-validation with the penalty.
SECOND_ORDER_WEIGHTS = (1.0, 0.5, 0.25, 0.1)
OUTER_FOLDS, INNER_FOLDS = 10, 5
# Levers that are parts of the donors' budget held outside ordinary grants: with the emergency reserve
# (not a lever) they may not exceed the whole budget (``sim.params.Params.check``).
BUDGET_LEVERS = ("funding.direct_local_share", "funding.sharing_earmark", "pooled_fund.share")


def _sliders():
    return [lv for lv in LEVERS if not lv.is_choice]


def _choices():
    return [lv for lv in LEVERS if lv.is_choice]


# ---------------------------------------------------------------------------- design

def design(n: int, seed: int, base_values: dict, emergency_share: float) -> list[dict]:
    """``n`` lever settings from a Latin hypercube over every lever's allowed range.

    Args:
        n: design points.
        seed: seed of the hypercube (``scipy.stats.qmc.LatinHypercube``).
        base_values: the status quo's lever values (levers not on the page keep these).
        emergency_share: the status quo's emergency reserve (not a lever; counted in the budget check).
    """
    from scipy.stats import qmc

    sliders, choices = _sliders(), _choices()
    u = qmc.LatinHypercube(d=len(sliders) + len(choices), seed=seed).random(n)
    room = 1.0 - emergency_share
    points = []
    for row in u:
        v = dict(base_values)
        for j, lv in enumerate(sliders):
            v[lv.key] = round(lv.lo + row[j] * (lv.hi - lv.lo), 2)
        for j, lv in enumerate(choices):
            options = lv.spec.choices
            v[lv.key] = options[min(int(row[len(sliders) + j] * len(options)), len(options) - 1)]
        held = sum(v[k] for k in BUDGET_LEVERS)
        if held > room:  # the page refuses these; bring them to the edge of what it allows
            scale = room / held
            for k in BUDGET_LEVERS:
                v[k] = np.floor(100 * v[k] * scale) / 100
        points.append({k: (float(x) if isinstance(x, (float, np.floating)) else x) for k, x in v.items()})
    return points


# ---------------------------------------------------------------------------- features

def features(values: list[dict], form: str, reference_regime: str) -> tuple[np.ndarray, list[str]]:
    """The regression's inputs for lever settings, and their names.

    Sliders are scaled to -1..1 over their allowed range; each choice other than the reference
    (the status quo's) is a 0/1 indicator. ``quadratic`` adds each slider's square and every
    pairwise product (slider x slider, slider x choice).

    Args:
        values: lever settings (lever key -> value).
        form: ``linear`` or ``quadratic``.
        reference_regime: the choice every indicator is measured against.
    """
    if form not in FORMS:
        raise ValueError(f"form {form!r} is unknown; allowed: {', '.join(FORMS)}")
    cols, names = [], []
    sliders = _sliders()
    for lv in sliders:
        cols.append(np.array([2.0 * (float(v[lv.key]) - lv.lo) / (lv.hi - lv.lo) - 1.0 for v in values]))
        names.append(lv.key)
    n_sliders = len(cols)
    for lv in _choices():
        for option in lv.spec.choices:
            if option != reference_regime:
                cols.append(np.array([1.0 if v[lv.key] == option else 0.0 for v in values]))
                names.append(f"{lv.key}={option}")
    if form == "quadratic":
        base_cols, base_names = list(cols), list(names)
        for i in range(n_sliders):
            cols.append(base_cols[i] ** 2)
            names.append(f"{base_names[i]}^2")
        for i in range(len(base_cols)):
            for j in range(i + 1, len(base_cols)):
                if i >= n_sliders:  # two indicators of one choice are never both 1
                    continue
                cols.append(base_cols[i] * base_cols[j])
                names.append(f"{base_names[i]}*{base_names[j]}")
    return np.column_stack(cols) if cols else np.zeros((len(values), 0)), names


# ---------------------------------------------------------------------------- ridge regression

@dataclass
class Ridge:
    """``y = intercept + X @ coef`` (coefficients on the unscaled features of :func:`features`)."""

    intercept: float
    coef: np.ndarray

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.intercept + X @ self.coef


def fit_ridge_path(X: np.ndarray, y: np.ndarray, penalties, weights: np.ndarray | None = None) -> list[Ridge]:
    """Ridge regressions with an unpenalised intercept, on features standardised to unit variance, one per penalty.

    One singular value decomposition serves every penalty: with ``Z = U S V'`` the standardised
    features, the coefficients are ``V diag(s / (s^2 + penalty * n)) U' (y - mean(y))``.

    Args:
        X: features (rows: points).
        y: target.
        penalties: ridge penalties on the standardised coefficients (each times the number of points).
        weights: a scale per feature after standardising (default 1: every feature penalised alike).
    """
    mean, sd = X.mean(axis=0), X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    if weights is not None:
        sd = sd / weights
    Z = (X - mean) / sd
    ym = float(y.mean())
    U, sv, Vt = np.linalg.svd(Z, full_matrices=False)
    Uy = U.T @ (y - ym)
    out = []
    for penalty in penalties:
        b = Vt.T @ (sv / (sv ** 2 + penalty * len(y)) * Uy)
        coef = b / sd
        out.append(Ridge(ym - float(mean @ coef), coef))
    return out


def second_order_weights(n_columns: int, weight: float) -> np.ndarray:
    """``weight`` for the squares and interactions of :func:`features`, 1 for the levers themselves."""
    first = _first_order()
    return np.array([1.0 if j < first else weight for j in range(n_columns)])


def _fit_anchored(X: np.ndarray, y: np.ndarray, x_ref: np.ndarray, penalties, weights=None) -> list[Ridge]:
    """:func:`fit_ridge_path` on the points plus the status quo itself (difference 0 by definition)."""
    return fit_ridge_path(np.vstack([X, x_ref[None, :]]), np.append(y, 0.0), penalties, weights)


def _one_thread():
    """BLAS on one thread: these matrices are small, and on a shared 2-core machine a multi-threaded BLAS
    spends its time waiting (cross-validation measured 20x slower). ``threadpoolctl`` comes with
    scikit-learn; without it, BLAS keeps its own setting."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _folds(n: int, k: int, rng: np.random.Generator) -> list[np.ndarray]:
    return np.array_split(rng.permutation(n), min(k, n))


def _difference(model: Ridge, X: np.ndarray, x_ref: np.ndarray) -> np.ndarray:
    """The estimate the page shows: the fitted value minus the fitted value at the status quo."""
    return model.predict(X) - model.predict(x_ref[None, :])[0]


def _first_order() -> int:
    """How many columns of :func:`features` are the levers themselves (sliders, then one per non-reference choice)."""
    return len(_sliders()) + sum(len(lv.spec.choices) - 1 for lv in _choices())


def choose_and_fit(Xs: dict[str, np.ndarray], refs: dict[str, np.ndarray], y: np.ndarray, seed: int,
                   folds: int = OUTER_FOLDS) -> tuple[str, float, Ridge, float]:
    """The form and penalty with the smallest cross-validated squared error, fitted on every point.

    Args:
        Xs: form -> features of the points.
        refs: form -> features of the status quo.
        y: target (paired difference against the status quo).
        seed: seed of the fold split.
        folds: cross-validation folds.

    Returns:
        (form, second-order weight, penalty, fitted model, its cross-validated root mean squared error).
    """
    split = _folds(len(y), folds, np.random.default_rng(seed))
    best = None
    with _one_thread():
        for form, X in Xs.items():
            for weight in (SECOND_ORDER_WEIGHTS if form != "linear" else (1.0,)):
                w = second_order_weights(X.shape[1], weight)
                sq = np.zeros(len(PENALTIES))
                for test in split:
                    train = np.setdiff1d(np.arange(len(y)), test)
                    for i, m in enumerate(_fit_anchored(X[train], y[train], refs[form], PENALTIES, w)):
                        sq[i] += float(((_difference(m, X[test], refs[form]) - y[test]) ** 2).sum())
                i = int(np.argmin(sq))
                if best is None or sq[i] < best[0]:
                    best = (sq[i], form, weight, PENALTIES[i])
        sq, form, weight, penalty = best
        w = second_order_weights(Xs[form].shape[1], weight)
        model = _fit_anchored(Xs[form], y, refs[form], [penalty], w)[0]
        return form, weight, penalty, model, float(np.sqrt(sq / len(y)))


def cross_validated_errors(Xs: dict[str, np.ndarray], refs: dict[str, np.ndarray], y: np.ndarray,
                           seed: int) -> np.ndarray:
    """Nested cross-validation: each point's estimate from a fit (form and penalty chosen inside) that never saw it.

    Returns:
        estimate minus target, one per point.
    """
    err = np.full(len(y), np.nan)
    with _one_thread():
        for i, test in enumerate(_folds(len(y), OUTER_FOLDS, np.random.default_rng(seed))):
            train = np.setdiff1d(np.arange(len(y)), test)
            form, _, _, m, _ = choose_and_fit({f: X[train] for f, X in Xs.items()}, refs, y[train], seed + 1 + i,
                                           folds=INNER_FOLDS)
            err[test] = _difference(m, Xs[form][test], refs[form]) - y[test]
    return err


def error_summary(err: np.ndarray, y: np.ndarray) -> dict:
    """Absolute errors in the headline's unit, and how large the effects themselves are."""
    a = np.abs(err[np.isfinite(err)])
    return {"median_abs_error": float(np.median(a)), "p90_abs_error": float(np.quantile(a, 0.9)),
            "max_abs_error": float(a.max()), "rmse": float(np.sqrt(np.mean(a ** 2))),
            "median_abs_effect": float(np.median(np.abs(y))), "points": int(len(a))}


# ---------------------------------------------------------------------------- the fitted stand-in

class StandIn:
    """A fitted stand-in read from its artefact: estimates of every headline for lever settings.

    Args:
        data: the artefact's contents (:func:`fit` writes them).
    """

    def __init__(self, data: dict):
        self.data = data
        self.reference_regime = data["reference_regime"]
        self.sq_values = data["status_quo_levers"]
        keys = [lv.key for lv in LEVERS]
        if data["levers"] != keys:
            raise ValueError(f"the stand-in was fitted on levers {data['levers']}, the page has {keys}: "
                             "re-fit it with `capsim standin`")
        self._models = {}
        for key, h in data["headlines"].items():
            X_ref, names = features([self.sq_values], h["form"], self.reference_regime)
            if names != h["features"]:
                raise ValueError(f"the stand-in's features for {key} differ from this code's: re-fit it "
                                 "with `capsim standin`")
            self._models[key] = (h["form"], Ridge(float(h["intercept"]), np.array(h["coefficients"], float)), X_ref[0])

    def applies_to(self, settings) -> bool:
        """Whether the stand-in was fitted for these page settings (horizon, seeds, overrides)."""
        s = self.data["settings"]
        return (float(s["years"]) == float(settings.years) and list(s["seeds"]) == list(settings.seeds)
                and list(s["overrides"]) == list(settings.overrides))

    def estimate(self, values: dict) -> dict[str, float]:
        """Headline key -> estimated difference against the status quo, in the unit the page shows."""
        out = {}
        for key, (form, model, x_ref) in self._models.items():
            X, _ = features([values], form, self.reference_regime)
            out[key] = float(_difference(model, X, x_ref)[0])
        return out

    def error(self, key: str, package: str = STATUS_QUO) -> float:
        """The error the page prints for a headline: the 90th percentile of the cross-validated absolute
        errors, or a starting package's own measured error when that is larger."""
        h = self.data["headlines"][key]
        e = float(h["cv"]["p90_abs_error"])
        measured = self.data["packages"].get(package, {}).get(key)
        if measured is not None:  # every package of the page is measured at fit time (tests/test_standin.py)
            e = max(e, abs(float(measured["error"])))
        return e

    def say(self, estimate: dict[str, float], sq_levels: dict[str, float], package: str, years: float, keys) -> list:
        """:func:`say_estimates` with this stand-in."""
        return say_estimates(self, estimate, sq_levels, package, years, keys)

    def is_rough(self, key: str) -> bool:
        """The error is larger than the effect a lever typically has on this headline."""
        cv = self.data["headlines"][key]["cv"]
        return cv["p90_abs_error"] > cv["median_abs_effect"]


# ---------------------------------------------------------------------------- in a donor's words

def _raw(key: str, shown: float, years: float) -> float:
    """A value in the unit the page shows back in the measure's own unit (the inverse of ``shown_value``)."""
    from analysis.brief import shown_value

    return shown / shown_value(key, 1.0, years)


def amount_text(key: str, shown: float, years: float) -> str:
    """A size of change (no sign) as the page words it: ``"9,000 people a week"``, ``"2.1 percentage points"``."""
    from analysis.brief import level_text

    text = level_text(key, abs(_raw(key, shown, years)), years)
    return text[:-1] + " percentage points" if DONOR_HEADLINES[key].percent else text


def say_estimates(stand: "StandIn", estimate: dict[str, float], sq_levels: dict[str, float], package: str,
                  years: float, keys) -> list:
    """Estimated headlines in a donor's words, each with its error, as :class:`analysis.brief.Said`.

    A change is named only when it is larger than the estimate's error; the sentence always says it is
    an estimate, how close such estimates came to the simulation, and that the simulation follows.

    Args:
        stand: the stand-in.
        estimate: :meth:`StandIn.estimate` for the rules (shown units).
        sq_levels: the status quo's level of each measure on the page's runs (the measure's own unit).
        package: the starting package (its own measured error counts when larger).
        years: the horizon.
        keys: headline keys in order.
    """
    from analysis.brief import Said, level_text, shown_change
    from analysis.effects import MEASURES

    better = {m.key: m.better for m in MEASURES}
    out = []
    for key in keys:
        h = DONOR_HEADLINES[key]
        d_shown, e_shown = estimate[key], stand.error(key, package)
        d = _raw(key, d_shown, years)
        a = sq_levels[key]
        give = f"give or take {amount_text(key, e_shown, years)}"
        if not np.isfinite(a):
            text = ("estimate: none, as no sudden shock in the status quo's runs could be judged; the simulation's own "
                    "result follows.")
            out.append(Said(key, h.label, h.window_text(years), text, "about the same", np.nan, np.nan, np.nan, 0, 0))
            continue
        if abs(d_shown) > e_shown:
            direction = "better" if (d_shown > 0) == (better[key] == "higher") else "worse"
            text = (f"estimate: about {level_text(key, a + d, years)} under your rules, against "
                    f"{level_text(key, a, years)} under the status quo: {shown_change(key, d, years)}, {give}.")
        else:
            direction = "about the same"
            text = (f"estimate: about the same as under the status quo ({level_text(key, a, years)}), {give}.")
        text += " Nine in ten such estimates were this close to the simulation's own result, which follows."
        if stand.is_rough(key):
            text += " This estimate is rough: its error is larger than the change a lever typically makes here."
        out.append(Said(key, h.label, h.window_text(years), text, direction, d, d - _raw(key, e_shown, years),
                        d + _raw(key, e_shown, years), 0, 0))
    return out


_LOADED: dict[str, tuple[float, StandIn | None]] = {}


def load(path: Path | str = ARTEFACT) -> StandIn | None:
    """The stand-in in ``path`` (re-read when the file changes); None when there is none."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _LOADED.get(str(path))
    if cached is None or cached[0] != mtime:
        cached = (mtime, StandIn(json.loads(path.read_text())))
        _LOADED[str(path)] = cached
    return cached[1]


# ---------------------------------------------------------------------------- fitting

def _measures(params) -> dict:
    """One run reduced to the headline measures (a top-level function: it runs in a worker)."""
    from analysis.effects import per_run_measures
    from sim.results import run

    res = run(params)
    steps, shocks = res.steps.copy(), res.shocks.copy()
    for df in (steps, shocks):
        df.insert(0, "config", "x")
        df.insert(1, "replicate", 0)
    row = per_run_measures(steps, shocks).iloc[0]
    return {k: float(row[k]) for k in HEADLINES}


def _shown(key: str, diff: float, years: float) -> float:
    from analysis.brief import shown_value

    return float(shown_value(key, diff, years))


def measured_commit() -> dict:
    """The commit fitted on and whether ``sim/``, ``configs/`` or ``hydra_plugins/`` differed from it."""
    def git(*args):
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--", "sim", "configs", "hydra_plugins")
    return {"commit": commit, "uncommitted_changes": bool(dirty) if dirty is not None else None}


def fit_from_targets(pts: list[dict], targets: list[dict], sq_values: dict, packages: dict | None = None,
                     package_targets: dict | None = None, design_seed: int = 15) -> dict:
    """Fit every headline to measured differences and measure the errors (no runs: the regression alone).

    Args:
        pts: lever settings of the design points.
        targets: per point, headline key -> paired difference against the status quo (shown units; NaN: none).
        sq_values: the status quo's lever values (the reference of the differences).
        packages: package name -> its lever values (optional).
        package_targets: package name -> its measured differences, like ``targets``.
        design_seed: seed of the cross-validation folds.

    Returns:
        the artefact's regression part: ``design``, ``levers``, ``reference_regime``, ``status_quo_levers``,
        ``headlines`` (form, penalty, feature names, coefficients, cross-validated errors), ``packages``
        (each package's estimate, measured difference and error) and ``design_points``.
    """
    packages, package_targets = packages or {}, package_targets or {}
    regime_ref = sq_values["regime"]
    Xs_all = {f: features(pts, f, regime_ref)[0] for f in FORMS}
    refs = {f: features([sq_values], f, regime_ref)[0][0] for f in FORMS}
    headlines, pkg_errors = {}, {name: {} for name in packages}
    for k in HEADLINES:
        y = np.array([t[k] for t in targets], float)
        ok = np.isfinite(y)
        Xs = {f: X[ok] for f, X in Xs_all.items()}
        form, weight, penalty, model, cv_rmse = choose_and_fit(Xs, refs, y[ok], design_seed)
        err = cross_validated_errors(Xs, refs, y[ok], design_seed)
        headlines[k] = {"form": form, "second_order_weight": weight, "penalty": penalty, "features": features([sq_values], form, regime_ref)[1],
                        "intercept": model.intercept, "coefficients": [float(c) for c in model.coef],
                        "unit": DONOR_HEADLINES[k].unit + (" (percentage points)" if DONOR_HEADLINES[k].percent else ""),
                        "cv": error_summary(err, y[ok]), "cv_rmse_of_chosen_fit": cv_rmse}
        for name, v in packages.items():
            X, _ = features([v], form, regime_ref)
            est = float(_difference(model, X, refs[form])[0])
            pkg_errors[name][k] = {"model": package_targets[name][k], "estimate": est,
                                   "error": est - package_targets[name][k]}
    return {
        "design": {"kind": "Latin hypercube (scipy.stats.qmc), sliders over their allowed range at 1% steps, "
                           "regime uniform over its choices; direct funding, earmark and pooled fund scaled down "
                           "to fit the budget",
                   "points": len(pts), "seed": design_seed, "outer_folds": OUTER_FOLDS, "inner_folds": INNER_FOLDS,
                   "forms": list(FORMS), "second_order_weights": list(SECOND_ORDER_WEIGHTS),
                   "penalties": list(PENALTIES)},
        "levers": [lv.key for lv in LEVERS], "reference_regime": regime_ref, "status_quo_levers": sq_values,
        "headlines": headlines, "packages": pkg_errors,
        "design_points": [{"levers": v, "difference": t} for v, t in zip(pts, targets)],
    }


def fit(settings, points: int = 100, jobs: int = 2, design_seed: int = 15, out: Path | str | None = ARTEFACT,
        progress: bool = True) -> dict:
    """Run the design and the packages on the page's seeds, fit every headline, measure the error.

    Args:
        settings: the page's settings (``experiments.advocacy.live.LiveSettings``: horizon, seeds, overrides).
        points: design points (each runs on the page's seeds).
        jobs: worker processes.
        design_seed: seed of the Latin hypercube and of the cross-validation folds.
        out: where to write the artefact (None: do not write).
        progress: show the runs' progress.

    Returns:
        the artefact's contents.
    """
    from experiments.runner import Runner

    t0 = time.perf_counter()
    load_start = os.getloadavg()[0]
    commit = measured_commit()  # the model as it is when the runs start
    seeds = settings.seeds
    base = package_params(STATUS_QUO, settings.package_overrides)
    sq_values = lever_values(base)
    pts = design(points, design_seed, sq_values, float(base.funding.emergency_share))
    packages = {name: lever_values(package_params(name, settings.package_overrides)) for name in PACKAGES
                if name != STATUS_QUO}
    configs = [base] + [apply_levers(base, v) for v in pts] + \
              [package_params(name, settings.package_overrides) for name in packages]
    params = [c.replace(seed=int(s)) for c in configs for s in seeds]
    if progress:
        print(f"capsim standin: {points} design points + {len(packages)} packages + the status quo, each on the "
              f"page's {len(seeds)} seeds = {len(params)} runs of {settings.years:g} years ({jobs} worker "
              f"process{'es' if jobs > 1 else ''}) ...", flush=True)
    runner = Runner(jobs)
    try:
        rows = runner.map(_measures, params, progress=progress)
    finally:
        runner.close()
    t_runs = time.perf_counter() - t0
    r = len(seeds)
    per_config = [rows[i * r:(i + 1) * r] for i in range(len(configs))]
    sq = per_config[0]

    def paired(runs: list[dict]) -> dict[str, float]:
        out = {}
        for k in HEADLINES:
            d = np.array([a[k] - b[k] for a, b in zip(runs, sq)], float)
            d = d[np.isfinite(d)]
            out[k] = _shown(k, float(d.mean()), settings.years) if len(d) else float("nan")
        return out

    targets = [paired(runs) for runs in per_config[1:1 + len(pts)]]
    package_targets = {name: paired(runs) for name, runs in zip(packages, per_config[1 + len(pts):])}
    data = fit_from_targets(pts, targets, sq_values, packages, package_targets, design_seed)
    data = {
        "what": "the donor page's stand-in (experiments/advocacy/standin.py): ridge regressions of each headline's "
                "paired difference against the status quo on the page's levers",
        **commit,
        "fitted": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "fit_seconds": round(time.perf_counter() - t0, 1), "runs_seconds": round(t_runs, 1),
        "runs": len(params), "jobs": jobs, "load_average_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "settings": {"years": settings.years, "replicates": settings.replicates, "seed": settings.seed,
                     "seeds": [int(s) for s in seeds], "overrides": list(settings.overrides)},
        **data,
    }
    if out is not None:
        Path(out).write_text(json.dumps(data, indent=1, allow_nan=True) + "\n")
    return data


def regress_again(path: Path | str = ARTEFACT) -> dict:
    """The regressions and errors re-fitted to the runs stored in an artefact (no model runs).

    For a change to this file's regression, not to the model: the runs, their commit and their time
    stay as they were; ``regression_seconds`` records the new fit.
    """
    t0 = time.perf_counter()
    old = json.loads(Path(path).read_text())
    pts = [p["levers"] for p in old["design_points"]]
    targets = [p["difference"] for p in old["design_points"]]
    packages = {name: lever_values(package_params(name, (f"years={old['settings']['years']:g}",
                                                         *old["settings"]["overrides"])))
                for name in old["packages"]}
    package_targets = {name: {k: v["model"] for k, v in p.items()} for name, p in old["packages"].items()}
    new = fit_from_targets(pts, targets, old["status_quo_levers"], packages, package_targets, old["design"]["seed"])
    return {**old, **new, "regression_seconds": round(time.perf_counter() - t0, 1)}


def report(data: dict) -> str:
    """The fit's errors as a table (headline, unit, form, error median/90%/max, typical effect, packages)."""
    lines = [f"{'headline':<28} {'unit':<34} {'form':<9} {'err med':>9} {'err 90%':>9} {'err max':>9} "
             f"{'effect med':>10}  package errors"]
    for k, h in data["headlines"].items():
        cv = h["cv"]
        pk = ", ".join(f"{n}: {p[k]['error']:+.3g}" for n, p in data["packages"].items())
        lines.append(f"{k:<28} {h['unit']:<34} {h['form']:<9} {cv['median_abs_error']:>9.3g} "
                     f"{cv['p90_abs_error']:>9.3g} {cv['max_abs_error']:>9.3g} {cv['median_abs_effect']:>10.3g}  {pk}")
    return "\n".join(lines)


def _parser():
    from experiments.cli.plain_args import OptionParser, positive_int, seed_number

    p = OptionParser(prog="capsim standin",
                     description="Re-fit the donor page's stand-in (an estimate of each headline shown until the "
                                 "simulation's own result arrives) and measure its error; writes "
                                 "experiments/advocacy/standin.json.")
    p.add_argument("--points", type=positive_int("--points", 2000), default=100,
                   help="design points, each run on the page's 3 seeds (default 100)")
    p.add_argument("--jobs", type=positive_int("--jobs", 64), default=None,
                   help="worker processes (default: every core)")
    p.add_argument("--seed", type=seed_number, default=15, help="seed of the design and the folds (default 15)")
    p.add_argument("--out", default=None, help=f"where to write the artefact (default {ARTEFACT.relative_to(ROOT)})")
    p.add_argument("--regress-only", action="store_true",
                   help="re-fit the regressions to the runs already in the artefact (no model runs; after a change "
                        "to the regression in standin.py, never after a change to the model)")
    return p


def main(args: list[str]) -> int:
    """``capsim standin``: re-fit the stand-in and print its cross-validated errors."""
    from experiments.config import quiet_mesa

    opts = _parser().parse_args(args)
    if opts.points < 30:
        raise UsageError(f"--points = {opts.points} is too few to fit and cross-validate; allowed: 30 to 2000")
    quiet_mesa()
    jobs = opts.jobs or (os.cpu_count() or 1)
    out = Path(opts.out) if opts.out else ARTEFACT
    if opts.regress_only:
        if not ARTEFACT.exists():
            raise UsageError(f"--regress-only: {ARTEFACT.relative_to(ROOT)} does not exist; allowed: after a full fit")
        data = regress_again(ARTEFACT)
        out.write_text(json.dumps(data, indent=1, allow_nan=True) + "\n")
        print(report(data))
        print(f"capsim standin: re-fitted the regressions to the {data['runs']} runs in {ARTEFACT.relative_to(ROOT)} "
              f"in {data['regression_seconds']:g} s; wrote {out}")
        return 0
    data = fit(LiveSettings(), opts.points, jobs, opts.seed, out)
    print(report(data))
    print(f"capsim standin: wrote {out} ({data['runs']} runs, {data['fit_seconds']:g} s, fitted on "
          f"{(data['commit'] or '?')[:10]}{' with uncommitted changes' if data['uncommitted_changes'] else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
