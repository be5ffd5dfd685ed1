"""The recorder: outcomes into preallocated arrays each step, tables built once at the end.

No DataFrame is built and nothing is deep-copied during a run: the registered step outcomes
fill one row a week of a float array (``n_steps`` x outcomes); area coverage is accumulated into
yearly means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .outcomes import STEP_OUTCOMES

__all__ = ["Recorder"]


class Recorder:
    def __init__(self, n_steps: int, n_areas: int, steps_per_year: int):
        self.n_steps = n_steps
        self.keys = [o.key for o in STEP_OUTCOMES]
        self.data = np.full((n_steps, len(self.keys)), np.nan)  # one row a week, one column an outcome
        self.column = None  # each outcome's column: in the order of the first week's values (set then)
        self._order = None  # that order
        self.steps_per_year = steps_per_year
        n_years = -(-n_steps // steps_per_year)
        self.area_cov = np.zeros((n_years, n_areas))
        self.area_need = np.zeros((n_years, n_areas))
        self.area_covered = np.zeros((n_years, n_areas))
        self.area_weeks = np.zeros(n_years)
        self.last = -1

    def record(self, step: int, values: dict, area_coverage: np.ndarray, area_need: np.ndarray,
               area_covered: np.ndarray) -> None:
        if self.last < 0:  # checked once: every step records the same keys
            missing = set(self.keys) - values.keys()
            extra = values.keys() - set(self.keys)
            if missing or extra:
                raise KeyError(f"recorded outcomes do not match the registry: missing {sorted(missing)}, "
                               f"unregistered {sorted(extra)}")
            self._order = list(values)
            self.column = {k: j for j, k in enumerate(self._order)}
        if list(values) == self._order:  # (every week's values come in the same order)
            self.data[step] = list(values.values())
        else:
            self.data[step, [self.column[k] for k in values]] = list(values.values())
        y = step // self.steps_per_year
        self.area_cov[y] += area_coverage
        self.area_need[y] += area_need
        self.area_covered[y] += area_covered
        self.area_weeks[y] += 1
        self.last = step

    def steps_table(self) -> pd.DataFrame:
        n = self.last + 1
        df = pd.DataFrame({k: self.data[:n, self.column[k]].copy() if self.column else np.zeros(0)
                           for k in self.keys})
        df.insert(0, "step", np.arange(n, dtype=np.int64))
        df.insert(1, "year", df["step"] / self.steps_per_year)
        return df

    def areas_table(self, hard_to_reach: np.ndarray, access: np.ndarray) -> pd.DataFrame:
        years = np.nonzero(self.area_weeks > 0)[0]
        n_areas = self.area_cov.shape[1]
        weeks = self.area_weeks[years][:, None]
        return pd.DataFrame({
            "year": np.repeat(years, n_areas).astype(np.int64),
            "area": np.tile(np.arange(n_areas), len(years)).astype(np.int64),
            "area_coverage": (self.area_cov[years] / weeks).ravel(),
            "area_need": (self.area_need[years] / weeks).ravel(),
            "area_people_covered": (self.area_covered[years] / weeks).ravel(),
            "hard_to_reach": np.tile(hard_to_reach, len(years)),
            "access": np.tile(access, len(years)),
        })
