"""Starting from a country's HXL data: the example loads and runs, bad data is refused in one
line, data and config combine as documented, and the synthetic country survives a round trip
through HXL files with the same initial state and the same run."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import small_params
from experiments.cli.main import main
from experiments.config import CONFIG_DIR, UsageError, precheck
from experiments.cli.data import load_country, setup
from sim.country_params import country_params
from sim.country import CountryData
from sim.hxl_io import DataError, read_country, write_country
from sim.kinds import NO_PARTNER
from analysis.report import reached_check, reached_summary
from sim.model import CapacityModel
from sim.kinds import KIND_PROFILE, OrgKind
from sim.params import Params
from sim.results import run

EXAMPLE = Path(CONFIG_DIR) / "data" / "example"
EXAMPLE_ADMIN1 = Path(CONFIG_DIR) / "data" / "example_admin1"


@pytest.fixture(scope="module")
def example() -> CountryData:
    return read_country(EXAMPLE)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A writable copy of the example data set."""
    d = tmp_path / "country"
    shutil.copytree(EXAMPLE, d)
    return d


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def edit(path: Path, find: str, replace: str) -> int:
    """Replace the first line containing ``find``; returns its row number as a spreadsheet shows it."""
    rows = lines(path)
    i = next(k for k, line in enumerate(rows) if find in line)
    rows[i] = rows[i].replace(find, replace) if replace is not None else ""
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return i + 1


# ---------------------------------------------------------------------------------------------
# The example data set
# ---------------------------------------------------------------------------------------------


def test_example_data_set_is_read_completely(example):
    assert example.name.startswith("SYNTHETIC"), "the example must say it is synthetic (README heading)"
    assert all(lines(EXAMPLE / f)[0].startswith("SYNTHETIC") for f in ("needs.csv", "3w.csv", "funding.csv"))
    assert example.n_areas == 12 and example.n_sectors == 4, "example should have 12 districts and 4 clusters"
    assert example.sectors == ("Health", "WASH", "Food Security", "Protection")
    counts = example.kind_counts()
    assert counts[OrgKind.LOCAL_NGO] == 13, "12 NGOs + the national Red Crescent society are local"
    assert counts[OrgKind.COMMUNITY_ORG] == 5 and counts[OrgKind.NATIONAL_AUTHORITY] == 1
    assert counts[OrgKind.INGO] == 6 and counts[OrgKind.UN_AGENCY] == 3
    assert example.need.sum() == pytest.approx(540_200), "people in need summed over needs.csv"
    assert example.population.sum() == pytest.approx(2_743_000)
    assert example.n_access_given == 10, "two districts have no access value on purpose"
    assert example.has_positions
    assert example.n_staff_given == 25, "three community organisations have no staff figure on purpose"
    # Funding: 1.66 M of 60.36 M USD to local and national actors; the pooled fund is not local.
    assert example.funding_total == pytest.approx(60_360_000)
    assert example.direct_local_share == pytest.approx(1_660_000 / 60_360_000)
    for name in ("needs.csv", "3w.csv", "funding.csv"):
        assert len(example.sources[name]["sha256"]) == 64, f"{name} hash missing from provenance"


def test_example_runs_from_the_scenario_and_starts_from_the_data():
    s = setup(precheck(["scenario=from_data", "years=0.5"]))
    assert s.country is not None, "scenario=from_data must load the bundled example"
    p = s.params
    assert (p.world.n_areas, p.world.n_sectors, p.world.n_staff) == (12, 4, 2531)
    assert p.funding.direct_local_share == pytest.approx(0.0275, abs=1e-4), "direct share should come from funding.csv"
    m = CapacityModel(p, s.country)
    np.testing.assert_array_equal(m.areas.chronic, s.country.need, err_msg="initial need is not the data's")
    np.testing.assert_array_equal(m.areas.population, s.country.population)
    given = np.isfinite(s.country.access)
    np.testing.assert_array_equal(m.areas.access[given], s.country.access[given], err_msg="given access changed")
    assert np.all((m.areas.access[~given] >= 0) & (m.areas.access[~given] <= 1)), "filled access out of 0..1"
    for o, areas in enumerate(s.country.org_areas):
        row = m.orgs.presence[o]
        assert list(row[row >= 0]) == list(areas), f"presence of {s.country.org_names[o]} differs from the 3W"
    result = run(p, s.country)
    assert len(result.steps) == 26, "the run did not reach its horizon"
    assert result.steps["coverage"].between(0, 1).all()
    cap = result.capacity
    assert set(cap["stage"]) == {"start", "end"}, "capacity map must be recorded at the start and the end"
    start = cap[(cap["stage"] == "start") & (cap["actor"] == "local")]
    assert start["need"].sum() == pytest.approx(s.country.need.sum()), "the start map's need is not the data's"


