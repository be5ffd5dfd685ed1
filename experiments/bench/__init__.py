"""Benchmarks (``capsim bench``): speed and memory against Mesa's BoltzmannWealth (``bench.py``) and
the scaling of sweeps (``sweep_scaling.py``)."""
