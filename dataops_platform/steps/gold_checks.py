"""Checks of a gold product's output: its contract, its key, and reconciliation with silver."""

from __future__ import annotations

from dataops_platform.quality import checks
from dataops_platform.quality.checks import CheckOutcome
from dataops_platform.quality.policy import QualitySpec
from dataops_platform.steps.gold import GoldOutcome

GOLD_CHECKS = ("validity", "uniqueness", "reconciliation")
GOLD_QUALITY = QualitySpec()  # gold follows the platform defaults


def gold_checks(outcome: GoldOutcome) -> list[CheckOutcome]:
    """Every check of one as-of date, in GOLD_CHECKS order."""
    label, expected, actual = outcome.reconciliation
    return [
        checks.validity(
            outcome.rule_failures,
            outcome.rule_descriptions,
            outcome.rows,
            outcome.rows_failed,
            {},
            GOLD_QUALITY.validity.model_copy(update={"max_failure_fraction": 0.0, "min_rows": 0}),
        ),
        checks.uniqueness(outcome.rows, 0, 0, 0, outcome.rows, outcome.distinct_keys, GOLD_QUALITY.uniqueness),
        checks.reconciliation(label, expected, actual, GOLD_QUALITY.accuracy),
    ]
