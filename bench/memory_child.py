"""The measured process of the memory scenario: one end-to-end path on existing data, then exit.

`python -m bench.memory_child {platform|baseline} INTAKE WORK` prints the run's seconds as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from bench import baseline, platform_path
from bench.context import Context, Demo

PATHS = {"platform": platform_path.fresh_run, "baseline": baseline.fresh_run}


def main(argv: list[str]) -> int:
    path, intake, work = argv
    warnings.filterwarnings("ignore", message=r".*is currently in beta")
    Path(work).mkdir(parents=True, exist_ok=True)
    ctx = Context(argparse.Namespace(keep_work=False, no_warmup=True, seed=0), Path(work))
    try:
        run = PATHS[path](ctx, Demo.load(Path(intake)))
    finally:
        ctx.close()
    print(json.dumps({"seconds": run.seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