def test_partial_staff_is_filled_from_the_type_profile(example):
    staff = example.initial_headcount()
    known = np.isfinite(example.org_staff)
    np.testing.assert_array_equal(staff[known], np.round(example.org_staff[known]))
    size = np.array([KIND_PROFILE[OrgKind(int(k))]["size"] for k in example.org_kind])
    scale = example.org_staff[known].sum() / size[known].sum()
    np.testing.assert_array_equal(staff[~known], np.round(size[~known] * scale),
                                  err_msg="organisations without staff should get their type's size, scaled")
    assert (example.org_kind[~known] == OrgKind.COMMUNITY_ORG).all()


def test_sector_weights_follow_staff_by_sector(example):
    o = example.org_names.index("Global Relief Partners")
    j_food, j_wash = example.sectors.index("Food Security"), example.sectors.index("WASH")
    # 4 districts x 45 staff in food security, 2 x 25 in WASH.
    assert example.org_sectors[o, j_food] == pytest.approx(180 / 230)
    assert example.org_sectors[o, j_wash] == pytest.approx(50 / 230)
    cbo = example.org_names.index("Cedar Valley Mothers' Group")
    assert example.org_sectors[cbo].max() == 1.0, "an organisation without staff splits evenly over its sectors"


def test_run_prints_report_and_writes_maps_and_metadata(tmp_path, capsys):
    out = tmp_path / "r"
    main(["run", "scenario=from_data", "years=0.25", f"hydra.run.dir={out}"])
    printed = capsys.readouterr().out
    assert "from data:" in printed and "from assumptions" in printed, "the run must say what came from where"
    assert "people in need by area and sector" in printed and "staff skills" in printed
    res = out / "results"
    for name in ("capacity_map_start.csv", "capacity_map_start.png", "capacity_map_end.csv", "capacity_map_end.png",
                 "capacity.parquet"):
        assert (res / name).is_file(), f"{name} not written"
    table = pd.read_csv(res / "capacity_map_start.csv")
    assert len(table) == 12 * 4 * 2, "one row per area, sector and actor group"
    assert {"need", "staff_present", "reach", "reach_to_need", "capacity_technical", "capacity_network"} <= set(table)
    meta = json.loads((res / "metadata.json").read_text())
    data = meta["data"]
    got = {r["quantity"] for r in data["from_data"]}
    assert {"areas", "organisations", "staff per organisation", "funding.direct_local_share"} <= got
    assumed = {r["quantity"] for r in data["from_assumptions"]}
    assert {"staff skills", "pay", "institutional and network capacity", "access difficulty"} <= assumed
    assert meta["params"]["world"]["n_areas"] == 12 and meta["country"]["fingerprint"] == data["fingerprint"]
    assert meta["area_level"] == "admin 2" and data["admin_level"] == 2, "the area level must be in metadata.json"
    assert "areas at admin level 2" in printed
    assert (res / "reached_check.csv").is_file() and (res / "reached_check.png").is_file()
    assert "country's own check (2025, 12 of 12 areas at admin 2)" in printed


def test_capacity_present_accounts_for_every_staff_member():
    s = setup(precheck(["scenario=from_data", "years=0.5"]))
    m = CapacityModel(s.params, s.country)
    for when in ("start", "end"):
        if when == "end":
            for _ in range(m.n_steps):
                m.step()
        cp = m.capacity_present()
        hc = m.staff.headcount * (m.orgs.active & ((m.orgs.presence >= 0).any(1)))
        local = hc[m.orgs.is_local].sum()
        assert cp["staff"][..., 0].sum() == pytest.approx(local), f"{when}: local staff present != local headcount"
        assert cp["staff"][..., 1].sum() == pytest.approx(hc[m.orgs.is_intl].sum()), f"{when}: international staff"
        np.testing.assert_allclose(cp["need"], m.areas.need)
        for dim in m.CAPACITY_DIMENSIONS:
            v = cp[dim][cp["staff"] > 0]
            assert np.all((v >= 0) & (v <= 1)), f"{dim} index outside 0..1"
            assert np.isnan(cp[dim][cp["staff"] == 0]).all(), f"{dim} should be NaN where no staff are present"


