"""Benchmark package: see benchmarks/scale/run.py."""
