"""Observability: alerts on failed checks and runs, a catalog export and a data-quality report.

Everything here reads the Dagster instance and the definitions; nothing writes to the lake.
"""
