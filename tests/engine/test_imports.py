"""Boundaries of the code, read from the source with stdlib `ast` (nothing is imported):

- no import circles among the modules of `apitwin/` and `handlers/`: every `import`, wherever it is written (module
  level, `if TYPE_CHECKING:`, inside a function), is an edge; a circle held apart by a function-local import is
  still a circle;
- the layers docs/architecture.md draws: the store at the bottom, the engine on it, the tools (review, contract,
  inferred APIs, --watch) on the engine, the command line on top; a module imports only from its own layer or
  below; the engine never imports an API (`handlers/`, installed as `apitwin_apis`), nor one API another;
- no package reads another package's private names: `from x import _name`, `module._name`, `obj._name` where `_name`
  is defined (as `self._name`, a `_name` method or class attribute, a module-level `_name`) only in other packages,
  and no `# noqa: SLF001` (ruff's "private member accessed") markers at all.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# repository folder -> the import name it installs as (pyproject.toml's package-dir: handlers/ is apitwin_apis)
PACKAGES = {"apitwin": "apitwin", "handlers": "apitwin_apis"}


@dataclass
class Module:
    name: str                   # dotted, e.g. "apitwin.review.diff" ("apitwin.review" for its __init__.py)
    path: str                   # relative to the repository, for messages
    package: str                # the package it belongs to: "apitwin.review" for both of the above
    tree: ast.Module
    source: str
    imports: set[str] = field(default_factory=set)


def _modules(root: Path = ROOT) -> dict[str, Module]:
    found: dict[str, Module] = {}
    for top, import_name in PACKAGES.items():
        for path in sorted((root / top).rglob("*.py")):
            parts = [import_name, *path.relative_to(root / top).with_suffix("").parts]
            is_init = parts[-1] == "__init__"
            if is_init:
                parts = parts[:-1]
            name = ".".join(parts)
            package = name if is_init else ".".join(parts[:-1])
            source = path.read_text(encoding="utf-8")
            found[name] = Module(name, path.relative_to(root).as_posix(), package, ast.parse(source, str(path)),
                                 source)
    for module in found.values():
        module.imports = set(_imported(module, found))
    return found


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _known(name: str, modules: dict[str, Module]) -> str | None:
    """The project module `name` is, or lives in (the longest known prefix); None outside the project."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imported(module: Module, modules: dict[str, Module]) -> Iterator[str]:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            # `from pkg import sub` imports the submodule pkg.sub when there is one, else a name of pkg
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            known = _known(target, modules)
            if known is not None and known != module.name:
                yield known


def _cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(modules[start].imports)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(modules[target].imports))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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

    for name in sorted(modules):
        if name not in index:
            visit(name)
    return found


def _path_through(component: list[str], modules: dict[str, Module]) -> str:
    """One concrete circle inside a component, for the failure message: a → b → … → a."""
    members = set(component)
    start = component[0]
    trail = [start]
    seen = {start}
    while True:
        nxt = next((t for t in sorted(modules[trail[-1]].imports) if t in members and (t == start or t not in seen)),
                   None)
        if nxt is None or nxt == start:
            return " → ".join(trail + [start])
        trail.append(nxt)
        seen.add(nxt)


def test_no_import_circles() -> None:
    modules = _modules()
    circles = [_path_through(c, modules) for c in _cycles(modules)]
    assert circles == [], "import circles:\n" + "\n".join(circles)


# -- layers -------------------------------------------------------------------------------------------------------

# bottom first; a module not named here (and not an API's) is the engine's. docs/architecture.md draws the same.
LAYERS: dict[str, tuple[str, ...]] = {
    "store": ("apitwin.store", "apitwin.storage", "apitwin.storage_sqlite", "apitwin.storage_redis"),
    "engine": (),
    "tools": ("apitwin.review", "apitwin.contract", "apitwin.inferred", "apitwin.reloading"),
    "command line": ("apitwin.cli", "apitwin.__main__", "apitwin.workers"),
}
API_PACKAGE = PACKAGES["handlers"]


def _layer(name: str) -> str:
    if name == API_PACKAGE or name.startswith(API_PACKAGE + "."):
        return "api"
    for layer, prefixes in LAYERS.items():
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return layer
    return "engine"


def _api_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == API_PACKAGE and len(parts) > 1 else None


def _upward(modules: dict[str, Module]) -> list[str]:
    order = list(LAYERS)
    found: list[str] = []
    for module in modules.values():
        here = _layer(module.name)
        for target in sorted(module.imports):
            there = _layer(target)
            if here == "api":
                other = _api_of(target)
                if there == "command line" or (other is not None and other != _api_of(module.name)):
                    found.append(f"{module.path}: {module.name} ({here}) imports {target} ({there})")
            elif there == "api" or order.index(there) > order.index(here):
                found.append(f"{module.path}: {module.name} ({here}) imports {target} ({there})")
    return found


def test_the_architecture_doc_draws_these_layers() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## Layers", 1)[1].split("```", 2)[1]
    lines = block.splitlines()
    rows = [next((i for i, line in enumerate(lines) if line.startswith(f"  {layer}  ")), -1) for layer in LAYERS]
    assert -1 not in rows, f"a layer of {list(LAYERS)} is not drawn in docs/architecture.md"
    assert rows == sorted(rows, reverse=True), "docs/architecture.md draws the layers in another order (top first)"
    for prefixes in LAYERS.values():
        for prefix in prefixes:
            name = prefix.split(".", 1)[1]
            assert f"{name}/" in block or f"{name}.py" in block, f"{prefix} is not drawn in docs/architecture.md"


