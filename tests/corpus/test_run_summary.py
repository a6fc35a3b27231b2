"""`make corpus` (tests/corpus/run.py) reports like the other long runs: a line per document (a bar above them at a
terminal) and a summary table at the end; its exit code says whether every document ran clean. The runs themselves
are replaced here (they take minutes); `make corpus` does them."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pytest

RUN = Path(__file__).resolve().with_name("run.py")


def load_run() -> Any:
    spec = importlib.util.spec_from_file_location("corpus_run", RUN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("contract_failures", "exit_code"), [(0, 0), (2, 1)])
def test_lines_summary_table_and_exit_code(contract_failures: int, exit_code: int, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run = load_run()

    def fake(entry: dict, max_examples: int, permissive: bool, log_dir: Path) -> dict:
        return {"startup": 0.25, "st": 0, "contract": contract_failures if entry["name"] == "oai-petstore" else 0,
                "version": "3.0.0", "crud": "n/a"}

    monkeypatch.setattr(run, "run_document", fake)
    monkeypatch.setenv("CORPUS_ONLY", "oai-petstore,oai-api-with-examples")
    monkeypatch.setattr(sys, "argv", ["run.py", "--logs", str(tmp_path)])
    assert run.main() == exit_code
    out = capsys.readouterr().out
    assert "oai-petstore                     3.0.0  start 0.25s  st run: 0 failures  apitwin contract: " in out
    assert "┃ document" in out and "┃ contract failures ┃" in out
    assert re.search(rf"│ oai-petstore\s+│ 3\.0\.0\s+│\s+0\.25 │\s+0 │\s+{contract_failures} │ n/a\s+│", out), out
    clean = 2 if exit_code == 0 else 1
    assert f"corpus: {clean}/2 documents with 0 failures" in out


def test_a_document_that_cannot_run_is_an_error_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    run = load_run()

    def fake(entry: dict, max_examples: int, permissive: bool, log_dir: Path) -> dict:
        raise RuntimeError("document could not be served")

    monkeypatch.setattr(run, "run_document", fake)
    monkeypatch.setenv("CORPUS_ONLY", "oai-petstore")
    monkeypatch.setattr(sys, "argv", ["run.py", "--logs", str(tmp_path)])
    assert run.main() == 1
    out = capsys.readouterr().out
    assert "oai-petstore                     ERROR document could not be served" in out
    assert re.search(r"│ oai-petstore │(\s+- │){5} ERROR\s+│", out), out
