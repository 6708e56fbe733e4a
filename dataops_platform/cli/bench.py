"""`dataops bench ...`: the benchmarks of the checkout's top-level bench/ folder.

bench/ is not part of the installed package (it measures the platform, it is not the
platform), so this command only works from a source checkout. Every argument after `bench`
goes unchanged to `python -m bench`, run as a child process in the checkout
(`dataops bench --help` lists them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]  # dataops_platform/cli/bench.py -> the checkout root


def _bench(args: argparse.Namespace) -> int:
    if not (CHECKOUT / "bench" / "run.py").is_file():
        print(
            f"dataops bench: no bench/ folder next to the package in {CHECKOUT} (needs a source checkout)",
            file=sys.stderr,
        )
        return 2
    # a child `python -m bench` run from the checkout: bench/ is importable there, sys.path untouched
    return subprocess.run([sys.executable, "-m", "bench", *args.bench_args], cwd=CHECKOUT).returncode


def add_bench_command(commands) -> None:
    """Registers `bench` on the `dataops` sub-command parsers."""
    # "+" prefix: every "--option" after `bench` is left for bench's own parser
    bench = commands.add_parser(
        "bench", add_help=False, prefix_chars="+", help="benchmarks against baselines (see bench/README.md)"
    )
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)
    bench.set_defaults(handler=_bench)
