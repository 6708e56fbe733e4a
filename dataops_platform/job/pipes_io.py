"""How the job process talks to Dagster: which Pipes loaders and writer, by where it runs.

- `env` (PipesSubprocessClient): params in environment variables, context and messages in
  local temp files (dagster_pipes defaults);
- `dbfs` (PipesDatabricksClient): context and message chunks on DBFS, read through the
  driver's FUSE mount;
- `volumes` (PipesDatabricksServerlessClient): the same on a Unity Catalog volume.

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

PIPES_IO = ("env", "dbfs", "volumes")
# Where DBFS is mounted on the driver. Databricks mounts it at /dbfs; a stand-in workspace in
# tests points it at a local folder.
DBFS_FUSE_ROOT_ENV = "DATAOPS_DBFS_FUSE_ROOT"


def on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def _fuse_path(dbfs_path: str) -> str:
    root = os.environ.get(DBFS_FUSE_ROOT_ENV, "/dbfs")
    return os.path.join(root, dbfs_path.removeprefix("dbfs:").lstrip("/"))


class DbfsContextLoader(PipesDefaultContextLoader):
    """The context JSON that PipesDbfsContextInjector wrote, read through the FUSE mount."""

    def load_context(self, params):
        return super().load_context({self.FILE_PATH_KEY: _fuse_path(params["path"])})


class DbfsMessageWriter(PipesDbfsMessageWriter):
    """Message chunks for PipesDbfsMessageReader, written through the FUSE mount."""

    def make_channel(self, params) -> PipesBufferedFilesystemMessageWriterChannel:
        return PipesBufferedFilesystemMessageWriterChannel(path=_fuse_path(params["path"]), interval=self.interval)

    def get_opened_extras(self):
        # cluster log location, read from Databricks' Spark conf (only there)
        return super().get_opened_extras() if on_databricks() else {}


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
        io.update(
            context_loader=PipesUnityCatalogVolumesContextLoader(),
            message_writer=PipesUnityCatalogVolumesMessageWriter(),
        )
    return io
