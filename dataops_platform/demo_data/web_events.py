"""The web_events dataset: events grouped in sessions of one customer and device, and its spec."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .customers import customer_ids
from .formatting import DAY, Columns, fmt_ids, fmt_ts, join, take
from .randomness import pick
from .spec import Spec
from .vocabulary import vocabulary
from .words import PAGES, SEARCH_TERMS, SESSION_ID
from .world import Chunk, World, even_split


def _generate(world: World, rng: np.random.Generator, chunk: Chunk) -> Columns:
    """Events grouped in sessions (about 4 events each) of one customer and device."""
    declared = vocabulary()["web_events"]
    types, devices = declared.categories["event_type"], declared.categories["device"]
    n = chunk.rows
    sessions = max(1, n // 4)
    session = rng.integers(0, sessions, n)
    secs = rng.integers(0, DAY - 1800, sessions)[session] + rng.integers(0, 1800, n)
    order = np.argsort(secs, kind="stable")
    session, secs = session[order], secs[order]
    event_type = pick(rng, n, types.p)
    kind = np.array([PAGES[t][1] for t in types.values])[event_type]
    product = pa.array(rng.integers(1, 5000, n)).cast(pa.string())
    term = take(SEARCH_TERMS, rng.integers(0, len(SEARCH_TERMS), n))
    suffix = pc.if_else(pa.array(kind == "product"), product, pc.if_else(pa.array(kind == "term"), term, ""))
    page = join(take(tuple(PAGES[t][0] for t in types.values), event_type), suffix)
    return {
        "event_id": fmt_ids(*declared.ids, chunk.first_id + 1 + np.arange(n)),
        "customer_id": customer_ids(world.draw_present(rng, sessions, chunk.day)[session]),
        "session_id": fmt_ids(*SESSION_ID, chunk.first_id + 1 + session),
        "event_ts": fmt_ts(world.day_secs(chunk.day) + secs),
        "event_type": take(types.values, event_type),
        "page": page,
        "device": take(devices.values, pick(rng, sessions, devices.p)[session]),
    }


def spec() -> Spec:
    return Spec.declared(
        "web_events",
        rows_per_day=lambda w: even_split(w.rows, w.days),
        generate=_generate,
        malformed_cols=("event_ts",),
        future_cols=("event_ts",),
    )
