"""Bronze rows (all text) -> typed, validated, cleansed, de-duplicated silver rows.

Steps, each a pure function:
  conform      trim, empty -> null, lowercase, standard values, then try-cast to the contract
  split        valid rows (failing no rule) vs. quarantined rows (raw text kept, nothing lost)
  flag_rejected  `_rejected`: whether a row fails any rule (optional, saves re-evaluating them)
  annotate     for quarantined rows: `_errors` lists the reasons a row fails
  rank_versions  one row per primary key, the latest by event time; the others are exact
                 copies (re-sends), older versions (superseded) or conflicts (same key and event
                 time, different content)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from dataops_platform.quality.contract import TableContract
from dataops_platform.quality.rules import (
    FILE_ERROR,
    FILE_READABLE,
    RAW_PREFIX,
    SCHEMA_ERROR,
    RowRule,
    failed_any,
    reason_column_rule,
    reference_flag,
    reference_rule,
    table_rules,
)

TECHNICAL_COLUMNS = ["_bronze_file", "_ingestion_date"]
RECORD_VERSION = "_record_version"
ROW_HASH = "_row_hash"
RESCUED = "_rescued_data"  # JSON of the fields a row's file had beyond the contract
READER_COLUMNS = ["_corrupt_record", FILE_ERROR, SCHEMA_ERROR, RESCUED]  # what the reader adds to each row


@dataclass(frozen=True)
class SilverSpec:
    """What the silver transform needs to know about a dataset (no paths, no engine)."""

    contract: TableContract
    primary_key: list[str]
    event_time: str
    partition_column: str
    lowercase: list[str] = field(default_factory=list)
    value_map: dict[str, dict[str, str]] = field(default_factory=dict)
    future_tolerance_hours: int = 48
    quarantined_references: dict[str, str] = field(default_factory=dict)  # column -> referenced dataset
    null_tokens: tuple[str, ...] = ("", "NULL", "null", "N/A")  # values (after trim) that mean "no value"
    evolution: str = "rescue"  # undeclared columns: rescue (in `_rescued_data`) | add (own columns) | fail

    def rules(self) -> list[RowRule]:
        """Every row-level rule; the row of a rejected file fails only `file_readable`."""
        rules = table_rules(self.contract, self.event_time, self.future_tolerance_hours)
        rules += [reference_rule(column, dataset) for column, dataset in self.quarantined_references.items()]
        readable = F.col(FILE_ERROR).isNull()
        return [file_rule(), *(replace(rule, failed=readable & rule.failed) for rule in rules)]


def file_rule() -> RowRule:
    """A bronze file that could not be read as records: its one row carries the reason."""
    description = "the file can be read as records (UTF-8 text lines, a usable CSV header)"
    return reason_column_rule(FILE_READABLE, FILE_ERROR, description)


def _cleansed_text(raw: Column, name: str, spec: SilverSpec) -> Column:
    text = F.trim(raw)
    if spec.null_tokens:
        text = F.when(text.isin(*spec.null_tokens), None).otherwise(text)
    if name in spec.lowercase:
        text = F.lower(text)
    mapping = spec.value_map.get(name)
    if mapping:
        lookup = F.create_map(*[F.lit(x) for pair in mapping.items() for x in pair])
        text = F.coalesce(lookup[text], text)
    return text


def conform(raw: DataFrame, spec: SilverSpec) -> DataFrame:
    """Cleanse the raw text of each declared column and cast it to the contract's type.

    Keeps the cleansed text in `_raw_<column>` so a value that fails to parse is reported,
    never silently turned into null.
    """
    for optional in READER_COLUMNS:
        if optional not in raw.columns:
            raw = raw.withColumn(optional, F.lit(None).cast("string"))
    cleansed = [
        _cleansed_text(F.col(c.name).cast("string"), c.name, spec).alias(RAW_PREFIX + c.name)
        for c in spec.contract.columns
    ]
    known = {*spec.contract.column_names, *TECHNICAL_COLUMNS, *READER_COLUMNS}
    added = [_cleansed_text(F.col(c), c, spec).alias(c) for c in raw.columns if c not in known]
    staged = raw.select(*cleansed, *TECHNICAL_COLUMNS, *READER_COLUMNS, *added)
    typed = [F.col(RAW_PREFIX + c.name).try_cast(c.spark_type).alias(c.name) for c in spec.contract.columns]
    return staged.select(*typed, "*")


def attach_reference_flag(conformed: DataFrame, column: str, parent_keys: DataFrame) -> DataFrame:
    """Add `_ref_ok_<column>`: whether the value exists among `parent_keys` (one column)."""
    keys = parent_keys.select(F.col(parent_keys.columns[0]).alias("_parent_key")).distinct()
    keys = keys.withColumn(reference_flag(column), F.lit(True))
    joined = conformed.join(F.broadcast(keys), conformed[column] == keys["_parent_key"], "left").drop("_parent_key")
    return joined.withColumn(reference_flag(column), F.coalesce(F.col(reference_flag(column)), F.lit(False)))


def annotate(conformed: DataFrame, rules: list[RowRule]) -> DataFrame:
    """Add `_errors` (the reasons each row fails, possibly none) and `_failed_rules` (their names)."""
    reasons = F.array(*[F.when(rule.failed, rule.reason) for rule in rules])
    names = F.array(*[F.when(rule.failed, F.lit(rule.name)) for rule in rules])
    return conformed.withColumn("_errors", F.array_compact(reasons)).withColumn("_failed_rules", F.array_compact(names))


REJECTED = "_rejected"  # whether a row fails any rule, computed once (see `flag_rejected`)


def flag_rejected(conformed: DataFrame, rules: list[RowRule]) -> DataFrame:
    """Add `_rejected`, so the rules are evaluated once per row, not again by every split."""
    return conformed.withColumn(REJECTED, failed_any(rules))


def _rejected(conformed: DataFrame, rules: list[RowRule]) -> Column:
    return F.col(REJECTED) if REJECTED in conformed.columns else failed_any(rules)


def added_columns(conformed: DataFrame, spec: SilverSpec) -> list[str]:
    """Undeclared columns the reader kept as columns of their own (schema_evolution: add)."""
    known = {*spec.contract.column_names, *TECHNICAL_COLUMNS, *READER_COLUMNS, REJECTED}
    return [c for c in conformed.columns if c not in known and not c.startswith(("_raw_", "_ref_ok_"))]


def content_columns(conformed: DataFrame, spec: SilverSpec) -> list[str]:
    """The columns silver keeps for a row: the contract's, plus what the schema evolution mode adds."""
    evolved = {"rescue": [RESCUED], "add": added_columns(conformed, spec)}.get(spec.evolution, [])
    return [*spec.contract.column_names, *evolved]


