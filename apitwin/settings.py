"""Server-wide settings, from the CLI, the environment or tests; every API reads the parts it needs."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings:
    seed: int = 0                           # drives Prefer: dynamic=true and any generated ids/barcodes
    max_body_bytes: int = 1_000_000         # larger request bodies answer 413
    token_ttl: int | None = None            # seconds; None = the API's documented default
    jwt_secret: str = "apitwin-mock-secret-change-me-0123456789abcdef"  # >= 32 bytes (PyJWT warns below)
    validate_responses: bool = True         # the mock must never drift from its own contract
    data_dirs: dict[str, Path] = field(default_factory=dict)  # per-API override of mockdata/<api>
    max_delay_ms: int = 30_000              # upper bound for Prefer: delay=

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        values: dict[str, object] = {}
        if "APITWIN_SEED" in env:
            values["seed"] = int(env["APITWIN_SEED"])
        if "APITWIN_MAX_BODY_BYTES" in env:
            values["max_body_bytes"] = int(env["APITWIN_MAX_BODY_BYTES"])
        if "APITWIN_TOKEN_TTL" in env:
            values["token_ttl"] = int(env["APITWIN_TOKEN_TTL"])
        if "APITWIN_JWT_SECRET" in env:
            values["jwt_secret"] = env["APITWIN_JWT_SECRET"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
