"""The stand-in: a fitted estimate of the donor page's headlines, shown until the simulation's own result arrives.

A lever change on the page costs 3 paired 5-year runs (about 0.8-1.6 s of CPU each): more than the
1 s the page has. The stand-in answers in microseconds with an *estimate* of each donor headline
(``sim.outcomes.DONOR_HEADLINES``), labelled as one and with its measured error; the simulation's
own result replaces it when the runs finish (``experiments/advocacy/live.py``). The model stays
the truth: an estimate is never stored as a result.

What it is (all numpy, nothing hidden):

1. **Design.** A Latin hypercube (``scipy.stats.qmc``) over every lever of the page
   (``experiments.advocacy.levers.LEVERS``): each slider over its whole allowed range, rounded to
   the page's 1% steps, and the agencies' regime as one of its four choices. Points whose direct
   funding + sharing earmark + the status quo's emergency reserve exceed the budget (the page
   refuses them) have direct funding, earmark and pooled fund scaled down together to fit. Each point is run on the page's
   own replicate seeds (``LiveSettings().seeds``) against the status quo on the same seeds, at the
   page's default size: the target is exactly the paired mean difference the page would show.
2. **Regression.** Per headline, a ridge regression of that difference (in the unit the page
   shows: people a week, percentage points, weeks, index points, people) on the levers: either
   linear, or quadratic with every pairwise interaction (levers scaled to -1..1, the regime as
   0/1 indicators against the status quo's regime). The form and the ridge penalty are chosen by
   10-fold cross-validation. The status quo itself is one more point of every fit (its difference is
   0 by definition), and the estimate is ``f(levers) - f(status quo levers)``, so the status quo's
   estimate is exactly no change, as the page's paired runs give.
3. **Error.** Nested cross-validation (10 outer folds, the choice of form and penalty made inside
   each) gives every design point an estimate from a fit that never saw it; the absolute errors'
   median, 90th percentile and maximum, per headline, in the headline's unit, are the error the
   page prints ("9 times in 10 within +-X"). The starting packages are also run and their estimates
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
from experiments.config import UsageError
from sim.outcomes import DONOR_HEADLINES

__all__ = ["ARTEFACT", "HEADLINES", "FORMS", "design", "features", "Ridge", "fit_ridge", "choose_and_fit",
           "cross_validated_errors", "StandIn", "load", "fit", "main"]

ROOT = Path(__file__).resolve().parents[2]
ARTEFACT = Path(__file__).with_name("standin.json")
HEADLINES: tuple[str, ...] = tuple(DONOR_HEADLINES)
FORMS = ("linear", "quadratic")
PENALTIES = tuple(float(x) for x in np.logspace(-4, 3, 15))  # ridge penalties tried (on standardised features)
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


def fit_ridge(X: np.ndarray, y: np.ndarray, penalty: float) -> Ridge:
    """Ridge regression with an unpenalised intercept, on features standardised to unit variance.

    Args:
        X: features (rows: points).
        y: target.
        penalty: ridge penalty on the standardised coefficients (times the number of points).
    """
    mean, sd = X.mean(axis=0), X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    Z = (X - mean) / sd
    ym = float(y.mean())
    A = Z.T @ Z + penalty * len(y) * np.eye(Z.shape[1])
    b = np.linalg.solve(A, Z.T @ (y - ym))
    coef = b / sd
    return Ridge(ym - float(mean @ coef), coef)


def _fit_anchored(X: np.ndarray, y: np.ndarray, x_ref: np.ndarray, penalty: float) -> Ridge:
    """:func:`fit_ridge` on the points plus the status quo itself (difference 0 by definition)."""
    return fit_ridge(np.vstack([X, x_ref[None, :]]), np.append(y, 0.0), penalty)


def _folds(n: int, k: int, rng: np.random.Generator) -> list[np.ndarray]:
    return np.array_split(rng.permutation(n), min(k, n))


def _difference(model: Ridge, X: np.ndarray, x_ref: np.ndarray) -> np.ndarray:
    """The estimate the page shows: the fitted value minus the fitted value at the status quo."""
    return model.predict(X) - model.predict(x_ref[None, :])[0]


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
        (form, penalty, fitted model, its cross-validated root mean squared error).
    """
    split = _folds(len(y), folds, np.random.default_rng(seed))
    best = None
    for form, X in Xs.items():
        for penalty in PENALTIES:
            sq = 0.0
            for test in split:
                train = np.setdiff1d(np.arange(len(y)), test)
                m = _fit_anchored(X[train], y[train], refs[form], penalty)
                sq += float(((_difference(m, X[test], refs[form]) - y[test]) ** 2).sum())
            if best is None or sq < best[0]:
                best = (sq, form, penalty)
    sq, form, penalty = best
    return form, penalty, _fit_anchored(Xs[form], y, refs[form], penalty), float(np.sqrt(sq / len(y)))


