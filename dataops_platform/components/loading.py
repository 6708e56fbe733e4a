"""What both components share: loading with errors that name the file and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import dagster as dg
from pydantic import ValidationError

from dataops_platform.declarations import DeclarationError, describe

T = TypeVar("T")


def defs_yaml(context: dg.ComponentLoadContext) -> Path:
    path = Path(context.path)
    return path if path.suffix in (".yaml", ".yml") else path / "defs.yaml"


def checked_load(load: Callable[[], T], context: dg.ComponentLoadContext) -> T:
    """Run `Component.load`, reporting the declaration's own rules (columns in the schema, an
    importable schema, ...) as `<file>: field '<name>': <problem>`; the name must be the folder's."""
    path = defs_yaml(context)
    try:
        component = load()
    except ValidationError as exc:
        raise DeclarationError(f"{path}: {describe(exc)}") from None
    except ValueError as exc:
        raise DeclarationError(f"{path}: {exc}") from None
    if component.name != path.parent.name:
        raise DeclarationError(f"{path}: field 'name': {component.name!r} must match the folder name {path.parent.name!r}")
    return component
