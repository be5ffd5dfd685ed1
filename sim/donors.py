"""Donors: Mesa agents that hold budgets and apply funding rules at funding rounds.

At each round (every ``funding.round_interval_weeks``) a donor tops up three windows of
grants to their target weekly rates:

1. the **sharing earmark** (multi-year, flexible): only to international organisations,
   which then run as many of their partnerships by the capacity-sharing rules as the
   earmark pays for (``sim/partnerships.py`` ``apply_sharing_earmark``);
2. **multi-year grants** (``multi_year_share`` of the rest);
3. **project grants** (the remainder, ``short_grant_weeks`` long), net of project grants
   still running; grants shorter than the round interval are paid at a higher weekly rate
   over their shorter life (bursts with gaps), so that a year's payments match the budget.

Within windows 2 and 3 the direct share goes to local actors that pass the donor's due
diligence (institutional capacity at or above ``due_diligence_threshold``); what finds no
eligible local recipient goes through intermediaries, which is why realised direct funding
stays below the target when local institutions are weak. A share of the budget is held back
as an emergency reserve and released after rapid-onset shocks to organisations in or near
the hit area. After an exit only ``post_exit_direct_share`` of the budget continues, as
direct grants to eligible local actors; emergency releases then go wholly to eligible local
responders.
"""

from __future__ import annotations

import mesa
import numpy as np

__all__ = ["Donor"]


class Donor(mesa.Agent):
    """One donor with an equal share of the international budget."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index
        f = model.p.funding
        self.weekly_budget = f.annual_budget / f.n_donors / model.p.STEPS_PER_YEAR
        self.emergency_pot = 0.0
        self.undisbursed = 0.0  # budget no eligible recipient could take (USD)

    # ------------------------------------------------------------------ helpers
    def _recipient_weights(self, mask: np.ndarray) -> np.ndarray:
        """Funding follows organisations' size and the share of perceived need where they work.

        An organisation working nowhere keeps a small weight (a tenth of an average share).
        """
        m = self.model
        need = m.coordination.perceived_need_of_orgs()
        floor = 0.1 / max(1, int(mask.sum()))
        return (m.staff.headcount + 1.0) * (need + floor) * mask

    def _grant(self, amount_weekly: float, weeks: int, mask: np.ndarray, *, flexible: float,
               multi_year: bool, earmark: bool, stagger: bool = False, emergency: bool = False) -> float:
        """Split ``amount_weekly`` over masked organisations in proportion to their weights."""
        if amount_weekly <= 0:
            return 0.0
        m = self.model
        w = self._recipient_weights(mask)
        if w.sum() <= 0:
            return amount_weekly
        rec = np.flatnonzero(w > 0)
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

    # ------------------------------------------------------------------ behaviour
    def funding_round(self, first: bool = False) -> None:
        m, f = self.model, self.model.p.funding
        t = m.steps_done
        orgs = m.orgs
        g = m.grants
        eligible_local = orgs.is_local & orgs.active & (orgs.inst >= f.due_diligence_threshold)
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
        regular = budget * (1 - f.emergency_share - f.sharing_earmark)
        direct_frac = f.direct_local_share / max(1e-12, 1 - f.emergency_share - f.sharing_earmark)
        direct_frac = min(1.0, direct_frac)

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
                               multi_year=my, earmark=False, stagger=first and my)
            left += self._grant(amount * (1 - direct_frac) + rest, weeks, intermediaries,
                                flexible=f.flexible_share, multi_year=my, earmark=False, stagger=first and my)
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
        local = local & (m.orgs.inst >= f.due_diligence_threshold)
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
