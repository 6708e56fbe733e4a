"""Read a new feed's sample files as the platform's reader will, in pure Python.

CSV is RFC 4180 (quoted fields may span lines, doubled quotes inside quotes), read by header
name (trimmed, case-insensitive, as storage/bronze_reader.py matches them); JSON lines are one
object per non-blank line, numbers kept as their text. Values are trimmed and the dialect's
null tokens read as missing, as the silver conform step does. The delimiter and the encoding
are detected (the reader names a wrong delimiter in its rejection; a non-UTF-8 feed needs
`dialect.encoding`), and reported so the declaration can say them.
"""

from __future__ import annotations

import csv
import json
import keyword
from dataclasses import dataclass, field
from pathlib import Path

from dataops_platform.storage.dialect import DEFAULT_NULL_TOKENS, DialectSpec
from dataops_platform.storage.file_checks import is_blank, text_problem

MAX_ROWS = 200_000  # rows read in all; a sample larger than this is cut (and says so)
DELIMITERS = ",;\t|"
FALLBACK_ENCODINGS = ("windows-1252", "latin-1")  # tried, in order, for a file that is not UTF-8
CSV_SUFFIXES = {".csv", ".tsv", ".psv", ".txt"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}

Row = dict[str, str | None]


class ProfileError(ValueError):
    """A sample that cannot be profiled; the message names the file and the position."""


@dataclass
class Sample:
    """The sample's records as text (None: missing), with what reading them noticed."""

    file_format: str
    files: list[Path]
    columns: list[str]
    rows: list[Row]
    delimiter: str = ","
    encoding: str = "utf-8"
    partial_columns: dict[str, int] = field(default_factory=dict)  # column -> files having it (left out)
    malformed: list[str] = field(default_factory=list)  # "<file>: record N: why", not profiled
    empty_files: list[str] = field(default_factory=list)
    truncated: bool = False  # more than MAX_ROWS records: the rest was not read

    def dialect(self, extra_null_tokens: list[str] = ()) -> DialectSpec:
        return DialectSpec(
            delimiter=self.delimiter,
            encoding=self.encoding,
            null_tokens=[*DEFAULT_NULL_TOKENS, *extra_null_tokens],
        )


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and the files directly inside folders named (hidden files left out), sorted."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise ProfileError(f"{path}: no such file or folder")
    if not found:
        raise ProfileError(f"no sample files in {', '.join(map(str, paths))}")
    return found


def guess_format(path: Path) -> str:
    """csv or jsonl, by the file's suffix, else by its first non-blank character."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES | JSONL_SUFFIXES:
        return "csv" if suffix in CSV_SUFFIXES else "jsonl"
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if head.startswith(b"{") else "csv"


def file_encoding(path: Path) -> str:
    """UTF-8, or the first fallback encoding the whole file decodes in; other problems
    (binary, compressed, bare CR line breaks) are errors, since the reader rejects such files."""
    problem = text_problem(path)
    if problem is None:
        return "utf-8"
    if not problem.startswith("not valid UTF-8"):
        raise ProfileError(f"{path}: {problem}")
    data = path.read_bytes()
    for encoding in FALLBACK_ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ProfileError(f"{path}: {problem}")  # latin-1 decodes anything: not reached


def cleansed(value: str | None, null_tokens: tuple[str, ...] = DEFAULT_NULL_TOKENS) -> str | None:
    """A value as silver's conform step sees it: trimmed of spaces, null tokens read as missing."""
    if value is None:
        return None
    text = value.strip(" ")
    return None if text in null_tokens else text


def _column_name(name: str, path: Path, position: int) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ProfileError(
            f"{path}: column {position + 1} {name!r} is not a Python identifier, so it cannot be a field of "
            "the pandera contract; rename it in the feed (the reader matches columns by name)"
        )
    return name


