"""The step process under Dagster Pipes: locally in a subprocess, or as a Databricks run."""
