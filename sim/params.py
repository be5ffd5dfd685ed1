"""The parameter registry: every number the model uses, with meaning, unit, range and source.

One frozen dataclass per config section (``world``, ``staff``, ``learning``, ``funding``,
``turnover``, ``governance``, ``risk``, ``crisis``, ``partnership``, ``community``, ``priorities``, ``inclusion``,
``regimes``, ``pathways``) and the top-level :class:`Params`.
Every field is declared with :func:`param`, which records its meaning, unit, allowed range
and source (a citation from ``shared/BRIEF.md`` or the word "assumption"). The ODD parameter
table in ``docs/ODD.md`` is generated from these declarations
(``python -m experiments.cli.params --write-odd docs/ODD.md``; ``tests/test_docs.py`` fails when
it is out of date), so the documentation cannot drift from the code.

:meth:`Params.from_dict` is the only way configuration enters the model: it refuses unknown
keys (suggesting the closest known key), wrong types, NaN/infinity, values out of range and
inconsistent combinations, raising :class:`ConfigError` with a one-line message that names
the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from typing import Any, get_type_hints

__all__ = [
    "ConfigError",
    "Params",
    "param",
    "spec_rows",
    "lookup_spec",
    "REGIME_NAMES",
    "PATHWAY_RULE_GROUPS",
    "PATHWAY_MONEY_LEVERS",
    "section_from_dict",
    "section_rows",
    "registry",
    "Spec",
]

REGIME_NAMES = ("baseline", "building", "strengthening", "sharing")


class ConfigError(ValueError):
    """A configuration value is unknown, of the wrong type, out of range or inconsistent."""


@dataclass(frozen=True)
class Spec:
    """Documentation and limits of one parameter, and how the tools that vary it present it.

    Attributes:
        meaning, unit, lo, hi, source, choices, nullable: what the parameter is and what is allowed.
        short: a short name for figure labels and tables (default: the meaning).
        kind: ``"lever"`` (a donor or agency chooses it) or ``"uncertainty"`` (nobody controls or has
            measured it), for the studies that vary it (``experiments/studies/factors.py``); None otherwise.
        study: the range the studies sample (within ``lo``..``hi``); None for a choice or an unvaried parameter.
        why: why that range.
        title, help, side, unit_text: how the donor page shows a lever (``experiments/advocacy/levers.py``):
            a donor's name for it, one plain sentence, ``"donor"`` or ``"agency"``, and what a share
            is a share of, in words.
    """

    meaning: str
    unit: str
    lo: float | None
    hi: float | None
    source: str
    choices: tuple[str, ...] | None = None
    nullable: bool = False
    short: str | None = None
    kind: str | None = None
    study: tuple[float, float] | None = None
    why: str | None = None
    title: str | None = None
    help: str | None = None
    side: str | None = None
    unit_text: str = ""


def param(
    default: Any,
    meaning: str,
    unit: str = "-",
    lo: float | None = None,
    hi: float | None = None,
    source: str = "assumption",
    choices: tuple[str, ...] | None = None,
    nullable: bool = False,
    *,
    short: str | None = None,
    kind: str | None = None,
    study: tuple[float, float] | None = None,
    why: str | None = None,
    title: str | None = None,
    help: str | None = None,
    side: str | None = None,
    unit_text: str = "",
):
    """Declare a parameter field with its documentation, allowed range and presentation (see :class:`Spec`)."""
    return field(
        default=default,
        metadata={"spec": Spec(meaning, unit, lo, hi, source, choices, nullable, short, kind, study, why, title,
                               help, side, unit_text)},
    )


def registry() -> list[tuple[str, Spec, Any]]:
    """Every parameter as (dotted key, spec, type hint), in declaration order (regime rules excluded)."""
    out: list[tuple[str, Spec, Any]] = []

    def walk(cls: type, prefix: str) -> None:
        hints = _hints(cls)
        for f in dataclasses.fields(cls):
            typ = hints[f.name]
            if dataclasses.is_dataclass(typ):
                if typ is not RegimesParams:
                    walk(typ, f"{prefix}{f.name}.")
            else:
                out.append((prefix + f.name, f.metadata["spec"], typ))
    walk(Params, "")
    return out


# --------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorldParams:
    """Size and geography of the synthetic country."""

    n_areas: int = param(50, "districts (areas) in the country", "areas", 1, 10_000_000)
    n_sectors: int = param(4, "humanitarian sectors (health, WASH, food, protection)", "sectors", 1, 12)
    n_local_ngos: int = param(60, "local and national NGOs", "organisations", 0, 10_000_000)
    n_community_orgs: int = param(39, "community-based organisations", "organisations", 0, 10_000_000)
    n_national_authorities: int = param(1, "national disaster-management authorities", "organisations", 0, 10_000)
    n_ingos: int = param(10, "international NGOs", "organisations", 0, 1_000_000)
    n_un_agencies: int = param(5, "UN agencies", "organisations", 0, 1_000_000)
    n_staff: int = param(5000, "staff employed at the start, all organisations", "people", 1, 1_000_000_000)
    population_mean: float = param(200_000.0, "mean population of an area", "people", 100.0, 1e8)
    population_sigma: float = param(0.8, "log-normal spread of area populations", "log-units", 0.0, 3.0)
    hard_to_reach_share: float = param(
        0.3, "share of areas with high access difficulty (hard to reach)", "share", 0.0, 1.0
    )
    hard_to_reach_threshold: float = param(
        0.6, "access difficulty above which an area counts as hard to reach", "0..1", 0.0, 1.0
    )
    chronic_need_rate: float = param(
        0.08, "share of an area's population in need outside shocks", "share", 0.0, 1.0
    )
    local_institutional_capacity: float = param(
        0.35, "mean institutional capacity of local NGOs at the start (community organisations 0.6x, "
        "national authorities 1.4x)", "0..1", 0.0, 1.0,
        kind='uncertainty',
        study=(0.2, 0.5),
        why='starting systems, finance and governance of local NGOs; decides who passes due diligence',
    )
    local_presence_areas: int = param(2, "areas a local organisation works in at the start", "areas", 1, 50,
        kind='uncertainty',
        study=(1, 4),
        why='areas a local organisation covers at the start (thin or broad local presence); assumption',
    )
    intl_presence_areas: int = param(6, "areas an international organisation works in at the start", "areas", 1, 200)
    max_presence_areas: int = param(
        10, "most areas one organisation can work in at once", "areas", 1, 500
    )
    peer_network_degree: int = param(
        4, "mean number of local peers each local organisation knows (Watts-Strogatz k)", "links", 2, 50
    )
    peer_network_rewiring: float = param(
        0.1, "Watts-Strogatz rewiring probability of the local peer network", "probability", 0.0, 1.0,
        "assumption; small-world range (Cowan & Jonard 2004)",
    )


@dataclass(frozen=True)
class StaffParams:
    """Pay and skills of staff at hiring."""

    local_weekly_pay: float = param(150.0, "pay of a national staff member at a local organisation", "USD/week", 1.0, 1e5)
    intl_national_pay_ratio: float = param(
        1.8,
        "pay of national staff at international organisations relative to local organisations",
        "ratio", 1.0, 10.0,
        "assumption; NGO wage premium behind poaching (Deserranno, Nansamba & Qian 2020)",
        short='Pay gap, international/local',
        kind='uncertainty',
        study=(1.2, 2.5),
        why='NGO wage premium for national staff; not measured for the country, drives poaching '
            '(Deserranno, Nansamba & Qian 2020)',
    )
    expat_pay_ratio: float = param(
        4.0, "expatriate pay relative to the pay of national staff at local organisations", "ratio", 1.0, 20.0,
        "Project ADD-UP (Carr & MacLachlan): about 4x national pay at the same employers; that is about "
        "4 x intl_national_pay_ratio here (4.49 = 3.74 x 1.2 in the calibrated status quo, docs/validation.md)",
        kind='uncertainty',
        study=(3.0, 12.0),
        why='expatriate pay over local-organisation pay; about 4x national pay at the same employer '
            '(Project ADD-UP) times the national premium above gives about 5-10',
    )
    expat_share_intl: float = param(
        0.12, "share of international organisations' staff who are expatriates", "share", 0.0, 1.0,
        "assumption; national staff >90% of field workforce (SOHS 2018, 2022)",
        kind='uncertainty',
        study=(0.04, 0.2),
        why='share of expatriates at international organisations; national staff >90% of the field '
            'workforce (SOHS 2018, 2022)',
    )
    local_technical_skill: float = param(0.35, "mean technical skill of staff hired locally", "0..1", 0.0, 1.0)
    local_contextual_skill: float = param(
        0.8, "mean contextual skill (language, local knowledge, access) of national staff", "0..1", 0.0, 1.0
    )
    intl_national_technical_skill: float = param(
        0.55, "mean technical skill of national staff newly hired (and at the start) by international "
        "organisations", "0..1", 0.0, 1.0, "assumption; selective recruitment and in-house training",
    )
    expat_technical_skill: float = param(0.7, "mean technical skill of expatriate staff", "0..1", 0.0, 1.0)
    expat_contextual_skill: float = param(0.15, "mean contextual skill of expatriate staff", "0..1", 0.0, 1.0)
    skill_spread: float = param(0.1, "standard deviation of skills at hiring", "0..1", 0.0, 0.5)
    productivity: float = param(
        250.0, "people whose needs one fully effective staff member covers in a week", "people/staff-week", 0.0, 1e6,
        kind='uncertainty',
        study=(150.0, 350.0),
        why='people one fully effective staff member covers a week; assumption',
    )
    ops_cost_per_person: float = param(
        1.5, "goods and services cost of covering one person's needs for a week in an accessible area",
        "USD/person-week", 0.0, 1e4
    )
    access_cost_premium: float = param(
        0.5, "extra goods-and-services cost per person covered in an area of access difficulty 1 by an "
        "organisation with no contextual capacity: cost x (1 + premium x access x (1 - contextual capacity))",
        "share of cost", 0.0, 5.0,
        "assumption; security, logistics and negotiation costs fall with acceptance; local intermediaries "
        "estimated 17-32% more cost-efficient (Share Trust, Passing the Buck, 2022)",
        kind='uncertainty',
        study=(0.0, 1.0),
        why='extra cost of delivery in hard areas without acceptance; assumption (local intermediaries'
            ' 17-32% more cost-efficient, Share Trust 2022)',
    )
    quality_standard: float = param(
        0.7, "technical skill at which what an organisation delivers reaches full quality (quality = "
        "min(1, skill / standard))", "0..1", 0.05, 1.0,
        "assumption; the mean skill of expatriate specialists (staff.expat_technical_skill)",
    )
    community_facing_share: float = param(
        0.6, "share of a programme's work that is community-facing (outreach, distribution, engagement) rather "
        "than supply and specialist work", "share", 0.0, 1.0,
        "assumption; complementarity: local actors' access and acceptance, internationals' supply and "
        "specialist work (IASC scoping paper; Barbelet 2018)",
        kind='uncertainty',
        study=(0.4, 0.8),
        why='share of programme work that is community-facing; assumption',
    )
    staff_budget_share: float = param(
        0.5, "share of expected income an organisation plans to spend on staff", "share", 0.05, 1.0
    )
    max_hiring_rate: float = param(0.05, "most new hires in a week, as a share of headcount", "share/week", 0.0, 1.0)
    pool_exit_rate: float = param(
        0.02, "weekly rate at which laid-off people leave the humanitarian labour market", "1/week", 0.0, 1.0
    )
    institutional_weight: float = param(
        0.5, "weight of institutional capacity in effectiveness: tech x (1 - w + w x institutional)", "share", 0.0, 1.0
    )
    initial_reserve_weeks: float = param(8.0, "cash reserve of every organisation at the start", "weeks of payroll",
                                         0.0, 520.0)
    income_memory_weeks: float = param(
        13.0, "time constant of the moving average of income that organisations plan with", "weeks", 1.0, 520.0
    )
    reserve_spend_weeks: float = param(
        26.0, "weeks over which an organisation plans to spend its reserves on staff", "weeks", 1.0, 520.0
    )
    hiring_reserve_weeks: float = param(4.0, "cash an organisation needs before it hires", "weeks of payroll", 0.0, 520.0)
    overstaffing_tolerance: float = param(
        1.25, "headcount, relative to what income supports, above which layoffs start", "ratio", 1.0, 10.0
    )
    overstaffing_layoff_rate: float = param(
        0.1, "share of the excess headcount laid off per week", "1/week", 0.0, 1.0
    )


@dataclass(frozen=True)
class LearningParams:
    """How people and organisations learn, whatever the regime (same rules for all regimes)."""

    learn_rate: float = param(
        0.15, "share of the skill gap to the teacher closed per full-time week of learning", "1/week", 0.0, 1.0,
        kind='uncertainty',
        study=(0.05, 0.3),
        why='skill gap closed per full-time training week; assumption',
    )
    transfer_rate: float = param(
        0.62, "share of a training gain applied on the job right after training", "share", 0.0, 1.0,
        "Saks & Belcourt 2006: 62% applied right after",
        kind='uncertainty',
        study=(0.5, 0.75),
        why='share of training applied right after; 62% (Saks & Belcourt 2006)',
    )
    unpractised_decay: float = param(
        0.018, "weekly loss of an applied training gain that is not practised", "1/week", 0.0, 1.0,
        "Arthur et al. 1998: about half lost in 6.5-13 months unused (0.012-0.025/week)",
        kind='uncertainty',
        study=(0.012, 0.025),
        why='weekly loss of unpractised skill; half lost in 6.5-13 months (Arthur et al. 1998)',
    )
    practice_protection: float = param(
        0.6, "share of that loss avoided by staff who practise (deployed in delivery)", "share", 0.0, 1.0,
        kind='uncertainty',
        study=(0.3, 0.9),
        why='share of that loss avoided by practice; assumption',
    )
    learning_by_doing: float = param(
        0.0005, "weekly technical skill gain from practice, per unit of remaining gap", "1/week", 0.0, 0.1
    )
    institutional_learn_rate: float = param(
        0.1, "share of the institutional gap to the teacher closed per full-time week of accompaniment",
        "1/week", 0.0, 1.0,
        kind='uncertainty',
        study=(0.03, 0.2),
        why='institutional gap closed per week of accompaniment; assumption',
    )
    invest_efficiency: float = param(
        0.04,
        "institutional gap closed in a week when core investment equals one week of payroll",
        "share", 0.0, 1.0,
        "assumption; set so that a 7-10% indirect-cost rate maintains an international organisation's "
        "starting institutional capacity (0.8) against institutional_depreciation",
    )
    core_investment_share: float = param(
        0.5, "share of flexible (unearmarked) income invested in systems, finance and governance by an "
        "organisation with no institutional capacity (the share falls in proportion as capacity grows)",
        "share", 0.0, 1.0,
    )
    institutional_depreciation: float = param(
        0.001, "weekly loss of institutional capacity not maintained by core investment", "1/week", 0.0, 0.1
    )
    turnover_erosion: float = param(
        0.1, "institutional capacity lost per unit of annualised staff turnover, per year", "share", 0.0, 1.0
    )
    network_gain: float = param(
        0.004, "weekly network-capacity gain per active partnership or coordination seat", "1/week", 0.0, 0.1
    )
    network_decay: float = param(0.002, "weekly decay of network capacity", "1/week", 0.0, 0.1)
    peer_rate: float = param(
        0.01, "share of a peer's institutional lead passed on per week through peer exchange", "1/week", 0.0, 1.0,
        "assumption; partners as multipliers (IASC scoping paper, CRS EMPOWER)",
        kind='uncertainty',
        study=(0.0, 0.03),
        why='institutional lead passed on per week between local peers; assumption',
    )
    trainer_time_ratio: float = param(
        0.1, "international staff time spent per unit of local trainee time", "ratio", 0.0, 2.0
    )
    reselect_weeks: int = param(26, "weeks between re-selections of partnership participants", "weeks", 1, 520)
    secondment_span: float = param(
        10.0, "local staff one seconded person accompanies full-time", "staff per secondee", 0.0, 1000.0
    )
    intl_network_share: float = param(
        0.2, "network gain of an international partner per partnership, relative to the local partner's", "ratio",
        0.0, 1.0,
    )
    network_boost_cap: float = param(
        5.0, "most partnerships whose network gains add up in one organisation", "partnerships", 0.0, 1000.0
    )


@dataclass(frozen=True)
class FundingParams:
    """Donor budgets and funding rules (levers a donor controls)."""

    n_donors: int = param(3, "donors funding the response", "donors", 1, 1000)
    annual_budget: float = param(
        100e6, "international humanitarian funding per year, all donors", "USD/year", 0.0, 1e12
    )
    direct_local_share: float = param(
        0.02, "floor of the share of donor funding granted directly to local and national actors (more goes "
        "direct when local organisations pass a donor's due diligence and are large enough for its smallest "
        "direct grant)", "share", 0.0, 1.0,
        "Development Initiatives GHA: 2.0% (2016), 2.9% (2017), 1.2% (2021-22); Grand Bargain target 0.25",
        short='Direct funding to local actors',
        kind='lever',
        study=(0.0, 0.25),
        why='donor target for direct funding; 2% today, Grand Bargain 25%',
        title='Funding given directly to local actors',
        help='Share of your funding granted straight to local and national organisations, with no '
             'international intermediary. Today about 1-3%; the Grand Bargain (2016) target is 25% as '
             'directly as possible.',
        side='donor',
        unit_text='of your funding',
    )
    multi_year_share: float = param(
        0.2, "share of each donor's budget given as multi-year grants", "share", 0.0, 1.0,
        short='Multi-year funding',
        kind='lever',
        study=(0.0, 0.8),
        why='share of grants that are multi-year',
        title='Multi-year funding',
        help='Share of your budget given as three-year grants instead of six-month projects, so '
             'partners can keep staff and plan.',
        side='donor',
        unit_text='of your budget',
    )
    flexible_share: float = param(
        0.2, "share of grants that is flexible (not earmarked to activities)", "share", 0.0, 1.0,
        kind='lever',
        study=(0.0, 0.6),
        why='share of grants that are flexible',
        title='Flexible funding',
        help='Share of grants not tied to activities: organisations can invest it in their own '
             'systems, finance and governance.',
        side='donor',
        unit_text='of grants',
    )
    sharing_earmark: float = param(
        0.0, "share of donor budget earmarked for partnerships run by capacity-sharing rules", "share", 0.0, 1.0,
        "IASC scoping paper, recommendation 4",
        short='Earmark for capacity sharing',
        kind='lever',
        study=(0.0, 0.25),
        why='donor budget earmarked for partnerships run by sharing rules',
        title='Earmark for partnerships grounded in sharing',
        help='Share of your budget reserved for partnerships that run by capacity-sharing rules: two-'
             'way learning, joint decisions, long-term.',
        side='donor',
        unit_text='of your budget',
    )
    joint_programme_share: float = param(
        0.0, "share of an intermediary's programme budget run as a joint programme with its local partners, "
        "in which each partner takes the work it has the comparative advantage in, and the money for it "
        "(community-facing work to whoever's contextual effectiveness is relatively higher; never by pay)",
        "share", 0.0, 1.0,
        "IASC scoping paper (complementarity, co-production); Barbelet 2018; 0 in the status quo",
        short='Joint programme share',
        kind='lever',
        study=(0.0, 0.6),
        why="share of intermediaries' budgets run as joint programmes split by complementarity (IASC "
            'package: 0.5)',
    )
    pass_through_share: float = param(
        0.06, "share of an intermediary's income sub-granted to local partners outside joint programmes",
        "share", 0.0, 1.0,
        "assumption; with 2% direct gives about 7.5% total to local actors (DI 2024)",
        kind='lever',
        study=(0.02, 0.3),
        why='share intermediaries sub-grant to local partners',
    )
    overhead_rate: float = param(
        0.07, "indirect-cost rate allowed on grants", "share", 0.0, 0.5,
        "assumption within 0-12% (Development Initiatives for the IASC, 2022)",
    )
    overhead_passed_on: float = param(
        0.0, "share of the indirect-cost allowance on sub-grants passed on to local partners", "share", 0.0, 1.0,
        "Development Initiatives for the IASC 2022: many agencies pass none",
        short='Overhead passed on',
        kind='lever',
        study=(0.0, 1.0),
        why='share of indirect costs passed to local partners (0-12% rates, DI 2022)',
        title='Overhead passed on to local partners',
        help='Share of the overhead (indirect-cost) allowance that intermediaries pass on to the local'
             ' partners doing the work. Many agencies pass on none.',
        side='donor',
        unit_text='of the overhead allowance',
    )
    risk_sharing: float = param(
        0.0, "share of the risk of working through local actors carried by donors and intermediaries instead of "
        "the local actors (0: risk transfer, 1: full risk sharing): compliance costs and staff time, the "
        "repayment of losses audits find, local actors' security costs, a local partner's sub-grant through a "
        "suspension after an incident, and organisations' risk tolerance (sim/risk.py)",
        "share", 0.0, 1.0, "IASC Risk Sharing Framework (2021); IASC scoping paper, recommendation 4",
        kind='lever',
        study=(0.0, 1.0),
        why='share of compliance burden and risk carried by donors and intermediaries',
        title='Risk sharing',
        help='Share of the risk that you and intermediaries carry instead of transferring it to local '
             'partners: compliance costs and staff time, repaying losses audits find, paying for staff '
             'security, and keeping funding going when a partner must suspend work after an attack.',
        side='donor',
        unit_text='of risk and compliance burden',
    )
    fiduciary_loss_rate: float = param(
        0.06, "share of operations spending lost to fraud, diversion and error by an organisation without "
        "financial systems; it falls in proportion to institutional capacity: rate x (1 - institutional)",
        "share", 0.0, 0.5,
        "assumption; institutional capacity is financial management (IASC scoping paper: finance, systems)",
        kind='uncertainty',
        study=(0.02, 0.15),
        why='operations money lost without financial systems; assumption',
    )
    compliance_cost: float = param(
        0.1, "share of a sub-grant spent on compliance when all risk is transferred to the local partner",
        "share", 0.0, 0.9,
    )
    due_diligence_threshold: float = param(
        0.5, "institutional capacity a local actor needs for direct funding (the middle donor's bar)", "0..1",
        0.0, 1.0,
        kind='lever',
        study=(0.3, 0.7),
        why='institutional capacity donors require for direct grants',
    )
    due_diligence_spread: float = param(
        0.1, "spread of donors' own due-diligence bars: donor d of n requires the threshold + spread x "
        "(2d/(n-1) - 1), so each donor assesses and decides for itself", "0..1", 0.0, 0.5,
        "assumption; each donor runs its own assessment (Charter for Change progress reports; NEAR "
        "Localisation Performance Measurement Framework, funding area)",
    )
    due_diligence_staff_weeks: float = param(
        2.0, "staff time a local organisation spends on one funder's due-diligence assessment (each funder "
        "assesses once a year every local organisation near its bar)", "staff-weeks per assessment", 0.0, 52.0,
        "assumption; duplicated assessments by several funders are a recurring burden reported by local NGOs "
        "(Charter for Change progress reports)",
        kind='uncertainty',
        study=(0.0, 6.0),
        why='staff time one due-diligence assessment takes from a local organisation; assumption',
    )
    shared_due_diligence: float = param(
        0.0, "share of funders' separate assessments replaced by one shared (passported) assessment", "share",
        0.0, 1.0, "Grand Bargain commitments on harmonised due diligence and reporting; 0 in the status quo",
        kind='lever',
        study=(0.0, 1.0),
        why='funders accept one shared due-diligence assessment instead of each running their own',
        title='Shared due diligence',
        help='Share of due-diligence assessments that funders share instead of each running their own, '
             'saving local organisations the staff time.',
        side='donor',
        unit_text='of assessments',
    )
    min_direct_grant: float = param(
        250_000.0, "smallest yearly grant a donor will manage directly with a local organisation beyond its "
        "direct-funding floor", "USD/year", 0.0, 1e9,
        "assumption; the cost of managing many small grants is why donors fund through intermediaries and "
        "pooled funds (ODI/HPG, 'Time to let go', 2016)",
        kind='uncertainty',
        study=(50_000.0, 1_000_000.0),
        why='smallest direct grant a donor will manage above its floor; assumption',
    )
    allocation_capacity_weight: float = param(
        1.0, "elasticity of a funder's allocation to a recipient's assessed capacity (mean of its technical, "
        "institutional, contextual and network capacity, relative to the candidates' mean)", "-", 0.0, 5.0,
        "assumption; funders allocate on capacity assessments (OCHA CBPF Global Guidelines: capacity "
        "assessment and performance index)",
        kind='uncertainty',
        study=(0.0, 2.0),
        why='how much funders allocate by assessed capacity; assumption',
    )
    allocation_output_weight: float = param(
        0.5, "elasticity of a funder's allocation to a recipient's past output per dollar (people covered per "
        "USD of income, moving average, relative to the candidates' mean): past performance and cost", "-",
        0.0, 5.0, "assumption; performance-based allocation (OCHA CBPF performance index)",
        kind='uncertainty',
        study=(0.0, 2.0),
        why='how much funders allocate by past output per dollar; assumption',
    )
    allocation_loss_weight: float = param(
        10.0, "how strongly a recipient's reported losses cut its allocation: factor exp(-weight x loss rate)",
        "1/share", 0.0, 100.0,
        "assumption; a 6% loss rate then cuts a recipient's share by 45%",
        kind='uncertainty',
        study=(0.0, 30.0),
        why='how strongly funders cut allocations after reported losses; assumption',
    )
    un_to_ingo_share: float = param(
        0.0, "share of a UN agency's grant income sub-granted to international NGO partners (a second level "
        "of the chain, before the NGOs' own sub-grants)", "share", 0.0, 0.9,
        "assumption; UN agencies implement part of their programmes through NGO partners (UNHCR, UNICEF "
        "and WFP partnership reporting); 0 by default because funders' size measure (staff) makes UN "
        "agencies that pass money on shrink (docs/funding.md)",
        kind='uncertainty',
        study=(0.0, 0.5),
        why='share UN agencies pass to international NGOs; assumption',
    )
    short_grant_weeks: int = param(26, "length of a project grant", "weeks", 1, 520, "assumption; 6-12 month projects")
    multi_year_weeks: int = param(156, "length of a multi-year grant", "weeks", 1, 1040)
    round_interval_weeks: int = param(26, "weeks between donor funding rounds", "weeks", 1, 520)
    emergency_share: float = param(
        0.1, "share of donor budget held back and released after rapid-onset shocks", "share", 0.0, 1.0
    )
    emergency_release_share: float = param(
        0.5, "share of a donor's emergency reserve released per rapid-onset shock", "share", 0.0, 1.0
    )
    domestic_budget: float = param(
        4e6, "domestic public funding of national authorities per year", "USD/year", 0.0, 1e12
    )
    local_fundraising: float = param(
        20_000.0, "yearly funds a local organisation raises per unit of institutional capacity", "USD/year", 0.0, 1e9
    )
    retention_funding: float = param(
        0.0, "salary top-up paid to local staff of organisations holding multi-year funding", "share of pay",
        0.0, 1.0, "IASC scoping paper, recommendation 5",
        short='Retention funding',
        kind='lever',
        study=(0.0, 0.3),
        why='salary top-up for local staff under multi-year funding',
    )
    exit_year: float | None = param(
        None, "year at which international actors and their funding leave (null: never)", "years", 0.0, 1000.0,
        nullable=True,
        short='International exit',
        kind='lever',
        study=(2.0, 10.0),
        why='year international actors and their money leave; after the horizon: never',
    )
    post_exit_direct_share: float = param(
        0.25, "share of the donor budget that continues after exit as direct grants to local actors",
        "share", 0.0, 1.0,
    )


@dataclass(frozen=True)
class PooledFundParams:
    """The country-based pooled fund: donors' contributions, allocation rounds, eligibility (``sim/pooled_fund.py``)."""

    share: float = param(
        0.05, "share of each donor's budget contributed to the country-based pooled fund", "share", 0.0, 1.0,
        "OCHA country-based pooled funds: about US$1.1-1.3 billion a year, about 4-5% of international "
        "humanitarian funding (Development Initiatives GHA 2023); assumption for one country",
        kind='lever',
        study=(0.0, 0.3),
        why="share of donors' budgets given through the country-based pooled fund",
        title='Funding through the pooled fund',
        help='Share of your budget given to the country-based pooled fund, which assesses local '
             'organisations itself and funds them directly or through partners.',
        side='donor',
        unit_text='of your budget',
    )
    management_share: float = param(
        0.03, "share of contributions the fund spends on its own management", "share", 0.0, 0.5,
        "assumption; OCHA's cost of managing the funds is a few per cent of contributions",
    )
    eligibility_threshold: float = param(
        0.35, "institutional capacity a local actor needs to pass the fund's capacity assessment", "0..1",
        0.0, 1.0,
        "assumption; risk-based grant management admits partners at lower capacity with closer "
        "monitoring (OCHA CBPF Global Guidelines)",
        kind='lever',
        study=(0.2, 0.6),
        why="institutional capacity the pooled fund's assessment requires; assumption",
    )
    round_interval_weeks: int = param(
        26, "weeks between the fund's allocation rounds", "weeks", 1, 520,
        "OCHA CBPF Global Guidelines: standard allocations once or twice a year, reserve allocations between",
    )
    grant_weeks: int = param(
        52, "length of a pooled-fund grant", "weeks", 1, 520, "assumption; CBPF projects last up to 12 months",
    )


