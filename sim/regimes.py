"""Regimes of capacity work and the learning they cause: who learns what, from whom, how long.

The three regimes follow the IASC scoping paper's infographic; a fourth, ``baseline``, has
partnerships without capacity work (pure sub-contracting) as the counterfactual.

==============  =========================  =============================  =================================
rule            building                   strengthening                  sharing
==============  =========================  =============================  =================================
direction       one-way (intl -> local)    one-way (intl -> local)        two-way (``two_way``): contextual
                                                                          capacity flows to internationals
time shape      project: 2-week full-time  ongoing: 10% of participants'  ongoing: 10% of participants'
                workshop per 26-week       time, 3-year partnerships      time, open-ended partnerships
                project partnership
who takes part  20% of a partner's staff,  50%, half by their gaps        50%, largest gaps first
                picked at random
content         technical skills of        technical + institutional      technical + institutional +
                individuals                                               contextual; peer exchange
gaps set by     international actors       international assessment       jointly (``joint``)
governance      none                       none                           joint governance: 26 weeks of
                                                                          co-design over which the local
                                                                          partner's decision weight grows
==============  =========================  =============================  =================================

These are the default rule sets (``RegimesParams`` in ``sim/params.py``); every rule can be
changed per regime. ``baseline`` partnerships pass money but do no capacity work.

**No regime rule moves money.** How much of an intermediary's money reaches its local partners
is a funding rule any regime can use (``funding.pass_through_share``, ``funding.joint_programme_share``;
``sim/partnerships.py`` ``pass_fractions``). Decision weight (joint governance) changes whose
knowledge steers where money and staff go and on what (``sim/governance.py``), not how much.

**Pathways.** :func:`pathway_rules` builds the rules a run actually uses when some of its
pathway switches are off (``Params.pathways``): each rule group of ``PATHWAY_RULE_GROUPS``
(capacity work, decisions, continuity) comes from the run's regime if its switch is on, from the
reference regime if off.

**Trust.** How much capacity work takes hold scales with the partners' trust
(``sim/partnerships.py``): every gain from teaching and accompaniment is multiplied by it; the
time spent is not.

All regimes share one learning law (``sim/params.py`` ``learning``; the function
``sim/learning.py:close_gap``): a learner closes a
fixed share of the gap to the teacher per full-time week of learning, only ``transfer_rate``
of a training gain is applied on the job, and applied gains fade unless practised. No regime
has an outcome multiplier: a regime changes only the schedule, content, direction, targeting
and decision rules below, and outcomes follow from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import dataclasses

from .jit import kernel
from .learning import close_gap
from .params import PATHWAY_MONEY_LEVERS, PATHWAY_RULE_GROUPS, REGIME_NAMES, Params, RegimeRules
from .kinds import NO_PARTNER, OPEN_ENDED

__all__ = ["RuleTable", "REGIME_CODE", "EARMARK_CODE", "learning_step", "training_now", "pathway_rules",
           "effective_params"]

REGIME_CODE = {name: i for i, name in enumerate(REGIME_NAMES)}
# The rules a sharing earmark imposes: the sharing rule set as configured, never mixed by pathway
# switches (so that a run with every switch off is its reference run, earmark included).
EARMARK_CODE = len(REGIME_NAMES)
GAP_MODES = {"international": 0, "assessment": 1, "joint": 2}


def pathway_rules(params: Params) -> RegimeRules:
    """The rules of the run's regime with switched-off pathway groups taken from the reference regime."""
    own = params.regimes.get(params.regime)
    ref = params.regimes.get(params.pathways.reference)
    changes = {}
    for group, fields in PATHWAY_RULE_GROUPS.items():
        if not getattr(params.pathways, group):
            changes.update({f: getattr(ref, f) for f in fields})
    return dataclasses.replace(own, **changes) if changes else own


