"""What both components share: their attributes are their declaration, validated with errors
that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import BaseModel, ValidationError

from dataops_platform.declarations import DeclarationError, describe, require_folder_name


class DeclaredComponent(dg.Component, dg.Resolvable):
    """A component that is also the pydantic declaration it subclasses (DatasetDeclaration,
    ProductDeclaration): that model is the defs.yaml schema `dg` shows and editors complete."""

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
        return component


def defs_yaml(context: dg.ComponentLoadContext) -> Path:
    path = Path(context.path)
    return path if path.suffix in (".yaml", ".yml") else path / "defs.yaml"
