"""The house: no import circle anywhere (imports inside functions and the command table count), the
layers and the module map of docs/architecture.md true to the code, model state declared at
construction, and each registered outcome computed by exactly one mechanism."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import numpy as np

from conftest import small_params

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "experiments", "analysis", "hydra_plugins")
DOC = ROOT / "docs" / "architecture.md"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([name] if name else [])])


def import_graph() -> nx.DiGraph:
    """Project modules and every import between them, at any depth of the code (functions included),
    plus the command table's targets (``experiments/cli/main.py`` loads them by name)."""
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)

    def target(name: str) -> str | None:
        while name:
            if name in mods:
                return name
            name = name.rpartition(".")[0]
        return None

    for mod, path in mods.items():
        tree = ast.parse(path.read_text())
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node.level, node.module) if node.level else node.module
                names = [f"{base}.{a.name}" for a in node.names] + [base]
            for n in names:
                t = target(n)
                if t and t != mod:
                    g.add_edge(mod, t)
    from experiments.cli.main import COMMANDS

    for _help, spec, _hydra in COMMANDS.values():
        t = target(spec.split(":")[0])
        if t:
            g.add_edge("experiments.cli.main", t)
    return g


def test_no_import_circle_anywhere():
    g = import_graph()
    # A package's __init__ importing its own modules lazily is not a circle of concepts.
    g.remove_edges_from([(a, b) for a, b in list(g.edges) if b.startswith(a + ".") or a.startswith(b + ".")])
    cycles = list(nx.simple_cycles(g))
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:5])


def _doc_table(heading: str) -> list[list[str]]:
    """Rows (cells without backticks) of the first Markdown table after ``heading`` in docs/architecture.md."""
    text = DOC.read_text()
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip().replace("`", "") for c in line.strip().strip("|").split("|")]
            if not set(cells[0]) <= {"-"} and cells[0] not in ("layer", "module", "shared module", "folder"):
                rows.append(cells)
        elif rows:
            break
    return rows


def _layer(module: str) -> str:
    return module.split(".")[0]


def test_imports_follow_the_layers_of_the_architecture_page():
    layers = {row[0]: {m.strip() for m in row[1].split(",") if m.strip() in PACKAGES} for row in _doc_table("## Layers")}
    assert set(layers) == set(PACKAGES), f"docs/architecture.md layers {sorted(layers)} vs packages {PACKAGES}"
    g = import_graph()
    # The one exception the page states: experiments name and register the launcher through its leaf config.
    leaf = "hydra_plugins.capsim_launcher.config"
    assert not [b for b in g.successors(leaf)], f"{leaf} must stay a leaf"
    bad = [(a, b) for a, b in g.edges if _layer(a) != _layer(b) and _layer(b) not in layers[_layer(a)]
           and not (_layer(a) == "experiments" and b == leaf)]
    assert not bad, f"imports against the layers of docs/architecture.md: {bad[:10]}"


