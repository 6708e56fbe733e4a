"""Alerts: a failed check or run is delivered once (SNS through a loopback moto server, a
webhook to a local HTTP receiver, the alerts file) with its figures and a link to the run;
secrets never leak; a failing destination stops nothing."""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import boto3
import dagster as dg
import pytest

from dataops_platform.cli.alerts import show_alerts
from dataops_platform.observability.alerts import events
from dataops_platform.observability.alerts.alert import Alert, key_figures
from dataops_platform.observability.alerts.destinations import AlertsFile, Dispatcher
from dataops_platform.observability.alerts.incidents import IncidentBook
from dataops_platform.observability.alerts.store import save_book
from dataops_platform.observability.redact import Redactor
from dataops_platform.orchestration.sensors.alerts import (
    CHECK_SENSOR,
    RUN_SENSOR,
    check_failure_alert_sensor,
    run_failure_alert_sensor,
)
from dataops_platform.settings import AlertSettings
from dataops_platform_tests.support.report_support import DEFECT_BAD, DEFECT_ROWS, FAKE_SECRET, observed  # noqa: F401

REGION = "us-east-1"
WEBHOOK_TOKEN = "T0DATAOPS/B0ALERTS/s3cr3tW3bh00kT0k3n"
UI = "http://dagster.example:3000"


# --- fixtures: a loopback SNS/SQS (moto) and a loopback webhook receiver -------------------


