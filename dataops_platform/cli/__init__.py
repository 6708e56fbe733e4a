"""The `dataops` command line: one module per command group.

demo-data            demo.py         demo files with realistic defects into intake
databricks ...       databricks.py   package and deploy the project for Databricks jobs
bench ...            bench.py        the checkout's benchmarks (bench/)
alerts               alerts.py       open and recent incidents, the latest alert messages
catalog export       catalog.py      catalog.json and catalog.md
quality report       quality.py      the data-quality report (HTML)
replay               replay.py       re-validate quarantined rows after a fix, publish what passes
profile              profile.py      propose a declaration and contract from samples; --suggest thresholds
"""

from __future__ import annotations

import argparse
import sys

from dataops_platform.cli import alerts, catalog, ci, contracts, demo, profile, quality, replay
from dataops_platform.cli.bench import add_bench_command
from dataops_platform.cli.databricks import add_parser as add_databricks_parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dataops", description="dataops_platform command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo.register(commands)
    add_databricks_parser(commands)
    add_bench_command(commands)  # source checkouts only: runs bench/ (see bench/README.md)
    alerts.register(commands)
    catalog.register(commands)
    quality.register(commands)
    replay.register(commands)
    contracts.register(commands)
    ci.register(commands)
    profile.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
