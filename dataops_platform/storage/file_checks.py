"""Whole-file checks before Spark reads a bronze file: is it UTF-8 text in lines?

Spark would read a gzip, an Excel workbook or a Latin-1 file as garbled rows, and a line of
hundreds of megabytes would exhaust an executor. One bounded streaming pass (1 MiB chunks)
finds why a file cannot be read as text lines, so the file is rejected with that reason
instead; its bytes stay in bronze, so a fixed file can be replayed.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

CHUNK = 1024 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024  # longer lines are rejected, never loaded
BOM = b"\xef\xbb\xbf"
BARE_CR = re.compile(rb"\r(?!\n)")

# Leading bytes of formats that are not text lines (the longest first).
SIGNATURES = [
    (b"\xff\xfe\x00\x00", "UTF-32 text (byte order mark); expected UTF-8"),
    (b"\x00\x00\xfe\xff", "UTF-32 text (byte order mark); expected UTF-8"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 document (an Excel .xls workbook?), not text"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?), not text"),
    (b"PAR1", "a Parquet file, not text"),
    (b"\x1f\x8b", "gzip-compressed: compressed files are not supported, land it uncompressed"),
    (b"BZh", "bzip2-compressed: compressed files are not supported, land it uncompressed"),
    (b"\xfd7zXZ\x00", "xz-compressed: compressed files are not supported, land it uncompressed"),
    (b"\xff\xfe", "UTF-16 text (byte order mark); expected UTF-8"),
    (b"\xfe\xff", "UTF-16 text (byte order mark); expected UTF-8"),
]


def _signature_problem(head: bytes) -> str | None:
    return next((why for magic, why in SIGNATURES if head.startswith(magic)), None)


class _Scan:
    """State of the pass: position, line number, current line length, UTF-8 decoder."""

    def __init__(self, max_line_bytes: int):
        self.max_line_bytes, self.offset, self.line, self.run = max_line_bytes, 0, 1, 0
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def where(self, chunk: bytes, index: int) -> str:
        line = self.line + chunk.count(b"\n", 0, index)
        return f"line {line}, byte offset {self.offset + index}"

    def problem(self, chunk: bytes, final: bool) -> str | None:
        nul = chunk.find(b"\x00")
        if nul >= 0:
            return f"binary content: NUL byte at {self.where(chunk, nul)} (a binary or UTF-16 file?)"
        try:
            self.decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            bad = chunk[exc.start : exc.start + 1] if exc.start < len(chunk) else b"(end of file)"
            return (
                f"not valid UTF-8: byte {bad!r} at {self.where(chunk, max(exc.start, 0))} "
                "(Latin-1 or Windows-1252?); re-export the file as UTF-8"
            )
        bare = BARE_CR.search(chunk) if b"\r" in chunk else None
        if bare and not (final and bare.start() == len(chunk) - 1):
            return f"bare CR line break at {self.where(chunk, bare.start())}: use LF or CRLF line endings"
        return self._long_line(chunk)

    def _long_line(self, chunk: bytes) -> str | None:
        first = chunk.find(b"\n")
        length = self.run + (len(chunk) if first < 0 else first)
        if length > self.max_line_bytes:  # lines inside one chunk are shorter than the limit
            return f"line {self.line} is longer than {self.max_line_bytes} bytes"
        self.run = length if first < 0 else len(chunk) - chunk.rfind(b"\n") - 1
        self.line += chunk.count(b"\n")
        self.offset += len(chunk)
        return None


def text_problem(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> str | None:
    """Why `path` cannot be read as UTF-8 text lines (binary, compressed, other encoding,
    bare CR line breaks, a line over `max_line_bytes`), or None."""
    scan = _Scan(max(max_line_bytes, CHUNK))
    with open(path, "rb") as handle:
        chunk = handle.read(CHUNK)
        problem = _signature_problem(chunk)
        if chunk.startswith(BOM):
            chunk, scan.offset = chunk[len(BOM) :], len(BOM)
        while chunk and problem is None:
            if chunk.endswith(b"\r"):  # keep CRLF in one chunk
                chunk += handle.read(1)
            following = handle.read(CHUNK)
            problem = scan.problem(chunk, final=not following)
            chunk = following
    return problem


def is_blank(path: Path) -> bool:
    """True if the file holds nothing but whitespace (and a BOM): no header, no record."""
    with open(path, "rb") as handle:
        chunk = handle.read(CHUNK)
        chunk = chunk[len(BOM) :] if chunk.startswith(BOM) else chunk
        while chunk:
            if chunk.strip():
                return False
            chunk = handle.read(CHUNK)
    return True
