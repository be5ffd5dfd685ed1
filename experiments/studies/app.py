"""Launching a study command: ``capsim calibrate|sensitivity|discover`` is the Hydra app with ``study=<name>``.

Each study has one config file, ``configs/study/<name>.yaml`` (``# @package _global_``), holding
its settings under ``study:`` and any model settings it needs (scenario preset, world size,
horizon). :func:`launch` adds ``study=<name>`` unless the user chose another study file, checks
the composed config and the study's settings before anything runs (one-line error, exit code 2),
then hands over to Hydra, so Hydra's flags (``--cfg job``, ``hydra.run.dir=...``) and overrides
(``study.samples=50``) work as for every other command. :func:`study_settings` reads the
settings with the parameter registry's engine (``sim/params.py``: each declared with ``param``).
"""

from __future__ import annotations

import sys
from typing import Callable

from omegaconf import DictConfig

from experiments.config import UsageError, precheck, split_hydra_args
from sim.params import ConfigError, section_from_dict

__all__ = ["launch", "study_settings"]

_HELP = ("--help", "-h", "--hydra-help", "--info", "-i", "--shell-completion", "-sc")


def launch(name: str, hydra_main: Callable[[], None], argv: list[str],
           check: Callable[[DictConfig], object] | None = None) -> int:
    """Check the user's overrides and the study settings, then run the Hydra app.

    Args:
        name: the study config (``configs/study/<name>.yaml``).
        hydra_main: the ``@hydra.main`` function of the command.
        argv: the command's arguments (overrides and Hydra flags).
        check: reads and validates the settings of a composed config (raises ConfigError).

    Raises:
        UsageError: bad input, in one line.
    """
    overrides, flags = split_hydra_args(argv)
    chosen = any(o.lstrip("+").split("=", 1)[0] == "study" for o in overrides)
    pre = [] if chosen else [f"study={name}"]
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


def study_settings(cfg: DictConfig, cls: type):
    """The study's settings under ``study``, validated by the parameter registry's engine (``sim.params``:
    ``param()`` declarations, one-line errors naming the key, the value and what is allowed).

    Args:
        cfg: the composed config.
        cls: the study's settings dataclass (fields declared with ``sim.params.param``).

    Raises:
        ConfigError: a setting is unknown, of the wrong type or out of range.
    """
    from omegaconf import OmegaConf

    node = cfg.get("study")
    if node is None:
        raise ConfigError("study settings are missing; allowed: a study config (configs/study/)")
    data = OmegaConf.to_container(node, resolve=True)
    data.pop("name", None)
    return section_from_dict(cls, data, "study.")
