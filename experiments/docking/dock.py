"""`capsim dock <model> [key=value ...]`: re-run a published model and compare with its published result.

Docking (Axtell et al. 1996) re-implements a published model and checks that it gives the
published results; ``docs/docking.md`` describes each model, the ambiguities later replications
settled, and the published values. Models:

* ``march``: March (1991), Figure 1 (equilibrium code knowledge for p1, p2) against a published
  numerical replication, within ``tolerance`` at every grid point; and his turnover result.
* ``cowan_jonard``: Cowan & Jonard (2004), the shape of steady-state knowledge against the
  rewiring probability of a Watts-Strogatz network.

Settings come from ``configs/docking/<model>.yaml`` (plain YAML read with OmegaConf, not a
Hydra config), declared and validated like every parameter (:data:`SETTINGS`, ``sim.params.param``);
``key=value`` arguments override them (``replications=500``,
``figure1.code_learning_rate=[0.5]``, ``model.max_periods=50000``). Bad input is refused in one
line before anything runs (exit code 2). Each run writes its tables (CSV), figures (PNG 300 dpi
and SVG) and ``provenance.json`` to the output directory, prints the comparison and the checks,
and exits with 0 when every check passes and 1 when one fails (the reproduction drifted).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from dataclasses import dataclass

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments.config import CONFIG_DIR, UsageError, fail
from sim.docking import cowan_jonard as cj
from sim.docking import march
from sim.params import ConfigError, param, section_from_dict

__all__ = ["main", "load_config", "run_march", "run_cowan_jonard", "MODELS", "SETTINGS"]

MODELS = {"march": march.MarchParams, "cowan_jonard": cj.CowanJonardParams}
SEED_MAX = 2**63 - 1


def usage() -> str:
    return "\n".join([
        "usage: capsim dock <model> [key=value ...]",
        "",
        "models:",
        "  march         March (1991): Figure 1 against a published replication, and the turnover result",
        "  cowan_jonard  Cowan & Jonard (2004): steady-state knowledge against network rewiring",
        "",
        "settings: configs/docking/<model>.yaml; override any key, e.g.",
        "  capsim dock march --params            (the model's parameters: unit, range, source)",
        "  capsim dock march replications=500 figure1.code_learning_rate=[0.5]",
        "  capsim dock cowan_jonard replications=10 model.absorptive_capacity=0.1 output_dir=out/cj",
        "details: docs/docking.md",
    ])


# ----------------------------------------------------------------------------------- settings
# Each model's settings, declared like every parameter (``sim.params.param``: meaning, unit, range),
# validated by the same engine; the values are in configs/docking/<model>.yaml. ``model`` (overrides
# of the model's own parameters, validated by its registry) and ``output_dir`` are handled apart.
_P = "probability"


@dataclass(frozen=True)
class MarchFigure1:
    """March's Figure 1: equilibrium code knowledge over a grid, p3 = p4 = 0."""

    socialisation_rate: tuple[float, ...] = param((0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), "p1 values", _P,
                                                  0.0, 1.0, "March 1991, Figure 1")
    code_learning_rate: tuple[float, ...] = param((0.1, 0.5, 0.9), "p2 values", _P, 0.0, 1.0, "March 1991, Figure 1")


@dataclass(frozen=True)
class MarchTurnover:
    """March's turnover result: code knowledge after a fixed time."""

    replications: int = param(2000, "organisations per turnover grid point", "organisations", 2, 10_000_000)
    periods: int = param(20, "the period at which code knowledge is compared", "periods", 1, 10_000_000,
                         "the indigosim reproduction of March's turnover figure")
    code_learning_rate: float = param(0.5, "p2", _P, 0.0, 1.0, "the indigosim reproduction of March's turnover figure")
    socialisation_rate: tuple[float, ...] = param((0.1, 0.5, 0.9), "p1 values", _P, 0.0, 1.0)
    turnover: tuple[float, ...] = param((0.0, 0.01, 0.02, 0.05, 0.1, 0.2), "p3 values (0, the reference, included)",
                                        _P, 0.0, 1.0)
    significance: float = param(3.0, "a difference counts when it exceeds this many paired standard errors",
                                "standard errors", 1e-6, 1000.0)


