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
from .params import ConfigError, Params, registry

__all__ = ["SOURCES", "country_params", "shock_scale"]

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
    top_changes, partner_report = _partnership_fit(params, defaults, country)
    chain_changes, chain_report = _chain_money_fit(params, defaults, country, fund_changes)
    top_changes.update(chain_changes)
    crisis_changes, area_report = _area_level_fit(params, defaults, country)
    data = params.to_dict()
    data["world"].update(world_changes)
    for key, value in fund_changes.items():
        section, name = key.split(".")
        data[section][name] = value
    data["crisis"].update(crisis_changes)
    for key, value in top_changes.items():
        if "." in key:
            section, name = key.split(".")
            data[section][name] = value
        else:
            data[key] = value
    try:
        fitted = Params.from_dict(data)
    except ConfigError as e:
        raise ConfigError(f"data: {', '.join(country.sources) or 'the data'} set parameters the registry refuses: "
                         f"{e}") from None
    return fitted, (_report(fitted, country, world_changes) + area_report + partner_report + chain_report
                    + fund_report + _reached_report(country) + _assumptions(fitted))


def shock_scale(country: CountryData, defaults: Params | None = None) -> float:
    """How many districts one area of the data stands for (1 at admin 2).

    The registry's shock rates and sizes are per district, the synthetic country's area (about
    ``world.population_mean`` people). At admin 1, a province stands for several districts: as
    many as the needs file added up into it on average, or, when the needs file is at admin 1
    itself, its mean population over ``world.population_mean`` (at least 1).
    """
    if country.admin_level == 2:
        return 1.0
    if country.area_units:
        return country.area_units / country.n_areas
    ref = (defaults or Params()).world.population_mean
    return max(1.0, float(country.population.mean()) / ref)


def _area_level_fit(params: Params, defaults: Params, country: CountryData) -> tuple[dict, list[dict]]:
    """Parameters that depend on the number and size of areas: shock rates and sizes rescaled at admin 1;
    neighbours and presence reported."""
    c, c0, w = params.crisis, defaults.crisis, params.world
    level, n = country.admin_level, country.n_areas
    changes, report = {}, []
    k = shock_scale(country, defaults)
    how = (f"{country.area_units} admin 2 areas of {NEEDS} added up into {n}" if country.area_units else
           f"mean population {country.population.mean():,.0f} over world.population_mean = "
           f"{defaults.world.population_mean:,.0f}")
    for rate, size in (("rapid_onset_rate", "rapid_onset_size"), ("protracted_rate", "protracted_size")):
        if k == 1.0:
            continue
        set_in_config = getattr(c, rate) != getattr(c0, rate) or getattr(c, size) != getattr(c0, size)
        if set_in_config:
            report.append(_row(f"crisis.{rate}, crisis.{size}", "config",
                               f"{getattr(c, rate):g}/area-year, {getattr(c, size):g} of an area's people as set in the "
                               f"config (not rescaled to admin {level}; the registry's values are per district, and one "
                               f"area here stands for {k:.3g} districts)"))
            continue
        changes[rate] = getattr(c, rate) * k
        changes[size] = getattr(c, size) / k
        report.append(_row(f"crisis.{rate}, crisis.{size}", "assumption",
                           f"rescaled to admin {level}: {changes[rate]:.4g}/area-year (x{k:.3g}) and {changes[size]:.4g} "
                           f"of an area's people (/{k:.3g}): one area stands for {k:.3g} districts ({how}), so it has "
                           f"that many more shocks, each hitting one district's share of it; people hit per year "
                           f"unchanged"))
    neighbours = min(max(4, w.local_presence_areas - 1), n - 1)
    if level == 1:
        report.append(_row("neighbouring areas", "assumption",
                           f"warning: each area has {neighbours} neighbours, {neighbours / max(1, n - 1):.0%} of the "
                           f"other {n - 1} areas at admin 1: partners found 'near' an organisation and expansion into "
                           "neighbouring areas reach much further than between districts (not rescaled: fewer "
                           "neighbours would leave organisations with no partner in reach)"))
    report.append(_row("presence at the start", "data",
                       f"from {WHO_WHAT_WHERE} at admin {level}; world.local_presence_areas and "
                       "world.intl_presence_areas (synthetic country only) are not used"))
    return changes, report


