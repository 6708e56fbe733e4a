"""The one place that knows how the platform's S3 listing sensor is called.

The detection scenario only sees `_platform_tick` (new keys and the next cursor) and
`ledger_entries` (what bronze records for ingested files, to seed a steady state). If the
sensor logic in dataops_platform/sensors/ is missing or its interface changed, both raise
`SensorUnavailable` and the scenario reports "platform sensor not available" instead of crashing.

The tick is the sensor's own `scan` on an S3 intake store and the ingest ledger of an S3
lake, the same objects the Dagster sensor builds from `LakeResource`, with the benchmark's
request-counting client and an explicit clock (a real sensor evaluates with time.time()).
"""

from __future__ import annotations

SOURCE, DATASET = "payments", "transactions"


class SensorUnavailable(Exception):
    """The platform's listing sensor cannot be called from this checkout."""


def _stores(client, bucket: str, lake_bucket: str):
    """(intake store, ingest ledger) as the sensor sees them, or SensorUnavailable."""
    try:
        from dataops_platform.storage.layout import ledger_prefix
        from dataops_platform.storage.ledger import IngestLedger
        from dataops_platform.storage.s3 import S3ObjectStore
    except ImportError as exc:
        raise SensorUnavailable(f"platform sensor not available ({exc})") from exc
    intake = S3ObjectStore(bucket, "", client)
    ledger = IngestLedger(S3ObjectStore(lake_bucket, "", client), ledger_prefix(SOURCE, DATASET), intake.scope)
    return intake, ledger


def _platform_tick(
    bucket: str, prefix: str, cursor: str | None, *, client, lake_bucket: str, now: float
) -> tuple[list[str], str]:
    """One evaluation of the listing sensor: (new keys, next cursor)."""
    try:
        from dataops_platform.orchestration.sensors.listing import ListingPolicy, ListingState, scan
    except ImportError as exc:
        raise SensorUnavailable(f"platform sensor not available ({exc})") from exc
    intake, ledger = _stores(client, bucket, lake_bucket)
    state = ListingState.from_cursor(cursor)
    try:
        found = scan(intake, ledger, prefix, lambda key: key.endswith(".csv"), state, ListingPolicy(), now)
        return [obj.key for obj in found.new], state.to_cursor()
    except (TypeError, AttributeError) as exc:  # the sensor's interface moved on: adapt this function
        raise SensorUnavailable(f"platform sensor not available (interface changed: {exc})") from exc


def ledger_entries(bucket: str, lake_bucket: str, files: list[tuple[str, str]]) -> list[str]:
    """Ledger object keys (in `lake_bucket`) recording (key, version) files as ingested."""
    _, ledger = _stores(None, bucket, lake_bucket)
    return [ledger.entry_key(key, version) for key, version in files]
