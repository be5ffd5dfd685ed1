"""`capsim brief`: the one-page brief for donors, from a small comparison run here or from a sweep.

Without ``--from``, it runs the status quo and three donor packages (``experiments/advocacy/levers.py``:
Grand Bargain targets met; donor incentives for capacity sharing; the same plus fair pay and
local seats) on the same replicate seeds, 10 replicates of 10 years by default, and writes:

- ``--out`` (default ``brief.html``): one self-contained HTML page (``analysis/brief.py``);
- ``<out>_numbers.csv``: every paired difference behind the page, with its interval;
- with ``--pdf``: ``<out>.pdf``, printed by headless Chromium when it is installed (Debian's
  ``chromium``); there is no pure-Python route to a PDF that renders this page faithfully, so
  without a browser ``--pdf`` stops with a message saying what to install.

With ``--from <sweep_dir>`` it reads a sweep directory (see the sweep directory contract:
``sweep.json`` and ``dataset/*.parquet``) and compares each configuration with the sweep's
``reference``, paired on ``replicate``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from experiments.config import UsageError, fail, quiet_mesa
from experiments.advocacy.levers import PACKAGES, STATUS_QUO, package_params, world_text
from experiments.cli.plain_args import OptionParser, positive_float, positive_int, seed_number
from sim.params import ConfigError, Params

__all__ = ["main", "self_run", "from_sweep", "write_pdf", "find_browser", "DEFAULT_PACKAGES", "QUESTION"]

DEFAULT_PACKAGES = ("grand_bargain", "sharing_incentives", "sharing_fair_pay_seats")
QUESTION = "What would changing donors' funding rules do for people in a crisis?"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

ASSUMPTIONS = (
    "The country is made up, with the model's documented defaults (every number has a meaning, unit, range and "
    "source, most of them assumptions); the status quo is set to land near observed patterns (about 2% of "
    "funding direct to local actors, national staff over 90% of the workforce, expatriate pay about 4 times "
    "local pay).",
    "No regime or package is given an outcome bonus: differences come only from who is funded, who learns what "
    "from whom, for how long, and who decides.",
    "No empirical study has compared capacity building, strengthening and sharing quantitatively, so these "
    "results are exploratory: they show what follows from the model's rules, not a forecast.",
    "Intervals: 95% bootstrap intervals of the paired differences.",
)


def self_run(packages=DEFAULT_PACKAGES, replicates: int = 10, years: float = 10.0, seed: int = 0,
             jobs: int = 1, overrides=(), progress: bool = True):
    """Run the status quo and ``packages`` on the same seeds and return the brief's data.

    Args:
        packages: keys of ``experiments.advocacy.levers.PACKAGES`` compared with the status quo.
        replicates: paired replicates per package.
        years: horizon of each run.
        seed: base seed (replicate seeds from ``sim.rng.replicate_seeds``).
        jobs: worker processes.
        overrides: Hydra overrides applied to every package (e.g. ``world.n_areas=20``).
        progress: print what is being run.

    Raises:
        UsageError: an unknown package or a bad override.
    """
    from analysis.brief import BriefData
    from experiments.advocacy.paired import run_paired
    from sim.store import provenance
    from sim.rng import replicate_seeds

    quiet_mesa()
    extra = (f"years={years:g}", *overrides)
    names = [STATUS_QUO, *[p for p in packages if p != STATUS_QUO]]
    configs = {name: package_params(name, extra) for name in names}
    seeds = replicate_seeds(seed, replicates)
    if progress:
        print(f"capsim brief: running the status quo and {len(names) - 1} packages x {replicates} paired "
              f"replicates x {years:g} years = {len(names) * replicates} runs ({jobs} worker process"
              f"{'es' if jobs > 1 else ''}) ...", flush=True)
    t0 = time.perf_counter()
    tables = run_paired(configs, seeds, STATUS_QUO, n_jobs=jobs)
    elapsed = time.perf_counter() - t0
    cmd = "capsim brief " + " ".join([f"--replicates {replicates}", f"--years {years:g}", f"--seed {seed}",
                                      f"--packages {','.join(names[1:])}", *overrides])
    descriptions = {n: PACKAGES[n].summary for n in names}
    reasons = _reasons(names[1:])
    settings = {n: " ".join(["scenario=status_quo", *PACKAGES[n].overrides, f"years={years:g}", *overrides])
                for n in names}
    return BriefData(
        question=QUESTION, steps=tables.steps, shocks=tables.shocks, reference=STATUS_QUO,
        titles={n: PACKAGES[n].title for n in names}, descriptions=descriptions, years=years, seeds=seeds,
        world=world_text(configs[STATUS_QUO]),
        source=(f"Simulated for this brief: the status quo and {len(names) - 1} package"
                f"{'s' if len(names) > 2 else ''}, each in the same {replicates} crises of {years:g} years "
                f"({len(names) * replicates} simulations, {elapsed:.0f} seconds)"),
        provenance=provenance(), assumptions=list(ASSUMPTIONS), settings=settings, command=cmd, reasons=reasons)


def _reasons(packages) -> str:
    """Why need met moves under each package, from the lever table (``capsim levers``), or "" without it."""
    from experiments.advocacy.explain import brief_line, load_table

    try:
        table = load_table()
    except FileNotFoundError:
        return ""
    rows = table[(table["headline"] == "people_weeks_met") & table["move"].isin([f"package_{p}" for p in packages])]
    if rows.empty:
        return ""
    r0 = rows.iloc[0]
    lines = " ".join(brief_line(r) for r in rows.to_dict("records"))
    return (f"People with their needs met (people a week; {int(r0['replicates'])} runs of {r0['years']:g} years, "
            f"each mechanism switched off in turn): {lines} Core investment: flexible income organisations "
            "spend on their own systems instead of delivery; due diligence: direct grants only to the few local "
            "actors that pass it; the rule itself: what is left.")


def _label(factors: list[str], values) -> str:
    return "; ".join(f"{f}={_value_text(v)}" for f, v in zip(factors, values))


def _value_text(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def from_sweep(sweep_dir: str | Path, max_packages: int = 4):
    """The brief's data from a sweep directory (sweep.json + dataset/*.parquet, paired on ``replicate``).

    Args:
        sweep_dir: directory written by ``capsim sweep``.
        max_packages: most alternatives shown; with more, those that change need met the most
            (either way) are kept and the rest are listed as omitted.

    Raises:
        UsageError: not a sweep directory, no single reference configuration, missing columns.
    """
    from analysis.brief import BriefData
    from analysis.effects import paired_effects, per_run_measures

    d = Path(sweep_dir)
    if not d.is_dir():
        raise UsageError(f"--from {d}: no such directory; allowed: a directory written by `capsim sweep`")
    missing = [f for f in ("sweep.json", "dataset/steps.parquet", "dataset/shocks.parquet") if not (d / f).is_file()]
    if missing:
        raise UsageError(f"--from {d}: missing {', '.join(missing)}; allowed: a directory written by `capsim sweep` "
                         "(see the sweep directory contract)")
    meta = json.loads((d / "sweep.json").read_text())
    factors = list(meta.get("factors") or [])
    reference = meta.get("reference")
    if not factors:
        raise UsageError(f"--from {d}: sweep.json lists no factors; the brief compares configurations that differ")
    if not reference:
        raise UsageError(f"--from {d}: sweep.json has no reference configuration; allowed: a sweep with a "
                         "reference (e.g. reference: {{regime: baseline}})")
    steps = pd.read_parquet(d / "dataset" / "steps.parquet")
    shocks = pd.read_parquet(d / "dataset" / "shocks.parquet")
    for name, df in (("steps", steps), ("shocks", shocks)):
        lacking = [c for c in [*factors, "replicate"] if c not in df.columns]
        if lacking:
            raise UsageError(f"--from {d}: dataset/{name}.parquet lacks the column(s) {', '.join(lacking)}")
    unknown = [k for k in reference if k not in factors]
    if unknown:
        raise UsageError(f"--from {d}: reference names {unknown[0]!r}, which is not a factor; allowed: "
                         f"{', '.join(factors)}")
    for df in (steps, shocks):
        df["config"] = [_label(factors, vals) for vals in zip(*(df[f] for f in factors))] if len(df) else []
    ref_mask = pd.Series(True, index=steps.index)
    for k, v in reference.items():
        ref_mask &= steps[k] == v
    ref_labels = sorted(set(steps.loc[ref_mask, "config"]))
    if len(ref_labels) != 1:
        raise UsageError(f"--from {d}: the reference {reference} matches {len(ref_labels)} configurations; "
                         "allowed: a reference that names one configuration (give a value for every factor)")
    ref = ref_labels[0]
    labels = list(dict.fromkeys(steps["config"]))
    alts = [c for c in labels if c != ref]
    omitted = []
    if len(alts) > max_packages:
        per_run = per_run_measures(steps, shocks)
        eff = paired_effects(per_run, ref, measures=("people_weeks_met",))
        size = eff.set_index("config")["diff"].abs().sort_values(ascending=False)
        keep = [c for c in size.index if c in alts][:max_packages]
        omitted = [c for c in alts if c not in keep]
        alts = [c for c in alts if c in keep]
    order = [ref, *alts]
    steps = steps[steps["config"].isin(order)].copy()
    shocks = shocks[shocks["config"].isin(order)].copy()
    for df in (steps, shocks):
        df["config"] = pd.Categorical(df["config"], categories=order, ordered=True)
    cfg = meta.get("config") or {}
    years = float(cfg.get("years", (steps["step"].max() + 1) / Params.STEPS_PER_YEAR))
    seeds_by_rep = steps[steps["config"] == ref].groupby("replicate")["seed"].first()
    seeds = [int(seeds_by_rep.get(r, -1)) for r in range(int(steps["replicate"].max()) + 1)]
    try:
        world = world_text(Params.from_dict({"world": cfg["world"]})) if "world" in cfg else "the sweep's country"
    except ConfigError:
        world = "the sweep's country"
    titles = {ref: f"reference ({ref})", **{c: c for c in alts}}
    descriptions = {c: "the sweep's base configuration with " + c for c in order}
    source = (f"Sweep {d} (experiment {meta.get('experiment', '?')}, {meta.get('replicates', len(seeds))} "
              f"replicates, base seed {meta.get('base_seed', '?')})")
    return BriefData(question=meta.get("question") or QUESTION, steps=steps, shocks=shocks, reference=ref,
                     titles=titles, descriptions=descriptions, years=years, seeds=seeds, world=world, source=source,
                     provenance=meta.get("provenance") or {}, assumptions=list(ASSUMPTIONS), omitted=omitted)


def find_browser() -> str | None:
    """Path of a Chromium-family browser that can print to PDF, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def write_pdf(html_path: Path, pdf_path: Path, browser: str, timeout: float = 120.0) -> Path:
    """Print the HTML brief to PDF with headless Chromium (A4, no header or footer lines).

    Raises:
        RuntimeError: the browser failed or wrote no PDF.
    """
    pdf_path.unlink(missing_ok=True)
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
           f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{browser} did not finish printing the PDF within {timeout:g} s") from None
    if not pdf_path.is_file() or pdf_path.read_bytes()[:4] != b"%PDF":
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"{browser} wrote no PDF (exit code {proc.returncode}: {last})")
    return pdf_path


