"""Where each layer lives inside the lake root (the same keys on a local folder and on S3).

`table_uri` is the one mapping from a Delta table to its location; `TableUris` gives every
holder of a lake root (the lake resource, the job's lake) the same three methods.
"""

from __future__ import annotations

import datetime as dt

from dataops_platform.layers import GOLD, QUARANTINE, REPLAYED, SILVER, table_path


def bronze_partition_prefix(source: str, dataset: str, ingestion_date: dt.date) -> str:
    return f"bronze/source={source}/dataset={dataset}/ingestion_date={ingestion_date:%Y/%m/%d}/"


def ledger_prefix(source: str, dataset: str) -> str:
    """The dataset's ingest ledger (storage/ledger.py): platform state, outside the bronze files."""
    return f"_ledger/source={source}/dataset={dataset}/"


def table_key(layer: str, name: str) -> str:
    """A Delta table's folder: silver/<dataset>, quarantine/<dataset>, gold/<product>."""
    return "/".join(table_path(layer, name))


def table_uri(lake_root: str, layer: str, name: str) -> str:
    """A Delta table's location under a lake root (a local path or an s3:// URI)."""
    return f"{str(lake_root).rstrip('/')}/{table_key(layer, name)}"


class TableUris:
    """silver/quarantine/gold URIs of a lake, for a class with a `lake_root`."""

    lake_root: str

    def silver_uri(self, dataset: str) -> str:
        return table_uri(self.lake_root, SILVER, dataset)

    def quarantine_uri(self, dataset: str) -> str:
        return table_uri(self.lake_root, QUARANTINE, dataset)

    def gold_uri(self, product: str) -> str:
        return table_uri(self.lake_root, GOLD, product)

    def replayed_uri(self, dataset: str) -> str:
        """The log of quarantined rows a replay published: which, when and why."""
        return table_uri(self.lake_root, REPLAYED, dataset)
