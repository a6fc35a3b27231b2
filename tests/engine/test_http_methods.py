"""`HTTP_METHODS` has one home, apitwin/http_methods.py: no other module of the project (engine, tools, API
handlers, tests) defines its own list of a Path Item's methods, so every walk of a document agrees on which
methods exist and in which order (inferred operation names, report rows)."""
from __future__ import annotations

import ast
from pathlib import Path

from apitwin.http_methods import HTTP_METHODS

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "apitwin" / "http_methods.py"
PATH_ITEM_FIELDS = frozenset("get put post delete options head patch trace".split())


def _method_lists(path: Path) -> list[str]:
    """Module-level names bound to a literal tuple, list or set holding all eight method names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) and node.value is not None else []
        value = getattr(node, "value", None)
        if not isinstance(value, (ast.Tuple, ast.List, ast.Set)):
            continue
        words = {e.value.lower() for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        if PATH_ITEM_FIELDS <= words:
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(t)}" for t in targets]
    return found


def test_http_methods_are_the_path_item_fields_in_specification_order() -> None:
    assert HTTP_METHODS == ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def test_no_other_module_defines_its_own_list_of_methods() -> None:
    copies = [hit for folder in ("apitwin", "handlers", "tests", "contract_tests", "bench")
              for path in sorted((ROOT / folder).rglob("*.py")) if path != HOME
              for hit in _method_lists(path)]
    assert copies == [], "import HTTP_METHODS from apitwin.http_methods instead:\n" + "\n".join(copies)
