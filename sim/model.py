"""The capacity model: a Mesa model of a humanitarian response in one country.

One step is one week. Each step runs these phases, in this order (``CapacityModel.step``):

1. **shocks** - scheduled rapid-onset shocks and protracted crises start (or end) in areas;
2. **needs** - shock-driven need recovers towards the chronic level, totals are updated;
3. **funding** - exit if due; donor rounds and the pooled fund's allocation rounds, emergency
   releases and local mutual aid after new shocks; grant tranches are paid, intermediaries pass
   funds on (UN agencies to international NGOs, intermediaries to local partners) and keep
   overheads (or, with money held fixed, another run's week of money is booked); pay is set;
4. **partnerships and learning** - partnerships are renewed or end and are matched; intermediaries
   that convene link their partners in the peer network; trust
   grows; capacity work by each partnership's regime rules; core investment; skills fade
   unless practised;
5. **delivery** - salaries are paid; staff cover needs in the areas organisations work in;
   then communities: local actors spend on preparedness if they choose to, and each area's
   community response capacity learns from those working there, erodes and is displaced
   (``sim/communities.py``); at funding rounds the national authority adopts the preparedness
   systems built where it works, and gains a role in coordination (``sim/adoption.py``);
6. **risk** - security costs and incidents among the staff present this week, with their
   consequences (victims, suspension, fear, lower risk tolerance); audits find part of the
   losses since the last audit and funders claim them back (``sim/risk.py``);
7. **staff moves** - quits, layoffs, poaching (brain drain) and hiring;
8. **coordination** - at presence reviews, organisations open areas where visible unmet
   need is highest, or retreat;
9. **record** - every registered outcome for the week.

Organisations and donors are Mesa agents; staff and area-by-sector needs are numpy arrays
(see ``sim/staff.py``, ``sim/areas.py``). The model takes a validated :class:`~sim.params.Params`
and nothing from the configuration system; optionally a :class:`~sim.country.CountryData`
(a real country's areas, organisations and staff from data), which then replaces the
synthetic country's draws, and optionally a *money source*: another model stepped in lockstep
whose weekly money this one books instead of its own (``pathways.money_response`` off: the
constructor builds it).
"""

from __future__ import annotations

import dataclasses

import mesa
from mesa.agentset import AgentSet
import numpy as np

from . import (adoption, communities, convening, delivery, funding, governance, inclusion, localisation, partnerships,
               priorities, risk, turnover)
from .access import access_factor
from .adoption import Adoption
from .areas import Areas
from .communities import Communities
from .inclusion import Inclusion
from .priorities import Priorities
from .country import CountryData, start_partnerships
from .coordination import Coordination, presence_outcomes
from .crises import ResponseTracker, ShockSchedule
from .delivery import deliver, pay_salaries
from .allocation import allocation_weights
from .donors import Donor, assessment_load
from .funding import GrantBook, Ledger, book_flows, disburse
from .governance import partnership_decision_weight, subgrant_flexibility
from .networks import watts_strogatz_edges
from .organisations import Organisation, OrgTable, capacity_outcomes
from .params import Params
from .pooled_fund import PooledFund
from .kinds import OrgKind
from .partnerships import end_partnerships, grow_trust, match_partners, pass_fractions, select_participants
from .probes import TrainingProbe
from .record import Recorder
from .regimes import REGIME_CODE, RuleTable, effective_params, learning_step
from .risk import Risk
from .rng import Streams
from .staff import StaffTable
from .turnover import Pay, exit_international, set_pay, staff_moves

__all__ = ["CapacityModel", "warm_kernels"]


