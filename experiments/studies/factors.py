"""Levers and uncertainties: the one list of factors that calibration, sensitivity analysis and
scenario discovery vary, each with its range and the reason for it.

Vocabulary of the EMA workbench (``shared/STYLE.md``): **levers** are what a donor or agency
chooses (funding rules, governance, turnover mitigation); **uncertainties** are what nobody
controls or nobody has measured (pay gaps, quit rates, learning rates, crisis rates, the
starting state of local institutions). Calibration searches the uncertainties with the levers
held at the status quo; Morris/Sobol and PRIM vary both.

A factor is a dotted key of the parameter registry (``sim/params.py``) declared there with a
``kind`` (lever or uncertainty), a ``study`` range inside the registry's allowed range and the
reason for it (``why``): this module reads them from the registry (checked by
:func:`check_factors` and a test), so the studies, the page and the figures read one declaration. Whole-number factors
are rounded; a categorical factor is sampled on ``[0, number of choices)`` and each unit
interval maps to one choice, so that every sampler (Latin hypercube, Morris, Sobol) can treat
all factors as continuous. The regime is not a factor: every evaluation runs both regimes being
compared on the same seeds, so their paired difference is an output.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from sim.params import ConfigError, Params, lookup_spec, registry

__all__ = ["Factor", "FACTORS", "KINDS", "select", "salib_problem", "to_overrides", "apply", "check_factors",
           "markdown_table"]

KINDS = ("lever", "uncertainty")


@dataclass(frozen=True)
class Factor:
    """One varied parameter: dotted key, kind, range (or choices) and why."""

    key: str
    kind: str  # "lever" or "uncertainty"
    lo: float
    hi: float
    why: str
    integer: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def bounds(self) -> tuple[float, float]:
        """Sampling bounds (categorical: one unit per choice)."""
        return (0.0, float(len(self.choices))) if self.choices else (float(self.lo), float(self.hi))

    def value(self, x: float):
        """The parameter value for a sampled number ``x`` within :attr:`bounds`."""
        if self.choices:
            return self.choices[int(min(len(self.choices) - 1, max(0, np.floor(x))))]
        if self.integer:
            return int(np.clip(np.rint(x), self.lo, self.hi))
        return float(np.clip(x, self.lo, self.hi))

    @property
    def range_text(self) -> str:
        if self.choices:
            return " / ".join(self.choices)
        return f"{self.lo:g} - {self.hi:g}" + (" (whole numbers)" if self.integer else "")


def _from_registry() -> tuple[Factor, ...]:
    """The factors declared in the parameter registry (``kind``, ``study`` and ``why`` of each spec):
    uncertainties first, then levers, each in the registry's order."""
    out = []
    for kind in KINDS:
        for key, spec, typ in registry():
            if spec.kind != kind:
                continue
            if spec.choices:
                out.append(Factor(key, kind, 0, 0, spec.why or "", choices=spec.choices))
            else:
                lo, hi = spec.study
                out.append(Factor(key, kind, lo, hi, spec.why or "", integer="int" in str(typ) and "float" not in str(typ)))
    return tuple(out)


FACTORS: tuple[Factor, ...] = _from_registry()


def select(kinds=KINDS, names=None) -> list[Factor]:
    """Factors of the given kinds (and, if given, with the given keys, in that order).

    Raises:
        ConfigError: an unknown kind or factor key.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ConfigError(f"factor kind {bad[0]!r} is unknown; allowed: {', '.join(KINDS)}")
    if names is not None:
        by_key = {f.key: f for f in FACTORS}
        missing = [n for n in names if n not in by_key]
        if missing:
            raise ConfigError(f"factor {missing[0]!r} is not in experiments/studies/factors.py; "
                              f"allowed: {', '.join(by_key)}")
        return [by_key[n] for n in names if by_key[n].kind in kinds]
    return [f for f in FACTORS if f.kind in kinds]


def salib_problem(factors) -> dict:
    """The SALib problem dictionary (names and bounds) of the factors."""
    return {"num_vars": len(factors), "names": [f.key for f in factors], "bounds": [list(f.bounds) for f in factors]}


def to_overrides(factors, x) -> dict:
    """Nested parameter overrides for one sampled point ``x`` (one number per factor)."""
    out: dict = {}
    for f, v in zip(factors, x):
        node = out
        *parents, leaf = f.key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = f.value(v)
    return out


def _merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def apply(base: Params, factors, x) -> Params:
    """``base`` with the factors set to the sampled point ``x`` (validated by the registry)."""
    return Params.from_dict(_merge(base.to_dict(), to_overrides(factors, x)))


def check_factors(factors=FACTORS) -> None:
    """Every factor names a registry parameter and its range lies inside the allowed range.

    Raises:
        ConfigError: naming the factor, its range and what the registry allows.
    """
    seen = set()
    for f in factors:
        if f.key in seen:
            raise ConfigError(f"factor {f.key} is listed twice in experiments/studies/factors.py")
        seen.add(f.key)
        spec = lookup_spec(f.key)
        if spec is None:
            raise ConfigError(f"factor {f.key} is not a parameter of sim/params.py")
        if f.kind not in KINDS:
            raise ConfigError(f"factor {f.key} has kind {f.kind!r}; allowed: {', '.join(KINDS)}")
        if f.choices:
            if spec.choices is None or set(f.choices) - set(spec.choices):
                raise ConfigError(f"factor {f.key} choices {f.choices} are not all allowed; allowed: {spec.choices}")
            continue
        if not f.lo < f.hi:
            raise ConfigError(f"factor {f.key} range {f.lo:g}-{f.hi:g} is empty")
        if (spec.lo is not None and f.lo < spec.lo) or (spec.hi is not None and f.hi > spec.hi):
            raise ConfigError(f"factor {f.key} range {f.lo:g}-{f.hi:g} is outside the allowed "
                              f"{spec.lo:g}-{spec.hi:g}")


def markdown_table(factors=FACTORS) -> str:
    """The factor list as a Markdown table (for the docs)."""
    lines = ["| factor | kind | range | why |", "|---|---|---|---|"]
    lines += [f"| `{f.key}` | {f.kind} | {f.range_text} | {f.why} |" for f in factors]
    return "\n".join(lines)


check_factors()
