"""Where alerts go: an SNS topic, a Slack-compatible webhook, and always a log line plus the
alerts file (JSON lines, read by `dataops alerts`).

A failing destination never stops the others and never raises: its error (secrets masked)
is logged and recorded with the alert.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from dataops_platform.observability.alerts.alert import Alert
from dataops_platform.observability.redact import Redactor, describe_error
from dataops_platform.settings import AlertSettings

USER_AGENT = "dataops-platform-alerts/1"


class DeliveryError(Exception):
    """A destination refused or could not be reached; the message holds no secret."""


class Destination(Protocol):
    name: str

    def send(self, alert: Alert) -> None: ...


@dataclass(frozen=True)
class SnsDestination:
    """Publishes the plain-text message to an SNS topic (boto3's credential chain and endpoint
    settings apply, e.g. AWS_ENDPOINT_URL_SNS)."""

    topic_arn: str
    name: str = "sns"

    def send(self, alert: Alert) -> None:
        import boto3  # only when SNS is configured
        from botocore.config import Config

        client = boto3.client(
            "sns",
            region_name=self.topic_arn.split(":")[3],
            config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2}),
        )
        client.publish(
            TopicArn=self.topic_arn,
            Subject=re.sub(r"[^\x20-\x7e]", "?", f"[{alert.severity}] {alert.title}")[:100],
            Message=alert.text(),
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": alert.severity},
                "kind": {"DataType": "String", "StringValue": alert.kind},
            },
        )


@dataclass(frozen=True)
class WebhookDestination:
    """POSTs Slack-compatible JSON (`text` + `blocks`). The URL is a secret: never shown."""

    url: str = field(repr=False)
    timeout_seconds: float = 10.0
    name: str = "webhook"

    def send(self, alert: Alert) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(alert.slack_payload()).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
            method="POST",
        )
        redact = Redactor.from_env(self.url)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                response.read(1024)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"webhook answered HTTP {exc.code} {redact(exc.reason)}") from None
        except (urllib.error.URLError, OSError) as exc:  # refused, DNS, TLS, timeout
            raise DeliveryError(f"webhook unreachable: {redact(getattr(exc, 'reason', exc))}") from None


@dataclass(frozen=True)
class AlertsFile:
    """The alerts file: one JSON object per line, the alert plus how each destination fared."""

    path: Path

    def append(self, alert: Alert, deliveries: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({**alert.to_json(), "deliveries": deliveries}, sort_keys=True) + "\n")

    def last(self, count: int) -> list[dict]:
        """The `count` most recent alerts, oldest first (unreadable lines are skipped)."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        alerts = []
        for line in lines:
            try:
                alerts.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return alerts[-count:] if count > 0 else alerts


def redacted(alert: Alert, redact: Redactor) -> Alert:
    return dataclasses.replace(
        alert,
        title=redact(alert.title),
        summary=redact(alert.summary),
        job=redact(alert.job),
        partition=redact(alert.partition),
        figures=[redact(f) for f in alert.figures],
    )


@dataclass(frozen=True)
class Dispatcher:
    """Sends each alert to every destination, then logs it and records it in the alerts file."""

    destinations: tuple[Destination, ...] = ()
    alerts_file: AlertsFile | None = None
    redact: Redactor = Redactor()

    @classmethod
    def from_settings(cls, settings: AlertSettings) -> "Dispatcher":
        destinations: list[Destination] = []
        if settings.sns_topic_arn:
            destinations.append(SnsDestination(settings.sns_topic_arn))
        if settings.webhook_url:
            destinations.append(WebhookDestination(settings.webhook_url, settings.webhook_timeout_seconds))
        alerts_file = AlertsFile(Path(settings.alerts_file)) if settings.alerts_file else None
        return cls(tuple(destinations), alerts_file, Redactor.from_env(settings.webhook_url))

    def send(self, alert: Alert, log: logging.Logger | None = None) -> dict[str, str]:
        """Deliver one alert; returns destination -> "ok" or "failed: <reason>" (never raises)."""
        log = log or logging.getLogger(__name__)
        alert = redacted(alert, self.redact)
        deliveries = {}
        for destination in self.destinations:
            try:
                destination.send(alert)
                deliveries[destination.name] = "ok"
            except Exception as exc:  # noqa: BLE001 - one destination must not stop the others
                deliveries[destination.name] = f"failed: {describe_error(exc, self.redact)}"
                log.warning(f"alert destination {destination.name} {deliveries[destination.name]}")
        line = f"ALERT {alert.text()}".replace("\n", " | ")
        {"ERROR": log.error, "RESOLVED": log.info}.get(alert.severity, log.warning)(line)
        if self.alerts_file is not None:
            try:
                self.alerts_file.append(alert, deliveries)
            except OSError as exc:
                log.warning(f"cannot write the alerts file: {describe_error(exc, self.redact)}")
        return deliveries
