"""Partitions that read true (they start where declared; a bronze run over days where nothing
landed records nothing, so silver has nothing to follow), and the replay job a user launches."""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg

from dataops_platform.definitions import build_definitions
from dataops_platform.orchestration.replay import REPLAY_JOB
from dataops_platform.settings import Settings
from dataops_platform.steps.replay import REPLAY_TAG

DAY = dt.date(2026, 11, 12)
RANGE_TAGS = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def _defs(tmp_path):
    settings = Settings(
        intake_root=str(tmp_path / "intake"), lake_root=str(tmp_path / "lake"), partitions_start="2026-11-10"
    )
    return build_definitions(settings)


def _land(tmp_path, day: dt.date) -> None:
    folder = tmp_path / "intake" / "crm" / "customers"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"customers_{day}.csv"
    path.write_text(
        "customer_id,first_name,last_name,email,phone,signup_date,region,status,updated_at\n"
        "C0000001,A,B,a@example.com,,2025-01-01,north,active,2026-11-12T08:00:00Z\n"
    )
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (noon, noon))


def _bronze_runs(defs, instance, start: dt.date, end: dt.date):
    key = dg.AssetKey(["bronze", "customers"])
    [bronze] = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition) and key in a.keys]
    tags = dict(zip(RANGE_TAGS, (start.isoformat(), end.isoformat())))
    result = dg.materialize([bronze], resources=defs.resources, instance=instance, tags=tags)
    return key, result


def test_partitions_start_where_declared(tmp_path):
    partitions = _defs(tmp_path).resolve_asset_graph().get(dg.AssetKey(["silver", "customers"])).partitions_def
    assert partitions.get_first_partition_key() == "2026-11-10"


def test_bronze_over_days_without_files_records_nothing(tmp_path):
    _land(tmp_path, DAY)
    defs = _defs(tmp_path)
    with dg.instance_for_test() as instance:
        key, empty = _bronze_runs(defs, instance, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=3))
        assert empty.success and empty.get_asset_materialization_events() == []
        assert instance.get_materialized_partitions(key) == set()
        key, landed = _bronze_runs(defs, instance, DAY, DAY)
        assert instance.get_materialized_partitions(key) == {DAY.isoformat()}


def test_replay_job_targets_silver_and_quarantine_and_is_tagged(tmp_path):
    job = _defs(tmp_path).resolve_job_def(REPLAY_JOB)
    assert job.tags[REPLAY_TAG] == "true"
    keys = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert {"silver/customers", "quarantine/customers", "silver/transactions"} <= keys
    assert not {k for k in keys if k.startswith(("bronze/", "gold/"))}