def effective_params(params: Params) -> Params:
    """The parameters a model runs with: pathway switches folded into ordinary parameters.

    Switched-off rule groups replace the run's regime rules (:func:`pathway_rules`); with
    ``money_levers`` off, the funding levers of ``PATHWAY_MONEY_LEVERS`` take their registry
    defaults (the status quo). ``money_response`` is not folded: it needs a second model, the
    money source (``CapacityModel.__init__`` builds it). With every switch on, ``params`` is
    returned unchanged.
    """
    pw = params.pathways
    if pw.capacity_work and pw.decisions and pw.continuity and pw.money_levers:
        return params
    regimes = dataclasses.replace(params.regimes, **{params.regime: pathway_rules(params)})
    funding = params.funding
    if not pw.money_levers:
        defaults = type(funding)()
        funding = dataclasses.replace(funding, **{k: getattr(defaults, k) for k in PATHWAY_MONEY_LEVERS})
    return params.replace(regimes=regimes, funding=funding)


@dataclass
class RuleTable:
    """The rule sets of all regimes as arrays indexed by regime code (for vectorised use)."""

    capacity_work: np.ndarray
    trains_technical: np.ndarray
    trains_institutional: np.ndarray
    two_way: np.ndarray
    gap_mode: np.ndarray
    ongoing: np.ndarray
    training_weeks: np.ndarray
    ongoing_share: np.ndarray
    trainee_share: np.ndarray
    partnership_weeks: np.ndarray
    joint_governance: np.ndarray
    peer_exchange: np.ndarray
    secondments: np.ndarray
    co_design_weeks: np.ndarray
    co_design_share: np.ndarray

    @classmethod
    def from_params(cls, params: Params, cycle_weeks: int, earmark_rules: RegimeRules | None = None) -> "RuleTable":
        """Rows by regime code (``REGIME_CODE``), then the earmark's row (``EARMARK_CODE``).

        Args:
            params: the parameters (pathway switches already folded in, ``effective_params``).
            cycle_weeks: weeks of a project cycle (workshops at its start).
            earmark_rules: the rules a sharing earmark imposes (default: ``params.regimes.sharing``).
        """
        rules: list[RegimeRules] = [params.regimes.get(n) for n in REGIME_NAMES]
        rules.append(earmark_rules if earmark_rules is not None else params.regimes.sharing)
        a = lambda f, dt=float: np.array([f(r) for r in rules], dtype=dt)  # noqa: E731
        return cls(
            capacity_work=a(lambda r: r.capacity_work, bool),
            trains_technical=a(lambda r: r.capacity_work and r.trains_technical, bool),
            trains_institutional=a(lambda r: r.capacity_work and r.trains_institutional, bool),
            two_way=a(lambda r: r.capacity_work and r.two_way, bool),
            gap_mode=a(lambda r: GAP_MODES[r.gaps_identified_by], np.int64),
            ongoing=a(lambda r: r.time_shape == "ongoing", bool),
            training_weeks=a(lambda r: min(r.training_weeks_per_cycle, cycle_weeks), np.int64),
            ongoing_share=a(lambda r: r.ongoing_time_share),
            trainee_share=a(lambda r: r.trainee_share if r.capacity_work else 0.0),
            partnership_weeks=a(lambda r: OPEN_ENDED if r.partnership_weeks is None else r.partnership_weeks, np.int64),
            joint_governance=a(lambda r: r.joint_governance, bool),
            peer_exchange=a(lambda r: r.capacity_work and r.peer_exchange, bool),
            secondments=a(lambda r: r.secondments if r.capacity_work else 0, np.int64),
            co_design_weeks=a(lambda r: r.co_design_weeks if r.joint_governance else 0, np.int64),
            co_design_share=a(lambda r: r.co_design_time_share if r.joint_governance else 0.0),
        )

    def same_rules(self, a: int, b: int) -> bool:
        """Whether rows ``a`` and ``b`` hold the same rules."""
        return all(getattr(self, f.name)[a] == getattr(self, f.name)[b] for f in dataclasses.fields(self))


