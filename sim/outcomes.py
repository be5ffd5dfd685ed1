"""The outcome registry: every recorded quantity, with its label, unit and range.

The model's recorder, every table and every figure read labels and units from here; no
plot ever shows a raw column name. Naming follows Covasim's convention where it applies:
``new_*`` for flows in a step, ``n_*`` for stocks; the outcome names the issues ask for
(``coverage``, ``brain_drain``, ...) are kept as they are. ``group`` orders outcomes for
readers: people in need first, then the system measures.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Outcome", "OUTCOMES", "PEOPLE_OUTCOMES", "STEP_OUTCOMES", "SHOCK_COLUMNS", "AREA_COLUMNS", "CAPACITY_MAP_COLUMNS",
           "DOCKING_COLUMNS", "RUN_RESPONSE_OUTCOMES", "label",
           "MAIN_OUTCOMES", "LOCALISATION_OUTCOMES", "DonorHeadline", "DONOR_HEADLINES"]


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    unit: str
    lo: float | None  # range used by invariant checks (None: unbounded)
    hi: float | None
    better: str | None  # "higher", "lower" or None
    group: str
    description: str

    @property
    def axis_label(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit not in ("", "-") else self.label


_O = Outcome
STEP_OUTCOMES: tuple[Outcome, ...] = (
    # --- people in need first
    _O("coverage", "Coverage of needs", "share, severity-weighted", 0, 1, "higher", "people",
       "Severity-weighted share of people in need whose needs were met this week, whole response."),
    _O("unmet_need", "Unmet need", "people", 0, None, "lower", "people",
       "People in need whose needs were not met this week."),
    _O("need_total", "People in need", "people", 0, None, None, "people", "People in need this week."),
    _O("people_covered", "People covered", "people", 0, None, "higher", "people",
       "People whose needs were met this week."),
    _O("coverage_gini", "Inequity of coverage across areas", "Gini, 0..1", 0, 1, "lower", "people",
       "Gini coefficient of areas' severity-weighted coverage, each area weighted by its people in need."),
    _O("hard_to_reach_coverage", "Coverage in hard-to-reach areas", "share, severity-weighted", 0, 1,
       "higher", "people", "Coverage restricted to areas whose access difficulty is above the threshold (1 when there are none)."),
    _O("quality_coverage", "Quality-adjusted coverage", "share, severity- and quality-weighted", 0, 1, "higher",
       "people", "Coverage with each person covered weighted by the quality of what they received: "
       "min(1, technical skill of the deliverer / staff.quality_standard)."),
    # --- capacity
    _O("local_capacity", "Local capacity", "index 0..1", 0, 1, "higher", "capacity",
       "Mean over local and national actors of the mean of their four capacity dimensions."),
    _O("local_capacity_technical", "Local technical capacity", "index 0..1", 0, 1, "higher", "capacity",
       "Mean technical skill of local organisations' staff."),
    _O("local_capacity_institutional", "Local institutional capacity", "index 0..1", 0, 1, "higher",
       "capacity", "Mean institutional (systems, finance, governance) capacity of local organisations."),
    _O("local_capacity_contextual", "Local contextual capacity", "index 0..1", 0, 1, "higher", "capacity",
       "Mean contextual skill (knowledge, language, access) of local organisations' staff."),
    _O("local_capacity_network", "Local network capacity", "index 0..1", 0, 1, "higher", "capacity",
       "Mean network and coordination capacity of local organisations."),
    _O("intl_contextual_capacity", "International contextual capacity", "index 0..1", 0, 1, "higher",
       "capacity", "Mean contextual skill of international organisations' staff."),
    _O("intl_technical_capacity", "International technical capacity", "index 0..1", 0, 1, None,
       "capacity", "Mean technical skill of international organisations' staff."),
    # --- money and power
    _O("direct_local_funding_share", "Funding direct to local actors", "share of donor funding", 0, 1,
       "higher", "funding", "Donors' own grant tranches paid to local and national actors this week, as a share "
       "of what donors gave this week (their grants and their contributions to the pooled fund); the pooled "
       "fund's grants are not counted (as in Development Initiatives' direct-funding figures)."),
    _O("total_local_funding_share", "Funding reaching local actors", "share of donor funding", 0, 1,
       "higher", "funding", "Everything local and national actors received from grants this week - donors' "
       "direct grants, the pooled fund's grants and intermediaries' sub-grants through one or two levels - as "
       "a share of what donors gave this week."),
    _O("pooled_local_funding_share", "Funding to local actors through the pooled fund", "share of donor funding",
       0, 1, "higher", "funding", "The pooled fund's grant tranches paid to local and national actors this week, "
       "as a share of what donors gave this week."),
    _O("pooled_fund_local_share", "Pooled fund's share to local actors", "share of its grants", 0, 1, "higher",
       "funding", "Share of the pooled fund's grant tranches this week paid directly to local and national actors "
       "(0 when it paid none)."),
    _O("pooled_fund_held", "Money held by the pooled fund", "USD", 0, None, None, "funding",
       "Contributions the pooled fund holds and has not paid out, at the end of the week."),
    _O("due_diligence_staff_weeks", "Staff time on funders' due diligence", "staff-weeks/week", 0, None, "lower",
       "funding", "Staff time local and national actors spent this week on funders' due-diligence assessments "
       "(each funder assesses separately unless assessments are shared)."),
    _O("local_decision_share", "Local share of decision power", "share", 0, 1, "higher", "funding",
       "Mean of: funds whose use local actors decide, coordination seats, weight in priority setting."),
    _O("cost_per_need_met", "Cost per need met", "USD per person-week", 0, None, "lower", "funding",
       "All spending this week divided by people covered this week."),
    _O("donor_disbursed", "Donor disbursements", "USD/week", 0, None, None, "funding",
       "What donors gave this week: their grant tranches and their contributions to the pooled fund."),
    _O("spending", "Spending", "USD/week", 0, None, None, "funding",
       "Salaries, operations, money lost, compliance, institutional investment, language investment and "
       "preparedness this week."),
    _O("overhead_retained", "Overhead retained by intermediaries", "USD/week", 0, None, None, "funding",
       "Indirect-cost allowance kept by international intermediaries this week."),
    _O("funding_direct_local", "Donor funds paid directly to local actors", "USD/week", 0, None, None, "funding",
       "Grant tranches paid by donors straight to local and national actors this week."),
    _O("funding_via_intermediaries", "Funds passed on to local actors by intermediaries", "USD/week", 0, None,
       None, "funding", "Sub-grants (and overhead passed on) that international intermediaries paid to "
       "local partners this week, from donors' and the pooled fund's grants."),
    _O("cash_total", "Reserves held by organisations", "USD", 0, None, None, "funding",
       "Cash held by all organisations at the end of the week."),
    _O("losses", "Money lost", "USD/week", 0, None, "lower", "funding",
       "Operations spending lost to fraud, diversion and error this week (falls with institutional capacity)."),
    _O("compliance_cost_local", "Compliance costs paid by local actors", "USD/week", 0, None, "lower", "funding",
       "Compliance costs on sub-grants (funding.compliance_cost of their programme value) local partners owe this "
       "week: all of it under risk transfer, none under full risk sharing."),
    _O("compliance_cost_intl", "Compliance costs carried by intermediaries", "USD/week", 0, None, None, "funding",
       "The part of the compliance costs on sub-grants that risk sharing moves to the intermediaries this week."),
    _O("local_funds_decided_share", "Money whose use local actors decide", "share of the week's money", 0, 1, "higher",
       "funding", "Share of the week's money (grants, sub-grants, domestic income, overhead kept) whose use local "
       "actors decide: their own grants and income, their weight in sub-grant decisions and reserved board seats "
       "(one of the three parts of local_decision_share)."),
    # --- staff
    _O("staff_turnover_rate", "Staff turnover", "share per year", 0, None, "lower", "staff",
       "Staff who left their employer this week (quits, layoffs, poaching, exit), annualised."),
    _O("brain_drain", "Brain drain", "people/week", 0, None, "lower", "staff",
       "Local organisations' staff recruited by international organisations this week."),
    _O("new_hires", "New hires", "people/week", 0, None, None, "staff",
       "Staff hired this week from the labour pool (re-hires) or from outside the workforce (not poaching)."),
    _O("new_quits", "Quits", "people/week", 0, None, None, "staff", "Staff who quit the sector this week."),
    _O("new_layoffs", "Layoffs", "people/week", 0, None, None, "staff", "Staff laid off this week."),
    _O("new_other_departures", "Other departures", "people/week", 0, None, None, "staff",
       "Staff who left this week neither by quitting nor by layoff: everyone international actors let go at an "
       "exit, and security incident victims who do not return to work (sim/risk.py)."),
    _O("new_hires_local", "Hires by local actors", "people/week", 0, None, None, "staff",
       "Staff hired by local and national actors from outside the sector's employers this week."),
    _O("new_hires_intl", "Hires by international actors", "people/week", 0, None, None, "staff",
       "Staff hired by international actors from outside the sector's employers this week (poaching apart)."),
    _O("new_separations_local", "Staff leaving local actors", "people/week", 0, None, None, "staff",
       "Quits, layoffs and other departures at local and national actors this week (staff poached are counted in "
       "brain drain)."),
    _O("new_separations_intl", "Staff leaving international actors", "people/week", 0, None, None, "staff",
       "Quits, layoffs and other departures at international actors this week (including everyone let go at an "
       "exit)."),
    _O("n_staff", "Staff", "people", 0, None, None, "staff", "Staff employed at the end of the week."),
    _O("n_staff_local", "Staff of local actors", "people", 0, None, None, "staff",
       "Staff employed by local and national actors."),
    _O("n_staff_intl", "Staff of international actors", "people", 0, None, None, "staff",
       "Staff employed by international actors."),
    _O("national_staff_share", "National staff share", "share of field workforce", 0, 1, None, "staff",
       "Share of all staff who are nationals of the country."),
    _O("expat_pay_ratio", "Expatriate to national pay", "ratio", 0, None, None, "staff",
       "Pay of expatriate staff over the mean pay of national staff at local organisations (per person)."),
    _O("expat_pay_ratio_same_employer", "Expatriate to national pay, same employers", "ratio", 0, None, None,
       "staff", "Pay of expatriate staff over mean pay of national staff at the same (international) "
       "organisations, i.e. for similar jobs (Project ADD-UP's dual-salary comparison); 0 when there are none."),
    _O("n_partnerships", "Active partnerships", "partnerships", 0, None, None, "system",
       "Partnerships between an international and a local organisation this week."),
    _O("n_capacity_partnerships", "Partnerships with capacity work", "partnerships", 0, None, None,
       "system", "Active partnerships whose rules include capacity work."),
    _O("partnership_trust", "Trust in partnerships", "index 0..1", 0, 1, "higher", "system",
       "Mean trust between partners over active partnerships (0 when there are none)."),
    _O("n_intl_presence", "International presence", "organisation-areas", 0, None, None, "system",
       "Areas worked in, summed over international organisations."),
    _O("n_intl_presence_hard_to_reach", "International presence in hard-to-reach areas", "organisation-areas", 0,
       None, None, "system", "Hard-to-reach areas worked in, summed over international organisations."),
    _O("bound_by_cash", "Delivery bound by cash", "share of potential output", 0, 1, None, "system",
       "Share of organisations' potential output (deployable staff at full access) at organisations that "
       "could not pay for all their planned operations this week."),
    _O("bound_by_staff", "Delivery bound by staff", "share of potential output", 0, 1, None, "system",
       "Share of potential output at organisations that were paid for and found need for all their supply: "
       "more staff would have delivered more."),
    _O("bound_by_need", "Delivery bound by need", "share of potential output", 0, 1, None, "system",
       "Share of potential output at organisations part of whose supply found no unmet need (duplication)."),
    _O("access_loss_share", "Output lost to access difficulty", "share of potential output", 0, 1, "lower", "system",
       "Share of potential output lost because organisations lack the contextual capacity for hard areas."),
    _O("n_peer_links", "Local peer network links", "links", 0, None, None, "system",
       "Undirected links between local organisations in the peer network (grows when intermediaries convene, "
       "sim/convening.py)."),
    # --- people's priorities and feedback (sim/priorities.py)
    _O("appropriateness", "Aid matching people's priorities", "share", 0, 1, "higher", "people",
       "Overlap between how the aid delivered in each area is spread over sectors and how people there "
       "prioritise them (sum over sectors of the smaller share), weighted by people covered per area (0 when "
       "nobody was covered)."),
    _O("feedback_acted_on", "Feedback heard and acted on", "share of people covered", 0, 1, "higher", "people",
       "People covered by each organisation weighted by feedback channels (heard), the share of its sector "
       "split that follows people's priorities (priorities.voice) and the weight of local knowledge in its "
       "decisions (acted on), over all people covered (0 when nobody was covered)."),
    # --- communities and first responders (sim/communities.py)
    _O("community_capacity", "Community response capacity", "index 0..1", 0, 1, "higher", "people",
       "Population-weighted mean over areas of community response capacity (volunteers, community-based groups, "
       "local authorities): the share of what they could do fully organised and trained."),
    _O("community_capacity_hard_to_reach", "Community response capacity in hard-to-reach areas", "index 0..1",
       0, 1, "higher", "people", "Community response capacity, population-weighted over hard-to-reach areas "
       "(0 when there are none)."),
    _O("preparedness", "Preparedness and early warning", "index 0..1", 0, 1, "higher", "people",
       "Population-weighted mean over areas of preparedness (early warning, plans, pre-positioned supplies) "
       "built by local actors' preparedness spending; a rapid-onset shock spares community.harm_reduction x "
       "preparedness of the people it would put in need."),
    # --- adoption by national authorities (sim/adoption.py)
    _O("national_adoption", "Preparedness adopted by the national authority", "index 0..1", 0, 1, "higher",
       "system", "Population-weighted mean over areas of the level of preparedness and early-warning systems the "
       "national authority has adopted into its own plans and maintains (at most the area's preparedness)."),
    _O("national_adoption_share", "Share of preparedness adopted nationally", "share", 0, 1, "higher", "system",
       "Preparedness adopted by the national authority over preparedness built, both population-weighted "
       "(0 while none is built)."),
    _O("national_coordination_seats", "Coordination seats gained by the national authority", "share of seats",
       0, 1, None, "system",
       "Share of coordination seats the national authority took on through what it adopted, on top of "
       "governance.local_coordination_seats."),
    # --- risk that happens (sim/risk.py)
    _O("new_incidents", "Security incidents", "incidents/week", 0, None, "lower", "risk",
       "Major security incidents (killings, serious injuries, kidnappings: the Aid Worker Security Database's "
       "definition) on staff present in an area this week."),
    _O("new_incident_victims", "Victims of security incidents", "people/week", 0, None, "lower", "risk",
       "Staff killed, seriously injured or kidnapped this week (all employers)."),
    _O("new_victims_national_local", "Victims: national staff of local actors", "people/week", 0, None, "lower",
       "risk", "Incident victims this week who are national staff of local and national organisations."),
    _O("new_victims_national_intl", "Victims: national staff of international actors", "people/week", 0, None,
       "lower", "risk", "Incident victims this week who are national staff of international organisations."),
    _O("new_victims_international", "Victims: international staff", "people/week", 0, None, "lower", "risk",
       "Incident victims this week who are expatriate staff of international organisations."),
    _O("aid_worker_victim_rate", "Aid worker victim rate", "victims per 100,000 staff a year", 0, None, "lower",
       "risk", "This week's incident victims over staff employed, annualised, per 100,000 (the Aid Worker Security "
       "Database's rate: about 70 per 100,000 a year worldwide in 2018)."),
    _O("n_suspended_local", "Suspended local presence", "organisation-areas", 0, None, None, "risk",
       "Areas in which local and national organisations have suspended operations after an incident on their "
       "staff, this week."),
    _O("n_suspended_intl", "Suspended international presence", "organisation-areas", 0, None, None, "risk",
       "Areas in which international organisations have suspended operations after an incident on their staff."),
    _O("suspended_funding_local", "Sub-grants withheld from suspended partners", "USD/week", 0, None, "lower", "risk",
       "Sub-grant money a local partner suspended after an incident does not receive this week (the share of the "
       "suspension local partners carry: all of it under risk transfer)."),
    _O("suspension_funded_intl", "Sub-grants kept paid through suspensions", "USD/week", 0, None, None, "risk",
       "Sub-grant money intermediaries keep paying to local partners suspended after an incident this week (the "
       "share of the suspension intermediaries carry under risk sharing)."),
    _O("security_cost_local", "Security costs paid by local actors", "USD/week", 0, None, None, "risk",
       "Security risk management local actors pay for this week (from their own grant money when they have no "
       "intermediary and risk is shared)."),
    _O("security_cost_intl", "Security costs paid by international actors", "USD/week", 0, None, None, "risk",
       "Security risk management international actors pay for this week: their own staff's, and their local "
       "partners' in the share risk sharing moves to them."),
    _O("losses_found", "Losses found by audits", "USD/week", 0, None, None, "risk",
       "Losses to fraud, diversion and error found by this week's audits (risk.audit_detection of the losses since "
       "each audited organisation's previous audit)."),
    _O("repaid_local", "Losses repaid by local actors", "USD/week", 0, None, "lower", "risk",
       "Found losses local and national actors repay to funders this week."),
    _O("repaid_intl", "Losses repaid by international actors", "USD/week", 0, None, None, "risk",
       "Found losses international actors repay this week: their own, and their partners' in the share risk "
       "sharing moves to them."),
    _O("losses_written_off", "Found losses written off", "USD/week", 0, None, None, "risk",
       "Losses on grant money found this week that nobody repays: donors' share under risk sharing, the part funders "
       "do not claim (risk.recovery_share) and what cash-short organisations cannot pay."),
    _O("compliance_staff_weeks_local", "Staff time of local actors on compliance", "staff-weeks/week", 0, None,
       "lower", "risk", "Staff time local partners spend this week on their intermediaries' compliance requirements."),
    _O("compliance_staff_weeks_intl", "Staff time of intermediaries on partners' compliance", "staff-weeks/week", 0,
       None, None, "risk", "Staff time intermediaries spend this week on the compliance work risk sharing moves to "
       "them."),
    _O("risk_tolerance_local", "Risk tolerance of local actors", "0..1", 0, 1, None, "risk",
       "Mean over active local and national organisations of the highest operating risk they accept this week "
       "(after incidents and risk sharing)."),
    _O("risk_tolerance_intl", "Risk tolerance of international actors", "0..1", 0, 1, None, "risk",
       "Mean over active international organisations of the highest operating risk they accept this week."),
    # --- localisation in the field's own terms (sim/localisation.py)
    _O("grand_bargain_local_share", "Grand Bargain localisation share", "share of donor funding", 0, 1, "higher",
       "localisation", "Grand Bargain (2016) commitment 2.4 with the localisation marker's categories: funding to "
       "local and national actors directly, through a pooled fund or through one intermediary, over what donors "
       "gave this week (money through two intermediaries not counted). Target 25%."),
    _O("grand_bargain_target_met", "Grand Bargain 25% target met", "share of weeks", 0, 1, "higher", "localisation",
       "1 in a week when the Grand Bargain localisation share is at least the Grand Bargain's (2016) target of 25%, "
       "else 0 (its mean over a window is the share of weeks meeting the target)."),
    _O("local_multi_year_share", "Multi-year share of local actors' funding", "share of their grant money", 0, 1,
       "higher", "localisation", "Share of the grant money local and national actors receive this week (direct, "
       "pooled fund, sub-grants) that is multi-year; a sub-grant is as multi-year as its intermediary's grants "
       "(Grand Bargain commitment 7; A4EP 2023: 43% of funded local NGOs had none)."),
    _O("local_flexible_share", "Flexible share of local actors' funding", "share of their grant money", 0, 1,
       "higher", "localisation", "Share of the grant money local and national actors receive this week that they "
       "may use for their own priorities (flexible grants, the freed part of sub-grants, overhead passed on) "
       "(Grand Bargain commitment 8; A4EP 2023: 72% of funded local NGOs had no flexible funding)."),
    _O("local_overhead_received", "Overhead received by local actors", "share of their grant money", 0, 1, "higher",
       "localisation", "Indirect-cost allowance local and national actors receive over their grant money this week: "
       "funding.overhead_rate on their own and pooled-fund grants, the part intermediaries pass on for sub-grants "
       "(Development Initiatives for the IASC 2022: 0-12% by agency)."),
    _O("local_coordination_leadership", "Local leadership in coordination (proxy)", "index 0..1", 0, 1, "higher",
       "localisation", "Proxy for local leadership of coordination (IASC 2021 guidance on the participation and "
       "leadership of local actors in coordination): local actors' voice in coordination - their share of "
       "coordination seats x (1 - w + w x their mean network capacity) x what the coordination language leaves them "
       "(sim/coordination.py local_voice); the model has no cluster co-leads."),
    _O("near_partnerships", "NEAR: partnerships (proxy)", "index 0..1", 0, 1, "higher", "localisation",
       "Proxy for the NEAR Localisation Performance Measurement Framework's partnerships area: mean of the share of "
       "partnerships agreed for a year or more, local partners' mean weight in partnership decisions, and mean "
       "trust in partnerships (0 without partnerships)."),
    _O("near_funding", "NEAR: funding (proxy)", "index 0..1", 0, 1, "higher", "localisation",
       "Proxy for NEAR's funding area: mean of the Grand Bargain share over its 25% target (at most 1), the "
       "multi-year and flexible shares of local actors' grant money, and the overhead they receive over the "
       "allowed rate (at most 1)."),
    _O("near_capacity", "NEAR: capacity (proxy)", "index 0..1", 0, 1, "higher", "localisation",
       "Proxy for NEAR's capacity area: mean of local capacity and 1 - the yearly share of local staff recruited "
       "away by international actors (capacity not undermined)."),
    _O("near_coordination", "NEAR: coordination and complementarity (proxy)", "index 0..1", 0, 1, "higher",
       "localisation", "Proxy for NEAR's coordination and complementarity area: mean of local leadership in "
       "coordination and local and national actors' share of the response's supply (people they could cover)."),
    _O("near_policy_influence", "NEAR: policy influence and visibility (proxy)", "index 0..1", 0, 1, "higher",
       "localisation", "Proxy for NEAR's policy influence and visibility area: mean of local actors' weight in "
       "setting the response's priorities and the share of money whose use they decide; visibility (media, "
       "reports) is not modelled."),
    _O("near_participation", "NEAR: participation (proxy)", "index 0..1", 0, 1, "higher", "localisation",
       "Proxy for NEAR's participation area: the weight of local knowledge of needs in decisions on the response's "
       "money and staff, income-weighted over organisations; communities' own participation and feedback are not "
       "modelled."),
    # --- inclusion and do no harm (sim/inclusion.py)
    _O("group_coverage", "Coverage of the marginalised group", "share, severity-weighted", 0, 1, "higher", "people",
       "Severity-weighted share of the marginalised group's people in need covered this week: each area's people "
       "covered split between the group and the rest by whom the organisations covering them reach "
       "(inclusion.group_access_difficulty; group-led organisations reach the group fully)."),
    _O("rest_coverage", "Coverage of everyone else", "share, severity-weighted", 0, 1, "higher", "people",
       "The same for people in need outside the marginalised group."),
    _O("group_equity", "Equity between population groups", "ratio 0..1", 0, 1, "higher", "people",
       "The smaller of the marginalised group's and everyone else's coverage over the larger (1: equal; 1 when "
       "neither is covered)."),
    _O("women_led_partner_share", "Partners that are women-led", "share of partnered local actors", 0, 1, None,
       "inclusion", "Share of the local organisations in a partnership with an intermediary that are women-led "
       "(compare with inclusion.women_led_share)."),
    _O("marginalised_led_partner_share", "Partners led by the marginalised group", "share of partnered local actors",
       0, 1, None, "inclusion", "Share of the local organisations in a partnership that are led by members of the "
       "marginalised group (compare with inclusion.marginalised_led_share)."),
    _O("women_led_funding_share", "Local funding to women-led organisations", "share of grants to local actors", 0, 1,
       None, "inclusion", "Share of the grant money local and national actors received this week (direct, pooled "
       "fund, sub-grants) that went to women-led organisations."),
    _O("marginalised_led_funding_share", "Local funding to organisations of the marginalised group",
       "share of grants to local actors", 0, 1, None, "inclusion",
       "Share of the grant money local and national actors received this week that went to organisations led by "
       "members of the marginalised group."),
    _O("brain_drain_group_led", "Staff poached from women-led and marginalised-led organisations", "people", 0, None,
       "lower", "inclusion", "Staff of women-led or marginalised-led organisations hired away by international "
       "organisations this week (part of brain_drain)."),
    _O("imposed_share_group_led", "Imposed partnerships of group-led organisations", "share of their partnerships",
       0, 1, "lower", "inclusion", "Share of women-led and marginalised-led organisations' partnerships whose rules "
       "an earmark imposed (trust cut by partnership.imposed_trust_factor; IASC principle 5)."),
)

# The localisation measures in the field's own terms the report, the brief and the donor page list, with the
# outcomes they reuse (direct and pooled-fund shares, local share of decision power).
LOCALISATION_OUTCOMES = (
    "grand_bargain_local_share", "grand_bargain_target_met", "direct_local_funding_share", "pooled_fund_local_share",
    "local_multi_year_share", "local_flexible_share", "local_overhead_received", "local_coordination_leadership",
    "near_partnerships", "near_funding", "near_capacity", "near_coordination", "near_policy_influence",
    "near_participation",
)

# What the model says about affected people and communities beyond coverage (issue 18: priorities and
# feedback, communities and first responders, inclusion and do no harm), listed by the report, the brief
# and the donor page next to the localisation measures. Weekly outcomes only (the page and the brief
# read the weekly table); the first-72-hours shares by responder are in the shocks table.
PEOPLE_OUTCOMES = (
    "appropriateness", "feedback_acted_on", "community_capacity", "community_capacity_hard_to_reach", "preparedness",
    "national_adoption",
    "group_coverage", "rest_coverage", "group_equity", "women_led_partner_share", "marginalised_led_partner_share",
    "women_led_funding_share", "marginalised_led_funding_share", "brain_drain_group_led", "imposed_share_group_led",
)

SHOCK_COLUMNS: tuple[Outcome, ...] = (
    _O("response_time", "Response time", "weeks", 0, None, "lower", "people",
       "Weeks from the shock until the people covered in the hit area exceed the week before's by "
       "crisis.response_share of those the shock newly put in need and still in need (null if not within "
       "crisis.response_cap_weeks, or censored)."),
    _O("reached", "Reached within the cap", "true/false", 0, 1, "higher", "people",
       "The shock was responded to within crisis.response_cap_weeks weeks (false for censored shocks)."),
    _O("censored", "Left out of response measures", "true/false", 0, 1, None, "people",
       "The shock started in the run's last crisis.response_cap_weeks weeks (or its first week), so its "
       "response cannot be judged."),
    _O("reach_72h", "Reach in the first 72 hours", "share of people newly in need", 0, 1, "higher", "people",
       "3/7 of what the organisations operational in the area when the shock hit covered there that week, "
       "over the people newly in need (at most 1): who can act in the first 72 hours."),
    _O("reach_72h_local", "Local share of reach in the first 72 hours", "share", 0, 1, None, "people",
       "Share of the first-72-hours reach by local and national actors (null when nobody was there)."),
    _O("people", "People newly in need", "people", 0, None, None, "people",
       "Size of the shock: people it put in need (after preparedness spared some, sim/communities.py)."),
    _O("reach_72h_community", "Community reach in the first 72 hours", "share of people newly in need", 0, 1,
       "higher", "people", "3/7 x community.reach_share x the area's community response capacity x its "
       "population, over the people newly in need (at most 1): what people and community structures reach "
       "before any organisation can arrive."),
    _O("first_responders_community", "First responders: communities", "share of first-72-hours reach", 0, 1,
       None, "people", "Communities' share of everything reached in the first 72 hours (communities, local and "
       "national actors, international actors together; null when nobody reached anyone)."),
    _O("first_responders_local", "First responders: local and national actors", "share of first-72-hours reach",
       0, 1, None, "people", "Local and national actors' share of everything reached in the first 72 hours."),
    _O("first_responders_intl", "First responders: international actors", "share of first-72-hours reach", 0, 1,
       None, "people", "International actors' share of everything reached in the first 72 hours."),
)

AREA_COLUMNS: tuple[Outcome, ...] = (
    _O("area_coverage", "Coverage in area", "share, severity-weighted", 0, 1, "higher", "people",
       "Mean over the year of the area's weekly severity-weighted coverage."),
    _O("area_need", "People in need in area", "people", 0, None, None, "people",
       "Mean over the year of people in need in the area."),
    _O("area_people_covered", "People covered in area", "people", 0, None, "higher", "people",
       "Mean over the year of the people whose needs were met in the area in a week, summed over sectors (each "
       "person counted once, in the sector of their main need): the model's people reached in the area."),
)

# The capacity map (``sim.results.capacity_table``): one row per area, sector and actor group.
CAPACITY_MAP_COLUMNS: tuple[Outcome, ...] = (
    _O("need", "People in need", "people", 0, None, None, "capacity_map",
       "People in need in the area and sector this week."),
    _O("staff_present", "Staff present", "people", 0, None, None, "capacity_map",
       "Staff of the actor group working in the area and sector (allocation over areas, sector weights)."),
    _O("reach", "Could be covered with full funding", "people/week", 0, None, None, "capacity_map",
       "People whose needs the staff present could cover in a week if fully funded "
       "(productivity x effectiveness, access and language included)."),
    _O("capacity_technical", "Technical capacity present", "index 0..1", 0, 1, "higher", "capacity_map",
       "Staff-weighted mean technical skill of the organisations present."),
    _O("capacity_institutional", "Institutional capacity present", "index 0..1", 0, 1, "higher", "capacity_map",
       "Staff-weighted mean institutional capacity of the organisations present."),
    _O("capacity_contextual", "Contextual capacity present", "index 0..1", 0, 1, "higher", "capacity_map",
       "Staff-weighted mean contextual skill (knowledge, language, access) of the organisations present."),
    _O("capacity_network", "Network capacity present", "index 0..1", 0, 1, "higher", "capacity_map",
       "Staff-weighted mean network and coordination capacity of the organisations present."),
    _O("reach_to_need", "Reach relative to need", "ratio", 0, None, None, "capacity_map",
       "Reach of all staff present (local and international) over people in need in the area and sector."),
)

# Outcomes of the docking models (sim/docking/): published models re-run with capsim's mechanisms.
DOCKING_COLUMNS: tuple[Outcome, ...] = (
    _O("code_knowledge", "Code knowledge", "matches minus mismatches per dimension", -1, 1, "higher", "docking",
       "March (1991): the organisational code's score against reality divided by the number of dimensions."),
    _O("code_match_share", "Code matches reality", "share of dimensions", 0, 1, "higher", "docking",
       "March (1991): share of dimensions on which the code equals reality."),
    _O("mean_knowledge", "Mean knowledge at steady state", "knowledge units", 0, None, "higher", "docking",
       "Cowan & Jonard (2004): mean over agents and categories when no linked pair can trade any more."),
    _O("knowledge_cv", "Coefficient of variation of knowledge", "sd / mean across agents", 0, None, "lower",
       "docking", "Cowan & Jonard (2004): spread of agents' mean knowledge at the steady state."),
)

# Run-level summaries of the shocks table (computed by sim.crises.response_summary); the mean
# response time and first-72-hours reach share the keys, labels and units of the shock columns.
RUN_RESPONSE_OUTCOMES: tuple[Outcome, ...] = (
    _O("shocks_not_reached", "Shocks not reached within the cap", "share of judged shocks", 0, 1, "lower", "people",
       "Share of a run's judged (uncensored) shocks whose response_time is null: the people covered in the "
       "hit area did not rise by crisis.response_share of those newly in need within crisis.response_cap_weeks."),
)

OUTCOMES: dict[str, Outcome] = {
    o.key: o for o in STEP_OUTCOMES + SHOCK_COLUMNS + RUN_RESPONSE_OUTCOMES + AREA_COLUMNS + CAPACITY_MAP_COLUMNS
    + DOCKING_COLUMNS
}

MAIN_OUTCOMES = (
    "coverage",
    "unmet_need",
    "coverage_gini",
    "hard_to_reach_coverage",
    "group_equity",
    "quality_coverage",
    "local_capacity",
    "intl_contextual_capacity",
    "total_local_funding_share",
    "local_decision_share",
    "staff_turnover_rate",
    "brain_drain",
    "cost_per_need_met",
)


def label(key: str, with_unit: bool = True) -> str:
    """Label of an outcome for tables and axes; raises KeyError for unregistered keys."""
    try:
        o = OUTCOMES[key]
    except KeyError:
        raise KeyError(f"{key!r} is not a registered outcome; see sim/outcomes.py") from None
    return o.axis_label if with_unit else o.label


# ---------------------------------------------------------------------------- donor headlines
# The headlines the donor page, the brief and the lever table show: each defined once here (what a
# donor reads, its unit, the time window it is taken over, one plain sentence of definition). The
# reduction of a run to one number is ``analysis/effects.py`` ``MEASURES`` (same keys); ``scale``
# turns that number into the unit shown (e.g. people-weeks over the run -> people a week).


@dataclass(frozen=True)
class DonorHeadline:
    """A headline as donors read it.

    Args:
        key: the measure key (``analysis.effects.MEASURES``) the headline shows.
        outcome: the registered outcome it is computed from (a key of :data:`OUTCOMES`).
        label: what the page and the brief call it.
        unit: the unit shown.
        window: the time window, with ``{years}`` for the horizon ("average over {years} years").
        description: the definition in one plain sentence.
        per_week: the measure is a sum over the weeks shown as a weekly average (divide by weeks).
        percent: the measure is a share shown in percent (changes in percentage points).
    """

    key: str
    outcome: str
    label: str
    unit: str
    window: str
    description: str
    per_week: bool = False
    percent: bool = False

    def window_text(self, years: float) -> str:
        """The window for a horizon, e.g. "average over 5 years" or "in year 10"."""
        return self.window.format(years=f"{years:g}", year_word="year" if years == 1 else "years")


DONOR_HEADLINES: dict[str, DonorHeadline] = {h.key: h for h in (
    DonorHeadline(
        "people_weeks_met", "people_covered", "People with their needs met", "people a week",
        "average over {years} {year_word}",
        "People in need whose needs were met in a week, by every organisation together, averaged over the weeks.",
        per_week=True),
    DonorHeadline(
        "hard_to_reach_coverage", "hard_to_reach_coverage", "Need met in hard-to-reach districts",
        "% of need", "average over {years} {year_word}",
        "Share of the need in districts that are hard to reach that was met, weighted by how severe it is, "
        "averaged over the weeks.", percent=True),
    DonorHeadline(
        "response_time", "response_time", "Time to reach people after a sudden shock", "weeks",
        "average over the shocks of {years} {year_word}",
        "Weeks until half of the people a sudden shock newly put in need are reached; a shock not reached within "
        "26 weeks counts as 26, and shocks in the last 26 weeks are left out."),
    DonorHeadline(
        "total_local_funding_share", "total_local_funding_share", "Funding reaching local actors",
        "% of donor funding", "average over {years} {year_word}",
        "Share of donors' money that reaches local and national organisations, directly or as sub-grants "
        "through one international organisation (so it is above the direct share alone).", percent=True),
    DonorHeadline(
        "local_capacity", "local_capacity", "Local organisations' capacity", "index 0-1", "in the final year",
        "Mean of local organisations' technical, institutional, contextual and network capacity (0 none, 1 full), "
        "averaged over the final year."),
    DonorHeadline(
        "brain_drain", "brain_drain", "Local staff recruited away by international agencies", "people",
        "over {years} {year_word}",
        "Staff of local organisations hired by international organisations, counted over the whole horizon."),
    DonorHeadline(
        "coverage", "coverage", "Need met across the country", "% of need", "average over {years} {year_word}",
        "Share of all need that was met, weighted by how severe it is, averaged over the weeks.", percent=True),
)}
