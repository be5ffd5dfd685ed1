"""Loading a sweep directory, every figure's labels and sizes, and `capsim report` end to end."""

import base64
import hashlib
import html
import json
import re
import shutil

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis import figures, flows
from analysis.dataset import ResultsError, load
from analysis.report import Report, default_outcomes, time_summary
from analysis.stats import summarise
from analysis.style import REGIME_COLOURS, SIZES, factor_label
from analysis.windows import Window, per_run_means
from experiments.cli.main import main
from sim.outcomes import label
from sim.rng import replicate_seeds
from sweep_fixture import BASE_SEED, LEVELS, REPLICATES, small_sweep  # noqa: F401  (fixture)


def _text(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture(scope="module")
def data(small_sweep):  # noqa: F811
    return load(small_sweep)


@pytest.fixture(scope="module")
def window_tables(data):
    keys = ["scenario", "regime", "seed", "replicate", *data.factors]
    outs = default_outcomes(data)
    per_run = per_run_means(data.steps, data.shocks, Window.parse("last:0.5"), outs, keys)
    summary = summarise(per_run, data.factors, outs, n_boot=500)
    return per_run, summary, outs


def test_load_sweep_has_factors_and_replicates(data):
    assert data.kind == "sweep" and data.factors == list(LEVELS)
    for col in ("run_id", "scenario", "regime", "seed", "replicate", *LEVELS):
        assert col in data.steps.columns and col in data.shocks.columns and col in data.areas.columns, col
    assert data.n_replicates == REPLICATES
    assert data.levels("funding.direct_local_share") == [0.02, 0.25]
    assert data.seeds == sorted(replicate_seeds(BASE_SEED, REPLICATES)), "seeds are not the replicate seeds"
    assert len(data.runs) == 2 * 2 * 2 * REPLICATES
    assert set(data.files) >= {"dataset/steps.parquet", "sweep.json", "manifest.csv"}


def test_load_refuses_bad_directories(tmp_path, small_sweep):  # noqa: F811
    with pytest.raises(ResultsError, match="does not exist"):
        load(tmp_path / "nope")
    with pytest.raises(ResultsError, match="neither sweep.json nor metadata.json"):
        load(tmp_path)
    broken = tmp_path / "broken"
    shutil.copytree(small_sweep, broken, ignore=shutil.ignore_patterns("report", "runs"))
    shutil.rmtree(broken / "dataset")
    with pytest.raises(ResultsError, match="capsim collect"):
        load(broken)
    info = json.loads((small_sweep / "sweep.json").read_text())
    info["factors"] = info["factors"] + ["funding.flexible_share"]
    shutil.copytree(small_sweep / "dataset", broken / "dataset")
    (broken / "sweep.json").write_text(json.dumps(info))
    with pytest.raises(ResultsError, match="lacks column.*funding.flexible_share"):
        load(broken)


def test_text_factor_columns_are_read_as_numbers(tmp_path, small_sweep):  # noqa: F811
    """A collector that writes lever values as text ("0.25") still gives numeric levers."""
    copy = tmp_path / "textual"
    shutil.copytree(small_sweep, copy, ignore=shutil.ignore_patterns("report*", "runs"))
    for t in ("steps", "shocks", "areas"):
        df = pd.read_parquet(copy / "dataset" / f"{t}.parquet")
        df["funding.direct_local_share"] = df["funding.direct_local_share"].map(str)
        df.to_parquet(copy / "dataset" / f"{t}.parquet", index=False)
    d = load(copy)
    assert d.levels("funding.direct_local_share") == [0.02, 0.25]


def test_time_summary_bands_contain_means(data):
    ts = time_summary(data, ["coverage"], data.factors, bin_weeks=4, n_boot=500)
    assert {"year", "mean", "ci_low", "ci_high", "n"} <= set(ts.columns)
    assert (ts["n"] == REPLICATES).all()
    assert ((ts["ci_low"] <= ts["mean"] + 1e-12) & (ts["mean"] <= ts["ci_high"] + 1e-12)).all()
    # Independent check of one cell: the mean over replicates of each run's mean over weeks 0-3.
    s = data.steps
    sel = ((s["regime"] == "sharing") & (s["funding.direct_local_share"] == 0.25)
           & (s["funding.multi_year_share"] == 0.6))
    expect = s[sel & (s["step"] < 4)].groupby("run_id")["coverage"].mean().mean()
    got = ts[(ts["regime"] == "sharing") & (ts["funding.direct_local_share"] == 0.25)
             & (ts["funding.multi_year_share"] == 0.6) & (ts["bin"] == 0)]["mean"].item()
    assert np.isclose(got, expect), f"time summary {got} != direct computation {expect}"


# ---------------------------------------------------------------------------------- figures
def test_timeseries_labels_colours_and_sizes(data):
    ts = time_summary(data, ["coverage", "unmet_need", "local_capacity"], data.factors, n_boot=300)
    ts = ts[(ts["funding.direct_local_share"] == 0.02) & (ts["funding.multi_year_share"] == 0.2)]
    for size in ("column", "slide"):
        fig = figures.timeseries(ts, ["coverage", "unmet_need", "local_capacity"], size=size)
        assert fig.get_size_inches()[0] == pytest.approx(SIZES[size][0]), f"{size} width"
        labels = [_text(ax.get_ylabel()) for ax in fig.axes if ax.get_visible() and ax.get_ylabel()]
        assert labels == [label("coverage"), label("unmet_need"), label("local_capacity")], labels
        line_colours = {tuple(np.round(plt.matplotlib.colors.to_rgb(ln.get_color()), 3)) for ln in fig.axes[0].lines}
        assert tuple(np.round(plt.matplotlib.colors.to_rgb(REGIME_COLOURS["sharing"]), 3)) in line_colours
        plt.close(fig)
    with pytest.raises(ValueError, match="several rows"):
        figures.timeseries(time_summary(data, ["coverage"], data.factors, n_boot=300), ["coverage"])


def test_timeseries_grid_labels(data):
    ts = time_summary(data, ["coverage"], data.factors, n_boot=300)
    fig = figures.timeseries_grid(ts, "coverage", col="funding.direct_local_share", row="funding.multi_year_share")
    assert _text(fig.get_supylabel()) == label("coverage")
    titles = [ax.get_title() for ax in fig.axes]
    assert any("0.25" in t and "Direct funding" in _text(t) for t in titles), titles
    plt.close(fig)


def test_window_comparison_labels(window_tables):
    per_run, summary, _ = window_tables
    outs = ["coverage", "brain_drain", "response_time"]
    fig = figures.window_comparison(per_run[per_run["funding.multi_year_share"] == 0.2],
                                    summary[summary["funding.multi_year_share"] == 0.2], outs,
                                    x="funding.direct_local_share")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [_text(ax.get_ylabel()) for ax in axes] == [label(o) for o in outs]
    assert all(_text(ax.get_xlabel()) == factor_label("funding.direct_local_share") for ax in axes)
    plt.close(fig)
    fig = figures.regime_comparison(per_run[(per_run["funding.multi_year_share"] == 0.2)
                                            & (per_run["funding.direct_local_share"] == 0.02)],
                                    summary[(summary["funding.multi_year_share"] == 0.2)
                                            & (summary["funding.direct_local_share"] == 0.02)], ["coverage"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["baseline", "sharing"]
    plt.close(fig)


def test_heatmap_labels(window_tables):
    per_run, summary, _ = window_tables
    fig = figures.lever_heatmap(summary, "coverage", x="funding.direct_local_share", y="funding.multi_year_share")
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["baseline", "sharing"], "one panel per regime"
    assert _text(panels[0].get_xlabel()) == factor_label("funding.direct_local_share")
    assert _text(panels[0].get_ylabel()) == factor_label("funding.multi_year_share")
    cbar = [ax for ax in fig.axes if _text(ax.get_ylabel()) == label("coverage")]
    assert cbar, "colour bar is not labelled with the outcome's registry label"
    annotated = {t.get_text() for ax in panels for t in ax.texts}
    cell = summary[(summary["outcome"] == "coverage") & (summary["regime"] == "sharing")
                   & (summary["funding.direct_local_share"] == 0.25) & (summary["funding.multi_year_share"] == 0.6)]
    # shares are written without the leading zero (".376"), so that narrow cells stay legible
    assert f"{cell['mean'].item():.3f}".replace("0.", ".", 1) in annotated, "cell values are not annotated"
    plt.close(fig)


def test_forest_plot_labels(window_tables):
    per_run, _, _ = window_tables
    from analysis.stats import differences_to_reference

    diffs = differences_to_reference(per_run, {"regime": "baseline"}, list(LEVELS), ["coverage", "brain_drain"],
                                     n_boot=300)
    fig = figures.forest_plot(diffs, ["coverage", "brain_drain"], label_cols=list(LEVELS))
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [_text(ax.get_xlabel()) for ax in axes] == [f"Difference: {label('coverage')}",
                                                       f"Difference: {label('brain_drain')}"]
    assert len(axes[0].get_yticklabels()) == 4, "one row per non-reference configuration"
    plt.close(fig)


def test_flow_figures_show_the_numbers(window_tables):
    _, summary, _ = window_tables
    sm = summary[(summary["funding.direct_local_share"] == 0.25) & (summary["funding.multi_year_share"] == 0.6)]
    fig = flows.staff_flows(sm, col="regime")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    bd = sm[(sm["regime"] == "sharing") & (sm["outcome"] == "brain_drain")]["mean"].item() * 52
    assert any(t.startswith("brain drain") and (f"{bd:,.0f}" in t or f"{bd:.1f}" in t) for t in texts), texts
    assert [ax.get_title() for ax in fig.axes] == ["baseline", "sharing"]
    plt.close(fig)
    fig = flows.funding_flows(sm, col="regime")
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    g = sm[sm["regime"] == "sharing"].set_index("outcome")["mean"]
    share = 100 * (g["funding_direct_local"] + g["funding_via_intermediaries"]) / g["donor_disbursed"]
    assert f"{share:.1f}%" in texts, f"share reaching local actors {share:.1f}% not shown"
    plt.close(fig)
    with pytest.raises(KeyError, match="needs outcome"):
        flows.staff_flows(sm[sm["outcome"] != "brain_drain"])


# ---------------------------------------------------------------------------------- the report
EXPECTED_FIGURES = ("timeseries_outcomes", "timeseries_coverage_by_levers", "comparison_last0p5y",
                    "comparison_after_shock1y", "heatmap_coverage_last0p5y",
                    "heatmap_total_local_funding_share_last0p5y", "effects_vs_reference_last0p5y",
                    "flows_staff_last0p5y", "flows_funding_last0p5y")


@pytest.fixture(scope="module")
def report_dir(small_sweep):  # noqa: F811
    out = small_sweep.parent / "report_out"
    assert main(["report", str(small_sweep), "--out", str(out), "--n-boot", "1000"]) == 0
    return out


def test_report_writes_every_promised_file(report_dir, capsys):
    expected = {"timeseries.csv", "index.html", "report.json"}
    for w in ("last0p5y", "after_shock1y"):
        expected |= {f"per_run_{w}.csv", f"summary_{w}.csv", f"summary_table_{w}.csv", f"summary_table_{w}.md",
                     f"paired_differences_{w}.csv", f"differences_table_{w}.csv", f"differences_table_{w}.md"}
    expected |= {f"{t}_table_last0p5y.{x}" for t in ("localisation", "people") for x in ("csv", "md")}
    for f in EXPECTED_FIGURES:
        expected |= {f"{f}.png", f"{f}.svg", f"{f}.json"}
    present = {p.name for p in report_dir.iterdir()}
    assert expected <= present, f"missing: {sorted(expected - present)}"
    index = json.loads((report_dir / "report.json").read_text())
    assert set(index["figures"]) == set(EXPECTED_FIGURES)
    for name, sha in index["files"].items():
        assert hashlib.sha256((report_dir / name).read_bytes()).hexdigest() == sha, f"{name} changed after indexing"
    assert set(index["files"]) | {"report.json"} == present, "report.json does not list exactly the files written"


@pytest.mark.parametrize("name, title", [("localisation", "Localisation in the field's own terms"),
                                         ("people", "Affected people and communities")])
def test_report_offers_the_measure_tables_with_definitions(report_dir, name, title):
    """Grand Bargain, quality of funding and NEAR measures; people's priorities, communities and inclusion:
    a table per configuration, definitions, the page."""
    from analysis.tables import MEASURE_TABLES
    from sim.outcomes import OUTCOMES

    table = pd.read_csv(report_dir / f"{name}_table_last0p5y.csv")
    md = (report_dir / f"{name}_table_last0p5y.md").read_text()
    page = (report_dir / "index.html").read_text()
    assert html.escape(title) in page
    for key in MEASURE_TABLES[name][0]:
        o = OUTCOMES[key]
        assert o.axis_label in table.columns, f"{key} missing from the {name} table"
        assert key in md and o.description[:40] in md, f"{key} has no definition in the {name} table"
        assert html.escape(o.label, quote=False) in page, f"{key} missing from the report page"


def test_report_figures_are_300_dpi_with_captions(report_dir, small_sweep):  # noqa: F811
    info = json.loads((small_sweep / "sweep.json").read_text())
    for f in EXPECTED_FIGURES:
        with Image.open(report_dir / f"{f}.png") as im:
            dpi = im.info.get("dpi")
        assert dpi and round(dpi[0]) == 300, f"{f}.png is not 300 dpi: {dpi}"
        assert (report_dir / f"{f}.svg").read_text().lstrip().startswith("<?xml"), f"{f}.svg is not SVG"
        cap = json.loads((report_dir / f"{f}.json").read_text())
        assert cap["experiment"] == "test_levers" and cap["n_replicates"] == REPLICATES
        assert cap["seeds"] == sorted(replicate_seeds(BASE_SEED, REPLICATES))
        assert re.fullmatch(r"[0-9a-f]{12}", cap["config_hash"]), cap["config_hash"]
        assert cap["window"] and cap["caption"] and cap["simulation_code"] == info["provenance"]["code"]


def test_report_tables_match_a_direct_computation(report_dir, small_sweep):  # noqa: F811
    table = pd.read_csv(report_dir / "summary_table_last0p5y.csv")
    assert len(table) == 8, "one row per configuration"
    col = label("coverage")
    assert col in table.columns and all(re.fullmatch(r"[-\d.,]+ \[[-\d.,]+, [-\d.,]+\]", v) for v in table[col])
    steps = pd.read_parquet(small_sweep / "dataset" / "steps.parquet")
    sel = steps[(steps["regime"] == "sharing") & (steps["funding.direct_local_share"] == 0.02)
                & (steps["funding.multi_year_share"] == 0.2)]
    per_run = sel[sel["step"] >= sel["step"].max() + 1 - 26].groupby("run_id")["coverage"].mean()
    summary = pd.read_csv(report_dir / "summary_last0p5y.csv")
    row = summary[(summary["regime"] == "sharing") & (summary["funding.direct_local_share"] == 0.02)
                  & (summary["funding.multi_year_share"] == 0.2) & (summary["outcome"] == "coverage")]
    assert np.isclose(row["mean"].item(), per_run.mean()), "table mean differs from the data"
    assert row["ci_low"].item() < per_run.mean() < row["ci_high"].item()
    diffs = pd.read_csv(report_dir / "paired_differences_last0p5y.csv")
    assert set(diffs["regime"]) == {"sharing"} and len(diffs[diffs["outcome"] == "coverage"]) == 4
    md = (report_dir / "summary_table_last0p5y.md").read_text()
    assert "| Regime" in md and "config hash" in md


def test_report_html_is_self_contained_with_provenance(report_dir, data):
    html = (report_dir / "index.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:|//)""", html), "the page loads something from the network"
    assert "<script" not in html
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert len(images) == len(EXPECTED_FIGURES), "every figure embedded once"
    assert base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"
    commit = data.info["provenance"]["code"]["commit"]
    for needle in ("Do direct and multi-year funding change coverage?", data.config_hash, "mesa", str(data.seeds[0]),
                   "Main table", "Paired differences to the reference", "Exploratory", str(commit)):
        assert needle in html, f"{needle!r} missing from the HTML page"


def test_report_on_a_single_run(tmp_path, small_sweep):  # noqa: F811
    run_dir = next((small_sweep / "runs").iterdir())
    data = load(run_dir)
    assert data.kind == "run" and data.n_replicates == 1 and data.factors == []
    rep = Report(data, tmp_path, [Window.parse("last:0.5")], ["coverage", "brain_drain"], n_boot=200).compute()
    row = rep.main.summary.set_index("outcome").loc["coverage"]
    assert row["ci_low"] == row["mean"] == row["ci_high"], "one replicate: the interval is the point"


@pytest.mark.parametrize("argv,expected", [
    (["report", "/nonexistent/sweep"], "does not exist"),
    (["report"], "the following arguments are required: sweep_dir"),
    (["report", "SWEEP", "--window", "lastyear"], "window 'lastyear' is not understood"),
    (["report", "SWEEP", "--size", "poster"], "size = 'poster' is unknown; allowed: column, page, slide"),
    (["report", "SWEEP", "--outcomes", "happiness"], "'happiness' is not a registered outcome"),
    (["report", "SWEEP", "--formats", "gif"], "formats = gif is not allowed"),
    (["report", "SWEEP", "--bogus"], "unrecognized arguments: --bogus"),
    (["report", "SWEEP", "--jobs", "0"], "--jobs 0 is too small; allowed: at least 1"),
])
def test_report_bad_input_one_line_exit_2(argv, expected, capsys, small_sweep):  # noqa: F811
    argv = [str(small_sweep) if a == "SWEEP" else a for a in argv]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2, f"exit code {exc.value.code}"
    assert len(err.splitlines()) == 1 and expected in err and "Traceback" not in err, err


def test_report_on_a_sweep_without_regime_and_with_a_null_level(tmp_path):
    """Another experiment shape: a text lever, a lever with a null level (never exit), regime fixed."""
    from analysis.report import build_report
    from sweep_fixture import write_sweep_dir

    root = tmp_path / "gov"
    write_sweep_dir(root, factors=["governance.priority_setting", "funding.exit_year"],
                    levels={"governance.priority_setting": ["international", "local"], "funding.exit_year": [None, 1.0]},
                    replicates=2, reference={"funding.exit_year": None})
    data = load(root)
    assert data.levels("funding.exit_year") == ["1", "null"], "the null level must be kept, not dropped"
    rep = build_report(root, windows=["last:0.5"], n_boot=300, formats=("png",))
    assert rep.hue == "governance.priority_setting"
    assert len(rep.main.summary) == 4 * len(rep.outcomes), "a configuration was lost"
    diffs = rep.main.diffs
    assert set(diffs["funding.exit_year"]) == {"1"} and set(diffs["reference"]) == {"funding.exit_year=None"}
    cap = json.loads((root / "report" / "timeseries_outcomes.json").read_text())
    assert cap["held_at"] == {"funding.exit_year": "null"}, "levers not shown must be held at the reference level"
    names = {p.stem for p in (root / "report").glob("*.png")}
    assert {"timeseries_outcomes", "comparison_last0p5y", "effects_vs_reference_last0p5y", "flows_staff_last0p5y",
            "flows_funding_last0p5y"} <= names


def test_a_report_made_with_worker_processes_is_the_same_report(tmp_path, data):
    """``compute(submit=...)`` bootstraps the time series in other processes: the same numbers.
    ``write_figures(submit=...)``: each figure pickled and rendered in another process, under this one's
    rcParams, gives the same PNG bytes as rendering here, and every file exists when it returns."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    outs = ["coverage", "brain_drain"]
    here = Report(data, tmp_path / "here", [Window.parse("last:0.5")], outs, n_boot=200).compute()
    here.out_dir.mkdir(parents=True)
    here.write_figures()
    with ProcessPoolExecutor(2, mp_context=get_context("forkserver")) as pool:
        there = Report(data, tmp_path / "there", [Window.parse("last:0.5")], outs, n_boot=200).compute(pool.submit)
        pd.testing.assert_frame_equal(there.timeseries, here.timeseries, check_exact=True)
        there.out_dir.mkdir(parents=True)
        there.write_figures(submit=pool.submit)
        assert not there._writer.pending
    names = [f["name"] for f in here.figures]
    assert names and names == [f["name"] for f in there.figures]
    for name in names:
        a, b = here.out_dir / f"{name}.png", there.out_dir / f"{name}.png"
        assert b.is_file() and (there.out_dir / f"{name}.svg").is_file()
        assert a.read_bytes() == b.read_bytes(), f"{name}.png differs when written in a worker"


def _square_figure(values):
    fig, ax = plt.subplots()
    ax.plot(values, [v * v for v in values])
    return fig


def test_a_drawing_is_drawn_in_the_worker_or_here_when_it_cannot_be_pickled(tmp_path):
    """A drawing (a callable that makes the figure) goes to the worker whole, so the worker draws it; one that
    cannot be pickled is drawn here and its figure sent; without workers it is drawn and written here; each
    way the same PNG as drawing the figure here."""
    import pickle
    from functools import partial

    from analysis.style import FigureWriter, save_figure, save_pickled_figure

    sent = []
    writer = FigureWriter(submit=lambda *a: sent.append(a))
    drawing = partial(_square_figure, [0, 1, 2])
    paths = writer.save(drawing, tmp_path / "sent", ("png",))
    assert len(sent) == 1 and sent[0][0] is save_pickled_figure and not paths[0].exists()
    assert isinstance(pickle.loads(sent[0][1]), partial), "the figure was drawn here, not sent as a drawing"
    save_pickled_figure(*sent[0][1:])  # what the worker does
    here = _square_figure([0, 1, 2])
    save_figure(here, tmp_path / "here", ("png",))
    plt.close(here)
    assert paths[0].read_bytes() == (tmp_path / "here.png").read_bytes()
    unpicklable = partial(lambda values: _square_figure(values), [0, 1, 2])
    paths = writer.save(unpicklable, tmp_path / "local", ("png",))
    assert len(sent) == 2, "a drawing that cannot be pickled was not drawn here and its figure sent"
    assert not isinstance(pickle.loads(sent[1][1]), partial)
    save_pickled_figure(*sent[1][1:])
    assert paths[0].read_bytes() == (tmp_path / "here.png").read_bytes()
    alone = FigureWriter()  # no workers: drawn and written here
    paths = alone.save(unpicklable, tmp_path / "alone", ("png",))
    assert paths[0].read_bytes() == (tmp_path / "here.png").read_bytes()


def test_a_figure_that_cannot_be_pickled_is_written_here(tmp_path):
    from analysis.style import FigureWriter
    from matplotlib.ticker import FuncFormatter

    sent = []
    writer = FigureWriter(submit=lambda *a: sent.append(a))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.1f}"))  # a lambda: not picklable
    paths = writer.save(fig, tmp_path / "lambda_axis", ("png",))
    plt.close(fig)
    assert not sent and paths == [tmp_path / "lambda_axis.png"] and paths[0].is_file()
