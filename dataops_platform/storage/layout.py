"""Where each layer lives inside the lake root."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LakeLayout:
    """Paths of the lake: bronze files, silver/quarantine/gold Delta tables."""

    root: Path

    def bronze_dir(self, source: str, dataset: str, ingestion_date: dt.date) -> Path:
        return self.root / "bronze" / f"source={source}" / f"dataset={dataset}" / (
            f"ingestion_date={ingestion_date:%Y/%m/%d}"
        )

    def silver_table(self, dataset: str) -> Path:
        return self.root / "silver" / dataset

    def quarantine_table(self, dataset: str) -> Path:
        return self.root / "quarantine" / dataset

    def gold_table(self, product: str) -> Path:
        return self.root / "gold" / product
