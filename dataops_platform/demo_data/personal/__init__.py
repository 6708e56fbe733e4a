"""Deterministic demo data for the personal-analytics domain, with its own defects at known rates.

`generate_domain()` writes three source datasets into an intake folder, the way a home hub, a
sports watch's app and a bank would drop them, and returns their manifest entries (merged into
``_demo_manifest.json`` by `dataops_platform.demo_data.generate`). Folders, formats, columns,
delimiter, encoding, null tokens, allowed values, aliases and ranges come from the declarations
under ``defs/personal_analytics/`` and are checked when loading (`vocabulary`).

| dataset            | path under the intake root                                     | format                  |
|--------------------|----------------------------------------------------------------|-------------------------|
| sensor_readings    | ``home/sensors/<device>/<device>_<YYYY-MM-DD>T<HH>.jsonl``      | JSON lines, UTF-8       |
| fitness_activities | ``fitness/watch/activities_<YYYY-MM-DD>.csv``                   | CSV, ``--`` = no value  |
| bank_transactions  | ``bank/statements/bookings_<YYYY-MM-DD>.csv``                   | CSV, ``;``, Windows-1252 |

Sizes, from the same ``rows`` and ``days`` as customer 360: seven devices (four plugs reporting
energy, three climate sensors reporting temperature and humidity: ten series) read at the step
of 4..288 readings a day that comes closest to ``rows`` readings in all, uploaded in one batch
file per device and six-hour window (28 small files a day, modified a minute before the window
ends); ``max(2, rows // 100)`` activities a day, in an export at 21:00 UTC that also holds the
two days before; ``max(4, rows // 50)`` bookings a day plus a salary credit on the first day
and on the 1st of each month, in an export at 22:00 UTC.

Not defects, but what the feeds are like: one plug reports energy in Wh, the others in kWh;
one climate sensor reports °F; start times carry the watch's UTC offset; merchants have accents
and the file is Windows-1252; each fitness export repeats the two days before (``re_export``,
exact re-sends).

| defect               | rate | datasets                    | what it looks like                                    | expected downstream   |
|----------------------|------|-----------------------------|-------------------------------------------------------|-----------------------|
| `duplicate`          | 3%   | sensors, bank               | an exact copy, in the same or the next file           | removed as a re-send  |
| `late_reading`       | 5%   | sensors                     | uploaded with the device's next batch (maybe next day) | kept                  |
| `null_primary_key`   | 1%   | all                         | no device_id / activity_id / transaction_ref          | quarantined           |
| `malformed_date`     | 1%   | all                         | ``2026-13-40T05:12:00Z``, ``yesterday``; bank ``15.11.2026`` | quarantined     |
| `unknown_category`   | 1%   | all                         | unit ``BTU``; sport ``yoga``; currency ``DM``, category ``misc`` | quarantined |
| `non_numeric`        | 1%   | sensors, fitness            | value ``"err"``; duration ``0:45:12`` instead of seconds | quarantined        |
| `sensor_error`       | 1%   | sensors                     | value ``-999`` (below the contract's -60)             | quarantined           |
| `heart_rate_glitch`  | 2%   | fitness                     | average heart rate ``0`` or ``255``                   | quarantined           |
| `decimal_comma`      | 2%   | bank                        | amount ``-12,50``, ``3.450,00``                       | quarantined           |
| `corrupt_line`       | 0.5% | sensors                     | a JSON line cut in its middle                         | quarantined           |
| `alias_category`     | 5%   | all                         | unit ``KWH``, ``DEGC``, room ``lounge``; sport ``Run``; ``€``, ``Groceries`` | cleansed, kept |
| `null_value`         | 1%   | sensors                     | value ``null``                                        | kept (completeness)   |
| `missing_heart_rate` | 5%   | fitness                     | ``--`` for both heart rates                           | kept, null            |

Per dataset the entry's ``expected`` block gives ``quarantined`` (lines silver quarantines: a bad
activity is quarantined once per export that holds it), ``duplicates_removed`` (copies of valid
rows) and ``silver_rows`` (distinct valid rows). The quarantined kinds add up to 5% to 6% of a
dataset's rows, under the 10% its validity check tolerates (small, noisy personal feeds); rates
scale with ``defect_scale`` as customer 360's do, so 2 holds batches. The salary is never damaged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path

from . import bank, fitness, sensors
from .defects import PersonalDefectRates
from .plan import Plan
from .vocabulary import DATASETS, feeds

DOMAIN = "personal_analytics"
_WRITERS = (sensors.write, fitness.write, bank.write)  # in vocabulary.DATASETS order


def generate_domain(root: Path, rows: int, days: int, start: dt.date, seed: int, defect_scale: float) -> dict:
    """Writes the domain's files under `root`; returns {"defect_rates", "datasets"}."""
    feeds()  # the declarations, loaded and checked before anything is written
    plan = Plan(seed, start, days, rows, PersonalDefectRates().scaled(defect_scale))
    return {
        "defect_rates": asdict(plan.rates),
        "datasets": {name: write(plan, root) for name, write in zip(DATASETS, _WRITERS)},
    }
