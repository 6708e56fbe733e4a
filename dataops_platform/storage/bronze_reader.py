"""Read bronze files into a Spark DataFrame of text columns, without losing a row.

Every declared column comes back as a string, with `_corrupt_record` for records the reader
could not split, `_bronze_file` (the bronze file name) and `_ingestion_date`. CSV files are
parsed with the dataset's dialect (RFC 4180 by default: quoted fields may span lines) and
grouped by header, so a file whose columns are reordered, added or missing is read by name
(trimmed, case-insensitive). JSON lines are parsed one line per record; a line that is not one
JSON object, or an object that names a key twice, is a corrupt record.

Columns a file has beyond the contract are kept per row as JSON in `_rescued_data` (and, for
`schema_evolution: add`, as text columns of their own). A file that lacks a declared column,
or has an undeclared one under `schema_evolution: fail`, is read, but every row carries the
reason in `_schema_error`, so the rows go to quarantine instead of reading as nulls.

A file that cannot be read as records (binary, compressed, not in its declared encoding, bare
CR line breaks, an overlong line, an unusable CSV header) is not read: it becomes one row whose
`_file_error` says why, so it is quarantined with that reason and counted as one record.
Files in another encoding than UTF-8 are decoded into UTF-8 copies in a scratch folder first.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from dataops_platform.quality.rules import FILE_ERROR, SCHEMA_ERROR
from dataops_platform.storage.dialect import DialectSpec, SchemaEvolution
from dataops_platform.storage.file_checks import MAX_LINE_BYTES, is_blank, text_problem
from dataops_platform.storage.record_counts import count_records

CORRUPT = "_corrupt_record"
RESCUED = "_rescued_data"
LINEAGE = ["_bronze_file", "_ingestion_date", FILE_ERROR, SCHEMA_ERROR, RESCUED]
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
    records_by_file: dict[str, int] = field(default_factory=dict)  # counted without Spark, as the reader splits them
    replaced_files: dict[str, str] = field(default_factory=dict)  # defective file -> why; a later copy replaces it
    added_columns: list[str] = field(default_factory=list)  # schema_evolution add: columns read besides the contract

    def add(self, other: ReadReport) -> ReadReport:
        """This report and another one's files (read for another ingestion date) together."""
        return ReadReport(
            files=self.files + other.files,
            empty_files=self.empty_files + other.empty_files,
            rejected_files={**self.rejected_files, **other.rejected_files},
            extra_columns={**self.extra_columns, **other.extra_columns},
            missing_columns={**self.missing_columns, **other.missing_columns},
            records_by_file={**self.records_by_file, **other.records_by_file},
            replaced_files={**self.replaced_files, **other.replaced_files},
            added_columns=sorted(set(self.added_columns) | set(other.added_columns)),
        )

    @property
    def records(self) -> int:
        """Records of the files read, plus one per rejected file (the row saying why)."""
        read = sum(n for name, n in self.records_by_file.items() if name not in self.replaced_files)
        return read + len(self.rejected_files)

    def reject(self, name: str, why: str) -> None:
        log.warning("bronze file %s rejected: %s", name, why)
        self.rejected_files[name] = f"file {name} rejected: {why}"


@dataclass(frozen=True)
class ReadOptions:
    """What the reader needs to know about a dataset's files."""

    file_format: str
    declared: list[str]
    dialect: DialectSpec = field(default_factory=DialectSpec)
    evolution: SchemaEvolution = "rescue"
    replaceable: frozenset[str] = frozenset()  # files with a later copy of the same source key in the batch


