"""HS256 JSON Web Tokens: issue with a lifetime, verify strictly (signature, algorithm, expiry, claims).

Only HS256 is accepted on the way in, so `alg: none` and algorithm-confusion tokens fail like forged ones. A verified
token's claims are kept (`VerifiedTokens`, bounded, until `exp`): PyJWT decoding was about a quarter of a request.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

import jwt

ALGORITHM = "HS256"


class TokenError(Exception):
    """Why a token was refused, in words fit for a 401 body."""


def issue(claims: dict[str, Any], secret: str, ttl_seconds: int, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    payload = {**claims, "exp": issued + ttl_seconds, "orig_iat": issued}
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


class VerifiedTokens:
    """Tokens already verified → their claims, so a client sending the same token on every request pays for the
    signature check once. Bounded (least recently used leave first); an entry answers only while `exp` is ahead
    of the clock, to the second as PyJWT decides (`exp <= now` is expired), and then the full check runs again
    and says why. `forget` drops one token (a logout), `clear` all (an API's reset)."""

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, str, tuple[str, ...]], tuple[dict[str, Any], float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, secret: str, required: tuple[str, ...]) -> dict[str, Any] | None:
        key = (token, secret, required)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            claims, expires = entry
            if expires <= datetime.now(tz=timezone.utc).timestamp():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
        return dict(claims)

    def put(self, token: str, secret: str, required: tuple[str, ...], claims: dict[str, Any]) -> None:
        try:
            expires = float(int(claims["exp"])) if "exp" in claims else float("inf")
        except (TypeError, ValueError, OverflowError):
            return
        with self._lock:
            self._entries[(token, secret, required)] = (dict(claims), expires)
            self._entries.move_to_end((token, secret, required))
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def forget(self, token: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == token]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


VERIFIED = VerifiedTokens()


def forget(token: str) -> None:
    """A token logged out: verified in full again next time (and refused, if its API revoked it)."""
    VERIFIED.forget(token)


def verify(token: str, secret: str, required: tuple[str, ...] = ("exp",)) -> dict[str, Any]:
    cached = VERIFIED.get(token, secret, required)
    if cached is not None:
        return cached
    claims = _decode(token, secret, required)
    VERIFIED.put(token, secret, required, claims)
    return claims


def _decode(token: str, secret: str, required: tuple[str, ...]) -> dict[str, Any]:
    try:  # algorithms=[HS256] alone rejects `alg: none`, HS512 and RS/HS confusion tokens
        return jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": list(required)})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("Signature has expired.") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenError("Invalid payload.") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("Error decoding signature.") from exc
