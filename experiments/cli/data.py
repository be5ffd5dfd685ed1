"""Starting from a real country: load its HXL data, fit the parameters to it, report what came from where.

``capsim run scenario=from_data data.dir=<folder>`` (and ``compare``; any scenario takes a
``data.dir``) reads the folder's HXL files (``sim/hxl_io.py``, formats in ``docs/data.md``)
into a validated :class:`~sim.country.CountryData` and runs the model from it. Every command
that runs the model from a composed config calls :func:`setup` in place of
``params_from_cfg``::

    s = setup(cfg)                     # DataSetup(params, country, report, data_dir)
    result = run(s.params, s.country)  # country is None without data.dir

**capsim sweep must do the same** for each configuration it runs (pass ``s.country`` to the
workers with the parameters). :func:`load_country` alone gives the data (or None).

How data and configuration combine is ``sim/country_params.py`` (:func:`country_params`: structure
from the data, funding from the data unless a lever is set, the rest from the parameters). The
run prints which quantities came from data, which from assumptions and which from the config, and
``metadata.json`` records the same under ``data``.

Bad data ends in one line naming the file, the row or column and what was expected
(:class:`~experiments.config.UsageError`, exit code 2); nothing runs on half-read data.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from experiments.config import CONFIG_DIR, UsageError, params_from_cfg
from sim.country import CountryData
from sim.country_params import SOURCES, country_params
from sim.hxl_io import NEEDS, WHO_WHAT_WHERE, DataError, read_country, write_country
from sim.params import ConfigError, Params

__all__ = ["DataSetup", "setup", "load_country", "resolve_data_dir", "report_lines",
           "data_metadata", "reached_check_line", "chain_start_line", "main"]



@dataclass
class DataSetup:
    """What a job needs to run: parameters, the country (None: synthetic) and the data report."""

    params: Params
    country: CountryData | None = None
    report: list[dict] = dataclasses.field(default_factory=list)
    data_dir: Path | None = None


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def resolve_data_dir(value: str | os.PathLike) -> Path:
    """The folder ``data.dir`` names: absolute, else relative to the working directory,
    else relative to capsim's ``configs/`` (so ``data/example`` works from anywhere).

    Raises:
        UsageError: the folder does not exist.
    """
    text = str(value)
    p = Path(text).expanduser()
    if p.is_absolute():
        if p.is_dir():
            return p
        raise UsageError(f"data.dir = {text!r}: no such folder; expected a folder with {NEEDS} and {WHO_WHAT_WHERE}")
    for base in (Path.cwd(), Path(CONFIG_DIR)):
        if (base / p).is_dir():
            return (base / p).resolve()
    raise UsageError(f"data.dir = {text!r}: no such folder (looked in ./{text} and {Path(CONFIG_DIR) / text}); "
                     f"expected a folder with {NEEDS} and {WHO_WHAT_WHERE}")


def load_country(cfg: DictConfig | dict) -> CountryData | None:
    """The country in the config's ``data.dir``, read and validated; None if ``data.dir`` is null.

    Raises:
        UsageError: one line naming the file, the row or column and what was expected.
    """
    value = _data_key(cfg, "dir")
    if value is None or str(value).strip() == "":
        return None
    return _read(resolve_data_dir(value), _data_key(cfg, "sheet"))


def _data_key(cfg: DictConfig | dict, key: str):
    if isinstance(cfg, DictConfig):
        return OmegaConf.select(cfg, f"data.{key}", default=None)
    return (cfg.get("data") or {}).get(key)


def _read(path: Path, sheet: str | None = None) -> CountryData:
    try:
        return read_country(path, sheet=None if sheet is None else str(sheet))
    except DataError as e:
        raise UsageError(f"data: {e}") from None


def setup(cfg: DictConfig | dict) -> DataSetup:
    """Parameters from the config, fitted to the country in ``data.dir`` if there is one.

    Raises:
        UsageError: bad parameters or bad data, in one line.
    """
    try:
        params = params_from_cfg(cfg)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    country = load_country(cfg)
    if country is None:
        return DataSetup(params)
    value = OmegaConf.select(cfg, "data.dir") if isinstance(cfg, DictConfig) else cfg["data"]["dir"]
    try:
        fitted, report = country_params(params, country)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    return DataSetup(fitted, country, report, resolve_data_dir(value))


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


def report_lines(s: DataSetup) -> list[str]:
    """The data report as printed lines: from data, from assumptions, from the config."""
    if s.country is None:
        return []
    c = s.country
    lines = [f"data: {s.data_dir} ({c.name}; files: {', '.join(c.sources)}; areas at admin level {c.admin_level})"]
    titles = {"data": "from data", "assumption": "from assumptions (parameter defaults; `capsim params`)",
              "config": "from the config"}
    for src in SOURCES:
        rows = [r for r in s.report if r["source"] == src]
        if rows:
            lines.append(f"  {titles[src]}:")
            lines += [f"    {r['quantity']:<44} {r['detail']}" for r in rows]
    return lines


def data_metadata(s: DataSetup) -> dict | None:
    """The ``data`` block of ``metadata.json``: folder, files (sha256) and the report by source."""
    if s.country is None:
        return None
    return {
        "dir": str(s.data_dir),
        "name": s.country.name,
        "fingerprint": s.country.fingerprint(),
        "files": s.country.sources,
        "admin_level": s.country.admin_level,
        "reported": s.country.reported_block(),
        "funding_chain": None if s.country.chain is None else s.country.chain.to_frame().to_dict("records"),
        **{f"from_{src if src != 'assumption' else 'assumptions'}": [r for r in s.report if r["source"] == src]
           for src in SOURCES},
    }


def chain_start_line(block: dict) -> str:
    """What the run did with the data's funding chain at the start, in one line (``metadata.json``
    ``funding_start``, ``sim.country.chain_at_start``)."""

    def top(shares: dict[str, float], total: float) -> str:
        return ", ".join(f"{name} {v / total:.0%}" for name, v in shares.items()) if total > 0 else "nobody"

    un = block["un_split"]
    pool = block["pooled_fund_first_round_usd"]
    total = sum(pool.values())
    weeks = block["pooled_fund_grant_weeks"]
    return (f"funding chain at the start: UN agencies pass funding.un_to_ingo_share = {block['un_to_ingo_share']:.4g} "
            f"of their grant income to {top(un, sum(un.values()))} (split by {block['un_split_by']}); the pooled "
            f"fund's first round, {total:,.0f} USD over {weeks} weeks, to {top(pool, total)} (by "
            f"{block['pooled_fund_first_round_by']})")


def reached_check_line(s: DataSetup, areas=None) -> str:
    """The country's own check in one line: the run's first year against the 3W's people reached.

    Args:
        s: the setup (country with ``#reached``).
        areas: the run's areas table; None runs the first year here (``capsim data check``).
    """
    from analysis.report import reached_check, reached_summary, reached_summary_line

    if areas is None:
        import time

        from sim.results import run

        t0 = time.perf_counter()
        areas = run(s.params.replace(years=1.0), s.country, capacity_map=False).areas
        took = f" (one year run, seed {s.params.seed}, {time.perf_counter() - t0:.1f}s)"
    else:
        took = ""
    table = reached_check(areas, s.country.reported_block())
    return reached_summary_line(reached_summary(table), s.country.admin_level) + took


# --------------------------------------------------------------------------------------
# `capsim data`
# --------------------------------------------------------------------------------------

USAGE = """usage: capsim data check DIR [overrides]    read and validate a folder of HXL data; print what the run would use
                                            (and, with #reached, the country's own check on a one-year run)
       capsim data export DIR [overrides]   write the synthetic country (with any overrides) as HXL files into DIR

Formats and how to export a country's 3W from its data portal: docs/data.md"""


def main(args: list[str]) -> int:
    """``capsim data check|export DIR [overrides]``.

    Args:
        args: the command-line arguments after ``data``.
    """
    from experiments.config import precheck

    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    action, rest = args[0], args[1:]
    if action not in ("check", "export"):
        raise UsageError(f"capsim data {action}: unknown action; allowed: check, export")
    if not rest or "=" in rest[0]:
        raise UsageError(f"capsim data {action}: missing folder; expected capsim data {action} DIR [overrides]")
    folder, overrides = rest[0], rest[1:]
    cfg = precheck(overrides)
    if action == "check":
        path = resolve_data_dir(folder)
        country = _read(path, _data_key(cfg, "sheet"))
        try:
            params, report = country_params(params_from_cfg(cfg), country)
        except ConfigError as e:
            raise UsageError(str(e)) from None
        s = DataSetup(params, country, report, path)
        print("\n".join(report_lines(s)))
        print(f"ok: {country.n_areas} areas at admin level {country.admin_level}, {country.n_sectors} sectors, "
              f"{country.n_orgs} organisations, {country.need.sum():,.0f} people in need")
        from sim.country import chain_at_start
        from sim.model import CapacityModel

        print(chain_start_line(chain_at_start(CapacityModel(params, country))))
        if country.reported_reached is not None:
            print(reached_check_line(s))
        return 0
    from sim.model import CapacityModel

    params = params_from_cfg(cfg)
    country = CountryData.from_model(CapacityModel(params))
    paths = write_country(country, folder)
    print(f"wrote the synthetic country (seed {params.seed}: {country.n_areas} areas, {country.n_orgs} organisations) "
          f"to {', '.join(str(p) for p in paths)}")
    return 0
