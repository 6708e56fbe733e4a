"""Asset keys of every layer, in one place."""

from dagster import AssetKey

from dataops_platform.declarations import DatasetDeclaration


def intake_key(declaration: DatasetDeclaration) -> AssetKey:
    return AssetKey(["intake", declaration.name])


def bronze_key(declaration: DatasetDeclaration) -> AssetKey:
    return AssetKey(["bronze", declaration.name])


def silver_key(name: str) -> AssetKey:
    return AssetKey(["silver", name])


def quarantine_key(name: str) -> AssetKey:
    return AssetKey(["quarantine", name])


def gold_key(product: str) -> AssetKey:
    return AssetKey(["gold", product])
