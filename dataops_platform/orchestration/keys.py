"""Asset keys of every layer, in one place."""

from dagster import AssetKey

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.layers import BRONZE, GOLD, INTAKE, QUARANTINE, SILVER, table_path


def intake_key(declaration: DatasetDeclaration) -> AssetKey:
    return AssetKey(table_path(INTAKE, declaration.name))


def bronze_key(declaration: DatasetDeclaration) -> AssetKey:
    return AssetKey(table_path(BRONZE, declaration.name))


def bronze_op_name(declaration: DatasetDeclaration) -> str:
    """The bronze asset's op: what a run config names (`ops: {bronze__<dataset>: ...}`)."""
    return bronze_key(declaration).to_python_identifier()


def silver_key(name: str) -> AssetKey:
    return AssetKey(table_path(SILVER, name))


def quarantine_key(name: str) -> AssetKey:
    return AssetKey(table_path(QUARANTINE, name))


def gold_key(product: str) -> AssetKey:
    return AssetKey(table_path(GOLD, product))


REPORT_KEY = AssetKey(["observability", "quality_report"])
