"""Keep secrets out of logs, messages and errors: known secret values and key-like patterns."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

MASK = "***"
SECRET_ENV = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "DATAOPS_ALERT_WEBHOOK_URL",
    "DATABRICKS_TOKEN",
    "DATABRICKS_CLIENT_SECRET",
    "DAGSTER_PG_PASSWORD",  # read by the SDK / the instance
)
PATTERNS = (  # (pattern, replacement)
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),  # AWS access key ids
    (re.compile(r"(?i)\b((?:secret|token|password|signature|sig|key)=)[^&\s\"']+"), r"\1" + MASK),  # in query strings
    (re.compile(r"(https?://[^/\s\"']*(?:hook)[^/\s\"']*)/[^\s\"']+"), r"\1/" + MASK),  # webhook paths
)


@dataclass(frozen=True)
class Redactor:
    """Replaces every known secret value, then key-like patterns, with ***."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, *extra: str) -> "Redactor":
        values = [os.environ.get(name, "") for name in SECRET_ENV] + list(extra)
        # Longest first, so a secret containing another is masked whole.
        return cls(tuple(sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)))

    def __call__(self, text: object) -> str:
        result = str(text)
        for secret in self.secrets:
            result = result.replace(secret, MASK)
        for pattern, replacement in PATTERNS:
            result = pattern.sub(replacement, result)
        return result


def describe_error(exc: BaseException, redact: Redactor) -> str:
    """`ClassName: message` with secrets masked, on one line."""
    message = " ".join(redact(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
