"""The project's Dagster components: `Dataset` (a source dataset) and `DataProduct` (a gold table).

Registered for `dg` through the `dagster_dg_cli.registry_modules` entry point, so
`dg list components` shows them and `dg scaffold defs dataops_platform.components.Dataset NAME`
writes a skeleton defs.yaml.
"""

from dataops_platform.components.data_product import DataProduct
from dataops_platform.components.dataset import Dataset

__all__ = ["DataProduct", "Dataset"]
