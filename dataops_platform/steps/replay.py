"""Replay: re-validate a dataset's quarantined rows after its contract, dialect or cleansing rules
(or a tolerance) were fixed, and publish those that now pass.

Bronze keeps every file, so a replay is the silver step of the chosen ingestion dates run again
under the current declaration: every quarantined row is validated again, the rows that now pass
are merged (the rows silver already holds are re-sends and change nothing), and the dates'
quarantine is rewritten with the rows that still fail. The accuracy check stays exact, as in any
silver run. Rows that left quarantine are appended to the dataset's replay log
(`quarantine_replayed/<dataset>`) with their former reasons, when, and why.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from dataops_platform.declarations import DatasetDeclaration
from dataops_platform.steps import runner
from dataops_platform.storage.tables import Tables

REPLAY_TAG = "dataops/replay"  # a run with this tag replays the quarantine of its partitions
IDENTITY = "_quarantine_row"


@dataclass(frozen=True)
class ReplayFigures:
    quarantined_before: int
    replayed: int  # rows that left quarantine: published, or counted as re-sends of rows silver holds
    still_quarantined: int


def _quarantined(spark: SparkSession, tables: Tables, uri: str, days: list[dt.date]) -> DataFrame | None:
    if not tables.exists(uri):
        return None
    rows = tables.read(spark, uri).filter(F.col("_ingestion_date").isin(*days))
    content = [c for c in rows.columns if c not in ("_reasons", "_failed_rules")]
    return rows.withColumn(IDENTITY, F.sha2(F.to_json(F.struct(*content)), 256))


def silver_or_replay(
    spark: SparkSession,
    lake: runner.Lake,
    declaration: DatasetDeclaration,
    days: list[dt.date],
    history: list[dict[str, float]],
    log: runner.Log,
    why: str | None = None,
) -> runner.StepResult:
    """The silver step of `days`; for a replay (`why`: who asked and what changed, as the log
    records it), with the rows that left quarantine logged."""
    if not why:
        return runner.run_silver(spark, lake, declaration, days, history, log)
    name = declaration.name
    quarantine_uri, log_uri = lake.quarantine_uri(name), lake.replayed_uri(name)
    before = _quarantined(spark, lake.tables, quarantine_uri, days)
    snapshot = spark.createDataFrame(before.toArrow()) if before is not None else None  # the run rewrites it
    result = runner.run_silver(spark, lake, declaration, days, history, log)
    after = _quarantined(spark, lake.tables, quarantine_uri, days)
    if snapshot is None:
        figures = ReplayFigures(0, 0, after.count() if after is not None else 0)
    else:
        left = snapshot.join(after.select(IDENTITY), IDENTITY, "left_anti") if after is not None else snapshot
        replay_id = uuid.uuid4().hex
        left = left.drop(IDENTITY).select(
            "*",
            F.lit(replay_id).alias("_replay_id"),
            F.lit(dt.datetime.now(dt.timezone.utc)).alias("_replayed_at"),
            F.lit(why).alias("_replay_note"),
        )
        replayed = left.count()
        if replayed:  # appended: the predicate matches only this replay's rows
            lake.tables.replace_where(log_uri, left, f"_replay_id = '{replay_id}'", [])
        figures = ReplayFigures(snapshot.count(), replayed, after.count() if after is not None else 0)
    log.info(
        f"{name} replay of {', '.join(d.isoformat() for d in days)}: {figures.replayed} of "
        f"{figures.quarantined_before} quarantined row(s) now pass; {figures.still_quarantined} still quarantined"
    )
    for materialization in result.materializations:
        materialization.metadata.update(
            replayed_rows=figures.replayed, quarantined_before_replay=figures.quarantined_before
        )
    return result
