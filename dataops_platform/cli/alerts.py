"""`dataops alerts [--last N] [--messages]`: open and recent incidents (from the Dagster
instance), or with `--messages` the latest messages of the alerts file, oldest first."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from dataops_platform.cli.instance import with_instance
from dataops_platform.settings import Settings


def format_alert(record: dict) -> str:
    """One alert from the alerts file, as a few readable lines."""
    from dataops_platform.observability.alerts.alert import Alert

    fields = {k: v for k, v in record.items() if k in Alert.__dataclass_fields__}
    alert = Alert(**fields)
    deliveries = ", ".join(f"{k}: {v}" for k, v in sorted(record.get("deliveries", {}).items()))
    body = alert.text() + (f"\nDelivered: {deliveries}" if deliveries else "")
    return textwrap.indent(body, "  ").lstrip()


def format_incident(incident) -> str:
    """One incident: status, what failed and how often, the latest failure and its run."""
    from dataops_platform.observability.alerts.alert import Alert

    latest = Alert(**{k: v for k, v in incident.latest.items() if k in Alert.__dataclass_fields__})
    when = lambda ts: Alert(**{**incident.latest, "timestamp": ts}).when  # noqa: E731
    status = "OPEN" if incident.open else f"RESOLVED {when(incident.resolved_at)}"
    lines = [
        f"[{status}] {latest.title} ({latest.severity}, incident {incident.id})",
        f"{incident.count} failure(s), first {when(incident.first_seen)}, last {when(incident.last_seen)}",
        f"latest: {latest.summary}" if latest.summary else "",
        *[f"- {figure}" for figure in latest.figures],
        f"Run: {latest.run_url}",
    ]
    return textwrap.indent("\n".join(line for line in lines if line), "  ").lstrip()


def show_incidents(instance, last: int) -> int:
    from dataops_platform.observability.alerts.incidents import IncidentBook
    from dataops_platform.observability.alerts.store import load_book
    from dataops_platform.orchestration.sensors.alerts import CHECK_SENSOR, RUN_SENSOR

    incidents = {}
    for name in (CHECK_SENSOR, RUN_SENSOR):
        incidents.update(load_book(instance, name).incidents)
    shown = IncidentBook(incidents).recent(last)
    if not shown:
        print("no incidents")
        return 0
    open_count = sum(i.open for i in incidents.values())
    print(f"{open_count} open incident(s)\n")
    print("\n\n".join(format_incident(i) for i in shown))
    return 0


def show_alerts(args: argparse.Namespace) -> int:
    """`dataops alerts`: open incidents, then the recently resolved ones; `--messages`: the
    latest messages sent (the alerts file), oldest first."""
    if not getattr(args, "messages", False):
        return with_instance(lambda instance: show_incidents(instance, args.last))
    from dataops_platform.observability.alerts.destinations import AlertsFile

    path = Settings.from_env().alerts.alerts_file
    if not path:
        print("dataops: DATAOPS_ALERTS_FILE is empty: alerts are only logged", file=sys.stderr)
        return 2
    records = AlertsFile(Path(path)).last(args.last)
    if not records:
        print(f"no alerts in {path}")
        return 0
    print("\n\n".join(format_alert(r) for r in records))
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def register(commands) -> None:
    alerts = commands.add_parser("alerts", help="show open and recent incidents (or the latest alert messages)")
    alerts.add_argument("--last", type=_positive, default=10, help="how many to show (default 10)")
    alerts.add_argument(
        "--messages", action="store_true", help="the latest messages sent, from DATAOPS_ALERTS_FILE, instead"
    )
    alerts.set_defaults(handler=show_alerts)
