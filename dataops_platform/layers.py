"""The medallion layers, and the one way to name a table in each: its asset key path.

Plain tuples, no Dagster: the Dagster-free steps, the job process and the storage layout name
tables with these; orchestration/keys.py turns them into AssetKeys.
"""

from __future__ import annotations

INTAKE, BRONZE, SILVER, QUARANTINE, GOLD = "intake", "bronze", "silver", "quarantine", "gold"
REPLAYED = "quarantine_replayed"  # a Delta log per dataset of the quarantined rows a replay published


def table_path(layer: str, name: str) -> tuple[str, str]:
    """The asset key path of a table: (layer, dataset or product name)."""
    return (layer, name)


def parse_table_path(key: str) -> tuple[str, str]:
    """'silver/transactions' -> ('silver', 'transactions') (a key as Pipes sends it)."""
    layer, _, name = key.partition("/")
    return table_path(layer, name)