def test_hydra_is_seen_only_by_experiments_and_the_plugin():
    for pkg in ("sim", "analysis"):
        for path in (ROOT / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(n.split(".")[0] in ("hydra", "omegaconf") for n in names), \
                    f"{path.relative_to(ROOT)} imports Hydra/OmegaConf"


def test_experiment_subpackages_meet_only_through_the_shared_modules():
    shared = {row[0].removesuffix(".py").replace("/", ".") for row in _doc_table("| shared module |")}
    g = import_graph()

    def sub(m):  # experiments.<sub> for modules of a sub-package, else None
        parts = m.split(".")
        return ".".join(parts[:2]) if parts[0] == "experiments" and len(parts) >= 3 else None

    bad = [(a, b) for a, b in g.edges if sub(a) and sub(b) and sub(a) != sub(b)
           and a != "experiments.cli.main" and b not in shared]
    assert not bad, f"sub-packages of experiments meet outside docs/architecture.md's shared modules: {bad}"


def test_architecture_page_lists_every_module_once_and_nothing_else():
    listed = [row[0] for heading in ("## The model", "## Results to numbers", "## What users run", "## Hydra's plugin")
              for row in _doc_table(heading)]
    dupes = {m for m in listed if listed.count(m) > 1}
    assert not dupes, f"docs/architecture.md lists these modules twice: {dupes}"
    files = {str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    assert set(listed) == files, ("docs/architecture.md's module tables and the code differ: missing from the page "
                                  f"{sorted(files - set(listed))}, not in the code {sorted(set(listed) - files)}")
    for folder in re.findall(r"`(configs/[a-z_/]+)/`", DOC.read_text()):
        assert (ROOT / folder).is_dir(), f"docs/architecture.md names {folder}/, which does not exist"


def test_model_state_is_declared_at_construction():
    from sim.model import CapacityModel

    m = CapacityModel(small_params(seed=1, years=0.5, regime="sharing", funding={"exit_year": 0.2},
                                   crisis={"rapid_onset_rate": 0.5}))
    model_keys, org_keys = set(vars(m)), set(vars(m.orgs))
    staff_keys = set(vars(m.staff))
    for _ in range(m.n_steps):
        m.step()
    assert set(vars(m)) == model_keys, f"attributes created outside __init__: {set(vars(m)) ^ model_keys}"
    assert set(vars(m.orgs)) == org_keys, f"OrgTable arrays created outside __init__: {set(vars(m.orgs)) ^ org_keys}"
    assert set(vars(m.staff)) == staff_keys, f"StaffTable arrays created later: {set(vars(m.staff)) ^ staff_keys}"
    for name, value in vars(m.orgs).items():
        if isinstance(value, np.ndarray) and value.ndim >= 1 and name not in ("names",):
            assert value.shape[0] == m.orgs.n, f"OrgTable.{name} is not one row per organisation"


def test_each_outcome_is_computed_by_exactly_one_mechanism():
    from sim import (adoption, communities, convening, coordination, delivery, funding, governance, inclusion,
                     localisation, organisations, partnerships, priorities, risk, turnover)
    from sim.model import CapacityModel
    from sim.outcomes import STEP_OUTCOMES

    m = CapacityModel(small_params(seed=2, years=0.2))
    m.step()
    t = m.steps_done
    d = delivery.deliver(m, t)
    moves = turnover.staff_moves(m, t)
    parts = {
        "delivery": delivery.outcomes(d, m.areas),
        "organisations": organisations.capacity_outcomes(m.orgs, m.staff),
        "funding": funding.outcomes(m.flows, 0.0, d.people_covered, 0.0),
        "governance": governance.outcomes(m.p, m.flows, m.orgs, m.decision_weight, m.adoption.local_seats()),
        "turnover": turnover.outcomes(moves, m.pay, m.orgs, m.staff, 52),
        "partnerships": partnerships.outcomes(m.orgs, m.rules),
        "coordination": coordination.presence_outcomes(m.orgs, m.areas),
        "communities": communities.outcomes(m.communities, m.areas),
        "convening": convening.outcomes(m),
        "adoption": adoption.outcomes(m.adoption, m.communities),
        "priorities": priorities.outcomes(m.priorities, d.covered_cells, d.people_by_org),
        "risk": risk.outcomes(m.risk, m),
        "inclusion": inclusion.outcomes(m, d, moves),
    }
    parts["localisation"] = localisation.outcomes(m, {k: v for values in parts.values() for k, v in values.items()}, d)
    seen: dict[str, str] = {}
    for module, values in parts.items():
        for k in values:
            assert k not in seen, f"outcome {k} computed by both {seen[k]} and {module}"
            seen[k] = module
    registry = {o.key for o in STEP_OUTCOMES}
    assert set(seen) == registry, f"registry and mechanisms differ: {set(seen) ^ registry}"
