"""The two kinds of failure every command reports in one line (a leaf module: it imports nothing).

* :class:`UsageError` - bad input (a value, an option, a file): exit code 2;
* :class:`RuntimeFailure` - a failure while running (results cannot be written, a cluster does
  not answer): exit code 1.

Model parameters refused by the registry raise ``sim.params.ConfigError`` (exit code 2).
"""

from __future__ import annotations

__all__ = ["UsageError", "RuntimeFailure"]


class UsageError(Exception):
    """Bad command-line input: reported in one line with exit code 2."""


class RuntimeFailure(Exception):
    """A failure while running (e.g. results cannot be written): one line, exit code 1."""