@dataclass(frozen=True)
class MarchDocking:
    """``capsim dock march``."""

    seed: int = param(1991, "seed of every grid point (same seed: same initial organisations)", "-", 0, SEED_MAX)
    replications: int = param(4000, "organisations per Figure 1 grid point", "organisations", 2, 10_000_000)
    tolerance: float = param(0.02, "largest allowed |capsim - published| at any Figure 1 grid point", "knowledge",
                             1e-9, 1.0)
    figure1: MarchFigure1 = dataclasses.field(default_factory=MarchFigure1)
    turnover: MarchTurnover = dataclasses.field(default_factory=MarchTurnover)


@dataclass(frozen=True)
class SmallWorldChecks:
    """Watts & Strogatz (1998): clustering far above, path length near a random graph's."""

    min_clustering_vs_random: float = param(5.0, "C(p) / C(p = 1) at least this", "ratio", 1e-6, 1e6)
    max_path_vs_random: float = param(1.5, "L(p) / L(p = 1) at most this", "ratio", 1e-6, 1e6)


@dataclass(frozen=True)
class CowanJonardDocking:
    """``capsim dock cowan_jonard``."""

    seed: int = param(2004, "seed of every grid point (same seed: same endowments)", "-", 0, SEED_MAX)
    replications: int = param(40, "economies (each with its own network) per rewiring probability", "economies",
                              2, 10_000_000)
    rewiring: tuple[float, ...] = param((0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0),
                                        "rewiring probabilities p (at least 3)", _P, 0.0, 1.0,
                                        "Cowan & Jonard 2004 (log axis)")
    network_samples: int = param(5, "networks per p for clustering and path length", "networks", 1, 100_000)
    small_world: SmallWorldChecks = dataclasses.field(default_factory=SmallWorldChecks)
    significance: float = param(3.0, "a difference counts when it exceeds this many paired standard errors",
                                "standard errors", 1e-6, 1000.0)


SETTINGS = {"march": MarchDocking, "cowan_jonard": CowanJonardDocking}


def load_config(model: str, overrides: list[str]) -> DictConfig:
    """The docking settings of ``model`` with ``key=value`` overrides applied and checked.

    Raises:
        UsageError: one line naming the key, the value and what is allowed.
    """
    if model not in MODELS:
        close = difflib.get_close_matches(model, list(MODELS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"unknown docking model {model!r}{hint}; allowed: {', '.join(MODELS)}")
    cfg = OmegaConf.load(Path(CONFIG_DIR) / "docking" / f"{model}.yaml")
    for o in overrides:
        if "=" not in o:
            raise UsageError(f"{o!r} is not an override; allowed: key=value (e.g. replications=500)")
        try:
            cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist([o]))
        except OmegaConfBaseException as e:
            raise UsageError(f"{o!r} cannot be read: {str(e).splitlines()[0]}") from None
    data = OmegaConf.to_container(cfg, resolve=True)
    model_over = data.pop("model", None) or {}
    variants = data.pop("variants", None) or {}
    output_dir = data.pop("output_dir", None)
    if output_dir is not None and not isinstance(output_dir, str):
        raise UsageError(f"output_dir = {output_dir!r} is not valid; allowed: a path or null")
    if not isinstance(model_over, dict):
        raise UsageError(f"model = {model_over!r} is not valid; allowed: model.<parameter>=value")
    try:
        settings = section_from_dict(SETTINGS[model], data, "")
        _check_against_model(model, settings, model_over, variants)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    return OmegaConf.create({**dataclasses.asdict(settings), "model": model_over, "variants": variants,
                             "output_dir": output_dir})


