"""The personal-analytics vocabulary: the three declarations, checked against the generator's tables.

What is read from the declarations and contracts: intake folders, formats, columns, CSV delimiter,
encoding and null tokens, allowed values (rooms, metrics, units, sports, currencies, categories),
value ranges and the id patterns. What is checked when loading: the generator's devices, weights,
misspellings, unknown values and glitch values against them, and its file names against the
intake patterns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cache

from ..vocabulary import Category, VocabularyError, allowed_values, category, check_keys, cleanse, spelled_aliases
from .layout import SAMPLE_FILES
from .words import ACTIVITY_IDS, BOOKING_REFS, CURRENCY_P, DEVICES, MERCHANTS, SPENDING, SPORTS

SENSORS, FITNESS, BANK = "sensor_readings", "fitness_activities", "bank_transactions"
DATASETS = (SENSORS, FITNESS, BANK)  # generation order: part of each dataset's random seed

WEIGHTS = {
    FITNESS: {"sport": {sport: s.weight for sport, s in SPORTS.items()}},
    BANK: {"currency": CURRENCY_P, "category": {name: weight for name, (weight, _) in SPENDING.items()}},
}
# alias_category: the misspellings of each allowed value (see ..vocabulary.ALIASES for the templates).
_CASES = ("{Value}", "{VALUE}")
ALIASES = {
    SENSORS: {
        "unit": {
            "kWh": ("{ALIAS}", "{Value}"),
            "Wh": ("{ALIAS}", "{value} "),
            "°C": ("{alias}", "{ALIAS}"),
            "°F": ("{alias}", "{Alias}"),
            "%": ("{ALIAS}", " {value}"),
        },
        "room": {
            "kitchen": _CASES,
            "living_room": ("{Alias}", "{alias}"),
            "bedroom": _CASES,
            "office": ("{ALIAS}", "{Value}"),
            "bathroom": _CASES,
        },
    },
    FITNESS: {
        "sport": {
            "running": ("{Alias}", "{VALUE}"),
            "cycling": ("{Alias}", "{Alias}"),
            "swimming": ("{Alias}", "{Value}"),
            "walking": ("{Alias}", "{Value}"),
            "hiking": ("{Alias}", "{VALUE}"),
            "strength": ("{Alias}", "{Value}"),
        }
    },
    BANK: {
        "currency": {
            "EUR": ("{alias}", "{alias}"),
            "USD": ("{alias}", "{alias}"),
            "GBP": ("{Alias}", "{alias}"),
            "CHF": ("{alias}", "{value} "),
        },
        "category": _CASES,
    },
}
# unknown_category: values that must NOT pass the contract, even after cleansing.
UNKNOWN = {
    SENSORS: {"unit": ("BTU", "J", "mWh")},
    FITNESS: {"sport": ("yoga", "rowing", "E-Bike Ride")},
    BANK: {"currency": ("DM", "XXX"), "category": ("misc", "sonstiges", "uncategorised")},
}
SENSOR_ERROR = -999  # what a hub reports for a failed sensor
HEART_RATE_GLITCHES = (0, 255)  # a wrist sensor that lost contact, an unset byte
WATCH_NULL = "--"  # how the watch app writes "no value"


@dataclass(frozen=True)
class Feed:
    """What one declaration gives the generator."""

    name: str
    folder: str  # the intake prefix, without the trailing '/'
    columns: tuple[str, ...]  # the contract's
    delimiter: str
    encoding: str
    categories: Mapping[str, Category]  # weighted columns, in the generator's order
    aliases: Mapping[str, Mapping[str, tuple[str, ...]]]  # column -> value -> misspellings
    unknown: Mapping[str, tuple[str, ...]]  # column -> values the contract refuses

    def header(self) -> str:
        return self.delimiter.join(self.columns) + "\n"


@cache
def feeds() -> Mapping[str, Feed]:
    """The checked vocabulary of the three datasets (loads the declarations once)."""
    from dataops_platform.declarations import load_declarations

    declared = {d.name: d for d in load_declarations()}
    missing = [name for name in DATASETS if name not in declared]
    if missing:
        raise VocabularyError(f"demo data generates undeclared datasets {missing} (declared: {sorted(declared)})")
    _check_devices(declared[SENSORS])
    _check_ids(declared[FITNESS], "activity_id", ACTIVITY_IDS)
    _check_ids(declared[BANK], "transaction_ref", BOOKING_REFS)
    _check_outside(declared[SENSORS], "value", [SENSOR_ERROR])
    _check_outside(declared[FITNESS], "avg_heart_rate", HEART_RATE_GLITCHES)
    if WATCH_NULL not in declared[FITNESS].dialect.null_tokens:
        raise VocabularyError(
            f"{FITNESS}: the watch writes {WATCH_NULL!r} for no value; declare it in dialect.null_tokens"
        )
    found = {name: _feed(declared[name]) for name in DATASETS}
    _check_encodable(found[BANK], [name for names in MERCHANTS.values() for name in names])
    return found


def _feed(decl) -> Feed:
    name = decl.name
    sample = SAMPLE_FILES[name]
    if not fnmatch(sample, decl.intake.pattern):
        raise VocabularyError(f"{name}: intake pattern {decl.intake.pattern!r} does not match {sample!r}")
    allowed = allowed_values(decl.contract)
    weights = WEIGHTS.get(name, {})
    categories = {column: category(f"{name}.{column}", w, allowed.get(column, ())) for column, w in weights.items()}
    aliases = {
        column: spelled_aliases(decl, column, spellings, tuple(allowed.get(column, ())))
        for column, spellings in ALIASES[name].items()
    }
    for column, values in UNKNOWN[name].items():
        accepted = [v for v in values if cleanse(decl, column, v) in allowed.get(column, ())]
        if accepted:
            raise VocabularyError(f"{name}.{column}: the 'unknown' values {accepted} cleanse to allowed values")
    return Feed(
        name=name,
        folder=decl.intake.prefix.rstrip("/"),
        columns=tuple(decl.contract.column_names),
        delimiter=decl.dialect.delimiter,
        encoding=decl.dialect.encoding,
        categories=categories,
        aliases=aliases,
        unknown=UNKNOWN[name],
    )


def _check_devices(decl) -> None:
    """Every device id fits the contract's pattern; rooms, metrics and units are the allowed ones."""
    allowed = allowed_values(decl.contract)
    pattern = _pattern(decl, "device_id")
    bad = [d.device_id for d in DEVICES if not re.fullmatch(pattern, d.device_id)]
    if bad:
        raise VocabularyError(f"{decl.name}: device ids {bad} do not match the contract's {pattern!r}")
    check_keys(f"{decl.name} device rooms", {d.room for d in DEVICES}, allowed["room"])
    check_keys(f"{decl.name} device metrics", {m for d in DEVICES for m, _ in d.series}, allowed["metric"])
    check_keys(f"{decl.name} device units", {u for d in DEVICES for _, u in d.series}, allowed["unit"])


