"""When silver and gold run by themselves: declarative automation conditions.

Bronze partitions are written by the intake sensors; silver follows its bronze partition,
gold follows silver. Both look at the last few ingestion days (not only today: a file that
landed at 23:59 may be copied after midnight). Gold is also gated by its inputs' blocking
checks, so it is not built from silver data that failed an ERROR check.
"""

from __future__ import annotations

import datetime as dt

from dagster import AssetSelection, AutomationCondition

RECENT_DAYS = 3


def _recent() -> AutomationCondition:
    return AutomationCondition.in_latest_time_window(dt.timedelta(days=RECENT_DAYS))


BRONZE = AssetSelection.groups("bronze")


def silver_condition() -> AutomationCondition:
    """Eager over the recent days on new bronze files: a partition runs once its bronze partition
    updates. A silver table it depends on (a reference that quarantines orphans) orders the work,
    never triggers it: it waits while that one is in progress, and a referenced dataset with no
    file that day does not hold it back."""
    return (
        _recent()
        & (AutomationCondition.newly_missing() | AutomationCondition.any_deps_updated().allow(BRONZE))
        .since_last_handled()
        .with_label("newly_missing_or_new_bronze_files")
        & ~AutomationCondition.any_deps_missing().allow(BRONZE)
        & ~AutomationCondition.any_deps_in_progress()
        & ~AutomationCondition.in_progress()
    ).with_label("eager_on_new_bronze_files")


def gold_condition() -> AutomationCondition:
    """Runs a recent partition once any silver input updates and every input passes its
    blocking checks. A silver input with no partition that day does not block: gold reads
    whole silver tables."""
    return (
        _recent()
        & AutomationCondition.any_deps_updated().since_last_handled()
        & ~AutomationCondition.any_deps_in_progress()
        & ~AutomationCondition.in_progress()
        & AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("eager_when_inputs_pass_blocking_checks")
