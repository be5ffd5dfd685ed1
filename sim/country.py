"""A country described by data: areas, organisations and funding, as one validated object.

:class:`CountryData` is what the model needs from a country office's files to start a run
somewhere real instead of in the synthetic default country (``sim/areas.py``,
``sim/organisations.py``):

* **areas** (districts): name and code, population, people in need by sector, and, where
  given, access difficulty (0 = no constraint .. 1 = inaccessible) and position (lat/lon);
* **organisations**: name, kind (local NGO, community organisation, national authority,
  international NGO, UN agency), sector weights, the areas it works in and, where given,
  its staff;
* **funding** by recipient kind (USD), where given.

It holds no file I/O (``sim/hxl_io.py`` reads and writes it as HXL-tagged CSV) and no
configuration: ``experiments/cli/data.py`` fits the parameters to it. The model takes it as
``CapacityModel(params, country=...)`` and uses it in place of the synthetic draws; what it
does not give (capacities, skills, pay, missing access or positions) comes from the
parameters, as the run's data report says. :meth:`CountryData.from_model` describes a
model's initial state in the same form (for export and the round-trip test).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .kinds import KIND_PROFILE, OrgKind

if TYPE_CHECKING:  # pragma: no cover
    from .params import Params

__all__ = ["CountryData", "KIND_LABELS", "DEFAULT_SECTOR_NAMES", "xy_from_lat_lon", "lat_lon_from_xy"]

# Labels of organisation kinds for reports: (one, several).
KIND_LABELS = {
    OrgKind.LOCAL_NGO: ("local NGO", "local NGOs"),
    OrgKind.COMMUNITY_ORG: ("community organisation", "community organisations"),
    OrgKind.NATIONAL_AUTHORITY: ("national authority", "national authorities"),
    OrgKind.INGO: ("international NGO", "international NGOs"),
    OrgKind.UN_AGENCY: ("UN agency", "UN agencies"),
}
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
    name: str = "country data"
    sources: dict[str, dict] = field(default_factory=dict)  # file -> {"sha256", "rows", "columns"}

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

    # ------------------------------------------------------------------ provenance
    def fingerprint(self) -> str:
        """A short hash of everything the model reads from this object (part of a run's id)."""
        h = hashlib.sha1()
        for arr in (self.population, self.need, self.access, self.lat, self.lon, self.org_kind, self.org_sectors,
                    self.org_staff):
            h.update(np.ascontiguousarray(arr, dtype=float).tobytes())
        h.update(repr((self.sectors, self.area_names, self.org_names, self.org_areas,
                       sorted((self.funding_by_kind or {}).items()))).encode())
        return h.hexdigest()[:12]

    def describe(self) -> dict:
        """A JSON-ready summary for metadata: sizes, names, sources."""
        return {
            "name": self.name,
            "fingerprint": self.fingerprint(),
            "n_areas": self.n_areas,
            "sectors": list(self.sectors),
            "areas": list(self.area_names),
            "organisations": {k.name.lower(): v for k, v in self.kind_counts().items()},
            "people_in_need": float(self.need.sum()),
            "population": float(self.population.sum()),
            "funding_by_kind": self.funding_by_kind,
            "direct_local_share": self.direct_local_share,
            "sources": self.sources,
        }

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
            funding_by_kind={"local_ngo": local, "ingo": f.annual_budget - local},
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
FUNDING_KINDS = tuple(k.name.lower() for k in OrgKind) + ("other",)
_LOCAL_KIND_NAMES = tuple(k.name.lower() for k in OrgKind if k.is_local)
