"""A country described by data: areas, organisations and funding, as one validated object.

:class:`CountryData` is what the model needs from a country office's files to start a run
somewhere real instead of in the synthetic default country (``sim/areas.py``,
``sim/organisations.py``):

* **areas** (districts): name and code, population, people in need by sector, and, where
  given, access difficulty (0 = no constraint .. 1 = inaccessible) and position (lat/lon);
* **organisations**: name, kind (local NGO, community organisation, national authority,
  international NGO, UN agency), sector weights, the areas it works in and, where given,
  its staff;
* **funding** by recipient kind (USD), where given;
* the **area level**: admin 1 (provinces) or admin 2 (districts), the finest level both the
  3W and the needs file give;
* the **funding chain** from the 3W's role columns (:class:`FundingChain`: funder ->
  programme partner -> implementer), and what it sets in the model: the **initial partnerships**
  (``initial_partner``; the rule is in :func:`capacity_partners`), the **UN agencies' first level**
  (``un_ingo_size``, ``un_programme_size``: the share of the UN agencies' programme passed to
  international NGOs and which NGOs receive it) and the **pooled fund's grantees at the start**
  (``pool_grantee_size``); :func:`chain_at_start` says what a model started from them;
* **people reached** (and targeted) per area as the 3W reports them, de-duplicated
  (``reported_reached``; compared with the model's in the run report, never fitted to).

It holds no file I/O (``sim/hxl_io.py`` reads and writes it as HXL-tagged CSV) and no
configuration: ``experiments/cli/data.py`` fits the parameters to it. The model takes it as
``CapacityModel(params, country=...)`` and uses it in place of the synthetic draws; what it
does not give (capacities, skills, pay, missing access or positions) comes from the
parameters, as the run's data report says. :meth:`CountryData.from_model` describes a
model's initial state in the same form (for export and the round-trip test).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .kinds import KIND_PROFILE, NO_PARTNER, OrgKind

if TYPE_CHECKING:  # pragma: no cover
    from .params import Params

__all__ = ["CountryData", "KIND_LABELS", "DEFAULT_SECTOR_NAMES", "xy_from_lat_lon", "lat_lon_from_xy", "ChainLink",
           "FundingChain", "capacity_partners", "start_partnerships", "chain_at_start", "AREA_LEVELS",
           "is_pooled_fund", "MODEL_USES", "MEASURES"]

# Labels of organisation kinds for reports: (one, several).
KIND_LABELS = {
    OrgKind.LOCAL_NGO: ("local NGO", "local NGOs"),
    OrgKind.COMMUNITY_ORG: ("community organisation", "community organisations"),
    OrgKind.NATIONAL_AUTHORITY: ("national authority", "national authorities"),
    OrgKind.INGO: ("international NGO", "international NGOs"),
    OrgKind.UN_AGENCY: ("UN agency", "UN agencies"),
}
# Admin levels an area can be at: 1 = provinces/regions/states, 2 = districts (the synthetic country's areas).
AREA_LEVELS = {1: "admin 1", 2: "admin 2"}
# Names that mark a pooled fund (a fund, not an organisation that works in areas), compared case-insensitively.
POOLED_FUND_MARKERS = ("pooled fund", "cbpf", "humanitarian fund", "emergency response fund", "erf", "cerf")
# Names of the synthetic country's sectors (world.n_sectors = 4: health, WASH, food, protection).
DEFAULT_SECTOR_NAMES = ("Health", "WASH", "Food security", "Protection")


def xy_from_lat_lon(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Plane coordinates (degrees) of areas: equirectangular projection at the mean latitude.

    Good enough to find each area's nearest neighbours at the scale of one country.
    """
    lat = np.asarray(lat, float)
    lon = np.asarray(lon, float)
    scale = np.cos(np.radians(lat.mean()))
    return np.column_stack([lon * scale, lat])


