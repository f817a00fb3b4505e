"""Benchmarks at practice scale (issue 10). Run with `make bench`; see docs/benchmarks.md."""