@dataclass(frozen=True)
class TurnoverParams:
    """Staff turnover and brain drain, with mitigations (agency-side levers)."""

    annual_attrition: float = param(
        0.15, "yearly quit rate of staff with secure funding", "1/year", 0.0, 5.0,
        "assumption; turnover 20-46%/year all causes (Loquercio, Hammersley & Emmens 2006)",
        kind='uncertainty',
        study=(0.05, 0.35),
        why='quit rate with secure funding; all-cause turnover 20-46%/year (Loquercio et al. 2006)',
    )
    insecurity_attrition: float = param(
        0.25, "extra yearly quit rate of staff whose employer has no funding secured for a year", "1/year", 0.0, 5.0,
        kind='uncertainty',
        study=(0.0, 0.5),
        why='extra quits when no funding is secured; assumption',
    )
    poaching_pressure: float = param(
        0.5, "share of international organisations' national-staff hires recruited from local organisations",
        "share", 0.0, 1.0,
        "assumption; NGO entry poached a health worker in about half of villages (Deserranno et al. 2020)",
        short='Poaching pressure',
        kind='uncertainty',
        study=(0.1, 0.9),
        why='share of international national-staff hires taken from local organisations; NGO entry '
            'poached a health worker in about half of villages (Deserranno et al. 2020)',
    )
    pay_sensitivity: float = param(
        3.0, "how strongly a poaching offer's acceptance rises with the log pay ratio", "1/log-ratio", 0.0, 50.0,
        kind='uncertainty',
        study=(1.0, 6.0),
        why='how strongly poaching offers follow the pay ratio; assumption',
    )
    reservation_pay_ratio: float = param(
        1.2, "pay ratio at which half of poaching offers are accepted", "ratio", 1.0, 10.0,
        kind='uncertainty',
        study=(1.0, 1.6),
        why='pay ratio at which half of offers are accepted; assumption',
    )
    salary_harmonisation: float = param(
        0.0, "share of the pay gap between international and local employers closed by agreement", "share", 0.0, 1.0,
        short='Salary harmonisation',
        kind='lever',
        study=(0.0, 1.0),
        why='share of the pay gap closed by agreement',
        title='Salary harmonisation',
        help='Share of the pay gap between international and local employers closed by agreement, so '
             'fewer local staff leave for international agencies.',
        side='agency',
        unit_text='of the pay gap closed',
    )
    no_poaching_agreement: float = param(
        0.0, "share of poaching attempts on local organisations' staff forgone under a no-poaching agreement",
        "share", 0.0, 1.0,
        short='No-poaching agreement',
        kind='lever',
        study=(0.0, 1.0),
        why='share of poaching attempts forgone by agreement',
        title='No-poaching agreement',
        help="Share of attempts to recruit local organisations' staff that international agencies forgo.",
        side='agency',
        unit_text='of poaching forgone',
    )
    retention_effect: float = param(
        1.0, "reduction of the quit rate per unit of salary top-up", "share per share", 0.0, 10.0
    )
    poaching_skill_exponent: float = param(
        2.0, "how strongly recruiters approach the most skilled: weight = technical skill ^ exponent", "-",
        0.0, 20.0,
    )


