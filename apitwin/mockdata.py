"""Reading seed data: YAML files of a mockdata directory, as the plain JSON values a client would send."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import yaml

from apitwin import content_cache


def plain(value: Any, instant: Callable[[datetime], str]) -> Any:
    """YAML turns unquoted timestamps into date/datetime objects; rows keep strings (`instant` formats moments)."""
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item, instant) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item, instant) for item in value]
    return value


# libyaml's parser builds the same documents as PyYAML's pure-Python one, several times faster: seed files are read
# at every start (MOLGENIS' model and rows were most of its start-up)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(stream: Any) -> Any:
    """One YAML document (a text or an open file), safely (yaml.safe_load, through libyaml when PyYAML has it); the
    parse of the same text is read from apitwin.content_cache (unless it holds dates, which the cache does not keep)."""
    text = stream.read() if hasattr(stream, "read") else stream
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return content_cache.cached(content_cache.key("mockdata.read_yaml", yaml.__version__, SAFE_LOADER.__name__, text),
                                lambda: yaml.load(text, Loader=SAFE_LOADER))  # noqa: S506 - a safe loader


def read_mapping(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        content = read_yaml(fh) or {}
    if not isinstance(content, dict):
        raise ValueError(f"{Path(path).name}: expected a mapping at the top level")
    return content
