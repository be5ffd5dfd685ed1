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

    def co_design_progress(self, code: np.ndarray, since_start: np.ndarray) -> np.ndarray:
        """Share of the co-design phase completed (1 when there is none or it is over)."""
        weeks = self.co_design_weeks[code]
        out = np.ones(len(weeks))
        phase = weeks > 0
        if phase.any():
            out[phase] = np.minimum(np.maximum(since_start[phase] / weeks[phase], 0.0), 1.0)
        return out


def training_now(rules: RuleTable, code: np.ndarray, since_start: np.ndarray, cycle_weeks: int) -> np.ndarray:
    """Share of full time that participants spend on capacity work this week, per partnership."""
    in_workshop = (since_start % cycle_weeks) < rules.training_weeks[code]
    tau = np.where(rules.ongoing[code], rules.ongoing_share[code], np.where(in_workshop, 1.0, 0.0))
    return tau * rules.capacity_work[code]


_GAP_MIX = np.array([0.0, 0.5, 1.0])  # weight of the partner's actual gaps, by gap_mode code


def _effort_weights(rules: RuleTable, code: np.ndarray, gap_tech: np.ndarray, gap_inst: np.ndarray):
    """Split capacity-work effort between technical and institutional content.

    International actors follow their template (equal effort on each content they offer);
    joint identification follows the partner's actual gaps; an international assessment
    mixes the two half and half.
    """
    tt = rules.trains_technical[code].astype(float)
    ti = rules.trains_institutional[code].astype(float)
    n_content = np.maximum(tt + ti, 1.0)
    template_t, template_i = tt / n_content, ti / n_content
    mix = _GAP_MIX[rules.gap_mode[code]]
    if not mix.any():  # templates only: (1 - 0) x template + 0 x joint is the template
        return template_t, template_i
    gt, gi = gap_tech * tt, gap_inst * ti
    total = gt + gi
    safe = np.where(total > 0, total, 1.0)
    joint_t = np.where(total > 0, gt / safe, template_t)
    joint_i = np.where(total > 0, gi / safe, template_i)
    return (1 - mix) * template_t + mix * joint_t, (1 - mix) * template_i + mix * joint_i


