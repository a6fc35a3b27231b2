"""JSON reading for the pipeline: orjson where it gives exactly the values json gives (several times faster),
json for the rest — so what is refused is refused with json's words, and what json alone reads exactly (NaN,
integers past 64 bits, which orjson reads as floats) still is. Writing stays with json: the APIs' byte layouts
(MOLGENIS' Gson layout, the default one elsewhere) are json.dumps' own."""
from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_TEXT = re.compile(r"\d{19}")
_LONG_BYTES = re.compile(rb"\d{19}")


def loads(document: str | bytes) -> Any:
    if (_LONG_TEXT if isinstance(document, str) else _LONG_BYTES).search(document):
        return json.loads(document)
    try:
        return orjson.loads(document)
    except orjson.JSONDecodeError:
        return json.loads(document)
