"""What a step cost, from figures Spark keeps anyway: executor task time and bytes read.

The step's Spark jobs run under one job group; afterwards the driver's status store gives each of
their stages' executor run time and input bytes (no UI, no listener, no extra job). Where the
session has no JVM driver to ask (Spark Connect, Databricks serverless), nothing is reported.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from pyspark.sql import SparkSession


def _stage_figures(context, group: str) -> dict[str, float]:
    tracker, store = context.statusTracker(), context._jsc.sc().statusStore()
    jobs = tracker.getJobIdsForGroup(group)
    stages = {s for job in jobs if (info := tracker.getJobInfo(job)) for s in info.stageIds}
    run_ms = read = 0
    for stage in stages:
        try:
            attempt = store.lastStageAttempt(stage)
        except Exception:  # a stage that never ran (skipped: its output was reused)
            continue
        run_ms += attempt.executorRunTime()
        read += attempt.inputBytes()
    return {"spark_jobs": len(jobs), "spark_task_seconds": round(run_ms / 1000, 3), "spark_input_bytes": read}


@contextmanager
def spark_costs(spark: SparkSession) -> Iterator[dict[str, float]]:
    """Yields a dict that holds, once the block ends, the Spark cost of the jobs run inside it."""
    figures: dict[str, float] = {}
    try:
        context = spark.sparkContext
        context._jsc  # noqa: B018 - only a classic session has a JVM driver to ask
    except Exception:
        yield figures
        return
    group = f"dataops-{uuid.uuid4().hex}"
    context.setJobGroup(group, "dataops step", interruptOnCancel=False)
    try:
        yield figures
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
        context.setLocalProperty("spark.job.description", None)
        try:
            figures.update(_stage_figures(context, group))
        except Exception:  # figures are a report, never a reason to fail the step
            pass
