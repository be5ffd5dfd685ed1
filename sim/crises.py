"""Crises: the shock schedule (drawn year by year per seed) and the response measures.

The schedule of rapid-onset shocks and protracted crises is drawn at set-up from the
``shocks`` stream and the areas alone, one year at a time from a generator keyed by the year
(``Streams.for_period``), so every regime and funding rule run with one seed faces exactly the
same crises (common random numbers), and a run's first years do not depend on its horizon: a
4-year run faces the first 4 years of crises of an 8-year run.

Response, per shock (columns of the shocks table, ``sim/outcomes.py``):

* ``response_time``: weeks from the shock until the people covered in the hit area exceed the
  level of the week before the shock by ``crisis.response_share`` of the people the shock
  newly put in need who are still in need that week; null if that does not happen within
  ``crisis.response_cap_weeks`` (then ``reached`` is false);
* ``censored``: the shock started in the run's last ``response_cap_weeks`` (or in its first
  week, which has no week before), so its response cannot be judged; censored shocks are left
  out of every response measure, which is what keeps them from growing with the horizon;
* ``reach_72h`` and ``reach_72h_local``: the first 72 hours. Nobody can arrive in an area
  within 72 hours who is not already working there (the fastest entry, a local organisation
  next door with strong networks, takes a week), so those who can act in the first 72 hours are
  exactly the organisations operational in the area in the shock's week; what they can reach in
  3 of its 7 days is 3/7 of their output there that week. ``reach_72h`` is that reach over the
  people newly in need (capped at 1), ``reach_72h_local`` the share of it by local and national
  actors. A weekly step therefore suffices for this measure; finer steps would change nothing
  about who is present. (This holds while ``crisis.intl_surge_delay_weeks`` is at least 1, the
  default 6: with 0, a surging organisation is operational in the shock's own week and counts.)
  What communities reach before any organisation arrives is measured in ``sim/communities.py``.

Preparedness (``sim/communities.py``) can spare some of the people a rapid-onset shock would put
in need: ``ResponseTracker.harm_factor`` (per area) scales them when the shock is applied, and
``people_hit`` holds the people actually put in need, which every response measure uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .areas import Areas
from .params import Params

__all__ = ["ShockKind", "ShockSchedule", "ResponseTracker", "FIRST_HOURS_SHARE_OF_WEEK", "RESPONSE_MEASURES",
           "response_summary"]

# The first 72 hours as a share of a week's output: 3 of 7 days.
FIRST_HOURS_SHARE_OF_WEEK = 3.0 / 7.0


class ShockKind(IntEnum):
    RAPID_ONSET = 0
    PROTRACTED = 1


@dataclass
class ShockSchedule:
    """All crises of a run, sorted by start step (arrays of equal length)."""

    step: np.ndarray
    area: np.ndarray
    kind: np.ndarray
    people: np.ndarray  # people newly in need
    duration: np.ndarray  # weeks (protracted only; 0 for rapid onset)

    @classmethod
    def draw(cls, params: Params, areas: Areas, streams) -> "ShockSchedule":
        """Draw the schedule year by year (``streams.for_period("shocks", year)``), then cut it at the horizon."""
        c, n_steps, n = params.crisis, params.n_steps, areas.n
        spy = params.STEPS_PER_YEAR
        n_years = -(-n_steps // spy)
        parts = []
        for year in range(n_years):
            rng = streams.for_period("shocks", year)
            for kind, rate, size in (
                (ShockKind.RAPID_ONSET, c.rapid_onset_rate, c.rapid_onset_size),
                (ShockKind.PROTRACTED, c.protracted_rate, c.protracted_size),
            ):
                count = rng.poisson(rate * n)
                step = year * spy + rng.integers(0, spy, count)
                area = rng.integers(0, n, count)
                # Share of population affected: gamma with the given mean, capped at 90%.
                share = np.minimum(0.9, rng.gamma(2.0, size / 2.0, count)) if size > 0 else np.zeros(count)
                people = share * areas.population[area]
                if kind == ShockKind.PROTRACTED:
                    duration = np.maximum(4, rng.exponential(c.protracted_years * spy, count)).astype(np.int64)
                else:
                    duration = np.zeros(count, np.int64)
                parts.append((step, area, np.full(count, int(kind)), people, duration))
        if parts:
            step, area, kind, people, duration = (np.concatenate(x) for x in zip(*parts))
        else:
            step = area = kind = duration = np.zeros(0, np.int64)
            people = np.zeros(0)
        keep = step < n_steps
        step, area, kind, people, duration = step[keep], area[keep], kind[keep], people[keep], duration[keep]
        order = np.lexsort((kind, area, step))
        return cls(step[order].astype(np.int64), area[order].astype(np.int64), kind[order].astype(np.int64),
                   people[order].astype(float), duration[order].astype(np.int64))

    def __len__(self) -> int:
        return len(self.step)


class ResponseTracker:
    """Applies scheduled crises to areas and measures the response to each (see the module docstring)."""

    def __init__(self, schedule: ShockSchedule, areas: Areas, params: Params):
        self.s = schedule
        self.areas = areas
        c = params.crisis
        self.share = c.response_share
        self.cap = c.response_cap_weeks
        self.recovery = areas.recovery
        self.next = 0  # index of the next shock to apply
        k = len(schedule)
        self.response_time = np.full(k, -1, np.int64)
        self.applied = np.zeros(k, bool)
        self.judged = np.zeros(k, bool)  # reached, or not reached within the cap
        self.base_covered = np.full(k, np.nan)  # people covered in the area the week before the shock
        self.reach_72h = np.full(k, np.nan)
        self.reach_72h_local = np.full(k, np.nan)
        self.pending: list[int] = []
        self.protracted_end: list[tuple[int, int, np.ndarray]] = []  # (end step, area, need added)
        self.last_covered: np.ndarray | None = None  # people covered per area last week
        # Per area, the share of a rapid-onset shock's people put in need (preparedness, sim/communities.py);
        # None: all of them. ``people_hit`` holds each shock's people newly in need once applied.
        self.harm_factor: np.ndarray | None = None
        self.people_hit = schedule.people.astype(float).copy()

    def apply(self, step: int) -> np.ndarray:
        """Apply crises starting or ending this step; returns the indices of new rapid-onset shocks."""
        a = self.areas
        # Protracted crises that end now release their need.
        if self.protracted_end:
            keep = []
            for end, area, add in self.protracted_end:
                if end <= step:
                    a.protracted_need[area] = np.maximum(0.0, a.protracted_need[area] - add)
                else:
                    keep.append((end, area, add))
            self.protracted_end = keep
        new = []
        s = self.s
        while self.next < len(s) and s.step[self.next] <= step:
            i = self.next
            area = s.area[i]
            if s.kind[i] == ShockKind.RAPID_ONSET and self.harm_factor is not None:
                self.people_hit[i] = s.people[i] * self.harm_factor[area]
            add = self.people_hit[i] * a.sector_profile[area] / a.sector_profile[area].sum()
            if s.kind[i] == ShockKind.RAPID_ONSET:
                a.shock_need[area] += add
                new.append(i)
            else:
                a.protracted_need[area] += add
                self.protracted_end.append((step + int(s.duration[i]), area, add))
            self.applied[i] = True
            if self.last_covered is not None:
                self.base_covered[i] = self.last_covered[area]
            self.pending.append(i)
            self.next += 1
        return np.asarray(new, np.int64)

    def still_in_need(self, i: int, weeks_since: int) -> float:
        """People the shock ``i`` newly put in need who are still in need ``weeks_since`` weeks after it.

        Rapid-onset need recovers by ``areas.recovery`` per week from the shock's own week on
        (the step applies the shock, then recovery); a protracted crisis's need stays while it lasts.
        """
        if self.s.kind[i] == ShockKind.RAPID_ONSET:
            return float(self.people_hit[i] * self.recovery ** (weeks_since + 1))
        return float(self.people_hit[i])

    def first_hours(self, shocks: np.ndarray, out_local: np.ndarray, out_intl: np.ndarray) -> None:
        """Record, for shocks that hit this week, who could reach the newly affected in the first 72 hours.

        Args:
            shocks: indices of the shocks that started this week.
            out_local: people covered this week per area by local and national actors operational there.
            out_intl: the same for international actors.
        """
        for i in shocks:
            area = self.s.area[i]
            reach = FIRST_HOURS_SHARE_OF_WEEK * (out_local[area] + out_intl[area])
            people = self.people_hit[i]
            self.reach_72h[i] = min(1.0, reach / people) if people > 0 else 1.0
            total = out_local[area] + out_intl[area]
            self.reach_72h_local[i] = out_local[area] / total if total > 0 else np.nan

    def track(self, step: int, covered_by_area: np.ndarray) -> None:
        """After delivery: judge pending shocks against the people covered in their area this week."""
        if self.pending:
            still = []
            for i in self.pending:
                base = self.base_covered[i]
                k = step - int(self.s.step[i])
                if np.isnan(base):  # no week before the shock: cannot be judged
                    continue
                reached = covered_by_area[self.s.area[i]] - base
                if reached >= self.share * self.still_in_need(i, k):
                    self.response_time[i] = k
                    self.judged[i] = True
                elif k >= self.cap:
                    self.judged[i] = True
                else:
                    still.append(i)
            self.pending = still
        self.last_covered = covered_by_area.copy()

    def censored(self, n_steps: int) -> np.ndarray:
        """Shocks whose response cannot be judged within a run of ``n_steps`` weeks (see module docstring)."""
        return (self.s.step > n_steps - 1 - self.cap) | np.isnan(self.base_covered)


# Run-level response measures (registered in sim/outcomes.py), over a run's judged shocks: a
# year-long analysis window holds too few shocks, so these summarise every judged shock of the run.
RESPONSE_MEASURES = ("response_time", "shocks_not_reached", "reach_72h")


def response_summary(response_time: np.ndarray, censored: np.ndarray, reach_72h: np.ndarray) -> dict[str, float]:
    """The run-level response measures over the judged (uncensored) shocks; NaN where there are none.

    Args:
        response_time: weeks to reach, per shock; negative or NaN where not reached within the cap.
        censored: per shock, whether its response cannot be judged (``ResponseTracker.censored``).
        reach_72h: first-72-hours reach per shock.

    Returns:
        ``response_time``: mean among the judged shocks reached; ``shocks_not_reached``: share of
        the judged shocks not reached within ``crisis.response_cap_weeks``; ``reach_72h``: mean.
    """
    judged = ~np.asarray(censored, bool)
    rt = np.asarray(response_time, np.float64)[judged]
    if rt.size == 0:
        return {m: np.nan for m in RESPONSE_MEASURES}
    reached = rt >= 0  # NaN compares false: not reached
    r72 = np.asarray(reach_72h, np.float64)[judged]
    return {"response_time": float(rt[reached].mean()) if reached.any() else np.nan,
            "shocks_not_reached": float(1.0 - reached.mean()),
            "reach_72h": float(np.nanmean(r72)) if np.isfinite(r72).any() else np.nan}
