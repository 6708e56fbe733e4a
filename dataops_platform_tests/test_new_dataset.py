"""Adding a dataset is a YAML file plus a schema: the factories build and run it unchanged."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
from deltalake import DeltaTable

from dataops_platform.definitions import build_definitions
from dataops_platform.settings import BUILTIN_DATASETS_DIR, Settings

DAY = dt.date(2026, 11, 15)
DECLARATION = """
name: loyalty_points
description: Loyalty points ledger from the rewards app.
domain: rewards
source: rewards_app
owners: ["team:rewards"]
intake: {prefix: rewards/points/, pattern: "*.jsonl"}
format: jsonl
primary_key: [entry_id]
event_time: earned_at
partitioning: {ingestion: daily, table_by_month_of: earned_at}
critical_columns: [entry_id, customer_id, points]
pii_columns: []
schema: dataops_platform_tests.loyalty_schema:LoyaltyPoints
"""


def test_a_yaml_and_a_schema_become_working_assets(tmp_path: Path, spark):
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    (datasets / "loyalty_points.yaml").write_text(DECLARATION)
    intake, lake = tmp_path / "intake", tmp_path / "lake"
    folder = intake / "rewards" / "points"
    folder.mkdir(parents=True)
    (folder / "points.jsonl").write_text(
        '{"entry_id": "L1", "customer_id": "C0000001", "points": 10, "earned_at": "2026-11-15T08:00:00Z"}\n'
        '{"entry_id": "L2", "customer_id": "C0000002", "points": -5, "earned_at": "2026-11-15T09:00:00Z"}\n'
        '{"entry_id": "L1", "customer_id": "C0000001", "points": 10, "earned_at": "2026-11-15T08:00:00Z"}\n'
    )
    noon = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(folder / "points.jsonl", (noon, noon))
    settings = Settings(
        intake_root=str(intake), lake_root=str(lake), datasets_dirs=(BUILTIN_DATASETS_DIR, datasets)
    )
    defs = build_definitions(settings)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"intake/loyalty_points", "bronze/loyalty_points", "silver/loyalty_points", "quarantine/loyalty_points"} <= keys

    selection = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and "loyalty_points" in str(a.keys)]
    with dg.instance_for_test() as instance:
        result = dg.materialize(selection, partition_key=DAY.isoformat(), resources=defs.resources, instance=instance)
    assert result.success
    silver = DeltaTable(str(lake / "silver" / "loyalty_points")).to_pyarrow_table().to_pylist()
    assert [(r["entry_id"], r["points"]) for r in silver] == [("L1", 10)]
    quarantine = DeltaTable(str(lake / "quarantine" / "loyalty_points")).to_pyarrow_table().to_pylist()
    assert [(r["entry_id"], r["_reasons"]) for r in quarantine] == [
        ("L2", ["points: value '-5' fails greater_than_or_equal_to(min_value=0)"])]
    bronze = list((lake / "bronze" / "source=rewards_app" / "dataset=loyalty_points" / "ingestion_date=2026/11/15").iterdir())
    assert len(bronze) == 2 and any(p.name.endswith("_points.jsonl.metadata.json") for p in bronze)
