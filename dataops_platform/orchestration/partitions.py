"""Daily ingestion-date partitions, and the dates a run covers."""

from __future__ import annotations

import datetime as dt

from dagster import DailyPartitionsDefinition


def daily_partitions(start_date: str) -> DailyPartitionsDefinition:
    """Daily ingestion-date partitions, including today (files landing today are ingestible)."""
    return DailyPartitionsDefinition(start_date=start_date, end_offset=1, timezone="UTC")


def partition_dates(context) -> list[dt.date]:
    """The partition dates a run covers (one, or a range under a single-run backfill), sorted."""
    return sorted(dt.date.fromisoformat(key) for key in context.partition_keys)
