"""What a country's funding chain sets in the model (issue "Country data as offices publish it"): the UN
agencies' first level (``funding.un_to_ingo_share`` and the international NGOs that receive it) and the
pooled fund's first round, both from the 3W's role columns; money stays conserved, allocation stays blind
to the regime, and bad chains are refused in one line (docs/data.md, "What the chain sets in the model")."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from experiments.cli.data import setup
from experiments.config import CONFIG_DIR, UsageError, precheck
from sim.country import MEASURES, CountryData, chain_at_start
from sim.country_params import country_params
from sim.hxl_io import DataError, read_country
from sim.kinds import OrgKind
from sim.model import CapacityModel
from sim.params import ConfigError, Params

EXAMPLE = Path(CONFIG_DIR) / "data" / "example"
EXAMPLE_ADMIN1 = Path(CONFIG_DIR) / "data" / "example_admin1"
# In the example 3W, UN agencies take part in 34 rows with 943 staff; on two of them a UN agency passes its money
# to an international NGO: UN Children's Agency -> WaterWorks Without Borders (28 staff, the NGO implements) and
# UN Food Agency -> Food Security Alliance -> Marsh Farmers Aid (11 staff of the local NGO the NGO sub-grants to).
UN_SHARE = 39 / 943
UN_PARTNERS = {"WaterWorks Without Borders": 28.0, "Food Security Alliance": 11.0}
# The pooled fund (Exampleland Humanitarian Fund) as programme partner or funder of their own programme.
POOL_GRANTEES = {"Harbour Mercy Foundation": 50.0, "Global Relief Partners": 45.0, "Ridge Community Care": 28.0,
                 "Bay Fisherfolk Solidarity": 14.0}


@pytest.fixture(scope="module")
def example() -> CountryData:
    return read_country(EXAMPLE)


@pytest.fixture(scope="module")
def fitted(example) -> Params:
    return country_params(Params.from_dict({"years": 1.5}), example)[0]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    d = tmp_path / "country"
    shutil.copytree(EXAMPLE, d)
    return d


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(encoding="utf-8")))


def write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def index(c: CountryData, names) -> np.ndarray:
    return np.array([c.org_names.index(n) for n in names])


# ---------------------------------------------------------------------------------------------
# The UN agencies' first level
# ---------------------------------------------------------------------------------------------


def test_un_agencies_pass_to_the_ngos_the_3w_names_and_the_share_it_shows(example, fitted):
    assert example.un_measure == "staff (FTE)" and example.un_rows == (2, 34)
    assert example.un_to_ingo_share == pytest.approx(UN_SHARE)
    assert example.named(example.un_ingo_size) == UN_PARTNERS
    assert fitted.funding.un_to_ingo_share == pytest.approx(UN_SHARE), "the data's share must set the first level"
    chain = example.chain.to_frame().set_index(["intermediary", "implementer"])
    assert chain.loc[("UN Children's Agency", "WaterWorks Without Borders"), "level"] == 2
    marsh = chain.loc[("Food Security Alliance", "Marsh Farmers Aid")]
    assert sorted(marsh["level"]) == [2, 3], "Donor -> UN Food Agency -> Food Security Alliance -> Marsh: level 3"
    assert marsh["model_use"].str.contains("UN agency to international NGO").sum() == 1
    # The model: only the named NGOs receive what UN agencies pass on, split by the 3W's staff, for the whole run.
    m = CapacityModel(fitted, example)
    named = index(example, UN_PARTNERS)
    others = np.flatnonzero((m.orgs.kind == int(OrgKind.INGO)) & ~np.isin(np.arange(m.orgs.n), named))
    for week in (0, 27, 53):
        while m.steps_done < week:
            m.step()
        np.testing.assert_allclose(m.ingo_share[named], np.array(list(UN_PARTNERS.values())) / 39,
                                   err_msg=f"week {week}: the split is not the 3W's")
        assert m.ingo_share[others].sum() == 0, f"week {week}: an NGO the 3W does not name receives the first level"
    # Without the data's partners the model splits by the funders' weights over every NGO.
    drawn = CapacityModel(fitted, dataclasses.replace(example, un_ingo_size=None))
    assert drawn.ingo_share[others].sum() > 0


def test_a_un_share_set_in_the_config_wins_and_the_report_says_which(example):
    s = setup(precheck(["scenario=from_data"]))
    row = next(r for r in s.report if r["quantity"] == "funding.un_to_ingo_share")
    assert row["source"] == "data" and "34 3w.csv rows" in row["detail"], row
    assert any(r["quantity"] == "UN agencies' international NGO partners" and r["source"] == "data"
               and "WaterWorks Without Borders (28 staff)" in r["detail"] for r in s.report)
    kept = setup(precheck(["scenario=from_data", "funding.un_to_ingo_share=0.2"]))
    assert kept.params.funding.un_to_ingo_share == 0.2
    row = next(r for r in kept.report if r["quantity"] == "funding.un_to_ingo_share")
    assert row["source"] == "config" and "the data gives 0.04136" in row["detail"], row


def test_admin1_and_admin2_give_the_same_share(example):
    """Rows are sized by staff, which adding districts up into provinces keeps (row counts would not)."""
    a1 = read_country(EXAMPLE_ADMIN1)
    assert a1.un_rows != example.un_rows
    assert a1.un_to_ingo_share == pytest.approx(example.un_to_ingo_share)
    assert a1.named(a1.pool_grantee_size) == example.named(example.pool_grantee_size)


def test_rows_are_sized_by_budget_then_staff_then_counted(data_dir):
    rows = rows_of(data_dir / "3w.csv")
    tags = list(rows[2])
    prog, staff = tags.index("#org+prog+name"), tags.index("#capacity+staff")
    # Budgets on every row: sized by USD.
    rows[1].append("Budget (USD)")
    rows[2].append("#value+budget")
    for r in rows[3:]:
        passes = r[0] == "WaterWorks Without Borders" and r[prog] == "UN Children's Agency"
        r.append("300000" if passes else "10000")
    write(data_dir / "3w.csv", rows)
    c = read_country(data_dir)
    assert c.un_measure == "USD budget"
    assert c.un_to_ingo_share == pytest.approx((300_000 + 10_000) / (300_000 + 33 * 10_000))
    # No staff and no budget: rows are counted.
    for r in rows[3:]:
        del r[-1]
        r[staff] = ""
    del rows[1][-1], rows[2][-1]
    write(data_dir / "3w.csv", rows)
    c = read_country(data_dir)
    assert c.un_measure == "rows" and c.pool_measure == "rows"
    assert c.un_to_ingo_share == pytest.approx(2 / 34)
    assert c.named(c.pool_grantee_size) == {"Ridge Community Care": 3, "Harbour Mercy Foundation": 2,
                                           "Bay Fisherfolk Solidarity": 2, "Global Relief Partners": 1}
    assert set(MEASURES) == {"USD budget", "staff (FTE)", "rows"}


def test_a_3w_budget_in_another_currency_is_refused(data_dir):
    rows = rows_of(data_dir / "3w.csv")
    rows[1] += ["Budget", "Currency"]
    rows[2] += ["#value+budget", "#currency"]
    for r in rows[3:]:
        r += ["1000", "USD"]
    rows[10][-1] = "EUR"
    write(data_dir / "3w.csv", rows)
    with pytest.raises(DataError, match=r"^3w.csv row 11 column #currency: 'EUR'; expected USD"):
        read_country(data_dir)


def test_a_un_share_above_its_range_from_data_is_refused_in_one_line(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "needs.csv").write_text("District,Population,Cluster,People in need\n#adm2+name,#population,#sector,#inneed\n"
                                 "North Hill,1000,Health,100\nSouth Vale,2000,Health,200\n", encoding="utf-8")
    (d / "3w.csv").write_text(
        "Partner,Type,Cluster,District,Donor,Programme partner,Partner type\n"
        "#org+impl+name,#org+impl+type,#sector,#adm2+name,#org+funder+name,#org+prog+name,#org+prog+type\n"
        "Aid Intl,INGO,Health,North Hill,Donor A,UN Health Agency,UN agency\n"
        "Aid Intl,INGO,Health,South Vale,Donor A,UN Health Agency,UN agency\n", encoding="utf-8")
    c = read_country(d)
    assert c.un_to_ingo_share == 1.0, "the UN agency implements nothing itself: all its rows pass to the NGO"
    with pytest.raises(ConfigError) as e:
        country_params(Params(), c)
    msg = str(e.value)
    assert "\n" not in msg and "funding.un_to_ingo_share = 1 is above its range 0..0.9" in msg
    assert "set funding.un_to_ingo_share in the config" in msg
    p, _ = country_params(Params.from_dict({"funding": {"un_to_ingo_share": 0.5}}), c)  # the way forward
    assert p.funding.un_to_ingo_share == 0.5
    with pytest.raises(ValueError, match="a share above 1"):  # the object's own guard
        dataclasses.replace(c, un_programme_size=1.0)


# ---------------------------------------------------------------------------------------------
# The pooled fund's first round
# ---------------------------------------------------------------------------------------------


def _first_round(m: CapacityModel) -> np.ndarray:
    g = m.grants
    mine = (g.donor == m.pool.index) & (g.start == 0)
    return np.bincount(g.recipient[mine], g.weekly[mine], m.orgs.n)


def test_the_pooled_fund_first_round_goes_to_the_grantees_the_3w_names(example, fitted):
    m = CapacityModel(fitted, example)
    named = index(example, POOL_GRANTEES)
    first = _first_round(m)
    assert set(np.flatnonzero(first)) == set(named), "the first round must go to the 3W's grantees only"
    np.testing.assert_allclose(first[named] / first.sum(), np.array(list(POOL_GRANTEES.values())) / 137)
    # Ridge Community Care gets money it would not get from the fund's own first round (or more of it).
    without = CapacityModel(fitted, dataclasses.replace(example, pool_grantee_size=None))
    ridge = example.org_names.index("Ridge Community Care")
    assert first[ridge] > _first_round(without)[ridge]
    assert first.sum() == pytest.approx(_first_round(without).sum()), "the data moves the money, never adds to it"
    # From its next round on, the fund's own assessment and the funders' weights decide.
    rounds = m.p.pooled_fund.round_interval_weeks
    for _ in range(rounds + 1):  # the step of week `rounds` runs the fund's second round
        m.step()
    g = m.grants
    second = np.unique(g.recipient[(g.donor == m.pool.index) & (g.start == rounds)])
    assert len(second) and m.pool.eligible()[second].all(), "a later round funded an organisation the fund's " \
                                                            "assessment does not pass"
    assert not set(second) <= set(named), "the data's grantees were preferred beyond the first round"
    summary = chain_at_start(CapacityModel(fitted, example))
    assert list(summary["pooled_fund_first_round_usd"]) == list(POOL_GRANTEES)
    assert summary["pooled_fund_first_round_by"] == "3W staff (FTE)" and summary["un_split_by"] == "3W staff (FTE)"


def test_money_is_conserved_with_the_chain_from_data(example, fitted):
    m = CapacityModel(fitted, example)
    level1 = pooled = 0.0
    for _ in range(60):  # through two donor rounds and two of the fund's rounds
        m.step()
        assert m.ledger.imbalance(float(m.orgs.cash.sum())) < 1e-9, f"money not conserved in week {m.steps_done}"
        level1 += m.flows.level1_passed
        pooled += m.flows.pool_tranches
    assert level1 > 0 and pooled > 0, "the first level or the pooled fund moved no money"


def test_the_chain_from_data_is_blind_to_the_regime(example):
    def start(regime):
        p = country_params(Params.from_dict({"years": 0.5, "regime": regime}), example)[0]
        m = CapacityModel(p, example)
        return m.ingo_share.copy(), _first_round(m)

    base = start("building")
    for regime in ("baseline", "strengthening", "sharing"):
        other = start(regime)
        np.testing.assert_array_equal(other[0], base[0])
        np.testing.assert_array_equal(other[1], base[1])


def test_without_role_columns_nothing_is_set(data_dir):
    rows = rows_of(data_dir / "3w.csv")
    drop = [rows[2].index("#org+funder+name"), rows[2].index("#org+prog+name")]
    write(data_dir / "3w.csv", [[v for i, v in enumerate(r) if i not in drop] for r in rows])
    c = read_country(data_dir)
    assert c.un_ingo_size is None and c.pool_grantee_size is None and c.un_to_ingo_share is None
    p, report = country_params(Params.from_dict({"years": 0.1}), c)
    assert p.funding.un_to_ingo_share == 0.0
    by = {r["quantity"]: r["source"] for r in report}
    assert by["funding.un_to_ingo_share"] == by["UN agencies' international NGO partners"] == "assumption"
    assert by["pooled fund's first round"] == "assumption"
    m = CapacityModel(p, c)
    assert m.un_partner_size is None and m.pool.start_size is None


# ---------------------------------------------------------------------------------------------
# Bad chains
# ---------------------------------------------------------------------------------------------


def _set_funder(d: Path, implementer: str, prog: str, funder: str) -> int:
    rows = rows_of(d / "3w.csv")
    t = rows[2]
    i = next(k for k, r in enumerate(rows) if r[0] == implementer and r[t.index("#org+prog+name")] == prog)
    rows[i][t.index("#org+funder+name")] = funder
    write(d / "3w.csv", rows)
    return i + 1


def test_a_pooled_fund_funding_itself_or_another_fund_is_refused_in_one_line(data_dir):
    fund = "Exampleland Humanitarian Fund"
    row = _set_funder(data_dir, "Ridge Community Care", fund, fund)
    with pytest.raises(DataError) as e:
        read_country(data_dir)
    assert str(e.value).startswith(f"3w.csv row {row} column #org+prog+name: the pooled fund 'Exampleland "
                                   "Humanitarian Fund' funds itself") and "\n" not in str(e.value)
    _set_funder(data_dir, "Ridge Community Care", "Exampleland Humanitarian Fund", "Central Emergency Response Fund")
    with pytest.raises(DataError, match=r"a pooled fund funding a pooled fund \('Central Emergency Response Fund' "
                                        r"-> 'Exampleland Humanitarian Fund'\) would loop the chain"):
        read_country(data_dir)


def test_bad_chains_stop_the_commands_with_a_usage_error(data_dir):
    _set_funder(data_dir, "Ridge Community Care", "Exampleland Humanitarian Fund", "Exampleland Humanitarian Fund")
    with pytest.raises(UsageError, match="^data: 3w.csv row .* funds itself"):
        setup(precheck(["scenario=from_data", f"data.dir={data_dir}"]))
