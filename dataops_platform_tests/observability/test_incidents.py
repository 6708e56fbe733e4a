"""Alerts as incidents, on a real Dagster instance, delivered through the real SNS -> SQS path on
a loopback moto server and to a local webhook receiver: repeated failures of one fingerprint
are one incident (one alert, at most one update digest per re-notify interval), recovery sends
one "resolved" message, and the incidents survive a daemon restart (cursor lost included)."""

from __future__ import annotations

import argparse
import time

import dagster as dg
import pytest

from dataops_platform.cli.alerts import show_alerts, show_incidents
from dataops_platform.observability.alerts.alert import Alert
from dataops_platform.observability.alerts.incidents import IncidentBook
from dataops_platform.observability.alerts.store import load_book
from dataops_platform.orchestration.sensors import alerts as alert_sensors
from dataops_platform.settings import AlertSettings
from dataops_platform_tests.observability.test_alerts import UI, alerts_in, aws, moto_url, webhook  # noqa: F401

HOUR = 3600.0
FAILURES = 5


class Clock:
    """The sensors' clock, moved forward by the test (the runs keep their real timestamps)."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(alert_sensors, "clock", fake)
    return fake


def _pipeline(state: dict) -> list:
    """An asset with a blocking ERROR check, and an op-like asset that raises: both as `state` says."""

    @dg.asset(check_specs=[dg.AssetCheckSpec("rows_present", asset="orders", blocking=True)])
    def orders():
        yield dg.MaterializeResult()
        failed = state["check_fails"]
        yield dg.AssetCheckResult(
            check_name="rows_present",
            passed=not failed,
            description=f"{state['bad']} of 100 row(s) failed" if failed else "all rows present",
            metadata={"rows_failed": state["bad"] if failed else 0, "rows": 100},
        )

    @dg.asset
    def export():
        if state["export_fails"]:
            raise RuntimeError("export refused by the warehouse")

    return [orders, export]


class Daemon:
    """Ticks a sensor like the daemon does, carrying its cursor; `restart` loses the cursor and
    builds the sensor again (a new process), keeping only what the instance holds."""

    def __init__(self, make_sensor, instance: dg.DagsterInstance):
        self.make_sensor, self.instance = make_sensor, instance
        self.sensor, self.cursor = make_sensor(), None

    def tick(self) -> str:
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursor)
        result = self.sensor(context)
        self.cursor = context.cursor
        return result.skip_message if hasattr(result, "skip_message") else str(result)

    def restart(self) -> None:
        self.sensor, self.cursor = self.make_sensor(), None


def test_five_failed_checks_are_one_incident_with_one_digest_then_one_resolved_message(aws, webhook, tmp_path, clock):
    state = {"check_fails": True, "export_fails": False, "bad": 0}
    settings = AlertSettings(
        sns_topic_arn=aws.topic,
        webhook_url=webhook.url,
        alerts_file=str(tmp_path / "a.jsonl"),
        ui_url=UI,
        renotify_minutes=240,
    )
    assets, start = _pipeline(state), clock.now
    with dg.instance_for_test() as instance:
        daemon = Daemon(lambda: alert_sensors.check_failure_alert_sensor(settings), instance)
        runs = []
        for hour in range(FAILURES):  # one failing run an hour; the daemon ticks after each
            state["bad"] = 10 + hour
            runs.append(dg.materialize(assets[:1], instance=instance, raise_on_error=False))
            clock.now = start + hour * HOUR + 60
            daemon.tick()
            if hour == 2:
                daemon.restart()  # the daemon dies and comes back without its cursor
        assert not any(run.success for run in runs)
        messages = aws.received()
        assert [m["Subject"] for m in messages] == [
            "[ERROR] Check failed: orders:rows_present",
            "[ERROR] Still failing (5x): Check failed: orders:rows_present",
        ]
        assert "10 of 100 row(s) failed" in messages[0]["Message"]
        digest = messages[1]["Message"]  # the latest figures, the count since the first failure
        assert "14 of 100 row(s) failed" in digest and "- 5 failure(s) since" in digest and "rows_failed: 14" in digest
        assert f"Run: {UI}/runs/{runs[-1].run_id}" in digest

        [incident] = load_book(instance, alert_sensors.CHECK_SENSOR).open_incidents()
        assert (incident.count, incident.latest["summary"]) == (FAILURES, "14 of 100 row(s) failed")
        assert incident.first_seen < incident.last_seen and incident.runs == [r.run_id for r in runs]

        state["check_fails"] = False  # fixed: the next run passes the check
        recovered = dg.materialize(assets[:1], instance=instance)
        clock.now += 60
        daemon.tick()
        daemon.tick()  # nothing more to say
        [resolved] = aws.received()
        assert resolved["Subject"] == "[RESOLVED] Resolved: check orders:rows_present"
        assert f"{FAILURES} failure(s) since" in resolved["Message"]
        assert f"Run: {UI}/runs/{recovered.run_id}" in resolved["Message"]
        assert load_book(instance, alert_sensors.CHECK_SENSOR).open_incidents() == []
        assert [p["json"]["text"].split(":")[0] for p in webhook.posts] == [
            "[ERROR] Check failed",
            "[ERROR] Still failing (5x)",
            "[RESOLVED] Resolved",
        ]
        sent = alerts_in(tmp_path / "a.jsonl")
        assert [a["status"] for a in sent] == ["new", "update", "resolved"]
        assert all(a["deliveries"] == {"sns": "ok", "webhook": "ok"} for a in sent)


def test_a_failing_step_alerts_once_across_restarts_and_resolves_when_it_succeeds(webhook, tmp_path, clock, capsys):
    state = {"check_fails": False, "export_fails": True, "bad": 0}
    settings = AlertSettings(webhook_url=webhook.url, alerts_file=str(tmp_path / "a.jsonl"), ui_url=UI)
    export = _pipeline(state)[1:]
    with dg.instance_for_test() as instance:
        daemon = Daemon(lambda: alert_sensors.run_failure_alert_sensor(settings), instance)
        for _ in range(FAILURES):
            dg.materialize(export, instance=instance, raise_on_error=False)
            clock.now += 10 * 60  # within the re-notify interval (4 h by default)
            daemon.tick()
        daemon.restart()
        daemon.tick()  # a restarted daemon reads the last 24 hours again: every run is known already
        assert [p["json"]["text"] for p in webhook.posts] == [
            "[ERROR] Run failed: " + webhook.posts[0]["json"]["text"].split("Run failed: ")[1]
        ]
        assert (
            "(export): step export: RuntimeError: export refused by the warehouse" in webhook.posts[0]["json"]["text"]
        )
        [incident] = load_book(instance, alert_sensors.RUN_SENSOR).open_incidents()
        assert incident.fingerprint == "run_failed|export|RuntimeError" and incident.count == FAILURES

        assert show_incidents(instance, 10) == 0
        out = capsys.readouterr().out
        assert "1 open incident(s)" in out and "[OPEN] Run failed:" in out and f"{FAILURES} failure(s), first" in out

        state["export_fails"] = False
        dg.materialize(export, instance=instance)
        daemon.tick()
        assert len(webhook.posts) == 2 and webhook.posts[1]["json"]["text"].startswith(
            "[RESOLVED] Resolved: run export"
        )
        show_incidents(instance, 10)
        assert "0 open incident(s)" in capsys.readouterr().out


def test_incident_book_counts_a_run_once_and_reopens_after_resolution():
    book = IncidentBook()
    alert = Alert("check_failed", "ERROR", "Check failed: t:c", "1 failed", "r1", f"{UI}/runs/r1", 100.0, target="t:c")
    assert book.failed(alert, 100.0) is alert and book.failed(alert, 101.0) is None  # the same run again
    assert book.digests(10_000.0, 0) == []  # no new failure since the alert
    assert book.passed("check_failed|t:c", "r0", 50.0, 102.0) == []  # a pass older than the failure
    [resolved] = book.passed("check_failed|t:c", "r2", 200.0, 201.0)
    assert resolved.status == "resolved" and resolved.run_url == f"{UI}/runs/r2"
    again = Alert("check_failed", "ERROR", "Check failed: t:c", "2 failed", "r3", f"{UI}/runs/r3", 300.0, target="t:c")
    assert book.failed(again, 300.0) is again and len(book.open_incidents()) == 1  # a new incident
    assert IncidentBook.from_json(book.to_json()).open_incidents()[0].latest == again.to_json()


def test_dataops_alerts_messages_still_shows_the_alerts_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATAOPS_ALERTS_FILE", str(tmp_path / "none.jsonl"))
    assert show_alerts(argparse.Namespace(last=3, messages=True)) == 0
    assert "no alerts in" in capsys.readouterr().out
