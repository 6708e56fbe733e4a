"""Read bronze files into a Spark DataFrame of text columns, without losing a row.

Every declared column comes back as a string (missing in a file -> null), with
`_corrupt_record` for lines the reader could not split, `_bronze_file` (the bronze file
name) and `_ingestion_date`. CSV files are grouped by header, so a file whose columns are
reordered, added or missing is read by name (trimmed, case-insensitive), and the difference
is reported as drift. JSON lines are parsed one line per record.

A file that cannot be read as records (binary, compressed, not UTF-8, bare CR line breaks,
an overlong line, an unusable CSV header) is not read: it becomes one row whose
`_file_error` says why, so it is quarantined with that reason and counted as one record.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from dataops_platform.quality.rules import FILE_ERROR
from dataops_platform.storage.file_checks import MAX_LINE_BYTES, is_blank, text_problem

CORRUPT = "_corrupt_record"
DELIMITERS = ";\t|"  # named in the reason when a header holds a single column
log = logging.getLogger(__name__)


@dataclass
class ReadReport:
    """What the reader noticed about the files' shape."""

    files: int = 0
    empty_files: list[str] = field(default_factory=list)  # nothing but whitespace: no record
    rejected_files: dict[str, str] = field(default_factory=dict)  # file -> why it was not read (one row each)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> columns not declared
    missing_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> declared columns absent

    def add(self, other: ReadReport) -> ReadReport:
        """This report and another one's files (read for another ingestion date) together."""
        return ReadReport(
            self.files + other.files,
            self.empty_files + other.empty_files,
            {**self.rejected_files, **other.rejected_files},
            {**self.extra_columns, **other.extra_columns},
            {**self.missing_columns, **other.missing_columns},
        )

    def reject(self, name: str, why: str) -> None:
        log.warning("bronze file %s rejected: %s", name, why)
        self.rejected_files[name] = f"file {name} rejected: {why}"


def csv_header(path: Path, declared: list[str]) -> tuple[list[str], str | None]:
    """The header's column names, matched to the declared names (trimmed, case-insensitive;
    unnamed -> `_c<i>`), and why the header is unusable (None if it is usable)."""
    with open(path, "rb") as handle:
        text = handle.readline(MAX_LINE_BYTES + 1).decode("utf-8-sig").rstrip("\r\n")
    if not text.strip():
        return [], "the first line is blank: the header must be on the first line"
    try:
        names = next(csv.reader([text]))
    except csv.Error as exc:
        return [], f"unreadable header: {exc}"
    canonical = {c.lower(): c for c in declared}
    header = [canonical.get(n.strip().lower(), n.strip()) or f"_c{i}" for i, n in enumerate(names)]
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        return header, f"duplicate column names in the header: {', '.join(duplicates)}"
    if not set(header) & set(declared):
        hint = next((f" (is the delimiter {d!r}?)" for d in DELIMITERS if len(header) == 1 and d in text), "")
        return header, f"the header names none of the declared columns{hint}: {text[:80]!r}"
    return header, None


def _text_schema(columns: list[str]) -> T.StructType:
    return T.StructType([T.StructField(c, T.StringType()) for c in columns] + [T.StructField(CORRUPT, T.StringType())])


def _to_declared(df: DataFrame, sources: dict[str, str], declared: list[str]) -> DataFrame:
    """Declared columns from their `sources` columns (null when absent), then the lineage columns."""
    columns = [
        F.col(f"`{sources[c]}`").alias(c) if c in sources else F.lit(None).cast("string").alias(c) for c in declared
    ]
    return df.select(
        *columns,
        F.col(CORRUPT),
        F.col("_bronze_file"),
        F.col(FILE_ERROR) if FILE_ERROR in df.columns else F.lit(None).cast("string").alias(FILE_ERROR),
    )


