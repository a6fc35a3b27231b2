"""Comments and docs point to `docs/` or state the fact: a reader of this repository has nothing else. A section
number into a reference text, a path into a sibling folder of the checkout or a machine's absolute path is a pointer
they cannot follow."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("apitwin", "handlers", "specs", "mockdata", "docs", "tests", "bench", "contract_tests")
TOP_FILES = ("README.md", "pyproject.toml", "Makefile", "Dockerfile", "compose.yaml", "apitwin.toml", "redocly.yaml")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".json", ".txt", ".html", ".js", ".css", ".cfg", ".sh"}
# written in pieces so this file does not match itself
OUTSIDE = re.compile("|".join([
    "\u00a7",                                   # the section sign, as in a pointer to section 12
    r"\bshared" + "/reference",                 # the steering folder's reference texts
    r"\.\./" + "shared",
    r"(?<![\w.])/" + r"work/",                  # this machine's checkout paths
]))


def _files() -> list[Path]:
    found = [ROOT / name for name in TOP_FILES if (ROOT / name).is_file()]
    for folder in FOLDERS:
        found += [p for p in sorted((ROOT / folder).rglob("*"))
                  if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts
                  # tool folders a bench or a tool fills (bench/.prism's node_modules): not the repository's text
                  and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)]
    return found


def _pointers(text: str) -> list[tuple[int, str]]:
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]


def test_nothing_points_outside_the_repository() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line[:120]}"
             for path in _files() for number, line in _pointers(path.read_text(encoding="utf-8", errors="replace"))]
    assert found == [], "pointers a reader of this repository cannot follow:\n" + "\n".join(found)


def test_the_patterns_find_each_kind_of_pointer() -> None:
    text = "\n".join([
        "# see partners-api.md \u00a74",
        "# shared" + "/reference/stack.md section 1",
        "# ../" + "shared/x.md",
        "usage: --baseline /" + "work/main/apitwin/store.py",
        "# docs/partners-decisions.md C12, a URL https://example.org/work/ and a relative path work/x",
    ])
    assert [number for number, _ in _pointers(text)] == [1, 2, 3, 4]
