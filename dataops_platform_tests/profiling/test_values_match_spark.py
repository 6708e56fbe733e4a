"""The profiler proposes a type only for text Spark's `try_cast` parses as that type, since that
cast is what silver applies: its pure-Python predicates agree with Spark, value by value."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from pyspark.sql import functions as F

from dataops_platform.profiling.values import TypeGuess, infer_type

TEXTS = [
    "2026-11-15",
    "2026-1-5",
    "2026-11-15 08:00:00",
    "2026-11-15T08:00:00Z",
    "2026-11-15T08:00",
    "2026-11-15T08",
    "2026-11-15 8:0:0",
    "2026-11-15T08:00:00.123456",
    "2026-11-15T08:00:00+01:00",
    "2026-11-15T08:00:00+0100",
    "2026-11-15T08:00:00-05",
    "2026-11-15 08:00:00 UTC",
    "2026-02-30",
    "2026-13-01T00:00:00Z",
    "2026-11-15T25:00:00",
    "2026-11-15Z",
    "2026/11/15",
    "15/11/2026",
    "12",
    "+5",
    "-0.5",
    ".5",
    "5.",
    "12.345",
    "1e5",
    "1e400",
    "12345678901234567.5",
    "NaN",
    "1,234",
    "0x10",
    "abc",
    "true",
    "FALSE",
    "yes",
    "n",
]
ZONED = re.compile(r"(Z|UTC|[+]\d\d:?\d\d|T\d\d:\d\d:\d\d-\d\d)$")
TYPES = {
    "timestamp": TypeGuess("timestamp", 0, 0),
    "date": TypeGuess("date", 0, 0),
    "int": TypeGuess("integer", 0, 0),
    "decimal(18,2)": TypeGuess("decimal", 0, 0, precision=18, scale=2),
    "double": TypeGuess("double", 0, 0),
    "boolean": TypeGuess("boolean", 0, 0),
}


def test_every_proposed_type_parses_exactly_what_spark_casts(spark):
    df = spark.createDataFrame([(t,) for t in TEXTS], "text string")
    wall_clock = F.date_format(F.col("text").try_cast("timestamp"), "yyyy-MM-dd HH:mm:ss")
    cast = df.select("text", *[F.col("text").try_cast(name).alias(name) for name in TYPES], wall_clock.alias("clock"))
    for row in cast.collect():
        text = row["text"]
        for name, guess in TYPES.items():
            ours = guess.parse(text)
            assert (ours is not None) == (row[name] is not None), (text, name, ours, row[name])
            if ours is None:
                continue
            if name in ("date", "int", "boolean"):
                assert ours == row[name], (text, name)
            elif name == "decimal(18,2)":
                assert ours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == row[name], text
            elif name == "timestamp" and not ZONED.search(text):  # no zone: the wall clock is the value
                assert ours.strftime("%Y-%m-%d %H:%M:%S") == row["clock"], text


def test_the_majority_type_tolerates_a_few_bad_values_and_no_more():
    clean = [f"{n}.25" for n in range(96)]
    assert infer_type([*clean, "x", "y", "z", "w"]).type_name == "decimal(18,2)"  # 4% bad: still decimal
    assert infer_type([*clean[:90], *"abcdefghij"]).type_name == "string"  # 10% bad: text
    assert infer_type(["007", "012", "123"]).name == "string"  # zero-padded codes stay text
    assert infer_type(["1", "2", "300000000"]).name == "long"
    assert infer_type(["15/11/2026"] * 10).notes == (
        "dates written dd/MM/yyyy or MM/dd/yyyy: the platform's cast reads ISO-8601 only, kept as text",
    )
