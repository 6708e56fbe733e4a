"""The Dagster instance the observability commands read, and the definitions they describe."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dataops_platform.settings import Settings


def open_instance():
    """The Dagster instance of DAGSTER_HOME (or ./.dagster_home when DAGSTER_HOME is unset)."""
    import dagster as dg

    local = Path(".dagster_home")
    if not os.environ.get("DAGSTER_HOME") and local.is_dir():
        return dg.DagsterInstance.from_config(str(local.resolve()))
    return dg.DagsterInstance.get()


def definitions(settings: Settings):
    from dataops_platform.definitions import build_definitions

    return build_definitions(settings)


def with_instance(action) -> int:
    """Run `action(instance)`; a missing DAGSTER_HOME is a clear message and exit code 2."""
    from dagster._core.errors import DagsterHomeNotSetError

    try:
        instance = open_instance()
    except DagsterHomeNotSetError:
        print("dataops: DAGSTER_HOME is not set (scripts/run.sh uses <repo>/.dagster_home)", file=sys.stderr)
        return 2
    with instance:
        return action(instance)
