"""Gold steps: read silver tables, build a data product for one as-of date, write it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from dataops_platform.pipeline.tables import Tables
from dataops_platform.quality.contract import TableContract, contract_from_model
from dataops_platform.quality.rules import value_rules
from dataops_platform.schemas.gold import Customer360, DailyRevenue
from dataops_platform.transforms import gold


@dataclass(frozen=True)
class GoldProduct:
    """A gold table: its silver inputs, its transform, its date column and Delta partitioning."""

    name: str
    inputs: tuple[str, ...]  # silver dataset names, in the transform's argument order
    build: Callable[..., DataFrame]  # (*silver DataFrames, as_of date) -> DataFrame
    date_column: str
    partition_by: tuple[str, ...]
    contract_model: type  # the pandera model of the output
    reconcile: Callable[[DataFrame, DataFrame, dt.date], tuple[str, object, object]]  # (output, transactions, as_of)

    @property
    def contract(self) -> TableContract:
        return contract_from_model(self.contract_model)


PRODUCTS = {
    "customer_360": GoldProduct(
        name="customer_360",
        inputs=("customers", "transactions", "web_events", "support_tickets"),
        build=gold.customer_360,
        date_column="as_of_date",
        partition_by=("signup_region",),
        contract_model=Customer360,
        reconcile=gold.spend_reconciliation,
    ),
    "daily_revenue": GoldProduct(
        name="daily_revenue",
        inputs=("transactions", "customers"),
        build=gold.daily_revenue,
        date_column="revenue_date",
        partition_by=("region",),
        contract_model=DailyRevenue,
        reconcile=gold.revenue_reconciliation,
    ),
}


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


def build_gold_day(
    spark: SparkSession,
    product: GoldProduct,
    silver_uris: dict[str, str],
    gold_uri: str,
    as_of: dt.date,
    tables: Tables,
) -> GoldOutcome:
    """Rebuild the rows of one as-of date; other dates stay as they are."""
    missing = [name for name in product.inputs if not tables.exists(silver_uris[name])]
    if missing:
        raise RuntimeError(
            f"{product.name} needs silver tables {missing}, which do not exist yet: materialize them first"
        )
    inputs = dict(zip(product.inputs, [tables.read(spark, silver_uris[name]) for name in product.inputs]))
    output = product.build(*inputs.values(), as_of).persist()
    try:
        rules = value_rules(product.contract)
        figures = output.agg(
            F.count(F.lit(1)).alias("_rows"),
            F.count_distinct(*product.contract.unique).alias("_distinct"),
            F.count(F.when(F.array_compact(F.array(*[F.when(r.failed, 1) for r in rules])) != F.array(), 1)).alias("_failed"),
            *[F.count(F.when(r.failed, 1)).alias(r.name) for r in rules],
        ).first().asDict()
        reconciliation = product.reconcile(output, inputs["transactions"], as_of)
        predicate = f"{product.date_column} = '{as_of.isoformat()}'"
        result = tables.replace_where(gold_uri, output, predicate, list(product.partition_by))
    finally:
        output.unpersist()
    return GoldOutcome(
        as_of=as_of,
        rows=result.source_rows,
        version=result.version,
        distinct_keys=int(figures["_distinct"]),
        rule_failures={r.name: int(figures[r.name]) for r in rules},
        rule_descriptions={r.name: r.description for r in rules},
        rows_failed=int(figures["_failed"]),
        reconciliation=reconciliation,
    )
