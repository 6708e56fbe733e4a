"""The parameters every personal-analytics dataset is generated from, and its seeded randomness."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..formatting import DAY
from .defects import PersonalDefectRates

STREAM = 100  # random streams of this domain start here (customer 360 uses 0..3)


@dataclass(frozen=True)
class Plan:
    seed: int
    start: dt.date
    days: int
    rows: int
    rates: PersonalDefectRates

    def rng(self, dataset: int, *keys: int) -> np.random.Generator:
        """The generator of one dataset's batch, a pure function of the seed and the keys."""
        return np.random.default_rng([self.seed, STREAM + dataset, *keys])

    def day_date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def day_secs(self, day: int) -> int:
        """Epoch seconds of 00:00 UTC of a day (0 = start)."""
        return (self.day_date(day) - dt.date(1970, 1, 1)).days * DAY
