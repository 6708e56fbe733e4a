"""One column's profile: type, nullability, range, pattern, allowed values, PII, and evidence.

What a dirty sample must not make the contract (see README, "Adding a dataset"):
- a range comes from inner quantiles (p0.5 and p99.5, by nearest rank towards the middle),
  widened by MARGIN of their span and rounded outwards to two significant digits, never from
  the minimum and maximum, so an outlier is reported, not allowed;
- allowed values are the most frequent values that together cover COVERAGE of the rows; the
  rare rest (junk spellings) is reported with its counts, not allowed;
- a type, a pattern: the majority, with a tolerance (values.TOLERANCE); the rest is reported.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from dataops_platform.profiling.shapes import Pattern, known_pattern, pii_guess, shape_pattern
from dataops_platform.profiling.values import TypeGuess, infer_type
from dataops_platform.quality.masking import mask_value

QUANTILE = 0.005  # the range's inner quantiles: p0.5 and p99.5
MARGIN = 0.10  # of the quantiles' span, on each side
COVERAGE = 0.99  # allowed values cover this share of a categorical column's values
MAX_CATEGORIES = 20
MIN_ROWS_PER_CATEGORY = 5  # fewer rows per value on average: not a category, just a small sample
ID_WORDS = {"id", "key", "uuid", "guid", "code", "number", "no", "ref", "reference"}
EXAMPLES = 3


def is_identifier_name(name: str) -> bool:
    """`id`, `customer_id`, `order_no`, `sku_code`: a name that says the values identify something."""
    return name.split("_")[-1].lower() in ID_WORDS or name.lower().endswith("id") and name[-2:] == "Id"


def share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "0.0%"


@dataclass
class ColumnProfile:
    """What the sample says about one column, and the rules proposed for it."""

    name: str
    rows: int
    nulls: int
    distinct: int
    guess: TypeGuess
    pii: str | None = None
    lowercase: bool = False
    allowed: list[str] | None = None
    pattern: Pattern | None = None
    ge: Decimal | None = None
    le: Decimal | None = None
    nullable: bool = True
    evidence: list[str] = field(default_factory=list)

    def shown(self, value: str) -> str:
        """A value as evidence shows it: masked when the column is PII."""
        return repr(mask_value(value) if self.pii else value)

    def examples(self, values: list[str]) -> str:
        """A few distinct values as evidence shows them."""
        return ", ".join(list(dict.fromkeys(self.shown(v) for v in values))[:EXAMPLES])

    def failure(self, text: str | None) -> str | None:
        """The first proposed rule a cleansed value fails (as silver would check it), or None."""
        if text is None:
            return None if self.nullable else "not_null"
        value = text.lower() if self.lowercase else text
        typed = self.guess.parse(value)
        if typed is None:
            return "parses"
        if self.ge is not None and typed < self.ge or self.le is not None and typed > self.le:
            return "range"
        if self.allowed is not None and value not in self.allowed:
            return "isin"
        if self.pattern is not None and not re.search(self.pattern.regex, value):
            return "str_matches"
        return None


def _nice(value: Decimal, up: bool, quantum: Decimal) -> Decimal:
    """`value` rounded outwards to two significant digits (and to a multiple of `quantum`)."""
    if value == 0:
        return Decimal(0)
    step = max(Decimal(1).scaleb(value.adjusted() - 1), quantum)
    return (value / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR) * step


def proposed_range(numbers: list[Decimal], quantum: Decimal) -> tuple[Decimal, Decimal, str]:
    """(ge, le, evidence) from the inner quantiles of `numbers` (sorted), widened and rounded."""
    n = len(numbers)
    low, high = numbers[math.ceil(QUANTILE * (n - 1))], numbers[math.floor((1 - QUANTILE) * (n - 1))]
    span = (high - low) or abs(high) or Decimal(1)
    ge = _nice(low - Decimal(str(MARGIN)) * span, False, quantum)
    le = _nice(high + Decimal(str(MARGIN)) * span, True, quantum)
    if low >= 0 > ge:
        ge = Decimal(0)  # a quantity that is never negative in the sample stays non-negative
    outside = [x for x in numbers if x < ge or x > le]
    text = (
        f"range: p0.5 {low}, p99.5 {high} (min {numbers[0]}, max {numbers[-1]}); widened by {MARGIN:.0%} and "
        f"rounded: ge={ge.normalize():f}, le={le.normalize():f}"
    )
    if outside:
        shown = ", ".join(f"{x}" for x in sorted(set(outside), key=abs, reverse=True)[:EXAMPLES])
        text += f"; {len(outside)} value(s) outside, left out: {shown}"
    return ge, le, text


def _covering(counts: Counter, total: int) -> list[str]:
    """The most frequent values that together cover COVERAGE of `total` (ties included)."""
    chosen, covered = [], 0
    for value, count in counts.most_common():
        if covered >= COVERAGE * total and count < counts[chosen[-1]]:
            break
        chosen.append(value)
        covered += count
    return chosen


def _categories(profile: ColumnProfile, values: list[str]) -> None:
    """Allowed values for a low-cardinality text column (lowercased when only case varies)."""
    lower = [v.lower() for v in values]
    varies = len(set(lower)) < len(set(values))
    counts = Counter(lower if varies else values)
    chosen = _covering(counts, len(values))
    if len(chosen) > MAX_CATEGORIES or len(values) < MIN_ROWS_PER_CATEGORY * len(chosen):
        return
    profile.allowed, profile.lowercase = sorted(chosen), varies
    kept = sum(counts[v] for v in chosen)
    shares = ", ".join(f"{v} {share(c, len(values))}" for v, c in counts.most_common() if v in chosen)
    profile.evidence.append(f"allowed values: {len(chosen)} cover {share(kept, len(values))} of values: {shares}")
    rare = [(v, c) for v, c in counts.most_common() if v not in chosen]
    if rare:
        listed = ", ".join(f"{profile.shown(v)} x{c}" for v, c in rare[:10])
        more = f" and {len(rare) - 10} more" if len(rare) > 10 else ""
        profile.evidence.append(
            f"left out of the allowed values (rare, {share(len(values) - kept, len(values))} of values): {listed}{more}"
        )
    if varies:
        top = counts.most_common(1)[0][0]
        spellings = ", ".join(sorted({repr(v) for v in values if v.lower() == top})[:3])
        profile.evidence.append(f"values differ only by case (e.g. {spellings}): lowercased in cleansing")


def _text_rules(profile: ColumnProfile, values: list[str]) -> None:
    profile.pii = pii_guess(profile.name, values)
    if profile.pii:
        profile.evidence.append(f"PII guess: {profile.pii}; masked in samples (pii_columns)")
    if values and all(v[:1] in "{[" for v in values):
        profile.evidence.append("nested JSON (objects or arrays), kept as its JSON text: no rule")
        return
    if not is_identifier_name(profile.name) and not profile.pii:
        _categories(profile, values)
    if profile.allowed is None and (not profile.pii or "email" in profile.pii):
        profile.pattern = known_pattern(values) or shape_pattern(values)
    if profile.pattern:
        misses = [v for v in values if not re.search(profile.pattern.regex, v)]
        text = f"pattern {profile.pattern.regex} ({profile.pattern.what}) matches {share(len(values) - len(misses), len(values))}"
        if misses:
            text += f"; {len(misses)} do not, e.g. {profile.examples(misses)}"
        profile.evidence.append(text)


def _numeric_rules(profile: ColumnProfile, values: list[str]) -> None:
    numbers = sorted(Decimal(str(x)) for x in (profile.guess.parse(v) for v in values) if x is not None)
    if not numbers:
        return
    if is_identifier_name(profile.name):
        profile.evidence.append(f"an identifier ({numbers[0]} to {numbers[-1]}): no range")
        return
    scale = profile.guess.scale if profile.guess.name == "decimal" else (0 if profile.guess.name != "double" else 6)
    profile.ge, profile.le, text = proposed_range(numbers, Decimal(1).scaleb(-scale))
    profile.evidence.append(text)


def _type_evidence(profile: ColumnProfile) -> str:
    guess = profile.guess
    if guess.name == "string":
        return "; ".join(["string", *guess.notes])
    text = (
        f"{guess.type_name}: {guess.parsed} of {guess.total} non-null values parse ({share(guess.parsed, guess.total)})"
    )
    if guess.failures:
        text += f"; {len(guess.failures)} do not, e.g. {profile.examples(list(guess.failures))}"
    return "; ".join([text, *guess.notes])


def profile_column(name: str, texts: list[str | None]) -> ColumnProfile:
    """The profile of one column's cleansed texts (None: missing)."""
    values = [t for t in texts if t is not None]
    profile = ColumnProfile(name, len(texts), len(texts) - len(values), len(set(values)), infer_type(values))
    profile.nullable = profile.nulls > 0
    if profile.guess.name == "string":
        _text_rules(profile, values)
    elif profile.guess.numeric:
        _numeric_rules(profile, values)
    profile.evidence.insert(0, _type_evidence(profile))
    profile.evidence.insert(
        1,
        f"nulls: {profile.nulls} of {profile.rows} rows ({share(profile.nulls, profile.rows)}); "
        f"distinct: {profile.distinct}" + (f"; e.g. {profile.examples(values)}" if values else ""),
    )
    return profile
