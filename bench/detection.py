"""detection: S3 requests and time per sensor tick on a prefix already holding N objects.

On a loopback moto S3 server, the intake prefix is pre-filled with N objects (date-stamped
names, as feeds write them), all already ingested (the platform's ingest ledger holds them),
then each run adds `--detection-new` objects and measures one tick of:
- the platform's listing sensor (bench/sensor_adapter.py), in steady state: it first catches
  up with the prefix on ticks dated in the past, as if it had been running for a while;
- `dagster_aws.s3.sensor.get_objects` with `since_key`, the pattern of dagster-aws's docs.
Requests are counted on the client (every HTTP request, retries included). Times are on
moto, whose listing cost grows with the bucket's size; request counts are what carries over
to AWS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import NamedTuple

from bench.context import log
from bench.report import Row, ScenarioResult, median, ratio, timed
from bench.s3_server import TINY_BODY, LoopbackS3, RequestCounter
from bench.sensor_adapter import SensorUnavailable, _platform_tick, ledger_entries

PREFIX = "payments/transactions/"
FILES_PER_DAY = 1_000
FIRST = dt.date(2024, 1, 1)
VERSION = hashlib.md5(TINY_BODY).hexdigest()  # the ETag of every object (moto computes it the same way)
CATCH_UP_SPACING = 1_000.0  # simulated seconds between the sensor's catch-up ticks


def keys(start: int, count: int) -> list[str]:
    """Object keys `start`..`start+count-1`; later numbers sort later (later day, then number)."""
    return [
        f"{PREFIX}transactions_{FIRST + dt.timedelta(days=i // FILES_PER_DAY)}_{i:07d}.csv"
        for i in range(start, start + count)
    ]


class Tick(NamedTuple):
    seconds: float
    requests: int
    found: list[str]  # keys reported as new

    def summary(self) -> tuple[float, int, int]:
        return self.seconds, self.requests, len(self.found)


class Bucket:
    """One prefilled intake bucket and its lake bucket (where the ingest ledger lives), with both
    listing methods' cursors."""

    def __init__(self, s3: LoopbackS3, objects: int):
        self.s3, self.objects = s3, objects
        self.intake, self.lake = f"bench-intake-{objects}", f"bench-lake-{objects}"
        self.admin = s3.client()  # uncounted: setup only
        self.client = s3.client()
        self.counter = RequestCounter(self.client)
        self.cursor: str | None = None
        self.since_key: str | None = None
        self.added = objects

    def prefill(self) -> float:
        for name in (self.intake, self.lake):
            self.admin.create_bucket(Bucket=name)
        seconds, _ = timed(lambda: self.s3.seed(self.intake, keys(0, self.objects)))
        return seconds

    def ingest(self, new_keys: list[str]) -> None:
        """What bronze runs would do for `new_keys`: record them in the ledger."""
        self.s3.seed(self.lake, ledger_entries(self.intake, self.lake, [(k, VERSION) for k in new_keys]), b"{}")

    def add(self, count: int) -> float:
        """Puts `count` new objects over HTTP; returns objects per second."""
        seconds, _ = timed(lambda: self.s3.put_over_http(self.admin, self.intake, keys(self.added, count)))
        self.added += count
        return count / seconds

    def _counted(self, call) -> Tick:
        self.counter.reset()
        seconds, found = timed(call)
        return Tick(seconds, self.counter.total, found)

    def platform_tick(self, now: float) -> Tick:
        def call():
            found, self.cursor = _platform_tick(
                self.intake, PREFIX, self.cursor, client=self.client, lake_bucket=self.lake, now=now
            )
            return found

        return self._counted(call)

    def get_objects_tick(self) -> Tick:
        from dagster_aws.s3.sensor import get_objects

        def call():
            found = get_objects(self.intake, PREFIX, since_key=self.since_key, client=self.client)
            self.since_key = found[-1]["Key"] if found else self.since_key
            return [o["Key"] for o in found]

        return self._counted(call)