def csv_header(path: Path, declared: list[str], dialect: DialectSpec | None = None) -> tuple[list[str], str | None]:
    """The header's column names, matched to the declared names (trimmed, case-insensitive;
    unnamed -> `_c<i>`), and why the header is unusable (None if it is usable)."""
    dialect = dialect or DialectSpec()
    with open(path, "rb") as handle:
        text = handle.readline(MAX_LINE_BYTES + 1).decode("utf-8-sig").rstrip("\r\n")
    if not text.strip():
        return [], "the first line is blank: the header must be on the first line"
    try:
        names = next(csv.reader([text], delimiter=dialect.delimiter, quotechar=dialect.quote))
    except csv.Error as exc:
        return [], f"unreadable header: {exc}"
    canonical = {c.lower(): c for c in declared}
    header = [canonical.get(n.strip().lower(), n.strip()) or f"_c{i}" for i, n in enumerate(names)]
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        return header, f"duplicate column names in the header: {', '.join(duplicates)}"
    if not set(header) & set(declared):
        others = [d for d in DELIMITERS if d != dialect.delimiter]
        hint = next((f" (is the delimiter {d!r}?)" for d in others if len(header) == 1 and d in text), "")
        return header, f"the header names none of the declared columns{hint}: {text[:80]!r}"
    return header, None


def _text_schema(columns: list[str]) -> T.StructType:
    return T.StructType([T.StructField(c, T.StringType()) for c in columns] + [T.StructField(CORRUPT, T.StringType())])


def added_name(column: str) -> str:
    """The silver column name of an undeclared column (schema_evolution: add)."""
    name = re.sub(r"[^a-z0-9_]+", "_", column.strip().lower()).strip("_") or "column"
    return name if re.match(r"^[a-z]", name) else f"x_{name}"


def _column_drift(columns: list[str], declared: list[str]) -> tuple[list[str], list[str]]:
    """(columns a file has beyond the declared ones, declared columns it lacks), in their order."""
    return [c for c in columns if c not in declared], [c for c in declared if c not in columns]


def _schema_error(columns: list[str], options: ReadOptions) -> str | None:
    """Why every row of a file with these columns is quarantined: a declared column missing, or
    (schema_evolution: fail) an undeclared one; None when the file's columns are acceptable."""
    extra, missing = _column_drift(columns, options.declared)
    problems = []
    if missing:
        problems.append(f"the file has no column {', '.join(missing)}: its rows are not read as nulls")
    if extra and options.evolution == "fail":
        problems.append(f"the file has undeclared column(s) {', '.join(extra)} (schema_evolution: fail)")
    return "; ".join(problems) or None


def _by_file(values: dict[str, str | None]) -> Column:
    """A per-file value, looked up by `_bronze_file` (null for other files)."""
    pairs = [F.lit(x) for name, value in values.items() if value is not None for x in (name, value)]
    return F.create_map(*pairs)[F.col("_bronze_file")] if pairs else F.lit(None).cast("string")


def _rescued(fields: dict[str, Column]) -> Column:
    """JSON of the undeclared fields of a row that hold a value, or null."""
    if not fields:
        return F.lit(None).cast("string")
    as_json = F.to_json(F.struct(*[value.alias(name) for name, value in fields.items()]))
    return F.when(as_json != "{}", as_json)


def _to_declared(
    df: DataFrame, sources: dict[str, Column], options: ReadOptions, extras: dict[str, Column], errors: Column
) -> DataFrame:
    """Declared columns from their `sources` (null when absent), the lineage columns, and the
    undeclared `extras` (rescued as JSON; under `add`, also as columns of their own)."""
    columns = [sources.get(c, F.lit(None).cast("string")).alias(c) for c in options.declared]
    added = [value.alias(added_name(name)) for name, value in extras.items()] if options.evolution == "add" else []
    return df.select(
        *columns,
        F.col(CORRUPT),
        F.col("_bronze_file"),
        F.col(FILE_ERROR) if FILE_ERROR in df.columns else F.lit(None).cast("string").alias(FILE_ERROR),
        errors.alias(SCHEMA_ERROR),
        _rescued(extras).alias(RESCUED),
        *added,
    )


