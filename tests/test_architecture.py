"""The import rules of docs/architecture.md, checked on the source: which package may import
which, and no import cycles between modules (function-level and type-only imports count: a
cycle hidden inside a function is still a cycle a reader must untangle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Folder -> import name of each first-party package.
PACKAGES = {"aigc_core": "aigc_core", "plugins": "aigc_plugins", "workers": "aigc_workers",
            "gateway": "aigc_gateway"}

#: What each package may import from the others (docs/architecture.md, "Import rules").
ALLOWED = {
    "aigc_core": set(),
    "aigc_plugins": {"aigc_core"},
    "aigc_workers": {"aigc_core"},
    "aigc_gateway": {"aigc_core", "aigc_workers"},
}


def modules() -> dict[str, Path]:
    found = {}
    for folder, name in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((name, *parts))] = path
    return found


def imports(module: str, path: Path, known: set[str]) -> set[str]:
    """First-party modules ``module`` imports anywhere in its source."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


GRAPH = {module: imports(module, path, set(modules())) for module, path in modules().items()}


def top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_it_may(package: str):
    wrong = sorted(f"{module} imports {target}"
                   for module, targets in GRAPH.items() if top(module) == package
                   for target in targets
                   if top(target) != package and top(target) not in ALLOWED[package])
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    # Tarjan's strongly connected components; a package's __init__ re-exporting its own
    # modules is the one allowed back edge (module -> its own package).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def edges(module: str) -> set[str]:
        return {t for t in GRAPH[module] if not module.startswith(f"{t}.")}

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in edges(module):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not cycles, "\n".join(" <-> ".join(cycle) for cycle in cycles)
