"""Donors: Mesa agents that hold budgets and apply funding rules at funding rounds.

Every week each donor contributes ``pooled_fund.share`` of its budget to the country-based pooled
fund (``sim/pooled_fund.py``). At each round (every ``funding.round_interval_weeks``) it tops up
three windows of its own grants to their target weekly rates:

1. the **sharing earmark** (multi-year, flexible): only to international organisations,
   which then run as many of their partnerships by the capacity-sharing rules as the
   earmark pays for (``sim/partnerships.py`` ``apply_sharing_earmark``);
2. **multi-year grants** (``multi_year_share`` of the rest);
3. **project grants** (the remainder, ``short_grant_weeks`` long), net of project grants
   still running; grants shorter than the round interval are paid at a higher weekly rate
   over their shorter life (bursts with gaps), so that a year's payments match the budget.

Within windows 2 and 3 a donor funds the international intermediaries and the local actors that
pass **its own** due diligence (institutional capacity at or above its bar: the
``funding.due_diligence_threshold`` shifted by ``funding.due_diligence_spread`` from donor to
donor), splitting the money by the funders' allocation weights (``sim/allocation.py``: need,
size, assessed capacity, output per dollar, losses - never regime). Local actors get:

* their allocation-weight share of the window when it comes to at least
  ``funding.min_direct_grant`` a year (the smallest direct grant a donor will manage): local NGOs
  and community organisations only, national authorities being funded through the floor and
  their domestic budget; and
* at least ``funding.direct_local_share`` of the window in all (the **floor**), split among all
  local actors that pass its due diligence.

So as local organisations grow in capacity, output and size, they cross into direct funding
beyond the floor (the EMPOWER pathway of the IASC paper). What finds no eligible local
recipient goes through intermediaries. Each donor assesses every local actor that passes its
bar once a year, costing it ``funding.due_diligence_staff_weeks`` of staff time
(:func:`assessment_load`). A share of the budget is held back as an emergency reserve and
released after rapid-onset shocks to organisations in or near the hit area. After an exit only
``post_exit_direct_share`` of the budget continues, as direct grants to eligible local actors;
emergency releases then go wholly to eligible local responders.
"""

from __future__ import annotations

import mesa
import numpy as np

from .allocation import allocation_weights
from .kinds import OrgKind

__all__ = ["Donor", "assessment_load"]


def assessment_load(model) -> np.ndarray:
    """Staff-weeks per week each organisation owes to funders' due-diligence assessments.

    Every funder (each donor, and the pooled fund while it receives or holds money) assesses each
    active local actor that passes its bar once a year, at ``funding.due_diligence_staff_weeks``;
    a ``funding.shared_due_diligence`` share of the assessments beyond the first are replaced by
    the shared one.
    """
    m = model
    f = m.p.funding
    orgs = m.orgs
    local = orgs.is_local & orgs.active
    count = np.zeros(orgs.n)
    for d in m.donors:
        count += local & (orgs.inst >= d.due_diligence_bar)
    if m.p.pooled_fund.share > 0:
        count += local & (orgs.inst >= m.p.pooled_fund.eligibility_threshold)
    shared = f.shared_due_diligence
    assessments = count * (1 - shared) + np.minimum(count, 1.0) * shared
    return assessments * f.due_diligence_staff_weeks / m.p.STEPS_PER_YEAR


