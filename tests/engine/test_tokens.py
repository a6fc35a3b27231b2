"""apitwin.tokens: HS256 issue/verify; everything else (expired, forged, other algorithms) is a TokenError."""
from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from apitwin.tokens import TokenError, issue, verify

SECRET = "apitwin-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # 64+ bytes: no key-length warnings
OTHER = "another-secret-entirely-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(segment: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_issue_verify_round_trip() -> None:
    issued_at = int(time.time())
    token = issue({"user_id": 7, "username": "demo"}, SECRET, 300, now=issued_at)
    claims = verify(token, SECRET)
    assert claims == {"user_id": 7, "username": "demo", "exp": issued_at + 300, "orig_iat": issued_at}
    assert unb64(token.split(".")[0])["alg"] == "HS256"


def test_issue_uses_the_current_time_by_default() -> None:
    before = int(time.time())
    claims = verify(issue({}, SECRET, 60), SECRET)
    after = int(time.time())
    assert before <= claims["orig_iat"] <= after
    assert claims["exp"] == claims["orig_iat"] + 60


def test_required_claims_present() -> None:
    token = issue({"user_id": 7}, SECRET, 300)
    assert verify(token, SECRET, required=("exp", "user_id"))["user_id"] == 7


def test_expired_token() -> None:
    token = issue({"user_id": 7}, SECRET, 60, now=time.time() - 3600)
    with pytest.raises(TokenError) as info:
        verify(token, SECRET)
    assert str(info.value) == "Signature has expired."


def test_wrong_secret() -> None:
    token = issue({"user_id": 7}, OTHER, 300)
    with pytest.raises(TokenError) as info:
        verify(token, SECRET)
    assert str(info.value) == "Error decoding signature."


def test_alg_none_is_refused() -> None:
    payload = {"user_id": 7, "exp": int(time.time()) + 300, "orig_iat": int(time.time())}
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."
    with pytest.raises(TokenError):
        verify(token, SECRET)
    with pytest.raises(TokenError):
        verify(token, "")


def test_hs512_with_the_right_secret_is_refused() -> None:
    payload = {"user_id": 7, "exp": int(time.time()) + 300}
    token = jwt.encode(payload, SECRET, algorithm="HS512")
    assert jwt.decode(token, SECRET, algorithms=["HS512"])["user_id"] == 7  # a genuinely valid HS512 token
    with pytest.raises(TokenError):
        verify(token, SECRET)


def test_tampered_payload() -> None:
    token = issue({"user_id": 7, "is_staff": False}, SECRET, 300)
    header, payload, signature = token.split(".")
    claims = unb64(payload)
    claims["user_id"] = 8
    claims["is_staff"] = True
    with pytest.raises(TokenError) as info:
        verify(f"{header}.{b64(claims)}.{signature}", SECRET)
    assert str(info.value) == "Error decoding signature."


def test_tampered_signature() -> None:
    token = issue({"user_id": 7}, SECRET, 300)
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(TokenError):
        verify(f"{header}.{payload}.{flipped}", SECRET)


def test_missing_required_claim() -> None:
    token = issue({"username": "demo"}, SECRET, 300)
    with pytest.raises(TokenError) as info:
        verify(token, SECRET, required=("exp", "user_id"))
    assert str(info.value) == "Invalid payload."


def test_missing_exp_is_refused_by_default() -> None:
    token = jwt.encode({"user_id": 7}, SECRET, algorithm="HS256")   # correctly signed, but never expires
    with pytest.raises(TokenError) as info:
        verify(token, SECRET)
    assert str(info.value) == "Invalid payload."


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9.not-base64!.x"])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(TokenError):
        verify(token, SECRET)
