"""The shape of the code: who imports whom, and how long a module may grow.

Read from the source with ast (nothing is imported), so the checks hold for imports inside
functions too: an import circle broken only by a function-level import is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "engine")
# A module longer than this says why in its docstring, in a paragraph starting "Length:".
LONGEST = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    _module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
}


def _target(name: str) -> str | None:
    """The project module an imported name lives in (a package's __init__ for its names)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """Every project module `module` imports, at any depth of its code."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    # Imports under `if TYPE_CHECKING:` never run: they name types for annotations only.
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            # `from app import figures` imports the submodule app.figures; `from app import
            # create_app` imports the package's own code.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        found.update(t for t in map(_target, names) if t is not None and t != module)
    return found


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    path, on_path, done = [], set(), set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph[node]):
            if nxt in on_path:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in done and (found := visit(nxt)):
                return found
        on_path.discard(path.pop())
        done.add(node)
        return None

    return visit(start)


def test_the_walker_sees_imports_inside_functions_and_from_packages():
    # Known facts of the code base, so the walker cannot pass by seeing nothing.
    assert "app.figures" in imports_of("app.viewmodel")
    assert "engine.simulate" in imports_of("engine")
    assert any(m.startswith("engine") for m in imports_of("app.runs"))
    assert "engine.formula.printed" in imports_of("engine.formula.tree")
    assert "engine.formula.tree" not in imports_of("engine.formula.printed")  # TYPE_CHECKING only
    circle = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle_from("d", circle) == ["a", "b", "c", "a"]
    assert _cycle_from("c", {"c": {"d"}, "d": set()}) is None


def test_no_import_circle_among_the_project_modules():
    graph = {module: imports_of(module) for module in MODULES}
    for module in MODULES:
        cycle = _cycle_from(module, graph)
        assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_engine_never_imports_the_app_or_dash():
    for module, path in MODULES.items():
        if not module.startswith("engine"):
            continue
        assert not any(m.startswith("app") for m in imports_of(module)), module
        text = path.read_text(encoding="utf-8")
        assert "import dash" not in text and "from dash" not in text, module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_long_module_says_why(module):
    path = MODULES[module]
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines <= LONGEST:
        return
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert "Length:" in docstring, f"{module} has {lines} lines and no 'Length:' reason in its docstring"
