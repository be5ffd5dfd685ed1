"""`capsim brief`: a self-contained one-page HTML brief whose numbers are the runs' numbers.

The brief is rendered from a small self-run comparison (small country, 2 years, 3 paired
replicates) and from a sweep directory written to the sweep contract; its figure must be an
embedded PNG, nothing may be fetched from elsewhere, and its table and findings must show the
paired differences recomputed here from the same seeds.
"""

from __future__ import annotations

import base64
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.brief import TABLE_MEASURES, format_effect, level_text
from analysis.effects import paired_effects, per_run_measures
from experiments.advocacy.brief import find_browser
from experiments.cli.main import main
from experiments.advocacy.levers import package_params
from experiments.advocacy.paired import run_paired
from sim.results import run
from sim.rng import replicate_seeds

SMALL = ["world.n_areas=20", "world.n_staff=1500", "world.n_local_ngos=30", "world.n_community_orgs=10",
         "world.n_ingos=5", "world.n_un_agencies=2"]
PACKAGES = ["grand_bargain", "sharing_fair_pay_seats"]
YEARS, REPS, SEED = 2.0, 3, 11


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    """Write a brief once (self-run, small) and return its HTML text and directory."""
    out = tmp_path_factory.mktemp("brief") / "brief.html"
    code = main(["brief", "--out", str(out), "--replicates", str(REPS), "--years", str(YEARS), "--seed", str(SEED),
                 "--jobs", "1", "--packages", ",".join(PACKAGES), *SMALL])
    assert code == 0, "capsim brief did not exit 0"
    return out.read_text(encoding="utf-8"), out


@pytest.fixture(scope="module")
def expected():
    """The same comparison computed here, independently of the brief command."""
    extra = [f"years={YEARS:g}", *SMALL]
    configs = {n: package_params(n, extra) for n in ["status_quo", *PACKAGES]}
    tables = run_paired(configs, replicate_seeds(SEED, REPS), "status_quo")
    return tables, paired_effects(per_run_measures(tables.steps, tables.shocks), "status_quo")


def test_brief_is_self_contained_html(brief):
    text, _ = brief
    assert text.startswith("<!DOCTYPE html>"), "not an HTML document"
    for pattern in (r'src="(?!data:)', r'href="', r"<script", r"<link", r"url\(", r"https?://"):
        assert not re.search(pattern, text), f"the brief refers to something outside itself ({pattern!r})"
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == 1, f"expected one embedded figure, found {len(images)}"
    png = base64.b64decode(images[0])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000, "the embedded figure is not a real PNG"


def test_brief_has_question_four_findings_and_footer(brief):
    text, _ = brief
    assert "<h1>What would changing donors&#x27; funding rules do for people in a crisis?</h1>" in text
    found = re.findall(r'<p class="finding" data-measure="(\w+)">', text)
    assert found == ["people_weeks_met", "hard_to_reach_coverage", "response_time", "total_local_funding_share"], \
        f"findings (people in need first) not as expected: {found}"
    footer = text[text.index("<footer>"):]
    for piece in ("Assumptions.", "Where the numbers come from.", "What the numbers mean.", "exploratory",
                  "code version ", "brief_numbers.csv"):
        assert piece in footer, f"footer lacks {piece!r}"
    for jargon in ("configs:", "scenario=", "capsim brief --", *(str(s) for s in replicate_seeds(SEED, REPS))):
        assert jargon not in footer, f"the footer shows technical detail {jargon!r} (it belongs in the CSV)"
    _, out = brief
    csv = pd.read_csv(out.with_name("brief_numbers.csv"))
    assert csv["seeds"].iloc[0] == " ".join(str(s) for s in replicate_seeds(SEED, REPS)), "seeds not in the CSV"
    assert csv["settings"].str.contains("scenario=status_quo").all() and csv["command"].str.startswith(
        "capsim brief").all() and csv["commit"].notna().all(), "the CSV lacks the technical record"


def test_brief_says_why_need_met_moves_for_each_package(brief):
    """The reasons line comes from the committed lever table (capsim levers), one entry per package."""
    from experiments.advocacy.explain import load_table
    from experiments.advocacy.levers import PACKAGES as ALL

    text, _ = brief
    why = re.search(r'data-reasons="people_weeks_met"><b>Why.</b> (.*?)</p>', text)
    assert why, "the brief does not say why need met moves"
    table = load_table()
    for pkg in PACKAGES:
        row = table[(table["move"] == f"package_{pkg}") & (table["headline"] == "people_weeks_met")].iloc[0]
        assert ALL[pkg].title in why.group(1), f"{pkg} is missing from the reasons line"
        assert f"{row['n_better']:.0f} of {row['n_pairs']:.0f}" in why.group(1) or "in all" in why.group(1)


@pytest.mark.parametrize("name, shown", [("localisation", "Grand Bargain localisation share (target 25%)"),
                                         ("people", "equity between population groups")])
