"""What every scenario shares: options, a work folder, generated data, settings, one SparkSession."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dataops_platform import demo_data
from dataops_platform.settings import Settings

FIRST_DAY = dt.date(2026, 1, 1)  # fixed, so data is identical across days, unless the clock is earlier
WARM_UP_ROWS = 2_000
# The same for the platform's resource and the baselines: one JVM, no console progress bars.
SPARK_EXTRA = {"spark.ui.showConsoleProgress": "false"}


def first_day(days: int) -> dt.date:
    """The first landing day of generated data: every day must be an existing daily partition."""
    latest_start = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=days + 1)
    return min(FIRST_DAY, latest_start)


@dataclass(frozen=True)
class Demo:
    """Generated intake data: where it is, what was written, which landing days."""

    intake: Path
    manifest: dict
    days: list[dt.date]

    @property
    def transactions(self) -> int:
        return self.manifest["parameters"]["rows"]

    @property
    def rows_written(self) -> int:
        return sum(d["rows_written"] for d in self.manifest["datasets"].values())

    @classmethod
    def load(cls, intake: Path) -> Demo:
        """Data generated earlier (by another process), from its manifest."""
        manifest = json.loads((intake / demo_data.MANIFEST_NAME).read_text(encoding="utf-8"))
        start, days = dt.date.fromisoformat(manifest["parameters"]["start_date"]), manifest["parameters"]["days"]
        return cls(intake, manifest, [start + dt.timedelta(days=i) for i in range(days)])

    def expected_silver_rows(self) -> dict[str, int]:
        return {name: d["expected"]["silver_rows"] for name, d in self.manifest["datasets"].items()}


def bench_settings(intake: Path | str, lake: Path | str, start: dt.date) -> Settings:
    """The platform's default local settings, pointed at benchmark folders."""
    return Settings(
        intake_root=str(intake),
        lake_root=str(lake),
        partitions_start=start.isoformat(),
        extra_spark_config=dict(SPARK_EXTRA),
    )


def spark_session(settings: Settings):
    """The process's SparkSession, created with the platform's own config (getOrCreate, like the
    platform's LazyPySparkResource, which then reuses it)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = SparkSession.builder.config(map=settings.spark_config()).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def last_spark_job(session) -> int:
    """Id of the session's latest Spark job, in any job group (the platform's steps run theirs
    under one group each); ids are sequential, so a difference counts jobs."""
    return int(session.sparkContext._jsc.sc().dagScheduler().nextJobId()) - 1


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Context:
    """Options plus the shared state of one benchmark process."""

    args: argparse.Namespace
    work: Path
    owned: bool = True  # the work folder was created for this run (else only what we wrote is removed)
    _demos: dict = field(default_factory=dict)
    _warm: bool = False

    @classmethod
    def create(cls, args: argparse.Namespace) -> Context:
        if not args.work_dir:
            return cls(args, Path(tempfile.mkdtemp(prefix="dataops-bench-")))
        root = Path(args.work_dir)
        root.mkdir(parents=True, exist_ok=True)
        return cls(args, root, owned=False)

    def close(self) -> None:
        """Removes generated data (and the work folder if this run created it), unless --keep-work."""
        if self.args.keep_work:
            return
        for folder in [self.work] if self.owned else [demo.intake for demo in self._demos.values()]:
            shutil.rmtree(folder, ignore_errors=True)

    def demo(self, rows: int, days: int) -> Demo:
        """Generated data for (rows, days), written once per process."""
        if (rows, days) not in self._demos:
            start = first_day(days)
            intake = self.work / "data" / f"rows{rows}_days{days}"
            log(f"generating {rows:,} transactions over {days} days into {intake}")
            manifest = demo_data.generate(intake, rows=rows, days=days, start_date=start, seed=self.args.seed)
            self._demos[rows, days] = Demo(intake, manifest, [start + dt.timedelta(days=i) for i in range(days)])
        return self._demos[rows, days]

    @contextmanager
    def scratch(self, name: str):
        """A fresh folder, removed afterwards (unless --keep-work)."""
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work))
        try:
            yield folder
        finally:
            if not self.args.keep_work:
                shutil.rmtree(folder, ignore_errors=True)

    def settings(self, demo: Demo, lake: Path) -> Settings:
        return bench_settings(demo.intake, lake, demo.days[0])

    def spark(self):
        return spark_session(bench_settings("unused", "unused", FIRST_DAY))
