"""capsim: an agent-based model of humanitarian capacity building, strengthening and sharing.

One concept per file; ``docs/architecture.md`` maps every module of the project to the concept it
owns and the layers it may import (``tests/test_architecture.py`` keeps the map true).
"""

from .params import ConfigError, Params

__all__ = ["CapacityModel", "ConfigError", "Params", "RunResult", "run", "write_run", "read_run"]

_LAZY = {"CapacityModel": ".model", "RunResult": ".results", "run": ".results", "write_run": ".results",
         "read_run": ".results"}


def __getattr__(name: str):
    """The model and the run functions import Mesa (about 1.7 s); load them on first use, so that
    commands that only read parameters (``capsim params``, planning a sweep) start quickly."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
