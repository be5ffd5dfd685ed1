"""`capsim dashboard`: levers, the paired live view, and the page driven in a real browser.

The engine tests run a small country for one year; the browser test starts `capsim dashboard`
at its default size as a subprocess on a free loopback port, drives headless Chromium with
Playwright (load, change a lever, check that the results change, try an impossible
combination), saves screenshots and records the update time. Set CAPSIM_SCREENSHOT_DIR to keep
the screenshots and timings (docs/screenshots was produced that way).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

from experiments.cli.main import main
from experiments.config import CONFIG_DIR
from experiments.advocacy.levers import LEVER_KEYS, LEVERS, apply_levers, lever_values, package_params, shares_held
from experiments.advocacy.live import LiveEngine, LiveSettings
from experiments.advocacy.paired import run_paired
from experiments.runner import RunCache
from sim.model import CapacityModel
from sim.params import ConfigError, lookup_spec
from sim.rng import replicate_seeds

SMALL = ("world.n_areas=20", "world.n_staff=1500", "world.n_local_ngos=30", "world.n_community_orgs=10",
         "world.n_ingos=5", "world.n_un_agencies=2")
BROWSER_SKIP = "install Debian's chromium (apt-get install chromium) to run the browser test"


# ------------------------------------------------------------------ levers

def test_every_lever_is_a_documented_parameter():
    for lever in LEVERS:
        spec = lookup_spec(lever.key)
        assert spec is not None, f"lever {lever.key} is not in the parameter registry"
        assert lever.help and lever.title, f"lever {lever.key} lacks a title or help text"
        if spec.choices is None:
            assert (spec.lo, spec.hi) == (0.0, 1.0) and spec.unit == "share", \
                f"{lever.key}: the page shows shares as 0-100%, but the registry says {spec.unit} {spec.lo}-{spec.hi}"
            assert lever.unit_text, f"lever {lever.key} does not say what it is a share of"
    donor = {lv.key for lv in LEVERS if lv.side == "donor"}
    assert {"funding.direct_local_share", "funding.multi_year_share", "funding.flexible_share",
            "funding.sharing_earmark", "funding.overhead_passed_on", "funding.risk_sharing"} <= donor


def test_status_quo_levers_are_the_status_quo_config():
    values = lever_values(package_params("status_quo"))
    preset = OmegaConf.load(Path(CONFIG_DIR) / "scenario" / "status_quo.yaml")
    for key in LEVER_KEYS:
        node = preset
        for part in key.split("."):
            node = node.get(part) if node is not None else None
        if node is not None:
            assert values[key] == node, f"status quo {key} = {values[key]}, configs say {node}"
    assert values["regime"] == "building"


def test_apply_levers_validates_like_any_config():
    sq = package_params("status_quo")
    p = apply_levers(sq, {"funding.direct_local_share": 0.25, "regime": "sharing"})
    assert p.funding.direct_local_share == 0.25 and p.regime == "sharing"
    assert p.funding.emergency_share == sq.funding.emergency_share, "a lever change altered another parameter"
    assert shares_held(p) == {"funding.direct_local_share": 0.25, "funding.sharing_earmark": 0.0,
                              "funding.emergency_share": sq.funding.emergency_share}
    with pytest.raises(ConfigError, match="exceeds 1"):
        apply_levers(sq, {"funding.direct_local_share": 0.6, "funding.sharing_earmark": 0.35})
    with pytest.raises(ConfigError, match="out of range"):
        apply_levers(sq, {"funding.flexible_share": 1.2})
    with pytest.raises(ConfigError, match="not a lever"):
        apply_levers(sq, {"world.n_areas": 3})


# ------------------------------------------------------------------ paired live view

@pytest.fixture(scope="module")
def engine():
    return LiveEngine(LiveSettings(years=1.0, replicates=2, seed=3, jobs=1, overrides=SMALL))


def test_paired_runs_share_shocks_and_seeds():
    sq = package_params("status_quo", ["years=1", *SMALL])
    donor = apply_levers(sq, {"funding.direct_local_share": 0.3, "regime": "sharing"})
    cache = RunCache()
    t = run_paired({"status_quo": sq, "donor": donor}, replicate_seeds(3, 2), "status_quo", cache=cache)
    assert (t.shocks.config == "status_quo").sum() > 0, "no shocks to compare: choose other seeds"
    for rep in (0, 1):
        a = t.shocks[(t.shocks.config == "status_quo") & (t.shocks.replicate == rep)][["step", "area", "people"]]
        b = t.shocks[(t.shocks.config == "donor") & (t.shocks.replicate == rep)][["step", "area", "people"]]
        assert a.reset_index(drop=True).equals(b.reset_index(drop=True)), \
            f"replicate {rep}: the donor's rules saw different shocks (not paired)"
    again = run_paired({"status_quo": sq}, replicate_seeds(3, 2), "status_quo", cache=cache)
    assert cache.hits == 2, f"the status quo was run again instead of taken from the cache ({cache.hits} hits)"
    first = t.steps[t.steps.config == "status_quo"]
    assert np.array_equal(again.steps["coverage"].to_numpy(), first["coverage"].to_numpy()), "cached runs differ"


def test_live_view_status_quo_shows_no_difference(engine):
    res = engine.compute("status_quo", lever_values(engine.base("status_quo")))
    assert res.is_status_quo and not res.changed
    for h in res.people + res.system:
        if h.measure == "response_time" and np.isnan(h.diff):  # no shock could be judged in 1-year runs
            assert "could be judged" in h.text, h.text
            continue
        assert h.diff == 0.0, f"{h.measure}: the status quo differs from itself by {h.diff}"


def test_live_view_direct_funding_reaches_local_actors(engine):
    levers = {**lever_values(engine.base("status_quo")), "funding.direct_local_share": 0.3}
    res = engine.compute("status_quo", levers)
    assert not res.is_status_quo and res.changed == ["funding.direct_local_share"]
    funding = next(h for h in res.system if h.measure == "total_local_funding_share")
    assert funding.direction == "better" and funding.low > 0.05, \
        f"30% direct funding should raise funding reaching local actors in every pair: {funding}"
    assert "percentage points" in funding.text and "Donor funding reaching local actors" in funding.text
    assert res.runs_from_cache == engine.settings.replicates, "the status quo was run again instead of cached"
    assert set(res.figures) == {"people", "system", "map"}
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png in res.figures.values()), "figures are not PNG"
    again = engine.compute("status_quo", levers)
    assert again.runs_from_cache == again.runs_total and again.figures == res.figures, "a repeat was recomputed"


def test_live_view_refuses_impossible_rules(engine):
    levers = {**lever_values(engine.base("status_quo")), "funding.direct_local_share": 0.8,
              "funding.sharing_earmark": 0.2}
    with pytest.raises(ConfigError, match="exceeds 1"):
        engine.compute("status_quo", levers)


def test_map_positions_are_the_model_positions(engine):
    params = engine.base("status_quo")
    seed = engine.settings.seeds[0]
    model = CapacityModel(params.replace(seed=seed))
    assert np.array_equal(engine._map_xy(params, seed), model.areas.xy), \
        "rebuilding the areas from the world stream no longer gives the model's map"


# ------------------------------------------------------------------ command line

@pytest.mark.parametrize("argv,expected", [
    (["dashboard", "--port", "abc"], "--port = 'abc' is not a whole number"),
    (["dashboard", "--port", "70000"], "--port = '70000' is out of range"),
    (["dashboard", "--replicates", "0"], "--replicates = '0' is out of range"),
    (["dashboard", "--years", "-1"], "--years = '-1' is out of range"),
    (["dashboard", "world.n_areas=0"], "world.n_areas = 0 is out of range"),
    (["dashboard", "--host", "no-such-host.invalid"], "is not an address of this machine"),
])
def test_dashboard_bad_input_one_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2, f"exit code {exc.value.code}: {err}"
    assert len(err.splitlines()) == 1 and expected in err, err


def test_dashboard_listens_on_loopback_by_default():
    from experiments.advocacy.dashboard import _parser

    opts = _parser().parse_args([])
    assert opts.host == "127.0.0.1", f"the page must listen on 127.0.0.1 unless told otherwise, not {opts.host}"
    assert _parser().parse_args(["--host", "0.0.0.0", "--port", "0"]).host == "0.0.0.0"


def test_dashboard_busy_port_exit_1(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as exc:
            main(["dashboard", "--port", str(port)])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 1 and len(err.splitlines()) == 1 and "cannot listen on 127.0.0.1" in err, err


# ------------------------------------------------------------------ in a real browser

def _browser():
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(proc, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"capsim dashboard exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"capsim dashboard did not answer at {url} within {timeout:g} s")


def _group_alive(pgid: int, timeout: float) -> bool:
    """Whether any process of a process group is still there after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.2)


