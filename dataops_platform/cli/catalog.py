"""`dataops catalog export [--out DIR]`: catalog.json and catalog.md from the definitions and the instance."""

from __future__ import annotations

import argparse
from pathlib import Path

from dataops_platform.cli.instance import definitions, with_instance
from dataops_platform.settings import Settings


def catalog_export(args: argparse.Namespace) -> int:
    """`dataops catalog export [--out DIR]`: catalog.json and catalog.md."""
    from dataops_platform.observability.catalog.export import export_catalog

    settings = Settings.from_env()
    out = Path(args.out) if args.out else settings.output_dir / "catalog"

    def export(instance) -> int:
        for path in export_catalog(out, definitions(settings), instance):
            print(f"wrote {path}")
        return 0

    return with_instance(export)


def register(commands) -> None:
    catalog = commands.add_parser("catalog", help="the data catalog")
    catalog = catalog.add_subparsers(dest="catalog_command", required=True, metavar="{export}")
    export = catalog.add_parser("export", help="write catalog.json and catalog.md (definitions + instance)")
    export.add_argument("--out", help="output folder (default: data/catalog next to the lake)")
    export.set_defaults(handler=catalog_export)
