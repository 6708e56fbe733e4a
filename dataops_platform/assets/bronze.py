"""Bronze asset factory: a dataset's raw files copied unchanged, one metadata JSON each."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from dataops_platform.assets import metadata as meta
from dataops_platform.assets.keys import bronze_key, intake_key
from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.pipeline import bronze as bronze_step
from dataops_platform.storage.resource import LakeResource


def bronze_asset(declaration: DatasetDeclaration, partitions: PartitionsDefinition, lake_root: str) -> AssetsDefinition:
    """Raw files of the dataset, copied unchanged into bronze with a metadata JSON each."""
    name, source = declaration.name, declaration.source

    @asset(
        key=bronze_key(declaration),
        deps=[intake_key(declaration)],
        description=f"Raw `{name}` files from `{source}`, copied unchanged, one metadata JSON each.",
        group_name="bronze",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        owners=declaration.owners,
        kinds={"file"},
        tags=meta.layer_tags("bronze", declaration.domain, bool(declaration.pii_columns)),
        code_version=meta.code_version(bronze_step, declaration.source_text),
        metadata={
            "dagster/uri": MetadataValue.path(f"{lake_root}/bronze/source={source}/dataset={name}/"),
            "layout": "ingestion_date=YYYY/MM/DD/<timestamp>_<file> + <file>.metadata.json",
        },
    )
    def _bronze(context: AssetExecutionContext, lake: LakeResource) -> MaterializeResult:
        ingested, skipped, rejected = [], [], []
        for day in meta.partition_dates(context):
            outcome = bronze_step.ingest_day(lake.bronze, lake.intake_root, declaration, day)
            ingested += outcome.ingested
            skipped += outcome.already_present
            rejected += outcome.rejected
        for reason in rejected:
            context.log.warning(reason)
        context.log.info(f"{name}: {len(ingested)} file(s) ingested, {len(skipped)} already in bronze")
        files = [
            {"file": f.path.name, "source_key": f.metadata["source_key"], "bytes": f.metadata["size_bytes"], "sha256": f.metadata["sha256"]}
            for f in ingested
        ]
        return MaterializeResult(
            metadata={
                "files_ingested": len(ingested),
                "files_already_ingested": len(skipped),
                "keys_rejected": MetadataValue.json(rejected),
                "bytes_ingested": sum(f["bytes"] for f in files),
                "files": MetadataValue.json(files),
            }
        )

    return _bronze