@kernel
def co_design_progress(weeks, since):
    """Share of a partnership's co-design phase completed (0..1) ``since`` weeks after it started, for a phase
    ``weeks`` long (``RegimeRules.co_design_weeks``; 1 when its rules have none, ``weeks`` = 0). Joint governance
    moves a local partner's decision weight up along it (``sim/governance.py``) and its people spend
    ``co_design_time_share`` of their time on it until it is complete (:func:`_partnership_learning`)."""
    if weeks > 0:
        return min(max(since / weeks, 0.0), 1.0)
    return 1.0


@kernel
def training_now(since, cycle, ongoing, ongoing_share, training_weeks, capacity_work):
    """Share of full time that a partnership's participants spend on capacity work this week.

    Args:
        since: weeks since the partnership started.
        cycle: weeks of a project cycle (workshops at its start).
        ongoing, ongoing_share, training_weeks, capacity_work: its rules (``RuleTable`` row).
    """
    if ongoing:
        tau = ongoing_share
    else:
        tau = 1.0 if (since % cycle) < training_weeks else 0.0
    return tau * (1.0 if capacity_work else 0.0)


_GAP_MIX = np.array([0.0, 0.5, 1.0])  # weight of the partner's actual gaps, by gap_mode code


@kernel
def effort_weights(trains_technical, trains_institutional, mix, gap_tech, gap_inst):
    """Split a partnership's capacity-work effort between technical and institutional content.

    International actors follow their template (equal effort on each content they offer); joint
    identification follows the partner's actual gaps (``mix`` 1); an international assessment mixes the
    two half and half (``mix`` 0.5, ``_GAP_MIX``). Returns (technical, institutional) weights.
    """
    tt = 1.0 if trains_technical else 0.0
    ti = 1.0 if trains_institutional else 0.0
    n_content = max(tt + ti, 1.0)
    template_t = tt / n_content
    template_i = ti / n_content
    gt = gap_tech * tt
    gi = gap_inst * ti
    total = gt + gi
    joint_t = gt / total if total > 0 else template_t
    joint_i = gi / total if total > 0 else template_i
    return (1 - mix) * template_t + mix * joint_t, (1 - mix) * template_i + mix * joint_i


def learning_step(model, step: int) -> None:
    """Capacity work in all active partnerships this week, then fading and learning by doing."""
    p, lp = model.p, model.p.learning
    orgs, staff, rules = model.orgs, model.staff, model.rules
    cycle = p.funding.short_grant_weeks
    n = orgs.n
    orgs.time_off[:] = 0.0
    if len(model.peer_edges):
        edge_from, edge_to = model.peer_edges
    else:
        edge_from = edge_to = np.zeros(0, np.int64)
    r = rules
    g = p.governance
    learners, gain = _partnership_learning(
        step, cycle, orgs.partner, orgs.active, orgs.is_intl, orgs.p_code, orgs.p_start, orgs.p_trust, orgs.inst, orgs.net,
        orgs.time_off, staff.headcount, staff.tech_mean, staff.ctx_mean, staff.slot_org, staff.employer, staff.trainee,
        staff.tech_base, staff.tech_gain, staff.ctx_base, staff.ctx_gain, edge_from, edge_to,
        r.capacity_work, r.trains_technical, r.trains_institutional, r.two_way, r.gap_mode, r.ongoing,
        r.training_weeks, r.ongoing_share, r.peer_exchange, r.secondments, r.co_design_weeks, r.co_design_share,
        _GAP_MIX, lp.learn_rate, lp.transfer_rate, lp.secondment_span, lp.institutional_learn_rate, lp.peer_rate,
        lp.network_gain, lp.network_boost_cap, lp.intl_network_share, lp.trainer_time_ratio,
        1.0 - g.language_barrier * (1.0 - g.language_investment))
    if len(learners):
        model.training_probe.taught(step, learners, gain, lp.transfer_rate * gain)

    # Coordination seats (the national authority's adoption included) build local network capacity;
    # everything decays slowly. Core investment of flexible income builds institutional capacity
    # (organisations invest less as their systems mature); an intermediary's systems are also
    # maintained by the indirect costs its headquarters retains. Systems depreciate.
    invest = _network_and_investment(orgs.net, orgs.inst, orgs.is_local, orgs.active, orgs.cash, orgs.flex_income,
                                     model.adoption.local_seats(), lp.network_gain, lp.network_decay,
                                     lp.core_investment_share)
    model.ledger.spend(orgs, invest, "investment")
    orgs.invest = invest
    _institutional_systems(orgs.inst, orgs.net, invest, orgs.hq_support, orgs.active, model.pay.payroll,
                           lp.invest_efficiency, lp.institutional_depreciation)

    # Applied training fades unless practised; practice also teaches (learning by doing).
    model.training_probe.fade(_fade_and_practice(staff.slot_org, staff.tech_gain, staff.ctx_gain, staff.tech_base,
                                                 orgs.utilisation, lp.unpractised_decay, lp.practice_protection,
                                                 lp.learning_by_doing))


