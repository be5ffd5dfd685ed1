"""What the runner's fork server loads before it forks any worker (``experiments/runner.py`` :data:`PRELOAD`).

``multiprocessing``'s fork server imports this module once, at its start; every worker it forks after that starts
with the model's modules already imported (:func:`experiments.runner.load_model`), instead of each worker
importing them again (about 1.6 s of one core per worker here). The fork server must start whatever happens here:
on any error the workers import what they need themselves, as without the preload, and report the error where it
matters (in a run).
"""

try:
    from experiments.runner import load_model

    load_model()
except Exception:  # noqa: BLE001 - see the module's docstring
    pass
