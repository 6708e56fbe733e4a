"""Test shorthand for the silver step of one ingestion date."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import SparkSession

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.steps.silver import SilverOutcome, process_silver_batch
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.tables import Tables


def process_silver_day(
    spark: SparkSession,
    store: BronzeStore,
    declaration: DatasetDeclaration,
    ingestion_date: dt.date,
    silver_uri: str,
    quarantine_uri: str,
    tables: Tables,
    silver_uri_of: dict[str, str] | None = None,
) -> SilverOutcome:
    """`process_silver_batch` of a single ingestion date."""
    return process_silver_batch(
        spark, store, declaration, [ingestion_date], silver_uri, quarantine_uri, tables, silver_uri_of
    )