@kernel
def _partnership_learning(step, cycle, partner, active, is_intl, code_of, start_of, trust_of, inst, net, time_off,
                          headcount, tech_mean, ctx_mean, slot_org, employer, trainee, tech_base, tech_gain, ctx_base,
                          ctx_gain, edge_from, edge_to, capacity_work, trains_technical, trains_institutional, two_way,
                          gap_mode, ongoing, training_weeks, ongoing_share, peer_exchange, secondments, co_design_weeks,
                          co_design_share, gap_mix, learn_rate, transfer_rate, secondment_span, institutional_learn_rate,
                          peer_rate, network_gain, network_boost_cap, intl_network_share, trainer_time_ratio, lang):
    """Capacity work in every active partnership this week (:func:`learning_step`'s first part), in place:
    technical learning of local trainees (returned: who learnt and their raw gains, for the training probe),
    institutional accompaniment and secondments, two-way contextual learning, peer exchange, network growth
    and the time capacity work takes from delivery (``time_off``). Per-organisation sums are added in the
    order of the partnerships (local organisation by organisation), as ``np.bincount`` adds them."""
    n = partner.shape[0]
    u = slot_org.shape[0]
    m = 0
    for o in range(n):
        if partner[o] != NO_PARTNER and active[o]:
            m += 1
    if m == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    local = np.empty(m, np.int64)
    m = 0
    for o in range(n):
        if partner[o] != NO_PARTNER and active[o]:
            local[m] = o
            m += 1
    intl = np.empty(m, np.int64)
    tau = np.empty(m)
    w_tech = np.empty(m)
    w_inst = np.empty(m)
    gap_inst = np.empty(m)  # each partner's institutional gap at the start of the week
    since = np.empty(m, np.int64)
    tau_org = np.zeros(n)
    teacher = np.zeros(n)
    any_two = False
    any_peer = False
    for i in range(m):
        lo = local[i]
        it = partner[lo]
        intl[i] = it
        c = code_of[lo]
        since[i] = step - start_of[lo]  # weeks since the partnership started
        tau[i] = training_now(since[i], cycle, ongoing[c], ongoing_share[c], training_weeks[c], capacity_work[c])
        gap_t = tech_mean[it] - tech_mean[lo]
        gap_i = inst[it] - inst[lo]
        gap_inst[i] = gap_i if gap_i > 0.0 else 0.0
        w_tech[i], w_inst[i] = effort_weights(trains_technical[c], trains_institutional[c], gap_mix[gap_mode[c]],
                                              gap_t if gap_t > 0.0 else 0.0, gap_inst[i])
        tau_org[lo] = tau[i] * w_tech[i] * trust_of[lo]
        teacher[lo] = tech_mean[it]
        any_two = any_two or (two_way[c] and tau[i] > 0)
        any_peer = any_peer or (peer_exchange[c] and tau[i] > 0)

    # Technical learning of local trainees, from their international partner's level (slot by slot). The
    # learners are picked without a branch a slot (as ``sim/staff.py`` ``_refresh``): at the refresh's
    # organisation, n (nobody employed) reads 0.
    learning = np.zeros(n + 1)
    learning[:n] = tau_org
    learners = _trainee_slots(trainee, slot_org, learning)
    gain = np.empty(learners.shape[0])
    for j in range(learners.shape[0]):
        s = learners[j]
        e = employer[s]
        skill = tech_base[s] + tech_gain[s]
        skill = skill if skill < 1.0 else 1.0
        gain[j] = close_gap(skill, teacher[e], learn_rate * tau_org[e])
        tech_gain[s] += transfer_rate * gain[j]

    # Institutional accompaniment (and secondments) of the local organisation.
    for i in range(m):
        lo = local[i]
        c = code_of[lo]
        seconded = secondment_span * float(secondments[c]) / (headcount[lo] + 1.0)
        seconded = seconded if seconded < 1.0 else 1.0
        accompany = (tau[i] * w_inst[i] * (1.0 if trains_institutional[c] else 0.0)
                     + seconded * (1.0 if capacity_work[c] else 0.0))
        inst[lo] += institutional_learn_rate * min(1.0, accompany) * gap_inst[i] * trust_of[lo]

    # Two-way: international counterparts learn contextual capacity from local partners.
    tau_intl = np.zeros(n)
    if any_two:
        wsum = np.zeros(n)
        ctx_teacher = np.zeros(n)
        staff_sum = np.zeros(n)
        trust_sum = np.zeros(n)
        for i in range(m):
            lo = local[i]
            if two_way[code_of[lo]] and tau[i] > 0:
                it = intl[i]
                weight = tau[i] * headcount[lo]
                wsum[it] += weight
                ctx_teacher[it] += weight * ctx_mean[lo]
                staff_sum[it] += headcount[lo]
                trust_sum[it] += weight * trust_of[lo]
        trust_intl = np.zeros(n)
        for o in range(n):
            if wsum[o] > 0:
                ctx_teacher[o] = ctx_teacher[o] / wsum[o]
                tau_intl[o] = wsum[o] / max(1.0, staff_sum[o])
                trust_intl[o] = trust_sum[o] / wsum[o]
            else:
                ctx_teacher[o] = 0.0
        learning = np.zeros(n + 1)
        for o in range(n):
            learning[o] = tau_intl[o] * (1.0 if is_intl[o] else 0.0)
        ctx_learners = _trainee_slots(trainee, slot_org, learning)
        for j in range(ctx_learners.shape[0]):
            s = ctx_learners[j]
            e = employer[s]
            skill = ctx_base[s] + ctx_gain[s]
            skill = skill if skill < 1.0 else 1.0
            ctx_gain[s] += transfer_rate * close_gap(skill, ctx_teacher[e],
                                                     learn_rate * lang * tau_intl[e] * trust_intl[e])

    # Peer exchange: sharing partners pass on institutional learning to their local peers.
    if any_peer and edge_from.shape[0] > 0:
        source = np.zeros(n, np.bool_)
        for i in range(m):
            if peer_exchange[code_of[local[i]]] and tau[i] > 0:
                source[local[i]] = True
        lead_to = np.zeros(n)
        for k in range(edge_from.shape[0]):
            a = edge_from[k]
            if source[a]:
                b = edge_to[k]
                lead = inst[a] - inst[b]
                lead_to[b] += (lead if lead > 0.0 else 0.0) * net[a] * peer_rate
        for o in range(n):
            inst[o] += lead_to[o]

    # Network capacity grows with every partnership doing capacity work.
    local_count = np.zeros(n)
    intl_count = np.zeros(n)
    for i in range(m):
        if capacity_work[code_of[local[i]]]:
            local_count[local[i]] += 1.0
            intl_count[intl[i]] += 1.0
    for o in range(n):
        boost = local_count[o] + intl_count[o] * intl_network_share
        net[o] += network_gain * min(boost, network_boost_cap) * (1.0 - net[o])

    # Time spent on capacity work (and on co-design while it lasts) is not spent on delivery.
    trainees_of = np.zeros(n + 1)  # (n: nobody employed at the refresh)
    for s in range(u):
        trainees_of[slot_org[s]] += 1.0 if trainee[s] else 0.0
    from_intl = np.zeros(n)
    for i in range(m):
        lo = local[i]
        c = code_of[lo]
        co_design = co_design_share[c] * (1.0 if co_design_progress(co_design_weeks[c], since[i]) < 1.0 else 0.0)
        time_off[lo] += (tau[i] + co_design) * trainees_of[lo]
        trainer = tau[i] * trainees_of[lo] * trainer_time_ratio + float(secondments[c])
        # International counterparts co-design alongside the local participants.
        from_intl[intl[i]] += trainer + co_design * trainees_of[lo]
    for o in range(n):
        time_off[o] += from_intl[o]
        if any_two:
            time_off[o] += tau_intl[o] * trainees_of[o] * (1.0 if is_intl[o] else 0.0)
        if time_off[o] > headcount[o]:
            time_off[o] = headcount[o]
    return learners, gain


