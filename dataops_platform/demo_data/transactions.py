"""The transactions dataset: purchases weighted by customer segment, amounts, and its spec."""

from __future__ import annotations

import math

import numpy as np

from .customers import customer_ids
from .formatting import DAY, Columns, fmt_cents, fmt_ids, fmt_ts, take
from .randomness import pick
from .spec import Spec
from .vocabulary import vocabulary
from .world import Chunk, World, even_split


def _amount_cents(rng: np.random.Generator, factor: np.ndarray) -> np.ndarray:
    """Mostly 5..500 (log-normal), a 2% Pareto tail above 500, scaled per customer segment."""
    n = factor.size
    body = np.clip(np.exp(rng.normal(math.log(40), 0.9, n)), 5, 500)
    tail = 500 * (1 + rng.pareto(1.5, n))
    amount = np.where(rng.random(n) < 0.02, tail, body) * factor
    return np.round(np.clip(amount, 5, 5000) * 100).astype(np.int64)


def _generate(world: World, rng: np.random.Generator, chunk: Chunk) -> Columns:
    declared = vocabulary()["transactions"]
    channel, status = declared.categories["channel"], declared.categories["status"]
    n = chunk.rows
    cum = world.purchase_cum[: world.available(chunk.day)]
    customer = np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), cum.size - 1)
    return {
        "transaction_id": fmt_ids(*declared.ids, chunk.first_id + 1 + np.arange(n)),
        "customer_id": customer_ids(customer),
        "transaction_ts": fmt_ts(world.day_secs(chunk.day) + np.sort(rng.integers(0, DAY, n))),
        "amount": fmt_cents(_amount_cents(rng, world.amount_factor[customer])),
        "channel": take(channel.values, pick(rng, n, channel.p)),
        "status": take(status.values, pick(rng, n, status.p)),
    }


def spec() -> Spec:
    return Spec.declared(
        "transactions",
        rows_per_day=lambda w: even_split(w.rows, w.days),
        generate=_generate,
        malformed_cols=("transaction_ts",),
        future_cols=("transaction_ts",),
        amount_col="amount",
    )