@dataclass(frozen=True)
class GovernanceParams:
    """Who decides, coordination and language (agency-side and system levers)."""

    priority_setting: str = param(
        "international", "who sets response priorities", choices=("international", "joint", "local"),
        short='Priority setting',
        kind='lever',
        why='who sets response priorities',
    )
    local_coordination_seats: float = param(
        0.1, "share of coordination seats held by local and national actors", "share", 0.0, 1.0,
        short='Local coordination seats',
        kind='lever',
        study=(0.0, 0.6),
        why='share of coordination seats held by local actors',
        title='Local seats in coordination',
        help='Share of seats in coordination meetings held by local and national actors: they see gaps'
             ' international actors miss.',
        side='agency',
        unit_text='of coordination seats',
    )
    local_board_seats: float = param(
        0.0, "share of international partners' board seats reserved for local partners", "share", 0.0, 1.0,
        "IASC scoping paper, ALIMA case study",
        kind='lever',
        study=(0.0, 0.3),
        why='board seats of international partners reserved for local partners',
    )
    language_barrier: float = param(
        0.5, "share of international organisations' contextual capacity lost to language barriers", "share", 0.0, 1.0,
        kind='uncertainty',
        study=(0.2, 0.8),
        why='contextual capacity internationals lose to language; assumption',
    )
    coordination_language_barrier: float = param(
        0.3, "share of local actors' voice in coordination lost because meetings and documents are in a "
        "language they do not work in", "share", 0.0, 1.0,
        "assumption; IASC scoping paper, recommendation 7 (language barriers both ways); IASC 2021 guidance "
        "on participation of local actors in coordination",
        kind='uncertainty',
        study=(0.0, 0.6),
        why="local actors' voice lost in coordination held in another language; assumption (IASC "
            'recommendation 7)',
    )
    language_investment: float = param(
        0.0, "share of both language barriers removed by investment in language and translation", "share",
        0.0, 1.0, "IASC scoping paper, recommendation 7",
        short='Language investment',
        kind='lever',
        study=(0.0, 1.0),
        why='share of the language barrier removed by investment',
    )
    language_cost: float = param(
        0.02, "share of international organisations' payroll spent on full language investment", "share", 0.0, 0.5
    )
    coordination_quality: float = param(
        0.5, "how well the coordination system shows who works where and where gaps are", "0..1", 0.0, 1.0,
        "assumption; gaps from not knowing who works where (Knox Clarke, PHAP/ICVA)",
        kind='lever',
        study=(0.2, 0.9),
        why='investment in knowing who works where',
    )
    intl_risk_tolerance: float = param(
        0.35, "highest operating risk an international organisation accepts in an area it works in; operating "
        "risk = access difficulty x (1 - acceptance), acceptance = its contextual capacity or, through a "
        "local partner working there, partner_acceptance_share of the partner's", "0..1", 0.0, 1.0,
        "assumption; risk-averse organisations leave known gaps unfilled (Knox Clarke, PHAP/ICVA); varied "
        "0.2-0.6 in capsim sensitivity and the pathways experiment",
        kind='uncertainty',
        study=(0.2, 0.6),
        why='operating risk international organisations accept; decides who reaches hard areas; assumption',
    )
    local_risk_tolerance: float = param(
        0.9, "highest operating risk a local organisation accepts (same definition)", "0..1", 0.0, 1.0,
        "assumption; local actors are there first and stay (BRIEF: who arrives first)",
    )
    risk_tolerance_spread: float = param(
        0.1, "standard deviation of organisations' risk tolerance around their kind's (international or "
        "local) tolerance: organisations differ in risk appetite", "0..1", 0.0, 0.5,
        "assumption; risk-averse and risk-taking agencies side by side (Knox Clarke, PHAP/ICVA)",
        kind='uncertainty',
        study=(0.0, 0.2),
        why='how much organisations differ in risk appetite; assumption',
    )
    partner_acceptance_share: float = param(
        0.5, "share of a local partner's acceptance (contextual capacity) an international organisation "
        "borrows in the areas where that partner works", "share", 0.0, 1.0,
        "assumption; access through local partners (IASC scoping paper, complementarity)",
        kind='uncertainty',
        study=(0.2, 0.8),
        why='acceptance internationals borrow from local partners where those work; assumption',
    )
    partner_gap_visibility: float = param(
        0.5, "share of a local partner's own core needs (systems, finance, retention) its intermediary sees "
        "and lets sub-grant money pay for; the partner sees all of them", "share", 0.0, 1.0,
        "assumption; gaps set by internationally developed assessments, not necessarily the self-identified "
        "needs of local actors (IASC scoping paper)",
        kind='uncertainty',
        study=(0.2, 0.8),
        why="share of a local partner's core needs its intermediary sees; assumption",
    )
    expansion_interval_weeks: int = param(13, "weeks between organisations' presence reviews", "weeks", 1, 520)
    expansion_reserve_weeks: float = param(
        8.0, "cash reserve, in weeks of payroll, an organisation needs before it opens a new area", "weeks", 0.0, 520.0
    )
    retreat_reserve_weeks: float = param(
        2.0, "cash reserve, in weeks of payroll, below which an organisation leaves an area", "weeks", 0.0, 520.0
    )
    local_expansion_delay_weeks: int = param(
        2, "weeks before a local organisation without network capacity is operational in a neighbouring area "
        "it opens; network capacity shortens it: delay x (1 - network), at least 1 week", "weeks", 0, 104
    )
    mutual_aid_rate: float = param(
        1.0, "after a rapid-onset shock, probability per unit of network capacity that a local organisation "
        "working next to the hit area, or linked in the peer network to one working in it, comes to help",
        "probability per unit network", 0.0, 1.0,
        "assumption; partners as multipliers and mutual aid among local peers (IASC scoping paper, CRS "
        "EMPOWER; BRIEF: local actors are there first)",
        kind='uncertainty',
        study=(0.2, 1.0),
        why='local organisations coming to help after a shock, per unit network; assumption',
    )
    joint_decision_weight: float = param(
        0.5, "local partner's weight in decisions of a jointly governed partnership", "share", 0.0, 1.0,
        kind='lever',
        study=(0.0, 1.0),
        why="local partner's weight in jointly governed partnerships",
    )
    board_seat_weight: float = param(
        0.5, "local partner's decision weight per unit share of reserved board seats", "share per share", 0.0, 1.0
    )
    risk_sharing_tolerance_effect: float = param(
        0.5, "share of the gap between an organisation's risk tolerance and 1 closed by full risk sharing",
        "share", 0.0, 1.0,
    )
    local_voice_network_weight: float = param(
        0.5, "weight of local network capacity in local voice in coordination: seats x (1 - w + w x network)",
        "share", 0.0, 1.0,
    )


