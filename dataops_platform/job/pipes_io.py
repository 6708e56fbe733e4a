"""How the job process talks to Dagster: which Pipes loaders and writer, by where it runs.

- `env` (PipesSubprocessClient): params in environment variables, context and messages in
  local temp files (dagster_pipes defaults);
- `dbfs` (PipesDatabricksClient): context and message chunks on DBFS, read through the
  driver's FUSE mount;
- `volumes` (PipesDatabricksServerlessClient): the same on a Unity Catalog volume, read and
  written through the driver's /Volumes mount.

Bootstrap params come as CLI arguments when the client passes them so (existing cluster,
serverless), else as environment variables (new cluster, subprocess).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from dagster_pipes import (
    DAGSTER_PIPES_CONTEXT_CLI_ARGUMENT,
    PipesBufferedFilesystemMessageWriterChannel,
    PipesCliArgsParamsLoader,
    PipesDbfsMessageWriter,
    PipesDefaultContextLoader,
    PipesEnvVarParamsLoader,
    PipesUnityCatalogVolumesContextLoader,
    PipesUnityCatalogVolumesMessageWriter,
)

from dataops_platform.job.paths import driver_path

PIPES_IO = ("env", "dbfs", "volumes")


def on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


class DbfsContextLoader(PipesDefaultContextLoader):
    """The context JSON that PipesDbfsContextInjector wrote, read through the FUSE mount."""

    def load_context(self, params):
        return super().load_context({self.FILE_PATH_KEY: driver_path(params["path"], dbfs=True)})


class DbfsMessageWriter(PipesDbfsMessageWriter):
    """Message chunks for PipesDbfsMessageReader, written through the FUSE mount."""

    def make_channel(self, params) -> PipesBufferedFilesystemMessageWriterChannel:
        path = driver_path(params["path"], dbfs=True)
        return PipesBufferedFilesystemMessageWriterChannel(path=path, interval=self.interval)

    def get_opened_extras(self):
        # cluster log location, read from Databricks' Spark conf (only there)
        return super().get_opened_extras() if on_databricks() else {}


class VolumesContextLoader(PipesUnityCatalogVolumesContextLoader):
    """The context JSON that PipesUnityCatalogVolumesContextInjector wrote, through /Volumes."""

    def load_context(self, params):
        return super().load_context({**params, "path": driver_path(params["path"])})


class VolumesMessageWriter(PipesUnityCatalogVolumesMessageWriter):
    """Message chunks for PipesUnityCatalogVolumesMessageReader, written through /Volumes."""

    def make_channel(self, params) -> PipesBufferedFilesystemMessageWriterChannel:
        return super().make_channel({**params, "path": driver_path(params["path"])})


def pipes_io(kind: str, argv: list[str] | None = None) -> dict[str, Any]:
    """Keyword arguments of open_dagster_pipes for this process."""
    if kind not in PIPES_IO:
        raise ValueError(f"--pipes-io must be one of {PIPES_IO}, got {kind!r}")
    argv = sys.argv if argv is None else argv
    cli = DAGSTER_PIPES_CONTEXT_CLI_ARGUMENT in argv
    io: dict[str, Any] = {"params_loader": PipesCliArgsParamsLoader() if cli else PipesEnvVarParamsLoader()}
    if kind == "dbfs":
        io.update(context_loader=DbfsContextLoader(), message_writer=DbfsMessageWriter())
    elif kind == "volumes":
        io.update(context_loader=VolumesContextLoader(), message_writer=VolumesMessageWriter())
    return io
