"""Gold data product asset factory: built from silver, one as-of date per partition.

Adding a product is a defs.yaml (components/data_product.py) with its Spark SQL and columns, or
with a Python transform and pandera contract: nothing here names a product.
"""

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MetadataValue,
    PartitionsDefinition,
    TableColumnDep,
    TableColumnLineage,
    multi_asset,
)
from dagster_pyspark import LazyPySparkResource

from dataops_platform.declarations import ProductDeclaration
from dataops_platform.layers import GOLD
from dataops_platform.orchestration import metadata as meta
from dataops_platform.orchestration.automation import gold_condition
from dataops_platform.orchestration.check_results import check_spec
from dataops_platform.orchestration.freshness import GOLD_TIMELINESS, freshness_policy
from dataops_platform.orchestration.keys import gold_key, silver_key
from dataops_platform.orchestration.resources.compute import ComputeResource
from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.orchestration.retries import transient_retries
from dataops_platform.steps import gold as gold_step
from dataops_platform.steps.gold_checks import GOLD_CHECKS
from dataops_platform.storage.layout import table_uri
from dataops_platform.transforms import gold_sql


def column_lineage(product: ProductDeclaration) -> TableColumnLineage:
    """`dagster/column_lineage`: each output column's silver source columns (derived from the SQL
    of a SQL product)."""
    return TableColumnLineage(
        deps_by_column={
            column: [
                TableColumnDep(asset_key=silver_key(s.split(".")[0]), column_name=s.split(".")[1]) for s in sources
            ]
            for column, sources in product.column_lineage.items()
        }
    )


def code_version(product: ProductDeclaration) -> str:
    """The product's code: its declaration (with a SQL product's query), the gold step, and the
    Python transform, reconciliation and contract of a Python product."""
    if product.is_sql:
        return meta.code_version(gold_sql, gold_step, product.source_text)
    return meta.code_version(product.build, product.reconciler, gold_step, product.schema_source, product.source_text)


def gold_asset(product: ProductDeclaration, partitions: PartitionsDefinition, lake_root: str) -> AssetsDefinition:
    """One gold product as a daily-partitioned asset; the partition date is the as-of date. It is
    skippable, checks included: a run that selects it before every silver input exists records
    nothing for it and succeeds (an intake run selects the products its silver feeds)."""
    name = product.name
    key = gold_key(name)
    spec = AssetSpec(
        key=key,
        skippable=True,  # no output while a silver input does not exist yet
        automation_condition=gold_condition(),
        deps=[silver_key(dataset) for dataset in product.inputs],
        description=product.description,
        group_name="gold",
        owners=product.owners,
        kinds={"spark", "delta"},
        tags=meta.layer_tags("gold", product.domain, bool(product.pii_columns)),
        code_version=code_version(product),
        freshness_policy=freshness_policy(GOLD_TIMELINESS),
        metadata={
            "dagster/uri": MetadataValue.path(table_uri(lake_root, GOLD, name)),
            "dagster/table_name": f"gold.{name}",
            "dagster/column_schema": meta.table_schema(product.contract, product.pii_columns),
            "dagster/column_lineage": column_lineage(product),
            "partitioned_by": ", ".join(product.partition_by),
            "primary_key": ", ".join(product.contract.unique),
            "contract_version": product.contract_version,
        },
    )

    @multi_asset(
        name=key.to_python_identifier(),
        specs=[spec],
        # gold checks are blocking too, so nothing downstream reads a gold table that failed them
        check_specs=[check_spec(key, check, "ERROR") for check in GOLD_CHECKS],
        can_subset=True,  # makes the checks' outputs optional, so a skipped build records nothing
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=f"delta_gold_{name}",
        retry_policy=transient_retries(),  # transient store/network errors only (orchestration/retries.py)
    )
    def _gold(context: AssetExecutionContext, spark: LazyPySparkResource, lake: LakeResource, compute: ComputeResource):
        if key not in context.selected_asset_keys:
            raise Failure(
                f"{key.to_user_string()}'s checks are evaluated on the rows a build writes: "
                f"materialize {key.to_user_string()} (its checks run with it)"
            )
        # the step (steps/runner.py) runs in this process or, through Dagster Pipes, in a job
        for result in compute.gold(context, spark, lake, product):
            if not isinstance(result, AssetCheckResult) or _check_key(result) in context.selected_asset_check_keys:
                yield result

    return _gold


def _check_key(result: AssetCheckResult) -> AssetCheckKey:
    return AssetCheckKey(result.asset_key, result.check_name)
