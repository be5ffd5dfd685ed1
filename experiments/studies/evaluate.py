"""Evaluate the model at many points of the factor space, in worker processes, deterministically.

Shared by calibration, sensitivity analysis and scenario discovery. Each point (one value per
factor of ``experiments/studies/factors.py``) is run under every regime of the evaluation with
the same replicate seeds (common random numbers: ``sim.rng.replicate_seeds``), so paired
differences between regimes and between points are not blurred by different random draws.
Runs keep only what the analyses need (window means of outcomes and the training probe), not
Parquet tables: a sensitivity analysis makes thousands of runs.

Where the runs are made: worker processes on this machine (``n_jobs``), or, when the command
chose ``hydra/launcher=slurm``, SLURM array tasks (``experiments.cluster.StudyCluster``: the
same batches of runs, ``study.runs_per_job`` per task). Every run is fixed by its point,
regime and seed, and rows are sorted before they are returned, so the result is the same
wherever and in however many pieces the runs are made.

:func:`evaluate_points` returns one row per (point, regime, replicate); :func:`point_means`
averages replicates per point; :class:`ModelFunction` wraps both as a function of a sample
matrix, the form the sensitivity pipeline (``analysis/sensitivity.py``) takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.runner import Progress, Runner
from experiments.studies.factors import Factor, apply
from sim.params import ConfigError, Params, REGIME_NAMES
from sim.crises import RESPONSE_MEASURES, response_summary
from sim.outcomes import STEP_OUTCOMES
from sim.probes import PROBE_AGES_WEEKS
from sim.rng import replicate_seeds

__all__ = ["OUTCOME_CHOICES", "SHOCK_OUTCOMES", "Evaluation", "batch_runs", "evaluate_points", "point_means", "paired_difference", "ModelFunction", "PROBE_COLUMNS",
           "output_label", "replicate_noise"]

PROBE_COLUMNS = tuple(f"training_applied_{a}w" for a in PROBE_AGES_WEEKS)
# Outcomes from the shocks rather than the weekly record, over every judged shock of the run (an
# analysis window of a year holds too few shocks); defined in sim/crises.py.
SHOCK_OUTCOMES = RESPONSE_MEASURES
# What a study may analyse: every step outcome (a window's mean) and the run-level response measures.
OUTCOME_CHOICES = tuple(o.key for o in STEP_OUTCOMES) + SHOCK_OUTCOMES


def shock_outcomes(model, window_start_step: int) -> dict:
    """Response measures (``sim.crises.response_summary``) over the shocks from ``window_start_step`` on."""
    tr = model.tracker
    keep = tr.applied & (model.shocks.step >= window_start_step)
    return response_summary(tr.response_time[keep], tr.censored(model.n_steps)[keep], tr.reach_72h[keep])


@dataclass(frozen=True)
class Evaluation:
    """What to run at each point and what to keep.

    Args:
        regimes: each point runs under each of these regimes, on the same seeds.
        replicates: replicate seeds per point (the same seeds at every point).
        base_seed: seed from which the replicate seeds derive.
        outcomes: step outcomes (``sim/outcomes.py``) averaged over the window.
        window_start_year: the window runs from this year to the end of the run.
        probe: also keep the training probe's applied shares (``sim/probes.py``).
    """

    regimes: tuple[str, ...]
    replicates: int
    base_seed: int
    outcomes: tuple[str, ...]
    window_start_year: float
    probe: bool = False

    def check(self, years: float) -> None:
        bad = [r for r in self.regimes if r not in REGIME_NAMES]
        if bad or not self.regimes:
            raise ConfigError(f"regimes = {list(self.regimes)} is not allowed; allowed: one or more of "
                              f"{', '.join(REGIME_NAMES)}")
        if self.replicates < 1:
            raise ConfigError(f"replicates = {self.replicates} is too small; allowed: at least 1")
        if not 0 <= self.window_start_year < years:
            raise ConfigError(f"window_start_year = {self.window_start_year:g} is not inside the run; "
                              f"allowed: from 0 to below years = {years:g}")
        unknown = [o for o in self.outcomes if o not in OUTCOME_CHOICES]
        if unknown:
            raise ConfigError(f"outcome {unknown[0]!r} is not a registered step outcome or one of "
                              f"{', '.join(SHOCK_OUTCOMES)}; see sim/outcomes.py")


# ---------------------------------------------------------------------------------- workers
_WORKER: dict = {}


def _init_worker(base: Params, factors: list[Factor], ev: Evaluation) -> None:
    """A worker's set-up (the runner quiets Mesa first): the study's base, factors and evaluation."""
    _WORKER.update(base=base, factors=factors, ev=ev)


def _run_batch(batch: list[tuple[int, np.ndarray, str, int, int]]) -> list[dict]:
    from sim.model import CapacityModel

    base, factors, ev = _WORKER["base"], _WORKER["factors"], _WORKER["ev"]
    rows = []
    for point, x, regime, rep, seed in batch:
        params = apply(base, factors, x).replace(regime=regime, seed=seed)
        model = CapacityModel(params)
        for _ in range(model.n_steps):
            model.step()
        steps = model.recorder.steps_table()
        win = steps[steps["year"] >= ev.window_start_year]
        row = {"point": point, "regime": regime, "replicate": rep, "seed": seed}
        row.update({o: float(win[o].mean()) for o in ev.outcomes if o not in SHOCK_OUTCOMES})
        if any(o in SHOCK_OUTCOMES for o in ev.outcomes):
            shock = shock_outcomes(model, 0)  # every judged shock of the run: a window holds too few
            row.update({o: shock[o] for o in ev.outcomes if o in SHOCK_OUTCOMES})
        if ev.probe:
            shares = model.training_probe.shares()
            row.update({c: shares[a] for c, a in zip(PROBE_COLUMNS, PROBE_AGES_WEEKS)})
        rows.append(row)
    return rows


def _run_task(payload: tuple[Params, list[Factor], Evaluation], batch: list) -> list[dict]:
    """One SLURM array task of an evaluation: set up as a worker would, then run the batch."""
    _init_worker(*payload)
    return _run_batch(batch)


def batch_runs(n_runs: int, workers: int, most: int = 4) -> int:
    """Runs per task: up to ``most`` (fewer tasks, less overhead when there are thousands of runs), but one
    when there are fewer than 8 runs per worker to spread.

    Workers take tasks as they finish, so the last tasks decide when an evaluation ends: 20 runs of
    10 years (a calibration's validation) in 5 tasks of 4 on 2 workers made one worker run 12 of them
    while the other ran 8 (27.1-29.6 s in four calibrations); in tasks of one, 10 each (20.1-21.3 s).
    """
    return max(1, min(most, n_runs // (8 * max(1, workers))))


def evaluate_points(base: Params, factors: list[Factor], X: np.ndarray, ev: Evaluation, n_jobs: int | None = None,
                    progress: bool = True, batch_size: int = 4, cluster=None) -> pd.DataFrame:
    """Run every point of ``X`` (rows: points, columns: factors) under every regime and replicate.

    Args:
        base: parameters of everything that is not a factor (world, horizon, levers held fixed).
        factors: the factors, one per column of ``X``.
        X: sampled points in the factors' sampling bounds.
        ev: regimes, replicates, outcomes and window.
        n_jobs: worker processes (None or <= 0: all cores; 1: in this process).
        progress: print progress to stderr.
        batch_size: at most this many runs per task sent to a worker (fewer when there are few runs per
            worker: :func:`batch_runs`).
        cluster: an :class:`experiments.cluster.StudyCluster` to run on SLURM instead (its
            ``runs_per_job`` replaces ``batch_size``; ``n_jobs`` is then not used).

    Returns:
        One row per (point, regime, replicate) with the factor values as run (rounded and
        categorical factors as their parameter values) and the kept outcomes.
    """
    X = np.atleast_2d(np.asarray(X, float))
    if X.shape[1] != len(factors):
        raise ConfigError(f"sample has {X.shape[1]} columns but there are {len(factors)} factors")
    ev.check(base.years)
    seeds = replicate_seeds(ev.base_seed, ev.replicates)
    tasks = [(i, X[i], r, k, s) for i in range(len(X)) for r in ev.regimes for k, s in enumerate(seeds)]
    rows: list[dict] = []
    if cluster is not None:
        pilot = apply(base, factors, X[0]).replace(regime=ev.regimes[0], seed=int(seeds[0])) if len(X) else None
        bar = Progress(len(tasks), "tasks", progress)
        try:
            rows = cluster.map_runs(_run_task, (base, factors, ev), tasks, pilot=pilot,
                                    on_done=lambda k, m: bar.update(k))
        finally:
            bar.close()
    else:
        with Runner(n_jobs, initializer=_init_worker, initargs=(base, factors, ev)) as runner:
            size = batch_runs(len(tasks), runner.n, batch_size)
            batches = [tasks[i:i + size] for i in range(0, len(tasks), size)]
            for part in runner.map(_run_batch, batches, progress=progress, what="batches"):
                rows.extend(part)
    df = pd.DataFrame(rows).sort_values(["point", "regime", "replicate"]).reset_index(drop=True)
    values = pd.DataFrame({f.key: [f.value(v) for v in X[:, j]] for j, f in enumerate(factors)})
    values.insert(0, "point", np.arange(len(X)))
    return values.merge(df, on="point", how="right")


def point_means(runs: pd.DataFrame, columns) -> pd.DataFrame:
    """Replicates averaged per point and regime (one row per point and regime)."""
    keys = [c for c in runs.columns if c not in set(columns) | {"replicate", "seed"}]
    return runs.groupby(keys, sort=True, dropna=False)[list(columns)].mean().reset_index()


def paired_difference(runs: pd.DataFrame, outcome: str, minuend: str, subtrahend: str) -> pd.Series:
    """Per point, the mean over replicates of (outcome under ``minuend`` - under ``subtrahend``).

    Runs are paired on seeds: both regimes at a point saw the same world and shocks.
    """
    a = runs[runs["regime"] == minuend].set_index(["point", "seed"])[outcome]
    b = runs[runs["regime"] == subtrahend].set_index(["point", "seed"])[outcome]
    d = (a - b).dropna()
    return d.groupby(level="point").mean()


def output_label(output: str) -> str:
    """Human label of a derived output name such as ``coverage@sharing`` or ``coverage:sharing-building``."""
    from sim.outcomes import label

    if ":" in output:
        outcome, pair = output.split(":", 1)
        a, b = pair.split("-", 1)
        return f"{label(outcome, with_unit=False)}, {a} minus {b}"
    if "@" in output:
        outcome, regime = output.split("@", 1)
        return f"{label(outcome, with_unit=False)} ({regime})"
    return label(output, with_unit=False)


class ModelFunction:
    """The model as a function of a sample matrix: ``f(X) -> DataFrame`` of outputs per point.

    Outputs are named ``<outcome>@<regime>`` (replicate mean) and, for ``pairs`` given as
    ``(a, b)``, ``<outcome>:<a>-<b>`` (mean over replicates of the paired difference).

    Args:
        base: parameters of everything that is not a factor.
        factors: the factors, one per column of the sample matrix.
        ev: what to run and keep.
        pairs: regime pairs whose paired differences are outputs.
        n_jobs: worker processes.
        progress: print progress.
        cluster: run on SLURM instead (:func:`evaluate_points`).
    """

    def __init__(self, base: Params, factors: list[Factor], ev: Evaluation, pairs=(), n_jobs=None,
                 progress: bool = True, cluster=None):
        self.base, self.factors, self.ev, self.pairs = base, list(factors), ev, [tuple(p) for p in pairs]
        self.n_jobs, self.progress, self.cluster = n_jobs, progress, cluster
        self.runs: list[pd.DataFrame] = []  # every evaluation's raw runs, kept for the record

    @property
    def outputs(self) -> list[str]:
        out = []
        for o in self.ev.outcomes:
            out += [f"{o}@{r}" for r in self.ev.regimes] + [f"{o}:{a}-{b}" for a, b in self.pairs]
        return out

    def __call__(self, X: np.ndarray) -> pd.DataFrame:
        runs = evaluate_points(self.base, self.factors, X, self.ev, self.n_jobs, self.progress, cluster=self.cluster)
        self.runs.append(runs)
        means = point_means(runs[["point", "regime", "replicate", "seed", *self.ev.outcomes]], self.ev.outcomes)
        wide = means.pivot(index="point", columns="regime", values=list(self.ev.outcomes))
        out = pd.DataFrame(index=np.arange(len(X)))
        for o in self.ev.outcomes:
            for r in self.ev.regimes:
                out[f"{o}@{r}"] = wide[(o, r)].to_numpy()
            for a, b in self.pairs:
                out[f"{o}:{a}-{b}"] = paired_difference(runs, o, a, b).reindex(out.index).to_numpy()
        return out


def replicate_noise(runs: pd.DataFrame, outputs) -> pd.DataFrame:
    """How much of each output's variation across points is replicate noise.

    With common random numbers a factor the model ignores changes nothing, so a dummy factor
    cannot show the noise; the replicates can. Per output (``<outcome>@<regime>`` or
    ``<outcome>:<a>-<b>``):

    * ``replicate_agreement``: correlation across points between replicate 0 and replicate 1
      (1: points differ by their factors; 0: by noise alone);
    * ``noise_share``: mean within-point variance between replicates, divided by the number of
      replicates, over the variance of the point means - the share of the variance the indices
      explain that is noise (indices of an output with a large noise share are unreliable).

    Args:
        runs: one row per (point, regime, replicate) from :func:`evaluate_points`.
        outputs: output names as produced by :class:`ModelFunction`.
    """
    rows = []
    for out in outputs:
        if ":" in out:
            outcome, pair = out.split(":", 1)
            a, b = pair.split("-", 1)
            w = runs.pivot_table(index=["point", "replicate"], columns="regime", values=outcome)
            v = (w[a] - w[b]).unstack("replicate")
        else:
            outcome, regime = out.split("@", 1)
            v = runs[runs["regime"] == regime].pivot_table(index="point", columns="replicate", values=outcome)
        r = v.shape[1]
        means = v.mean(axis=1)
        noise = float(v.var(axis=1, ddof=1).mean() / r) if r > 1 else float("nan")
        total = float(means.var(ddof=1))
        # (over the points where both replicates have the output: a response time can be missing)
        agree = float(v.iloc[:, 0].corr(v.iloc[:, 1])) if r > 1 else float("nan")
        rows.append({"output": out, "replicates": r, "replicate_agreement": agree,
                     "noise_share": noise / total if total > 0 else float("nan")})
    return pd.DataFrame(rows)
