"""Gold data products as assets: built from silver, one as-of date per partition."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MetadataValue,
    PartitionsDefinition,
    TableColumnDep,
    TableColumnLineage,
    asset,
)
from dagster_pyspark import LazyPySparkResource

from dataops_platform.assets import metadata as meta
from dataops_platform.assets.automation import gold_condition
from dataops_platform.assets.check_results import check_spec
from dataops_platform.assets.freshness import GOLD_TIMELINESS, freshness_policy
from dataops_platform.assets.keys import gold_key, silver_key
from dataops_platform.compute.databricks import ComputeResource
from dataops_platform.pipeline import gold as gold_step
from dataops_platform.quality.contract import contract_from_model
from dataops_platform.quality.gold_checks import GOLD_CHECKS
from dataops_platform.schemas.gold import Customer360, DailyRevenue
from dataops_platform.storage.resource import LakeResource
from dataops_platform.transforms import gold as gold_transforms

# Gold column -> the silver (dataset, column) pairs it is computed from.
COLUMN_LINEAGE: dict[str, dict[str, list[tuple[str, str]]]] = {
    "customer_360": {
        "customer_id": [("customers", "customer_id")],
        "full_name": [("customers", "first_name"), ("customers", "last_name")],
        "email": [("customers", "email")],
        "signup_region": [("customers", "region")],
        "signup_date": [("customers", "signup_date")],
        "transaction_count": [("transactions", "transaction_id"), ("transactions", "status")],
        "total_spend": [("transactions", "amount"), ("transactions", "status")],
        "last_transaction_date": [("transactions", "transaction_ts")],
        "web_event_count": [("web_events", "event_id")],
        "last_web_activity": [("web_events", "event_ts")],
        "support_ticket_count": [("support_tickets", "ticket_id")],
        "open_ticket_count": [("support_tickets", "status")],
        "health_score": [
            ("transactions", "amount"),
            ("transactions", "transaction_ts"),
            ("support_tickets", "status"),
        ],
    },
    "daily_revenue": {
        "revenue_date": [("transactions", "transaction_ts")],
        "region": [("customers", "region")],
        "channel": [("transactions", "channel")],
        "transaction_count": [("transactions", "transaction_id")],
        "revenue": [("transactions", "amount"), ("transactions", "status")],
        "distinct_customers": [("transactions", "customer_id")],
    },
}

CONTRACTS = {"customer_360": Customer360, "daily_revenue": DailyRevenue}
DESCRIPTIONS = {
    "customer_360": "Customer 360: per customer, spend, activity, support load and a health score, per as-of date.",
    "daily_revenue": "Completed revenue per day, signup region and channel.",
}
OWNERS = ["team:analytics-engineering"]
PII = {"customer_360": ["full_name", "email"], "daily_revenue": []}


def column_lineage(product: str) -> TableColumnLineage:
    return TableColumnLineage(
        deps_by_column={
            column: [TableColumnDep(asset_key=silver_key(dataset), column_name=col) for dataset, col in sources]
            for column, sources in COLUMN_LINEAGE[product].items()
        }
    )


def gold_asset(product_name: str, partitions: PartitionsDefinition, lake_root: str) -> AssetsDefinition:
    """One gold product as a daily-partitioned asset; the partition date is the as-of date."""
    product = gold_step.PRODUCTS[product_name]
    model = CONTRACTS[product_name]

    @asset(
        key=gold_key(product_name),
        automation_condition=gold_condition(),
        output_required=False,  # no output while a silver input does not exist yet
        deps=[silver_key(name) for name in product.inputs],
        description=DESCRIPTIONS[product_name],
        group_name="gold",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        check_specs=[check_spec(gold_key(product_name), check, "ERROR") for check in GOLD_CHECKS],
        owners=OWNERS,
        kinds={"spark", "delta"},
        tags=meta.layer_tags("gold", "customer360", bool(PII[product_name])),
        code_version=meta.code_version(gold_transforms, gold_step, model),
        # gold checks are blocking too, so nothing downstream reads a gold table that failed them
        pool=f"delta_gold_{product_name}",
        freshness_policy=freshness_policy(GOLD_TIMELINESS),
        metadata={
            "dagster/uri": MetadataValue.path(f"{lake_root}/gold/{product_name}"),
            "dagster/table_name": f"gold.{product_name}",
            "dagster/column_schema": meta.table_schema(contract_from_model(model), PII[product_name]),
            "dagster/column_lineage": column_lineage(product_name),
            "partitioned_by": ", ".join(product.partition_by),
            "primary_key": ", ".join(contract_from_model(model).unique),
        },
    )
    def _gold(context: AssetExecutionContext, spark: LazyPySparkResource, lake: LakeResource, compute: ComputeResource):
        # the step (compute.job.steps) runs in this process or, through Dagster Pipes, in a job
        yield from compute.gold(context, spark, lake, product_name)

    return _gold


GOLD_PRODUCTS = list(gold_step.PRODUCTS)


def gold_assets(partitions: PartitionsDefinition, lake_root: str) -> list[AssetsDefinition]:
    return [gold_asset(name, partitions, lake_root) for name in GOLD_PRODUCTS]
