"""The Spark session resource: dagster-pyspark's lazy resource, configured from settings.

The session starts on first use inside a run, never when definitions are loaded.
"""

from __future__ import annotations

from dagster_pyspark import LazyPySparkResource

from dataops_platform.settings import Settings


def spark_resource(settings: Settings) -> LazyPySparkResource:
    """A lazily created local SparkSession (master, driver memory, timezone UTC)."""
    return LazyPySparkResource(spark_config=settings.spark_config())
