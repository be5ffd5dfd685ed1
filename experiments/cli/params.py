"""`capsim params`: the registries as tables, and the generated blocks of ``docs/ODD.md``.

The model description (``docs/ODD.md``) contains blocks that are generated from the code, never
written by hand, so the documentation cannot drift from the model:

* ``PARAMETERS`` - every parameter of ``sim/params.py`` (key, default, unit, allowed values,
  meaning, source);
* ``OUTCOMES`` - every recorded quantity of ``sim/outcomes.py`` (key, label, unit, range);
* ``REGIMES`` - the default rule set of each regime (``RegimesParams`` in ``sim/params.py``);
* ``PRESETS`` - the option files of every config group under ``configs/`` and what they set.

Each block sits between ``<!-- BEGIN NAME -->`` and ``<!-- END NAME -->`` lines. Commands::

    capsim params [filter ...]                 # the parameter registry, one line each
    capsim params --markdown [filter ...]      # the same as a Markdown table
    capsim params --write-odd docs/ODD.md      # regenerate the blocks in place
    capsim params --check-odd docs/ODD.md      # exit 1 if a block is out of date
    python -m experiments.cli.params --write-odd docs/ODD.md   # the same, without the CLI
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import sys
from pathlib import Path

from experiments.config import CONFIG_DIR, UsageError, fail
from sim.outcomes import (AREA_COLUMNS, CAPACITY_MAP_COLUMNS, DOCKING_COLUMNS, RUN_RESPONSE_OUTCOMES, SHOCK_COLUMNS,
                          STEP_OUTCOMES)
from sim.params import REGIME_NAMES, Params, RegimeRules, spec_rows

__all__ = [
    "BLOCKS",
    "DocsError",
    "markdown_table",
    "outcome_table",
    "regime_table",
    "presets_table",
    "generated_blocks",
    "replace_block",
    "read_block",
    "render_odd",
    "stale_blocks",
    "write_odd",
    "print_params",
    "main",
]

BLOCKS = ("PARAMETERS", "OUTCOMES", "REGIMES", "PRESETS")
GENERATOR = "python -m experiments.cli.params --write-odd docs/ODD.md"
PRESET_GROUPS = ("scenario", "regime", "funding", "turnover", "governance", "crisis")


class DocsError(Exception):
    """A documentation file lacks a generated block's markers, or has them twice or out of order."""


# --------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------


def _fmt(value) -> str:
    """A value as a user writes it in an override (YAML spelling: true, null, 0.25, 1e+08)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e7:
            return f"{value:.1f}"
        short = f"{value:.6g}"
        return short if float(short) == value else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _cell(text) -> str:
    """Text safe inside a Markdown table cell (no pipes breaking columns, no line breaks)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _note(source: str) -> str:
    return f"<!-- generated from {source} by `{GENERATOR}`; do not edit by hand -->"


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def markdown_table(rows: list[dict] | None = None) -> str:
    """The parameter registry as a Markdown table.

    Args:
        rows: rows of :func:`sim.params.spec_rows` (default: all parameters).
    """
    rows = rows if rows is not None else spec_rows()
    body = [[f"`{r['key']}`", _fmt(r["default"]), r["unit"], r["allowed"], r["meaning"], r["source"]] for r in rows]
    return _table(["key", "default", "unit", "allowed", "meaning", "source"], body)


def outcome_table() -> str:
    """The outcome registry as a Markdown table (step outcomes, shock columns, run summaries of the shocks, area columns)."""
    body = []
    for table, outcomes in (("steps", STEP_OUTCOMES), ("shocks", SHOCK_COLUMNS), ("runs", RUN_RESPONSE_OUTCOMES),
                            ("areas", AREA_COLUMNS),
                            ("capacity", CAPACITY_MAP_COLUMNS), ("docking", DOCKING_COLUMNS)):
        for o in outcomes:
            if o.lo is not None and o.hi is not None:
                rng = f"{_fmt(o.lo)} .. {_fmt(o.hi)}"
            elif o.lo is not None:
                rng = f">= {_fmt(o.lo)}"
            else:
                rng = "unbounded" if o.hi is None else f"<= {_fmt(o.hi)}"
            body.append([f"`{o.key}`", table, o.label, o.unit, rng, o.better or "", o.description])
    return _table(["key", "table", "label", "unit", "range", "better", "description"], body)


