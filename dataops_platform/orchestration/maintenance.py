"""Delta maintenance as assets: one per dataset (its silver and quarantine tables) and one per
gold product, in group `maintenance`, materialized daily by the `delta_maintenance` schedule
or from the UI. Each runs in the pool of its table's writer, so it never races a MERGE.

On Databricks the native engine owns the tables: the assets do nothing there and say so,
with the OPTIMIZE/VACUUM statements to schedule in the workspace (or predictive optimization).
"""

from dataclasses import dataclass

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    DefaultScheduleStatus,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
)

from dataops_platform.layers import GOLD, QUARANTINE, SILVER
from dataops_platform.orchestration.keys import gold_key, silver_key
from dataops_platform.orchestration.resources.lake import LakeResource
from dataops_platform.orchestration.retries import transient_retries
from dataops_platform.settings import Settings
from dataops_platform.storage.delta_maintenance import maintain
from dataops_platform.storage.layout import table_key, table_uri
from dataops_platform.storage.maintenance import MaintenanceSpec, databricks_statements

GROUP = "maintenance"
JOB = "delta_maintenance"
CRON = "30 3 * * *"  # daily at 03:30 UTC: off-hours, after the nightly files have landed


@dataclass(frozen=True)
class Maintained:
    """A Delta table to maintain, and the columns to z-order it by (when the spec says so)."""

    layer: str
    name: str
    z_order_by: tuple[str, ...] = ()


def maintenance_key(layer: str, name: str) -> AssetKey:
    return AssetKey([GROUP, layer, name])


def dataset_tables(name: str, primary_key: list[str]) -> list[Maintained]:
    return [Maintained(SILVER, name, tuple(primary_key)), Maintained(QUARANTINE, name)]


def maintenance_asset(
    key: AssetKey,
    tables: list[Maintained],
    spec: MaintenanceSpec,
    settings: Settings,
    deps: list[AssetKey],
    owners: list[str],
    pool: str,
) -> AssetsDefinition:
    """Compact (or z-order), vacuum and checkpoint `tables`; files and bytes before and after
    each step become the materialization's metadata, prefixed by the table's layer."""
    names = ", ".join(f"{t.layer}/{t.name}" for t in tables)

    @asset(
        key=key,
        deps=deps,
        description=f"Delta maintenance of {names}: compaction, VACUUM (retention >= {spec.retention_hours} h), "
        "log checkpoint.",
        group_name=GROUP,
        owners=owners,
        kinds={"delta"},
        tags={"layer": GROUP},
        pool=pool,  # the writer's pool: never concurrent with a MERGE into the same table
        retry_policy=transient_retries(),  # idempotent: a second pass finds nothing to compact or delete
        metadata={"maintenance_policy": MetadataValue.json(spec.model_dump(mode="json"))},
    )
    def _maintenance(context: AssetExecutionContext, lake: LakeResource) -> MaterializeResult:
        if settings.engine == "databricks":
            return _skipped_on_databricks(context, tables, spec, settings)
        metadata = {}
        for table in tables:
            outcome = maintain(
                lake.lake_store, table_key(table.layer, table.name), spec, lake.storage_options, table.z_order_by
            )
            figures = outcome.metadata()
            context.log.info(f"{table.layer}/{table.name}: {figures}")
            metadata.update({f"{table.layer}_{k}": v for k, v in figures.items()})
        return MaterializeResult(metadata=metadata)

    return _maintenance


def _skipped_on_databricks(context, tables: list[Maintained], spec: MaintenanceSpec, settings: Settings):
    statements = [
        statement
        for t in tables
        for statement in databricks_statements(
            f"delta.`{table_uri(settings.databricks.lake_root, t.layer, t.name)}`", spec, t.z_order_by
        )
    ]
    reason = "skipped: on Databricks the native engine owns these tables; run these statements there"
    context.log.warning(f"{reason}: {'; '.join(statements)}")
    return MaterializeResult(metadata={"skipped": reason, "databricks_statements": MetadataValue.json(statements)})


def dataset_maintenance(declaration, settings: Settings) -> list[AssetsDefinition]:
    """The maintenance asset of a dataset's silver and quarantine tables (none when disabled)."""
    spec, name = declaration.maintenance, declaration.name
    if not spec.enabled:
        return []
    tables = dataset_tables(name, declaration.primary_key)
    return [
        maintenance_asset(
            maintenance_key(SILVER, name),
            tables,
            spec,
            settings,
            [silver_key(name)],
            declaration.owners,
            f"delta_silver_{name}",
        )
    ]


def product_maintenance(product, settings: Settings) -> AssetsDefinition:
    """The maintenance asset of a gold product's table (default policy, z-order by its key when set)."""
    table = Maintained(GOLD, product.name, tuple(product.contract.unique))
    return maintenance_asset(
        maintenance_key(GOLD, product.name),
        [table],
        MaintenanceSpec(),
        settings,
        [gold_key(product.name)],
        product.owners,
        f"delta_gold_{product.name}",
    )


def maintenance_schedule() -> ScheduleDefinition:
    """Every maintenance asset, daily at off-hours; on by default (stop it in the UI to pause)."""
    job = define_asset_job(JOB, selection=AssetSelection.groups(GROUP), description="Delta table maintenance.")
    return ScheduleDefinition(
        name=f"{JOB}_daily",
        job=job,
        cron_schedule=CRON,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Compaction, VACUUM and checkpoints of every Delta table, daily at 03:30 UTC.",
    )
