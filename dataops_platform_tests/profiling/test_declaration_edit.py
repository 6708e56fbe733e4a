"""Suggestions edit only the `quality:` entries they change; the rest of defs.yaml stays as it was."""

from __future__ import annotations

import pytest

from dataops_platform.declarations import DEFS_DIR
from dataops_platform.profiling.declaration_edit import edited, unified_diff
from dataops_platform.profiling.suggestions import Suggestion, nice_up

TIGHTEN = Suggestion("validity", "max_failure_fraction", 0.02, "never approached")
NOTE = Suggestion("completeness", None, None, "fails far beyond: fix the feed")

BLOCK = """\
type: dataops_platform.components.Dataset  # a comment that stays
attributes:
  name: orders
  quality:
    # the team's own note
    validity:
      severity: WARN
      max_failure_fraction: 0.05
    timeliness: {max_lag_hours: 30}
  # trailing note
"""


def test_a_block_entry_is_rewritten_in_flow_style_and_a_note_is_added_before_the_block_ends():
    assert edited(BLOCK, [TIGHTEN, NOTE]) == (
        "type: dataops_platform.components.Dataset  # a comment that stays\n"
        "attributes:\n"
        "  name: orders\n"
        "  quality:\n"
        "    # the team's own note\n"
        "    # suggest: never approached\n"
        "    validity: {severity: WARN, max_failure_fraction: 0.02}\n"
        "    timeliness: {max_lag_hours: 30}\n"
        "    # suggest: fails far beyond: fix the feed\n"
        "  # trailing note\n"
    )


def test_a_missing_quality_block_is_added_after_the_comments_that_end_the_attributes():
    text = "type: x\nattributes:\n  name: orders\n  # quality: defaults\nother: 1\n"
    assert edited(text, [TIGHTEN]) == (
        "type: x\nattributes:\n  name: orders\n  # quality: defaults\n"
        "  quality:\n    # suggest: never approached\n    validity: {max_failure_fraction: 0.02}\nother: 1\n"
    )
    assert edited(text, [NOTE]) == text.replace("other", "    # suggest: fails far beyond: fix the feed\nother")


def test_the_package_transactions_declaration_keeps_everything_but_the_change(monkeypatch):
    monkeypatch.chdir(DEFS_DIR.parents[1])
    text = (DEFS_DIR / "transactions" / "defs.yaml").read_text()
    diff = unified_diff(text, edited(text, [TIGHTEN]), DEFS_DIR / "transactions" / "defs.yaml")
    assert diff.startswith(
        "--- a/dataops_platform/defs/transactions/defs.yaml\n+++ b/dataops_platform/defs/transactions/defs.yaml\n"
    )
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed == []
    assert added == ["+    # suggest: never approached", "+    validity: {max_failure_fraction: 0.02}"]


def test_a_quality_block_on_one_line_becomes_one_entry_per_dimension():
    text = "attributes:\n  name: orders\n  quality: {timeliness: {max_lag_hours: 30}}\n"
    assert edited(text, [TIGHTEN]) == (
        "attributes:\n  name: orders\n  quality:\n    timeliness: {max_lag_hours: 30}\n"
        "    # suggest: never approached\n    validity: {max_failure_fraction: 0.02}\n"
    )


def test_a_file_without_attributes_is_refused():
    with pytest.raises(ValueError, match="no 'attributes:' block"):
        edited("type: x\n", [TIGHTEN])


@pytest.mark.parametrize(("value", "nice"), [(0.0039, 0.005), (0.018, 0.02), (0.075, 0.1), (0.05, 0.05), (3e-4, 5e-4)])
def test_suggested_values_are_rounded_up_to_one_two_five(value, nice):
    assert nice_up(value) == nice