def _check_against_model(model: str, s, model_over: dict, variants: dict) -> None:
    """What depends on the model's own parameters (its registry) and the checks' needs."""
    cls = MODELS[model]
    cls.from_dict(model_over, prefix="model.")
    if model == "march":
        for key in ("socialisation_rate", "code_learning_rate"):
            for v in getattr(s.figure1, key):
                cls.from_dict({key: v}, prefix="figure1.")
        t = s.turnover
        cls.from_dict({"periods": t.periods, "code_learning_rate": t.code_learning_rate}, prefix="turnover.")
        for v in t.turnover:
            cls.from_dict({"turnover": v, "periods": t.periods}, prefix="turnover.")
        if 0.0 not in [float(v) for v in t.turnover]:
            raise ConfigError(f"turnover.turnover = {list(t.turnover)} lacks 0; allowed: a list that includes 0 "
                              "(the no-turnover reference)")
    else:
        for name, over in variants.items():
            if not isinstance(over, dict):
                raise ConfigError(f"variants.{name} = {over!r} is not valid; allowed: a mapping of model "
                                  "parameters, e.g. {experts: 0}")
            cls.from_dict({**model_over, **over}, prefix=f"variants.{name}.")
        if len(s.rewiring) < 3:
            raise ConfigError(f"rewiring = {list(s.rewiring)} has fewer than 3 values; allowed: at least 3 "
                              "(a maximum inside the range needs both ends)")


def _out_dir(model: str, cfg: DictConfig) -> Path:
    if cfg.output_dir:
        return Path(str(cfg.output_dir))
    return Path("outputs") / "capsim-dock" / model / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")


def _progress(label: str):
    def report(done, total, row):
        print(f"  [{done}/{total}] {label}: " + ", ".join(
            f"{k}={v:g}" for k, v in row.items() if k in ("socialisation_rate", "code_learning_rate", "turnover",
                                                           "rewiring")), file=sys.stderr, flush=True)
    return report


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of the paired difference a - b (same replications)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


def _check(name: str, passed: bool, detail: str, gating: bool = True) -> dict:
    return {"check": name, "result": ("PASS" if passed else "FAIL") if gating else ("(holds)" if passed else "(fails)"),
            "detail": detail,
            "passed": bool(passed), "gating": gating}


def _write_figure(fig, stem: Path) -> None:
    from analysis.style import save_figure
    import matplotlib.pyplot as plt

    save_figure(fig, stem)
    plt.close(fig)


def _provenance(cfg: DictConfig, model: str, elapsed: float) -> dict:
    from sim.store import provenance

    return {"command": f"capsim dock {model}", "config": OmegaConf.to_container(cfg, resolve=True),
            "elapsed_seconds": round(elapsed, 1), **provenance()}


def _print_checks(checks: list[dict]) -> None:
    from tabulate import tabulate

    print(tabulate([[c["result"], c["check"], c["detail"]] for c in checks], headers=["result", "check", "detail"],
                   tablefmt="simple"))


