"""Rows written for a Delta table but not committed yet: Spark writes the Parquet files, delta-rs
commits them. Nothing of the rows passes through Python.

Spark's executors write a batch into a staging folder: beside the table
(`<layer>/_staging/<table>/<id>`) for a local lake, so placing a file is a rename, or in local
scratch for an S3 lake. Readers of the
table never see a staged file: only a commit names it. Publishing a batch whose every row is a
new key, on a table nobody changed since the rows were classified, is one commit of add actions
(each file's record and null counts as its Delta statistics). Anything else (a row that replaces
an older version, a column the table lacks, a concurrent commit, an S3 lake) goes through
delta-rs's MERGE, which re-checks every key against the table as it is.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, Schema
from deltalake.transaction import AddAction
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import to_arrow_schema

from dataops_platform.storage import delta

STAGING = "_staging"
STALE_SECONDS = 24 * 3600  # staging folders older than this were left by a crashed run
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # Spark's folder name for a null partition value


@dataclass(frozen=True)
class StagedFiles:
    """Parquet files Spark wrote for the table at `uri`, not committed (paths relative to `folder`)."""

    uri: str
    folder: Path
    files: tuple[str, ...]
    schema: pa.Schema  # the rows' Arrow schema, partition columns included
    partition_by: tuple[str, ...]
    read_version: int | None  # the table's version when the rows were staged (None: no table yet)

    def paths(self) -> list[str]:
        return [str(self.folder / f) for f in self.files]


def arrow_schema(df: DataFrame) -> pa.Schema:
    """The Arrow schema `df.toArrow()` would have (no Spark job)."""
    return to_arrow_schema(df.schema, error_on_duplicated_field_names_in_struct=True, timezone="UTC")


def _staging_folder(uri: str) -> Path:
    if delta.is_local(uri):
        table = Path(uri.removeprefix("file://"))
        root = table.parent / STAGING / table.name
        _remove_stale(root)
    else:
        root = Path(tempfile.gettempdir()) / "dataops-staged"
    root.mkdir(parents=True, exist_ok=True)
    return root / uuid.uuid4().hex


def _remove_stale(root: Path) -> None:
    if root.is_dir():
        for folder in root.iterdir():
            if time.time() - folder.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)


def write(spark: SparkSession, df: DataFrame, uri: str, partition_by: list[str], read_version: int | None):
    """Spark writes `df` as Parquet (one action: observations on `df` are collected by it)."""
    folder = _staging_folder(uri)
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")  # Delta's timestamp, not INT96
    df.write.mode("errorifexists").partitionBy(*partition_by).parquet(str(folder))
    files = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*.parquet")
        if not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    )
    return StagedFiles(uri, folder, tuple(files), arrow_schema(df), tuple(partition_by), read_version)


def read(spark: SparkSession, staged: StagedFiles) -> DataFrame:
    """The staged rows as a DataFrame (partition columns from the folder names)."""
    if not staged.files:
        return spark.createDataFrame(staged.schema.empty_table())
    return spark.read.option("basePath", str(staged.folder)).parquet(*staged.paths())


def discard(staged: StagedFiles) -> None:
    """Remove the staged files (and the staging folders they leave empty)."""
    shutil.rmtree(staged.folder, ignore_errors=True)
    for parent in (staged.folder.parent, staged.folder.parent.parent):
        try:
            parent.rmdir()
        except OSError:  # not empty: another batch's, or a folder of its own
            break


def _partition_values(relative: str) -> dict[str, str | None]:
    values = {}
    for part in Path(relative).parts[:-1]:
        name, _, value = part.partition("=")
        values[unquote(name)] = None if value == HIVE_NULL else unquote(value)
    return values


def _statistics(path: Path) -> str:
    """Delta file statistics: the record count, and null counts of flat columns (from the footer)."""
    meta = pq.read_metadata(path)
    nulls: dict[str, int] = {}
    for i in range(meta.num_columns):
        column = meta.schema.column(i)
        counts = [meta.row_group(g).column(i).statistics for g in range(meta.num_row_groups)]
        if column.path == column.name and all(s is not None and s.has_null_count for s in counts):
            nulls[column.name] = sum(s.null_count for s in counts)
    return json.dumps({"numRecords": meta.num_rows, "nullCount": nulls})


def _add_action(source: Path, relative: str) -> AddAction:
    stat = source.stat()
    return AddAction(
        path="/".join(quote(part, safe="=") for part in Path(relative).parts),
        size=stat.st_size,
        partition_values=_partition_values(relative),
        modification_time=int(stat.st_mtime * 1000),
        data_change=True,
        stats=_statistics(source),
    )


def _fits(table: DeltaTable, schema: pa.Schema) -> bool:
    """The staged columns are the table's, with the same types (else MERGE evolves the schema)."""
    have = {f.name: f.type for f in table.schema().fields}
    return all(have.get(f.name) == f.type for f in Schema.from_arrow(schema).fields)


def publish(staged: StagedFiles, inserts_only: bool, merge_args: tuple, storage_options=None) -> delta.WriteResult:
    """Commit the staged rows: one append of the files when every row is a new key and the table is
    as it was when they were staged; else a MERGE of the rows. The staging folder is removed."""
    try:
        delta.create_if_missing(staged.uri, staged.schema, list(staged.partition_by), storage_options)
        table = DeltaTable(staged.uri, storage_options=storage_options)
        unchanged = table.version() == (0 if staged.read_version is None else staged.read_version)
        if inserts_only and unchanged and delta.is_local(staged.uri) and _fits(table, staged.schema):
            return _append(table, staged)
        rows = _rows(staged)
        return delta.merge_latest(staged.uri, rows, *merge_args, list(staged.partition_by), storage_options)
    finally:
        discard(staged)


def _rows(staged: StagedFiles) -> pa.Table:
    import pyarrow.dataset as pads  # here, not at module level: it imports pandas (0.3 s of every code location load)

    if not staged.files:
        return staged.schema.empty_table()
    dataset = pads.dataset(staged.paths(), format="parquet", partitioning="hive", partition_base_dir=str(staged.folder))
    return dataset.to_table().select(staged.schema.names).cast(staged.schema)


def _append(table: DeltaTable, staged: StagedFiles) -> delta.WriteResult:
    """Move the files into the table's folders, then commit them in one transaction."""
    root = Path(staged.uri.removeprefix("file://"))
    actions = []
    for relative in staged.files:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.folder / relative, target)
        actions.append(_add_action(target, relative))
    rows = sum(json.loads(a.stats)["numRecords"] for a in actions)
    if actions:
        table.create_write_transaction(
            actions, mode="append", schema=table.schema(), partition_by=list(staged.partition_by)
        )
    table.update_incremental()  # to the commit just made (no second open of the log)
    version = table.version()
    metrics = {"num_source_rows": rows, "num_target_rows_inserted": rows, "num_target_rows_updated": 0}
    return delta.WriteResult(version, rows, metrics)
