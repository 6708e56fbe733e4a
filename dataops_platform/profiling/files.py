"""Writing a dataset's folder: `<defs>/<name>/{__init__.py, defs.yaml, schema.py}`.

Shared by `dg scaffold defs` (components/scaffold.py) and `dataops profile`: the same names
(the model class, the `schema:` reference) and the same files.
"""

from __future__ import annotations

from pathlib import Path


def model_name(name: str) -> str:
    """`LoyaltyPoints` for `loyalty_points`: the contract's class."""
    return "".join(part.capitalize() for part in name.split("_"))


def title(name: str) -> str:
    """`Loyalty points` for `loyalty_points`."""
    return name.replace("_", " ").capitalize()


def module_path(folder: Path, project_root: Path) -> str:
    """`dataops_platform.defs.orders` for <project>/dataops_platform/defs/orders."""
    relative = folder.resolve().relative_to(project_root.resolve())
    parts = relative.parts[1:] if relative.parts and relative.parts[0] == "src" else relative.parts
    return ".".join(parts)


def package_root(folder: Path) -> Path:
    """The folder holding the outermost Python package that contains `folder` (the folder
    itself when it is in no package): what must be on the Python path to import it."""
    root = folder.resolve()
    while (root / "__init__.py").is_file():
        root = root.parent
    return root


def schema_ref(folder: Path, project_root: Path | None = None) -> str:
    """The `schema:` field of a dataset in `folder`: `<module>.schema:<Model>`."""
    module = module_path(folder, project_root or package_root(folder.parent))
    return f"{module}.schema:{model_name(folder.name)}"


def write_dataset_files(folder: Path, defs_yaml: str, schema_py: str) -> list[Path]:
    """Write the dataset folder (a package, so its schema module imports); the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "__init__.py", folder / "defs.yaml", folder / "schema.py"]
    written[0].touch()
    written[1].write_text(defs_yaml, encoding="utf-8")
    written[2].write_text(schema_py, encoding="utf-8")
    return written
