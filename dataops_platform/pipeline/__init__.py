"""One partition of one layer, end to end: read, transform, write. No Dagster here.

Assets call these steps and turn their outcomes into materialization metadata; a
Databricks job entrypoint can call the same steps.
"""
