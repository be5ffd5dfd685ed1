"""capsim's Hydra sweeper, where Hydra looks for plugins (the ``hydra_plugins`` namespace); its code is
``capsim_sweeper.py`` (Hydra's basic sweeper, checking each distinct configuration of a batch once)."""
