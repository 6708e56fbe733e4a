"""The bad-input corpus through the real path: intake listing (as the sensor scans it) and
requested keys (as a sensor run lists them) -> bronze -> one silver run per dataset. Every kind
gets its outcome with a clear reason, nothing is lost, and the good files are unaffected.
A summary table (kind | key | outcome | reason) is written to the terminal."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from deltalake import DeltaTable

from dataops_platform.orchestration.sensors.listing import ListingPolicy, ListingState, scan
from dataops_platform.steps.bronze import ingest_requested
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.file_checks import CHUNK, text_problem
from dataops_platform.storage.intake import matches
from dataops_platform.storage.record_counts import count_records
from dataops_platform_tests.support import bad_input_corpus as bad
from dataops_platform_tests.support.quality_helpers import declaration, tables, with_quality
from dataops_platform_tests.support.silver_steps import silver_day

DAY = dt.date(2026, 11, 15)
NOON = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc).timestamp()
CASES = bad.corpus()


@dataclass
class Observed:
    """What the platform did with one case, and the reason it gave."""

    outcome: str
    reason: str
    silver: list[dict]
    quarantined: list[dict]
    bronze: Path | None = None


@dataclass
class DatasetRun:
    """What one dataset's ingestion and silver run produced."""

    declaration: object
    key_rejections: list[str]
    ingested: dict  # intake key -> BronzeFile
    outcome: object  # SilverOutcome
    silver: list[dict]
    quarantine: list[dict]
    checks: dict


def intake_key(case: bad.Case, decl) -> str:
    return case.name if case.requested else decl.intake.prefix + case.name


def land(intake: Path, key: str, body: bytes) -> None:
    path = intake / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    os.utime(path, (NOON, NOON))


def run_dataset(spark, intake: Path, lake: Path, name: str) -> DatasetRun:
    # Each file's own outcome is what this corpus checks, so the batch-level gates only report here:
    # a batch held back by a failed blocking check is tested in test_write_audit_publish.py.
    decl = with_quality(declaration(name), validity="WARN", schema_drift="WARN")
    cases = [c for c in CASES if c.dataset == name]
    for case in cases:
        if not case.requested:
            land(intake, intake_key(case, decl), case.body)
    store = BronzeStore(str(lake), str(intake))
    accept = lambda key: matches(key, decl.intake.prefix, decl.intake.pattern)  # noqa: E731
    found = scan(
        store.intake,
        store.ledger(decl.source, decl.name),
        decl.intake.prefix,
        accept,
        ListingState(),
        ListingPolicy(),
        time.time(),
    )
    requested = [(f.key, f.version) for f in found.new] + [(c.name, "any") for c in cases if c.requested]
    bronze = ingest_requested(store, decl, DAY, requested)
    assert not bronze.failed and not bronze.superseded
    silver_uri, quarantine_uri = str(lake / "silver" / name), str(lake / "quarantine" / name)
    outcome, checks = silver_day(spark, store, decl, DAY, silver_uri, quarantine_uri, tables())
    rows = {uri: DeltaTable(uri).to_pyarrow_table().to_pylist() for uri in (silver_uri, quarantine_uri)}
    copies = {f.metadata["source_key"]: f for f in bronze.ingested}
    return DatasetRun(
        decl, found.rejected + bronze.rejected, copies, outcome, rows[silver_uri], rows[quarantine_uri], checks
    )


def _quoted(key: str) -> str:
    """How a rejection message shows the key (long keys are cut at 80 characters)."""
    return repr(key) if len(key) <= 80 else repr(key[:80])[:-1]


def _drift(report, file: str) -> list[str]:
    drift = {"extra columns": report.extra_columns.get(file), "missing columns": report.missing_columns.get(file)}
    return [f"{what}: {', '.join(columns)}" for what, columns in drift.items() if columns]


