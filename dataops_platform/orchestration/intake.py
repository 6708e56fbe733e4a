"""The intake location of a dataset as an external asset (files arrive from the source system)."""

from dagster import AssetSpec, MetadataValue

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.orchestration import metadata as meta
from dataops_platform.orchestration.keys import intake_key


def intake_spec(declaration: DatasetDeclaration, intake_root: str) -> AssetSpec:
    """The landing location, an external asset: files arrive here from the source system."""
    return AssetSpec(
        key=intake_key(declaration),
        description=f"Files landing from `{declaration.source}`: {declaration.description}",
        group_name="intake",
        owners=declaration.owners,
        kinds={"file"},
        tags=meta.layer_tags("intake", declaration.domain, bool(declaration.pii_columns)),
        metadata={
            "dagster/uri": MetadataValue.path(f"{intake_root.rstrip('/')}/{declaration.intake.prefix}"),
            "file_pattern": declaration.intake.pattern,
            "format": declaration.format,
        },
    )
