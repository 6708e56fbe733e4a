"""The `Dataset` component: one source dataset, declared in `defs/[<domain>/]<dataset>/defs.yaml`."""

from __future__ import annotations

import dagster as dg

from dataops_platform.components.declared import DeclaredComponent
from dataops_platform.components.scaffold import DatasetScaffolder
from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.orchestration.bronze import bronze_asset
from dataops_platform.orchestration.intake import intake_spec
from dataops_platform.orchestration.maintenance import dataset_maintenance
from dataops_platform.orchestration.partitions import daily_partitions
from dataops_platform.orchestration.sensors.ingest import IngestTarget
from dataops_platform.orchestration.sensors.intake import listing_policy, listing_sensor
from dataops_platform.orchestration.silver import silver_assets
from dataops_platform.settings import current_settings


@dg.scaffold_with(DatasetScaffolder)
class Dataset(DeclaredComponent, DatasetDeclaration):
    """A source dataset: files landing in its intake folder become bronze files, then a
    validated silver Delta table with its quarantine, quality checks and freshness policy.

    Its attributes are the dataset's declaration (see README, "Adding a dataset"); `schema`
    names the pandera model that is the silver table's contract.
    """

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        if not self.enabled():
            return dg.Definitions()
        settings = current_settings()
        partitions = daily_partitions(settings.partitions_start)
        bronze = bronze_asset(self, partitions, settings.lake_root)
        target = IngestTarget(self, through_gold=settings.intake_through_gold)
        return dg.Definitions(
            assets=[
                intake_spec(self, settings.intake_root),
                bronze,
                silver_assets(self, partitions, settings.lake_root),
                *dataset_maintenance(self, settings),
            ],
            sensors=[
                listing_sensor(target, settings.intake_listing_seconds, listing_policy(settings.intake_queue_url))
            ],
        )
