"""Reading OpenAPI documents for review: YAML or JSON from files or git revisions (`main:specs/partners.yaml`), with
the line of every node, and `$ref` resolution across files, so every finding can point at file:line.

YAML is read the JSON way: keys become strings and dates stay strings (as JS tools and JSON clients see them).
Remote (http) references are not fetched: a review must not depend on the network.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import yaml

from apitwin import content_cache

GIT_ROOT = "file:///@git/"   # base URI of documents read from a git revision: file-like, so relative refs join


class LoadError(Exception):
    """A document that cannot be read or parsed; the message is one line, ready for the user."""


class RefError(LoadError):
    """A `$ref` that points nowhere."""


def escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: Any) -> str:
    return pointer + "".join("/" + escape(t) for t in tokens)


def split(pointer: str) -> list[str]:
    return [unescape(t) for t in pointer.split("/")[1:]] if pointer else []


@dataclass
class Document:
    uri: str                 # resolution base of its relative `$ref`s
    display: str             # how findings name it: the path as given, or REV:PATH
    data: Any
    lines: dict[str, int] = field(default_factory=dict)  # JSON pointer → 1-based line
    digest: str = ""         # SHA-256 of its text: what a result computed from it is cached under (content_cache)

    def line(self, pointer: str) -> int | None:
        """The line of the node at `pointer`, or of its nearest ancestor that has one."""
        while True:
            if pointer in self.lines:
                return self.lines[pointer]
            if not pointer:
                return None
            pointer = pointer.rsplit("/", 1)[0]

    def node(self, pointer: str) -> Any:
        node = self.data
        for token in split(pointer):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise KeyError(pointer)
        return node


# ------------------------------------------------------------------------------------------------ parsing

class _JsonLikeLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: `2019-10-01` stays a string, as JSON and YAML 1.2 tools see it."""


