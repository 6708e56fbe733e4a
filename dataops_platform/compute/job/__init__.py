"""What a silver or gold step does, Dagster-free: run by the assets in-process and by the job
entrypoint in another process (a Databricks job, or a local one) through Dagster Pipes."""
