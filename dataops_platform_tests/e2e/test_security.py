"""Security: planted secrets never reach Dagster's storage, the UI, alerts, reports or the lake;
PII is masked in every sample that leaves the lake; untrusted object keys never write outside
the lake (local folder and S3); the UI binds to loopback unless told otherwise."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import subprocess
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._serdes import serialize_value
from dagster_graphql.test.utils import execute_dagster_graphql

from dataops_platform import demo_data
from dataops_platform.definitions import build_definitions
from dataops_platform.observability.catalog.export import export_catalog
from dataops_platform.observability.report.html import write_report
from dataops_platform.settings import Settings
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.intake import list_intake_files
from dataops_platform.storage.keys import UnsafeKeyError
from dataops_platform.storage.objects import LocalObjectStore, ObjectInfo
from dataops_platform.storage.s3 import S3ObjectStore
from dataops_platform_tests.observability.test_alerts import WEBHOOK_TOKEN, webhook  # noqa: F401  (the webhook receiver)
from dataops_platform_tests.support.daemon_support import IN_MEMORY_LAUNCHER, daemons
from dataops_platform_tests.support.intake_helpers import launch, s3_settings, tick

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.datetime.now(dt.timezone.utc).date()
PLANTED = {  # fake, but used for real: moto accepts any key; delta-rs and boto3 sign with them
    "AWS_ACCESS_KEY_ID": "PLANTEDACCESSKEY7F3A",
    "AWS_SECRET_ACCESS_KEY": "planted-aws-secret-5c1e9b77d2",
    "AWS_SESSION_TOKEN": "planted-aws-session-token-0d4f27",
    "DATABRICKS_TOKEN": "dapi-planted-databricks-token-93ab",  # read: see the Databricks submission below
}
# Not planted: DATABRICKS_CLIENT_SECRET. The SDK refuses a token and a client secret together,
# and it fetches OAuth tokens with module-level `requests` calls that the recording workspace
# cannot answer, so no test could make the code under test read one.
PII_SCANNED = ("email", "phone")  # unique values; names are common words that could match by chance


# --- a real flow with planted secrets, a failing blocking check and its alerts ----------------


def _graphql_surface(context) -> str:
    """What the UI shows of runs (config, tags) and of asset materializations (metadata)."""
    query = """{
      runsOrError { ... on Runs { results { runId runConfigYaml tags { key value } } } }
      assetsOrError { ... on AssetConnection { nodes { key { path }
        assetMaterializations(limit: 5) { metadataEntries { label __typename
          ... on TextMetadataEntry { text } ... on JsonMetadataEntry { jsonString }
          ... on MarkdownMetadataEntry { mdStr } ... on UrlMetadataEntry { url }
          ... on PathMetadataEntry { path } } } } } }
    }"""
    result = execute_dagster_graphql(context.create_request_context(), query)
    assert not result.errors, result.errors
    assert result.data["runsOrError"]["results"]
    return json.dumps(result.data)


def _files_text(*roots: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for root in roots for p in root.rglob("*") if p.is_file()
    )


def _bucket_text(client, bucket: str) -> str:
    keys = [
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    ]
    return "\n".join(client.get_object(Bucket=bucket, Key=k)["Body"].read().decode("utf-8", "replace") for k in keys)


def _pii_values(folder: Path, manifest: dict) -> set[str]:
    values = set()
    for file in manifest["datasets"]["customers"]["files"]:
        for row in csv.DictReader(io.StringIO((folder / file["path"]).read_text())):
            values |= {v.strip() for c in PII_SCANNED if len(v := (row.get(c) or "").strip()) >= 6}
    return values | {v.lower() for v in values}


@pytest.mark.slow
def test_a_real_flow_leaks_no_secret_and_shows_no_unmasked_pii(s3, webhook, tmp_path, monkeypatch, spark):  # noqa: F811
    for name, value in PLANTED.items():
        monkeypatch.setenv(name, value)
    home, alerts = tmp_path / "dagster_home", tmp_path / "alerts.jsonl"
    env = {
        "DATAOPS_INTAKE_ROOT": s3.intake_root,
        "DATAOPS_LAKE_ROOT": s3.lake_root,
        "AWS_ENDPOINT_URL_S3": s3.endpoint,
        "DATAOPS_CACHE_DIR": str(tmp_path / "cache"),
        "DATAOPS_ALERTS_FILE": str(alerts),
        "DATAOPS_PARTITIONS_START": str(TODAY - dt.timedelta(days=10)),
        "DATAOPS_ALERT_WEBHOOK_URL": webhook.url,
        "DAGSTER_HOME": str(home),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    generated = tmp_path / "generated"
    manifest = demo_data.generate(generated, rows=300, days=1, start_date=TODAY, seed=5, defect_scale=6)
    for name in ("customers", "transactions"):
        for file in manifest["datasets"][name]["files"]:
            s3.client.upload_file(str(generated / file["path"]), s3.intake_bucket, f"landing/{file['path']}")
    home.mkdir()
    config = {**yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text()), "run_launcher": IN_MEMORY_LAUNCHER}
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))

    with dg.DagsterInstance.from_config(str(home)) as instance, daemons(instance) as daemon:
        daemon.automation()
        daemon.sensors()
        daemon.dequeue()  # bronze
        daemon.automation()
        daemon.dequeue()  # silver: the defects fail blocking checks
        daemon.sensors()  # the alert sensors see the finished runs
        runs = instance.get_runs()
        assert dg.DagsterRunStatus.FAILURE in {r.status for r in runs}
        settings = Settings.from_env()
        defs = build_definitions(settings)
        write_report(tmp_path / "out" / "report.html", defs.resolve_asset_graph(), instance, settings.alerts.ui_url)
        export_catalog(tmp_path / "out", defs, instance)
        shown = {  # what people and tools see
            "run config and tags": "".join(json.dumps(r.run_config) + json.dumps(dict(r.tags)) for r in runs),
            "event log": "".join(serialize_value(entry) for r in runs for entry in instance.all_logs(r.run_id)),
            "sensor ticks": "".join(
                serialize_value(t)
                for s in ("intake_customers", "check_failure_alerts", "automation")
                for t in instance.get_ticks(*_sensor_ids(daemon, s))
            ),
            "UI (GraphQL)": _graphql_surface(daemon.context),
            "report and catalog": _files_text(tmp_path / "out"),
            "settings and resources": repr(settings) + repr(defs.resources),
            "alerts file": alerts.read_text(),
            "webhook messages": json.dumps([post["json"] for post in webhook.posts]),
        }
    assert webhook.posts and "Check failed" in shown["alerts file"]
    stored = {
        "DAGSTER_HOME (storage, compute logs)": _files_text(home),
        "Spark cache": _files_text(tmp_path / "cache"),
        "lake": _bucket_text(s3.client, s3.lake_bucket),
    }
    secrets = [*PLANTED.values(), webhook.url, WEBHOOK_TOKEN]
    assert not _found(secrets, {**shown, **stored})

    pii = _pii_values(generated, manifest)
    assert pii and "***@***" in shown["event log"]  # masked samples were shown, so there was something to mask
    assert not _found(pii, {**shown, **stored, "lake": "", "Spark cache": ""})  # the lake and its copies hold PII


def test_a_databricks_submission_reads_the_planted_token_and_shows_it_nowhere(tmp_path, monkeypatch, caplog, capfd):
    """The SDK reads DATABRICKS_TOKEN and signs every request with it (recorded by the stand-in
    workspace); it is in no request body, Dagster event or metadata, driver log or log line."""
    from dataops_platform_tests.databricks.workspace import RecordingWorkspace, databricks_settings, materialize_on

    caplog.set_level(logging.DEBUG)  # the SDK's request log too
    for name, value in PLANTED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABRICKS_HOST", "https://example.cloud.databricks.com")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no.databrickscfg"))
    settings = databricks_settings(
        monkeypatch,
        DATAOPS_INTAKE_ROOT=str(tmp_path / "intake"),
        DATAOPS_LAKE_ROOT=str(tmp_path / "lake"),
        DATAOPS_DATABRICKS_POLL_SECONDS="0.05",
        DATAOPS_DATABRICKS_ARTIFACTS="/Volumes/main/dataops/not_deployed",  # the driver fails at once
    )
    with RecordingWorkspace(tmp_path / "workspace") as workspace:
        submitted = materialize_on(workspace, settings, "silver/customers", settings.partitions_start)
    assert not submitted.result.success and "runs/submit" in caplog.text
    assert {r.headers["Authorization"] for r in submitted.sent} == {f"Bearer {PLANTED['DATABRICKS_TOKEN']}"}
    captured = capfd.readouterr()
    shown = {**submitted.left, "python logs": caplog.text, "stdout/stderr": captured.out + captured.err}
    assert not _found(PLANTED.values(), shown)


def _found(values, sources: dict[str, str]) -> list[str]:
    """Where any of `values` occurs: 'source: ...context...' (the value itself shortened)."""
    hits = []
    for value in values:
        for name, text in sources.items():
            if (at := text.find(value)) >= 0:
                hits.append(
                    f"{name}: ...{text[max(0, at - 80) : at]}[{value[:6]}...]{text[at + len(value) : at + len(value) + 40]}"
                )
    return hits


def _remote_sensor(daemon, name: str):
    location = next(iter(daemon.context.create_request_context().get_code_location_entries().values()))
    repository = next(iter(location.code_location.get_repositories().values()))
    return repository.get_sensor(name)


def _sensor_ids(daemon, name: str) -> tuple[str, str]:
    sensor = _remote_sensor(daemon, name)
    return sensor.get_remote_origin_id(), sensor.selector_id


# --- untrusted object keys ----------------------------------------------------------------------

HOSTILE_KEYS = [
    "../escape.csv",
    "a/../../escape.csv",
    "a/b/../../../escape.csv",
    "..",
    "a/..",
    "./a.csv",
    "a/./b.csv",
    "/etc/escape.csv",
    "//escape.csv",
    "a//b.csv",
    "C:/escape.csv",
    "C:\\escape.csv",
    "..\\escape.csv",
    "a\\..\\..\\escape.csv",
    "\\\\server\\share\\escape.csv",
    "a/b\x00.csv",
    "a\x00/../../escape.csv",
    "a/\n/../../escape.csv",
    "a/\u202e..csv",
    "a/..\u200b/b.csv",
    "\u2025/escape.csv",
    "\uff0e\uff0e/escape.csv",
    "..\uff0fescape.csv",
    "a/\udc80.csv",
    "%2e%2e/escape.csv",
    "a/" + "x" * 300 + ".csv",
    "a/" * 600 + "x.csv",
]


def _outside(root: Path, lake: Path) -> set[str]:
    """Everything under `root` except the lake and its contents."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if not (p == lake or p.is_relative_to(lake))}


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _write_everywhere(store, key: str, cache: Path) -> None:
    """Every way a store writes a key; a rejected key (or one the OS refuses) is fine."""
    for attempt in (
        lambda: store.write(key, b"x"),
        lambda: store.write(key, io.BytesIO(b"x")),
        lambda: store.write(key, b"x", if_absent=True),
        lambda: store.local_path(key, cache),
        lambda: store.delete(key),
    ):
        try:
            attempt()
        except (UnsafeKeyError, OSError):
            pass


