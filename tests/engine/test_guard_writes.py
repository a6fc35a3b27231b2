"""The response guard's verdict cache holds answers to reads only (`guard.remembered`): an answer to a write is
checked in full every time — the same verdict, the same bytes out, the same 500 for a nonconforming one — and
neither looks the cache up nor fills it, so a stream of creates cannot push the reads' verdicts out."""
from __future__ import annotations

import asyncio

import pytest

from apitwin.server import guard
from apitwin.server.guard import guarded, problem
from apitwin.server.plans import compile_plan
from tests.engine.test_guard import JSON, OPERATION


@pytest.mark.parametrize("body", [b'{"id": 1}', b'{"id": "1"}', b"{", b"[]"])
def test_a_write_gets_the_verdict_a_read_gets(monkeypatch: pytest.MonkeyPatch, body: bytes) -> None:
    monkeypatch.setattr(guard, "VERDICTS", guard.Verdicts())
    plan = compile_plan("op", OPERATION, None)
    for _ in range(2):                                       # the second read may come from the cache
        assert problem(plan, 200, JSON, body, remember=False) == problem(plan, 200, JSON, body)


def test_a_write_neither_reads_nor_fills_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "VERDICTS", guard.Verdicts())
    plan = compile_plan("op", OPERATION, None)
    assert problem(plan, 200, JSON, b'{"id": 1}', remember=False) is None
    assert len(guard.VERDICTS) == 0
    assert problem(plan, 200, JSON, b'{"id": 1}') is None and len(guard.VERDICTS) == 1   # a read fills it
    parsed: list[bytes] = []
    real_loads = guard.jsonio.loads
    monkeypatch.setattr(guard.jsonio, "loads", lambda body: parsed.append(body) or real_loads(body))
    assert problem(plan, 200, JSON, b'{"id": 1}', remember=False) is None
    assert parsed == [b'{"id": 1}'], "a write's answer was taken from the cache instead of checked"


@pytest.mark.parametrize("method, kept", [("GET", True), ("HEAD", True), ("POST", False), ("PUT", False),
                                          ("PATCH", False), ("DELETE", False)])
def test_guarded_remembers_reads_only(monkeypatch: pytest.MonkeyPatch, method: str, kept: bool) -> None:
    monkeypatch.setattr(guard, "VERDICTS", guard.Verdicts())
    assert guard.remembered(method) is kept

    async def run(use_whole: bool) -> list[dict]:
        sent: list[dict] = []

        async def send(message: dict) -> None:
            sent.append(message)

        channel = guarded(send, {"method": method, "path": "/x", "type": "http"}, compile_plan("op", OPERATION, None),
                          None)
        if use_whole:
            await channel.whole(200, list(JSON), b'{"id": 1}')
        else:
            await channel({"type": "http.response.start", "status": 200, "headers": list(JSON)})
            await channel({"type": "http.response.body", "body": b'{"id": 1}'})
        return sent

    for use_whole in (False, True):
        guard.VERDICTS.clear()
        assert asyncio.run(run(use_whole))[1] == {"type": "http.response.body", "body": b'{"id": 1}'}
        assert len(guard.VERDICTS) == (1 if kept else 0)


def test_a_nonconforming_write_is_still_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "VERDICTS", guard.Verdicts())

    async def run() -> list[dict]:
        sent: list[dict] = []

        async def send(message: dict) -> None:
            sent.append(message)

        channel = guarded(send, {"method": "POST", "path": "/x", "type": "http"},
                          compile_plan("op", OPERATION, None), None)
        await channel.whole(200, list(JSON), b'{"id": "1"}')
        return sent

    sent = asyncio.run(run())
    assert sent[0]["status"] == 500 and len(guard.VERDICTS) == 0


def test_each_guarded_channel_holds_its_own_answer() -> None:
    """`Guarded` (one object per request): two channels interleaved keep their own start and chunks; a message
    that is neither start nor body goes straight through."""
    plan = compile_plan("op", OPERATION, None)

    async def run() -> tuple[list[dict], list[dict]]:
        first_sent: list[dict] = []
        second_sent: list[dict] = []

        async def first_send(message: dict) -> None:
            first_sent.append(message)

        async def second_send(message: dict) -> None:
            second_sent.append(message)

        first = guarded(first_send, {"method": "GET", "path": "/a", "type": "http"}, plan, None)
        second = guarded(second_send, {"method": "GET", "path": "/b", "type": "http"}, plan, None)
        await first({"type": "http.response.start", "status": 200, "headers": list(JSON)})
        await second({"type": "http.response.start", "status": 200, "headers": list(JSON)})
        await first({"type": "http.response.body", "body": b'{"id"', "more_body": True})
        await second({"type": "http.response.body", "body": b'{"id": 2', "more_body": True})
        await first({"type": "http.response.trailers", "headers": []})
        await first({"type": "http.response.body", "body": b": 1}"})
        await second({"type": "http.response.body", "body": b"}"})
        return first_sent, second_sent

    first_sent, second_sent = asyncio.run(run())
    assert first_sent[0] == {"type": "http.response.trailers", "headers": []}
    assert first_sent[2] == {"type": "http.response.body", "body": b'{"id": 1}'}
    assert second_sent[1] == {"type": "http.response.body", "body": b'{"id": 2}'}
