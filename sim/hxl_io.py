"""A country's data as HXL-tagged CSV files or Excel workbooks: read with libhxl into
:class:`~sim.country.CountryData`, and written back (as CSV).

HXL (the Humanitarian Exchange Language, https://hxlstandard.org) adds a row of hashtags
under a CSV's column headers, so that columns are found by meaning (``#org+name``,
``#adm2+name``, ``#inneed``) whatever their header text or language; OCHA 3W and needs
exports on HDX carry them. Files are read with ``libhxl``, the standard's own library
(which also finds the hashtag row, picks the CSV delimiter, reads Excel workbooks through
``xlrd3`` and matches tag patterns).

One folder (formats, with an example row each, in ``docs/data.md``); each file ``.csv``,
``.xlsx`` or ``.xls``:

===============  ===========================================================================
``needs``        needs overview, one row per area and sector: ``#adm2+name`` (or ``#adm1+name``),
                 ``#population``, ``#sector``, ``#inneed``; optional codes, ``#adm1+name`` beside
                 ``#adm2+name`` (to add districts up to provinces), ``#access``, ``#geo+lat/lon``
``3w``           who does what where (or several ``3w_<name>`` files, merged): ``#org+name``,
                 ``#org+type``, ``#sector``, ``#adm2+name``/``#adm1+name`` or codes; optional
                 ``#capacity+staff``, roles ``#org+funder``, ``#org+prog`` (+``type``), people
                 ``#reached``, ``#targeted``, ``#date``, ``#activity``
``funding``      optional, funding by recipient: ``#org+type`` (recipient type),
                 ``#value+funding`` (USD); optional ``#currency`` (must be USD)
===============  ===========================================================================

Areas are at the finest admin level both the needs and the 3W files give (:func:`_area_level`).
The role columns give the funding chain (``FundingChain``) and the initial partnerships
(``capacity_partners``: the international programme partner listing a local organisation in
most rows); people reached are de-duplicated as :func:`_reached` says.

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

from .country import (FUNDING_KINDS, MEASURES, MODEL_USES, ChainLink, CountryData, FundingChain, capacity_partners,
                      is_pooled_fund)
from .kinds import NO_PARTNER, OrgKind

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
OTHER_RECIPIENTS = ("other", "private sector", "private organisation",
                    "private organization", "foundation", "academic", "multiple recipients", "unknown")
# Funding recipient types that are the country-based pooled fund (its contributions: pooled_fund.share).
POOLED_RECIPIENTS = ("pooled fund", "pooled_fund", "country based pooled fund", "country-based pooled fund", "cbpf")
CANONICAL_TYPES = "local_ngo, community_org, national_authority, ingo, un_agency (or e.g. 'National NGO', 'INGO', " \
                  "'UN agency', 'Government', 'CBO'; see docs/data.md)"


class DataError(ValueError):
    """A data file is missing, malformed or inconsistent (one line: file, row or column, what was expected)."""


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def read_country(directory: str | Path, name: str | None = None, sheet: str | None = None) -> CountryData:
    """Read the needs file, the 3W file(s) and (if present) the funding file from a folder.

    Each file may be CSV (``needs.csv``) or an Excel workbook (``needs.xlsx``, ``.xls``); the 3W
    may be split over several files, ``3w_<anything>.csv/.xlsx`` (one per cluster, say), which
    are read in name order and merged. Areas are at the finest admin level both the 3W and the
    needs file give (``CountryData.admin_level``).

    Args:
        directory: the folder holding the files.
        name: a label for reports (default: the first heading of the folder's README.md if it
            has one, else the folder's name).
        sheet: the sheet to read in every workbook (default: the first sheet with HXL hashtags,
            else the first sheet).

    Raises:
        DataError: one line naming the file, the row or column, and what was expected.
    """
    d = Path(directory)
    if not d.is_dir():
        raise DataError(f"{d}: no such folder; expected a folder with {NEEDS}, {WHO_WHAT_WHERE} and optionally {FUNDING}")
    needs_path = _one_file(d, "needs", required=True)
    w3_paths = _w3_files(d)
    funding_path = _one_file(d, "funding", required=False)
    needs = _Table.read(needs_path, sheet)
    w3 = [_Table.read(p, sheet) for p in w3_paths]
    level = _area_level(needs, w3)
    areas = _read_needs(needs, level)
    orgs = _read_3w(w3, areas)
    funding = pool_allocations = None
    sources = {needs.name: needs.source(), **{t.name: t.source() for t in w3}}
    if funding_path is not None:
        ft = _Table.read(funding_path, sheet)
        funding, pool_allocations = _read_funding(ft)
        sources[ft.name] = ft.source()
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
        pooled_allocations_by_kind=pool_allocations,
        name=name or _folder_title(d),
        sources=sources,
        admin_level=level,
        initial_partner=orgs["initial_partner"],
        chain=orgs["chain"],
        **orgs["money"],
        org_from_roles=orgs["from_roles"],
        reported_reached=orgs["reached"],
        reported_targeted=orgs["targeted"],
        reported_years=orgs["years"],
        area_units=areas.units,
    )


EXTENSIONS = (".csv", ".xlsx", ".xls")
_W3_NAME = re.compile(r"^3w([_\-. ].*)?$", re.IGNORECASE)


def _one_file(d: Path, stem: str, required: bool) -> Path | None:
    """``<stem>.csv`` or ``<stem>.xlsx`` / ``.xls`` in the folder (one of them)."""
    found = [d / f"{stem}{ext}" for ext in EXTENSIONS if (d / f"{stem}{ext}").is_file()]
    if len(found) > 1:
        raise DataError(f"{d}: {' and '.join(p.name for p in found)} are both present; expected one {stem} file")
    if not found and required:
        present = ", ".join(sorted(p.name for p in d.iterdir() if p.is_file())) or "nothing"
        raise DataError(f"{d / (stem + '.csv')}: file not found (the folder holds {present}); expected {NEEDS} and "
                        f"{WHO_WHAT_WHERE}, and optionally {FUNDING} (.csv or .xlsx; see docs/data.md)")
    return found[0] if found else None


def _w3_files(d: Path) -> list[Path]:
    """The 3W file, or several (``3w_health.csv``, ``3w_wash.xlsx``, ...), in name order."""
    found = sorted((p for p in d.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS
                    and _W3_NAME.match(p.stem)), key=lambda p: p.name.casefold())
    if not found:
        present = ", ".join(sorted(p.name for p in d.iterdir() if p.is_file())) or "nothing"
        raise DataError(f"{d / WHO_WHAT_WHERE}: file not found (the folder holds {present}); expected {NEEDS} and "
                        f"{WHO_WHAT_WHERE} (or several 3w_<name>.csv/.xlsx, merged), and optionally {FUNDING} "
                        "(see docs/data.md)")
    return found


def _area_level(needs: "_Table", w3: list["_Table"]) -> int:
    """The finest admin level that the needs file and every 3W file give (2, else 1)."""
    have = needs.levels()
    if not have:
        raise DataError(f"{needs.name}: missing required column #adm2+name (or #adm1+name for provinces) (area name); "
                        f"found {needs.tags()}")
    for t in w3:
        if not t.levels():
            raise DataError(f"{t.name}: missing required column #adm2+name (or #adm2+code; #adm1+name or #adm1+code "
                            f"for provinces) (area where the organisation works); found {t.tags()}")
        common = have & t.levels()
        if not common:
            raise DataError(f"{t.name}: areas at admin level {_levels_text(t.levels())} but {needs.name} at admin "
                            f"level {_levels_text(have)}; expected both files to share a level, e.g. #adm1+name in "
                            f"both (a needs file at admin 2 with an #adm1+name column is added up to admin 1)")
        have = common
    return max(have)


def _levels_text(levels: set[int]) -> str:
    return " and ".join(str(x) for x in sorted(levels)) if levels else "none (no #adm1 or #adm2 column)"


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
    def read(cls, path: Path, sheet: str | None = None) -> "_Table":
        """Read a CSV file or an Excel workbook (one sheet: ``sheet``, else the first with hashtags)."""
        import hxl  # libhxl; imported here so that `import sim` stays light

        raw = path.read_bytes()
        excel = path.suffix.lower() in (".xlsx", ".xls")
        what = "an Excel workbook with HXL hashtags" if excel else "HXL-tagged CSV"
        if not raw.strip():
            raise DataError(f"{path.name}: the file is empty; expected {what} (column headers, then a row "
                            "of hashtags, then data rows; see docs/data.md)")
        logging.getLogger("hxl").setLevel(logging.ERROR)
        options = dict(allow_local=True, encoding="utf-8-sig")
        try:
            if excel:
                options["sheet_index"] = _sheet_index(hxl, raw, path, sheet)
            with hxl.data(io.BytesIO(raw), hxl.InputOptions(**options)) as source:
                columns = list(source.columns)
                rows = [_Row(r.source_row_number + 1, ["" if v is None else _cell_text(v) for v in r.values])
                        for r in source]
        except DataError:
            raise
        except hxl.input.HXLTagsNotFoundException:
            raise DataError(f"{path.name}: no HXL hashtag row found in the first 25 rows; expected a row of hashtags "
                            "such as #org+name, #adm2+name under the column headers (this looks like "
                            f"{'a sheet without hashtags' if excel else 'plain CSV'}; see docs/data.md)") from None
        except Exception as e:  # libhxl and xlrd raise many types for unreadable files
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise DataError(f"{path.name}: could not be read as {what} ({first}); expected "
                            f"{'an .xlsx or .xls workbook' if excel else 'UTF-8 CSV with a hashtag row'}") from None
        rows = [r for r in rows if any(v and v.strip() for v in r.values)]
        if not rows:
            raise DataError(f"{path.name}: no data rows under the hashtag row; expected at least one row of data")
        return cls(path, columns, rows, hashlib.sha256(raw).hexdigest())

    def levels(self) -> set[int]:
        """Admin levels this file gives areas at (a #adm1 / #adm2 name or code column)."""
        return {lv for lv in (1, 2) if self.find_quiet((f"#adm{lv}+name", f"#adm{lv}+code")) is not None}

    def find_quiet(self, patterns: tuple[str, ...]) -> int | None:
        """Like :meth:`find`, not required, and a pattern matching several columns is passed over."""
        import hxl

        for spec in patterns:
            pattern = hxl.model.TagPattern.parse(spec)
            hits = [i for i, c in enumerate(self.columns) if c.tag and pattern.match(c)]
            if len(hits) == 1:
                return hits[0]
        return None

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


def _sheet_index(hxl, raw: bytes, path: Path, sheet: str | None) -> int | None:
    """0-based index of the named sheet (None: libhxl picks the first sheet with hashtags)."""
    if sheet is None:
        return None
    info = hxl.input.make_input(io.BytesIO(raw), hxl.InputOptions(allow_local=True)).get_sheet_info()
    names = [i["name"] for i in info]
    for k, n in enumerate(names):
        if n.casefold() == sheet.casefold():
            return k
    raise DataError(f"{path.name}: no sheet named {sheet!r}{_did_you_mean(sheet, names)}; expected one of "
                    f"{_listing(names)} (data.sheet)")


def _cell_text(value) -> str:
    """A cell as text; whole numbers from a spreadsheet (310000.0) without the trailing .0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
    level: int = 2  # admin level of the areas
    units: int | None = None  # areas of the needs file before they were added up to ``level`` (None: not added up)


def _mixed_rows(t: _Table, rows: list[_Row], fine: int, coarse: int) -> DataError:
    lines = ", ".join(str(r.line) for r in rows[:6]) + (f" ... ({len(rows)} rows)" if len(rows) > 6 else "")
    return DataError(f"{t.name} rows {lines}: area given at admin level {coarse} only (#adm{coarse}) while other rows "
                     f"give admin level {fine} (#adm{fine}); expected one admin level in a file (fill #adm{fine}+name "
                     f"on these rows, or drop the #adm{fine} columns to use admin level {coarse})")


def _check_one_level(t: _Table, level: int) -> None:
    """Refuse rows that give only a coarser level than the file's ``level`` columns (mixed levels)."""
    if level < 2:
        return
    fine = [c for c in (t.find_quiet((f"#adm{level}+name",)), t.find_quiet((f"#adm{level}+code",))) if c is not None]
    coarse = [c for c in (t.find_quiet((f"#adm{level - 1}+name",)), t.find_quiet((f"#adm{level - 1}+code",)))
              if c is not None]
    if not coarse:
        return
    bad = [r for r in t.rows if not any(t.text(r, c) for c in fine) and any(t.text(r, c) for c in coarse)]
    if bad:
        raise _mixed_rows(t, bad, level, level - 1)


def _read_needs(t: _Table, level: int = 2) -> _Areas:
    """Areas from the needs file at admin ``level``; a file at a finer level is added up to it."""
    unit_level = max(t.levels())
    _check_one_level(t, unit_level)
    c_name = t.find((f"#adm{unit_level}+name",),
                    what=f"area name ({'district' if unit_level == 2 else 'province'})")
    c_code = t.find((f"#adm{unit_level}+code",), required=False)
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
    units = _Areas(tuple(names), tuple(codes), tuple(sectors), population, need, per_area("access"), lat, lon,
                   by_name=by_key, by_code=by_code, level=unit_level)
    if level == unit_level:
        return units
    return _add_up(t, units, level)


def _add_up(t: _Table, units: _Areas, level: int) -> _Areas:
    """Areas at a coarser admin level: the needs file's areas added up by their #adm<level> column.

    Population and people in need add up; access difficulty is the population-weighted mean of
    the areas that give it (NaN if none does); positions are population-weighted centroids.
    """
    c_name = t.find((f"#adm{level}+name",), required=False)
    c_code = t.find((f"#adm{level}+code",), required=False)
    col = c_name if c_name is not None else c_code
    names: list[str] = []
    codes: list[str] = []
    by_key: dict[str, int] = {}
    by_code: dict[str, int] = {}
    parent = np.zeros(len(units.names), np.int64)
    seen: dict[int, tuple[str, _Row]] = {}
    c_unit = t.find((f"#adm{units.level}+name",))
    for row in t.rows:  # every row names its unit's parent; all rows of a unit must agree
        u = units.by_name[_key(t.text(row, c_unit))]
        pname = t.required_text(row, col, f"the admin {level} area this area is in")
        pcode = t.text(row, c_code) if c_name is not None else ""
        if u in seen and _key(seen[u][0]) != _key(pname):
            raise DataError(f"{t.where(row, col)}: area {units.names[u]!r} is in {pname!r} here but {seen[u][0]!r} in "
                            f"row {seen[u][1].line}; expected one admin {level} area per admin {units.level} area")
        seen[u] = (pname, row)
        k = _key(pname)
        if k not in by_key:
            by_key[k] = len(names)
            names.append(pname)
            codes.append(pcode)
            if pcode:
                by_code[pcode] = by_key[k]
        parent[u] = by_key[k]
    n = len(names)
    pop = units.population
    population = np.bincount(parent, pop, n)
    need = np.stack([np.bincount(parent, units.need[:, j], n) for j in range(len(units.sectors))], 1)
    given = np.isfinite(units.access)
    w_acc = np.bincount(parent[given], pop[given], n)
    acc_sum = np.bincount(parent[given], (pop * units.access)[given], n)
    access = np.divide(acc_sum, w_acc, out=np.full(n, np.nan), where=w_acc > 0)
    if np.isfinite(units.lat).all():
        lat = np.bincount(parent, pop * units.lat, n) / population
        lon = np.bincount(parent, pop * units.lon, n) / population
    else:
        lat = lon = np.full(n, np.nan)
    if len(set(codes)) > 1 and "" in codes:
        raise DataError(f"{t.name} column #adm{level}+code: area {names[codes.index('')]!r} has no code but other "
                        "areas do; expected a code for every area or none")
    return _Areas(tuple(names), tuple(codes), units.sectors, population, need, access, lat, lon,
                  by_name=by_key, by_code=by_code, level=level, units=len(units.names))


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


@dataclass
class _W3Row:
    """One 3W row, parsed: who, what, where, staff, roles, people reached."""

    t: _Table
    row: _Row
    org: int  # index into the organisation registry (implementers first)
    impl: str  # the organisation's name as this row spells it
    sector: int
    area: int
    staff: float
    funder: str  # "" where not given
    prog: str  # programme partner; "" where not given
    prog_type: str
    reached: float  # NaN where not given
    targeted: float
    date: str  # ISO date or year, "" where not given
    year: str
    activity: str
    budget: float = float("nan")  # USD, NaN where not given


class _W3Columns:
    """The columns of one 3W file (each file of a merged 3W is read with its own)."""

    def __init__(self, t: _Table, areas: _Areas):
        lv = areas.level
        self.org = t.find(("#org+impl+name", "#org+name-funder-donor-prog"), what="the organisation working there")
        self.type = t.find(("#org+impl+type", "#org+type-funder-donor-prog"), what="organisation type")
        self.sector = t.find(("#sector+name", "#sector-code", "#sector"), what="sector")
        self.area = t.find((f"#adm{lv}+name",), required=False)
        self.code = t.find((f"#adm{lv}+code",), required=False)
        self.use_codes = self.code is not None and bool(areas.by_code)
        if self.area is None and not self.use_codes:
            raise DataError(f"{t.name}: areas are given by #adm{lv}+code only but {NEEDS} has no #adm{lv}+code; "
                            f"expected #adm{lv}+name, or codes in both files")
        _check_one_level(t, lv)
        self.staff = t.find(("#capacity+staff",), required=False)
        self.funder = t.find(("#org+funder+name", "#org+funder-type-code", "#org+donor+name", "#org+donor-type-code"),
                             required=False, what="funder")
        self.prog = t.find(("#org+prog+name", "#org+prog-type-code"), required=False, what="programme partner")
        self.prog_type = t.find(("#org+prog+type",), required=False, what="programme partner's type")
        self.reached = t.find(("#reached+total", "#reached"), required=False, what="people reached")
        self.targeted = t.find(("#targeted+total", "#targeted"), required=False, what="people targeted")
        self.date = t.find_quiet(("#date+year", "#date+reported", "#date+end", "#date"))
        self.activity = t.find_quiet(("#activity+name", "#activity-code", "#activity"))
        self.budget = t.find(("#value+budget", "#value+funding"), required=False, what="budget of the row, USD")
        self.currency = t.find(("#currency",), required=False)
        self.tagged = [i for i, c in enumerate(t.columns) if c.tag]


_YEAR = re.compile(r"(19|20)\d\d")


def _date(t: _Table, row: _Row, col: int | None) -> tuple[str, str]:
    """(sortable date, year) of a row; ("", "") without a date column or value."""
    text = t.text(row, col)
    if not text:
        return "", ""
    if re.fullmatch(r"(19|20)\d\d(\.0)?", text):
        return text[:4], text[:4]
    import hxl

    try:
        iso = hxl.datatypes.normalise_date(text)
    except Exception:  # libhxl raises several types for text that is not a date
        iso = None
    if not iso or not _YEAR.match(iso):
        raise DataError(f"{t.where(row, col)}: {text!r} is not a date; expected a date such as 2024-06-30, or a year")
    return iso, iso[:4]


def _budget(t: _Table, row: _Row, c: "_W3Columns") -> float:
    """A 3W row's budget in USD (``#value+budget``), NaN where not given; another currency is refused."""
    if c.budget is None:
        return float("nan")
    value = t.number(row, c.budget, "the row's budget in USD, a number >= 0", lo=0, required=False)
    currency = t.text(row, c.currency)
    if np.isfinite(value) and currency and currency.casefold() != "usd":
        raise DataError(f"{t.where(row, c.currency)}: {currency!r}; expected USD (convert budgets to US dollars)")
    return value


def _sizes(rows: list[_W3Row]) -> tuple[str, np.ndarray]:
    """How to size these rows where the chain sets money (``MEASURES``): their budgets where every one gives a
    positive budget, else their staff where every one gives staff, else one each."""
    budget = np.array([r.budget for r in rows], float)
    if len(rows) and np.isfinite(budget).all() and budget.sum() > 0:
        return MEASURES[0], budget
    staff = np.array([r.staff for r in rows], float)
    if len(rows) and np.isfinite(staff).all() and staff.sum() > 0:
        return MEASURES[1], staff
    return MEASURES[2], np.ones(len(rows))


def _read_3w(tables: list[_Table], areas: _Areas) -> dict:
    """Organisations, where they work, the funding chain and people reached, from one or more 3W files."""
    sector_keys = {_key(s): j for j, s in enumerate(areas.sectors)}
    area_names_list = list(areas.names)
    org_index: dict[str, int] = {}
    names: list[str] = []
    kinds: list[OrgKind] = []
    type_row: list[tuple[str, _Table, _Row, int]] = []
    parsed: list[_W3Row] = []
    cols_of: dict[str, _W3Columns] = {}
    for t in tables:
        c = cols_of[t.name] = _W3Columns(t, areas)
        seen_rows: dict[tuple, _Row] = {}
        for row in t.rows:
            whole = tuple(t.text(row, i).casefold() for i in c.tagged)
            if whole in seen_rows:
                raise DataError(f"{t.where(row)}: repeats row {seen_rows[whole].line} exactly; expected each row once "
                                "(a duplicate entry would double-count the organisation's presence and staff)")
            seen_rows[whole] = row
            org = t.required_text(row, c.org, "the organisation's name")
            type_text = t.required_text(row, c.type, "the organisation's type")
            kind = _org_kind(t, row, c.type, type_text)
            sector = t.required_text(row, c.sector, "a sector of " + NEEDS)
            j = sector_keys.get(_key(sector))
            if j is None:
                raise DataError(f"{t.where(row, c.sector)}: sector {sector!r} is not in {NEEDS}"
                                f"{_did_you_mean(sector, list(areas.sectors))}; expected one of "
                                f"{_listing(list(areas.sectors))} (leave out rows of sectors without people in need)")
            code = t.text(row, c.code) if c.use_codes else ""
            lv = areas.level
            if code:
                a = areas.by_code.get(code)
                if a is None:
                    raise DataError(f"{t.where(row, c.code)}: area code {code!r} is not in {NEEDS} at admin level {lv}"
                                    f"{_did_you_mean(code, list(areas.by_code))}; expected one of "
                                    f"{_listing(list(areas.by_code))}")
            else:
                area = t.required_text(row, c.area, "an area of " + NEEDS) if c.area is not None else ""
                a = areas.by_name.get(_key(area))
                if a is None:
                    raise DataError(f"{t.where(row, c.area)}: area {area!r} is not in {NEEDS} at admin level {lv}"
                                    f"{_did_you_mean(area, area_names_list)}; expected one of "
                                    f"{_listing(area_names_list)}")
            staff = t.number(row, c.staff, "staff on this row, a number > 0 (full-time equivalents)", lo=0,
                             low_inclusive=False, required=False)
            key = _key(org)
            o = org_index.get(key)
            if o is None:
                o = org_index[key] = len(names)
                names.append(org)
                kinds.append(kind)
                type_row.append((type_text, t, row, c.type))
            elif kinds[o] != kind:
                first_type, ft, first, _ = type_row[o]
                other = f"row {first.line}" if ft is t else f"{ft.name} row {first.line}"
                raise DataError(f"{t.where(row, c.type)}: organisation {names[o]!r} has type {type_text!r} here but "
                                f"{first_type!r} in {other}; expected one type per organisation (the same "
                                "organisation entered twice?)")
            date, year = _date(t, row, c.date)
            parsed.append(_W3Row(
                t, row, o, org, j, a, staff, t.text(row, c.funder), t.text(row, c.prog), t.text(row, c.prog_type),
                t.number(row, c.reached, "people reached, a number >= 0", lo=0, required=False),
                t.number(row, c.targeted, "people targeted, a number >= 0", lo=0, required=False),
                date, year, t.text(row, c.activity), _budget(t, row, c)))

    n_impl = len(names)
    has_prog = any(c.prog is not None for c in cols_of.values())
    has_funder = any(c.funder is not None for c in cols_of.values())
    _refuse_role_loops(parsed)
    _refuse_fund_to_fund(parsed, cols_of)
    # Programme partners that implement nowhere: organisations too, where the 3W gives their type
    # (#org+prog+type); they work through their partners, in those rows' areas and sectors.
    from_roles: list[bool] = [False] * n_impl
    prog_areas: dict[int, list[int]] = {}
    prog_sectors: dict[int, set[int]] = {}
    for r in parsed:
        if not r.prog or _key(r.prog) in org_index or is_pooled_fund(r.prog) or not r.prog_type:
            continue
        kind = _org_kind(r.t, r.row, cols_of[r.t.name].prog_type, r.prog_type)
        o = org_index[_key(r.prog)] = len(names)
        names.append(r.prog)
        kinds.append(kind)
        from_roles.append(True)
        prog_areas[o], prog_sectors[o] = [], set()
    for r in parsed:
        o = org_index.get(_key(r.prog)) if r.prog else None
        if o is not None and o >= n_impl:
            if r.area not in prog_areas[o]:
                prog_areas[o].append(r.area)
            prog_sectors[o].add(r.sector)

    m, s = len(names), len(areas.sectors)
    org_areas: list[list[int]] = [[] for _ in range(m)]
    staff_rows: list[list[float]] = [[] for _ in range(m)]
    staff_by_sector = np.zeros((m, s))
    sector_sets: list[set[int]] = [set() for _ in range(m)]
    staff_col: dict[int, tuple[_Table, int | None]] = {}
    for r in parsed:
        o = r.org
        if r.area not in org_areas[o]:
            org_areas[o].append(r.area)
        sector_sets[o].add(r.sector)
        staff_rows[o].append(r.staff)
        staff_col.setdefault(o, (r.t, cols_of[r.t.name].staff))
        if np.isfinite(r.staff):
            staff_by_sector[o, r.sector] += r.staff
    for o in prog_areas:
        org_areas[o] = prog_areas[o]
        sector_sets[o] = prog_sectors[o]
    weights = np.zeros((m, s))
    staff_total = np.full(m, np.nan)
    from_staff = np.zeros(m, bool)
    for o in range(m):
        given = np.isfinite(staff_rows[o]) if staff_rows[o] else np.zeros(0, bool)
        if given.any() and not given.all():
            t, col = staff_col[o]
            raise DataError(f"{t.name} column {t.tag(col) if col is not None else '#capacity+staff'}: organisation "
                            f"{names[o]!r} has staff on {int(given.sum())} of its {len(given)} rows; expected staff "
                            "on all of its rows or none")
        if len(given) and given.all():
            staff_total[o] = float(np.sum(staff_rows[o]))
            weights[o] = staff_by_sector[o] / staff_by_sector[o].sum()
            from_staff[o] = True
        else:
            chosen = sorted(sector_sets[o])
            weights[o, chosen] = 1.0 / len(chosen)

    order = np.argsort(np.array([int(k) for k in kinds]), kind="stable")
    new_index = np.empty(m, np.int64)
    new_index[order] = np.arange(m)
    chain = partner = parts = None
    if has_prog or has_funder:
        parts = _chain(parsed, names, kinds, org_index, has_prog, has_funder)
        chain = parts.chain
        if parts.partner is not None:
            partner = np.full(m, NO_PARTNER, np.int64)
            given = np.flatnonzero(parts.partner != NO_PARTNER)
            partner[new_index[given]] = new_index[parts.partner[given]]
    reached, targeted, years = _reached(parsed, len(areas.names), cols_of)
    return {
        "names": tuple(names[o] for o in order),
        "kind": np.array([int(kinds[o]) for o in order], np.int64),
        "sectors": weights[order],
        "areas": tuple(tuple(org_areas[o]) for o in order),
        "staff": staff_total[order],
        "weights_from_staff": from_staff[order],
        "initial_partner": partner,
        "chain": chain,
        "money": {} if parts is None else dict(
            un_ingo_size=parts.un_ingo_size[order], un_programme_size=parts.un_programme_size,
            un_measure=parts.un_measure, un_rows=parts.un_rows, pool_grantee_size=parts.pool_grantee_size[order],
            pool_measure=parts.pool_measure),
        "from_roles": np.array(from_roles, bool)[order],
        "reached": reached,
        "targeted": targeted,
        "years": years,
    }


def _refuse_role_loops(parsed: list[_W3Row]) -> None:
    """Refuse a 3W in which money would come back to where it came from (A funds B funds A).

    Edges: funder -> programme partner -> implementer (funder -> implementer without a programme
    partner); a row naming one organisation in two roles (an organisation implementing its own
    programme) adds no edge. The row that closes a loop is named.
    """
    edges: dict[str, dict[str, tuple[_Table, _Row]]] = {}
    display: dict[str, str] = {}

    def path(start: str, goal: str) -> list[str] | None:
        prev = {start: None}
        todo = [start]
        while todo:
            u = todo.pop(0)
            if u == goal:
                out = [u]
                while prev[out[-1]] is not None:
                    out.append(prev[out[-1]])
                return out[::-1]
            for v in edges.get(u, {}):
                if v not in prev:
                    prev[v] = u
                    todo.append(v)
        return None

    for r in parsed:
        keys = []
        for name in [x for x in (r.funder, r.prog) if x] + [r.impl]:
            k = _key(name)
            display.setdefault(k, name)
            if not keys or keys[-1] != k:
                keys.append(k)
        for u, v in zip(keys, keys[1:]):
            if v in edges.get(u, {}):
                continue
            back = path(v, u)
            if back is not None:
                loop = " -> ".join(display[k] for k in [u, *back])
                first_u, first_v = back[0], back[1]
                t0, r0 = edges[first_u][first_v]
                other = f"row {r0.line}" if t0 is r.t else f"{t0.name} row {r0.line}"
                raise DataError(f"{r.t.where(r.row)}: role loop {loop} ({display[u]} funds {display[v]} here, "
                                f"{display[first_u]} funds {display[first_v]} in {other}); expected money to flow one "
                                "way: #org+funder -> #org+prog -> #org+impl")
            edges.setdefault(u, {})[v] = (r.t, r.row)


def _kind_name(key: str, names: list[str], kinds: list[OrgKind], org_index: dict[str, int], pooled: bool) -> str:
    if pooled:
        return "pooled_fund"
    o = org_index.get(key)
    return kinds[o].name.lower() if o is not None else "unknown"


def _refuse_fund_to_fund(parsed: list[_W3Row], cols_of: dict[str, "_W3Columns"]) -> None:
    """Refuse a 3W row in which a pooled fund funds a pooled fund, itself included (``#org+funder`` and
    ``#org+prog`` both pooled funds): a fund's money goes to organisations, as in the funding file."""
    for r in parsed:
        if not (r.funder and r.prog and is_pooled_fund(r.funder) and is_pooled_fund(r.prog)):
            continue
        where = r.t.where(r.row, cols_of[r.t.name].prog)
        if _key(r.funder) == _key(r.prog):
            raise DataError(f"{where}: the pooled fund {r.prog!r} funds itself (#org+funder and #org+prog); expected "
                            "the fund in one role: as #org+prog with the donor as #org+funder, or as #org+funder with "
                            "the organisation it funds as #org+prog")
        raise DataError(f"{where}: a pooled fund funding a pooled fund ({r.funder!r} -> {r.prog!r}) would loop the "
                        "chain; expected donors funding the fund, and the fund funding organisations")


@dataclass
class _ChainParts:
    """What the role columns set in the model, besides the chain table (indices before ordering by kind)."""

    chain: FundingChain
    partner: np.ndarray | None  # capacity partner per organisation (capacity_partners), None without #org+prog
    un_ingo_size: np.ndarray  # the size of the UN agencies' rows each international NGO receives
    un_programme_size: float  # the size of the rows a UN agency of the 3W takes part in
    un_measure: str
    un_rows: tuple[int, int]  # rows passed to international NGOs, rows a UN agency takes part in
    pool_grantee_size: np.ndarray  # the size of the rows in which each organisation receives a pooled fund's money
    pool_measure: str


def _chain(parsed: list[_W3Row], names: list[str], kinds: list[OrgKind], org_index: dict[str, int],
           has_prog: bool, has_funder: bool) -> _ChainParts:
    """The funding chain and what it sets in the model (docs/data.md, "What the chain sets in the model"):

    * each local organisation's capacity partner, where the 3W has programme partners;
    * the UN agencies' first level: a row is in a UN agency's programme when a UN agency of the 3W takes part
      in it (as funder, programme partner or implementer); it passes the money to an international NGO when
      the next organisation after the (last) UN agency on the row's path funder -> programme partner ->
      implementer is an international NGO of the 3W; that NGO receives the row;
    * the pooled fund's grantees: the next organisation after a pooled fund on a row's path.
    """
    m = len(names)

    def intermediary(r: _W3Row) -> str:
        return r.prog if r.prog and _key(r.prog) != _key(names[r.org]) else ""

    def path(r: _W3Row) -> list[str]:
        """The row's keys funder -> programme partner -> implementer, empty roles and repeats dropped."""
        keys: list[str] = []
        for name in (r.funder, r.prog, names[r.org]):
            k = _key(name) if name else ""
            if k and (not keys or keys[-1] != k):
                keys.append(k)
        return keys

    # Recipient level of each row: 1 + the level of the organisation it received from (its programme partner,
    # else its funder when that is an organisation of the 3W); an organisation's own level is the lowest over
    # the rows where it implements (1 if it implements nowhere), or, for a programme partner funded on the
    # row by an organisation of the 3W, 1 + that funder's level.
    impl_rows: dict[int, list[_W3Row]] = {}
    for r in parsed:
        impl_rows.setdefault(r.org, []).append(r)
    memo: dict[int, int] = {}

    def org_level(o: int) -> int:
        if o not in memo:
            memo[o] = min((row_level(r) for r in impl_rows.get(o, [])), default=1)
        return memo[o]

    def row_level(r: _W3Row) -> int:
        mid = intermediary(r)
        fo = org_index.get(_key(r.funder)) if r.funder else None
        if fo is not None and (fo == r.org or (mid and fo == org_index.get(_key(mid)))):
            fo = None
        if mid:
            o = org_index.get(_key(mid))
            if fo is not None:
                return 2 + org_level(fo)
            return 1 + (org_level(o) if o is not None else 1)
        return 1 + org_level(fo) if fo is not None else 1

    counts: dict[int, dict[int, tuple[int, int]]] = {}
    for k, r in enumerate(parsed):
        mid = intermediary(r)
        o = org_index.get(_key(mid)) if mid else None
        if o is None or not kinds[r.org].is_local or kinds[o].is_local:
            continue
        n_rows, first = counts.setdefault(r.org, {}).get(o, (0, k))
        counts[r.org][o] = (n_rows + 1, first)
    partner = capacity_partners(counts, m) if has_prog else None

    un_part: list[int] = []  # rows a UN agency takes part in
    un_to: dict[int, int] = {}  # row -> the international NGO it passes the money to
    pool_to: dict[int, int] = {}  # row -> the organisation a pooled fund funds on it
    uses_of: dict[int, list[str]] = {}
    for k, r in enumerate(parsed):
        keys = path(r)
        idx = [org_index.get(x) for x in keys]
        uses = []
        un_at = [i for i, o in enumerate(idx) if o is not None and kinds[o] == OrgKind.UN_AGENCY]
        if un_at:
            un_part.append(k)
            i = un_at[-1]
            nxt = idx[i + 1] if i + 1 < len(idx) else None
            if nxt is not None and kinds[nxt] == OrgKind.INGO:
                un_to[k] = nxt
                uses.append(MODEL_USES["un_first_level"])
        for i, x in enumerate(keys[:-1]):
            if org_index.get(x) is None and is_pooled_fund(x) and idx[i + 1] is not None:
                pool_to[k] = idx[i + 1]
                uses.append(MODEL_USES["pooled_fund"])
                break
        uses_of[k] = uses
    un_measure, un_size = _sizes([parsed[k] for k in un_part])
    un_ingo = np.zeros(m)
    for k, size in zip(un_part, un_size):
        if k in un_to:
            un_ingo[un_to[k]] += size
    pool_rows = sorted(pool_to)
    pool_measure, pool_size = _sizes([parsed[k] for k in pool_rows])
    pool_grantee = np.zeros(m)
    for k, size in zip(pool_rows, pool_size):
        pool_grantee[pool_to[k]] += size

    links: dict[tuple[str, str, str], dict] = {}
    for k, r in enumerate(parsed):
        mid = intermediary(r)
        key = (_key(r.funder), _key(mid), _key(names[r.org]))
        if key not in links:
            o = org_index.get(key[1]) if mid else None
            is_partner = partner is not None and o is not None and partner[r.org] == o
            links[key] = dict(
                funder=r.funder, intermediary=mid, implementer=names[r.org], level=row_level(r),
                funder_pooled=bool(r.funder) and is_pooled_fund(r.funder),
                intermediary_pooled=bool(mid) and is_pooled_fund(mid),
                intermediary_kind="" if not mid else _kind_name(key[1], names, kinds, org_index, is_pooled_fund(mid)),
                implementer_kind=kinds[r.org].name.lower(),
                rows=0, first_row=r.t.where(r.row), capacity_partnership=is_partner,
                model_use="; ".join(([MODEL_USES["partnership"]] if is_partner else []) + uses_of[k]))
        links[key]["rows"] += 1
    roles = tuple(x for x, have in (("funder", has_funder), ("programme partner", has_prog)) if have)
    return _ChainParts(FundingChain(tuple(ChainLink(**v) for v in links.values()), roles), partner, un_ingo,
                       float(un_size.sum()), un_measure, (len(un_to), len(un_part)), pool_grantee, pool_measure)


def _reached(parsed: list[_W3Row], n_areas: int, cols_of: dict[str, _W3Columns]):
    """People reached and targeted per reporting year and area, de-duplicated.

    3W counts are cumulative and overlap: within a year, an organisation's activity in an area
    and sector counts at its latest date only (earlier rows are the same people counted
    again); organisations add up within a sector; an area's people reached is its largest
    sector total (a person reached by two sectors is counted once, at the least).
    """
    if not any(c.reached is not None for c in cols_of.values()):
        return None, None, ()
    dated = any(c.date is not None for c in cols_of.values())
    out = {}
    for field in ("reached", "targeted"):
        latest: dict[tuple, tuple[str, float]] = {}
        for r in parsed:
            x = getattr(r, field)
            if not np.isfinite(x):
                continue
            year = r.year if dated else "all rows"
            if dated and not year:
                raise DataError(f"{r.t.where(r.row)}: {field} figure without a date; expected a date on every row "
                                "with people reached (3W counts are cumulative within a year)")
            key = (year, r.org, r.area, r.sector, _key(r.activity))
            have = latest.get(key)
            if have is None or r.date > have[0]:
                latest[key] = (r.date, x)
            elif r.date == have[0]:
                latest[key] = (r.date, have[1] + x)  # several projects of one activity on one date add up
        cells: dict[tuple, float] = {}
        for (year, _o, a, j, _act), (_d, x) in latest.items():
            cells[(year, a, j)] = cells.get((year, a, j), 0.0) + x
        out[field] = cells
    years = sorted({y for (y, _a, _j) in out["reached"]} | {y for (y, _a, _j) in out["targeted"]})
    arrays = []
    for field in ("reached", "targeted"):
        arr = np.full((len(years), n_areas), np.nan)
        for (year, a, _j), x in out[field].items():
            i = years.index(year)
            arr[i, a] = x if np.isnan(arr[i, a]) else max(arr[i, a], x)
        arrays.append(arr)
    return arrays[0], arrays[1], tuple(years)


def _read_funding(t: _Table) -> tuple[dict[str, float], dict[str, float] | None]:
    """Funding by recipient kind (donors' money: the pooled fund's contributions under ``pooled_fund``)
    and, where the file has rows whose funder is a pooled fund, the fund's allocations by recipient
    kind (None when it has none); allocations are not donor money and are not in the total."""
    c_type = t.find(("#org+type+recipient", "#org+type-funder-donor"), what="type of the recipient organisation")
    c_value = t.find(("#value+funding+usd", "#value+funding"), what="funding received, USD")
    c_currency = t.find(("#currency",), required=False)
    c_funder = t.find(("#org+name+funder", "#org+funder"), required=False)
    c_recipient = t.find(("#org+name+recipient",), required=False)
    totals = {k: 0.0 for k in FUNDING_KINDS}
    allocations = {k: 0.0 for k in FUNDING_KINDS}
    for row in t.rows:
        text = t.required_text(row, c_type, "the recipient's organisation type")
        recipient = t.text(row, c_recipient) if c_recipient is not None else ""
        if _key(text) in POOLED_RECIPIENTS or (recipient and is_pooled_fund(recipient)):
            kind = "pooled_fund"
        elif _key(text) in OTHER_RECIPIENTS:
            kind = "other"
        else:
            kind = _org_kind(t, row, c_type, text).name.lower()
        currency = t.text(row, c_currency)
        if currency and currency.casefold() != "usd":
            raise DataError(f"{t.where(row, c_currency)}: {currency!r}; expected USD (convert amounts to US dollars)")
        amount = t.number(row, c_value, "funding in USD, a number >= 0", lo=0)
        funder = t.text(row, c_funder) if c_funder is not None else ""
        if funder and is_pooled_fund(funder):
            if kind == "pooled_fund":
                raise DataError(f"{t.where(row, c_funder)}: a pooled fund funding a pooled fund ({funder!r} -> "
                                f"{recipient or text!r}) would loop the chain; expected donors funding the fund, "
                                "and the fund funding organisations")
            allocations[kind] += amount
        else:
            totals[kind] += amount
    if sum(totals.values()) <= 0:
        raise DataError(f"{t.name} column {t.tag(c_value)}: total funding is 0; expected a positive total")
    given = {k: v for k, v in allocations.items() if v > 0}
    return {k: v for k, v in totals.items() if v > 0}, (given or None)


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
        rows = [["", k, _fmt(v), "USD"] for k, v in country.funding_by_kind.items()]
        rows += [["Country-based pooled fund", k, _fmt(v), "USD"]
                 for k, v in (country.pooled_allocations_by_kind or {}).items()]
        written.append(_write(hxl, d / FUNDING, ["Funder", "Recipient type", "Funding (USD)", "Currency"],
                              ["#org+name+funder", "#org+type", "#value+funding+usd", "#currency"], rows))
    return written


def _write(hxl, path: Path, headers: list[str], tags: list[str], rows: list[list[str]]) -> Path:
    """Write one HXL-tagged CSV through libhxl's own writer."""
    source = hxl.data([headers, tags, *rows])
    buffer = io.StringIO()
    hxl.input.write_hxl(buffer, source)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path
