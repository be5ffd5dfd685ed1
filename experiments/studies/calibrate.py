"""`capsim calibrate`: search the uncertainties for sets that meet every status-quo pattern at once.

Settings: ``configs/study/calibration.yaml``. The levers stay at the status-quo preset
(``configs/scenario/status_quo.yaml``); the uncertainties of ``experiments/studies/factors.py``
are sampled by a Latin hypercube (SALib), each point run for ``search_years`` with
``replicates`` paired seeds; a point is *accepted* when the replicate means of all patterns
(``analysis/calibration.py``) lie in their observed ranges. The command reports how many were
accepted and the ranges of the accepted parameters, picks the accepted set closest to the
targets (rounded to 3 significant digits, the form a preset holds), writes it as
``status_quo_accepted.yaml``, and validates it over the preset's full horizon with
``validation_replicates`` seeds: the table of pattern, target, source and model value with
its 95% interval that ``docs/validation.md`` shows. With ``study.samples=0`` it only
validates the preset as it is. If no point is accepted, the closest points are reported and
nothing is presented as calibrated. With ``hydra/launcher=slurm`` the model runs go to a SLURM
cluster as array jobs (``experiments/cluster.py``, docs/cluster.md), with the same results.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.cluster import study_cluster
from experiments.config import CONFIG_DIR, job_errors, params_from_cfg, quiet_mesa, register_schema
from experiments.studies.app import launch, study_settings
from sim.params import ConfigError, Params, param

register_schema()

__all__ = ["CalibrationSettings", "read_settings", "calibrate_job", "validate", "cli"]


@dataclass(frozen=True)
class CalibrationSettings:
    """Settings of ``capsim calibrate`` (``configs/study/calibration.yaml``, key ``study``)."""

    samples: int = param(400, "Latin-hypercube sets of the uncertainties searched (0: only validate the preset)",
                         "sets", 0, 100_000)
    replicates: int = param(2, "paired seeds per set; patterns are replicate means", "seeds", 1, 1000)
    seed: int = param(20240501, "seed of the Latin hypercube (model seeds derive from the config's seed)", "-",
                      0, 2**32 - 1)
    search_years: float = param(6.0, "horizon of each search run", "years", 0.1, 1000.0)
    window_start_year: float = param(1.0, "patterns are averaged from this year to the end (first year: start-up)",
                                     "years", 0.0, 1000.0)
    validation_replicates: int = param(20, "seeds for the validation of the chosen set over the full horizon",
                                       "seeds", 2, 10_000)
    closest: int = param(10, "closest sets reported (closest_sets.csv)", "sets", 1, 1000)
    runs_per_job: int | None = param(None, "runs per SLURM array task (null: 50)", "runs", 1, 100_000, nullable=True)
    n_jobs: int | None = param(None, "worker processes (null: all cores)", "processes", 0, 1024, nullable=True)


def read_settings(cfg: DictConfig) -> CalibrationSettings:
    """The validated settings under ``study`` (raises ConfigError naming the bad one)."""
    params = params_from_cfg(cfg)
    s = study_settings(cfg, CalibrationSettings)
    horizon = min(s.search_years, params.years) if s.samples else params.years
    if s.window_start_year >= horizon:
        raise ConfigError(f"study.window_start_year = {s.window_start_year:g} leaves no window; allowed: "
                          f"below the horizon ({horizon:g} years)")
    return s


def _round3(x: float) -> float:
    return float(f"{x:.3g}")


def validate(params: Params, s: CalibrationSettings, progress: bool = True,
             cluster=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``params`` with ``validation_replicates`` seeds; per pattern the mean and 95% interval.

    Args:
        params: the parameter set to validate.
        s: the calibration settings.
        progress: print progress.
        cluster: run on SLURM (:func:`experiments.cluster.study_cluster`); None: worker processes.

    Returns:
        ``(runs, table)``: one row per replicate, and one row per pattern with target, source,
        mean, ``ci_low``, ``ci_high``, replicates within the range and whether the mean is.
    """
    from analysis.calibration import PATTERN_OUTCOMES, PATTERNS
    from analysis.stats import bootstrap_ci
    from experiments.studies.evaluate import Evaluation, evaluate_points

    ev = Evaluation(regimes=(params.regime,), replicates=s.validation_replicates, base_seed=params.seed,
                    outcomes=PATTERN_OUTCOMES, window_start_year=s.window_start_year, probe=True)
    runs = evaluate_points(params, [], np.zeros((1, 0)), ev, s.n_jobs, progress, cluster=cluster)
    rows = []
    for p in PATTERNS:
        v = runs[p.key].to_numpy(float)
        mean, lo, hi = bootstrap_ci(v, seed=s.seed)
        inside = int(((v >= p.lo) & (v <= p.hi)).sum())
        rows.append({"pattern": p.name, "key": p.key, "target": p.target_text, "source": p.source, "mean": mean,
                     "ci_low": lo, "ci_high": hi, "replicates_in_range": f"{inside}/{len(v)}",
                     "mean_in_range": bool(p.lo <= mean <= p.hi),
                     "model value [95% interval]": f"{p.fmt(mean)} [{p.fmt(lo)}, {p.fmt(hi)}]"})
    return runs, pd.DataFrame(rows)


