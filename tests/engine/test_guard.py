"""apitwin.server.guard.problem: every check of an answer against its documented response, with what depends only
on (operation, status, media type) kept in the plan (`OperationPlan.response_check`) — asked twice, same verdict."""
from __future__ import annotations

import pytest

from apitwin.server.guard import problem
from apitwin.server.plans import compile_plan

OPERATION = {
    "responses": {
        "200": {"description": "ok", "headers": {"X-Rate": {"required": True, "schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"type": "object", "required": ["id"],
                                                            "properties": {"id": {"type": "integer"}}}},
                            "text/plain": {}}},
        "204": {"description": "none"},
        "4XX": {"description": "client", "x-apitwin-empty-body": True,
                "content": {"application/json": {"schema": {"type": "object", "required": ["detail"]}}}},
    }
}
JSON = [(b"content-type", b"application/json; charset=utf-8"), (b"x-rate", b"1")]


@pytest.mark.parametrize("status, headers, body, expected", [
    (200, JSON, b'{"id": 1}', None),
    (200, JSON, b'{"id": 12345678901234567890123}', None),                 # read exactly, not as a float
    (200, JSON[:1], b'{"id": 1}', "required header X-Rate missing"),
    (200, [(b"x-rate", b"1")], b'{"id": 1}', "content type (none) is not documented"),
    (200, [(b"content-type", b"application/xml"), (b"x-rate", b"1")], b"<a/>",
     "content type application/xml is not documented (documented: application/json, text/plain)"),
    (200, [(b"content-type", b"text/plain"), (b"x-rate", b"1")], b"anything", None),   # no schema: not parsed
    (200, JSON, b'{"id": "1"}', "at id: "),
    (200, JSON, b"{", "body is not valid JSON"),
    (204, [], b"", None),
    (404, [], b"", None),                                                  # x-apitwin-empty-body
    (404, JSON, b"{}", "at (root): "),
    (500, JSON, b"{}", "status 500 is not documented"),
    # the media type of a Content-Type value is remembered per value: spellings and parameters each read right
    (200, [(b"Content-Type", b" application/json ;q=1"), (b"x-rate", b"1")], b'{"id": 1}', None),
    (200, [(b"content-type", b"application/json"), (b"x-rate", b"1")], b'{"id": "x"}', "at id: "),
    (200, [(b"content-type", b"; charset=utf-8"), (b"x-rate", b"1")], b'{"id": 1}',
     "content type (none) is not documented"),
    (200, [(b"content-type", b"Application/JSON"), (b"x-rate", b"1")], b'{"id": 1}',
     "content type Application/JSON is not documented"),
])
def test_problem(status: int, headers: list[tuple[bytes, bytes]], body: bytes, expected: str | None) -> None:
    plan = compile_plan("op", OPERATION, None)
    for _ in range(2):   # the second time from what the plan kept
        found = problem(plan, status, headers, body)
        if expected is None:
            assert found is None
        else:
            assert found is not None and found.startswith(expected), found


def test_checks_kept_per_status() -> None:
    plan = compile_plan("op", OPERATION, None)
    assert plan.response_check(200) is plan.response_check(200)
    assert plan.response_check(404) is plan.response_check(404) and plan.response_check(404).key == "4XX"
    assert plan.response_check(500) is None


@pytest.mark.parametrize("document", [
    b"", b"1" * 18, b"1" * 19, b'{"a": 123456789012345678}', b'{"a": 1234567890123456789}', b"x" * 40 + b"9" * 19,
    b"12345678901234567890.5", b"1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9", b"\xff" + b"0" * 19 + b"\xff",
    "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩".encode(), b"-" + b"5" * 25,
])
def test_long_number_answers_as_the_regex_does(document: bytes) -> None:
    import re

    from apitwin.server.jsonio import long_number
    assert long_number(document) == (re.search(rb"\d{19}", document) is not None)
    text = document.decode("utf-8", "replace")
    assert long_number(text) == (re.search(r"\d{19}", text) is not None)


