"""Alerts as incidents: failures with the same fingerprint (what failed, and how) are one incident.

The first failure opens the incident and is sent. Later failures only update it (count, first
and last seen, the latest figures); once `renotify_seconds` have passed since the last message
and it failed again meanwhile, one update digest is sent. A passing evaluation of the same
target resolves it and sends one "resolved" message. A run is counted once per incident, so a
run read again (a cursor lost with its daemon) or retried in place never alerts twice; a
re-executed run is a new run of the same fingerprint: an update, not a new alert.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from dataops_platform.observability.alerts.alert import Alert

RUNS_KEPT = 20  # run ids remembered per incident (a run seen again is not counted again)
RESOLVED_KEPT = 50  # resolved incidents kept for `dataops alerts`


@dataclass
class Incident:
    """One open (or resolved) problem: its first alert, how often it recurred, its latest alert."""

    id: str
    fingerprint: str
    resolution_key: str
    first: dict[str, Any]  # the alert that opened it (Alert.to_json)
    latest: dict[str, Any]  # the latest failure's alert: its figures, partition, run link
    first_seen: float
    last_seen: float
    count: int = 1
    notified_at: float = 0.0  # when the latest message about it was sent
    notified_count: int = 1  # `count` at that moment
    runs: list[str] = field(default_factory=list)
    resolved_at: float | None = None
    resolved_by: str = ""  # the run whose passing evaluation resolved it

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def message(self, status: str, **changes) -> Alert:
        """An alert about this incident: the latest failure, retitled for `status`."""
        fields = {k: v for k, v in self.latest.items() if k in Alert.__dataclass_fields__}
        alert = Alert(**fields)
        counts = f"{self.count} failure(s) since {Alert(**{**fields, 'timestamp': self.first_seen}).when}"
        if status == "update":
            changes = {"title": f"Still failing ({self.count}x): {alert.title}", **changes}
            changes["figures"] = [counts, *alert.figures]
        elif status == "resolved":
            label = "check" if alert.kind == "check_failed" else "run"
            changes = {"severity": "RESOLVED", "title": f"Resolved: {label} {alert.target}", **changes}
            changes["figures"] = [counts, f"last failure: {alert.when}"]
        return dataclasses.replace(alert, status=status, **changes)


def incident_id(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:12]


@dataclass
class IncidentBook:
    """Every open incident and the recently resolved ones, keyed by fingerprint."""

    incidents: dict[str, Incident] = field(default_factory=dict)

    def failed(self, alert: Alert, now: float) -> Alert | None:
        """Record a failure; the alert to send when it opens an incident, else None."""
        incident = self.incidents.get(alert.fingerprint)
        if incident is not None and alert.run_id in incident.runs:
            return None  # this run was counted already
        if incident is None or not incident.open:
            self.incidents[alert.fingerprint] = Incident(
                id=incident_id(alert.fingerprint),
                fingerprint=alert.fingerprint,
                resolution_key=alert.resolution_key,
                first=alert.to_json(),
                latest=alert.to_json(),
                first_seen=alert.timestamp,
                last_seen=alert.timestamp,
                notified_at=now,
                runs=[alert.run_id],
            )
            return alert
        incident.count += 1
        incident.last_seen = max(incident.last_seen, alert.timestamp)
        incident.latest = alert.to_json()
        incident.runs = [*incident.runs, alert.run_id][-RUNS_KEPT:]
        return None

    def passed(self, key: str, run_id: str, timestamp: float, now: float) -> list[Alert]:
        """A passing evaluation of `key`: resolves the open incidents that failed before it."""
        messages = []
        for incident in self.open_incidents():
            if incident.resolution_key == key and timestamp > incident.last_seen and run_id not in incident.runs:
                incident.resolved_at, incident.resolved_by, incident.notified_at = timestamp, run_id, now
                messages.append(incident.message("resolved", run_id=run_id, run_url=_run_url(incident, run_id)))
        return messages

    def digests(self, now: float, renotify_seconds: float) -> list[Alert]:
        """One update per open incident that failed again since its last message, at most once
        every `renotify_seconds`."""
        messages = []
        for incident in self.open_incidents():
            if incident.count > incident.notified_count and now - incident.notified_at >= renotify_seconds:
                incident.notified_at, incident.notified_count = now, incident.count
                messages.append(incident.message("update"))
        return messages

    def open_incidents(self) -> list[Incident]:
        return sorted((i for i in self.incidents.values() if i.open), key=lambda i: i.first_seen)

    def recent(self, limit: int) -> list[Incident]:
        """Open incidents first (oldest first), then the latest resolved ones."""
        resolved = sorted((i for i in self.incidents.values() if not i.open), key=lambda i: -(i.resolved_at or 0))
        return [*self.open_incidents(), *resolved][:limit]

    def to_json(self) -> dict[str, Any]:
        kept = self.recent(len(self.open_incidents()) + RESOLVED_KEPT)
        return {"version": 1, "incidents": [asdict(i) for i in kept]}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> IncidentBook:
        names = {f.name for f in dataclasses.fields(Incident)}
        incidents = [
            Incident(**{k: v for k, v in raw.items() if k in names}) for raw in (data or {}).get("incidents", [])
        ]
        return cls({i.fingerprint: i for i in incidents})


def _run_url(incident: Incident, run_id: str) -> str:
    """The resolving run's link, from the failing run's link (same UI)."""
    url, failing = incident.latest.get("run_url", ""), incident.latest.get("run_id", "")
    return url.replace(failing, run_id) if failing and failing in url else url