def _partnership_fit(params: Params, defaults: Params, country: CountryData) -> tuple[dict, list[dict]]:
    """Initial partnerships and the funding chain from the 3W's role columns, and enough partner slots."""
    chain, report, changes = country.chain, [], {}
    counts = country.kind_counts()
    n_local = sum(v for k, v in counts.items() if k.is_local)
    if chain is None or "programme partner" not in chain.roles:
        report.append(_row("initial partnerships", "assumption",
                           f"drawn by the model's matching for all {n_local} local organisations (no #org+prog column "
                           f"in {WHO_WHAT_WHERE})"))
    else:
        given = country.n_data_partnerships
        report.append(_row("initial partnerships", "data",
                           f"{given} of {n_local} local organisations start with the international programme partner "
                           f"({WHO_WHAT_WHERE} #org+prog) that lists them in most rows (ties: the first row)"))
        if given < n_local:
            report.append(_row("initial partnerships", "assumption",
                               f"{n_local - given} of {n_local} local organisations without an international programme "
                               f"partner in {WHO_WHAT_WHERE}: drawn by the model's matching, as without data"))
        need = country.partners_per_intl_needed()
        if params.partners_per_intl < need:
            if params.partners_per_intl != defaults.partners_per_intl:
                raise ConfigError(f"partners_per_intl = {params.partners_per_intl} is below the {need} local partners "
                                  f"{WHO_WHAT_WHERE} gives one international organisation; allowed: at least {need}, "
                                  "or leave it unset")
            changes["partners_per_intl"] = need
            report.append(_row("partners_per_intl", "data",
                               f"{need} (raised from {params.partners_per_intl}: one international organisation has "
                               f"{need} local partners in {WHO_WHAT_WHERE})"))
    if chain is not None:
        pooled = chain.pooled_funds
        report.append(_row("funding chain", "data",
                           f"{len(chain.links)} links funder -> programme partner -> implementer "
                           f"({WHO_WHAT_WHERE} {', '.join(chain.roles)} columns), recipient levels 1 to "
                           f"{chain.max_level}" + (f"; pooled funds: {', '.join(pooled)}" if pooled else "")))
        if chain.n_unused_pairs:
            report.append(_row("funding links not used as partnerships", "data",
                               f"{chain.n_unused_pairs} intermediary-implementer links are not used as "
                               "partnerships (the model allows one capacity partnership per local organisation; "
                               "international-to-international, local-to-local and pooled-fund links are not "
                               "capacity partnerships)"))
        uses = chain.use_counts()
        report.append(_row("what the model does with the chain's links", "data",
                           f"{len(chain.links)} links: " + ", ".join(f"{k} {v}" for k, v in uses.items())
                           + " (a link can have two uses; metadata.json data.funding_chain, column model_use)"))
        if "funder" not in chain.roles:
            report.append(_row("donors", "assumption", f"no #org+funder column in {WHO_WHAT_WHERE}: donors as in "
                               "the parameters (funding.n_donors)"))
        else:
            # Donors: funders named in the 3W that are neither pooled funds nor organisations working there.
            working = set(country.org_names)
            donors = list(dict.fromkeys(k.funder for k in chain.links
                                        if k.funder and not k.funder_pooled and k.funder not in working))
            if donors and params.funding.n_donors != defaults.funding.n_donors:
                report.append(_row("funding.n_donors", "config", f"{params.funding.n_donors} set in the config (the "
                                   f"data names {len(donors)} donors in {WHO_WHAT_WHERE} #org+funder)"))
            elif donors:
                changes["funding.n_donors"] = len(donors)
                report.append(_row("funding.n_donors", "data", f"{len(donors)} ({', '.join(donors)}: funders named in "
                                   f"{WHO_WHAT_WHERE} #org+funder that are not pooled funds or organisations there)"))
    if country.org_from_roles is not None and country.org_from_roles.any():
        report.append(_row("organisations named only as programme partners", "data",
                           f"{int(country.org_from_roles.sum())} ({WHO_WHAT_WHERE} #org+prog, #org+prog+type); they "
                           "work in the areas and sectors of the rows that name them (assumption)"))
    return changes, report


