"""The config of capsim's local launcher (``hydra/launcher=capsim``), registered when Hydra scans its plugins."""

from dataclasses import dataclass
from typing import Any

from hydra.core.config_store import ConfigStore

NAME = "capsim"


@dataclass
class CapsimLauncherConf:
    """``hydra/launcher=capsim``: ``n_jobs`` workers (null or -1: every core)."""

    _target_: str = "hydra_plugins.capsim_launcher.capsim_launcher.CapsimLauncher"
    n_jobs: Any = None


def register() -> None:
    """Register the launcher's config as ``hydra/launcher/capsim``."""
    ConfigStore.instance().store(group="hydra/launcher", name=NAME, node=CapsimLauncherConf, provider="capsim")


register()