def _parser() -> OptionParser:
    p = OptionParser(prog="capsim brief", description="Write the one-page donor brief (HTML; PDF with --pdf).")
    p.add_argument("--out", default="brief.html", help="HTML file to write (default brief.html)")
    p.add_argument("--from", dest="sweep", default=None, metavar="SWEEP_DIR",
                   help="read a sweep directory instead of running the comparison here")
    p.add_argument("--packages", default=",".join(DEFAULT_PACKAGES),
                   help=f"packages compared with the status quo (default {','.join(DEFAULT_PACKAGES)}; "
                        f"allowed: {', '.join(k for k in PACKAGES if k != STATUS_QUO)})")
    p.add_argument("--replicates", type=positive_int("--replicates", 1000), default=10,
                   help="paired replicates per package (default 10)")
    p.add_argument("--years", type=positive_float("--years", 100.0), default=10.0, help="horizon in years (default 10)")
    p.add_argument("--seed", type=seed_number, default=0, help="base seed (default 0)")
    p.add_argument("--jobs", type=positive_int("--jobs", 256), default=None,
                   help="worker processes (default: all cores)")
    p.add_argument("--max-packages", type=positive_int("--max-packages", 4), default=4,
                   help="most configurations of a sweep shown next to its reference (default 4)")
    p.add_argument("--pdf", action="store_true", help="also print <out>.pdf with headless Chromium")
    p.add_argument("overrides", nargs="*", help="Hydra overrides for every run, e.g. world.n_areas=20")
    return p