def _screenshot(page, path: Path) -> None:
    """The whole page: Solara scrolls inside its own container, so grow the window to the content first."""
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": int(min(max(height, 1000), 4000))})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": 1000})


@pytest.mark.slow
def test_dashboard_in_a_real_browser(tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip(BROWSER_SKIP)
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("CAPSIM_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli.main", "dashboard", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for_server(proc, url, timeout=180)
        with sync_playwright() as p:
            chrome = p.chromium.launch(executable_path=browser, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
            try:
                page = chrome.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url, timeout=60_000)
                page.get_by_text("Status: up to date").wait_for(timeout=90_000)
                before = page.inner_text("body")
                assert "These are the status quo rules" in before, "the page did not open on the status quo"
                assert "Funding given directly to local actors: 2% of your funding" in before
                images_before = [page.locator("img").nth(i).get_attribute("src") for i in range(3)]
                _screenshot(page, shots / "dashboard_before.png")

                # change one lever: direct funding to local actors 2% -> 12% (PageUp moves a slider by 10)
                sliders = [lv.key for lv in LEVERS if not lv.is_choice]  # the page's sliders, in order
                slider = page.get_by_role("slider").nth(sliders.index("funding.direct_local_share"))
                slider.focus()
                t0 = time.perf_counter()
                page.keyboard.press("PageUp")
                page.get_by_text("people-weeks of need met over 5 years").wait_for(timeout=90_000)
                t_headline = time.perf_counter() - t0
                page.get_by_text("Status: up to date").wait_for(timeout=90_000)
                t_complete = time.perf_counter() - t0
                after = page.inner_text("body")
                assert "Funding given directly to local actors: 12% of your funding" in after, "lever did not move"
                assert "These are the status quo rules" not in after, "results did not change after the lever"
                assert "Donor funding reaching local actors:" in after and "under these rules" in after
                images_after = [page.locator("img").nth(i).get_attribute("src") for i in range(3)]
                assert images_after != images_before, "the figures did not change after the lever"
                _screenshot(page, shots / "dashboard_after.png")
                server_line = next(line for line in after.splitlines() if "Last update:" in line)

                # an impossible combination is explained on the page, never a traceback
                slider.focus()
                page.keyboard.press("End")
                page.get_by_text("These rules cannot run").wait_for(timeout=30_000)
                invalid = page.inner_text("body")
                assert "exceeds 1" in invalid and "Traceback" not in invalid
                assert "Lower direct funding or the earmark" in invalid
                _screenshot(page, shots / "dashboard_invalid.png")
            finally:
                chrome.close()
    finally:
        # stop the server as a service manager would (SIGTERM to it alone), then make sure nothing
        # it started is left: its worker processes share its process group
        proc.send_signal(signal.SIGTERM)
        try:
            exit_code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            exit_code = None
        leftover = _group_alive(proc.pid, timeout=10)
        if exit_code is None or leftover:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=15)
    assert exit_code == 0, f"capsim dashboard did not stop cleanly on SIGTERM (exit code {exit_code})"
    assert not leftover, "capsim dashboard left worker processes behind after it stopped"
    # one 5-year run of the status quo in this process, right after, as a yardstick for a busy machine
    from sim.results import run

    one = package_params("status_quo", ["years=5"]).replace(seed=replicate_seeds(0, 1)[0])
    t0 = time.perf_counter()
    run(one)
    t_run = time.perf_counter() - t0
    timing = {"lever_to_headlines_s": round(t_headline, 2), "lever_to_figures_s": round(t_complete, 2),
              "page_reports": server_line.split("Last update:")[1].strip(),
              "one_5_year_run_here_s": round(t_run, 2),
              "lever_to_figures_in_5_year_runs": round(t_complete / t_run, 1),
              "cpu_count": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2)}
    (shots / "dashboard_timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(f"\ndashboard update time: {timing}")
    assert t_complete < 90, f"the page took {t_complete:.1f} s to update after a lever change"