class CapacityModel(mesa.Model):
    """Local, national and international actors building, strengthening or sharing capacity."""

    def __init__(self, params: Params, country: CountryData | None = None,
                 money_source: "CapacityModel | None" = None):
        """Args:
            params: validated parameters; with ``country``, their world sizes must match it
                (``sim.country_params.country_params`` builds them). Pathway switches that are off
                are folded into the parameters the model runs with (``sim/regimes.py``
                ``effective_params``; ``self.p``).
            country: areas, organisations and staff from data; None for the synthetic country.
            money_source: a model of the same country and seed, stepped just before this one each
                week, whose week of money (``WeeklyFlows``) this model books instead of its own.
                When ``params.pathways.money_response`` is off and none is given, it is built here:
                the same run with only its money levers (every other pathway switch off).
        """
        super().__init__(rng=params.seed)
        self.params = params
        if money_source is None and not params.pathways.money_response:
            source = params.replace(pathways=dataclasses.replace(
                params.pathways, capacity_work=False, decisions=False, continuity=False, money_response=True))
            money_source = CapacityModel(source, country)
        self.p = params = effective_params(params)
        self.money_source = money_source
        self.country = country
        if country is not None:
            country.check_params(params)
        self.streams = Streams(params.seed)
        self.steps_done = 0  # index of the step being run (0-based)
        self.n_steps = params.n_steps

        self.areas = Areas(params, self.streams["world"], country)
        self.orgs = OrgTable(params, self.areas, self.streams["organisations"], country)
        # Who leads local organisations and the marginalised group in each area (sim/inclusion.py).
        self.inclusion = Inclusion(params, self.orgs, self.areas, self.streams["inclusion"])
        headcount = None if country is None else country.initial_headcount()
        self.staff = StaffTable(params, self.orgs, self.streams["staff_init"], headcount)
        self._effective_context = None  # (staff.ctx_mean, params, result) of effective_context
        self.training_probe = TrainingProbe(self.staff)  # measures only; see sim/probes.py
        self.rules = RuleTable.from_params(params, params.funding.short_grant_weeks, self.params.regimes.sharing)
        self.default_code = REGIME_CODE[params.regime]
        self.peer_edges = self._peer_network()
        self.shocks = ShockSchedule.draw(params, self.areas, self.streams)
        self.tracker = ResponseTracker(self.shocks, self.areas, params)
        self.communities = Communities(params, self.areas, self.streams["communities"], self.shocks.area)
        self.tracker.harm_factor = self.communities.harm_factor  # preparedness spares people (sim/communities.py)
        self.adoption = Adoption(params, self.areas)  # what the national authority adopts (sim/adoption.py)
        self.new_shocks = np.zeros(0, np.int64)
        self.grants = GrantBook()
        self.ledger = Ledger()
        self.coordination = Coordination(self)
        self.priorities = Priorities(params, self.areas, self.orgs.n, self.streams["priorities"])
        self.risk = Risk(self)
        self.exited = False
        ey = params.funding.exit_year
        self.exit_step = None if ey is None else int(round(ey * params.STEPS_PER_YEAR))

        self.org_agents = AgentSet([Organisation(self, i) for i in range(self.orgs.n)], random=self.random)
        self.intl_agents = self.org_agents.select(lambda a: not a.is_local)
        # The donors are fixed for the run and iterated several times a week: a tuple (Mesa's registry holds them
        # too, ``agents_by_type[Donor]``; iterating an AgentSet, through its weak references, cost ~3 us a pass).
        self.donors = tuple(Donor(self, i) for i in range(params.funding.n_donors))
        self.pool = PooledFund(self)
        self.ingo_share = np.zeros(self.orgs.n)  # each international NGO's share of what UN agencies pass on
        # With country data naming international NGOs as UN agencies' implementers: the size of the 3W rows passed
        # to each; they receive the UN agencies' first level for the whole run, split by it (docs/data.md).
        # None: every active international NGO by the funders' allocation weights.
        size = None if country is None else country.un_ingo_size
        self.un_partner_size = None if size is None or not size.any() else size.astype(float)
        self.local_view = np.zeros(self.orgs.n)  # funders' allocation weights of local actors (intermediaries' split)

        self.pay = Pay.zeros(self.orgs.n)  # this week's pay (sim/turnover.py), set in the funding phase
        self.flows = None  # this week's money (sim/funding.py WeeklyFlows), set in the funding phase
        self.decision_weight = np.zeros(self.orgs.n)  # local partners' weight in partnership decisions
        set_pay(self)
        self.orgs.cash[:] = params.staff.initial_reserve_weeks * self.pay.payroll
        # Warm start: the pooled fund holds one round of contributions, as it would mid-response.
        pf = params.pooled_fund
        self.ledger.pool_held = self.pool.weekly_contribution() * (1 - pf.management_share) * pf.round_interval_weeks
        self.ledger.initial_cash = float(self.orgs.cash.sum()) + self.ledger.pool_held
        if country is not None and country.initial_partner is not None:
            start_partnerships(self, country.initial_partner)  # partnerships the 3W's role columns give
        match_partners(self, 0)
        self.funding_rounds(first=True)
        self.recorder = Recorder(self.n_steps, self.areas.n, params.STEPS_PER_YEAR)
        self._spent_before = 0.0

    def _peer_network(self) -> tuple[np.ndarray, np.ndarray]:
        """Directed edge arrays of the local peer network (Watts-Strogatz small world)."""
        w = self.p.world
        local = np.nonzero(self.orgs.is_local)[0]
        k = min(w.peer_network_degree, len(local) - 1)
        if len(local) < 3 or k < 2:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        seed = int(self.streams["peer_network"].integers(2**31))
        e = watts_strogatz_edges(len(local), k, w.peer_network_rewiring, seed)
        u = local[np.concatenate([e[:, 0], e[:, 1]])]
        v = local[np.concatenate([e[:, 1], e[:, 0]])]
        return u, v

    # ------------------------------------------------------------------ derived views
    def effectiveness_base(self) -> np.ndarray:
        """Technical skill x institutional systems factor, per organisation."""
        w = self.p.staff.institutional_weight
        return self.staff.tech_mean * (1.0 - w + w * self.orgs.inst)

    def effective_context(self) -> np.ndarray:
        """Contextual capacity per organisation, after language barriers for internationals (read only).

        Kept until the staff table's contextual means change (``StaffTable.refresh`` makes a new array)
        or the parameters are replaced: several mechanisms read it each week."""
        ctx_mean, p = self.staff.ctx_mean, self.p
        kept = self._effective_context
        if kept is not None and kept[0] is ctx_mean and kept[1] is p:
            return kept[2]
        g = p.governance
        barrier = g.language_barrier * (1.0 - g.language_investment)
        out = ctx_mean * np.where(self.orgs.is_intl, 1.0 - barrier, 1.0)
        out.flags.writeable = False
        self._effective_context = (ctx_mean, p, out)  # (holding ctx_mean keeps its identity unique)
        return out

    CAPACITY_DIMENSIONS = ("technical", "institutional", "contextual", "network")

    def capacity_present(self) -> dict[str, np.ndarray]:
        """Capacity present in each area and sector, local versus international (read-only).

        Each active organisation's staff are spread over the areas where it is operational as
        coordination would allocate them this week, and over its sectors by its sector
        weights. Staff on capacity work are counted (this is capacity present, not deployed).
        Returns arrays of shape (n_areas, n_sectors, 2), index 0 local and national actors,
        1 international actors:

        * ``staff``: staff present (people);
        * ``reach``: people whose needs those staff could cover in a week with full funding
          (``staff.productivity`` x effectiveness, access and language included);
        * ``technical``, ``institutional``, ``contextual``, ``network``: staff-weighted mean
          capacity index (0..1) of the organisations present (NaN where no staff);

        plus ``need`` (n_areas, n_sectors): people in need this week.
        """
        orgs, staff, areas = self.orgs, self.staff, self.areas
        n_a, n_s = areas.n, areas.n_sectors
        org, area = orgs.presence_pairs(self.steps_done)
        people = staff.headcount[org] * self.coordination.allocation(org, area)
        eff = self.effectiveness_base()[org] * access_factor(areas.access[area], self.effective_context()[org])
        cells = (area[:, None] * n_s + np.arange(n_s)) * 2 + orgs.is_intl[org][:, None]
        in_cell = people[:, None] * orgs.sector_weight[org]  # (pairs, sectors) staff
        size = n_a * n_s * 2

        def total(weights: np.ndarray) -> np.ndarray:
            return np.bincount(cells.ravel(), weights.ravel(), size).reshape(n_a, n_s, 2)

        out = {"need": areas.need.copy(), "staff": total(in_cell)}
        out["reach"] = total(in_cell * (self.p.staff.productivity * eff)[:, None])
        levels = (staff.tech_mean, orgs.inst, staff.ctx_mean, orgs.net)
        for name, level in zip(self.CAPACITY_DIMENSIONS, levels):
            weighted = total(in_cell * level[org][:, None])
            out[name] = np.divide(weighted, out["staff"], out=np.full_like(weighted, np.nan), where=out["staff"] > 0)
        return out

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        t = self.steps_done
        if self.money_source is not None:
            self.money_source.step()  # its week of money is booked in this model's funding phase
        new_shocks = self.new_shocks = self.tracker.apply(t)  # 1. shocks
        self.areas.recover()  # 2. needs
        self.areas.update_need()
        self.funding_phase(t, new_shocks)  # 3. funding
        self.learning_phase(t)  # 4. partnerships and learning
        delivery = self.delivery_phase(t)  # 5. delivery
        self.community_phase(delivery)  # 5b. communities and first responders
        self.risk.step(t, delivery)  # 6. risk
        moves = staff_moves(self, t)  # 7. staff moves
        self.coordination_phase(t)  # 8. coordination
        self.record(t, delivery, moves)  # 9. record
        self.steps_done += 1
        if self.steps_done >= self.n_steps:
            self.running = False

    def funding_phase(self, t: int, new_shocks: np.ndarray) -> None:
        f = self.p.funding
        if self.exit_step is not None and t >= self.exit_step and not self.exited:
            exit_international(self, t)
            self.exited = True
        for d in self.donors:
            d.accrue_emergency()
        if t > 0 and t % f.round_interval_weeks == 0:
            self.grants.prune(t)
            self.funding_rounds()
        elif t > 0 and t % self.p.pooled_fund.round_interval_weeks == 0:
            self.pool.allocation_round()
        for i in new_shocks:
            area = int(self.shocks.area[i])
            for d in self.donors:
                d.release_emergency(area)
            self.coordination.mutual_aid(area, t)
        self.decision_weight = partnership_decision_weight(self)
        if self.money_source is None:
            full_pass, paid = pass_fractions(self), self.risk.subgrant_factor(t)
            self.flows = disburse(self.p, t, self.grants, self.orgs, full_pass * paid,
                                  subgrant_flexibility(self, self.decision_weight), self.ingo_share,
                                  self.pool.index, self.pool.weekly_contribution(), self.risk.sharing.compliance)
            self.risk.book_suspended_subgrants(t, self.flows, full_pass, paid)
        else:
            self.flows = self.money_source.flows  # money held fixed: the source's week, booked here
            self.risk.week.suspended_funding_local = self.money_source.risk.week.suspended_funding_local
            self.risk.week.suspension_funded_intl = self.money_source.risk.week.suspension_funded_intl
        book_flows(self.flows, self.orgs, self.ledger,
                   None if self.money_source is None else subgrant_flexibility(self, self.decision_weight))
        self.risk.compliance_time()
        income = self.flows.income
        responsive = np.divide(self.flows.responsive, income, out=np.zeros(self.orgs.n), where=income > 0)
        self._moving_averages(t, (self.orgs.income_ema, income), (self.orgs.grants_ema, self.flows.grants_received),
                              (self.orgs.responsive_share, responsive))
        if t % self.p.funding.round_interval_weeks == 0:
            self.coordination.plan_allocation(t)
        set_pay(self)

    def funding_rounds(self, first: bool = False) -> None:
        """Donors' rounds, then the pooled fund's; the split of what UN agencies pass to international NGOs
        (the NGOs the country's 3W names as their implementers, by the size of those rows; else every
        active NGO by the funders' allocation weights) and the year's due-diligence assessments are set
        with them."""
        orgs = self.orgs
        ingo = orgs.active & (orgs.kind == int(OrgKind.INGO))
        named = None if self.un_partner_size is None else self.un_partner_size * ingo
        w = named if named is not None and named.sum() > 0 else allocation_weights(self, ingo)
        self.ingo_share = w / w.sum() if w.sum() > 0 else w
        self.local_view = allocation_weights(self, orgs.is_local & orgs.active)
        for d in self.donors:
            d.funding_round(first=first)
        if first or self.steps_done % self.p.pooled_fund.round_interval_weeks == 0:
            self.pool.allocation_round(first=first)
        orgs.assessment_load[:] = assessment_load(self)

    def learning_phase(self, t: int) -> None:
        ended = end_partnerships(self, t)
        if ended or t % self.p.funding.round_interval_weeks == 0:
            match_partners(self, t)
        convening.convene(self, t)  # intermediaries link their partners in the peer network (sim/convening.py)
        select_participants(self, t)  # periodic re-selection of participants (twice a year)
        grow_trust(self)
        learning_step(self, t)

    def delivery_phase(self, t: int):
        pay_salaries(self)
        d = deliver(self, t)
        orgs = self.orgs
        self._moving_averages(t, (orgs.output_ema, d.people_by_org))
        return d

    def community_phase(self, d) -> None:
        """Preparedness spending, then community capacity learns, erodes and is displaced (``sim/communities.py``);
        at funding rounds the national authority adopts preparedness systems where it works (``sim/adoption.py``)."""
        self.communities.prepare(self)
        self.communities.step(self, d.out_local, d.out_intl)
        self.adoption.step(self, self.steps_done)  # at funding rounds: the national authority adopts (sim/adoption.py)

    def _moving_averages(self, t: int, *pairs: tuple[np.ndarray, np.ndarray]) -> None:
        """Update each (moving average, this week's value) over ``staff.income_memory_weeks``, in place;
        the first week sets them."""
        memory = self.p.staff.income_memory_weeks
        for ema, value in pairs:
            if t == 0:
                ema[:] = value
            else:
                ema += (value - ema) / memory

    def coordination_phase(self, t: int) -> None:
        if t > 0 and t % self.p.governance.expansion_interval_weeks == 0:
            self.coordination.review(t)

    # ------------------------------------------------------------------ recording
    def record(self, t: int, d, moves: dict) -> None:
        """Response measures and the training probe, then every registered outcome, each computed by the
        module of its mechanism (``sim/outcomes.py`` registers them; the recorder checks the keys)."""
        orgs, staff, areas = self.orgs, self.staff, self.areas
        self.tracker.first_hours(self.new_shocks, d.out_local, d.out_intl)
        self.communities.first_hours(self.new_shocks, self.tracker.people_hit, d.out_local, d.out_intl)
        self.tracker.track(t, d.covered_by_area)
        self.training_probe.observe(t)
        spent_total = self.ledger.total_spent
        spending = spent_total - self._spent_before
        self._spent_before = spent_total
        values = {
            **delivery.outcomes(d, areas),
            **capacity_outcomes(orgs, staff),
            **funding.outcomes(self.flows, spending, d.people_covered, float(orgs.cash.sum()), self.ledger.pool_held,
                               float(orgs.assessment_load[orgs.is_local].sum())),
            **governance.outcomes(self.p, self.flows, orgs, self.decision_weight, self.adoption.local_seats()),
            **turnover.outcomes(moves, self.pay, orgs, staff, self.p.STEPS_PER_YEAR),
            **partnerships.outcomes(orgs, self.rules),
            **presence_outcomes(orgs, areas),
            **communities.outcomes(self.communities, areas),
            **convening.outcomes(self),
            **adoption.outcomes(self.adoption, self.communities),
            **priorities.outcomes(self.priorities, d.covered_cells, d.people_by_org),
            **risk.outcomes(self.risk, self),
            **inclusion.outcomes(self, d, moves),
        }
        values.update(localisation.outcomes(self, values, d))
        self.recorder.record(t, values, d.area_coverage, areas.need_by_area, d.covered_by_area)


def warm_kernels(weeks: int = 10) -> bool:
    """Compile the mechanisms' kernels (``sim/jit.py``) into their cache once, before anything else runs
    (``bootstrap.sh``), so that parallel workers load them instead of each compiling them (about 30 s here).
    Does nothing when they are cached already. Returns whether it compiled.

    Args:
        weeks: how long a default model runs to call every kernel.
    """
    from .jit import compiled

    if compiled():
        return False
    model = CapacityModel(Params.from_dict({"years": 1.0}))
    for _ in range(weeks):
        model.step()
    return True
