"""apitwin.content_cache: start-up results kept by the content they come from, so a second start of the same bytes
reads them, and an edited file can never be answered from the cache."""
from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from apitwin import content_cache
from apitwin.inferred import document
from apitwin.inferred.document import DocumentRefused, open_document
from apitwin.mockdata import read_yaml
from apitwin.review import rules
from apitwin.specs import load_spec


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(content_cache.ENV, str(where))
    return where


def counting(value: object) -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> object:
        calls.append(1)
        return value
    return calls, compute


def test_a_result_is_computed_once_and_then_read() -> None:
    calls, compute = counting({"a": [1, 2.5, None, True], 200: "int keys stay ints"})
    address = content_cache.key("test", "input")
    first = content_cache.cached(address, compute)
    second = content_cache.cached(address, compute)
    assert first == second == {"a": [1, 2.5, None, True], 200: "int keys stay ints"}
    assert second is not first and len(calls) == 1


def test_keys_differ_by_kind_and_by_every_part() -> None:
    keys = {content_cache.key("a", "bc"), content_cache.key("a", "b", "c"), content_cache.key("ab", "c"),
            content_cache.key("b", "bc"), content_cache.key("a", b"bc!")}
    assert len(keys) == 5
    assert content_cache.key("a", "bc") == content_cache.key("a", b"bc")


