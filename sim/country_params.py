"""Parameters that describe a country from data, and the report of where each quantity came from.

How data and configuration combine (:func:`country_params`):

* the country's **structure** comes from the data: ``world.n_areas``, ``world.n_sectors``,
  the organisation counts by kind, ``world.n_staff`` (if the data gives staff) and enough
  ``world.max_presence_areas`` for the widest organisation. A value set in the config that
  contradicts the data is refused;
* **funding** in ``funding.csv`` gives ``funding.direct_local_share`` and
  ``funding.annual_budget``, unless the config sets them away from their registry defaults
  (a lever chosen, e.g. ``funding=grand_bargain``, wins; the report says so);
* everything the files do not give (capacities, skills, pay, access and positions where
  missing, funding rules, crises, regimes) comes from the parameters. The report says which
  quantities came from data, which from assumptions and which from the config.

Reading the files is ``sim/hxl_io.py``; the validated country is ``sim/country.py``; the command
side (``data.dir``, messages) is ``experiments/cli/data.py``.
"""

from __future__ import annotations

import numpy as np

from .country import KIND_LABELS, CountryData
from .hxl_io import FUNDING, NEEDS, WHO_WHAT_WHERE
from .kinds import OrgKind
from .params import ConfigError, Params

__all__ = ["SOURCES", "country_params"]

SOURCES = ("data", "assumption", "config")
# world.* counts that the data fixes, by organisation kind.
_KIND_KEYS = {
    OrgKind.LOCAL_NGO: "n_local_ngos",
    OrgKind.COMMUNITY_ORG: "n_community_orgs",
    OrgKind.NATIONAL_AUTHORITY: "n_national_authorities",
    OrgKind.INGO: "n_ingos",
    OrgKind.UN_AGENCY: "n_un_agencies",
}


def country_params(params: Params, country: CountryData) -> tuple[Params, list[dict]]:
    """Parameters that describe ``country``, and the report of where each quantity came from.

    Args:
        params: validated parameters from the config.
        country: the country from data.

    Returns:
        ``(params, report)``; report rows are ``{"quantity", "source", "detail"}`` with source
        one of ``data``, ``assumption``, ``config``.

    Raises:
        ConfigError: a value set in the config contradicts the data, or the data gives a value
            the parameter registry refuses (one line).
    """
    defaults = Params()
    world = params.world
    counts = country.kind_counts()
    structure: dict[str, int] = {"n_areas": country.n_areas, "n_sectors": country.n_sectors}
    structure.update({_KIND_KEYS[k]: counts[k] for k in OrgKind})
    staff = country.initial_headcount()
    if staff is not None:
        structure["n_staff"] = int(staff.sum())
    where = {"n_areas": NEEDS, "n_sectors": NEEDS, "n_staff": WHO_WHAT_WHERE}
    world_changes = {}
    for key, value in structure.items():
        have, default = getattr(world, key), getattr(defaults.world, key)
        if have != default and have != value:
            raise ConfigError(f"world.{key} = {have} contradicts the data ({value} in {where.get(key, WHO_WHAT_WHERE)}); "
                             f"allowed: leave world.{key} unset, the data sets it")
        world_changes[key] = value
    widest = country.max_presence
    if world.max_presence_areas < widest:
        if world.max_presence_areas != defaults.world.max_presence_areas:
            raise ConfigError(f"world.max_presence_areas = {world.max_presence_areas} is below the {widest} areas an "
                             f"organisation works in ({WHO_WHAT_WHERE}); allowed: at least {widest}, or leave it unset")
        world_changes["max_presence_areas"] = widest
    fund_changes, fund_report = _funding_fit(params, defaults, country)
    data = params.to_dict()
    data["world"].update(world_changes)
    data["funding"].update(fund_changes)
    try:
        fitted = Params.from_dict(data)
    except ConfigError as e:
        raise ConfigError(f"data: {', '.join(country.sources) or 'the data'} set parameters the registry refuses: "
                         f"{e}") from None
    return fitted, _report(fitted, country, world_changes) + fund_report + _assumptions(fitted)


def _funding_fit(params: Params, defaults: Params, country: CountryData) -> tuple[dict, list[dict]]:
    f, f0 = params.funding, defaults.funding
    changes, report = {}, []
    if country.funding_by_kind is None:
        for key in ("direct_local_share", "annual_budget"):
            src = "config" if getattr(f, key) != getattr(f0, key) else "assumption"
            report.append(_row(f"funding.{key}", src, f"{getattr(f, key):g} (no {FUNDING} in the data folder)"))
        return changes, report
    total = country.funding_total
    local = total * country.direct_local_share
    observed = {"direct_local_share": country.direct_local_share, "annual_budget": total}
    what = {"direct_local_share": f"{country.direct_local_share:.4g} ({local:,.0f} of {total:,.0f} USD to local "
                                  f"and national actors, {FUNDING} #org+type, #value+funding)",
            "annual_budget": f"{total:,.0f} USD/year (total of {FUNDING} #value+funding)"}
    for key, value in observed.items():
        have = getattr(f, key)
        if have != getattr(f0, key):
            report.append(_row(f"funding.{key}", "config", f"{have:g} set in the config (the data gives {what[key]})"))
        else:
            changes[key] = float(value)
            report.append(_row(f"funding.{key}", "data", what[key]))
    return changes, report