def test_hostile_keys_never_write_outside_a_local_lake(tmp_path):
    lake, cache = tmp_path / "deep" / "lake", tmp_path / "cache"
    lake.mkdir(parents=True)
    (tmp_path / "sentinel.txt").write_text("outside")
    outside_before = _outside(tmp_path, lake)
    store = LocalObjectStore(lake)
    for key in HOSTILE_KEYS:
        _write_everywhere(store, key, cache)
    assert _outside(tmp_path, lake) == outside_before
    assert all(_inside(p, lake) for p in lake.rglob("*"))
    for key in ("../escape.csv", "/etc/escape.csv", "a\\b.csv", "a/b\x00.csv", "a/\u202e..csv"):
        with pytest.raises(UnsafeKeyError):
            store.path(key)


def test_hostile_keys_never_write_outside_an_s3_lake_prefix(s3, tmp_path):
    store = S3ObjectStore.from_uri(s3.lake_root, s3.client)
    cache = tmp_path / "cache"
    for key in HOSTILE_KEYS:
        _write_everywhere(store, key, cache)
    keys = [o["Key"] for o in s3.client.list_objects_v2(Bucket=s3.lake_bucket).get("Contents", [])]
    assert all(k.startswith("lake/") and "/../" not in k and "/./" not in k for k in keys), keys
    assert s3.client.list_objects_v2(Bucket=s3.intake_bucket).get("KeyCount", 0) == 0
    assert all(_inside(p, cache) for p in cache.rglob("*"))


