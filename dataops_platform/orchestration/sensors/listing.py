"""Finding new intake files by listing, with bounded work per tick (no Dagster here).

A file is identified by its key and version (ETag on S3). It is new when it is neither in
bronze (the dataset's ingest ledger) nor already requested (`pending`). LastModified never
decides what is new: S3 stamps are whole seconds and a multipart upload carries its start time.

Each tick merges bounded pages of the intake listing with the same key range of the ledger
(two list calls per page of keys), in two scans:

- tail: from the high-water mark of `window_seconds` ago to the end of the prefix, so new keys
  (which usually sort last: date folders, timestamped names) and keys written slightly out of
  order are found within a tick;
- reconciliation: a few pages per tick over everything before that, resumed from the cursor,
  so a key that lands anywhere (a late upload, a back-dated name) is found within one pass.

The cost of a tick is set by the page budgets and the number of keys in the window, not by the
number of objects already in the prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dataops_platform.orchestration.sensors.cursor import JsonCursor
from dataops_platform.storage.intake import safety_problem
from dataops_platform.storage.ledger import IngestLedger
from dataops_platform.storage.objects import ObjectInfo, ObjectStore


@dataclass(frozen=True)
class ListingPolicy:
    """Budgets of one tick."""

    page_size: int = 1000  # keys per list call (S3's maximum)
    window_seconds: float = 900.0  # the tail re-lists keys that became the high-water mark this recently
    tail_pages: int = 10  # tail pages per tick (the rest continues next tick)
    reconcile_pages: int = 1  # reconciliation pages per tick
    max_new_per_tick: int = 1000  # files requested per tick (the rest next tick)
    retry_after_seconds: float = 3600.0  # a requested file not in bronze by then is requested again
    min_age_seconds: float = 0.0  # leave younger files to the SQS sensor, when there is one


@dataclass
class ListingState(JsonCursor):
    """The listing sensor's cursor."""

    seq: int = 0  # ticks that requested runs; part of each run_key
    hwm: str = ""  # greatest key the tail has listed
    marks: list[list] = field(default_factory=list)  # [time, hwm] checkpoints within the window
    tail_after: str | None = None  # where an interrupted tail resumes (None: at the window start)
    recon_after: str = ""  # where the reconciliation pass resumes ("": a new pass)
    passes: int = 0  # completed reconciliation passes
    pending: dict[str, list] = field(default_factory=dict)  # key -> [version, requested at]

    def window_start(self, now: float, window: float) -> str:
        """The high-water mark as it was `window` seconds ago ("" before the first one)."""
        older = [key for at, key in self.marks if at <= now - window]
        return older[-1] if older else ""

    def add_mark(self, now: float, window: float) -> None:
        if self.hwm and (not self.marks or self.marks[-1][1] != self.hwm):
            self.marks.append([now, self.hwm])
        older = [m for m in self.marks if m[0] <= now - window]
        self.marks = older[-1:] + [m for m in self.marks if m[0] > now - window]


@dataclass
class ScanResult:
    new: list[ObjectInfo]
    rejected: list[str]  # unsafe keys, with the reason
    list_calls: int


class _Tick:
    """One evaluation: the scans share the budget of new files and the pending set."""

    def __init__(self, intake, ledger, prefix, accept, state: ListingState, policy: ListingPolicy, now: float):
        self.intake, self.ledger, self.prefix, self.accept = intake, ledger, prefix, accept
        self.state, self.policy, self.now = state, policy, now
        self.window_start = state.window_start(now, policy.window_seconds)
        self.new: list[ObjectInfo] = []
        self.rejected: list[str] = []
        self.calls = 0

    def _page(self, after: str) -> tuple[list[ObjectInfo], set[tuple[str, str]], str | None]:
        """Intake objects and ledger entries for keys in (after, upto]; upto None = to the end."""
        objects, more_objects = self.intake.list_page(self.prefix, after, self.policy.page_size)
        entries, more_entries = self.ledger.page(after, self.policy.page_size)
        self.calls += 2
        ends = []  # a full page stops short; keys after the smaller end are listed again next time
        if more_objects and objects:
            ends.append(objects[-1].key)
        if more_entries and entries:
            ends.append(entries[-1][0])
        upto = min(ends) if ends else None
        objects = [o for o in objects if upto is None or o.key <= upto]
        return objects, {e for e in entries if upto is None or e[0] <= upto}, upto

    def _handle(self, obj: ObjectInfo, ingested: set[tuple[str, str]]) -> None:
        """Request `obj` unless it is in bronze or already requested (and log an unsafe key)."""
        if obj.key.endswith("/") or not self.accept(obj.key):
            return
        problem = safety_problem(obj.key)
        if problem:
            self.rejected.append(problem)
            return
        pending = self.state.pending.get(obj.key)
        requested = pending is not None and pending[0] == obj.version
        if (obj.key, self.ledger.token(obj.version)) in ingested:
            if requested:
                del self.state.pending[obj.key]
            return
        young = self.policy.min_age_seconds > 0 and obj.modified.timestamp() > self.now - self.policy.min_age_seconds
        if not requested and not young:
            self.new.append(obj)
            self.state.pending[obj.key] = [obj.version, self.now]

    def _take(self, objects: list[ObjectInfo], ingested: set, after: str) -> str | None:
        """Handle objects in key order; the key to resume after if the budget of new files ran out."""
        for obj in objects:
            if len(self.new) >= self.policy.max_new_per_tick:
                return after
            self._handle(obj, ingested)
            after = obj.key
        return None

    def tail(self) -> None:
        state = self.state
        after = state.tail_after if state.tail_after is not None else self.window_start
        for _ in range(self.policy.tail_pages):
            objects, ingested, upto = self._page(after)
            stop = self._take(objects, ingested, after)
            listed = [o.key for o in objects if stop is None or o.key <= stop]
            state.hwm = max([state.hwm, *listed])
            if stop is not None or upto is None:
                state.tail_after = stop
                return
            after = upto
        state.tail_after = after

    def reconcile(self) -> None:
        state, end = self.state, self.window_start
        if not end:
            return  # the tail still covers the whole prefix
        after = state.recon_after
        for _ in range(self.policy.reconcile_pages):
            objects, ingested, upto = self._page(after)
            stop = self._take([o for o in objects if o.key <= end], ingested, after)
            if stop is not None:
                state.recon_after = stop
                return
            if upto is None or upto >= end:
                state.recon_after, state.passes = "", state.passes + 1
                return
            after = upto
        state.recon_after = after


def scan(
    intake: ObjectStore,
    ledger: IngestLedger,
    prefix: str,
    accept: Callable[[str], bool],
    state: ListingState,
    policy: ListingPolicy,
    now: float,
) -> ScanResult:
    """Find the new files under `prefix` accepted by `accept`; updates `state` in place."""
    expired = now - policy.retry_after_seconds
    state.pending = {key: entry for key, entry in state.pending.items() if entry[1] > expired}
    tick = _Tick(intake, ledger, prefix, accept, state, policy, now)
    tick.tail()
    tick.reconcile()
    state.add_mark(now, policy.window_seconds)
    return ScanResult(tick.new, tick.rejected, tick.calls)