def observe(case: bad.Case, run: DatasetRun) -> Observed:
    """The outcome the platform gave one case, and the reason it reported."""
    decl, key = run.declaration, intake_key(case, run.declaration)
    rejections = [m for m in run.key_rejections if _quoted(key) in m]
    if rejections:
        return Observed(bad.KEY_REJECTED, rejections[0], [], [])
    if key not in run.ingested:
        return Observed(bad.IGNORED, f"not {decl.intake.prefix}{decl.intake.pattern}: left in the intake", [], [])
    copy = run.ingested[key]
    file, report = copy.path.name, run.outcome.read_report
    silver = [r for r in run.silver if r["_bronze_file"] == file]
    quarantined = [r for r in run.quarantine if r["_bronze_file"] == file]
    if file in report.empty_files:
        return Observed(bad.EMPTY, "empty file: no record (reported in empty_files)", silver, quarantined, copy.path)
    if file in report.rejected_files:
        return Observed(bad.FILE_REJECTED, report.rejected_files[file], silver, quarantined, copy.path)
    reasons = sorted({reason for row in quarantined for reason in row["_reasons"]})
    outcome = bad.QUARANTINED if quarantined else bad.INGESTED
    return Observed(outcome, "; ".join(_drift(report, file) + reasons), silver, quarantined, copy.path)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad_input")


@pytest.fixture(scope="module")
def observed(spark, root) -> dict[str, tuple[bad.Case, Observed, DatasetRun]]:
    """Both datasets' corpus files landed, ingested and run through silver (one run each)."""
    runs = {name: run_dataset(spark, root / "intake", root / "lake", name) for name in (bad.TX, bad.WEB)}
    return {case.kind: (case, observe(case, runs[case.dataset]), runs[case.dataset]) for case in CASES}


def test_the_corpus_covers_every_named_kind():
    kinds = " ".join(c.kind for c in CASES).lower()
    named = [
        "empty",
        "header only",
        "truncated",
        "binary",
        "wrong delimiter",
        "bom",
        "crlf",
        "latin-1",
        "extra column",
        "missing",
        "wrong types",
        "huge line",
        "gzip",
        "json with nested garbage",
        "duplicate column",
        "'..'",
        "unicode key",
    ]
    assert [k for k in named if k not in kinds] == []
    assert len([c for c in CASES if not c.kind.startswith("good")]) >= 20


@pytest.mark.parametrize("kind", [c.kind for c in CASES])
def test_each_kind_gets_its_outcome_with_a_clear_reason(observed, kind):
    case, seen, _ = observed[kind]
    assert (seen.outcome, len(seen.silver)) == (case.outcome, case.silver), seen.reason
    assert case.reason in seen.reason
    expected_quarantined = 1 if case.outcome == bad.FILE_REJECTED else case.quarantined
    assert len(seen.quarantined) == expected_quarantined
    if case.outcome == bad.FILE_REJECTED:  # one quarantine row carries the file and the reason
        assert seen.quarantined[0]["_failed_rules"] == ["file_readable"]
        assert seen.quarantined[0]["_reasons"] == [seen.reason]


@pytest.mark.parametrize("kind", [c.kind for c in CASES if c.body is not None and c.outcome != bad.KEY_REJECTED])
def test_nothing_is_lost(observed, kind):
    """Bronze holds the exact bytes; each record is in silver or quarantine (a rejected file: one row)."""
    case, seen, _ = observed[kind]
    if seen.bronze is None:  # ignored: still in the intake, untouched
        assert case.outcome == bad.IGNORED
        return
    assert seen.bronze.read_bytes() == case.body  # raw is raw
    records = 1 if seen.outcome == bad.FILE_REJECTED else count_records(seen.bronze, Path(case.name).suffix[1:])
    assert len(seen.silver) + len(seen.quarantined) == records


