"""The house: no import circle anywhere (imports inside functions and the command table count), model
state declared at construction, and each registered outcome computed by exactly one mechanism."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import numpy as np

from conftest import small_params

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "experiments", "analysis")


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


def test_sim_never_imports_the_edges():
    g = import_graph()
    bad = [(a, b) for a, b in g.edges if a.startswith("sim") and not b.startswith("sim")]
    assert not bad, f"sim imports outside sim: {bad}"
    bad = [(a, b) for a, b in g.edges if a.startswith("analysis") and b.startswith("experiments")]
    assert not bad, f"analysis imports experiments: {bad}"


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
    from sim import coordination, delivery, funding, governance, organisations, partnerships, turnover
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
        "governance": governance.outcomes(m.p, m.flows, m.orgs, m.decision_weight),
        "turnover": turnover.outcomes(moves, m.pay, m.orgs, m.staff, 52),
        "partnerships": partnerships.outcomes(m.orgs, m.rules),
        "coordination": coordination.presence_outcomes(m.orgs, m.areas),
    }
    seen: dict[str, str] = {}
    for module, values in parts.items():
        for k in values:
            assert k not in seen, f"outcome {k} computed by both {seen[k]} and {module}"
            seen[k] = module
    registry = {o.key for o in STEP_OUTCOMES}
    assert set(seen) == registry, f"registry and mechanisms differ: {set(seen) ^ registry}"