def row_fingerprint(columns: list[str]) -> Column:
    """16 hex digits of a 64-bit hash (xxhash64) of the row's content as JSON (field names kept, so
    a value moved to another column is other content). Only versions of one key are compared, so
    a chance collision is about 1 in 2^64 per pair; the short string keeps each silver row, its
    Arrow copy and its MERGE small (a SHA-256 hex digest was 64 characters per row, twice)."""
    return F.lpad(F.lower(F.hex(F.xxhash64(F.to_json(F.struct(*columns))))), 16, "0")


def valid_rows(conformed: DataFrame, rules: list[RowRule], spec: SilverSpec) -> DataFrame:
    """Rows that pass every rule, typed, with lineage and ordering columns."""
    columns = content_columns(conformed, spec)
    ok = conformed.filter(~_rejected(conformed, rules))
    row_hash = row_fingerprint(columns)
    event = F.date_format(F.col(spec.event_time).cast("timestamp"), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
    version = F.concat_ws("|", F.coalesce(event, F.lit("0000")), F.col("_bronze_file"), row_hash)
    month_source = F.col(spec.partition_column)
    return ok.select(
        *columns,
        *TECHNICAL_COLUMNS,
        version.alias(RECORD_VERSION),
        row_hash.alias(ROW_HASH),
        F.coalesce(F.year(month_source), F.lit(0)).alias("year"),
        F.coalesce(F.month(month_source), F.lit(0)).alias("month"),
    )


def quarantined_rows(conformed: DataFrame, rules: list[RowRule], spec: SilverSpec) -> DataFrame:
    """Rows that fail at least one rule, with their raw text and every reason (reasons are
    built for these rows only)."""
    raw_columns = [F.col(RAW_PREFIX + c).alias(c) for c in spec.contract.column_names]
    return annotate(conformed.filter(_rejected(conformed, rules)), rules).select(
        *raw_columns,
        "_corrupt_record",
        RESCUED,
        *TECHNICAL_COLUMNS,
        F.col("_errors").alias("_reasons"),
        "_failed_rules",
    )


KEPT, COPY_OF_KEPT, CONFLICT = "_kept", "_copy_of_kept", "_conflict"


def rank_versions(valid: DataFrame, spec: SilverSpec) -> DataFrame:
    """Mark the row kept per primary key, the greatest `_record_version` (latest event, then
    latest file): `_kept`; and, for the others, `_copy_of_kept` (same content: a re-send),
    `_conflict` (same event time, different content: two versions that cannot both be true),
    or neither (an older version the batch supersedes)."""
    # The key's hash leads the sort: ids like "T0000000020" share their first 8 bytes, the
    # prefix Spark's sort compares first, so by the key alone nearly every comparison is a full one.
    keys = [F.xxhash64(*spec.primary_key), *spec.primary_key]
    ordered = Window.partitionBy(*keys).orderBy(F.col(RECORD_VERSION).desc())
    window = ordered.rowsBetween(Window.unboundedPreceding, Window.currentRow)  # one frame for all three
    event = F.coalesce(F.col(spec.event_time).cast("string"), F.lit(""))
    copy = F.col(ROW_HASH) == F.first(ROW_HASH).over(window)
    return valid.select(
        "*",
        (F.row_number().over(window) == 1).alias(KEPT),
        copy.alias(COPY_OF_KEPT),
        (~copy & (event == F.first(event).over(window))).alias(CONFLICT),
    )
