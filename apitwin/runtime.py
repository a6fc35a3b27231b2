"""Which API a request belongs to, and that API's live state (store, settings), for handlers and error shaping.

The app sets the current `ApiRuntime` per request from the path (longest mount prefix wins); handlers call
`current()` instead of reaching for globals, so several apps (e.g. in tests) never share a store.
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from typing import Any, Iterator

from apitwin import tokens
from apitwin.plugin import ApiPlugin
from apitwin.settings import Settings
from apitwin.store import Store


@dataclass
class ApiRuntime:
    """One mounted API: its plugin, its store, its settings and where it is mounted."""

    plugin: ApiPlugin
    settings: Settings
    prefix: str = ""
    store: Store = field(default_factory=Store)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.plugin.name

    webhooks: Any = None   # apitwin.webhooks.WebhookDispatcher when the API has events
    clock: Any = None      # apitwin.clock.Clock

    def reset(self) -> None:
        self.store.reset()
        tokens.VERIFIED.clear()   # verified again in full (a cache only; claims depend on the token alone)
        if self.webhooks is not None:
            self.webhooks.state_replaced()


ADMIN_PREFIX = "/__apitwin"


class Registry:
    """All APIs mounted in one app, found by path prefix."""

    def __init__(self, runtimes: list[ApiRuntime]) -> None:
        self.runtimes = {rt.name: rt for rt in runtimes}
        self._by_prefix = sorted(runtimes, key=lambda rt: len(rt.prefix), reverse=True)
        self.allow_index: Any = None
        self.journal: Any = None   # apitwin.journal.Journal (set by apitwin.journal_recorder.install)

    def for_path(self, path: str) -> ApiRuntime | None:
        if path.startswith(ADMIN_PREFIX):
            return None
        for rt in self._by_prefix:
            if not rt.prefix or path == rt.prefix or path.startswith(rt.prefix + "/"):
                return rt
        return None

    def by_first_segment(self) -> tuple[dict[str, ApiRuntime], ApiRuntime | None] | None:
        """(first path segment → the API `for_path` gives every path starting `/<segment>`, the API of a path
        whose first segment is none of those), when every mount prefix is one segment or empty — then a path's
        API depends on its first segment only (paths of the admin API aside, see ADMIN_PREFIX); None otherwise."""
        by_segment: dict[str, ApiRuntime] = {}
        for rt in self._by_prefix:
            if rt.prefix:
                segment = rt.prefix[1:]
                if not rt.prefix.startswith("/") or not segment or "/" in segment:
                    return None
                by_segment.setdefault(segment, rt)     # the first in `for_path`'s order wins, as there
        return by_segment, next((rt for rt in self._by_prefix if not rt.prefix), None)


# The request's (API runtime, registry, ASGI scope, journal exchange), in one context variable: one `set` and one
# `reset` per request (`apitwin.server.front.Front`), where four variables cost four of each. The exchange is
# apitwin.journal's (its `note_error` / `note_prefer` write into it); it is kept here so binding it costs nothing more.
Request = tuple[Any, Any, Any, Any]
_NOTHING: Request = (None, None, None, None)
_request: contextvars.ContextVar[Request] = contextvars.ContextVar("apitwin_request", default=_NOTHING)


def current() -> ApiRuntime:
    """The runtime of the API serving this request."""
    rt = _request.get()[0]
    if rt is None:
        raise RuntimeError("no apitwin API is active for this request")
    return rt


def current_or_none() -> ApiRuntime | None:
    return _request.get()[0]


def scope_or_none() -> dict | None:
    """The ASGI scope of the request being served (its Connexion routing extension names the operation), for
    error bodies that depend on the operation's documented responses."""
    return _request.get()[2]


def registry_or_none() -> Registry | None:
    return _request.get()[1]


def registry() -> Registry:
    reg = _request.get()[1]
    if reg is None:
        raise RuntimeError("no apitwin app is active for this request")
    return reg


def exchange_or_none() -> Any:
    """The journal's exchange of the request being served (apitwin.journal.Exchange), None when not journaled."""
    return _request.get()[3]


@contextlib.contextmanager
def bound(rt: ApiRuntime | None, reg: Registry, scope: dict | None = None) -> Iterator[None]:
    """The request's API and app, for `current()` and `registry()`, and its ASGI scope for `scope_or_none()`
    (`bind` and `unbind` as a context manager)."""
    token = bind(rt, reg, scope)
    try:
        yield
    finally:
        unbind(token)


Bound = contextvars.Token


def bind(rt: ApiRuntime | None, reg: Registry, scope: dict | None = None, exchange: Any = None) -> Bound:
    """Binds the request's API, app, scope and journal exchange (`apitwin.server.front.Front`, once per request);
    `unbind` undoes it."""
    return _request.set((rt, reg, scope, exchange))


def bind_exchange(exchange: Any) -> Bound:
    """Binds a journal exchange to the request bound already (apitwin.journal.bind); `unbind` undoes it."""
    rt, reg, scope, _ = _request.get()
    return _request.set((rt, reg, scope, exchange))


def unbind(token: Bound) -> None:
    _request.reset(token)
