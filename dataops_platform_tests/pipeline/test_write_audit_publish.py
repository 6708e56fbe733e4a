"""Write-audit-publish on real files through the real silver step (bronze -> staged batch ->
audit -> publish or hold): re-sent rows and files, conflicting versions, a missing column,
rescued / added / refused columns, RFC 4180 quoting, null tokens, a Latin-1 feed, consistency
evaluated in the run, and a replay that publishes fixed rows with the accuracy check exact."""

from __future__ import annotations

import datetime as dt

import pytest
from deltalake import DeltaTable

from dataops_platform.steps.replay import silver_or_replay
from dataops_platform.steps.runner import run_silver
from dataops_platform.storage.bronze import BronzeStore
from dataops_platform.storage.layout import TableUris
from dataops_platform_tests.support.quality_helpers import declaration, land_and_ingest, tables
from dataops_platform_tests.support.silver_steps import silver_day

DAY = dt.date(2026, 11, 15)
NEXT = DAY + dt.timedelta(days=1)
TX_HEADER = "transaction_id,customer_id,transaction_ts,amount,channel,status\n"
CU_HEADER = "customer_id,first_name,last_name,email,phone,signup_date,region,status,updated_at\n"


def tx(i: int, amount: str = "10.00", ts: str = "2026-11-15T10:00:00Z", channel: str = "online") -> str:
    return f"T{i:010d},C{i % 7:07d},{ts},{amount},{channel},completed\n"


def rows(uri: str) -> list[dict]:
    return DeltaTable(uri).to_pyarrow_table().to_pylist()


class Lake(TableUris):
    """The steps' view of a local lake, as the job process builds it."""

    def __init__(self, root, intake):
        self.lake_root, self.bronze, self.tables = str(root), BronzeStore(str(root), str(intake)), tables()


@pytest.fixture
def lake(lake_dirs):
    intake, root = lake_dirs
    return Lake(root, intake), intake, root


def silver(spark, lake, name, day, files, decl=None):
    """Land `files` on `day`, ingest them, and run the audited silver batch of that day."""
    steps_lake, intake, root = lake
    decl = decl or declaration(name)
    store = land_and_ingest(intake, root, decl, day, files)
    uri = steps_lake.silver_uri
    return silver_day(
        spark,
        store,
        decl,
        day,
        uri(name),
        steps_lake.quarantine_uri(name),
        steps_lake.tables,
        {"customers": uri("customers")},
    )


def with_customers(spark, lake, day=DAY):
    """Silver customers C0000000..C0000006: every transaction's customer exists."""
    text = CU_HEADER + "".join(
        f"C{i:07d},A,B,a{i}@example.com,,2025-01-01,north,active,2026-11-15T08:00:00Z\n" for i in range(7)
    )
    silver(spark, lake, "customers", day, {"customers.csv": text})


def test_resent_rows_and_files_are_counted_never_failed(spark, lake):
    with_customers(spark, lake)
    first = [tx(i) for i in range(1, 201)]
    outcome, checks = silver(spark, lake, "transactions", DAY, {"a.csv": TX_HEADER + "".join(first)})
    assert (outcome.rows_inserted, outcome.resent) == (200, 0) and all(c.passed for c in checks.values())
    # the same day, a file re-sending 150 of those rows plus 5 new ones: the day's batch holds both files
    overlap = TX_HEADER + "".join(first[:150]) + "".join(tx(i) for i in range(201, 206))
    outcome, checks = silver(spark, lake, "transactions", DAY, {"b.csv": overlap})
    assert (outcome.rows_read, outcome.rows_inserted, outcome.rows_updated) == (355, 5, 0)
    assert (outcome.duplicates_removed, outcome.rows_resent, outcome.resent) == (150, 200, 350)
    assert checks["uniqueness"].passed and checks["uniqueness"].metadata["resent"] == 350
    assert checks["accuracy"].passed and checks["accuracy"].metadata["unaccounted"] == 0
    assert all(c.passed for c in checks.values()), {n: c.summary for n, c in checks.items() if not c.passed}
    # the next day, the whole first file again under another name: nothing changes, all green
    outcome, checks = silver(spark, lake, "transactions", NEXT, {"a_again.csv": TX_HEADER + "".join(first)})
    assert (outcome.rows_inserted, outcome.rows_updated, outcome.rows_resent) == (0, 0, 200)
    assert all(c.passed for c in checks.values()) and outcome.published
    assert len(rows(lake[0].silver_uri("transactions"))) == 205


