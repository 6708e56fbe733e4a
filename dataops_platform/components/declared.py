"""What both components share: their attributes are their declaration, validated with errors
that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import BaseModel, ValidationError

from dataops_platform.declarations import DeclarationError, describe, require_folder_name
from dataops_platform.settings import ALL_DOMAINS, current_settings


class DeclaredComponent(dg.Component, dg.Resolvable):
    """A component that is also the pydantic declaration it subclasses (DatasetDeclaration,
    ProductDeclaration): that model is the defs.yaml schema `dg` shows and editors complete.

    An instance in a domain folder (`defs/<domain>/<name>/defs.yaml`) belongs to an optional
    domain: it is built only when DATAOPS_DOMAINS names that domain (see `enabled`)."""

    _defs_file: Path | None = None  # the defs.yaml it was loaded from (set by `load`)
    _domain_folder: str | None = None  # the domain folder it sits in, if any

    @classmethod
    def declaration_type(cls) -> type[BaseModel]:
        return next(
            base
            for base in cls.__mro__[1:]
            if issubclass(base, BaseModel) and base is not BaseModel and not issubclass(base, DeclaredComponent)
        )

    @classmethod
    def model(cls) -> type[BaseModel]:
        return cls.declaration_type()

    @classmethod
    def resolve_from_model(cls, context, model: BaseModel):
        return cls.model_validate(model.model_dump(by_alias=True, exclude_unset=True))

    @classmethod
    def load(cls, attributes, context: dg.ComponentLoadContext):
        """The declaration's own rules (columns in the schema, an importable schema, ...) fail as
        `<file>: field '<name>': <problem>`; the name must be the folder's."""
        path = defs_yaml(context)
        try:
            component = super().load(attributes, context)
        except ValidationError as exc:
            raise DeclarationError(f"{path}: {describe(exc)}") from None
        except ValueError as exc:
            raise DeclarationError(f"{path}: {exc}") from None
        require_folder_name(path, component)
        component._defs_file, component._domain_folder = path, _domain_folder(path, context, component)
        return component

    @property
    def defs_file(self) -> Path | None:
        """The defs.yaml this instance was declared in (None when not loaded from a file)."""
        return self._defs_file

    def enabled(self) -> bool:
        """Whether this instance is built under the current settings: a listed domain when
        DATAOPS_DOMAINS is set ("*" lists all), else any domain but the optional ones."""
        domains = current_settings().domains
        if domains is None:
            return self._domain_folder is None
        return self.domain in domains or ALL_DOMAINS in domains


def _domain_folder(path: Path, context: dg.ComponentLoadContext, component) -> str | None:
    """The domain folder between the defs root and the instance's folder; it must be named after
    the instance's domain."""
    try:
        folders = path.parent.absolute().relative_to(Path(context.defs_module_path).absolute()).parts[:-1]
    except ValueError:  # not under the defs root (a component loaded on its own)
        return None
    if not folders:
        return None
    if len(folders) > 1:
        raise DeclarationError(
            f"{path}: a table's folder sits in defs/ or in a domain folder defs/<domain>/, not deeper"
        )
    if folders[0] != component.domain:
        raise DeclarationError(
            f"{path}: field 'domain': {component.domain!r} must be the name of its domain folder "
            f"defs/{folders[0]}/ (one folder per domain, holding its datasets and products)"
        )
    return folders[0]


def defs_yaml(context: dg.ComponentLoadContext) -> Path:
    path = Path(context.path)
    return path if path.suffix in (".yaml", ".yml") else path / "defs.yaml"
