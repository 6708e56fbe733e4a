"""Bronze rows (all text) -> typed, validated, cleansed, de-duplicated silver rows.

Steps, each a pure function:
  conform      trim, empty -> null, lowercase, standard values, then try-cast to the contract
  annotate     evaluate every row-level rule; `_errors` lists the reasons a row fails
  split        valid rows vs. quarantined rows (raw text kept, nothing lost)
  deduplicate  one row per primary key, the latest by event time
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from dataops_platform.quality.contract import TableContract
from dataops_platform.quality.rules import RAW_PREFIX, RowRule, reference_flag, reference_rule, table_rules

TECHNICAL_COLUMNS = ["_bronze_file", "_ingestion_date"]
RECORD_VERSION = "_record_version"
ROW_HASH = "_row_hash"


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

    def rules(self) -> list[RowRule]:
        rules = table_rules(self.contract, self.event_time, self.future_tolerance_hours)
        return rules + [reference_rule(column, dataset) for column, dataset in self.quarantined_references.items()]


def _cleansed_text(raw: Column, name: str, spec: SilverSpec) -> Column:
    text = F.trim(raw)
    text = F.when(text == "", None).otherwise(text)
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
    if "_corrupt_record" not in raw.columns:
        raw = raw.withColumn("_corrupt_record", F.lit(None).cast("string"))
    cleansed = [
        _cleansed_text(F.col(c.name).cast("string"), c.name, spec).alias(RAW_PREFIX + c.name)
        for c in spec.contract.columns
    ]
    staged = raw.select(*cleansed, *TECHNICAL_COLUMNS, "_corrupt_record")
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


def valid_rows(annotated: DataFrame, spec: SilverSpec) -> DataFrame:
    """Rows that pass every rule, typed, with lineage and ordering columns."""
    columns = spec.contract.column_names
    ok = annotated.filter(F.size("_errors") == 0)
    row_hash = F.sha2(F.to_json(F.struct(*columns)), 256)
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


def quarantined_rows(annotated: DataFrame, spec: SilverSpec) -> DataFrame:
    """Rows that fail at least one rule, with their raw text and every reason."""
    raw_columns = [F.col(RAW_PREFIX + c).alias(c) for c in spec.contract.column_names]
    return annotated.filter(F.size("_errors") > 0).select(
        *raw_columns,
        "_corrupt_record",
        *TECHNICAL_COLUMNS,
        F.col("_errors").alias("_reasons"),
        "_failed_rules",
    )


def deduplicate(valid: DataFrame, spec: SilverSpec) -> DataFrame:
    """One row per primary key: the greatest `_record_version` (latest event, then latest file)."""
    window = Window.partitionBy(*spec.primary_key).orderBy(F.col(RECORD_VERSION).desc())
    return valid.withColumn("_rank", F.row_number().over(window)).filter("_rank = 1").drop("_rank")
