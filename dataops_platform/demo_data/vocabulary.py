"""The domain vocabulary: declared values, ids and layout, checked against the generator's tables."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cache
from typing import NamedTuple

from .words import PAGES

# How often each allowed value of a contract's `isin` columns occurs, keyed by value. The keys
# must equal the contract's allowed values; their order here fixes the category codes, so it is
# part of the output's determinism (a contract may list its values in any order).
WEIGHTS = {
    "customers": {
        "region": {"north": 0.22, "south": 0.20, "east": 0.20, "west": 0.20, "central": 0.18},
        "status": {"active": 0.80, "inactive": 0.12, "churned": 0.08},
    },
    "transactions": {
        "channel": {"online": 0.45, "store": 0.35, "mobile": 0.20},
        "status": {"completed": 0.85, "pending": 0.06, "failed": 0.05, "refunded": 0.04},
    },
    "web_events": {
        "event_type": {
            "page_view": 0.45,
            "click": 0.25,
            "add_to_cart": 0.10,
            "checkout": 0.04,
            "login": 0.06,
            "search": 0.10,
        },
        "device": {"desktop": 0.50, "mobile": 0.40, "tablet": 0.10},
    },
    "support_tickets": {
        "status": {"open": 0.15, "pending": 0.10, "resolved": 0.35, "closed": 0.40},
        "priority": {"low": 0.30, "medium": 0.40, "high": 0.20, "urgent": 0.10},
        "channel": {"email": 0.50, "phone": 0.20, "chat": 0.30},
    },
}
TROUBLED_STATUS_P = {"open": 0.7, "pending": 0.3}  # statuses of a troubled customer's tickets

# unknown_category: a column and values that must NOT pass the contract, even after cleansing.
UNKNOWN = {
    "customers": ("status", ("unknown", "prospect", "deleted")),
    "transactions": ("status", ("unknown", "chargeback", "disputed")),
    "web_events": ("event_type", ("unknown", "hover", "scroll")),
    "support_tickets": ("status", ("unknown", "escalated", "reopened")),
}

# alias_category: how each allowed value gets misspelled (the column order here fixes which column
# a row damages). {value} is the value and {alias} its next synonym in the declaration's
# cleansing.values, as is, in {Title} or in {UPPER} case. Every spelling must cleanse back to the
# value and every declared synonym must be spelled once. A tuple spells every value alike.
_CASES = ("{VALUE}", "{Value}")
ALIASES = {
    "customers": {
        "region": {
            "north": ("{ALIAS}", "{Value} ", "{VALUE}"),
            "south": ("{ALIAS}", "{Value}", " {value}"),
            "east": ("{ALIAS}", "{Value} ", "{VALUE}"),
            "west": ("{ALIAS}", "{Value}", "{VALUE} "),
            "central": ("{ALIAS}", "{Value}", "{VALUE}"),
        },
        "status": ("{Value}", "{VALUE}"),
    },
    "transactions": {
        "status": {
            "completed": ("{ALIAS}", "{Alias}", "{value} ", "{ALIAS}"),
            "pending": ("{Value}", "{VALUE}"),
            "failed": ("{VALUE}", "{Alias}"),
            "refunded": ("{Value}", "{VALUE}"),
        },
        "channel": {
            "online": ("{Alias}", "{VALUE}"),
            "store": ("{ALIAS}", "{Value}"),
            "mobile": ("{Alias}", "{Value}"),
        },
    },
    "web_events": {"event_type": _CASES, "device": _CASES},
    "support_tickets": {"status": _CASES, "priority": _CASES, "channel": _CASES},
}

ORPHAN_MIN = 9_000_000  # orphan customer numbers start here, beyond any generated customer

# Public value lists of the package (demo_data.REGIONS, ...): dataset and column.
VALUE_LISTS = {
    "REGIONS": ("customers", "region"),
    "CUSTOMER_STATUSES": ("customers", "status"),
    "CHANNELS": ("transactions", "channel"),
    "TX_STATUSES": ("transactions", "status"),
    "EVENT_TYPES": ("web_events", "event_type"),
    "DEVICES": ("web_events", "device"),
    "TICKET_STATUSES": ("support_tickets", "status"),
    "PRIORITIES": ("support_tickets", "priority"),
    "TICKET_CHANNELS": ("support_tickets", "channel"),
}

_ID_PATTERN = re.compile(r"\^([A-Za-z]+)\\d\{(\d+)\}\$")  # e.g. ^C\d{7}$
_PLACEHOLDER = re.compile(r"\{(value|alias)\}", re.IGNORECASE)


class VocabularyError(ValueError):
    """The declarations and the generator's own tables disagree; the message says where."""


