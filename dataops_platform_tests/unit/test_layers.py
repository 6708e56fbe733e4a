"""The package's folders are layers that only import downward, and no modules import in a circle.

Every `import` of the package counts, lazy ones inside functions too: a lazy import that points
up is still a dependency that points up. Run `pytest dataops_platform_tests/unit/test_layers.py`
after moving code; the failure names the importing file and the import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Bottom to top. A module may import its own layer and any layer listed before it.
LAYERS = [
    ("layers", "quality"),
    ("transforms",),
    ("storage",),
    ("declarations",),
    ("profiling",),
    ("contracts_history",),
    ("settings",),
    ("steps",),
    ("job",),
    ("observability",),
    ("orchestration",),
    ("components",),
    ("defs",),
    ("demo_data",),
    ("definitions",),
    ("cli",),
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((REPO / package).rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that `name` imports (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(package: str) -> dict[str, set[str]]:
    known = modules(package)
    return {name: imports(name, path, known) for name, path in known.items()}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    return RANK.get(parts[1]) if len(parts) > 1 else None  # the package's own __init__ is no layer


def test_every_folder_of_the_package_has_a_layer():
    top = {m.split(".")[1] for m in modules("dataops_platform") if "." in m}
    assert top <= set(RANK), f"give these a place in LAYERS: {sorted(top - set(RANK))}"


def test_imports_only_point_down():
    upward = []
    for module, targets in graph("dataops_platform").items():
        for target in targets:
            if target == "dataops_platform":
                continue
            here, there = layer_of(module), layer_of(target)
            if here is not None and there is not None and there > here:
                upward.append(f"{module} imports {target} (layer {LAYERS[there]} is above {LAYERS[here]})")
    assert not upward, "\n".join(sorted(upward))


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("package", ["dataops_platform", "bench"])
def test_no_import_circles(package):
    edges = graph(package)
    # a package's __init__ that re-exports its modules is not a circle with them
    edges = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in edges.items()}
    assert circles(edges) == []
