"""The silver table as a batch would leave it, figured while the batch's rows are staged.

A batch's winning rows (one per key) are matched with the published table on the key, with
the MERGE's own rule (steps/silver.py): a new key is inserted, a later version with different
content updates, an identical row is a re-send, an older version is stale. The inserted and
updated rows are written for the table without being committed (`Tables.stage`); the same Spark
job counts the match (an observation), so the staged table's row count, nulls per critical
column, key uniqueness and orphan references follow from it and the table's current figures:
what the blocking checks are evaluated on before anything is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from dataops_platform.storage.tables import Staged, Tables
from dataops_platform.transforms.silver import RECORD_VERSION, ROW_HASH, attach_reference_flag, reference_flag

CHANGE = "_change"
CHANGES = ("insert", "update", "resent", "stale")
SAMPLE_ORPHANS = 5


@dataclass(frozen=True)
class TableFigures:
    """Figures of a whole silver table (as published, or as a batch would leave it)."""

    rows: int
    nulls: dict[str, int]
    key_rows: int
    distinct_keys: int
    orphans: dict[str, tuple[int, int, list]] = field(default_factory=dict)  # column -> (orphans, checked, samples)


@dataclass(frozen=True)
class StagedResult:
    changes: dict[str, int]  # insert / update / resent / stale -> winning rows of the batch
    table: TableFigures  # the table after the batch would be committed
    staged: Staged  # the inserted and updated rows, written but not committed


def _orphan(column: str) -> str:
    return f"_orphan_{column}"


def _with_orphan_flags(df: DataFrame, parents: dict[str, DataFrame]) -> DataFrame:
    for column, keys in parents.items():
        df = attach_reference_flag(df.drop(reference_flag(column)), column, keys)
        df = df.withColumn(_orphan(column), F.col(column).isNotNull() & ~F.col(reference_flag(column)))
    return df


def _count(condition: Column, alias: str) -> Column:
    return F.count(F.when(condition, 1)).alias(alias)


def _orphan_samples(staged: DataFrame, column: str, keys: DataFrame) -> list:
    """A few distinct foreign keys of the staged rows that point at no referenced row."""
    flagged = _with_orphan_flags(staged.select(column), {column: keys})
    rows = flagged.filter(F.col(_orphan(column))).select(column).distinct().orderBy(column).limit(SAMPLE_ORPHANS)
    return [r[column] for r in rows.collect()]


def stage(
    spark: SparkSession,
    winners: DataFrame,
    uri: str,
    tables: Tables,
    keys: list[str],
    critical: list[str],
    parents: dict[str, DataFrame],
    partition_by: list[str],
) -> StagedResult:
    """Match the winners with the published table, stage the rows that change it, and figure the
    table the batch would leave (`parents`: foreign-key column -> the referenced keys, one column)."""
    references = list(parents)
    measured = sorted({*critical, *references})
    exists = tables.exists(uri)
    read_version = tables.version(uri) if exists else None  # before reading: a later commit is noticed
    rows, nulls = tables.null_counts(uri, measured) if exists else (0, {c: 0 for c in measured})
    key_rows, distinct = tables.key_counts(uri, keys) if exists else (0, 0)
    base_orphans = {c: 0 for c in references}
    flagged = _with_orphan_flags(winners, parents)
    if exists:
        current = _with_orphan_flags(
            tables.read(spark, uri).select(*keys, *measured, RECORD_VERSION, ROW_HASH), parents
        )
        if references:
            figures = current.agg(*[_count(F.col(_orphan(c)), c) for c in references]).first()
            base_orphans = {c: int(figures[c]) for c in references}
        held = current.select(
            *keys,
            F.col(RECORD_VERSION).alias("_t_version"),
            F.col(ROW_HASH).alias("_t_hash"),
            *[F.col(c).alias(f"_t_{c}") for c in measured],
            *[F.col(_orphan(c)).alias(f"_t{_orphan(c)}") for c in references],
        )
        joined = flagged.join(held, keys, "left")
    else:
        nothing = F.lit(None).cast("string")
        joined = flagged.select("*", nothing.alias("_t_version"), nothing.alias("_t_hash"))
    change = (
        F.when(F.col("_t_version").isNull(), "insert")
        .when(F.col("_t_hash") == F.col(ROW_HASH), "resent")
        .when(F.col(RECORD_VERSION) > F.col("_t_version"), "update")
        .otherwise("stale")
    )
    joined = joined.withColumn(CHANGE, change)
    writes, updates = F.col(CHANGE).isin("insert", "update"), F.col(CHANGE) == "update"
    aggregates = [_count(F.col(CHANGE) == kind, kind) for kind in CHANGES]
    for c in measured:
        aggregates += [_count(writes & F.col(c).isNull(), f"w_null_{c}")]
        aggregates += [_count(updates & F.col(f"_t_{c}").isNull(), f"r_null_{c}")] if exists else []
    for c in references:
        aggregates += [_count(writes & F.col(_orphan(c)), f"w_orphan_{c}")]
        aggregates += [_count(updates & F.col(f"_t{_orphan(c)}"), f"r_orphan_{c}")] if exists else []
    observation = Observation("staged")
    to_write = joined.observe(observation, *aggregates).filter(writes).select(*winners.columns)
    staged = tables.stage(spark, uri, to_write, partition_by, read_version)
    figures = observation.get
    changes = {kind: int(figures[kind]) for kind in CHANGES}

    def staged_figure(prefix: str, base: int, column: str) -> int:
        return base + int(figures[f"w_{prefix}_{column}"]) - int(figures.get(f"r_{prefix}_{column}", 0))

    staged_rows = rows + changes["insert"]
    staged_nulls = {c: staged_figure("null", nulls[c], c) for c in measured}
    orphans = {}
    for c in references:
        samples = _orphan_samples(staged.frame, c, parents[c]) if figures[f"w_orphan_{c}"] else []
        checked = staged_rows - staged_nulls[c]
        orphans[c] = (staged_figure("orphan", base_orphans[c], c), checked, samples)
    table = TableFigures(
        staged_rows,
        {c: staged_nulls[c] for c in critical},
        key_rows + changes["insert"],
        distinct + changes["insert"],
        orphans,
    )
    return StagedResult(changes, table, staged)