class IdFormat(NamedTuple):
    prefix: str
    width: int


@dataclass(frozen=True)
class Category:
    """The allowed values of one column, in the generator's order, and their probabilities."""

    values: tuple[str, ...]
    p: tuple[float, ...]

    def codes(self, values) -> tuple[int, ...]:
        return tuple(self.values.index(v) for v in values)


@dataclass(frozen=True)
class Declared:
    """What the declaration and contract of one dataset give the generator."""

    name: str
    folder: str  # the intake prefix, without the trailing '/'
    fmt: str  # "csv" or "jsonl"
    columns: tuple[str, ...]  # the contract's, primary key first
    ids: IdFormat  # of the primary key
    critical: tuple[str, ...]  # declared critical columns other than the primary key
    fk_col: str | None  # the column that references another dataset
    fk_ids: IdFormat | None  # of the referenced key
    categories: Mapping[str, Category]
    unknown_col: str
    unknown_values: tuple[str, ...]
    aliases: Mapping[str, Mapping[str, tuple[str, ...]]]  # column -> value -> misspellings


@cache
def vocabulary() -> Mapping[str, Declared]:
    """The checked vocabulary of every generated dataset (loads the declarations once)."""
    from dataops_platform.declarations import load_declarations

    declared = {d.name: d for d in load_declarations()}
    missing = sorted(set(WEIGHTS) - set(declared))
    if missing:
        raise VocabularyError(f"demo data generates undeclared datasets {missing} (declared: {sorted(declared)})")
    found = {name: _declared(declared[name], declared) for name in WEIGHTS}
    check_keys("web_events pages", PAGES, found["web_events"].categories["event_type"].values)
    check_keys(
        "troubled ticket statuses", TROUBLED_STATUS_P, found["support_tickets"].categories["status"].values, subset=True
    )
    return found


def value_list(name: str) -> tuple[str, ...]:
    """A public value list, e.g. value_list("REGIONS")."""
    dataset, column = VALUE_LISTS[name]
    return vocabulary()[dataset].categories[column].values


def _declared(decl, declared: Mapping) -> Declared:
    name, contract = decl.name, decl.contract
    columns = tuple(contract.column_names)
    if list(decl.primary_key) != [columns[0]]:
        raise VocabularyError(f"{name}: the primary key {decl.primary_key} must be the first column alone")
    folder, fmt = decl.intake.prefix.rstrip("/"), decl.format
    for sample in (f"{name}_2026-01-01.{fmt}", f"{name}_2026-01-01_part001.{fmt}"):
        if not fnmatch(sample, decl.intake.pattern):
            raise VocabularyError(f"{name}: intake pattern {decl.intake.pattern!r} does not match {sample!r}")
    if len(decl.references) > 1:
        raise VocabularyError(f"{name}: orphans go into one reference, found {list(decl.references)}")
    fk_col, fk_ids = None, None
    for fk_col, ref in decl.references.items():
        fk_ids = _id_format(declared[ref.dataset], ref.column)
        if ORPHAN_MIN >= 10**fk_ids.width:
            raise VocabularyError(f"{name}: orphan ids from {ORPHAN_MIN} exceed {ref.dataset}.{ref.column}")
    allowed = allowed_values(contract)
    check_keys(f"{name}: weighted columns", WEIGHTS[name], allowed)
    categories = {
        column: category(f"{name}.{column}", weights, allowed[column]) for column, weights in WEIGHTS[name].items()
    }
    unknown_col, unknown_values = UNKNOWN[name]
    if unknown_col not in categories:
        raise VocabularyError(f"{name}: unknown_category needs a column with allowed values: {unknown_col!r}")
    aliases = {
        column: spelled_aliases(decl, column, spellings, categories[column].values)
        for column, spellings in ALIASES[name].items()
    }
    for value in unknown_values:
        cleansed = cleanse(decl, unknown_col, value)
        if cleansed in categories[unknown_col].values:
            raise VocabularyError(
                f"{name}.{unknown_col}: the 'unknown' value {value!r} cleanses to "
                f"{cleansed!r}, which the contract allows"
            )
    return Declared(
        name=name,
        folder=folder,
        fmt=fmt,
        columns=columns,
        ids=_id_format(decl, columns[0]),
        critical=tuple(c for c in decl.critical_columns if c not in decl.primary_key),
        fk_col=fk_col,
        fk_ids=fk_ids,
        categories=categories,
        unknown_col=unknown_col,
        unknown_values=unknown_values,
        aliases=aliases,
    )


