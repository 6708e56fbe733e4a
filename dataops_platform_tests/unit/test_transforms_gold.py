"""Gold transforms on tiny silver DataFrames: every health-score branch and the aggregates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import reduce

from pyspark.sql import DataFrame

from dataops_platform.transforms.gold import (
    customer_360,
    daily_revenue,
    revenue_reconciliation,
    spend_reconciliation,
)

AS_OF = dt.date(2026, 11, 20)
TS = lambda d, h=12: dt.datetime(d.year, d.month, d.day, h)  # noqa: E731


def frames(spark, customers, transactions, events=(), tickets=()):
    c = spark.createDataFrame(
        customers,
        "customer_id string, first_name string, last_name string, email string, phone string, signup_date date, "
        "region string, status string, updated_at timestamp",
    )
    t = spark.createDataFrame(
        transactions,
        "transaction_id string, customer_id string, transaction_ts timestamp, amount decimal(18,2), channel string, status string",
    )
    e = spark.createDataFrame(
        list(events),
        "event_id string, customer_id string, session_id string, event_ts timestamp, event_type string, page string, device string",
    )
    k = spark.createDataFrame(
        list(tickets),
        "ticket_id string, customer_id string, created_at timestamp, updated_at timestamp, status string, priority string, "
        "channel string, subject string",
    )
    return c, t, e, k


def customer(cid, region="north", signup=dt.date(2025, 1, 1)):
    return (cid, "Ann", "Lee", f"{cid.lower()}@example.com", None, signup, region, "active", TS(signup))


def tx(tid, cid, day, amount, status="completed", channel="online"):
    return (tid, cid, TS(day), Decimal(amount), channel, status)


def test_health_score_branches_and_counts(spark):
    old = dt.date(2026, 9, 1)
    customers = [customer(f"C000000{i}") for i in range(1, 7)] + [customer("C0000007", signup=dt.date(2026, 12, 1))]
    transactions = [
        tx("T1", "C0000001", old, "1000.01"),  # spend > 1000 -> 100
        tx("T2", "C0000002", old, "500.01"),  # spend > 500 -> 80
        *[tx(f"T3{i}", "C0000003", old, "1.00") for i in range(6)],  # > 5 transactions -> 60
        tx("T4", "C0000004", AS_OF - dt.timedelta(days=29), "5.00"),  # within 30 days -> 40
        tx("T4b", "C0000004", AS_OF - dt.timedelta(days=1), "9.00", status="failed"),  # not spend
        tx("T6", "C0000006", AS_OF + dt.timedelta(days=1), "5000.00"),  # after as-of: ignored
    ]
    tickets = [(f"K{i}", "C0000005", TS(old), TS(old), "open", "low", "chat", "x") for i in range(4)]
    tickets.append(("K9", "C0000005", TS(old), TS(old), "closed", "low", "chat", "x"))
    events = [
        ("E1", "C0000001", "s", TS(old, 9), "click", "/", "mobile"),
        ("E2", "C0000001", "s", TS(old, 10), "login", "/", "mobile"),
    ]
    out = {
        r["customer_id"]: r
        for r in customer_360(*frames(spark, customers, transactions, events, tickets), [AS_OF]).collect()
    }
    assert "C0000007" not in out  # signed up after the as-of date
    assert {cid: r["health_score"] for cid, r in out.items()} == {
        "C0000001": 100,
        "C0000002": 80,
        "C0000003": 60,
        "C0000004": 40,
        "C0000005": 20,
        "C0000006": 30,
    }
    assert out["C0000003"]["transaction_count"] == 6 and out["C0000003"]["total_spend"] == Decimal("6.00")
    assert out["C0000004"]["last_transaction_date"] == AS_OF - dt.timedelta(days=29)
    assert (out["C0000005"]["support_ticket_count"], out["C0000005"]["open_ticket_count"]) == (5, 4)
    assert (out["C0000001"]["web_event_count"], out["C0000001"]["last_web_activity"]) == (2, TS(old, 10))
    assert out["C0000006"]["total_spend"] == Decimal("0.00") and out["C0000006"]["last_transaction_date"] is None
    assert out["C0000001"]["full_name"] == "Ann Lee" and out["C0000001"]["as_of_date"] == AS_OF


def test_thirty_day_window_counts_back_from_as_of(spark):
    customers = [customer("C0000001"), customer("C0000002")]
    transactions = [tx("T1", "C0000001", AS_OF - dt.timedelta(days=30), "1.00"), tx("T2", "C0000002", AS_OF, "1.00")]
    out = {
        r["customer_id"]: r["health_score"]
        for r in customer_360(*frames(spark, customers, transactions), [AS_OF]).collect()
    }
    assert out == {"C0000001": 30, "C0000002": 40}


def test_daily_revenue_by_region_and_channel(spark):
    customers = [customer("C0000001", "north"), customer("C0000002", "south")]
    transactions = [
        tx("T1", "C0000001", AS_OF, "10.00"),
        tx("T2", "C0000001", AS_OF, "5.50"),
        tx("T3", "C0000002", AS_OF, "7.00", channel="store"),
        tx("T4", "C0000002", AS_OF, "100.00", status="pending"),
        tx("T5", "C0009999", AS_OF, "1.00"),  # orphan customer -> region unknown
        tx("T6", "C0000001", AS_OF - dt.timedelta(days=1), "99.00"),  # other day
    ]
    c, t, _, _ = frames(spark, customers, transactions)
    rows = {(r["region"], r["channel"]): r for r in daily_revenue(t, c, [AS_OF]).collect()}
    assert set(rows) == {("north", "online"), ("south", "store"), ("unknown", "online")}
    north = rows[("north", "online")]
    assert (north["transaction_count"], north["revenue"], north["distinct_customers"]) == (2, Decimal("15.50"), 1)
    assert rows[("south", "store")]["revenue"] == Decimal("7.00")
    assert all(r["revenue_date"] == AS_OF for r in rows.values())


def test_reconciliation_per_as_of_date_of_a_batch(spark):
    """Several as-of dates built in one plan reconcile date by date with silver."""
    day1, day2, day3 = AS_OF - dt.timedelta(days=2), AS_OF - dt.timedelta(days=1), AS_OF
    customers = [customer("C0000001"), customer("C0000002", signup=day2)]
    transactions = [
        tx("T0", "C0000001", day1 - dt.timedelta(days=10), "2.00"),  # history before the first date
        tx("T1", "C0000001", day1, "10.00"),
        tx("T2", "C0000002", day2, "4.00"),
        tx("T3", "C0000001", day3, "1.50"),
        tx("T4", "C0000001", day3, "8.00", status="pending"),  # not spend
        tx("T5", "C0009999", day2, "3.00"),  # orphan: no customer row on any date
    ]
    c, t, e, k = frames(spark, customers, transactions)
    days = [day1, day2, day3]
    c360 = customer_360(c, t, e, k, days)
    one_by_one = reduce(DataFrame.unionByName, [customer_360(c, t, e, k, [day]) for day in days])
    assert sorted(c360.collect()) == sorted(one_by_one.collect())  # running totals = each date on its own
    assert spend_reconciliation(c360, t, days) == {
        day1: ("total_spend", Decimal("12.00"), Decimal("12.00")),
        day2: ("total_spend", Decimal("16.00"), Decimal("16.00")),
        day3: ("total_spend", Decimal("17.50"), Decimal("17.50")),
    }
    revenue = daily_revenue(t, c, days)
    assert revenue_reconciliation(revenue, t, days) == {
        day1: ("revenue", Decimal("10.00"), Decimal("10.00")),
        day2: ("revenue", Decimal("7.00"), Decimal("7.00")),
        day3: ("revenue", Decimal("1.50"), Decimal("1.50")),
    }
    # a gold total that drifts from silver on one date shows on that date only
    assert revenue_reconciliation(revenue.filter(revenue.revenue_date != day2), t, days)[day2] == (
        "revenue",
        Decimal("7.00"),
        0,
    )
