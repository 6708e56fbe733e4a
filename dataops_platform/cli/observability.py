"""The observability commands of `dataops`: `alerts`, `catalog export` and `quality report`.

`register(commands)` adds them to the CLI's subparsers; each handler takes the parsed
arguments and returns an exit code. They read the Dagster instance (DAGSTER_HOME, else
./.dagster_home as `scripts/run.sh` sets it up) and the definitions of the current settings.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from dataops_platform.settings import Settings


def open_instance():
    """The Dagster instance of DAGSTER_HOME (or ./.dagster_home when DAGSTER_HOME is unset)."""
    import dagster as dg

    local = Path(".dagster_home")
    if not os.environ.get("DAGSTER_HOME") and local.is_dir():
        return dg.DagsterInstance.from_config(str(local.resolve()))
    return dg.DagsterInstance.get()


def _definitions(settings: Settings):
    from dataops_platform.definitions import build_definitions

    return build_definitions(settings)


def _with_instance(action):
    """Run `action(instance)`; a missing DAGSTER_HOME is a clear message and exit code 2."""
    from dagster._core.errors import DagsterHomeNotSetError

    try:
        instance = open_instance()
    except DagsterHomeNotSetError:
        print("dataops: DAGSTER_HOME is not set (scripts/run.sh uses <repo>/.dagster_home)", file=sys.stderr)
        return 2
    with instance:
        return action(instance)


def catalog_export(args: argparse.Namespace) -> int:
    """`dataops catalog export [--out DIR]`: catalog.json and catalog.md."""
    from dataops_platform.observability.catalog.export import export_catalog

    settings = Settings.from_env()
    out = Path(args.out) if args.out else settings.output_dir / "catalog"

    def export(instance) -> int:
        for path in export_catalog(out, _definitions(settings), instance):
            print(f"wrote {path}")
        return 0

    return _with_instance(export)


def quality_report(args: argparse.Namespace) -> int:
    """`dataops quality report [--out FILE]`: one self-contained HTML page."""
    from dataops_platform.observability.report.html import write_report

    settings = Settings.from_env()
    out = Path(args.out) if args.out else settings.report_path

    def report(instance) -> int:
        figures = write_report(out, _definitions(settings).resolve_asset_graph(), instance, settings.alerts.ui_url)
        failing = sum(len(t.failing) for t in figures.tables)
        print(f"wrote {out} ({len(figures.tables)} tables, {failing} failing check(s))")
        return 0

    return _with_instance(report)


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
    """Add `alerts`, `catalog export` and `quality report` to the `dataops` subparsers."""
    alerts = commands.add_parser("alerts", help="show the latest alerts (from DATAOPS_ALERTS_FILE)")
    alerts.add_argument("--last", type=_positive, default=10, help="how many alerts to show (default 10)")
    alerts.set_defaults(handler=show_alerts)

    catalog = commands.add_parser("catalog", help="the data catalog")
    catalog = catalog.add_subparsers(dest="catalog_command", required=True, metavar="{export}")
    export = catalog.add_parser("export", help="write catalog.json and catalog.md (definitions + instance)")
    export.add_argument("--out", help="output folder (default: data/catalog next to the lake)")
    export.set_defaults(handler=catalog_export)

    quality = commands.add_parser("quality", help="data quality")
    quality = quality.add_subparsers(dest="quality_command", required=True, metavar="{report}")
    report = quality.add_parser("report", help="write the data-quality report (one HTML file)")
    report.add_argument("--out", help="output file (default: data/reports/quality_report.html next to the lake)")
    report.set_defaults(handler=quality_report)
