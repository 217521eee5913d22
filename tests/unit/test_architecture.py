"""The house's rules, checked from the code's own imports (function-local ones included):
no import circle anywhere in the product, and no module imports one on a higher floor.

Run it alone with ``uv run pytest tests/unit/test_architecture.py``; ``uv run python -m
tests.unit.test_architecture`` prints every import edge by floor.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("models", "states", "notifications", "kulturskole", "flows", "migrations")

# Floors, lowest first: a module may import its own floor and the floors below. The first
# prefix that matches a module places it (longest prefixes are listed first where it matters).
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("what is stored", ("models",)),
    (
        "foundations",
        (
            "kulturskole",  # the package's face: paths only
            "kulturskole.errors",
            "kulturskole.config",
            "kulturskole.db",
            "kulturskole.migrate",
            "kulturskole.history",
            "kulturskole.contact",
            "kulturskole.names",
            "kulturskole.csvfile",
            "kulturskole.spreadsheet",
            "kulturskole.programme_file",
            "kulturskole.reactions",
            "kulturskole.reports",
            "migrations",
            "states",
        ),
    ),
    ("what is said to whom", ("notifications",)),
    ("business actions on a case", ("kulturskole.services",)),
    (
        "the programme's domains",
        (
            "kulturskole.invoicing",
            "kulturskole.visits",
            "kulturskole.obligations",
            "kulturskole.lifecycle",
            "kulturskole.payments",
            "kulturskole.contract",
        ),
    ),
    ("read side and composition", ("kulturskole.read", "kulturskole.bootstrap")),
    # kulturskole.decisions: a decision and the resume of the run waiting for it (Prefect, lazily)
    ("flows", ("flows", "kulturskole.serving", "kulturskole.decisions")),
    ("the demo", ("kulturskole.demo",)),
    ("entry points", ("kulturskole.cli", "kulturskole.web")),
]


def floor_of(module: str) -> int:
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} is on no floor: add it to FLOORS")
    return best


@cache
def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "versions" in path.parts and package == "migrations":
                continue  # migration scripts import alembic and sqlalchemy only
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str) -> str | None:
    """The product module an imported name lives in (the longest known prefix)."""
    known = modules()
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in modules().items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                target = _resolve(name)
                if target is not None and target != module:
                    targets.add(target)
        graph[module] = targets
    return graph


def circles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph, index, low, stack, on_stack, found = edges(), {}, {}, [], set(), []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward_imports() -> list[str]:
    return [
        f"{source} (floor {floor_of(source)}: {FLOORS[floor_of(source)][0]}) imports {target} "
        f"(floor {floor_of(target)}: {FLOORS[floor_of(target)][0]})"
        for source, targets in sorted(edges().items())
        for target in sorted(targets)
        if floor_of(target) > floor_of(source)
    ]


def test_every_product_module_is_on_a_floor() -> None:
    for module in modules():
        floor_of(module)


def test_no_import_circle_in_the_product() -> None:
    assert circles() == []


def test_no_module_imports_a_higher_floor() -> None:
    assert upward_imports() == []


def test_domain_code_does_not_import_prefect() -> None:
    """Only flows/ and the entry points above them may use Prefect."""
    flows_floor = next(i for i, (name, _) in enumerate(FLOORS) if name == "flows")
    offenders = []
    for module, path in sorted(modules().items()):
        if floor_of(module) >= flows_floor:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{module}: {n}" for n in names if n.split(".")[0] == "prefect"]
    assert offenders == []


if __name__ == "__main__":
    for number, (name, _) in enumerate(FLOORS):
        print(f"floor {number}: {name}")
        for module, targets in sorted(edges().items()):
            if floor_of(module) == number:
                print(f"  {module} -> {', '.join(sorted(targets)) or '-'}")
    print("circles:", circles() or "none")
    print("upward imports:", upward_imports() or "none")
