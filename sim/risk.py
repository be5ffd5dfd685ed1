"""Risk that happens: security incidents, fiduciary losses found by audits, and who carries them.

Three kinds of risk, each falling on the organisations and staff where the model puts them, and
one funding lever, ``funding.risk_sharing`` (``s``, 0 risk transfer .. 1 full risk sharing), that
decides who carries the consequences. No regime rule touches any of it: risk sharing is a lever
every regime can use, and its four channels each have a pathway switch (``pathways.risk_*``; off:
that channel at the registry default, transfer), so ``analysis/pathways.py`` can measure them.

* **Security incidents** (:meth:`Risk.step`, after delivery). The staff an organisation deploys to
  an area this week (``sim/delivery.py`` ``Delivery.presence``) face major incidents (killings,
  serious injuries, kidnappings: the Aid Worker Security Database's definition) at the rate, per
  person and year, ::

      risk.victim_rate x access difficulty x (1 - acceptance) x (1 - protection) x exposure

  where acceptance is the organisation's own effective contextual capacity (what staff who know
  the place, speak its language and are accepted gain; ``sim/access.py``), protection is
  ``risk.protection_effect`` for staff whose security is funded (international actors fund their
  own; local actors' is funded in the share ``s``), and exposure weighs the organisation's
  expatriates by ``risk.expat_relative_exposure`` against its national staff. An organisation has
  at most one incident a week, in one of its areas drawn in proportion to that rate times the staff
  there. Incidents (``risk.victims_per_incident`` victims on average, at most :data:`MAX_VICTIMS`)
  fall on the staff who are there: national
  staff of local actors, national staff of international actors, or expatriates, drawn in
  proportion to who is present. A share ``risk.victim_exit_share`` of victims do not return.
  Consequences, by organisation: its operations in the area are suspended for
  ``risk.suspension_weeks`` (the presence slot is not operational); under transfer, a local
  partner's intermediary also suspends its sub-grant for those weeks, under sharing the share
  ``s`` of it continues (the intermediary carries that part of the suspension); its staff quit
  more (``risk.incident_quit_rate`` a year for the staff who were there, spread over the
  organisation's staff as a term of the quit hazard in ``sim/turnover.py``) and its risk tolerance
  drops by ``risk.tolerance_drop``, both fading over ``risk.incident_memory_weeks``. A lower
  tolerance makes it leave areas whose operating risk now exceeds it at its next presence review
  (``sim/coordination.py``): retreat.
* **Security costs**: protecting a staff member present in an area of access difficulty ``a``
  costs ``risk.security_cost_share x a`` of their pay a week, paid by international actors for
  their own staff and, for local actors, in the share ``s``: by a local partner's intermediary,
  or from its own (grant) cash for a local actor without one (ledger category "security").
* **Fiduciary losses** happen in delivery (``funding.fiduciary_loss_rate x (1 - institutional
  capacity)`` of operations, ``sim/delivery.py``) and stay hidden until the organisation's next
  audit (every ``risk.audit_interval_weeks``, staggered by organisation in four-weekly waves), which finds
  ``risk.audit_detection`` of them. What funders see of a recipient's losses is the rate its last
  audit found (``OrgTable.audited_loss_rate``, ``sim/allocation.py``). Funders claim back
  ``risk.recovery_share`` of the losses found on grant money (money returned to donors leaves
  the response: ledger ``repaid``); a local actor repays ``1 - s`` of its claim, its intermediary
  the share ``s`` of the part on sub-grants, and donors write off the share ``s`` of the part on
  their own grants. International actors repay their own in full. What a cash-short payer cannot
  pay is written off.
* **Compliance** (:meth:`Risk.compliance_time`): a local partner spends
  ``risk.compliance_time_share`` of its staff time, in proportion to the share of its income that
  is a sub-grant, on its intermediary's compliance; under sharing the share ``s`` of that work is
  done by the intermediary's staff. The compliance money (``funding.compliance_cost``,
  ``sim/funding.py``) moves the same way.
* **Risk tolerance** (``Coordination.risk_tolerance``): sharing raises it by
  ``s x (1 - tolerance) x governance.risk_sharing_tolerance_effect``.

State lives on :class:`Risk` (``model.risk``); the arrays other mechanisms read are
``OrgTable.compliance_load`` (delivery), ``OrgTable.audited_loss_rate`` (funders),
``OrgTable.risk_tolerance`` (coordination), ``Risk.quit_hazard`` (staff moves) and presence
``ready_step`` (suspension). Everything per week is vectorised over organisations and presence
pairs; only the rare weeks with incidents do more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .jit import kernel
from .params import FundingParams, Params

__all__ = ["SharingChannels", "sharing_channels", "Risk", "outcomes", "RISK_CHANNELS"]

RISK_CHANNELS = ("compliance", "losses", "security", "tolerance")
MIN_AUDITED_USD = 1.0  # operations below a dollar since the last audit: no loss rate can be read
MAX_VICTIMS = 20  # most victims of one incident (the geometric draw exceeds it with probability below 1e-6)
AUDIT_WAVE_WEEKS = 4  # audits come in waves this many weeks apart (each organisation still once an interval)
# What is written off is the losses found on grants less what was repaid: two sums of the same money. Their
# difference is exact to about 1e-14 of the losses (rounding); processors whose linear-algebra library adds
# in another order leave another residue (tests/test_determinism.py). A difference below this share of the
# losses is rounding, and nothing is written off (numerical tolerance, not a model parameter).
WRITE_OFF_ROUNDING = 1e-9


@dataclass(frozen=True)
class SharingChannels:
    """The risk-sharing share ``s`` each channel runs with (``funding.risk_sharing``, or its registry
    default where the channel's pathway switch is off)."""

    compliance: float
    losses: float
    security: float
    tolerance: float


TRANSFER = FundingParams.__dataclass_fields__["risk_sharing"].default  # the registry default: risk transfer


def sharing_channels(params: Params) -> SharingChannels:
    """Per channel, the share of risk carried by donors and intermediaries in this run."""
    s = params.funding.risk_sharing
    pw = params.pathways
    return SharingChannels(s if pw.risk_compliance else TRANSFER, s if pw.risk_losses else TRANSFER,
                           s if pw.risk_security else TRANSFER, s if pw.risk_tolerance else TRANSFER)


@dataclass
class RiskWeek:
    """This week's risk events, for the record (counts and USD)."""

    incidents: float = 0.0
    victims_national_local: float = 0.0
    victims_national_intl: float = 0.0
    victims_international: float = 0.0
    security_cost_local: float = 0.0
    security_cost_intl: float = 0.0
    suspended_funding_local: float = 0.0
    suspension_funded_intl: float = 0.0
    losses_found: float = 0.0
    repaid_local: float = 0.0
    repaid_intl: float = 0.0
    written_off: float = 0.0


class Risk:
    """Risk state of a run and its weekly mechanisms (see the module docstring)."""

    def __init__(self, model):
        orgs = model.orgs
        n = orgs.n
        r = model.p.risk
        self.m = model
        self.sharing = sharing_channels(model.p)
        self.suspended_until = np.zeros(orgs.presence.shape, np.int64)  # a presence slot suspended before this step
        self.quit_hazard = np.zeros(n)  # extra yearly quit hazard of each organisation's staff (sim/turnover.py):
        #                                 incidents on its staff, weighted by the share of its staff who were
        #                                 there, fading over incident_memory_weeks
        self.own_tolerance = orgs.risk_tolerance.copy()  # the level an organisation's tolerance recovers to
        self.subgrant_suspended_until = np.zeros(n, np.int64)  # a local partner's sub-grant is suspended before it
        self.hidden_losses = np.zeros(n)  # losses since the last audit (USD)
        self.ops_since_audit = np.zeros(n)  # operations spending since the last audit, losses included (USD)
        interval = r.audit_interval_weeks
        # Each organisation's week in the audit cycle: spread over the interval by index, in waves every
        # AUDIT_WAVE_WEEKS weeks (audits of several organisations at once cost the model one pass).
        spread = (np.arange(n) * interval) // max(n, 1)
        self.audit_week = spread - spread % AUDIT_WAVE_WEEKS
        self.week = RiskWeek()
        self.log: list[tuple[int, int, int, int, int]] = []  # (step, organisation, area, national, international victims)
        self.remembering = False  # some organisation still remembers an incident (memories and tolerance to fade)
        self._fade = np.exp(-1.0 / r.incident_memory_weeks)
        self._own = np.arange(n)
        self._funded = np.where(orgs.is_intl, 1.0, self.sharing.security)  # whose security is funded, how much
        self._base_rate = (r.victim_rate / (model.p.STEPS_PER_YEAR * r.victims_per_incident)
                           * (1.0 - r.protection_effect * self._funded))
        self._cost_share = r.security_cost_share * self._funded
        self._expat_extra = r.expat_relative_exposure - 1.0  # exposure = 1 + (relative exposure - 1) x expat share
        self._recover = 1.0 / r.incident_memory_weeks
        self._local, self._intl = orgs.is_local.astype(float), orgs.is_intl.astype(float)
        self._groups = np.stack([self._local, self._intl])  # sums over local and over international actors at once
        self.compliance_sums = (0.0, 0.0)  # staff-weeks owed to compliance this week by local, international actors
        self._audits = [np.nonzero(self.audit_week == wk)[0] for wk in range(interval)]  # who is audited each week

    # ------------------------------------------------------------------ funding phase
    def subgrant_factor(self, step: int):
        """Per local partner, the share of its sub-grant paid this week: ``s`` (security channel) while it is
        suspended after an incident, 1 otherwise (the scalar 1.0 when no partner is suspended)."""
        if self.subgrant_suspended_until.max() <= step:
            return 1.0
        return np.where(self.subgrant_suspended_until > step, self.sharing.security, 1.0)

    def book_suspended_subgrants(self, step: int, flows, full_pass: np.ndarray, factor) -> None:
        """The suspended sub-grants of this week's money: withheld from local partners and kept paid by
        intermediaries, from the pass fractions before the suspension and the share actually paid.

        Args:
            step: the week.
            flows: this week's ``WeeklyFlows``.
            full_pass: each local partner's pass fraction before suspensions.
            factor: the share of each partner's sub-grant paid this week (:meth:`subgrant_factor`).
        """
        w = self.week
        w.suspended_funding_local = w.suspension_funded_intl = 0.0
        if self.subgrant_suspended_until.max() <= step:
            return
        orgs, f = self.m.orgs, self.m.p.funding
        suspended = np.nonzero((self.subgrant_suspended_until > step) & (full_pass > 0) & (orgs.partner >= 0))[0]
        parent = orgs.partner[suspended]
        full = flows.subgrant_base[parent] * full_pass[suspended] * orgs.is_intl[parent] \
            * (1.0 - f.overhead_rate + f.overhead_rate * f.overhead_passed_on)
        paid = np.broadcast_to(factor, full_pass.shape)[suspended]
        w.suspended_funding_local = float(full @ (1.0 - paid))
        w.suspension_funded_intl = float(full @ paid)

    def compliance_time(self) -> None:
        """Staff-weeks this week owed to intermediaries' compliance (``OrgTable.compliance_load``)."""
        m = self.m
        orgs = m.orgs
        work = m.p.risk.compliance_time_share * m.staff.headcount * orgs.subgrant_income_share * orgs.is_local
        s = self.sharing.compliance
        if s == 0:
            orgs.compliance_load[:] = work
            self.compliance_sums = (float(work @ self._local), 0.0)
            return
        load = work * (1.0 - s)
        if s > 0:
            has = np.nonzero((orgs.partner >= 0) & (work > 0))[0]
            load += np.bincount(orgs.partner[has], work[has] * s, orgs.n)
            alone = (orgs.partner < 0) & (work > 0)  # a sub-grant without an intermediary here (money held fixed)
            load[alone] += work[alone] * s
        orgs.compliance_load[:] = load
        self.compliance_sums = tuple((self._groups @ load).tolist())

    # ------------------------------------------------------------------ the risk phase
    def step(self, step: int, delivery) -> None:
        """Security costs and incidents among this week's staff present, audits, fading memories."""
        m = self.m
        orgs, staff, r = m.orgs, m.staff, m.p.risk
        n = orgs.n
        w = self.week
        w.incidents = w.victims_national_local = w.victims_national_intl = w.victims_international = 0.0
        org, slot, area, present = delivery.presence
        # Security costs of this week's presence (staff present, weighted by the access difficulty of their
        # area), paid by whoever funds the protection: local actors' by their intermediary if they have one.
        exposed, per_org, paid, w.security_cost_local, w.security_cost_intl = _security(
            org, area, present, m.areas.access, m.pay.payroll, staff.headcount, self._cost_share,
            self.sharing.security > 0, orgs.is_local, orgs.is_intl, orgs.partner, orgs.active, orgs.cash)
        m.ledger.spend(orgs, paid, "security")

        # Incidents: one fixed-size draw a week, one uniform per organisation; an incident when it is below
        # 1 - exp(-expected incidents over the organisation's areas), checked exactly only where it is below the
        # expected number itself. The area is drawn among the organisation's in proportion to what it risks there.
        luck = m.streams["security"].random(n)
        expected, below = _expected_incidents(self._base_rate, m.effective_context(), per_org, self._expat_extra,
                                              staff.national_count, staff.headcount, luck)
        if below:
            hit = (luck < expected) & (luck < -np.expm1(-expected))
            if hit.any():
                self._incidents(step, np.nonzero(hit)[0], delivery.presence, exposed)

        # Audits find part of the losses since the last one.
        self.hidden_losses += delivery.lost_by_org
        self.ops_since_audit += delivery.ops_by_org
        due = self._audits[step % r.audit_interval_weeks]
        if len(due):
            self._audit(due)
        else:
            w.losses_found = w.repaid_local = w.repaid_intl = w.written_off = 0.0

        # Memories fade: extra quits, and tolerance back towards the organisation's own level.
        if self.remembering:
            self.quit_hazard *= self._fade
            orgs.risk_tolerance += (self.own_tolerance - orgs.risk_tolerance) * self._recover
            if step % 13 == 0 and self.quit_hazard.max() < 1e-9 and \
                    np.abs(orgs.risk_tolerance - self.own_tolerance).max() < 1e-9:
                self.remembering = False  # forgotten: nothing left to fade
                self.quit_hazard[:] = 0.0
                orgs.risk_tolerance[:] = self.own_tolerance

    def _incidents(self, step: int, hit: np.ndarray, presence: tuple, exposed: np.ndarray) -> None:
        """The incidents of the organisations hit this week: where, who, and the consequences.

        Rare (a few weeks a year): each incident's area and victims are picked one by one.

        Args:
            step: the week.
            hit: the organisations with an incident this week.
            presence: this week's (organisation, slot, area, staff deployed) pairs (``Delivery.presence``).
            exposed: per pair, the staff deployed times the area's access difficulty.
        """
        m = self.m
        orgs, staff, r = m.orgs, m.staff, m.p.risk
        n = orgs.n
        k = len(hit)
        # One draw per incident for its area, one for how many victims, three per possible victim (nationality,
        # who, return).
        draws = m.streams.slot_uniforms("security", step, k * (2 + 3 * MAX_VICTIMS), sub=1)
        pair_org, pair_slot, pair_area, pair_present = presence
        at = np.empty(k, np.int64)
        for i, o in enumerate(hit):  # the pair: in proportion to the staff there times its access difficulty
            mine = np.nonzero(pair_org == o)[0]
            cum = np.cumsum(exposed[mine])
            at[i] = mine[min(int(np.searchsorted(cum, draws[-1 - i] * cum[-1], "right")), len(mine) - 1)]
        org, slot, area, present = pair_org[at], pair_slot[at], pair_area[at], pair_present[at]
        # Victims per incident: 1 + a geometric number with mean victims_per_incident - 1, at most the staff there
        # (and MAX_VICTIMS).
        extra_mean = r.victims_per_incident - 1.0
        extra = (np.floor(np.log(np.maximum(draws[:k], 1e-300)) / np.log(extra_mean / (1.0 + extra_mean)))
                 if extra_mean > 0 else np.zeros(k))
        victims = np.minimum(np.minimum(1 + extra, MAX_VICTIMS).astype(np.int64),
                             np.maximum(1, np.floor(present).astype(np.int64)))
        who = np.repeat(org, victims)
        incident = np.repeat(np.arange(k), victims)
        v = len(who)
        u = draws[k:k + 3 * v].reshape(3, v)
        # National or expatriate, in proportion to who is there (expatriates weighted by their exposure).
        hc = np.maximum(staff.headcount[who], 1)
        expat = (hc - staff.national_count[who]) / hc * r.expat_relative_exposure
        total = 1.0 - (hc - staff.national_count[who]) / hc + expat
        national = u[0] >= np.divide(expat, total, out=np.zeros(v), where=total > 0)
        idx, emp = staff.idx, staff.emp
        nationals = staff.national[idx]
        people, nat, of = [], [], []
        for o, want, x, i in zip(who, national, u[1], incident):
            mine = emp == o
            pool = idx[mine & (nationals == want)]
            if len(pool) == 0:  # nobody of that nationality there: the other
                want = not want
                pool = idx[mine & (nationals == want)]
            if len(pool):
                people.append(pool[min(int(x * len(pool)), len(pool) - 1)])
                nat.append(want)
                of.append(i)
        people, first = np.unique(np.asarray(people, np.int64), return_index=True)
        nat = np.asarray(nat, bool)[first]
        of = np.asarray(of, np.int64)[first]
        national_of = np.bincount(of[nat], minlength=k)
        for i in range(k):  # the incident log (a few rows a year)
            self.log.append((step, int(org[i]), int(area[i]), int(national_of[i]),
                             int((of == i).sum() - national_of[i])))
        local_emp = orgs.is_local[staff.employer[people]]
        w = self.week
        w.incidents = float(k)
        w.victims_national_local = float((nat & local_emp).sum())
        w.victims_national_intl = float((nat & ~local_emp).sum())
        w.victims_international = float((~nat).sum())
        # Those who do not return leave the workforce (counted as leavers in staff moves).
        gone = people[u[2][first] < r.victim_exit_share]
        if len(gone):
            emp_gone = staff.employer[gone]
            staff.leave(gone, np.zeros(len(gone), bool))
            orgs.exit_leavers += np.bincount(emp_gone, minlength=n)
            staff.refresh(n)
        # Consequences for the organisations hit.
        until = step + 1 + r.suspension_weeks
        # (Every value written this week is the same ``until``: repeated indices write the same value.)
        orgs.ready_step[org, slot] = np.maximum(orgs.ready_step[org, slot], until)
        self.suspended_until[org, slot] = until
        partners_hit = org[orgs.is_local[org] & (orgs.partner[org] >= 0)]
        if len(partners_hit):
            self.subgrant_suspended_until[partners_hit] = until
        times = np.bincount(org, minlength=n)
        # The staff who were there remember it: the organisation's extra quit hazard rises by the rate times
        # the share of its staff present in the area (same expected quits, spread over its staff).
        self.quit_hazard += r.incident_quit_rate * np.bincount(org, present, n) / np.maximum(staff.headcount, 1)
        orgs.risk_tolerance *= (1.0 - r.tolerance_drop) ** times
        self.remembering = True

    def _audit(self, due: np.ndarray) -> None:
        """Audits of the organisations due this week: losses found, the rate funders see, repayments."""
        w = self.week
        hidden = self.hidden_losses[due]
        if not hidden.any():  # nobody due this week, or nothing lost since the last audit
            w.losses_found = w.repaid_local = w.repaid_intl = w.written_off = 0.0
            self.ops_since_audit[due] = 0.0
            self.m.orgs.audited_loss_rate[due] = 0.0
            return
        m = self.m
        orgs, r = m.orgs, m.p.risk
        found = r.audit_detection * hidden
        ops = self.ops_since_audit[due]
        orgs.audited_loss_rate[due] = np.where(ops >= MIN_AUDITED_USD, found / np.maximum(ops, MIN_AUDITED_USD), 0.0)
        self.hidden_losses[due] = 0.0
        self.ops_since_audit[due] = 0.0
        flows = m.flows
        income = flows.income[due]
        # The part of the losses on grant money (domestic income is the organisation's own).
        on_grants = found * (1.0 - np.minimum(1.0, flows.domestic_income[due] / np.maximum(income, 1e-300)))
        claim = r.recovery_share * on_grants
        s = self.sharing.losses
        # A local actor repays 1 - s of its claim; its intermediary s of the part on sub-grants; donors write off
        # s of the part on their own grants. International actors repay their own in full.
        local = orgs.is_local[due]
        owed = np.bincount(due, claim * np.where(local, 1.0 - s, 1.0), orgs.n)
        if s > 0:
            parent = orgs.partner[due]
            via = local & (parent >= 0)
            owed += np.bincount(parent[via], claim[via] * orgs.subgrant_income_share[due[via]] * s, orgs.n)
        paid = np.minimum(owed, orgs.cash)
        m.ledger.repay(orgs, paid)
        w.losses_found = float(found.sum())
        w.repaid_local, w.repaid_intl = (self._groups @ paid).tolist()
        on_grant_total = float(on_grants.sum())
        left = on_grant_total - w.repaid_local - w.repaid_intl
        w.written_off = left if left > WRITE_OFF_ROUNDING * on_grant_total else 0.0


def outcomes(risk: Risk, model) -> dict:
    """This week's risk outcomes (``sim/outcomes.py``)."""
    w = risk.week
    orgs = model.orgs
    victims = w.victims_national_local + w.victims_national_intl + w.victims_international
    employed = model.staff.n_employed
    # A slot counts while its suspension runs and it was not re-opened elsewhere since (ready_step unchanged).
    # Mean tolerance as coordination sees it (Coordination.risk_tolerance is linear in OrgTable.risk_tolerance).
    suspended_local, suspended_intl, n_local, n_intl, tol_local, tol_intl = _outcome_sums(
        risk.suspended_until, orgs.ready_step, orgs.presence, orgs.active, orgs.is_local, orgs.is_intl,
        orgs.risk_tolerance, model.steps_done)
    raise_by = risk.sharing.tolerance * model.p.governance.risk_sharing_tolerance_effect
    load_local, load_intl = risk.compliance_sums
    return {
        "new_incidents": w.incidents,
        "new_incident_victims": victims,
        "new_victims_national_local": w.victims_national_local,
        "new_victims_national_intl": w.victims_national_intl,
        "new_victims_international": w.victims_international,
        "aid_worker_victim_rate": victims / employed * model.p.STEPS_PER_YEAR * 1e5 if employed else 0.0,
        "n_suspended_local": suspended_local,
        "n_suspended_intl": suspended_intl,
        "suspended_funding_local": w.suspended_funding_local,
        "suspension_funded_intl": w.suspension_funded_intl,
        "security_cost_local": w.security_cost_local,
        "security_cost_intl": w.security_cost_intl,
        "losses_found": w.losses_found,
        "repaid_local": w.repaid_local,
        "repaid_intl": w.repaid_intl,
        "losses_written_off": w.written_off,
        "compliance_staff_weeks_local": load_local,
        "compliance_staff_weeks_intl": load_intl,
        "risk_tolerance_local": float(raise_by + (1.0 - raise_by) * tol_local / n_local) if n_local else 0.0,
        "risk_tolerance_intl": float(raise_by + (1.0 - raise_by) * tol_intl / n_intl) if n_intl else 0.0,
    }


@kernel
def _outcome_sums(suspended_until, ready_step, presence, active, is_local, is_intl, tolerance, step):
    """:func:`outcomes`' sums over the organisations (outcomes only: nothing reads them back, so they run in this
    order; they agree with numpy's products to rounding, ``tests/test_golden.py``): presence slots suspended now
    (local, international), active organisations (local, international) and their summed risk tolerance."""
    susp_local = susp_intl = n_local = n_intl = tol_local = tol_intl = 0.0
    n, slots = presence.shape
    for o in range(n):
        if not active[o]:
            continue
        k = 0.0
        for s in range(slots):
            if suspended_until[o, s] > step and ready_step[o, s] == suspended_until[o, s] and presence[o, s] >= 0:
                k += 1.0
        if is_local[o]:
            susp_local += k
            n_local += 1.0
            tol_local += tolerance[o]
        if is_intl[o]:
            susp_intl += k
            n_intl += 1.0
            tol_intl += tolerance[o]
    return susp_local, susp_intl, n_local, n_intl, tol_local, tol_intl


@kernel
def _security(org, area, present, access, payroll, headcount, cost_share, shared, is_local, is_intl, partner, active,
              cash):
    """:meth:`Risk.step`'s security costs: per pair its exposure (staff present x access difficulty), per
    organisation the exposure, the costs paid (``cost_share`` of a person's pay per exposed person, at most the
    payer's cash; with ``shared``, a partnered local actor's by its active intermediary), and those paid by local
    and by international actors (outcomes: summed in this order)."""
    n = headcount.shape[0]
    exposed = np.empty(org.shape[0])
    per_org = np.zeros(n)
    for i in range(org.shape[0]):
        exposed[i] = access[area[i]] * present[i]
        per_org[org[i]] += exposed[i]
    cost = np.empty(n)
    for o in range(n):
        pay = payroll[o] / headcount[o] if headcount[o] > 0 else 0.0
        cost[o] = per_org[o] * cost_share[o] * pay
    if shared:
        by_payer = np.zeros(n)
        for o in range(n):
            payer = partner[o] if is_local[o] and partner[o] >= 0 and active[partner[o]] else o
            by_payer[payer] += cost[o]
        cost = by_payer
    paid = np.empty(n)
    local = intl = 0.0
    for o in range(n):
        paid[o] = min(cost[o], cash[o])
        if is_local[o]:
            local += paid[o]
        if is_intl[o]:
            intl += paid[o]
    return exposed, per_org, paid, local, intl


@kernel
def _expected_incidents(base_rate, context, per_org, expat_extra, national_count, headcount, luck):
    """Per organisation, the incidents expected this week (its base rate x (1 - effective contextual capacity) x
    its exposure, more with expatriates: ``1 + expat_extra x`` their share); and whether any draw is below its
    expected number."""
    n = per_org.shape[0]
    expected = np.empty(n)
    below = False
    for o in range(n):
        e = base_rate[o] * (1.0 - context[o]) * per_org[o]
        if expat_extra != 0.0:
            national = national_count[o] / headcount[o] if headcount[o] > 0 else 1.0
            e *= 1.0 + expat_extra * (1.0 - national)
        expected[o] = e
        below = below or luck[o] < e
    return expected, below
