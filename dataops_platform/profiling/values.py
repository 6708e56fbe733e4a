"""The Spark type a column's text casts to, decided by majority with a tolerance.

Silver casts each cleansed text with Spark's `try_cast` (transforms/silver.py), so a type is
only proposed when the platform's cast parses it: ISO-8601 dates and timestamps (`2026-11-15`,
`2026-11-15 08:00:00`, `...T08:00:00.123+01:00`), plain decimal numbers, `true`/`false`. The
predicates here accept what that cast accepts (dataops_platform_tests/profiling checks them
against Spark). A type is chosen when at least TOLERANCE of a column's non-null values parse as
it, so a few bad values in a dirty sample are failures to report, not a reason to fall back to
text: they are the rows the validity check will quarantine.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from dataops_platform.quality.policy import ValiditySpec

TOLERANCE = 1 - ValiditySpec().max_failure_fraction  # 0.95: the share of rows validity must pass by default
INTEGER = re.compile(r"^[+-]?\d+$")
DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")  # what Spark casts to a decimal
DOUBLE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Infinity|NaN)$")
ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?"
    r"(\s?(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?)?$"
)
DATE_PREFIX = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
OTHER_DATES = {  # common layouts the cast does not parse: reported, kept as text
    "dd/MM/yyyy or MM/dd/yyyy": re.compile(r"^\d{1,2}/\d{1,2}/\d{4}(?: .*)?$"),
    "yyyy/MM/dd": re.compile(r"^\d{4}/\d{1,2}/\d{1,2}(?: .*)?$"),
    "dd.MM.yyyy": re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}(?: .*)?$"),
}
BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "t": True, "f": False, "y": True, "n": False}
INT_LIMIT = 10**8  # a larger value makes the column a long (headroom below 2**31)
MAX_SCALE = 10  # decimals with more fraction digits are doubles
DEFAULT_PRECISION = 18


def as_boolean(text: str) -> bool | None:
    return BOOLEANS.get(text.lower())


def as_integer(text: str) -> int | None:
    return int(text) if INTEGER.match(text) else None


def as_decimal(text: str) -> Decimal | None:
    return Decimal(text) if DECIMAL.match(text) else None


def as_double(text: str) -> float | None:
    return float(text) if DOUBLE.match(text) else None


def as_timestamp(text: str) -> dt.datetime | None:
    """A naive datetime (the zone is not applied: enough for ranges and ordering), or None."""
    match = ISO.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups()[:6])
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def as_date(text: str) -> dt.date | None:
    """The date Spark's cast gives: the leading ISO date, whatever follows a `T` or a space."""
    match = DATE_PREFIX.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def is_date_only(text: str) -> bool:
    match = ISO.match(text)
    return bool(match) and match.group(4) is None


def scale_of(text: str) -> int:
    """Fraction digits of a decimal number (`12.50`: 2, `1e5`: 0)."""
    return max(0, -Decimal(text).as_tuple().exponent)


def integer_digits(text: str) -> int:
    """Digits before the point (`12.50`: 2, `1e5`: 6, `0.5`: 0)."""
    number = Decimal(text)
    return max(0, number.adjusted() + 1) if number else 0


def has_leading_zero(text: str) -> bool:
    digits = text.lstrip("+-")
    return len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()


PARSERS = {
    "boolean": as_boolean,
    "integer": as_integer,
    "long": as_integer,
    "decimal": as_decimal,
    "double": as_double,
    "date": as_date,
    "timestamp": as_timestamp,
    "string": lambda text: text,
}
SPARK_TYPES = {
    "boolean": "BooleanType()",
    "integer": "IntegerType()",
    "long": "LongType()",
    "double": "DoubleType()",
    "date": "DateType()",
    "timestamp": "TimestampType()",
    "string": "StringType()",
}
NUMERIC = ("integer", "long", "decimal", "double")


@dataclass(frozen=True)
class TypeGuess:
    """The type a column is proposed with, and how many of its values parse as it."""

    name: str  # one of PARSERS
    parsed: int  # non-null values that parse
    total: int  # non-null values
    precision: int = 0
    scale: int = 0
    failures: tuple[str, ...] = ()  # values that do not parse (all of them, in sample order)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def spark(self) -> str:
        """The pyspark.sql.types expression, e.g. `DecimalType(18, 2)`."""
        if self.name == "decimal":
            return f"DecimalType({self.precision}, {self.scale})"
        return SPARK_TYPES[self.name]

    @property
    def type_name(self) -> str:
        """As the catalog shows it, e.g. `decimal(18,2)`."""
        return f"decimal({self.precision},{self.scale})" if self.name == "decimal" else self.name

    @property
    def numeric(self) -> bool:
        return self.name in NUMERIC

    def parse(self, text: str):
        """The typed value of a cleansed text, or None when it does not parse."""
        value = PARSERS[self.name](text)
        if self.name == "decimal" and value is not None and integer_digits(text) > self.precision - self.scale:
            return None  # the cast overflows decimal(p, s)
        return value


def _share(values: list[str], accepts) -> int:
    return sum(1 for v in values if accepts(v))


def _guess(name: str, values: list[str], accepts, **extra) -> TypeGuess:
    failures = tuple(v for v in values if not accepts(v))
    return TypeGuess(name, len(values) - len(failures), len(values), failures=failures, **extra)


def _numeric(values: list[str]) -> TypeGuess | None:
    numbers = [v for v in values if DECIMAL.match(v)]
    if len(numbers) < TOLERANCE * len(values):
        if _share(values, DOUBLE.match) >= TOLERANCE * len(values):
            return _guess("double", values, DOUBLE.match)
        return None
    if any(has_leading_zero(v) for v in numbers):
        return None  # zero-padded: an identifier or a code, kept as text
    scale = max(scale_of(v) for v in numbers)
    if scale == 0 and all(INTEGER.match(v) for v in numbers):
        big = max(abs(int(v)) for v in numbers) >= INT_LIMIT
        return _guess("long" if big else "integer", values, INTEGER.match)
    digits = max(integer_digits(v) for v in numbers)
    precision = max(DEFAULT_PRECISION, digits + scale)
    if scale > MAX_SCALE or precision > 38:
        return _guess("double", values, DOUBLE.match)
    return _guess("decimal", values, DECIMAL.match, precision=precision, scale=scale)


def infer_type(values: list[str]) -> TypeGuess:
    """The most specific type at least TOLERANCE of the non-null `values` parse as, else string."""
    if not values:
        return TypeGuess("string", 0, 0, notes=("no value in the sample: typed as text",))
    enough = TOLERANCE * len(values)
    if _share(values, lambda v: v.lower() in BOOLEANS) >= enough:
        return _guess("boolean", values, lambda v: v.lower() in BOOLEANS)
    numeric = _numeric(values)
    if numeric is not None:
        return numeric
    if _share(values, lambda v: as_timestamp(v) is not None) >= enough:
        dates = all(is_date_only(v) for v in values if as_timestamp(v) is not None)
        return _guess("date" if dates else "timestamp", values, lambda v: as_timestamp(v) is not None)
    notes = []
    if any(has_leading_zero(v) for v in values) and _share(values, INTEGER.match) >= enough:
        notes.append("digits with leading zeros: an identifier or code, kept as text")
    for layout, pattern in OTHER_DATES.items():
        if _share(values, pattern.match) >= enough:
            notes.append(f"dates written {layout}: the platform's cast reads ISO-8601 only, kept as text")
    return TypeGuess("string", len(values), len(values), notes=tuple(notes))
