"""Suggestions applied to the text of a dataset's defs.yaml, as a reviewable unified diff.

Only the `quality:` entries a suggestion changes are rewritten (one line each, in flow style),
each preceded by its evidence as comment lines; a note without a change is a comment only.
Everything else, comments included, stays as it was. The edited text is parsed again and must
say exactly the old declaration plus the changes, or nothing is proposed.
"""

from __future__ import annotations

import difflib
import json
import re
from decimal import Decimal
from pathlib import Path

import yaml

from dataops_platform.profiling.render import comment_lines
from dataops_platform.profiling.suggestions import Suggestion

PLAIN = re.compile(r"^[A-Za-z_][\w.-]*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#")


def _find(lines: list[str], start: int, end: int, indent: int, key: str) -> int | None:
    pattern = re.compile(rf"^ {{{indent}}}{re.escape(key)}:(\s|$)")
    return next((i for i in range(start, end) if pattern.match(lines[i])), None)


def _entry_end(lines: list[str], start: int) -> int:
    """The index after the last line of the entry at `start` (its more indented lines)."""
    indent, end = _indent(lines[start]), start + 1
    for i in range(start + 1, len(lines)):
        if _content(lines[i]):
            if _indent(lines[i]) <= indent:
                break
            end = i + 1
    return end


def _after_comments(lines: list[str], index: int, indent: int) -> int:
    """Past the comment lines at `indent` that follow `index` (they end the block they follow)."""
    while index < len(lines) and lines[index].strip().startswith("#") and _indent(lines[index]) == indent:
        index += 1
    return index


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str) and PLAIN.match(value) and value.lower() not in ("true", "false", "null", "yes", "no"):
        return value
    return json.dumps(value)


def _entry(indent: str, dimension: str, values: dict, notes: list[Suggestion]) -> list[str]:
    comments = [line + "\n" for s in notes for line in comment_lines(f"suggest: {s.evidence}", indent)]
    return comments + ([f"{indent}{dimension}: {_scalar(values)}\n"] if values else [])


def _grouped(suggestions: list[Suggestion]) -> dict[str, list[Suggestion]]:
    grouped: dict[str, list[Suggestion]] = {}
    for suggestion in suggestions:
        grouped.setdefault(suggestion.dimension, []).append(suggestion)
    return grouped


def _changed(quality: dict, grouped: dict[str, list[Suggestion]]) -> dict[str, dict]:
    """Each dimension a suggestion sets a value of, with its settings after the change."""
    changed = {}
    for dimension, notes in grouped.items():
        settings = {s.setting: s.value for s in notes if s.setting}
        if settings:
            changed[dimension] = {**(quality.get(dimension) or {}), **settings}
    return changed


def edited(text: str, suggestions: list[Suggestion]) -> str:
    """`text` (a defs.yaml) with the suggestions applied."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    raw = yaml.safe_load(text) or {}
    attributes = raw.get("attributes") or {}
    quality = dict(attributes.get("quality") or {})
    grouped = _grouped(suggestions)
    changed = _changed(quality, grouped)
    top = _find(lines, 0, len(lines), 0, "attributes")
    if top is None:
        raise ValueError("the file has no 'attributes:' block")
    block_end = _entry_end(lines, top)
    key_indent = next((_indent(line) for line in lines[top + 1 : block_end] if _content(line)), 2)
    at = _find(lines, top + 1, block_end, key_indent, "quality")
    edits: list[tuple[int, int, list[str]]] = []  # (start, end, replacement)
    inner = " " * (key_indent + 2)
    if at is None or lines[at].split(":", 1)[1].split("#")[0].strip():  # absent, or one flow line
        body = [
            line
            for dimension in dict.fromkeys([*quality, *grouped])
            for line in _entry(
                inner, dimension, changed.get(dimension, quality.get(dimension)), grouped.get(dimension, [])
            )
        ]
        head = [f"{' ' * key_indent}quality:\n"] if any(_content(line) for line in body) else []
        start, end = (_after_comments(lines, block_end, key_indent),) * 2 if at is None else (at, at + 1)
        edits.append((start, end, head + body))
    else:
        quality_end = _entry_end(lines, at)
        dimension_indent = next((_indent(line) for line in lines[at + 1 : quality_end] if _content(line)), len(inner))
        appended = []
        for dimension, notes in grouped.items():
            found = _find(lines, at + 1, quality_end, dimension_indent, dimension)
            if found is None:
                appended += _entry(" " * dimension_indent, dimension, changed.get(dimension), notes)
                continue
            end = _entry_end(lines, found)
            kept = [] if dimension in changed else lines[found:end]
            edits.append((found, end, _entry(" " * dimension_indent, dimension, changed.get(dimension), notes) + kept))
        edits.append((quality_end, quality_end, appended))
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[start:end] = replacement
    result = "".join(lines)
    _require_same_declaration(raw, yaml.safe_load(result), {**quality, **changed})
    return result


def _require_same_declaration(before: dict, after: dict, quality: dict) -> None:
    expected = {**before, "attributes": {**before["attributes"], **({"quality": quality} if quality else {})}}
    if after != expected:
        raise ValueError("editing the declaration's text would change more than its quality thresholds")


def unified_diff(text: str, new_text: str, path: Path) -> str:
    """A diff `patch -p1` applies from the current folder (`patch -p0` with an absolute path)."""
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
        names = (f"a/{relative}", f"b/{relative}")
    except ValueError:
        names = (str(path), str(path))
    return "".join(difflib.unified_diff(text.splitlines(keepends=True), new_text.splitlines(keepends=True), *names))