# ----------------------------------------------------------------------------------- March
def run_march(cfg: DictConfig, out_dir: Path, progress: bool = True) -> dict:
    """Figure 1 against the published replication, and the turnover result; writes and prints both.

    Args:
        cfg: settings from :func:`load_config`.
        out_dir: where tables, figures and provenance go.
        progress: print one line per grid point on stderr.

    Returns:
        ``{"figure1": DataFrame, "turnover": DataFrame, "checks": list of dicts}``.
    """
    from analysis.docking import march_figure1, march_turnover
    from tabulate import tabulate

    t0 = time.perf_counter()
    base = march.MarchParams.from_dict(OmegaConf.to_container(cfg.model), prefix="model.")
    reps, seed, tol = int(cfg.replications), int(cfg.seed), float(cfg.tolerance)
    grid = {k: list(cfg.figure1[k]) for k in ("socialisation_rate", "code_learning_rate")}
    n_points = len(grid["socialisation_rate"]) * len(grid["code_learning_rate"])
    print(f"capsim dock march: Figure 1, {n_points} grid points x {reps} organisations (seed {seed})")
    fig1 = march.sweep(base, grid, reps, seed, _progress("figure 1") if progress else None)
    pub = march.published_figure1()
    fig1 = fig1.merge(pub, on=["socialisation_rate", "code_learning_rate"], how="left")
    fig1 = fig1.rename(columns={"code_knowledge": "capsim", "code_knowledge_se": "capsim_se",
                                "code_knowledge_sd": "capsim_sd"})
    fig1["difference"] = fig1["capsim"] - fig1["published"]
    fig1["within_tolerance"] = fig1["difference"].abs() <= tol
    cols = ["socialisation_rate", "code_learning_rate", "published", "capsim", "difference", "capsim_se",
            "within_tolerance", "replications", "code_match_share", "member_knowledge", "periods_mean",
            "periods_max", "equilibrium_share", "capsim_sd"]
    fig1 = fig1[cols]

    t = cfg.turnover
    t_grid = {"socialisation_rate": list(t.socialisation_rate), "turnover": list(t.turnover)}
    t_base = dataclasses.replace(base, code_learning_rate=float(t.code_learning_rate), periods=int(t.periods))
    print(f"capsim dock march: turnover, {len(t_grid['socialisation_rate']) * len(t_grid['turnover'])} grid points x "
          f"{int(t.replications)} organisations, {int(t.periods)} periods, p2 = {float(t.code_learning_rate):g}")
    runs: dict = {}
    turn = march.sweep(t_base, t_grid, int(t.replications), seed, _progress("turnover") if progress else None, runs)
    gains = {}
    for p1 in t_grid["socialisation_rate"]:
        ref = runs[(p1, next(v for v in t_grid["turnover"] if float(v) == 0.0))].code_knowledge
        for p3 in t_grid["turnover"]:
            d, se = _paired(runs[(p1, p3)].code_knowledge, ref)
            at = (turn.socialisation_rate == p1) & (turn.turnover == p3)
            turn.loc[at, ["gain_vs_no_turnover", "gain_se"]] = d, se
            gains[(p1, p3)] = runs[(p1, p3)].code_knowledge - ref
    turn = turn[["socialisation_rate", "turnover", "code_knowledge", "code_knowledge_se", "gain_vs_no_turnover",
                 "gain_se", "code_match_share", "member_knowledge", "replications"]]

    checks = _march_checks(fig1, turn, gains, tol, float(t.significance))
    elapsed = time.perf_counter() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    fig1.to_csv(out_dir / "docking_march_figure1.csv", index=False, float_format="%.5f")
    turn.to_csv(out_dir / "docking_march_turnover.csv", index=False, float_format="%.5f")
    pd.DataFrame(checks).drop(columns=["passed", "gating"]).to_csv(out_dir / "docking_march_checks.csv", index=False)
    _write_figure(march_figure1(fig1, tol), out_dir / "docking_march_figure1")
    _write_figure(march_turnover(turn, int(t.periods)), out_dir / "docking_march_turnover")
    (out_dir / "docking_march_provenance.json").write_text(
        json.dumps({**_provenance(cfg, "march", elapsed), "published_source": march.PUBLISHED_SOURCE}, indent=2,
                   default=str))

    show = fig1[["socialisation_rate", "code_learning_rate", "published", "capsim", "difference", "capsim_se"]]
    print("\nFigure 1: equilibrium code knowledge, matches minus mismatches per dimension")
    print(tabulate(show.values, headers=["p1", "p2", "published", "capsim", "difference", "capsim se"],
                   floatfmt=("g", "g", ".4f", ".4f", "+.4f", ".4f")))
    print(f"published: {march.PUBLISHED_SOURCE}")
    print(f"\nTurnover: code knowledge at period {int(t.periods)}, p2 = {float(t.code_learning_rate):g}")
    wide = turn.pivot(index="turnover", columns="socialisation_rate", values="code_knowledge")
    print(tabulate(wide.reset_index().values, headers=["p3"] + [f"p1 = {c:g}" for c in wide.columns],
                   floatfmt=".4f"))
    print()
    _print_checks(checks)
    print(f"\nwritten to {out_dir} in {elapsed:.1f}s")
    return {"figure1": fig1, "turnover": turn, "checks": checks}


