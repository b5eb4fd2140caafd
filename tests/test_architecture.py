"""The package's shape, kept: layers whose imports only point down (docs/architecture.md).

Every `import` in itsm/ is read with `ast` — at module level, inside functions (lazy imports)
and under `if TYPE_CHECKING:` alike, since each is a dependency a reader must follow — and
held to the rules: no package imports one above it, no two modules import each other through
any path, no command module imports another, and the libraries with one home stay there.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "itsm"

# Bottom to top: a module may import its own package and those before it, never one after.
LAYERS = (
    "core",
    "records",
    "config",
    "domain",
    "output",
    "storage",
    "readmodel",
    "search",
    "channels",
    "operations",
    "reporting",
    "web",
    "cli",
)
# Libraries with one home: importing them elsewhere spreads what the layer hides (typer is the
# command line; whoosh the search index; sqlite3 the read model; an HTTP server the receiver).
HOMES = {
    "typer": "cli",
    "click": "cli",
    "whoosh": "search",
    "sqlite3": "readmodel",
    "http": "web",
    "socketserver": "web",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, wherever it stands; `from itsm.x import
    y` counts as importing `itsm.x.y` when that is a module, else `itsm.x`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: a relative import (itsm uses absolute ones)"
            assert node.module is not None
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.append((node.lineno, candidate if candidate in MODULES else node.module))
    return found


FILES = sorted(PACKAGE.rglob("*.py"))
MODULES = {module_name(path) for path in FILES}
GRAPH: dict[str, list[tuple[int, str]]] = {
    module_name(path): imports_of(path) for path in FILES
}


def layer_of(module: str) -> str | None:
    """The layer (package) a module of itsm belongs to; None for `itsm` and `itsm.__main__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def itsm_edges() -> list[tuple[str, int, str]]:
    return [(source, line, target) for source, targets in GRAPH.items() for line, target in targets
            if target in MODULES and target != source]


def test_the_layers_are_the_packages() -> None:
    """Every module but the package's own two lives in a layer, and every layer is a package."""
    loose = sorted(m for m in MODULES if layer_of(m) is None and m not in ("itsm", "itsm.__main__"))
    assert loose == [], "a module outside the layers: move it into the package of its layer"
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(LAYERS)


def test_imports_only_point_down() -> None:
    upward = []
    for source, line, target in itsm_edges():
        here, there = layer_of(source), layer_of(target)
        if here is None or there is None:
            continue
        if LAYERS.index(there) > LAYERS.index(here):
            upward.append(f"{source}:{line} imports {target} ({there} is above {here})")
    assert upward == []


def test_no_module_depends_on_itself_through_others() -> None:
    """No cycle, however long, lazy imports and TYPE_CHECKING imports included."""
    graph = defaultdict(set)
    for source, _, target in itsm_edges():
        graph[source].add(target)
    cycles = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for following in sorted(graph[node]):
            if state.get(following) == 1:
                cycles.append(" -> ".join([*path[path.index(following):], following]))
            elif following not in state:
                visit(following, [*path, following])
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_command_module_imports_another() -> None:
    """Command modules share pieces through cli/common.py; only the app (cli/__init__.py)
    gathers them."""
    crossing = [f"{source}:{line} imports {target}" for source, line, target in itsm_edges()
                if source.startswith("itsm.cli.") and target.startswith("itsm.cli")
                and target != "itsm.cli.common"]
    assert crossing == []


@pytest.mark.parametrize("library", sorted(HOMES))
def test_a_library_with_one_home_is_imported_only_there(library: str) -> None:
    home = HOMES[library]
    strays = [f"{source}:{line} imports {target}" for source, targets in GRAPH.items() for line, target in targets
              if (target == library or target.startswith(f"{library}.")) and layer_of(source) != home]
    assert strays == []


def test_git_runs_only_in_the_git_module() -> None:
    """Only itsm/storage/gitio.py runs git (STYLE.md); elsewhere `subprocess` runs $EDITOR."""
    runners = sorted(source for source, targets in GRAPH.items() for _, target in targets if target == "subprocess")
    assert runners == ["itsm.cli.common", "itsm.storage.gitio"]
    for path in FILES:
        if module_name(path) != "itsm.storage.gitio":
            assert '["git"' not in path.read_text(encoding="utf-8"), path


def test_every_package_says_what_it_owns() -> None:
    for layer in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"itsm/{layer}/__init__.py: say what the layer owns"
        assert layer in (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_the_checks_see_a_violation() -> None:
    """The rules above fail on what they forbid (so a green run means something)."""
    assert layer_of("itsm.storage.store") == "storage" and layer_of("itsm.__main__") is None
    assert LAYERS.index("cli") > LAYERS.index("storage")
    assert ("itsm.storage.store" in MODULES) and any(t == "itsm.core.fileio" for _, t in GRAPH["itsm.storage.store"])
    lazy = ast.parse("def f():\n    from itsm.search import index\n")
    assert any(isinstance(n, ast.ImportFrom) for n in ast.walk(lazy))  # ast.walk reaches inside functions
