"""Referential integrity between silver tables, computed with Spark (engine-neutral)."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

SAMPLE_ORPHANS = 5


def orphan_counts(child: DataFrame, column: str, parent: DataFrame, key: str) -> tuple[int, int, list]:
    """(rows whose non-null `column` is missing from parent.`key`, rows checked, a few orphan values)."""
    values = child.select(F.col(column).alias("_k")).filter(F.col("_k").isNotNull())
    keys = parent.select(F.col(key).alias("_k")).distinct()
    orphans = values.join(keys, "_k", "left_anti").persist()
    try:
        figures = values.agg(F.count(F.lit(1)).alias("checked")).first()
        count = orphans.count()
        samples = [r["_k"] for r in orphans.select("_k").distinct().orderBy("_k").limit(SAMPLE_ORPHANS).collect()]
    finally:
        orphans.unpersist()
    return count, int(figures["checked"]), samples
