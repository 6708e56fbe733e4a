"""Files: chunk plans, part-file names, writing with mtimes at noon UTC of the day, and the manifest."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .formatting import DAY
from .lines import header
from .render import Tally, render_chunk
from .spec import Spec
from .world import Chunk, World, even_split


class FileSink:
    """One output file: header, chunks of lines, then its mtime set (12:00 UTC of its day for
    customer 360); text is UTF-8 unless another `encoding` is given."""

    def __init__(self, root: Path, relpath: str, header: str, noon: int, encoding: str = "utf-8") -> None:
        self.root, self.relpath, self.noon, self.rows, self.encoding = root, relpath, noon, 0, encoding
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "wb")
        self.file.write(header.encode(encoding))

    def write(self, lines: pa.Array) -> None:
        text = pc.binary_join_element_wise(lines, "\n", "") if len(lines) else pa.array([], pa.string())
        offsets, data = np.frombuffer(text.buffers()[1], np.int32), text.buffers()[2]
        if len(text):
            start, end = int(offsets[text.offset]), int(offsets[text.offset + len(text)])
            chunk = memoryview(data)[start:end]
            self.file.write(chunk if self.encoding == "utf-8" else str(chunk, "utf-8").encode(self.encoding))
        self.rows += len(lines)

    def close(self) -> dict:
        self.file.close()
        path = self.root / self.relpath
        os.utime(path, (self.noon, self.noon))
        return {"path": self.relpath, "rows": self.rows, "bytes": path.stat().st_size}


def plan_chunks(rows_per_day: list[int], chunk_rows: int) -> list[list[Chunk]]:
    """Each day's source rows split into balanced chunks of at most `chunk_rows`."""
    plan, first_id = [], 0
    for day, rows in enumerate(rows_per_day):
        count = max(1, math.ceil(rows / chunk_rows))
        sizes = even_split(rows, count)
        plan.append([Chunk(day, i, count, size, first_id + sum(sizes[:i])) for i, size in enumerate(sizes)])
        first_id += rows
    return plan


def relpath(spec: Spec, world: World, chunk: Chunk) -> str:
    part = f"_part{chunk.index + 1:03d}" if spec.split_parts and chunk.count > 1 else ""
    return f"{spec.folder}/{spec.name}_{world.day_date(chunk.day).isoformat()}{part}.{spec.fmt}"


def write_dataset(
    spec: Spec, number: int, world: World, root: Path, progress: Callable[[str], None] | None, chunk_rows: int
) -> dict:
    """Writes all files of one dataset; returns its manifest entry."""
    tally = Tally(spec)
    first_line = header(spec)
    carry = pa.array([], pa.string())
    for day_chunks in plan_chunks(spec.rows_per_day(world), chunk_rows):
        carry_in, carry, sink = carry, pa.array([], pa.string()), None
        for chunk in day_chunks:
            lines, carry_out = render_chunk(spec, number, world, chunk, carry_in, tally)
            carry_in = pa.array([], pa.string())
            carry = pa.concat_arrays([carry, carry_out])
            path = relpath(spec, world, chunk)
            if sink is None or sink.relpath != path:
                _close(sink, tally)
                sink = FileSink(root, path, first_line, world.day_secs(chunk.day) + DAY // 2)
            sink.write(lines)
            if progress:
                progress(f"{spec.name}: {path} chunk {chunk.index + 1}/{chunk.count}, {len(lines):,} rows")
        _close(sink, tally)
    return tally.summary()


def _close(sink: FileSink | None, tally: Tally) -> None:
    """Closes the current file (if any) and records it."""
    if sink is not None:
        tally.files.append(sink.close())


def write_manifest(root: Path, name: str, manifest: dict) -> None:
    (root / name).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
