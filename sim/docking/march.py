"""March (1991) "Exploration and exploitation in organizational learning": the mutual-learning model.

An organisation has ``n`` members and a code; reality has ``m`` dimensions, each +1 or -1.
Members' beliefs and the code hold +1, 0 or -1 per dimension. Each period members learn from
the code (socialisation, rate p1) and the code learns from the members who do better than it
(code learning, rate p2); members leave and are replaced by naive newcomers (turnover, p3);
reality changes (turbulence, p4). March's Figure 1 is the code's knowledge at equilibrium
against p1 for p2 in {0.1, 0.5, 0.9}, with p3 = p4 = 0.

Details the paper leaves open, as later replications settled them. The order and the three
points below are Christensen's (2015) reading of March's original program, as quoted and
implemented by Workiewicz (2019, revised by Kwon 2023), whose published Figure 1 values
:data:`PUBLISHED_FIGURE1` are the reference here; Rodan (2005) supplied March's BASIC program,
whose rules Watts & Gilbert (2014) document. Full discussion: ``docs/docking.md``.

1. **Order within a period**: turnover, turbulence, then (a) members act, (b) members are
   socialised, (c) the code learns from the actions of (a).
2. **Acting**: a member acts on each dimension by its belief, or by a fair coin flip where the
   belief is 0; its performance is the sum over dimensions of action x reality. The code's
   score is the sum of code x reality (a 0 in the code scores 0). Members whose performance
   beats the code's score form the superior group (March's footnote 1 compares knowledge; the
   original program compares performance, so a lucky member can be superior).
3. **Gradual socialisation** (Christensen 2015, p. 4): with probability p1 per dimension where
   the code is not 0, a belief moves one step toward the code: 0 becomes the code's value, the
   opposite value becomes 0.
4. **Code learning** (March's footnote 1): on each dimension where the superior group's
   strict majority action differs from the code, the code adopts it with probability
   1 - (1 - p2)^k, k = |(superiors acting +1) - (superiors acting -1)|.
5. **Equilibrium**: a run ends when neither side can learn: no member's best possible score
   (its score plus one per neutral belief) beats the code's, and no member differs from a
   non-neutral code value. Workiewicz compares with the code's score from before the period's
   code learning; this implementation uses the current code (see ``docs/docking.md``).
6. **Knowledge** is the score divided by m: (matches - mismatches) / m, as in the reference
   values; the share of dimensions on which the code matches reality is reported beside it.

Where capsim's rules express the model they are used: turnover draws leavers with
``sim/turnover.py:leaves`` (the staff-quit draw). Socialisation moves a belief one discrete step
with probability p1, which capsim's learning law (close a share of the gap, ``sim/learning.py``)
does not express: it is the expected, not the realised, step of that rule only for gaps of one.

Everything is vectorised over replications: arrays of shape (replications, n, m), and rows of
replications that reached equilibrium are dropped as the run goes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.params import ConfigError, param, section_from_dict
from sim.turnover import leaves

from . import grid_sweep, stream

__all__ = ["MarchParams", "MarchRuns", "simulate", "summarise", "sweep", "PUBLISHED_FIGURE1",
           "PUBLISHED_SOURCE", "published_figure1"]

MARCH = "March (1991), Organization Science 2(1):71-87"
CHRISTENSEN = "Christensen (2015) as implemented by Workiewicz (2019)"


@dataclass(frozen=True)
class MarchParams:
    """Parameters of one March (1991) organisation."""

    n_individuals: int = param(50, "members of the organisation (n)", "people", 1, 100_000, f"{MARCH}, p. 74: n = 50")
    n_dimensions: int = param(30, "dimensions of reality (m)", "dimensions", 1, 100_000, f"{MARCH}, p. 74: m = 30")
    socialisation_rate: float = param(
        0.5, "p1: chance per period and dimension that a belief steps toward a non-neutral code",
        "probability per period", 0.0, 1.0, f"{MARCH}; one-step move: {CHRISTENSEN}",
    )
    code_learning_rate: float = param(
        0.5, "p2: code learning; chance 1-(1-p2)^k of adopting the superior group's majority", "probability",
        0.0, 1.0, f"{MARCH}, footnote 1",
    )
    turnover: float = param(
        0.0, "p3: chance per period that a member leaves and is replaced by a naive newcomer",
        "probability per period", 0.0, 1.0, f"{MARCH}, p. 78",
    )
    turbulence: float = param(
        0.0, "p4: chance per period that a dimension of reality flips sign", "probability per period",
        0.0, 1.0, f"{MARCH}, p. 79",
    )
    periods: int | None = param(
        None, "fixed number of periods (null: run to equilibrium; needed when p3 or p4 > 0)", "periods",
        1, 1_000_000, "assumption; fixed horizons: 100 periods in Workiewicz (2019), 20 in the indigosim reproduction",
        nullable=True,
    )
    max_periods: int = param(
        20_000, "safety limit for runs to equilibrium; runs stopped here are counted, not hidden", "periods",
        1, 10_000_000, "assumption (the longest of the 108,000 Figure 1 runs of docs/figures took 200 periods)",
    )

    def check(self) -> None:
        """Cross-field check: without a fixed horizon turnover and turbulence never settle."""
        if self.periods is None and (self.turnover > 0 or self.turbulence > 0):
            raise ConfigError(
                f"turnover = {self.turnover:g}, turbulence = {self.turbulence:g} with periods = null: runs with "
                "turnover or turbulence never reach equilibrium; allowed: set periods (e.g. 100)"
            )

    @classmethod
    def from_dict(cls, data: dict | None, prefix: str = "") -> "MarchParams":
        """Validated parameters; raises :class:`~sim.params.ConfigError` in one line."""
        p = section_from_dict(cls, data, prefix)
        p.check()
        return p


@dataclass
class MarchRuns:
    """Results of ``replications`` runs of one parameter set, one entry per replication."""

    code_knowledge: np.ndarray  # (matches - mismatches) / m of the code at the end
    code_match_share: np.ndarray  # share of dimensions on which the code equals reality
    member_knowledge: np.ndarray  # mean over members of (matches - mismatches) / m
    periods: np.ndarray  # periods run
    equilibrium: np.ndarray  # True where the run ended in equilibrium


def simulate(params: MarchParams, replications: int, seed: int) -> MarchRuns:
    """Run ``replications`` independent organisations at once.

    The initial reality and beliefs come from the stream ``march.initial`` of ``seed`` only, so
    every parameter set run with the same seed and number of replications starts from the same
    organisations (common random numbers); the dynamics draw from ``march.dynamics``.

    Args:
        params: the model's parameters.
        replications: number of independent organisations.
        seed: seed of the run.
    """
    p = params
    p.check()
    n, m, reps = p.n_individuals, p.n_dimensions, int(replications)
    init, rng = stream(seed, "march.initial"), stream(seed, "march.dynamics")
    reality = (init.integers(0, 2, (reps, m), dtype=np.int8) * 2 - 1).astype(np.int8)
    beliefs = init.integers(-1, 2, (reps, n, m), dtype=np.int8)
    code = np.zeros((reps, m), np.int8)
    out = MarchRuns(np.zeros(reps), np.zeros(reps), np.zeros(reps), np.zeros(reps, np.int64), np.zeros(reps, bool))
    ids = np.arange(reps)  # which replication each remaining row is
    fixed = p.periods is not None
    limit = p.periods if fixed else p.max_periods
    keep_p2 = 1.0 - p.code_learning_rate

    def record(rows, t, reached):
        r = ids[rows]
        score = (code[rows] * reality[rows]).sum(-1)
        out.code_knowledge[r] = score / m
        out.code_match_share[r] = (code[rows] == reality[rows]).mean(-1)
        out.member_knowledge[r] = ((beliefs[rows] * reality[rows][:, None, :]).sum(-1) / m).mean(-1)
        out.periods[r] = t
        out.equilibrium[r] = reached

    for t in range(1, limit + 1):
        rows = len(ids)
        if p.turnover > 0:  # a leaver is replaced by a newcomer with naive beliefs (March p. 78)
            gone = leaves(rng.random((rows, n)), np.full((rows, n), p.turnover))
            if gone.any():
                beliefs[gone] = rng.integers(-1, 2, (int(gone.sum()), m), dtype=np.int8)
        if p.turbulence > 0:
            flip = rng.random((rows, m)) < p.turbulence
            reality = np.where(flip, -reality, reality).astype(np.int8)
        # (a) members act: by their belief, or a coin flip where they are neutral
        coin = (rng.integers(0, 2, (rows, n, m), dtype=np.int8) * 2 - 1).astype(np.int8)
        actions = np.where(beliefs != 0, beliefs, coin)
        performance = (actions * reality[:, None, :]).sum(-1, dtype=np.int32)
        # (b) gradual socialisation toward a non-neutral code
        c = code[:, None, :]
        toward = np.where(c != 0, np.sign(c - beliefs), 0).astype(np.int8)
        moves = rng.random((rows, n, m), dtype=np.float32) < p.socialisation_rate
        beliefs = beliefs + toward * moves
        # (c) the code learns from the superior group's actions of (a)
        code_score = (code * reality).sum(-1, dtype=np.int32)
        superior = performance > code_score[:, None]
        votes = (actions * superior[:, :, None]).sum(1, dtype=np.int32)
        majority = np.sign(votes).astype(np.int8)
        differs = (majority != 0) & (majority != code)
        adopt = differs & (rng.random((rows, m)) >= keep_p2 ** np.abs(votes))
        code = np.where(adopt, majority, code).astype(np.int8)
        if fixed:
            continue
        # equilibrium: neither the code nor any member can learn any more
        c = code[:, None, :]
        score_now = (code * reality).sum(-1, dtype=np.int32)
        best = (beliefs * reality[:, None, :]).sum(-1, dtype=np.int32) + (beliefs == 0).sum(-1)
        code_can = (best > score_now[:, None]).any(1)
        member_can = ((beliefs != c) & (c != 0)).any((1, 2))
        done = ~(code_can | member_can)
        if done.any():
            record(np.flatnonzero(done), t, True)
            keep = ~done
            ids, reality, beliefs, code = ids[keep], reality[keep], beliefs[keep], code[keep]
            if len(ids) == 0:
                break
    if len(ids):
        record(np.arange(len(ids)), limit, False)
    return out


def summarise(runs: MarchRuns) -> dict:
    """Means and standard errors over replications of one parameter set."""
    r = len(runs.code_knowledge)
    sd = float(np.std(runs.code_knowledge, ddof=1)) if r > 1 else float("nan")
    return {
        "replications": r,
        "code_knowledge": float(np.mean(runs.code_knowledge)),
        "code_knowledge_sd": sd,
        "code_knowledge_se": sd / np.sqrt(r),
        "code_match_share": float(np.mean(runs.code_match_share)),
        "member_knowledge": float(np.mean(runs.member_knowledge)),
        "periods_mean": float(np.mean(runs.periods)),
        "periods_max": int(np.max(runs.periods)),
        "equilibrium_share": float(np.mean(runs.equilibrium)),
    }


def sweep(base: MarchParams, grid: dict[str, list], replications: int, seed: int, progress=None,
          runs: dict | None = None) -> pd.DataFrame:
    """Every combination of the grid's values, one row each, all with the same seed (common random numbers).

    Args:
        base: parameters not on the grid.
        grid: parameter name -> values, e.g. ``{"socialisation_rate": [...], "code_learning_rate": [...]}``.
        replications: runs per grid point.
        seed: seed of every grid point.
        progress: optional callable ``progress(done, total, row)`` called after each point.
        runs: optional dict that receives each point's per-replication results, keyed by the
            tuple of its grid values (for paired comparisons between points).
    """
    return grid_sweep(MarchParams, base, grid, replications, seed, simulate, summarise, progress, runs)


# ------------------------------------------------------------------------------------- reference
PUBLISHED_SOURCE = (
    "Workiewicz, M. (2019; revised by Y. Kwon 2023). Recreation of March (1991), following Rodan (2005) and "
    "Christensen (2015). GitHub Mac13kW/March_1991_Original, file Output/March_1991_p1_0.1-0.9_p2_0.1-0.9_p3_0_"
    "p4_0_t_limit_100_i_10000.csv, commit e5f5d17 (2023-08-16): mean equilibrium code knowledge over 10,000 "
    "runs per point, m = 30, n = 50, p3 = p4 = 0"
)
# (p1, p2) -> mean equilibrium code knowledge, exactly as published in that file.
PUBLISHED_FIGURE1: dict[tuple[float, float], float] = {}
for _p1, _row in zip(
    (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    (
        (0.8632666666666666, 0.9542533333333334, 0.9724066666666666),
        (0.81714, 0.9088133333333333, 0.9404066666666666),
        (0.80506, 0.8690666666666667, 0.90814),
        (0.8021466666666667, 0.8370666666666666, 0.8736866666666666),
        (0.7993533333333332, 0.8106266666666666, 0.8400733333333333),
        (0.8031666666666666, 0.78674, 0.8067333333333334),
        (0.80596, 0.7678866666666667, 0.7796333333333333),
        (0.8090200000000001, 0.75402, 0.75606),
        (0.8132333333333333, 0.7420666666666667, 0.7284),
    ),
):
    for _p2, _v in zip((0.1, 0.5, 0.9), _row):
        PUBLISHED_FIGURE1[(_p1, _p2)] = _v
PUBLISHED_REPLICATIONS = 10_000


def published_figure1() -> pd.DataFrame:
    """The reference values as a table: socialisation_rate, code_learning_rate, published."""
    return pd.DataFrame(
        [{"socialisation_rate": k[0], "code_learning_rate": k[1], "published": v} for k, v in PUBLISHED_FIGURE1.items()]
    )
