"""`dataops quality report [--out FILE]`: the data-quality report as one self-contained HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path

from dataops_platform.cli.instance import definitions, with_instance
from dataops_platform.settings import Settings


def quality_report(args: argparse.Namespace) -> int:
    """`dataops quality report [--out FILE]`: one self-contained HTML page."""
    from dataops_platform.observability.report.html import write_report

    settings = Settings.from_env()
    out = Path(args.out) if args.out else settings.report_path

    def report(instance) -> int:
        figures = write_report(out, definitions(settings).resolve_asset_graph(), instance, settings.alerts.ui_url)
        failing = sum(len(t.failing) for t in figures.tables)
        print(f"wrote {out} ({len(figures.tables)} tables, {failing} failing check(s))")
        return 0

    return with_instance(report)


def register(commands) -> None:
    quality = commands.add_parser("quality", help="data quality")
    quality = quality.add_subparsers(dest="quality_command", required=True, metavar="{report}")
    report = quality.add_parser("report", help="write the data-quality report (one HTML file)")
    report.add_argument("--out", help="output file (default: data/reports/quality_report.html next to the lake)")
    report.set_defaults(handler=quality_report)
