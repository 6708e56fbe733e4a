"""The lake resource: where intake files wait and where the layers live."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.layout import LakeLayout


class LakeResource(ConfigurableResource):
    """Intake location and lake root (local folders on the embedded default)."""

    lake_root: str
    intake_root: str

    @property
    def layout(self) -> LakeLayout:
        return LakeLayout(Path(self.lake_root).resolve())

    @property
    def bronze(self) -> BronzeStore:
        return BronzeStore(self.layout, intake_location=str(Path(self.intake_root).resolve()))

    @property
    def storage_options(self) -> dict[str, str] | None:
        """delta-rs storage options (None for local folders)."""
        return None

    @property
    def tables(self) -> "DeltaRsTables":
        """Delta table I/O for the pipeline steps (delta-rs through Arrow)."""
        from dataops_platform.pipeline.tables import DeltaRsTables

        return DeltaRsTables(self.storage_options)

    def silver_uri(self, dataset: str) -> str:
        return str(self.layout.silver_table(dataset))

    def quarantine_uri(self, dataset: str) -> str:
        return str(self.layout.quarantine_table(dataset))

    def gold_uri(self, product: str) -> str:
        return str(self.layout.gold_table(product))
