"""Benchmarks: this model side by side with Mesa's reference model, in one process."""
