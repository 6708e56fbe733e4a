"""The table's profile: its columns, a primary key candidate, the event time, critical and PII
columns, extra null tokens, and how many sample rows the proposed contract would quarantine."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import PurePath

from dataops_platform.profiling.columns import ColumnProfile, is_identifier_name, profile_column, share
from dataops_platform.profiling.samples import ProfileError, Sample
from dataops_platform.profiling.values import infer_type

# Spellings of "no value" beyond the reader's defaults; one becomes a null token of the dialect
# when it spoils a typed column and never appears in a text column (where it may be a value).
NULL_SPELLINGS = ("NA", "na", "n/a", "None", "none", "nil", "-", "--", "?", "NaN", "nan")
CRITICAL_NULL_SHARE = 0.01  # identifiers and measures at most this often null are critical
EVENT_NULL_SHARE = 0.10  # an event time more often null than this is a poor one
EVENT_WORDS = (  # words of an event time's name, the best first
    {"updated", "modified", "changed"},
    {"event", "ts", "at", "time", "timestamp"},
    {"date", "day"},
)
PAIR_CANDIDATES = 12  # columns tried in pairs when no single column is a key


@dataclass
class TableProfile:
    name: str
    sample: Sample
    columns: list[ColumnProfile]
    primary_key: list[str]
    key_evidence: str
    event_time: str
    event_evidence: str
    critical: dict[str, str]  # column -> why it is critical
    null_tokens: list[str] = field(default_factory=list)  # beyond the reader's defaults
    failing_rows: int = 0  # sample rows the proposed contract would quarantine
    failures: Counter = field(default_factory=Counter)  # "<column> <rule>" -> rows (first failure per row)

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    @property
    def pii_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.pii]

    @property
    def lowercase(self) -> list[str]:
        return [c.name for c in self.columns if c.lowercase]

    @property
    def rows(self) -> int:
        return len(self.sample.rows)

    def intake_pattern(self) -> str:
        """A glob for the feed's files: the name prefix they share up to its first digit, and
        their common suffix (`orders_*.csv`)."""
        names = [p.name for p in self.sample.files]
        suffixes = {PurePath(n).suffix for n in names}
        suffix = suffixes.pop() if len(suffixes) == 1 else ""
        prefix = re.split(r"\d", os.path.commonprefix([n[: len(n) - len(suffix)] for n in names]))[0]
        return f"{glob_escape(prefix)}*{suffix}"


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]])", r"[\1]", text)


def _extra_null_tokens(sample: Sample) -> list[str]:
    spoilers, in_text = set(), set()
    for name in sample.columns:
        values = [r[name] for r in sample.rows if r[name] is not None]
        spellings = {v for v in values if v in NULL_SPELLINGS}
        if not spellings:
            continue
        typed = infer_type([v for v in values if v not in spellings])
        (spoilers if typed.name != "string" else in_text).update(spellings)
    return sorted(spoilers - in_text)


def _unique(rows: list[tuple], positions: list[int]) -> bool:
    return len({tuple(r[i] for i in positions) for r in rows}) == len(rows)


def _primary_key(columns: list[ColumnProfile], rows: list[tuple], event: int) -> tuple[list[str], str]:
    """Unique and non-null in the sample's distinct rows (exact re-sends collapsed); an id-like
    column whose repeats are versions with other event times is a key too. One column if
    possible (id-like names first), else a pair."""
    names = [c.name for c in columns]
    candidates = [
        c for c in columns if c.nulls == 0 and c.rows and c.guess.name in ("string", "integer", "long") and not c.pii
    ]
    candidates.sort(key=lambda c: not is_identifier_name(c.name))
    where = f"the {len(rows)} distinct row(s) of the sample"
    for column in candidates:
        if _unique(rows, [names.index(column.name)]):
            return [column.name], f"unique and never null in {where}"
    for column in (c for c in candidates if is_identifier_name(c.name)):
        position = names.index(column.name)
        if _unique(rows, [position, event]):
            versions = len(rows) - len({r[position] for r in rows})
            return [column.name], (
                f"never null; {versions} repeat(s) in {where} are versions with other event times (the latest wins)"
            )
    for a, b in combinations(candidates[:PAIR_CANDIDATES], 2):
        if _unique(rows, [names.index(a.name), names.index(b.name)]):
            return [a.name, b.name], f"no single column is unique; this pair is unique and never null in {where}"
    best = max(candidates or columns, key=lambda c: (c.distinct, is_identifier_name(c.name)))
    return [best.name], (
        f"REVIEW: no unique key in the sample; {best.name} has {best.distinct} distinct value(s) in {where} "
        "(silver keeps one row per key)"
    )


def _event_time(columns: list[ColumnProfile]) -> tuple[str, str]:
    """The timestamp or date column that best says when a record (version) happened."""
    timed = [c for c in columns if c.guess.name in ("timestamp", "date") and not c.pii]
    if not timed:
        raise ProfileError(
            "no date or timestamp column in the sample (ISO-8601, e.g. 2026-11-15 or 2026-11-15T08:00:00Z): "
            "the platform needs an event time to keep the latest version of a key and to partition the table"
        )

    def score(column: ColumnProfile) -> tuple:
        words = set(re.split(r"[_\W]+", column.name.lower()))
        naming = next((len(EVENT_WORDS) - i for i, found in enumerate(EVENT_WORDS) if words & found), 0)
        return (column.nulls <= EVENT_NULL_SHARE * column.rows, naming, column.guess.name == "timestamp", -column.nulls)

    best = max(timed, key=score)
    others = [c.name for c in timed if c is not best]
    why = f"{best.guess.name}, null in {share(best.nulls, best.rows)} of rows"
    return best.name, why + (f"; other time columns: {', '.join(others)}" if others else "")


def _critical(columns: list[ColumnProfile], key: list[str], event: str) -> dict[str, str]:
    found = {name: "the primary key" for name in key}
    if event not in found:
        found[event] = "the event time"
    for column in columns:
        if column.name in found or column.nulls > CRITICAL_NULL_SHARE * column.rows:
            continue
        if is_identifier_name(column.name):
            found[column.name] = "an identifier"
        elif column.guess.numeric:
            found[column.name] = "a measure"
    by_name = {c.name: c for c in columns}
    return {
        name: f"{why}, null in {share(by_name[name].nulls, by_name[name].rows)} of rows" for name, why in found.items()
    }


def profile_table(sample: Sample, name: str) -> TableProfile:
    """Profile every column of the sample and choose the key, event time and critical columns."""
    tokens = _extra_null_tokens(sample)
    rows = [{c: (None if v in tokens else v) for c, v in r.items()} for r in sample.rows] if tokens else sample.rows
    sample.rows = rows
    columns = [profile_column(c, [r[c] for r in rows]) for c in sample.columns]
    event, event_evidence = _event_time(columns)
    distinct = list(dict.fromkeys(tuple(r[c] for c in sample.columns) for r in rows))
    key, key_evidence = _primary_key(columns, distinct, sample.columns.index(event))
    for column in columns:
        if column.name in key:
            column.nullable = False
    profile = TableProfile(
        name, sample, columns, key, key_evidence, event, event_evidence, _critical(columns, key, event), tokens
    )
    for row in rows:
        failed = next(((c.name, f) for c in columns if (f := c.failure(row[c.name]))), None)
        if failed:
            profile.failing_rows += 1
            profile.failures[f"{failed[0]} {failed[1]}"] += 1
    return profile