def test_capacity_map_does_not_change_the_run():
    p = small_params(years=1.0, seed=5)
    a, b = run(p, capacity_map=False), run(p, capacity_map=True)
    assert a.capacity is None and b.capacity is not None
    pd.testing.assert_frame_equal(a.steps, b.steps, check_exact=True, obj="steps with and without the capacity map")


# ---------------------------------------------------------------------------------------------
# Data and config together
# ---------------------------------------------------------------------------------------------


def test_a_lever_set_in_the_config_wins_over_the_data():
    s = setup(precheck(["scenario=from_data", "funding=grand_bargain"]))
    assert s.params.funding.direct_local_share == 0.25, "funding=grand_bargain must win over funding.csv"
    row = next(r for r in s.report if r["quantity"] == "funding.direct_local_share")
    assert row["source"] == "config" and "0.0275" in row["detail"], row


def test_structure_set_against_the_data_is_refused():
    with pytest.raises(UsageError, match=r"world.n_areas = 30 contradicts the data \(12 in needs.csv\)"):
        setup(precheck(["scenario=from_data", "world.n_areas=30"]))


def test_data_values_the_registry_refuses_are_reported_with_the_files():
    # funding.csv: 0.0275 direct and 0.0660 to the pooled fund; with a 0.925 emergency share that is 1.01877
    # > 1, while the config alone (0.02 + 0.925 + 0.05) is fine.
    with pytest.raises(UsageError, match=r"data: needs.csv, 3w.csv, funding.csv set parameters the registry refuses: "
                                         r"funding.direct_local_share \+ .* = 1.01877 exceeds 1"):
        setup(precheck(["scenario=from_data", "funding.emergency_share=0.925"]))


def test_the_pooled_fund_in_a_funding_file_becomes_the_pooled_fund():
    c = read_country(EXAMPLE)
    assert c.funding_by_kind["pooled_fund"] == 4_000_000
    assert c.pooled_fund_share == pytest.approx(4_000_000 / c.funding_total)
    # rows funded by the pooled fund are its allocations, not donor money
    assert c.pooled_allocations_by_kind == {"local_ngo": 950_000.0, "ingo": 1_500_000.0}
    assert c.pooled_fund_local_share == pytest.approx(950 / 2450)
    s = setup(precheck(["scenario=from_data"]))
    assert s.params.pooled_fund.share == pytest.approx(c.pooled_fund_share)


def test_donors_come_from_the_funder_column():
    s = setup(precheck(["scenario=from_data"]))
    rows = [r for r in s.report if r["quantity"] == "funding.n_donors"]
    assert rows and rows[0]["source"] == "data" and "Donor A" in rows[0]["detail"], rows
    assert s.params.funding.n_donors == 3
    kept = setup(precheck(["scenario=from_data", "funding.n_donors=5"]))
    assert kept.params.funding.n_donors == 5, "a donor count set in the config wins over the data"


def test_any_scenario_takes_data_and_keeps_its_levers():
    s = setup(precheck(["scenario=alima_hybrid", "data.dir=data/example"]))
    assert s.country is not None and s.params.world.n_areas == 12
    assert s.params.governance.local_board_seats == 0.3, "the scenario's levers must stay"


def test_without_data_the_synthetic_country_is_used():
    assert load_country(precheck([])) is None
    assert setup(precheck([])).params == Params(), "no data.dir: parameters untouched"


def test_data_changes_the_run_id(data_dir):
    p = small_params()
    a = read_country(EXAMPLE)
    edit(data_dir / "needs.csv", '"14,900",0.20', '"14,800",0.20')
    b = read_country(data_dir)
    from sim.store import run_id

    assert run_id(p, a) != run_id(p, b), "runs on different data must not share an id"
    assert run_id(p, a) != run_id(p), "a run on data must not share the synthetic run's id"