def test_hostile_intake_keys_on_s3_are_dropped_by_the_sensor_and_bronze_stays_in_the_lake(s3, tmp_path):
    good = "landing/payments/transactions/transactions_ok.csv"
    hostile = [
        "landing/payments/transactions/../../../escape.csv",
        "landing/payments/transactions/a\\b.csv",
        "landing/payments/transactions/x\u202etransactions.csv",
        "landing/payments/transactions//twice.csv",
    ]
    body = b"transaction_id,customer_id,transaction_ts,amount,channel,status\nT1,C1,2026-01-01T00:00:00Z,1.00,web,completed\n"
    for key in [good, *hostile]:
        s3.client.put_object(Bucket=s3.intake_bucket, Key=key, Body=body)
    defs = build_definitions(s3_settings(s3, tmp_path))
    sensor = defs.resolve_sensor_def("intake_transactions")
    with dg.instance_for_test() as instance:
        found = tick(sensor, instance, defs, None)
        requested = [
            f["key"] for r in found.run_requests for op in r.run_config["ops"].values() for f in op["config"]["files"]
        ]
        assert requested == ["payments/transactions/transactions_ok.csv"]
        launch(defs, instance, sensor.name, found.run_requests)
    lake_keys = [o["Key"] for o in s3.client.list_objects_v2(Bucket=s3.lake_bucket).get("Contents", [])]
    assert lake_keys and all(k.startswith("lake/") and ".." not in k for k in lake_keys)
    assert all(_inside(p, tmp_path / "cache") for p in (tmp_path / "cache").rglob("*"))