def test_rejected_keys_write_nothing_outside_intake_and_lake(observed, root):
    assert sorted(p.name for p in root.iterdir()) == ["intake", "lake"]
    ledger = [p.name for p in (root / "lake" / "_ledger").rglob("*") if p.is_file()]
    names = [c.name.rsplit("/", 1)[-1] for c, seen, _ in observed.values() if seen.outcome == bad.KEY_REJECTED]
    assert [name for name in names if name and any(name in entry for entry in ledger)] == []


def test_accuracy_holds_and_rejections_are_counted(observed):
    runs = {id(run): run for _, _, run in observed.values()}.values()
    for run in runs:
        accuracy = run.checks["accuracy"]
        assert accuracy.passed and accuracy.metadata["unaccounted"] == 0, accuracy.summary
        rejected = len(run.outcome.read_report.rejected_files)
        assert run.outcome.rule_failures["file_readable"] == rejected > 0


@pytest.mark.parametrize("good", bad.good_files(), ids=lambda c: c.kind)
def test_good_files_reach_silver_unchanged(observed, good):
    _, seen, _ = observed[good.kind]
    values = bad.tx_values if good.dataset == bad.TX else bad.web_values
    expected = [values(0, n) for n in range(good.silver)]
    as_text = [{c: _text(row[c]) for c in expected[0]} for row in seen.silver]
    assert sorted(as_text, key=str) == sorted(expected, key=str)


def _text(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, dt.datetime) else str(value)


def test_summary_table(observed, capsys):
    """kind | key | outcome | reason, written to the terminal even when output is captured."""
    rows = [("kind", "key", "outcome", "reason")]
    for case, seen, _ in observed.values():
        key = case.name if len(case.name) <= 30 else case.name[:27] + "..."
        reason = seen.reason or f"{len(seen.silver)} row(s) to silver"
        if seen.outcome in (bad.KEY_REJECTED, bad.FILE_REJECTED):  # the key or file is in its own column
            reason = reason.split(" rejected: " if seen.outcome == bad.FILE_REJECTED else "': ", 1)[-1]
        rows.append((case.kind, repr(key), seen.outcome, reason))
    lines = [f"{k:<46} | {n:<33} | {o:<22} | {r[:100]}" for k, n, o, r in rows]
    with capsys.disabled():
        print(f"\n\nbad-input corpus: {len(rows) - 1} cases\n" + "\n".join(lines))
    assert len(rows) == len(CASES) + 1


QUARANTINING = [c.kind for c in CASES if c.outcome in (bad.QUARANTINED, bad.FILE_REJECTED)]


@pytest.mark.parametrize("kind", QUARANTINING)
def test_every_quarantined_row_carries_its_reasons(observed, kind):
    """The quarantine table's own `_reasons` column: a non-empty reason per failed rule, on every row."""
    _, seen, run = observed[kind]
    assert seen.quarantined
    for row in seen.quarantined:
        assert row["_failed_rules"] and row["_reasons"], row
        assert all(isinstance(r, str) and r.strip() for r in row["_reasons"]), row["_reasons"]
    assert all("_reasons" in row for row in run.quarantine)


def test_file_checks_across_chunk_boundaries(tmp_path):
    """CRLF and multi-byte characters split by a 1 MiB chunk boundary are fine; a bare CR is not."""
    line = "é" * 40 + "\r\n"  # 82 bytes
    path = tmp_path / "big.csv"
    for shift in (0, 1, 41):  # the boundary falls between two characters, inside 'é', inside CRLF
        body = ("x" * shift + "\r\n" + line * (CHUNK // len(line.encode()) + 10)).encode()
        path.write_bytes(body)
        assert text_problem(path) is None, shift
        assert text_problem(path, max_line_bytes=0) is None  # the limit is never below one chunk
    path.write_bytes(b"a" * (CHUNK - 1) + b"\r" + b"b\n")
    assert text_problem(path).startswith(f"bare CR line break at line 1, byte offset {CHUNK - 1}")
    path.write_bytes(b"ok\r")  # a final CR ends the last line
    assert text_problem(path) is None