def test_areas_are_matched_by_code_when_both_files_have_codes(data_dir):
    edit(data_dir / "3w.csv", "Gorge Peace Initiative,Women-led organisation,Protection,Lantern Gorge,XL12",
         "Gorge Peace Initiative,Women-led organisation,Protection,Lantern Gorge (district),XL12")
    c = read_country(data_dir)
    o = c.org_names.index("Gorge Peace Initiative")
    assert c.area_names[c.org_areas[o][0]] == "Lantern Gorge", "the p-code should decide the area"


# ---------------------------------------------------------------------------------------------
# Admin levels, roles (the funding chain and initial partnerships), people reached, formats
# ---------------------------------------------------------------------------------------------


def write_rows(path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def read_rows(path: Path) -> list[list[str]]:
    import csv

    return list(csv.reader(path.open(encoding="utf-8")))


def test_admin1_example_adds_up_the_needs_and_runs(example):
    c = read_country(EXAMPLE_ADMIN1)
    assert c.admin_level == 1 and c.area_units == 12, "3W at admin 1 and needs at admin 2 give admin 1 areas"
    assert c.area_names == ("Northern", "Coastal", "Southern", "Delta")
    assert c.need.sum() == pytest.approx(example.need.sum()) and c.population.sum() == pytest.approx(2_743_000)
    northern = [example.area_names.index(a) for a in ("Amber Hills", "Cedar Valley", "Ember Lake")]
    np.testing.assert_allclose(c.need[0], example.need[northern].sum(0), err_msg="province need != its districts'")
    assert sorted(c.org_names) == sorted(example.org_names), "the merged per-cluster files hold every organisation"
    assert {"3w_health.xlsx", "3w_wash.csv", "3w_food_security.csv", "3w_protection.csv"} <= set(c.sources)
    p, report = country_params(Params(), c)
    assert p.crisis.rapid_onset_rate == pytest.approx(0.04 * 3) and p.crisis.rapid_onset_size == pytest.approx(0.25 / 3), \
        "at admin 1 a province stands for 3 districts: 3x the shocks, each a third as large"
    assert any(r["quantity"] == "neighbouring areas" and "warning" in r["detail"] for r in report)
    s = setup(precheck(["scenario=from_data", "data.dir=data/example_admin1", "years=0.1"]))
    result = run(s.params, s.country, capacity_map=False)
    meta = result.metadata
    assert meta["area_level"] == "admin 1" and meta["country"]["admin_level"] == 1
    assert len(result.areas) == 4 and result.areas["area_people_covered"].gt(0).all()


def test_role_columns_give_the_initial_partnerships(example):
    names = example.org_names
    partner = example.initial_partner

    def partner_of(local: str) -> str | None:
        i = partner[names.index(local)]
        return None if i == NO_PARTNER else names[i]

    # The international programme partner that lists the organisation in most rows (ties: the first row).
    assert partner_of("Amber Hills Women's Network") == "Children First International"  # 2 rows against 1
    assert partner_of("Dune Pastoralist Union") == "Food Security Alliance"  # 1-1-1: the first row
    assert partner_of("Harbour Mercy Foundation") == "Protection Action International"  # a pooled fund is no partner
    assert partner_of("Ridge Community Care") is None, "only a pooled fund as programme partner: drawn by the model"
    assert partner_of("Cedar Valley Mothers' Group") is None, "a local intermediary is a funding link, not a partner"
    model = CapacityModel(country_params(Params.from_dict({"years": 0.1}), example)[0], example)
    for o in np.flatnonzero(partner != NO_PARTNER):
        assert model.orgs.partner[o] == partner[o], f"{names[o]} does not start with its partner from the 3W"
    chain = example.chain.to_frame()
    link = chain[(chain["implementer"] == "Cedar Valley Mothers' Group")].iloc[0]
    assert (link["intermediary"], link["level"]) == ("Valley Health Volunteers", 3), \
        "Donor B -> MediCorps -> Valley Health Volunteers -> the mothers' group: the third level"
    pooled = chain[chain["intermediary_pooled"]]
    assert set(pooled["intermediary"]) == {"Exampleland Humanitarian Fund"} and chain["funder_pooled"].any()
    assert example.chain.n_unused_pairs == 10 and example.chain.n_partnership_pairs == 10


def test_without_programme_partners_the_model_draws(data_dir):
    drop_column(data_dir / "3w.csv", "#org+prog+name")
    c = read_country(data_dir)
    assert c.initial_partner is None and c.chain.roles == ("funder",)
    _, report = country_params(Params(), c)
    assert any(r["quantity"] == "initial partnerships" and r["source"] == "assumption"
               and "no #org+prog column" in r["detail"] for r in report)


def test_people_reached_are_deduplicated_and_compared(example):
    w3 = pd.read_csv(EXAMPLE / "3w.csv", skiprows=[0, 2], thousands=",")
    by_sector = w3.groupby(["District", "Cluster"])["People reached"].sum()
    expected = by_sector.groupby(level=0).max()
    for a, name in enumerate(example.area_names):
        assert example.reported_reached[0, a] == expected[name], f"{name}: not the largest sector total"
    result = run(country_params(Params.from_dict({"years": 1.0}), example)[0], example, capacity_map=False)
    table = reached_check(result.areas, example.reported_block())
    assert len(table) == 12 and list(table["area_name"]) == list(example.area_names)
    first = result.areas[result.areas["year"] == 0].set_index("area")["area_people_covered"]
    np.testing.assert_allclose(table["modelled_reached"], first.to_numpy())
    np.testing.assert_allclose(table["ratio"], table["modelled_reached"] / table["reported_reached"])
    s = reached_summary(table)
    assert s["areas_compared"] == 12 and s["median_ratio"] == pytest.approx(np.median(table["ratio"]))
    assert 0 < first.sum() <= result.areas[result.areas["year"] == 0]["area_need"].sum()


def test_cumulative_reached_counts_the_latest_date_only(data_dir):
    rows = read_rows(data_dir / "3w.csv")
    head = rows[2].index("#date+year")
    rows[1][head], rows[2][head] = "Reporting date", "#date+reported"
    for r in rows[3:]:
        r[head] = "2025-06-30"
    first = rows[3]
    earlier = first.copy()
    earlier[head], earlier[rows[2].index("#reached")] = "2025-03-31", "999999"
    rows.append(earlier)  # the same activity earlier in the year: counted already in the later figure
    write_rows(data_dir / "3w.csv", rows)
    c = read_country(data_dir)
    assert c.reported_years == ("2025",)
    np.testing.assert_array_equal(c.reported_reached, read_country(EXAMPLE).reported_reached)


def test_an_excel_3w_reads_like_the_csv(data_dir):
    openpyxl = pytest.importorskip("openpyxl")
    rows = read_rows(data_dir / "3w.csv")
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["A notes sheet without hashtags"])
    sheet = wb.create_sheet("3W")
    for r in rows:
        sheet.append([float(x) if x.isdigit() else x for x in r])
    (data_dir / "3w.csv").unlink()
    wb.save(data_dir / "3w.xlsx")
    c = read_country(data_dir)
    e = read_country(EXAMPLE)
    assert c.org_names == e.org_names and c.org_areas == e.org_areas
    np.testing.assert_array_equal(c.org_staff, e.org_staff)
    np.testing.assert_array_equal(c.initial_partner, e.initial_partner)
    np.testing.assert_array_equal(c.reported_reached, e.reported_reached)
    assert read_country(data_dir, sheet="3W").fingerprint() == c.fingerprint()
    with pytest.raises(DataError, match=r"3w.xlsx: no sheet named '3w health'.*expected one of Notes, 3W"):
        read_country(data_dir, sheet="3w health")
    sheet.cell(row=10, column=rows[2].index("#adm2+name") + 1, value="Nowhere")
    sheet.cell(row=10, column=rows[2].index("#adm2+code") + 1).value = None
    wb.save(data_dir / "3w.xlsx")
    with pytest.raises(DataError, match=r"^3w.xlsx row 10 column #adm2\+name: area 'Nowhere' is not in needs.csv"):
        read_country(data_dir)  # rows numbered as the spreadsheet shows them