def test_later_versions_update_and_conflicts_fail_uniqueness(spark, lake):
    base = [tx(i) for i in range(1, 201)]
    silver(spark, lake, "transactions", DAY, {"a.csv": TX_HEADER + "".join(base)})
    version = DeltaTable(lake[0].silver_uri("transactions")).version()
    later = [tx(i, "11.00", ts="2026-11-15T11:00:00Z") for i in range(1, 11)]  # superseding versions
    conflicting = [tx(i, "99.00") for i in range(11, 71)] + [tx(i, "98.00") for i in range(11, 71)]  # same event time
    outcome, checks = silver(spark, lake, "transactions", NEXT, {"b.csv": TX_HEADER + "".join(later + conflicting)})
    assert outcome.rows_conflicting == 60 and outcome.duplicates_removed == 0
    uniqueness = checks["uniqueness"]
    assert not uniqueness.passed and uniqueness.metadata["conflicts"] == 60
    assert uniqueness.metadata["conflict_fraction"] == pytest.approx(60 / 130, abs=1e-6)
    assert len(uniqueness.metadata["conflict_samples"]) == 3
    assert outcome.held_by == ["uniqueness"]  # a blocking failure: nothing of the batch is published
    assert DeltaTable(lake[0].silver_uri("transactions")).version() == version
    held = [r for r in rows(lake[0].quarantine_uri("transactions")) if r["_ingestion_date"] == NEXT]
    assert len(held) == 130 and all(r["_failed_rules"] == ["batch_held"] for r in held)
    assert checks["accuracy"].passed and checks["accuracy"].metadata["held"] == 130


def test_missing_column_holds_the_batch_with_figures_in_the_error(spark, lake):
    steps_lake, intake, root = lake
    decl = declaration("transactions")
    land_and_ingest(intake, root, decl, DAY, {"a.csv": TX_HEADER + "".join(tx(i) for i in range(1, 101))})
    run_silver(spark, steps_lake, decl, [DAY], [], _Log())
    before = DeltaTable(steps_lake.silver_uri("transactions")).version()
    no_status = "transaction_id,customer_id,transaction_ts,amount,channel\n" + "".join(
        f"T{i:010d},C0000001,2026-11-16T10:00:00Z,5.00,online\n" for i in range(500, 520)
    )
    land_and_ingest(intake, root, decl, NEXT, {"b.csv": no_status, "c.csv": TX_HEADER + tx(900)})
    log = _Log()
    result = run_silver(spark, steps_lake, decl, [NEXT], [], log)
    assert DeltaTable(steps_lake.silver_uri("transactions")).version() == before  # published table unchanged
    assert result.failure and "silver/transactions not published for 2026-11-16" in result.failure
    assert "schema_drift: missing: ['status']" in result.failure and f"unchanged (v{before})" in result.failure
    assert [m.asset_key for m in result.materializations] == [("quarantine", "transactions")]
    quarantined = [r for r in rows(steps_lake.quarantine_uri("transactions")) if r["_ingestion_date"] == NEXT]
    from_b = [r for r in quarantined if r["_bronze_file"].endswith("_b.csv")]
    assert len(from_b) == 20 and all("the file has no column status" in r["_reasons"][0] for r in from_b)
    assert [r["_failed_rules"] for r in quarantined if r["_bronze_file"].endswith("_c.csv")] == [["batch_held"]]
    checks = {c.outcome.name: c.outcome for c in result.checks}
    assert not checks["schema_drift"].passed and checks["accuracy"].passed


def test_undeclared_columns_are_rescued_added_or_refused(spark, lake):
    extra = "transaction_id,customer_id,transaction_ts,amount,channel,status,Coupon Code\n" + "".join(
        f"T{i:010d},C0000001,2026-11-15T10:00:00Z,5.00,online,completed,{'X' if i % 2 else ''}\n" for i in range(1, 5)
    )
    outcome, _ = silver(spark, lake, "transactions", DAY, {"a.csv": extra})
    table = {r["transaction_id"]: r for r in rows(lake[0].silver_uri("transactions"))}
    assert table["T0000000001"]["_rescued_data"] == '{"Coupon Code":"X"}'
    assert table["T0000000002"]["_rescued_data"] is None and outcome.rows_inserted == 4

    added = declaration("transactions").model_copy(update={"schema_evolution": "add", "name": "transactions"})
    steps_lake = lake[0]
    steps_lake.lake_root = str(lake[2] / "added")
    outcome, _ = silver(spark, lake, "transactions", NEXT, {"b.csv": extra}, decl=added)
    table = {r["transaction_id"]: r for r in rows(steps_lake.silver_uri("transactions"))}
    assert table["T0000000001"]["coupon_code"] == "X" and "_rescued_data" not in table["T0000000001"]

    refused = declaration("transactions").model_copy(update={"schema_evolution": "fail"})
    steps_lake.lake_root = str(lake[2] / "refused")
    later = NEXT + dt.timedelta(days=1)
    outcome, checks = silver(spark, lake, "transactions", later, {"c.csv": extra}, decl=refused)
    quarantined = rows(steps_lake.quarantine_uri("transactions"))
    assert outcome.rule_failures["file_columns"] == 4 and len(quarantined) == 4
    assert "undeclared column(s) Coupon Code (schema_evolution: fail)" in quarantined[0]["_reasons"][0]
    assert {r["_rescued_data"] for r in quarantined} == {'{"Coupon Code":"X"}', None}  # nothing lost