def regime_table() -> str:
    """Default rule set of each regime, one row per rule (``RegimeRules`` field)."""
    regimes = Params().regimes
    body = []
    for f in dataclasses.fields(RegimeRules):
        spec = f.metadata["spec"]
        unit = "" if spec.unit == "-" else f" ({spec.unit})"
        body.append([f"`{f.name}`"] + [_fmt(getattr(regimes.get(r), f.name)) for r in REGIME_NAMES]
                    + [spec.meaning + unit])
    return _table(["rule"] + list(REGIME_NAMES) + ["meaning"], body)


def _flatten(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for k, v in data.items():
        if isinstance(v, dict):
            out += _flatten(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", v))
    return out


def presets_table(config_dir: str | os.PathLike = CONFIG_DIR) -> str:
    """Every option file of the config groups: its description and the parameters it sets.

    Args:
        config_dir: the Hydra config directory (default: the project's ``configs/``).
    """
    from omegaconf import OmegaConf

    body = []
    for group in PRESET_GROUPS:
        for path in sorted((Path(config_dir) / group).glob("*.yaml")):
            lines = path.read_text().splitlines()
            header = []  # the file's leading comment block only, not comments further down
            for ln in lines:
                if not ln.startswith("#"):
                    break
                header.append(ln)
            comment = [ln.lstrip("#").strip() for ln in header if "@package" not in ln]
            data = OmegaConf.to_container(OmegaConf.load(path)) or {}
            global_pkg = any("@package _global_" in ln for ln in lines)
            prefix = "" if global_pkg else f"{group}."
            sets = ", ".join(f"`{prefix}{k}={_fmt(v)}`" for k, v in _flatten(data))
            body.append([f"`{group}={path.stem}`", " ".join(comment), sets or "(registry defaults)"])
    return _table(["option", "what it is", "sets"], body)


def generated_blocks() -> dict[str, str]:
    """The content of every generated block of ``docs/ODD.md``, by block name."""
    return {
        "PARAMETERS": _note("sim/params.py") + "\n\n" + markdown_table(),
        "OUTCOMES": _note("sim/outcomes.py") + "\n\n" + outcome_table(),
        "REGIMES": _note("sim/params.py (RegimesParams)") + "\n\n" + regime_table(),
        "PRESETS": _note("configs/") + "\n\n" + presets_table(),
    }


# --------------------------------------------------------------------------------------
# Blocks in a document
# --------------------------------------------------------------------------------------


def _marker_lines(lines: list[str], name: str) -> tuple[int, int]:
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    b = [i for i, ln in enumerate(lines) if ln.strip() == begin]
    e = [i for i, ln in enumerate(lines) if ln.strip() == end]
    if len(b) != 1 or len(e) != 1:
        raise DocsError(f"block {name}: found {len(b)} '{begin}' and {len(e)} '{end}' lines; allowed: exactly one each")
    if b[0] > e[0]:
        raise DocsError(f"block {name}: '{end}' comes before '{begin}'; allowed: BEGIN first")
    return b[0], e[0]


def read_block(text: str, name: str) -> str:
    """The text between a block's markers (without the marker lines and surrounding blank lines).

    Raises:
        DocsError: the markers are missing, duplicated or out of order.
    """
    lines = text.splitlines()
    b, e = _marker_lines(lines, name)
    return "\n".join(lines[b + 1 : e]).strip("\n")


def replace_block(text: str, name: str, content: str) -> str:
    """``text`` with the block ``name`` replaced by ``content``; everything else unchanged.

    Raises:
        DocsError: the markers are missing, duplicated or out of order.
    """
    lines = text.splitlines(keepends=True)
    b, e = _marker_lines([ln.rstrip("\r\n") for ln in lines], name)
    return "".join(lines[: b + 1]) + "\n" + content.strip("\n") + "\n\n" + "".join(lines[e:])


def render_odd(text: str, blocks: dict[str, str] | None = None) -> str:
    """``text`` with every generated block brought up to date."""
    blocks = blocks if blocks is not None else generated_blocks()
    for name, content in blocks.items():
        text = replace_block(text, name, content)
    return text


def stale_blocks(text: str, blocks: dict[str, str] | None = None) -> list[str]:
    """Names of the generated blocks whose text differs from what the code generates now."""
    blocks = blocks if blocks is not None else generated_blocks()
    return [name for name, content in blocks.items() if read_block(text, name) != content.strip("\n")]


def _read_doc(path: str | os.PathLike) -> str:
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{path}: no such file; allowed: the path of the model description (e.g. docs/ODD.md)")
    return p.read_text(encoding="utf-8")


def write_odd(path: str | os.PathLike) -> list[str]:
    """Regenerate the blocks of the document at ``path`` in place; returns the blocks that changed.

    Args:
        path: the Markdown file holding the block markers (``docs/ODD.md``).
    """
    text = _read_doc(path)
    changed = stale_blocks(text)
    if changed:
        tmp = Path(f"{path}.tmp-{os.getpid()}")
        tmp.write_text(render_odd(text), encoding="utf-8")
        os.replace(tmp, path)
    return changed


# --------------------------------------------------------------------------------------
# Command
# --------------------------------------------------------------------------------------

_FLAGS = ("--markdown", "--write-odd", "--check-odd")


def _filter_rows(filters: list[str]) -> list[dict]:
    rows = spec_rows()
    if not filters:
        return rows
    chosen = [r for r in rows if any(f in r["key"] for f in filters)]
    if not chosen:
        words = sorted({part for r in rows for part in r["key"].split(".")})
        hint = difflib.get_close_matches(filters[0], words, n=1)
        did = f" (did you mean {hint[0]}?)" if hint else ""
        raise UsageError(f"no parameter key contains {' or '.join(map(repr, filters))}{did}; "
                         "allowed: part of a key such as funding or multi_year_share")
    return chosen


def print_params(args: list[str]) -> int:
    """`capsim params`: print the registry, or write/check the generated blocks of the ODD.

    Args:
        args: filters (parts of parameter keys) and the flags ``--markdown``,
            ``--write-odd PATH`` or ``--check-odd PATH``.

    Returns:
        0 on success; 1 if ``--check-odd`` finds a block out of date.
    """
    if args[:1] in (["--help"], ["-h"]):
        print("usage: capsim params [PART ...] [--markdown] [--write-odd PATH | --check-odd PATH]\n\n"
              "Print the parameter registry (key, default, unit, allowed range, meaning, source), or only the\n"
              "parameters whose key contains a PART (e.g. capsim params funding). --markdown prints a Markdown\n"
              "table; --write-odd / --check-odd write or check the generated blocks of docs/ODD.md.")
        return 0
    filters, markdown, doc, mode = [], False, None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--write-odd", "--check-odd"):
            if mode:
                raise UsageError(f"{a} given after {mode}; allowed: one of --write-odd, --check-odd")
            if i + 1 >= len(args) or args[i + 1].startswith("-"):
                raise UsageError(f"{a} needs a path; allowed: {a} docs/ODD.md")
            mode, doc = a, args[i + 1]
            i += 2
            continue
        if a == "--markdown":
            markdown = True
        elif a.startswith("-"):
            close = difflib.get_close_matches(a, _FLAGS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(f"unknown option {a!r}{hint}; allowed: {', '.join(_FLAGS)} or parts of parameter keys")
        else:
            filters.append(a)
        i += 1

    if mode:
        if filters or markdown:
            raise UsageError(f"{mode} takes only a path; allowed: {mode} docs/ODD.md")
        try:
            if mode == "--write-odd":
                changed = write_odd(doc)
                print(f"{doc}: regenerated {', '.join(changed)}" if changed else f"{doc}: generated blocks up to date")
                return 0
            stale = stale_blocks(_read_doc(doc))
        except DocsError as e:
            fail(f"{doc}: {e}", 1)
        if stale:
            fail(f"{doc}: generated blocks out of date: {', '.join(stale)}; run `{GENERATOR}`", 1)
        print(f"{doc}: generated blocks up to date ({', '.join(BLOCKS)})")
        return 0

    rows = _filter_rows(filters)
    if markdown:
        print(markdown_table(rows))
        return 0
    for r in rows:
        print(f"{r['key']:<48} {_fmt(r['default']):>12}  {r['unit']:<18} {r['allowed']:<28} {r['meaning']}  [{r['source']}]")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.cli.params``: the same as ``capsim params``, with its error handling."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return print_params(argv)
    except UsageError as e:
        if os.environ.get("CAPSIM_DEBUG"):
            raise
        fail(str(e), 2)


if __name__ == "__main__":
    raise SystemExit(main())