def test_per_cluster_files_are_merged(data_dir):
    rows = read_rows(data_dir / "3w.csv")
    j = rows[2].index("#sector")
    for sector in ("Health", "WASH", "Food Security", "Protection"):
        write_rows(data_dir / f"3w_{sector.lower().replace(' ', '_')}.csv",
                   rows[:3] + [r for r in rows[3:] if r[j] == sector])
    (data_dir / "3w.csv").unlink()
    c, e = read_country(data_dir), read_country(EXAMPLE)
    assert len([k for k in c.sources if k.startswith("3w_")]) == 4
    assert dict(zip(c.org_names, c.org_staff)) == pytest.approx(dict(zip(e.org_names, e.org_staff)), nan_ok=True)
    assert {n: set(a) for n, a in zip(c.org_names, c.org_areas)} == {n: set(a) for n, a in zip(e.org_names, e.org_areas)}
    assert dict(zip(c.org_names, c.org_kind)) == dict(zip(e.org_names, e.org_kind))
    np.testing.assert_array_equal(c.reported_reached, e.reported_reached)


# ---------------------------------------------------------------------------------------------
# Bad data: one line naming the file, the row or column, and what was expected
# ---------------------------------------------------------------------------------------------


def drop_column(path: Path, tag: str) -> None:
    rows = lines(path)
    tags_row = next(i for i, line in enumerate(rows) if line.startswith("#"))
    k = rows[tags_row].split(",").index(tag)
    import csv
    import io

    parsed = list(csv.reader(io.StringIO("\n".join(rows))))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in parsed:
        w.writerow(r[:k] + r[k + 1:] if len(r) > k else r)
    path.write_text(buf.getvalue(), encoding="utf-8")