@dataclass(frozen=True)
class RiskParams:
    """Risk that happens (``sim/risk.py``): security incidents, fiduciary losses found by audits, compliance
    time. Who carries each is the risk-sharing lever ``funding.risk_sharing`` (a funding lever any regime can
    use), through the channels of the ``pathways`` section."""

    victim_rate: float = param(
        0.02, "major-incident victims (killed, seriously injured, kidnapped) per staff member a year in an area of "
        "access difficulty 1, for staff without acceptance or protection; the hazard scales with access "
        "difficulty x (1 - acceptance) x (1 - protection)", "1/person-year", 0.0, 1.0,
        "assumption anchored on the Aid Worker Security Database: 399 victims among about 570,000 field aid "
        "workers in 2018 (about 70 per 100,000 a year worldwide), three quarters of attacks in five countries; "
        "gives about 200 per 100,000 a year in the default country and 190 in the status quo (docs/risk.md)",
        kind='uncertainty',
        study=(0.002, 0.03),
        why='aid-worker victims a year in the hardest areas; AWSD global rate 70 per 100,000, higher in the most '
            'insecure contexts',
    )
    victims_per_incident: float = param(
        1.8, "mean victims of one major security incident", "people per incident", 1.0, 20.0,
        "Aid Worker Security Database: 460 victims in 251 attacks in 2013 (Aid Worker Security Report 2014)",
    )
    expat_relative_exposure: float = param(
        1.0, "incident hazard of international (expatriate) staff relative to national staff of the same "
        "organisation in the same area", "ratio", 0.0, 10.0,
        "Aid Worker Security Database 2018: 29 international victims among about 40,000 international field "
        "staff and 370 national among about 530,000, about the same rate per person",
    )
    victim_exit_share: float = param(
        0.34, "share of incident victims who do not return to work (they leave the workforce; the rest return)",
        "share", 0.0, 1.0,
        "Aid Worker Security Database 2013: 155 of 460 victims killed (34%); assumption that the wounded and "
        "kidnapped return",
    )
    protection_effect: float = param(
        0.5, "share of the incident hazard removed by funded security risk management (protection measures, "
        "training, communications, duty of care)", "share", 0.0, 1.0,
        "assumption; local partners rarely have security costs funded (GISF 2020, Partnerships and security risk "
        "management: from the local partner's perspective)",
        kind='uncertainty',
        study=(0.2, 0.8),
        why='share of incident risk that funded security management removes; assumption',
    )
    security_cost_share: float = param(
        0.1, "cost of security risk management for a staff member present in an area of access difficulty 1, as a "
        "share of their pay (scaled by the area's access difficulty), paid by whoever funds the protection",
        "share of pay", 0.0, 2.0,
        "assumption within the 3-30% of programme budgets reported for high-risk settings (InterAction and EISF, "
        "2015; EISF 2013, The cost of security risk management for NGOs)",
    )
    suspension_weeks: int = param(
        4, "weeks an organisation suspends its operations in an area after an incident on its staff there; "
        "under risk transfer its intermediary also suspends a local partner's sub-grant for those weeks",
        "weeks", 0, 104,
        "assumption; partners report that incidents and allegations end in suspended agreements and that the "
        "consequences are theirs to carry (InterAction and Humanitarian Outcomes 2019, NGOs and risk)",
    )
    incident_quit_rate: float = param(
        0.2, "extra yearly quit rate of the staff who were present in the area of an incident on their "
        "organisation's staff (spread over the organisation's staff as a term of its quit hazard; it fades over "
        "incident_memory_weeks)", "1/year", 0.0, 10.0,
        "assumption; exposure to security incidents raises distress and burnout among national and "
        "international staff (Ager et al. 2012; Cardozo et al. 2012)",
        kind='uncertainty',
        study=(0.0, 0.5),
        why="extra quits after an incident on an organisation's staff; assumption",
    )
    incident_memory_weeks: float = param(
        26.0, "time constant over which an incident's effect on quits and on risk tolerance fades", "weeks",
        1.0, 520.0, "assumption",
    )
    tolerance_drop: float = param(
        0.2, "share of an organisation's risk tolerance lost after an incident on its staff (it recovers towards "
        "its own level over incident_memory_weeks)", "share", 0.0, 1.0,
        "assumption; organisations reassess and withdraw after serious incidents (Stoddard, Haver & Czwarno "
        "2016, NGOs and risk: how international humanitarian actors manage uncertainty)",
    )
    audit_interval_weeks: int = param(
        52, "weeks between an organisation's audits (each organisation's audit week is staggered over the "
        "interval by its index)", "weeks", 1, 520, "assumption; annual external audits are the usual grant "
        "requirement",
    )
    audit_detection: float = param(
        0.5, "share of an organisation's losses since its previous audit that the audit finds (the rest is never "
        "found)", "share", 0.0, 1.0, "assumption",
        kind='uncertainty',
        study=(0.2, 0.9),
        why='share of fraud, diversion and error an audit finds; assumption',
    )
    recovery_share: float = param(
        1.0, "share of the losses an audit finds that funders disallow and claim back", "share", 0.0, 1.0,
        "assumption; zero-tolerance policies claim the whole amount (InterAction and Humanitarian Outcomes 2019)",
    )
    compliance_time_share: float = param(
        0.05, "share of a local partner's staff time spent on its intermediary's compliance requirements "
        "(reports, audits, spot checks) when all its income is a sub-grant and all risk is transferred to it",
        "share of staff time", 0.0, 0.5,
        "assumption; reporting and compliance burden on local partners (Charter for Change progress reports; "
        "NEAR Localisation Performance Measurement Framework, partnerships area)",
        kind='uncertainty',
        study=(0.0, 0.15),
        why="staff time local partners spend on their intermediaries' compliance; assumption",
    )