def test_local_intake_with_odd_names_and_symlinks_copies_nothing_outside(tmp_path):
    intake, lake = tmp_path / "intake", tmp_path / "lake"
    folder = intake / "crm" / "customers"
    folder.mkdir(parents=True)
    (folder / "ok.csv").write_text("customer_id\nC1\n")
    (folder / "back\\slash.csv").write_text("customer_id\nC2\n")
    (folder / "new\nline.csv").write_text("customer_id\nC3\n")
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("never-copied-secret-content\n")
    (folder / "link.csv").symlink_to(secret)
    (folder / "linked_dir").symlink_to(secret.parent, target_is_directory=True)
    files, rejected = list_intake_files(intake, "crm/customers/", "*.csv")
    assert [f.key for f in files] == ["crm/customers/ok.csv"] and len(rejected) == 2
    store = BronzeStore(LocalObjectStore(lake), intake)
    for file in files:
        store.ingest(file, "crm", "customers", TODAY)
    bogus = ObjectInfo(
        key="crm/../../outside/secret.csv", version="1", size=1, modified=dt.datetime.now(dt.timezone.utc)
    )
    with pytest.raises(UnsafeKeyError):
        store.ingest(bogus, "crm", "customers", TODAY)
    copied = [p for p in lake.rglob("*") if p.is_file()]
    assert copied and all(_inside(p, lake) for p in copied)
    assert not any(b"never-copied-secret-content" in p.read_bytes() for p in copied)
    assert {p.name for p in tmp_path.iterdir()} == {"intake", "lake", "outside"}


# --- the webserver binds to loopback by default --------------------------------------------------


def _dagster_dev_command(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "DATAOPS_WEBSERVER_HOST"}
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "run.sh"), "--print-command"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


def test_the_webserver_binds_to_loopback_unless_told_otherwise():
    assert " -h 127.0.0.1 " in _dagster_dev_command()
    assert " -h 0.0.0.0 " in _dagster_dev_command(DATAOPS_WEBSERVER_HOST="0.0.0.0")


# --- the redactor knows every secret the deployment reads from the environment -----------------


def test_error_messages_quoting_any_planted_secret_are_masked(monkeypatch):
    from dataops_platform.observability.redact import Redactor, describe_error

    planted = {
        **PLANTED,
        "DATAOPS_ALERT_WEBHOOK_URL": f"https://hooks.example.com/services/{WEBHOOK_TOKEN}",
        "DAGSTER_PG_PASSWORD": "planted-postgres-password-7",
    }
    for name, value in planted.items():
        monkeypatch.setenv(name, value)
    message = describe_error(RuntimeError(" | ".join(planted.values())), Redactor.from_env())
    assert not [name for name, value in planted.items() if value in message], message
