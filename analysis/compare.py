"""The regime comparison: per-run window means, summaries, paired differences, table, figure.

Used by ``capsim compare`` (the main job) and by reports on regime sweeps.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.outcomes import MAIN_OUTCOMES, label

from .figures import regime_comparison
from .stats import paired_differences, summarise, window_means
from .style import REGIME_ORDER, save_figure

__all__ = ["load_runs", "comparison_tables", "format_table", "write_comparison"]


def load_runs(run_dirs) -> pd.DataFrame:
    """Concatenate the ``steps`` tables of run directories."""
    return pd.concat([pd.read_parquet(Path(d) / "steps.parquet") for d in run_dirs], ignore_index=True)


def comparison_tables(steps: pd.DataFrame, window_years: float, reference: str, outcomes=MAIN_OUTCOMES,
                      seed: int = 0):
    per_run = window_means(steps, outcomes, window_years=window_years, keys=("run_id", "regime", "seed"))
    order = [r for r in REGIME_ORDER if r in set(per_run["regime"])]
    per_run["regime"] = pd.Categorical(per_run["regime"], order, ordered=True)
    per_run = per_run.sort_values(["regime", "seed"]).reset_index(drop=True)
    summary = summarise(per_run, "regime", outcomes, seed=seed)
    diffs = paired_differences(per_run, "regime", reference, outcomes, seed=seed) if reference in order else pd.DataFrame()
    return per_run, summary, diffs


def _fmt(x: float) -> str:
    if pd.isna(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def format_table(summary: pd.DataFrame, diffs: pd.DataFrame, outcomes=MAIN_OUTCOMES) -> pd.DataFrame:
    """Wide table: one row per outcome; per regime "mean [low, high]" and the paired difference."""
    rows = []
    regimes = list(dict.fromkeys(summary["regime"].astype(str)))
    for o in outcomes:
        row = {"outcome": label(o)}
        s = summary[summary["outcome"] == o]
        s = s.set_index(s["regime"].astype(str))
        for r in regimes:
            if r in s.index:
                row[r] = f"{_fmt(s.loc[r, 'mean'])} [{_fmt(s.loc[r, 'ci_low'])}, {_fmt(s.loc[r, 'ci_high'])}]"
        if len(diffs):
            d = diffs[diffs["outcome"] == o]
            d = d.set_index(d["regime"].astype(str))
            for r in regimes:
                if r in d.index:
                    row[f"{r} - {d.loc[r, 'reference']}"] = (
                        f"{_fmt(d.loc[r, 'diff'])} [{_fmt(d.loc[r, 'ci_low'])}, {_fmt(d.loc[r, 'ci_high'])}]")
        rows.append(row)
    return pd.DataFrame(rows)


def write_comparison(steps: pd.DataFrame, out_dir, window_years: float, reference: str, provenance: dict,
                     outcomes=MAIN_OUTCOMES) -> dict:
    """Write summary CSV, paired differences CSV, a Markdown/CSV table and the figure."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    per_run, summary, diffs = comparison_tables(steps, window_years, reference, outcomes)
    per_run.to_csv(out / "per_run.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    diffs.to_csv(out / "paired_differences.csv", index=False)
    table = format_table(summary, diffs, outcomes)
    table.to_csv(out / "comparison_table.csv", index=False)
    n_rep = int(per_run.groupby("regime", observed=True).size().min())
    years = float(steps["year"].max()) + 1 / 52
    title = f"Regimes compared over the last {window_years:g} year(s) of {years:.0f}; {n_rep} paired replicates"
    md = [f"# {title}", "", "Mean [95% bootstrap interval]; differences are paired on seeds (common random numbers).",
          "", table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False)]
    (out / "comparison_table.md").write_text("\n".join(md) + "\n")
    fig = regime_comparison(per_run, summary, [o for o in outcomes][:9], title=title)
    paths = save_figure(fig, out / "regime_comparison")
    caption = {"figure": "regime_comparison", "experiment": "compare", "n_replicates": n_rep,
               "seeds": sorted(int(s) for s in per_run["seed"].unique()), "window_years": window_years,
               "reference": reference, **provenance}
    (out / "regime_comparison.json").write_text(json.dumps(caption, indent=2, default=str))
    import matplotlib.pyplot as plt

    plt.close(fig)
    return {"table": table, "summary": summary, "diffs": diffs, "figure": [str(p) for p in paths], "title": title}


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401

        return True
    except ImportError:
        return False
