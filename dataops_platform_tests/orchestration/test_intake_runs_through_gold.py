"""An intake run goes from the landed file to gold in one run (DATAOPS_INTAKE_RUNS=through_gold):
bronze, the dataset's silver and quarantine, then the gold products that read it, unless one of
their other inputs fails a blocking check. A product whose other input has no silver table yet is
selected and skipped (no output, the run succeeds). With `bronze`, the run copies only."""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import pytest
from deltalake import DeltaTable

from dataops_platform import demo_data
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
from dataops_platform_tests.support.intake_helpers import launch, tick

pytestmark = pytest.mark.slow

TODAY = dt.datetime.now(dt.timezone.utc).date()
GOLD = {"gold/customer_360", "gold/daily_revenue", "gold/customer_region_monthly"}


def selected(request) -> set[str]:
    return {key.to_user_string() for key in request.asset_selection}


def drop(generated, intake, dataset: str) -> None:
    """Land a dataset's generated files in intake (the sensor finds them on its next tick)."""
    for file in generated["datasets"][dataset]["files"]:
        target = intake / file["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated["root"] / file["path"], target)


@pytest.fixture
def platform(tmp_path):
    source = tmp_path / "generated"
    manifest = demo_data.generate(source, rows=400, days=1, start_date=TODAY, seed=5, defect_scale=0.0)
    manifest["root"] = source

    def build(**overrides) -> dg.Definitions:
        settings = Settings(
            intake_root=str(tmp_path / "intake"),
            lake_root=str(tmp_path / "lake"),
            partitions_start=(TODAY - dt.timedelta(days=3)).isoformat(),
            **overrides,
        )
        return build_definitions(settings)

    with dg.instance_for_test() as instance:
        yield build, instance, manifest, tmp_path / "intake"


def ingest(defs, instance, dataset: str):
    """One tick of the dataset's intake sensor, its run launched as the daemon would."""
    sensor = defs.resolve_sensor_def(f"intake_{dataset}")
    found = tick(sensor, instance, defs, None)
    assert len(found.run_requests) == 1
    results, _ = launch(defs, instance, sensor.name, found.run_requests)
    return found.run_requests[0], results[0]


def materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_first_files_stop_at_silver_then_the_last_input_to_arrive_builds_gold_in_its_run(spark, platform):
    build, instance, manifest, intake = platform
    defs = build()
    drop(manifest, intake, "transactions")
    request, result = ingest(defs, instance, "transactions")
    # every product reading transactions is selected; each also reads customers, which has no
    # silver table yet, so each gold step skips without output and the run still succeeds
    assert selected(request) == {"bronze/transactions", "silver/transactions", "quarantine/transactions"} | GOLD
    assert result.success
    assert materialized(result) == {"bronze/transactions", "silver/transactions", "quarantine/transactions"}
    assert not result.get_asset_check_evaluations() or all(
        e.asset_key.path[0] == "silver" for e in result.get_asset_check_evaluations()
    )

    built = {}
    for dataset in ("customers", "web_events", "support_tickets"):
        drop(manifest, intake, dataset)
        request, result = ingest(defs, instance, dataset)
        assert result.success
        built[dataset] = GOLD & materialized(result)
    # customers completes daily_revenue's and customer_region_monthly's inputs; web_events leaves
    # customer_360 waiting for support_tickets, the last of its inputs, whose run builds it
    assert built == {
        "customers": {"gold/daily_revenue", "gold/customer_region_monthly"},
        "web_events": set(),
        "support_tickets": {"gold/customer_360"},
    }

    (intake / "payments" / "transactions" / "late.csv").write_text(
        "transaction_id,customer_id,transaction_ts,amount,channel,status\n"
        f"T9000000001,C0000001,{TODAY}T10:00:00Z,123.45,web,completed\n",
        encoding="utf-8",
    )
    request, result = ingest(defs, instance, "transactions")
    assert selected(request) == {"bronze/transactions", "silver/transactions", "quarantine/transactions"} | GOLD
    assert materialized(result) == selected(request)
    checks = {e.asset_check_key.to_user_string() for e in result.get_asset_check_evaluations()}
    assert {"gold/daily_revenue:reconciliation", "silver/transactions:accuracy"} <= checks

    revenue = DeltaTable(defs.resources["lake"].gold_uri("daily_revenue")).to_pyarrow_table().to_pylist()
    expected = _completed_revenue(manifest, intake)
    assert round(float(sum(r["revenue"] for r in revenue if r["revenue_date"] == TODAY)), 2) == expected


def _completed_revenue(manifest, intake) -> float:
    """Today's completed revenue, from the silver table the run wrote (computed apart from gold)."""
    lake = intake.parent / "lake"
    rows = DeltaTable(str(lake / "silver" / "transactions")).to_pyarrow_table().to_pylist()
    return round(
        float(sum(r["amount"] for r in rows if r["status"] == "completed" and r["transaction_ts"].date() == TODAY)), 2
    )


def test_a_product_whose_other_input_fails_a_blocking_check_is_left_to_automation(spark, platform):
    build, instance, manifest, intake = platform
    defs = build()
    for dataset in ("customers", "web_events", "support_tickets", "transactions"):
        drop(manifest, intake, dataset)
        ingest(defs, instance, dataset)
    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(["silver", "customers"]),
            check_name="uniqueness",
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
        )
    )
    (intake / "payments" / "transactions" / "late.csv").write_text(
        "transaction_id,customer_id,transaction_ts,amount,channel,status\n"
        f"T9000000002,C0000002,{TODAY}T11:00:00Z,10.00,web,completed\n",
        encoding="utf-8",
    )
    sensor = defs.resolve_sensor_def("intake_transactions")
    request = tick(sensor, instance, defs, None).run_requests[0]
    assert GOLD & selected(request) == set()  # all three read customers
    assert {"silver/transactions", "quarantine/transactions"} <= selected(request)


def test_bronze_mode_copies_only(spark, platform):
    build, instance, manifest, intake = platform
    defs = build(intake_runs="bronze")
    drop(manifest, intake, "customers")
    request, result = ingest(defs, instance, "customers")
    assert selected(request) == {"bronze/customers"}
    assert materialized(result) == {"bronze/customers"}


def test_an_unknown_intake_runs_value_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="DATAOPS_INTAKE_RUNS must be one of"):
        Settings(intake_root=str(tmp_path), lake_root=str(tmp_path), intake_runs="silver").validate()


def test_a_gold_check_selected_without_its_product_is_refused_with_the_reason(platform):
    build, instance, _, _ = platform
    defs = build()
    check = dg.AssetCheckKey(dg.AssetKey(["gold", "daily_revenue"]), "reconciliation")
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_check_selection={check}, asset_selection=set())
    result = job.execute_in_process(instance=instance, partition_key=TODAY.isoformat(), raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "checks are evaluated on the rows a build writes: materialize gold/daily_revenue" in failure