def catch_up(bucket: Bucket) -> dict:
    """Platform ticks dated in the past, 1000 s apart (longer than the sensor's 15-minute re-list
    window), until a tick finds nothing and makes at most 4 list calls (one page of the prefix
    and of the ledger for the tail, the same for reconciliation): the steady state of a sensor
    that has been running for a while."""
    limit = bucket.objects // 1_000 + 20
    start, requests = time.time() - CATCH_UP_SPACING * (limit + 1), 0
    for ticks in range(1, limit + 1):
        tick = bucket.platform_tick(start + ticks * CATCH_UP_SPACING)
        requests += tick.requests
        bucket.ingest(tick.found)
        if not tick.found and tick.requests <= 4:
            return {"ticks": ticks, "requests": requests, "steady": True}
    return {"ticks": limit, "requests": requests, "steady": False}


def _tick_rows(
    objects: int, new: int, platform: list[Tick], dagster: list[Tick], note: str, floor: float | None
) -> list[Row]:
    """Requests are 'flat in N' if no N needs more than the smallest N did (+2) and all new files are found."""
    scale = f"{objects:,} objects + {new} new"
    p_req, d_req = median([t.requests for t in platform]), median([t.requests for t in dagster])
    p_s, d_s = median([t.seconds for t in platform]), median([t.seconds for t in dagster])
    found = " / ".join(str(min(len(t.found) for t in ticks)) if ticks else "—" for ticks in (platform, dagster))
    flat = (
        None
        if p_req is None
        else (p_req <= (p_req if floor is None else floor) + 2 and all(len(t.found) == new for t in platform))
    )
    return [
        Row(
            "detection: S3 requests per tick",
            scale,
            p_req,
            d_req,
            "req",
            ratio(p_req, d_req),
            "flat in N, all new found",
            flat,
            f"found {found} of {new} (platform / get_objects, worst run); {note}",
        ),
        Row(
            "detection: time per tick",
            scale,
            p_s,
            d_s,
            "s",
            ratio(p_s, d_s),
            "≤ get_objects",
            None if p_s is None else p_s <= d_s,
            "on moto (listing cost grows with bucket size)",
        ),
    ]


def measure(s3: LoopbackS3, ctx, objects: int, floor: float | None) -> tuple[list[Row], dict]:
    new = ctx.args.detection_new
    bucket = Bucket(s3, objects)
    details: dict = {"prefill_seconds": bucket.prefill(), "put_over_http_per_second": []}
    details["get_objects_first_listing"] = bucket.get_objects_tick().summary()
    platform, dagster, note, available = [], [], "platform sensor measured", True
    try:
        bucket.ingest(keys(0, objects))  # the existing objects reached bronze long ago
        details["platform_catch_up"] = catch_up(bucket)
        note += "" if details["platform_catch_up"]["steady"] else " (**not steady after catch-up**)"
    except SensorUnavailable as exc:
        note, available = str(exc), False
    for i in range(ctx.args.runs):
        details["put_over_http_per_second"].append(bucket.add(new))
        ticks = [
            lambda: platform.append(bucket.platform_tick(time.time())) if available else None,
            lambda: dagster.append(bucket.get_objects_tick()),
        ]
        for tick in ticks if i % 2 == 0 else ticks[::-1]:
            tick()
        if available:
            bucket.ingest(platform[-1].found)
        log(
            f"  {objects:,} objects, run {i + 1}: (seconds, requests, found) platform "
            f"{platform[-1].summary() if available else '—'}, get_objects {dagster[-1].summary()}"
        )
    details.update(
        platform_ticks=[t.summary() for t in platform],
        get_objects_ticks=[t.summary() for t in dagster],
        platform_note=note,
    )
    s3.reset()
    return _tick_rows(objects, new, platform, dagster, note, floor), details


def run(ctx) -> ScenarioResult:
    s3 = LoopbackS3()
    result = ScenarioResult()
    floor = None
    try:
        for objects in sorted(ctx.args.detection_objects):
            log(f"detection: {objects:,} objects")
            rows, result.details[str(objects)] = measure(s3, ctx, objects, floor)
            floor = rows[0].platform if floor is None else floor
            result.rows += rows
    finally:
        s3.stop()
    return result
