"""Gold data products built from silver DataFrames."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
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


def _up_to(df: DataFrame, ts_column: str, as_of: dt.date) -> DataFrame:
    return df.filter(F.to_date(F.col(ts_column)) <= F.lit(as_of))


def customer_360(
    customers: DataFrame, transactions: DataFrame, web_events: DataFrame, tickets: DataFrame, as_of: dt.date
) -> DataFrame:
    """One row per customer known on `as_of`, with activity up to and including that day."""
    spend = (
        _up_to(transactions, "transaction_ts", as_of)
        .filter(F.col("status") == SPEND_STATUS)
        .groupBy("customer_id")
        .agg(
            F.count("*").alias("transaction_count"),
            F.sum("amount").alias("total_spend"),
            F.max(F.to_date("transaction_ts")).alias("last_transaction_date"),
        )
    )
    web = (
        _up_to(web_events, "event_ts", as_of)
        .groupBy("customer_id")
        .agg(F.count("*").alias("web_event_count"), F.max("event_ts").alias("last_web_activity"))
    )
    support = (
        _up_to(tickets, "created_at", as_of)
        .groupBy("customer_id")
        .agg(
            F.count("*").alias("support_ticket_count"),
            F.count(F.when(F.col("status").isin(OPEN_TICKET_STATUSES), 1)).alias("open_ticket_count"),
        )
    )
    known = customers.filter(F.col("signup_date").isNull() | (F.col("signup_date") <= F.lit(as_of)))
    joined = (
        known.select(
            "customer_id",
            "email",
            F.concat_ws(" ", "first_name", "last_name").alias("full_name"),
            F.coalesce("region", F.lit(UNKNOWN_REGION)).alias("signup_region"),
            "signup_date",
        )
        .join(spend, "customer_id", "left")
        .join(web, "customer_id", "left")
        .join(support, "customer_id", "left")
    )
    counts = ["transaction_count", "web_event_count", "support_ticket_count", "open_ticket_count"]
    filled = joined.fillna(0, subset=counts).withColumn(
        "total_spend", F.coalesce("total_spend", F.lit(0).cast("decimal(28,2)")).cast("decimal(28,2)")
    )
    days_since_last = F.datediff(F.lit(as_of), F.col("last_transaction_date"))
    return filled.select(
        "customer_id",
        "full_name",
        "email",
        "signup_region",
        "signup_date",
        F.col("transaction_count").cast("long"),
        "total_spend",
        "last_transaction_date",
        F.col("web_event_count").cast("long"),
        "last_web_activity",
        F.col("support_ticket_count").cast("long"),
        F.col("open_ticket_count").cast("long"),
        health_score(F.col("total_spend"), F.col("transaction_count"), days_since_last, F.col("open_ticket_count"))
        .cast("int")
        .alias("health_score"),
        F.lit(as_of).alias("as_of_date"),
    )


def daily_revenue(transactions: DataFrame, customers: DataFrame, day: dt.date) -> DataFrame:
    """Completed revenue of one day by signup region and channel."""
    regions = customers.select("customer_id", F.col("region").alias("signup_region"))
    return (
        transactions.filter((F.to_date("transaction_ts") == F.lit(day)) & (F.col("status") == SPEND_STATUS))
        .join(regions, "customer_id", "left")
        .withColumn("region", F.coalesce("signup_region", F.lit(UNKNOWN_REGION)))
        .withColumn("channel", F.coalesce("channel", F.lit("unknown")))
        .groupBy("region", "channel")
        .agg(
            F.count("*").cast("long").alias("transaction_count"),
            F.sum("amount").cast("decimal(28,2)").alias("revenue"),
            F.countDistinct("customer_id").cast("long").alias("distinct_customers"),
        )
        .select(
            F.lit(day).alias("revenue_date"), "region", "channel", "transaction_count", "revenue", "distinct_customers"
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
    the customers in that date's output."""
    completed = transactions.filter(F.col("status") == SPEND_STATUS).select(
        "customer_id", "amount", F.to_date("transaction_ts").alias("_day")
    )
    customers = output.select("customer_id", F.col("as_of_date").alias("_date"))
    expected = (
        completed.join(customers, "customer_id")
        .filter(F.col("_day") <= F.col("_date"))
        .groupBy("_date")
        .agg(F.sum("amount").alias("_total"))
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
