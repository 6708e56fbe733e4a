"""What a bronze, silver or gold step does, Dagster-free: run in-process by the assets and by the job process."""
