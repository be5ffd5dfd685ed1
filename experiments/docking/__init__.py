"""Docking (``capsim dock``): the published models re-run with capsim's mechanisms, checked against
their published values (``dock.py``; the models themselves are in ``sim/docking/``)."""
