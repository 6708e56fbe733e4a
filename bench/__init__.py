"""Benchmarks of dataops_platform against plain baselines, measured in the same run.

Run `python -m bench --help` from the repository root; see bench/README.md.
"""
