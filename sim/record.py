"""The recorder: outcomes into preallocated arrays each step, tables built once at the end.

No DataFrame is built and nothing is deep-copied during a run: each registered step outcome
has a float array of length ``n_steps``; area coverage is accumulated into yearly means.
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
        self.data = {k: np.full(n_steps, np.nan) for k in self.keys}
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
        for k, v in values.items():
            self.data[k][step] = v
        y = step // self.steps_per_year
        self.area_cov[y] += area_coverage
        self.area_need[y] += area_need
        self.area_covered[y] += area_covered
        self.area_weeks[y] += 1
        self.last = step

    def steps_table(self) -> pd.DataFrame:
        n = self.last + 1
        df = pd.DataFrame({k: v[:n] for k, v in self.data.items()})
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
