"""Deterministic demo data for the customer-360 domain, with realistic defects at known rates.

`generate()` writes four source datasets into an *intake folder*, the way the source systems
would drop them, and returns a manifest (also written to ``<intake_root>/_demo_manifest.json``)
that states exactly what was written and what the platform is expected to do with it.

Layout (one file per dataset and day; a day with more than 1,000,000 transactions or web events
is split into ``_partNNN`` files). Each file's mtime is set to 12:00:00 UTC of its day, which the
platform reads as the landing date:

| dataset         | path under the intake root                                   | format     |
|-----------------|--------------------------------------------------------------|------------|
| customers       | ``crm/customers/customers_<YYYY-MM-DD>.csv``                  | CSV        |
| transactions    | ``payments/transactions/transactions_<YYYY-MM-DD>[_partNNN].csv`` | CSV    |
| web_events      | ``web/events/web_events_<YYYY-MM-DD>[_partNNN].jsonl``        | JSON lines |
| support_tickets | ``helpdesk/tickets/support_tickets_<YYYY-MM-DD>.jsonl``       | JSON lines |

Sizes: ``rows`` transactions and ``rows`` web events, ``max(50, rows // 10)`` customers and
``max(20, rows // 20)`` support tickets, spread evenly over ``days`` days. The first customers
file is a full export; later ones hold a few new signups plus ~2% *update records* (same
customer_id, later updated_at, changed status or email). Updates are not defects: the latest
updated_at wins downstream.

Defects. Every source row carries at most one defect, so outcomes are countable. Rates are
fractions of a dataset's source rows (`DefectRates`); ``defect_scale`` multiplies all of them
(each capped at 0.5; if a dataset's row defects then add up to more than 95% of its rows, they
are scaled down proportionally). Duplicates are exact copies of clean rows (never of a defective
row, an update record or another duplicate), placed later in the same file or, for transactions,
web events and tickets, sometimes in the next day's file.

| defect               | rate | datasets                          | expected downstream                  |
|----------------------|------|-----------------------------------|--------------------------------------|
| `null_critical`      | 2%   | all                               | kept, counted by completeness checks |
| `null_primary_key`   | 0.3% | all                               | quarantined                          |
| `duplicate`          | 3%   | all                               | removed by de-duplication            |
| `messy_email`        | 10%  | customers                         | cleansed (trim + lowercase), kept    |
| `malformed_date`     | 0.5% | all                               | quarantined                          |
| `future_date`        | 0.3% | all                               | quarantined                          |
| `negative_amount`    | 0.5% | transactions                      | quarantined                          |
| `non_numeric_amount` | 0.3% | transactions                      | quarantined                          |
| `orphan_foreign_key` | 1%   | transactions, web_events, tickets | kept, reported by consistency checks |
| `unknown_category`   | 0.5% | all                               | quarantined                          |
| `alias_category`     | 2%   | all                               | standardized, kept                   |
| `corrupt_line`       | 0.1% | web_events, tickets               | quarantined as malformed             |

What they look like:

- null_critical: one empty critical column; customers email / signup_date / region, transactions
  customer_id / transaction_ts / amount, web_events customer_id / event_ts / event_type, tickets
  customer_id / created_at / status (empty CSV field, JSON null).
- null_primary_key: empty customer_id / transaction_id / event_id / ticket_id.
- messy_email: mixed case and stray spaces, e.g. ``"  Emma.Smith12@Example.COM "``.
- malformed_date: ``2026-13-45``, ``15/03/2026``, ``yesterday``, ``not a date``, ``00/00/0000`` in
  customers.signup_date, transaction_ts, event_ts, tickets created_at and updated_at.
- future_date: 1 to 3 years after the file's day, in customers.updated_at, transaction_ts,
  event_ts, tickets created_at and updated_at.
- negative_amount ``-12.50``; non_numeric_amount ``abc``, ``12,50``, ``12.50 USD``.
- orphan_foreign_key: a well-formed customer_id with no customer (``C9000000``..``C9999999``).
  Other rows only reference customers that survive into silver, so these are the only orphans.
- unknown_category: customers.status ``unknown``/``prospect``/``deleted``, transactions.status
  ``unknown``/``chargeback``/``disputed``, event_type ``unknown``/``hover``/``scroll``,
  tickets status ``unknown``/``escalated``/``reopened``.
- alias_category: the same value spelled differently; transactions status ``COMPLETE``, ``Done``,
  ``completed ``, ``OK``, ``FAILED`` and channel ``Web``, ``POS``, ``App``; customers region ``N``,
  ``North ``, ``NORTH`` and status ``Active``; event_type / device and tickets status / priority /
  channel in upper or title case (``OPEN``, ``Page_View``). Cleansing is trim + lowercase + the
  value maps of the dataset declarations.
- corrupt_line: a JSON line cut somewhere in its middle.

Per dataset the manifest's ``expected`` block gives ``quarantined`` (null_primary_key +
malformed_date + future_date + negative_amount + non_numeric_amount + unknown_category +
corrupt_line), ``duplicates_removed`` and ``silver_rows`` (rows left after both, one per primary
key; for customers also ``distinct_customers``). Update records only ever target customers whose
first record is clean, so "latest wins" never has to choose between a defective and a clean row.

A few customers are heavy buyers (spend > 1000), some buy often but little (> 5 transactions,
spend <= 500), some never buy, and a few non-buyers have more than 3 open tickets, so every
branch of a customer health score is populated at the default scale.

Output is byte-identical for the same (rows, days, start_date, seed, defect_scale): all
randomness is seeded per dataset, day and chunk, and the wall clock is only read for the default
``start_date``. Data is generated and written in chunks of at most 1,000,000 rows with numpy and
pyarrow, so memory stays bounded at tens of millions of rows.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["DefectRates", "generate", "MANIFEST_NAME"]

MANIFEST_NAME = "_demo_manifest.json"
CHUNK_ROWS = 1_000_000  # rows generated at a time, and the most rows in one part file
PROGRESS_MIN_ROWS = 1_000_000  # report progress from this many transactions on
MAX_RATE = 0.5  # cap of a single scaled defect rate
MAX_DEFECT_SHARE = 0.95  # cap of the share of rows with a row-level defect
DAY = 86_400
SIGNUP_HISTORY_DAYS = 730
ORPHAN_MIN = 9_000_000  # orphan customer numbers start here, beyond any generated customer
MAX_ROWS = (ORPHAN_MIN - 1) * 10

QUARANTINED = ("null_primary_key", "malformed_date", "future_date", "negative_amount",
               "non_numeric_amount", "unknown_category", "corrupt_line")


@dataclass(frozen=True)
class DefectRates:
    """Fraction of a dataset's source rows that get each defect (see the module docstring)."""

    null_critical: float = 0.02
    null_primary_key: float = 0.003
    duplicate: float = 0.03
    messy_email: float = 0.10
    malformed_date: float = 0.005
    future_date: float = 0.003
    negative_amount: float = 0.005
    non_numeric_amount: float = 0.003
    orphan_foreign_key: float = 0.01
    unknown_category: float = 0.005
    alias_category: float = 0.02
    corrupt_line: float = 0.001

    def __post_init__(self) -> None:
        for f in fields(self):
            if not 0.0 <= getattr(self, f.name) <= 1.0:
                raise ValueError(f"defect rate {f.name} must be within [0, 1]")

    def scaled(self, factor: float) -> DefectRates:
        """All rates multiplied by `factor`, each capped at `MAX_RATE`."""
        if factor < 0:
            raise ValueError("defect scale must be >= 0")
        return DefectRates(**{f.name: min(MAX_RATE, round(getattr(self, f.name) * factor, 10))
                              for f in fields(self)})


