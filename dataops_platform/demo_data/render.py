"""One chunk from clean rows to damaged lines (render_chunk), and the Tally of a dataset's output."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .defects import DEFECT_KINDS, QUARANTINED, assign_defects
from .injection import cut_lines, inject_defects, pick_duplicates
from .lines import format_lines, interleave
from .spec import Spec
from .vocabulary import VocabularyError
from .world import Chunk, World


@dataclass
class Tally:
    """What was written for one dataset."""

    spec: Spec
    files: list = field(default_factory=list)
    source_rows: int = 0
    rows_written: int = 0
    updates: int = 0
    defects: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        applies = set(self.spec.row_defects) | {"duplicate"}
        self.defects = {kind: 0 for kind in DEFECT_KINDS if kind in applies}

    def summary(self) -> dict:
        d = self.defects
        quarantined = sum(d.get(kind, 0) for kind in QUARANTINED)
        silver = self.source_rows - quarantined
        result = {
            "files": self.files,
            "source_rows": self.source_rows,
            "rows_written": self.rows_written,
            "distinct_ids": self.source_rows - d["null_primary_key"] - d.get("corrupt_line", 0),
            "defects": d,
        }
        if self.spec.extras:
            result["update_records"] = self.updates
        expected = {"quarantined": quarantined, "duplicates_removed": d["duplicate"], "silver_rows": silver}
        if self.spec.name == "customers":
            expected["distinct_customers"] = silver
        result["expected"] = expected
        return result


def _clean_columns(spec: Spec, world: World, rng: np.random.Generator, chunk: Chunk):
    cols = spec.generate(world, rng, chunk)
    if set(cols) != set(spec.columns):
        raise VocabularyError(
            f"{spec.name}: the generator writes {sorted(cols)}, the contract has {sorted(spec.columns)}"
        )
    return cols


def render_chunk(
    spec: Spec, number: int, world: World, chunk: Chunk, carry_in: pa.Array, tally: Tally
) -> tuple[pa.Array, pa.Array]:
    """(lines to write, lines to carry to the next day) of one chunk; counts go to `tally`."""
    rng = np.random.default_rng([world.seed, number, chunk.day, chunk.index])
    kinds = spec.row_defects
    codes = assign_defects(rng, chunk.rows, kinds, world.rates)
    if spec.on_rows:
        quarantined = [code for code, kind in enumerate(kinds) if kind in QUARANTINED]
        spec.on_rows(world, chunk, codes == len(kinds), np.isin(codes, quarantined))
    cols = inject_defects(spec, world, rng, _clean_columns(spec, world, rng, chunk), codes, chunk.day)
    lines = format_lines(spec, cols)
    if "corrupt_line" in kinds:
        lines = cut_lines(rng, lines, np.flatnonzero(codes == kinds.index("corrupt_line")))
    duplicates = pick_duplicates(rng, codes, len(kinds), world.rates.duplicate)
    carry = (rng.random(duplicates.size) < 0.5) & (spec.carry_duplicates and chunk.day < world.days - 1)
    carry_out = lines.take(pa.array(duplicates[carry], pa.int64()))
    extras = spec.extras(world, rng, chunk) if spec.extras else None
    extra_lines = format_lines(spec, extras) if extras else pa.array([], pa.string())
    lines = interleave(rng, lines, duplicates[~carry], pa.concat_arrays([carry_in, extra_lines]))

    for code, kind in enumerate(kinds):
        tally.defects[kind] += int(np.count_nonzero(codes == code))
    tally.defects["duplicate"] += int(duplicates.size)
    tally.source_rows += chunk.rows
    tally.updates += len(extra_lines)
    tally.rows_written += len(lines)
    return lines, carry_out
