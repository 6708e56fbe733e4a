"""The production profile (deploy/dagster.production.yaml) on a real PostgreSQL server: it loads
and validates, and the platform's sensor-to-gold flow runs on it, driven by Dagster's own
sensor, automation and run-queue daemons, with an S3 lake (moto). Server: postgres_server.py."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._serdes import deserialize_value
from deltalake import DeltaTable

from dataops_platform import demo_data
from dataops_platform.definitions import build_definitions
from dataops_platform.settings import Settings
from dataops_platform_tests.support.daemon_support import IN_MEMORY_LAUNCHER, daemons
from dataops_platform_tests.support.postgres_server import Server, postgres_server, scratch_database

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_YAML = REPO / "deploy" / "dagster.production.yaml"
TODAY = dt.datetime.now(dt.timezone.utc).date()
DATASETS = ("customers", "transactions", "web_events", "support_tickets")


@pytest.fixture(scope="session")
def pg_server() -> Server:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def pg_database(pg_server) -> str:
    """One fresh database for the test session, dropped at its end."""
    with scratch_database(pg_server) as name:
        yield name


@pytest.fixture
def production_home(tmp_path, pg_server, pg_database, monkeypatch):
    """Writes the production yaml (with `overrides` merged at the top level) into a fresh
    DAGSTER_HOME and points the DAGSTER_PG_* variables at the test database."""
    for name, value in pg_server.env(pg_database).items():
        monkeypatch.setenv(name, value)

    def render(**overrides) -> str:
        home = tmp_path / "dagster_home"
        home.mkdir(exist_ok=True)
        config = {**yaml.safe_load(PRODUCTION_YAML.read_text()), **overrides}
        (home / "dagster.yaml").write_text(yaml.safe_dump(config))
        return str(home)

    return render


def commented_compute_logs() -> dict:
    """The S3 compute-log block the production yaml documents (commented out)."""
    lines = PRODUCTION_YAML.read_text().splitlines()
    start = lines.index("# compute_logs:")
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(re.sub(r"^# ?", "", line))
    return yaml.safe_load("\n".join(block))


def test_the_production_profile_loads_with_postgres_queue_retries_and_monitoring(production_home, s3):
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    raw = yaml.safe_load(PRODUCTION_YAML.read_text())
    assert raw["storage"]["postgres"]["postgres_db"]["password"] == {"env": "DAGSTER_PG_PASSWORD"}  # no secret inline
    with dg.DagsterInstance.from_config(production_home()) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert type(instance.run_launcher).__name__ == "DefaultRunLauncher"
        limits = instance.get_concurrency_config()
        assert limits.run_queue_config.max_concurrent_runs == 4 and limits.pool_config.default_pool_limit == 1
        assert (instance.run_retries_enabled, instance.run_retries_max_retries) == (True, 2)
        assert instance.run_retries_retry_on_asset_or_op_failure is False
        assert instance.run_monitoring_enabled and instance.run_monitoring_max_runtime_seconds == 6 * 3600
        assert instance.run_monitoring_start_timeout_seconds == 300
        assert instance.auto_materialize_use_sensors
        assert not instance.get_settings("telemetry")["enabled"]

    # The documented S3 compute-log manager is valid config too (against the moto bucket).
    compute_logs = commented_compute_logs()["compute_logs"]
    compute_logs["config"].update(bucket=s3.lake_bucket, endpoint_url=s3.endpoint)
    with dg.DagsterInstance.from_config(production_home(compute_logs=compute_logs)) as instance:
        assert isinstance(instance.compute_log_manager, S3ComputeLogManager)


def test_the_instance_signs_in_with_the_database_password(production_home, pg_server, monkeypatch):
    """DAGSTER_PG_PASSWORD is read and checked by the server (password auth: the private
    cluster's scram-sha-256, or a configured server that checks passwords)."""
    from dagster_postgres.utils import DagsterPostgresException

    monkeypatch.setenv("DAGSTER_PG_PASSWORD", pg_server.password + "-wrong")
    with pytest.raises(DagsterPostgresException, match="too many retries") as refused:
        with dg.DagsterInstance.from_config(production_home()) as instance:
            instance.get_runs()
    assert "password authentication failed" in str(refused.value.__cause__ or refused.value.__context__)


def test_sqlite_stays_the_embedded_default(tmp_path):
    from dagster._core.storage.runs import SqliteRunStorage

    (tmp_path / "dagster.yaml").write_text((REPO / "deploy" / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert isinstance(instance.run_storage, SqliteRunStorage)
    assert "cp deploy/dagster.yaml" in (REPO / "scripts" / "run.sh").read_text()


def platform_env(s3, tmp_path: Path, monkeypatch) -> Settings:
    """The DATAOPS_* / AWS_* environment of a deployment on the moto buckets; its Settings."""
    env = {
        "DATAOPS_INTAKE_ROOT": s3.intake_root,
        "DATAOPS_LAKE_ROOT": s3.lake_root,
        "AWS_ENDPOINT_URL_S3": s3.endpoint,
        "DATAOPS_CACHE_DIR": str(tmp_path / "cache"),
        "DATAOPS_PARTITIONS_START": (TODAY - dt.timedelta(days=10)).isoformat(),
        "DATAOPS_ALERTS_FILE": str(tmp_path / "alerts.jsonl"),
        "DATAOPS_INTAKE_LISTING_SECONDS": "5",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


def upload_demo_data(s3, folder: Path) -> dict:
    manifest = demo_data.generate(folder, rows=400, days=2, start_date=TODAY - dt.timedelta(days=1), seed=11)
    for name in DATASETS:
        for file in manifest["datasets"][name]["files"]:
            s3.client.upload_file(str(folder / file["path"]), s3.intake_bucket, f"landing/{file['path']}")
    return manifest


def query(server: Server, database: str, sql: str) -> list[tuple]:
    with server.connect(database) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.slow
def test_sensor_to_gold_on_postgres_with_an_s3_lake(
    production_home, pg_server, pg_database, s3, tmp_path, monkeypatch, spark
):
    settings = platform_env(s3, tmp_path, monkeypatch)
    manifest = upload_demo_data(s3, tmp_path / "generated")
    gold = {dg.AssetKey(["gold", "customer_360"]), dg.AssetKey(["gold", "daily_revenue"])}

    with (
        dg.DagsterInstance.from_config(production_home(run_launcher=IN_MEMORY_LAUNCHER)) as instance,
        daemons(instance) as daemon,
    ):
        daemon.automation()  # first evaluation: the baseline later ticks compare with
        daemon.sensors()
        queued = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED]))
        assert sorted(r.tags["dagster/sensor_name"] for r in queued) == sorted(f"intake_{n}" for n in DATASETS)
        daemon.dequeue()
        for _ in range(4):  # the intake runs reach silver, automation then builds gold: bounded, not a wait
            if all(instance.get_latest_materialization_event(k) for k in gold):
                break
            daemon.automation()
            daemon.dequeue()
        runs = instance.get_runs()
        assert {r.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}, [(r.job_name, r.status) for r in runs]
        assert all(instance.get_latest_materialization_event(k) for k in gold)
        daemon.sensors()  # the alert sensors read the finished runs; nothing new in the intake

    lake = build_definitions(settings).resources["lake"]

    def table(uri: str):
        return DeltaTable(uri, storage_options=lake.storage_options).to_pandas()

    for name in DATASETS:
        expected = manifest["datasets"][name]["expected"]
        assert len(table(lake.silver_uri(name))) == expected["silver_rows"], name
    transactions = table(lake.silver_uri("transactions"))
    completed = transactions[(transactions["status"] == "completed") & transactions["transaction_ts"].notna()]
    customer_360 = table(lake.gold_uri("customer_360"))
    customer_360 = customer_360[customer_360["as_of_date"] == TODAY]
    spent = completed[
        completed["customer_id"].isin(customer_360["customer_id"]) & (completed["transaction_ts"].dt.date <= TODAY)
    ]
    assert customer_360["total_spend"].sum() == spent["amount"].sum() > Decimal("0")
    revenue = table(lake.gold_uri("daily_revenue"))
    assert (
        revenue[revenue["revenue_date"] == TODAY]["revenue"].sum()
        == completed[completed["transaction_ts"].dt.date == TODAY]["amount"].sum()
    )

    # Everything the UI shows lives in PostgreSQL.
    def count(sql: str) -> int:
        return query(pg_server, pg_database, sql)[0][0]

    # The database password the instance signed in with is stored and shown nowhere.
    stored = query(pg_server, pg_database, "SELECT string_agg(event, '') FROM event_logs")[0][0]
    stored += query(pg_server, pg_database, "SELECT string_agg(run_body, '') FROM runs")[0][0]
    assert pg_server.password and stored and pg_server.password not in stored
    assert pg_server.password not in "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*.log"))

    run_ids = ", ".join(f"'{r.run_id}'" for r in runs)
    succeeded = count(f"SELECT count(*) FROM runs WHERE run_id IN ({run_ids}) AND status = 'SUCCESS'")
    # an intake run per dataset, each to silver; the runs select gold too, and the one whose
    # silver completes a product's inputs builds it (automation has nothing left to start)
    assert succeeded == len(runs) >= len(DATASETS)
    assert (
        count(
            f"SELECT count(*) FROM event_logs WHERE run_id IN ({run_ids}) "
            "AND dagster_event_type = 'ASSET_MATERIALIZATION' AND asset_key LIKE '%gold%'"
        )
        == 3  # customer_360, daily_revenue, customer_region_monthly
    )
    ticks = query(pg_server, pg_database, "SELECT tick_body FROM job_ticks WHERE status = 'SUCCESS'")
    sensors_with_runs = {deserialize_value(body).instigator_name for (body,) in ticks}
    assert {f"intake_{n}" for n in DATASETS} <= sensors_with_runs
    checks = query(
        pg_server,
        pg_database,
        f"SELECT asset_key, check_name, execution_status FROM asset_check_executions WHERE run_id IN ({run_ids})",
    )
    evaluated = {(asset, name) for asset, name, status in checks if status in ("SUCCEEDED", "FAILED")}
    assert {(asset, name) for asset, name, _ in checks} == evaluated  # every planned check has a result
    assert {"validity", "reconciliation", "accuracy"} <= {name for _, name in evaluated}
