"""Gold steps: read silver tables, build a data product for one as-of date, write it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from pyspark.sql import DataFrame, SparkSession

from dataops_platform.pipeline.tables import Tables
from dataops_platform.transforms import gold


@dataclass(frozen=True)
class GoldProduct:
    """A gold table: its silver inputs, its transform, its date column and Delta partitioning."""

    name: str
    inputs: tuple[str, ...]  # silver dataset names, in the transform's argument order
    build: Callable[..., DataFrame]  # (*silver DataFrames, as_of date) -> DataFrame
    date_column: str
    partition_by: tuple[str, ...]


PRODUCTS = {
    "customer_360": GoldProduct(
        name="customer_360",
        inputs=("customers", "transactions", "web_events", "support_tickets"),
        build=gold.customer_360,
        date_column="as_of_date",
        partition_by=("signup_region",),
    ),
    "daily_revenue": GoldProduct(
        name="daily_revenue",
        inputs=("transactions", "customers"),
        build=gold.daily_revenue,
        date_column="revenue_date",
        partition_by=("region",),
    ),
}


@dataclass
class GoldOutcome:
    as_of: dt.date
    rows: int
    version: int


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
    inputs = [tables.read(spark, silver_uris[name]) for name in product.inputs]
    output = product.build(*inputs, as_of)
    predicate = f"{product.date_column} = '{as_of.isoformat()}'"
    result = tables.replace_where(gold_uri, output, predicate, list(product.partition_by))
    return GoldOutcome(as_of=as_of, rows=result.source_rows, version=result.version)
