"""End to end on S3 (moto): files dropped into the intake bucket -> listing sensors -> bronze
runs -> silver and gold requested by their automation conditions -> gold on S3 has the data.
No credential ever reaches a run's config, tags or events.

The intake runs copy only (DATAOPS_INTAKE_RUNS=bronze), so automation alone builds silver and
gold; test_intake_runs_through_gold.py covers the default, where the intake run goes on to gold."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest
from deltalake import DeltaTable

from dataops_platform import demo_data
from dataops_platform.definitions import build_definitions
from dataops_platform_tests.support.intake_helpers import launch, s3_settings, tick
from dataops_platform_tests.support.s3_server import SECRET

TODAY = dt.datetime.now(dt.timezone.utc).date()
DATASETS = ("customers", "transactions")

KEYS = [f"{layer}/{name}" for name in DATASETS for layer in ("silver", "quarantine")] + ["gold/daily_revenue"]


def requested_keys(result) -> set[str]:
    """The keys (of those evaluated) requested for today."""
    return {k for k in KEYS if result.get_requested_partitions(dg.AssetKey.from_user_string(k)) == {str(TODAY)}}


@pytest.mark.slow
def test_files_dropped_in_s3_reach_gold_through_sensors_and_automation(s3, tmp_path, spark):
    local = tmp_path / "generated"
    manifest = demo_data.generate(
        local, rows=300, days=2, start_date=TODAY - dt.timedelta(days=1), seed=3, defect_scale=0.0
    )
    for name in DATASETS:
        for file in manifest["datasets"][name]["files"]:
            s3.client.upload_file(str(local / file["path"]), s3.intake_bucket, f"landing/{file['path']}")
    defs = build_definitions(s3_settings(s3, tmp_path, intake_runs="bronze"))
    graph = defs.resolve_asset_graph()  # the factories' own automation conditions: nothing is added here
    missing = [k for k in KEYS if graph.get(dg.AssetKey.from_user_string(k)).automation_condition is None]
    assert missing == [], f"assets without an automation condition: {missing}"
    selection = dg.AssetSelection.assets(*[dg.AssetKey.from_user_string(k) for k in KEYS])
    job = defs.resolve_implicit_global_asset_job_def()

    with dg.instance_for_test() as instance:
        evaluation = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection)
        for name in DATASETS:
            sensor = defs.resolve_sensor_def(f"intake_{name}")
            found = tick(sensor, instance, defs, None)
            assert [r.partition_key for r in found.run_requests] == [str(TODAY)]
            launch(defs, instance, sensor.name, found.run_requests)

        evaluation = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, asset_selection=selection, cursor=evaluation.cursor
        )
        silver = set(KEYS[:-1])
        assert requested_keys(evaluation) == silver
        result = job.execute_in_process(
            instance=instance,
            partition_key=str(TODAY),
            asset_selection=[dg.AssetKey.from_user_string(k) for k in silver],
        )
        assert result.success
        # every check of every silver asset was evaluated by that automatic run (consistency included)
        storage = instance.event_log_storage
        checks = [c for k in silver for c in graph.get(dg.AssetKey.from_user_string(k)).check_keys]
        assert {c.name for c in checks} >= {"consistency", "uniqueness", "validity", "accuracy"}
        unevaluated = [
            c.to_user_string()
            for c in checks
            if not any(r.run_id == result.run_id for r in storage.get_asset_check_execution_history(c, limit=1))
        ]
        assert unevaluated == []

        evaluation = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, asset_selection=selection, cursor=evaluation.cursor
        )
        assert requested_keys(evaluation) == {"gold/daily_revenue"}
        result = job.execute_in_process(
            instance=instance, partition_key=str(TODAY), asset_selection=[dg.AssetKey(["gold", "daily_revenue"])]
        )
        assert result.success

        lake = defs.resources["lake"]
        revenue = DeltaTable(lake.gold_uri("daily_revenue"), storage_options=lake.storage_options).to_pyarrow_table()
        today_rows = [r for r in revenue.to_pylist() if r["revenue_date"] == TODAY]
        assert today_rows and sum(r["revenue"] for r in today_rows) > 0

        for run in instance.get_runs():
            shown = json.dumps(run.run_config) + json.dumps(dict(run.tags))
            shown += "".join(str(entry) for entry in instance.all_logs(run.run_id))
            assert SECRET not in shown and "moto-test-key" not in shown
