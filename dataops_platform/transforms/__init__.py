"""Pure PySpark transforms: DataFrames in, DataFrames out. No Dagster, no paths, no I/O.

The same functions run on a local SparkSession and on Databricks.
"""
