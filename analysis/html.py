"""The report as one self-contained HTML page: figures embedded as data URIs, no scripts, no server.

Sections: the question and the answer the numbers give (generated from the main window's
summary and paired differences of the primary outcome), the setup, the main tables, every
figure with its caption, and the provenance of every number (code commit, package versions,
seeds, config hash, replicates, window, data files and their SHA-256, every run).
"""

from __future__ import annotations

import base64
import html
import json

import numpy as np
import pandas as pd

from sim.outcomes import OUTCOMES, label

from . import tables
from .flows import FUNDING_FLOW_OUTCOMES, STAFF_FLOW_OUTCOMES
from .style import factor_label, level_text

__all__ = ["render_report", "answer_lines", "config_name"]

FLOW_OUTCOMES = (*STAFF_FLOW_OUTCOMES, *FUNDING_FLOW_OUTCOMES)

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:72rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem}
table{border-collapse:collapse;font-size:.82rem;margin:.6rem 0;display:block;overflow-x:auto}
th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
figure{margin:1.5rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.88rem;color:#444}.note{font-size:.85rem;color:#555}.answer{background:#f3f8f4;
border-left:4px solid #009E73;padding:.6rem 1rem}.caveat{font-size:.85rem;color:#7a4d00}
code,pre{font-size:.8rem}pre{background:#f7f7f7;padding:.6rem;overflow-x:auto}details{margin:.6rem 0}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _table(df: pd.DataFrame) -> str:
    if df is None or df.empty:
        return "<p class='note'>(no rows)</p>"
    return df.to_html(index=False, escape=True, border=0, na_rep="n/a")


def config_name(row: pd.Series, cols) -> str:
    """``sharing, Direct funding to local actors = 0.25``: a configuration in words."""
    return ", ".join(str(row[c]) if c == "regime" else level_text(c, row[c]) for c in cols)


def answer_lines(report) -> list[str]:
    """Plain sentences answering the sweep's question for its primary outcome (main window).

    Args:
        report: a computed :class:`analysis.report.Report`.
    """
    d = report.data
    main = report.main
    o = d.primary_outcome
    lines = []
    cols = d.varying or report.config_cols
    s = main.summary[main.summary["outcome"] == o].dropna(subset=["mean"])
    if s.empty:
        return [f"No run has a value of {label(o)} over {main.window.describe()}."]
    better = OUTCOMES[o].better
    best = s.loc[s["mean"].idxmax() if better != "lower" else s["mean"].idxmin()]
    worst = s.loc[s["mean"].idxmin() if better != "lower" else s["mean"].idxmax()]
    word = "lowest" if better == "lower" else "highest"
    if len(s) > 1:
        lines.append(
            f"Over {main.window.describe()}, {label(o, with_unit=False).lower()} was {word} with "
            f"{config_name(best, cols)}: {tables.format_estimate(best['mean'], best['ci_low'], best['ci_high'])}, "
            f"and {'highest' if word == 'lowest' else 'lowest'} with {config_name(worst, cols)}: "
            f"{tables.format_estimate(worst['mean'], worst['ci_low'], worst['ci_high'])} ({label(o)}; "
            f"mean [95% interval] over {d.n_replicates} replicates).")
    else:
        lines.append(f"Over {main.window.describe()}, {label(o)} was "
                     f"{tables.format_estimate(best['mean'], best['ci_low'], best['ci_high'])}.")
    diffs = main.diffs
    if len(diffs):
        dd = diffs[diffs["outcome"] == o]
        ref = ", ".join(f"{k}={v}" for k, v in (d.reference or {}).items())
        clear_up = dd[(dd["ci_low"] > 0)]
        clear_down = dd[(dd["ci_high"] < 0)]
        what = label(o, with_unit=False).lower()
        lines.append(f"Against the reference ({ref}), paired on seeds: {len(clear_up)} of {len(dd)} configurations "
                     f"have a higher {what} and {len(clear_down)} a lower one with the 95% "
                     f"interval of the difference excluding zero; {len(dd) - len(clear_up) - len(clear_down)} show no "
                     "clear difference.")
        top = dd.reindex(dd["diff"].abs().sort_values(ascending=False).index).head(3)
        for _, r in top.iterrows():
            es = f", d_z = {r['effect_size']:+.2f}" if np.isfinite(r["effect_size"]) else ""
            lines.append(f"{config_name(r, cols)} minus reference: "
                         f"{tables.format_estimate(r['diff'], r['ci_low'], r['ci_high'], signed=True)}"
                         f" ({r['n_pairs']} pairs{es}).")
    return lines


def _img(path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


def _setup_rows(report) -> pd.DataFrame:
    d = report.data
    m = d.manifest
    status = m["status"].value_counts().to_dict() if "status" in m else {}
    cfg = d.info.get("config") or {}
    years = cfg.get("years") if isinstance(cfg, dict) else None
    rows = [
        ("experiment", d.experiment),
        ("source", str(d.path)),
        ("factors (levels)", "; ".join(f"{f} ({', '.join(map(str, d.levels(f)))})" for f in d.factors) or "none"),
        ("reference configuration", ", ".join(f"{k}={v}" for k, v in (d.reference or {}).items()) or "none"),
        ("replicates per configuration", d.n_replicates),
        ("runs", ", ".join(f"{k}: {v}" for k, v in status.items()) or len(d.runs)),
        ("base seed", d.base_seed),
        ("replicate seeds", ", ".join(str(s) for s in d.seeds[:8]) + (" ..." if len(d.seeds) > 8 else "")),
        ("scenario", ", ".join(map(str, pd.unique(d.steps["scenario"])))),
        ("simulated years", years if years is not None else f"{(d.steps['step'].max() + 1) / 52:g}"),
        ("analysis windows", "; ".join(f"{w.spec}: {w.describe()}" for w in report.windows)),
        ("intervals", f"95% BCa bootstrap, small-sample widened (Hesterberg 2015); {report.n_boot} resamples, "
                      f"seed {report.seed}"),
        ("config hash", d.config_hash),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def render_report(report) -> str:
    """The whole page as a string.

    Args:
        report: a :class:`analysis.report.Report` whose tables and figures were written.
    """
    from sim.store import provenance

    from sim.store import analysis_packages

    d = report.data
    main = report.main
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(d.experiment)} - capsim report"
             f"</title><style>{CSS}</style></head><body>"]
    parts.append(f"<h1>{_e(d.experiment)}</h1><p class='note'>capsim report; primary outcome: "
                 f"{_e(label(d.primary_outcome))}; main window: {_e(main.window.describe())}.</p>")
    parts.append("<h2>Question and answer</h2>")
    parts.append(f"<p><strong>{_e(d.question or 'No question was recorded for this sweep.')}</strong></p>")
    parts.append("<div class='answer'>" + "".join(f"<p>{_e(x)}</p>" for x in answer_lines(report)) + "</div>")
    parts.append("<p class='caveat'>Exploratory: no empirical study compares capacity building, strengthening and "
                 "sharing quantitatively, so these are model results under stated assumptions, not estimates of "
                 "real-world effects.</p>")
    parts.append("<h2>Setup</h2>" + _table(_setup_rows(report)))
    for i, (spec, r) in enumerate(report.results.items()):
        parts.append(f"<h2>{'Main table' if i == 0 else 'Table'}: outcomes over {_e(r.window.describe())}</h2>")
        parts.append(f"<p class='note'>{_e(report.table_note(r.window))}</p>")
        main_outs = [o for o in report.outcomes if o not in FLOW_OUTCOMES]
        flow_outs = [o for o in report.outcomes if o in FLOW_OUTCOMES]
        parts.append(_table(tables.summary_table(r.summary, report.config_cols, main_outs)))
        if flow_outs:
            parts.append("<details><summary>Staff and funding flows (weekly means)</summary>"
                         f"{_table(tables.summary_table(r.summary, report.config_cols, flow_outs))}</details>")
        if len(r.diffs):
            parts.append(f"<h3>Paired differences to the reference</h3><p class='note'>{_e(report.diff_note(r.window))}"
                         "</p>")
            parts.append(_table(tables.differences_table(r.diffs, report.config_cols, main_outs)))
            if flow_outs:
                parts.append("<details><summary>Paired differences in staff and funding flows</summary>"
                             f"{_table(tables.differences_table(r.diffs, report.config_cols, flow_outs))}</details>")
    for name, summary in report.measure_tables.items():
        w = main.window
        parts.append(f"<h2>{_e(tables.MEASURE_TABLES[name][1].capitalize())}, over {_e(w.describe())}</h2><p class='note'>"
                     f"{_e(tables.MEASURE_TABLES[name][2])} {_e(report.table_note(w))}</p>")
        parts.append(_table(tables.summary_table(summary, report.config_cols, report.measure_outcomes(name))))
        parts.append(f"<details><summary>Definitions</summary>{_table(report.measure_definitions(name))}</details>")
    if report.pathways is not None:
        from . import pathways as pw

        parts.append("<h2>Pathways: what carries each difference</h2><p class='note'>Exact Shapley values of the "
                     "pathway switches from the full factorial on common seeds (analysis/pathways.py); they add up "
                     "to the total effect per seed. Full tables: pathways_table.md, pathways_decomposition.csv.</p>")
        for group in report.pathway_group_values():
            where = ", ".join(f"{k}={v}" for k, v in group.items())
            t = report.pathways.table
            for k, v in group.items():
                t = t[t[k] == v]
            t = t[(t["window"] == "cumulative") & (t["kind"] != "interaction")]
            wide = t.pivot_table(index="outcome", columns="part", values="estimate", sort=False)
            cols = [c for c in ["total", *report.pathways.switches] if c in wide.columns]
            wide = wide[cols].rename(columns=pw.part_label).reset_index()
            parts.append(f"<h3>Whole run{' (' + _e(where) + ')' if where else ''}</h3>")
            parts.append(_table(wide.round(4)))
    parts.append("<h2>Figures</h2>")
    for f in report.figures:
        png = next(p for p in f["paths"] if p.suffix == ".png")
        others = ", ".join(p.name for p in f["paths"])
        parts.append(f"<figure id='{_e(f['name'])}'><img alt='{_e(f['caption'])}' src='{_img(png)}'>"
                     f"<figcaption><strong>{_e(f['name'])}.</strong> {_e(f['caption'])} "
                     f"<span class='note'>Files: {_e(others)}; caption and provenance: {_e(f['json'].name)}.</span>"
                     "</figcaption></figure>")
    parts.append("<h2>Provenance</h2>")
    prov = d.info.get("provenance") or {}
    code = prov.get("code") or {}
    rprov = provenance()
    rows = [
        ("simulation code commit", f"{code.get('commit')} (modified tree: {code.get('dirty')})"),
        ("capsim version", code.get("capsim")),
        ("python", prov.get("python")),
        ("platform", prov.get("platform")),
        ("sweep created", prov.get("created")),
        ("package versions", ", ".join(f"{k} {v}" for k, v in (prov.get("packages") or {}).items())),
        ("report code commit", f"{rprov['code'].get('commit')} (modified tree: {rprov['code'].get('dirty')})"),
        ("analysis package versions", ", ".join(f"{k} {v}" for k, v in analysis_packages().items())),
        ("report created", rprov.get("created")),
        ("config hash (SHA-256 of the resolved base config)", d.config_hash),
        ("base seed; replicates", f"{d.base_seed}; {d.n_replicates}"),
    ]
    rows += [(f"data file {k} (SHA-256)", v) for k, v in d.files.items()]
    parts.append(_table(pd.DataFrame(rows, columns=["item", "value"])))
    runs = d.runs.merge(d.manifest[[c for c in ("run_id", "status", "duration_s", "sha256_steps") if c in d.manifest]],
                        on="run_id", how="left") if "run_id" in d.manifest else d.runs
    parts.append(f"<details><summary>Every run ({len(runs)}): run id, configuration, replicate, seed</summary>"
                 f"{_table(runs)}</details>")
    parts.append("<details><summary>Resolved base configuration</summary><pre>"
                 f"{_e(json.dumps(d.info.get('config'), indent=2, default=str))}</pre></details>")
    parts.append("<details><summary>Lever names used in tables and figures</summary>"
                 + _table(pd.DataFrame([(f, factor_label(f)) for f in d.factors], columns=["parameter", "label"]))
                 + "</details>")
    parts.append("</body></html>")
    return "\n".join(parts)
