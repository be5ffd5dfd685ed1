"""Global sensitivity analysis of any function of the parameters: Morris screening, Sobol indices.

Both take ``func(X) -> outputs``: ``X`` is a sample matrix (one row per point, one column per
factor of a SALib problem) and the outputs are a DataFrame (one column per output) or an array
(one or more columns). The model is one such function (``experiments.studies.evaluate.ModelFunction``
averages replicates per point); an analytic test function with known indices is another
(``tests/test_sensitivity.py`` checks the pipeline on the Ishigami function).

* :func:`morris_screening` - elementary effects (Morris 1991, with the mu* of Campolongo et al.
  2007) from SALib's trajectories; ``mu_star_conf`` is SALib's bootstrap half-width.
* :func:`top_factors` - the factors to keep for Sobol: ranked by mu* relative to the largest
  mu* of each output, best over outputs.
* :func:`sobol_indices` - first-order (S1) and total-order (ST) indices from SALib's Sobol
  (Saltelli) sample without second-order terms; ``*_conf`` are bootstrap half-widths, and the
  table gives the interval ``[S - conf, S + conf]``.
* ``dummy=True`` adds a factor the function never sees (:data:`DUMMY`). For a function with
  fresh noise at every call its indices are the noise floor (a factor whose index does not
  clearly exceed the dummy's cannot be told apart from noise). With common random numbers (the
  same seeds at every point, as ``experiments.studies.evaluate`` runs the model) the dummy changes
  nothing and its indices are exactly 0: use replicate noise there
  (``experiments.studies.evaluate.replicate_noise``).

Plot functions take the tables and return a Figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["morris_screening", "top_factors", "sobol_indices", "as_outputs", "morris_figure", "sobol_figure",
           "DUMMY", "with_dummy"]

# A factor the function never sees: its indices are what sampling and replicate noise alone produce
# (the "dummy parameter" noise floor of Khorashadi Zadeh et al. 2017, Environ. Model. Softw. 91).
DUMMY = "dummy (noise floor)"


def with_dummy(problem: dict) -> dict:
    """``problem`` with the dummy factor appended (bounds 0..1)."""
    return {"num_vars": problem["num_vars"] + 1, "names": [*problem["names"], DUMMY],
            "bounds": [*problem["bounds"], [0.0, 1.0]]}


def as_outputs(y) -> pd.DataFrame:
    """A function's outputs as a DataFrame (an array becomes columns ``y`` or ``y0, y1, ...``)."""
    if isinstance(y, pd.DataFrame):
        return y.reset_index(drop=True)
    arr = np.asarray(y, float)
    if arr.ndim == 1:
        return pd.DataFrame({"y": arr})
    return pd.DataFrame(arr, columns=[f"y{i}" for i in range(arr.shape[1])])


def _elementary_effects(X: np.ndarray, y: np.ndarray, levels: int) -> np.ndarray:
    """Morris elementary effects (factors x trajectories) of a SALib Morris design, NaN where either
    point of a step has no output.

    The same effects SALib's ``morris.analyze`` computes (unscaled: the output change over the step
    ``delta = levels / (2 (levels - 1))`` in the unit cube, signed by the direction the factor moved;
    ``tests/test_sensitivity.py`` checks equality on complete outputs), but step by step, so that a
    missing output spoils only the two steps that touch it rather than a whole trajectory.
    """
    n_vars = X.shape[1]
    size = n_vars + 1
    n_traj = len(y) // size
    delta = levels / (2.0 * (levels - 1))
    xs = X.reshape(n_traj, size, n_vars)
    ys = y.reshape(n_traj, size)
    step = np.diff(xs, axis=1)  # (traj, n_vars steps, n_vars): one factor moves per step
    moved = np.argmax(step != 0, axis=2)  # (traj, steps)
    sign = np.sign(np.take_along_axis(step, moved[..., None], axis=2)[..., 0])
    ee = np.full((n_vars, n_traj), np.nan)
    t_idx = np.repeat(np.arange(n_traj), n_vars)
    ee[moved.ravel(), t_idx] = (sign * np.diff(ys, axis=1) / delta).ravel()
    return ee


