"""The command line: ``capsim <command>`` (``main.py``'s table of commands) and the commands that
are not sweeps, studies, docking or advocacy: ``run``, ``compare``, ``report``, ``params``,
``findings`` and ``data`` (country data: checking it, and setting a run up from it)."""