def _row(quantity: str, source: str, detail: str) -> dict:
    assert source in SOURCES, source
    return {"quantity": quantity, "source": source, "detail": detail}


def _report(p: Params, c: CountryData, world_changes: dict) -> list[dict]:
    w = p.world
    n, m = c.n_areas, c.n_orgs
    kinds = ", ".join(f"{v} {KIND_LABELS[k][v != 1]}" for k, v in c.kind_counts().items() if v)
    rows = [
        _row("areas", "data", f"{n} ({NEEDS} #adm2+name)"),
        _row("population", "data", f"{c.population.sum():,.0f} people ({NEEDS} #population)"),
        _row("people in need by area and sector", "data",
             f"{c.need.sum():,.0f} people in {c.n_sectors} sectors: {', '.join(c.sectors)} ({NEEDS} #sector, #inneed)"),
    ]
    k = c.n_access_given
    if k:
        rows.append(_row("access difficulty", "data", f"{k} of {n} areas ({NEEDS} #access)"))
    if k < n:
        rows.append(_row("access difficulty", "assumption",
                         f"{n - k} of {n} areas drawn with world.hard_to_reach_share = {w.hard_to_reach_share:g} "
                         f"(hard to reach above world.hard_to_reach_threshold = {w.hard_to_reach_threshold:g})"))
    if c.has_positions:
        rows.append(_row("area positions (neighbours)", "data", f"all {n} areas ({NEEDS} #geo+lat, #geo+lon)"))
    else:
        rows.append(_row("area positions (neighbours)", "assumption",
                         f"random points for all {n} areas (no #geo+lat, #geo+lon): which areas neighbour each other "
                         "is arbitrary"))
    n_rows = c.sources.get(WHO_WHAT_WHERE, {}).get("rows")
    rows += [
        _row("organisations", "data", f"{m}: {kinds} ({WHO_WHAT_WHERE} #org+name, #org+type)"),
        _row("where organisations work, in which sectors", "data",
             (f"{n_rows} rows " if n_rows else "") + f"({WHO_WHAT_WHERE} #adm2+name, #sector)"),
    ]
    ws = int(c.sector_weights_from_staff.sum())
    if ws:
        rows.append(_row("sector weights of organisations", "data", f"{ws} of {m} from staff by sector "
                         f"({WHO_WHAT_WHERE} #capacity+staff)"))
    if ws < m:
        rows.append(_row("sector weights of organisations", "assumption",
                         f"{m - ws} of {m} organisations without staff: equal over the sectors they work in"))
    k = c.n_staff_given
    if k:
        rows.append(_row("staff per organisation", "data",
                         f"{k} of {m} organisations, {np.nansum(c.org_staff):,.0f} staff "
                         f"({WHO_WHAT_WHERE} #capacity+staff)"))
    if k == 0:
        rows.append(_row("staff per organisation", "assumption",
                         f"world.n_staff = {w.n_staff} split by organisation-type size (sim/organisations.py "
                         "KIND_PROFILE) with random variation"))
    elif k < m:
        rows.append(_row("staff per organisation", "assumption",
                         f"{m - k} of {m} organisations: the relative size of their type (KIND_PROFILE) scaled to the "
                         f"{k} with staff given"))
    rows.append(_row("world sizes", "data", ", ".join(f"world.{key} = {v}" for key, v in world_changes.items())))
    return rows


def _assumptions(p: Params) -> list[dict]:
    s, w, c = p.staff, p.world, p.crisis
    return [
        _row("staff skills", "assumption",
             f"technical: local {s.local_technical_skill:g}, national staff of internationals "
             f"{s.intl_national_technical_skill:g}, expatriates {s.expat_technical_skill:g}; contextual: nationals "
             f"{s.local_contextual_skill:g}, expatriates {s.expat_contextual_skill:g} (staff.*_skill)"),
        _row("institutional and network capacity", "assumption",
             f"world.local_institutional_capacity = {w.local_institutional_capacity:g} and the organisation-type "
             "profile (KIND_PROFILE)"),
        _row("pay", "assumption",
             f"staff.local_weekly_pay = {s.local_weekly_pay:g} USD/week, national staff of internationals x"
             f"{s.intl_national_pay_ratio:g}, expatriates x{s.expat_pay_ratio:g}"),
        _row("expatriate share of international staff", "assumption", f"staff.expat_share_intl = {s.expat_share_intl:g}"),
        _row("severity of chronic need", "assumption", f"crisis.chronic_severity = {c.chronic_severity:g}"),
        _row("shocks and protracted crises", "assumption",
             f"drawn: crisis.rapid_onset_rate = {c.rapid_onset_rate:g}/area-year, crisis.protracted_rate = "
             f"{c.protracted_rate:g}/area-year"),
        _row("funding rules, turnover, governance, regimes", "config",
             f"scenario={p.scenario}, regime={p.regime} and the parameters in metadata.json"),
    ]