def calibrate_job(cfg: DictConfig, out_dir: Path, progress: bool = True, cluster=None) -> dict:
    """Run the calibration (or only the validation) and write tables, figure and summary to ``out_dir``.

    Args:
        cfg: the composed config (settings under ``study``).
        out_dir: where the tables, figure and summary go.
        progress: print progress.
        cluster: run the model on SLURM (:func:`experiments.cluster.study_cluster`); None: locally.
    """
    from SALib.sample import latin

    from analysis.calibration import PATTERN_OUTCOMES, PATTERNS, accepted_ranges, calibration_figure, judge
    from analysis.style import save_figure
    from experiments.studies.evaluate import PROBE_COLUMNS, Evaluation, evaluate_points, point_means
    from experiments.studies.factors import apply, salib_problem, select, to_overrides
    from sim.store import provenance

    quiet_mesa()
    t0 = time.perf_counter()
    s = read_settings(cfg)
    base = params_from_cfg(cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    factors = select("uncertainty")
    result: dict = {"settings": s.__dict__, "scenario": base.scenario, "regime": base.regime}
    lines = [f"# Calibration of the `{base.scenario}` preset ({base.regime} regime)", ""]
    chosen_params = base
    validated_params = vruns = table = None  # the last candidate the search validated, its runs and table
    if s.samples:
        X = latin.sample(salib_problem(factors), s.samples, seed=s.seed)
        ev = Evaluation(regimes=(base.regime,), replicates=s.replicates, base_seed=base.seed,
                        outcomes=PATTERN_OUTCOMES, window_start_year=s.window_start_year, probe=True)
        print(f"capsim calibrate: {s.samples} Latin-hypercube sets of {len(factors)} uncertainties x "
              f"{s.replicates} replicates, {s.search_years:g} years each (levers at scenario={base.scenario})")
        runs = evaluate_points(base.replace(years=s.search_years), factors, X, ev, s.n_jobs, progress, cluster=cluster)
        runs.to_csv(out_dir / "calibration_runs.csv", index=False)
        cols = [*PATTERN_OUTCOMES, *PROBE_COLUMNS]
        points = point_means(runs.drop(columns=["regime"]), cols)
        # Accepted sets first (closest to the targets first), then the others by distance.
        judged = judge(points).sort_values(["accepted", "distance"], ascending=[False, True],
                                           kind="stable").reset_index(drop=True)
        judged.to_csv(out_dir / "calibration_samples.csv", index=False)
        n_acc = int(judged["accepted"].sum())
        ranges = accepted_ranges(judged, factors)
        ranges.to_csv(out_dir / "accepted_ranges.csv", index=False)
        per_pattern = {p.key: int(judged[f"ok:{p.key}"].sum()) for p in PATTERNS}
        result.update(n_samples=s.samples, n_accepted=n_acc, per_pattern=per_pattern)
        # Candidates for the preset: the accepted sets (closest first), each validated over the
        # preset's full horizon until one keeps every pattern there; without any, the closest set.
        candidates = judged[judged["accepted"]].head(s.closest) if n_acc else judged.head(1)
        for tried, (_, best) in enumerate(candidates.iterrows(), 1):
            x_best = X[int(best["point"])]
            values = [_round3(v) if not f.choices else v for f, v in zip(factors, x_best)]
            overrides = to_overrides(factors, values)
            chosen_params = apply(base, factors, values)
            if not n_acc:
                break
            print(f"  validating accepted point {int(best['point'])} over {chosen_params.years:g} years")
            validated_params, (vruns, table) = chosen_params, validate(chosen_params, s, progress, cluster)
            if bool(table["mean_in_range"].all()):
                break
        status = "accepted" if bool(best["accepted"]) else "NOT accepted (closest set; no set met every pattern)"
        result.update(candidates_validated=tried if n_acc else 0)
        header = (f"# Uncertainties of the status-quo preset from `capsim calibrate` (point {int(best['point'])}, "
                  f"{status}; distance to targets {best['distance']:.3f}).\n")
        (out_dir / "status_quo_accepted.yaml").write_text(header + OmegaConf.to_yaml(OmegaConf.create(overrides)))
        closest = judged.head(s.closest)
        closest.to_csv(out_dir / "closest_sets.csv", index=False)
        fig = calibration_figure(judged, PATTERNS, chosen=int(best["point"]))
        result["figure"] = [str(p) for p in save_figure(fig, out_dir / "calibration_patterns")]
        import matplotlib.pyplot as plt

        plt.close(fig)
        lines += [f"Searched {s.samples} Latin-hypercube sets of {len(factors)} uncertainties "
                  f"(`experiments/studies/factors.py`), levers at the preset, {s.replicates} paired replicates each, "
                  f"{s.search_years:g} years, patterns averaged from year {s.window_start_year:g}.", "",
                  f"**Accepted (all {len(PATTERNS)} patterns at once): {n_acc} of {s.samples}.**", "",
                  "Sets meeting each pattern on its own:", "",
                  "| pattern | target | sets in range |", "|---|---|---|"]
        lines += [f"| {p.name} | {p.target_text} | {per_pattern[p.key]} |" for p in PATTERNS]
        lines += ["", "Ranges of the accepted parameters:", "", _md(ranges), "",
                  f"Chosen for the preset: point {int(best['point'])} ({status}), values rounded to 3 significant "
                  "digits (`status_quo_accepted.yaml`):", "", "```yaml",
                  OmegaConf.to_yaml(OmegaConf.create(overrides)).rstrip(), "```", ""]
        print(f"  accepted: {n_acc} of {s.samples} sets; per pattern: "
              + ", ".join(f"{k}={v}" for k, v in per_pattern.items()))
        print(f"  chosen point {int(best['point'])} ({status}), distance {best['distance']:.3f}")
    # Validation of the chosen set (or of the preset as it is) over the preset's full horizon: the search's
    # own validation of that set when it made one (the same runs: every run is fixed by its parameters and seed).
    if validated_params is chosen_params:
        print(f"  validated over {chosen_params.years:g} years with {s.validation_replicates} replicates (above)")
    else:
        print(f"  validating over {chosen_params.years:g} years with {s.validation_replicates} replicates")
        vruns, table = validate(chosen_params, s, progress, cluster)
    vruns.to_csv(out_dir / "validation_runs.csv", index=False)
    table.to_csv(out_dir / "validation_table.csv", index=False)
    show = table[["pattern", "target", "source", "model value [95% interval]", "replicates_in_range"]]
    lines += [f"Validation: {s.validation_replicates} replicates of {chosen_params.years:g} years, patterns averaged "
              f"from year {s.window_start_year:g} (mean over replicates, 95% bootstrap interval):", "", _md(show), ""]
    all_in = bool(table["mean_in_range"].all())
    lines.append(f"All pattern means in range: {'yes' if all_in else 'NO'}.")
    result.update(validation_all_in_range=all_in, validation=table.to_dict(orient="records"))
    elapsed = time.perf_counter() - t0
    prov = {"config": OmegaConf.to_container(cfg, resolve=True), **provenance(), "elapsed_seconds": elapsed}
    (out_dir / "provenance.json").write_text(json.dumps(prov, indent=2, default=str))
    (out_dir / "summary.md").write_text("\n".join(lines) + "\n")
    (out_dir / "summary.json").write_text(json.dumps(result, indent=2, default=str))
    print(show.to_string(index=False))
    print(f"\nwritten to {out_dir} (summary.md, validation_table.csv, calibration_samples.csv) in {elapsed:.1f}s")
    return result


def _md(df: pd.DataFrame) -> str:
    return df.to_markdown(index=False, floatfmt=".4g")


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
@job_errors
def main(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    calibrate_job(cfg, out_dir, cluster=study_cluster(cfg, out_dir, "calibration"))


def cli(argv: list[str]) -> int:
    """`capsim calibrate [overrides]`: checks the settings, then runs :func:`main`."""
    return launch("calibration", main, argv, check=read_settings)