def test_brief_lists_the_measure_sets_with_definitions(brief, expected, name, shown):
    """The brief names a few measures of each set per package (the Grand Bargain share; equity between population
    groups) and writes every measure of the set, defined, next to it."""
    from analysis.brief import MEASURE_LINES
    from analysis.effects import field_levels
    from sim.outcomes import OUTCOMES

    text, out = brief
    assert f'data-field="{name}"' in text and shown in text
    table = pd.read_csv(out.with_name(f"{out.stem}_{name}.csv"))
    assert list(table["measure"]) == list(MEASURE_LINES[name][0]), f"a measure of {name} is missing"
    assert (table["description"] == [OUTCOMES[k].description for k in table["measure"]]).all()
    tables, _ = expected
    levels = field_levels(tables.steps, outcomes=MEASURE_LINES[name][0]).set_index("measure")
    sq = table.set_index("measure")["Status quo"]
    np.testing.assert_allclose(sq.to_numpy(float), levels.loc[sq.index, "status_quo"].to_numpy(float), rtol=1e-12)


def test_brief_numbers_are_the_paired_differences_of_the_runs(brief, expected):
    text, out = brief
    tables, effects = expected
    # every table cell: mean paired difference and its 95% interval, recomputed here
    for pkg in PACKAGES:
        for m in TABLE_MEASURES:
            r = effects[(effects["config"].astype(str) == pkg) & (effects["measure"] == m)].iloc[0]
            cell = format_effect(m, r["diff"], r["ci_low"], r["ci_high"], YEARS)
            assert cell in text, f"{pkg} / {m}: {cell!r} is not on the page"
    # the status-quo level of need met, straight from the weekly tables (no analysis code involved)
    sq = tables.steps[tables.steps["config"] == "status_quo"]
    met = sq.groupby("replicate")["people_covered"].sum().mean()
    assert level_text("people_weeks_met", met, YEARS) in text, "status-quo need met is not on the page"
    # the CSV next to the brief holds the same numbers
    csv = pd.read_csv(out.with_name("brief_numbers.csv"))
    merged = csv.merge(effects.assign(config=effects["config"].astype(str)), on=["config", "measure"])
    assert len(merged) == len(effects), "brief_numbers.csv does not cover every paired difference"
    assert (merged["diff_x"] - merged["diff_y"]).abs().max() < 1e-9, "brief_numbers.csv differs from the runs"


def test_brief_findings_name_the_best_package_with_its_interval(brief, expected):
    text, _ = brief
    _, effects = expected
    e = effects[effects["measure"] == "total_local_funding_share"]
    best = e.loc[e["diff"].idxmax()]
    finding = re.search(r'data-measure="total_local_funding_share">(.*?)</p>', text).group(1)
    assert f"{100 * best['ci_low']:+.1f} to {100 * best['ci_high']:+.1f} points" in finding, \
        f"the funding finding lacks the best package's interval: {finding}"


def _write_sweep(root, factor: str, values, reference_value, seeds, extra):
    """A sweep directory as the sweep contract describes it (dataset/ merged tables + sweep.json)."""
    parts = {"steps": [], "shocks": [], "areas": []}
    for v in values:
        params = package_params("status_quo", [f"{factor}={v}", *extra])
        for rep, s in enumerate(seeds):
            res = run(params.replace(seed=s))
            for kind in parts:
                df = getattr(res, kind).copy()
                df["replicate"] = rep
                df[factor] = v
                parts[kind].append(df)
    (root / "dataset").mkdir(parents=True)
    for kind, dfs in parts.items():
        pd.concat(dfs, ignore_index=True).to_parquet(root / "dataset" / f"{kind}.parquet", index=False)
    meta = {"experiment": "donor_incentives", "question": "Does direct funding help people in need?",
            "primary_outcome": "coverage", "factors": [factor], "replicates": len(seeds), "base_seed": 5,
            "reference": {factor: reference_value}, "window_years": 1.0,
            "config": {"years": 1.0}, "provenance": {"code": {"commit": "abc123def456"}, "python": "3.x"}}
    (root / "sweep.json").write_text(json.dumps(meta))
    return root


def test_brief_from_sweep_directory(tmp_path):
    seeds = replicate_seeds(5, 2)
    sweep = _write_sweep(tmp_path / "sweep", "funding.direct_local_share", [0.02, 0.25], 0.02, seeds,
                         ["years=1", *SMALL])
    out = tmp_path / "b.html"
    assert main(["brief", "--from", str(sweep), "--out", str(out)]) == 0
    text = out.read_text()
    assert "<h1>Does direct funding help people in need?</h1>" in text, "the sweep's question is not the title"
    assert "reference (funding.direct_local_share=0.02)" in text and "funding.direct_local_share=0.25" in text
    assert "code version abc123d" in text, "the sweep's provenance is not in the footer"
    steps = pd.read_parquet(sweep / "dataset" / "steps.parquet")
    steps["config"] = steps["funding.direct_local_share"].map({0.02: "ref", 0.25: "alt"})
    shocks = pd.read_parquet(sweep / "dataset" / "shocks.parquet")
    shocks["config"] = shocks["funding.direct_local_share"].map({0.02: "ref", 0.25: "alt"})
    eff = paired_effects(per_run_measures(steps, shocks), "ref")
    r = eff[eff["measure"] == "total_local_funding_share"].iloc[0]
    cell = format_effect("total_local_funding_share", r["diff"], r["ci_low"], r["ci_high"], 1.0)
    assert cell in text, f"the funding difference {cell!r} computed from the sweep is not on the page"


