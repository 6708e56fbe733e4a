"""Delta table maintenance with delta-rs: compact small files (or z-order), VACUUM within the
declared time-travel window, checkpoint the log; each pass reports files and bytes before and
after. The retention rules are those of `maintenance.MaintenanceSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
from deltalake import DeltaTable

from dataops_platform.storage.delta import StorageOptions, table_exists, with_commit_retries
from dataops_platform.storage.maintenance import (
    DEFAULT_RETENTION_HOURS,
    RETENTION_PROPERTY,
    MaintenanceSpec,
    interval_hours,
)
from dataops_platform.storage.objects import ObjectStore


@dataclass(frozen=True)
class Files:
    """Data files (and their bytes) of a table: active in the current version, or stored in its folder."""

    count: int = 0
    bytes: int = 0


@dataclass
class MaintenanceOutcome:
    """What one maintenance pass did to one table, as materialization metadata."""

    uri: str
    skipped: str = ""  # why nothing was done (no table yet)
    active_before: Files = field(default_factory=Files)
    active_after: Files = field(default_factory=Files)
    stored_before: Files = field(default_factory=Files)
    stored_after: Files = field(default_factory=Files)
    compacted: dict = field(default_factory=dict)  # numFilesRemoved/Added, partitionsOptimized
    vacuumed: list[str] = field(default_factory=list)
    retention_hours: int = 0
    version_before: int = -1
    version_after: int = -1
    checkpoint_version: int | None = None

    def metadata(self, prefix: str = "") -> dict:
        if self.skipped:
            return {f"{prefix}skipped": self.skipped}
        figures = {
            "active_files_before": self.active_before.count,
            "active_files_after": self.active_after.count,
            "active_bytes_before": self.active_before.bytes,
            "active_bytes_after": self.active_after.bytes,
            "stored_files_before": self.stored_before.count,
            "stored_files_after": self.stored_after.count,
            "stored_bytes_before": self.stored_before.bytes,
            "stored_bytes_after": self.stored_after.bytes,
            "files_compacted": int(self.compacted.get("numFilesRemoved", 0)),
            "files_written": int(self.compacted.get("numFilesAdded", 0)),
            "partitions_optimized": int(self.compacted.get("partitionsOptimized", 0)),
            "files_vacuumed": len(self.vacuumed),
            "vacuum_retention_hours": self.retention_hours,
            "version_before": self.version_before,
            "version_after": self.version_after,
        }
        if self.checkpoint_version is not None:
            figures["checkpoint_version"] = self.checkpoint_version
        return {f"{prefix}{k}": v for k, v in figures.items()}


def vacuum_retention_hours(table: DeltaTable, spec: MaintenanceSpec) -> int:
    """The declared window, or the table's deletedFileRetentionDuration when that is longer."""
    configured = table.metadata().configuration.get(RETENTION_PROPERTY)
    table_hours = interval_hours(configured) if configured else DEFAULT_RETENTION_HOURS
    return max(spec.retention_hours, table_hours)


def active_files(table: DeltaTable) -> Files:
    actions = pa.table(table.get_add_actions(flatten=True))
    sizes = actions.column("size_bytes").to_pylist() if actions.num_rows else []
    return Files(len(sizes), int(sum(sizes)))


def stored_files(store: ObjectStore, key: str) -> Files:
    """Data files in the table's folder, referenced or not (the Delta log excluded)."""
    infos = [i for i in store.iter_objects(key.rstrip("/") + "/") if "/_delta_log/" not in f"/{i.key}"]
    return Files(len(infos), sum(i.size for i in infos))


def maintain(
    store: ObjectStore,
    key: str,
    spec: MaintenanceSpec,
    storage_options: StorageOptions = None,
    z_order_by: list[str] | tuple[str, ...] = (),
) -> MaintenanceOutcome:
    """Compact (or z-order by `z_order_by` when declared), vacuum, then checkpoint the table at
    `key` of `store`. Safe to repeat: a second pass on an unchanged table changes nothing."""
    uri = store.uri(key)
    outcome = MaintenanceOutcome(uri)
    if not table_exists(uri, storage_options):
        outcome.skipped = "the table does not exist yet"
        return outcome
    table = DeltaTable(uri, storage_options=storage_options)
    outcome.version_before = table.version()
    outcome.active_before, outcome.stored_before = active_files(table), stored_files(store, key)
    if spec.compact or spec.z_order:
        outcome.compacted = with_commit_retries(lambda: _optimize(uri, spec, storage_options, z_order_by))
    table = DeltaTable(uri, storage_options=storage_options)
    if spec.vacuum:
        outcome.retention_hours = vacuum_retention_hours(table, spec)
        outcome.vacuumed = table.vacuum(
            retention_hours=outcome.retention_hours, dry_run=False, enforce_retention_duration=True, full=True
        )
        table = DeltaTable(uri, storage_options=storage_options)
    if spec.checkpoint:
        table.create_checkpoint()
        outcome.checkpoint_version = table.version()
    outcome.version_after = table.version()
    outcome.active_after, outcome.stored_after = active_files(table), stored_files(store, key)
    return outcome


def _optimize(uri: str, spec: MaintenanceSpec, storage_options: StorageOptions, z_order_by) -> dict:
    optimizer = DeltaTable(uri, storage_options=storage_options).optimize
    target = spec.target_file_mb * 2**20
    if spec.z_order and z_order_by:
        return optimizer.z_order(list(z_order_by), target_size=target)
    return optimizer.compact(target_size=target)
