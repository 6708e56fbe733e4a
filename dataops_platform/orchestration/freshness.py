"""Timeliness: a Dagster FreshnessPolicy per silver and gold table, from the declared lag.

The daemon evaluates policies continuously; the UI shows each table as PASS, WARN or FAIL.
"""

import datetime as dt

from dagster import FreshnessPolicy

from dataops_platform.quality.policy import TimelinessSpec

GOLD_TIMELINESS = TimelinessSpec()  # gold products follow the platform default


def freshness_policy(spec: TimelinessSpec) -> FreshnessPolicy:
    warn = dt.timedelta(hours=spec.warn_lag_hours) if spec.warn_lag_hours else None
    return FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=spec.max_lag_hours), warn_window=warn)