@pytest.mark.parametrize("setting", ["off", "0", "false"])
def test_turned_off_it_computes_every_time_and_writes_nothing(setting: str, cache_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(content_cache.ENV, setting)
    calls, compute = counting([1])
    address = content_cache.key("test", "off")
    content_cache.cached(address, compute)
    content_cache.cached(address, compute)
    assert len(calls) == 2 and not cache_dir.exists()


def test_a_corrupt_or_truncated_entry_is_a_miss(cache_dir: Path) -> None:
    address = content_cache.key("test", "corrupt")
    content_cache.put(address, {"x": "y" * 100})
    entry = cache_dir / address[:2] / address
    entry.write_bytes(entry.read_bytes()[:10])
    calls, compute = counting("fresh")
    assert content_cache.cached(address, compute) == "fresh" and calls == [1]
    assert content_cache.cached(address, compute) == "fresh" and calls == [1]   # rewritten whole


def test_a_value_marshal_cannot_write_is_returned_but_not_kept(cache_dir: Path) -> None:
    calls, compute = counting({"when": datetime.date(2024, 1, 2)})
    address = content_cache.key("test", "dates")
    assert content_cache.cached(address, compute) == {"when": datetime.date(2024, 1, 2)}
    assert content_cache.cached(address, compute) == {"when": datetime.date(2024, 1, 2)}
    assert len(calls) == 2


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(content_cache.ENV, str(blocker / "cache"))
    calls, compute = counting([3])
    address = content_cache.key("test", "unwritable")
    assert content_cache.cached(address, compute) == [3] and content_cache.cached(address, compute) == [3]
    assert len(calls) == 2


def test_an_exception_is_raised_and_nothing_is_kept() -> None:
    def broken() -> object:
        raise ValueError("no")

    address = content_cache.key("test", "raises")
    with pytest.raises(ValueError):
        content_cache.cached(address, broken)
    assert content_cache.is_miss(content_cache.get(address))


def test_default_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(content_cache.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert content_cache.directory() == tmp_path / "apitwin"


def test_an_edited_spec_is_read_anew(tmp_path: Path, cache_dir: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: One, version: '1'}\npaths: {}\n")
    assert load_spec(spec)["info"]["title"] == "One"
    assert load_spec(spec)["info"]["title"] == "One"
    assert any(cache_dir.rglob("*"))
    spec.write_text("openapi: 3.1.0\ninfo: {title: Two, version: '1'}\npaths: {}\n")
    assert load_spec(spec)["info"]["title"] == "Two"


def test_seed_yaml_with_dates_keeps_them_and_the_rest_is_cached(tmp_path: Path) -> None:
    assert read_yaml("when: 2024-01-02\n") == {"when": datetime.date(2024, 1, 2)}
    assert read_yaml("when: 2024-01-02\n") == {"when": datetime.date(2024, 1, 2)}
    assert read_yaml("rows: [{id: 1}]\n") == read_yaml("rows: [{id: 1}]\n") == {"rows": [{"id": 1}]}
    seed = tmp_path / "rows.yaml"
    seed.write_text("rows: [{id: 1}]\n")
    with seed.open(encoding="utf-8") as fh:
        assert read_yaml(fh) == {"rows": [{"id": 1}]}


DOC = """openapi: 3.0.3
info: {title: Things, version: '1'}
paths:
  /things:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'parts.yaml#/Thing'}
"""


def test_a_clean_document_is_checked_once_and_an_edit_anywhere_is_checked_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[int] = []
    real = rules.oas_schema

    def counted(spec):  # type: ignore[no-untyped-def]
        checks.append(1)
        return real(spec)
    monkeypatch.setattr(rules, "oas_schema", counted)
    (tmp_path / "doc.yaml").write_text(DOC)
    (tmp_path / "parts.yaml").write_text("Thing: {type: object, properties: {id: {type: integer, example: 1}}}\n")
    path = tmp_path / "doc.yaml"
    first = open_document(path)
    second = open_document(path)
    assert first.data == second.data and first.warnings == second.warnings and len(checks) == 1

    # an invalid edit of the $ref'd file: checked again, and refused
    (tmp_path / "parts.yaml").write_text("Thing: {type: object, properties: {id: {type: 12}}}\n")
    with pytest.raises(DocumentRefused):
        open_document(path)
    assert len(checks) == 2
    # an example warning that appears with an edit is reported, not the old clean verdict
    (tmp_path / "parts.yaml").write_text("Thing: {type: object, properties: {id: {type: integer, example: x}}}\n")
    assert open_document(path).warnings and len(checks) == 3
    assert open_document(path).warnings and len(checks) == 3


def test_a_refused_document_is_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("openapi: 3.0.3\ninfo: {title: Bad}\npaths: {}\n")          # no info.version
    for _ in range(2):
        with pytest.raises(DocumentRefused) as refused:
            open_document(path)
        assert "version" in str(refused.value)


def test_the_verdict_key_follows_the_code_that_judges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgraded validator (its files rewritten) is a new key: its verdict is not the old one's."""
    from apitwin.review.loader import Loader
    from apitwin.review.openapi import Spec

    library = tmp_path / "lib" / "judging_library"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("__version__ = '1.0'\n")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    monkeypatch.setattr(document, "_VERDICT_LIBRARIES", (*document._VERDICT_LIBRARIES, "judging_library"))
    (tmp_path / "doc.yaml").write_text(DOC)
    (tmp_path / "parts.yaml").write_text("Thing: {type: object}\n")
    loader = Loader(tmp_path)
    spec = Spec(loader.open("doc.yaml"), loader)
    list(rules.ref_resolves(spec))
    before = document._verdict_key(spec)
    assert document._verdict_key(spec) == before
    (library / "__init__.py").write_text("__version__ = '1.1'\n")
    stamp = os.stat(library / "__init__.py").st_mtime + 5
    os.utime(library / "__init__.py", (stamp, stamp))
    assert document._verdict_key(spec) != before
    assert "openapi_spec_validator" in document._VERDICT_LIBRARIES and "apitwin.review.rules" in document._VERDICT_MODULES


def _entries(cache_dir: Path) -> set[str]:
    return {path.name for path in cache_dir.glob("??/*") if not path.name.startswith(".tmp-")}


def test_the_directory_is_bounded_and_keeps_what_was_read_last(cache_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(content_cache.LIMIT_ENV, str(10_000 / (1024 * 1024)))      # 10,000 bytes
    addresses = [content_cache.key("test", str(n)) for n in range(5)]
    for age, address in enumerate(addresses[:4]):
        content_cache.put(address, "x" * 2_000)
        stamp = 1_000_000 + age                                         # written in this order, oldest first
        os.utime(cache_dir / address[:2] / address, (stamp, stamp))
    assert _entries(cache_dir) == set(addresses[:4])                    # 8,000 bytes and more: under the bound
    assert content_cache.get(addresses[0]) == "x" * 2_000               # read: now the most recently used
    content_cache.put(addresses[4], "x" * 2_000)                        # over 10,000: trimmed to under 8,000
    kept = _entries(cache_dir)
    assert addresses[0] in kept and addresses[4] in kept, "the entry just read and the one just written stay"
    assert addresses[1] not in kept and addresses[2] not in kept, "the least recently used go first"
    assert sum((cache_dir / a[:2] / a).stat().st_size for a in kept) <= 8_000


@pytest.mark.parametrize("setting", ["lots", "0", "-5"])
def test_a_bound_that_is_not_a_positive_number_means_the_default(setting: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(content_cache.LIMIT_ENV, setting)
    assert content_cache.limit_bytes() == content_cache.DEFAULT_LIMIT_MB * 1024 * 1024