def _delimiter(header: str) -> str:
    """The candidate that splits the header line into the most fields (',' on a tie)."""
    counts = {d: len(next(csv.reader([header], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


def _text_handle(path: Path, encoding: str):
    return open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="")


def _read_csv(path: Path, encoding: str, delimiter: str | None, limit: int) -> tuple[str, list[str], list, int, list]:
    """(delimiter, header, records as lists (up to `limit`), records in the file, malformed notes)
    of one CSV file."""
    with _text_handle(path, encoding) as handle:
        first = handle.readline().rstrip("\r\n")
        if not first.strip():
            raise ProfileError(f"{path}: the first line is blank: the header must be on the first line")
        delimiter = delimiter or _delimiter(first)
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
        try:
            header = [_column_name(n.strip(), path, i) for i, n in enumerate(next(reader))]
            records, malformed, seen = [], [], 0
            for number, record in enumerate(reader, start=1):
                if not record:
                    continue
                if len(record) != len(header):
                    malformed.append(
                        f"{path.name}: record {number}: {len(record)} fields, the header has {len(header)}"
                    )
                    continue
                seen += 1
                if len(records) < limit:
                    records.append(record)
        except csv.Error as exc:
            raise ProfileError(f"{path}: line {reader.line_num}: {exc}") from None
    duplicates = sorted({n for n in header if [h.lower() for h in header].count(n.lower()) > 1})
    if duplicates:
        raise ProfileError(f"{path}: duplicate column names in the header: {', '.join(duplicates)}")
    return delimiter, header, records, seen, malformed


def _json_text(value) -> str | None:
    """A JSON value as the reader's text column holds it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def _read_jsonl(path: Path, encoding: str, limit: int) -> tuple[list[str], list[dict], int, list[str]]:
    """(keys in first-seen order, records (up to `limit`), records in the file, malformed notes)
    of one JSON lines file."""
    keys: dict[str, None] = {}
    records, malformed, seen = [], [], 0
    with _text_handle(path, encoding) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line, parse_float=str, parse_int=str, parse_constant=str)
            except json.JSONDecodeError as exc:
                malformed.append(f"{path.name}: line {number}: not JSON ({exc.msg})")
                continue
            if not isinstance(record, dict):
                malformed.append(f"{path.name}: line {number}: a JSON {type(record).__name__}, not an object")
                continue
            for position, name in enumerate(record):
                if name not in keys:
                    keys[_column_name(name, path, position)] = None
            seen += 1
            if len(records) < limit:
                records.append({k: _json_text(v) for k, v in record.items()})
    return list(keys), records, seen, malformed


def read_sample(paths: list[Path], file_format: str | None = None) -> Sample:
    """Every record of the sample files (up to MAX_ROWS), by the columns all of them have."""
    files = expand(paths)
    formats = {p: file_format or guess_format(p) for p in files}
    if len(set(formats.values())) > 1:
        raise ProfileError(f"the sample mixes formats {sorted(set(formats.values()))}: profile one feed at a time")
    fmt = next(iter(formats.values()))
    readable = [p for p in files if not is_blank(p)]
    encodings = {p: file_encoding(p) for p in readable}
    encoding = next((e for e in encodings.values() if e != "utf-8"), "utf-8")
    sample = Sample(fmt, files, [], [], encoding=encoding, empty_files=[p.name for p in files if p not in readable])
    per_file: list[tuple[Path, list[str], list]] = []
    delimiter = None
    for path in readable:
        left = MAX_ROWS - sum(len(r) for _, _, r in per_file)
        if fmt == "csv":
            found, header, records, seen, malformed = _read_csv(path, encoding, delimiter, max(left, 0))
            if delimiter is None:
                delimiter = sample.delimiter = found
            records = [dict(zip(header, r)) for r in records]
        else:
            header, records, seen, malformed = _read_jsonl(path, encoding, max(left, 0))
        sample.truncated |= seen > len(records)
        sample.malformed += malformed
        per_file.append((path, header, records))
    if not per_file:
        raise ProfileError(f"every sample file is empty: {', '.join(sample.empty_files)}")
    _join(sample, per_file)
    return sample


def _join(sample: Sample, per_file: list[tuple[Path, list[str], list]]) -> None:
    """Columns every file has (named as the first file names them; others are reported), and
    the rows by those columns, trimmed, null tokens read as missing."""
    first: dict[str, str] = {}
    having: dict[str, int] = {}
    for _, header, _ in per_file:
        for name in header:
            first.setdefault(name.lower(), name)
        for lower in {n.lower() for n in header}:
            having[lower] = having.get(lower, 0) + 1
    sample.columns = [name for lower, name in first.items() if having[lower] == len(per_file)]
    sample.partial_columns = {name: having[lower] for lower, name in first.items() if having[lower] < len(per_file)}
    for _, header, records in per_file:
        names = {n.lower(): n for n in header}
        for record in records:
            sample.rows.append({c: cleansed(record.get(names.get(c.lower(), c))) for c in sample.columns})