# --------------------------------------------------------------------------------------------
# Value tables
# --------------------------------------------------------------------------------------------

FIRST_NAMES = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mason",
               "Amelia", "Leo", "Chloe", "Jack", "Grace", "Henry", "Zoe", "Owen", "Lily", "Samuel",
               "Nora", "Daniel", "Ella", "Arjun", "Mei", "Omar", "Hana", "Mateo", "Ines", "Yusuf",
               "Priya", "Kenji", "Elena", "Tomas", "Aisha", "Felix", "Clara", "Ravi", "Julia", "Diego")
LAST_NAMES = ("Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Wilson",
              "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Clark", "Lewis",
              "Walker", "Hall", "Young", "King", "Wright", "Lopez", "Hill", "Green", "Adams", "Baker",
              "Nelson", "Carter", "Mitchell", "Patel", "Nguyen", "Kim", "Chen", "Silva", "Novak",
              "Rossi", "Muller", "Khan", "Sato")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
REGIONS = ("north", "south", "east", "west", "central")
REGION_P = (0.22, 0.20, 0.20, 0.20, 0.18)
CUSTOMER_STATUSES = ("active", "inactive", "churned")
CUSTOMER_STATUS_P = (0.80, 0.12, 0.08)
CHANNELS = ("online", "store", "mobile")
CHANNEL_P = (0.45, 0.35, 0.20)
TX_STATUSES = ("completed", "pending", "failed", "refunded")
TX_STATUS_P = (0.85, 0.06, 0.05, 0.04)
EVENT_TYPES = ("page_view", "click", "add_to_cart", "checkout", "login", "search")
EVENT_TYPE_P = (0.45, 0.25, 0.10, 0.04, 0.06, 0.10)
PAGE_PREFIXES = ("/products/", "/products/", "/cart?add=", "/checkout", "/login", "/search?q=")
PAGE_SUFFIX = ("product", "product", "product", "", "", "term")  # per event type
SEARCH_TERMS = ("shoes", "jacket", "headphones", "coffee", "backpack", "lamp", "watch",
                "gift-card", "yoga-mat", "charger")
DEVICES = ("desktop", "mobile", "tablet")
DEVICE_P = (0.50, 0.40, 0.10)
TICKET_STATUSES = ("open", "pending", "resolved", "closed")
TICKET_STATUS_P = (0.15, 0.10, 0.35, 0.40)
PRIORITIES = ("low", "medium", "high", "urgent")
PRIORITY_P = (0.30, 0.40, 0.20, 0.10)
TICKET_CHANNELS = ("email", "phone", "chat")
TICKET_CHANNEL_P = (0.50, 0.20, 0.30)
SUBJECTS = ("Refund request", "Order not delivered", "Wrong item received", "Cannot log in",
            "Payment declined", "Change delivery address", "Cancel my order", "Damaged package",
            "Question about invoice", "App crashes at checkout", "Update contact details",
            "Loyalty points missing")

# Customer segments: (share of first-day customers, minimum count, purchase weight, amount factor).
# Regular customers get an exponentially distributed purchase weight (mean 1).
HEAVY, FREQUENT_SMALL, TROUBLED, DORMANT, REGULAR = range(5)
SEGMENTS = ((0.02, 3, 5.0, 2.0), (0.03, 3, 1.5, 0.2), (0.01, 3, 0.0, 1.0), (0.25, 0, 0.0, 1.0),
            (None, 0, 1.0, 1.0))
TROUBLED_TICKETS = 5  # open tickets per troubled customer (fewer if tickets are scarce)
UPDATE_SHARE = 0.02  # update records per later day, as a share of customers
NEW_SIGNUP_SHARE = 0.005  # new signups per later day, as a share of customers


Columns = dict[str, pa.Array]  # column name -> string values


# --------------------------------------------------------------------------------------------
# Vectorized formatting helpers (all return pyarrow string arrays)
# --------------------------------------------------------------------------------------------

def _join(*parts) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, "")


def _take(values: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(codes))


def _digits(numbers: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")


def _fmt_ids(prefix: str, width: int, numbers: np.ndarray) -> pa.Array:
    return _join(prefix, _digits(numbers, width))


def _customer_ids(index: np.ndarray) -> pa.Array:
    """Customer ids of 0-based customer indexes: C0000001, C0000002, ..."""
    return _fmt_ids("C", 7, np.asarray(index) + 1)


@cache
def _clock() -> pa.Array:
    """The clock time (HH:MM:SS) of every second of a day."""
    return pa.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)])


def _fmt_dates(epoch_days: np.ndarray) -> pa.Array:
    """YYYY-MM-DD of days since 1970-01-01."""
    epoch_days = np.asarray(epoch_days, np.int64)
    if not epoch_days.size:
        return pa.array([], pa.string())
    low = int(epoch_days.min())
    days = np.arange(low, int(epoch_days.max()) + 1, dtype=np.int32)
    return pa.array(days, pa.date32()).cast(pa.string()).take(pa.array(epoch_days - low))