def lat_lon_from_xy(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`xy_from_lat_lon` (used to export the synthetic country's positions)."""
    xy = np.asarray(xy, float)
    lat = xy[:, 1].copy()
    lon = xy[:, 0] / np.cos(np.radians(lat.mean()))
    return lat, lon


def is_pooled_fund(name: str) -> bool:
    """Whether an organisation name is a pooled fund's ("... Pooled Fund", "CBPF", "... Humanitarian Fund", "ERF")."""
    text = " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())
    return any(re.search(rf"\b{m}\b", text) for m in POOLED_FUND_MARKERS)


@dataclass(frozen=True)
class ChainLink:
    """One link of the funding chain as the 3W's role columns give it (one or more rows).

    ``intermediary`` is the programme partner (``#org+prog``) when it is not the implementer
    itself; "" where the implementer received the money without one. ``level`` is the
    implementer's place in the chain: 1 = it received from the funder directly, 2 = through one
    intermediary, 3 = through an intermediary that itself received through another, ... (the
    shortest such path in the 3W). Kinds are ``OrgKind`` names in lower case, ``pooled_fund``,
    or ``unknown`` (a name the 3W gives no type for).
    """

    funder: str  # "" where the rows name none
    intermediary: str
    implementer: str
    level: int
    funder_pooled: bool
    intermediary_pooled: bool
    intermediary_kind: str  # "" where there is no intermediary
    implementer_kind: str
    rows: int  # 3W rows naming this link
    first_row: str  # where it is first named, e.g. "3w.csv row 12"
    capacity_partnership: bool  # (intermediary, implementer) is the implementer's capacity partnership in the model
    model_use: str = ""  # what the model does with the link: MODEL_USES joined by "; " ("" : recorded only)


# How the 3W's rows are sized where the chain sets money (CountryData.un_measure, pool_measure): by their budget
# (#value+budget, USD) where every row concerned gives one, else by their staff (#capacity+staff, FTE) where every
# row concerned gives it, else by counting rows.
MEASURES = ("USD budget", "staff (FTE)", "rows")
# What the model does with a link of the chain (``ChainLink.model_use``); the rules are in docs/data.md.
MODEL_USES = {
    "partnership": "capacity partnership",  # the implementer's initial capacity partnership (capacity_partners)
    "un_first_level": "UN agency to international NGO",  # the UN agencies' first level (un_ingo_size)
    "pooled_fund": "pooled fund's first round",  # a grantee of the pooled fund at the start (pool_grantee_size)
}


CHAIN_COLUMNS = tuple(f.name for f in dataclasses.fields(ChainLink))


@dataclass(frozen=True)
class FundingChain:
    """The funding chain of a 3W: who funds whom, through which intermediaries (one :class:`ChainLink` per
    distinct funder, intermediary and implementer).

    ``to_frame()`` gives it as a table (columns ``CHAIN_COLUMNS``). ``model_use`` says what the model
    does with each link: the initial capacity partnerships, the UN agencies' first level (a UN agency
    passing money to an international NGO) and the pooled fund's grantees at the start; the other
    links are recorded only.
    """

    links: tuple[ChainLink, ...]
    roles: tuple[str, ...]  # which role columns the 3W has: "funder", "programme partner"

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([dataclasses.asdict(k) for k in self.links], columns=list(CHAIN_COLUMNS))

    def pairs(self) -> list[tuple[str, str]]:
        """Distinct (intermediary, implementer) pairs, in the order first named."""
        return list(dict.fromkeys((k.intermediary, k.implementer) for k in self.links if k.intermediary))

    @property
    def n_partnership_pairs(self) -> int:
        return len({(k.intermediary, k.implementer) for k in self.links if k.capacity_partnership})

    @property
    def n_unused_pairs(self) -> int:
        """Intermediary-implementer links the model does not use as partnerships."""
        return len(self.pairs()) - self.n_partnership_pairs

    def use_counts(self) -> dict[str, int]:
        """Links of the chain by what the model does with them (``MODEL_USES`` labels, then "recorded only");
        a link with two uses counts under both."""
        counts = {label: sum(label in k.model_use for k in self.links) for label in MODEL_USES.values()}
        counts["recorded only"] = sum(not k.model_use for k in self.links)
        return counts

    @property
    def pooled_funds(self) -> list[str]:
        names = [k.funder for k in self.links if k.funder_pooled] + [k.intermediary for k in self.links
                                                                    if k.intermediary_pooled]
        return list(dict.fromkeys(names))

    @property
    def max_level(self) -> int:
        return max((k.level for k in self.links), default=0)


def capacity_partners(counts: dict[int, dict[int, tuple[int, int]]], n_orgs: int) -> np.ndarray:
    """Each local organisation's capacity partner: the international programme partner that lists it in most
    3W rows; ties go to the one named first.

    The model allows one capacity partnership per local organisation (``OrgTable.partner``); the
    other intermediaries a 3W names for it stay funding links in the :class:`FundingChain`.

    Args:
        counts: local organisation -> {international organisation: (rows naming the pair, first row's order)}.
        n_orgs: number of organisations.

    Returns:
        (n_orgs,) partner index per organisation, ``NO_PARTNER`` where the data gives none.
    """
    partner = np.full(n_orgs, NO_PARTNER, np.int64)
    for local, by_intl in counts.items():
        if by_intl:
            partner[local] = min(by_intl, key=lambda i: (-by_intl[i][0], by_intl[i][1]))
    return partner


def start_partnerships(model, partner: np.ndarray) -> None:
    """Start the partnerships the data gives (before the model's own matching fills free slots).

    Each pair starts as a partnership chosen by both sides does in ``sim/partnerships.py``
    (``choose_partners_for``): the model's default regime, a full term, trust
    ``partnership.trust_start``, participants chosen now.
    """
    from .partnerships import select_participants

    orgs = model.orgs
    given = np.flatnonzero(partner != NO_PARTNER)
    if len(given) == 0:
        return
    code = model.default_code
    orgs.partner[given] = partner[given]
    orgs.p_earmarked[given] = False
    orgs.p_code[given] = code
    orgs.p_start[given] = 0
    orgs.p_end[given] = np.minimum(model.rules.partnership_weeks[code], np.iinfo(np.int64).max // 2)
    orgs.p_trust[given] = model.p.partnership.trust_start
    force = np.zeros(orgs.n, bool)
    force[given] = True
    select_participants(model, 0, force=force)


def chain_at_start(model) -> dict:
    """What a model started from country data did with the data's funding chain at the start (for
    ``metadata.json`` ``funding_start`` and the run's report): the UN agencies' first level and the pooled
    fund's first round, each with where its recipients came from.

    Returns:
        ``un_to_ingo_share`` (the parameter the run uses), ``un_split_by`` ("3W rows" or "allocation weights"),
        ``un_split`` (international NGO -> share of what UN agencies pass), ``pooled_fund_first_round_by``,
        ``pooled_fund_first_round_usd`` (recipient -> USD over the grant), ``pooled_fund_grant_weeks``.
    """
    names = model.country.org_names
    g, pool = model.grants, model.pool
    first = (g.donor == pool.index) & (g.start == 0)
    amount = np.bincount(g.recipient[first], g.weekly[first] * (g.end[first] - g.start[first]), model.orgs.n)
    split = model.ingo_share

    def by_name(values: np.ndarray, digits: int) -> dict[str, float]:
        order = sorted(np.flatnonzero(values > 0), key=lambda o: (-values[o], o))
        return {names[o]: round(float(values[o]), digits) for o in order}

    return {
        "un_to_ingo_share": model.p.funding.un_to_ingo_share,
        "un_split_by": "3W " + model.country.un_measure if model.un_partner_size is not None else "allocation weights",
        "un_split": by_name(split, 6),
        "pooled_fund_first_round_by": ("3W " + model.country.pool_measure if pool.start_size is not None
                                       else "the fund's assessment and allocation weights"),
        "pooled_fund_first_round_usd": by_name(amount, 2),
        "pooled_fund_grant_weeks": model.p.pooled_fund.grant_weeks,
    }


@dataclass(frozen=True, eq=False)
class CountryData:
    """A validated description of a country's areas, organisations and funding.

    Arrays are indexed by area (``n_areas``), sector (``n_sectors``) and organisation
    (``n_orgs``); organisations are ordered by kind (local kinds first, as in the synthetic
    country). ``NaN`` marks a value the data did not give.
    """

    sectors: tuple[str, ...]
    area_names: tuple[str, ...]
    area_codes: tuple[str, ...]  # "" where no code was given
    population: np.ndarray  # (n_areas,) people
    need: np.ndarray  # (n_areas, n_sectors) people in need, each counted once in their main sector
    access: np.ndarray  # (n_areas,) access difficulty 0..1, NaN where not given
    lat: np.ndarray  # (n_areas,) degrees, NaN where not given (all or none)
    lon: np.ndarray  # (n_areas,) degrees
    org_names: tuple[str, ...]
    org_kind: np.ndarray  # (n_orgs,) OrgKind values
    org_sectors: np.ndarray  # (n_orgs, n_sectors) weights, each row sums to 1
    org_areas: tuple[tuple[int, ...], ...]  # areas each organisation works in, in the data's order
    org_staff: np.ndarray  # (n_orgs,) staff (people), NaN where not given
    sector_weights_from_staff: np.ndarray  # (n_orgs,) bool: weights from staff by sector (else equal)
    funding_by_kind: dict[str, float] | None = None  # USD by recipient kind name (and "other"); None if not given
    # the pooled fund's allocations by recipient kind, where the funding file lists them (rows funded by
    # the fund); reported against the model's, never fitted
    pooled_allocations_by_kind: dict[str, float] | None = None
    name: str = "country data"
    sources: dict[str, dict] = field(default_factory=dict)  # file -> {"sha256", "rows", "columns"}
    admin_level: int = 2  # areas are admin 1 (provinces) or admin 2 (districts); AREA_LEVELS
    # (n_orgs,) initial capacity partner per organisation from the 3W's role columns, NO_PARTNER where
    # none; None when the 3W has no #org+prog column (then every partnership is drawn by the model)
    initial_partner: np.ndarray | None = None
    chain: FundingChain | None = None  # the funding chain from role columns; None without any
    org_from_roles: np.ndarray | None = None  # (n_orgs,) bool: named only as programme partner in the 3W
    # People reached and targeted per reporting year and area (n_years, n_areas), de-duplicated
    # (per area, the largest sector total); NaN where the 3W reports nothing. None without #reached.
    reported_reached: np.ndarray | None = None
    reported_targeted: np.ndarray | None = None
    reported_years: tuple[str, ...] = ()  # labels of the rows above ("2024", or "all rows" without dates)
    area_units: int | None = None  # areas of the needs file before aggregation to admin_level (None: not aggregated)
    # What the role columns set in the model's money (docs/data.md, "What the chain sets in the model"). Sizes are
    # per organisation, in the unit of their measure (MEASURES: the finest the 3W gives on every row concerned:
    # budget, else staff, else rows); None without role columns.
    # The UN agencies' first level: per international NGO, the size of the UN agencies' rows passed to it (0 for
    # every other organisation), the size of all rows a UN agency of the 3W takes part in (funds, holds the
    # programme or implements), and the row counts (passed, taking part).
    un_ingo_size: np.ndarray | None = None
    un_programme_size: float = 0.0
    un_measure: str = ""
    un_rows: tuple[int, int] = (0, 0)
    # The pooled fund's grantees at the start: per organisation, the size of the rows in which it receives a
    # pooled fund's money directly (the fund as its #org+prog, or as #org+funder of its own programme).
    pool_grantee_size: np.ndarray | None = None
    pool_measure: str = ""

    def __post_init__(self):
        self.validate()

    # ------------------------------------------------------------------ sizes
    @property
    def n_areas(self) -> int:
        return len(self.area_names)

    @property
    def n_sectors(self) -> int:
        return len(self.sectors)

    @property
    def n_orgs(self) -> int:
        return len(self.org_names)

    def kind_counts(self) -> dict[OrgKind, int]:
        """Number of organisations of each kind (every kind listed, zero included)."""
        return {k: int(np.count_nonzero(self.org_kind == int(k))) for k in OrgKind}

    @property
    def max_presence(self) -> int:
        """Most areas any one organisation works in."""
        return max(len(a) for a in self.org_areas)

    @property
    def has_positions(self) -> bool:
        return bool(np.isfinite(self.lat).all())

    @property
    def n_access_given(self) -> int:
        return int(np.isfinite(self.access).sum())

    @property
    def n_staff_given(self) -> int:
        return int(np.isfinite(self.org_staff).sum())

    # ------------------------------------------------------------------ funding
    @property
    def funding_total(self) -> float | None:
        """International funding in the data, all recipients (USD), or None if not given."""
        return None if self.funding_by_kind is None else float(sum(self.funding_by_kind.values()))

    @property
    def direct_local_share(self) -> float | None:
        """Share of funding received by local and national actors (first-level recipients)."""
        if self.funding_by_kind is None:
            return None
        local = sum(v for k, v in self.funding_by_kind.items() if k in _LOCAL_KIND_NAMES)
        return float(local / self.funding_total)

    @property
    def pooled_fund_share(self) -> float | None:
        """Share of donors' funding given to the country-based pooled fund."""
        if self.funding_by_kind is None:
            return None
        return float(self.funding_by_kind.get("pooled_fund", 0.0) / self.funding_total)

    @property
    def un_to_ingo_share(self) -> float | None:
        """Share of the UN agencies' 3W programme (by ``un_measure``) that a UN agency passes to an international
        NGO (the model's ``funding.un_to_ingo_share``); None without role columns or without a UN agency in a row."""
        if self.un_ingo_size is None or self.un_programme_size <= 0:
            return None
        return float(self.un_ingo_size.sum() / self.un_programme_size)

    def named(self, sizes: np.ndarray | None) -> dict[str, float]:
        """Organisations with a size > 0 (``un_ingo_size``, ``pool_grantee_size``) by name, largest first."""
        if sizes is None:
            return {}
        order = sorted(np.flatnonzero(sizes > 0), key=lambda o: (-sizes[o], o))
        return {self.org_names[o]: float(sizes[o]) for o in order}

    @property
    def pooled_fund_local_share(self) -> float | None:
        """Share of the pooled fund's allocations (where the data has them) to local and national actors."""
        a = self.pooled_allocations_by_kind
        if not a:
            return None
        return float(sum(v for k, v in a.items() if k in _LOCAL_KIND_NAMES) / sum(a.values()))

    # ------------------------------------------------------------------ staff
    def initial_headcount(self) -> np.ndarray | None:
        """Staff per organisation at the start, or None when the data gives no staff at all.

        Where the data gives staff for some organisations only, each of the others gets the
        relative size of its kind (``KIND_PROFILE``, an assumption) scaled so that the
        organisations with staff given have their given staff on average; at least one each.
        With no staff given at all the model splits ``world.n_staff`` by the kind profile,
        as it does for the synthetic country.
        """
        known = np.isfinite(self.org_staff)
        if not known.any():
            return None
        staff = np.where(known, np.round(np.nan_to_num(self.org_staff)), 0.0)
        if not known.all():
            size = np.array([KIND_PROFILE[OrgKind(int(k))]["size"] for k in self.org_kind])
            scale = self.org_staff[known].sum() / size[known].sum()
            staff[~known] = np.round(size[~known] * scale)
        return np.maximum(1, staff).astype(np.int64)

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Check shapes, ranges and references; raises ValueError naming what is wrong.

        The file reader (``sim/hxl_io.py``) reports problems in the files themselves, with
        file, row and column; this check guards the object whatever built it.
        """
        n, s, m = self.n_areas, self.n_sectors, self.n_orgs
        if n < 1 or s < 1 or m < 1:
            raise ValueError(f"country data needs at least one area, sector and organisation; got {n}, {s}, {m}")
        if len(set(self.sectors)) != s:
            raise ValueError(f"sector names repeat: {self.sectors}")
        if len(self.area_codes) != n:
            raise ValueError(f"area_codes has {len(self.area_codes)} entries for {n} areas")
        for name, arr, shape in (("population", self.population, (n,)), ("need", self.need, (n, s)),
                                 ("access", self.access, (n,)), ("lat", self.lat, (n,)), ("lon", self.lon, (n,)),
                                 ("org_kind", self.org_kind, (m,)), ("org_sectors", self.org_sectors, (m, s)),
                                 ("org_staff", self.org_staff, (m,)),
                                 ("sector_weights_from_staff", self.sector_weights_from_staff, (m,))):
            if np.shape(arr) != shape:
                raise ValueError(f"{name} has shape {np.shape(arr)}; expected {shape}")
        if not (np.isfinite(self.population).all() and (self.population > 0).all()):
            raise ValueError("population must be positive and finite in every area")
        if not (np.isfinite(self.need).all() and (self.need >= 0).all()):
            raise ValueError("people in need must be non-negative and finite")
        over = self.need.sum(1) > self.population * (1 + 1e-9)
        if over.any():
            a = int(np.flatnonzero(over)[0])
            raise ValueError(f"area {self.area_names[a]!r}: people in need ({self.need[a].sum():g}) exceed "
                             f"population ({self.population[a]:g})")
        acc = self.access[np.isfinite(self.access)]
        if ((acc < 0) | (acc > 1)).any():
            raise ValueError("access difficulty must be within 0..1")
        if np.isfinite(self.lat).any() and not (np.isfinite(self.lat).all() and np.isfinite(self.lon).all()):
            raise ValueError("positions (lat, lon) must be given for all areas or none")
        if not np.isin(self.org_kind, [int(k) for k in OrgKind]).all():
            raise ValueError("org_kind holds a value that is not an OrgKind")
        if (np.diff(self.org_kind) < 0).any():
            raise ValueError("organisations must be ordered by kind (local kinds first)")
        w = self.org_sectors
        if not (np.isfinite(w).all() and (w >= 0).all() and np.allclose(w.sum(1), 1.0)):
            raise ValueError("each organisation's sector weights must be non-negative and sum to 1")
        if len(self.org_areas) != m:
            raise ValueError(f"org_areas has {len(self.org_areas)} entries for {m} organisations")
        for o, areas in enumerate(self.org_areas):
            if len(areas) == 0:
                raise ValueError(f"organisation {self.org_names[o]!r} works in no area")
            if len(set(areas)) != len(areas) or min(areas) < 0 or max(areas) >= n:
                raise ValueError(f"organisation {self.org_names[o]!r} has invalid or repeated areas {areas}")
        if self.admin_level not in AREA_LEVELS:
            raise ValueError(f"admin_level = {self.admin_level}; allowed: {sorted(AREA_LEVELS)}")
        if self.initial_partner is not None:
            ip = np.asarray(self.initial_partner)
            if ip.shape != (m,):
                raise ValueError(f"initial_partner has shape {ip.shape}; expected {(m,)}")
            has = ip != NO_PARTNER
            if ((ip[has] < 0) | (ip[has] >= m)).any():
                raise ValueError("initial_partner holds an index that is not an organisation")
            local = np.array([OrgKind(int(k)).is_local for k in self.org_kind])
            if (has & ~local).any() or local[ip[has]].any():
                raise ValueError("an initial partnership must join a local organisation to an international one")
        for name in ("reported_reached", "reported_targeted"):
            arr = getattr(self, name)
            if arr is not None and (np.shape(arr) != (len(self.reported_years), n) or (arr[np.isfinite(arr)] < 0).any()):
                raise ValueError(f"{name} must be non-negative with shape (years, areas) = "
                                 f"{(len(self.reported_years), n)}; got {np.shape(arr)}")
        for name, measure in (("un_ingo_size", self.un_measure), ("pool_grantee_size", self.pool_measure)):
            arr = getattr(self, name)
            if arr is None:
                continue
            if np.shape(arr) != (m,) or not (np.isfinite(arr).all() and (arr >= 0).all()):
                raise ValueError(f"{name} must be non-negative sizes, one per organisation ({m}); got shape "
                                 f"{np.shape(arr)}")
            if measure not in MEASURES:
                raise ValueError(f"{name}: measure {measure!r}; allowed: {', '.join(MEASURES)}")
        if self.un_ingo_size is not None:
            if (self.un_ingo_size[self.org_kind != int(OrgKind.INGO)] > 0).any():
                raise ValueError("un_ingo_size: only international NGOs receive the UN agencies' first level")
            passed = float(self.un_ingo_size.sum())
            if passed > self.un_programme_size * (1 + 1e-9):
                raise ValueError(f"UN agencies pass {passed:g} ({self.un_measure}) to international NGOs out of "
                                 f"a programme of {self.un_programme_size:g}: a share above 1; expected at most all "
                                 "of it")
        staff = self.org_staff[np.isfinite(self.org_staff)]
        if (staff <= 0).any():
            raise ValueError("staff must be positive where given")
        if self.funding_by_kind is not None:
            vals = np.array(list(self.funding_by_kind.values()), float)
            if not (np.isfinite(vals).all() and (vals >= 0).all() and vals.sum() > 0):
                raise ValueError("funding by recipient kind must be non-negative with a positive total")
            unknown = set(self.funding_by_kind) - set(FUNDING_KINDS)
            if unknown:
                raise ValueError(f"unknown funding recipient kinds {sorted(unknown)}; allowed: {FUNDING_KINDS}")

    def check_params(self, params: "Params") -> None:
        """Raise ValueError if the parameters do not describe this country's size.

        Build matching parameters with ``sim.country_params.country_params``.
        """
        w = params.world
        counts = self.kind_counts()
        expected = {
            "world.n_areas": (w.n_areas, self.n_areas),
            "world.n_sectors": (w.n_sectors, self.n_sectors),
            "world.n_local_ngos": (w.n_local_ngos, counts[OrgKind.LOCAL_NGO]),
            "world.n_community_orgs": (w.n_community_orgs, counts[OrgKind.COMMUNITY_ORG]),
            "world.n_national_authorities": (w.n_national_authorities, counts[OrgKind.NATIONAL_AUTHORITY]),
            "world.n_ingos": (w.n_ingos, counts[OrgKind.INGO]),
            "world.n_un_agencies": (w.n_un_agencies, counts[OrgKind.UN_AGENCY]),
        }
        staff = self.initial_headcount()
        if staff is not None:
            expected["world.n_staff"] = (w.n_staff, int(staff.sum()))
        for key, (have, want) in expected.items():
            if have != want:
                raise ValueError(f"parameters do not match the country data: {key} = {have}, data gives {want}; "
                                 "build parameters with sim.country_params.country_params")
        if w.max_presence_areas < self.max_presence:
            raise ValueError(f"world.max_presence_areas = {w.max_presence_areas} is below the {self.max_presence} "
                             "areas one organisation of the data works in")
        if params.partners_per_intl < self.partners_per_intl_needed():
            raise ValueError(f"partners_per_intl = {params.partners_per_intl} is below the "
                             f"{self.partners_per_intl_needed()} local partners the data gives one international "
                             "organisation")

    # ------------------------------------------------------------------ provenance
    def fingerprint(self) -> str:
        """A short hash of everything the model reads from this object (part of a run's id)."""
        h = hashlib.sha1()
        for arr in (self.population, self.need, self.access, self.lat, self.lon, self.org_kind, self.org_sectors,
                    self.org_staff):
            h.update(np.ascontiguousarray(arr, dtype=float).tobytes())
        h.update(repr((self.sectors, self.area_names, self.org_names, self.org_areas,
                       sorted((self.funding_by_kind or {}).items()),
                       sorted((self.pooled_allocations_by_kind or {}).items()))).encode())
        if self.initial_partner is not None and (self.initial_partner != NO_PARTNER).any():
            h.update(b"partners" + np.ascontiguousarray(self.initial_partner, dtype=np.int64).tobytes())
        for name, arr in (("un", self.un_ingo_size), ("pool", self.pool_grantee_size)):
            if arr is not None and arr.any():
                h.update(name.encode() + np.ascontiguousarray(arr, dtype=float).tobytes())
        if self.un_ingo_size is not None and self.un_ingo_size.any():
            h.update(repr(self.un_programme_size).encode())
        return h.hexdigest()[:12]

    def describe(self) -> dict:
        """A JSON-ready summary for metadata: sizes, names, sources."""
        return {
            "name": self.name,
            "fingerprint": self.fingerprint(),
            "n_areas": self.n_areas,
            "admin_level": self.admin_level,
            "sectors": list(self.sectors),
            "areas": list(self.area_names),
            "organisations": {k.name.lower(): v for k, v in self.kind_counts().items()},
            "people_in_need": float(self.need.sum()),
            "population": float(self.population.sum()),
            "funding_by_kind": self.funding_by_kind,
            "direct_local_share": self.direct_local_share,
            "pooled_fund_share": self.pooled_fund_share,
            "pooled_fund_local_share_reported": self.pooled_fund_local_share,
            "initial_partnerships_from_data": self.n_data_partnerships,
            "funding_chain_links": None if self.chain is None else len(self.chain.links),
            "un_to_ingo_share": self.un_to_ingo_share,
            "un_ingo_partners": {"measure": self.un_measure, "sizes": self.named(self.un_ingo_size)},
            "pooled_fund_grantees": {"measure": self.pool_measure, "sizes": self.named(self.pool_grantee_size)},
            "sources": self.sources,
        }

    def reported_block(self) -> dict | None:
        """People reached and targeted as the 3W reports them, JSON-ready (``metadata.json`` ``data.reported``;
        read by the run report's check, ``analysis/report.py``); None without ``#reached``."""
        if self.reported_reached is None:
            return None

        def rows(arr):
            return [[None if not np.isfinite(x) else float(x) for x in r] for r in arr]

        return {"admin_level": self.admin_level, "years": list(self.reported_years), "areas": list(self.area_names),
                "reached": rows(self.reported_reached), "targeted": rows(self.reported_targeted),
                "people_in_need": [float(x) for x in self.need.sum(1)]}

    @property
    def n_data_partnerships(self) -> int:
        """Initial partnerships the data gives (0 without role columns)."""
        return 0 if self.initial_partner is None else int((self.initial_partner != NO_PARTNER).sum())

    def partners_per_intl_needed(self) -> int:
        """Most local partners the data gives any one international organisation."""
        if self.initial_partner is None or self.n_data_partnerships == 0:
            return 0
        return int(np.bincount(self.initial_partner[self.initial_partner != NO_PARTNER]).max())

    # ------------------------------------------------------------------ from a model
    @classmethod
    def from_model(cls, model, name: str = "synthetic country (exported)") -> "CountryData":
        """Describe a model's initial state (call before its first step) as country data.

        Area and organisation names are generated (``Area 01``, ``Local NGO 001``, ...);
        positions are the synthetic plane coordinates read as degrees; staff are the initial
        headcounts; funding is the donors' budget split by ``funding.direct_local_share``.
        """
        p = model.p
        areas, orgs, staff = model.areas, model.orgs, model.staff
        n = areas.n
        s = areas.n_sectors
        sectors = DEFAULT_SECTOR_NAMES[:s] if s <= len(DEFAULT_SECTOR_NAMES) else tuple(
            list(DEFAULT_SECTOR_NAMES) + [f"Sector {i + 1}" for i in range(len(DEFAULT_SECTOR_NAMES), s)])
        width = len(str(n))
        area_names = tuple(f"Area {i + 1:0{width}d}" for i in range(n))
        area_codes = tuple(f"XA{i + 1:0{width}d}" for i in range(n))
        lat, lon = lat_lon_from_xy(areas.xy)
        order = np.argsort(orgs.kind, kind="stable")
        if (order != np.arange(orgs.n)).any():
            raise ValueError("the model's organisations are not ordered by kind")
        seen: dict[int, int] = {}
        names = []
        for k in orgs.kind:
            seen[int(k)] = seen.get(int(k), 0) + 1
            names.append(f"{_KIND_SINGULAR[OrgKind(int(k))]} {seen[int(k)]:03d}")
        presence = tuple(tuple(int(a) for a in row[row >= 0]) for row in orgs.presence)
        f = p.funding
        local = f.annual_budget * f.direct_local_share
        pooled = f.annual_budget * p.pooled_fund.share
        return cls(
            sectors=tuple(sectors),
            area_names=area_names,
            area_codes=area_codes,
            population=areas.population.copy(),
            need=areas.chronic.copy(),
            access=areas.access.copy(),
            lat=lat,
            lon=lon,
            org_names=tuple(names),
            org_kind=orgs.kind.copy(),
            org_sectors=orgs.sector_weight.copy(),
            org_areas=presence,
            org_staff=staff.headcount.astype(float),
            sector_weights_from_staff=np.ones(orgs.n, bool),
            funding_by_kind={k: v for k, v in (("local_ngo", local), ("pooled_fund", pooled),
                                               ("ingo", f.annual_budget - local - pooled)) if v > 0},
            name=name,
        )


_KIND_SINGULAR = {
    OrgKind.LOCAL_NGO: "Local NGO",
    OrgKind.COMMUNITY_ORG: "Community organisation",
    OrgKind.NATIONAL_AUTHORITY: "National authority",
    OrgKind.INGO: "International NGO",
    OrgKind.UN_AGENCY: "UN agency",
}
# Recipient kinds in funding data: the organisation kinds, plus "other" (pooled funds, private
# sector, ...: counted in the total, never as local).
FUNDING_KINDS = tuple(k.name.lower() for k in OrgKind) + ("pooled_fund", "other")
_LOCAL_KIND_NAMES = tuple(k.name.lower() for k in OrgKind if k.is_local)
