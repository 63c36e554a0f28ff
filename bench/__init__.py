"""Benchmarks (make bench); results in bench/RESULTS.md."""
