"""Benchmark package: see benchmarks/README.md."""
