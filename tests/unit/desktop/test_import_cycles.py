"""No import circle among app.desktop's modules: backends import their package's `base`, never
its facade. Read statically from the source, function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = "app.desktop"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Each module of `package` (under `root`) → the modules of `package` it imports.

    A module also imports its parent packages (Python runs their `__init__` first), so a
    facade in an `__init__` that a backend's package path passes through counts as imported.
    """
    paths = sorted((root / package.replace(".", "/")).rglob("*.py"))
    modules = {module_name(path, root): path for path in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    if not is_package:
                        anchor = anchor[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
        parts = name.split(".")
        targets.update(".".join(parts[:i]) for i in range(1, len(parts)))
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as [a, b, …, a], or None when the graph has none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_app_desktop_has_no_import_cycle() -> None:
    graph = import_graph(ROOT, PACKAGE)
    assert "app.desktop.watch.x11" in graph["app.desktop.watch.detect"]  # lazy imports count
    assert find_cycle(graph) is None


def test_the_checker_sees_a_backend_importing_its_facade(tmp_path: Path) -> None:
    package = tmp_path / "app" / "desktop" / "thing"
    package.mkdir(parents=True)
    for init in (tmp_path / "app", tmp_path / "app" / "desktop", package):
        (init / "__init__.py").write_text("")
    (package / "facade.py").write_text(
        "def pick():\n    from app.desktop.thing.backend import Backend\n    return Backend\n"
    )
    (package / "backend.py").write_text("from .facade import pick\nclass Backend: ...\n")
    cycle = find_cycle(import_graph(tmp_path, PACKAGE))
    assert cycle is not None and set(cycle) == {
        "app.desktop.thing.facade",
        "app.desktop.thing.backend",
    }


def test_a_facade_in_an_init_is_imported_by_every_backend(tmp_path: Path) -> None:
    package = tmp_path / "app" / "desktop" / "thing"
    package.mkdir(parents=True)
    for init in (tmp_path / "app", tmp_path / "app" / "desktop"):
        (init / "__init__.py").write_text("")
    (package / "__init__.py").write_text("def pick():\n    from . import backend\n")
    (package / "backend.py").write_text("X = 1\n")
    assert find_cycle(import_graph(tmp_path, PACKAGE)) == [
        "app.desktop.thing",
        "app.desktop.thing.backend",
        "app.desktop.thing",
    ]
