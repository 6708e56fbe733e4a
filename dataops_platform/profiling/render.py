"""A table profile as a dataset's `defs.yaml` and pandera `schema.py`, evidence in comments.

Both load as written (the user edits rather than writes them): names, owners and prefixes
follow the declaration's patterns, and the contract is in the style of
defs/transactions/schema.py, formatted as `ruff format` leaves it.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from decimal import Decimal

from dataops_platform.declarations import DATASET_TYPE
from dataops_platform.profiling.columns import ColumnProfile, share
from dataops_platform.profiling.files import model_name, title
from dataops_platform.profiling.samples import MAX_ROWS
from dataops_platform.profiling.table import TableProfile
from dataops_platform.quality.policy import ValiditySpec
from dataops_platform.storage.dialect import DialectSpec

WIDTH = 120


@dataclass(frozen=True)
class Identity:
    """What the sample cannot say: where the feed comes from and who owns it."""

    source: str = "source_system"
    domain: str = "default"
    owner: str = ""

    @property
    def owners(self) -> list[str]:
        return [self.owner or f"team:{self.source}"]


def comment_lines(text: str, indent: str) -> list[str]:
    """`text` as comment lines of at most WIDTH characters (continuations indented)."""
    return textwrap.wrap(
        text,
        WIDTH - len(indent) - 2,
        initial_indent=f"{indent}# ",
        subsequent_indent=f"{indent}#   ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _flow(names: list[str]) -> str:
    return "[" + ", ".join(names) + "]"


def _number(value: Decimal, code: bool = False) -> str:
    """`1100`, `0.5`; in code, large whole numbers with underscores (`1_000_000`)."""
    text = f"{value.normalize():f}"
    return f"{int(value):_}" if code and "." not in text and abs(value) >= 10_000 else text


def _py_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a Python string literal


def _regex(pattern: str) -> str:
    return f'r"{pattern}"' if '"' not in pattern and not pattern.endswith("\\") else _py_string(pattern)


def _call(head: str, args: list[str], indent: str, tail: str = ")") -> list[str]:
    """`head` + args + `tail` as `ruff format` lays it out: one line, the arguments on one
    indented line, or one argument per line with a trailing comma."""
    one = f"{indent}{head}{', '.join(args)}{tail}"
    if len(one) <= WIDTH:
        return [one]
    inner = f"{indent}    {', '.join(args)}"
    if len(inner) <= WIDTH:
        return [f"{indent}{head}", inner, f"{indent}{tail}"]
    return [f"{indent}{head}", *[f"{indent}    {a}," for a in args], f"{indent}{tail}"]


# ---------------------------------------------------------------- schema.py


def allowed_constant(column: ColumnProfile) -> str:
    return column.name.upper() + "_VALUES"


def _description(column: ColumnProfile, profile: TableProfile) -> str:
    what = column.name.replace("_", " ").capitalize()
    if column.name in profile.primary_key:
        what += ": the primary key" if len(profile.primary_key) == 1 else ": part of the primary key"
    elif column.name == profile.event_time:
        what += ": the event time (the latest version of a key wins)"
    if column.allowed:
        what += f"; one of {', '.join(column.allowed[:6])}{', ...' if len(column.allowed) > 6 else ''}"
    if column.ge is not None:
        what += f"; {_number(column.ge)} to {_number(column.le)}"
    return what + "."


def _field(column: ColumnProfile, profile: TableProfile) -> list[str]:
    args = [f"nullable={column.nullable}"]
    if column.ge is not None:
        args += [f"ge={_number(column.ge, code=True)}", f"le={_number(column.le, code=True)}"]
    if column.allowed is not None:
        args.append(f"isin={allowed_constant(column)}")
    if column.pattern is not None:
        args.append(f"str_matches={_regex(column.pattern.regex)}")
    args.append(f"description={_py_string(_description(column, profile))}")
    evidence = [line for text in column.evidence for line in comment_lines(text, "    ")]
    return evidence + _call(f"{column.name}: T.{column.guess.spark} = pa.Field(", args, "    ")


def schema_py(profile: TableProfile) -> str:
    """The pandera DataFrameModel of the proposed contract."""
    model = model_name(profile.name)
    key = profile.primary_key
    lines = [
        f'"""Contract of the silver `{profile.name}` table, proposed by `dataops profile` from '
        f"{profile.rows} sample row(s).",
        "",
        "The comment above each field is the sample's evidence: review the rules before the first run.",
        '"""',
        "",
        "import pandera.pyspark as pa",
        "import pyspark.sql.types as T",
        "",
    ]
    constants = [c for c in profile.columns if c.allowed is not None]
    for column in constants:
        lines += _call(f"{allowed_constant(column)} = [", [_py_string(v) for v in column.allowed], "", "]")
    lines += ["", "", f"class {model}(pa.DataFrameModel):"] if constants else ["", f"class {model}(pa.DataFrameModel):"]
    lines += [f'    """{title(profile.name)}: one row per {", ".join(key)} at its latest version."""', ""]
    for column in profile.columns:
        lines += _field(column, profile) + [""]
    lines += ["    class Config:", f"        unique = {json.dumps(key)}  # the primary key", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- defs.yaml


def _header(profile: TableProfile) -> list[str]:
    sample = profile.sample
    names = ", ".join(p.name for p in sample.files[:5]) + (", ..." if len(sample.files) > 5 else "")
    lines = comment_lines(
        f"{profile.name}: proposed by `dataops profile` from {len(sample.files)} sample file(s) ({names}), "
        f"{profile.rows} record(s). Review every field, then fill in what a sample cannot know: the "
        "description, owners, source and domain, references to other datasets.",
        "",
    )
    tolerated = ValiditySpec().max_failure_fraction
    if profile.failing_rows:
        top = ", ".join(f"{rule} {n}" for rule, n in profile.failures.most_common(6))
        over = " (MORE than" if profile.failing_rows > tolerated * profile.rows else " (within"
        lines += comment_lines(
            f"Loaded as it is, this sample would put {profile.failing_rows} of {profile.rows} row(s) "
            f"({share(profile.failing_rows, profile.rows)}) in quarantine{over} the {tolerated:.0%} the validity "
            f"check tolerates): {top}.",
            "",
        )
    notes = [
        f"{len(sample.malformed)} malformed record(s) not profiled (they go to quarantine): "
        + "; ".join(sample.malformed[:3])
        if sample.malformed
        else "",
        "columns only some files have, left out of the contract (the reader keeps them in _rescued_data): "
        + ", ".join(f"{c} ({n} of {len(sample.files)} files)" for c, n in sample.partial_columns.items())
        if sample.partial_columns
        else "",
        f"empty files: {', '.join(sample.empty_files)}" if sample.empty_files else "",
        f"the sample was cut at its first {MAX_ROWS} records" if sample.truncated else "",
    ]
    return lines + [line for note in notes if note for line in comment_lines(note, "")]


def _dialect(profile: TableProfile) -> list[str]:
    """The `dialect:` block where the sample differs from the reader's defaults, with why."""
    dialect, default = profile.sample.dialect(profile.null_tokens), DialectSpec()
    differences = [  # (field line, why), for each field that is not the default
        (
            f"delimiter: {json.dumps(dialect.delimiter)}",
            f"delimiter {dialect.delimiter!r} (it splits the header into the most fields)",
        )
        if dialect.delimiter != default.delimiter
        else None,
        (f"encoding: {dialect.encoding}", f"the files are not UTF-8; they decode as {dialect.encoding}")
        if dialect.encoding != default.encoding
        else None,
        (
            f"null_tokens: {json.dumps(dialect.null_tokens)}",
            f"{', '.join(map(repr, profile.null_tokens))} spoil typed columns and never appear in text ones",
        )
        if profile.null_tokens
        else None,
    ]
    found = [d for d in differences if d]
    if not found:
        return []
    why = comment_lines("dialect: " + "; ".join(reason for _, reason in found), "  ")
    return why + ["  dialect:"] + [f"    {line}" for line, _ in found]


def _listed(title_text: str, reasons: dict[str, str]) -> list[str]:
    lines = comment_lines(title_text, "  ")
    for name, why in reasons.items():
        lines += comment_lines(f"  {name}: {why}", "  ")
    return lines


def defs_yaml(profile: TableProfile, schema: str, identity: Identity) -> str:
    """The proposed declaration (`schema`: the `module:Class` of the contract)."""
    name, sample = profile.name, profile.sample
    key = profile.primary_key
    pii = {c.name: c.pii for c in profile.columns if c.pii}
    description = f"{title(name)} from {identity.source}; one row per {', '.join(key)}."
    lines = [
        *_header(profile),
        f"type: {DATASET_TYPE}",
        "",
        "attributes:",
        f"  name: {name}",
        f"  description: {json.dumps(description)}",
        f"  domain: {identity.domain}",
        f"  source: {identity.source}",
        f"  owners: {json.dumps(identity.owners)}",
        "  intake:",
        f"    prefix: {identity.source}/{name}/",
        f"    pattern: {json.dumps(profile.intake_pattern())}  # from the sample files' names",
        f"  format: {sample.file_format}",
        *comment_lines(f"primary key: {profile.key_evidence}", "  "),
        f"  primary_key: {_flow(key)}",
        *comment_lines(f"event time: {profile.event_time}, {profile.event_evidence}", "  "),
        f"  event_time: {profile.event_time}",
        "  partitioning:",
        "    ingestion: daily",
        f"    table_by_month_of: {profile.event_time}",
        *_listed("critical columns (completeness is checked on them):", profile.critical),
        f"  critical_columns: {_flow(list(profile.critical))}",
        *(_listed("PII guesses (masked in samples, previews and alerts):", pii) if pii else []),
        f"  pii_columns: {_flow(list(pii))}",
        f"  schema: {schema}",
        '  contract_version: "1.0"',
    ]
    if profile.lowercase:
        lines += comment_lines("cleansing: values of these columns differ only by case", "  ")
        lines += ["  cleansing:", f"    lowercase: {_flow(profile.lowercase)}"]
    lines += _dialect(profile)
    lines += comment_lines(
        'quality: the platform\'s defaults (README, "Quality gates"); after a few runs, '
        f"`dataops profile --suggest {name}` proposes thresholds from the check history.",
        "  ",
    )
    return "\n".join(lines) + "\n"