@dataclass(frozen=True)
class CrisisParams:
    """Shocks and protracted crises (uncertainties nobody controls)."""

    rapid_onset_rate: float = param(0.04, "rapid-onset shocks per area per year", "1/area-year", 0.0, 10.0,
        kind='uncertainty',
        study=(0.01, 0.12),
        why='rapid-onset shocks per area and year; assumption',
    )
    rapid_onset_size: float = param(
        0.25, "mean share of an area's population newly in need after a rapid-onset shock", "share", 0.0, 1.0,
        kind='uncertainty',
        study=(0.1, 0.4),
        why="share of an area's people newly in need after a shock; assumption",
    )
    rapid_recovery_weeks: float = param(
        26.0, "time constant with which shock-driven need returns to the chronic level", "weeks", 1.0, 5200.0
    )
    protracted_rate: float = param(0.005, "protracted crises starting per area per year", "1/area-year", 0.0, 10.0,
        kind='uncertainty',
        study=(0.0, 0.02),
        why='protracted crises per area and year; assumption',
    )
    protracted_size: float = param(
        0.15, "mean share of an area's population in need during a protracted crisis", "share", 0.0, 1.0
    )
    protracted_years: float = param(4.0, "mean duration of a protracted crisis", "years", 0.1, 100.0)
    chronic_severity: float = param(2.0, "severity of chronic need (1 minimal .. 5 catastrophic)", "1..5", 1.0, 5.0)
    shock_severity: float = param(4.0, "severity of need created by a shock", "1..5", 1.0, 5.0)
    response_share: float = param(
        0.5, "share of the people a shock newly put in need (those still in need that week) who must be reached, "
        "over the people covered in the area the week before the shock, for the shock to count as "
        "responded to", "share", 0.01, 1.0,
    )
    response_cap_weeks: int = param(
        26, "weeks after a shock by which it counts as not reached; shocks in a run's last cap weeks are "
        "left out of response measures", "weeks", 1, 520,
    )
    intl_surge_delay_weeks: int = param(
        6, "weeks before an international organisation is operational in a newly hit area", "weeks", 0, 104,
        "assumption; local actors are there first (first 48-72 hours; BRIEF)",
    )


