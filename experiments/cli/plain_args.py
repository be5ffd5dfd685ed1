"""Command-line options of the plain (non-Hydra) commands, with bad input reported in one line.

``argparse`` prints a usage block and exits on bad input; capsim's rule is one line naming
what is wrong, the value and what is allowed, with exit code 2 (``experiments/cli/main.py``). This
parser raises :class:`~experiments.config.UsageError` instead, which the ``capsim`` entry
point turns into that line. ``--help`` still prints the full help.
"""

from __future__ import annotations

import argparse
import math

from experiments.config import UsageError

__all__ = ["OptionParser", "positive_float", "positive_int", "seed_number", "port_number"]


class OptionParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors raise :class:`UsageError` (one line, exit code 2)."""

    def error(self, message: str):
        """argparse's hook for bad input: raise a one-line UsageError instead of exiting."""
        # "argument --port: --port = 'x' is not ..." -> "--port = 'x' is not ..."
        if message.startswith("argument ") and ": " in message:
            head, _, rest = message.partition(": ")
            if rest.startswith(head.removeprefix("argument ").split("/")[0]):
                message = rest
        raise UsageError(f"{self.prog}: {message}")


def _number(kind, text: str, what: str, ok, allowed: str):
    noun = "whole number" if kind is int else "number"
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} = {text!r} is not a {noun}; allowed: {allowed}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{what} = {text!r} is not a finite number; allowed: {allowed}")
    if not ok(value):
        raise argparse.ArgumentTypeError(f"{what} = {text!r} is out of range; allowed: {allowed}")
    return value


def positive_float(what: str, hi: float = 1e6):
    """An argparse type: a finite number > 0 and <= ``hi``."""
    return lambda t: _number(float, t, what, lambda v: 0 < v <= hi, f"a number > 0 and at most {hi:g}")


def positive_int(what: str, hi: int = 10**9):
    """An argparse type: a whole number from 1 to ``hi``."""
    return lambda t: _number(int, t, what, lambda v: 1 <= v <= hi, f"a whole number from 1 to {hi}")


def seed_number(text: str) -> int:
    """An argparse type: a seed, a whole number from 0 to 2**63 - 1."""
    return _number(int, text, "--seed", lambda v: 0 <= v < 2**63, "a whole number from 0 to 2**63 - 1")


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free port) to 65535."""
    return _number(int, text, "--port", lambda v: 0 <= v <= 65535, "a whole number from 0 (any free port) to 65535")
