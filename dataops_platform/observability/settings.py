"""Where alerts go and how the UI is reached (DATAOPS_ALERT_*, DATAOPS_ALERTS_FILE, DATAOPS_UI_URL).

The webhook URL is a secret (whoever has it can post): it is kept out of `repr`, logs and
messages. AWS credentials are not settings: boto3 reads them from its usual chain.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _get(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def _flag(name: str, default: bool) -> bool:
    value = _get(name).lower()
    if not value:
        return default
    if value not in TRUE + FALSE:
        raise ValueError(f"{name} must be one of {TRUE + FALSE}, got {value!r}")
    return value in TRUE


@dataclass(frozen=True)
class AlertSettings:
    """Alert destinations. A log line is always written; the others are on when set."""

    sns_topic_arn: str = ""  # DATAOPS_ALERT_SNS_TOPIC_ARN
    webhook_url: str = field(default="", repr=False)  # DATAOPS_ALERT_WEBHOOK_URL (Slack-compatible; secret)
    alerts_file: str = ""  # DATAOPS_ALERTS_FILE: JSON lines read by `dataops alerts` ("" = none)
    ui_url: str = "http://127.0.0.1:3000"  # DATAOPS_UI_URL: run links point here
    alert_on_warn: bool = False  # DATAOPS_ALERT_ON_WARN: also alert on failed WARN checks
    webhook_timeout_seconds: float = 10.0  # DATAOPS_ALERT_WEBHOOK_TIMEOUT

    @classmethod
    def from_env(cls, data_dir: Path) -> "AlertSettings":
        settings = cls(
            sns_topic_arn=_get("DATAOPS_ALERT_SNS_TOPIC_ARN"),
            webhook_url=_get("DATAOPS_ALERT_WEBHOOK_URL"),
            alerts_file=_get("DATAOPS_ALERTS_FILE", str(data_dir / "alerts.jsonl")),
            ui_url=_get("DATAOPS_UI_URL", cls.ui_url).rstrip("/"),
            alert_on_warn=_flag("DATAOPS_ALERT_ON_WARN", cls.alert_on_warn),
            webhook_timeout_seconds=float(_get("DATAOPS_ALERT_WEBHOOK_TIMEOUT", str(cls.webhook_timeout_seconds))),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fail early, naming the variable (never echoing the webhook URL)."""
        if self.sns_topic_arn and not SNS_ARN.match(self.sns_topic_arn):
            raise ValueError(f"DATAOPS_ALERT_SNS_TOPIC_ARN is not an SNS topic ARN: {self.sns_topic_arn!r}")
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise ValueError("DATAOPS_ALERT_WEBHOOK_URL must be an http(s) URL (value not shown: it is a secret)")
        if not self.ui_url.startswith(("https://", "http://")):
            raise ValueError(f"DATAOPS_UI_URL must be an http(s) URL, got {self.ui_url!r}")
        if self.webhook_timeout_seconds <= 0:
            raise ValueError("DATAOPS_ALERT_WEBHOOK_TIMEOUT must be a positive number of seconds")

    def run_url(self, run_id: str) -> str:
        return f"{self.ui_url.rstrip('/')}/runs/{run_id}"
