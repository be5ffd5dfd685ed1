"""Crises: the shock schedule (drawn once per seed) and the response-time tracker.

The whole schedule of rapid-onset shocks and protracted crises is drawn at set-up from the
``shocks`` stream and the areas alone, so every regime and funding rule run with one seed
faces exactly the same crises (common random numbers). Each shock gets a row in the shocks
table; its ``response_time`` is the number of weeks until coverage in the hit area reaches
``crisis.response_threshold`` (null if it never does within the horizon).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .areas import Areas
from .params import Params

__all__ = ["ShockKind", "ShockSchedule", "ResponseTracker"]


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
    def draw(cls, params: Params, areas: Areas, rng: np.random.Generator) -> "ShockSchedule":
        c, n_steps, n = params.crisis, params.n_steps, areas.n
        years = n_steps / params.STEPS_PER_YEAR
        parts = []
        for kind, rate, size in (
            (ShockKind.RAPID_ONSET, c.rapid_onset_rate, c.rapid_onset_size),
            (ShockKind.PROTRACTED, c.protracted_rate, c.protracted_size),
        ):
            count = rng.poisson(rate * n * years)
            step = rng.integers(0, n_steps, count)
            area = rng.integers(0, n, count)
            # Share of population affected: gamma with the given mean, capped at 90%.
            share = np.minimum(0.9, rng.gamma(2.0, size / 2.0, count)) if size > 0 else np.zeros(count)
            people = share * areas.population[area]
            if kind == ShockKind.PROTRACTED:
                duration = np.maximum(4, rng.exponential(c.protracted_years * params.STEPS_PER_YEAR, count)).astype(np.int64)
            else:
                duration = np.zeros(count, np.int64)
            parts.append((step, area, np.full(count, int(kind)), people, duration))
        step, area, kind, people, duration = (np.concatenate(x) for x in zip(*parts))
        order = np.lexsort((area, step))
        return cls(step[order], area[order], kind[order], people[order], duration[order])

    def __len__(self) -> int:
        return len(self.step)


class ResponseTracker:
    """Applies scheduled crises to areas and measures how long the response takes."""

    def __init__(self, schedule: ShockSchedule, areas: Areas, threshold: float):
        self.s = schedule
        self.areas = areas
        self.threshold = threshold
        self.next = 0  # index of the next shock to apply
        self.response_time = np.full(len(schedule), -1, np.int64)
        self.applied = np.zeros(len(schedule), bool)
        self.pending: list[int] = []
        self.protracted_end: list[tuple[int, int, np.ndarray]] = []  # (end step, area, need added)

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
            add = s.people[i] * a.sector_profile[area] / a.sector_profile[area].sum()
            if s.kind[i] == ShockKind.RAPID_ONSET:
                a.shock_need[area] += add
                new.append(i)
            else:
                a.protracted_need[area] += add
                self.protracted_end.append((step + int(s.duration[i]), area, add))
            self.applied[i] = True
            self.pending.append(i)
            self.next += 1
        return np.asarray(new, np.int64)

    def track(self, step: int, area_coverage: np.ndarray) -> None:
        """After delivery: shocks whose area reached the threshold get their response time."""
        if not self.pending:
            return
        still = []
        for i in self.pending:
            if area_coverage[self.s.area[i]] >= self.threshold:
                self.response_time[i] = step - self.s.step[i]
            else:
                still.append(i)
        self.pending = still