def _read_csv(spark: SparkSession, files: list[str], header: list[str], declared: list[str]) -> DataFrame:
    """Fields by position (`_c<i>`), so no header name can clash with another or with ours."""
    positions = [f"_c{i}" for i in range(len(header))]
    df = spark.read.csv(
        files,
        schema=_text_schema(positions),
        header=True,
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=CORRUPT,
        multiLine=False,
        enforceSchema=True,
    )
    df = df.select("*", F.col("_metadata.file_name").alias("_bronze_file"))
    return _to_declared(df, {c: f"_c{i}" for i, c in enumerate(header) if c in declared}, declared)


def _read_jsonl(spark: SparkSession, files: list[str], declared: list[str]) -> DataFrame:
    """One record per non-blank line; a line that is not one JSON object is a corrupt record."""
    lines = spark.read.text(files).select("value", F.col("_metadata.file_name").alias("_bronze_file"))
    lines = lines.filter(~F.col("value").rlike(r"^\s*$"))
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}
    parsed = F.from_json(F.regexp_replace("value", "^\ufeff", ""), _text_schema(declared), options)
    record = lines.select(parsed.alias("_r"), "value", "_bronze_file")
    corrupt = F.coalesce(F.col(f"_r.{CORRUPT}"), F.when(F.col("_r").isNull(), F.col("value")))
    df = record.select(*[F.col(f"_r.`{c}`").alias(c) for c in declared], corrupt.alias(CORRUPT), "_bronze_file")
    return _to_declared(df, {c: c for c in declared}, declared)


def _rejected(spark: SparkSession, report: ReadReport, declared: list[str]) -> DataFrame:
    """One row per rejected file: no values, the file and the reason."""
    rows = [(name, why) for name, why in report.rejected_files.items()]
    df = spark.createDataFrame(rows, f"_bronze_file string, {FILE_ERROR} string")
    return _to_declared(df.withColumn(CORRUPT, F.lit(None).cast("string")), {}, declared)


def _empty(spark: SparkSession, declared: list[str]) -> DataFrame:
    schema = _text_schema(declared).add("_bronze_file", T.StringType()).add(FILE_ERROR, T.StringType())
    return spark.createDataFrame([], schema)


def _report_drift(report: ReadReport, name: str, header: list[str], declared: list[str]) -> None:
    extra, missing = [c for c in header if c not in declared], [c for c in declared if c not in header]
    if extra:
        report.extra_columns[name] = extra
    if missing:
        report.missing_columns[name] = missing


def _readable(paths: list[Path], file_format: str, declared: list[str], report: ReadReport) -> dict:
    """Files Spark can read, grouped by header (CSV) or all in one group (JSON lines)."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path in paths:
        if path.stat().st_size == 0 or is_blank(path):
            report.empty_files.append(path.name)
            continue
        header, problem = declared, text_problem(path)
        if problem is None and file_format == "csv":
            header, problem = csv_header(path, declared)
        if problem:
            report.reject(path.name, problem)
            continue
        if file_format == "csv":
            _report_drift(report, path.name, header, declared)
        groups[tuple(header)].append(str(path))
    return groups


def read_bronze_files(
    spark: SparkSession, paths: list[Path], file_format: str, declared: list[str], ingestion_date: dt.date
) -> tuple[DataFrame, ReadReport]:
    """Read bronze files of one format into declared text columns plus lineage columns."""
    if file_format not in ("csv", "jsonl"):
        raise ValueError(f"unsupported file format {file_format!r} (expected csv or jsonl)")
    report = ReadReport(files=len(paths))
    frames = []
    for header, files in _readable(paths, file_format, declared, report).items():
        if file_format == "csv":
            frames.append(_read_csv(spark, files, list(header), declared))
        else:
            frames.append(_read_jsonl(spark, files, declared))
    if report.rejected_files:
        frames.append(_rejected(spark, report, declared))
    df = reduce(DataFrame.unionByName, frames) if frames else _empty(spark, declared)
    lineage = [F.col("_bronze_file"), F.lit(ingestion_date).alias("_ingestion_date"), F.col(FILE_ERROR)]
    return df.select(*declared, CORRUPT, *lineage), report
