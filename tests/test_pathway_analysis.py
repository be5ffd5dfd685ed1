"""The pathway decomposition's arithmetic (``analysis/pathways.py``) and its report.

Exact Shapley values and Harsanyi dividends on games whose answers are known by hand; per seed the
pathways add up to the total; an interaction above a quarter of the total is flagged; and a report
whose conditions differ in their windows (an exit in one condition only) draws each condition's
own windows.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis import pathways
from analysis.report import build_report
from sweep_fixture import write_sweep_dir


def _game(v: dict[str, float]) -> dict[frozenset, np.ndarray]:
    """A game from "ab" -> value (the empty coalition written "")."""
    return {frozenset(k): np.array([x]) for k, x in v.items()}


def test_shapley_and_dividends_of_a_two_switch_game():
    # v(a) = 1, v(b) = 2, v(ab) = 5: the interaction (dividend) is 2, split evenly by Shapley.
    v = _game({"": 0.0, "a": 1.0, "b": 2.0, "ab": 5.0})
    phi = pathways.shapley(v, ["a", "b"])
    assert phi["a"][0] == pytest.approx(2.0) and phi["b"][0] == pytest.approx(3.0)
    assert pathways.dividends(v, ["a", "b"])[frozenset("ab")][0] == pytest.approx(2.0)


def test_shapley_values_add_up_to_the_total_and_symmetric_switches_share_equally():
    rng = np.random.default_rng(4)
    names = ["a", "b", "c"]
    v = {frozenset(s): rng.normal(size=5) for r in range(4) for s in itertools.combinations(names, r)}
    v[frozenset()] = np.zeros(5)
    phi = pathways.shapley(v, names)
    total = v[frozenset(names)] - v[frozenset()]
    np.testing.assert_allclose(sum(phi.values()), total, atol=1e-12)
    # Dividends rebuild every coalition's value (Harsanyi): v(S) = sum of the dividends of its subsets.
    d = {**{frozenset([n]): v[frozenset([n])] for n in names}, **pathways.dividends(v, names)}
    for S in v:
        np.testing.assert_allclose(sum((d[T] for T in d if T <= S), np.zeros(5)), v[S], atol=1e-12)
    # b and c symmetric (same value everywhere with one swapped for the other): equal Shapley values.
    sym = {S: (len(S & {"b", "c"}) * 1.5 + 2.0 * ("a" in S)) * np.ones(1) for S in v}
    phi = pathways.shapley(sym, names)
    assert phi["b"][0] == pytest.approx(phi["c"][0]) == pytest.approx(1.5)


def _per_run(effect_a=0.02, effect_b=0.01, joint=0.03, seeds=8, windows=("cumulative",)):
    rng = np.random.default_rng(1)
    rows = []
    for s in range(seeds):
        base = rng.normal(0.5, 0.05)
        for a, b in itertools.product((False, True), repeat=2):
            for w in windows:
                y = base + effect_a * a + effect_b * b + joint * a * b + rng.normal(0, 1e-4)
                rows.append({"replicate": s, "window": w, "pathways.capacity_work": a,
                             "pathways.money_response": b, "coverage": y})
    return pd.DataFrame(rows)


def test_decomposition_adds_up_per_seed_and_flags_a_large_interaction():
    dec = pathways.decompose(_per_run(), ["coverage"], n_boot=500)
    seeds = dec.per_seed
    np.testing.assert_allclose(seeds["capacity_work"] + seeds["money_response"], seeds["total"], atol=1e-12)
    t = dec.rows("cumulative").set_index("part")
    assert t.loc["total", "estimate"] == pytest.approx(0.06, abs=2e-4)
    assert t.loc["capacity_work", "estimate"] == pytest.approx(0.02 + 0.03 / 2, abs=2e-4)
    inter = t.loc["capacity_workxmoney_response"]
    assert inter["estimate"] == pytest.approx(0.03, abs=2e-4) and inter["flagged"]  # 50% of the total
    small = pathways.decompose(_per_run(joint=0.001), ["coverage"], n_boot=500).rows("cumulative")
    assert not small.set_index("part").loc["capacity_workxmoney_response", "flagged"]  # 3% of the total


def test_a_seed_missing_a_combination_is_refused():
    df = _per_run()
    df = df[~((df.replicate == 0) & df["pathways.capacity_work"] & df["pathways.money_response"])]
    dec = pathways.decompose(df, ["coverage"], n_boot=500)
    assert dec.per_seed["replicate"].nunique() == 7  # the incomplete seed left out
    with pytest.raises(pathways.DecompositionError, match="complete factorial"):
        pathways.decompose(df[df.replicate == 0], ["coverage"], n_boot=500)


def test_report_draws_each_conditions_own_windows(tmp_path):
    """An exit in one condition only: the year after the exit exists there and nowhere else, and the
    report draws it for that condition alone (it failed on the other before: a figure with no rows)."""
    levels = {"regime": ["sharing"], "funding.exit_year": [1.0, 20.0],
              "pathways.capacity_work": [True, False], "pathways.money_response": [True, False]}
    root = tmp_path / "pathways_conditions"
    write_sweep_dir(root, factors=list(levels), levels=levels, replicates=2,
                    reference={"pathways.capacity_work": False, "pathways.money_response": False})
    rep = build_report(root)
    dec = rep.pathways
    assert not dec.rows("after_exit", {"funding.exit_year": 1.0}).empty
    assert dec.rows("after_exit", {"funding.exit_year": 20.0}).empty
    names = {p.name for p in (root / "report").iterdir()}
    assert any(n.startswith("pathways_after_exit_1.0") and n.endswith(".png") for n in names), sorted(names)
    assert not any(n.startswith("pathways_after_exit_20.0") for n in names)
    assert any(n.startswith("pathways_cumulative_20.0") and n.endswith(".png") for n in names)
    table = (root / "report" / "pathways_table.md").read_text()
    assert table.count("year after the exit") == 1
