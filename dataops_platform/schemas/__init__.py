"""pandera DataFrameModels: the contract of every silver and gold table.

Each model carries types, nullability, ranges, patterns, allowed values and a description
per column. The same model drives row-level validation (quality/rules.py) and the column
schema shown in the Dagster catalog (assets/metadata.py).
"""