def test_rfc4180_quotes_spanning_lines_and_null_tokens(spark, lake):
    text = CU_HEADER + (
        'C0000001,Ann,"Lee,\nJr.",ann@example.com,NULL,2025-01-01,N/A,active,2026-11-15T08:00:00Z\n'
        'C0000002,"Bo ""Bob""",Ray,bo@example.com,555-0100,2025-01-02,north,null,2026-11-15T08:00:00Z\n'
    )
    outcome, checks = silver(spark, lake, "customers", DAY, {"c.csv": text})
    assert (outcome.source_records, outcome.rows_read, outcome.rows_quarantined) == (2, 2, 0)
    table = {r["customer_id"]: r for r in rows(lake[0].silver_uri("customers"))}
    assert table["C0000001"]["last_name"] == "Lee,\nJr." and table["C0000001"]["phone"] is None
    assert table["C0000001"]["region"] is None and table["C0000002"]["status"] is None
    assert table["C0000002"]["first_name"] == 'Bo "Bob"'
    assert checks["accuracy"].passed


def test_declared_latin1_feed_is_decoded(spark, lake):
    latin1 = declaration("customers").model_copy(
        update={"dialect": declaration("customers").dialect.model_copy(update={"encoding": "latin-1"})}
    )
    body = CU_HEADER + "C0000003,José,Müller,jose@example.com,,2025-01-03,south,active,2026-11-15T08:00:00Z\n"
    outcome, _ = silver(spark, lake, "customers", DAY, {"l.csv": body.encode("latin-1")}, decl=latin1)
    [row] = rows(lake[0].silver_uri("customers"))
    assert (row["first_name"], row["last_name"]) == ("José", "Müller") and outcome.rows_quarantined == 0
    # the same bytes, declared as UTF-8 (the default), are refused with the reason
    outcome, _ = silver(spark, lake, "customers", NEXT, {"u.csv": body.encode("latin-1")})
    assert "not valid UTF-8" in next(iter(outcome.read_report.rejected_files.values()))


def test_consistency_is_evaluated_in_the_silver_run(spark, lake):
    customers = CU_HEADER + "".join(
        f"C{i:07d},A,B,a{i}@example.com,,2025-01-01,north,active,2026-11-15T08:00:00Z\n" for i in range(0, 5)
    )
    silver(spark, lake, "customers", DAY, {"c.csv": customers})
    # customer ids C0000000..C0000006 (i % 7): 5 and 6 do not exist
    _, checks = silver(spark, lake, "transactions", DAY, {"t.csv": TX_HEADER + "".join(tx(i) for i in range(1, 15))})
    consistency = checks["consistency"]
    orphans, checked, samples = 4, 14, ["C0000005", "C0000006"]
    figures = consistency.metadata["references"]["customer_id"]
    assert (figures["orphans"], figures["checked"], figures["samples"]) == (orphans, checked, samples)
    assert consistency.severity == "WARN"


def test_replay_publishes_fixed_rows_and_logs_them(spark, lake):
    steps_lake, intake, root = lake
    decl = declaration("transactions")
    body = TX_HEADER + "".join(tx(i) for i in range(1, 21)) + "".join(tx(i, channel="kiosk") for i in range(21, 24))
    land_and_ingest(intake, root, decl, DAY, {"a.csv": body})
    first = run_silver(spark, steps_lake, decl, [DAY], [], _Log())
    assert first.failure is None and len(rows(steps_lake.quarantine_uri("transactions"))) == 3
    # the cleansing rules learn the new spelling: kiosk is a store
    values = {**decl.cleansing.values, "channel": {**decl.cleansing.values["channel"], "kiosk": "store"}}
    fixed = decl.model_copy(update={"cleansing": decl.cleansing.model_copy(update={"values": values})})
    result = silver_or_replay(spark, steps_lake, fixed, [DAY], [], _Log(), "channel kiosk mapped to store")
    assert rows(steps_lake.quarantine_uri("transactions")) == []
    table = {r["transaction_id"]: r for r in rows(steps_lake.silver_uri("transactions"))}
    assert len(table) == 23 and table["T0000000021"]["channel"] == "store"
    log = rows(steps_lake.replayed_uri("transactions"))
    assert sorted(r["transaction_id"] for r in log) == ["T0000000021", "T0000000022", "T0000000023"]
    assert log[0]["_replay_note"] == "channel kiosk mapped to store" and log[0]["_reasons"]
    checks = {c.outcome.name: c.outcome for c in result.checks}
    assert checks["accuracy"].passed and checks["accuracy"].metadata["inserted"] == 3
    assert checks["accuracy"].metadata["resent"] == 20
    silver_metadata = result.materializations[0].metadata
    assert (silver_metadata["replayed_rows"], silver_metadata["quarantined_before_replay"]) == (3, 3)


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, msg):
        self.lines.append(msg)

    warning = error = info
