"""Sweeps: one command per policy question (``capsim sweep``): planning (``plan.py``), the sweep
directory and its runs (``directory.py``), launching and collecting (``sweep.py``, ``collect.py``),
and the small in-process grid behind ``capsim compare`` (``grid.py``)."""