def allowed_values(contract) -> dict[str, list[str]]:
    """The allowed values (`isin`) of each column of a contract that has them."""
    return {
        c.name: check.statistics["allowed_values"]
        for c in contract.columns
        for check in c.checks
        if check.name == "isin"
    }


def check_keys(what: str, keys, allowed, subset: bool = False) -> None:
    keys, allowed = set(keys), set(allowed)
    if not (keys <= allowed if subset else keys == allowed):
        raise VocabularyError(f"{what}: the generator has {sorted(keys)}, the contract allows {sorted(allowed)}")


def category(what: str, weights: Mapping[str, float], allowed) -> Category:
    check_keys(f"{what} weights", weights, allowed)
    return Category(tuple(weights), tuple(weights.values()))  # the generator's order, see WEIGHTS


def _id_format(decl, column: str) -> IdFormat:
    patterns = [
        check.statistics["pattern"] for check in decl.contract.column(column).checks if check.name == "str_matches"
    ]
    match = _ID_PATTERN.fullmatch(patterns[0]) if len(patterns) == 1 else None
    if match is None:
        raise VocabularyError(f"{decl.name}.{column}: need one str_matches like '^C\\d{{7}}$', got {patterns}")
    return IdFormat(match.group(1), int(match.group(2)))


def cleanse(decl, column: str, raw: str) -> str:
    """What silver makes of a raw value: trim, lowercase (if declared), then the declared value map."""
    text = raw.strip()
    if column in decl.cleansing.lowercase:
        text = text.lower()
    return decl.cleansing.values.get(column, {}).get(text, text)


def spelled_aliases(decl, column: str, spellings, values: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    what = f"{decl.name}.{column}"
    if not isinstance(spellings, Mapping):
        spellings = dict.fromkeys(values, spellings)
    check_keys(f"{what} alias spellings", spellings, values)
    synonyms = decl.cleansing.values.get(column, {})
    result = {}
    for value, templates in spellings.items():
        declared = [raw for raw, standard in synonyms.items() if standard == value]
        pending = iter(declared)
        result[value] = tuple(_spell(what, template, value, pending) for template in templates)
        unused = list(pending)
        if unused:
            raise VocabularyError(f"{what}: declared synonyms {unused} of {value!r} are not spelled by the generator")
        for alias in result[value]:
            if alias == value or cleanse(decl, column, alias) != value:
                raise VocabularyError(f"{what}: {alias!r} is not an alias that cleanses to {value!r}")
    return result


def _spell(what: str, template: str, value: str, synonyms: Iterator[str]) -> str:
    def word(match: re.Match) -> str:
        token = match.group(1)
        text = value if token.lower() == "value" else next(synonyms, None)
        if text is None:
            raise VocabularyError(f"{what}: {template!r} needs more declared synonyms of {value!r}")
        return text.upper() if token.isupper() else text.title() if token[0].isupper() else text

    return _PLACEHOLDER.sub(word, template)