def _morris_stats(ee: np.ndarray, num_resamples: int, conf_level: float, rng: np.random.Generator) -> dict:
    """mu, mu*, sigma and SALib's bootstrap half-width of mu* per factor over the effects that exist."""
    from scipy.stats import norm

    out = {k: np.full(ee.shape[0], np.nan) for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
    out["n_effects"] = np.isfinite(ee).sum(1)
    for j, row in enumerate(ee):
        e = row[np.isfinite(row)]
        if len(e) == 0:
            continue
        out["mu"][j], out["mu_star"][j] = e.mean(), np.abs(e).mean()
        if len(e) >= 2:
            out["sigma"][j] = e.std(ddof=1)
            boot = np.abs(e[rng.integers(len(e), size=(num_resamples, len(e)))]).mean(1)
            out["mu_star_conf"][j] = norm.ppf(0.5 + conf_level / 2) * boot.std(ddof=1)
    return out


def morris_screening(func, problem: dict, trajectories: int, levels: int = 4, seed: int = 0,
                     num_resamples: int = 1000, conf_level: float = 0.95, dummy: bool = False, on_evaluated=None):
    """Morris elementary effects of every factor on every output of ``func``.

    Args:
        func: ``func(X) -> outputs`` as described in the module docstring.
        problem: SALib problem (``num_vars``, ``names``, ``bounds``).
        trajectories: Morris trajectories (``(num_vars + 1) * trajectories`` evaluations).
        levels: grid levels of the Morris design.
        seed: seed of the design and of the bootstrap.
        num_resamples: bootstrap resamples for the interval of mu*.
        conf_level: level of that interval.
        dummy: add the noise-floor factor :data:`DUMMY` (not passed to ``func``).
        on_evaluated: called with ``(X, Y)`` as soon as the outputs exist, before any analysis (to
            keep them whatever happens next).

    An output missing at some points (e.g. a response time where no shock was reached) is analysed
    over the elementary effects whose two points both have it (``n_effects`` per factor, out of
    ``trajectories``); an output present everywhere is SALib's analysis unchanged.

    Returns:
        ``(X, Y, table)``: the design, the outputs, and one row per (output, factor) with
        ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``, ``mu_star_low``, ``mu_star_high``, ``n_effects``.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    if dummy:
        problem = with_dummy(problem)
    X = morris_sample.sample(problem, N=int(trajectories), num_levels=int(levels), seed=int(seed))
    Y = as_outputs(func(X[:, :-1] if dummy else X))
    if on_evaluated is not None:
        on_evaluated(X, Y)
    rows = []
    for out in Y.columns:
        y = Y[out].to_numpy(float)
        if np.isfinite(y).all():
            res = morris_analyze.analyze(problem, X, y, num_resamples=int(num_resamples), conf_level=conf_level,
                                         num_levels=int(levels), seed=int(seed), print_to_console=False)
            res = {**{k: np.asarray(res[k], float) for k in ("mu", "mu_star", "sigma", "mu_star_conf")},
                   "n_effects": np.full(problem["num_vars"], len(y) // (problem["num_vars"] + 1))}
        else:
            res = _morris_stats(_elementary_effects(X, y, int(levels)), int(num_resamples), conf_level,
                                np.random.default_rng(int(seed)))
        for j, name in enumerate(problem["names"]):
            mu_star, conf = float(res["mu_star"][j]), float(res["mu_star_conf"][j])
            rows.append({"output": out, "factor": name, "mu": float(res["mu"][j]), "mu_star": mu_star,
                         "mu_star_conf": conf, "mu_star_low": max(0.0, mu_star - conf), "mu_star_high": mu_star + conf,
                         "sigma": float(res["sigma"][j]), "n_effects": int(res["n_effects"][j])})
    return X, Y, pd.DataFrame(rows)


def top_factors(morris_table: pd.DataFrame, k: int, outputs=None) -> list[str]:
    """The ``k`` factors with the largest mu* relative to each output's largest mu*, best over outputs.

    Args:
        morris_table: the table from :func:`morris_screening`.
        k: how many factors to keep.
        outputs: outputs to rank on (default: all).
    """
    t = morris_table if outputs is None else morris_table[morris_table["output"].isin(list(outputs))]
    t = t[t["factor"] != DUMMY]
    scale = t.groupby("output")["mu_star"].transform("max").replace(0.0, np.nan)
    rel = (t["mu_star"] / scale).fillna(0.0)
    best = rel.groupby(t["factor"]).max().sort_values(ascending=False, kind="stable")
    return list(best.index[: int(k)])


def sobol_indices(func, problem: dict, n: int, seed: int = 0, num_resamples: int = 1000, conf_level: float = 0.95,
                  dummy: bool = False, on_evaluated=None):
    """First- and total-order Sobol indices of every factor for every output of ``func``.

    Args:
        func: ``func(X) -> outputs`` as described in the module docstring.
        problem: SALib problem.
        n: base sample size (a power of 2; ``n * (num_vars + 2)`` evaluations).
        seed: seed of the (scrambled Sobol) sample and of the bootstrap.
        num_resamples: bootstrap resamples for the intervals.
        conf_level: level of the intervals.
        dummy: add the noise-floor factor :data:`DUMMY` (not passed to ``func``).
        on_evaluated: called with ``(X, Y)`` as soon as the outputs exist, before any analysis.

    An output missing at some points is analysed over the base samples whose every evaluation (the
    ``num_vars + 2`` rows of one base sample) has it (``n_base``, out of ``n``); below two, its
    indices are NaN.

    Returns:
        ``(X, Y, table)``: the sample, the outputs, and one row per (output, factor) with
        ``S1``, ``S1_conf``, ``S1_low``, ``S1_high``, ``ST``, ``ST_conf``, ``ST_low``, ``ST_high``, ``n_base``.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if n < 2 or n & (n - 1):
        raise ValueError(f"sobol base sample n = {n} is not allowed; allowed: a power of 2 (e.g. 64, 128, 256)")
    if dummy:
        problem = with_dummy(problem)
    X = sobol_sample.sample(problem, int(n), calc_second_order=False, seed=int(seed))
    Y = as_outputs(func(X[:, :-1] if dummy else X))
    if on_evaluated is not None:
        on_evaluated(X, Y)
    rows = []
    group = problem["num_vars"] + 2  # SALib's order: per base sample A, AB_1 .. AB_k, B
    for out in Y.columns:
        y = Y[out].to_numpy(float)
        whole = np.isfinite(y.reshape(-1, group)).all(1)
        res = None
        if whole.sum() >= 2:
            res = sobol_analyze.analyze(problem, y.reshape(-1, group)[whole].ravel(), calc_second_order=False,
                                        num_resamples=int(num_resamples), conf_level=conf_level, seed=int(seed),
                                        print_to_console=False)
        for j, name in enumerate(problem["names"]):
            row = {"output": out, "factor": name}
            for s in ("S1", "ST"):
                v, c = (float(res[s][j]), float(res[f"{s}_conf"][j])) if res is not None else (np.nan, np.nan)
                row.update({s: v, f"{s}_conf": c, f"{s}_low": v - c, f"{s}_high": v + c})
            rows.append({**row, "n_base": int(whole.sum())})
    return X, Y, pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- figures
def _short(factor: str) -> str:
    """An axis label: the parameter's own name, with its group's where the name is one word
    (``pooled_fund.share`` -> "pooled fund share", ``funding.exit_year`` -> "exit year")."""
    parts = factor.split(".")
    name = parts[-1] if "_" in parts[-1] or len(parts) == 1 else " ".join(parts[-2:])
    return name.replace("_", " ")


def morris_figure(table: pd.DataFrame, output_labels: dict[str, str] | None = None, top: int = 12,
                  size: str = "page"):
    """Morris mu* with bootstrap intervals, the ``top`` factors of each output, one panel per output.

    Args:
        table: the table from :func:`morris_screening`.
        output_labels: panel titles by output name (default: the output names).
        top: factors shown per panel.
        size: a size from ``analysis.style.SIZES``.
    """
    import matplotlib.pyplot as plt

    from .style import ANALYSIS_COLOURS, SIZES, apply_style

    apply_style()
    outputs = list(dict.fromkeys(table["output"]))
    w, h = SIZES[size]
    ncols = min(3, len(outputs))
    nrows = int(np.ceil(len(outputs) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(w * 1.4, max(h, 3.0 * nrows)), squeeze=False)
    for ax in axes.ravel()[len(outputs):]:
        ax.set_visible(False)
    for ax, out in zip(axes.ravel(), outputs):
        t = table[table["output"] == out].sort_values("mu_star", ascending=False).head(top).iloc[::-1]
        ypos = np.arange(len(t))
        kinds = t["kind"] if "kind" in t.columns else pd.Series(["uncertainty"] * len(t))
        colours = [ANALYSIS_COLOURS.get(k, ANALYSIS_COLOURS["uncertainty"]) for k in kinds]
        if (table["output"].eq(out) & table["factor"].eq(DUMMY)).any():
            floor = float(table.loc[table["output"].eq(out) & table["factor"].eq(DUMMY), "mu_star"].iloc[0])
            ax.axvline(floor, color=ANALYSIS_COLOURS["noise"], ls="--", lw=0.9)
        ax.barh(ypos, t["mu_star"], xerr=t["mu_star_conf"], color=colours, ecolor="black", capsize=2, height=0.7)
        ax.set_yticks(ypos, [_short(f) for f in t["factor"]])
        ax.set_xlabel("Morris mu* (output units)")
        ax.set_title((output_labels or {}).get(out, out), fontsize=8)
    if "kind" in table.columns:
        from matplotlib.patches import Patch

        from matplotlib.lines import Line2D

        handles = [Patch(color=ANALYSIS_COLOURS["lever"], label="lever"),
                   Patch(color=ANALYSIS_COLOURS["uncertainty"], label="uncertainty")]
        if (table["factor"] == DUMMY).any():
            handles.append(Line2D([0], [0], color=ANALYSIS_COLOURS["noise"], ls="--", label="noise floor (dummy mu*)"))
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def sobol_figure(table: pd.DataFrame, output_labels: dict[str, str] | None = None, size: str = "page"):
    """First- and total-order Sobol indices with bootstrap intervals, one panel per output.

    Args:
        table: the table from :func:`sobol_indices`.
        output_labels: panel titles by output name.
        size: a size from ``analysis.style.SIZES``.
    """
    import matplotlib.pyplot as plt

    from .style import ANALYSIS_COLOURS, SIZES, apply_style

    apply_style()
    outputs = list(dict.fromkeys(table["output"]))
    ncols = min(3, len(outputs))
    nrows = int(np.ceil(len(outputs) / ncols))
    w, h = SIZES[size]
    fig, axes = plt.subplots(nrows, ncols, figsize=(w, max(h, 2.4 * nrows)), squeeze=False)
    for ax, out in zip(axes.ravel(), outputs):
        t = table[table["output"] == out].sort_values("ST", ascending=True)
        ypos = np.arange(len(t))
        ax.barh(ypos + 0.18, t["ST"], height=0.36, xerr=t["ST_conf"], color=ANALYSIS_COLOURS["total_order"],
                ecolor="black", capsize=1.5, label="total order (ST)")
        ax.barh(ypos - 0.18, t["S1"], height=0.36, xerr=t["S1_conf"], color=ANALYSIS_COLOURS["first_order"],
                ecolor="black", capsize=1.5, label="first order (S1)")
        ax.set_yticks(ypos, [_short(f) for f in t["factor"]])
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlabel("Sobol index (share of variance)")
        ax.set_title((output_labels or {}).get(out, out), fontsize=8)
    for ax in axes.ravel()[len(outputs):]:
        ax.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
