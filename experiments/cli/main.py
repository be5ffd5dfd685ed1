"""The `capsim` command: one subcommand per job, Hydra overrides and flags passed through.

Each command is one line of ``COMMANDS``: its help text, the function that runs it
(``module:function``), and whether it is a Hydra app (then overrides are checked first and
Hydra's flags such as ``--cfg job``, ``--help``, ``-m`` and ``hydra.run.dir=...`` pass through)
or a plain command that receives its arguments as a list.

``capsim --version`` prints the version to cite (``pyproject.toml``; ``CITATION.cff``).

Bad input (unknown keys, wrong types, out-of-range values, unknown options) is reported in
one line on stderr with exit code 2 before anything runs; set CAPSIM_DEBUG=1 for tracebacks.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys

from experiments.config import RuntimeFailure, UsageError, fail, precheck, split_hydra_args

# name: (help, "module:function", is_hydra_app)
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "run": ("run one simulation; writes Parquet tables and metadata.json (e.g. capsim run regime=sharing seed=7)",
            "experiments.cli.run:main", True),
    "compare": ("the main job: every regime x N paired replicates; prints a table, writes the runs and a report",
                "experiments.cli.compare:main", True),
    "bench": ("benchmark speed and memory against Mesa's BoltzmannWealth; prints a table, writes JSON",
              "experiments.bench.bench:main", False),
    "dock": ("docking: re-run March 1991 or Cowan & Jonard 2004 beside published data", "experiments.docking.dock:main", False),
    "report": ("tables, figures and a self-contained HTML page for a sweep directory (capsim report <sweep_dir>)",
               "experiments.cli.report:main", False),
    "calibrate": ("search uncertainties for sets meeting all status-quo patterns; validate the preset (docs/validation.md)",
                  "experiments.studies.calibrate:cli", False),
    "sensitivity": ("Morris screening of all levers and uncertainties, then Sobol indices of the top ones (SALib)",
                    "experiments.studies.sensitivity:cli", False),
    "discover": ("scenario discovery (PRIM): when sharing does not beat building on coverage, and when it beats it most",
                 "experiments.studies.discover:cli", False),
    "sweep": ("run an experiment (configs/experiment/) as a resumable parallel sweep (e.g. capsim sweep experiment=regime_comparison)",
              "experiments.sweeps.sweep:main", False),
    "collect": ("merge a sweep's runs into manifest.csv and one Parquet dataset (capsim collect <sweep_dir>)",
                "experiments.sweeps.collect:main", False),
    "findings": ("recompute the headline conclusions at reduced size and hold them against docs/findings_baseline.json "
                 "(--update to rewrite it)", "experiments.cli.findings:main", False),
    "params": ("print the parameter registry (key, default, unit, allowed range, meaning, source)",
               "experiments.cli.params:print_params", False),
    "data": ("check a folder of HXL country data, or export the synthetic country as HXL (capsim data --help)", "experiments.cli.data:main", False),
    "dashboard": ("serve the donor-incentives page on 127.0.0.1 (--host, --port)", "experiments.advocacy.server:main", False),
    "levers": ("measure what each lever and package does to every headline and why (writes "
               "experiments/advocacy/lever_effects.csv and the docs/dashboard.md lever table)",
               "experiments.advocacy.explain:main", False),
    "standin": ("re-fit the donor page's stand-in (estimates shown until the simulation's result arrives) and "
                "measure its error (writes experiments/advocacy/standin.json)", "experiments.advocacy.standin:main", False),
    "brief": ("write the one-page donor brief (--out brief.html, --from SWEEP_DIR)", "experiments.advocacy.brief:main", False),
    "docs": ("serve the documentation site on 127.0.0.1:8000 (guides, tutorials, API); --build DIR writes it",
             "experiments.cli.docs:main", False),
}

HELP_FLAGS = ("--help", "-h", "--hydra-help", "--info", "-i", "--shell-completion", "-sc")


def usage() -> str:
    lines = ["usage: capsim <command> [hydra overrides and flags]", "       capsim --version", "", "commands:"]
    lines += [f"  {k:<10} {v[0]}" for k, v in COMMANDS.items()]
    lines += ["", "examples:", "  capsim run regime=sharing funding.multi_year_share=0.6 seed=7",
              "  capsim compare compare.replicates=10 years=5", "  capsim run --cfg job", "",
              "See `capsim <command> --help` for Hydra's options and the config groups."]
    return "\n".join(lines)


def _load(target: str):
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def _hydra_entry(func, argv: list[str], prog: str) -> int:
    overrides, flags = split_hydra_args(argv)
    if not any(f in HELP_FLAGS for f in flags):
        precheck(overrides, sweep=("-m" in flags or "--multirun" in flags), flags=flags)
    sys.argv = [prog, *argv]
    func()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if argv[0] in ("--version", "-V"):
        from sim.store import version  # the results format owns provenance; loaded only here (pandas)

        print(f"capsim {version()}")  # the version to cite (CITATION.cff, CHANGELOG.md)
        return 0
    cmd, rest = argv[0], argv[1:]
    debug = bool(os.environ.get("CAPSIM_DEBUG"))
    try:
        if cmd not in COMMANDS:
            close = difflib.get_close_matches(cmd, list(COMMANDS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            fail(f"unknown command {cmd!r}{hint}; allowed: {', '.join(COMMANDS)}")
        _help, target, is_hydra = COMMANDS[cmd]
        func = _load(target)
        if is_hydra:
            return _hydra_entry(func, rest, f"capsim-{cmd}")
        result = func(rest)
        return int(result or 0)
    except UsageError as e:
        if debug:
            raise
        fail(str(e), 2)
    except RuntimeFailure as e:
        if debug:
            raise
        fail(str(e), 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
