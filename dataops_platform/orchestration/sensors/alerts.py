"""Alert sensors: failed asset checks and failed runs, each reported exactly once.

Both keep a cursor over the event log (storage id of the last finished run handled) and read a
run only once it has finished; see `observability/events.py`. They request no runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import dagster as dg

from dataops_platform.observability.alerts import events
from dataops_platform.observability.alerts.alert import Alert
from dataops_platform.observability.alerts.destinations import Dispatcher
from dataops_platform.observability.redact import describe_error
from dataops_platform.settings import AlertSettings

AlertsOf = Callable[[dg.DagsterInstance, events.FinishedRun, AlertSettings], list[Alert]]


def _parse_cursor(cursor: str | None) -> int | None:
    return int(cursor) if cursor and cursor.isdigit() else None


def _alert_sensor(name: str, description: str, statuses, alerts_of: AlertsOf, settings: AlertSettings):
    @dg.sensor(
        name=name,
        description=description,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.SensorEvaluationContext):
        runs, cursor = events.finished_runs(context.instance, _parse_cursor(context.cursor), statuses, time.time())
        dispatcher = Dispatcher.from_settings(settings)
        sent = 0
        for run in runs:
            try:
                alerts = alerts_of(context.instance, run, settings)
            except Exception as exc:  # noqa: BLE001 - one unreadable run must not block the others
                context.log.warning(f"cannot read run {run.run_id}: {describe_error(exc, dispatcher.redact)}")
                continue
            for alert in alerts:
                dispatcher.send(alert, context.log)
                sent += 1
        if cursor is not None:
            context.update_cursor(str(cursor))
        return dg.SkipReason(f"{sent} alert(s) for {len(runs)} finished run(s)")

    return _sensor


def check_failure_alert_sensor(settings: AlertSettings) -> dg.SensorDefinition:
    return _alert_sensor(
        "check_failure_alerts",
        "Alerts once per failed asset check (ERROR; WARN when DATAOPS_ALERT_ON_WARN) of every finished run.",
        events.FINISHED,
        events.check_alerts,
        settings,
    )


def run_failure_alert_sensor(settings: AlertSettings) -> dg.SensorDefinition:
    def alerts_of(instance, run, alert_settings):
        alert = events.run_failure_alert(instance, run, alert_settings)
        return [alert] if alert else []

    return _alert_sensor(
        "run_failure_alerts",
        "Alerts once per failed run (runs stopped only by failed blocking checks are left to the check alerts).",
        (dg.DagsterEventType.RUN_FAILURE,),
        alerts_of,
        settings,
    )


def alert_sensors(settings: AlertSettings) -> list[dg.SensorDefinition]:
    """Both alert sensors, for `Definitions(sensors=...)`."""
    return [check_failure_alert_sensor(settings), run_failure_alert_sensor(settings)]
