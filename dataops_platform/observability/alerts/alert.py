"""An alert: what failed, where, the key figures, and a link to the run in the UI.

Built from a failed asset check or a failed run (see `events.py`); rendered as plain text
(SNS, log, CLI), as Slack-compatible blocks (webhook) and as one JSON line (alerts file).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_FIGURES = 8
MAX_DETAILS = 3
COUNT_KEYS = ("failed", "nulls", "orphans", "unparsable", "value")  # the figure of a per-rule/column entry


@dataclass(frozen=True)
class Alert:
    """One failure worth telling someone about."""

    kind: str  # "check_failed" | "run_failed"
    severity: str  # "ERROR" | "WARN"
    title: str
    summary: str
    run_id: str
    run_url: str
    timestamp: float
    job: str = ""
    asset: str = ""
    check: str = ""
    partition: str = ""
    figures: list[str] = field(default_factory=list)
    target: str = ""  # what failed, for the fingerprint: "asset:check", or the run's failed step (or job)
    failure: str = ""  # the kind of failure: the check's severity, or the root error's class
    status: str = "new"  # "new" incident, "update" digest of an open one, "resolved"

    @property
    def fingerprint(self) -> str:
        """Failures with the same fingerprint are one incident (see incidents.py)."""
        return f"{self.kind}|{self.target}|{self.failure}"

    @property
    def resolution_key(self) -> str:
        """What a passing evaluation says it passed (`pass_key`); it resolves the incident."""
        return pass_key(self.kind, self.target)

    @property
    def when(self) -> str:
        return dt.datetime.fromtimestamp(self.timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")

    def lines(self) -> list[str]:
        """The message as lines: title, summary, context, figures, link."""
        context = [
            f"asset {self.asset}" if self.asset else "",
            f"partition {self.partition}" if self.partition else "",
            f"job {self.job}" if self.job else "",
            self.when,
        ]
        return [
            f"[{self.severity}] {self.title}",
            self.summary,
            " | ".join(c for c in context if c),
            *[f"- {figure}" for figure in self.figures],
            f"Run: {self.run_url}",
        ]

    def text(self) -> str:
        return "\n".join(line for line in self.lines() if line)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def slack_payload(self) -> dict[str, Any]:
        """Slack-compatible JSON: `text` for notifications, `blocks` for the message body."""
        icon = {"ERROR": ":red_circle:", "RESOLVED": ":white_check_mark:"}.get(self.severity, ":warning:")
        context = " | ".join(p for p in (self.asset, self.partition and f"partition {self.partition}", self.when) if p)
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": f"{self.title}"[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{self.severity}* {self.summary}"[:3000]}},
        ]
        if self.figures:
            figures = "\n".join(f"• {f}" for f in self.figures)
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": figures[:3000]}})
        blocks += [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context[:3000] or self.when}]},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{self.run_url}|View run {self.run_id[:8]} in Dagster>"},
            },
        ]
        return {"text": f"[{self.severity}] {self.title}: {self.summary}"[:3000], "blocks": blocks}


def pass_key(kind: str, target: str) -> str:
    """The key shared by a failure of `target` and a later passing evaluation of it."""
    return f"{kind}|{target}"


# Headline figures first, in this order; any other scalar follows in its metadata order.
FIRST_FIGURES = (
    "rows_failed",
    "batch_duplicates",
    "table_duplicate_keys",
    "unaccounted",
    "rows",
    "rows_read",
    "batch_rows",
    "fraction",
    "batch_duplicate_fraction",
    "threshold",
)


def _number(value: Any, key: str = "") -> str:
    if isinstance(value, float) and ("fraction" in key or key == "threshold") and 0 <= value <= 1:
        return f"{value:.2%}".replace(".00%", "%")
    if isinstance(value, float):
        return f"{value:.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _detail(name: str, entry: dict) -> tuple[float, str] | None:
    """A per-rule / per-column / per-metric entry as (weight, 'name: figure ...')."""
    count_key = next((k for k in COUNT_KEYS if isinstance(entry.get(k), (int, float))), None)
    if count_key is None:
        return None
    parts = [f"{_number(entry[count_key])} {count_key}" if count_key != "value" else _number(entry["value"])]
    if isinstance(entry.get("fraction"), (int, float)):
        parts.append(f"({entry['fraction']:.2%})")
    for key in ("mean", "band", "sigmas"):
        if key in entry:
            parts.append(f"{key} {entry[key]}")
    weight = entry[count_key] if count_key != "value" else entry.get("sigmas", 0)
    weight = float("inf") if weight == "inf" else weight  # volume_anomaly writes "inf" for a flat history
    return (float(weight) if isinstance(weight, (int, float)) else 0.0), f"{name}: {' '.join(parts)}"


def key_figures(metadata: dict[str, Any]) -> list[str]:
    """The figures worth a glance: scalar counts/fractions/thresholds, then the worst few
    entries of per-rule, per-column or per-metric breakdowns (samples are never included)."""
    scalars, details = [], []
    for key, value in metadata.items():
        if key == "summary":
            continue
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            scalars.append((key, f"{key}: {_number(value, key)}"))
        elif isinstance(value, dict):
            entries = [_detail(name, entry) for name, entry in value.items() if isinstance(entry, dict)]
            details += [e for e in entries if e and e[0] > 0]
    rank = {key: i for i, key in enumerate(FIRST_FIGURES)}
    scalars.sort(key=lambda item: rank.get(item[0], len(rank)))  # stable: the others keep their order
    details.sort(key=lambda d: -d[0])
    return [text for _, text in scalars[:MAX_FIGURES]] + [text for _, text in details[:MAX_DETAILS]]
