"""Silver asset factory: the validated, cleansed, de-duplicated table and its quarantine.

Adding a dataset is a YAML file plus a schema: nothing here names a dataset.
"""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    MetadataValue,
    PartitionsDefinition,
    multi_asset,
)
from dagster_pyspark import LazyPySparkResource

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.layers import QUARANTINE, SILVER
from dataops_platform.orchestration import metadata as meta
from dataops_platform.orchestration.automation import silver_condition
from dataops_platform.orchestration.check_results import check_spec
from dataops_platform.orchestration.freshness import freshness_policy
from dataops_platform.orchestration.keys import bronze_key, quarantine_key, silver_key
from dataops_platform.orchestration.resources.compute import ComputeResource
from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.orchestration.retries import transient_retries
from dataops_platform.quality import rules as rules_module
from dataops_platform.steps import silver as silver_step
from dataops_platform.steps import silver_checks, staged_figures
from dataops_platform.steps.runner import quarantine_references
from dataops_platform.storage import bronze_reader, delta, file_checks
from dataops_platform.storage.layout import table_uri
from dataops_platform.transforms import silver as silver_transforms


def silver_assets(
    declaration: DatasetDeclaration, partitions: PartitionsDefinition, lake_root: str
) -> AssetsDefinition:
    """The validated, cleansed, de-duplicated silver table and its quarantine, built together."""
    name, pii = declaration.name, declaration.pii_columns
    tags = meta.layer_tags("silver", declaration.domain, bool(pii))
    version = meta.code_version(
        silver_transforms,
        rules_module,
        silver_step,
        staged_figures,
        bronze_reader,
        file_checks,
        delta,
        declaration.schema_source,
        declaration.source_text,
    )
    referenced = quarantine_references(declaration)  # must exist first: their keys decide what is quarantined
    silver_spec = AssetSpec(
        key=silver_key(name),
        skippable=True,  # a batch held back by a blocking check is not published
        automation_condition=silver_condition(),
        deps=[bronze_key(declaration), *[silver_key(d) for d in referenced]],
        description=declaration.description,
        group_name="silver",
        owners=declaration.owners,
        kinds={"spark", "delta"},
        tags=tags,
        code_version=version,
        freshness_policy=freshness_policy(declaration.quality.timeliness),
        metadata={
            "dagster/uri": MetadataValue.path(table_uri(lake_root, SILVER, name)),
            "dagster/table_name": f"silver.{name}",
            "dagster/column_schema": meta.table_schema(
                declaration.contract,
                pii,
                [
                    *(["_rescued_data"] if declaration.schema_evolution == "rescue" else []),
                    *["_bronze_file", "_ingestion_date", "_record_version", "_row_hash", "year", "month"],
                ],
            ),
            "primary_key": ", ".join(declaration.primary_key),
            "contract_version": declaration.contract_version,
            "partitioned_by": f"year, month of {declaration.partitioning.table_by_month_of}",
            "critical_columns": ", ".join(declaration.critical_columns),
            "quality_policy": MetadataValue.json(declaration.quality.model_dump(mode="json")),
        },
    )
    quarantine_spec = AssetSpec(
        key=quarantine_key(name),
        skippable=True,
        automation_condition=silver_condition(),
        deps=[bronze_key(declaration)],
        description=f"Rows of `{name}` that failed row-level rules, kept as raw text with every reason.",
        group_name="quarantine",
        owners=declaration.owners,
        kinds={"spark", "delta"},
        tags={**tags, "layer": "quarantine"},
        code_version=version,
        metadata={
            "dagster/uri": MetadataValue.path(table_uri(lake_root, QUARANTINE, name)),
            "dagster/table_name": f"quarantine.{name}",
            "dagster/column_schema": meta.raw_text_schema(declaration.contract, pii),
        },
    )

    quality = declaration.quality
    check_specs = [
        check_spec(silver_key(name), check, getattr(quality, _DIMENSION.get(check, check)).severity)
        for check in silver_checks.inline_checks(declaration)
    ]

    @multi_asset(
        name=f"silver_{name}",
        specs=[silver_spec, quarantine_spec],
        check_specs=check_specs,
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=f"delta_silver_{name}",
        retry_policy=transient_retries(),  # transient store/network errors only (orchestration/retries.py)
    )
    def _silver(
        context: AssetExecutionContext, spark: LazyPySparkResource, lake: LakeResource, compute: ComputeResource
    ):
        # the step (steps/runner.py) runs in this process or, through Dagster Pipes, in a job
        history = _volume_history(context, silver_key(name), quality.volume.history)
        yield from compute.silver(context, spark, lake, declaration, history)

    return _silver


_DIMENSION = {"volume_anomaly": "volume"}  # check name -> quality spec field, where they differ


def _volume_history(context: AssetExecutionContext, key, limit: int) -> list[dict[str, float]]:
    """Volume metrics of the asset's recent materializations, newest first."""
    records = context.instance.fetch_materializations(key, limit=limit).records
    history, runs = [], set()
    for record in records:
        if record.run_id in runs:  # a run that reported its partitions one by one counts once
            continue
        runs.add(record.run_id)
        metadata = record.asset_materialization.metadata if record.asset_materialization else {}
        values = {m: metadata[m].value for m in silver_checks.VOLUME_METRICS if m in metadata}
        if values:
            history.append(silver_checks.per_partition(values, _partition_count(metadata)))
    return history


def _partition_count(metadata) -> int:
    """Partitions a past materialization wrote (materializations before `partition_count`
    existed are counted from `partitions_written`)."""
    if "partition_count" in metadata:
        return max(1, int(metadata["partition_count"].value))
    written = metadata["partitions_written"].value if "partitions_written" in metadata else ""
    return written.count(",") + 1 if written else 1
