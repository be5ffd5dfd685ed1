"""Organisations: local and national actors and international actors.

Each organisation is a Mesa agent (:class:`Organisation`) with behaviour that runs at
decision points (choosing partners, reviewing where it works). Its numeric state lives in
the struct-of-arrays :class:`OrgTable` owned by the model, one row per organisation, so that
the weekly mechanisms update all organisations at once with numpy. Capacity has four forms:

* technical and contextual capacity are *embodied* in staff (``sim/staff.py``): the mean
  skill of the people employed, so it leaves with them;
* institutional capacity (systems, finance, governance) and network capacity
  (relationships, coordination) belong to the organisation and stay when people leave.
"""

from __future__ import annotations

import mesa
import numpy as np

from .areas import Areas
from .country import CountryData
from .jit import kernel
from .kinds import KIND_PROFILE, NO_PARTNER, OrgKind
from .params import Params
from .partnerships import choose_partners_for

__all__ = ["OrgTable", "Organisation", "capacity_outcomes"]

class OrgTable:
    """Numeric state of all organisations, one row each."""

    def __init__(self, params: Params, areas: Areas, rng: np.random.Generator, country: CountryData | None = None):
        w, g = params.world, params.governance
        counts = [
            (OrgKind.LOCAL_NGO, w.n_local_ngos),
            (OrgKind.COMMUNITY_ORG, w.n_community_orgs),
            (OrgKind.NATIONAL_AUTHORITY, w.n_national_authorities),
            (OrgKind.INGO, w.n_ingos),
            (OrgKind.UN_AGENCY, w.n_un_agencies),
        ]
        self.kind = np.concatenate([np.full(c, int(k), np.int64) for k, c in counts])
        self.names: tuple[str, ...] | None = None  # organisation names (from data; None for the synthetic country)
        if country is not None:
            if not np.array_equal(country.org_kind, self.kind):
                raise ValueError("the world.n_* organisation counts do not match the country data; "
                                 "build parameters with sim.country_params.country_params")
            self.names = country.org_names
        n = self.n = len(self.kind)
        self.is_local = self.kind <= int(OrgKind.NATIONAL_AUTHORITY)
        self.is_intl = ~self.is_local
        prof = [KIND_PROFILE[OrgKind(k)] for k in self.kind]
        self.size_weight = np.array([p["size"] for p in prof]) * rng.lognormal(0.0, 0.5, n)
        inst_mean = np.array([p["inst"] for p in prof]) * np.where(self.is_local, w.local_institutional_capacity, 1.0)
        self.inst = np.clip(inst_mean + rng.normal(0, 0.08, n), 0.02, 0.98)
        self.net = np.clip(np.array([p["net"] for p in prof]) + rng.normal(0, 0.05, n), 0.02, 0.98)
        # Risk tolerance: the kind's, with organisations differing in risk appetite.
        kind_tolerance = np.where(self.is_local, g.local_risk_tolerance, g.intl_risk_tolerance)
        self.risk_tolerance = np.clip(kind_tolerance + g.risk_tolerance_spread * rng.standard_normal(n), 0.0, 1.0)
        # Acceptance an organisation of each kind can expect at the start, before staff are drawn
        # and partners chosen (for the initial presence only; see sim/access.py).
        s = params.staff
        intl_ctx = ((1 - s.expat_share_intl) * s.local_contextual_skill + s.expat_share_intl * s.expat_contextual_skill) \
            * (1 - g.language_barrier * (1 - g.language_investment))
        self.expected_acceptance = np.where(self.is_local, s.local_contextual_skill, intl_ctx)

        # Presence: up to max_presence_areas areas per organisation (-1 = empty slot).
        m = w.max_presence_areas
        self.presence = np.full((n, m), -1, np.int64)
        self.ready_step = np.zeros((n, m), np.int64)
        self.planned = np.zeros((n, m))  # allocation over presence slots fixed at the last funding round
        if country is not None:
            self._from_country(country, m)
        else:
            self._draw_sectors_and_presence(w, areas, rng, prof)

        # Money (USD), set by the model once payroll is known.
        self.cash = np.zeros(n)
        self.income_ema = np.zeros(n)  # weekly income, exponential moving average
        self.grants_ema = np.zeros(n)  # weekly grant income before passing any on, moving average
        self.responsive_share = np.zeros(n)  # moving-average share of income free to follow current needs
        self.committed = np.zeros(n)  # future grant tranches already promised (USD)
        self.flex_income = np.zeros(n)  # flexible income received this week
        self.multi_year_income_share = np.zeros(n)  # share of this week's grant income from multi-year grants
        self.earmark_income_share = np.zeros(n)  # share of this week's grant income earmarked for sharing
        # What funders see (sim/allocation.py): moving averages over staff.income_memory_weeks.
        self.output_ema = np.zeros(n)  # people covered per week
        self.audited_loss_rate = np.zeros(n)  # losses its last audit found over operations since the one before
        #                                        (sim/risk.py; 0 before the first audit)

        # Partnerships, one row per local organisation (an international organisation has many).
        self.partner = np.full(n, NO_PARTNER, np.int64)
        self.p_code = np.zeros(n, np.int64)  # regime code of the partnership's rules
        self.p_start = np.zeros(n, np.int64)
        self.p_end = np.zeros(n, np.int64)
        self.p_earmarked = np.zeros(n, bool)  # partnership run by sharing rules because of earmarked funds
        self.p_trust = np.zeros(n)  # trust between the partners (0..1), built over time (sim/partnerships.py)

        # Weekly work state, written by mechanisms.
        self.time_off = np.zeros(n)  # staff-weeks spent on capacity work this week
        self.assessment_load = np.zeros(n)  # staff-weeks per week owed to funders' due-diligence assessments
        self.compliance_load = np.zeros(n)  # staff-weeks per week spent on intermediaries' compliance (sim/risk.py)
        self.utilisation = np.zeros(n)  # share of staff deployed and funded in delivery
        self.leavers = np.zeros(n)  # staff who left this week
        self.exit_leavers = np.zeros(n)  # staff gone before staff moves this week (let go at an exit, incident
        #                                   victims who do not return), counted as leavers in staff moves
        self.unpaid = np.zeros(n)  # payroll that could not be paid this week (USD)
        self.invest = np.zeros(n)  # USD invested in institutional capacity this week
        self.hq_support = np.zeros(n)  # indirect costs retained by an intermediary's headquarters this week
        self.subgrant_income_share = np.zeros(n)  # share of this week's income that came as a sub-grant
        self.knowledge_weight = np.zeros(n)  # weight of local knowledge in decisions on this organisation's
        #                                      money and staff (sim/governance.py local_knowledge_weight)
        self.active = np.ones(n, bool)  # False once an organisation has exited the country
        # Who leads the organisation (local NGOs and community-based organisations; drawn by sim/inclusion.py).
        self.women_led = np.zeros(n, bool)
        self.marginalised_led = np.zeros(n, bool)  # led by members of the marginalised group

    def _draw_sectors_and_presence(self, w, areas: Areas, rng: np.random.Generator, prof: list[dict]) -> None:
        """The synthetic country: sectors by kind profile; presence near home (local), in every
        area up to the limit (national authorities) or by population within risk tolerance."""
        n, m = self.n, w.max_presence_areas
        # Sectors worked in: weights summing to 1 over the sectors of the organisation.
        s = areas.n_sectors
        self.sector_weight = np.zeros((n, s))
        for o in range(n):
            k = min(s, prof[o]["sectors"])
            chosen = rng.choice(s, k, replace=False)
            self.sector_weight[o, chosen] = rng.dirichlet(np.full(k, 3.0))

        self.home = rng.integers(0, areas.n, n)
        for o in range(n):
            if self.kind[o] == OrgKind.NATIONAL_AUTHORITY:
                chosen = rng.choice(areas.n, min(m, areas.n), replace=False)
            elif self.is_local[o]:
                near = [self.home[o], *areas.neighbours[self.home[o]]]
                chosen = np.asarray(near[: min(w.local_presence_areas, len(near))])
            else:
                risk = areas.access * (1.0 - self.expected_acceptance[o])  # sim/access.py operating_risk
                ok = np.nonzero(risk <= self.risk_tolerance[o])[0]
                pool = ok if len(ok) else np.arange(areas.n)
                weight = areas.population[pool] / areas.population[pool].sum()
                chosen = rng.choice(pool, min(w.intl_presence_areas, len(pool)), replace=False, p=weight)
                self.home[o] = chosen[0]
            self.presence[o, : len(chosen)] = chosen

    def _from_country(self, country: CountryData, m: int) -> None:
        """Sectors and presence from data (the 3W); an organisation's home is its first area."""
        if country.max_presence > m:
            raise ValueError(f"world.max_presence_areas = {m} is below the {country.max_presence} areas one "
                             "organisation of the country data works in")
        self.sector_weight = country.org_sectors.astype(float).copy()
        self.home = np.array([a[0] for a in country.org_areas], np.int64)
        for o, org_areas in enumerate(country.org_areas):
            self.presence[o, : len(org_areas)] = org_areas

    # ------------------------------------------------------------------ presence
    def presence_pairs(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """(organisation, area) pairs operational this step (presence ready and org active)."""
        org, _slot, area = self.presence_slots(step)
        return org, area

    def presence_slots(self, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(organisation, presence slot, area) of the pairs operational this step."""
        return _operational(self.presence, self.ready_step, self.active, step)

    def add_presence(self, org: int, area: int, ready: int) -> bool:
        row = self.presence[org]
        if (row == area).any():
            return False
        free = np.nonzero(row < 0)[0]
        if len(free) == 0:
            return False
        row[free[0]] = area
        self.ready_step[org, free[0]] = ready
        self.planned[org, free[0]] = 0.0  # no earmarked plan covers a newly opened area
        return True

    def add_presences(self, orgs: np.ndarray, areas: np.ndarray, ready: np.ndarray) -> None:
        """:meth:`add_presence` for several organisations at once (each at most once: the same as one by one)."""
        orgs = np.asarray(orgs, np.int64)
        if len(np.unique(orgs)) < len(orgs):  # (the same organisation twice: in order, one by one)
            for o, a, r in zip(orgs, areas, ready):
                self.add_presence(int(o), int(a), int(r))
            return
        rows = self.presence[orgs]
        free = rows < 0
        ok = ~(rows == np.asarray(areas)[:, None]).any(1) & free.any(1)
        o, slot = orgs[ok], np.argmax(free[ok], axis=1)  # the first free slot
        self.presence[o, slot] = np.asarray(areas)[ok]
        self.ready_step[o, slot] = np.asarray(ready)[ok]
        self.planned[o, slot] = 0.0  # no earmarked plan covers a newly opened area

    def drop_presence(self, org: int, area: int) -> None:
        row = self.presence[org]
        row[row == area] = -1


class Organisation(mesa.Agent):
    """A humanitarian organisation; numeric state is in the model's :class:`OrgTable`."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index
        self.kind = OrgKind(int(model.orgs.kind[index]))

    # Read-only views of the organisation's row, for inspection and visualisation.
    @property
    def is_local(self) -> bool:
        return bool(self.model.orgs.is_local[self.index])

    @property
    def cash(self) -> float:
        return float(self.model.orgs.cash[self.index])

    @property
    def institutional_capacity(self) -> float:
        return float(self.model.orgs.inst[self.index])

    @property
    def network_capacity(self) -> float:
        return float(self.model.orgs.net[self.index])

    @property
    def local_knowledge_weight(self) -> float:
        return float(self.model.orgs.knowledge_weight[self.index])

    @property
    def areas(self) -> np.ndarray:
        row = self.model.orgs.presence[self.index]
        return row[row >= 0]

    @property
    def n_staff(self) -> int:
        return int(self.model.staff.headcount[self.index])

    # Behaviour at decision points (the weekly numeric work is vectorised in the mechanisms).
    def choose_partners(self, step: int) -> None:
        """Fill free partner slots with local organisations working nearby."""
        choose_partners_for(self.model, self.index, step)

    def __repr__(self) -> str:
        return f"Organisation({self.index}, {self.kind.name})"


def capacity_outcomes(orgs: OrgTable, staff) -> dict:
    """Local capacity by dimension and international staff's capacity this week (``sim/outcomes.py``)."""
    count, tech, inst, ctx, net, intl_staff, intl_ctx, intl_tech = _capacity_sums(
        staff.headcount, orgs.is_local, orgs.is_intl, orgs.active, staff.tech_mean, orgs.inst, staff.ctx_mean, orgs.net,
        staff.ctx_sum, staff.tech_sum)
    # Means over the staffed active local organisations (0 without any).
    dims = (tech / count, inst / count, ctx / count, net / count) if count else (0.0, 0.0, 0.0, 0.0)
    return {
        # (added in order: the built-in sum() compensates Python floats, not numpy scalars: it would give the
        # compiled kernel and the kernel run as Python different last bits)
        "local_capacity": (dims[0] + dims[1] + dims[2] + dims[3]) / 4.0,
        "local_capacity_technical": float(dims[0]),
        "local_capacity_institutional": float(dims[1]),
        "local_capacity_contextual": float(dims[2]),
        "local_capacity_network": float(dims[3]),
        "intl_contextual_capacity": intl_ctx / intl_staff if intl_staff else 0.0,
        "intl_technical_capacity": intl_tech / intl_staff if intl_staff else 0.0,
    }


@kernel
def _capacity_sums(headcount, is_local, is_intl, active, tech_mean, inst, ctx_mean, net, ctx_sum, tech_sum):
    """:func:`capacity_outcomes`' sums (outcomes only: nothing reads them back, so they run in this order; they
    agree with numpy's to rounding, ``tests/test_golden.py``): the staffed active local organisations, their four
    capacity levels summed; international staff and their summed contextual and technical skills (international
    staff's means are over people, from the staff table's per-organisation sums)."""
    count = tech = inst_ = ctx = net_ = intl_staff = intl_ctx = intl_tech = 0.0
    for o in range(headcount.shape[0]):
        if is_local[o] and active[o] and headcount[o] > 0:
            count += 1.0
            tech += tech_mean[o]
            inst_ += inst[o]
            ctx += ctx_mean[o]
            net_ += net[o]
        if is_intl[o]:
            intl_staff += headcount[o]
            intl_ctx += ctx_sum[o]
            intl_tech += tech_sum[o]
    return count, tech, inst_, ctx, net_, intl_staff, intl_ctx, intl_tech


@kernel
def _operational(presence, ready_step, active, step):
    """:meth:`OrgTable.presence_slots`: (organisation, slot, area) of every presence ready this step of an active
    organisation, organisation by organisation and slot by slot."""
    n, slots = presence.shape
    count = 0
    for o in range(n):
        if active[o]:
            for s in range(slots):
                if presence[o, s] >= 0 and ready_step[o, s] <= step:
                    count += 1
    org = np.empty(count, np.int64)
    slot = np.empty(count, np.int64)
    area = np.empty(count, presence.dtype)
    k = 0
    for o in range(n):
        if active[o]:
            for s in range(slots):
                if presence[o, s] >= 0 and ready_step[o, s] <= step:
                    org[k] = o
                    slot[k] = s
                    area[k] = presence[o, s]
                    k += 1
    return org, slot, area