def _march_checks(fig1: pd.DataFrame, turn: pd.DataFrame, gains: dict, tol: float, z: float) -> list[dict]:
    checks = []
    compared = fig1.dropna(subset=["published"])
    if len(compared):
        worst = compared.loc[compared["difference"].abs().idxmax()]
        checks.append(_check(
            f"Figure 1 within {tol:g} of the published replication at every grid point",
            bool(compared["within_tolerance"].all()),
            f"{int(compared['within_tolerance'].sum())}/{len(compared)} points; largest |difference| "
            f"{abs(worst['difference']):.4f} at p1={worst['socialisation_rate']:g}, "
            f"p2={worst['code_learning_rate']:g}"))
    else:
        checks.append(_check("Figure 1 grid has published values", False, "no grid point is in the published table"))
    eq = fig1["equilibrium_share"].min()
    checks.append(_check("every Figure 1 run reached equilibrium", eq == 1.0,
                         f"smallest share {eq:.4f}; longest run {int(fig1['periods_max'].max())} periods"))
    p1s = sorted(turn["socialisation_rate"].unique())
    slow, fast = p1s[0], p1s[-1]
    p3s = [v for v in sorted(turn["turnover"].unique()) if v > 0]

    def best_gain(p1):
        rows = turn[(turn.socialisation_rate == p1) & (turn.turnover > 0)]
        r = rows.loc[rows["gain_vs_no_turnover"].idxmax()]
        return r["turnover"], r["gain_vs_no_turnover"], r["gain_se"]

    p3f, gf, sef = best_gain(fast)
    checks.append(_check(
        f"fast socialisation (p1={fast:g}): some turnover raises code knowledge",
        gf > z * sef, f"best p3={p3f:g}: {gf:+.4f} +/- {sef:.4f} (paired se) vs p3=0"))
    p3s_, gs, ses = best_gain(slow)
    checks.append(_check(
        f"slow socialisation (p1={slow:g}): no turnover rate raises code knowledge",
        not gs > z * ses, f"best p3={p3s_:g}: {gs:+.4f} +/- {ses:.4f} (paired se) vs p3=0"))
    d = gains[(fast, p3f)] - gains[(slow, p3s_)]
    m, se = float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))
    checks.append(_check(
        "turnover helps fast socialisation more than slow", m > z * se,
        f"best gain p1={fast:g} minus best gain p1={slow:g}: {m:+.4f} +/- {se:.4f}"))
    if len(p3s) >= 1:
        checks.append(_check("turnover rates compared", True, ", ".join(f"{v:g}" for v in p3s), gating=False))
    return checks


