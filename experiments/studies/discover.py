"""`capsim discover`: scenario discovery (PRIM) on a Latin hypercube of levers and uncertainties.

Settings: ``configs/study/scenario_discovery.yaml``. Every factor of
``experiments/studies/factors.py`` is sampled by a Latin hypercube (SALib); each point runs
under the two regimes compared (building, sharing) with ``replicates`` paired seeds. The
output is the paired difference in ``outcome`` (default coverage) over the last
``window_years`` of a ``years``-long run (default: year five), averaged over replicates.
PRIM (EMA workbench) then finds two boxes:

* **not_beat** - points where sharing does *not* beat building: difference <= ``not_beat_margin``;
* **beats_most** - points where sharing beats building most: difference in the top
  ``1 - most_quantile`` of the sample.

For each, the factors are first scored for that question (EMA workbench extra trees) and PRIM
runs on the ``prim_factors`` most important ones (with dozens of factors and a few hundred
points PRIM otherwise peels noise dimensions). The densest box on the peeling trajectory with
coverage >= ``min_coverage`` and at most ``max_restricted`` restricted factors is
reported with its coverage, density, mass and the restricted factors; the trade-off figure
shows the whole trajectory. With ``hydra/launcher=slurm`` the model runs go to a SLURM cluster
as array jobs (``experiments/cluster.py``, docs/cluster.md), with the same results.
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

__all__ = ["DiscoverySettings", "read_settings", "discover_job", "cli", "CASES"]

CASES = {
    "not_beat": "sharing does not beat building",
    "beats_most": "sharing beats building most",
}



@dataclass(frozen=True)
class DiscoverySettings:
    """Settings of ``capsim discover`` (``configs/study/scenario_discovery.yaml``, key ``study``)."""

    samples: int = param(300, "Latin-hypercube points", "points", 10, 1_000_000)
    replicates: int = param(2, "paired seeds per point and regime, averaged", "seeds", 1, 1000)
    outcome: str = param("coverage", "the outcome whose paired difference is explained", choices=OUTCOME_CHOICES)
    regimes: tuple[str, ...] = param(("building", "sharing"), "the two regimes compared (difference: second minus "
                                     "first)", choices=REGIME_NAMES)
    window_years: float = param(1.0, "outcomes averaged over the last years of the run", "years", 0.02, 1000.0)
    not_beat_margin: float = param(0.0, "'does not beat': difference at most this", "outcome units", -1.0, 1.0)
    most_quantile: float = param(0.8, "'beats most': difference above this quantile of the sample", "quantile",
                                 0.5, 0.99)
    min_coverage: float = param(0.5, "the chosen box is the densest with at least this coverage", "share", 0.05, 1.0)
    max_restricted: int = param(4, "most restricted factors of a chosen box", "factors", 1, 1000)
    prim_factors: int | None = param(4, "PRIM on the factors most important for each question (null: all)",
                                     "factors", 1, 1000, nullable=True)
    peel_alpha: float = param(0.05, "PRIM peeling alpha", "share", 0.01, 0.5)
    paste_alpha: float = param(0.05, "PRIM pasting alpha", "share", 0.01, 0.5)
    mass_min: float = param(0.05, "PRIM smallest box mass", "share", 0.0, 0.5)
    seed: int = param(20240503, "seed of the samples", "-", 0, 2**32 - 1)
    factors: tuple[str, ...] | None = param(None, "factor keys to sample (null: every lever and uncertainty)",
                                            nullable=True)
    exclude_factors: tuple[str, ...] = param(("funding.sharing_earmark",), "factor keys held at the preset")
    runs_per_job: int | None = param(None, "runs per SLURM array task (null: 50)", "runs", 1, 100_000, nullable=True)
    n_jobs: int | None = param(None, "worker processes (null: all cores)", "processes", 0, 1024, nullable=True)


def read_settings(cfg: DictConfig) -> DiscoverySettings:
    """The validated settings under ``study`` (raises ConfigError naming the bad one)."""
    from experiments.studies.evaluate import Evaluation
    from experiments.studies.factors import select

    params = params_from_cfg(cfg)
    s = study_settings(cfg, DiscoverySettings)
    if len(s.regimes) != 2:
        raise ConfigError(f"study.regimes = {list(s.regimes)} is not allowed; allowed: two regimes [a, b]")
    select(names=s.factors)
    select(names=list(s.exclude_factors))
    if s.window_years > params.years:
        raise ConfigError(f"study.window_years = {s.window_years:g} is longer than the run "
                          f"(years = {params.years:g}); allowed: at most years")
    Evaluation(s.regimes, s.replicates, params.seed, (s.outcome,), params.years - s.window_years).check(params.years)
    return s


def discover_job(cfg: DictConfig, out_dir: Path, progress: bool = True, cluster=None) -> dict:
    """Latin hypercube, paired regime runs, PRIM boxes; writes tables, figure and summary to ``out_dir``.

    Args:
        cfg: the composed config (settings under ``study``).
        out_dir: where the tables, figure and summary go.
        progress: print progress.
        cluster: run the model on SLURM (:func:`experiments.cluster.study_cluster`); None: locally.
    """
    import matplotlib.pyplot as plt
    from SALib.sample import latin

    from analysis.discovery import box_table, encode_for_prim, feature_scores, find_box, in_box, tradeoff_figure
    from analysis.style import save_figure
    from experiments.studies.evaluate import Evaluation, ModelFunction, output_label
    from experiments.studies.factors import salib_problem, select
    from sim.store import provenance

    quiet_mesa()
    t0 = time.perf_counter()
    s = read_settings(cfg)
    base = params_from_cfg(cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    a, b = s.regimes
    factors = [f for f in select(names=s.factors) if f.key not in s.exclude_factors]
    ev = Evaluation(s.regimes, s.replicates, base.seed, (s.outcome,), base.years - s.window_years)
    fn = ModelFunction(base, factors, ev, pairs=[(b, a)], n_jobs=s.n_jobs, progress=progress, cluster=cluster)
    diff_col = f"{s.outcome}:{b}-{a}"
    print(f"capsim discover: {s.samples} Latin-hypercube points of {len(factors)} levers and uncertainties x "
          f"{s.regimes} x {s.replicates} replicates, {base.years:g} years (scenario={base.scenario})")
    X = latin.sample(salib_problem(factors), s.samples, seed=s.seed)
    Y = fn(X)
    values = pd.DataFrame({f.key: [f.value(v) for v in X[:, j]] for j, f in enumerate(factors)})
    points = pd.concat([values, Y], axis=1)
    d = points[diff_col].to_numpy(float)
    agreement = replicate_agreement(fn.runs[0], s.outcome, b, a)
    most_cut = float(np.quantile(d, s.most_quantile))
    cases = {"not_beat": d <= s.not_beat_margin, "beats_most": d >= most_cut}
    for name, y in cases.items():
        points[name] = y
    points.to_csv(out_dir / "discovery_points.csv", index=False)
    fn.runs[0].to_csv(out_dir / "discovery_runs.csv", index=False)

    x = encode_for_prim(values, factors)
    results, tables, skipped, screened = {}, [], {}, {}
    for name, y in cases.items():
        if y.sum() == 0 or y.all():
            skipped[name] = f"{int(y.sum())} of {len(y)} points are of interest: nothing for PRIM to separate"
            continue
        scores = feature_scores(x, y, seed=s.seed)
        scores.rename_axis("factor").reset_index().to_csv(out_dir / f"feature_scores_{name}.csv", index=False)
        keep = list(scores.index[: s.prim_factors]) if s.prim_factors else list(x.columns)
        screened[name] = keep
        r = find_box(x[keep], y, s.min_coverage, s.max_restricted, s.peel_alpha, s.paste_alpha, s.mass_min)
        results[name] = r
        r.trajectory.to_csv(out_dir / f"prim_trajectory_{name}.csv", index=False)
        t = box_table(r, factors, x[keep])
        t.insert(0, "case", name)
        tables.append(t)
    boxes = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        columns=["case", "factor", "kind", "in box", "searched", "box_min", "box_max", "qp"])
    boxes.to_csv(out_dir / "prim_boxes.csv", index=False)
    stats = pd.DataFrame([{"case": n, "question": CASES[n], "points_of_interest": r.n_interest, "points": r.n_points,
                           **{k: r.stats[k] for k in ("coverage", "density", "mass", "res_dim")}}
                          for n, r in results.items()])
    stats.to_csv(out_dir / "prim_box_stats.csv", index=False)
    figs = []
    if results:
        titles = {n: f"{CASES[n]} ({results[n].n_interest} of {results[n].n_points} points)" for n in results}
        fig = tradeoff_figure(results, titles)
        figs = [str(p) for p in save_figure(fig, out_dir / "prim_tradeoff")]
        plt.close(fig)

    elapsed = time.perf_counter() - t0
    lab = output_label(diff_col)
    lines = [f"# Scenario discovery: when does {b} beat {a}? ({base.scenario}, {base.years:g} years)", "",
             f"{s.samples} Latin-hypercube points over {len(factors)} levers and uncertainties; each run under "
             f"{a} and {b} with {s.replicates} paired replicates. Output: {lab}, mean of the last "
             f"{s.window_years:g} year(s), averaged over replicates.", "",
             f"Across the sample: mean difference {d.mean():.4f}, median {np.median(d):.4f}, "
             f"{int((d <= s.not_beat_margin).sum())} of {len(d)} points with difference <= {s.not_beat_margin:g}; "
             f"the top {100 * (1 - s.most_quantile):.0f}% start at {most_cut:.4f}.", "",
             "Signal or noise: across points, the correlation between the differences of the first two "
             f"replicates is {agreement:.2f} (1: the points differ by their factors; 0: only by noise).", ""]
    for name, why in skipped.items():
        lines += [f"## {CASES[name]}", "", f"No box: {why}.", ""]
    for name, r in results.items():
        t = boxes[boxes["case"] == name]
        inside = in_box(x, r)
        lines += [f"## {CASES[name]}", "",
                  f"Points of interest: {r.n_interest} of {r.n_points}. Chosen box (densest with coverage >= "
                  f"{s.min_coverage:g} and at most {s.max_restricted} restricted factors): coverage {r.stats['coverage']:.2f}, density {r.stats['density']:.2f}, "
                  f"mass {r.stats['mass']:.2f}, {int(r.stats['res_dim'])} restricted factors. Mean difference inside "
                  f"the box {d[inside].mean():.4f}, outside {d[~inside].mean():.4f}.", "",
                  f"PRIM ran on the {len(screened[name])} factors most important for this question (extra-trees "
                  f"feature scores, `feature_scores_{name}.csv`): {', '.join(f'`{k}`' for k in screened[name])}.", "",
                  "| factor | kind | in box | searched | quasi-p |", "|---|---|---|---|---|"]
        lines += [f"| `{row['factor']}` | {row['kind']} | {row['in box']} | {row['searched']} | {row['qp']:.2g} |"
                  for row in t.to_dict(orient="records")]
        lines.append("")
    lines.append(f"Elapsed: {elapsed:.0f} s.")
    (out_dir / "summary.md").write_text("\n".join(lines) + "\n")
    prov = {"config": OmegaConf.to_container(cfg, resolve=True), **provenance(), "elapsed_seconds": elapsed}
    (out_dir / "provenance.json").write_text(json.dumps(prov, indent=2, default=str))
    print("\n".join(lines))
    print(f"\nwritten to {out_dir} (prim_boxes.csv, prim_box_stats.csv, prim_tradeoff.png) in {elapsed:.1f}s")
    return {"boxes": boxes, "stats": stats, "points": points, "figures": figs, "skipped": skipped,
            "replicate_agreement": agreement}


def replicate_agreement(runs: pd.DataFrame, outcome: str, minuend: str, subtrahend: str) -> float:
    """Correlation across points between replicate 0's and replicate 1's paired difference (NaN if < 2).

    Near 1 the differences between points come from their factors; near 0 from noise alone, and
    boxes found in them should not be trusted.
    """
    if runs["replicate"].nunique() < 2:
        return float("nan")
    w = runs.pivot_table(index=["point", "replicate"], columns="regime", values=outcome)
    d = (w[minuend] - w[subtrahend]).unstack("replicate")
    return float(np.corrcoef(d[0], d[1])[0, 1])


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
@job_errors
def main(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    discover_job(cfg, out_dir, cluster=study_cluster(cfg, out_dir, "scenario_discovery"))


def cli(argv: list[str]) -> int:
    """`capsim discover [overrides]`: checks the settings, then runs :func:`main`."""
    return launch("scenario_discovery", main, argv, check=read_settings)