def _read_csv(spark: SparkSession, files: list[str], header: list[str], options: ReadOptions) -> DataFrame:
    """Fields by position (`_c<i>`), so no header name can clash with another or with ours."""
    dialect, declared = options.dialect, options.declared
    positions = [f"_c{i}" for i in range(len(header))]
    df = spark.read.csv(
        files,
        schema=_text_schema(positions),
        header=True,
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=CORRUPT,
        multiLine=dialect.multiline,
        sep=dialect.delimiter,
        quote=dialect.quote,
        escape=dialect.quote,  # RFC 4180: a quote inside a quoted field is doubled
        encoding="UTF-8",
        enforceSchema=True,
    )
    df = df.select("*", F.col("_metadata.file_name").alias("_bronze_file"))
    sources = {c: F.col(f"_c{i}") for i, c in enumerate(header) if c in declared}
    extras = {c: F.col(f"_c{i}") for i, c in enumerate(header) if c not in declared}
    return _to_declared(df, sources, options, extras, F.lit(_schema_error(header, options)))


def _json_keys(lines: DataFrame) -> dict[str, set[str]]:
    """The keys each file's JSON objects use (one small Spark job)."""
    keys = lines.select("_bronze_file", F.explode(F.json_object_keys("value")).alias("_key")).distinct()
    found: dict[str, set[str]] = defaultdict(set)
    for row in keys.collect():
        found[row["_bronze_file"]].add(row["_key"])
    return found


def _read_jsonl(spark: SparkSession, files: list[str], options: ReadOptions, report: ReadReport) -> DataFrame:
    """One record per non-blank line; a line that is not one JSON object is a corrupt record."""
    declared = options.declared
    lines = spark.read.text(files).select(
        F.regexp_replace("value", "^\ufeff", "").alias("value"), F.col("_metadata.file_name").alias("_bronze_file")
    )
    lines = lines.filter(~F.col("value").rlike(r"^\s*$"))
    keys = _json_keys(lines)
    errors = {}
    for name, used in keys.items():
        why = _schema_error(sorted(used), options)
        if _replaced(report, options, name, why):
            continue
        _report_drift(report, name, sorted(used), declared)
        errors[name] = why
    if report.replaced_files:
        lines = lines.filter(~F.col("_bronze_file").isin(*report.replaced_files))
    extra_keys = sorted(
        {k for name, used in keys.items() if name not in report.replaced_files for k in used} - set(declared)
    )
    fields = F.from_json("value", T.MapType(T.StringType(), T.StringType()))  # parsed once per line
    record = lines.select(fields.alias("_fields"), "value", "_bronze_file")
    keys = F.map_keys("_fields")
    ambiguous = F.size(keys) != F.size(F.array_distinct(keys))  # a key named twice: which value is meant?
    corrupt = F.when(F.col("_fields").isNull() | ambiguous, F.col("value"))
    record = record.select("*", corrupt.alias(CORRUPT))
    usable = F.col(CORRUPT).isNull()
    sources = {c: F.when(usable, F.col("_fields")[c]) for c in declared}
    extras = {k: F.when(usable, F.col("_fields")[k]) for k in extra_keys}
    return _to_declared(record, sources, options, extras, _by_file(errors))


def _rejected(spark: SparkSession, report: ReadReport, options: ReadOptions) -> DataFrame:
    """One row per rejected file: no values, the file and the reason."""
    rows = [(name, why) for name, why in report.rejected_files.items()]
    df = spark.createDataFrame(rows, f"_bronze_file string, {FILE_ERROR} string")
    return _to_declared(df.withColumn(CORRUPT, F.lit(None).cast("string")), {}, options, {}, F.lit(None))


def _empty(spark: SparkSession, options: ReadOptions) -> DataFrame:
    schema = _text_schema(options.declared).add("_bronze_file", T.StringType()).add(FILE_ERROR, T.StringType())
    return _to_declared(spark.createDataFrame([], schema), {}, options, {}, F.lit(None))


def _report_drift(report: ReadReport, name: str, header: list[str], declared: list[str]) -> None:
    extra, missing = _column_drift(header, declared)
    if extra:
        report.extra_columns[name] = extra
    if missing:
        report.missing_columns[name] = missing


