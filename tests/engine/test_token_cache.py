"""apitwin.tokens.VerifiedTokens: a token is decoded once, answered from the cache until its `exp` (to the second,
as PyJWT decides), bounded, forgotten on logout and cleared by an API's reset; another secret never hits."""
from __future__ import annotations

import datetime as real_datetime
from typing import Any, Iterator

import jwt
import jwt.api_jwt
import pytest

from apitwin import tokens
from apitwin.settings import Settings
from apitwin.tokens import TokenError, VerifiedTokens, issue, verify
from tests.engine.helpers import fake_app

SECRET = "apitwin-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
OTHER = "another-secret-entirely-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
NOW = 1_900_000_000


def _clock(at: float) -> type:
    class Clock(real_datetime.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return real_datetime.datetime.fromtimestamp(at, tz=tz)
    return Clock


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the clock both the cache and PyJWT read."""
    def set_time(moment: float) -> None:
        monkeypatch.setattr(tokens, "datetime", _clock(moment))
        monkeypatch.setattr(jwt.api_jwt, "datetime", _clock(moment))
    return set_time


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    tokens.VERIFIED.clear()
    yield
    tokens.VERIFIED.clear()


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return calls


def test_a_token_is_decoded_once(at: Any, decodes: list[str]) -> None:
    at(NOW)
    token = issue({"user_id": 7}, SECRET, 300, now=NOW)
    first = verify(token, SECRET)
    first["user_id"] = 999                           # a caller changing its copy changes nothing cached
    assert verify(token, SECRET)["user_id"] == 7
    assert decodes == [token]


def test_exp_is_honoured_to_the_second(at: Any, decodes: list[str]) -> None:
    token = issue({"user_id": 7}, SECRET, 300, now=NOW)
    at(NOW)
    verify(token, SECRET)
    at(NOW + 299.999)
    assert verify(token, SECRET)["user_id"] == 7 and len(decodes) == 1
    at(NOW + 300)                                    # exp <= now: expired, as PyJWT says
    with pytest.raises(TokenError, match="expired"):
        verify(token, SECRET)
    assert len(tokens.VERIFIED) == 0


def test_another_secret_never_hits(at: Any) -> None:
    at(NOW)
    token = issue({"user_id": 7}, SECRET, 300, now=NOW)
    verify(token, SECRET)
    with pytest.raises(TokenError):
        verify(token, OTHER)


def test_required_claims_are_part_of_the_key(at: Any) -> None:
    at(NOW)
    token = issue({"user_id": 7}, SECRET, 300, now=NOW)
    verify(token, SECRET)
    with pytest.raises(TokenError, match="Invalid payload"):
        verify(token, SECRET, required=("exp", "username"))


def test_the_cache_is_bounded() -> None:
    cache = VerifiedTokens(maxsize=3)
    for n in range(5):
        cache.put(f"t{n}", SECRET, ("exp",), {"exp": NOW * 2, "n": n})
    assert len(cache) == 3
    assert cache.get("t0", SECRET, ("exp",)) is None and cache.get("t4", SECRET, ("exp",)) == {"exp": NOW * 2, "n": 4}


def test_forget_decodes_again(at: Any, decodes: list[str]) -> None:
    at(NOW)
    token = issue({"user_id": 7}, SECRET, 300, now=NOW)
    verify(token, SECRET)
    tokens.forget(token)
    verify(token, SECRET)
    assert decodes == [token, token]


def test_an_api_reset_clears_the_cache(at: Any) -> None:
    at(NOW)
    verify(issue({"user_id": 7}, SECRET, 300, now=NOW), SECRET)
    assert len(tokens.VERIFIED) == 1
    app = fake_app(Settings())
    app.apitwin.runtimes["fakeapi"].reset()
    assert len(tokens.VERIFIED) == 0


def test_a_bad_exp_is_not_cached() -> None:
    cache = VerifiedTokens()
    cache.put("t", SECRET, ("exp",), {"exp": "soon"})
    assert len(cache) == 0
