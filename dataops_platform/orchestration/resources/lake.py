"""The lake resource: where intake files wait and where the layers live (local or S3)."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from dataops_platform.settings import Settings
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.keys import is_s3_uri
from dataops_platform.storage.layout import TableUris
from dataops_platform.storage.objects import LocalObjectStore, ObjectStore
from dataops_platform.storage.s3 import S3ObjectStore, aws_client, delta_storage_options
from dataops_platform.storage.tables import DeltaRsTables


class LakeResource(ConfigurableResource, TableUris):
    """Intake location and lake root: local folders or s3://bucket/prefix URIs.

    No credentials here: boto3 and delta-rs read them from the standard AWS variables.
    """

    lake_root: str
    intake_root: str
    endpoint_url: str | None = Field(None, description="S3/SQS endpoint (moto, MinIO); empty: AWS.")
    region: str | None = Field(None, description="AWS region; empty: boto3's default lookup.")
    cache_dir: str | None = Field(None, description="Local copies of S3 bronze files for Spark.")

    def aws(self, service: str):
        """A shared boto3 client for `service` with this lake's endpoint and region."""
        return aws_client(service, self.endpoint_url, self.region)

    def _store(self, root: str) -> ObjectStore:
        return S3ObjectStore.from_uri(root, self.aws("s3")) if is_s3_uri(root) else LocalObjectStore(root)

    @property
    def lake_store(self) -> ObjectStore:
        return self._store(self.lake_root)

    @property
    def intake_store(self) -> ObjectStore:
        return self._store(self.intake_root)

    @property
    def bronze(self) -> BronzeStore:
        return BronzeStore(self.lake_store, self.intake_store, Path(self.cache_dir) if self.cache_dir else None)

    @property
    def tables(self):
        """Delta table I/O of the embedded engine (delta-rs) with this lake's storage options."""
        return DeltaRsTables(self.storage_options)

    @property
    def storage_options(self) -> dict[str, str] | None:
        """delta-rs storage options (None for local folders); never holds credentials."""
        return delta_storage_options(self.endpoint_url, self.region) if is_s3_uri(self.lake_root) else None


def lake_resource(settings: Settings) -> LakeResource:
    """The `lake` resource for these settings (same resource key in every environment)."""
    return LakeResource(
        lake_root=settings.lake_root,
        intake_root=settings.intake_root,
        endpoint_url=settings.aws_endpoint_url,
        region=settings.aws_region,
        cache_dir=settings.cache_dir or None,
    )
