"""Lenient JSON, as Gson reads it: unquoted keys, single-quoted strings, bare words as strings, trailing commas.

Some real clients rely on it (MOLGENIS' own tests send `{id:'p1', name:Piet}` and a bare `label900` as a body).
Strict JSON is tried first; this parser only runs when that fails. Depth is bounded so hostile input gives a
clean error, never a RecursionError.
"""
from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_BARE_END = set(",:]}") | set(" \t\r\n")


class LenientJSONError(ValueError):
    pass


def loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    parser = _Parser(text)
    value = parser.value(0)
    parser.skip_ws()
    if parser.pos != len(text):
        raise LenientJSONError(f"Unexpected character {text[parser.pos]!r} at position {parser.pos}.")
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        if self.pos >= len(self.text):
            raise LenientJSONError("Unexpected end of input.")
        return self.text[self.pos]

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise LenientJSONError(f"Nesting deeper than {MAX_DEPTH} levels.")
        char = self.peek()
        if char == "{":
            return self.obj(depth)
        if char == "[":
            return self.array(depth)
        if char in "\"'":
            return self.string(char)
        return self.bare()

    def obj(self, depth: int) -> dict[str, Any]:
        self.pos += 1
        out: dict[str, Any] = {}
        while True:
            if self.peek() == "}":
                self.pos += 1
                return out
            key = self.value(depth + 1)
            if isinstance(key, (dict, list)):
                raise LenientJSONError(f"Object keys must be names, at position {self.pos}.")
            if self.peek() not in ":=":
                raise LenientJSONError(f"Expected ':' at position {self.pos}.")
            self.pos += 1
            out[str(key) if not isinstance(key, str) else key] = self.value(depth + 1)
            sep = self.peek()
            if sep in ",;":
                self.pos += 1
            elif sep != "}":
                raise LenientJSONError(f"Expected ',' or '}}' at position {self.pos}.")

    def array(self, depth: int) -> list[Any]:
        self.pos += 1
        out: list[Any] = []
        while True:
            if self.peek() == "]":
                self.pos += 1
                return out
            out.append(self.value(depth + 1))
            sep = self.peek()
            if sep in ",;":
                self.pos += 1
            elif sep != "]":
                raise LenientJSONError(f"Expected ',' or ']' at position {self.pos}.")

    def string(self, quote: str) -> str:
        self.pos += 1
        chunks = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(chunks)
            if char == "\\" and self.pos + 1 < len(self.text):
                escaped = self.text[self.pos + 1]
                if escaped == "u" and self.pos + 5 < len(self.text):
                    try:
                        chunks.append(chr(int(self.text[self.pos + 2:self.pos + 6], 16)))
                    except ValueError:
                        raise LenientJSONError(f"Bad \\u escape at position {self.pos}.") from None
                    self.pos += 6
                    continue
                chunks.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(escaped, escaped))
                self.pos += 2
                continue
            chunks.append(char)
            self.pos += 1
        raise LenientJSONError("Unterminated string.")

    def bare(self) -> Any:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _BARE_END:
            if self.text[self.pos] in "{[":
                break
            self.pos += 1
        word = self.text[start:self.pos]
        if not word:
            raise LenientJSONError(f"Unexpected character {self.text[start]!r} at position {start}.")
        if word in ("true", "false"):
            return word == "true"
        if word == "null":
            return None
        if _NUMBER.match(word):
            return float(word) if any(c in word for c in ".eE") else int(word)
        return word
