"""The `dataops` command line: demo data, Databricks packaging, benchmarks, alerts, catalog and report."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from dataops_platform.cli.bench import add_bench_command
from dataops_platform.cli.databricks import add_parser as add_databricks_parser
from dataops_platform.cli.observability import register as register_observability
from dataops_platform.settings import Settings


def _demo_data(args: argparse.Namespace) -> int:
    from dataops_platform import demo_data  # heavy imports only when this command runs

    intake = Path(args.intake or Settings.from_env().intake_root)
    marker = intake / "_demo_manifest.json"
    if marker.exists() and not args.force:
        print(f"demo data already in {intake} (delete it or pass --force to regenerate)")
        return 0
    start = dt.date.fromisoformat(args.start_date) if args.start_date else None
    progress = (lambda msg: print(msg, file=sys.stderr, flush=True)) if not args.quiet else None
    manifest = demo_data.generate(
        intake, rows=args.rows, days=args.days, start_date=start, seed=args.seed,
        defect_scale=args.defect_scale, progress=progress,
    )
    totals = {name: info["rows_written"] for name, info in manifest["datasets"].items()}
    print(f"wrote demo data to {intake}: {json.dumps(totals)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dataops", description="dataops_platform command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo-data", help="write deterministic demo files with realistic defects into intake")
    demo.add_argument("--rows", type=int, default=2_000, help="number of transactions (other datasets scale from it)")
    demo.add_argument("--days", type=int, default=7, help="number of landing days")
    demo.add_argument("--start-date", help="first landing day, YYYY-MM-DD (default: today minus --days)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--defect-scale", type=float, default=1.0, help="multiply every defect rate (e.g. 10)")
    demo.add_argument("--intake", help="intake folder (default: DATAOPS_INTAKE_ROOT or ./data/intake)")
    demo.add_argument("--force", action="store_true", help="regenerate even if demo data exists")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(handler=_demo_data)
    add_databricks_parser(commands)
    add_bench_command(commands)  # source checkouts only: runs bench/ (see bench/README.md)
    register_observability(commands)  # alerts [--last N], catalog export [--out DIR], quality report [--out FILE]
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "rows", 1) < 1 or getattr(args, "days", 1) < 1:
        print("dataops: --rows and --days must be positive", file=sys.stderr)
        return 2
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
