"""`capsim report <sweep_dir>`: tables, figures and a self-contained HTML page next to the data.

Usage::

    capsim report <sweep_dir> [--window last:1] [--window after_shock:1] [--outcomes coverage,brain_drain]
                  [--size column|page|slide] [--formats png,svg] [--out DIR] [--seed 0] [--n-boot 4000] [--jobs N]

``<sweep_dir>`` is a directory written by ``capsim sweep`` (or ``capsim compare``), or a run
directory written by ``capsim run``. Everything is written to ``<sweep_dir>/report/`` unless
``--out`` says otherwise (see :mod:`analysis.report` for the files).
"""

from __future__ import annotations

import argparse
import os
import sys

from experiments.config import UsageError, fail

__all__ = ["main", "parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit code 2 (via UsageError in experiments.cli.main)
        raise UsageError(message)


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``capsim report``."""
    p = _Parser(prog="capsim report", description="Write tables, figures and an HTML page for a sweep directory.")
    p.add_argument("sweep_dir", help="sweep directory (sweep.json + dataset/) or run directory")
    p.add_argument("--window", action="append", default=None,
                   help="analysis window, repeatable: last:<years>, years:<from>-<to>, after_shock:<years>, all "
                        "(default: last:<window_years of the sweep> and after_shock:1 when possible)")
    p.add_argument("--outcomes", default=None, help="comma-separated outcome keys (default: the main outcomes)")
    p.add_argument("--size", default="page", help="figure size: column, page or slide (default page)")
    p.add_argument("--formats", default="png,svg", help="figure formats: png plus svg and/or pdf (default png,svg)")
    p.add_argument("--out", default=None, help="output directory (default <sweep_dir>/report)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--n-boot", type=int, default=None, help="bootstrap resamples (default 4000)")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes for the bootstraps and the figures (default: every core; 1: this one)")
    return p


def main(argv: list[str]) -> int:
    """Run ``capsim report`` with its arguments; returns the exit code.

    Args:
        argv: the arguments after ``report``.
    """
    from analysis.dataset import ResultsError
    from analysis.report import build_report
    from analysis.stats import N_BOOT
    from analysis.windows import Window
    from experiments.runner import Runner

    if any(a in ("-h", "--help") for a in argv):
        parser().print_help()
        return 0
    args = parser().parse_args(argv)
    try:
        windows = [Window.parse(w) for w in args.window] if args.window else None
    except ValueError as e:
        raise UsageError(str(e)) from None
    outcomes = [o.strip() for o in args.outcomes.split(",") if o.strip()] if args.outcomes else None
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    n_boot = N_BOOT if args.n_boot is None else args.n_boot
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs} is too small; allowed: at least 1")
    try:
        # Workers (started on first use) bootstrap the time series and render the figures while this
        # process computes and draws the rest: the same tables and pictures as with --jobs 1.
        with Runner(args.jobs) as runner:
            rep = build_report(args.sweep_dir, out_dir=args.out, windows=windows, outcomes=outcomes, size=args.size,
                               seed=args.seed, n_boot=n_boot, formats=formats,
                               submit=runner.offload)
    except (ResultsError, ValueError, KeyError) as e:
        if os.environ.get("CAPSIM_DEBUG"):
            raise
        raise UsageError(str(e).strip("'\"")) from None
    except Exception as e:  # runtime failure: one line, exit 1
        if os.environ.get("CAPSIM_DEBUG"):
            raise
        fail(f"report failed: {type(e).__name__}: {e}", 1)
    print_summary(rep, file=sys.stdout)
    return 0


def print_summary(rep, file=sys.stdout) -> None:
    """Print the main numbers and where the report is.

    With at most five configurations: one row per outcome, one column per configuration and per
    paired difference. With more: one row per configuration for the primary outcome.

    Args:
        rep: a finished :class:`analysis.report.Report`.
        file: where to print.
    """
    from analysis import tables
    from analysis.html import config_name
    from sim.outcomes import MAIN_OUTCOMES, label

    main = rep.main
    d = rep.data
    print(f"capsim report: {d.experiment} ({len(d.runs)} runs, {d.n_replicates} replicates per configuration)",
          file=file)
    if d.question:
        print(f"  question: {d.question}", file=file)
    print(f"  main window: {main.window.describe()}", file=file)
    cols = d.varying or rep.config_cols
    sm = main.summary.assign(configuration=[config_name(r, cols) for _, r in main.summary.iterrows()])
    df = main.diffs
    if len(df):
        df = df.assign(configuration=[config_name(r, cols) for _, r in df.iterrows()])
    if sm["configuration"].nunique() <= 5:
        outs = [o for o in dict.fromkeys([d.primary_outcome, *MAIN_OUTCOMES, "response_time"]) if o in rep.outcomes]
        table = tables.outcome_rows_table(sm, df, "configuration", outs)
    else:
        o = d.primary_outcome
        table = tables.summary_table(sm, ["configuration"], [o]).drop(columns=["n replicates"], errors="ignore")
        if len(df):
            dt = tables.differences_table(df, ["configuration"], [o])
            table = table.merge(dt[[c for c in dt.columns if c not in ("reference", "n pairs")]].rename(
                columns={label(o): f"difference to {df['reference'].iloc[0]}"}), how="left",
                on=table.columns[0]).fillna("reference")
    print(table.to_string(index=False), file=file)
    print(f"\n  {len(rep.figures)} figures, {len(rep.written)} files in {rep.out_dir} "
          f"(open {rep.out_dir / 'index.html'}) in {rep.elapsed:.1f}s", file=file)
