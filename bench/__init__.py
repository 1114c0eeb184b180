"""Benchmarks (`bench/run.py`) and the soak run (`bench/soak.py`): figures, never tests."""