class Donor(mesa.Agent):
    """One donor with an equal share of the international budget."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index
        f = model.p.funding
        self.weekly_budget = f.annual_budget / f.n_donors / model.p.STEPS_PER_YEAR
        n = f.n_donors
        step = (2.0 * index / (n - 1) - 1.0) if n > 1 else 0.0
        self.due_diligence_bar = f.due_diligence_threshold + f.due_diligence_spread * step
        self.emergency_pot = 0.0
        self.undisbursed = 0.0  # budget no eligible recipient could take (USD)
        self.direct_share = 0.0  # share of its regular windows granted directly to local actors at the last round

    # ------------------------------------------------------------------ helpers
    def _recipient_weights(self, mask: np.ndarray) -> np.ndarray:
        """The funders' allocation weights (``sim/allocation.py``) of the masked organisations."""
        return allocation_weights(self.model, mask)

    def _grant(self, amount_weekly: float, weeks: int, mask: np.ndarray, *, flexible: float,
               multi_year: bool, earmark: bool, stagger: bool = False, emergency: bool = False,
               weights: np.ndarray | None = None) -> float:
        """Split ``amount_weekly`` over masked organisations in proportion to their weights
        (``weights``, or the allocation weights of the masked organisations); returns what found no one."""
        if amount_weekly <= 0:
            return 0.0
        m = self.model
        w = self._recipient_weights(mask) if weights is None else weights * mask
        if w.sum() <= 0:
            return amount_weekly
        rec = np.nonzero(w > 0)[0]
        weekly = amount_weekly * w[rec] / w[rec].sum()
        t = m.steps_done
        if stagger:
            # Warm start: an existing portfolio whose grants end one round apart.
            interval = m.p.funding.round_interval_weeks
            parts = max(1, weeks // interval)
            for k in range(parts):
                m.grants.add(self.index, rec, weekly / parts, t, t + (k + 1) * interval, flexible, multi_year,
                             earmark, emergency)
        else:
            m.grants.add(self.index, rec, weekly, t, t + weeks, flexible, multi_year, earmark, emergency)
        return 0.0

    def direct_split(self, eligible_local: np.ndarray, intermediaries: np.ndarray, regular: float,
                     floor: float) -> tuple[np.ndarray, np.ndarray]:
        """Who gets what share of windows 2 and 3: (allocation weights of all recipients, each local
        actor's share of the window as a direct grant).

        Local actors past this donor's due diligence get their allocation-weight share where it
        reaches the smallest direct grant it manages, and at least the floor in all; intermediaries
        get the rest, by their weights.
        """
        f, orgs = self.model.p.funding, self.model.orgs
        weights = self._recipient_weights(eligible_local | intermediaries)
        total = weights.sum()
        yearly = regular * self.model.p.STEPS_PER_YEAR * weights / total if total > 0 else weights
        # National authorities are funded directly through the floor and their domestic budget only:
        # without this, the one authority (the largest local actor) took up to 67% of donor money
        # within ten years in the default country (docs/funding.md).
        non_state = orgs.kind != int(OrgKind.NATIONAL_AUTHORITY)
        graduated = eligible_local & non_state & (yearly >= f.min_direct_grant) & (yearly > 0)
        grad_frac = float(weights[graduated].sum() / total) if total > 0 else 0.0
        floor_frac = max(0.0, floor - grad_frac) if eligible_local.any() else 0.0
        local_w = weights * eligible_local
        floor_w = local_w / local_w.sum() * floor_frac if local_w.sum() > 0 else local_w
        direct_w = np.where(graduated, weights / total if total > 0 else 0.0, 0.0) + floor_w
        return weights, direct_w

    def eligible_local(self) -> np.ndarray:
        """Local actors that pass this donor's due diligence."""
        orgs = self.model.orgs
        return orgs.is_local & orgs.active & (orgs.inst >= self.due_diligence_bar)

    def regular_share(self) -> float:
        """Share of the budget in windows 2 and 3 (not emergency reserve, earmark or pooled fund)."""
        f = self.model.p.funding
        return 1 - f.emergency_share - f.sharing_earmark - self.model.p.pooled_fund.share

    # ------------------------------------------------------------------ behaviour
    def funding_round(self, first: bool = False) -> None:
        m, f = self.model, self.model.p.funding
        t = m.steps_done
        orgs = m.orgs
        g = m.grants
        eligible_local = self.eligible_local()
        intermediaries = orgs.is_intl & orgs.active
        with_partners = intermediaries & (np.bincount(orgs.partner[orgs.partner >= 0], minlength=orgs.n) > 0)
        interval = f.round_interval_weeks
        project = ~g.multi_year & ~g.earmark & ~g.emergency
        # Each window is topped up to its target rate, net of the mean rate of its grants still
        # running over the coming interval (so grants ending between rounds are replaced on
        # average); project grants shorter than the round interval are paid at a higher rate
        # over their shorter life, so a round spends its budget in bursts with gaps in between.
        burst = max(1.0, interval / f.short_grant_weeks)
        if m.exited:
            budget = self.weekly_budget * f.post_exit_direct_share * (1 - f.emergency_share)
            amount = max(0.0, budget - g.mean_rate(t, interval, self.index, project)) * burst
            left = self._grant(amount, f.short_grant_weeks, eligible_local, flexible=f.flexible_share,
                               multi_year=False, earmark=False)
            self.undisbursed += left * min(f.short_grant_weeks, f.round_interval_weeks)
            return
        budget = self.weekly_budget
        earmark_rate = budget * f.sharing_earmark
        regular_share = self.regular_share()
        regular = budget * regular_share
        floor = min(1.0, f.direct_local_share / max(1e-12, regular_share))

        weights, direct_w = self.direct_split(eligible_local, intermediaries, regular, floor)
        direct_frac = float(direct_w.sum())
        self.direct_share = direct_frac

        # 1. sharing earmark: multi-year, flexible, to intermediaries with local partners, which
        #    run as many partnerships by the sharing rules as the earmark pays for.
        new_ear = earmark_rate - g.mean_rate(t, interval, self.index, g.earmark)
        left = self._grant(new_ear, f.multi_year_weeks, with_partners, flexible=1.0, multi_year=True,
                           earmark=True, stagger=first)
        # 2. multi-year grants.
        my_target = regular * f.multi_year_share
        new_my = my_target - g.mean_rate(t, interval, self.index, g.multi_year & ~g.earmark)
        # 3. project grants.
        project = ~g.multi_year & ~g.earmark & ~g.emergency  # the book has grown: recompute
        short = (regular - my_target - g.mean_rate(t, interval, self.index, project)) * burst
        for amount, weeks, my in ((new_my, f.multi_year_weeks, True), (short, f.short_grant_weeks, False)):
            if amount <= 0:
                continue
            rest = self._grant(amount * direct_frac, weeks, eligible_local, flexible=f.flexible_share,
                               multi_year=my, earmark=False, stagger=first and my, weights=direct_w)
            left += self._grant(amount * (1 - direct_frac) + rest, weeks, intermediaries,
                                flexible=f.flexible_share, multi_year=my, earmark=False, stagger=first and my,
                                weights=weights)
        self.undisbursed += left * f.round_interval_weeks

    def accrue_emergency(self) -> None:
        f = self.model.p.funding
        share = f.post_exit_direct_share if self.model.exited else 1.0
        self.emergency_pot += self.weekly_budget * f.emergency_share * share

    def release_emergency(self, area: int) -> None:
        """After a rapid-onset shock: a share of the reserve, over one project period, to responders."""
        m, f = self.model, self.model.p.funding
        amount = f.emergency_release_share * self.emergency_pot
        if amount <= 0:
            return
        local, intl, surge = m.coordination.responders(area)
        local = local & (m.orgs.inst >= self.due_diligence_bar)
        weeks = f.short_grant_weeks
        weekly = amount / weeks
        # The donor's direct share goes to eligible local responders; the rest through
        # intermediaries (remote management where no international organisation will go).
        # After an exit there are no intermediaries: the whole release goes direct, as the
        # donor's remaining budget does (``post_exit_direct_share``).
        direct = weekly * (1.0 if m.exited else f.direct_local_share)
        rest = self._grant(direct, weeks, local, flexible=f.flexible_share, multi_year=False, earmark=False,
                           emergency=True)
        left = self._grant(weekly - direct + rest, weeks, intl, flexible=f.flexible_share, multi_year=False,
                           earmark=False, emergency=True)
        self.emergency_pot -= amount - left * weeks
        m.coordination.surge(area, surge)
