"""A corpus of bad input: each kind is a file (key + bytes) landing in a dataset's intake, or a
key a sensor could be asked to ingest, with the outcome the platform must give it.

Outcomes: a file is ingested (every row in silver), some or all of its rows are quarantined
with a reason, the whole file is rejected (one quarantine row carrying the reason), it is empty
(no record, reported), its key is rejected at intake (never copied, logged), or it is ignored
(not the dataset's file pattern, left in the intake). Row ids embed the case number, so every
row's fate can be traced to its case.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass

INGESTED = "ingested"
QUARANTINED = "rows quarantined"
FILE_REJECTED = "file rejected"
EMPTY = "empty: no record"
KEY_REJECTED = "key rejected at intake"
IGNORED = "ignored (pattern)"

TX = "transactions"  # CSV
WEB = "web_events"  # JSON lines
TX_COLUMNS = ["transaction_id", "customer_id", "transaction_ts", "amount", "channel", "status"]
HUGE_LINE_BYTES = 17 * 1024 * 1024  # over the reader's 16 MiB line limit


@dataclass(frozen=True)
class Case:
    """One kind of bad input and what must happen to it."""

    kind: str
    dataset: str
    name: str  # key below the dataset's intake prefix; `requested` keys are used as given
    body: bytes | None  # None: the key is only requested (it cannot exist as a local file)
    outcome: str
    reason: str  # text the platform's reason (quarantine, rejection, log, drift report) must contain
    silver: int = 0  # rows expected in silver
    quarantined: int = 0  # rows expected in quarantine

    @property
    def requested(self) -> bool:
        return self.body is None


def tx_values(case: int, n: int) -> dict[str, str]:
    """A valid transactions row whose id encodes the case and the row number."""
    return {
        "transaction_id": f"T{case:04d}{n:06d}",
        "customer_id": "C0000001",
        "transaction_ts": "2026-11-15T10:00:00Z",
        "amount": f"{n + 1}.50",
        "channel": "online",
        "status": "completed",
    }


def web_values(case: int, n: int) -> dict[str, str]:
    return {
        "event_id": f"E{case:04d}{n:06d}",
        "customer_id": "C0000001",
        "session_id": "S1",
        "event_ts": "2026-11-15T10:00:00Z",
        "event_type": "click",
        "page": "/home",
        "device": "mobile",
    }


def csv_text(header: list[str], rows: list[dict[str, str]], newline: str = "\n") -> str:
    lines = [",".join(header)] + [",".join(row.get(c, "") for c in header) for row in rows]
    return newline.join(lines) + newline


def tx_csv(case: int, *overrides: dict[str, str], header: list[str] = TX_COLUMNS, newline: str = "\n") -> str:
    """A transactions CSV: one valid row per `overrides` entry, with those values changed."""
    return csv_text(header, [{**tx_values(case, n), **o} for n, o in enumerate(overrides)], newline)


def jsonl(case: int, *lines: dict | str) -> bytes:
    """Web events: a dict is a valid event with those values changed, a str a raw line."""
    out = [raw if isinstance(raw, str) else json.dumps({**web_values(case, n), **raw}) for n, raw in enumerate(lines)]
    return ("\n".join(out) + "\n").encode()


def good_files() -> list[Case]:
    """The good file of each dataset, landed with the corpus: all its rows must reach silver."""
    return [
        Case("good CSV", TX, "good.csv", tx_csv(0, {}, {}, {}).encode(), INGESTED, "", silver=3),
        Case("good JSON lines", WEB, "good.jsonl", jsonl(0, {}, {}, {}), INGESTED, "", silver=3),
    ]


def _csv_cases() -> list[Case]:
    ok = tx_csv  # readability: ok(case, {}, {}) is a file with two valid rows
    cases = [
        Case("empty (zero bytes)", TX, "empty.csv", b"", EMPTY, "empty"),
        Case("only whitespace", TX, "blank.csv", b"  \n\t\n\n", EMPTY, "empty"),
        Case("header only", TX, "header_only.csv", (",".join(TX_COLUMNS) + "\n").encode(), INGESTED, ""),
        Case(
            "truncated (cut mid-row)",
            TX,
            "truncated.csv",
            ok(4, {}, {}).encode()[:-40],
            QUARANTINED,
            "malformed record",
            silver=1,
            quarantined=1,
        ),
        Case("binary (random bytes)", TX, "binary.csv", bytes(range(256)) * 4, FILE_REJECTED, "NUL byte"),
        Case(
            "NUL bytes in a row",
            TX,
            "nul.csv",
            ok(6, {}, {"channel": "on\x00line"}).encode(),
            FILE_REJECTED,
            "NUL byte at line 3",
        ),
        Case(
            "wrong delimiter (;)",
            TX,
            "semicolon.csv",
            ok(7, {}, {}).replace(",", ";").encode(),
            FILE_REJECTED,
            "is the delimiter ';'",
        ),
        Case(
            "no header row",
            TX,
            "headerless.csv",
            ok(8, {}, {}).split("\n", 1)[1].encode(),
            FILE_REJECTED,
            "names none of the declared columns",
        ),
        Case(
            "blank first line", TX, "blank_first.csv", ("\n" + ok(9, {})).encode(), FILE_REJECTED, "first line is blank"
        ),
        Case("UTF-8 BOM", TX, "bom.csv", b"\xef\xbb\xbf" + ok(10, {}, {}).encode(), INGESTED, "", silver=2),
        Case("CRLF line endings", TX, "crlf.csv", ok(11, {}, {}, newline="\r\n").encode(), INGESTED, "", silver=2),
        Case(
            "bare CR (old Mac) line endings",
            TX,
            "cr.csv",
            ok(12, {}, {}, newline="\r").encode(),
            FILE_REJECTED,
            "bare CR line break at line 1",
        ),
        Case(
            "mixed line endings",
            TX,
            "mixed.csv",
            ok(13, {}, {}).replace("\n", "\r", 2).replace("\r", "\n", 1).encode(),
            FILE_REJECTED,
            "bare CR line break at line 2",
        ),
        Case(
            "Latin-1 text",
            TX,
            "latin1.csv",
            ok(14, {}, {"status": "complété"}).encode("latin-1"),
            FILE_REJECTED,
            "not valid UTF-8: byte b'\\xe9' at line 3",
        ),
        Case("UTF-16 text", TX, "utf16.csv", ok(15, {}).encode("utf-16"), FILE_REJECTED, "UTF-16"),
        Case(
            "gzip-compressed",
            TX,
            "gzipped.csv",
            gzip.compress(ok(16, {}).encode()),
            FILE_REJECTED,
            "gzip-compressed: compressed files are not supported",
        ),
        Case(
            "Excel workbook renamed .csv",
            TX,
            "workbook.csv",
            b"PK\x03\x04\x14\x00\x06\x00" + bytes(64),
            FILE_REJECTED,
            "zip archive (an Excel .xlsx workbook?)",
        ),
        Case(
            "extra column",
            TX,
            "extra.csv",
            ok(18, {"coupon": "X"}, {}, header=TX_COLUMNS + ["coupon"]).encode(),
            INGESTED,
            "extra columns: coupon",
            silver=2,
        ),
        Case(
            "missing optional column",
            TX,
            "no_channel.csv",
            ok(19, {}, {}, header=[c for c in TX_COLUMNS if c != "channel"]).encode(),
            QUARANTINED,
            "the file has no column channel: its rows are not read as nulls",
            quarantined=2,
        ),
        Case(
            "missing key column",
            TX,
            "no_id.csv",
            ok(20, {}, {}, header=TX_COLUMNS[1:]).encode(),
            QUARANTINED,
            "transaction_id: required value is missing",
            quarantined=2,
        ),
        Case(
            "reordered, different case and spaces in header",
            TX,
            "header_case.csv",
            ok(21, {}, {}, header=TX_COLUMNS[::-1]).replace("status,channel", " Status , CHANNEL ").encode(),
            INGESTED,
            "",
            silver=2,
        ),
        Case(
            "duplicate column names",
            TX,
            "dup_header.csv",
            ok(22, {}, header=TX_COLUMNS + ["Amount"]).encode(),
            FILE_REJECTED,
            "duplicate column names in the header: amount",
        ),
        Case(
            "header with our own or odd column names",
            TX,
            "replay.csv",
            ok(33, {}, header=TX_COLUMNS + ["_corrupt_record", "_bronze_file", "a.b`c"]).encode(),
            INGESTED,
            "extra columns: _corrupt_record, _bronze_file, a.b`c",
            silver=1,
        ),
        Case(
            "wrong types",
            TX,
            "types.csv",
            ok(23, {}, {"amount": "abc"}).encode(),
            QUARANTINED,
            "amount: cannot parse 'abc'",
            silver=1,
            quarantined=1,
        ),
        Case(
            "numeric overflow",
            TX,
            "overflow.csv",
            ok(24, {"amount": "1e400"}, {"amount": "99999999999999999999.99"}).encode(),
            QUARANTINED,
            "amount: cannot parse '1e400'",
            quarantined=2,
        ),
        Case(
            "invalid date",
            TX,
            "bad_date.csv",
            ok(25, {}, {"transaction_ts": "2026-02-30T10:00:00Z"}).encode(),
            QUARANTINED,
            "transaction_ts: cannot parse '2026-02-30T10:00:00Z'",
            silver=1,
            quarantined=1,
        ),
        Case(
            "future date",
            TX,
            "future.csv",
            ok(26, {}, {"transaction_ts": "2099-01-01T00:00:00Z"}).encode(),
            QUARANTINED,
            "transaction_ts: '2099-01-01T00:00:00Z' is in the future",
            silver=1,
            quarantined=1,
        ),
        Case(
            "negative amount",
            TX,
            "negative.csv",
            ok(27, {}, {"amount": "-5.00"}).encode(),
            QUARANTINED,
            "amount: value '-5.00' fails",
            silver=1,
            quarantined=1,
        ),
        Case(
            "unterminated quote",
            TX,
            "quote.csv",
            ok(28, {"customer_id": '"C0000001'}, {}).encode(),
            QUARANTINED,
            "malformed record",  # RFC 4180: the open quote runs to the end of the file, one record
            quarantined=1,
        ),
        Case(
            "too many fields in a row",
            TX,
            "fields.csv",
            ok(29, {}, {"status": "completed,x,y"}).encode(),
            QUARANTINED,
            "malformed record",
            silver=1,
            quarantined=1,
        ),
        Case(
            "very long field (200 KB)",
            TX,
            "long_field.csv",
            ok(30, {}, {"channel": "x" * 200_000}).encode(),
            QUARANTINED,
            "channel: value 'xxxx",
            silver=1,
            quarantined=1,
        ),
        Case(
            "huge line (17 MiB)",
            TX,
            "huge_line.csv",
            ok(31, {}, {"channel": "y" * HUGE_LINE_BYTES}).encode(),
            FILE_REJECTED,
            "line 3 is longer than 16777216 bytes",
        ),
        Case("wrong file extension", TX, "export.txt", ok(32, {}).encode(), IGNORED, "not payments/transactions/*.csv"),
    ]
    return cases


def _json_cases() -> list[Case]:
    return [
        Case(
            "JSON with nested garbage",
            WEB,
            "nested.jsonl",
            jsonl(40, {}, {"customer_id": {"a": [1, {"b": None}]}}, '{"event_id": [}', "[1, 2]"),
            QUARANTINED,
            'customer_id: value \'{"a":[1,{"b":null}]}\' fails',
            silver=1,
            quarantined=3,
        ),
        Case(
            "JSON array on one line",
            WEB,
            "array.jsonl",
            jsonl(41, {}, json.dumps([web_values(41, 1), web_values(41, 2)])),
            QUARANTINED,
            "malformed record: '[{",
            silver=1,
            quarantined=1,
        ),
        Case(
            "JSON scalars and empty objects",
            WEB,
            "scalars.jsonl",
            jsonl(42, {}, "42", "null", "[]", "{}"),
            QUARANTINED,
            "malformed record: '42'",
            silver=1,
            quarantined=4,
        ),
        Case(
            "truncated JSON",
            WEB,
            "truncated.jsonl",
            jsonl(43, {}, {})[:-30],
            QUARANTINED,
            "malformed record",
            silver=1,
            quarantined=1,
        ),
        Case(
            "JSON lines with BOM and CRLF",
            WEB,
            "bom_crlf.jsonl",
            b"\xef\xbb\xbf" + jsonl(44, {}, {}).replace(b"\n", b"\r\n"),
            INGESTED,
            "",
            silver=2,
        ),
        Case(
            "JSON long field (200 KB)",
            WEB,
            "long_page.jsonl",
            jsonl(45, {"page": "/" + "p" * 200_000}),
            INGESTED,
            "",
            silver=1,
        ),
        Case(
            "gzip-compressed JSON lines",
            WEB,
            "gzipped.jsonl",
            gzip.compress(jsonl(46, {})),
            FILE_REJECTED,
            "gzip-compressed",
        ),
    ]


def _key_cases() -> list[Case]:
    tx = tx_csv(50, {}).encode()
    return [
        Case(
            "key with '..'",
            TX,
            "payments/transactions/../../../etc/passwd.csv",
            None,
            KEY_REJECTED,
            "'.', '..' and empty segments are not allowed",
        ),
        Case("absolute key", TX, "/etc/transactions.csv", None, KEY_REJECTED, "absolute paths are not allowed"),
        Case("empty key", TX, "", None, KEY_REJECTED, "rejected object key '': empty"),
        Case("key with NUL", TX, "payments/transactions/a\x00.csv", None, KEY_REJECTED, "character U+0000"),
        Case("key with newline", TX, "line\nbreak.csv", tx, KEY_REJECTED, "character U+000A"),
        Case("key with C1 control", TX, "next\x85line.csv", tx, KEY_REJECTED, "character U+0085"),
        Case(
            "key with bidi override",
            TX,
            "invoice\u202evsc.csv",
            tx,
            KEY_REJECTED,
            "character U+202E RIGHT-TO-LEFT OVERRIDE",
        ),
        Case(
            "key with zero-width space",
            TX,
            "zero\u200bwidth.csv",
            tx,
            KEY_REJECTED,
            "character U+200B ZERO WIDTH SPACE",
        ),
        Case("key with bytes that are not UTF-8", TX, "caf\udce9.csv", tx, KEY_REJECTED, "not UTF-8"),
        Case("key over 200 bytes", TX, "k" * 210 + ".csv", tx, KEY_REJECTED, "longer than 200 bytes"),
        Case("unicode key (accents, CJK)", TX, "données_été_日本.csv", tx_csv(60, {}).encode(), INGESTED, "", silver=1),
    ]


def corpus() -> list[Case]:
    """Every kind of bad input, plus the good file of each dataset."""
    return good_files() + _csv_cases() + _json_cases() + _key_cases()
