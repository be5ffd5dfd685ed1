"""The model description cannot drift from the code.

``docs/ODD.md`` holds blocks generated from the registries (parameters, outcomes, regime rules,
config presets); these tests fail when a block differs from what the code generates now, when a
registry entry is missing from the document, when the document names a file that does not exist,
and when ``sim/__init__.py``'s architecture table and the files in ``sim/`` disagree. The
hand-written text is checked too: every parameter key it names must exist and every parameter must
be named in it, and the code names it gives (``Class.attribute``, functions in the tables of
Sections 3 and 10) must exist. Module docstrings' tables must be valid reStructuredText.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from experiments.cli.main import main as capsim
from experiments.cli.params import (
    BLOCKS,
    GENERATOR,
    DocsError,
    generated_blocks,
    read_block,
    render_odd,
    replace_block,
    stale_blocks,
    write_odd,
)
from sim.outcomes import OUTCOMES
from sim.params import Params, RegimeRules, spec_rows
from sim.rng import STREAM_NAMES, Streams

ODD = ROOT / "docs" / "ODD.md"


@pytest.fixture(scope="module")
def odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def blocks() -> dict[str, str]:
    return generated_blocks()


def _first_column(block: str) -> list[str]:
    """The backticked keys in the first column of a generated Markdown table."""
    return re.findall(r"^\| `([^`]+)` \|", block, flags=re.M)


# ------------------------------------------------------------------ generated blocks


def test_generated_blocks_match_the_registries(odd_text, blocks):
    stale = stale_blocks(odd_text, blocks)
    assert not stale, f"docs/ODD.md blocks {stale} differ from the code; run `{GENERATOR}`"


def test_parameter_table_has_one_complete_row_per_parameter(odd_text):
    block = read_block(odd_text, "PARAMETERS")
    keys = _first_column(block)
    registry = [r["key"] for r in spec_rows()]
    assert keys == registry, (
        f"parameter table rows differ from the registry: missing {sorted(set(registry) - set(keys))}, "
        f"extra {sorted(set(keys) - set(registry))}")
    for line in block.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            assert len(cells) == 6, f"parameter row does not have 6 columns: {line}"
            assert all(cells), f"parameter row has an empty cell: {line}"


def _parse_default(cell: str):
    if cell in ("true", "false"):
        return cell == "true"
    if cell == "null":
        return None
    try:
        return float(cell)
    except ValueError:
        return cell


def test_every_row_shows_the_registry_default_and_source(odd_text):
    rows = {r["key"]: r for r in spec_rows()}
    for line in read_block(odd_text, "PARAMETERS").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        key = cells[0].strip("`")
        want = rows[key]["default"]
        got = _parse_default(cells[1])
        if isinstance(want, bool) or want is None or isinstance(want, str):
            assert got == want or (want == "null" and got is None), f"{key}: table default {cells[1]!r}, registry {want!r}"
        else:
            assert got == float(want), f"{key}: table default {cells[1]!r}, registry {want!r}"
        assert cells[5] == rows[key]["source"], f"{key}: table source {cells[5]!r}, registry {rows[key]['source']!r}"


def test_outcome_table_lists_every_outcome(odd_text):
    keys = _first_column(read_block(odd_text, "OUTCOMES"))
    assert sorted(keys) == sorted(OUTCOMES), (
        f"outcome table differs from the registry: missing {sorted(set(OUTCOMES) - set(keys))}, "
        f"extra {sorted(set(keys) - set(OUTCOMES))}")


def test_regime_table_shows_each_rule_for_each_regime(odd_text):
    block = read_block(odd_text, "REGIMES")
    header = block.splitlines()[2]
    assert header.startswith("| rule | baseline | building | strengthening | sharing |"), f"regime columns: {header}"
    row = next(ln for ln in block.splitlines() if ln.startswith("| `two_way` |"))
    assert row.split("|")[2:6] == [" false ", " false ", " false ", " true "], f"two_way row wrong: {row}"


def test_presets_table_lists_every_config_option(odd_text):
    block = read_block(odd_text, "PRESETS")
    listed = set(_first_column(block))
    for group in ("scenario", "regime", "funding", "turnover", "governance", "crisis"):
        for path in (ROOT / "configs" / group).glob("*.yaml"):
            assert f"{group}={path.stem}" in listed, f"configs/{group}/{path.name} missing from the presets table"


# ------------------------------------------------------------------ the block machinery


DOC = """# Title

Hand-written text stays.

