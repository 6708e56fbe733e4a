"""Gold steps: read silver tables, build a data product (Python transform or SQL) for a run's
as-of dates, write it.

All dates of a run are built in one Spark plan and committed in one replace-where, so a
backfill costs one pass over silver rather than one per date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from dataops_platform.declarations import ProductDeclaration
from dataops_platform.quality.rules import RowRule, failed_any, value_rules
from dataops_platform.storage.tables import Tables
from dataops_platform.transforms import gold_sql
from dataops_platform.transforms.gold import Totals


@dataclass
class GoldOutcome:
    """One as-of date of a gold product, with the figures of its checks."""

    as_of: dt.date
    rows: int
    version: int
    distinct_keys: int = 0
    rule_failures: dict[str, int] = field(default_factory=dict)
    rule_descriptions: dict[str, str] = field(default_factory=dict)
    rows_failed: int = 0
    reconciliation: tuple[str, object, object] = ("", 0, 0)


def build_gold_days(
    spark: SparkSession,
    product: ProductDeclaration,
    silver_uris: dict[str, str],
    gold_uri: str,
    days: list[dt.date],
    tables: Tables,
) -> list[GoldOutcome]:
    """Rebuild the rows of the given as-of dates in one Spark plan and one commit; other dates
    stay as they are."""
    missing = [name for name in product.inputs if not tables.exists(silver_uris[name])]
    if missing:
        raise RuntimeError(
            f"{product.name} needs silver tables {missing}, which do not exist yet: materialize them first"
        )
    inputs = {name: tables.read(spark, silver_uris[name]) for name in product.inputs}
    with _built(spark, product, inputs, days) as (output, extra_rules, reconcile):
        output = output.persist()
        try:
            rules = [*value_rules(product.contract), *extra_rules]
            figures = {
                row[product.date_column]: row.asDict()
                for row in output.groupBy(product.date_column)
                .agg(
                    F.count(F.lit(1)).alias("_rows"),
                    F.count_distinct(*product.contract.unique).alias("_distinct"),
                    F.count(F.when(failed_any(rules), 1)).alias("_failed"),
                    *[F.count(F.when(r.failed, 1)).alias(r.name) for r in rules],
                )
                .collect()
            }
            reconciliation = reconcile(output)
            dates = ", ".join(f"'{day.isoformat()}'" for day in days)
            result = tables.replace_where(
                gold_uri, output, f"{product.date_column} IN ({dates})", list(product.partition_by)
            )
        finally:
            output.unpersist()
    return [_outcome(day, figures.get(day, {}), rules, reconciliation[day], result.version) for day in days]


Built = tuple[DataFrame, list[RowRule], Callable[[DataFrame], Totals]]  # output, row rules, reconciliation


@contextmanager
def _built(spark: SparkSession, product: ProductDeclaration, inputs: dict[str, DataFrame], days) -> Iterator[Built]:
    """The product's rows for these dates, its own row rules and its reconciliation: from its
    Python transform, or from its SQL over the silver tables as views (for the whole build)."""
    if not product.is_sql:
        output = product.build(*inputs.values(), days)
        yield output, [], lambda out: product.reconciler(out, inputs[product.reconcile_with], days)
        return
    columns = [(c.name, c.spark_type) for c in product.contract.columns]
    check = product.reconcile
    with gold_sql.silver_views(spark, inputs) as views:
        output = gold_sql.run_query(spark, product.sql, views, days, columns)
        yield (
            output,
            gold_sql.expression_rules(product.rules),
            lambda out: gold_sql.reconciliation_totals(
                spark, out, product.date_column, check, views[check.dataset], days
            ),
        )


def _outcome(day: dt.date, figures: dict, rules: list, reconciliation: tuple, version: int) -> GoldOutcome:
    return GoldOutcome(
        as_of=day,
        rows=int(figures.get("_rows", 0)),
        version=version,
        distinct_keys=int(figures.get("_distinct", 0)),
        rule_failures={r.name: int(figures.get(r.name, 0)) for r in rules},
        rule_descriptions={r.name: r.description for r in rules},
        rows_failed=int(figures.get("_failed", 0)),
        reconciliation=reconciliation,
    )
