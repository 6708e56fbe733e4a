"""Drive Dagster's own daemons in-process, one iteration at a time, on a real instance.

The sensor daemon evaluates the intake and alert sensors, the asset daemon the `automation`
sensor, and the queued-run coordinator dequeues runs within the instance's limits: their ticks,
runs and events land in the instance's storage as in a deployment. Two test substitutions: the
code location is loaded in this process (not a gRPC server) and runs are launched by
SyncInMemoryRunLauncher (executed in this process, on the test session's SparkSession).
Sensor ticks are stamped with an advancing clock so minimum intervals never make a test wait.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import dagster as dg
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.asset_daemon import AssetDaemon
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon
from dagster._daemon.sensor import execute_sensor_iteration

REPO = Path(__file__).resolve().parents[2]
IN_MEMORY_LAUNCHER = {
    "module": "dagster._core.launcher.sync_in_memory_run_launcher",
    "class": "SyncInMemoryRunLauncher",
}
LOG = logging.getLogger("dataops_platform_tests.daemons")


@dataclass
class Daemons:
    """One iteration of each daemon on demand; `clock` is the (advancing) tick time."""

    context: WorkspaceProcessContext
    clock: float
    step_seconds: float = 120.0

    @property
    def instance(self) -> dg.DagsterInstance:
        return self.context.instance

    @contextmanager
    def _tick_time(self) -> Iterator[None]:
        self.clock = max(self.clock + self.step_seconds, time.time())
        with freeze_time(self.clock):
            yield

    def sensors(self) -> None:
        """Every running sensor except the automation sensor (intake, alerts)."""
        with self._tick_time():
            list(execute_sensor_iteration(self.context, LOG, None, None))

    def automation(self) -> None:
        """The `automation` sensor: evaluates the automation conditions and submits runs."""
        daemon = AssetDaemon(settings=self.instance.get_auto_materialize_settings(), pre_sensor_interval_seconds=0)
        with self._tick_time():
            daemon._run_iteration_impl(
                self.context, threadpool_executor=None, amp_tick_futures={}, debug_crash_flags={}
            )

    def dequeue(self) -> None:
        """Launch queued runs (each executes to the end before this returns)."""
        list(QueuedRunCoordinatorDaemon(interval_seconds=1).run_iteration(self.context))


@contextmanager
def daemons(instance: dg.DagsterInstance, module: str = "dataops_platform.definitions") -> Iterator[Daemons]:
    """The platform's code location (built from the environment) loaded in this process."""
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(executable_path=sys.executable, module_name=module, working_directory=str(REPO)),
        location_name="dataops_platform",
    )
    with WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget(origin)) as context:
        yield Daemons(context, clock=time.time())
