"""Delta tables through Spark's own Delta Lake: the `Tables` of a Databricks job.

Same semantics as DeltaRsTables: staged rows are cached on the cluster and published by a MERGE
that inserts new keys and replaces a row only by a greater version whose content differs;
`replace_where` swaps the rows matching a predicate (all new rows must match it) in one commit. Figures come from the commit's operation metrics.
The `delta` Python package ships with the Databricks runtime; it is imported on use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from dataops_platform.storage.delta import merge_condition, newer_and_changed
from dataops_platform.storage.tables import Staged, Written

# operationMetrics keys per Delta operation: (rows handed to the write, inserted, updated)
_METRICS = {
    "MERGE": ("numSourceRows", "numTargetRowsInserted", "numTargetRowsUpdated"),
    "WRITE": ("numOutputRows", "numOutputRows", None),
    "CREATE TABLE": ("numOutputRows", "numOutputRows", None),
}


def written_from_commit(version: int, operation: str, metrics: dict[str, str]) -> Written:
    source, inserted, updated = _METRICS.get(operation, ("numOutputRows", "numOutputRows", None))
    count = lambda key: int(metrics.get(key) or 0) if key else 0  # noqa: E731
    return Written(version, count(source), count(inserted), count(updated))


@dataclass(frozen=True)
class SparkDeltaTables:
    """Delta tables read and written by the job's SparkSession (paths, not catalog names)."""

    spark: SparkSession

    def _table(self, uri: str):
        from delta.tables import DeltaTable

        return DeltaTable.forPath(self.spark, uri)

    def exists(self, uri: str) -> bool:
        from delta.tables import DeltaTable

        return DeltaTable.isDeltaTable(self.spark, uri)

    def read(self, spark: SparkSession, uri: str) -> DataFrame:
        return spark.read.format("delta").load(uri)

    def merge_latest(self, uri, df, keys, version_column, content_column, partition_by) -> Written:
        if not self.exists(uri):
            return self._create(uri, df, partition_by)
        before = self._version(uri)
        merge = self._table(uri).alias("t").merge(df.alias("s"), merge_condition(keys))
        merge = merge.withSchemaEvolution()  # columns the batch adds join the table (Delta 3.2+, DBR 15.2+)
        (
            merge.whenMatchedUpdateAll(condition=newer_and_changed(version_column, content_column))
            .whenNotMatchedInsertAll()
            .execute()
        )
        return self._last_commit(uri, before, df)

    def stage(self, spark, uri, df, partition_by, read_version) -> Staged:
        """The rows cached on the cluster (counted: the one action), merged by `publish_latest`."""
        cached = df.persist()
        cached.count()
        return Staged(uri, cached, list(partition_by))

    def publish_latest(self, staged, keys, version_column, content_column, inserts_only) -> Written:
        try:
            return self.merge_latest(staged.uri, staged.frame, keys, version_column, content_column, staged.handle)
        finally:
            staged.frame.unpersist()

    def discard(self, staged: Staged) -> None:
        staged.frame.unpersist()

    def replace_where(self, uri, df, predicate, partition_by) -> Written:
        if not self.exists(uri):
            return self._create(uri, df, partition_by)
        before = self._version(uri)
        writer = df.write.format("delta").mode("overwrite").option("replaceWhere", predicate)
        writer.option("mergeSchema", "true").save(uri)
        return self._last_commit(uri, before, df)

    def _create(self, uri: str, df: DataFrame, partition_by: list[str]) -> Written:
        df.write.format("delta").partitionBy(*partition_by).mode("errorifexists").save(uri)
        return self._last_commit(uri, -1, df)

    def _version(self, uri: str) -> int:
        return int(self._table(uri).history(1).select("version").first()[0])

    def _last_commit(self, uri: str, before: int, df: DataFrame) -> Written:
        commit = self._table(uri).history(1).select("version", "operation", "operationMetrics").first()
        if commit is None or int(commit["version"]) == before:  # nothing committed: nothing changed
            return Written(before, df.count())
        return written_from_commit(int(commit["version"]), commit["operation"], dict(commit["operationMetrics"] or {}))

    def row_count(self, uri: str) -> int:
        return self.read(self.spark, uri).count()

    def size_bytes(self, uri: str) -> int:
        return int(self._table(uri).detail().select("sizeInBytes").first()[0] or 0)

    def version(self, uri: str) -> int:
        return self._version(uri)

    def null_counts(self, uri: str, columns: list[str]) -> tuple[int, dict[str, int]]:
        figures = (
            self.read(self.spark, uri)
            .agg(F.count(F.lit(1)).alias("__rows"), *[F.count(F.when(F.col(c).isNull(), 1)).alias(c) for c in columns])
            .first()
        )
        return int(figures["__rows"]), {c: int(figures[c]) for c in columns}

    def key_counts(self, uri: str, keys: list[str]) -> tuple[int, int]:
        table = self.read(self.spark, uri).select(*keys)
        return table.count(), table.distinct().count()

    def rows_for_ingestion_date(self, uri: str, day: dt.date) -> int:
        return self.read(self.spark, uri).filter(F.col("_ingestion_date") == F.lit(day)).count()
