"""Logging of the commands and their workers (a leaf module).

Mesa logs every step at INFO on logger ``MESA.mesa.model``: under Hydra's logging that floods
the console and costs about 7% at small sizes (``../shared/TOOLCHAIN.md``), so every command and
every worker process calls :func:`quiet_mesa` first.
"""

from __future__ import annotations

import logging

__all__ = ["quiet_mesa"]


def quiet_mesa() -> None:
    """Mesa logs every step at INFO; that floods the console and costs time in sweeps."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    logging.getLogger("MESA.mesa.model").setLevel(logging.WARNING)
