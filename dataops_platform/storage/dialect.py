"""How a feed writes its files, and what happens to columns it was not declared with.

A dataset's `dialect:` and `schema_evolution:` in its defs.yaml. The defaults read RFC 4180
CSV (comma, double quotes, quoted fields may span lines, doubled quotes inside quotes) and
JSON lines, in UTF-8, with the usual spellings of "no value" read as null.
"""

from __future__ import annotations

import codecs
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SchemaEvolution = Literal["rescue", "add", "fail"]
SCHEMA_EVOLUTION_HELP = (
    "What happens to columns a file has but the contract does not: 'rescue' keeps them per row as JSON "
    "in `_rescued_data` (default), 'add' adds them to the silver table as text columns, 'fail' "
    "quarantines the file's rows. A missing declared column always quarantines the file's rows."
)
DEFAULT_NULL_TOKENS = ("", "NULL", "null", "N/A")
UTF8 = "utf-8"


class DialectSpec(BaseModel):
    """Parsing options of a dataset's files (defaults: RFC 4180 CSV, UTF-8)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delimiter: str = Field(",", min_length=1, max_length=1, description="CSV field delimiter.")
    quote: str = Field('"', min_length=1, max_length=1, description="CSV quote; doubled inside a quoted field.")
    multiline: bool = Field(True, description="Quoted CSV fields may span lines (RFC 4180).")
    null_tokens: list[str] = Field(
        default_factory=lambda: list(DEFAULT_NULL_TOKENS),
        description="Values (after trimming) read as missing, for CSV and JSON lines.",
    )
    encoding: str = Field(UTF8, description="Text encoding of the files, e.g. utf-8, latin-1, windows-1252.")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"unknown encoding {value!r} (e.g. utf-8, latin-1, windows-1252)") from None

    @field_validator("delimiter", "quote")
    @classmethod
    def _printable(cls, value: str) -> str:
        if value in "\r\n" or (not value.isprintable() and value != "\t"):
            raise ValueError("must be one printable character (or a tab)")
        return value

    @property
    def is_utf8(self) -> bool:
        return self.encoding == UTF8