def case_missing_hashtag(d):
    drop_column(d / "needs.csv", "#inneed")
    return "needs.csv: missing required column #inneed (people in need in the area and sector); found"


def case_missing_org_type(d):
    drop_column(d / "3w.csv", "#org+impl+type")
    return "3w.csv: missing required column #org+type (organisation type)"


def case_unknown_area_name(d):
    drop_column(d / "3w.csv", "#adm2+code")
    row = edit(d / "3w.csv", "Protection,Lantern Gorge", "Protection,Lanten Gorge")
    return (f"3w.csv row {row} column #adm2+name: area 'Lanten Gorge' is not in needs.csv at admin level 2 "
            "(did you mean 'Lantern Gorge'?); expected one of")


def case_unknown_area_code(d):
    row = edit(d / "3w.csv", "Lantern Gorge,XL12", "Lantern Gorge,XL99")
    return f"3w.csv row {row} column #adm2+code: area code 'XL99' is not in needs.csv at admin level 2"


def case_negative_need(d):
    row = edit(d / "needs.csv", '"9,900"', "-9900")
    return f"needs.csv row {row} column #inneed: -9900 is out of range; expected people in need, a number >= 0"


def case_duplicate_organisation(d):
    row = edit(d / "3w.csv", "Global Relief Partners,INGO,WASH", "Global Relief Partners,National NGO,WASH")
    return (f"3w.csv row {row} column #org+impl+type: organisation 'Global Relief Partners' has type 'National NGO' "
            "here but 'INGO' in row")


