"""Benchmarks with side-by-side ratios; run each as `python -m benchmarks.<name>` from the repository root."""
