"""The config of capsim's sweeper (``hydra/sweeper=capsim``), registered when Hydra scans its plugins."""

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from hydra.core.config_store import ConfigStore

NAME = "capsim"


@dataclass
class CapsimSweeperConf:
    """``hydra/sweeper=capsim``: the basic sweeper's settings (``max_batch_size``, ``params``)."""

    _target_: str = "hydra_plugins.capsim_sweeper.capsim_sweeper.CapsimSweeper"
    max_batch_size: Optional[int] = None
    params: Optional[Dict[str, Any]] = field(default=None)


def register() -> None:
    """Register the sweeper's config as ``hydra/sweeper/capsim``."""
    ConfigStore.instance().store(group="hydra/sweeper", name=NAME, node=CapsimSweeperConf, provider="capsim")


register()
