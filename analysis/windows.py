"""Analysis windows: which weeks of each run an outcome is averaged over.

A window is written as text on the command line and in captions:

=====================  ====================================================================
``last:1``             the last year of each run (the default of ``capsim compare``)
``years:2-5``          from year 2 (inclusive) to year 5 (exclusive) since the start
``after_shock:1``      the year after the largest rapid-onset shock of each run that has a
                       full year of results after it (per replicate, the same shock in every
                       configuration: shocks are common random numbers, ``sim/rng.py``)
``all``                the whole run
=====================  ====================================================================

:func:`per_run_means` reduces a sweep's steps (and shocks) to one row per run for a window:
the mean of each step outcome over the window's weeks, and the mean response time
(``response_time``, weeks) of the rapid-onset shocks that started inside the window and
were responded to (for ``after_shock``: the response time to that shock). Shocks never
responded to within the horizon have no response time and are left out of that mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

__all__ = ["Window", "per_run_means", "STEPS_PER_YEAR"]

STEPS_PER_YEAR = 52  # weekly steps (sim.params.Params.STEPS_PER_YEAR)
_SPEC = re.compile(r"^(?:(last|after_shock):(\d+(?:\.\d*)?|\.\d+)|years:(\d+(?:\.\d*)?)-(\d+(?:\.\d*)?)|(all))$")


@dataclass(frozen=True)
class Window:
    """A window of years over which per-run means are taken.

    Attributes:
        kind: "last", "years", "after_shock" or "all".
        length: years (for "last" and "after_shock").
        start, end: years since the start (for "years").
    """

    kind: str
    length: float | None = None
    start: float | None = None
    end: float | None = None

    @classmethod
    def parse(cls, text: str) -> "Window":
        """Parse ``last:1``, ``years:2-5``, ``after_shock:1`` or ``all``.

        Raises:
            ValueError: one line naming the text and the allowed forms.
        """
        m = _SPEC.match(str(text).strip())
        allowed = "allowed: last:<years>, years:<from>-<to>, after_shock:<years>, all"
        if not m:
            raise ValueError(f"window {text!r} is not understood; {allowed}")
        if m.group(5):
            return cls("all")
        if m.group(1):
            length = float(m.group(2))
            if length <= 0:
                raise ValueError(f"window {text!r} has length 0; {allowed} with a positive length")
            return cls(m.group(1), length=length)
        start, end = float(m.group(3)), float(m.group(4))
        if end <= start:
            raise ValueError(f"window {text!r} ends before it starts; {allowed}")
        return cls("years", start=start, end=end)

    @property
    def spec(self) -> str:
        """The text form (``last:1``), as parsed."""
        if self.kind == "all":
            return "all"
        if self.kind == "years":
            return f"years:{self.start:g}-{self.end:g}"
        return f"{self.kind}:{self.length:g}"

    @property
    def slug(self) -> str:
        """A file-name-safe form (``last1y``, ``last0p5y``, ``years2-5``, ``after_shock1y``, ``all``)."""
        if self.kind == "all":
            return "all"
        if self.kind == "years":
            text = f"years{self.start:g}-{self.end:g}"
        else:
            text = f"{self.kind}{self.length:g}y"
        return text.replace(".", "p")

    def describe(self) -> str:
        """Plain words for captions and tables."""
        if self.kind == "all":
            return "the whole run"
        if self.kind == "years":
            return f"years {self.start:g} to {self.end:g} since the start"
        if self.kind == "last":
            return f"the last {self.length:g} year(s) of each run"
        return (f"the {self.length:g} year(s) after the largest rapid-onset shock of each replicate "
                "(the same shock in every configuration)")


def _shock_choice(shocks: pd.DataFrame, last_step: pd.Series, length_steps: int) -> pd.DataFrame:
    """Per run, the largest rapid-onset shock with ``length_steps`` of results after it."""
    s = shocks[shocks["kind"].astype(str) == "rapid_onset"].copy()
    if s.empty:
        return s
    s["last_step"] = s["run_id"].map(last_step).astype("int64")
    s = s[s["step"] + length_steps - 1 <= s["last_step"]]
    if s.empty:
        return s
    s = s.sort_values(["run_id", "people", "step"], ascending=[True, False, True])
    return s.groupby("run_id", sort=False).head(1)


def per_run_means(steps: pd.DataFrame, shocks: pd.DataFrame | None, window: Window, outcomes,
                  keys) -> pd.DataFrame:
    """One row per run: its identifying columns (``keys``) and window means of ``outcomes``.

    Args:
        steps: steps table of one or more runs (``run_id``, ``step``, ``year`` and the outcomes).
        shocks: shocks table of the same runs, or None; needed for ``after_shock`` windows and
            for the ``response_time`` outcome.
        window: the window.
        outcomes: step outcome columns, plus optionally ``response_time`` (from ``shocks``).
        keys: columns that identify a run and are constant within it (``run_id`` first).

    Raises:
        ValueError: an ``after_shock`` window when no run has a rapid-onset shock with a full
            window after it.
    """
    keys = list(dict.fromkeys(["run_id", *keys]))
    outcomes = list(outcomes)
    step_outcomes = [o for o in outcomes if o != "response_time"]
    ident = steps.groupby("run_id", sort=False, observed=True)[keys[1:]].first() if len(keys) > 1 else None
    last_step = steps.groupby("run_id", sort=False, observed=True)["step"].max()
    first_step = steps.groupby("run_id", sort=False, observed=True)["step"].min()
    chosen = None
    if window.kind == "all":
        lo, hi = first_step, last_step + 1
    elif window.kind == "last":
        n = max(1, int(round(window.length * STEPS_PER_YEAR)))
        lo, hi = last_step + 1 - n, last_step + 1
    elif window.kind == "years":
        lo = pd.Series(int(round(window.start * STEPS_PER_YEAR)), index=last_step.index)
        hi = pd.Series(int(round(window.end * STEPS_PER_YEAR)), index=last_step.index)
    else:
        n = max(1, int(round(window.length * STEPS_PER_YEAR)))
        if shocks is None:
            raise ValueError("window after_shock needs the shocks table")
        chosen = _shock_choice(shocks, last_step, n).set_index("run_id")
        if chosen.empty:
            raise ValueError(f"window {window.spec}: no run has a rapid-onset shock with {window.length:g} year(s) "
                             "of results after it; choose another window (e.g. last:1)")
        lo = chosen["step"].reindex(last_step.index)
        hi = lo + n
    lo_s = steps["run_id"].map(lo)
    hi_s = steps["run_id"].map(hi)
    inside = (steps["step"] >= lo_s) & (steps["step"] < hi_s)
    means = steps[inside.to_numpy()].groupby("run_id", sort=False, observed=True)[step_outcomes].mean()
    out = pd.DataFrame(index=last_step.index)
    if ident is not None:
        out = out.join(ident)
    out = out.join(means)
    if "response_time" in outcomes:
        out["response_time"] = _response_times(shocks, window, lo, hi, chosen).reindex(out.index)
    out["window_start_year"] = lo.reindex(out.index) / STEPS_PER_YEAR
    out["window_end_year"] = hi.reindex(out.index) / STEPS_PER_YEAR
    return out.reset_index()[[*keys, *outcomes, "window_start_year", "window_end_year"]]


def _response_times(shocks, window: Window, lo: pd.Series, hi: pd.Series, chosen) -> pd.Series:
    if shocks is None or shocks.empty:
        return pd.Series(dtype=float)
    rt = shocks["response_time"].astype("float64")
    if chosen is not None:
        return chosen["response_time"].astype("float64")
    s = shocks.assign(response_time=rt)
    s = s[s["kind"].astype(str) == "rapid_onset"]
    inside = (s["step"] >= s["run_id"].map(lo)) & (s["step"] < s["run_id"].map(hi))
    return s[inside.to_numpy()].groupby("run_id", sort=False, observed=True)["response_time"].mean()

