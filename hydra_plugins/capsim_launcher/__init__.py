"""capsim's local Hydra launcher, where Hydra looks for plugins (the ``hydra_plugins`` namespace);
its code is ``capsim_launcher.py`` (jobs on the one runner, ``experiments/runner.py``)."""
