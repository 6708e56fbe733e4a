"""Observability: alerts on failed checks and runs, a catalog export and a data-quality report.

Everything here reads the Dagster instance and an asset graph it is given; nothing writes to the lake.
"""
