"""Test shorthand for the silver step of one ingestion date (stage, audit, publish or hold)."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import SparkSession

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.quality.checks import CheckOutcome
from dataops_platform.steps.runner import audited_batch
from dataops_platform.steps.silver import SilverOutcome
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.tables import Tables


def silver_day(
    spark: SparkSession,
    store: BronzeStore,
    declaration: DatasetDeclaration,
    ingestion_date: dt.date,
    silver_uri: str,
    quarantine_uri: str,
    tables: Tables,
    silver_uri_of: dict[str, str] | None = None,
    history: list[dict[str, float]] | None = None,
) -> tuple[SilverOutcome, dict[str, CheckOutcome]]:
    """The audited silver batch of one ingestion date: its outcome and its checks by name.
    A referenced dataset missing from `silver_uri_of` has no silver table yet."""
    uris = {"silver": silver_uri, "quarantine": quarantine_uri}
    uris |= {f"silver:{d}": u for d, u in (silver_uri_of or {}).items()}
    for ref in declaration.references.values():
        uris.setdefault(f"silver:{ref.dataset}", f"{silver_uri}__no_{ref.dataset}")
    outcome, checks, _ = audited_batch(spark, store, tables, declaration, [ingestion_date], uris, history or [])
    return outcome, {c.name: c for c in checks}


def process_silver_day(*args, **kwargs) -> SilverOutcome:
    """`silver_day`, its outcome only."""
    return silver_day(*args, **kwargs)[0]
