"""Gold data products built from silver DataFrames."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

OPEN_TICKET_STATUSES = ["open", "pending"]
SPEND_STATUS = "completed"
RECENT_DAYS = 30
UNKNOWN_REGION = "unknown"


def health_score(
    total_spend: Column, transaction_count: Column, days_since_last: Column, open_tickets: Column
) -> Column:
    """Customer health, first matching rule wins: 100 if spend > 1000; 80 if > 500; 60 if more
    than 5 transactions; 40 if a transaction in the last 30 days; 20 if more than 3 open
    tickets; else 30."""
    return (
        F.when(total_spend > 1000, 100)
        .when(total_spend > 500, 80)
        .when(transaction_count > 5, 60)
        .when(days_since_last < RECENT_DAYS, 40)
        .when(open_tickets > 3, 20)
        .otherwise(30)
    )


def _per_customer_and_day(df: DataFrame, ts_column: str, days: list[dt.date], *aggregates: Column) -> DataFrame:
    """`aggregates` per customer and day up to the last of `days`; the days before the first of
    them are summed as one day, the day before it."""
    day = F.to_date(F.col(ts_column))
    before_first = F.lit(days[0] - dt.timedelta(days=1))
    return (
        df.filter(day <= F.lit(days[-1]))
        .groupBy("customer_id", F.greatest(day, before_first).alias("_day"))
        .agg(*aggregates)
    )


def customer_360(
    customers: DataFrame, transactions: DataFrame, web_events: DataFrame, tickets: DataFrame, as_of_dates: list[dt.date]
) -> DataFrame:
    """One row per customer known on each as-of date, with activity up to and including that day.

    All dates in one plan: activity is summed per customer and day, then accumulated over the
    days in date order, so each further as-of date costs a running total, not another pass over
    the history."""
    days = sorted(set(as_of_dates))
    spend = _per_customer_and_day(
        transactions.filter(F.col("status") == SPEND_STATUS),
        "transaction_ts",
        days,
        F.count("*").alias("transaction_count"),
        F.sum("amount").alias("total_spend"),
        F.max(F.to_date("transaction_ts")).alias("last_transaction_date"),
    )
    web = _per_customer_and_day(
        web_events,
        "event_ts",
        days,
        F.count("*").alias("web_event_count"),
        F.max("event_ts").alias("last_web_activity"),
    )
    support = _per_customer_and_day(
        tickets,
        "created_at",
        days,
        F.count("*").alias("support_ticket_count"),
        F.count(F.when(F.col("status").isin(OPEN_TICKET_STATUSES), 1)).alias("open_ticket_count"),
    )
    dates = customers.sparkSession.createDataFrame([(d,) for d in days], "_day date")
    known = (
        customers.select("customer_id", "signup_date")
        .crossJoin(F.broadcast(dates))
        .filter(F.col("signup_date").isNull() | (F.col("signup_date") <= F.col("_day")))
        .select("customer_id", "_day", F.lit(True).alias("_as_of"))
    )
    activity = spend.unionByName(web, allowMissingColumns=True).unionByName(support, allowMissingColumns=True)
    rows = known.unionByName(activity.withColumn("_as_of", F.lit(False)), allowMissingColumns=True)
    # an as-of row comes after the activity of its own day: its running totals include that day
    so_far = Window.partitionBy("customer_id").orderBy("_day", "_as_of").rowsBetween(Window.unboundedPreceding, 0)
    counts = ["transaction_count", "web_event_count", "support_ticket_count", "open_ticket_count"]
    totals = rows.select(
        "customer_id",
        "_day",
        "_as_of",
        *[F.coalesce(F.sum(c).over(so_far), F.lit(0)).cast("long").alias(c) for c in counts],
        F.coalesce(F.sum("total_spend").over(so_far), F.lit(0)).cast("decimal(28,2)").alias("total_spend"),
        F.max("last_transaction_date").over(so_far).alias("last_transaction_date"),
        F.max("last_web_activity").over(so_far).alias("last_web_activity"),
    ).filter("_as_of")
    attributes = customers.select(
        "customer_id",
        F.concat_ws(" ", "first_name", "last_name").alias("full_name"),
        "email",
        F.coalesce("region", F.lit(UNKNOWN_REGION)).alias("signup_region"),
        "signup_date",
    )
    days_since_last = F.datediff(F.col("_day"), F.col("last_transaction_date"))
    return totals.join(attributes, "customer_id").select(
        "customer_id",
        "full_name",
        "email",
        "signup_region",
        "signup_date",
        "transaction_count",
        "total_spend",
        "last_transaction_date",
        "web_event_count",
        "last_web_activity",
        "support_ticket_count",
        "open_ticket_count",
        health_score(F.col("total_spend"), F.col("transaction_count"), days_since_last, F.col("open_ticket_count"))
        .cast("int")
        .alias("health_score"),
        F.col("_day").alias("as_of_date"),
    )


def daily_revenue(transactions: DataFrame, customers: DataFrame, revenue_dates: list[dt.date]) -> DataFrame:
    """Completed revenue of each day by signup region and channel (all days in one pass)."""
    day = F.to_date("transaction_ts")
    regions = customers.select("customer_id", F.col("region").alias("signup_region"))
    return (
        transactions.filter(day.isin(sorted(set(revenue_dates))) & (F.col("status") == SPEND_STATUS))
        .join(regions, "customer_id", "left")
        .groupBy(
            day.alias("revenue_date"),
            F.coalesce("signup_region", F.lit(UNKNOWN_REGION)).alias("region"),
            F.coalesce("channel", F.lit("unknown")).alias("channel"),
        )
        .agg(
            F.count("*").cast("long").alias("transaction_count"),
            F.sum("amount").cast("decimal(28,2)").alias("revenue"),
            F.countDistinct("customer_id").cast("long").alias("distinct_customers"),
        )
    )


Totals = dict[dt.date, tuple[str, object, object]]  # as-of date -> (figure, silver total, gold total)


def _totals_by_date(label: str, expected: DataFrame, actual: DataFrame, days: list[dt.date]) -> Totals:
    """Per date, the silver total and the gold total (both DataFrames: `_date`, `_total`), one job."""
    rows = expected.join(actual.withColumnRenamed("_total", "_gold"), "_date", "full_outer").collect()
    found = {r["_date"]: (r["_total"] or 0, r["_gold"] or 0) for r in rows}
    return {day: (label, *found.get(day, (0, 0))) for day in days}


def spend_reconciliation(output: DataFrame, transactions: DataFrame, days: list[dt.date]) -> Totals:
    """customer_360 total spend per as-of date vs. completed silver amounts up to that date of
    the customers in that date's output (silver summed per customer and day first)."""
    spent = _per_customer_and_day(
        transactions.filter(F.col("status") == SPEND_STATUS),
        "transaction_ts",
        sorted(days),
        F.sum("amount").alias("_a"),
    )
    customers = output.select("customer_id", F.col("as_of_date").alias("_date"))
    expected = (
        spent.join(customers, "customer_id")
        .filter(F.col("_day") <= F.col("_date"))
        .groupBy("_date")
        .agg(F.sum("_a").alias("_total"))
    )
    actual = output.groupBy(F.col("as_of_date").alias("_date")).agg(F.sum("total_spend").alias("_total"))
    return _totals_by_date("total_spend", expected, actual, days)


def revenue_reconciliation(output: DataFrame, transactions: DataFrame, days: list[dt.date]) -> Totals:
    """daily_revenue revenue per day vs. completed silver amounts of that day."""
    day = F.to_date("transaction_ts")
    expected = (
        transactions.filter(day.isin(days) & (F.col("status") == SPEND_STATUS))
        .groupBy(day.alias("_date"))
        .agg(F.sum("amount").alias("_total"))
    )
    actual = output.groupBy(F.col("revenue_date").alias("_date")).agg(F.sum("revenue").alias("_total"))
    return _totals_by_date("revenue", expected, actual, days)
