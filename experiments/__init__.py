"""What users run: the `capsim` command and its Hydra entry points (the only place Hydra is seen)."""