@dataclass(frozen=True)
class CommunityParams:
    """Communities and first responders (``sim/communities.py``): people and community structures
    (volunteers, community-based groups, local authorities) in each area, who act before any
    organisation arrives, and preparedness that organisations can invest in with them."""

    initial_capacity: float = param(
        0.3, "mean starting community response capacity of an area (volunteers, community-based groups, "
        "local authorities), as a share of what they could do fully organised and trained", "index 0..1",
        0.0, 1.0, "assumption",
    )
    reach_share: float = param(
        0.4, "share of an area's population its community structures, fully organised, can help in the week "
        "after a shock", "share/week", 0.0, 1.0,
        "assumption; neighbours rescued about 90% of earthquake survivors, 93.6% of live rescues within 24 hours "
        "(Rom & Kelman 2020, BMJ Global Health)",
    )
    support_rate: float = param(
        0.02, "share of the gap to the supporters' contextual capacity that community structures close per week "
        "where organisations' supply fully meets the area's need (the learning law, sim/learning.py)", "1/week",
        0.0, 1.0, "assumption; working alongside local actors is how community structures learn (IASC scoping "
        "paper, principle 2; Trocaire case study)",
    )
    intl_support_weight: float = param(
        0.25, "weight of international actors' supply, relative to local and national actors', in supporting "
        "community structures", "ratio", 0.0, 1.0,
        "assumption; outsiders without local ties work less with community structures (IASC scoping paper)",
    )
    displacement: float = param(
        0.01, "weekly share of community capacity lost where international actors' supply alone meets the "
        "area's whole need (volunteers hired away, community structures no longer called on)", "1/week",
        0.0, 1.0, "assumption; NGO entry poached government health workers in about half of villages and "
        "outcomes worsened there (Deserranno, Nansamba & Qian 2020)",
    )
    preparedness_share: float = param(
        0.0, "share of local and national actors' weekly income spent on preparedness and early warning with "
        "communities (a funding lever any regime can use)", "share", 0.0, 0.5,
        "assumption; early funding in Ethiopia 2015/16 avoided about 18% of costs (Cabot Venton & Sida 2017)",
    )
    preparedness_cost: float = param(
        2.0, "preparedness spending that brings an area with no early warning to full preparedness, per person "
        "living there", "USD/person", 0.01, 1000.0, "assumption",
    )
    harm_reduction: float = param(
        0.3, "share of the people a rapid-onset shock would put in need who are spared in a fully prepared area "
        "(early warning, evacuation, pre-positioned supplies)", "share", 0.0, 1.0,
        "assumption; early action avoided about 18% of costs in Ethiopia 2015/16 (Cabot Venton & Sida 2017)",
    )
    national_adoption_rate: float = param(
        0.5, "rate at which the national authority adopts (takes into its own plans and maintains) the preparedness "
        "and early-warning systems local actors built in an area where it works, fully linked to them in the local "
        "peer network (sim/adoption.py)", "1/year", 0.0, 52.0,
        "assumption; a locally co-designed early warning system's manual was adopted by the National Coordinator "
        "for Disaster Risk Reduction (IASC scoping paper, Trocaire case study)",
    )
    adoption_coordination_seats: float = param(
        0.3, "share of the coordination seats not held by local and national actors that the national authority "
        "takes on once it has adopted full preparedness systems everywhere (in proportion to what it adopted)",
        "share", 0.0, 1.0,
        "assumption; adoption changes the national authority's role in coordination (IASC scoping paper, "
        "Trocaire case study)",
    )


@dataclass(frozen=True)
class PrioritiesParams:
    """People's priorities across sectors and how organisations hear them (``sim/priorities.py``)."""

    concentration: float = param(
        4.0, "concentration of people's priorities around their area's sector profile of need (Dirichlet, per "
        "sector): higher means priorities follow needs more closely", "-", 0.01, 1000.0, "assumption",
    )
    perception_noise: float = param(
        0.3, "error with which an organisation with no contextual capacity and no feedback channels sees people's "
        "priority for a sector (standard deviation)", "share", 0.0, 5.0,
        "assumption; knowledge, language and acceptance let actors hear what people want (IASC scoping paper)",
        kind='uncertainty',
        study=(0.1, 0.6),
        why="how badly actors without local knowledge misread what people want; nobody has measured it; assumption",
    )
    voice: float = param(
        0.5, "share of an organisation's split of its supply over its sectors that adapts to the priorities "
        "its decision-makers see among affected people (0: its sector weights alone; the rest is fixed by "
        "mandate, grants and supply lines)", "share", 0.0, 1.0,
        "assumption (no measured share; the middle of the range); people-centred design (IASC scoping paper, "
        "principle 2 and recommendation 2)",
        kind='uncertainty',
        study=(0.2, 0.8),
        why="how far organisations' programming follows people's priorities rather than mandate and supply lines; "
            "no measured share; assumption",
    )
    feedback_channels: float = param(
        0.2, "strength of feedback channels between affected people and organisations: the share of the "
        "perception error they remove, and the weight of feedback heard", "share", 0.0, 1.0,
        "assumption; accountability to affected people (IASC scoping paper, principle 2)",
    )


@dataclass(frozen=True)
class InclusionParams:
    """Inclusion and do no harm (``sim/inclusion.py``): organisations led by women and by a marginalised group,
    the marginalised group within each area's population, and whether intermediaries seek such partners
    (IASC scoping paper, principles 5 and 6)."""

    women_led_share: float = param(
        0.2, "share of local NGOs and community-based organisations that are women-led (drawn at set-up)", "share",
        0.0, 1.0, "assumption; women-led and women's rights organisations received under 1% (about US$142m) of "
        "humanitarian funding in 2021-2022 (UN Women), far below their place among local responders",
    )
    marginalised_led_share: float = param(
        0.1, "share of local NGOs and community-based organisations led by members of the marginalised group "
        "(drawn at set-up)", "share", 0.0, 1.0, "assumption",
    )
    group_population_share: float = param(
        0.15, "mean share of an area's population (and people in need) belonging to the marginalised group "
        "(areas differ by +-50%)", "share", 0.0, 0.6,
        "assumption; about 15% of the world's population lives with a disability (WHO & World Bank 2011, World "
        "report on disability), one group organisations often fail to reach",
    )
    group_access_difficulty: float = param(
        0.5, "access difficulty of the marginalised group for organisations not led by it: such an organisation "
        "reaches group members at access_factor(difficulty, its effective contextual capacity) of its rate for "
        "others (sim/access.py); organisations led by the group reach it fully", "0..1", 0.0, 1.0,
        "assumption; access differs between population groups within areas (IASC scoping paper, principle 6)",
    )
    institutional_gap: float = param(
        0.0, "institutional capacity (systems, finance, governance) that women-led and marginalised-led "
        "organisations start with below others of their kind, so that funders' due diligence passes them less "
        "often (0: none, the status quo's draws unchanged)",
        "index 0..1", 0.0, 0.5,
        "assumption; women-led organisations struggle to meet pooled funds' application criteria and are seen "
        "as higher risk (IRC 2023, Why Wait?; Humanitarian Exchange 85, 2024)",
    )
    partner_preference: float = param(
        0.0, "weight intermediaries give to women-led and marginalised-led organisations when they choose local "
        "partners: a candidate's random matching key is multiplied by (1 - preference) (0: no preference, as "
        "before; 1: such candidates always first)", "share", 0.0, 1.0,
        "assumption; capacity sharing is inclusive and does not exclude or marginalise (IASC scoping paper, "
        "principle 6)",
    )


