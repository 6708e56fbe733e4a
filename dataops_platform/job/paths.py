"""Workspace paths as files on the Databricks driver, through its FUSE mounts.

Databricks mounts DBFS at /dbfs and shows Unity Catalog volumes and workspace files at
/Volumes and /Workspace. DATAOPS_FUSE_ROOT names the folder those mounts are under: unset (/)
on Databricks; the tests' recording workspace points it at a local folder. Standard library only.
"""

from __future__ import annotations

import os

FUSE_ROOT_ENV = "DATAOPS_FUSE_ROOT"
FUSE_MOUNTS = ("/dbfs/", "/Volumes/", "/Workspace/")


def driver_path(path: str, dbfs: bool = False) -> str:
    """A workspace path (dbfs:/x, or /x when `dbfs`; /Volumes/...; /Workspace/...) as a driver file path."""
    if dbfs or path.startswith("dbfs:"):
        path = "/dbfs/" + path.removeprefix("dbfs:").lstrip("/")
    root = os.environ.get(FUSE_ROOT_ENV, "").rstrip("/")
    return root + path if root and path.startswith(FUSE_MOUNTS) else path