def test_a_passing_body_is_checked_once_per_validator() -> None:
    """The verdict cache: the same bytes under the same compiled validator are not parsed again; other bytes, another
    validator, a failing body and a body over the size bound always are."""
    from apitwin.server import guard

    plan = compile_plan("op", OPERATION, None)
    validator = plan.response_validator("200", "application/json")
    verdicts = guard.Verdicts(entries=2, max_body=32)
    assert not verdicts.passed(validator, b'{"id": 1}')
    verdicts.add(validator, b'{"id": 1}')
    assert verdicts.passed(validator, b'{"id": 1}') and not verdicts.passed(validator, b'{"id": 2}')
    assert not verdicts.passed(compile_plan("op", OPERATION, None).response_validator("200", "application/json"),
                               b'{"id": 1}')
    verdicts.add(validator, b'{"id": 2}')
    verdicts.passed(validator, b'{"id": 1}')          # used: the oldest is now {"id": 2}
    verdicts.add(validator, b'{"id": 3}')
    assert len(verdicts) == 2 and verdicts.passed(validator, b'{"id": 1}') and not verdicts.passed(validator, b'{"id": 2}')
    verdicts.add(validator, b"x" * 33)
    assert not verdicts.passed(validator, b"x" * 33) and len(verdicts) == 2


def test_the_guard_keeps_passes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from apitwin.server import guard

    monkeypatch.setattr(guard, "VERDICTS", guard.Verdicts())
    plan = compile_plan("op", OPERATION, None)
    for _ in range(2):
        assert problem(plan, 200, JSON, b'{"id": "1"}').startswith("at id: ")
        assert problem(plan, 200, JSON, b"{").startswith("body is not valid JSON")
    assert len(guard.VERDICTS) == 0
    assert problem(plan, 200, JSON, b'{"id": 1}') is None and len(guard.VERDICTS) == 1
    assert problem(plan, 200, JSON[:1], b'{"id": 1}') == "required header X-Rate missing"   # headers: every time
    monkeypatch.setattr(guard.jsonio, "loads", lambda body: (_ for _ in ()).throw(AssertionError("parsed again")))
    assert problem(plan, 200, JSON, b'{"id": 1}') is None


@pytest.mark.parametrize("chunks", [[b'{"id": 1}'], [b'{"id"', b": 1}"], [b"", b'{"id": 1}', b""]])
def test_guarded_lets_a_conforming_answer_out_whole(chunks: list[bytes]) -> None:
    import asyncio

    from apitwin.server.guard import guarded

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def run() -> None:
        channel = guarded(send, {"method": "GET", "path": "/x"}, compile_plan("op", OPERATION, None), None)
        start = {"type": "http.response.start", "status": 200, "headers": JSON}
        await channel(start)
        assert sent == []                                   # held until the body is complete
        for number, chunk in enumerate(chunks):
            await channel({"type": "http.response.body", "body": chunk, "more_body": number < len(chunks) - 1})
        assert sent == [start, {"type": "http.response.body", "body": b'{"id": 1}'}]

    asyncio.run(run())


@pytest.mark.parametrize("status, headers, body", [
    (200, JSON, b'{"id": 1}'), (200, JSON, b'{"id": "1"}'), (200, JSON[:1], b'{"id": 1}'), (204, [], b""),
    (500, JSON, b"{}"), (200, JSON, b"{"),
])
def test_a_whole_answer_goes_out_as_its_two_messages_would(status: int, headers: list[tuple[bytes, bytes]],
                                                           body: bytes) -> None:
    """`whole` (the endpoint's answers) sends exactly what the channel sends for the same two messages: the answer,
    or the same 500."""
    import asyncio

    from apitwin.server.guard import guarded

    async def run(use_whole: bool) -> list[dict]:
        sent: list[dict] = []

        async def send(message: dict) -> None:
            sent.append(message)

        channel = guarded(send, {"method": "GET", "path": "/x", "type": "http"}, compile_plan("op", OPERATION, None),
                          None)
        if use_whole:
            await channel.whole(status, list(headers), body)
        else:
            await channel({"type": "http.response.start", "status": status, "headers": list(headers)})
            await channel({"type": "http.response.body", "body": body})
        return sent

    through_channel, through_whole = asyncio.run(run(False)), asyncio.run(run(True))
    assert through_whole == through_channel and through_channel
