"""Alert sensors: failed asset checks and failed runs, as incidents.

Both keep a cursor over the event log (storage id of the last finished run handled) and read a
run only once it has finished; see `observability/alerts/events.py`. A failure opens or updates
the incident of its fingerprint, a passing evaluation resolves it (`observability/alerts/
incidents.py`); the incidents are kept in the instance (`store.py`). They request no runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import dagster as dg

from dataops_platform.observability.alerts import events
from dataops_platform.observability.alerts.alert import Alert
from dataops_platform.observability.alerts.destinations import Dispatcher
from dataops_platform.observability.alerts.incidents import IncidentBook
from dataops_platform.observability.alerts.store import load_book, save_book
from dataops_platform.observability.redact import describe_error
from dataops_platform.settings import AlertSettings

CHECK_SENSOR, RUN_SENSOR = "check_failure_alerts", "run_failure_alerts"
OutcomesOf = Callable[[dg.DagsterInstance, events.FinishedRun, AlertSettings], events.RunOutcomes]
clock = time.time  # the sensors' notion of now (tests move it forward)


def _parse_cursor(cursor: str | None) -> int | None:
    return int(cursor) if cursor and cursor.isdigit() else None


def _messages(book: IncidentBook, outcomes: events.RunOutcomes, now: float) -> list[Alert]:
    """What a run changes in the incidents: new ones are sent, repeats only counted, passes resolve."""
    opened = [book.failed(alert, now) for alert in outcomes.alerts]
    resolved = [m for p in outcomes.passed for m in book.passed(p.key, p.run_id, p.timestamp, now)]
    return [m for m in opened if m is not None] + resolved


def _alert_sensor(name: str, description: str, statuses, outcomes_of: OutcomesOf, settings: AlertSettings):
    @dg.sensor(
        name=name,
        description=description,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.SensorEvaluationContext):
        now = clock()
        runs, cursor = events.finished_runs(context.instance, _parse_cursor(context.cursor), statuses, now)
        dispatcher = Dispatcher.from_settings(settings)
        book = load_book(context.instance, name)  # survives a daemon restart (store.py)
        messages = []
        for run in runs:
            try:
                outcomes = outcomes_of(context.instance, run, settings)
            except Exception as exc:  # noqa: BLE001 - one unreadable run must not block the others
                context.log.warning(f"cannot read run {run.run_id}: {describe_error(exc, dispatcher.redact)}")
                continue
            messages += _messages(book, outcomes, now)
        messages += book.digests(now, settings.renotify_minutes * 60)
        for message in messages:  # sent, then recorded: a crash in between sends again rather than never
            dispatcher.send(message, context.log)
        save_book(context.instance, name, book)
        if cursor is not None:
            context.update_cursor(str(cursor))
        open_count = len(book.open_incidents())
        return dg.SkipReason(
            f"{len(messages)} message(s) for {len(runs)} finished run(s); {open_count} open incident(s)"
        )

    return _sensor


def check_failure_alert_sensor(settings: AlertSettings) -> dg.SensorDefinition:
    return _alert_sensor(
        CHECK_SENSOR,
        "Failed asset checks (ERROR; WARN when DATAOPS_ALERT_ON_WARN) as incidents: alerted once, updated at most "
        "every DATAOPS_ALERT_RENOTIFY_MINUTES, resolved when the check passes again.",
        events.FINISHED,
        events.check_outcomes,
        settings,
    )


def run_failure_alert_sensor(settings: AlertSettings) -> dg.SensorDefinition:
    return _alert_sensor(
        RUN_SENSOR,
        "Failed runs as incidents (by failed step and error class; runs stopped only by failed blocking checks are "
        "left to the check alerts), resolved when the step succeeds again.",
        events.FINISHED,
        events.run_outcomes,
        settings,
    )


def alert_sensors(settings: AlertSettings) -> list[dg.SensorDefinition]:
    """Both alert sensors, for `Definitions(sensors=...)`."""
    return [check_failure_alert_sensor(settings), run_failure_alert_sensor(settings)]
