"""Measurement probes: quantities measured from the model's state that are not weekly outcomes.

:class:`TrainingProbe` measures the share of technical training that staff still apply on the
job 1, 26 and 52 weeks after their training ended, to compare with Saks & Belcourt (2006):
62% right after, 44% after 6 months, 34% after a year (``shared/BRIEF.md``).

It follows a cohort: each person joins it the first week they are taught technical skills
(from step 1 on) and stays in it while they are taught in consecutive weeks (one workshop, or
one run of ongoing training); their *episode* ends at the first week without teaching. For
cohort members the probe keeps two numbers in parallel with the model's own skill arrays:

* ``raw``: the gain taught in the episode (the learning law's gain before ``transfer_rate``);
* ``applied``: the part of that gain applied on the job, which fades each week with exactly
  the factor the model applies to the person's trained skill (``sim/regimes.py``: unpractised
  decay, softened by practice in delivery).

Teaching after the episode adds to the person's skill but not to the probe, so the probe
measures how one training persists, as the pattern does. ``k`` weeks after a member's last
training week, if the same person is still employed (anywhere: a poached person keeps their
skill), ``applied`` and ``raw`` are added to the tally for age ``k``. The applied share at an
age is (sum of applied) / (sum of raw) over the members observed at that age.

The probe only reads the model's state and draws no random numbers: runs with and without it
are identical. People who leave for the labour pool or the sector leave the cohort; a re-hired
person (new ``hired_step``) is not followed.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel, pairwise_sum

__all__ = ["TrainingProbe", "PROBE_AGES_WEEKS"]

PROBE_AGES_WEEKS = (1, 26, 52)  # right after (one week), six months, one year

_OUT, _IN_EPISODE, _DONE = 0, 1, 2


class TrainingProbe:
    """Applied share of a training cohort's gain, 1, 26 and 52 weeks after the training.

    Args:
        staff: the model's :class:`~sim.staff.StaffTable` (read only).
        start_step: first step whose teaching enters the cohort (1: after the first step, so
            that a slot re-filled in the first week cannot be mistaken for its former holder).
    """

    def __init__(self, staff, start_step: int = 1):
        self.staff = staff
        self.start_step = int(start_step)
        self.ages = np.asarray(PROBE_AGES_WEEKS, np.int64)
        self.sum_applied = np.zeros(len(self.ages))
        self.sum_raw = np.zeros(len(self.ages))
        self.n_people = np.zeros(len(self.ages), np.int64)
        self.state = np.zeros(0, np.int8)
        self.raw = np.zeros(0)
        self.applied = np.zeros(0)
        self.last = np.zeros(0, np.int64)
        self.hired = np.zeros(0, np.int64)
        self._open = False  # whether any episode may be open (set by teaching, cleared when none is)
        self._done = np.zeros(0, np.int64)  # the slots whose episode is done (state _DONE), in order

    def _ensure(self) -> None:
        """Grow the per-slot arrays with the staff table."""
        cap, old = self.staff.capacity, len(self.state)
        if cap <= old:
            return
        for name, dtype in (("state", np.int8), ("raw", float), ("applied", float), ("last", np.int64),
                            ("hired", np.int64)):
            arr = np.zeros(cap, dtype)
            arr[:old] = getattr(self, name)
            setattr(self, name, arr)

    def taught(self, step: int, people: np.ndarray, raw_gain: np.ndarray, applied_gain: np.ndarray) -> None:
        """Record technical teaching this step (called by the learning phase)."""
        if step < self.start_step or len(people) == 0:
            return
        self._ensure()
        new = self.state[people] == _OUT
        joined = people[new]
        self.state[joined] = _IN_EPISODE
        self.hired[joined] = self.staff.hired_step[joined]
        inside = self.state[people] == _IN_EPISODE
        p = people[inside]
        self._open = self._open or len(p) > 0
        self.raw[p] += raw_gain[inside]
        self.applied[p] += applied_gain[inside]
        self.last[p] = step

    def fade(self, factor: np.ndarray) -> None:
        """Apply the model's weekly fading of trained skill to the cohort's applied gain: one factor per
        slot ``0..len(factor)-1`` (1 where nobody is employed)."""
        self._ensure()
        self.applied[: len(factor)] *= factor

    def observe(self, step: int) -> None:
        """Close episodes without teaching this step; tally members at the probe ages."""
        self._ensure()
        if self._open:  # (only teaching opens episodes, and only their end adds done members)
            in_episode = self.state == _IN_EPISODE
            ended = in_episode & (self.last < step)
            if ended.any():
                self.state[ended] = _DONE
                self._done = np.nonzero(self.state == _DONE)[0]
                in_episode &= ~ended
            self._open = bool(in_episode.any())
        done = self._done
        if len(done) == 0:
            return
        _tally(done, self.last, self.ages, step, self.staff.employer, self.staff.hired_step, self.hired, self.applied,
               self.raw, self.sum_applied, self.sum_raw, self.n_people)

    def shares(self) -> dict[int, float]:
        """Applied share of the gain taught, by weeks since the training (NaN if nobody was observed)."""
        out = {}
        for k, a in enumerate(self.ages):
            out[int(a)] = float(self.sum_applied[k] / self.sum_raw[k]) if self.sum_raw[k] > 0 else float("nan")
        return out

    def counts(self) -> dict[int, int]:
        """People observed at each age."""
        return {int(a): int(n) for a, n in zip(self.ages, self.n_people)}


@kernel
def _tally(done, last, ages, step, employer, hired_step, hired, applied, raw, sum_applied, sum_raw, n_people):
    """:meth:`TrainingProbe.observe`'s tally (in place): the members whose episode ended ``ages[k]`` weeks ago and
    who still work in the job they were trained in, their applied and raw gains summed (as ``ndarray.sum`` sums
    them) and counted, age by age."""
    picked_applied = np.empty(done.shape[0])
    picked_raw = np.empty(done.shape[0])
    for k in range(ages.shape[0]):
        c = 0
        for j in range(done.shape[0]):
            p = done[j]
            if step - last[p] == ages[k] and employer[p] >= 0 and hired_step[p] == hired[p]:
                picked_applied[c] = applied[p]
                picked_raw[c] = raw[p]
                c += 1
        if c:
            sum_applied[k] += pairwise_sum(picked_applied[:c])
            sum_raw[k] += pairwise_sum(picked_raw[:c])
            n_people[k] += c