def _fmt_ts(secs: np.ndarray) -> pa.Array:
    """ISO-8601 UTC (YYYY-MM-DDTHH:MM:SSZ) of seconds since the epoch."""
    secs = np.asarray(secs, np.int64)
    return _join(_fmt_dates(secs // DAY), "T", _clock().take(pa.array(secs % DAY)), "Z")


def _fmt_cents(cents: np.ndarray) -> pa.Array:
    """Decimal text with two places of an amount in cents."""
    return _join(pa.array(cents // 100).cast(pa.string()), ".", _digits(cents % 100, 2))


def _categorical(u: np.ndarray, p: tuple[float, ...]) -> np.ndarray:
    """Category codes for uniform [0, 1) draws `u`, with probabilities p."""
    return np.searchsorted(np.cumsum(p), u * math.fsum(p), side="right").clip(0, len(p) - 1)


def _pick(rng: np.random.Generator, n: int, p: tuple[float, ...]) -> np.ndarray:
    """n category codes drawn with probabilities p."""
    return _categorical(rng.random(n), p)


# --------------------------------------------------------------------------------------------
# Counter-based randomness for customer attributes (a pure function of seed and customer index)
# --------------------------------------------------------------------------------------------

_GOLDEN, _MIX1, _MIX2 = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9),
                         np.uint64(0x94D049BB133111EB))


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer over a uint64 array (wraps around by design)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def _hash_u64(seed: int, stream: int, index: np.ndarray) -> np.ndarray:
    key = _mix64(_mix64(np.array([seed], np.uint64)) ^ np.array([stream], np.uint64))
    return _mix64(np.asarray(index).astype(np.uint64) ^ key)


def _uniform(seed: int, stream: int, index: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) floats, one per index."""
    return (_hash_u64(seed, stream, index) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def _choose(seed: int, stream: int, index: np.ndarray, p: tuple[float, ...]) -> np.ndarray:
    """One category code per index, with probabilities p."""
    return _categorical(_uniform(seed, stream, index), p)


def _affine_bijection(n: int, seed: int, stream: int) -> tuple[int, int]:
    """(a, b) such that i -> (a*i + b) % n permutes range(n)."""
    h = _hash_u64(seed, stream, np.array([0, 1]))
    a = int(h[0] % np.uint64(n)) or 1
    while math.gcd(a, n) != 1:
        a = a % n + 1
    return a, int(h[1] % np.uint64(n))


# --------------------------------------------------------------------------------------------
# The generated world: who the customers are and how they behave
# --------------------------------------------------------------------------------------------

@dataclass
class _World:
    """Parameters and customer facts shared by all datasets.

    Customers are written first; they record which customers survive into silver (`present`), and
    the other datasets only reference those (plus the injected orphans), so consistency checks
    find exactly the injected orphans. The cached properties must only be read after that.
    """

    seed: int
    start: dt.date
    days: int
    rows: int
    rates: DefectRates
    n_customers: int
    n_base: int  # customers in the first (full) export
    new_per_day: int  # new signups per later day
    segment: np.ndarray  # per customer
    purchase_weight: np.ndarray  # per customer
    amount_factor: np.ndarray  # per customer
    n_tickets: int
    ticket_slots: tuple[int, int]  # affine bijection spreading troubled tickets over all tickets
    clean_base: np.ndarray = field(init=False)  # first-export customers without any defect
    kept: np.ndarray = field(init=False)  # customers whose source row is not quarantined

    def __post_init__(self) -> None:
        self.clean_base = np.zeros(self.n_base, bool)
        self.kept = np.ones(self.n_customers, bool)

    @cached_property
    def present(self) -> np.ndarray:
        """Sorted indexes of the customers that exist downstream."""
        return np.flatnonzero(self.kept)

    @cached_property
    def purchase_cum(self) -> np.ndarray:
        """Cumulative purchase weight, zero for customers that do not exist downstream."""
        return np.cumsum(np.where(self.kept, self.purchase_weight, 0.0))

    @cached_property
    def troubled(self) -> np.ndarray:
        """Customers (existing downstream) who get many open tickets and never buy."""
        return np.flatnonzero((self.segment == TROUBLED) & self.kept)

    @cached_property
    def troubled_tickets(self) -> int:
        return min(TROUBLED_TICKETS * self.troubled.size, self.n_tickets // 2)

    def draw_present(self, rng: np.random.Generator, n: int, day: int) -> np.ndarray:
        """n customers drawn uniformly among those existing downstream and signed up by `day`."""
        count = int(np.searchsorted(self.present, self.available(day)))
        if count == 0:  # only with absurd defect rates: every customer is quarantined
            return rng.integers(0, self.available(day), n)
        return self.present[rng.integers(0, count, n)]

    def day_date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def day_secs(self, day: int) -> int:
        """Epoch seconds of 00:00 UTC of a day (0 = start_date)."""
        return (self.day_date(day) - dt.date(1970, 1, 1)).days * DAY

    def available(self, day: int) -> int:
        """Number of customers signed up by the end of a day (they are numbered in signup order)."""
        return self.n_base + self.new_per_day * day


def _build_world(rows: int, days: int, start: dt.date, seed: int, rates: DefectRates) -> _World:
    n_customers = max(50, rows // 10)
    new_per_day = 0 if days == 1 else min(max(1, round(NEW_SIGNUP_SHARE * n_customers)),
                                          n_customers // 5 // (days - 1))
    n_base = n_customers - new_per_day * (days - 1)
    segment = np.concatenate([_base_segments(n_base, seed), np.full(n_customers - n_base, REGULAR)])
    weight = np.array([s[2] for s in SEGMENTS])[segment]
    weight[segment == REGULAR] *= -np.log1p(-_uniform(seed, 1, np.flatnonzero(segment == REGULAR)))
    n_tickets = max(20, rows // 20)
    return _World(
        seed=seed, start=start, days=days, rows=rows, rates=rates, n_customers=n_customers,
        n_base=n_base, new_per_day=new_per_day, segment=segment, purchase_weight=weight,
        amount_factor=np.array([s[3] for s in SEGMENTS])[segment], n_tickets=n_tickets,
        ticket_slots=_affine_bijection(n_tickets, seed, 2),
    )


def _base_segments(n_base: int, seed: int) -> np.ndarray:
    """Segment of each first-export customer: exact counts, scattered by a seeded bijection."""
    counts = [max(minimum, round(share * n_base)) for share, minimum, _, _ in SEGMENTS[:-1]]
    a, b = _affine_bijection(n_base, seed, 3)
    position = (a * np.arange(n_base, dtype=np.int64) + b) % n_base
    return np.searchsorted(np.cumsum(counts), position, side="right")


# --------------------------------------------------------------------------------------------
# Clean rows per dataset
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Chunk:
    """A slice of one day's source rows, generated (and written) in one go."""

    day: int
    index: int  # within the day
    count: int  # chunks in the day
    rows: int
    first_id: int  # global 0-based number of the chunk's first source row


def _customer_profile(world: _World, index: np.ndarray) -> dict[str, np.ndarray]:
    """Clean attributes of customers (by 0-based index), a pure function of seed and index."""
    seed = world.seed

    def u(stream: int) -> np.ndarray:
        return _uniform(seed, 100 + stream, index)

    signup_day = np.where(index < world.n_base, -1 - (u(0) * SIGNUP_HISTORY_DAYS).astype(np.int64),
                          1 + (index - world.n_base) // max(1, world.new_per_day))
    signup = world.day_secs(0) // DAY + signup_day
    signup_secs = signup * DAY
    latest = np.where(signup_day < 0, world.day_secs(0) + DAY // 2, signup_secs + DAY)
    return {
        "index": index,
        "first": (u(1) * len(FIRST_NAMES)).astype(np.int64),
        "last": (u(2) * len(LAST_NAMES)).astype(np.int64),
        "mail_no": (u(3) * 1000).astype(np.int64),
        "domain": _choose(seed, 104, index, (0.55, 0.2, 0.15, 0.1)),
        "phone": (u(5) * 10_000_000).astype(np.int64),
        "signup": signup,
        "region": _choose(seed, 106, index, REGION_P),
        "status": _choose(seed, 107, index, CUSTOMER_STATUS_P),
        "updated": signup_secs + (u(8) * (latest - signup_secs)).astype(np.int64),
    }


def _customer_columns(p: Mapping[str, np.ndarray]) -> Columns:
    first, last = _take(FIRST_NAMES, p["first"]), _take(LAST_NAMES, p["last"])
    mail_no = pa.array(p["mail_no"]).cast(pa.string())
    domain = _take(EMAIL_DOMAINS, p["domain"])
    email = _join(pc.utf8_lower(first), ".", pc.utf8_lower(last), mail_no, "@", domain)
    phone = _join("+1-555-", _digits(p["phone"] // 10_000, 3), "-", _digits(p["phone"] % 10_000, 4))
    return {
        "customer_id": _customer_ids(p["index"]),
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": phone,
        "signup_date": _fmt_dates(p["signup"]),
        "region": _take(REGIONS, p["region"]),
        "status": _take(CUSTOMER_STATUSES, p["status"]),
        "updated_at": _fmt_ts(p["updated"]),
    }


def _gen_customers(world: _World, rng: np.random.Generator, chunk: _Chunk) -> Columns:
    """Customers in signup order: all first-export customers on day 0, new signups later."""
    index = np.arange(chunk.first_id, chunk.first_id + chunk.rows, dtype=np.int64)
    return _customer_columns(_customer_profile(world, index))


def _customer_updates(world: _World, rng: np.random.Generator, chunk: _Chunk) -> Columns | None:
    """Update records of clean first-export customers (changed status or email, later updated_at)."""
    pool = np.flatnonzero(world.clean_base)
    if chunk.day == 0 or chunk.index or not pool.size:
        return None
    count = min(max(1, round(UPDATE_SHARE * world.n_customers)), pool.size)
    profile = _customer_profile(world, np.sort(rng.choice(pool, size=count, replace=False)))
    new_status = rng.random(count) < 0.5
    profile["status"] = np.where(new_status, (profile["status"] + rng.integers(1, 3, count)) % 3,
                                 profile["status"])
    new_domain = (profile["domain"] + 1) % len(EMAIL_DOMAINS)
    profile["domain"] = np.where(new_status, profile["domain"], new_domain)
    profile["updated"] = world.day_secs(chunk.day) + rng.integers(0, DAY, count)
    return _customer_columns(profile)


def _remember_customers(world: _World, chunk: _Chunk, clean: np.ndarray,
                        quarantined: np.ndarray) -> None:
    """Notes which customers get update records (clean ones) and which exist downstream."""
    rows = slice(chunk.first_id, chunk.first_id + chunk.rows)
    world.kept[rows] = ~quarantined
    if chunk.day == 0:
        world.clean_base[rows] = clean


def _amount_cents(rng: np.random.Generator, factor: np.ndarray) -> np.ndarray:
    """Mostly 5..500 (log-normal), a 2% Pareto tail above 500, scaled per customer segment."""
    n = factor.size
    body = np.clip(np.exp(rng.normal(math.log(40), 0.9, n)), 5, 500)
    tail = 500 * (1 + rng.pareto(1.5, n))
    amount = np.where(rng.random(n) < 0.02, tail, body) * factor
    return np.round(np.clip(amount, 5, 5000) * 100).astype(np.int64)


def _gen_transactions(world: _World, rng: np.random.Generator, chunk: _Chunk) -> Columns:
    n = chunk.rows
    cum = world.purchase_cum[:world.available(chunk.day)]
    customer = np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), cum.size - 1)
    return {
        "transaction_id": _fmt_ids("T", 10, chunk.first_id + 1 + np.arange(n)),
        "customer_id": _customer_ids(customer),
        "transaction_ts": _fmt_ts(world.day_secs(chunk.day) + np.sort(rng.integers(0, DAY, n))),
        "amount": _fmt_cents(_amount_cents(rng, world.amount_factor[customer])),
        "channel": _take(CHANNELS, _pick(rng, n, CHANNEL_P)),
        "status": _take(TX_STATUSES, _pick(rng, n, TX_STATUS_P)),
    }


def _gen_web_events(world: _World, rng: np.random.Generator, chunk: _Chunk) -> Columns:
    """Events grouped in sessions (about 4 events each) of one customer and device."""
    n = chunk.rows
    sessions = max(1, n // 4)
    session = rng.integers(0, sessions, n)
    secs = rng.integers(0, DAY - 1800, sessions)[session] + rng.integers(0, 1800, n)
    order = np.argsort(secs, kind="stable")
    session, secs = session[order], secs[order]
    event_type = _pick(rng, n, EVENT_TYPE_P)
    kind = np.array(PAGE_SUFFIX)[event_type]
    product = pa.array(rng.integers(1, 5000, n)).cast(pa.string())
    term = _take(SEARCH_TERMS, rng.integers(0, len(SEARCH_TERMS), n))
    suffix = pc.if_else(pa.array(kind == "product"), product, pc.if_else(pa.array(kind == "term"), term, ""))
    page = _join(_take(PAGE_PREFIXES, event_type), suffix)
    return {
        "event_id": _fmt_ids("E", 10, chunk.first_id + 1 + np.arange(n)),
        "customer_id": _customer_ids(world.draw_present(rng, sessions, chunk.day)[session]),
        "session_id": _fmt_ids("S", 10, chunk.first_id + 1 + session),
        "event_ts": _fmt_ts(world.day_secs(chunk.day) + secs),
        "event_type": _take(EVENT_TYPES, event_type),
        "page": page,
        "device": _take(DEVICES, _pick(rng, sessions, DEVICE_P)[session]),
    }


def _gen_support_tickets(world: _World, rng: np.random.Generator, chunk: _Chunk) -> Columns:
    """Tickets of random customers, plus a fixed number of open tickets per troubled customer."""
    n = chunk.rows
    a, b = world.ticket_slots
    slot = (a * (chunk.first_id + np.arange(n, dtype=np.int64)) + b) % world.n_tickets
    troubled = slot < world.troubled_tickets
    customer = world.draw_present(rng, n, chunk.day)
    status = _pick(rng, n, TICKET_STATUS_P)
    if world.troubled.size:
        customer[troubled] = world.troubled[slot[troubled] % world.troubled.size]
        status[troubled] = _pick(rng, int(troubled.sum()), (0.7, 0.3))  # open or pending
    created = world.day_secs(chunk.day) + np.sort(rng.integers(0, DAY * 2 // 3, n))
    return {
        "ticket_id": _fmt_ids("K", 8, chunk.first_id + 1 + np.arange(n)),
        "customer_id": _customer_ids(customer),
        "created_at": _fmt_ts(created),
        "updated_at": _fmt_ts(created + rng.integers(0, DAY // 3, n)),
        "status": _take(TICKET_STATUSES, status),
        "priority": _take(PRIORITIES, _pick(rng, n, PRIORITY_P)),
        "channel": _take(TICKET_CHANNELS, _pick(rng, n, TICKET_CHANNEL_P)),
        "subject": _take(SUBJECTS, rng.integers(0, len(SUBJECTS), n)),
    }


def _even_split(total: int, days: int) -> list[int]:
    base, extra = divmod(total, days)
    return [base + (day < extra) for day in range(days)]


# --------------------------------------------------------------------------------------------
# Dataset declarations
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Spec:
    """How one dataset is generated, damaged and laid out."""

    name: str
    folder: str
    fmt: str  # "csv" or "jsonl"
    columns: tuple[str, ...]  # the first one is the primary key
    rows_per_day: Callable[[_World], list[int]]
    generate: Callable[[_World, np.random.Generator, _Chunk], Columns]
    critical: tuple[str, ...]  # candidates for null_critical
    malformed_cols: tuple[str, ...]
    future_cols: tuple[str, ...]
    unknown_col: str
    unknown_values: tuple[str, ...]
    aliases: Mapping[str, Mapping[str, tuple[str, ...]]]  # column -> canonical value -> aliases
    amount_col: str | None = None
    email_col: str | None = None
    fk_col: str | None = None
    split_parts: bool = True  # big days go to part files (else one file, written in chunks)
    carry_duplicates: bool = True  # some duplicates land in the next day's file
    extras: Callable[[_World, np.random.Generator, _Chunk], Columns | None] | None = None
    on_rows: Callable[[_World, _Chunk, np.ndarray, np.ndarray], None] | None = None  # (clean, quarantined)

    @property
    def id_col(self) -> str:
        return self.columns[0]

    @property
    def date_only(self) -> bool:
        return self.malformed_cols[0].endswith("_date")

    @property
    def row_defects(self) -> tuple[str, ...]:
        """Row-level defect kinds that apply to this dataset, in a fixed order."""
        applies = {"messy_email": self.email_col, "negative_amount": self.amount_col,
                   "non_numeric_amount": self.amount_col, "orphan_foreign_key": self.fk_col,
                   "corrupt_line": self.fmt == "jsonl"}
        return tuple(kind for kind in ROW_DEFECTS if applies.get(kind, True))


DEFECT_KINDS = tuple(f.name for f in fields(DefectRates))
ROW_DEFECTS = tuple(kind for kind in DEFECT_KINDS if kind != "duplicate")  # at most one per source row

SPECS = (
    _Spec(
        name="customers", folder="crm/customers", fmt="csv",
        columns=("customer_id", "first_name", "last_name", "email", "phone", "signup_date", "region",
                 "status", "updated_at"),
        rows_per_day=lambda w: [w.n_base] + [w.new_per_day] * (w.days - 1),
        generate=_gen_customers,
        critical=("email", "signup_date", "region"),
        malformed_cols=("signup_date",), future_cols=("updated_at",),
        unknown_col="status", unknown_values=("unknown", "prospect", "deleted"),
        aliases={"region": {"north": ("N", "North ", "NORTH"), "south": ("S", "South", " south"),
                            "east": ("E", "East ", "EAST"), "west": ("W", "West", "WEST "),
                            "central": ("C", "Central", "CENTRAL")},
                 "status": {"active": ("Active", "ACTIVE"), "inactive": ("Inactive", "INACTIVE"),
                            "churned": ("Churned", "CHURNED")}},
        email_col="email", split_parts=False, carry_duplicates=False,
        extras=_customer_updates, on_rows=_remember_customers,
    ),
    _Spec(
        name="transactions", folder="payments/transactions", fmt="csv",
        columns=("transaction_id", "customer_id", "transaction_ts", "amount", "channel", "status"),
        rows_per_day=lambda w: _even_split(w.rows, w.days),
        generate=_gen_transactions,
        critical=("customer_id", "transaction_ts", "amount"),
        malformed_cols=("transaction_ts",), future_cols=("transaction_ts",),
        unknown_col="status", unknown_values=("unknown", "chargeback", "disputed"),
        aliases={"status": {"completed": ("COMPLETE", "Done", "completed ", "OK"),
                            "pending": ("Pending", "PENDING"), "failed": ("FAILED", "Fail"),
                            "refunded": ("Refunded", "REFUNDED")},
                 "channel": {"online": ("Web", "ONLINE"), "store": ("POS", "Store"),
                             "mobile": ("App", "Mobile")}},
        amount_col="amount", fk_col="customer_id",
    ),
    _Spec(
        name="web_events", folder="web/events", fmt="jsonl",
        columns=("event_id", "customer_id", "session_id", "event_ts", "event_type", "page", "device"),
        rows_per_day=lambda w: _even_split(w.rows, w.days),
        generate=_gen_web_events,
        critical=("customer_id", "event_ts", "event_type"),
        malformed_cols=("event_ts",), future_cols=("event_ts",),
        unknown_col="event_type", unknown_values=("unknown", "hover", "scroll"),
        aliases={"event_type": {v: (v.upper(), v.title()) for v in EVENT_TYPES},
                 "device": {v: (v.upper(), v.title()) for v in DEVICES}},
        fk_col="customer_id",
    ),
    _Spec(
        name="support_tickets", folder="helpdesk/tickets", fmt="jsonl",
        columns=("ticket_id", "customer_id", "created_at", "updated_at", "status", "priority", "channel",
                 "subject"),
        rows_per_day=lambda w: _even_split(w.n_tickets, w.days),
        generate=_gen_support_tickets,
        critical=("customer_id", "created_at", "status"),
        malformed_cols=("created_at", "updated_at"), future_cols=("created_at", "updated_at"),
        unknown_col="status", unknown_values=("unknown", "escalated", "reopened"),
        aliases={"status": {v: (v.upper(), v.title()) for v in TICKET_STATUSES},
                 "priority": {v: (v.upper(), v.title()) for v in PRIORITIES},
                 "channel": {v: (v.upper(), v.title()) for v in TICKET_CHANNELS}},
        fk_col="customer_id", split_parts=False,
    ),
)


# --------------------------------------------------------------------------------------------
# Defects
# --------------------------------------------------------------------------------------------

def _assign_defects(rng: np.random.Generator, n: int, kinds: tuple[str, ...],
                    rates: DefectRates) -> np.ndarray:
    """One code per row: index into `kinds`, or len(kinds) for a clean row."""
    p = np.array([getattr(rates, kind) for kind in kinds], np.float64)
    if p.sum() > MAX_DEFECT_SHARE:
        p *= MAX_DEFECT_SHARE / p.sum()
    return np.searchsorted(np.cumsum(p), rng.random(n), side="right").astype(np.int8)


class _Edits:
    """Replacement values per column, applied in one pass per column."""

    def __init__(self) -> None:
        self.rows: dict[str, list[np.ndarray]] = {}
        self.values: dict[str, list[pa.Array]] = {}

    def set(self, column: str, rows: np.ndarray, values) -> None:
        if len(rows):
            self.rows.setdefault(column, []).append(rows)
            values = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
            self.values.setdefault(column, []).append(values)

    def set_null(self, column: str, rows: np.ndarray) -> None:
        self.set(column, rows, pa.nulls(len(rows), pa.string()))

    def apply(self, cols: Columns, n: int) -> Columns:
        cols = dict(cols)
        for column, parts in self.rows.items():
            rows = np.concatenate(parts)
            order = np.argsort(rows, kind="stable")
            mask = np.zeros(n, bool)
            mask[rows] = True
            values = pa.concat_arrays(self.values[column]).take(pa.array(order))
            cols[column] = pc.replace_with_mask(cols[column], pa.array(mask), values)
        return cols


def _messy(email: str, style: int, left: int, right: int) -> str:
    """Mixed case and stray spaces, e.g. '  Emma.Smith12@Example.COM '."""
    local, domain = email.split("@")
    if style == 0:
        name, dot, tld = domain.rpartition(".")
        email = f"{local.title()}@{name.capitalize()}{dot}{tld.upper()}"
    elif style == 1:
        email = email.upper()
    else:
        email = email.title()
    return " " * left + email + " " * right


def _malformed(style: int, day: dt.date, n: int, date_only: bool) -> str:
    """An unparsable date (or timestamp) near `day`; `n` is a random number."""
    clock = f"{n % 24:02d}:{n // 24 % 60:02d}"
    if style == 0:  # month 13, day > 31
        return f"{day.year}-13-{32 + n % 14}" + ("" if date_only else f"T{clock}:00Z")
    if style == 1:  # day first
        return f"{13 + n % 16:02d}/{day.month:02d}/{day.year}" + ("" if date_only else f" {clock}")
    return ("yesterday", "not a date", "00/00/0000")[n % 3]


def _non_numeric(style: int, amount: str) -> str:
    dollars, cents = amount.split(".")
    return ("abc", f"{dollars},{cents}", f"{amount} USD")[style]


@dataclass(frozen=True)
class _Target:
    """The chunk being damaged: what the defect injectors read and where they write."""

    spec: _Spec
    world: _World
    rng: np.random.Generator
    cols: Columns
    day: int
    edits: _Edits

    def values(self, column: str, rows: np.ndarray) -> list[str]:
        return self.cols[column].take(pa.array(rows)).to_pylist()

    def integers(self, low: int, high: int, rows: np.ndarray) -> np.ndarray:
        return self.rng.integers(low, high, rows.size)


def _inject_null_critical(t: _Target, rows: np.ndarray) -> None:
    which = t.integers(0, len(t.spec.critical), rows)
    for i, column in enumerate(t.spec.critical):
        t.edits.set_null(column, rows[which == i])


def _inject_null_primary_key(t: _Target, rows: np.ndarray) -> None:
    t.edits.set_null(t.spec.id_col, rows)


def _inject_messy_email(t: _Target, rows: np.ndarray) -> None:
    styles, lefts, rights = t.integers(0, 3, rows), t.integers(1, 3, rows), t.integers(0, 2, rows)
    emails = t.values(t.spec.email_col, rows)
    t.edits.set(t.spec.email_col, rows, [_messy(*args) for args in zip(emails, styles, lefts, rights)])


def _inject_malformed_date(t: _Target, rows: np.ndarray) -> None:
    styles, noise = t.integers(0, 3, rows), t.integers(0, 1 << 20, rows)
    values = [_malformed(s, t.world.day_date(t.day), n, t.spec.date_only) for s, n in zip(styles, noise)]
    for column in t.spec.malformed_cols:
        t.edits.set(column, rows, values)


def _inject_future_date(t: _Target, rows: np.ndarray) -> None:
    secs = t.world.day_secs(t.day) + t.integers(365, 3 * 365, rows) * DAY + t.integers(0, DAY, rows)
    values = _fmt_ts(secs)
    for column in t.spec.future_cols:
        t.edits.set(column, rows, values)


def _inject_negative_amount(t: _Target, rows: np.ndarray) -> None:
    t.edits.set(t.spec.amount_col, rows, _join("-", t.cols[t.spec.amount_col].take(pa.array(rows))))


def _inject_non_numeric_amount(t: _Target, rows: np.ndarray) -> None:
    styles, amounts = t.integers(0, 3, rows), t.values(t.spec.amount_col, rows)
    t.edits.set(t.spec.amount_col, rows, [_non_numeric(s, a) for s, a in zip(styles, amounts)])


def _inject_orphan_foreign_key(t: _Target, rows: np.ndarray) -> None:
    t.edits.set(t.spec.fk_col, rows, _fmt_ids("C", 7, t.integers(ORPHAN_MIN, 10_000_000, rows)))


def _inject_unknown_category(t: _Target, rows: np.ndarray) -> None:
    values = t.spec.unknown_values
    t.edits.set(t.spec.unknown_col, rows, _take(values, t.integers(0, len(values), rows)))


def _inject_alias_category(t: _Target, rows: np.ndarray) -> None:
    columns = list(t.spec.aliases)
    which = t.integers(0, len(columns), rows)
    for i, column in enumerate(columns):
        picked, variants = rows[which == i], t.spec.aliases[column]
        choice = t.integers(0, 1 << 20, picked)
        aliases = [variants[v][c % len(variants[v])] for v, c in zip(t.values(column, picked), choice)]
        t.edits.set(column, picked, aliases)


_INJECT = {kind: globals()[f"_inject_{kind}"] for kind in ROW_DEFECTS if kind != "corrupt_line"}


def _inject_defects(spec: _Spec, world: _World, rng: np.random.Generator, cols: Columns,
                    codes: np.ndarray, day: int) -> Columns:
    """Columns with every row's defect applied (corrupt lines are cut after formatting)."""
    target = _Target(spec, world, rng, cols, day, _Edits())
    for code, kind in enumerate(spec.row_defects):
        rows = np.flatnonzero(codes == code)
        if rows.size and kind in _INJECT:
            _INJECT[kind](target, rows)
    return target.edits.apply(cols, codes.size)


def _cut_lines(rng: np.random.Generator, lines: pa.Array, rows: np.ndarray) -> pa.Array:
    """JSON lines truncated somewhere in their middle."""
    if not rows.size:
        return lines
    texts = lines.take(pa.array(rows)).to_pylist()
    cuts = rng.uniform(0.3, 0.8, rows.size)
    mask = np.zeros(len(lines), bool)
    mask[rows] = True
    cut = pa.array([text[:int(len(text) * c)] for text, c in zip(texts, cuts)], pa.string())
    return pc.replace_with_mask(lines, pa.array(mask), cut)


def _pick_duplicates(rng: np.random.Generator, codes: np.ndarray, clean_code: int, rate: float) -> np.ndarray:
    """Sorted clean rows to copy (about `rate` of all rows), each at most once."""
    clean = np.flatnonzero(codes == clean_code)
    count = min(int(rng.binomial(codes.size, rate)), clean.size)
    return np.sort(rng.choice(clean, size=count, replace=False))


# --------------------------------------------------------------------------------------------
# Lines and files
# --------------------------------------------------------------------------------------------

def _csv_field(values: pa.Array) -> pa.Array:
    """CSV text of a column: empty for null, quoted where needed."""
    values = pc.fill_null(values, "")
    needs = pc.or_(pc.or_(pc.match_substring(values, ","), pc.match_substring(values, '"')),
                   pc.match_substring(values, "\n"))
    if pc.any(needs).as_py():
        values = pc.if_else(needs, _join('"', pc.replace_substring(values, '"', '""'), '"'), values)
    return values


def _json_member(name: str, values: pa.Array) -> pa.Array:
    """'"name": "value"' (or null) of a string column."""
    if pc.any(pc.or_(pc.match_substring(values, "\\"), pc.match_substring(values, '"'))).as_py():
        values = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    return _join(f'"{name}": ', pc.fill_null(_join('"', values, '"'), "null"))


def _format_lines(spec: _Spec, cols: Columns) -> pa.Array:
    """One text line (without newline) per row."""
    if spec.fmt == "csv":
        return pc.binary_join_element_wise(*(_csv_field(cols[c]) for c in spec.columns), ",")
    members = pc.binary_join_element_wise(*(_json_member(c, cols[c]) for c in spec.columns), ", ")
    return _join("{", members, "}")


def _interleave(rng: np.random.Generator, lines: pa.Array, duplicates: np.ndarray,
                inserts: pa.Array) -> pa.Array:
    """Lines with copies of `duplicates` placed after their originals and `inserts` anywhere."""
    n = len(lines)
    keys = np.concatenate([np.arange(n, dtype=np.float64), rng.integers(duplicates, n) + 0.5,
                           rng.integers(0, n + 1, len(inserts)) - 0.5])
    merged = pa.concat_arrays([lines, lines.take(pa.array(duplicates, pa.int64())), inserts])
    return merged.take(pa.array(np.argsort(keys, kind="stable")))


class _Sink:
    """One output file: header, chunks of lines, then mtime set to 12:00 UTC of its day."""

    def __init__(self, root: Path, relpath: str, header: str, noon: int) -> None:
        self.root, self.relpath, self.noon, self.rows = root, relpath, noon, 0
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "wb")
        self.file.write(header.encode())

    def write(self, lines: pa.Array) -> None:
        text = pc.binary_join_element_wise(lines, "\n", "") if len(lines) else pa.array([], pa.string())
        offsets, data = np.frombuffer(text.buffers()[1], np.int32), text.buffers()[2]
        if len(text):
            start, end = int(offsets[text.offset]), int(offsets[text.offset + len(text)])
            self.file.write(memoryview(data)[start:end])
        self.rows += len(lines)

    def close(self) -> dict:
        self.file.close()
        path = self.root / self.relpath
        os.utime(path, (self.noon, self.noon))
        return {"path": self.relpath, "rows": self.rows, "bytes": path.stat().st_size}


# --------------------------------------------------------------------------------------------
# Per dataset
# --------------------------------------------------------------------------------------------

def _chunks(rows_per_day: list[int]) -> list[list[_Chunk]]:
    """Each day's source rows split into balanced chunks of at most CHUNK_ROWS."""
    plan, first_id = [], 0
    for day, rows in enumerate(rows_per_day):
        count = max(1, math.ceil(rows / CHUNK_ROWS))
        sizes = _even_split(rows, count)
        plan.append([_Chunk(day, i, count, size, first_id + sum(sizes[:i])) for i, size in enumerate(sizes)])
        first_id += rows
    return plan


def _relpath(spec: _Spec, world: _World, chunk: _Chunk) -> str:
    part = f"_part{chunk.index + 1:03d}" if spec.split_parts and chunk.count > 1 else ""
    return f"{spec.folder}/{spec.name}_{world.day_date(chunk.day).isoformat()}{part}.{spec.fmt}"


@dataclass
class _Tally:
    """What was written for one dataset."""

    spec: _Spec
    files: list = field(default_factory=list)
    source_rows: int = 0
    rows_written: int = 0
    updates: int = 0
    defects: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        applies = set(self.spec.row_defects) | {"duplicate"}
        self.defects = {kind: 0 for kind in DEFECT_KINDS if kind in applies}

    def summary(self) -> dict:
        d = self.defects
        quarantined = sum(d.get(kind, 0) for kind in QUARANTINED)
        silver = self.source_rows - quarantined
        result = {
            "files": self.files,
            "source_rows": self.source_rows,
            "rows_written": self.rows_written,
            "distinct_ids": self.source_rows - d["null_primary_key"] - d.get("corrupt_line", 0),
            "defects": d,
        }
        if self.spec.extras:
            result["update_records"] = self.updates
        expected = {"quarantined": quarantined, "duplicates_removed": d["duplicate"], "silver_rows": silver}
        if self.spec.name == "customers":
            expected["distinct_customers"] = silver
        result["expected"] = expected
        return result


def _render_chunk(spec: _Spec, number: int, world: _World, chunk: _Chunk, carry_in: pa.Array,
                  tally: _Tally) -> tuple[pa.Array, pa.Array]:
    """(lines to write, lines to carry to the next day) of one chunk; counts go to `tally`."""
    rng = np.random.default_rng([world.seed, number, chunk.day, chunk.index])
    kinds = spec.row_defects
    codes = _assign_defects(rng, chunk.rows, kinds, world.rates)
    if spec.on_rows:
        quarantined = [code for code, kind in enumerate(kinds) if kind in QUARANTINED]
        spec.on_rows(world, chunk, codes == len(kinds), np.isin(codes, quarantined))
    cols = _inject_defects(spec, world, rng, spec.generate(world, rng, chunk), codes, chunk.day)
    lines = _format_lines(spec, cols)
    if "corrupt_line" in kinds:
        lines = _cut_lines(rng, lines, np.flatnonzero(codes == kinds.index("corrupt_line")))
    duplicates = _pick_duplicates(rng, codes, len(kinds), world.rates.duplicate)
    carry = (rng.random(duplicates.size) < 0.5) & (spec.carry_duplicates and chunk.day < world.days - 1)
    carry_out = lines.take(pa.array(duplicates[carry], pa.int64()))
    extras = spec.extras(world, rng, chunk) if spec.extras else None
    extra_lines = _format_lines(spec, extras) if extras else pa.array([], pa.string())
    lines = _interleave(rng, lines, duplicates[~carry], pa.concat_arrays([carry_in, extra_lines]))

    for code, kind in enumerate(kinds):
        tally.defects[kind] += int(np.count_nonzero(codes == code))
    tally.defects["duplicate"] += int(duplicates.size)
    tally.source_rows += chunk.rows
    tally.updates += len(extra_lines)
    tally.rows_written += len(lines)
    return lines, carry_out


def _write_dataset(spec: _Spec, number: int, world: _World, root: Path,
                   progress: Callable[[str], None] | None) -> dict:
    tally = _Tally(spec)
    header = ",".join(spec.columns) + "\n" if spec.fmt == "csv" else ""
    carry = pa.array([], pa.string())
    for day_chunks in _chunks(spec.rows_per_day(world)):
        carry_in, carry, sink = carry, pa.array([], pa.string()), None
        for chunk in day_chunks:
            lines, carry_out = _render_chunk(spec, number, world, chunk, carry_in, tally)
            carry_in = pa.array([], pa.string())
            carry = pa.concat_arrays([carry, carry_out])
            relpath = _relpath(spec, world, chunk)
            if sink is None or sink.relpath != relpath:
                _close(sink, tally)
                sink = _Sink(root, relpath, header, world.day_secs(chunk.day) + DAY // 2)
            sink.write(lines)
            if progress:
                progress(f"{spec.name}: {relpath} chunk {chunk.index + 1}/{chunk.count}, {len(lines):,} rows")
        _close(sink, tally)
    return tally.summary()


def _close(sink: _Sink | None, tally: _Tally) -> None:
    """Closes the current file (if any) and records it."""
    if sink is not None:
        tally.files.append(sink.close())


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------

def generate(intake_root: str | Path, rows: int = 2_000, days: int = 7, start_date: dt.date | None = None,
             seed: int = 42, defect_scale: float = 1.0,
             progress: Callable[[str], None] | None = None) -> dict:
    """Writes the files, returns the manifest dict (also written as JSON to
    <intake_root>/_demo_manifest.json).

    rows: transactions (and web events); days: files per dataset, from start_date (default: today
    (UTC) minus `days`); defect_scale multiplies every defect rate; progress receives a line per
    written chunk when rows >= 1,000,000.
    """
    if not 0 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be within [0, {MAX_ROWS:,}]")
    if days < 1:
        raise ValueError("days must be >= 1")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if start_date is None:
        start_date = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=days)
    rates = DefectRates().scaled(defect_scale)
    world = _build_world(rows, days, start_date, seed, rates)
    root = Path(intake_root)
    root.mkdir(parents=True, exist_ok=True)
    report = progress if progress is not None and rows >= PROGRESS_MIN_ROWS else None
    datasets = {}
    for number, spec in enumerate(SPECS):
        datasets[spec.name] = _write_dataset(spec, number, world, root, report)
    manifest = {
        "generator": __name__,
        "parameters": {"rows": rows, "days": days, "start_date": start_date.isoformat(), "seed": seed,
                       "defect_scale": float(defect_scale)},
        "defect_rates": asdict(rates),
        "datasets": datasets,
    }
    (root / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if report:
        report(f"manifest: {MANIFEST_NAME}")
    return manifest