@kernel
def _network_and_investment(net, inst, is_local, active, cash, flex_income, local_seats, network_gain, network_decay,
                            core_investment_share):
    """Local actors' network capacity grows with their coordination seats and every network decays (in place);
    returns what each organisation invests in its systems this week (at most its cash)."""
    n = net.shape[0]
    invest = np.empty(n)
    for o in range(n):
        net[o] += network_gain * local_seats * (1.0 if is_local[o] else 0.0) * (1.0 - net[o])
        net[o] -= network_decay * net[o]
        want = flex_income[o] * core_investment_share * (1.0 - inst[o])
        invest[o] = (cash[o] if cash[o] <= want else want) * (1.0 if active[o] else 0.0)
    return invest


@kernel
def _institutional_systems(inst, net, invest, hq_support, active, payroll, invest_efficiency, depreciation):
    """Institutional capacity built by investment and headquarters' support (per week of payroll, at most 1),
    then depreciated; institutional and network capacity kept within 0..1 (in place)."""
    for o in range(inst.shape[0]):
        support = invest[o] + hq_support[o] * (1.0 if active[o] else 0.0)
        per_payroll = support / (payroll[o] if payroll[o] > 1.0 else 1.0)
        inst[o] += invest_efficiency * min(1.0, per_payroll) * (1.0 - inst[o])
        inst[o] -= depreciation * inst[o]
        for level in (inst, net):
            if level[o] < 0.0:
                level[o] = 0.0
            if level[o] > 1.0:
                level[o] = 1.0


