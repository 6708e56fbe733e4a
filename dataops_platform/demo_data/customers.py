"""The customers dataset: profiles (a pure function of seed and index), update records and its spec."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .formatting import DAY, Columns, digits, fmt_dates, fmt_ids, fmt_ts, join, take
from .randomness import choose, uniform
from .spec import Spec
from .vocabulary import vocabulary
from .words import EMAIL_DOMAIN_P, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES
from .world import Chunk, World

SIGNUP_HISTORY_DAYS = 730
UPDATE_SHARE = 0.02  # update records per later day, as a share of customers


def customer_ids(index: np.ndarray) -> pa.Array:
    """Customer ids of 0-based customer indexes: C0000001, C0000002, ..."""
    return fmt_ids(*vocabulary()["customers"].ids, np.asarray(index) + 1)


def _profile(world: World, index: np.ndarray) -> dict[str, np.ndarray]:
    """Clean attributes of customers (by 0-based index), a pure function of seed and index."""
    seed, categories = world.seed, vocabulary()["customers"].categories

    def u(stream: int) -> np.ndarray:
        return uniform(seed, 100 + stream, index)

    signup_day = np.where(
        index < world.n_base,
        -1 - (u(0) * SIGNUP_HISTORY_DAYS).astype(np.int64),
        1 + (index - world.n_base) // max(1, world.new_per_day),
    )
    signup = world.day_secs(0) // DAY + signup_day
    signup_secs = signup * DAY
    latest = np.where(signup_day < 0, world.day_secs(0) + DAY // 2, signup_secs + DAY)
    return {
        "index": index,
        "first": (u(1) * len(FIRST_NAMES)).astype(np.int64),
        "last": (u(2) * len(LAST_NAMES)).astype(np.int64),
        "mail_no": (u(3) * 1000).astype(np.int64),
        "domain": choose(seed, 104, index, EMAIL_DOMAIN_P),
        "phone": (u(5) * 10_000_000).astype(np.int64),
        "signup": signup,
        "region": choose(seed, 106, index, categories["region"].p),
        "status": choose(seed, 107, index, categories["status"].p),
        "updated": signup_secs + (u(8) * (latest - signup_secs)).astype(np.int64),
    }


def _columns(p: Mapping[str, np.ndarray]) -> Columns:
    categories = vocabulary()["customers"].categories
    first, last = take(FIRST_NAMES, p["first"]), take(LAST_NAMES, p["last"])
    mail_no = pa.array(p["mail_no"]).cast(pa.string())
    domain = take(EMAIL_DOMAINS, p["domain"])
    email = join(pc.utf8_lower(first), ".", pc.utf8_lower(last), mail_no, "@", domain)
    phone = join("+1-555-", digits(p["phone"] // 10_000, 3), "-", digits(p["phone"] % 10_000, 4))
    return {
        "customer_id": customer_ids(p["index"]),
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": phone,
        "signup_date": fmt_dates(p["signup"]),
        "region": take(categories["region"].values, p["region"]),
        "status": take(categories["status"].values, p["status"]),
        "updated_at": fmt_ts(p["updated"]),
    }


def _generate(world: World, rng: np.random.Generator, chunk: Chunk) -> Columns:
    """Customers in signup order: all first-export customers on day 0, new signups later."""
    index = np.arange(chunk.first_id, chunk.first_id + chunk.rows, dtype=np.int64)
    return _columns(_profile(world, index))


def _updates(world: World, rng: np.random.Generator, chunk: Chunk) -> Columns | None:
    """Update records of clean first-export customers (changed status or email, later updated_at)."""
    pool = np.flatnonzero(world.clean_base)
    if chunk.day == 0 or chunk.index or not pool.size:
        return None
    count = min(max(1, round(UPDATE_SHARE * world.n_customers)), pool.size)
    profile = _profile(world, np.sort(rng.choice(pool, size=count, replace=False)))
    new_status = rng.random(count) < 0.5
    statuses = len(vocabulary()["customers"].categories["status"].values)
    other_status = (profile["status"] + rng.integers(1, statuses, count)) % statuses
    profile["status"] = np.where(new_status, other_status, profile["status"])
    new_domain = (profile["domain"] + 1) % len(EMAIL_DOMAINS)
    profile["domain"] = np.where(new_status, profile["domain"], new_domain)
    profile["updated"] = world.day_secs(chunk.day) + rng.integers(0, DAY, count)
    return _columns(profile)


def _remember(world: World, chunk: Chunk, clean: np.ndarray, quarantined: np.ndarray) -> None:
    """Notes which customers get update records (clean ones) and which exist downstream."""
    rows = slice(chunk.first_id, chunk.first_id + chunk.rows)
    world.kept[rows] = ~quarantined
    if chunk.day == 0:
        world.clean_base[rows] = clean


def spec() -> Spec:
    return Spec.declared(
        "customers",
        rows_per_day=lambda w: [w.n_base] + [w.new_per_day] * (w.days - 1),
        generate=_generate,
        malformed_cols=("signup_date",),
        future_cols=("updated_at",),
        email_col="email",
        split_parts=False,
        carry_duplicates=False,
        extras=_updates,
        on_rows=_remember,
    )