# ----------------------------------------------------------------------------------- Cowan & Jonard
def run_cowan_jonard(cfg: DictConfig, out_dir: Path, progress: bool = True) -> dict:
    """Steady-state knowledge and its spread against rewiring; writes and prints the shape checks.

    Args:
        cfg: settings from :func:`load_config`.
        out_dir: where tables, figures and provenance go.
        progress: print one line per grid point on stderr.

    Returns:
        ``{"table": DataFrame, "checks": list of dicts}``.
    """
    from analysis.docking import cowan_jonard_shape
    from tabulate import tabulate

    t0 = time.perf_counter()
    base = cj.CowanJonardParams.from_dict(OmegaConf.to_container(cfg.model), prefix="model.")
    reps, seed, z = int(cfg.replications), int(cfg.seed), float(cfg.significance)
    grid = {"rewiring": sorted(float(v) for v in cfg.rewiring)}
    variants = {f"main ({base.experts} experts)": base}
    for name, over in (OmegaConf.to_container(cfg.variants) or {}).items():
        variants[name.replace("_", " ")] = cj.CowanJonardParams.from_dict({**dataclasses.asdict(base), **over})
    print(f"capsim dock cowan_jonard: {len(grid['rewiring'])} rewiring probabilities x {reps} economies x "
          f"{len(variants)} variant(s), {base.n_agents} agents, degree {base.degree}, "
          f"alpha {base.absorptive_capacity:g}")
    measures = []
    for p in grid["rewiring"]:
        m = cj.network_measures(dataclasses.replace(base, rewiring=p), int(cfg.network_samples), seed)
        measures.append({"rewiring": p, **m})
    measures = pd.DataFrame(measures)
    c_rand = float(measures.loc[measures["rewiring"].idxmax(), "clustering_ratio"])
    l_rand = float(measures.loc[measures["rewiring"].idxmax(), "path_ratio"])
    measures["clustering_vs_random"] = measures["clustering_ratio"] / c_rand
    measures["path_vs_random"] = measures["path_ratio"] / l_rand
    sw = cfg.small_world
    measures["small_world"] = ((measures["clustering_vs_random"] >= float(sw.min_clustering_vs_random))
                               & (measures["path_vs_random"] <= float(sw.max_path_vs_random)))
    tables, all_runs = [], {}
    for name, params in variants.items():
        runs: dict = {}
        df = cj.sweep(params, grid, reps, seed, _progress(name) if progress else None, runs)
        df.insert(0, "variant", name)
        tables.append(df)
        all_runs[name] = runs
    table = pd.concat(tables, ignore_index=True).merge(measures, on="rewiring")
    cols = ["variant", "rewiring", "mean_knowledge", "mean_knowledge_se", "knowledge_cv", "knowledge_cv_se",
            "clustering_ratio", "path_ratio", "clustering_vs_random", "path_vs_random", "small_world",
            "initial_mean", "trades_mean", "rounds_max", "steady_share", "replications"]
    table = table[cols]
    checks = []
    for i, name in enumerate(variants):
        checks += _cj_checks(table[table.variant == name], all_runs[name], z, name, gating=(i == 0))
    elapsed = time.perf_counter() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_dir / "docking_cowan_jonard.csv", index=False, float_format="%.5f")
    pd.DataFrame(checks).drop(columns=["passed", "gating"]).to_csv(out_dir / "docking_cowan_jonard_checks.csv",
                                                                   index=False)
    _write_figure(cowan_jonard_shape(table, cj.PUBLISHED_PEAK_REWIRING), out_dir / "docking_cowan_jonard")
    (out_dir / "docking_cowan_jonard_provenance.json").write_text(
        json.dumps({**_provenance(cfg, "cowan_jonard", elapsed), "published_source": cj.PUBLISHED_SOURCE}, indent=2,
                   default=str))
    print("\nSteady state against rewiring p (mean over economies; se in brackets)")
    rows = [[r.variant, r.rewiring, f"{r.mean_knowledge:.3f} ({r.mean_knowledge_se:.3f})",
             f"{r.knowledge_cv:.4f} ({r.knowledge_cv_se:.4f})", f"{r.clustering_vs_random:.1f}",
             f"{r.path_vs_random:.2f}", "yes" if r.small_world else ""] for r in table.itertuples()]
    print(tabulate(rows, headers=["variant", "p", "mean knowledge", "CV", "C / C_random", "L / L_random",
                                  "small world"]))
    print(f"published: {cj.PUBLISHED_SOURCE}")
    print()
    _print_checks(checks)
    print(f"\nwritten to {out_dir} in {elapsed:.1f}s")
    return {"table": table, "checks": checks}


