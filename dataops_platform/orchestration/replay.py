"""The replay job: a user picks datasets and dates in the UI, and their silver step runs again,
re-validating the quarantined rows under the current declaration (steps/replay.py)."""

from __future__ import annotations

import dagster as dg

from dataops_platform.steps.replay import REPLAY_TAG

REPLAY_JOB = "replay_quarantine"


def replay_job() -> dg.UnresolvedAssetJobDefinition:
    """Silver and quarantine of every dataset, tagged as a replay; launch it for the datasets and
    partitions to replay (the launchpad's asset and partition selection)."""
    return dg.define_asset_job(
        REPLAY_JOB,
        selection=dg.AssetSelection.groups("silver", "quarantine"),
        tags={REPLAY_TAG: "true"},
        description="Re-validate quarantined rows of the chosen datasets and dates after a fix, and publish "
        "those that now pass (logged in quarantine_replayed/<dataset>).",
    )
