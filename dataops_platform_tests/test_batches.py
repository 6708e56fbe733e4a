"""How a run's dates are split into silver and gold batches."""

from __future__ import annotations

import datetime as dt

from dataops_platform.compute.job.steps import BATCH_DAYS, batches

DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(70)]


def test_a_range_is_one_batch_up_to_the_day_limit():
    assert [len(b) for b in batches(DAYS)] == [BATCH_DAYS, BATCH_DAYS, 70 - 2 * BATCH_DAYS]
    assert [d for b in batches(DAYS) for d in b] == DAYS


def test_bronze_bytes_bound_a_batch_and_a_large_date_stands_alone():
    sizes = {DAYS[0]: 100, DAYS[1]: 100, DAYS[2]: 100, DAYS[3]: 900, DAYS[4]: 10}
    split = batches(DAYS[:5], sizes.get, max_bytes=250)
    assert split == [DAYS[0:2], [DAYS[2]], [DAYS[3]], [DAYS[4]]]
