"""The bench writes its table into the README between two markers, and refuses a README without them."""

from __future__ import annotations

import pytest

from bench.report import README_END, README_START, splice_readme


def test_only_the_block_between_the_markers_changes():
    readme = f"intro\n{README_START}\n| old |\n{README_END}\noutro\n"
    assert splice_readme(readme, "| new |\n") == f"intro\n{README_START}\n\n| new |\n\n{README_END}\noutro\n"


@pytest.mark.parametrize("readme", ["no markers", f"{README_END}\n{README_START}"])
def test_a_readme_without_the_block_is_refused(readme):
    with pytest.raises(ValueError, match="bench:table:start"):
        splice_readme(readme, "| new |")
