"""The `DataProduct` component: one gold table, declared in `defs/<product>/defs.yaml`."""

from __future__ import annotations

import dagster as dg

from dataops_platform.components.declared import DeclaredComponent
from dataops_platform.declarations import ProductDeclaration
from dataops_platform.orchestration.gold import gold_asset
from dataops_platform.orchestration.maintenance import product_maintenance
from dataops_platform.orchestration.partitions import daily_partitions
from dataops_platform.settings import current_settings


class DataProduct(DeclaredComponent, ProductDeclaration):
    """A gold data product: a transform over silver tables (by dataset name), rebuilt per as-of
    date once its inputs pass their blocking checks, with its contract checked on every build.
    """

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        settings = current_settings()
        return dg.Definitions(
            assets=[
                gold_asset(self, daily_partitions(settings.partitions_start), settings.lake_root),
                product_maintenance(self, settings),
            ]
        )
