"""Where incidents are kept: the Dagster instance's key-value store (the `kvs` table of its run
storage: SQLite by default, PostgreSQL in production).

It survives a daemon restart, is shared by the daemon, the webserver and `dataops alerts`
(they all open the same instance), needs no lake access from the sensor, and stays small: one
JSON value per alert sensor, holding its open incidents and the latest resolved ones. The
sensor cursor would be too small and is lost with a reset sensor; a file under the lake or the
instance folder would not be shared by a multi-host deployment.
"""

from __future__ import annotations

import json

import dagster as dg

from dataops_platform.observability.alerts.incidents import IncidentBook

KEY_PREFIX = "dataops/alert_incidents/"


def load_book(instance: dg.DagsterInstance, sensor_name: str) -> IncidentBook:
    key = KEY_PREFIX + sensor_name
    raw = instance.run_storage.get_cursor_values({key}).get(key)
    return IncidentBook.from_json(json.loads(raw) if raw else None)


def save_book(instance: dg.DagsterInstance, sensor_name: str, book: IncidentBook) -> None:
    instance.run_storage.set_cursor_values({KEY_PREFIX + sensor_name: json.dumps(book.to_json(), sort_keys=True)})
