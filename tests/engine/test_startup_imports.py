"""What `apitwin serve` loads before it answers (issue 12's start-up time; bench/bench_startup.py measures it):
the libraries apitwin.deferred_imports defers stay unloaded through building the app, so the start-up win cannot
silently come back; and a deferred module behaves as the ordinary module the moment it is used.

Each check runs in its own interpreter: what a process has imported is global state.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
# never imported by `serve` up to its first request: httpx's command line, and what it would pull in
ABSENT = ("httpx._main", "click", "rich", "pygments")
# what checks a document against the OpenAPI schema: needed by its first start, not once the verdict is cached
VALIDATORS = ("openapi_spec_validator", "openapi_schema_validator", "pydantic")
SERVE_PATH = """
import json, sys
import apitwin.cli as cli
from apitwin import deferred_imports
served = []
cli.run_server = lambda app, *args, **kwargs: served.append(app)     # everything `serve` does, up to the server
code = cli.main(["serve", *sys.argv[1:], "--quiet", "--log-level", "warning"])
pending = [name for name in deferred_imports.DEFERRED
           if name in sys.modules and deferred_imports.is_pending(sys.modules[name])]
print(json.dumps({"code": code, "served": len(served), "pending": pending,
                  "loaded": [name for name in %r if name in sys.modules],
                  "validators": [name for name in %r if name in sys.modules]}))
""" % (ABSENT, VALIDATORS)


def serve_path(*targets: str, cache: Path | None = None) -> dict:
    env = {**os.environ, **({"APITWIN_CACHE_DIR": str(cache)} if cache else {})}
    out = subprocess.run([sys.executable, "-c", SERVE_PATH, *targets, "--port", str(free_port())], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("target", ["partners", "molgenis", "tests/corpus/oai-petstore.yaml"])
def test_serve_builds_its_app_without_the_deferred_libraries(target: str) -> None:
    seen = serve_path(target)
    assert (seen["code"], seen["served"]) == (0, 1)
    assert seen["pending"] == ["httpx", "requests"], "a deferred library was loaded on the way to serving"
    assert seen["loaded"] == [], f"imported by `apitwin serve {target}`: {seen['loaded']}"


def test_a_documents_second_start_skips_the_openapi_validators(tmp_path: Path) -> None:
    """apitwin.content_cache keeps the clean verdict of the document's bytes: the next start does not load
    openapi-spec-validator (and pydantic under it), a tenth of the start of a document."""
    first = serve_path("tests/corpus/oai-petstore.yaml", cache=tmp_path)
    second = serve_path("tests/corpus/oai-petstore.yaml", cache=tmp_path)
    assert first["validators"] == list(VALIDATORS)
    assert (second["code"], second["served"], second["validators"]) == (0, 1, [])


def run_isolated(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    """`body` in a fresh interpreter with a small package `lazy_pkg` (and a broken `broken_pkg`) importable."""
    pkg = tmp_path / "lazy_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import sys\nLOADED = True\nVALUE = 41 + 1\nfrom lazy_pkg.part import PART\n"
                                     "sys.modules.setdefault('lazy_pkg_runs', []).append(1)\n")
    (pkg / "part.py").write_text("PART = 'part'\n")
    own = tmp_path / "own_getattr_pkg"
    own.mkdir()
    (own / "__init__.py").write_text("def __getattr__(name):\n    if name == 'dynamic':\n        return 7\n"
                                     "    raise AttributeError(name)\n")
    broken = tmp_path / "broken_pkg"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise RuntimeError('broken on purpose')\n")
    script = f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\nfrom apitwin import deferred_imports\n" + \
        textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_deferred_module_runs_once_on_first_use_and_is_then_the_ordinary_module(tmp_path: Path) -> None:
    out = run_isolated(tmp_path, """
        assert deferred_imports.defer(("lazy_pkg", "not_installed_anywhere")) == ["lazy_pkg"]
        import lazy_pkg                                   # a plain import, as Connexion's: nothing runs yet
        assert deferred_imports.is_pending(lazy_pkg) and "lazy_pkg_runs" not in sys.modules
        assert lazy_pkg.__name__ == "lazy_pkg" and lazy_pkg.__spec__.name == "lazy_pkg"   # import attributes
        assert deferred_imports.is_pending(lazy_pkg)
        from lazy_pkg import VALUE                        # the first use runs the module's code
        assert VALUE == 42 and lazy_pkg.LOADED and not deferred_imports.is_pending(lazy_pkg)
        import lazy_pkg.part
        assert lazy_pkg.part.PART == "part" and sys.modules["lazy_pkg"] is lazy_pkg
        assert sys.modules["lazy_pkg_runs"] == [1]        # once
        assert "__getattr__" not in vars(lazy_pkg)
        try:
            lazy_pkg.missing
        except AttributeError as exc:
            assert "missing" in str(exc)
        else:
            raise AssertionError("a missing attribute must raise AttributeError")
        assert deferred_imports.defer(("lazy_pkg",)) == []   # already imported: left alone
        print("ok")
    """)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_threads_using_it_at_once_see_it_loaded_once(tmp_path: Path) -> None:
    slow = tmp_path / "slow_pkg"
    slow.mkdir()
    (slow / "__init__.py").write_text("import sys, time\nsys.modules.setdefault('slow_pkg_runs', []).append(1)\n"
                                      "time.sleep(0.2)\nVALUE = 'ready'\n")
    out = run_isolated(tmp_path, """
        import threading
        deferred_imports.defer(("slow_pkg",))
        import slow_pkg
        seen = []
        threads = [threading.Thread(target=lambda: seen.append(slow_pkg.VALUE)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(seen, sys.modules["slow_pkg_runs"])
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['ready', 'ready', 'ready', 'ready'] [1]"


def test_a_module_with_its_own_getattr_keeps_it(tmp_path: Path) -> None:
    out = run_isolated(tmp_path, """
        assert deferred_imports.defer(("own_getattr_pkg",)) == ["own_getattr_pkg"]
        import own_getattr_pkg
        assert own_getattr_pkg.dynamic == 7 and not deferred_imports.is_pending(own_getattr_pkg)
        assert own_getattr_pkg.dynamic == 7
        assert not hasattr(own_getattr_pkg, "other")
        print("ok")
    """)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_a_deferred_module_that_fails_raises_its_own_error_on_use(tmp_path: Path) -> None:
    out = run_isolated(tmp_path, """
        assert deferred_imports.defer(("broken_pkg",)) == ["broken_pkg"]
        import broken_pkg
        try:
            broken_pkg.anything
        except RuntimeError as exc:
            print(exc)
    """)
    assert out.returncode == 0 and out.stdout.strip() == "broken on purpose", out.stderr


def test_only_serve_defers(tmp_path: Path) -> None:
    """`apitwin list` (and every other command) imports as before: the deferral is for the server's start only."""
    out = subprocess.run([sys.executable, "-c", "import sys, apitwin.cli as cli\ncli.main(['list'])\n"
                          "from apitwin import deferred_imports as d\n"
                          "print([n for n in d.DEFERRED if n in sys.modules and d.is_pending(sys.modules[n])])"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