@dataclass(frozen=True)
class PartnershipParams:
    """How partnerships start, build trust, and renew or end (the same laws under every regime)."""

    trust_start: float = param(
        0.5, "trust between partners at the start of a partnership both chose", "0..1", 0.0, 1.0,
        "assumption; mutuality and trust make capacity work take hold (Oxfam Novib 2020, Beating the Drum)",
    )
    imposed_trust_factor: float = param(
        0.4, "factor on the partners' trust when an earmark imposes the sharing rules on their partnership",
        "ratio",
        0.0, 1.0,
        "assumption; capacity sharing works best when it is neither forced nor imposed (IASC scoping paper, "
        "principle 5)",
    )
    trust_gain: float = param(
        0.02, "share of the remaining trust gap closed per week of working together", "1/week", 0.0, 1.0,
        "assumption; half of the gap closed in about 8 months",
        kind='uncertainty',
        study=(0.005, 0.05),
        why='how fast partners build trust; assumption',
    )
    renewal_trust: float = param(
        0.3, "trust below which partners do not renew a partnership at the end of its term", "0..1", 0.0, 1.0,
        "assumption",
        kind='uncertainty',
        study=(0.1, 0.6),
        why='trust below which partners do not renew; assumption',
    )
    convening_rate: float = param(
        0.0, "rate at which an intermediary links each pair of its local partners not yet linked in the local peer "
        "network (convening, joint work)", "1/year", 0.0, 52.0,
        "assumption; intermediaries that convene (IASC scoping paper, recommendation 3; Trocaire case study)",
    )
    renewal_performance: float = param(
        0.2, "share of the local partner's staff deployed and funded in delivery (its performance as the "
        "intermediary sees it) below which the intermediary does not renew", "share", 0.0, 1.0, "assumption",
    )


@dataclass(frozen=True)
class RegimeRules:
    """What capacity work in a partnership does: who learns what, from whom, how long, who decides.

    The four default rule sets follow the IASC scoping paper's infographic (see
    ``sim/regimes.py``). No rule is an outcome multiplier: every field changes who learns,
    from whom, for how long, or who decides and does the work.
    """

    capacity_work: bool = param(True, "partnerships include capacity work (false: pure sub-contracting)")
    trains_technical: bool = param(True, "local staff are taught technical skills")
    trains_institutional: bool = param(False, "local organisations are accompanied on systems, finance, governance")
    two_way: bool = param(False, "international staff also learn contextual capacity from local partners")
    gaps_identified_by: str = param(
        "international", "who identifies the capacity gaps worked on", choices=("international", "assessment", "joint")
    )
    time_shape: str = param("project", "training in short bursts per project or ongoing", choices=("project", "ongoing"))
    training_weeks_per_cycle: int = param(
        2, "full-time workshop weeks at the start of each project cycle (project shape)", "weeks", 0, 52
    )
    ongoing_time_share: float = param(
        0.1, "share of participating staff time spent on capacity work each week (ongoing shape)", "share", 0.0, 0.5
    )
    trainee_share: float = param(0.2, "share of a local partner's staff taking part", "share", 0.0, 1.0)
    partnership_weeks: int | None = param(
        26, "term of a partnership, at the end of which partners renew it or are matched again (null: "
        "open-ended)", "weeks", 1, 5200,
        nullable=True,
    )
    joint_governance: bool = param(False, "local partners co-decide partnership priorities and budgets")
    peer_exchange: bool = param(False, "local partners pass on what they learn to their local peers")
    secondments: int = param(0, "international staff seconded to each local partner", "staff", 0, 50)
    co_design_weeks: int = param(
        0, "weeks of joint assessment and co-design at the start of a jointly governed partnership; the local "
        "partner's decision weight grows linearly over them to its full value", "weeks", 0, 520,
    )
    co_design_time_share: float = param(
        0.0, "share of participating staff time spent on joint assessment and co-design during those weeks",
        "share", 0.0, 0.5,
    )


def _rules(**kw) -> RegimeRules:
    return RegimeRules(**kw)


@dataclass(frozen=True)
class RegimesParams:
    """The rule set of each regime, editable per regime (``regimes.sharing.trainee_share=0.3``)."""

    baseline: RegimeRules = field(
        default_factory=lambda: _rules(
            capacity_work=False, trains_technical=False, partnership_weeks=26, trainee_share=0.0
        )
    )
    building: RegimeRules = field(
        default_factory=lambda: _rules(
            trains_technical=True, trains_institutional=False, two_way=False,
            gaps_identified_by="international", time_shape="project", training_weeks_per_cycle=2,
            trainee_share=0.2, partnership_weeks=26,
        )
    )
    strengthening: RegimeRules = field(
        default_factory=lambda: _rules(
            trains_technical=True, trains_institutional=True, two_way=False,
            gaps_identified_by="assessment", time_shape="ongoing", ongoing_time_share=0.1,
            trainee_share=0.5, partnership_weeks=156,
        )
    )
    sharing: RegimeRules = field(
        default_factory=lambda: _rules(
            trains_technical=True, trains_institutional=True, two_way=True,
            gaps_identified_by="joint", time_shape="ongoing", ongoing_time_share=0.1,
            trainee_share=0.5, partnership_weeks=None, joint_governance=True,
            peer_exchange=True, co_design_weeks=26, co_design_time_share=0.1,
        )
    )

    def get(self, name: str) -> RegimeRules:
        return getattr(self, name)


# Which rules of a regime each pathway switch carries (``pathways`` section; ``sim/regimes.py``
# ``pathway_rules``). Every field of :class:`RegimeRules` is in exactly one group (a test checks).
PATHWAY_RULE_GROUPS: dict[str, tuple[str, ...]] = {
    "capacity_work": ("capacity_work", "trains_technical", "trains_institutional", "two_way", "gaps_identified_by",
                      "time_shape", "training_weeks_per_cycle", "ongoing_time_share", "trainee_share",
                      "peer_exchange", "secondments"),
    "decisions": ("joint_governance", "co_design_weeks", "co_design_time_share"),
    "continuity": ("partnership_weeks",),
}
# Funding levers of a package carried by the ``money_levers`` switch; off, each is at its registry default.
PATHWAY_MONEY_LEVERS: tuple[str, ...] = ("joint_programme_share", "overhead_passed_on")


@dataclass(frozen=True)
class PathwaysParams:
    """Pathway switches: which of a run's differences from a reference are let through (``capsim sweep
    experiment=pathways``; ``analysis/pathways.py``).

    With every switch on (the default) a run is the plain run of its regime and levers. A switch
    that is off holds one named intermediate at the reference rule: its regime rules at the
    ``reference`` regime's (``PATHWAY_RULE_GROUPS``), the package's money levers at their
    registry defaults (``PATHWAY_MONEY_LEVERS``), for ``money_response`` every
    organisation's weekly income replayed from the run that has only the money levers, or, for
    the ``risk_*`` switches, one channel of ``funding.risk_sharing`` at its registry default (risk
    transfer; ``sim/risk.py`` ``sharing_channels``).
    """

    reference: str = param("baseline", "regime whose rules a switched-off rule group falls back to",
                           choices=REGIME_NAMES)
    capacity_work: bool = param(True, "capacity work by the run's regime rules (off: the reference's)")
    decisions: bool = param(True, "joint governance and co-design by the run's regime rules (off: the reference's)")
    continuity: bool = param(True, "partnership terms by the run's regime rules (off: the reference's)")
    money_levers: bool = param(True, "the run's joint programme share and overhead passed on (off: registry "
                               "defaults, the status quo)")
    money_response: bool = param(True, "money follows what the run does to organisations (off: each organisation's "
                                 "weekly income replayed from the run with the same money levers and every "
                                 "other switch off)")
    risk_compliance: bool = param(True, "risk sharing moves compliance costs and staff time from local partners to "
                                  "intermediaries (off: funding.risk_sharing at its registry default, transfer)")
    risk_losses: bool = param(True, "risk sharing moves the repayment of losses audits find from local actors to "
                              "intermediaries and donors (off: transfer)")
    risk_security: bool = param(True, "risk sharing funds local actors' security and keeps a local partner's "
                                "sub-grant through a suspension after an incident (off: transfer)")
    risk_tolerance: bool = param(True, "risk sharing raises organisations' risk tolerance (off: transfer)")

    @property
    def all_on(self) -> bool:
        return (self.capacity_work and self.decisions and self.continuity and self.money_levers and self.money_response
                and self.risk_compliance and self.risk_losses and self.risk_security and self.risk_tolerance)