def _check_ids(decl, column: str, ids: tuple[int, int]) -> None:
    """Ids are `first` + a row number, `width` digits: they must fit the contract's pattern."""
    first, width = ids
    pattern = _pattern(decl, column)
    for sample in (first, 10**width - 1):
        if not re.fullmatch(pattern, f"{sample:0{width}d}") or len(str(first)) != width:
            raise VocabularyError(f"{decl.name}.{column}: generated ids like {sample} do not match {pattern!r}")


def _pattern(decl, column: str) -> str:
    patterns = [c.statistics["pattern"] for c in decl.contract.column(column).checks if c.name == "str_matches"]
    if len(patterns) != 1:
        raise VocabularyError(f"{decl.name}.{column}: need one str_matches, got {patterns}")
    return patterns[0]


def _check_outside(decl, column: str, values) -> None:
    """Glitch values must fail the column's declared range."""
    checks = {c.name: c.statistics for c in decl.contract.column(column).checks}
    low = checks.get("greater_than_or_equal_to", {}).get("min_value")
    high = checks.get("less_than_or_equal_to", {}).get("max_value")
    inside = [v for v in values if (low is None or v >= low) and (high is None or v <= high)]
    if inside:
        raise VocabularyError(f"{decl.name}.{column}: glitch values {inside} pass the contract's range [{low}, {high}]")


def _check_encodable(feed: Feed, texts: list[str]) -> None:
    bad = [t for t in texts if not _encodes(t, feed.encoding)]
    if bad:
        raise VocabularyError(f"{feed.name}: {bad} cannot be written in the declared encoding {feed.encoding}")


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
