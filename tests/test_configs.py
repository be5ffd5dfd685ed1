"""Every config under configs/ composes, validates and runs a few steps."""

from pathlib import Path

import pytest

from experiments.config import CONFIG_DIR, params_from_cfg, precheck
from experiments.cli.data import setup
from sim.results import run

GROUPS = ["regime", "funding", "turnover", "governance", "crisis", "scenario"]
OPTIONS = [(g, p.stem) for g in GROUPS for p in sorted((Path(CONFIG_DIR) / g).glob("*.yaml"))]


def test_every_group_has_options():
    for g in GROUPS:
        assert any(o[0] == g for o in OPTIONS), f"config group {g} has no options"


@pytest.mark.parametrize("group,option", OPTIONS, ids=[f"{g}={o}" for g, o in OPTIONS])
def test_config_option_composes_and_runs(group, option):
    cfg = precheck([f"{group}={option}", "years=0.1"])
    data = setup(cfg)  # params, and the country when the config names data (scenario=from_data)
    params = data.params
    if group == "regime":
        assert params.regime == option, f"regime={option} did not select the regime"
    if group == "scenario":
        assert params.scenario == option, f"scenario={option} did not set the scenario name"
    result = run(params, data.country)
    assert len(result.steps) == params.n_steps, "run did not reach its horizon"


def test_group_choice_overrides_scenario_preset():
    params = params_from_cfg(precheck(["scenario=alima_hybrid", "regime=building"]))
    assert params.regime == "building", "a regime chosen on the command line must win over the scenario's"
    assert params.governance.local_board_seats == 0.3, "the scenario's other settings must stay"


def test_plain_override_beats_group_file():
    params = params_from_cfg(precheck(["funding=grand_bargain", "funding.direct_local_share=0.1"]))
    assert params.funding.direct_local_share == 0.1
    assert params.funding.multi_year_share == 0.5, "grand_bargain's other values must stay"
