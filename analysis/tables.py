"""Tables for readers: "estimate [low, high]" per configuration and outcome, as CSV and Markdown.

Numbers are rounded to the precision their interval supports: two significant digits of the
interval's width (so ``0.512 [0.498, 0.530]``, not ``0.51234 [0.49812, 0.53021]``). Column
headers of outcomes are the registry's labels with units (``sim/outcomes.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.outcomes import LOCALISATION_OUTCOMES, PEOPLE_OUTCOMES, label

from .style import factor_label

# Tables of measures beside the main outcomes, over the main window: name -> (outcomes, title, what they
# are). Each gets ``<name>_table_<window>.csv/.md`` and a section of the HTML page with definitions.
MEASURE_TABLES = {
    "localisation": (LOCALISATION_OUTCOMES, "localisation in the field's own terms",
                     "Grand Bargain localisation, quality of funding to local actors, local leadership in coordination "
                     "and the areas of NEAR's Localisation Performance Measurement Framework (sim/localisation.py); "
                     "measures marked proxy approximate the framework's indicators."),
    "people": (PEOPLE_OUTCOMES, "affected people and communities",
               "How far the aid delivered matches people's own priorities and their feedback is acted on "
               "(sim/priorities.py), communities' own response capacity and preparedness (sim/communities.py), and "
               "who is included among the people in need and among local organisations (sim/inclusion.py)."),
}

__all__ = ["MEASURE_TABLES", "format_estimate", "summary_table", "differences_table", "outcome_rows_table", "terminal_tables",
           "to_markdown", "decimals_for", "column_decimals"]


def decimals_for(lo: float, hi: float, est: float) -> int:
    """Decimals showing two significant digits of the interval width (3 significant digits if it is 0)."""
    width = abs(hi - lo) if np.isfinite(lo) and np.isfinite(hi) else 0.0
    ref = width if width > 0 else abs(est) / 100.0 if np.isfinite(est) and est != 0 else 0.001
    return int(min(6, max(0, 1 - math.floor(math.log10(ref)))))


def _num(x: float, dec: int) -> str:
    if not np.isfinite(x):
        return "n/a"
    if round(x, dec) == 0:
        x = 0.0  # no "-0.000"
    return f"{x:,.{dec}f}"


def format_estimate(est: float, lo: float, hi: float, signed: bool = False, decimals: int | None = None) -> str:
    """``0.512 [0.498, 0.530]``; ``+0.031 [+0.012, +0.050]`` with ``signed``; ``n/a`` if missing.

    Args:
        est, lo, hi: estimate and interval.
        signed: show a plus sign on positive numbers (differences).
        decimals: decimals to show (default: :func:`decimals_for` this interval).
    """
    if est is None or not np.isfinite(est):
        return "n/a"
    dec = decimals_for(lo, hi, est) if decimals is None else decimals

    def f(x):
        s = _num(x, dec)
        return f"+{s}" if signed and np.isfinite(x) and round(x, dec) > 0 else s

    if not (np.isfinite(lo) and np.isfinite(hi)) or lo == hi:
        return f(est)
    return f"{f(est)} [{f(lo)}, {f(hi)}]"


def column_decimals(df: pd.DataFrame, est: str, lo: str = "ci_low", hi: str = "ci_high") -> dict:
    """Decimals per outcome: the most any of its rows needs, so a column reads consistently."""
    out = {}
    for o, g in df.groupby("outcome", sort=False):
        decs = [decimals_for(a, b, e) for a, b, e in zip(g[lo].to_numpy(), g[hi].to_numpy(), g[est].to_numpy())
                if np.isfinite(e)]
        out[o] = max(decs) if decs else 3
    return out


def summary_table(summary: pd.DataFrame, config_cols, outcomes, readable: bool = True) -> pd.DataFrame:
    """One row per configuration, one column per outcome: "mean [low, high]", and n replicates.

    Args:
        summary: long summary (:func:`analysis.stats.summarise`).
        config_cols: configuration columns (the sweep's factors).
        outcomes: outcome keys, in column order.
        readable: headers are registry labels (True) or outcome keys (False, for machines).
    """
    config_cols = list(config_cols)
    rows = []
    dec = column_decimals(summary, "mean")
    for key, grp in summary.groupby(config_cols, observed=True, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        row = {(factor_label(c) if readable else c): v for c, v in zip(config_cols, key)}
        g = grp.set_index("outcome")
        row["n replicates" if readable else "n"] = int(g["n"].max()) if len(g) else 0
        for o in outcomes:
            if o in g.index:
                r = g.loc[o]
                row[label(o) if readable else o] = format_estimate(r["mean"], r["ci_low"], r["ci_high"],
                                                                   decimals=dec[o])
        rows.append(row)
    return pd.DataFrame(rows)


def differences_table(diffs: pd.DataFrame, config_cols, outcomes, readable: bool = True) -> pd.DataFrame:
    """One row per compared configuration: "difference [low, high] (d_z)" per outcome.

    Args:
        diffs: output of :func:`analysis.stats.differences_to_reference`.
        config_cols: configuration columns.
        outcomes: outcome keys, in column order.
        readable: headers are registry labels (True) or outcome keys (False).
    """
    config_cols = list(config_cols)
    rows = []
    if diffs.empty:
        return pd.DataFrame()
    dec = column_decimals(diffs, "diff")
    for key, grp in diffs.groupby(config_cols, observed=True, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        row = {(factor_label(c) if readable else c): v for c, v in zip(config_cols, key)}
        g = grp.set_index("outcome")
        row["reference"] = g["reference"].iloc[0]
        row["n pairs" if readable else "n_pairs"] = int(g["n_pairs"].max())
        for o in outcomes:
            if o in g.index:
                r = g.loc[o]
                text = format_estimate(r["diff"], r["ci_low"], r["ci_high"], signed=True, decimals=dec[o])
                if np.isfinite(r["effect_size"]):
                    text += f" (d={r['effect_size']:+.2f})"
                row[label(o) if readable else o] = text
        rows.append(row)
    return pd.DataFrame(rows)


def outcome_rows_table(summary: pd.DataFrame, diffs: pd.DataFrame, factor: str, outcomes) -> pd.DataFrame:
    """Terminal view of a one-factor comparison: one row per outcome, one column per level.

    Columns: per level "mean [low, high]", then per non-reference level its paired difference.

    Args:
        summary: long summary by ``factor``.
        diffs: paired differences by ``factor`` (may be empty).
        factor: the compared factor (e.g. ``"regime"``).
        outcomes: outcome keys, one row each.
    """
    levels = list(dict.fromkeys(summary[factor].astype(str)))
    dec = column_decimals(summary, "mean")
    ddec = column_decimals(diffs, "diff") if len(diffs) else {}
    rows = []
    for o in outcomes:
        row = {"outcome": label(o)}
        s = summary[summary["outcome"] == o]
        s = s.set_index(s[factor].astype(str))
        for lv in levels:
            if lv in s.index:
                row[lv] = format_estimate(s.loc[lv, "mean"], s.loc[lv, "ci_low"], s.loc[lv, "ci_high"], decimals=dec[o])
        if len(diffs):
            d = diffs[diffs["outcome"] == o]
            d = d.set_index(d[factor].astype(str))
            for lv in levels:
                if lv in d.index:
                    ref = ", ".join(part.split("=", 1)[-1] for part in str(d.loc[lv, "reference"]).split(", "))
                    row[f"{lv} - {ref}"] = format_estimate(d.loc[lv, "diff"], d.loc[lv, "ci_low"],
                                                           d.loc[lv, "ci_high"], signed=True, decimals=ddec[o])
        rows.append(row)
    return pd.DataFrame(rows)


def _short(o: str) -> str:
    from sim.outcomes import OUTCOMES

    text = OUTCOMES[o].label if o in OUTCOMES else o
    for long, short in (("Coverage of needs", "Coverage"), ("Coverage in hard-to-reach areas", "Hard-to-reach"),
                        ("Quality-adjusted coverage", "Quality cov."), ("Funding reaching local actors", "To local"),
                        ("Local capacity", "Local cap."), ("Staff turnover", "Turnover"),
                        ("Local share of decision power", "Local say"), ("Brain drain", "Brain drain")):
        if text == long:
            return short
    return text[:12]


def terminal_tables(summary: pd.DataFrame, diffs: pd.DataFrame, row_labels: dict, outcomes,
                    width: int = 100) -> tuple[str, str]:
    """Two narrow tables for a terminal: configurations as rows, a few outcomes as columns.

    The first gives each configuration's mean, the second its paired difference to the
    reference with the 95% interval; numbers are rounded to what the intervals support
    (:func:`decimals_for`). Each table drops outcomes from the right until it fits ``width``
    (the means keep more of them than the wider differences); at least two are kept.

    Args:
        summary: long summary (``config`` key column ``_row``, ``outcome``, ``mean``, ``ci_low``, ``ci_high``).
        diffs: long paired differences with ``_row``, ``outcome``, ``diff``, ``ci_low``, ``ci_high`` (may be empty).
        row_labels: ``_row`` value -> label shown, in row order.
        outcomes: outcome keys, most important first.
        width: the most columns a line may take.
    """
    outs = [o for o in outcomes if o in set(summary["outcome"])]
    # One significant digit of the interval width: a terminal needs the reading, the report has the rest.
    # Negative: round to tens, hundreds, ... (unmet need 412,300 [401,100, 429,700] reads 410,000).
    dec = _terminal_decimals(summary, "mean")
    ddec = _terminal_decimals(diffs, "diff") if len(diffs) else {}

    def means(cols):
        rows = [["configuration", *[_short(o) for o in cols]]]
        for key, name in row_labels.items():
            cells = [name]
            for o in cols:
                r = summary[(summary["_row"] == key) & (summary["outcome"] == o)]
                cells.append(_rounded(float(r["mean"].iloc[0]), dec[o]) if len(r) else "")
            rows.append(cells)
        return _align(rows)

    def differences(cols):
        rows = [["difference to reference", *[_short(o) for o in cols]]]
        for key, name in row_labels.items():
            d = diffs[(diffs["_row"] == key)] if len(diffs) else diffs
            if d is None or not len(d):
                continue
            cells = [name]
            for o in cols:
                r = d[d["outcome"] == o]
                if not len(r):
                    cells.append("")
                    continue
                r = r.iloc[0]
                lo, hi = _rounded(r["ci_low"], ddec[o]), _rounded(r["ci_high"], ddec[o])
                sign = lambda x, t: (f"+{t}" if round(x, ddec[o]) > 0 else t)  # noqa: E731
                cells.append(f"{sign(r['diff'], _rounded(r['diff'], ddec[o]))} "
                             f"[{sign(r['ci_low'], lo)},{sign(r['ci_high'], hi)}]")
            rows.append(cells)
        return _align(rows) if len(rows) > 1 else ""

    def fitted(make):
        cols = list(outs)
        while True:
            text = make(cols)
            if max((len(line) for line in text.splitlines()), default=0) <= width or len(cols) <= 2:
                return text
            cols = cols[:-1]

    return fitted(means), fitted(differences)


def _terminal_decimals(df: pd.DataFrame, est: str) -> dict:
    """Per outcome, the decimals showing one significant digit of the widest-precision interval (may be negative)."""
    out = {}
    for o, g in df.groupby("outcome", sort=False):
        decs = []
        for _, r in g.iterrows():
            if not np.isfinite(r[est]):
                continue
            lo, hi = r["ci_low"], r["ci_high"]
            width = abs(hi - lo) if np.isfinite(lo) and np.isfinite(hi) else 0.0
            ref = width if width > 0 else abs(r[est]) / 100.0 if r[est] != 0 else 0.001
            decs.append(int(min(6, -math.floor(math.log10(ref)))))
        out[o] = max(decs) if decs else 2
    return out


def _rounded(x: float, dec: int) -> str:
    """``x`` rounded to ``dec`` decimals (negative: to tens, hundreds, ...)."""
    if not np.isfinite(x):
        return "n/a"
    return _num(round(float(x), dec), max(dec, 0))


def _align(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        out.append("  ".join([r[0].ljust(widths[0]), *[c.rjust(w) for c, w in zip(r[1:], widths[1:])]]).rstrip())
    return "\n".join(out)


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (``tabulate``)."""
    if df.empty:
        return "(no rows)"
    return df.to_markdown(index=False)