_UNITS = {"USD budget": "USD", "staff (FTE)": "staff", "rows": "rows"}


def _names(sizes: dict[str, float], measure: str) -> str:
    unit = _UNITS[measure]
    return ", ".join(f"{name} ({v:,.4g} {unit if unit != 'rows' or v != 1 else 'row'})" for name, v in sizes.items())


def _chain_money_fit(params: Params, defaults: Params, country: CountryData,
                     fund_changes: dict) -> tuple[dict, list[dict]]:
    """The money the chain's links carry: the UN agencies' first level (its share, ``funding.un_to_ingo_share``,
    and which international NGOs receive it) and the pooled fund's first round (docs/data.md, "What the chain
    sets in the model"). Rows are sized by budget, else staff, else counted (``sim.country.MEASURES``)."""
    changes, report = {}, []
    key = "funding.un_to_ingo_share"
    have, default = params.funding.un_to_ingo_share, defaults.funding.un_to_ingo_share
    share = country.un_to_ingo_share
    if share is None:
        why = (f"no role columns in {WHO_WHAT_WHERE}" if country.un_ingo_size is None else
               f"no UN agency of {WHO_WHAT_WHERE} funds, holds a programme or implements in a row with role columns")
        report.append(_row(key, "config" if have != default else "assumption", f"{have:g} ({why})"))
    else:
        passed, part = country.un_rows
        unit = _UNITS[country.un_measure]
        sized = "" if unit == "rows" else (f"; {country.un_ingo_size.sum():,.4g} of the "
                                           f"{country.un_programme_size:,.4g} {unit} on them are on those {passed}")
        what = (f"{share:.4g} by {country.un_measure} (a UN agency takes part in {part} {WHO_WHAT_WHERE} rows and "
                f"passes its money on to an international NGO on {passed} of them{sized}; #org+funder -> #org+prog -> "
                "#org+impl)")
        if have != default:
            report.append(_row(key, "config", f"{have:g} set in the config (the data gives {what})"))
        else:
            hi = next(spec.hi for k, spec, _ in registry() if k == key)
            if share > hi:
                raise ConfigError(f"data: {WHO_WHAT_WHERE}: UN agencies pass {share:.0%} of their programme to "
                                  f"international NGOs ({passed} of the {part} rows they take part in, by "
                                  f"{country.un_measure}), so {key} = {share:.3g} is above its range 0..{hi:g} (a UN "
                                  f"agency keeps part of its programme in the model); allowed: set {key} in the "
                                  f"config (0..{hi:g})")
            changes[key] = share
            report.append(_row(key, "data", what))
    named = country.named(country.un_ingo_size)
    if named:
        report.append(_row("UN agencies' international NGO partners", "data",
                           f"{_names(named, country.un_measure)} ({WHO_WHAT_WHERE}): they receive what UN agencies "
                           f"pass on, for the whole run, split by {country.un_measure} of those rows (not every "
                           "international NGO by the funders' allocation weights)"))
    else:
        report.append(_row("UN agencies' international NGO partners", "assumption",
                           "every active international NGO, by the funders' allocation weights (the data names no UN "
                           "agency passing money to an international NGO)"))
    grantees = country.named(country.pool_grantee_size)
    pf = params.pooled_fund
    if grantees:
        pool_share = fund_changes.get("pooled_fund.share", pf.share)
        empty = "" if pool_share > 0 else " - but pooled_fund.share = 0: the fund holds no money to grant"
        report.append(_row("pooled fund's first round", "data",
                           f"{_names(grantees, country.pool_measure)} ({WHO_WHAT_WHERE}: a pooled fund as #org+prog, "
                           "or as #org+funder of their own programme): the fund's grants in place at the start go to "
                           f"them, split by {country.pool_measure} of those rows; from its next round (every "
                           f"{pf.round_interval_weeks} weeks) its own assessment (pooled_fund.eligibility_threshold = "
                           f"{pf.eligibility_threshold:g}) and the funders' allocation weights decide{empty}"))
    else:
        report.append(_row("pooled fund's first round", "assumption",
                           "by the fund's own assessment and the funders' allocation weights, as every round (the "
                           "data names no grantee of a pooled fund)"))
    return changes, report


