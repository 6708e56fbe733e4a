"""The generated world: customer segments and the facts every dataset shares (World, Chunk)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .defects import DefectRates
from .formatting import DAY
from .randomness import affine_bijection, uniform

# Customer segments: (share of first-day customers, minimum count, purchase weight, amount factor).
# Regular customers get an exponentially distributed purchase weight (mean 1).
HEAVY, FREQUENT_SMALL, TROUBLED, DORMANT, REGULAR = range(5)
SEGMENTS = ((0.02, 3, 5.0, 2.0), (0.03, 3, 1.5, 0.2), (0.01, 3, 0.0, 1.0), (0.25, 0, 0.0, 1.0), (None, 0, 1.0, 1.0))
TROUBLED_TICKETS = 5  # open tickets per troubled customer (fewer if tickets are scarce)
NEW_SIGNUP_SHARE = 0.005  # new signups per later day, as a share of customers


@dataclass
class World:
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


def build_world(rows: int, days: int, start: dt.date, seed: int, rates: DefectRates) -> World:
    n_customers = max(50, rows // 10)
    new_per_day = 0 if days == 1 else min(max(1, round(NEW_SIGNUP_SHARE * n_customers)), n_customers // 5 // (days - 1))
    n_base = n_customers - new_per_day * (days - 1)
    segment = np.concatenate([_base_segments(n_base, seed), np.full(n_customers - n_base, REGULAR)])
    weight = np.array([s[2] for s in SEGMENTS])[segment]
    weight[segment == REGULAR] *= -np.log1p(-uniform(seed, 1, np.flatnonzero(segment == REGULAR)))
    n_tickets = max(20, rows // 20)
    return World(
        seed=seed,
        start=start,
        days=days,
        rows=rows,
        rates=rates,
        n_customers=n_customers,
        n_base=n_base,
        new_per_day=new_per_day,
        segment=segment,
        purchase_weight=weight,
        amount_factor=np.array([s[3] for s in SEGMENTS])[segment],
        n_tickets=n_tickets,
        ticket_slots=affine_bijection(n_tickets, seed, 2),
    )


def _base_segments(n_base: int, seed: int) -> np.ndarray:
    """Segment of each first-export customer: exact counts, scattered by a seeded bijection."""
    counts = [max(minimum, round(share * n_base)) for share, minimum, _, _ in SEGMENTS[:-1]]
    a, b = affine_bijection(n_base, seed, 3)
    position = (a * np.arange(n_base, dtype=np.int64) + b) % n_base
    return np.searchsorted(np.cumsum(counts), position, side="right")


@dataclass(frozen=True)
class Chunk:
    """A slice of one day's source rows, generated (and written) in one go."""

    day: int
    index: int  # within the day
    count: int  # chunks in the day
    rows: int
    first_id: int  # global 0-based number of the chunk's first source row


def even_split(total: int, parts: int) -> list[int]:
    """`total` split into `parts` counts that differ by at most one (the larger ones first)."""
    base, extra = divmod(total, parts)
    return [base + (part < extra) for part in range(parts)]
