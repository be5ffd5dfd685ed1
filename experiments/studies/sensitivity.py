"""`capsim sensitivity`: Morris screening of every lever and uncertainty, then Sobol indices of the top ones.

Settings: ``configs/study/sensitivity.yaml``. The model function (``experiments.studies.evaluate.
ModelFunction``) runs each sample point under each regime of ``regimes`` with ``replicates``
paired seeds and averages the replicates; its outputs are each outcome under each regime
(``coverage@building``) and the paired difference between the first two regimes
(``coverage:sharing-building``), averaged over the last ``window_years`` of the run.

1. Morris (SALib) over all factors of ``experiments/studies/factors.py``;
2. the ``sobol_factors`` factors with the largest relative mu* (best over outputs);
3. Sobol first- and total-order indices (SALib, ``sobol_n`` base samples) of those, the other
   factors held at the base configuration (the status-quo preset). Intervals are SALib's
   bootstrap intervals.

Writes the index tables, the designs with their outputs, two figures and a summary. With
``hydra/launcher=slurm`` the model runs go to a SLURM cluster as array jobs
(``experiments/cluster.py``, docs/cluster.md), with the same results.
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
from experiments.studies.evaluate import OUTCOME_CHOICES
from sim.params import REGIME_NAMES, ConfigError, param

register_schema()

__all__ = ["SensitivitySettings", "read_settings", "sensitivity_job", "cli"]



@dataclass(frozen=True)
class SensitivitySettings:
    """Settings of ``capsim sensitivity`` (``configs/study/sensitivity.yaml``, key ``study``)."""

    outcomes: tuple[str, ...] = param(("coverage", "hard_to_reach_coverage", "local_capacity", "response_time",
                                       "shocks_not_reached"), "outputs analysed", choices=OUTCOME_CHOICES)
    regimes: tuple[str, ...] = param(("building", "sharing"), "outputs per regime, and the paired difference "
                                     "second minus first", choices=REGIME_NAMES)
    replicates: int = param(2, "paired seeds per sample point, averaged", "seeds", 1, 1000)
    window_years: float = param(1.0, "outcomes averaged over the last years of the run", "years", 0.02, 1000.0)
    morris_trajectories: int = param(6, "Morris trajectories", "trajectories", 2, 10_000)
    morris_levels: int = param(4, "Morris grid levels", "levels", 2, 100)
    sobol_factors: int = param(4, "factors kept for Sobol (largest relative Morris mu*)", "factors", 1, 1000)
    sobol_n: int = param(32, "Sobol base sample (a power of 2): n x (factors + 2) points", "points", 2, 2**20)
    num_resamples: int = param(1000, "bootstrap resamples for the intervals", "resamples", 10, 100_000)
    conf_level: float = param(0.95, "confidence level of the intervals", "share", 0.5, 0.999)
    seed: int = param(20240502, "seed of the samples", "-", 0, 2**32 - 1)
    factors: tuple[str, ...] | None = param(None, "factor keys to screen (null: every lever and uncertainty)",
                                            nullable=True)
    exclude_factors: tuple[str, ...] = param(("funding.sharing_earmark",), "factor keys held at the preset")
    noise_floor: bool = param(False, "add SALib's dummy factor (its indices measure noise only without common "
                              "random numbers)")
    runs_per_job: int | None = param(None, "runs per SLURM array task (null: 50)", "runs", 1, 100_000, nullable=True)
    n_jobs: int | None = param(None, "worker processes (null: all cores)", "processes", 0, 1024, nullable=True)


def read_settings(cfg: DictConfig) -> SensitivitySettings:
    """The validated settings under ``study`` (raises ConfigError naming the bad one)."""
    from experiments.studies.evaluate import Evaluation
    from experiments.studies.factors import select

    params = params_from_cfg(cfg)
    s = study_settings(cfg, SensitivitySettings)
    select(names=list(s.exclude_factors))
    if len([f for f in select(names=s.factors) if f.key not in s.exclude_factors]) < 2:
        raise ConfigError("study.factors has fewer than 2 factors; allowed: null (all) or at least 2 keys")
    if s.sobol_n & (s.sobol_n - 1):
        raise ConfigError(f"study.sobol_n = {s.sobol_n} is not allowed; allowed: a power of 2 (e.g. 64, 128)")
    if s.window_years > params.years:
        raise ConfigError(f"study.window_years = {s.window_years:g} is longer than the run "
                          f"(years = {params.years:g}); allowed: at most years")
    if len(s.regimes) < 2:
        raise ConfigError(f"study.regimes = {list(s.regimes)} needs two regimes; allowed: e.g. [building, sharing]")
    Evaluation(s.regimes, s.replicates, params.seed, s.outcomes, params.years - s.window_years).check(params.years)
    return s


def _keeper(out_dir: Path, name: str, columns: list[str], fn):
    """Writes a design with its outputs (``<name>_design.csv``) and its runs (``<name>_runs.csv``) as soon
    as they are evaluated, so that no analysis error loses the runs."""
    def keep(X, Y):
        pd.concat([pd.DataFrame(X, columns=columns), Y], axis=1).to_csv(out_dir / f"{name}_design.csv", index=False)
        fn.runs[-1].to_csv(out_dir / f"{name}_runs.csv", index=False)
    return keep


def sensitivity_job(cfg: DictConfig, out_dir: Path, progress: bool = True, cluster=None) -> dict:
    """Morris, factor selection and Sobol; writes tables, figures and summary to ``out_dir``.

    Args:
        cfg: the composed config (settings under ``study``).
        out_dir: where the tables, figures and summary go.
        progress: print progress.
        cluster: run the model on SLURM (:func:`experiments.cluster.study_cluster`); None: locally.
    """
    import matplotlib.pyplot as plt

    from analysis.sensitivity import DUMMY, morris_figure, morris_screening, sobol_figure, sobol_indices, top_factors
    from analysis.style import save_figure
    from experiments.studies.evaluate import Evaluation, ModelFunction, output_label, replicate_noise
    from experiments.studies.factors import salib_problem, select
    from sim.store import provenance

    quiet_mesa()
    t0 = time.perf_counter()
    s = read_settings(cfg)
    base = params_from_cfg(cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    ev = Evaluation(s.regimes, s.replicates, base.seed, s.outcomes, base.years - s.window_years)
    pair = (s.regimes[1], s.regimes[0])  # e.g. sharing - building
    factors = [f for f in select(names=s.factors) if f.key not in s.exclude_factors]
    kinds = {f.key: f.kind for f in factors} | {DUMMY: "dummy"}

    # 1. Morris screening of every factor.
    fn = ModelFunction(base, factors, ev, pairs=[pair], n_jobs=s.n_jobs, progress=progress, cluster=cluster)
    labels = {o: output_label(o) for o in fn.outputs}
    n_morris = (len(factors) + int(s.noise_floor) + 1) * s.morris_trajectories
    print(f"capsim sensitivity: Morris, {len(factors)} factors{' + dummy' if s.noise_floor else ''} x "
          f"{s.morris_trajectories} trajectories = {n_morris} "
          f"points x {len(s.regimes)} regimes x {s.replicates} replicates ({base.years:g} years, scenario={base.scenario})")
    names_m = [f.key for f in factors] + ([DUMMY] if s.noise_floor else [])
    Xm, Ym, morris = morris_screening(fn, salib_problem(factors), s.morris_trajectories, s.morris_levels, s.seed,
                                      s.num_resamples, s.conf_level, dummy=s.noise_floor,
                                      on_evaluated=_keeper(out_dir, "morris", names_m, fn))
    morris.insert(2, "kind", morris["factor"].map(kinds))
    morris.to_csv(out_dir / "morris_indices.csv", index=False)
    fig = morris_figure(morris, labels)
    figs = [str(p) for p in save_figure(fig, out_dir / "sensitivity_morris")]
    plt.close(fig)

    # 2. The most influential factors, then Sobol indices for them.
    top = top_factors(morris, s.sobol_factors)
    sub = select(names=top)
    n_sobol = s.sobol_n * (len(sub) + int(s.noise_floor) + 2)
    print(f"  top {len(top)} factors by Morris mu*: {', '.join(top)}")
    print(f"  Sobol: {len(sub)} factors, N = {s.sobol_n} -> {n_sobol} points x {len(s.regimes)} regimes x "
          f"{s.replicates} replicates")
    fs = ModelFunction(base, sub, ev, pairs=[pair], n_jobs=s.n_jobs, progress=progress, cluster=cluster)
    names_s = top + ([DUMMY] if s.noise_floor else [])
    Xs, Ys, sobol = sobol_indices(fs, salib_problem(sub), s.sobol_n, s.seed, s.num_resamples, s.conf_level,
                                  dummy=s.noise_floor, on_evaluated=_keeper(out_dir, "sobol", names_s, fs))
    sobol.insert(2, "kind", sobol["factor"].map(kinds))
    sobol.to_csv(out_dir / "sobol_indices.csv", index=False)
    fig = sobol_figure(sobol, labels)
    figs += [str(p) for p in save_figure(fig, out_dir / "sensitivity_sobol")]
    plt.close(fig)

    # 3. Replicate noise of each output (Morris and Sobol designs).
    noise = pd.concat([replicate_noise(fn.runs[-1], fn.outputs).assign(design="morris"),
                       replicate_noise(fs.runs[-1], fs.outputs).assign(design="sobol")], ignore_index=True)
    noise.to_csv(out_dir / "replicate_noise.csv", index=False)

    # 4. Summary.
    elapsed = time.perf_counter() - t0
    lines = [f"# Global sensitivity analysis ({base.scenario}, {base.years:g} years, last {s.window_years:g} year(s))",
             "", f"Morris: {len(factors)} factors, {s.morris_trajectories} trajectories, {s.morris_levels} levels "
             f"({n_morris} points); Sobol: top {len(sub)} factors, N = {s.sobol_n} ({n_sobol} points). Each point: "
             f"regimes {', '.join(s.regimes)} x {s.replicates} paired replicates, averaged. Intervals: "
             f"{100 * s.conf_level:g}% bootstrap ({s.num_resamples} resamples).", ""]
    for out in fn.outputs:
        mo = morris[morris["output"] == out]
        m = mo[mo["factor"] != DUMMY].sort_values("mu_star", ascending=False).head(5)
        t = sobol[sobol["output"] == out].sort_values("ST", ascending=False)
        lines += [f"## {labels[out]}", ""]
        nz = noise[noise["output"] == out].set_index("design")
        if s.replicates > 1:
            lines += [f"Replicate noise: agreement between replicates {nz.loc['morris', 'replicate_agreement']:.2f} "
                      f"(Morris design) / {nz.loc['sobol', 'replicate_agreement']:.2f} (Sobol design); noise share of "
                      f"the variance of point means {nz.loc['morris', 'noise_share']:.2f} / "
                      f"{nz.loc['sobol', 'noise_share']:.2f}.", ""]
        ym, ys = Ym[out].to_numpy(float), Ys[out].to_numpy(float)
        if not (np.isfinite(ym).all() and np.isfinite(ys).all()):
            lines += [f"Missing at some points (no judged shock, or none reached): defined at {int(np.isfinite(ym).sum())} "
                      f"of {len(ym)} Morris points and {int(np.isfinite(ys).sum())} of {len(ys)} Sobol points; Morris "
                      f"uses {int(mo['n_effects'].min())}-{int(mo['n_effects'].max())} of {s.morris_trajectories} "
                      f"effects per factor, Sobol {int(t['n_base'].iloc[0])} of {s.sobol_n} base samples.", ""]
        if s.noise_floor:
            floor = mo[mo["factor"] == DUMMY].iloc[0]
            above = mo[(mo["factor"] != DUMMY) & (mo["mu_star_low"] > floor["mu_star"])]
            dst = t[t["factor"] == DUMMY].iloc[0]
            above_s = t[(t["factor"] != DUMMY) & (t["ST_low"] > dst["ST_high"])]
            lines += [f"Noise floor (dummy factor): Morris mu* {floor['mu_star']:.4f}; Sobol ST {dst['ST']:.3f} "
                      f"[{dst['ST_low']:.3f}, {dst['ST_high']:.3f}]. Factors whose mu* interval lies above the floor: "
                      f"{', '.join(f'`{f}`' for f in above.sort_values('mu_star', ascending=False)['factor']) or 'none'}; "
                      f"whose ST interval lies above the dummy's: "
                      f"{', '.join(f'`{f}`' for f in above_s['factor']) or 'none'}.", ""]
        lines += ["Morris, top 5 by mu*:", "",
                  "| factor | kind | mu* [interval] | sigma |", "|---|---|---|---|"]
        lines += [f"| `{r.factor}` | {r.kind} | {r.mu_star:.4f} [{r.mu_star_low:.4f}, {r.mu_star_high:.4f}] | "
                  f"{r.sigma:.4f} |" for r in m.itertuples()]
        lines += ["", "Sobol:", "", "| factor | kind | S1 [interval] | ST [interval] |", "|---|---|---|---|"]
        lines += [f"| `{r.factor}` | {r.kind} | {r.S1:.3f} [{r.S1_low:.3f}, {r.S1_high:.3f}] | "
                  f"{r.ST:.3f} [{r.ST_low:.3f}, {r.ST_high:.3f}] |" for r in t.itertuples()]
        lines.append("")
    lines.append(f"Elapsed: {elapsed:.0f} s.")
    (out_dir / "summary.md").write_text("\n".join(lines) + "\n")
    prov = {"config": OmegaConf.to_container(cfg, resolve=True), **provenance(), "elapsed_seconds": elapsed,
            "top_factors": top, "outputs": labels}
    (out_dir / "provenance.json").write_text(json.dumps(prov, indent=2, default=str))
    print("\n".join(lines))
    print(f"\nwritten to {out_dir} (morris_indices.csv, sobol_indices.csv, sensitivity_*.png) in {elapsed:.1f}s")
    return {"morris": morris, "sobol": sobol, "top": top, "figures": figs}


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
@job_errors
def main(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    sensitivity_job(cfg, out_dir, cluster=study_cluster(cfg, out_dir, "sensitivity"))


def cli(argv: list[str]) -> int:
    """`capsim sensitivity [overrides]`: checks the settings, then runs :func:`main`."""
    return launch("sensitivity", main, argv, check=read_settings)
