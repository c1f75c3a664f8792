"""The import graph of `optimizer/` has no cycles (issue 15, docs/architecture.md).

Every import of one `optimizer` module by another counts: at module level, under `if TYPE_CHECKING:`,
and inside functions (an import moved into a function to dodge a cycle is still a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def module_files(root: Path, package: str) -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is it a package's __init__) for every .py file of `package` under `root`."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of `package` it imports, anywhere in its file."""
    modules = module_files(root, package)

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:  # `from . import x` imports the module x
                    targets.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
        graph[name] = {m for t in targets if (m := known(t)) and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def describe(graph: dict[str, set[str]], component: frozenset[str]) -> str:
    return "; ".join(f"{m} -> {', '.join(sorted(graph[m] & component))}" for m in sorted(component))


def test_optimizer_has_no_import_cycles() -> None:
    graph = import_graph(ROOT, "optimizer")
    assert "optimizer.scenario" in graph and "optimizer.service.app" in graph  # the walk sees the package
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(describe(graph, c) for c in found)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a cycle through a relative import, one through a function-level import, one under TYPE_CHECKING
        ({"a.py": "from . import b\n", "b.py": "from .a import X\n"}, [{"pkg.a", "pkg.b"}]),
        (
            {"a.py": "from .b import f\n", "b.py": "def g():\n    from .c import h\n", "c.py": "import pkg.a\n"},
            [{"pkg.a", "pkg.b", "pkg.c"}],
        ),
        (
            {
                "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub.m import Y\n",
                "sub/__init__.py": "",
                "sub/m.py": "from ..a import Z\n",
            },
            [{"pkg.a", "pkg.sub.m"}],
        ),
        ({"a.py": "from .b import f\n", "b.py": "import os\n"}, []),
    ],
)
def test_cycle_finder_sees_every_kind_of_import(tmp_path: Path, files: dict[str, str], expected: list) -> None:
    for name, text in {"__init__.py": "", **files}.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(text)
    assert sorted(map(sorted, cycles(import_graph(tmp_path, "pkg")))) == sorted(map(sorted, expected))
