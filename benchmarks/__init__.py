"""Benchmarks: run on demand with ``python -m benchmarks``; numbers, not pass/fail."""