def cross_validated_errors(Xs: dict[str, np.ndarray], refs: dict[str, np.ndarray], y: np.ndarray,
                           seed: int) -> np.ndarray:
    """Nested cross-validation: each point's estimate from a fit (form and penalty chosen inside) that never saw it.

    Returns:
        estimate minus target, one per point.
    """
    err = np.full(len(y), np.nan)
    for i, test in enumerate(_folds(len(y), OUTER_FOLDS, np.random.default_rng(seed))):
        train = np.setdiff1d(np.arange(len(y)), test)
        form, _, m, _ = choose_and_fit({f: X[train] for f, X in Xs.items()}, refs, y[train], seed + 1 + i,
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
        if package != STATUS_QUO:
            e = max(e, abs(float(self.data["packages"].get(package, {}).get(key, {}).get("error", np.inf))))
        return e

    def is_rough(self, key: str) -> bool:
        """The error is larger than the effect a lever typically has on this headline."""
        cv = self.data["headlines"][key]["cv"]
        return cv["p90_abs_error"] > cv["median_abs_effect"]


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
    """The commit fitted on and whether ``sim/``, ``experiments/`` or ``configs/`` differed from it."""
    def git(*args):
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--", "sim", "configs", "hydra_plugins")
    return {"commit": commit, "uncommitted_changes": bool(dirty) if dirty is not None else None}


def fit(points: int = 100, jobs: int = 2, design_seed: int = 15, out: Path | str | None = ARTEFACT,
        progress: bool = True) -> dict:
    """Run the design and the packages on the page's seeds, fit every headline, measure the error.

    Args:
        points: design points (each runs on the page's 3 seeds).
        jobs: worker processes.
        design_seed: seed of the Latin hypercube and of the cross-validation folds.
        out: where to write the artefact (None: do not write).
        progress: show the runs' progress.

    Returns:
        the artefact's contents.
    """
    from experiments.advocacy.live import LiveSettings
    from experiments.runner import Runner

    t0 = time.perf_counter()
    load_start = os.getloadavg()[0]
    settings = LiveSettings()
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
    regime_ref = sq_values["regime"]
    Xs_all = {f: features(pts, f, regime_ref)[0] for f in FORMS}
    refs = {f: features([sq_values], f, regime_ref)[0][0] for f in FORMS}
    headlines, pkg_errors = {}, {name: {} for name in packages}
    for k in HEADLINES:
        y = np.array([t[k] for t in targets], float)
        ok = np.isfinite(y)
        Xs = {f: X[ok] for f, X in Xs_all.items()}
        form, penalty, model, cv_rmse = choose_and_fit(Xs, refs, y[ok], design_seed)
        err = cross_validated_errors(Xs, refs, y[ok], design_seed)
        headlines[k] = {"form": form, "penalty": penalty, "features": features([sq_values], form, regime_ref)[1],
                        "intercept": model.intercept, "coefficients": [float(c) for c in model.coef],
                        "unit": DONOR_HEADLINES[k].unit + (" (percentage points)" if DONOR_HEADLINES[k].percent else ""),
                        "cv": error_summary(err, y[ok]), "cv_rmse_of_chosen_fit": cv_rmse}
        for name, v in packages.items():
            X, _ = features([v], form, regime_ref)
            est = float(_difference(model, X, refs[form])[0])
            pkg_errors[name][k] = {"model": package_targets[name][k], "estimate": est,
                                   "error": est - package_targets[name][k]}
    data = {
        "what": "the donor page's stand-in (experiments/advocacy/standin.py): ridge regressions of each headline's "
                "paired difference against the status quo on the page's levers",
        **measured_commit(),
        "fitted": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "fit_seconds": round(time.perf_counter() - t0, 1), "runs_seconds": round(t_runs, 1),
        "runs": len(params), "jobs": jobs, "load_average_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "settings": {"years": settings.years, "replicates": settings.replicates, "seed": settings.seed,
                     "seeds": [int(s) for s in seeds], "overrides": list(settings.overrides)},
        "design": {"kind": "Latin hypercube (scipy.stats.qmc), sliders over their allowed range at 1% steps, "
                           "regime uniform over its choices; direct funding, earmark and pooled fund scaled down to fit the budget",
                   "points": points, "seed": design_seed, "outer_folds": OUTER_FOLDS, "inner_folds": INNER_FOLDS,
                   "forms": list(FORMS), "penalties": list(PENALTIES)},
        "levers": [lv.key for lv in LEVERS], "reference_regime": regime_ref, "status_quo_levers": sq_values,
        "headlines": headlines, "packages": pkg_errors,
        "design_points": [{"levers": v, "difference": t} for v, t in zip(pts, targets)],
    }
    if out is not None:
        Path(out).write_text(json.dumps(data, indent=1, allow_nan=True) + "\n")
    return data


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
    data = fit(opts.points, jobs, opts.seed, out)
    print(report(data))
    print(f"capsim standin: wrote {out} ({data['runs']} runs, {data['fit_seconds']:g} s, fitted on "
          f"{(data['commit'] or '?')[:10]}{' with uncommitted changes' if data['uncommitted_changes'] else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