def learning_step(model, step: int) -> None:
    """Capacity work in all active partnerships this week, then fading and learning by doing."""
    p, lp = model.p, model.p.learning
    orgs, staff, rules = model.orgs, model.staff, model.rules
    cycle = p.funding.short_grant_weeks
    n = orgs.n
    orgs.time_off[:] = 0.0
    local = np.nonzero((orgs.partner != NO_PARTNER) & orgs.active)[0]
    if len(local):
        intl = orgs.partner[local]
        code = orgs.p_code[local]
        since = step - orgs.p_start[local]  # weeks since each partnership started
        tau = training_now(rules, code, since, cycle)
        trust = orgs.p_trust[local]  # share of the capacity work that takes hold
        hc = staff.headcount
        gap_tech = np.maximum(0.0, staff.tech_mean[intl] - staff.tech_mean[local])
        gap_inst = np.maximum(0.0, orgs.inst[intl] - orgs.inst[local])
        w_tech, w_inst = _effort_weights(rules, code, gap_tech, gap_inst)
        lang = 1.0 - p.governance.language_barrier * (1.0 - p.governance.language_investment)

        # Technical learning of local trainees, from their international partner's level.
        tau_org = np.zeros(n)
        tau_org[local] = tau * w_tech * trust
        teacher = np.zeros(n)
        teacher[local] = staff.tech_mean[intl]
        # Per staff slot (nobody's trainee status changes below; nobody is a trainee in an empty slot).
        u = staff.n_slots
        in_training = staff.trainee[:u]
        learners = (in_training & (staff.per_slot(tau_org, 0.0) > 0)).nonzero()[0]
        if len(learners):
            e = staff.employer[learners]
            gain = close_gap(staff.tech_of(learners), teacher[e], lp.learn_rate * tau_org[e])
            staff.tech_gain[learners] += lp.transfer_rate * gain
            model.training_probe.taught(step, learners, gain, lp.transfer_rate * gain)

        # Institutional accompaniment (and secondments) of the local organisation.
        sec = rules.secondments[code].astype(float)
        # Accompaniment takes the institutional share of the capacity-work time; seconded staff
        # accompany organisational development full-time, each for ``secondment_span`` local staff.
        seconded = np.minimum(1.0, lp.secondment_span * sec / (hc[local] + 1.0))
        accompany = tau * w_inst * rules.trains_institutional[code] + seconded * rules.capacity_work[code]
        d_inst = lp.institutional_learn_rate * np.minimum(1.0, accompany) * gap_inst * trust
        orgs.inst[local] += d_inst

        # Two-way: international counterparts learn contextual capacity from local partners.
        two = rules.two_way[code] & (tau > 0)
        if two.any():
            ctx_teacher = np.zeros(n)
            tau_intl = np.zeros(n)
            wsum = np.bincount(intl[two], tau[two] * hc[local[two]], n)
            ctx_teacher += np.bincount(intl[two], tau[two] * hc[local[two]] * staff.ctx_mean[local[two]], n)
            ctx_teacher = np.divide(ctx_teacher, wsum, out=np.zeros(n), where=wsum > 0)
            tau_intl = np.divide(wsum, np.maximum(1.0, np.bincount(intl[two], hc[local[two]], n)),
                                 out=np.zeros(n), where=wsum > 0)
            # What takes hold scales with each partnership's trust (weighted like the time above).
            trust_intl = np.divide(np.bincount(intl[two], tau[two] * hc[local[two]] * trust[two], n), wsum,
                                   out=np.zeros(n), where=wsum > 0)
            learners = (in_training & (staff.per_slot(tau_intl * orgs.is_intl, 0.0) > 0)).nonzero()[0]
            if len(learners):
                e = staff.employer[learners]
                gain = close_gap(staff.ctx_of(learners), ctx_teacher[e],
                                 lp.learn_rate * lang * tau_intl[e] * trust_intl[e])
                staff.ctx_gain[learners] += lp.transfer_rate * gain

        # Peer exchange: sharing partners pass on institutional learning to their local peers.
        peer = rules.peer_exchange[code] & (tau > 0)
        if peer.any() and len(model.peer_edges):
            src_flag = np.zeros(n, bool)
            src_flag[local[peer]] = True
            u, v = model.peer_edges
            sel = src_flag[u]
            u, v = u[sel], v[sel]
            lead = np.maximum(0.0, orgs.inst[u] - orgs.inst[v]) * orgs.net[u] * lp.peer_rate
            orgs.inst += np.bincount(v, lead, n)

        # Network capacity grows with every partnership doing capacity work.
        working = rules.capacity_work[code]
        boost = (np.bincount(local[working], minlength=n).astype(float)
                 + np.bincount(intl[working], minlength=n) * lp.intl_network_share)
        orgs.net += lp.network_gain * np.minimum(boost, lp.network_boost_cap) * (1.0 - orgs.net)

        # Time spent on capacity work (and on co-design while it lasts) is not spent on delivery.
        trainees_per_org = np.bincount(staff.slot_org, in_training, n + 1)[:n]
        co_design = rules.co_design_share[code] * (rules.co_design_progress(code, since) < 1.0)
        orgs.time_off[local] += (tau + co_design) * trainees_per_org[local]
        trainer = tau * trainees_per_org[local] * lp.trainer_time_ratio + sec
        # International counterparts co-design alongside the local participants.
        orgs.time_off += np.bincount(intl, trainer + co_design * trainees_per_org[local], n)
        if two.any():
            orgs.time_off += tau_intl * trainees_per_org * orgs.is_intl
        np.minimum(orgs.time_off, hc, out=orgs.time_off)

    # Coordination seats (the national authority's adoption included) build local network capacity;
    # everything decays slowly.
    orgs.net += lp.network_gain * model.adoption.local_seats() * orgs.is_local * (1.0 - orgs.net)
    orgs.net -= lp.network_decay * orgs.net

    # Core investment of flexible income builds institutional capacity (organisations invest
    # less as their systems mature); an intermediary's systems are also maintained by the
    # indirect costs its headquarters retains. Systems depreciate.
    payroll = np.maximum(model.pay.payroll, 1.0)
    invest = np.minimum(orgs.cash, orgs.flex_income * lp.core_investment_share * (1.0 - orgs.inst)) * orgs.active
    model.ledger.spend(orgs, invest, "investment")
    orgs.invest = invest
    support = invest + orgs.hq_support * orgs.active
    orgs.inst += lp.invest_efficiency * np.minimum(1.0, support / payroll) * (1.0 - orgs.inst)
    orgs.inst -= lp.institutional_depreciation * orgs.inst
    for level in (orgs.inst, orgs.net):  # kept within 0..1 (in place)
        np.minimum(np.maximum(level, 0.0, out=level), 1.0, out=level)

    # Applied training fades unless practised; practice also teaches (learning by doing).
    # Over every slot at once: where nobody is employed the factor is 1 and the practice 0, which
    # leave the slot's skills exactly as they are.
    u = staff.n_slots
    practice = staff.per_slot(orgs.utilisation, 0.0)
    fade = staff.per_slot(1.0 - lp.unpractised_decay * (1.0 - lp.practice_protection * orgs.utilisation), 1.0)
    staff.tech_gain[:u] *= fade
    staff.ctx_gain[:u] *= fade
    model.training_probe.fade(fade)
    tech_base = staff.tech_base[:u]
    tech_base += lp.learning_by_doing * practice * (1.0 - tech_base)
