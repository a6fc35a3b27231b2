"""HS256 JSON Web Tokens: issue with a lifetime, verify strictly (signature, algorithm, expiry, claims).

Only HS256 is accepted on the way in, so `alg: none` and algorithm-confusion tokens fail like forged ones.
"""
from __future__ import annotations

import time
from typing import Any

import jwt

ALGORITHM = "HS256"


class TokenError(Exception):
    """Why a token was refused, in words fit for a 401 body."""


def issue(claims: dict[str, Any], secret: str, ttl_seconds: int, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    payload = {**claims, "exp": issued + ttl_seconds, "orig_iat": issued}
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def verify(token: str, secret: str, required: tuple[str, ...] = ("exp",)) -> dict[str, Any]:
    try:  # algorithms=[HS256] alone rejects `alg: none`, HS512 and RS/HS confusion tokens
        return jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": list(required)})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("Signature has expired.") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenError("Invalid payload.") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("Error decoding signature.") from exc
