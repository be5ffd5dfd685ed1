"""The learning law shared by the regimes and the docking models: closing a gap to a teacher.

capsim has one law of learning (``sim/params.py`` section ``learning``): a learner closes a
share ``rate`` of the gap to a teacher who knows more, and learns nothing from one who knows
less. The regimes (``sim/regimes.py``) apply it to staff learning technical skills from an
international partner and, under two-way sharing, to international staff learning contextual
skills from their local partners: a barter of capacity in which each side gains where the other
is ahead.

Cowan & Jonard (2004) model knowledge diffusion as exactly such a barter: two agents trade
when each knows more than the other in some category, and a receiver absorbs a share alpha
(absorptive capacity) of the difference. Their docking model (``sim/docking/cowan_jonard.py``)
uses :func:`close_gap` and :func:`barter` from here, so docking it against the published result
exercises the same code as the regimes.

Everything here is pure: arrays in, arrays out, no randomness, no model state.
"""

from __future__ import annotations

import numpy as np

from .jit import kernel

__all__ = ["close_gap", "ahead", "can_barter", "can_exchange", "barter"]


@kernel
def close_gap(learner, teacher, rate):
    """Gain of a learner who closes a share ``rate`` of the gap to a teacher who knows more (numbers or
    arrays; compiled, so the regimes' kernels apply this same law person by person, ``sim/jit.py``).

    Args:
        learner: the learner's level(s).
        teacher: the teacher's level(s), broadcastable to ``learner``.
        rate: share of the gap closed (scalar or array broadcastable to ``learner``); 0..1.

    Returns:
        ``rate * max(0, teacher - learner)``: zero where the teacher knows no more.
    """
    return rate * np.maximum(0.0, teacher - learner)


def ahead(a: np.ndarray, b: np.ndarray, tolerance: float) -> np.ndarray:
    """Where ``a`` knows more than ``b`` by more than a relative ``tolerance`` of ``b``'s level.

    Args:
        a: levels of one party, any shape.
        b: levels of the other party, same shape.
        tolerance: relative difference below which two levels count as equal (e.g. 0.01 = 1%).
    """
    return a > b * (1.0 + tolerance)


def can_barter(a: np.ndarray, b: np.ndarray, tolerance: float, axis: int = -1) -> np.ndarray:
    """True where a barter benefits both sides: each is ahead of the other somewhere.

    Args:
        a: levels of one party per category (categories along ``axis``).
        b: levels of the other party, same shape.
        tolerance: see :func:`ahead`.
        axis: the axis of the categories.
    """
    return ahead(a, b, tolerance).any(axis=axis) & ahead(b, a, tolerance).any(axis=axis)


def can_exchange(a: np.ndarray, b: np.ndarray, tolerance: float, axis: int = -1,
                 both_must_gain: bool = True) -> np.ndarray:
    """True where an exchange changes something: a barter (both gain) or, if not required, either gains.

    Args:
        a: levels of one party per category (categories along ``axis``).
        b: levels of the other party, same shape.
        tolerance: see :func:`ahead`.
        axis: the axis of the categories.
        both_must_gain: require a double coincidence of wants (:func:`can_barter`).
    """
    if both_must_gain:
        return can_barter(a, b, tolerance, axis)
    return ahead(a, b, tolerance).any(axis=axis) | ahead(b, a, tolerance).any(axis=axis)


def barter(a: np.ndarray, b: np.ndarray, rate, tolerance: float, axis: int = -1,
           one_category: bool = False, both_must_gain: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """New levels of two parties after a barter: where both gain, each learns where the other is ahead.

    Each party closes a share ``rate`` of its gap to the other in every category in which the
    other is ahead (:func:`close_gap`); knowledge is not rival, so the giver loses nothing. Pairs
    for which :func:`can_barter` is false are returned unchanged (no double coincidence of wants).

    Args:
        a: levels of one party per category (e.g. shape ``(pairs, categories)``).
        b: levels of the other party, same shape.
        rate: absorptive capacity: share of a gap closed in one trade, 0..1.
        tolerance: see :func:`ahead`.
        axis: the axis of the categories.
        one_category: pass on only the category with the largest gap, each way.
        both_must_gain: True for a barter; False for an exchange by rule, in which each side
            learns wherever the other is ahead even if only one side gains (capsim's two-way
            sharing works so).

    Returns:
        ``(a_new, b_new)``.
    """
    trade = np.expand_dims(can_exchange(a, b, tolerance, axis, both_must_gain), axis)
    a_gain = np.where(ahead(b, a, tolerance) & trade, close_gap(a, b, rate), 0.0)
    b_gain = np.where(ahead(a, b, tolerance) & trade, close_gap(b, a, rate), 0.0)
    if one_category:
        a_gain = _only_largest(a_gain, axis)
        b_gain = _only_largest(b_gain, axis)
    return a + a_gain, b + b_gain


def _only_largest(gain: np.ndarray, axis: int) -> np.ndarray:
    """Keep, along ``axis``, only the largest gain (the first one on ties)."""
    keep = np.zeros_like(gain)
    idx = np.expand_dims(np.argmax(gain, axis=axis), axis)
    np.put_along_axis(keep, idx, np.take_along_axis(gain, idx, axis), axis)
    return keep