def _cj_checks(t: pd.DataFrame, runs: dict, z: float, name: str, gating: bool) -> list[dict]:
    t = t.sort_values("rewiring").reset_index(drop=True)
    ps = list(t["rewiring"])
    lo, hi = ps[0], ps[-1]
    i_max = int(t["mean_knowledge"].idxmax())
    i_min = int(t["knowledge_cv"].idxmin())
    p_max, p_min = ps[i_max], ps[i_min]
    get = lambda p, key: getattr(runs[(p,)], key)  # noqa: E731
    checks = []
    d_lo, se_lo = _paired(get(p_max, "mean_knowledge"), get(lo, "mean_knowledge"))
    d_hi, se_hi = _paired(get(p_max, "mean_knowledge"), get(hi, "mean_knowledge"))
    checks.append(_check(
        f"[{name}] mean knowledge peaks inside the p range", 0 < i_max < len(ps) - 1 and d_lo > z * se_lo
        and d_hi > z * se_hi,
        f"maximum at p={p_max:g}; minus p={lo:g}: {d_lo:+.3f} +/- {se_lo:.3f}; minus p={hi:g}: {d_hi:+.3f} +/- "
        f"{se_hi:.3f}", gating))
    c_lo, cse_lo = _paired(get(lo, "knowledge_cv"), get(p_min, "knowledge_cv"))
    c_hi, cse_hi = _paired(get(hi, "knowledge_cv"), get(p_min, "knowledge_cv"))
    checks.append(_check(
        f"[{name}] coefficient of variation lowest inside the p range", 0 < i_min < len(ps) - 1
        and c_lo > z * cse_lo and c_hi > z * cse_hi,
        f"minimum at p={p_min:g}; p={lo:g} higher by {c_lo:+.4f} +/- {cse_lo:.4f}; p={hi:g} higher by "
        f"{c_hi:+.4f} +/- {cse_hi:.4f}", gating))
    checks.append(_check(
        f"[{name}] knowledge maximum and CV minimum at the same place (within one grid step)",
        abs(i_max - i_min) <= 1, f"maximum at p={p_max:g}, CV minimum at p={p_min:g}", gating))
    row = t.iloc[i_max]
    checks.append(_check(
        f"[{name}] the maximum is in the small-world region", bool(row["small_world"]),
        f"at p={p_max:g}: clustering {row['clustering_vs_random']:.1f}x and path length "
        f"{row['path_vs_random']:.2f}x a random graph's; published maximum at p ~ {cj.PUBLISHED_PEAK_REWIRING:g}",
        gating))
    return checks


def params_markdown(model: str) -> str:
    """The model's parameters as a Markdown table (key, default, unit, allowed, meaning, source), from the registry.

    Args:
        model: a key of :data:`MODELS`.
    """
    from experiments.cli.params import markdown_table
    from sim.params import section_rows

    return markdown_table(section_rows(MODELS[model](), "model."))


# ----------------------------------------------------------------------------------- entry point
def main(args: list[str]) -> int:
    """Entry point of ``capsim dock``; see the module docstring.

    Args:
        args: the model name, then ``key=value`` overrides.
    """
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    model, overrides = args[0], args[1:]
    if "--params" in overrides:
        if model not in MODELS:
            load_config(model, [])  # raises the one-line unknown-model error
        print(params_markdown(model))
        return 0
    cfg = load_config(model, overrides)
    out_dir = _out_dir(model, cfg)
    runner = run_march if model == "march" else run_cowan_jonard
    try:
        result = runner(cfg, out_dir)
    except OSError as e:
        if os.environ.get("CAPSIM_DEBUG"):
            raise
        fail(f"cannot write the docking results to {out_dir}: {e.strerror or e}", 1)
    failed = [c for c in result["checks"] if c["gating"] and not c["passed"]]
    if failed:
        print(f"capsim: docking {model}: {len(failed)} check(s) failed: " + "; ".join(c["check"] for c in failed),
              file=sys.stderr)
        return 1
    return 0
