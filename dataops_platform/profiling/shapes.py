"""String patterns (emails, UUIDs, identifiers and codes) and PII guesses for text columns.

A pattern is proposed when the values of one shape cover at least TOLERANCE of a column's
values: the shape keeps a letter run that is the same in every value (the `T` of `T0000000001`)
and turns the others into classes (`\\d{10}`, `[A-Z]{3}`), so a few malformed values do not
widen the pattern, they fail it. Patterns use the syntax Java's and Python's regexes share.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from dataops_platform.profiling.values import TOLERANCE

EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
KNOWN_PATTERNS = {"email addresses": EMAIL, "UUIDs": UUID}
PHONE = re.compile(r"^\+?[\d\s().\-/]{7,22}$")
PERSON_NAME = re.compile(r"^[A-Z][A-Za-z'\-]+(?: [A-Z][A-Za-z'\-]+){0,3}$")
TOKEN = re.compile(r"\d+|[A-Z]+|[a-z]+|.", re.S)
CLASSES = {"d": r"\d", "u": "[A-Z]", "l": "[a-z]"}
PHONE_HINTS = ("phone", "mobile", "tel", "fax", "cell", "msisdn")
NAME_HINTS = ("first_name", "last_name", "full_name", "surname", "given_name", "family_name", "firstname", "lastname")
PERSONAL_HINTS = ("address", "street", "birth", "dob", "ssn", "passport", "iban", "postcode", "zipcode", "ip_addr")
PII_SHARE = 0.5  # of non-null values, for a guess from the values alone


@dataclass(frozen=True)
class Pattern:
    regex: str
    matched: int  # values that match
    what: str  # "email addresses", "one shape", ...


def _kind(token: str) -> str:
    if token.isdigit():
        return "d"
    if "A" <= token[0] <= "Z":
        return "u"
    if "a" <= token[0] <= "z":
        return "l"
    return "o"


def _tokens(value: str) -> list[tuple[str, str]]:
    return [(_kind(t), t) for t in TOKEN.findall(value)]


def _signature(value: str) -> tuple:
    return tuple(kind if kind != "o" else text for kind, text in _tokens(value))


def _part(kind: str, texts: list[str]) -> str:
    if kind == "o":
        return re.escape(texts[0])
    lengths = {len(t) for t in texts}
    if kind != "d" and len(set(texts)) == 1:
        return re.escape(texts[0])  # a constant prefix or separator word: kept literally
    size = f"{{{lengths.pop()}}}" if len(lengths) == 1 else "+"
    return CLASSES[kind] + size


def shape_pattern(values: list[str]) -> Pattern | None:
    """The regex of the shape most values share, if it covers TOLERANCE of them and says more
    than "some letters" (it has digits, or letter runs of a fixed length)."""
    if not values:
        return None
    shapes = Counter(_signature(v) for v in values)
    signature, count = shapes.most_common(1)[0]
    if count < TOLERANCE * len(values) or " " in signature:
        return None
    members = [_tokens(v) for v in values if _signature(v) == signature]
    parts = []
    for position, kind in enumerate(k if k in CLASSES else "o" for k in signature):
        parts.append(_part(kind, [tokens[position][1] for tokens in members]))
    regex = "^" + "".join(parts) + "$"
    if "d" not in signature and any(p.endswith("]+") for p in parts):
        return None  # words, not a code
    return Pattern(regex, count, "one shape")


def known_pattern(values: list[str]) -> Pattern | None:
    """An email or UUID pattern, if TOLERANCE of the values match it."""
    for what, regex in KNOWN_PATTERNS.items():
        matched = sum(1 for v in values if re.match(regex, v))
        if values and matched >= TOLERANCE * len(values):
            return Pattern(regex, matched, what)
    return None


def _words(name: str) -> list[str]:
    return name.lower().split("_")


def _share(values: list[str], pattern) -> float:
    return sum(1 for v in values if pattern.match(v)) / len(values) if values else 0.0


def pii_guess(name: str, values: list[str]) -> str | None:
    """Why the column probably holds personal data (emails, phone numbers, names), or None."""
    lower = name.lower()
    emails = _share(values, re.compile(EMAIL))
    if emails >= PII_SHARE:
        return f"email addresses ({emails:.0%} of values)"
    phones = [v for v in values if PHONE.match(v) and sum(c.isdigit() for c in v) >= 7]
    formatted = sum(1 for v in phones if not v.isdigit())
    by_name = any(h in _words(name) or lower.endswith(h) for h in PHONE_HINTS)
    if values and (by_name and len(phones) >= PII_SHARE * len(values) or formatted >= 0.8 * len(values)):
        return f"phone numbers ({len(phones) / len(values):.0%} of values look like one)"
    people = _share(values, PERSON_NAME)
    if lower in NAME_HINTS or ("name" in _words(name) and people >= PII_SHARE):
        return f"person names (the column name; {people:.0%} of values are capitalised words)"
    if any(h in lower for h in PERSONAL_HINTS):
        return "personal data (the column name)"
    return None
