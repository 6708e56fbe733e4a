"""Row-level rules compiled from a table contract into Spark column expressions.

Every rule is one boolean expression ("this row fails") plus a reason. Because rules are
plain expressions, all of them are evaluated in a single pass over the data: the same
expressions feed the quarantine split and per-rule failure counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Callable

from pyspark.sql import Column
from pyspark.sql import functions as F

from dataops_platform.quality.contract import CheckSpec, ColumnContract, TableContract

RAW_PREFIX = "_raw_"
FILE_READABLE = "file_readable"  # the rule failed by the one row of a bronze file that could not be read
FILE_ERROR = "_file_error"  # the column saying why a whole bronze file was rejected, on the row standing for it
FILE_COLUMNS = "file_columns"  # the rule failed by every row of a file whose columns break the contract
SCHEMA_ERROR = "_schema_error"  # the column saying how the row's file breaks the contract's columns


@dataclass(frozen=True)
class RowRule:
    """A named row-level rule: `failed` is true for rows that break it."""

    name: str
    column: str
    dimension: str
    description: str
    failed: Column
    reason: Column


def _value_text(column: str) -> Column:
    return F.substring(F.col(RAW_PREFIX + column), 1, 80)


def _check_expression(check: CheckSpec, value: Column) -> Column | None:
    """The 'passes' expression for one pandera check, or None if the check is not row-level."""
    s = check.statistics
    builders: dict[str, Callable[[], Column]] = {
        "greater_than": lambda: value > F.lit(s["min_value"]),
        "greater_than_or_equal_to": lambda: value >= F.lit(s["min_value"]),
        "less_than": lambda: value < F.lit(s["max_value"]),
        "less_than_or_equal_to": lambda: value <= F.lit(s["max_value"]),
        "in_range": lambda: _in_range(value, s),
        "equal_to": lambda: value == F.lit(s["value"]),
        "not_equal_to": lambda: value != F.lit(s["value"]),
        "isin": lambda: value.isin(list(s["allowed_values"])),
        "notin": lambda: ~value.isin(list(s["forbidden_values"])),
        "str_matches": lambda: value.rlike(s["pattern"]),
        "str_contains": lambda: value.rlike(s["pattern"]),
        "str_startswith": lambda: value.startswith(s["string"]),
        "str_endswith": lambda: value.endswith(s["string"]),
        "str_length": lambda: _length_between(value, s),
    }
    builder = builders.get(check.name)
    return builder() if builder else None


def _in_range(value: Column, s: dict) -> Column:
    low = value >= F.lit(s["min_value"]) if s.get("include_min", True) else value > F.lit(s["min_value"])
    high = value <= F.lit(s["max_value"]) if s.get("include_max", True) else value < F.lit(s["max_value"])
    return low & high


def _length_between(value: Column, s: dict) -> Column:
    passes = F.lit(True)
    if s.get("min_value") is not None:
        passes = passes & (F.length(value) >= s["min_value"])
    if s.get("max_value") is not None:
        passes = passes & (F.length(value) <= s["max_value"])
    return passes


def _value_rules(column: ColumnContract, shown: Column, missing: Column) -> list[RowRule]:
    """Not-null and pandera value rules of one typed column (`shown` is the text in reasons)."""
    name, value = column.name, F.col(column.name)
    rules = []
    if not column.nullable:
        rules.append(
            RowRule(
                name=f"{name}_not_null",
                column=name,
                dimension="completeness",
                description=f"`{name}` is required",
                failed=missing,
                reason=F.lit(f"{name}: required value is missing"),
            )
        )
    for check in column.checks:
        passes = _check_expression(check, value)
        if passes is None:
            continue
        rules.append(
            RowRule(
                name=f"{name}_{check.name}",
                column=name,
                dimension="validity",
                description=f"`{name}` satisfies {check.describe()}",
                failed=value.isNotNull() & ~passes,
                reason=F.concat(F.lit(f"{name}: value '"), shown, F.lit(f"' fails {check.describe()}")),
            )
        )
    return rules


def is_text(column: ColumnContract) -> bool:
    """A string column: its typed value is its cleansed text (the cast cannot fail)."""
    return column.type_name == "string"


def column_rules(column: ColumnContract) -> list[RowRule]:
    """Parse, not-null and value rules for one column of a conformed DataFrame.

    Expects the typed value in `column.name` and the cleansed raw text in `_raw_<name>`. A string
    column's text is its value: its parse rule cannot fail (it stays listed, counted as 0 without
    reading anything) and its not-null rule reads the value, so its raw text is not read at all.
    """
    name, value, raw = column.name, F.col(column.name), F.col(RAW_PREFIX + column.name)
    parses = RowRule(
        name=f"{name}_parses",
        column=name,
        dimension="validity",
        description=f"`{name}` parses as {column.type_name}",
        failed=F.lit(False) if is_text(column) else raw.isNotNull() & value.isNull(),
        reason=F.concat(F.lit(f"{name}: cannot parse '"), _value_text(name), F.lit(f"' as {column.type_name}")),
    )
    missing = value.isNull() if is_text(column) else raw.isNull()
    return [parses, *_value_rules(column, _value_text(name), missing)]


def value_rules(contract: TableContract) -> list[RowRule]:
    """Not-null and value rules of a typed table (e.g. a gold product's output)."""
    rules = []
    for column in contract.columns:
        shown = F.substring(F.col(column.name).cast("string"), 1, 80)
        rules.extend(_value_rules(column, shown, F.col(column.name).isNull()))
    return rules


def future_event_rule(event_time: str, tolerance_hours: int) -> RowRule:
    """The event time may not lie after the end of the ingestion date plus a tolerance."""
    limit = F.to_timestamp(F.date_add(F.col("_ingestion_date"), 1)) + F.make_interval(hours=F.lit(tolerance_hours))
    value = F.col(event_time).cast("timestamp")
    return RowRule(
        name=f"{event_time}_not_in_future",
        column=event_time,
        dimension="validity",
        description=f"`{event_time}` is at most {tolerance_hours}h after the end of the ingestion date",
        failed=value.isNotNull() & (value > limit),
        reason=F.concat(F.lit(f"{event_time}: '"), _value_text(event_time), F.lit("' is in the future")),
    )


def malformed_record_rule() -> RowRule:
    """A record the file reader could not split into the declared columns."""
    return RowRule(
        name="record_well_formed",
        column="_corrupt_record",
        dimension="validity",
        description="the record has the declared shape (right number of fields, valid JSON)",
        failed=F.col("_corrupt_record").isNotNull(),
        reason=F.concat(F.lit("malformed record: '"), F.substring(F.col("_corrupt_record"), 1, 80), F.lit("'")),
    )


def reason_column_rule(name: str, column: str, description: str) -> RowRule:
    """A rule failed by the rows whose `column` (set by the reader) holds a reason, which it reports."""
    return RowRule(name, column, "validity", description, F.col(column).isNotNull(), F.col(column))


def file_columns_rule() -> RowRule:
    """Every row of a file that lacks a declared column (or, under `schema_evolution: fail`, has
    an undeclared one) is quarantined: its values are never read as nulls."""
    description = "the row's file has every declared column (and no undeclared one, where the dataset says so)"
    return reason_column_rule(FILE_COLUMNS, SCHEMA_ERROR, description)


def reference_flag(column: str) -> str:
    return f"_ref_ok_{column}"


def reference_rule(column: str, dataset: str) -> RowRule:
    """The key must exist in the referenced table (needs `_ref_ok_<column>`, see attach_reference_flag)."""
    return RowRule(
        name=f"{column}_references_{dataset}",
        column=column,
        dimension="consistency",
        description=f"`{column}` exists in {dataset}",
        failed=F.col(column).isNotNull() & ~F.col(reference_flag(column)),
        reason=F.concat(F.lit(f"{column}: '"), _value_text(column), F.lit(f"' not found in {dataset}")),
    )


def table_rules(contract: TableContract, event_time: str, future_tolerance_hours: int) -> list[RowRule]:
    """All row-level rules of a silver table, in a stable order."""
    rules = [malformed_record_rule(), file_columns_rule()]
    for column in contract.columns:
        rules.extend(column_rules(column))
    rules.append(future_event_rule(event_time, future_tolerance_hours))
    return rules


def failed_any(rules: list[RowRule]) -> Column:
    """True for a row that breaks at least one rule."""
    return reduce(lambda a, b: a | b, [rule.failed for rule in rules], F.lit(False))