<!-- BEGIN PARAMETERS -->
old table
<!-- END PARAMETERS -->

More text.
"""


def test_replace_block_changes_only_the_block():
    out = replace_block(DOC, "PARAMETERS", "| new |")
    assert "old table" not in out, "block content was not replaced"
    assert "| new |" in out, "new content missing"
    assert out.startswith("# Title\n\nHand-written text stays.\n\n<!-- BEGIN PARAMETERS -->\n"), "text before changed"
    assert out.endswith("<!-- END PARAMETERS -->\n\nMore text.\n"), "text after changed"
    assert replace_block(out, "PARAMETERS", "| new |") == out, "replacing with the same content is not idempotent"
    assert read_block(out, "PARAMETERS") == "| new |"


@pytest.mark.parametrize("text, problem", [
    ("no markers at all\n", "found 0"),
    (DOC + "<!-- BEGIN PARAMETERS -->\n", "found 2"),
    ("<!-- END PARAMETERS -->\nx\n<!-- BEGIN PARAMETERS -->\n", "comes before"),
])
def test_broken_markers_are_refused(text, problem):
    with pytest.raises(DocsError, match=problem):
        replace_block(text, "PARAMETERS", "x")


def test_write_odd_updates_stale_blocks_in_place(tmp_path, blocks):
    doc = tmp_path / "ODD.md"
    text = "intro\n\n" + "".join(f"<!-- BEGIN {b} -->\nstale\n<!-- END {b} -->\n\n" for b in BLOCKS) + "outro\n"
    doc.write_text(text)
    assert stale_blocks(text, blocks) == list(BLOCKS), "stale blocks not detected"
    assert write_odd(doc) == list(BLOCKS), "write_odd did not report the regenerated blocks"
    new = doc.read_text()
    assert new.startswith("intro\n") and new.endswith("outro\n"), "text outside the blocks changed"
    assert stale_blocks(new, blocks) == [], "blocks still stale after writing"
    assert write_odd(doc) == [], "a second write changed an up-to-date document"
    assert render_odd(new, blocks) == new, "rendering an up-to-date document changed it"


def test_check_command_fails_on_a_stale_document(tmp_path, capsys):
    doc = tmp_path / "ODD.md"
    doc.write_text("".join(f"<!-- BEGIN {b} -->\n<!-- END {b} -->\n" for b in BLOCKS))
    with pytest.raises(SystemExit) as e:
        capsim(["params", "--check-odd", str(doc)])
    err = capsys.readouterr().err.strip()
    assert e.value.code == 1, f"stale document should exit 1, got {e.value.code}"
    assert len(err.splitlines()) == 1 and "out of date" in err and GENERATOR in err, f"unhelpful message: {err}"
    assert capsim(["params", "--write-odd", str(doc)]) == 0
    assert capsim(["params", "--check-odd", str(doc)]) == 0, "document still stale after --write-odd"


def test_check_command_passes_on_the_project_document(capsys):
    assert capsim(["params", "--check-odd", str(ODD)]) == 0
    assert "up to date" in capsys.readouterr().out


@pytest.mark.parametrize("argv, expected", [
    (["params", "--write-odd"], "--write-odd needs a path"),
    (["params", "--check-odd", "no/such/ODD.md"], "no such file"),
    (["params", "--markdwn"], "did you mean --markdown"),
    (["params", "fundng_rules"], "no parameter key contains"),
    (["params", "--write-odd", "docs/ODD.md", "funding"], "takes only a path"),
])
def test_bad_params_input_one_line_exit_2(argv, expected, capsys):
    with pytest.raises(SystemExit) as e:
        capsim(argv)
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2, f"{argv}: exit code {e.value.code}, expected 2"
    assert len(err.splitlines()) == 1 and expected in err, f"{argv}: message {err!r} lacks {expected!r}"


def test_broken_markers_exit_1_with_one_line(tmp_path, capsys):
    doc = tmp_path / "ODD.md"
    doc.write_text("no markers\n")
    with pytest.raises(SystemExit) as e:
        capsim(["params", "--write-odd", str(doc)])
    err = capsys.readouterr().err.strip()
    assert e.value.code == 1 and len(err.splitlines()) == 1 and "BEGIN PARAMETERS" in err, err
    assert doc.read_text() == "no markers\n", "a document with broken markers was modified"


def test_markdown_flag_prints_filtered_rows(capsys):
    assert capsim(["params", "--markdown", "multi_year"]) == 0
    out = capsys.readouterr().out
    keys = re.findall(r"^\| `([^`]+)` \|", out, flags=re.M)
    assert keys == ["funding.multi_year_share", "funding.multi_year_weeks"], f"filtered table rows: {keys}"


def test_module_entry_point_checks_the_document():
    proc = subprocess.run([sys.executable, "-m", "experiments.cli.params", "--check-odd", str(ODD)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, f"python -m experiments.cli.params failed: {proc.stderr}"


# ------------------------------------------------------------------ prose against code


def test_every_file_named_in_the_odd_exists(odd_text):
    paths = set(re.findall(r"\b((?:sim|experiments|analysis|tests|configs|docs)/[\w/]+\.(?:py|yaml|md))", odd_text))
    assert len(paths) > 15, f"too few file references found ({len(paths)}); is the pattern broken?"
    missing = sorted(p for p in paths if not (ROOT / p).is_file())
    assert not missing, f"docs/ODD.md names files that do not exist: {missing}"


def test_every_sim_module_has_a_submodel_or_entity_section(odd_text):
    import sim

    for f in re.findall(r"^``(\w+\.py)``", sim.__doc__, flags=re.M):
        assert f"`sim/{f}`" in odd_text, f"docs/ODD.md never names sim/{f}"


def test_every_random_stream_is_documented(odd_text):
    section = odd_text.split("### 4.9 Stochasticity", 1)[1].split("### 4.10", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", section, flags=re.M)
    assert sorted(documented) == sorted(STREAM_NAMES), (
        f"stochasticity table {sorted(documented)} differs from sim/rng.py STREAM_NAMES {sorted(STREAM_NAMES)}")


def test_phases_are_documented_in_model_order(odd_text):
    from sim import model

    phases = re.findall(r"^\d\. \*\*([^*]+)\*\*", model.__doc__, flags=re.M)
    assert len(phases) == 9, f"expected 9 phases in sim/model.py's docstring, found {phases}"
    section = odd_text.split("## 3. Process overview and scheduling", 1)[1].split("## 4.", 1)[0]
    documented = re.findall(r"^\| \d \| \*\*([^*]+)\*\* \|", section, flags=re.M)
    assert documented == phases, f"ODD section 3 phases {documented} differ from CapacityModel's {phases}"


def test_odd_has_every_protocol_element_and_the_caveat(odd_text):
    for heading in ("## 1. Purpose and patterns", "## 2. Entities, state variables and scales",
                    "## 3. Process overview and scheduling", "## 4. Design concepts", "## 5. Initialisation",
                    "## 6. Input data", "## 7. Submodels"):
        assert heading in odd_text, f"docs/ODD.md lacks the section {heading!r}"
    for concept in ("Basic principles", "Emergence", "Adaptation", "Objectives", "Learning", "Prediction",
                    "Sensing", "Interaction", "Stochasticity", "Collectives", "Observation"):
        assert re.search(rf"^### 4\.\d+ {concept}$", odd_text, flags=re.M), f"design concept {concept} missing"
    assert "No empirical study compares capacity building" in odd_text, "the exploratory caveat is missing"
    assert "**exploratory**" in odd_text, "the exploratory caveat is missing"


# ------------------------------------------------------------------ claims the ODD makes about the code


def test_numbers_derived_from_defaults_match_the_registry(odd_text):
    """Section 7 quotes a few numbers computed from default parameters; they must follow the defaults."""
    import math

    from sim.params import Params

    p = Params()
    lp, t, s, c = p.learning, p.turnover, p.staff, p.crisis
    odd_text = " ".join(odd_text.split())  # line breaks and indentation do not matter
    half = math.log(2) / lp.unpractised_decay
    assert f"`ln 2 / {lp.unpractised_decay:g} = {half:.1f}`" in odd_text, "half-life of unpractised gains"
    assert f"({half / (52 / 12):.1f} months" in odd_text, "half-life in months"
    assert f"`transfer_rate = {lp.transfer_rate:.0%}`" in odd_text, "transfer rate"

    def kept(u, weeks):
        return lp.transfer_rate * (1 - lp.unpractised_decay * (1 - lp.practice_protection * u)) ** weeks

    for u in (0.0, 0.5, 1.0):
        text = f"{kept(u, 26):.0%} and {kept(u, 52):.0%}"
        assert text in odd_text, f"retention with practice {u}: expected '{text}' in docs/ODD.md"
    ratio = s.intl_national_pay_ratio
    accept = 1 / (1 + math.exp(-t.pay_sensitivity * (math.log(ratio) - math.log(t.reservation_pay_ratio))))
    assert (f"({accept:.2f} with the defaults: pay ratio {ratio:g}, midpoint {t.reservation_pay_ratio:g}, "
            f"slope {t.pay_sensitivity:g})") in odd_text, "poaching acceptance at the defaults"
    w = c.rapid_recovery_weeks
    assert f"`exp(-1/{w:g}) = {math.exp(-1 / w):.3f}`" in odd_text, "weekly recovery factor"
    assert f"half-life {w * math.log(2):.0f} weeks" in odd_text, "half-life of shock need"
    f = p.funding
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    parts = max(1, f.multi_year_weeks // f.round_interval_weeks)
    text = (f"a multi-year grant of {f.multi_year_weeks} weeks with rounds every {f.round_interval_weeks} weeks "
            f"is split into {words[parts] if parts < len(words) else parts} grants")
    assert text in odd_text, f"warm-start portfolio: expected '{text}'"


def _review_one_by_one(m, step: int, order) -> None:
    """The presence review's rules as written in ODD Section 3, one organisation at a time in ``order``
    (the reference the vectorised ``Coordination.review`` is checked against)."""
    import numpy as np

    from sim.access import AcceptanceTable, access_factor, can_operate
    from sim.governance import priority_view

    c, orgs, g = m.coordination, m.orgs, m.p.governance
    vis = c.visibility() * priority_view(m)
    ranked = np.argsort(-(c.unmet * vis), kind="stable")[: min(50, len(vis))]
    tol, context, table = c.risk_tolerance(), c.decision_context(), AcceptanceTable(m)
    for o in order:
        if not orgs.active[o]:
            continue
        payroll, row = m.pay.payroll[o], orgs.presence[o]
        mine = row[row >= 0]
        if orgs.cash[o] < g.retreat_reserve_weeks * payroll and len(mine) > 1:
            orgs.drop_presence(o, mine[np.argmin(c.unmet[mine])])
            continue
        if len(mine) > 1:
            risky = mine[~can_operate(m, np.full(len(mine), o), mine, tol, table)]
            if len(risky):
                orgs.drop_presence(o, risky[np.argmax(m.areas.access[risky])])
                continue
        if orgs.cash[o] < g.expansion_reserve_weeks * payroll or len(mine) >= len(row):
            continue
        cand = np.unique(m.areas.neighbours[mine].ravel()) if orgs.is_local[o] else ranked
        cand = cand[~np.isin(cand, mine)]
        cand = cand[can_operate(m, np.full(len(cand), o), cand, tol, table)]
        if len(cand) == 0:
            continue
        known = access_factor(m.areas.access[cand], context[o])
        if orgs.is_intl[o]:
            known = 1.0 - (1.0 - vis[cand]) * (1.0 - known)
        score = c.unmet[cand] * known
        if score.max() <= 0:
            continue
        delay = (int(c.local_entry_delay(np.array([o]))[0]) if orgs.is_local[o]
                 else m.p.crisis.intl_surge_delay_weeks)
        orgs.add_presence(o, cand[np.argmax(score)], step + delay)


def test_presence_reviews_are_simultaneous_and_follow_the_written_rules():
    """Section 3: every organisation decides from one snapshot, so the vectorised review gives exactly
    what the rules give taken one organisation at a time, in any order."""
    import numpy as np
    import pandas as pd

    from conftest import small_params
    from sim.model import CapacityModel

    def run(order_seed):
        m = CapacityModel(small_params(seed=5, years=1.5, crisis={"rapid_onset_rate": 0.3}))
        if order_seed is not None:
            rng = np.random.default_rng(order_seed)
            m.coordination.review = lambda step: _review_one_by_one(m, step, rng.permutation(m.orgs.n))
        for _ in range(m.n_steps):
            m.step()
        return m.recorder.steps_table(), m.orgs.presence.copy()

    (a, pres_a), (b, pres_b), (c, pres_c) = run(None), run(1), run(12345)
    assert a["n_intl_presence"].diff().abs().sum() > 0, "no presence changed: the test would not detect an effect"
    pd.testing.assert_frame_equal(a, b, obj="vectorised review against the rules one organisation at a time")
    pd.testing.assert_frame_equal(b, c, obj="the rules one organisation at a time, in two orders")
    assert (pres_a == pres_b).all() and (pres_b == pres_c).all()


# ------------------------------------------------------------------ the hand-written text against the code

# Every section of the parameters (regimes' keys have their own pattern below).
SECTIONS = tuple(f.name for f in dataclasses.fields(Params)
                 if f.default_factory is not dataclasses.MISSING and f.name != "regimes")
TOP_LEVEL_KEYS = ("seed", "years", "scenario", "regime", "partners_per_intl")
FILE_SUFFIXES = ("py", "md", "yaml", "csv", "parquet", "json", "png")
# A dotted parameter key in prose or an equation (not a file name such as sim/staff.py or funding.csv).
KEY = re.compile(r"(?<![/\w.])((?:%s)\.[a-z_]+|regimes\.(?:baseline|building|strengthening|sharing)\.[a-z_]+)(?![\w(])"
                 % "|".join(SECTIONS))


def _hand_written(odd_text: str) -> str:
    """The document without its generated blocks."""
    for name in BLOCKS:
        odd_text = re.sub(rf"<!-- BEGIN {name} -->.*?<!-- END {name} -->", "", odd_text, flags=re.S)
    return odd_text


def _named_keys(text: str) -> set[str]:
    return {k for k in KEY.findall(text) if k.rsplit(".", 1)[1] not in FILE_SUFFIXES}


def test_key_pattern_finds_keys_and_skips_file_names():
    found = _named_keys("`funding.sharing_earmark * B`, sim/staff.py, `funding.csv`, `regimes.sharing.two_way=true`,"
                        " `StaffTable.tech_mean`, staff.productivity x eff")
    assert found == {"funding.sharing_earmark", "regimes.sharing.two_way", "staff.productivity"}, found


def test_every_parameter_key_named_in_the_text_exists(odd_text):
    registry = {r["key"] for r in spec_rows()}
    unknown = sorted(_named_keys(_hand_written(odd_text)) - registry)
    assert not unknown, f"docs/ODD.md names parameter keys that are not in sim/params.py: {unknown}"


def test_every_parameter_is_named_in_the_text(odd_text):
    """Equations must name the parameters they use: a parameter the text never names is undocumented."""
    text = _hand_written(odd_text)
    named = _named_keys(text)
    keys = [r["key"] for r in spec_rows()]
    missing = [k for k in keys if not k.startswith("regimes.") and k not in TOP_LEVEL_KEYS and k not in named]
    missing += [k for k in TOP_LEVEL_KEYS if f"`{k}`" not in text]
    missing += [f"regime rule {f.name}" for f in dataclasses.fields(RegimeRules) if f"`{f.name}" not in text
                and f"{f.name}(c)" not in text]
    assert not missing, f"docs/ODD.md (outside the generated tables) never names: {missing}"


def _sim_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "sim").glob("*.py")))


@pytest.fixture(scope="module")
def small_model():
    from conftest import small_params
    from sim.model import CapacityModel

    return CapacityModel(small_params(years=0.1))


def _instances(model) -> dict[str, object]:
    """One live object per class the ODD names, so instance attributes can be checked too."""
    return {"CapacityModel": model, "OrgTable": model.orgs, "StaffTable": model.staff, "Areas": model.areas,
            "GrantBook": model.grants, "Ledger": model.ledger, "Coordination": model.coordination,
            "RuleTable": model.rules, "ResponseTracker": model.tracker, "ShockSchedule": model.shocks,
            "Streams": model.streams, "Donor": next(iter(model.donors)), "Organisation": next(iter(model.org_agents)),
            "Recorder": model.recorder, "Params": model.p, "Adoption": model.adoption}


def test_class_attributes_named_in_the_text_exist(odd_text, small_model):
    import importlib

    import mesa.agentset

    import sim

    classes = {}
    for path in sorted((ROOT / "sim").glob("*.py")):
        module = importlib.import_module(f"sim.{path.stem}") if path.stem != "__init__" else sim
        classes.update({k: v for k, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__})
    classes["AgentSet"] = mesa.agentset.AgentSet
    live = _instances(small_model)
    not_code = {"BRIEF"}  # BRIEF.md, a document
    problems = []
    for cls, attr in sorted(set(re.findall(r"`([A-Z]\w+)\.(\w+)", _hand_written(odd_text)))):
        if cls in not_code:
            continue
        if cls not in classes:
            problems.append(f"{cls} (no such class in sim/)")
        elif not (hasattr(classes[cls], attr) or (cls in live and hasattr(live[cls], attr))):
            problems.append(f"{cls}.{attr}")
    assert not problems, f"docs/ODD.md names code that does not exist: {problems}"


def _table_cells(section: str, column: int) -> list[str]:
    cells = []
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            parts = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if len(parts) > column:
                cells.append(parts[column])
    return cells


def test_functions_named_where_the_code_is_located_exist(odd_text):
    """The 'code' column of Section 3, the 'where' column of Section 10, and names given with their file."""
    source = _sim_source()

    def defined(name: str, text: str) -> bool:
        return re.search(rf"^\s*(?:def|class) {name}\b|^\s*{name}\s*[:=]|self\.{name}\s*=", text, flags=re.M) is not None

    section3 = odd_text.split("## 3. Process overview and scheduling", 1)[1].split("## 4.", 1)[0]
    section10 = odd_text.split("## 10. Numbers in the code", 1)[1].split("## 11.", 1)[0]
    names = []
    for cell in _table_cells(section3, 3)[1:] + _table_cells(section10, 2)[1:]:
        names += [n for n in re.findall(r"`(\w+)`", cell)]
    assert len(names) > 15, f"too few code names found in Sections 3 and 10 ({len(names)}); is the parser broken?"
    missing = sorted({n for n in names if not defined(n, source)})
    pairs = re.findall(r"`(\w+)`\s+in\s+`(sim/\w+\.py)`", odd_text)
    pairs += [(n, p) for p, n in re.findall(r"`(sim/\w+\.py)` `(\w+)`", odd_text)]
    assert len(pairs) > 3, f"too few `name` / `sim/file.py` pairs found ({pairs}); is the pattern broken?"
    for name, path in pairs:
        if not defined(name, (ROOT / path).read_text(encoding="utf-8")):
            missing.append(f"{name} in {path}")
    assert not missing, f"docs/ODD.md names code that is not defined in sim/: {missing}"


def test_per_slot_draws_are_independent_across_weeks_as_section_4_9_says():
    """Section 4.9: the week sits in the counter's last word, so weeks do not share draws.

    If this fails, the counter-based draws were changed: update Section 4.9.
    """
    s = Streams(7)
    week5, week6 = s.slot_uniforms("attrition", 5, 400), s.slot_uniforms("attrition", 6, 400)
    assert not np.isin(week6, week5).any(), "draws of consecutive weeks overlap: update docs/ODD.md 4.9"
    assert (s.slot_uniforms("attrition", 5, 400) == week5).all(), "a week's draws are not reproducible"
    assert abs(np.corrcoef(week5, week6)[0, 1]) < 0.2, "draws of consecutive weeks are correlated"


# ------------------------------------------------------------------ reStructuredText tables in module docstrings


def simple_table_problems(doc: str) -> list[str]:
    """Problems in the reStructuredText simple tables of a docstring (text crossing a column margin).

    A simple table is framed by border lines of ``=`` runs separated by spaces; every text line
    between the first and last border must have spaces where the border has them, except after
    the last column, which may run on (the rule docutils reports as "Text in column margin").
    """
    lines = doc.splitlines()
    border = re.compile(r"^=+( +=+)+ *$")
    problems, i = [], 0
    while i < len(lines):
        if not border.match(lines[i]):
            i += 1
            continue
        top = lines[i]
        columns = [(m.start(), m.end()) for m in re.finditer(r"=+", top)]
        gaps = [(a_end, b_start) for (_, a_end), (b_start, _) in zip(columns, columns[1:])]
        j = i + 1
        while j < len(lines) and not (border.match(lines[j]) and (j + 1 == len(lines) or not lines[j + 1].strip())):
            line = lines[j]
            if not border.match(line):
                for start, end in gaps:
                    if line[start:end].strip():
                        problems.append(f"table line {j - i}: text in the column margin at {start}..{end}: {line!r}")
            j += 1
        i = j + 1
    return problems


def test_table_checker_finds_text_in_a_column_margin():
    good = "====  =====\nkey   value\n====  =====\na     long text may run past the last column\n====  =====\n"
    bad = "====  =====\nkey   value\n====  =====\nlonger one\n====  =====\n"
    assert simple_table_problems(good) == []
    assert len(simple_table_problems(bad)) == 1, "text crossing the first column's margin not found"


@pytest.mark.parametrize("folder", ["sim", "experiments", "analysis"])
def test_module_docstring_tables_are_valid_restructuredtext(folder):
    problems = []
    for path in sorted((ROOT / folder).glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        problems += [f"{folder}/{path.name}: {p}" for p in simple_table_problems(doc)]
    assert not problems, "malformed docstring tables:\n" + "\n".join(problems)