def case_duplicate_row(d):
    rows = lines(d / "3w.csv")
    i = next(k for k, line in enumerate(rows) if line.startswith("Ridge Community Care"))
    rows.append(rows[i])
    (d / "3w.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return f"3w.csv row {len(rows)}: repeats row {i + 1} exactly"


def case_empty_file(d):
    (d / "3w.csv").write_text("", encoding="utf-8")
    return "3w.csv: the file is empty; expected HXL-tagged CSV"


def case_not_hxl(d):
    rows = [line for line in lines(d / "needs.csv") if not line.startswith("#")]
    (d / "needs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return "needs.csv: no HXL hashtag row found in the first 25 rows; expected a row of hashtags"


def case_no_data_rows(d):
    rows = lines(d / "funding.csv")
    (d / "funding.csv").write_text("\n".join(rows[:3]) + "\n", encoding="utf-8")
    return "funding.csv: no data rows under the hashtag row"


def case_unknown_org_type(d):
    row = edit(d / "3w.csv", "Marsh Farmers Aid,NNGO", "Marsh Farmers Aid,Cooperative")
    return f"3w.csv row {row} column #org+impl+type: unknown organisation type 'Cooperative'; expected one of local_ngo"


def case_unknown_sector(d):
    row = edit(d / "3w.csv", "Gorge Peace Initiative,Women-led organisation,Protection",
               "Gorge Peace Initiative,Women-led organisation,Education")
    return f"3w.csv row {row} column #sector: sector 'Education' is not in needs.csv; expected one of Health, WASH"


def case_need_above_population(d):
    rows = lines(d / "needs.csv")
    i = next(k for k, line in enumerate(rows) if line.startswith("XL07"))
    rows = [line.replace('"95,000"', "9000") if line.startswith("XL07") else line for line in rows]
    (d / "needs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return f"needs.csv row {i + 1}: area 'Granite Ridge' has 39,000 people in need summed over sectors but a population"


def case_missing_sector_row(d):
    edit(d / "needs.csv", "XL05,Ember Lake,\"260,000\",WASH", None)
    return "needs.csv: area 'Ember Lake' has no row for sector 'WASH'; expected one row per area and sector"


def case_partial_staff(d):
    row = edit(d / "3w.csv", "Amber Hills,XL01,12", "Amber Hills,XL01,")
    assert row > 0
    return ("3w.csv column #capacity+staff: organisation \"Amber Hills Women's Network\" has staff on 2 of its 3 rows; "
            "expected staff on all of its rows or none")


def case_not_a_number(d):
    row = edit(d / "needs.csv", '"310,000",Health', "many,Health")
    return f"needs.csv row {row} column #population: 'many' is not a number; expected the area's population"


def case_wrong_currency(d):
    row = edit(d / "funding.csv", '"9,800,000",USD', '"9,800,000",EUR')
    return f"funding.csv row {row} column #currency: 'EUR'; expected USD"


def case_missing_file(d):
    (d / "3w.csv").unlink()
    return "3w.csv: file not found (the folder holds README.md, funding.csv, needs.csv); expected needs.csv and 3w.csv"


def case_ambiguous_columns(d):
    for i, line in enumerate(rows := lines(d / "needs.csv")):
        if line.startswith("#"):
            rows[i] = line + ",#inneed+children"
        elif i > 2:
            rows[i] = line + ",10"
    (d / "needs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return "needs.csv: 2 columns match #inneed (#inneed, #inneed+children); expected one column of people in need"


def case_role_loop(d):
    # Coastal Relief Association implements for UN Food Agency (row 7); here it would fund UN Food Agency.
    row = edit(d / "3w.csv", "Kestrel Bay,XL11,50,Donor A,UN Food Agency",
               "Kestrel Bay,XL11,50,Coastal Relief Association,UN Food Agency")
    return (f"3w.csv row {row}: role loop Coastal Relief Association -> UN Food Agency -> Coastal Relief Association "
            "(Coastal Relief Association funds UN Food Agency here, UN Food Agency funds Coastal Relief Association in "
            "row 7); expected money to flow one way: #org+funder -> #org+prog -> #org+impl")


def _use_admin1(d: Path) -> None:
    for f in d.iterdir():
        f.unlink()
    for f in EXAMPLE_ADMIN1.iterdir():
        shutil.copy(f, d / f.name)


def case_area_missing_at_admin1(d):
    _use_admin1(d)
    row = edit(d / "3w_wash.csv", "WASH,Delta,24", "WASH,Deltaa,24")
    return (f"3w_wash.csv row {row} column #adm1+name: area 'Deltaa' is not in needs.csv at admin level 1 (did you "
            "mean 'Delta'?); expected one of Northern, Coastal, Southern, Delta")


def case_mixed_admin_levels(d):
    rows = read_rows(d / "3w.csv")
    province = {"XL01": "Northern", "XL03": "Northern", "XL05": "Northern", "XL02": "Coastal", "XL08": "Coastal",
                "XL11": "Coastal", "XL04": "Southern", "XL07": "Southern", "XL10": "Southern", "XL12": "Southern",
                "XL06": "Delta", "XL09": "Delta"}
    rows[1].append("Province")
    rows[2].append("#adm1+name")
    for r in rows[3:]:
        r.append(province[r[4]])
    for i in (6, 9):  # spreadsheet rows 7 and 10 give the province only
        rows[i][3] = rows[i][4] = ""
    write_rows(d / "3w.csv", rows)
    return ("3w.csv rows 7, 10: area given at admin level 1 only (#adm1) while other rows give admin level 2 (#adm2); "
            "expected one admin level in a file")


def case_no_common_admin_level(d):
    _use_admin1(d)
    drop_column(d / "needs.csv", "#adm1+name")
    return ("3w_food_security.csv: areas at admin level 1 but needs.csv at admin level 2; expected both files to share "
            "a level")


BAD_DATA = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_is_refused_in_one_line(case, data_dir):
    expected = BAD_DATA[case](data_dir)
    with pytest.raises(DataError) as exc:
        read_country(data_dir)
    message = str(exc.value)
    assert "\n" not in message, f"error is not one line: {message!r}"
    assert expected in message, f"\nexpected: {expected}\n     got: {message}"


@pytest.mark.parametrize("case", ["unknown_area_name", "negative_need", "not_hxl"])
def test_bad_data_stops_the_run_with_exit_2_and_writes_nothing(case, data_dir, tmp_path, capsys):
    expected = BAD_DATA[case](data_dir)
    out = tmp_path / "r"
    with pytest.raises(SystemExit) as exc:
        main(["run", "scenario=from_data", f"data.dir={data_dir}", "years=0.1", f"hydra.run.dir={out}"])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2, f"exit code {exc.value.code}"
    assert len(err.splitlines()) == 1 and "Traceback" not in err, f"not one line: {err!r}"
    assert err.startswith("capsim: error: data: ") and expected in err, err
    assert not (out / "results").exists(), "nothing may run on bad data"


def test_missing_data_folder_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["run", "scenario=from_data", "data.dir=no/such/folder", f"hydra.run.dir={tmp_path / 'r'}"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "data.dir = 'no/such/folder': no such folder" in err


# ---------------------------------------------------------------------------------------------
# Round trip: the synthetic default country, exported to HXL and read back
# ---------------------------------------------------------------------------------------------


def test_round_trip_gives_the_same_initial_state_and_run(tmp_path):
    params = Params.from_dict({"seed": 4, "years": 0.5})  # the default country (50 areas, 115 organisations)
    original = CapacityModel(params)
    write_country(CountryData.from_model(original), tmp_path)
    country = read_country(tmp_path)
    fitted, _ = country_params(params, country)
    assert fitted == params, "the data read back should imply exactly the original parameters"
    copy = CapacityModel(fitted, country)

    a, b = original.areas, copy.areas
    for name in ("population", "chronic", "access", "hard_to_reach", "xy", "neighbours"):
        np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=f"areas.{name} changed")
    np.testing.assert_allclose(b.sector_profile, a.sector_profile, rtol=1e-12, err_msg="sector mix of need changed")
    o, q = original.orgs, copy.orgs
    for name in ("kind", "inst", "net", "presence", "risk_tolerance"):
        np.testing.assert_array_equal(getattr(q, name), getattr(o, name), err_msg=f"orgs.{name} changed")
    np.testing.assert_allclose(q.sector_weight, o.sector_weight, rtol=1e-12, atol=1e-15)
    for name in ("headcount", "tech_mean", "ctx_mean", "national_count"):
        np.testing.assert_array_equal(getattr(copy.staff, name), getattr(original.staff, name),
                                      err_msg=f"staff.{name} changed")
    for m in (original, copy):
        for _ in range(m.n_steps):
            m.step()
    pd.testing.assert_frame_equal(copy.recorder.steps_table(), original.recorder.steps_table(), rtol=1e-9,
                                  obj="weekly outcomes of the original and the re-imported country")


def test_data_export_and_check_commands(tmp_path, capsys):
    assert main(["data", "export", str(tmp_path / "x"), "world.n_areas=8", "seed=2"]) == 0
    assert (tmp_path / "x" / "3w.csv").is_file()
    assert main(["data", "check", str(tmp_path / "x")]) == 0
    assert "ok: 8 areas at admin level 2, 4 sectors, 115 organisations" in capsys.readouterr().out
