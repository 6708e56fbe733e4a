"""The end-to-end baseline: a plain PySpark script, no orchestration, no checks, no metadata.

It does the platform's work the way a script would: read every intake file of the four
datasets at once, cleanse (trim, empty -> null, lowercase, standard values, cast), drop
invalid rows (unparseable, missing required values, out of range or pattern, unknown
values, event time too far after the landing day, malformed JSON lines), keep the latest
row per primary key, then build per-customer totals with a health score for every as-of day,
completed revenue per day, region and channel, and each SQL product's query (run as it is
declared, over the tables as views). Outputs are written as Delta tables with
deltalake through Arrow, exactly like the platform's embedded default, so the comparison
measures the platform's overhead and not a different writer. Column names, types, value
rules and cleansing maps come from the same dataset declarations, so both paths do the same
logical work; none of the platform's pipeline, transform or quality code is used.
What it does not do (the platform's extra work): copy files to bronze, write quarantine
tables, count failures per rule, run quality checks, record metadata.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

from deltalake import write_deltalake
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from bench.context import last_spark_job
from bench.report import timed
from dataops_platform.declarations import DatasetDeclaration, load_declarations, load_products

CORRUPT = "_corrupt_record"
DOMAIN = "customer360"  # the demo's domain: what the platform builds by default
CHECKS = {
    "greater_than_or_equal_to": lambda value, s: value >= F.lit(s["min_value"]),
    "less_than_or_equal_to": lambda value, s: value <= F.lit(s["max_value"]),
    "isin": lambda value, s: value.isin(list(s["allowed_values"])),
    "str_matches": lambda value, s: value.rlike(s["pattern"]),
}


@dataclass
class BaselineRun:
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    spark_jobs: int = 0
    silver_rows: dict[str, int] = field(default_factory=dict)


def _read(spark: SparkSession, intake: Path, d: DatasetDeclaration) -> DataFrame:
    files = sorted(str(p) for p in (intake / d.intake.prefix).rglob(d.intake.pattern))
    if d.format == "csv":
        raw = spark.read.csv(files, header=True).withColumn(CORRUPT, F.lit(None).cast("string"))
    else:
        schema = T.StructType([T.StructField(c, T.StringType()) for c in [*d.columns, CORRUPT]])
        raw = spark.read.json(files, schema=schema, mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT)
    landed = F.to_date(F.col("_metadata.file_modification_time"))
    return raw.select(*d.columns, CORRUPT, F.col("_metadata.file_name").alias("_file"), landed.alias("_landed"))


def _cleansed(d: DatasetDeclaration, name: str) -> Column:
    text = F.trim(F.col(name))
    text = F.when(text != "", text)
    if name in d.cleansing.lowercase:
        text = F.lower(text)
    values = d.cleansing.values.get(name)
    if values:
        text = F.coalesce(F.create_map(*[F.lit(x) for pair in values.items() for x in pair])[text], text)
    return text


def _valid(d: DatasetDeclaration, event: Column) -> Column:
    """True for rows that pass every rule (expects `<c>` typed and `_t_<c>` cleansed text)."""
    conditions = [F.col(CORRUPT).isNull()]
    for c in d.contract.columns:
        typed, text = F.col(c.name), F.col(f"_t_{c.name}")
        conditions.append(text.isNull() | typed.isNotNull())
        if not c.nullable:
            conditions.append(text.isNotNull())
        conditions += [typed.isNull() | CHECKS[check.name](typed, check.statistics) for check in c.checks]
    latest = F.date_add("_landed", 1).cast("timestamp") + F.expr(f"INTERVAL {d.future_tolerance_hours} HOURS")
    conditions.append(event.isNull() | (event <= latest))
    return reduce(lambda a, b: a & b, conditions)


def silver(raw: DataFrame, d: DatasetDeclaration) -> DataFrame:
    """Cleansed, typed, valid rows, the latest per primary key, with year/month columns."""
    texts = raw.select(*[_cleansed(d, c).alias(f"_t_{c}") for c in d.columns], CORRUPT, "_file", "_landed")
    typed = texts.select(*[F.col(f"_t_{c.name}").try_cast(c.spark_type).alias(c.name) for c in d.contract.columns], "*")
    event = F.col(d.event_time).cast("timestamp")
    valid = typed.filter(_valid(d, event))
    latest = Window.partitionBy(*d.primary_key).orderBy(event.desc_nulls_last(), F.col("_file").desc())
    month_of = F.col(d.partitioning.table_by_month_of)
    return (
        valid.withColumn("_n", F.row_number().over(latest))
        .filter("_n = 1")
        .select(
            *d.contract.column_names,
            F.coalesce(F.year(month_of), F.lit(0)).alias("year"),
            F.coalesce(F.month(month_of), F.lit(0)).alias("month"),
        )
    )


def write(df: DataFrame, uri: Path, partition_by: list[str]) -> int:
    data = df.toArrow()
    write_deltalake(str(uri), data, mode="overwrite", partition_by=partition_by)
    return data.num_rows


def _per_customer(df: DataFrame, ts: str, day: dt.date, *aggregates: Column) -> DataFrame:
    return df.filter(F.to_date(ts) <= F.lit(day)).groupBy("customer_id").agg(*aggregates)


def customer_totals(t: dict[str, DataFrame], day: dt.date) -> DataFrame:
    """Per customer signed up by `day`: completed spend, activity, tickets and a health score."""
    completed = t["transactions"].filter(F.col("status") == "completed")
    spend = _per_customer(
        completed,
        "transaction_ts",
        day,
        F.count("*").alias("n_tx"),
        F.sum("amount").alias("spend"),
        F.max(F.to_date("transaction_ts")).alias("last_tx"),
    )
    web = _per_customer(
        t["web_events"], "event_ts", day, F.count("*").alias("n_web"), F.max("event_ts").alias("last_web")
    )
    open_ticket = F.when(F.col("status").isin("open", "pending"), 1)
    tickets = _per_customer(
        t["support_tickets"], "created_at", day, F.count("*").alias("n_tickets"), F.count(open_ticket).alias("n_open")
    )
    known = t["customers"].filter(F.col("signup_date").isNull() | (F.col("signup_date") <= F.lit(day)))
    joined = (
        known.select("customer_id", "email", F.coalesce("region", F.lit("unknown")).alias("signup_region"))
        .join(spend, "customer_id", "left")
        .join(web, "customer_id", "left")
        .join(tickets, "customer_id", "left")
        .fillna(0, ["n_tx", "n_web", "n_tickets", "n_open"])
    )
    spent = F.coalesce("spend", F.lit(0))
    score = (
        F.when(spent > 1000, 100)
        .when(spent > 500, 80)
        .when(F.col("n_tx") > 5, 60)
        .when(F.datediff(F.lit(day), "last_tx") < 30, 40)
        .when(F.col("n_open") > 3, 20)
        .otherwise(30)
    )
    return joined.select("*", score.alias("health_score"), F.lit(day).alias("as_of_date"))


def daily_revenue(t: dict[str, DataFrame], day: dt.date) -> DataFrame:
    regions = t["customers"].select("customer_id", F.col("region").alias("signup_region"))
    sales = t["transactions"].filter((F.to_date("transaction_ts") == F.lit(day)) & (F.col("status") == "completed"))
    return (
        sales.join(regions, "customer_id", "left")
        .groupBy(
            F.coalesce("signup_region", F.lit("unknown")).alias("region"),
            F.coalesce("channel", F.lit("unknown")).alias("channel"),
        )
        .agg(
            F.count("*").alias("transactions"),
            F.sum("amount").alias("revenue"),
            F.countDistinct("customer_id").alias("customers"),
        )
        .withColumn("revenue_date", F.lit(day))
    )


def run(spark: SparkSession, intake: Path, out: Path, days: list[dt.date]) -> BaselineRun:
    """The whole script, timed per phase."""
    result = BaselineRun(0.0)
    tables: dict[str, DataFrame] = {}
    for d in [d for d in load_declarations() if d.domain == DOMAIN]:
        tables[d.name] = silver(_read(spark, intake, d), d).cache()
        result.phases[f"silver/{d.name}"], result.silver_rows[d.name] = timed(
            lambda: write(tables[d.name], out / "silver" / d.name, ["year", "month"])
        )
    result.phases["gold/customer_360"], _ = timed(
        lambda: write(
            reduce(DataFrame.unionByName, [customer_totals(tables, day) for day in days]),
            out / "gold" / "customer_360",
            ["signup_region"],
        )
    )
    result.phases["gold/daily_revenue"], _ = timed(
        lambda: write(
            reduce(DataFrame.unionByName, [daily_revenue(tables, day) for day in days]),
            out / "gold" / "daily_revenue",
            [],
        )
    )
    for name, df in tables.items():
        df.createOrReplaceTempView(name)
    for product in [p for p in load_products() if p.domain == DOMAIN and p.is_sql]:
        result.phases[f"gold/{product.name}"], _ = timed(
            lambda: write(
                reduce(DataFrame.unionByName, [spark.sql(product.sql, args={"as_of": day}) for day in days]),
                out / "gold" / product.name,
                list(product.partition_by),
            )
        )
    for df in tables.values():
        df.unpersist()
    result.seconds = sum(result.phases.values())
    return result


def fresh_run(ctx, demo) -> BaselineRun:
    """The script on `demo` into an empty output folder."""
    spark = ctx.spark()
    first_job = last_spark_job(spark)
    with ctx.scratch("baseline-out") as out:
        seconds, result = timed(lambda: run(spark, demo.intake, out, demo.days))
    result.seconds, result.spark_jobs = seconds, last_spark_job(spark) - first_job
    return result
