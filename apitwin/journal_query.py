"""Finding exchanges in the journal: the list filters of `GET /__apitwin/requests` and the verification matchers of
`POST /__apitwin/requests/count|find` (WireMock's request matching, in the shape our admin document defines)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable
from urllib.parse import parse_qsl

from apitwin.journal import Exchange


@dataclass(frozen=True)
class Filters:
    """The list filters; every one given must hold."""

    api: str | None = None
    operation: str | None = None
    status: str | None = None      # "4xx" (a class) or "404"
    since: float | None = None     # epoch seconds
    after: int | None = None       # exchanges with a larger id only (for pollers)
    text: str | None = None        # case-insensitive, anywhere in path, query, bodies, messages

    def matches(self, exchange: Exchange) -> bool:
        if not where_from(exchange, self.api, self.operation, self.status):
            return False
        if self.since is not None and exchange.time < self.since:
            return False
        if self.after is not None and exchange.id <= self.after:
            return False
        if self.text:
            view = exchange.view()
            haystack = " ".join([view["method"], view["path"], view["query"], view["request"]["body"] or "",
                                 view["response"]["body"] or "", *view["messages"],
                                 *(v["message"] for v in view["violations"])])
            if self.text.lower() not in haystack.lower():
                return False
        return True


def where_from(exchange: Exchange, api: str | None, operation: str | None, status: str | None) -> bool:
    """The criteria list filters and verification matchers share: API, operation and status (each if given)."""
    return ((api is None or exchange.api == api) and (operation is None or exchange.operation == operation)
            and (status is None or status_matches(status, exchange.status)))


def status_matches(wanted: str, status: int | None) -> bool:
    if status is None:
        return False
    if wanted.endswith("xx"):
        return str(status)[0] == wanted[0]
    return str(status) == wanted


def parse_since(value: str) -> float:
    """An RFC 3339 date-time → epoch seconds (a `Z` suffix accepted)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")).timestamp()


def body_subset(expected: Any, actual: Any) -> bool:
    """`expected` is contained in `actual`: objects by their keys (extra keys in `actual` are fine), arrays item by
    item with the same length, everything else equal (1 and 1.0 are equal, true and 1 are not)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and body_subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and \
            all(body_subset(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return expected == actual


@dataclass(frozen=True)
class Matcher:
    """A verification matcher (the admin document's `RequestMatcher`): every part given must hold."""

    method: str | None = None
    path: str | None = None               # exact
    path_pattern: re.Pattern[str] | None = None   # a regular expression the whole path must match
    api: str | None = None
    operation: str | None = None
    status: str | None = None
    query: dict[str, str] | None = None   # each parameter present with that value (others allowed)
    headers: dict[str, str] | None = None  # each header present with that value (names case-insensitive)
    body: Any = None                       # a JSON subset of the request body
    has_body: bool = False                 # a body matcher was given (so `"body": null` means "no body")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Matcher":
        """From the request body; a bad regular expression raises ValueError with a readable reason."""
        pattern = None
        if data.get("path_pattern") is not None:
            try:
                pattern = re.compile(data["path_pattern"])
            except re.error as exc:
                raise ValueError(f"path_pattern is not a valid regular expression: {exc}") from None
        return cls(method=(data.get("method") or "").upper() or None, path=data.get("path"), path_pattern=pattern,
                   api=data.get("api"), operation=data.get("operation"), status=data.get("status"),
                   query=data.get("query"), headers=data.get("headers"), body=data.get("body"),
                   has_body="body" in data)

    def matches(self, exchange: Exchange) -> bool:
        if self.method is not None and exchange.method != self.method:
            return False
        if self.path is not None and exchange.path != self.path:
            return False
        if self.path_pattern is not None and not self.path_pattern.fullmatch(exchange.path):
            return False
        if not where_from(exchange, self.api, self.operation, self.status):
            return False
        if self.query:
            pairs = parse_qsl(exchange.query, keep_blank_values=True)
            if not all((name, value) in pairs for name, value in self.query.items()):
                return False
        if self.headers:
            for name, value in self.headers.items():
                if exchange.header(name) != value:
                    return False
        if self.has_body:
            if self.body is None:
                return exchange.request_size == 0
            return body_subset(self.body, exchange.request_json)
        return True


def select(items: Iterable[Exchange], test: Filters | Matcher) -> list[Exchange]:
    return [exchange for exchange in items if test.matches(exchange)]
