"""The package's two layers: the library (synquant) and the book (synquant.book).

``synquant/__main__.py``, the terminal's entry point, sits above both: its ``report``
command turns an executed chapter into a report.

Every import of the package's own modules, at module top or inside a function, is an
edge of a graph. The library never imports the book; inside each layer the graph has no
cycle; and imports inside functions are kept for heavy optional dependencies only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "synquant"
#: Modules a function may import where it needs them (heavy, optional or slow to load).
LAZY_OK = {
    "matplotlib",
    "IPython",
    "myst_nb",
    "nbformat",
    "nbconvert",
    "traitlets",
    "papermill",
    "dask",
    "tqdm",
    "keras",
    "jax",
    "docutils",
    "sphinx",
    "selenium",  # the PDFs' browser (make pdf), an optional test dependency
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def _imports(path: Path):
    """``(imported module, line, inside a function)`` for each import in ``path``."""
    name = _module_name(path)
    package = _package(name, path)
    tree = ast.parse(path.read_text())
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside |= {id(n) for n in ast.walk(node) if n is not node}
    for node in ast.walk(tree):
        lazy = id(node) in inside
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, lazy
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            for alias in node.names:
                full = f"{module}.{alias.name}"
                # `from . import x` names a module when x is one
                yield (full if _is_module(full) else module), node.lineno, lazy


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        graph[name] = {
            m for m, _, _ in _imports(path) if m.startswith("synquant") and m != name
        }
    return graph


def _is_book(name: str) -> bool:
    return name == "synquant.book" or name.startswith("synquant.book.")


#: Above both layers: the command line.
ENTRY = "synquant.__main__"


def test_the_library_never_imports_the_book():
    upward = [
        (name, m)
        for name, targets in _graph().items()
        if not _is_book(name) and name != ENTRY
        for m in targets
        if _is_book(m)
    ]
    assert upward == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (a list of modules, first repeated last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles_within_the_layers():
    # a package's __init__ imports its modules to expose them; the edges that matter
    # run between modules
    graph = {
        name: {m for m in targets if m not in ("synquant", "synquant.book")}
        for name, targets in _graph().items()
        if name not in ("synquant", "synquant.book")
    }
    assert _cycle(graph) is None


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_imports_inside_functions_are_heavy_optional_ones_only(path):
    lazy = [
        (m, line)
        for m, line, inside in _imports(path)
        if inside and m.split(".")[0] not in LAZY_OK
    ]
    assert lazy == [], f"{path.name}: import these at module top"


def test_no_private_names_across_modules():
    used = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and _is_module(f"synquant.{node.value.id}")
            ):
                used.append((path.name, f"{node.value.id}.{node.attr}"))
    assert used == []