def test_imports_follow_the_layers() -> None:
    found = _upward(_modules())
    assert found == [], "imports against the layers (docs/architecture.md):\n" + "\n".join(found)


# -- private names ------------------------------------------------------------------------------------------------

_PRIVATE = re.compile(r"^_[A-Za-z0-9]\w*$")      # _name, not __dunder__ (name-mangled __x is private too, see below)


def _private(name: str) -> bool:
    return bool(_PRIVATE.match(name)) and not (name.startswith("__") and name.endswith("__"))


def _definitions(module: Module) -> set[str]:
    """Private names a module defines: module-level names, class attributes and methods, `self._x = …`."""
    names: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _private(node.name):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and _private(node.id):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _private(node.attr):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and _private(node.target.id):
            names.add(node.target.id)
    return names


def _module_aliases(module: Module, modules: dict[str, Module]) -> dict[str, str]:
    """Local name → project module, for `import a.b as m` and `from a import b` (b a module)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                        alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
    return aliases


def _violations(modules: dict[str, Module]) -> list[str]:
    defined_in: dict[str, set[str]] = {}
    for module in modules.values():
        for name in _definitions(module):
            defined_in.setdefault(name, set()).add(module.package)
    found: list[str] = []
    for module in modules.values():
        where = module.path
        for number, line in enumerate(module.source.splitlines(), 1):
            if "noqa: SLF001" in line:
                found.append(f"{where}:{number}: `# noqa: SLF001` (private member access)")
        aliases = _module_aliases(module, modules)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom):
                base = _absolute(module, node)
                owner = modules.get(base)
                for alias in node.names:
                    if _private(alias.name) and owner is not None and owner.package != module.package:
                        found.append(f"{where}:{node.lineno}: imports {base}.{alias.name}")
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                value = node.value
                if isinstance(value, ast.Name) and value.id in ("self", "cls"):
                    continue
                if isinstance(value, ast.Name) and value.id in aliases:
                    owner = modules[aliases[value.id]]
                    if owner.package != module.package:
                        found.append(f"{where}:{node.lineno}: {value.id}.{node.attr} ({owner.name})")
                    continue
                packages = defined_in.get(node.attr, set())
                if packages and module.package not in packages:
                    found.append(f"{where}:{node.lineno}: .{node.attr} (defined in {', '.join(sorted(packages))})")
    return found


def test_no_private_access_across_packages() -> None:
    found = _violations(_modules())
    assert found == [], "private names read across packages:\n" + "\n".join(found)


# -- the checks themselves, on small made-up trees ----------------------------------------------------------------

def _tree(tmp: Path, files: dict[str, str]) -> dict[str, Module]:
    """The files, each folder a package (an empty `__init__.py` unless given), apitwin/ and handlers/ always."""
    for top in PACKAGES:
        (tmp / top).mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in [p for p in tmp.rglob("*") if p.is_dir()]:
        (folder / "__init__.py").touch()
    return _modules(tmp)


def test_a_function_local_import_still_closes_a_circle(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "apitwin/a.py": "from apitwin.b import g\n",
        "apitwin/b.py": "def g():\n    from apitwin import a\n",
    })
    assert [_path_through(c, modules) for c in _cycles(modules)] == ["apitwin.a → apitwin.b → apitwin.a"]


def test_a_type_checking_import_still_closes_a_circle(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "apitwin/x/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..y.b import B\n",
        "apitwin/y/b.py": "import apitwin.x.a\n",
    })
    assert _cycles(modules) == [["apitwin.x.a", "apitwin.y.b"]]


def test_private_reads_across_packages_are_found(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "apitwin/store.py": "_LOCK = 1\nclass Collection:\n    def __init__(self):\n        self._rows = {}\n",
        "handlers/api/repo.py": (
            "from apitwin import store\nfrom apitwin.store import _LOCK\n"
            "def f(collection):\n    return collection._rows  # noqa: SLF001\n"
            "def g():\n    return store._LOCK\n"
            "class Mine:\n    def __init__(self):\n        self._own = 1\n    def h(self, other):\n"
            "        return other._own, self._rows\n"),
    })
    assert sorted(_violations(modules)) == [
        "handlers/api/repo.py:2: imports apitwin.store._LOCK",
        "handlers/api/repo.py:4: ._rows (defined in apitwin)",
        "handlers/api/repo.py:4: `# noqa: SLF001` (private member access)",
        "handlers/api/repo.py:6: store._LOCK (apitwin.store)",
    ]


def test_an_import_against_the_layers_is_found(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "apitwin/store.py": "from apitwin import app\n",
        "apitwin/app.py": "import apitwin_apis.a.x\n",
        "handlers/a/x.py": "from apitwin import store\nfrom apitwin_apis.b import y\n",
        "handlers/b/y.py": "from apitwin import app\n",
    })
    assert sorted(_upward(modules)) == [
        "apitwin/app.py: apitwin.app (engine) imports apitwin_apis.a.x (api)",
        "apitwin/store.py: apitwin.store (store) imports apitwin.app (engine)",
        "handlers/a/x.py: apitwin_apis.a.x (api) imports apitwin_apis.b.y (api)",
    ]
