"""Factories that turn one dataset declaration into its intake, bronze, silver and quarantine assets.

Adding a dataset is a YAML file plus a schema: nothing here names a dataset.
"""


from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
    multi_asset,
)
from dagster_pyspark import LazyPySparkResource

from dataops_platform.assets import metadata as meta
from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.pipeline import bronze as bronze_step
from dataops_platform.pipeline import silver as silver_step
from dataops_platform.quality import rules as rules_module
from dataops_platform.storage import bronze_reader, delta
from dataops_platform.storage.resource import LakeResource
from dataops_platform.transforms import silver as silver_transforms


def intake_key(declaration: DatasetDeclaration) -> AssetKey:
    return AssetKey(["intake", declaration.name])


def bronze_key(declaration: DatasetDeclaration) -> AssetKey:
    return AssetKey(["bronze", declaration.name])


def silver_key(name: str) -> AssetKey:
    return AssetKey(["silver", name])


def quarantine_key(name: str) -> AssetKey:
    return AssetKey(["quarantine", name])


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


def silver_assets(declaration: DatasetDeclaration, partitions: PartitionsDefinition, lake_root: str) -> AssetsDefinition:
    """The validated, cleansed, de-duplicated silver table and its quarantine, built together."""
    name, pii = declaration.name, declaration.pii_columns
    tags = meta.layer_tags("silver", declaration.domain, bool(pii))
    version = meta.code_version(
        silver_transforms, rules_module, silver_step, bronze_reader, delta, declaration.schema_model, declaration.source_text
    )
    silver_spec = AssetSpec(
        key=silver_key(name),
        deps=[bronze_key(declaration)],
        description=declaration.description,
        group_name="silver",
        owners=declaration.owners,
        kinds={"spark", "delta"},
        tags=tags,
        code_version=version,
        metadata={
            "dagster/uri": MetadataValue.path(f"{lake_root}/silver/{name}"),
            "dagster/table_name": f"silver.{name}",
            "dagster/column_schema": meta.table_schema(
                declaration.contract, pii, ["_bronze_file", "_ingestion_date", "_record_version", "year", "month"]
            ),
            "primary_key": ", ".join(declaration.primary_key),
            "partitioned_by": f"year, month of {declaration.partitioning.table_by_month_of}",
            "critical_columns": ", ".join(declaration.critical_columns),
        },
    )
    quarantine_spec = AssetSpec(
        key=quarantine_key(name),
        deps=[bronze_key(declaration)],
        description=f"Rows of `{name}` that failed row-level rules, kept as raw text with every reason.",
        group_name="quarantine",
        owners=declaration.owners,
        kinds={"spark", "delta"},
        tags={**tags, "layer": "quarantine"},
        code_version=version,
        metadata={
            "dagster/uri": MetadataValue.path(f"{lake_root}/quarantine/{name}"),
            "dagster/table_name": f"quarantine.{name}",
            "dagster/column_schema": meta.raw_text_schema(declaration.contract, pii),
        },
    )

    @multi_asset(
        name=f"silver_{name}",
        specs=[silver_spec, quarantine_spec],
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=f"delta_silver_{name}",
    )
    def _silver(context: AssetExecutionContext, spark: LazyPySparkResource, lake: LakeResource):
        outcomes = []
        for day in meta.partition_dates(context):
            outcome = silver_step.process_silver_day(
                spark.spark_session, lake.bronze, declaration, day, lake.silver_uri(name), lake.quarantine_uri(name)
            )
            context.log.info(
                f"{name} {day}: {outcome.rows_read} rows read, {outcome.rows_quarantined} quarantined, "
                f"{outcome.duplicates_removed} duplicates removed, merge {outcome.merge_metrics}"
            )
            outcomes.append(outcome)
        yield MaterializeResult(asset_key=silver_key(name), metadata=_silver_metadata(outcomes, lake.silver_uri(name)))
        yield MaterializeResult(
            asset_key=quarantine_key(name),
            metadata={
                "dagster/row_count": delta.row_count(lake.quarantine_uri(name)),
                "rows_quarantined": sum(o.rows_quarantined for o in outcomes),
                "delta_version": outcomes[-1].quarantine_version if outcomes else -1,
            },
        )

    return _silver


def _silver_metadata(outcomes: list[silver_step.SilverOutcome], uri: str) -> dict:
    total = lambda field: sum(getattr(o, field) for o in outcomes)  # noqa: E731
    drift = {
        "extra_columns": {k: v for o in outcomes for k, v in o.read_report.extra_columns.items()},
        "missing_columns": {k: v for o in outcomes for k, v in o.read_report.missing_columns.items()},
        "empty_files": [f for o in outcomes for f in o.read_report.empty_files],
    }
    return {
        "dagster/row_count": delta.row_count(uri),
        "rows_read": total("rows_read"),
        "rows_valid": total("rows_valid"),
        "rows_quarantined": total("rows_quarantined"),
        "duplicates_removed": total("duplicates_removed"),
        "rows_inserted": sum(o.merge_metrics.get("num_target_rows_inserted", 0) for o in outcomes),
        "rows_updated": sum(o.merge_metrics.get("num_target_rows_updated", 0) for o in outcomes),
        "bronze_files_read": MetadataValue.json([f for o in outcomes for f in o.bronze_files]),
        "file_shape": MetadataValue.json(drift),
        "delta_version": outcomes[-1].silver_version if outcomes else -1,
        "duration_seconds": round(sum(o.seconds for o in outcomes), 3),
    }
