"""The job entrypoint: `python -m dataops_platform.job.entrypoint` (local Pipes), or this
file as a Databricks `spark_python_task` (uploaded beside the wheel by `dataops databricks
deploy`).

  --wheel PATH       unpack this project wheel and import the package from it (on Databricks:
                     the runtime keeps its own PySpark; the package's few runtime libraries are
                     the task's libraries / serverless environment)
  --pipes-io KIND    env (default) | dbfs | volumes: where Pipes context and messages live

Only the standard library is imported here, before the package is importable.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile

FUSE_ROOT_ENV = "DATAOPS_FUSE_ROOT"  # as in job/paths.py (not importable yet: the wheel is not unpacked)


def _wheel_file(wheel: str) -> str:
    """The wheel as a driver file: dbfs:/x at /dbfs/x, /Volumes and /Workspace as they are."""
    path = "/dbfs/" + wheel[len("dbfs:/") :] if wheel.startswith("dbfs:/") else wheel
    return os.environ.get(FUSE_ROOT_ENV, "").rstrip("/") + path


def _import_from_wheel(wheel: str) -> None:
    path = _wheel_file(wheel)
    target = tempfile.mkdtemp(prefix="dataops_wheel_")
    with zipfile.ZipFile(path) as archive:
        archive.extractall(target)
    sys.path.insert(0, target)
    for name in [m for m in sys.modules if m == "dataops_platform" or m.startswith("dataops_platform.")]:
        del sys.modules[name]  # `python -m` imported the installed copy's package: use the wheel's


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dataops-entrypoint", description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", help="project wheel to import the package from")
    parser.add_argument("--pipes-io", default="env", choices=("env", "dbfs", "volumes"))
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)  # Pipes reads its own arguments
    if args.wheel:
        _import_from_wheel(args.wheel)
    from dataops_platform.job.run import run

    return run(args.pipes_io)


if __name__ == "__main__":
    sys.exit(main())
