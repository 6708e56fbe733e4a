"""Table I/O as seen by the pipeline steps: one interface, one implementation per engine.

`DeltaRsTables` (the embedded default and S3): silver rows are written by Spark as Parquet and
committed by delta-rs (storage/staging.py); other writes go through Arrow to delta-rs. A
Databricks job provides an implementation on native Spark Delta with the same methods, so the
steps and transforms run unchanged on both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from pyspark.sql import DataFrame, SparkSession

from dataops_platform.storage import delta, staging, table_stats


@dataclass(frozen=True)
class Written:
    """What a write did: the new table version, rows handed to it, and engine metrics."""

    version: int
    source_rows: int
    inserted: int = 0
    updated: int = 0


@dataclass(frozen=True)
class Staged:
    """Rows written for the table at `uri` but not committed: readers of the table do not see
    them. `frame` reads them back (for the audit); `handle` is the engine's."""

    uri: str
    frame: DataFrame
    handle: Any


class Tables(Protocol):
    def exists(self, uri: str) -> bool: ...
    def read(self, spark: SparkSession, uri: str) -> DataFrame: ...
    def stage(
        self, spark: SparkSession, uri: str, df: DataFrame, partition_by: list[str], read_version: int | None
    ) -> Staged:
        """Write `df` for the table without committing it: one Spark action, so observations on
        `df` are collected by it. `read_version`: the table version `df` was figured against
        (None: no table), so a publish notices a commit made since."""

    def publish_latest(
        self, staged: Staged, keys: list[str], version_column: str, content_column: str, inserts_only: bool
    ) -> Written:
        """Commit staged rows with MERGE semantics: a new key is inserted; a row replaces the one
        held only with a greater `version_column` and a different `content_column` (a row hash).
        `inserts_only`: the caller found every staged key new (a plain append, if still true)."""

    def discard(self, staged: Staged) -> None: ...
    def replace_where(self, uri: str, df: DataFrame, predicate: str, partition_by: list[str]) -> Written: ...
    def row_count(self, uri: str) -> int: ...
    def size_bytes(self, uri: str) -> int: ...
    def version(self, uri: str) -> int: ...
    def null_counts(self, uri: str, columns: list[str]) -> tuple[int, dict[str, int]]: ...
    def key_counts(self, uri: str, keys: list[str]) -> tuple[int, int]: ...
    def rows_for_ingestion_date(self, uri: str, day: dt.date) -> int: ...


@dataclass(frozen=True)
class DeltaRsTables:
    """Delta tables through delta-rs: Spark computes, Arrow carries, delta-rs commits."""

    storage_options: dict[str, str] | None = None

    def exists(self, uri: str) -> bool:
        return delta.table_exists(uri, self.storage_options)

    def read(self, spark: SparkSession, uri: str) -> DataFrame:
        return delta.read_table(spark, uri, self.storage_options)

    def stage(self, spark, uri, df, partition_by, read_version) -> Staged:
        files = staging.write(spark, df, uri, partition_by, read_version)
        return Staged(uri, staging.read(spark, files), files)

    def publish_latest(self, staged, keys, version_column, content_column, inserts_only) -> Written:
        merge = (keys, version_column, content_column)
        result = staging.publish(staged.handle, inserts_only, merge, self.storage_options)
        metrics = result.metrics
        return Written(
            result.version,
            int(metrics.get("num_source_rows", result.rows_written)),
            int(metrics.get("num_target_rows_inserted", 0)),
            int(metrics.get("num_target_rows_updated", 0)),
        )

    def discard(self, staged: Staged) -> None:
        staging.discard(staged.handle)

    def replace_where(self, uri, df, predicate, partition_by) -> Written:
        data = df.toArrow()
        result = delta.replace_where(uri, data, predicate, partition_by, self.storage_options)
        return Written(result.version, data.num_rows, data.num_rows)

    def row_count(self, uri: str) -> int:
        return delta.row_count(uri, self.storage_options)

    def size_bytes(self, uri: str) -> int:
        return table_stats.size_bytes(uri, self.storage_options)

    def version(self, uri: str) -> int:
        return table_stats.version(uri, self.storage_options)

    def null_counts(self, uri, columns):
        return table_stats.null_counts(uri, columns, self.storage_options)

    def key_counts(self, uri, keys):
        return table_stats.key_counts(uri, keys, self.storage_options)

    def rows_for_ingestion_date(self, uri, day):
        return table_stats.rows_for_ingestion_date(uri, day, self.storage_options)