def _reached_report(country: CountryData) -> list[dict]:
    if country.reported_reached is None:
        return [_row("people reached (for the check)", "assumption",
                     f"not given (no #reached in {WHO_WHAT_WHERE}): the run cannot be checked against the country's "
                     "own numbers")]
    have = np.isfinite(country.reported_reached[-1])
    return [_row("people reached (for the check)", "data",
                 f"{', '.join(country.reported_years)}: {np.nansum(country.reported_reached[-1]):,.0f} people in "
                 f"{int(have.sum())} of {country.n_areas} areas in {country.reported_years[-1]} ({WHO_WHAT_WHERE} "
                 "#reached; de-duplicated: per area the largest sector total); reported, never fitted to")]


def _funding_fit(params: Params, defaults: Params, country: CountryData) -> tuple[dict, list[dict]]:
    changes, report = {}, []
    if country.funding_by_kind is None:
        for section, key in (("funding", "direct_local_share"), ("funding", "annual_budget"), ("pooled_fund", "share")):
            have, default = getattr(getattr(params, section), key), getattr(getattr(defaults, section), key)
            src = "config" if have != default else "assumption"
            report.append(_row(f"{section}.{key}", src, f"{have:g} (no {FUNDING} in the data folder)"))
        return changes, report
    total = country.funding_total
    local = total * country.direct_local_share
    pooled = total * country.pooled_fund_share
    observed = {"funding.direct_local_share": country.direct_local_share, "funding.annual_budget": total,
                "pooled_fund.share": country.pooled_fund_share}
    what = {"funding.direct_local_share": f"{country.direct_local_share:.4g} ({local:,.0f} of {total:,.0f} USD to "
                                          f"local and national actors, {FUNDING} #org+type, #value+funding)",
            "funding.annual_budget": f"{total:,.0f} USD/year (total of {FUNDING} #value+funding)",
            "pooled_fund.share": f"{country.pooled_fund_share:.4g} ({pooled:,.0f} of {total:,.0f} USD to the "
                                 f"country-based pooled fund, {FUNDING} #org+type 'Pooled fund')"}
    for key, value in observed.items():
        section, name = key.split(".")
        have, default = getattr(getattr(params, section), name), getattr(getattr(defaults, section), name)
        if have != default:
            report.append(_row(key, "config", f"{have:g} set in the config (the data gives {what[key]})"))
        else:
            changes[key] = float(value)
            report.append(_row(key, "data", what[key]))
    reported = country.pooled_fund_local_share
    if reported is not None:
        report.append(_row("pooled fund's allocations", "data",
                           f"{reported:.1%} to local and national actors ({FUNDING} rows funded by the pooled "
                           "fund); reported beside the model's pooled_fund_local_share, not fitted"))
    return changes, report


def _row(quantity: str, source: str, detail: str) -> dict:
    assert source in SOURCES, source
    return {"quantity": quantity, "source": source, "detail": detail}


def _report(p: Params, c: CountryData, world_changes: dict) -> list[dict]:
    w = p.world
    n, m = c.n_areas, c.n_orgs
    kinds = ", ".join(f"{v} {KIND_LABELS[k][v != 1]}" for k, v in c.kind_counts().items() if v)
    lv = c.admin_level
    added = f", added up from {c.area_units} admin 2 areas" if c.area_units else ""
    rows = [
        _row("areas", "data", f"{n} at admin level {lv} ({NEEDS} #adm{lv}+name{added})"),
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
    n_rows = sum(v.get("rows", 0) for k, v in c.sources.items() if k.casefold().startswith("3w"))
    rows += [
        _row("organisations", "data", f"{m}: {kinds} ({WHO_WHAT_WHERE} #org+name, #org+type)"),
        _row("where organisations work, in which sectors", "data",
             (f"{n_rows} rows " if n_rows else "") + f"({WHO_WHAT_WHERE} #adm{lv}+name, #sector)"),
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
