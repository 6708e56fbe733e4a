"""The sensor that evaluates the assets' automation conditions (assets/automation.py).

Declared explicitly, and running by default: Dagster's implicit
`default_automation_condition_sensor` starts stopped, so `dagster dev` would not run it.
"""

from __future__ import annotations

import dagster as dg


def automation_sensor(interval_seconds: int = 30) -> dg.AutomationConditionSensorDefinition:
    """Evaluates every asset that has an automation condition (silver, gold)."""
    return dg.AutomationConditionSensorDefinition(
        "automation",
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=interval_seconds,
        description="Runs silver after its bronze partition updates and gold after silver (assets/automation.py).",
    )
