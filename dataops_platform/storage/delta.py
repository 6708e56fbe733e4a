"""Delta tables through delta-rs (the `deltalake` package) and Arrow.

Spark's Delta jars cannot be fetched offline, so the local engine writes Delta with delta-rs
and reads the table's active Parquet files with Spark. Every write is one Delta commit: a
crash leaves the previous version intact, and a retry converges.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F


@dataclass(frozen=True)
class WriteResult:
    """What a write did, for materialization metadata."""

    version: int
    rows_written: int
    metrics: dict


StorageOptions = dict[str, str] | None


def table_exists(uri: str, storage_options: StorageOptions = None) -> bool:
    return DeltaTable.is_deltatable(uri, storage_options=storage_options)


def read_table(spark: SparkSession, uri: str, storage_options: StorageOptions = None) -> DataFrame:
    """The current version of a Delta table as a Spark DataFrame (partition columns included)."""
    table = DeltaTable(uri, storage_options=storage_options)
    files = table.file_uris()
    if not files:
        return spark.createDataFrame(table.to_pyarrow_table())
    typed = spark.createDataFrame(pa.schema(table.schema().to_arrow()).empty_table()).schema
    df = spark.read.option("basePath", uri).parquet(*files)
    return df.select(*[F.col(f.name).cast(f.dataType).alias(f.name) for f in typed.fields])


def row_count(uri: str, storage_options: StorageOptions = None) -> int:
    """Rows in the current version, from the Delta log's file statistics when available."""
    table = DeltaTable(uri, storage_options=storage_options)
    actions = pa.table(table.get_add_actions(flatten=True))
    if "num_records" in actions.column_names and actions.num_rows:
        counts = actions.column("num_records").to_pylist()
        if all(c is not None for c in counts):
            return int(sum(counts))
    return table.to_pyarrow_table(columns=[]).num_rows if actions.num_rows else 0


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
    whose content (`content_column`, a row hash) differs.

    Order-independent and idempotent: re-merging the same rows changes nothing.
    """
    if not table_exists(uri, storage_options):
        write_deltalake(uri, data, partition_by=partition_by, mode="error", storage_options=storage_options)
        version = DeltaTable(uri, storage_options=storage_options).version()
        return WriteResult(version, data.num_rows, {"num_target_rows_inserted": data.num_rows})
    predicate = " AND ".join(f"t.`{k}` = s.`{k}`" for k in keys)
    metrics = (
        DeltaTable(uri, storage_options=storage_options)
        .merge(source=data, predicate=predicate, source_alias="s", target_alias="t")
        .when_matched_update_all(
            predicate=f"s.`{version_column}` > t.`{version_column}` AND s.`{content_column}` <> t.`{content_column}`"
        )
        .when_not_matched_insert_all()
        .execute()
    )
    written = metrics.get("num_target_rows_inserted", 0) + metrics.get("num_target_rows_updated", 0)
    return WriteResult(DeltaTable(uri, storage_options=storage_options).version(), written, metrics)


def replace_where(
    uri: str, data: pa.Table, predicate: str, partition_by: list[str], storage_options: StorageOptions = None
) -> WriteResult:
    """Atomically replace the rows matching `predicate` with `data` (all of which must match it)."""
    options = {"partition_by": partition_by, "storage_options": storage_options}
    if not table_exists(uri, storage_options):
        write_deltalake(uri, data, mode="error", **options)
    else:
        write_deltalake(uri, data, mode="overwrite", predicate=predicate, **options)
    return WriteResult(DeltaTable(uri, storage_options=storage_options).version(), data.num_rows, {})
