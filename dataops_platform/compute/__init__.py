"""Compute engines: the local SparkSession resource (Databricks through Pipes comes later)."""