@pytest.fixture(scope="module")
def moto_url():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_url, monkeypatch):
    """SNS goes to moto through the standard AWS_ENDPOINT_URL_SNS; returns an SNS topic whose
    messages land on an SQS queue (to count deliveries)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAALERTSTESTKEY000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", moto_url)
    sns = boto3.client("sns", region_name=REGION, endpoint_url=moto_url)
    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=moto_url)
    name = f"alerts-{threading.get_ident()}-{id(monkeypatch)}"
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    def received() -> list[dict]:
        messages = []
        while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
            for message in batch:
                messages.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return messages

    return SimpleNamespace(topic=topic, received=received)


@pytest.fixture
def webhook():
    """An HTTP receiver on 127.0.0.1 that records every POST and answers `status`."""
    state = SimpleNamespace(posts=[], status=200)

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.posts.append({"path": self.path, "type": self.headers["Content-Type"], "json": json.loads(body)})
            self.send_response(state.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/services/{WEBHOOK_TOKEN}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def fresh_incidents(request):
    """Each test on the shared `observed` instance starts without incidents (a new deployment)."""

    def clear() -> None:
        if "observed" in request.fixturenames:
            instance = request.getfixturevalue("observed").instance
            for name in (CHECK_SENSOR, RUN_SENSOR):
                save_book(instance, name, IncidentBook())

    clear()
    yield
    clear()


def evaluate(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, ticks: int = 2) -> str | None:
    """Evaluate the sensor `ticks` times, carrying its cursor like the daemon does."""
    cursor = None
    for _ in range(ticks):
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        sensor(context)
        cursor = context.cursor
    return cursor


def alerts_in(path) -> list[dict]:
    return AlertsFile(path).last(0)


# --- fast: message content, redaction, the CLI ---------------------------------------------


def test_key_figures_show_counts_and_the_worst_rules_but_no_samples():
    metadata = {
        "summary": "ignored",
        "rows": 600,
        "rows_failed": 90,
        "fraction": 0.15,
        "threshold": 0.05,
        "failing_rules": {
            "amount_ge": {"failed": 90, "fraction": 0.15, "samples": [{"email": "a***@x.com"}]},
            "status_isin": {"failed": 3, "fraction": 0.005},
        },
    }
    assert key_figures({**metadata, "min_rows": 100}) == [
        "rows_failed: 90",
        "rows: 600",
        "fraction: 15%",
        "threshold: 5%",
        "min_rows: 100",
        "amount_ge: 90 failed (15.00%)",
        "status_isin: 3 failed (0.50%)",
    ]


def test_redactor_masks_known_secrets_and_key_patterns():
    redact = Redactor(("s3cr3t-value",))
    text = redact("key s3cr3t-value id AKIAABCDEFGHIJKLMNOP url https://hooks.slack.com/services/T1/B2/xyz?token=abc")
    assert "s3cr3t-value" not in text and "AKIAABCDEFGHIJKLMNOP" not in text and "T1/B2" not in text
    assert "https://hooks.slack.com/***" in text
    assert redact("run http://127.0.0.1:3000/runs/abc") == "run http://127.0.0.1:3000/runs/abc"


def test_settings_keep_the_webhook_out_of_repr_and_errors(monkeypatch, tmp_path):
    monkeypatch.setenv("DATAOPS_ALERT_WEBHOOK_URL", f"ftp://example/{WEBHOOK_TOKEN}")
    with pytest.raises(ValueError) as error:
        AlertSettings.from_env(tmp_path)
    assert WEBHOOK_TOKEN not in str(error.value)
    settings = AlertSettings(webhook_url=f"https://hooks.example/{WEBHOOK_TOKEN}")
    assert WEBHOOK_TOKEN not in repr(settings)
    monkeypatch.setenv("DATAOPS_ALERT_WEBHOOK_URL", "")
    monkeypatch.setenv("DATAOPS_ALERT_ON_WARN", "yes")
    defaults = AlertSettings.from_env(tmp_path)
    assert defaults.alert_on_warn and defaults.alerts_file == str(tmp_path / "alerts.jsonl")
    assert defaults.run_url("abc") == "http://127.0.0.1:3000/runs/abc"


def test_dataops_alerts_shows_the_last_alerts(tmp_path, monkeypatch, capsys):
    path = tmp_path / "alerts.jsonl"
    dispatcher = Dispatcher(alerts_file=AlertsFile(path))
    for n in range(3):
        dispatcher.send(
            Alert(
                "check_failed",
                "ERROR",
                f"Check failed: silver/t:check{n}",
                f"{n} rows failed",
                f"run{n}",
                f"{UI}/runs/run{n}",
                1_795_000_000.0 + n,
                asset="silver/t",
            )
        )
    monkeypatch.setenv("DATAOPS_ALERTS_FILE", str(path))
    assert show_alerts(argparse.Namespace(last=2, messages=True)) == 0
    out = capsys.readouterr().out
    assert "check0" not in out and "check1" in out and "check2" in out
    assert f"Run: {UI}/runs/run2" in out and "2 rows failed" in out


def test_finished_runs_are_read_once_in_order_even_in_small_batches():
    @dg.asset
    def fine() -> None:
        pass

    @dg.asset
    def broken() -> None:
        raise RuntimeError("boom")

    with dg.instance_for_test() as instance:
        expected = [
            dg.materialize([asset], instance=instance, raise_on_error=False).run_id for asset in (fine, broken, fine)
        ]
        seen, cursor = [], None
        for _ in range(len(expected) + 1):  # one run per batch, then nothing left
            runs, cursor = events.finished_runs(instance, cursor, events.FINISHED, time.time(), limit=1)
            seen += [run.run_id for run in runs]
    assert seen == expected


# --- on a real instance: materialized failures, sensors evaluated twice -----------------------

slow = pytest.mark.slow


@slow
def test_a_failed_check_is_delivered_once_to_sns_webhook_and_file(observed, aws, webhook, tmp_path):
    settings = AlertSettings(
        sns_topic_arn=aws.topic, webhook_url=webhook.url, alerts_file=str(tmp_path / "a.jsonl"), ui_url=UI
    )
    sensor = check_failure_alert_sensor(settings)
    cursor = evaluate(sensor, observed.instance, ticks=2)
    assert cursor is not None

    run_url = f"{UI}/runs/{observed.defect_run.run_id}"
    [record] = alerts_in(tmp_path / "a.jsonl")  # the WARN volume anomaly is not alerted by default
    assert record["title"] == "Check failed: silver/transactions:validity"
    assert record["summary"] == f"{DEFECT_BAD} of {DEFECT_ROWS} row(s) failed 1 rule(s) (15.00%, tolerated 5%)"
    assert record["figures"][:4] == [
        f"rows_failed: {DEFECT_BAD}",
        f"rows: {DEFECT_ROWS}",
        "fraction: 15%",
        "threshold: 5%",
    ]
    assert record["partition"] == observed.days[-1].isoformat() and record["run_url"] == run_url
    assert record["deliveries"] == {"sns": "ok", "webhook": "ok"}

    [post] = webhook.posts
    assert post["type"].startswith("application/json")
    assert "silver/transactions:validity" in post["json"]["text"] and run_url in json.dumps(post["json"]["blocks"])
    [message] = aws.received()
    assert message["Subject"] == "[ERROR] Check failed: silver/transactions:validity"
    assert f"rows_failed: {DEFECT_BAD}" in message["Message"] and f"Run: {run_url}" in message["Message"]

    sensor(dg.build_sensor_context(instance=observed.instance, cursor=cursor))  # a third tick: nothing new
    assert len(webhook.posts) == 1 and aws.received() == [] and len(alerts_in(tmp_path / "a.jsonl")) == 1


@slow
def test_warn_checks_alert_only_when_configured(observed, tmp_path):
    settings = AlertSettings(alerts_file=str(tmp_path / "a.jsonl"), alert_on_warn=True)
    evaluate(check_failure_alert_sensor(settings), observed.instance)
    titles = sorted((a["severity"], a["title"]) for a in alerts_in(tmp_path / "a.jsonl"))
    assert titles == [
        ("ERROR", "Check failed: silver/transactions:validity"),
        ("WARN", "Check failed: silver/transactions:volume_anomaly"),
    ]
    anomaly = next(a for a in alerts_in(tmp_path / "a.jsonl") if a["check"] == "volume_anomaly")
    assert any(f.startswith(f"rows_read: {DEFECT_ROWS} ") and "band" in f for f in anomaly["figures"])


@slow
def test_a_failed_run_is_alerted_once_without_its_secret(observed, webhook, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    settings = AlertSettings(webhook_url=webhook.url, alerts_file=str(tmp_path / "a.jsonl"), ui_url=UI)
    evaluate(run_failure_alert_sensor(settings), observed.instance)
    # The defect run failed too, but only because of its blocking check: the check alert covers it.
    [record] = alerts_in(tmp_path / "a.jsonl")
    assert record["kind"] == "run_failed" and record["run_url"] == f"{UI}/runs/{observed.failed_run.run_id}"
    assert record["summary"] == "step ops__nightly_export: RuntimeError: export refused: credentials *** rejected"
    assert len(webhook.posts) == 1
    written = (tmp_path / "a.jsonl").read_text() + json.dumps([p["json"] for p in webhook.posts]) + caplog.text
    assert FAKE_SECRET not in written and WEBHOOK_TOKEN not in written


@slow
def test_failing_destinations_stop_nothing_and_show_no_secret(observed, aws, webhook, tmp_path, caplog):
    webhook.status = 500
    missing_topic = aws.topic.rsplit(":", 1)[0] + ":no-such-topic"
    settings = AlertSettings(
        sns_topic_arn=missing_topic, webhook_url=webhook.url, alerts_file=str(tmp_path / "a.jsonl")
    )
    cursor = evaluate(check_failure_alert_sensor(settings), observed.instance, ticks=1)
    assert cursor is not None  # the tick completed
    [record] = alerts_in(tmp_path / "a.jsonl")
    assert record["deliveries"]["webhook"].startswith("failed: DeliveryError: webhook answered HTTP 500")
    assert record["deliveries"]["sns"].startswith("failed: NotFoundException")
    assert len(webhook.posts) == 1  # tried once, not retried on every tick
    written = (tmp_path / "a.jsonl").read_text() + caplog.text
    assert WEBHOOK_TOKEN not in written and FAKE_SECRET not in written


@slow
def test_an_unreachable_webhook_is_reported_not_raised(observed, tmp_path):
    settings = AlertSettings(
        webhook_url=f"http://127.0.0.1:9/{WEBHOOK_TOKEN}",
        webhook_timeout_seconds=2,
        alerts_file=str(tmp_path / "a.jsonl"),
    )
    evaluate(check_failure_alert_sensor(settings), observed.instance, ticks=1)
    [record] = alerts_in(tmp_path / "a.jsonl")
    assert record["deliveries"]["webhook"].startswith("failed: DeliveryError: webhook unreachable")
    assert WEBHOOK_TOKEN not in record["deliveries"]["webhook"]
