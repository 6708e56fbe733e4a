"""Contract compatibility: what changed between two versions of a table's contract, and whether
readers of the table can keep reading it unchanged ("compatible") or not ("breaking").

Pure: two `TableContract`s in (quality/contract.py), a list of `Change`s out; `verdict` then
holds the changes against the table's declared `contract_version` (MAJOR.MINOR).

Classification, column by column (a rename shows as a removal plus an addition):

- column removed: breaking; column added: compatible when nullable, breaking when required
- type: the same or widened (WIDENING below) is compatible; anything else is breaking
- nullability: nullable -> required is breaking; required -> nullable is compatible
- checks (compared on `CheckSpec` name and statistics, as pandera reports them):
  a new check is breaking and a removed one compatible; for a check present on both sides,
  a bound raised (`greater_than[_or_equal_to]`, `in_range` min, `str_length` min) or lowered
  (`less_than[_or_equal_to]`, `in_range` max, `str_length` max) or an inclusive range end made
  exclusive is breaking, the opposite compatible; `isin` shrunk (or values swapped) is breaking,
  grown compatible; `notin` grown is breaking, shrunk compatible; any other changed check
  (`str_matches` and the other string patterns, `equal_to`, custom checks...) is breaking, since
  nobody can tell here whether the new rule accepts everything the old one did
- the unique key (`Config.unique`, the primary key): other columns is breaking; the same
  columns in another order is compatible; column order of the table: compatible
- descriptions (the model's docstring, a column's description): compatible ("docs")

WIDENING: the type changes Delta Lake's type widening performs without rewriting data, i.e. every
old value is exactly representable in the new type (Spark `simpleString` names):

    tinyint  -> smallint, int, bigint, double, decimal(p, s) with p - s >= 3
    smallint -> int, bigint, double, decimal(p, s) with p - s >= 5
    int      -> bigint, double, decimal(p, s) with p - s >= 10
    bigint   -> decimal(p, s) with p - s >= 20
    float    -> double
    decimal(p, s) -> decimal(p2, s2) with s2 >= s and p2 - s2 >= p - s (no digit lost on
                     either side of the point, e.g. decimal(18,2) -> decimal(28,2))
    date     -> timestamp_ntz
    varchar(n) -> varchar(m) with m >= n, string
    array / map: element (key, value) types widened and `containsNull`/`valueContainsNull`
                 not turned off; struct: every old field kept with its type the same or widened
                 and not made required, new fields nullable

Not widening, hence breaking: every narrowing (bigint -> int, double -> float, a decimal losing
precision or scale), bigint -> double (loses digits above 2**53), int -> float, any change to or
from string, date <-> timestamp (with time zone), timestamp <-> timestamp_ntz.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from dataops_platform.quality.contract import CheckSpec, ColumnContract, TableContract

Kind = Literal["breaking", "compatible"]
BREAKING: Kind = "breaking"
COMPATIBLE: Kind = "compatible"
VERSION_PATTERN = re.compile(r"^(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Change:
    """One difference between two contracts of a table."""

    table: str
    column: str | None  # None: the table as a whole (unique key, column order, docstring)
    kind: Kind
    reason: str

    @property
    def breaking(self) -> bool:
        return self.kind == BREAKING

    def where(self) -> str:
        return f"{self.table}.{self.column}" if self.column else self.table

    def __str__(self) -> str:
        return f"{self.kind:<10} {self.where()}: {self.reason}"


@dataclass(frozen=True)
class Problem:
    """A change the declared contract version does not account for."""

    table: str
    severity: Literal["error", "warning"]
    message: str
    changes: tuple[Change, ...] = ()

    def __str__(self) -> str:
        return f"{self.severity.upper():<10} {self.table}: {self.message}"


# ---------------------------------------------------------------- types

_INTEGRAL = {"tinyint": 0, "smallint": 1, "int": 2, "bigint": 3}
_INTEGRAL_DIGITS = {"tinyint": 3, "smallint": 5, "int": 10, "bigint": 20}  # decimal digits of the largest value
_TO_DOUBLE = {"tinyint", "smallint", "int"}


def _type_name(spark_type: Any) -> str:
    return spark_type.typeName() if hasattr(spark_type, "typeName") else str(spark_type)


def _simple(spark_type: Any) -> str:
    return spark_type.simpleString() if hasattr(spark_type, "simpleString") else str(spark_type)


def _decimal(spark_type: Any) -> tuple[int, int] | None:
    if _type_name(spark_type) == "decimal":
        return int(spark_type.precision), int(spark_type.scale)
    return None


def widens(old: Any, new: Any) -> bool:
    """Whether every value of Spark type `old` is exactly a value of `new` (see WIDENING above);
    the same type widens to itself."""
    if old == new:
        return True
    a, b = _simple(old), _simple(new)
    old_name, new_name = _type_name(old), _type_name(new)
    new_decimal = _decimal(new)
    if a in _INTEGRAL:
        if b in _INTEGRAL:
            return _INTEGRAL[b] > _INTEGRAL[a]
        if b == "double":
            return a in _TO_DOUBLE
        if new_decimal:
            precision, scale = new_decimal
            return precision - scale >= _INTEGRAL_DIGITS[a]
        return False
    if a == "float":
        return b == "double"
    old_decimal = _decimal(old)
    if old_decimal and new_decimal:
        (p, s), (p2, s2) = old_decimal, new_decimal
        return s2 >= s and p2 - s2 >= p - s
    if a == "date":
        return b == "timestamp_ntz"
    if old_name == "varchar":
        return b == "string" or (new_name == "varchar" and new.length >= old.length)
    if old_name == "array" and new_name == "array":
        return widens(old.elementType, new.elementType) and (new.containsNull or not old.containsNull)
    if old_name == "map" and new_name == "map":
        return (
            widens(old.keyType, new.keyType)
            and widens(old.valueType, new.valueType)
            and (new.valueContainsNull or not old.valueContainsNull)
        )
    if old_name == "struct" and new_name == "struct":
        new_fields = {f.name: f for f in new.fields}
        for field in old.fields:
            other = new_fields.pop(field.name, None)
            if other is None or not widens(field.dataType, other.dataType) or (field.nullable and not other.nullable):
                return False
        return all(f.nullable for f in new_fields.values())
    return False


# ---------------------------------------------------------------- checks

# check name -> (statistic, +1 when raising it tightens the rule / -1 when lowering it does)
_BOUNDS: dict[str, tuple[tuple[str, int], ...]] = {
    "greater_than_or_equal_to": (("min_value", +1),),
    "greater_than": (("min_value", +1),),
    "less_than_or_equal_to": (("max_value", -1),),
    "less_than": (("max_value", -1),),
    "in_range": (("min_value", +1), ("max_value", -1)),
    "str_length": (("min_value", +1), ("max_value", -1)),
}
_INCLUSIVE = ("include_min", "include_max")  # in_range: True -> False tightens


def _as_set(values: Any) -> set | None:
    try:
        return set(values)
    except TypeError:  # unhashable values
        return None


def _same_check(old: CheckSpec, new: CheckSpec) -> bool:
    if old.name != new.name:
        return False
    if old.name in ("isin", "notin", "unique_values_eq"):
        key = {"isin": "allowed_values", "notin": "forbidden_values", "unique_values_eq": "values"}[old.name]
        a, b = _as_set(old.statistics.get(key, ())), _as_set(new.statistics.get(key, ()))
        rest_old = {k: v for k, v in old.statistics.items() if k != key}
        rest_new = {k: v for k, v in new.statistics.items() if k != key}
        if a is not None and b is not None:
            return a == b and rest_old == rest_new
    return old.statistics == new.statistics


def _values(values: Any) -> str:
    return ", ".join(repr(v) for v in sorted(values, key=repr))


def _compare_bound(name: str, statistic: str, direction: int, old: Any, new: Any) -> tuple[Kind, str] | None:
    """A bound that moved: None (unbounded) is the loosest value."""
    if old == new:
        return None
    if old is None:
        return BREAKING, f"{name}: {statistic} {new!r} added"
    if new is None:
        return COMPATIBLE, f"{name}: {statistic} {old!r} dropped"
    try:
        tighter = (new > old) if direction > 0 else (new < old)
    except TypeError:
        return BREAKING, f"{name}: {statistic} changed from {old!r} to {new!r}"
    verb = "raised" if new > old else "lowered"
    return (BREAKING if tighter else COMPATIBLE), f"{name}: {statistic} {verb} from {old!r} to {new!r}"


def _compare_check(old: CheckSpec, new: CheckSpec) -> list[tuple[Kind, str]]:
    """How one check changed (both sides have a check of this name)."""
    name, before, after = old.name, old.statistics, new.statistics
    if name == "isin":
        a, b = _as_set(before.get("allowed_values", ())), _as_set(after.get("allowed_values", ()))
        if a is not None and b is not None:
            found = []
            if a - b:
                found.append((BREAKING, f"isin: value(s) no longer allowed: {_values(a - b)}"))
            if b - a:
                found.append((COMPATIBLE, f"isin: value(s) now allowed: {_values(b - a)}"))
            return found
    if name == "notin":
        a, b = _as_set(before.get("forbidden_values", ())), _as_set(after.get("forbidden_values", ()))
        if a is not None and b is not None:
            found = []
            if b - a:
                found.append((BREAKING, f"notin: value(s) now forbidden: {_values(b - a)}"))
            if a - b:
                found.append((COMPATIBLE, f"notin: value(s) no longer forbidden: {_values(a - b)}"))
            return found
    bounds = _BOUNDS.get(name)
    decidable = bounds is not None and set(before) == set(after)
    if name == "str_length" and (before.get("exact_value") is not None or after.get("exact_value") is not None):
        decidable = False
    if decidable:
        known = {s for s, _ in bounds} | set(_INCLUSIVE) | ({"exact_value"} if name == "str_length" else set())
        if any(before[k] != after[k] for k in set(before) - known):
            decidable = False
    if decidable:
        found = [
            moved
            for statistic, direction in bounds
            if (moved := _compare_bound(name, statistic, direction, before.get(statistic), after.get(statistic)))
        ]
        for flag in _INCLUSIVE:
            if flag in before and before[flag] != after[flag]:
                found.append(
                    (BREAKING, f"{name}: {flag} turned off")
                    if before[flag]
                    else (COMPATIBLE, f"{name}: {flag} turned on")
                )
        return found
    return [(BREAKING, f"rule changed: {old.describe()} -> {new.describe()}")]


def _compare_checks(old: ColumnContract, new: ColumnContract) -> list[tuple[Kind, str]]:
    found: list[tuple[Kind, str]] = []
    names = list(dict.fromkeys([c.name for c in old.checks] + [c.name for c in new.checks]))
    for name in names:
        before = [c for c in old.checks if c.name == name]
        after = [c for c in new.checks if c.name == name]
        if len(before) == 1 and len(after) == 1:
            if not _same_check(before[0], after[0]):
                found += _compare_check(before[0], after[0])
            continue
        # none on one side, or the same check several times: match equal ones, the rest is new/removed
        unmatched = list(after)
        for check in before:
            twin = next((c for c in unmatched if _same_check(check, c)), None)
            if twin is not None:
                unmatched.remove(twin)
            else:
                found.append((COMPATIBLE, f"rule removed: {check.describe()}"))
        found += [(BREAKING, f"new rule: {check.describe()}") for check in unmatched]
    return found


# ---------------------------------------------------------------- contracts


def _compare_column(table: str, old: ColumnContract, new: ColumnContract) -> list[Change]:
    changes = []
    name = new.name
    if old.spark_type != new.spark_type:
        a, b = _simple(old.spark_type), _simple(new.spark_type)
        if widens(old.spark_type, new.spark_type):
            changes.append(Change(table, name, COMPATIBLE, f"type widened from {a} to {b}"))
        else:
            how = "narrowed" if widens(new.spark_type, old.spark_type) else "changed"
            changes.append(Change(table, name, BREAKING, f"type {how} from {a} to {b}"))
    if old.nullable and not new.nullable:
        changes.append(Change(table, name, BREAKING, "nullable column became required (not null)"))
    elif new.nullable and not old.nullable:
        changes.append(Change(table, name, COMPATIBLE, "required column became nullable"))
    changes += [Change(table, name, kind, reason) for kind, reason in _compare_checks(old, new)]
    if old.description != new.description:
        changes.append(Change(table, name, COMPATIBLE, "docs: description changed"))
    return changes


def compare(table: str, old: TableContract, new: TableContract) -> list[Change]:
    """Every difference from `old` to `new`, each classified breaking or compatible."""
    changes: list[Change] = []
    old_columns = {c.name: c for c in old.columns}
    new_columns = {c.name: c for c in new.columns}
    added = [c for c in new.columns if c.name not in old_columns]
    for column in old.columns:
        if column.name not in new_columns:
            twins = [c.name for c in added if c.spark_type == column.spark_type]
            hint = f" (renamed? added with the same type: {', '.join(twins)})" if twins else ""
            changes.append(Change(table, column.name, BREAKING, f"column removed{hint}"))
    for column in new.columns:
        if column.name in old_columns:
            changes += _compare_column(table, old_columns[column.name], column)
    for column in added:
        if column.nullable:
            changes.append(Change(table, column.name, COMPATIBLE, f"column added (nullable {column.type_name})"))
        else:
            reason = f"column added as required (not null {column.type_name}): writers must provide it"
            changes.append(Change(table, column.name, BREAKING, reason))
    if tuple(old.unique) != tuple(new.unique):
        before, after = ", ".join(old.unique) or "none", ", ".join(new.unique) or "none"
        if set(old.unique) == set(new.unique):
            changes.append(Change(table, None, COMPATIBLE, f"unique key columns reordered: ({before}) -> ({after})"))
        else:
            changes.append(Change(table, None, BREAKING, f"unique key (primary key) changed: ({before}) -> ({after})"))
    kept_old = [n for n in old_columns if n in new_columns]
    kept_new = [n for n in new_columns if n in old_columns]
    if kept_old != kept_new:
        changes.append(Change(table, None, COMPATIBLE, "column order changed"))
    if old.description != new.description:
        changes.append(Change(table, None, COMPATIBLE, "docs: table description changed"))
    return changes


def removed_table(table: str) -> Change:
    """A table whose declaration is gone: every reader of it breaks."""
    return Change(table, None, BREAKING, "table removed (its defs.yaml is gone)")


# ---------------------------------------------------------------- versions


def parse_version(version: str) -> tuple[int, int]:
    """'MAJOR.MINOR' as two integers; ValueError otherwise."""
    found = VERSION_PATTERN.match(str(version))
    if not found:
        raise ValueError(f"contract_version {version!r} is not MAJOR.MINOR (e.g. '1.0')")
    return int(found.group(1)), int(found.group(2))


def _listing(changes: list[Change]) -> str:
    return "; ".join(f"{c.column or '(table)'}: {c.reason}" for c in changes)


def verdict(
    changes: list[Change], old_version: str, new_version: str | None, table: str | None = None
) -> list[Problem]:
    """What the changes of one table demand of its contract version.

    A breaking change needs a major bump (an error otherwise; a removed table, `new_version`
    None, has nothing to bump: always an error); a compatible one at least a minor bump (a
    warning otherwise). A version lower than before is an error. No changes, same version:
    nothing. `table` names the table when there are no changes to take it from.
    """
    if not changes and new_version == old_version:
        return []
    table = table or (changes[0].table if changes else "?")
    breaking = [c for c in changes if c.breaking]
    compatible = [c for c in changes if not c.breaking]
    if new_version is None:
        message = f"table removed at contract_version {old_version}: a breaking change no version bump covers"
        return [Problem(table, "error", message, tuple(breaking))] if breaking else []
    try:
        old, new = parse_version(old_version), parse_version(new_version)
    except ValueError as exc:
        return [Problem(table, "error", str(exc), tuple(changes))]
    shown = (
        f"contract_version {old_version} -> {new_version}" if old != new else f"contract_version still {new_version}"
    )
    if new < old:
        return [Problem(table, "error", f"{shown}: the version went down", tuple(changes))]
    if breaking and new[0] <= old[0]:
        message = (
            f"{len(breaking)} breaking change(s) need a major version bump (to {old[0] + 1}.0), "
            f"{shown}: {_listing(breaking)}"
        )
        return [Problem(table, "error", message, tuple(breaking))]
    if compatible and not breaking and new == old:
        message = (
            f"{len(compatible)} compatible change(s) without a minor version bump (to {old[0]}.{old[1] + 1}), "
            f"{shown}: {_listing(compatible)}"
        )
        return [Problem(table, "warning", message, tuple(compatible))]
    return []
