"""`dataops alerts [--last N]`: the latest alerts of the alerts file, oldest first."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from dataops_platform.settings import Settings


def format_alert(record: dict) -> str:
    """One alert from the alerts file, as a few readable lines."""
    from dataops_platform.observability.alerts.alert import Alert

    fields = {k: v for k, v in record.items() if k in Alert.__dataclass_fields__}
    alert = Alert(**fields)
    deliveries = ", ".join(f"{k}: {v}" for k, v in sorted(record.get("deliveries", {}).items()))
    body = alert.text() + (f"\nDelivered: {deliveries}" if deliveries else "")
    return textwrap.indent(body, "  ").lstrip()


def show_alerts(args: argparse.Namespace) -> int:
    """`dataops alerts [--last N]`: the latest alerts, oldest first."""
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
    alerts = commands.add_parser("alerts", help="show the latest alerts (from DATAOPS_ALERTS_FILE)")
    alerts.add_argument("--last", type=_positive, default=10, help="how many alerts to show (default 10)")
    alerts.set_defaults(handler=show_alerts)
