"""The `DataProduct` component: one gold table, declared in `defs/<product>/defs.yaml`."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dataops_platform.components.declared import DeclaredComponent
from dataops_platform.declarations import ProductDeclaration, read_sql
from dataops_platform.orchestration.gold import gold_asset
from dataops_platform.orchestration.maintenance import product_maintenance
from dataops_platform.orchestration.partitions import daily_partitions
from dataops_platform.settings import current_settings


class DataProduct(DeclaredComponent, ProductDeclaration):
    """A gold data product: a Python transform or Spark SQL over silver tables (by dataset name),
    rebuilt per as-of date once its inputs pass their blocking checks, with its contract checked
    on every build.
    """

    @classmethod
    def load(cls, attributes, context: dg.ComponentLoadContext):
        """A SQL product's query is read against the silver datasets of the same defs folder:
        its inputs and column lineage come from it, and an unknown table or column fails here."""
        component = super().load(attributes, context)
        return read_sql(component, component.defs_file, Path(context.defs_module_path))

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        if not self.enabled():
            return dg.Definitions()
        settings = current_settings()
        return dg.Definitions(
            assets=[
                gold_asset(self, daily_partitions(settings.partitions_start), settings.lake_root),
                product_maintenance(self, settings),
            ]
        )
