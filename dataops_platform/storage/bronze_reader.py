"""Read bronze files into a Spark DataFrame of text columns, without losing a row.

Every declared column comes back as a string (missing in a file -> null), with
`_corrupt_record` for lines the reader could not split, `_bronze_file` (the bronze file
name) and `_ingestion_date`. CSV files are grouped by header, so a file whose columns are
reordered, added or missing is read by name, and the difference is reported as drift.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

CORRUPT = "_corrupt_record"


@dataclass
class ReadReport:
    """What the reader noticed about the files' shape."""

    files: int = 0
    empty_files: list[str] = field(default_factory=list)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> columns not declared
    missing_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> declared columns absent


def read_csv_header(path: Path) -> list[str] | None:
    """The header row of a CSV file (BOM tolerated), or None for an empty file."""
    with open(path, "rb") as handle:
        first = handle.readline(1024 * 1024)
    text = first.decode("utf-8-sig", errors="replace").strip("\r\n")
    if not text.strip():
        return None
    return [name.strip() for name in next(csv.reader(io.StringIO(text)))]


def _text_schema(columns: list[str]) -> T.StructType:
    return T.StructType([T.StructField(c, T.StringType()) for c in columns] + [T.StructField(CORRUPT, T.StringType())])


def _to_declared(df: DataFrame, present: list[str], declared: list[str], ingestion_date: dt.date) -> DataFrame:
    columns = [F.col(f"`{c}`") if c in present else F.lit(None).cast("string").alias(c) for c in declared]
    return df.select(
        *columns,
        F.col(CORRUPT),
        F.col("_metadata.file_name").alias("_bronze_file"),
        F.lit(ingestion_date).alias("_ingestion_date"),
    )


def _empty(spark: SparkSession, declared: list[str]) -> DataFrame:
    schema = _text_schema(declared).add("_bronze_file", T.StringType()).add("_ingestion_date", T.DateType())
    return spark.createDataFrame([], schema)


def read_bronze_files(
    spark: SparkSession, paths: list[Path], file_format: str, declared: list[str], ingestion_date: dt.date
) -> tuple[DataFrame, ReadReport]:
    """Read bronze files of one format into declared text columns plus lineage columns."""
    report = ReadReport(files=len(paths))
    frames = []
    if file_format == "csv":
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for path in paths:
            header = read_csv_header(path)
            if header is None:
                report.empty_files.append(path.name)
                continue
            groups[tuple(header)].append(str(path))
            extra = [c for c in header if c not in declared]
            missing = [c for c in declared if c not in header]
            if extra:
                report.extra_columns[path.name] = extra
            if missing:
                report.missing_columns[path.name] = missing
        for header, files in groups.items():
            df = spark.read.csv(
                files,
                schema=_text_schema(list(header)),
                header=True,
                mode="PERMISSIVE",
                columnNameOfCorruptRecord=CORRUPT,
                multiLine=False,
                enforceSchema=True,
            )
            frames.append(_to_declared(df, list(header), declared, ingestion_date))
    elif file_format == "jsonl":
        non_empty = [str(p) for p in paths if p.stat().st_size > 0]
        report.empty_files.extend(p.name for p in paths if p.stat().st_size == 0)
        if non_empty:
            df = spark.read.json(
                non_empty, schema=_text_schema(declared), mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT
            )
            frames.append(_to_declared(df, declared, declared, ingestion_date))
    else:
        raise ValueError(f"unsupported file format {file_format!r} (expected csv or jsonl)")
    if not frames:
        return _empty(spark, declared), report
    return reduce(DataFrame.unionByName, frames), report
