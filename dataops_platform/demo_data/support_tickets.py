"""The support_tickets dataset: random customers' tickets, troubled customers' open ones, its spec."""

from __future__ import annotations

import numpy as np

from .customers import customer_ids
from .formatting import DAY, Columns, fmt_ids, fmt_ts, take
from .randomness import pick
from .spec import Spec
from .vocabulary import TROUBLED_STATUS_P, vocabulary
from .words import SUBJECTS
from .world import Chunk, World, even_split


def _generate(world: World, rng: np.random.Generator, chunk: Chunk) -> Columns:
    """Tickets of random customers, plus a fixed number of open tickets per troubled customer."""
    declared = vocabulary()["support_tickets"]
    statuses, priorities = declared.categories["status"], declared.categories["priority"]
    channels = declared.categories["channel"]
    n = chunk.rows
    a, b = world.ticket_slots
    slot = (a * (chunk.first_id + np.arange(n, dtype=np.int64)) + b) % world.n_tickets
    troubled = slot < world.troubled_tickets
    customer = world.draw_present(rng, n, chunk.day)
    status = pick(rng, n, statuses.p)
    if world.troubled.size:
        customer[troubled] = world.troubled[slot[troubled] % world.troubled.size]
        open_codes = np.array(statuses.codes(TROUBLED_STATUS_P))
        status[troubled] = open_codes[pick(rng, int(troubled.sum()), tuple(TROUBLED_STATUS_P.values()))]
    created = world.day_secs(chunk.day) + np.sort(rng.integers(0, DAY * 2 // 3, n))
    return {
        "ticket_id": fmt_ids(*declared.ids, chunk.first_id + 1 + np.arange(n)),
        "customer_id": customer_ids(customer),
        "created_at": fmt_ts(created),
        "updated_at": fmt_ts(created + rng.integers(0, DAY // 3, n)),
        "status": take(statuses.values, status),
        "priority": take(priorities.values, pick(rng, n, priorities.p)),
        "channel": take(channels.values, pick(rng, n, channels.p)),
        "subject": take(SUBJECTS, rng.integers(0, len(SUBJECTS), n)),
    }


def spec() -> Spec:
    return Spec.declared(
        "support_tickets",
        rows_per_day=lambda w: even_split(w.n_tickets, w.days),
        generate=_generate,
        malformed_cols=("created_at", "updated_at"),
        future_cols=("created_at", "updated_at"),
        split_parts=False,
    )
