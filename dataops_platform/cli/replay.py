"""`dataops replay DATASET --date D [--to D2] [--why TEXT]`: re-validate quarantined rows and
publish those that now pass, as a run in the Dagster instance (the UI shows it)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from dataops_platform.cli.instance import definitions, with_instance
from dataops_platform.settings import Settings


def _dates(args: argparse.Namespace) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(args.date)
    end = dt.date.fromisoformat(args.to) if args.to else start
    if end < start:
        raise ValueError(f"--to {end} is before --date {start}")
    return start, end


def replay(args: argparse.Namespace) -> int:
    import dagster as dg

    from dataops_platform.orchestration.keys import quarantine_key, silver_key
    from dataops_platform.steps.replay import REPLAY_TAG

    try:
        start, end = _dates(args)
    except ValueError as exc:
        print(f"dataops replay: {exc} (dates are YYYY-MM-DD)", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    defs = definitions(settings)
    keys = [silver_key(args.dataset), quarantine_key(args.dataset)]
    graph = defs.resolve_asset_graph()
    if not graph.has(keys[0]):
        print(f"dataops replay: no dataset {args.dataset!r}", file=sys.stderr)
        return 2
    tags = {
        REPLAY_TAG: args.why,
        "dagster/asset_partition_range_start": start.isoformat(),
        "dagster/asset_partition_range_end": end.isoformat(),
    }

    def run(instance) -> int:
        assets = [a for a in defs.assets if isinstance(a, dg.AssetsDefinition)]
        result = dg.materialize(
            assets, selection=keys, resources=defs.resources, instance=instance, tags=tags, raise_on_error=False
        )
        for event in result.get_asset_materialization_events():
            figures = event.materialization.metadata
            if event.asset_key == keys[0] and "replayed_rows" in figures:
                print(
                    f"{args.dataset} {start}..{end}: {figures['replayed_rows'].value} of "
                    f"{figures['quarantined_before_replay'].value} quarantined row(s) now pass and left quarantine"
                )
                break
        if not result.success:
            failure = next((e for e in result.all_events if e.is_step_failure), None)
            error = failure.event_specific_data.error.message if failure else "see the run in the UI"
            print(f"dataops replay: run {result.run_id} failed: {error}", file=sys.stderr)
            return 1
        print(f"run {result.run_id}: done (the replay log is quarantine_replayed/{args.dataset})")
        return 0

    return with_instance(run)


def register(commands) -> None:
    parser = commands.add_parser("replay", help="re-validate a dataset's quarantined rows after a fix")
    parser.add_argument("dataset", help="dataset name, e.g. transactions")
    parser.add_argument("--date", required=True, help="first ingestion date (partition) to replay, YYYY-MM-DD")
    parser.add_argument("--to", help="last ingestion date (default: --date)")
    parser.add_argument("--why", default="replay requested", help="what was fixed, recorded in the replay log")
    parser.set_defaults(handler=replay)
