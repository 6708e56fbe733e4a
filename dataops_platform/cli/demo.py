"""`dataops demo-data`: deterministic demo files with realistic defects, written into intake."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from dataops_platform.settings import Settings


def demo_data(args: argparse.Namespace) -> int:
    from dataops_platform import demo_data as generator  # heavy imports only when this command runs

    if args.rows < 1 or args.days < 1:
        print("dataops: --rows and --days must be positive", file=sys.stderr)
        return 2
    intake = Path(args.intake or Settings.from_env().intake_root)
    marker = intake / generator.MANIFEST_NAME
    if marker.exists() and not args.force:
        print(f"demo data already in {intake} (delete it or pass --force to regenerate)")
        return 0
    start = dt.date.fromisoformat(args.start_date) if args.start_date else None
    progress = (lambda msg: print(msg, file=sys.stderr, flush=True)) if not args.quiet else None
    manifest = generator.generate(
        intake,
        rows=args.rows,
        days=args.days,
        start_date=start,
        seed=args.seed,
        defect_scale=args.defect_scale,
        progress=progress,
    )
    totals = {name: info["rows_written"] for name, info in manifest["datasets"].items()}
    print(f"wrote demo data to {intake}: {json.dumps(totals)}")
    return 0


def register(commands) -> None:
    demo = commands.add_parser("demo-data", help="write deterministic demo files with realistic defects into intake")
    demo.add_argument("--rows", type=int, default=2_000, help="number of transactions (other datasets scale from it)")
    demo.add_argument("--days", type=int, default=7, help="number of landing days")
    demo.add_argument("--start-date", help="first landing day, YYYY-MM-DD (default: today minus --days)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--defect-scale", type=float, default=1.0, help="multiply every defect rate (e.g. 10)")
    demo.add_argument("--intake", help="intake folder (default: DATAOPS_INTAKE_ROOT or ./data/intake)")
    demo.add_argument("--force", action="store_true", help="regenerate even if demo data exists")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(handler=demo_data)
