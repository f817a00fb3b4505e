"""Benchmarks at practice scale. Run with `make bench`; see docs/benchmarks.md."""
