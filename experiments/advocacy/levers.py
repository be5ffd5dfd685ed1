"""The levers an advocate shows a donor, the status quo they are measured against, and packages.

A *lever* is a parameter a donor or an agency chooses (EMA workbench vocabulary); the parameter
registry (``sim/params.py``) declares its unit, allowed range, and how the page shows it: a
plain-language title and one sentence of help a donor reads in a meeting. A *package* is a named starting point: the status quo (``configs/scenario/
status_quo.yaml``) plus Hydra config-group choices (``funding=grand_bargain``, ...), so the
dashboard's presets and the brief's comparisons are the same configs a policy analyst runs
with ``capsim run``. Lever values chosen on the page are applied on top of a package and
validated by :meth:`sim.params.Params.from_dict`, which raises :class:`~sim.params.ConfigError`
for impossible combinations (shares that together exceed 1).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from experiments.config import UsageError, params_from_cfg, precheck
from sim.params import ConfigError, Params, Spec, lookup_spec, registry

__all__ = ["Lever", "LEVERS", "LEVER_KEYS", "Package", "PACKAGES", "STATUS_QUO", "STATUS_QUO_OVERRIDES",
           "REGIME_TITLES", "package_params", "lever_values", "apply_levers", "shares_held", "SHARES_HELD_KEYS", "world_text"]

# The overrides that define the status quo every package and every lever choice is compared with.
STATUS_QUO_OVERRIDES = ("scenario=status_quo",)
STATUS_QUO = "status_quo"

# Donor funding held back from ordinary grants: together these may not exceed the whole budget
# (checked in Params.check()); the page shows their sum next to the sliders.
SHARES_HELD_KEYS = ("funding.direct_local_share", "funding.sharing_earmark", "funding.emergency_share",
                    "pooled_fund.share")

REGIME_TITLES = {
    "baseline": "No capacity work: local partners only sub-contracted",
    "building": "Capacity building: short trainings, one-way, gaps set by internationals",
    "strengthening": "Capacity strengthening: long-term, technical and institutional, one-way",
    "sharing": "Capacity sharing: two-way learning, joint decisions, peer exchange",
}


@dataclass(frozen=True)
class Lever:
    """One control on the page: a registry parameter with a plain-language title and help.

    Args:
        key: dotted parameter key in the registry (``funding.multi_year_share``).
        title: what a donor calls it.
        help: one sentence saying what it does, in plain language.
        side: ``"donor"`` (funding rules) or ``"agency"`` (how agencies work).
        unit_text: what a share is a share of, in words (the registry's unit is "share").
    """

    key: str
    title: str
    help: str
    side: str
    unit_text: str = ""

    @property
    def spec(self) -> Spec:
        spec = lookup_spec(self.key)
        if spec is None:
            raise KeyError(f"lever {self.key!r} is not a parameter in sim/params.py")
        return spec

    @property
    def is_choice(self) -> bool:
        return self.spec.choices is not None

    @property
    def unit(self) -> str:
        return self.spec.unit

    @property
    def lo(self) -> float:
        return float(self.spec.lo)

    @property
    def hi(self) -> float:
        return float(self.spec.hi)


def _from_registry() -> tuple[Lever, ...]:
    """The page's levers: registry parameters declared with a ``title`` (donor levers first)."""
    found = [(key, spec) for key, spec, _ in registry() if spec.title]
    ordered = [kv for side in ("donor", "agency") for kv in found if kv[1].side == side]
    return tuple(Lever(key, spec.title, spec.help or "", spec.side, spec.unit_text) for key, spec in ordered)


LEVERS: tuple[Lever, ...] = _from_registry()
LEVER_KEYS: tuple[str, ...] = tuple(lv.key for lv in LEVERS)


@dataclass(frozen=True)
class Package:
    """A named starting point: the status quo plus config-group choices.

    Args:
        name: identifier (used in files and tables).
        title: what the page and the brief call it.
        summary: one sentence on what it changes.
        overrides: Hydra overrides applied after ``scenario=status_quo``.
    """

    name: str
    title: str
    summary: str
    overrides: tuple[str, ...] = ()


PACKAGES: dict[str, Package] = {p.name: p for p in (
    Package(STATUS_QUO, "Status quo",
            "Funding as today: about 2% direct to local actors, short earmarked project grants, no overhead "
            "passed on, risk transferred; project-based capacity building; international priorities."),
    Package("grand_bargain", "Grand Bargain targets met",
            "25% directly to local actors, half multi-year, 40% flexible, half the overhead passed on, "
            "30% of risk shared; agencies keep working as today.", ("funding=grand_bargain",)),
    Package("sharing_incentives", "Donor incentives for capacity sharing",
            "A 25% earmark for partnerships grounded in sharing, 10% direct, half multi-year and flexible, all "
            "overhead passed on, half the risk shared, a salary top-up for local staff on multi-year grants; "
            "agencies adopt capacity sharing.", ("funding=sharing_incentives", "regime=sharing")),
    Package("sharing_fair_pay_seats", "Sharing incentives, fair pay and local seats",
            "The sharing incentives plus harmonised salaries and a no-poaching agreement, joint priority "
            "setting and a third of coordination seats for local actors.",
            ("funding=sharing_incentives", "regime=sharing", "turnover=mitigated", "governance=joint")),
)}

_PACKAGE_CACHE: dict[tuple, Params] = {}
_PACKAGE_LOCK = threading.Lock()


def package_params(name: str, extra_overrides: tuple[str, ...] | list[str] = ()) -> Params:
    """Validated parameters of a package (status quo + its overrides + ``extra_overrides``).

    Composed through Hydra exactly as ``capsim run scenario=status_quo <overrides>`` would.

    Args:
        name: a key of :data:`PACKAGES`.
        extra_overrides: further Hydra overrides applied last (e.g. ``years=5``, ``world.n_areas=20``).

    Raises:
        UsageError: unknown package or bad override (one line).
    """
    if name not in PACKAGES:
        raise UsageError(f"package {name!r} is unknown; allowed: {', '.join(PACKAGES)}")
    key = (name, tuple(extra_overrides))
    with _PACKAGE_LOCK:
        if key not in _PACKAGE_CACHE:
            cfg = precheck([*STATUS_QUO_OVERRIDES, *PACKAGES[name].overrides, *extra_overrides])
            _PACKAGE_CACHE[key] = params_from_cfg(cfg)
        return _PACKAGE_CACHE[key]


def _get(params: Params, key: str) -> Any:
    obj: Any = params
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def lever_values(params: Params) -> dict[str, Any]:
    """The current value of every lever in ``params``."""
    return {k: _get(params, k) for k in LEVER_KEYS}


def shares_held(params: Params) -> dict[str, float]:
    """Direct share, sharing earmark, emergency reserve and pooled fund: the parts of donor budgets outside ordinary grants.

    ``Params.check`` refuses them when they sum to more than 1; the page shows them next to the sliders.
    """
    return {k: float(_get(params, k)) for k in SHARES_HELD_KEYS}


def apply_levers(base: Params, values: dict[str, Any]) -> Params:
    """``base`` with lever values applied, validated like any config.

    Args:
        base: parameters of the starting package.
        values: lever key -> value (only keys of :data:`LEVER_KEYS`).

    Raises:
        ConfigError: unknown lever, value out of range, or an impossible combination (one line).
    """
    data = base.to_dict()
    for key, value in values.items():
        if key not in LEVER_KEYS:
            raise ConfigError(f"{key} is not a lever on this page; allowed: {', '.join(LEVER_KEYS)}")
        node = data
        *parents, leaf = key.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    return Params.from_dict(data)


def world_text(p: Params) -> str:
    """The country of a configuration in a few words (``analysis.brief.describe_world``), as the brief
    and the donor page print it."""
    from analysis.brief import describe_world

    w = p.world
    return describe_world(w.n_areas, w.n_local_ngos + w.n_community_orgs + w.n_national_authorities,
                          w.n_ingos + w.n_un_agencies, w.n_staff)
