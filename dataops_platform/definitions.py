"""The Dagster code location: assembles assets and resources from settings, nothing else.

`defs` is built lazily by Dagster when the code location loads; importing this module does
not start Spark or touch storage.
"""

from __future__ import annotations

import warnings

import dagster as dg

from dataops_platform.assets.bronze import bronze_asset
from dataops_platform.assets.consistency import consistency_check
from dataops_platform.assets.gold import gold_assets
from dataops_platform.assets.intake import intake_spec
from dataops_platform.assets.metadata import daily_partitions
from dataops_platform.assets.report import quality_report_asset
from dataops_platform.assets.silver import silver_assets
from dataops_platform.compute.databricks import compute_resource
from dataops_platform.compute.spark import spark_resource
from dataops_platform.declarations import load_declarations
from dataops_platform.sensors.alerts import alert_sensors
from dataops_platform.sensors.automation import automation_sensor
from dataops_platform.sensors.intake import intake_sensors
from dataops_platform.sensors.requests import IngestTarget, ingest_job
from dataops_platform.settings import Settings
from dataops_platform.storage.resource import LakeResource


def build_definitions(settings: Settings) -> dg.Definitions:
    """Every asset and resource of the platform for the given settings."""
    with warnings.catch_warnings():
        # BackfillPolicy.single_run is beta in Dagster 1.13; without this, one warning per asset
        warnings.filterwarnings("ignore", category=dg.BetaWarning)
        return _definitions(settings)


def _definitions(settings: Settings) -> dg.Definitions:
    declarations = load_declarations(settings.datasets_dirs)
    partitions = daily_partitions(settings.partitions_start)
    lake_root = settings.lake_root
    bronze = {d.name: bronze_asset(d, partitions, lake_root) for d in declarations}
    job = ingest_job(list(bronze.values()))
    targets = [IngestTarget.build(d, bronze[d.name], job) for d in declarations]
    assets: list = []
    for declaration in declarations:
        assets += [
            intake_spec(declaration, settings.intake_root),
            bronze[declaration.name],
            silver_assets(declaration, partitions, lake_root),
        ]
    assets += gold_assets(partitions, lake_root)
    assets.append(quality_report_asset(settings))
    return dg.Definitions(
        assets=assets,
        # One process per run: all steps share one SparkSession instead of starting a JVM each.
        executor=dg.in_process_executor,
        asset_checks=[consistency_check(d) for d in declarations if d.references],
        jobs=[job],
        sensors=[
            *intake_sensors(targets, settings.intake_listing_seconds, settings.intake_queue_url),
            automation_sensor(),
            *alert_sensors(settings.alerts),
        ],
        resources={
            "spark": spark_resource(settings),
            "compute": compute_resource(settings),
            "lake": LakeResource(
                lake_root=settings.lake_root,
                intake_root=settings.intake_root,
                endpoint_url=settings.aws_endpoint_url,
                region=settings.aws_region,
                cache_dir=settings.cache_dir or None,
            ),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
