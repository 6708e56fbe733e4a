"""Shared fixtures: one SparkSession for the whole test session, temporary lakes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def spark():
    """The test session's SparkSession, configured like the platform's local engine."""
    from pyspark.sql import SparkSession

    from dataops_platform.settings import Settings

    settings = Settings(
        intake_root="unused",
        lake_root="unused",
        spark_master="local[2]",
        spark_driver_memory="2g",
        spark_shuffle_partitions=4,
    )
    builder = SparkSession.builder
    for key, value in settings.spark_config().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def lake_dirs(tmp_path: Path) -> tuple[Path, Path]:
    """(intake_root, lake_root) in a temporary folder."""
    intake, lake = tmp_path / "intake", tmp_path / "lake"
    intake.mkdir()
    lake.mkdir()
    return intake, lake


from dataops_platform_tests.support.s3_server import moto_endpoint, s3  # noqa: E402,F401  (S3/SQS fixtures)
