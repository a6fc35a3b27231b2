"""Server-wide settings, from the CLI, the environment or tests; every API reads the parts it needs."""
from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from apitwin.addresses import is_loopback


@dataclass
class Settings:
    seed: int = 0                           # drives Prefer: dynamic=true and any generated ids/barcodes
    max_body_bytes: int = 1_000_000         # larger request bodies answer 413
    max_admin_body_bytes: int = 256_000_000 # the admin API's limit (state imports are whole exports)
    max_target_bytes: int = 32_768          # longer request targets (path + query) answer 414
    max_header_bytes: int = 65_536          # larger header sections answer 431
    token_ttl: int | None = None            # seconds; None = the API's documented default
    jwt_secret: str | None = None           # signs the APIs' JWTs; None = random per app (see with_secrets)
    validate_responses: bool = True         # the mock must never drift from its own contract
    data_dirs: dict[str, Path] = field(default_factory=dict)  # per-API override of mockdata/<api>
    max_delay_ms: int = 30_000              # upper bound for Prefer: delay=
    shutdown_timeout: float = 5.0           # seconds in-flight requests get after SIGTERM (then cancelled)
    clock_interval: float = 0.0             # seconds between simulated-clock ticks; 0 = stopped
    webhook_timeout: float = 5.0            # seconds per delivery attempt
    webhook_max_attempts: int = 6           # then dead-lettered
    webhook_backoff_base: float = 1.0       # seconds before the 2nd attempt, doubling, with jitter
    webhook_backoff_max: float = 60.0
    max_events: int = 10_000                # event log cap (oldest dropped); 0 = unbounded
    max_deliveries: int = 10_000            # delivery log cap (settled ones dropped; dead letters kept until acked)
    webhook_allow: list[str] | None = None  # internal webhook targets allowed (CIDRs, hosts); None = by bind address
    host: str | None = None                 # address the server binds (None: in-process, e.g. tests) — see admin_guard
    admin_token: str | None = None          # the admin API's token; None = generated per app (see with_secrets)
    admin_open: bool = False                # never require the admin token (--admin-open; warned about)
    admin_required: bool | None = None      # computed by with_secrets: token required on admin requests
    journal_size: int = 1000                # requests the journal keeps (oldest dropped); 0 = none kept
    journal_body_bytes: int = 8192          # request/response body bytes the journal keeps per exchange
    state_path: Path | None = None          # --state: every write kept in this SQLite file (apitwin/storage_sqlite.py)
    store_url: str | None = None            # --store redis://…: state shared by workers/replicas (storage_redis.py)

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
        if "APITWIN_CLOCK_INTERVAL" in env:
            values["clock_interval"] = float(env["APITWIN_CLOCK_INTERVAL"])
        if "APITWIN_JWT_SECRET" in env:
            values["jwt_secret"] = env["APITWIN_JWT_SECRET"]
        if "APITWIN_WEBHOOK_ALLOW" in env:
            values["webhook_allow"] = [env["APITWIN_WEBHOOK_ALLOW"]]
        if env.get("APITWIN_ADMIN_TOKEN"):
            values["admin_token"] = env["APITWIN_ADMIN_TOKEN"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_secrets(self) -> "Settings":
        """These settings with every unset secret generated (never a constant in the source, so no one can mint
        tokens for a mock they did not start) and `admin_required` decided: the admin token is required when a
        token was set explicitly or the server binds a non-loopback address, unless `admin_open`. Called once per
        app; set `jwt_secret` to keep tokens valid across restarts."""
        if self.jwt_secret is not None and self.admin_token is not None and self.admin_required is not None:
            return self
        required = self.admin_required
        if required is None:
            bound_outside = self.host is not None and not is_loopback(self.host)
            required = not self.admin_open and (self.admin_token is not None or bound_outside)
        return dataclasses.replace(self, jwt_secret=self.jwt_secret or secrets.token_urlsafe(32),
                                   admin_token=self.admin_token or secrets.token_urlsafe(24),
                                   admin_required=required)
