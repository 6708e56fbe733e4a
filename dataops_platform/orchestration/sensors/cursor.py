"""Sensor cursors as small dataclasses stored as compact JSON."""

from __future__ import annotations

import json
from dataclasses import asdict


class JsonCursor:
    """Mixin for a dataclass that is a sensor's cursor."""

    @classmethod
    def from_cursor(cls, cursor: str | None):
        return cls(**json.loads(cursor)) if cursor else cls()

    def to_cursor(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)
