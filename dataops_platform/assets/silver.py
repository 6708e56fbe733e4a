"""Silver asset factory: the validated, cleansed, de-duplicated table and its quarantine.

Adding a dataset is a YAML file plus a schema: nothing here names a dataset.
"""

from dagster import (
    AssetExecutionContext,
    AssetSpec,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    multi_asset,
)
from dagster_pyspark import LazyPySparkResource

from dataops_platform.assets import metadata as meta
from dataops_platform.assets.check_results import check_result, check_spec, log_failures
from dataops_platform.assets.freshness import freshness_policy
from dataops_platform.assets.keys import bronze_key, quarantine_key, silver_key
from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.pipeline import silver as silver_step
from dataops_platform.quality import checks as checks_module
from dataops_platform.quality import rules as rules_module
from dataops_platform.quality import silver_checks
from dataops_platform.storage import bronze_reader, delta
from dataops_platform.storage.resource import LakeResource
from dataops_platform.transforms import silver as silver_transforms


def silver_assets(declaration: DatasetDeclaration, partitions: PartitionsDefinition, lake_root: str) -> AssetsDefinition:
    """The validated, cleansed, de-duplicated silver table and its quarantine, built together."""
    name, pii = declaration.name, declaration.pii_columns
    tags = meta.layer_tags("silver", declaration.domain, bool(pii))
    version = meta.code_version(
        silver_transforms, rules_module, silver_step, bronze_reader, delta, declaration.schema_model, declaration.source_text
    )
    referenced = sorted({r.dataset for r in declaration.references.values() if r.quarantine_orphans})
    silver_spec = AssetSpec(
        key=silver_key(name),
        deps=[bronze_key(declaration), *[silver_key(d) for d in referenced]],
        description=declaration.description,
        group_name="silver",
        owners=declaration.owners,
        kinds={"spark", "delta"},
        tags=tags,
        code_version=version,
        freshness_policy=freshness_policy(declaration.quality.timeliness),
        metadata={
            "dagster/uri": MetadataValue.path(f"{lake_root}/silver/{name}"),
            "dagster/table_name": f"silver.{name}",
            "dagster/column_schema": meta.table_schema(
                declaration.contract, pii, ["_bronze_file", "_ingestion_date", "_record_version", "_row_hash", "year", "month"]
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

    quality = declaration.quality
    check_specs = [
        check_spec(silver_key(name), check, getattr(quality, _DIMENSION.get(check, check)).severity)
        for check in silver_checks.INLINE_CHECKS
    ]

    @multi_asset(
        name=f"silver_{name}",
        specs=[silver_spec, quarantine_spec],
        check_specs=check_specs,
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=f"delta_silver_{name}",
    )
    def _silver(context: AssetExecutionContext, spark: LazyPySparkResource, lake: LakeResource):
        outcomes = []
        for day in meta.partition_dates(context):
            outcome = silver_step.process_silver_day(
                spark.spark_session,
                lake.bronze,
                declaration,
                day,
                lake.silver_uri(name),
                lake.quarantine_uri(name),
                lake.tables,
                {d: lake.silver_uri(d) for d in referenced},
            )
            context.log.info(
                f"{name} {day}: {outcome.rows_read} rows read, {outcome.rows_quarantined} quarantined, "
                f"{outcome.duplicates_removed} duplicates removed, {outcome.rows_inserted} inserted, "
                f"{outcome.rows_updated} updated"
            )
            outcomes.append(outcome)
        history = _volume_history(context, silver_key(name), quality.volume.history)
        per_day = []
        for outcome in outcomes:
            per_day.append(
                silver_checks.silver_checks(declaration, outcome, lake.silver_uri(name), history, lake.tables)
            )
            history.insert(0, silver_checks.volume_metrics(outcome))
        results = [checks_module.combine(list(same)) for same in zip(*per_day)]
        yield MaterializeResult(
            asset_key=silver_key(name), metadata=_silver_metadata(outcomes, lake.tables, lake.silver_uri(name))
        )
        yield MaterializeResult(
            asset_key=quarantine_key(name),
            metadata=_quarantine_metadata(outcomes, lake.tables, lake.quarantine_uri(name)),
        )
        log_failures(context.log, silver_key(name), results)
        for result in results:
            yield check_result(silver_key(name), result)

    return _silver


_DIMENSION = {"volume_anomaly": "volume"}  # check name -> quality spec field, where they differ


def _volume_history(context: AssetExecutionContext, key, limit: int) -> list[dict[str, float]]:
    """Volume metrics of the asset's recent materializations, newest first."""
    records = context.instance.fetch_materializations(key, limit=limit).records
    history = []
    for record in records:
        metadata = record.asset_materialization.metadata if record.asset_materialization else {}
        values = {m: metadata[m].value for m in silver_checks.VOLUME_METRICS if m in metadata}
        if values:
            history.append(values)
    return history


def _silver_metadata(outcomes: list[silver_step.SilverOutcome], tables, uri: str) -> dict:
    def total(field: str) -> int:
        return sum(getattr(o, field) for o in outcomes)

    drift = {
        "extra_columns": {k: v for o in outcomes for k, v in o.read_report.extra_columns.items()},
        "missing_columns": {k: v for o in outcomes for k, v in o.read_report.missing_columns.items()},
        "empty_files": [f for o in outcomes for f in o.read_report.empty_files],
    }
    return meta.run_metadata(
        row_count=tables.row_count(uri),
        bytes_stored=tables.size_bytes(uri),
        partitions=[o.ingestion_date for o in outcomes],
        duration_seconds=total("seconds"),
        inputs=[f for o in outcomes for f in o.bronze_files],
        delta_version=outcomes[-1].silver_version if outcomes else None,
        failed_rows=total("rows_quarantined"),
        rows_read=total("rows_read"),
        rows_valid=total("rows_valid"),
        rows_quarantined=total("rows_quarantined"),
        duplicates_removed=total("duplicates_removed"),
        rows_inserted=total("rows_inserted"),
        rows_updated=total("rows_updated"),
        rows_already_current=total("rows_already_current"),
        file_shape=MetadataValue.json(drift),
    )


def _quarantine_metadata(outcomes: list[silver_step.SilverOutcome], tables, uri: str) -> dict:
    return meta.run_metadata(
        row_count=tables.row_count(uri),
        bytes_stored=tables.size_bytes(uri),
        partitions=[o.ingestion_date for o in outcomes],
        duration_seconds=sum(o.seconds for o in outcomes),
        inputs=[f for o in outcomes for f in o.bronze_files],
        delta_version=outcomes[-1].quarantine_version if outcomes else None,
        failed_rows=sum(o.rows_quarantined for o in outcomes),
        rows_quarantined=sum(o.rows_quarantined for o in outcomes),
    )
