"""The personal-analytics defect kinds and their rates (a source row gets at most one)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..defects import Rates


@dataclass(frozen=True)
class PersonalDefectRates(Rates):
    """Fraction of a dataset's source rows that get each defect (see the package docstring). The
    quarantined kinds add up to 5% to 6% of a dataset's rows, under the 10% its validity check
    tolerates; `defect_scale` 2 goes past it."""

    duplicate: float = 0.03  # delivery: an exact re-send, in the same or the next file
    late_reading: float = 0.05  # delivery: a reading uploaded with the device's next batch
    null_primary_key: float = 0.01
    malformed_date: float = 0.01
    unknown_category: float = 0.01
    non_numeric: float = 0.01
    sensor_error: float = 0.01
    heart_rate_glitch: float = 0.02
    decimal_comma: float = 0.02
    corrupt_line: float = 0.005
    alias_category: float = 0.05
    null_value: float = 0.01
    missing_heart_rate: float = 0.05


PERSONAL_DEFECT_KINDS = tuple(f.name for f in fields(PersonalDefectRates))
DELIVERY = ("duplicate", "late_reading")  # how rows arrive, not what they hold
QUARANTINED = (
    "null_primary_key",
    "malformed_date",
    "unknown_category",
    "non_numeric",
    "sensor_error",
    "heart_rate_glitch",
    "decimal_comma",
    "corrupt_line",
)
