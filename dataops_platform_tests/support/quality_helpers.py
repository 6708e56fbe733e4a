"""Helpers for quality tests: land crafted files in an intake folder and ingest them to bronze."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from dataops_platform.declarations import DEFS_DIR, load_declaration
from dataops_platform.steps.bronze import ingest_day
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.tables import DeltaRsTables


def declaration(name: str):
    return load_declaration(DEFS_DIR / name / "defs.yaml")


def land_and_ingest(intake: Path, lake: Path, decl, day: dt.date, files: dict[str, str | bytes]) -> BronzeStore:
    """Write `files` (name -> text or bytes) under the dataset's intake prefix, landed on `day`, and ingest them."""
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.timezone.utc).timestamp()
    for name, text in files.items():
        path = intake / decl.intake.prefix / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
        os.utime(path, (noon, noon))
    store = BronzeStore(str(lake), str(intake))
    ingest_day(store, str(intake), decl, day)
    return store


def tables() -> DeltaRsTables:
    return DeltaRsTables()


def with_quality(decl, **severities: str):
    """The declaration with some quality dimensions at another severity, e.g. validity="WARN"."""
    quality = decl.quality.model_copy(
        update={name: getattr(decl.quality, name).model_copy(update={"severity": s}) for name, s in severities.items()}
    )
    return decl.model_copy(update={"quality": quality})
