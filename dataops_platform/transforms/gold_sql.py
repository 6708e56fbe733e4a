"""The Spark side of a SQL gold product: its query for each as-of date over silver DataFrames,
its output cast to the declared columns, its row rules and its reconciliation totals.

The query reads silver datasets by name; each build registers its DataFrames as temporary
views of its own (unique names, so builds sharing a session never read each other's) and binds
the query's table names to them (transforms/sql.py). The same text runs on a local
SparkSession and on Databricks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from dataops_platform.quality.rules import RowRule
from dataops_platform.transforms.gold import Totals, _totals_by_date
from dataops_platform.transforms.sql import AS_OF, bind_tables


@contextmanager
def silver_views(spark: SparkSession, frames: dict[str, DataFrame]) -> Iterator[dict[str, str]]:
    """Each silver DataFrame as a temporary view for the length of one build: dataset -> view."""
    token = uuid.uuid4().hex[:12]
    views = {name: f"_silver_{name}_{token}" for name in frames}
    for name, frame in frames.items():
        frame.createOrReplaceTempView(views[name])
    try:
        yield views
    finally:
        for view in views.values():
            spark.catalog.dropTempView(view)


def _per_day(spark: SparkSession, query: str, days: list[dt.date]) -> DataFrame:
    """One query run for every as-of date (bound to :as_of), as one DataFrame: one Spark plan."""
    return reduce(DataFrame.unionByName, [spark.sql(query, args={AS_OF: day}) for day in days])


def run_query(
    spark: SparkSession, query: str, views: dict[str, str], days: list[dt.date], columns: list[tuple[str, object]]
) -> DataFrame:
    """The product's rows for these as-of dates: the query over the views, its columns in the
    declared order cast to the declared types (name, Spark DataType)."""
    output = _per_day(spark, bind_tables(query, views), days)
    return output.select(*[F.col(f"`{name}`").cast(spark_type).alias(name) for name, spark_type in columns])


def expression_rules(rules: dict[str, str]) -> list[RowRule]:
    """Row rules: a row fails where its Spark SQL expression is false (NULL passes, as in a SQL
    CHECK constraint)."""
    return [
        RowRule(
            name=name,
            column="",
            dimension="validity",
            description=f"`{text}` holds",
            failed=F.coalesce(~F.expr(text), F.lit(False)),
            reason=F.lit(f"{name}: `{text}` is false"),
        )
        for name, text in rules.items()
    ]


def reconciliation_totals(
    spark: SparkSession,
    output: DataFrame,
    date_column: str,
    check,
    silver_view: str,
    days: list[dt.date],
) -> Totals:
    """Per as-of date: the output's sum of `check.total` against the silver sum of `check.column`
    (or of the expression `check.sum`) over the rows `check.where` keeps for that date (:as_of
    bound to it); `check` is the declaration's `reconcile` (declarations.Reconciliation)."""
    condition = f" WHERE ({check.where}\n)" if check.where else ""  # a `--` comment ends at the newline
    figure = f"({check.sum}\n)" if check.sum else f"`{check.column}`"
    query = f"SELECT CAST(:{AS_OF} AS DATE) AS _date, SUM({figure}) AS _total FROM {silver_view}{condition}"
    actual = output.groupBy(F.col(date_column).alias("_date")).agg(F.sum(check.total).alias("_total"))
    return _totals_by_date(check.total, _per_day(spark, query, days), actual, days)
