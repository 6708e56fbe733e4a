"""Downstream automation: silver follows bronze, gold follows silver unless a blocking check
failed; one writer per Delta table across runs (pools); the sensors run under `dagster dev`."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from dataops_platform.definitions import build_definitions
from dataops_platform.orchestration.automation import gold_condition, silver_condition
from dataops_platform.orchestration.partitions import daily_partitions
from dataops_platform.settings import Settings

TODAY = dt.datetime.now(dt.timezone.utc).date()
REPO = Path(__file__).resolve().parents[2]


def toy_graph(passes: dict[str, bool]) -> list[dg.AssetsDefinition]:
    """bronze/x -> silver/x (blocking check) -> gold; silver/y is gold's other input."""
    partitions = daily_partitions((TODAY - dt.timedelta(days=10)).isoformat())

    @dg.asset(key=["bronze", "x"], partitions_def=partitions, group_name="bronze")  # silver follows this group
    def bronze_x() -> None: ...

    def silver(name: str, deps: list) -> dg.AssetsDefinition:
        @dg.asset(
            key=["silver", name],
            deps=deps,
            partitions_def=partitions,
            automation_condition=silver_condition(),
            check_specs=[dg.AssetCheckSpec("rules", asset=["silver", name], blocking=True)],
        )
        def _silver():
            yield dg.MaterializeResult(check_results=[dg.AssetCheckResult(check_name="rules", passed=passes[name])])

        return _silver

    @dg.asset(
        key=["gold", "g"],
        deps=[["silver", "x"], ["silver", "y"]],
        partitions_def=partitions,
        automation_condition=gold_condition(),
    )
    def gold() -> None: ...

    return [bronze_x, silver("x", [bronze_x]), silver("y", []), gold]


def test_silver_follows_bronze_and_gold_waits_for_passing_blocking_checks():
    passes = {"x": True, "y": True}
    assets = toy_graph(passes)
    bronze, silver_x, silver_y, gold = assets
    today, yesterday, old = (str(TODAY - dt.timedelta(days=d)) for d in (0, 1, 5))

    def requested(result) -> dict[str, set[str]]:
        return {
            k.to_user_string(): result.get_requested_partitions(k)
            for k in (dg.AssetKey(["silver", "x"]), dg.AssetKey(["gold", "g"]))
            if result.get_requested_partitions(k)
        }

    with dg.instance_for_test() as instance:

        def materialize(asset, partition) -> None:
            dg.materialize([asset], partition_key=partition, instance=instance, raise_on_error=False)

        materialize(silver_y, yesterday)  # gold's other input has no partition today: it must not block
        result = dg.evaluate_automation_conditions(defs=assets, instance=instance)
        materialize(bronze, today)
        result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
        assert requested(result) == {"silver/x": {today}}

        passes["x"] = False
        materialize(silver_x, today)
        result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
        assert requested(result) == {}  # the blocking check failed: no gold from that data

        passes["x"] = True
        materialize(silver_x, today)
        result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
        assert requested(result) == {"gold/g": {today}}

        materialize(bronze, old)  # older than the automation window: left to a manual run
        result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=result.cursor)
        assert requested(result) == {}


POOL_RUN = textwrap.dedent("""
    import json, os, pathlib, sys, time
    import dagster as dg

    holding = pathlib.Path(os.environ["DAGSTER_HOME"], "holding")

    @dg.asset(pool="delta_silver_x")
    def writer(context):
        started = time.time()
        holding.touch()  # the second run starts only once this one holds the pool's slot
        deadline = started + 60
        while sys.argv[1] == "first" and time.time() < deadline:  # hold it until the second waits
            info = context.instance.event_log_storage.get_concurrency_info("delta_silver_x")
            if info.pending_step_count:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        print(json.dumps([started, time.time()]), flush=True)

    if sys.argv[1] == "second":
        while not holding.exists():
            time.sleep(0.05)
    result = dg.materialize([writer], instance=dg.DagsterInstance.get())
    sys.exit(0 if result.success else 1)
""")


@pytest.mark.slow
def test_the_deployed_instance_lets_one_run_at_a_time_write_a_pool(tmp_path):
    """deploy/dagster.yaml: pools default to a limit of 1, across runs in separate processes."""
    (tmp_path / "dagster.yaml").write_text((REPO / "deploy" / "dagster.yaml").read_text())
    # Dagster claims a slot by reading a free one and then taking it; SQLite has no row lock, so
    # two claims at the very same instant can both succeed (README, "Silver and gold follow by themselves"). This test
    # checks the limit the platform relies on: a run reaching a pool another run holds waits.
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.event_log_storage.initialize_concurrency_limit_to_default("delta_silver_x")
        assert instance.event_log_storage.get_concurrency_info("delta_silver_x").slot_count == 1
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", POOL_RUN, role], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for role in ("first", "second")
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    (a_start, a_end), (b_start, b_end) = sorted(json.loads(out.strip().splitlines()[-1]) for out, _ in outputs)
    assert a_end <= b_start  # never both writing
    assert any("blocked by limit for pool delta_silver_x" in err for _, err in outputs)


def test_sensors_run_by_default_and_only_the_declared_automation_sensor_evaluates_conditions(tmp_path):
    local = build_definitions(Settings(intake_root=str(tmp_path / "i"), lake_root=str(tmp_path / "l")))
    s3 = build_definitions(
        Settings(
            intake_root="s3://intake-bucket/landing",
            lake_root="s3://lake-bucket/lake",
            intake_queue_url="http://127.0.0.1:1/queue/intake",
        )
    )
    for defs, sqs in ((local, False), (s3, True)):
        sensors = {s.name: s for s in defs.get_repository_def().sensor_defs}  # incl. any implicit one
        assert "default_automation_condition_sensor" not in sensors
        assert ("intake_sqs" in sensors) == sqs and {"automation", "intake_customers"} <= set(sensors)
        assert {s.default_status for s in sensors.values()} == {dg.DefaultSensorStatus.RUNNING}
