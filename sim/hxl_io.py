"""A country's data as HXL-tagged CSV files: read with libhxl into :class:`~sim.country.CountryData`, and written back.

HXL (the Humanitarian Exchange Language, https://hxlstandard.org) adds a row of hashtags
under a CSV's column headers, so that columns are found by meaning (``#org+name``,
``#adm2+name``, ``#inneed``) whatever their header text or language; OCHA 3W and needs
exports on HDX carry them. Files are read with ``libhxl``, the standard's own library
(which also finds the hashtag row, picks the CSV delimiter and matches tag patterns).

One folder, three files (formats, with an example row each, in ``docs/data.md``):

===============  ===========================================================================
``needs.csv``    needs overview, one row per area and sector: ``#adm2+name``, ``#population``,
                 ``#sector``, ``#inneed``; optional ``#adm2+code``, ``#access`` (0..1),
                 ``#geo+lat``, ``#geo+lon``
``3w.csv``       who does what where, one row per organisation, sector and area (or activity):
                 ``#org+name``, ``#org+type``, ``#sector``, ``#adm2+name`` or ``#adm2+code``;
                 optional ``#capacity+staff`` (staff on that row, full-time equivalents)
``funding.csv``  optional, funding by recipient: ``#org+type`` (recipient type),
                 ``#value+funding`` (USD); optional ``#currency`` (must be USD)
===============  ===========================================================================

Bad data raises :class:`DataError` with one line naming the file, the row (as numbered in a
spreadsheet, headers included) or column, and what was expected. Nothing is returned from
a file that was not read completely.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .country import FUNDING_KINDS, CountryData
from .kinds import OrgKind

__all__ = ["DataError", "read_country", "write_country", "NEEDS", "WHO_WHAT_WHERE", "FUNDING", "ORG_TYPES",
           "MAX_SECTORS"]

NEEDS, WHO_WHAT_WHERE, FUNDING = "needs.csv", "3w.csv", "funding.csv"
MAX_SECTORS = 12  # the parameter registry's limit on world.n_sectors

# Organisation types as written in 3W and funding exports (compared case- and punctuation-
# insensitively), mapped to the model's kinds. Red Cross / Red Crescent entries must say
# which part of the Movement they are (national society = local; ICRC, IFRC = international).
ORG_TYPES: dict[str, OrgKind] = {}
for _kind, _names in {
    OrgKind.LOCAL_NGO: ("local ngo", "national ngo", "nngo", "lngo", "local", "national", "local national ngo",
                        "national local ngo", "ngo national", "national ngos", "local ngos", "civil society organisation",
                        "civil society organization", "cso", "national society", "red cross red crescent national society",
                        "women led organisation", "women led organization", "wlo", "women s rights organisation",
                        "women s rights organization", "wro"),
    OrgKind.COMMUNITY_ORG: ("community based organisation", "community based organization", "cbo",
                            "community organisation", "community organization", "community group"),
    OrgKind.NATIONAL_AUTHORITY: ("government", "national authority", "national government", "local government",
                                 "local authority", "ndma", "national disaster management authority", "ministry"),
    OrgKind.INGO: ("international ngo", "ingo", "international", "international ngos", "icrc", "ifrc",
                   "red cross red crescent movement international"),
    OrgKind.UN_AGENCY: ("un agency", "un", "united nations", "un agencies", "united nations agency"),
}.items():
    ORG_TYPES[_kind.name.lower().replace("_", " ")] = _kind
    for _n in _names:
        ORG_TYPES[_n] = _kind
# Funding recipients that are not one of the model's kinds: counted in the total, never as local.
OTHER_RECIPIENTS = ("other", "pooled fund", "country based pooled fund", "private sector", "private organisation",
                    "private organization", "foundation", "academic", "multiple recipients", "unknown")
CANONICAL_TYPES = "local_ngo, community_org, national_authority, ingo, un_agency (or e.g. 'National NGO', 'INGO', " \
                  "'UN agency', 'Government', 'CBO'; see docs/data.md)"


class DataError(ValueError):
    """A data file is missing, malformed or inconsistent (one line: file, row or column, what was expected)."""


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def read_country(directory: str | Path, name: str | None = None) -> CountryData:
    """Read ``needs.csv``, ``3w.csv`` and (if present) ``funding.csv`` from a folder.

    Args:
        directory: the folder holding the files.
        name: a label for reports (default: the first heading of the folder's README.md if it
            has one, else the folder's name).

    Raises:
        DataError: one line naming the file, the row or column, and what was expected.
    """
    d = Path(directory)
    if not d.is_dir():
        raise DataError(f"{d}: no such folder; expected a folder with {NEEDS}, {WHO_WHAT_WHERE} and optionally {FUNDING}")
    for required in (NEEDS, WHO_WHAT_WHERE):
        if not (d / required).is_file():
            present = ", ".join(sorted(p.name for p in d.iterdir() if p.is_file())) or "nothing"
            raise DataError(f"{d / required}: file not found (the folder holds {present}); expected {NEEDS} and "
                            f"{WHO_WHAT_WHERE}, and optionally {FUNDING} (see docs/data.md)")
    needs = _Table.read(d / NEEDS)
    areas = _read_needs(needs)
    w3 = _Table.read(d / WHO_WHAT_WHERE)
    orgs = _read_3w(w3, areas)
    funding = None
    sources = {NEEDS: needs.source(), WHO_WHAT_WHERE: w3.source()}
    if (d / FUNDING).is_file():
        ft = _Table.read(d / FUNDING)
        funding = _read_funding(ft)
        sources[FUNDING] = ft.source()
    return CountryData(
        sectors=areas.sectors,
        area_names=areas.names,
        area_codes=areas.codes,
        population=areas.population,
        need=areas.need,
        access=areas.access,
        lat=areas.lat,
        lon=areas.lon,
        org_names=orgs["names"],
        org_kind=orgs["kind"],
        org_sectors=orgs["sectors"],
        org_areas=orgs["areas"],
        org_staff=orgs["staff"],
        sector_weights_from_staff=orgs["weights_from_staff"],
        funding_by_kind=funding,
        name=name or _folder_title(d),
        sources=sources,
    )


def _folder_title(d: Path) -> str:
    """The first Markdown heading of the folder's README.md (e.g. 'SYNTHETIC example ...'), else its name."""
    readme = d / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip() or d.name
    return d.name


@dataclass
class _Row:
    line: int  # row number as a spreadsheet shows it (headers included), 1-based
    values: list[str]


class _Table:
    """One HXL file read completely: its columns (libhxl ``Column`` objects) and rows."""

    def __init__(self, path: Path, columns: list, rows: list[_Row], digest: str):
        self.path = path
        self.name = path.name
        self.columns = columns
        self.rows = rows
        self.digest = digest

    @classmethod
    def read(cls, path: Path) -> "_Table":
        import hxl  # libhxl; imported here so that `import sim` stays light

        raw = path.read_bytes()
        if not raw.strip():
            raise DataError(f"{path.name}: the file is empty; expected HXL-tagged CSV (column headers, then a row "
                            "of hashtags, then data rows; see docs/data.md)")
        logging.getLogger("hxl").setLevel(logging.ERROR)
        try:
            with hxl.data(io.BytesIO(raw), hxl.InputOptions(allow_local=True, encoding="utf-8-sig")) as source:
                columns = list(source.columns)
                rows = [_Row(r.source_row_number + 1, list(r.values)) for r in source]
        except hxl.input.HXLTagsNotFoundException:
            raise DataError(f"{path.name}: no HXL hashtag row found in the first 25 rows; expected a row of hashtags "
                            "such as #org+name, #adm2+name under the column headers (this looks like plain CSV; "
                            "see docs/data.md)") from None
        except (hxl.HXLException, UnicodeDecodeError, ValueError) as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise DataError(f"{path.name}: could not be read as HXL-tagged CSV ({first}); expected UTF-8 CSV "
                            "with a hashtag row") from None
        rows = [r for r in rows if any(v and v.strip() for v in r.values)]
        if not rows:
            raise DataError(f"{path.name}: no data rows under the hashtag row; expected at least one row of data")
        return cls(path, columns, rows, hashlib.sha256(raw).hexdigest())

    def source(self) -> dict:
        return {"sha256": self.digest, "rows": len(self.rows),
                "columns": [c.display_tag for c in self.columns if c.tag]}

    def tags(self) -> str:
        return ", ".join(c.display_tag for c in self.columns if c.tag) or "none"

    def find(self, patterns: tuple[str, ...], required: bool = True, what: str = "") -> int | None:
        """Index of the column matching the first pattern that matches any column.

        ``patterns`` are libhxl tag patterns in order of preference (``#org+impl+name`` before
        ``#org+name-funder``). Two columns matching the chosen pattern are ambiguous.
        """
        import hxl

        for spec in patterns:
            pattern = hxl.model.TagPattern.parse(spec)
            hits = [i for i, c in enumerate(self.columns) if c.tag and pattern.match(c)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                tags = ", ".join(self.columns[i].display_tag for i in hits)
                raise DataError(f"{self.name}: {len(hits)} columns match {spec} ({tags}); expected one column of "
                                f"{what or 'this kind'} (remove or retag the others, or mark the one to use, e.g. "
                                f"{spec.split('-')[0]}+total)")
        if required:
            shown = re.sub(r"-\w+", "", patterns[-1])  # the plain tag, e.g. #org+name for #org+name-funder
            raise DataError(f"{self.name}: missing required column {shown} ({what}); found {self.tags()}")
        return None

    def text(self, row: _Row, col: int | None) -> str:
        if col is None or col >= len(row.values) or row.values[col] is None:
            return ""
        return " ".join(str(row.values[col]).split())

    def tag(self, col: int) -> str:
        return self.columns[col].display_tag

    def where(self, row: _Row, col: int | None = None) -> str:
        return f"{self.name} row {row.line}" + (f" column {self.tag(col)}" if col is not None else "")

    def required_text(self, row: _Row, col: int, expected: str) -> str:
        value = self.text(row, col)
        if not value:
            raise DataError(f"{self.where(row, col)}: empty; expected {expected}")
        return value

    def number(self, row: _Row, col: int | None, expected: str, lo: float | None = None, hi: float | None = None,
               low_inclusive: bool = True, required: bool = True) -> float:
        """A number from a cell (thousands separators allowed); NaN if empty and not required."""
        value = self.text(row, col)
        if not value:
            if required:
                raise DataError(f"{self.where(row, col)}: empty; expected {expected}")
            return float("nan")
        x = _parse_number(value)
        if x is None:
            raise DataError(f"{self.where(row, col)}: {value!r} is not a number; expected {expected}")
        too_low = lo is not None and (x < lo if low_inclusive else x <= lo)
        if too_low or (hi is not None and x > hi):
            raise DataError(f"{self.where(row, col)}: {value} is out of range; expected {expected}")
        return x


_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+|\d{1,3}( \d{3})+)(\.\d+)?([eE][+-]?\d+)?$")


def _parse_number(text: str) -> float | None:
    t = text.strip()
    if not _NUMBER.match(t):
        return None
    return float(t.replace(",", "").replace(" ", ""))


def _key(text: str) -> str:
    """Comparison key of a name: case, spacing and punctuation ignored."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _did_you_mean(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _listing(options: list[str], limit: int = 8) -> str:
    shown = ", ".join(options[:limit])
    return shown + (f", ... ({len(options)} in all)" if len(options) > limit else "")


@dataclass
class _Areas:
    names: tuple[str, ...]
    codes: tuple[str, ...]
    sectors: tuple[str, ...]
    population: np.ndarray
    need: np.ndarray
    access: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    by_name: dict[str, int]
    by_code: dict[str, int]


def _read_needs(t: _Table) -> _Areas:
    c_name = t.find(("#adm2+name",), what="area (district) name")
    c_code = t.find(("#adm2+code",), required=False)
    c_pop = t.find(("#population+total", "#population"), what="population of the area")
    c_sector = t.find(("#sector+name", "#sector-code", "#sector"), what="sector")
    c_need = t.find(("#inneed+total", "#inneed"), what="people in need in the area and sector")
    c_access = t.find(("#access",), required=False)
    c_lat = t.find(("#geo+lat",), required=False)
    c_lon = t.find(("#geo+lon",), required=False)
    if (c_lat is None) != (c_lon is None):
        raise DataError(f"{t.name}: {'#geo+lat' if c_lat is not None else '#geo+lon'} without its pair; "
                        "expected both #geo+lat and #geo+lon, or neither")

    names: list[str] = []
    codes: list[str] = []
    by_key: dict[str, int] = {}
    by_code: dict[str, int] = {}
    sectors: list[str] = []
    sector_index: dict[str, int] = {}
    cells: dict[tuple[int, int], tuple[float, _Row]] = {}
    area_values: dict[str, dict[int, tuple[float, _Row]]] = {"population": {}, "access": {}, "lat": {}, "lon": {}}
    first_row: dict[int, _Row] = {}
    for row in t.rows:
        name = t.required_text(row, c_name, "the area's name")
        code = t.text(row, c_code)
        key = _key(name)
        a = by_key.get(key)
        if a is None:
            if code and code in by_code:
                other = names[by_code[code]]
                raise DataError(f"{t.where(row, c_code)}: code {code!r} is also used by area {other!r}; "
                                "expected one code per area")
            a = by_key[key] = len(names)
            names.append(name)
            codes.append(code)
            first_row[a] = row
            if code:
                by_code[code] = a
        elif code != codes[a]:
            raise DataError(f"{t.where(row, c_code)}: area {name!r} has code {code!r} here but {codes[a]!r} in row "
                            f"{first_row[a].line}; expected one code per area")
        sector = t.required_text(row, c_sector, "the sector's name")
        s = sector_index.get(_key(sector))
        if s is None:
            s = sector_index[_key(sector)] = len(sectors)
            sectors.append(sector)
            if len(sectors) > MAX_SECTORS:
                raise DataError(f"{t.where(row, c_sector)}: {sector!r} is sector number {len(sectors)}; expected at "
                                f"most {MAX_SECTORS} sectors (merge sub-sectors into their cluster)")
        pin = t.number(row, c_need, "people in need, a number >= 0 (write 0 if no one is in need)", lo=0)
        if (a, s) in cells:
            raise DataError(f"{t.where(row)}: area {name!r}, sector {sector!r} repeats row {cells[(a, s)][1].line}; "
                            "expected one row per area and sector")
        cells[(a, s)] = (pin, row)
        for field, col, expected, lo, hi, low_inc in (
            ("population", c_pop, "the area's population, a number > 0", 0, None, False),
            ("access", c_access, "access difficulty from 0 (no constraint) to 1 (inaccessible)", 0, 1, True),
            ("lat", c_lat, "latitude in degrees, -90 to 90", -90, 90, True),
            ("lon", c_lon, "longitude in degrees, -180 to 180", -180, 180, True),
        ):
            if col is None:
                continue
            x = t.number(row, col, expected, lo=lo, hi=hi, low_inclusive=low_inc, required=False)
            if np.isnan(x):
                continue
            seen = area_values[field].get(a)
            if seen is not None and seen[0] != x:
                raise DataError(f"{t.where(row, col)}: area {name!r} has {t.text(row, col)} here but {seen[0]:g} in "
                                f"row {seen[1].line}; expected one value per area")
            area_values[field][a] = (x, row)

    n, s = len(names), len(sectors)
    need = np.zeros((n, s))
    for a in range(n):
        for j in range(s):
            if (a, j) not in cells:
                raise DataError(f"{t.name}: area {names[a]!r} has no row for sector {sectors[j]!r}; expected one row "
                                "per area and sector (write 0 if no one is in need)")
            need[a, j] = cells[(a, j)][0]
    missing_pop = [names[a] for a in range(n) if a not in area_values["population"]]
    if missing_pop:
        raise DataError(f"{t.name} column {t.tag(c_pop)}: no population for area {missing_pop[0]!r} on any row; "
                        "expected the area's population on at least one of its rows")
    population = np.array([area_values["population"][a][0] for a in range(n)])
    over = np.flatnonzero(need.sum(1) > population)
    if len(over):
        a = int(over[0])
        raise DataError(f"{t.name} row {first_row[a].line}: area {names[a]!r} has {need[a].sum():,.0f} people in need "
                        f"summed over sectors but a population of {population[a]:,.0f}; expected each person counted "
                        "once, in the sector of their main need (see docs/data.md, 'overlapping sector figures')")

    def per_area(field: str) -> np.ndarray:
        return np.array([area_values[field][a][0] if a in area_values[field] else np.nan for a in range(n)])

    lat, lon = per_area("lat"), per_area("lon")
    given = np.isfinite(lat) & np.isfinite(lon)
    if given.any() and not given.all():
        a = int(np.flatnonzero(~given)[0])
        raise DataError(f"{t.name}: no #geo+lat/#geo+lon for area {names[a]!r} but positions for {int(given.sum())} "
                        f"of {n} areas; expected positions for every area or none")
    if len(set(codes)) > 1 and "" in codes:
        a = codes.index("")
        raise DataError(f"{t.where(first_row[a], c_code)}: area {names[a]!r} has no code but other areas do; "
                        "expected a code for every area or none")
    return _Areas(tuple(names), tuple(codes), tuple(sectors), population, need, per_area("access"), lat, lon,
                  by_name=by_key, by_code=by_code)


def _org_kind(t: _Table, row: _Row, col: int, value: str) -> OrgKind:
    kind = ORG_TYPES.get(_key(value).replace("_", " "))
    if kind is None:
        extra = ""
        if "red cross" in _key(value) or "red crescent" in _key(value):
            extra = " (say 'national society' or 'ICRC'/'IFRC')"
        elif _key(value) in OTHER_RECIPIENTS or _key(value) in ("donor", "private"):
            extra = " (not a responding organisation the model represents: leave such rows out of the 3W)"
        raise DataError(f"{t.where(row, col)}: unknown organisation type {value!r}{extra}; expected one of "
                        f"{CANONICAL_TYPES}")
    return kind


def _read_3w(t: _Table, areas: _Areas) -> dict:
    c_org = t.find(("#org+impl+name", "#org+name-funder-donor"), what="the organisation working there")
    c_type = t.find(("#org+impl+type", "#org+type-funder-donor"), what="organisation type")
    c_sector = t.find(("#sector+name", "#sector-code", "#sector"), what="sector")
    c_area = t.find(("#adm2+name",), required=False)
    c_code = t.find(("#adm2+code",), required=False)
    if c_area is None and c_code is None:
        raise DataError(f"{t.name}: missing required column #adm2+name (or #adm2+code) (area where the organisation "
                        f"works); found {t.tags()}")
    use_codes = c_code is not None and bool(areas.by_code)
    if c_area is None and not use_codes:
        raise DataError(f"{t.name}: areas are given by #adm2+code only but {NEEDS} has no #adm2+code; expected "
                        "#adm2+name, or codes in both files")
    c_staff = t.find(("#capacity+staff",), required=False)
    sector_keys = {_key(s): j for j, s in enumerate(areas.sectors)}
    area_names_list = list(areas.names)

    org_index: dict[str, int] = {}
    names: list[str] = []
    kinds: list[OrgKind] = []
    type_row: list[tuple[str, _Row]] = []
    org_areas: list[list[int]] = []
    staff_rows: list[list[float]] = []
    staff_by_sector: list[np.ndarray] = []
    sector_sets: list[set[int]] = []
    seen_rows: dict[tuple, _Row] = {}
    tagged = [i for i, c in enumerate(t.columns) if c.tag]
    for row in t.rows:
        whole = tuple(t.text(row, i).casefold() for i in tagged)
        if whole in seen_rows:
            raise DataError(f"{t.where(row)}: repeats row {seen_rows[whole].line} exactly; expected each row once "
                            "(a duplicate entry would double-count the organisation's presence and staff)")
        seen_rows[whole] = row
        org = t.required_text(row, c_org, "the organisation's name")
        type_text = t.required_text(row, c_type, "the organisation's type")
        kind = _org_kind(t, row, c_type, type_text)
        sector = t.required_text(row, c_sector, "a sector of " + NEEDS)
        j = sector_keys.get(_key(sector))
        if j is None:
            raise DataError(f"{t.where(row, c_sector)}: sector {sector!r} is not in {NEEDS}"
                            f"{_did_you_mean(sector, list(areas.sectors))}; expected one of "
                            f"{_listing(list(areas.sectors))} (leave out rows of sectors without people in need)")
        a = None
        code = t.text(row, c_code) if use_codes else ""
        if code:
            a = areas.by_code.get(code)
            if a is None:
                raise DataError(f"{t.where(row, c_code)}: area code {code!r} is not in {NEEDS}"
                                f"{_did_you_mean(code, list(areas.by_code))}; expected one of "
                                f"{_listing(list(areas.by_code))}")
        else:
            area = t.required_text(row, c_area, "an area of " + NEEDS) if c_area is not None else ""
            a = areas.by_name.get(_key(area))
            if a is None:
                raise DataError(f"{t.where(row, c_area)}: area {area!r} is not in {NEEDS}"
                                f"{_did_you_mean(area, area_names_list)}; expected one of "
                                f"{_listing(area_names_list)}")
        staff = t.number(row, c_staff, "staff on this row, a number > 0 (full-time equivalents)", lo=0,
                         low_inclusive=False, required=False)
        key = _key(org)
        o = org_index.get(key)
        if o is None:
            o = org_index[key] = len(names)
            names.append(org)
            kinds.append(kind)
            type_row.append((type_text, row))
            org_areas.append([])
            staff_rows.append([])
            staff_by_sector.append(np.zeros(len(areas.sectors)))
            sector_sets.append(set())
        elif kinds[o] != kind:
            first_type, first = type_row[o]
            raise DataError(f"{t.where(row, c_type)}: organisation {names[o]!r} has type {type_text!r} here but "
                            f"{first_type!r} in row {first.line}; expected one type per organisation (the same "
                            "organisation entered twice?)")
        if a not in org_areas[o]:
            org_areas[o].append(a)
        sector_sets[o].add(j)
        staff_rows[o].append(staff)
        if np.isfinite(staff):
            staff_by_sector[o][j] += staff

    m, s = len(names), len(areas.sectors)
    weights = np.zeros((m, s))
    staff_total = np.full(m, np.nan)
    from_staff = np.zeros(m, bool)
    for o in range(m):
        given = np.isfinite(staff_rows[o])
        if given.any() and not given.all():
            raise DataError(f"{t.name} column {t.tag(c_staff)}: organisation {names[o]!r} has staff on "
                            f"{int(given.sum())} of its {len(given)} rows; expected staff on all of its rows or none")
        if given.all():
            staff_total[o] = float(np.sum(staff_rows[o]))
            weights[o] = staff_by_sector[o] / staff_by_sector[o].sum()
            from_staff[o] = True
        else:
            chosen = sorted(sector_sets[o])
            weights[o, chosen] = 1.0 / len(chosen)
    order = np.argsort(np.array([int(k) for k in kinds]), kind="stable")
    return {
        "names": tuple(names[o] for o in order),
        "kind": np.array([int(kinds[o]) for o in order], np.int64),
        "sectors": weights[order],
        "areas": tuple(tuple(org_areas[o]) for o in order),
        "staff": staff_total[order],
        "weights_from_staff": from_staff[order],
    }


def _read_funding(t: _Table) -> dict[str, float]:
    c_type = t.find(("#org+type+recipient", "#org+type-funder-donor"), what="type of the recipient organisation")
    c_value = t.find(("#value+funding+usd", "#value+funding"), what="funding received, USD")
    c_currency = t.find(("#currency",), required=False)
    totals = {k: 0.0 for k in FUNDING_KINDS}
    for row in t.rows:
        text = t.required_text(row, c_type, "the recipient's organisation type")
        if _key(text) in OTHER_RECIPIENTS:
            kind = "other"
        else:
            kind = _org_kind(t, row, c_type, text).name.lower()
        currency = t.text(row, c_currency)
        if currency and currency.casefold() != "usd":
            raise DataError(f"{t.where(row, c_currency)}: {currency!r}; expected USD (convert amounts to US dollars)")
        totals[kind] += t.number(row, c_value, "funding in USD, a number >= 0", lo=0)
    if sum(totals.values()) <= 0:
        raise DataError(f"{t.name} column {t.tag(c_value)}: total funding is 0; expected a positive total")
    return {k: v for k, v in totals.items() if v > 0}


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    """A number as text that reads back to exactly the same float."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def write_country(country: CountryData, directory: str | Path) -> list[Path]:
    """Write country data as HXL-tagged CSV (``needs.csv``, ``3w.csv``, ``funding.csv``).

    Rows follow the formats :func:`read_country` reads, so that writing and reading back gives
    the same :class:`CountryData`. Each organisation's staff are written as full-time
    equivalents per row: its staff split over its sectors by sector weight and evenly over
    its areas.

    Args:
        country: the data to write.
        directory: the folder (created if needed; existing files of these names are replaced).

    Returns:
        The paths written.
    """
    import hxl

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    codes = any(country.area_codes)
    positions = country.has_positions
    head = ["District"] + (["District code"] if codes else []) + ["Population", "Sector", "People in need", "Access difficulty"]
    tags = ["#adm2+name"] + (["#adm2+code"] if codes else []) + ["#population", "#sector", "#inneed", "#access"]
    if positions:
        head += ["Latitude", "Longitude"]
        tags += ["#geo+lat", "#geo+lon"]
    rows = []
    for a in range(country.n_areas):
        for j, sector in enumerate(country.sectors):
            r = [country.area_names[a]] + ([country.area_codes[a]] if codes else [])
            acc = country.access[a]
            r += [_fmt(country.population[a]), sector, _fmt(country.need[a, j]), "" if np.isnan(acc) else _fmt(acc)]
            if positions:
                r += [_fmt(country.lat[a]), _fmt(country.lon[a])]
            rows.append(r)
    written = [_write(hxl, d / NEEDS, head, tags, rows)]

    has_staff = np.isfinite(country.org_staff)
    head = ["Organisation", "Organisation type", "Sector", "District"] + (["District code"] if codes else [])
    tags = ["#org+name", "#org+type", "#sector", "#adm2+name"] + (["#adm2+code"] if codes else [])
    if has_staff.any():
        if not has_staff.all():
            raise ValueError("write_country writes staff for all organisations or none")
        head.append("Staff (FTE)")
        tags.append("#capacity+staff")
    rows = []
    for o in range(country.n_orgs):
        kind = OrgKind(int(country.org_kind[o])).name.lower()
        sectors = np.flatnonzero(country.org_sectors[o] > 0)
        areas = country.org_areas[o]
        for a in areas:
            for j in sectors:
                r = [country.org_names[o], kind, country.sectors[j], country.area_names[a]]
                r += [country.area_codes[a]] if codes else []
                if has_staff.any():
                    r.append(_fmt(country.org_staff[o] * country.org_sectors[o, j] / len(areas)))
                rows.append(r)
    written.append(_write(hxl, d / WHO_WHAT_WHERE, head, tags, rows))

    if country.funding_by_kind is not None:
        rows = [[k, _fmt(v), "USD"] for k, v in country.funding_by_kind.items()]
        written.append(_write(hxl, d / FUNDING, ["Recipient type", "Funding (USD)", "Currency"],
                              ["#org+type", "#value+funding+usd", "#currency"], rows))
    return written


def _write(hxl, path: Path, headers: list[str], tags: list[str], rows: list[list[str]]) -> Path:
    """Write one HXL-tagged CSV through libhxl's own writer."""
    source = hxl.data([headers, tags, *rows])
    buffer = io.StringIO()
    hxl.input.write_hxl(buffer, source)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path