def _utf8_copy(path: Path, encoding: str, scratch: Path) -> tuple[Path, str | None]:
    """A UTF-8 copy of a file in another encoding (same name, in `scratch`), or why it cannot be decoded."""
    target = scratch / path.name
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as source, open(target, "w", encoding="utf-8", newline="") as out:
        while True:
            chunk = source.read(1024 * 1024)
            try:
                out.write(decoder.decode(chunk, final=not chunk))
            except UnicodeDecodeError as exc:
                return (
                    target,
                    f"not valid {encoding}: byte {chunk[exc.start : exc.start + 1]!r} at offset {offset + exc.start}",
                )
            if not chunk:
                return target, None
            offset += len(chunk)


def _replaced(report: ReadReport, options: ReadOptions, name: str, why: str | None) -> bool:
    """Whether a defective file is left out because a later copy of the same source key (the
    fixed file, landed again) is in the batch."""
    if why is None or name not in options.replaceable:
        return False
    report.replaced_files[name] = f"file {name} replaced by a later copy of the same file; it was defective: {why}"
    log.warning(report.replaced_files[name])
    return True


def _readable(paths: list[Path], options: ReadOptions, report: ReadReport, scratch: Path | None) -> dict:
    """Files Spark can read (UTF-8 copies of other encodings), grouped by header (CSV) or all in
    one group (JSON lines); their records are counted into the report. A defective file (not
    readable, or lacking declared columns) with a later copy in the batch is left out."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    dialect = options.dialect
    for path in paths:
        if path.stat().st_size == 0 or is_blank(path):
            report.empty_files.append(path.name)
            continue
        problem = None
        if not dialect.is_utf8:
            if scratch is None:
                raise ValueError(f"reading {dialect.encoding} files needs a scratch folder for their UTF-8 copies")
            path, problem = _utf8_copy(path, dialect.encoding, scratch)
        header = options.declared
        problem = problem or text_problem(path)
        if problem is None and options.file_format == "csv":
            header, problem = csv_header(path, options.declared, dialect)
        if options.file_format == "csv" and problem is None:
            if _replaced(report, options, path.name, _schema_error(header, options)):
                continue
        if _replaced(report, options, path.name, problem):
            continue
        if problem:
            report.reject(path.name, problem)
            continue
        if options.file_format == "csv":
            _report_drift(report, path.name, header, options.declared)
        report.records_by_file[path.name] = count_records(path, options.file_format, dialect)
        groups[tuple(header)].append(str(path))
    return groups


def read_bronze_files(
    spark: SparkSession,
    paths: list[Path],
    options: ReadOptions,
    ingestion_date: dt.date,
    scratch: Path | None = None,
) -> tuple[DataFrame, ReadReport]:
    """Read bronze files of one format into declared text columns plus lineage columns.
    `scratch`: a folder for UTF-8 copies of files in another encoding (kept until the
    DataFrame is no longer used)."""
    if options.file_format not in ("csv", "jsonl"):
        raise ValueError(f"unsupported file format {options.file_format!r} (expected csv or jsonl)")
    report = ReadReport(files=len(paths))
    frames = []
    for header, files in _readable(paths, options, report, scratch).items():
        if options.file_format == "csv":
            frames.append(_read_csv(spark, files, list(header), options))
        else:
            frames.append(_read_jsonl(spark, files, options, report))
    if report.rejected_files:
        frames.append(_rejected(spark, report, options))
    df = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames) if frames else _empty(spark, options)
    report.added_columns = [c for c in df.columns if c not in options.declared and c not in (CORRUPT, *LINEAGE)]
    lineage = [F.col("_bronze_file"), F.lit(ingestion_date).alias("_ingestion_date")]
    rest = [F.col(c) for c in (FILE_ERROR, SCHEMA_ERROR, RESCUED, *report.added_columns)]
    return df.select(*options.declared, CORRUPT, *lineage, *rest), report