BAD = [
    (["brief", "--replicates", "0"], "--replicates = '0' is out of range"),
    (["brief", "--years", "abc"], "--years = 'abc' is not a number"),
    (["brief", "--years", "nan"], "is not a finite number"),
    (["brief", "--out", "brief.txt"], "is not an .html file"),
    (["brief", "--packages", "marshall_plan"], "marshall_plan is not a package"),
    (["brief", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["brief", "world.n_areas=0"], "world.n_areas = 0 is out of range"),
    (["brief", "funding.direct_local_share=0.95"], "exceeds 1"),
    (["brief", "--from", "/nonexistent/sweep"], "no such directory"),
]


@pytest.mark.parametrize("argv,expected_text", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_brief_bad_input_one_line_exit_2(argv, expected_text, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2, f"exit code {exc.value.code} for {argv}: {err}"
    assert len(err.splitlines()) == 1 and "Traceback" not in err, f"not one line: {err!r}"
    assert expected_text in err, f"{expected_text!r} not in {err!r}"


def test_brief_sweep_without_reference_is_refused(tmp_path, capsys):
    d = tmp_path / "s"
    (d / "dataset").mkdir(parents=True)
    pd.DataFrame({"replicate": [0]}).to_parquet(d / "dataset" / "steps.parquet")
    pd.DataFrame({"replicate": [0]}).to_parquet(d / "dataset" / "shocks.parquet")
    (d / "sweep.json").write_text(json.dumps({"factors": ["regime"], "reference": None}))
    with pytest.raises(SystemExit) as exc:
        main(["brief", "--from", str(d), "--out", str(tmp_path / "b.html")])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and "no reference configuration" in err, err


def test_brief_pdf_is_one_page(brief, tmp_path):
    browser = find_browser()
    if browser is None:
        pytest.skip("install Debian's chromium (apt-get install chromium) to test the PDF brief")
    from experiments.advocacy.brief import write_pdf

    _, out = brief
    html = tmp_path / "brief.html"
    shutil.copy(out, html)
    pdf = write_pdf(html, tmp_path / "brief.pdf", browser)
    data = pdf.read_bytes()
    assert data[:4] == b"%PDF", "not a PDF"
    counts = [int(c) for c in re.findall(rb"/Count (\d+)", data)]
    assert counts and max(counts) == 1, f"the brief should print on one page, got page counts {counts}"


def _effects(rows):
    """Paired effects for people-weeks of need met: (config, diff, ci_low, ci_high)."""
    return pd.DataFrame([{"config": c, "reference": "sq", "measure": "people_weeks_met", "n_pairs": 10, "diff": d,
                          "ci_low": lo, "ci_high": hi, "effect_size": 1.0, "ref_mean": 1e8, "alt_mean": 1e8 + d,
                          "range_low": lo, "range_high": hi, "n_better": 5, "n_worse": 5} for c, d, lo, hi in rows])


@pytest.mark.parametrize("rows,lead,best", [
    ([("a", 2e6, 1e6, 3e6), ("b", 5e6, 4e6, 6e6)], "All 2 packages clearly meet more need than the status quo.",
     "Largest gain, B"),
    ([("a", -2e6, -3e6, -1e6), ("b", -5e6, -6e6, -4e6)], "All 2 packages clearly do worse than the status quo",
     "Closest to the status quo, A"),
    ([("a", 2e6, 1e6, 3e6), ("b", -5e6, -6e6, -4e6)], "1 of 2 packages clearly meets more need", "Clearly worse: B."),
    ([("a", 1e5, -1e6, 2e6)], "No package clearly does better than the status quo", "Closest to the status quo, A"),
])
def test_findings_lead_follows_the_intervals(rows, lead, best):
    from analysis.brief import BriefData, findings

    data = BriefData(question="q", steps=pd.DataFrame(), shocks=pd.DataFrame(), reference="sq",
                     titles={"sq": "Status quo", "a": "A", "b": "B"}, descriptions={}, years=10.0, seeds=[1],
                     world="w", source="s", provenance={})
    data.titles = {k: v for k, v in data.titles.items() if k == "sq" or k in {r[0] for r in rows}}
    f = findings(data, _effects(rows), measures=("people_weeks_met",))[0]
    assert f.text.startswith(lead), f"lead {f.text!r} does not start with {lead!r}"
    assert best in f.text, f"{best!r} not in {f.text!r}"
