"""Levers and uncertainties: the one list of factors that calibration, sensitivity analysis and
scenario discovery vary, each with its range and the reason for it.

Vocabulary of the EMA workbench (``shared/STYLE.md``): **levers** are what a donor or agency
chooses (funding rules, governance, turnover mitigation); **uncertainties** are what nobody
controls or nobody has measured (pay gaps, quit rates, learning rates, crisis rates, the
starting state of local institutions). Calibration searches the uncertainties with the levers
held at the status quo; Morris/Sobol and PRIM vary both.

A factor is a dotted key of the parameter registry (``sim/params.py``) with a range inside the
registry's allowed range (checked by :func:`check_factors` and a test). Whole-number factors
are rounded; a categorical factor is sampled on ``[0, number of choices)`` and each unit
interval maps to one choice, so that every sampler (Latin hypercube, Morris, Sobol) can treat
all factors as continuous. The regime is not a factor: every evaluation runs both regimes being
compared on the same seeds, so their paired difference is an output.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from sim.params import ConfigError, Params, lookup_spec

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


def _u(key, lo, hi, why, **kw) -> Factor:
    return Factor(key, "uncertainty", lo, hi, why, **kw)


def _l(key, lo, hi, why, **kw) -> Factor:
    return Factor(key, "lever", lo, hi, why, **kw)


FACTORS: tuple[Factor, ...] = (
    # ---------------------------------------------------------------- uncertainties
    _u("staff.intl_national_pay_ratio", 1.2, 2.5,
       "NGO wage premium for national staff; not measured for the country, drives poaching "
       "(Deserranno, Nansamba & Qian 2020)"),
    _u("staff.expat_pay_ratio", 3.0, 12.0,
       "expatriate pay over local-organisation pay; about 4x national pay at the same employer "
       "(Project ADD-UP) times the national premium above gives about 5-10"),
    _u("staff.expat_share_intl", 0.04, 0.20,
       "share of expatriates at international organisations; national staff >90% of the field "
       "workforce (SOHS 2018, 2022)"),
    _u("staff.productivity", 150.0, 350.0, "people one fully effective staff member covers a week; assumption"),
    _u("turnover.annual_attrition", 0.05, 0.35,
       "quit rate with secure funding; all-cause turnover 20-46%/year (Loquercio et al. 2006)"),
    _u("turnover.insecurity_attrition", 0.0, 0.5, "extra quits when no funding is secured; assumption"),
    _u("turnover.poaching_pressure", 0.1, 0.9,
       "share of international national-staff hires taken from local organisations; NGO entry poached a "
       "health worker in about half of villages (Deserranno et al. 2020)"),
    _u("turnover.pay_sensitivity", 1.0, 6.0, "how strongly poaching offers follow the pay ratio; assumption"),
    _u("turnover.reservation_pay_ratio", 1.0, 1.6, "pay ratio at which half of offers are accepted; assumption"),
    _u("learning.learn_rate", 0.05, 0.3, "skill gap closed per full-time training week; assumption"),
    _u("learning.transfer_rate", 0.5, 0.75, "share of training applied right after; 62% (Saks & Belcourt 2006)"),
    _u("learning.unpractised_decay", 0.012, 0.025,
       "weekly loss of unpractised skill; half lost in 6.5-13 months (Arthur et al. 1998)"),
    _u("learning.practice_protection", 0.3, 0.9, "share of that loss avoided by practice; assumption"),
    _u("learning.institutional_learn_rate", 0.03, 0.2, "institutional gap closed per week of accompaniment; assumption"),
    _u("learning.peer_rate", 0.0, 0.03, "institutional lead passed on per week between local peers; assumption"),
    _u("world.local_institutional_capacity", 0.2, 0.5,
       "starting systems, finance and governance of local NGOs; decides who passes due diligence"),
    _u("world.local_presence_areas", 1, 4, "areas a local organisation covers at the start (thin or broad local "
       "presence); assumption", integer=True),
    _u("crisis.rapid_onset_rate", 0.01, 0.12, "rapid-onset shocks per area and year; assumption"),
    _u("crisis.rapid_onset_size", 0.1, 0.4, "share of an area's people newly in need after a shock; assumption"),
    _u("crisis.protracted_rate", 0.0, 0.02, "protracted crises per area and year; assumption"),
    _u("governance.language_barrier", 0.2, 0.8, "contextual capacity internationals lose to language; assumption"),
    _u("governance.coordination_language_barrier", 0.0, 0.6,
       "local actors' voice lost in coordination held in another language; assumption (IASC recommendation 7)"),
    _u("governance.intl_risk_tolerance", 0.2, 0.6,
       "operating risk international organisations accept; decides who reaches hard areas; assumption"),
    _u("governance.partner_acceptance_share", 0.2, 0.8,
       "acceptance internationals borrow from local partners where those work; assumption"),
    _u("governance.partner_gap_visibility", 0.2, 0.8,
       "share of a local partner's core needs its intermediary sees; assumption"),
    _u("governance.mutual_aid_rate", 0.2, 1.0, "local organisations coming to help after a shock, per unit network; "
       "assumption"),
    _u("staff.access_cost_premium", 0.0, 1.0, "extra cost of delivery in hard areas without acceptance; assumption "
       "(local intermediaries 17-32% more cost-efficient, Share Trust 2022)"),
    _u("staff.community_facing_share", 0.4, 0.8, "share of programme work that is community-facing; assumption"),
    _u("funding.fiduciary_loss_rate", 0.02, 0.15, "operations money lost without financial systems; assumption"),
    _u("partnership.trust_gain", 0.005, 0.05, "how fast partners build trust; assumption"),
    _u("partnership.renewal_trust", 0.1, 0.6, "trust below which partners do not renew; assumption"),
    # ---------------------------------------------------------------- levers
    _l("funding.direct_local_share", 0.0, 0.25, "donor target for direct funding; 2% today, Grand Bargain 25%"),
    _l("funding.multi_year_share", 0.0, 0.8, "share of grants that are multi-year"),
    _l("funding.flexible_share", 0.0, 0.6, "share of grants that are flexible"),
    _l("funding.pass_through_share", 0.02, 0.3, "share intermediaries sub-grant to local partners"),
    _l("funding.overhead_passed_on", 0.0, 1.0, "share of indirect costs passed to local partners (0-12% rates, DI 2022)"),
    _l("funding.risk_sharing", 0.0, 1.0, "share of compliance burden and risk carried by donors and intermediaries"),
    _l("funding.retention_funding", 0.0, 0.3, "salary top-up for local staff under multi-year funding"),
    _l("funding.sharing_earmark", 0.0, 0.25, "donor budget earmarked for partnerships run by sharing rules"),
    _l("funding.joint_programme_share", 0.0, 0.6,
       "share of intermediaries' budgets run as joint programmes split by complementarity (IASC package: 0.5)"),
    _l("funding.due_diligence_threshold", 0.3, 0.7, "institutional capacity donors require for direct grants"),
    _l("funding.exit_year", 2.0, 10.0, "year international actors and their money leave; after the horizon: never"),
    _l("turnover.salary_harmonisation", 0.0, 1.0, "share of the pay gap closed by agreement"),
    _l("turnover.no_poaching_agreement", 0.0, 1.0, "share of poaching attempts forgone by agreement"),
    _l("governance.priority_setting", 0, 0, "who sets response priorities",
       choices=("international", "joint", "local")),
    _l("governance.local_coordination_seats", 0.0, 0.6, "share of coordination seats held by local actors"),
    _l("governance.local_board_seats", 0.0, 0.3, "board seats of international partners reserved for local partners"),
    _l("governance.joint_decision_weight", 0.0, 1.0, "local partner's weight in jointly governed partnerships"),
    _l("governance.language_investment", 0.0, 1.0, "share of the language barrier removed by investment"),
    _l("governance.coordination_quality", 0.2, 0.9, "investment in knowing who works where"),
    _l("partners_per_intl", 2, 10, "local partners each international organisation keeps", integer=True),
)


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
            raise ConfigError(f"factor {missing[0]!r} is not in experiments/uncertainties.py; "
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
            raise ConfigError(f"factor {f.key} is listed twice in experiments/uncertainties.py")
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
