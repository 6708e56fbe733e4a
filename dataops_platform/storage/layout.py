"""Where each layer lives inside the lake root (the same keys on a local folder and on S3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


def bronze_partition_prefix(source: str, dataset: str, ingestion_date: dt.date) -> str:
    return f"bronze/source={source}/dataset={dataset}/ingestion_date={ingestion_date:%Y/%m/%d}/"


def ledger_prefix(source: str, dataset: str) -> str:
    """The dataset's ingest ledger (storage/ledger.py): platform state, outside the bronze files."""
    return f"_ledger/source={source}/dataset={dataset}/"


def table_key(layer: str, name: str) -> str:
    """A Delta table's folder: silver/<dataset>, quarantine/<dataset>, gold/<product>."""
    return f"{layer}/{name}"


@dataclass(frozen=True)
class LakeLayout:
    """Paths of a local lake: bronze files, silver/quarantine/gold Delta tables."""

    root: Path

    def bronze_dir(self, source: str, dataset: str, ingestion_date: dt.date) -> Path:
        return self.root / bronze_partition_prefix(source, dataset, ingestion_date)

    def silver_table(self, dataset: str) -> Path:
        return self.root / table_key("silver", dataset)

    def quarantine_table(self, dataset: str) -> Path:
        return self.root / table_key("quarantine", dataset)

    def gold_table(self, product: str) -> Path:
        return self.root / table_key("gold", product)