def main(args: list[str]) -> int:
    """``capsim brief``: write the brief; returns the exit code."""
    from analysis.brief import MEASURE_LINES, measure_numbers, render_html, summary_numbers

    opts = _parser().parse_args(args)
    out = Path(opts.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out = {opts.out!r} is not an .html file; allowed: a path ending in .html")
    if out.exists() and out.is_dir():
        raise UsageError(f"--out = {opts.out!r} is a directory; allowed: a path ending in .html")
    browser = find_browser() if opts.pdf else None
    if opts.pdf and browser is None:
        fail("--pdf needs a headless browser and none was found; install Debian's chromium (apt-get install "
             "chromium) or leave out --pdf for the HTML brief", 1)
    if opts.sweep:
        if opts.overrides:
            raise UsageError("overrides apply to runs made here; with --from the runs come from the sweep")
        data = from_sweep(opts.sweep, opts.max_packages)
        n_alt = len(data.titles) - 1
        print(f"capsim brief: {n_alt} configuration{'s' if n_alt != 1 else ''} against {data.reference} from {opts.sweep}")
    else:
        packages = [p.strip() for p in opts.packages.split(",") if p.strip()]
        bad = [p for p in packages if p not in PACKAGES or p == STATUS_QUO]
        if bad or not packages:
            allowed = ", ".join(k for k in PACKAGES if k != STATUS_QUO)
            raise UsageError(f"--packages = {opts.packages!r}: {bad[0] if bad else 'none given'} is not a package; "
                             f"allowed: {allowed}")
        bad_ov = [o for o in opts.overrides if "=" not in o]
        if bad_ov:
            raise UsageError(f"{bad_ov[0]!r} is not an override; allowed: key=value (e.g. world.n_areas=20)")
        jobs = opts.jobs or max(1, os.cpu_count() or 1)
        data = self_run(packages, opts.replicates, opts.years, opts.seed, jobs, tuple(opts.overrides))
    page = render_html(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    numbers = out.with_name(out.stem + "_numbers.csv")
    summary_numbers(data).to_csv(numbers, index=False)
    sets = []
    for name in MEASURE_LINES:
        path = out.with_name(f"{out.stem}_{name}.csv")
        measure_numbers(data, name).to_csv(path, index=False)
        sets.append(str(path))
    print(f"capsim brief: wrote {out} ({len(page) / 1024:.0f} KiB, self-contained), {numbers}, {' and '.join(sets)}")
    if browser is not None:
        try:
            pdf = write_pdf(out, out.with_suffix(".pdf"), browser)
        except RuntimeError as e:
            fail(f"the PDF could not be printed: {e}; the HTML brief is at {out}", 1)
        print(f"capsim brief: wrote {pdf} (printed by {browser})")
    elif not opts.pdf:
        print("capsim brief: no PDF requested (--pdf prints one with headless Chromium when installed)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
