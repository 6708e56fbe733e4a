"""The Dagster code location: assembles assets and resources from settings, nothing else.

`defs` is built lazily by Dagster when the code location loads; importing this module does
not start Spark or touch storage.
"""

from __future__ import annotations

import dagster as dg

from dataops_platform.assets.bronze import bronze_asset
from dataops_platform.assets.consistency import consistency_check
from dataops_platform.assets.gold import gold_assets
from dataops_platform.assets.intake import intake_spec
from dataops_platform.assets.metadata import daily_partitions
from dataops_platform.assets.silver import silver_assets
from dataops_platform.compute.spark import spark_resource
from dataops_platform.declarations import load_declarations
from dataops_platform.settings import Settings
from dataops_platform.storage.resource import LakeResource


def build_definitions(settings: Settings) -> dg.Definitions:
    """Every asset and resource of the platform for the given settings."""
    declarations = load_declarations(settings.datasets_dirs)
    partitions = daily_partitions(settings.partitions_start)
    lake_root = settings.lake_root
    assets: list = []
    for declaration in declarations:
        assets += [
            intake_spec(declaration, settings.intake_root),
            bronze_asset(declaration, partitions, lake_root),
            silver_assets(declaration, partitions, lake_root),
        ]
    assets += gold_assets(partitions, lake_root)
    return dg.Definitions(
        assets=assets,
        # One process per run: all steps share one SparkSession instead of starting a JVM each.
        executor=dg.in_process_executor,
        asset_checks=[consistency_check(d) for d in declarations if d.references],
        resources={
            "spark": spark_resource(settings),
            "lake": LakeResource(lake_root=settings.lake_root, intake_root=settings.intake_root),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
