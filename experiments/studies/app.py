"""Launching an experiment command: ``capsim <command>`` is the Hydra app with ``experiment=<name>``.

Each experiment has one config file, ``configs/experiment/<name>.yaml`` (``# @package _global_``),
holding its settings under ``experiment:`` and any model settings it needs (scenario preset,
world size, horizon). :func:`launch` adds ``experiment=<name>`` unless the user chose another
experiment file, checks the composed config and the experiment's settings before anything
runs (one-line error, exit code 2), then hands over to Hydra, so Hydra's flags
(``--cfg job``, ``hydra.run.dir=...``) and overrides (``experiment.samples=50``) work as for
every other command. :func:`setting` reads one setting with its type and range checked.
"""

from __future__ import annotations

import sys
from typing import Callable

from omegaconf import DictConfig

from experiments.config import UsageError, precheck, split_hydra_args
from sim.params import ConfigError

__all__ = ["launch", "setting"]

_HELP = ("--help", "-h", "--hydra-help", "--info", "-i", "--shell-completion", "-sc")


def launch(name: str, hydra_main: Callable[[], None], argv: list[str],
           check: Callable[[DictConfig], object] | None = None) -> int:
    """Check the user's overrides and the experiment settings, then run the Hydra app.

    Args:
        name: the experiment config (``configs/experiment/<name>.yaml``).
        hydra_main: the ``@hydra.main`` function of the command.
        argv: the command's arguments (overrides and Hydra flags).
        check: reads and validates the settings of a composed config (raises ConfigError).

    Raises:
        UsageError: bad input, in one line.
    """
    overrides, flags = split_hydra_args(argv)
    chosen = any(o.lstrip("+").split("=", 1)[0] == "experiment" for o in overrides)
    pre = [] if chosen else [f"experiment={name}"]
    if not any(f in _HELP for f in flags):
        if "-m" in flags or "--multirun" in flags:
            raise UsageError(f"capsim {name} runs its own design of experiments; allowed: no -m/--multirun")
        cfg = precheck(pre + overrides)
        if check is not None:
            try:
                check(cfg)
            except ConfigError as e:
                raise UsageError(str(e)) from None
    sys.argv = [f"capsim-{name}", *pre, *argv]
    hydra_main()
    return 0


def setting(cfg: DictConfig, key: str, kind: type, lo: float | None = None, hi: float | None = None):
    """One setting ``experiment.<key>``, type- and range-checked.

    Args:
        cfg: the composed config.
        key: the setting's name under ``experiment``.
        kind: ``int``, ``float``, ``bool``, ``str`` or ``list``.
        lo, hi: allowed range for numbers.

    Raises:
        ConfigError: the setting is missing, of the wrong type or out of range.
    """
    exp = cfg.get("experiment")
    if exp is None or key not in exp:
        raise ConfigError(f"experiment.{key} is missing; add it to the experiment's config file")
    value = exp[key]
    name = f"experiment.{key}"
    if kind is list:
        if value is None or isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ConfigError(f"{name} = {value!r} is not a list; allowed: a list such as [a, b]")
        return list(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name} = {value!r} is not true/false; allowed: true or false")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name} = {value!r} is not text")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} = {value!r} is not a number; allowed: {_range(kind, lo, hi)}")
    if kind is int and isinstance(value, float):
        if not value.is_integer():
            raise ConfigError(f"{name} = {value!r} is not a whole number; allowed: {_range(kind, lo, hi)}")
    value = kind(value)
    if value != value or (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name} = {value!r} is out of range; allowed: {_range(kind, lo, hi)}")
    return value


def _range(kind: type, lo, hi) -> str:
    what = "whole number" if kind is int else "number"
    if lo is not None and hi is not None:
        return f"{what} from {lo:g} to {hi:g}"
    if lo is not None:
        return f"{what} >= {lo:g}"
    return what
