"""The ingest ledger: one small object per intake file identity that reached bronze.

An entry's key is `<ledger>/<escaped intake key>%00<token>`, with token = hash(scope, version)
and its content the bronze metadata. Escaping the few characters that sort before '%'
(space ! " # $ %) keeps entries in the same order as the intake keys, so a range of intake
keys and its entries are listed with the same StartAfter and merged (sensors/listing.py).
"""

from __future__ import annotations

import hashlib
import json
import re

from dataops_platform.storage.objects import ObjectStore

TERMINATOR = "%00"  # sorts before any escaped ("%2x") or plain (> '%') character
AFTER_TOKENS = "g"  # sorts after every (hex) token
_ESCAPES = {c: f"%{ord(c):02X}" for c in ' !"#$%'}
_ESCAPED = re.compile(r"%2[0-5]")


def escape(key: str) -> str:
    return "".join(_ESCAPES.get(c, c) for c in key)


def unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group()[1:], 16)), text)


class IngestLedger:
    """Which (intake key, version) identities a dataset's bronze holds."""

    def __init__(self, store: ObjectStore, prefix: str, scope: str):
        self.store, self.prefix, self.scope = store, prefix, scope

    def token(self, version: str) -> str:
        return hashlib.sha256(f"{self.scope}\n{version}".encode()).hexdigest()[:20]

    def entry_key(self, key: str, version: str) -> str:
        return f"{self.prefix}{escape(key)}{TERMINATOR}{self.token(version)}"

    def find(self, key: str, version: str) -> dict | None:
        """The bronze metadata recorded for this identity, or None."""
        body = self.store.read_bytes(self.entry_key(key, version))
        return json.loads(body) if body is not None else None

    def contains(self, key: str, version: str) -> bool:
        return self.store.head(self.entry_key(key, version)) is not None

    def record(self, key: str, version: str, metadata: dict) -> bool:
        """Record an identity; False if it was already recorded."""
        body = json.dumps(metadata, sort_keys=True).encode("utf-8")
        return self.store.write(self.entry_key(key, version), body, if_absent=True)

    def page(self, start_after: str = "", max_keys: int = 1000) -> tuple[list[tuple[str, str]], bool]:
        """(intake key, token) of entries whose intake key sorts after `start_after`, in key order."""
        after = f"{self.prefix}{escape(start_after)}{TERMINATOR}{AFTER_TOKENS}" if start_after else ""
        objects, more = self.store.list_page(self.prefix, after, max_keys)
        entries = []
        for info in objects:
            name, sep, token = info.key[len(self.prefix) :].rpartition(TERMINATOR)
            if sep:
                entries.append((unescape(name), token))
        return entries, more
