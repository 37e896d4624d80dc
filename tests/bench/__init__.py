"""Benchmarks for `make bench`: each `bench_*.py` module declares `METRICS` and has `run(quick)`
yielding metric dicts; `runner.py` runs them and judges each figure against its budget."""
