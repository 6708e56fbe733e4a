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
    settings = Settings.from_env()
    intake = Path(args.intake or settings.intake_root)
    domains = _domains(args.domains, settings.domains, generator.DOMAINS)
    if isinstance(domains, str):
        print(f"dataops: {domains}", file=sys.stderr)
        return 2
    marker = intake / generator.MANIFEST_NAME
    if marker.exists() and not args.force:
        missing = tuple(d for d in domains if d not in generator.domains_in(json.loads(marker.read_text())))
        if not missing:
            print(f"demo data already in {intake} (delete it or pass --force to regenerate)")
            return 0
        manifest = generator.add_domains(intake, missing)
        print(f"added {', '.join(missing)} to the demo data in {intake}, with its parameters")
    else:
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
            domains=domains,
        )
    totals = {name: info["rows_written"] for name, info in manifest["datasets"].items()}
    print(f"wrote demo data to {intake}: {json.dumps(totals)}")
    return 0


def _domains(flag: str | None, enabled: tuple[str, ...] | None, known: tuple[str, ...]) -> tuple[str, ...] | str:
    """The domains to write: --domains, else those of DATAOPS_DOMAINS the generator knows (unset:
    customer360); a message when there are none."""
    if flag is not None:
        listed = tuple(d.strip() for d in flag.split(",") if d.strip())
        unknown = [d for d in listed if d not in known and d != "*"]
        if unknown or not listed:
            return f"--domains must list some of {', '.join(known)} (or *), got {flag!r}"
    else:
        listed = enabled or known[:1]
    domains = known if "*" in listed else tuple(d for d in known if d in listed)
    return domains or f"DATAOPS_DOMAINS={','.join(listed)} names no domain with demo data ({', '.join(known)})"


def register(commands) -> None:
    demo = commands.add_parser("demo-data", help="write deterministic demo files with realistic defects into intake")
    demo.add_argument("--rows", type=int, default=2_000, help="number of transactions (other datasets scale from it)")
    demo.add_argument("--days", type=int, default=7, help="number of landing days")
    demo.add_argument("--start-date", help="first landing day, YYYY-MM-DD (default: today minus --days)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--defect-scale", type=float, default=1.0, help="multiply every defect rate (e.g. 10)")
    demo.add_argument(
        "--domains",
        help="comma list of domains to write: customer360, personal_analytics, * (default: those of DATAOPS_DOMAINS, "
        "else customer360); demo data that lacks one gets it added with its own parameters",
    )
    demo.add_argument("--intake", help="intake folder (default: DATAOPS_INTAKE_ROOT or ./data/intake)")
    demo.add_argument("--force", action="store_true", help="regenerate even if demo data exists")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(handler=demo_data)
