"""The `capsim` command: one subcommand per job, Hydra overrides and flags passed through.

    capsim run [overrides]        one simulation; Parquet tables and metadata.json
    capsim compare [overrides]    the main job: every regime x replicates, table and figure
    capsim params                 the parameter registry: key, default, unit, range, source

Bad input (unknown keys, wrong types, out-of-range values, unknown options) is reported in
one line on stderr with exit code 2 before anything runs; set CAPSIM_DEBUG=1 for tracebacks.
"""

from __future__ import annotations

import os
import sys

from experiments.config import UsageError, fail, precheck, split_hydra_args

COMMANDS = {
    "run": "run one simulation; writes Parquet tables and metadata.json (e.g. capsim run regime=sharing seed=7)",
    "compare": "the main job: every regime x N paired replicates; prints and writes a table and a figure",
    "params": "print the parameter registry (key, default, unit, allowed range, meaning, source)",
}

USAGE = "usage: capsim <command> [hydra overrides and flags]\n\ncommands:\n" + "\n".join(
    f"  {k:<10} {v}" for k, v in COMMANDS.items()) + (
    "\n\nexamples:\n  capsim run regime=sharing funding.multi_year_share=0.6 seed=7\n"
    "  capsim compare compare.replicates=10 years=5\n  capsim run --cfg job\n"
    "\nSee `capsim <command> --help` for Hydra's options and the config groups.")


def _hydra_entry(module_main, argv: list[str], prog: str) -> int:
    overrides, flags = split_hydra_args(argv)
    help_only = any(f in ("--help", "-h", "--hydra-help", "--info", "-i", "--shell-completion", "-sc") for f in flags)
    if not help_only:
        precheck(overrides)
    sys.argv = [prog, *argv]
    module_main()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    cmd, rest = argv[0], argv[1:]
    debug = bool(os.environ.get("CAPSIM_DEBUG"))
    try:
        if cmd == "run":
            from experiments import run

            return _hydra_entry(run.main, rest, "capsim-run")
        if cmd == "compare":
            from experiments import compare

            return _hydra_entry(compare.main, rest, "capsim-compare")
        if cmd == "params":
            from experiments.paramtable import print_params

            print_params(rest)
            return 0
        import difflib

        close = difflib.get_close_matches(cmd, list(COMMANDS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        fail(f"unknown command {cmd!r}{hint}; allowed: {', '.join(COMMANDS)}")
    except UsageError as e:
        if debug:
            raise
        fail(str(e), 2)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
