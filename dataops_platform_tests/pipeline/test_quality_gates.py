"""Quality gates on a real Dagster instance: a blocking check stops gold; anomaly detection
flags a planted spike after a history of normal runs and stays quiet on normal variation."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from dataops_platform import demo_data
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
from dataops_platform_tests.support.quality_helpers import declaration

pytestmark = pytest.mark.slow
DAY = dt.date(2026, 11, 10)


def selection(defs, *names: str):
    chosen = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition)]
    if names:
        chosen = [a for a in chosen if any(n in k.to_user_string() for k in a.keys for n in names)]
    return chosen


def check_results(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in result.get_asset_check_evaluations()}


def test_defects_past_thresholds_block_gold(tmp_path, spark):
    intake, lake = tmp_path / "intake", tmp_path / "lake"
    demo_data.generate(intake, rows=1500, days=1, start_date=DAY, defect_scale=6)
    defs = build_definitions(Settings(intake_root=str(intake), lake_root=str(lake), partitions_start="2026-11-01"))
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            selection(defs),
            partition_key=DAY.isoformat(),
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
        )
        assert not result.success
        materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        # write-audit-publish: the failed batches never became silver; their rows are all in quarantine
        assert "silver/transactions" not in materialized and "quarantine/transactions" in materialized
        assert not (lake / "silver" / "transactions").exists()
        assert not {"gold/customer_360", "gold/daily_revenue"} & materialized
        checks = check_results(result)
        validity = checks["silver/transactions:validity"]
        assert not validity.passed and validity.severity == dg.AssetCheckSeverity.ERROR
        figures = validity.metadata
        assert figures["fraction"].value > 0.05 and figures["rows_failed"].value > 0
        assert figures["failing_rules"].value["amount_greater_than_or_equal_to"]["failed"] > 0
        failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
        held = next(e for e in failures if e.step_key == "silver_transactions")
        message = str(held.event_specific_data.error.message)
        assert "silver/transactions not published for 2026-11-10: blocking check(s) failed: validity:" in message
        assert f"({figures['fraction'].value:.2%}, tolerated 5%)" in message
        assert (
            dg.AssetKey(["gold", "customer_360"]) not in instance.get_asset_keys()
            or not instance.fetch_materializations(dg.AssetKey(["gold", "customer_360"]), limit=1).records
        )


def write_transactions(intake, day: dt.date, count: int, start: int) -> None:
    import os

    folder = intake / "payments" / "transactions"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["transaction_id,customer_id,transaction_ts,amount,channel,status"]
    lines += [f"T{start + i:010d},C0000001,{day}T10:00:00Z,5.00,online,completed" for i in range(count)]
    path = folder / f"transactions_{day}.csv"
    path.write_text("\n".join(lines) + "\n")
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (noon, noon))


def test_volume_anomaly_flags_a_spike_after_normal_history(tmp_path, spark):
    intake, lake = tmp_path / "intake", tmp_path / "lake"
    sizes = [200, 210, 195, 205, 200, 198, 202, 2000]  # seven normal days, then a tenfold spike
    days = [DAY + dt.timedelta(days=i) for i in range(len(sizes))]
    for i, (day, size) in enumerate(zip(days, sizes)):
        write_transactions(intake, day, size, start=i * 10_000)
    defs = build_definitions(Settings(intake_root=str(intake), lake_root=str(lake), partitions_start="2026-11-01"))
    assets = selection(defs, "bronze/transactions", "silver/transactions")
    outcomes = []
    with dg.instance_for_test() as instance:
        for day in days:
            result = dg.materialize(assets, partition_key=day.isoformat(), resources=defs.resources, instance=instance)
            anomaly = check_results(result)["silver/transactions:volume_anomaly"]
            outcomes.append((anomaly.passed, anomaly.description))
    assert all(passed for passed, _ in outcomes[:-1]), outcomes
    assert "not enough history" in outcomes[0][1] and "within" in outcomes[-2][1]
    assert outcomes[-1][0] is False and "rows_read" in outcomes[-1][1]
    assert declaration("transactions").quality.volume.severity == "WARN"
