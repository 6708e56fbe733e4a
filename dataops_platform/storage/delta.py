"""Delta tables through delta-rs (the `deltalake` package) and Arrow, locally or on S3.

Spark's Delta and S3 jars cannot be fetched offline, so the local engine writes Delta with
delta-rs; it reads a local table's active Parquet files with Spark and an S3 table through
Arrow. Every write is one Delta commit (a first write creates the empty table first): a crash
leaves the previous version intact, and a commit that lost a race with a concurrent writer is
retried (bounded).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as spark_types

T = TypeVar("T")
COMMIT_ATTEMPTS = 6
BACKOFF_SECONDS = 0.2


@dataclass(frozen=True)
class WriteResult:
    """What a write did, for materialization metadata."""

    version: int
    rows_written: int
    metrics: dict


StorageOptions = dict[str, str] | None


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def table_exists(uri: str, storage_options: StorageOptions = None) -> bool:
    # Not DeltaTable.is_deltatable: against an S3 endpoint it can hang until its HTTP timeout.
    try:
        DeltaTable(uri, storage_options=storage_options)
    except TableNotFoundError:
        return False
    return True


def with_commit_retries(operation: Callable[[], T], attempts: int = COMMIT_ATTEMPTS) -> T:
    """Run a whole read-modify-commit `operation` again when a concurrent commit beat it."""
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except (CommitFailedError, DeltaError) as exc:
            conflict = isinstance(exc, CommitFailedError) or "already exists" in str(exc)
            if not conflict or attempt == attempts:
                raise
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1) * (1 + random.random()))
    raise AssertionError("unreachable")


def create_if_missing(uri: str, schema: pa.Schema, partition_by: list[str], storage_options: StorageOptions) -> None:
    """Create an empty table first, so concurrent first writes become ordinary conflicting commits."""
    if not table_exists(uri, storage_options):
        DeltaTable.create(
            uri, schema=schema, partition_by=partition_by or None, mode="ignore", storage_options=storage_options
        )


def read_table(spark: SparkSession, uri: str, storage_options: StorageOptions = None) -> DataFrame:
    """The current version of a Delta table as a Spark DataFrame (partition columns included)."""
    table = DeltaTable(uri, storage_options=storage_options)
    files = table.file_uris()
    empty = spark.createDataFrame(pa.schema(table.schema().to_arrow()).empty_table())
    if not files:
        return empty
    if not is_local(uri):
        return spark.createDataFrame(table.to_pyarrow_table())
    typed = empty.schema
    df = spark.read.option("basePath", uri).parquet(*files)
    # nested columns are read as written: a cast would only differ in nullability
    nested = (spark_types.ArrayType, spark_types.MapType, spark_types.StructType)
    return df.select(
        *[F.col(f.name) if isinstance(f.dataType, nested) else F.col(f.name).cast(f.dataType) for f in typed.fields]
    )


def row_count(uri: str, storage_options: StorageOptions = None) -> int:
    """Rows in the current version, from the Delta log's file statistics when available."""
    table = DeltaTable(uri, storage_options=storage_options)
    actions = pa.table(table.get_add_actions(flatten=True))
    if "num_records" in actions.column_names and actions.num_rows:
        counts = actions.column("num_records").to_pylist()
        if all(c is not None for c in counts):
            return int(sum(counts))
    return table.to_pyarrow_table(columns=[]).num_rows if actions.num_rows else 0


def merge_condition(keys: list[str]) -> str:
    """Target row `t` and source row `s` have the same key (shared with the Spark Delta engine)."""
    return " AND ".join(f"t.`{k}` = s.`{k}`" for k in keys)


def newer_and_changed(version_column: str, content_column: str) -> str:
    """When a matched row is replaced: a later version with different content."""
    return f"s.`{version_column}` > t.`{version_column}` AND s.`{content_column}` <> t.`{content_column}`"


def merge_latest(
    uri: str,
    data: pa.Table,
    keys: list[str],
    version_column: str,
    content_column: str,
    partition_by: list[str],
    storage_options: StorageOptions = None,
) -> WriteResult:
    """Upsert on `keys`: insert new keys; replace a row only by a greater `version_column`
    whose `content_column` (a row hash) differs: an unchanged row is not rewritten.

    Order-independent and idempotent: re-merging the same rows changes nothing.
    """
    predicate, newer = merge_condition(keys), newer_and_changed(version_column, content_column)

    def merge() -> WriteResult:
        create_if_missing(uri, data.schema, partition_by, storage_options)
        table = DeltaTable(uri, storage_options=storage_options)
        metrics = (
            # merge_schema: columns the batch adds (`_rescued_data`, schema_evolution: add) join the table
            table.merge(source=data, predicate=predicate, source_alias="s", target_alias="t", merge_schema=True)
            .when_matched_update_all(predicate=newer)
            .when_not_matched_insert_all()
            .execute()
        )
        written = metrics.get("num_target_rows_inserted", 0) + metrics.get("num_target_rows_updated", 0)
        return WriteResult(table.version(), written, metrics)

    return with_commit_retries(merge)


def replace_where(
    uri: str, data: pa.Table, predicate: str, partition_by: list[str], storage_options: StorageOptions = None
) -> WriteResult:
    """Atomically replace the rows matching `predicate` with `data` (all of which must match it)."""

    def replace() -> WriteResult:
        create_if_missing(uri, data.schema, partition_by, storage_options)
        write_deltalake(
            uri,
            data,
            mode="overwrite",
            predicate=predicate,
            schema_mode="merge",  # a column new to the table (e.g. `_rescued_data`) is added
            partition_by=partition_by or None,
            storage_options=storage_options,
        )
        return WriteResult(DeltaTable(uri, storage_options=storage_options).version(), data.num_rows, {})

    return with_commit_retries(replace)
