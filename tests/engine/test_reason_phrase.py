"""Per-API reason phrases (apitwin.reason_phrase): MOLGENIS answers with Tomcat's empty phrase where the server
can write it (`ReasonPhraseH11Protocol`), Partners keeps the standard phrase, and servers without the extension never
see (or leak) the marker header."""
from __future__ import annotations

import http.client
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.reason_phrase import EXTENSION, MARKER, ReasonPhraseH11Protocol, mark, supported
from tests.receiver import Receiver


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(["molgenis", "partners"])


def _status(port: int, path: str) -> tuple[int, str, list[tuple[str, str]]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.reason, response.getheaders()
    finally:
        connection.close()


@pytest.fixture(params=[ReasonPhraseH11Protocol, "h11", "httptools"], ids=["phrase-h11", "h11", "httptools"])
def served(request: pytest.FixtureRequest, app: Any) -> Iterator[tuple[Any, int]]:
    server = Receiver(app=app, http=request.param).start()
    try:
        yield request.param, server.port
    finally:
        server.stop()


@pytest.mark.parametrize("path, status", [
    ("/molgenis/api/v1/sys_NoSuchType", 404),            # a MOLGENIS error body (D01)
    ("/molgenis/api/v2/sys_sec_User", 401),               # anonymous: DS04
    ("/molgenis/no/such/route", 404),                     # routing error (problem+json)
])
def test_molgenis_reason_phrase(served: tuple[Any, int], path: str, status: int) -> None:
    protocol, port = served
    got, reason, headers = _status(port, path)
    assert got == status
    assert reason == ("" if protocol is ReasonPhraseH11Protocol else http.client.responses[status])
    assert not [name for name, _ in headers if name.lower().encode() == MARKER]


def test_partners_keeps_the_standard_phrase(served: tuple[Any, int]) -> None:
    _, port = served
    status, reason, headers = _status(port, "/partners/api/v1/customers/")
    assert status == 401
    assert reason == "Unauthorized"
    assert not [name for name, _ in headers if name.lower().encode() == MARKER]


def test_extension_announcement_and_marker() -> None:
    assert supported({"extensions": {EXTENSION: {}}})
    assert not supported({"extensions": {}}) and not supported({})
    assert mark([(b"a", b"1")], "") == [(b"a", b"1"), (MARKER, b"")]


def test_serve_uses_the_phrase_protocol_only_for_apis_that_have_one(app: Any) -> None:
    """`apitwin serve`: MOLGENIS (alone or with Partners) makes "auto" pick uvicorn with the h11 protocol that writes
    its phrase; Partners alone gets granian; an explicit --server is kept (granian then sends standard phrases)."""
    from apitwin import serving
    from apitwin.cli import server_options
    from apitwin.settings import Settings

    with_phrase = server_options(app, "info", Settings())
    assert with_phrase.own_reason_phrases and serving.chosen("auto", with_phrase) == "uvicorn"
    assert serving.uvicorn_options(with_phrase)["http"] is ReasonPhraseH11Protocol
    assert serving.chosen("granian", with_phrase) == "granian"
    standard = server_options(create_app(["partners"]), "info", Settings())
    assert not standard.own_reason_phrases and serving.chosen("auto", standard) == "granian"
    assert "http" not in serving.uvicorn_options(standard)
    with pytest.raises(ValueError, match="choose one of auto, granian, uvicorn"):
        serving.chosen("hypercorn", standard)