@kernel
def _fade_and_practice(slot_org, tech_gain, ctx_gain, tech_base, utilisation, decay, protection, learning_by_doing):
    """Applied training fades unless practised (by each employer's utilisation), and practice teaches, slot by
    slot (in place); returns each slot's fading factor (1 where nobody is employed, whose skills stay)."""
    n = utilisation.shape[0]
    u = slot_org.shape[0]
    fade = np.empty(u)
    for s in range(u):  # (branch-free, as sim/staff.py _refresh: an empty slot fades by 1 and learns 0)
        o = slot_org[s]
        employed = o < n
        use = utilisation[o if employed else 0]
        fade[s] = 1.0 - decay * (1.0 - protection * use) if employed else 1.0
        tech_gain[s] *= fade[s]
        ctx_gain[s] *= fade[s]
        tech_base[s] += learning_by_doing * use * (1.0 - tech_base[s]) if employed else 0.0
    return fade


@kernel
def _trainee_slots(trainee, slot_org, learning):
    """The slots of trainees whose organisation (at the refresh; ``learning`` has a 0 for ``n``, nobody) learns
    this week (``learning`` > 0), in slot order, without a branch a slot."""
    u = slot_org.shape[0]
    out = np.empty(u, np.int64)
    k = 0
    for s in range(u):
        out[k] = s
        k += trainee[s] & (learning[slot_org[s]] > 0)
    return out[:k]