@dataclass(frozen=True)
class Params:
    """All parameters of one run."""

    seed: int = param(0, "seed of the run; every random draw derives from it", "-", 0, 2**63 - 1)
    years: float = param(10.0, "simulated horizon", "years", 0.02, 1000.0)
    scenario: str = param("default", "name of the scenario preset (label carried into results)",
        short='Scenario',
    )
    regime: str = param(
        "building", "default regime of partnerships between international and local actors", choices=REGIME_NAMES,
        short='Regime',
        title='How agencies work with local partners',
        help='The rules of partnerships between international and local organisations: who learns '
             'what, from whom, for how long, and who decides.',
        side='agency',
    )
    partners_per_intl: int = param(5, "local partners each international organisation keeps", "partners", 0, 1000,
        kind='lever',
        study=(2, 10),
        why='local partners each international organisation keeps',
    )
    world: WorldParams = field(default_factory=WorldParams)
    staff: StaffParams = field(default_factory=StaffParams)
    learning: LearningParams = field(default_factory=LearningParams)
    funding: FundingParams = field(default_factory=FundingParams)
    pooled_fund: PooledFundParams = field(default_factory=PooledFundParams)
    turnover: TurnoverParams = field(default_factory=TurnoverParams)
    governance: GovernanceParams = field(default_factory=GovernanceParams)
    risk: RiskParams = field(default_factory=RiskParams)
    crisis: CrisisParams = field(default_factory=CrisisParams)
    partnership: PartnershipParams = field(default_factory=PartnershipParams)
    community: CommunityParams = field(default_factory=CommunityParams)
    priorities: PrioritiesParams = field(default_factory=PrioritiesParams)
    inclusion: InclusionParams = field(default_factory=InclusionParams)
    regimes: RegimesParams = field(default_factory=RegimesParams)
    pathways: PathwaysParams = field(default_factory=PathwaysParams)

    STEPS_PER_YEAR = 52  # weekly steps

    @property
    def n_steps(self) -> int:
        return max(1, int(round(self.years * self.STEPS_PER_YEAR)))

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: dict | None) -> "Params":
        """Build validated parameters from a nested dict (e.g. a resolved Hydra config).

        Raises:
            ConfigError: one line naming the key, the value and what is allowed.
        """
        params = _build(cls, data or {}, "")
        params.check()
        return params

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "Params":
        return dataclasses.replace(self, **changes)

    def check(self) -> None:
        """Cross-field checks that a single range cannot express."""
        f = self.funding
        held = f.direct_local_share + f.sharing_earmark + f.emergency_share + self.pooled_fund.share
        if held > 1.0 + 1e-12:
            raise ConfigError(
                "funding.direct_local_share + funding.sharing_earmark + funding.emergency_share + "
                f"pooled_fund.share = {held:g} exceeds 1; allowed: shares of the donors' budget that sum to at most 1"
            )
        w = self.world
        n_orgs = w.n_local_ngos + w.n_community_orgs + w.n_national_authorities + w.n_ingos + w.n_un_agencies
        if n_orgs < 1:
            raise ConfigError("world: the country has no organisations; allowed: at least 1 organisation in total")
        if w.n_staff < n_orgs:
            raise ConfigError(
                f"world.n_staff = {w.n_staff} is below the number of organisations ({n_orgs}); "
                "allowed: at least one staff member per organisation"
            )
        if w.local_presence_areas > w.max_presence_areas or w.intl_presence_areas > w.max_presence_areas:
            raise ConfigError(
                "world.local_presence_areas and world.intl_presence_areas must not exceed "
                f"world.max_presence_areas = {w.max_presence_areas}"
            )
        est = self.memory_estimate_bytes()
        if est > 8 * 2**30:
            raise ConfigError(
                f"world size needs about {est / 2**30:.1f} GiB of memory; allowed: at most 8 GiB "
                "(reduce world.n_staff, world.n_areas or the number of organisations)"
            )

    def memory_estimate_bytes(self) -> int:
        """A generous estimate of a run's peak memory, used to refuse absurd sizes up front.

        Staff: about 50 bytes a slot, twice the starting headcount of slots, plus about ten
        8-byte temporaries per person per step. Organisations: presence slots and some 40
        state arrays. Areas: needs, severities and yearly area records. Records: 40 outcomes
        per step. Plus 150 MB for the interpreter and libraries.
        """
        w = self.world
        n_orgs = w.n_local_ngos + w.n_community_orgs + w.n_national_authorities + w.n_ingos + w.n_un_agencies
        staff = w.n_staff * (2 * 50 + 10 * 8)
        orgs = n_orgs * (16 * w.max_presence_areas + 40 * 8 + 8 * w.n_sectors)
        n_years = int(self.years) + 1
        areas = w.n_areas * (12 * 8 * w.n_sectors + 8 * 8 + 2 * 8 * n_years)
        records = 8 * 40 * self.n_steps
        return int(staff + orgs + areas + records + 150e6)


# --------------------------------------------------------------------------------------
# Validation machinery
# --------------------------------------------------------------------------------------

_HINTS_CACHE: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS_CACHE:
        _HINTS_CACHE[cls] = get_type_hints(cls)
    return _HINTS_CACHE[cls]


def _allowed_text(spec: Spec, kind: str) -> str:
    if spec.choices:
        return "one of " + ", ".join(spec.choices)
    parts = []
    if kind == "bool":
        return "true or false"
    if spec.lo is not None and spec.hi is not None:
        parts.append(f"{kind} from {spec.lo:g} to {spec.hi:g}")
    elif spec.lo is not None:
        parts.append(f"{kind} >= {spec.lo:g}")
    else:
        parts.append(kind)
    if spec.nullable:
        parts.append("or null")
    return " ".join(parts)


def _coerce(value: Any, typ: Any, spec: Spec, key: str) -> Any:
    """Check one leaf value against its declared type and range (a ``tuple[...]`` type: each element)."""
    text = str(typ)
    nullable = spec.nullable
    if text.startswith("tuple[") and value is not None:
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise ConfigError(f"{key} = {value!r} is not a list; allowed: a list, each {_allowed_text(spec, _kind(text))}")
        element = dataclasses.replace(spec, nullable=False)
        inner = text[len("tuple["):].split(",")[0]
        return tuple(_coerce(v, inner, element, f"{key}[{i}]") for i, v in enumerate(value))
    if value is None:
        if nullable:
            return None
        raise ConfigError(f"{key} = null is not allowed; allowed: {_allowed_text(spec, _kind(text))}")
    kind = _kind(text)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key} = {value!r} is not true/false; allowed: true or false")
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{key} = {value!r} is not text; allowed: {_allowed_text(spec, kind)}")
        if spec.choices and value not in spec.choices:
            hint = difflib.get_close_matches(value, spec.choices, n=1)
            did = f" (did you mean {hint[0]}?)" if hint else ""
            raise ConfigError(f"{key} = {value!r} is unknown{did}; allowed: {', '.join(spec.choices)}")
        return value
    # numbers
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key} = {value!r} is not a number; allowed: {_allowed_text(spec, kind)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key} = {value} is not a finite number; allowed: {_allowed_text(spec, kind)}")
    if kind == "integer":
        if isinstance(value, float):
            if not value.is_integer():
                raise ConfigError(f"{key} = {value!r} is not a whole number; allowed: {_allowed_text(spec, kind)}")
            value = int(value)
    else:
        value = float(value)
    if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
        raise ConfigError(f"{key} = {value!r} is out of range; allowed: {_allowed_text(spec, kind)}")
    return value


def _kind(type_text: str) -> str:
    if "bool" in type_text:
        return "bool"
    if "str" in type_text:
        return "str"
    if "int" in type_text and "float" not in type_text:
        return "integer"
    return "number"


def _build(cls: type, data: Any, prefix: str, base: Any = None):
    """Validate ``data`` against ``cls`` and return ``base`` (or the defaults) updated with it."""
    where = prefix.rstrip(".") or "config"
    if not isinstance(data, dict):
        raise ConfigError(f"{where} = {data!r} is not a section; allowed: a mapping of {cls.__name__} keys")
    if base is None:
        base = cls()
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key not in fields:
            hint = difflib.get_close_matches(str(key), list(fields), n=1)
            did = f" (did you mean {prefix}{hint[0]}?)" if hint else ""
            raise ConfigError(
                f"{prefix}{key} is not a known parameter{did}; allowed keys in {where}: {', '.join(fields)}"
            )
        typ = hints[key]
        if dataclasses.is_dataclass(typ):
            kwargs[key] = _build(typ, value, f"{prefix}{key}.", getattr(base, key))
        else:
            kwargs[key] = _coerce(value, typ, fields[key].metadata["spec"], f"{prefix}{key}")
    return dataclasses.replace(base, **kwargs)


def lookup_spec(key: str) -> Spec | None:
    """The spec of a dotted parameter key, or None if the key is not a parameter."""
    cls: Any = Params
    parts = key.split(".")
    for i, part in enumerate(parts):
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if part not in fields:
            return None
        typ = _hints(cls)[part]
        if i == len(parts) - 1:
            return None if dataclasses.is_dataclass(typ) else fields[part].metadata["spec"]
        if not dataclasses.is_dataclass(typ):
            return None
        cls = typ
    return None


def spec_rows() -> list[dict]:
    """Flatten the registry into rows (key, default, unit, allowed, meaning, source) for docs."""
    return _spec_rows_instance(Params(), "")


def _spec_rows_instance(inst, prefix):
    rows = []
    hints = _hints(type(inst))
    for f in dataclasses.fields(inst):
        typ = hints[f.name]
        val = getattr(inst, f.name)
        if dataclasses.is_dataclass(typ):
            rows.extend(_spec_rows_instance(val, f"{prefix}{f.name}."))
        else:
            rows.append(_row(f, val, typ, prefix))
    return rows


def _row(f, value, typ, prefix):
    spec: Spec = f.metadata["spec"]
    return {
        "key": prefix + f.name,
        "default": "null" if value is None else value,
        "unit": spec.unit,
        "allowed": _allowed_text(spec, _kind(str(typ))),
        "meaning": spec.meaning,
        "source": spec.source,
    }


def section_from_dict(cls: type, data: dict | None, prefix: str = ""):
    """Validated instance of any dataclass declared with :func:`param` (e.g. a docking model's).

    Unknown keys, wrong types and out-of-range values raise :class:`ConfigError` with the same
    one-line messages as :meth:`Params.from_dict`; ``prefix`` is put before key names in them.
    """
    return _build(cls, data or {}, prefix)


def section_rows(instance, prefix: str = "") -> list[dict]:
    """Documentation rows (key, default, unit, allowed, meaning, source) of a :func:`param` dataclass."""
    return _spec_rows_instance(instance, prefix)