class _FastJsonLikeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same with libyaml's parser and composer when PyYAML has them: the same nodes and marks, ten times faster
    (a large document otherwise spends half its start-up here). libyaml refuses a few texts PyYAML reads (escaped
    surrogate pairs such as "\\ud83e\\udd80"); those are read again by `_JsonLikeLoader`."""


_JsonLikeLoader.yaml_implicit_resolvers = _FastJsonLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _jsonify(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, bool) else str(k).lower(): _jsonify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonify(v) for v in value]
    return value


def _yaml_lines(node: yaml.Node, pointer: str, out: dict[str, int], active: set[int]) -> None:
    out.setdefault(pointer, node.start_mark.line + 1)
    if id(node) in active:  # a recursive alias
        return
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = join(pointer, key.value if isinstance(key, yaml.ScalarNode) else key.start_mark.line)
            out.setdefault(child, key.start_mark.line + 1)  # the key's line: where a reader looks
            _yaml_lines(value, child, out, active)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_lines(item, join(pointer, index), out, active)
    active.discard(id(node))


def _compose(loader_cls: type, text: str) -> tuple[Any, Any]:
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def parse_yaml(text: str, name: str) -> tuple[Any, dict[str, int]]:
    try:
        fast_node, fast_data = _compose(_FastJsonLikeLoader, text)
    except yaml.YAMLError:
        pass                        # PyYAML's own reader decides, and words the problem
    else:
        found: dict[str, int] = {}
        if fast_node is not None:
            _yaml_lines(fast_node, "", found, set())
        return _jsonify(fast_data), found
    loader = _JsonLikeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LoadError(f"{name}{where}: not valid YAML: {problem}") from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is not None:
        _yaml_lines(node, "", lines, set())
    return _jsonify(data), lines


_WS = re.compile(r"[ \t\n\r]*")


def parse_json(text: str, name: str) -> tuple[Any, dict[str, int]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{name}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    newlines = [i for i, char in enumerate(text) if char == "\n"]
    decoder = json.JSONDecoder()
    lines: dict[str, int] = {}

    def line_at(index: int) -> int:
        return bisect.bisect_left(newlines, index) + 1

    def value(index: int, pointer: str) -> int:
        index = _WS.match(text, index).end()  # type: ignore[union-attr]
        lines.setdefault(pointer, line_at(index))
        opener = text[index]
        if opener not in "{[":
            return decoder.raw_decode(text, index)[1]
        closer, position = ("}" if opener == "{" else "]"), 0
        index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
        if text[index] == closer:
            return index + 1
        while True:
            index = _WS.match(text, index).end()  # type: ignore[union-attr]
            if opener == "{":
                key, after = json.decoder.scanstring(text, index + 1)
                child = join(pointer, key)
                lines.setdefault(child, line_at(index))
                index = _WS.match(text, after).end() + 1  # type: ignore[union-attr]  # past ':'
            else:
                child = join(pointer, position)
                position += 1
            index = _WS.match(text, value(index, child)).end()  # type: ignore[union-attr]
            if text[index] == closer:
                return index + 1
            index += 1  # ','

    value(0, "")
    return data, lines


# this module's own source is part of what a cached parse depends on: an edit of the parser is a new key
_PARSER_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def parse(text: str, name: str) -> tuple[Any, dict[str, int]]:
    """The document's data and the line of every node; the result of the same text is read from
    apitwin.content_cache (a large document otherwise spends a tenth of `apitwin serve`'s start here)."""
    as_json = name.endswith(".json") or text.lstrip().startswith(("{", "["))
    reader = parse_json if as_json else parse_yaml
    return content_cache.cached(content_cache.key("review.loader.parse", reader.__name__, yaml.__version__, _PARSER_CODE, text),
                                lambda: reader(text, name))


# ------------------------------------------------------------------------------------------------ sources

class Loader:
    """Opens documents once each (by URI) and resolves `$ref`s between them; `cwd` anchors paths and git."""

    def __init__(self, cwd: Path | str | None = None) -> None:
        self.cwd = Path(cwd or Path.cwd()).resolve()
        self._docs: dict[str, Document] = {}

    def open(self, target: str | Path) -> Document:
        """A file path, or REV:PATH read with `git show` (PATH from the repository root, or ./PATH from cwd)."""
        text_target = str(target)
        path = Path(text_target)
        path = path if path.is_absolute() else self.cwd / path
        if path.exists() or ":" not in text_target:
            if not path.is_file():
                raise LoadError(f"{text_target}: no such file")
            return self._load(path.resolve().as_uri(), text_target)
        rev, _, inner = text_target.partition(":")
        if not rev or not inner:
            raise LoadError(f"{text_target}: expected a file or REV:PATH")
        if inner.startswith(("./", "../")):
            prefix = self._git(["rev-parse", "--show-prefix"], text_target).strip()
            inner = str(Path(prefix) / inner)
        inner = _normalise(inner)
        return self._load(GIT_ROOT + quote(rev, safe="") + "/" + quote(inner), text_target)

    def get(self, uri: str) -> Document:
        """The document at `uri` (without fragment), loading it on first use."""
        return self._load(uri.split("#", 1)[0], None)

    def resolve(self, ref: str, base: Document) -> tuple[Document, str, Any]:
        """(document, pointer, node) that `ref` points at, relative to `base`."""
        target, _, fragment = ref.partition("#")
        doc = self._load(urljoin(base.uri, target), None) if target else base
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            raise RefError(f"{ref}: only JSON-pointer fragments are supported")
        try:
            return doc, pointer, doc.node(pointer)
        except KeyError:
            raise RefError(f"{ref}: {pointer or '/'} does not exist in {doc.display}") from None

    def documents(self) -> list[Document]:
        return list(self._docs.values())

    # ------------------------------------------------------------------------------------------------

    def _load(self, uri: str, display: str | None) -> Document:
        doc = self._docs.get(uri)
        if doc is not None:
            return doc
        text, default_display = self._read(uri)
        data, lines = parse(text, display or default_display)
        doc = Document(uri, display or default_display, data, lines,
                       hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
        self._docs[uri] = doc
        return doc

    def _read(self, uri: str) -> tuple[str, str]:
        if uri.startswith(GIT_ROOT):
            rev, _, inner = uri[len(GIT_ROOT):].partition("/")
            display = f"{unquote(rev)}:{unquote(inner)}"
            return self._git(["show", f"{unquote(rev)}:{unquote(inner)}"], display), display
        parts = urlsplit(uri)
        if parts.scheme != "file":
            raise LoadError(f"{uri}: remote references are not fetched")
        path = Path(unquote(parts.path))
        try:
            display = str(path.relative_to(self.cwd))
        except ValueError:
            display = str(path)
        try:
            return path.read_text(encoding="utf-8"), display
        except FileNotFoundError:
            raise LoadError(f"{display}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise LoadError(f"{display}: cannot be read: {exc}") from None

    def _git(self, args: list[str], name: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=self.cwd, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LoadError(f"{name}: git failed: {exc}") from None
        if done.returncode != 0:
            message = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
            raise LoadError(f"{name}: {message.removeprefix('fatal: ')}")
        return done.stdout


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)
