"""The bank_transactions dataset: the current account's bookings, exported daily by the bank."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..defects import assign_defects
from ..formatting import Columns, digits, fmt_dates, fmt_fixed, take
from ..injection import Edits, pick_duplicates
from ..lines import csv_lines, interleave
from ..randomness import pick
from .damage import alias_injector, damage, null_injector, unknown_injector
from .layout import EXPORT_TIME, bookings_file
from .plan import Plan
from .tally import Tally
from .vocabulary import BANK, feeds
from .words import BOOKING_REFS, MERCHANTS, SALARY, SPENDING

NUMBER = 2  # the dataset's random stream
ROW_DEFECTS = ("null_primary_key", "malformed_date", "unknown_category", "decimal_comma", "alias_category")


def bookings_per_day(rows: int) -> int:
    return max(4, rows // 50)


def salary_day(plan: Plan, day: int) -> bool:
    """The salary is booked on the first day of the data and on the 1st of every month."""
    return day == 0 or plan.day_date(day).day == 1


def _bookings(plan: Plan, day: int, first_id: int, n: int, rng) -> Columns:
    """`n` card payments, debits and small credits; the salary first on a salary day."""
    feed = feeds()[BANK]
    categories, currencies = feed.categories["category"], feed.categories["currency"]
    category = pick(rng, n, categories.p)
    median = np.array([SPENDING[c][1] for c in categories.values])[category]
    cents = np.round(median * np.exp(rng.normal(0, 0.6, n))).astype(np.int64)
    cents = np.where(cents == 0, np.sign(median), cents)
    merchant = [
        MERCHANTS[categories.values[c]][i % len(MERCHANTS[categories.values[c]])]
        for c, i in zip(category, rng.integers(0, 1 << 20, n))
    ]
    currency = take(currencies.values, pick(rng, n, currencies.p))
    category_text, merchant_text = take(categories.values, category), pa.array(merchant, pa.string())
    if salary_day(plan, day):
        cents = np.concatenate([[SALARY[1]], cents])
        currency = pa.concat_arrays([pa.array(["EUR"]), currency])
        merchant_text = pa.concat_arrays([pa.array([SALARY[0]]), merchant_text])
        category_text = pa.concat_arrays([pa.array(["income"]), category_text])
    rows = cents.size
    return {
        "transaction_ref": digits(BOOKING_REFS[0] + first_id + np.arange(rows), BOOKING_REFS[1]),
        "booking_date": fmt_dates(np.full(rows, plan.day_secs(day) // 86_400)),
        "amount": fmt_fixed(cents, 2),
        "currency": currency,
        "merchant": merchant_text,
        "category": category_text,
    }


def decimal_comma(amount: str) -> str:
    """The amount as a German bank writes it: -1.234,56."""
    sign, digits_ = ("-", amount[1:]) if amount.startswith("-") else ("", amount)
    whole, cents = digits_.split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{cents}"


def _injectors(plan: Plan, day: int) -> dict:
    feed = feeds()[BANK]
    date = plan.day_date(day)

    def local_date(edits: Edits, cols: Columns, rows: np.ndarray, rng) -> None:
        edits.set("booking_date", rows, [f"{date.day:02d}.{date.month:02d}.{date.year}"] * rows.size)

    def comma(edits: Edits, cols: Columns, rows: np.ndarray, rng) -> None:
        edits.set("amount", rows, [decimal_comma(a) for a in cols["amount"].take(pa.array(rows)).to_pylist()])

    return {
        "null_primary_key": null_injector("transaction_ref"),
        "malformed_date": local_date,
        "unknown_category": unknown_injector(feed),
        "decimal_comma": comma,
        "alias_category": alias_injector(feed),
    }


def write(plan: Plan, root) -> dict:
    """One export per day; returns the dataset's manifest entry."""
    feed = feeds()[BANK]
    tally = Tally(ROW_DEFECTS, ("duplicate",))
    clean = len(ROW_DEFECTS)
    carry, first_id = pa.array([], pa.string()), 0
    for day in range(plan.days):
        rng = plan.rng(NUMBER, day)
        cols = _bookings(plan, day, first_id, bookings_per_day(plan.rows), rng)
        rows = len(cols["amount"])
        codes = assign_defects(rng, rows, ROW_DEFECTS, plan.rates)
        if salary_day(plan, day):
            codes[0] = clean  # the salary is never damaged
        tally.count_rows(codes)
        tally.quarantined += int(tally.bad(codes).sum())
        lines = csv_lines(damage(cols, codes, ROW_DEFECTS, _injectors(plan, day), rng), feed.columns, feed.delimiter)
        resent = pick_duplicates(rng, codes, clean, plan.rates.duplicate)
        later = (rng.random(resent.size) < 0.5) & (day < plan.days - 1)
        out = interleave(rng, lines, resent[~later], carry)
        carry = lines.take(pa.array(resent[later]))
        tally.defects["duplicate"] += int(resent.size)
        tally.copies += int(resent.size)
        tally.write(
            feed, root, bookings_file(feed.folder, plan.day_date(day)), out, plan.day_secs(day) + EXPORT_TIME[BANK]
        )
        first_id += rows
    return tally.summary()
