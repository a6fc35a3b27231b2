"""The HTTP methods an OpenAPI Path Item may hold, in the order the OpenAPI specification lists its fields.

One home for the engine (specs, routing errors, the journal, Swagger UI) and the tools on it (review, contract,
inferred), which walk a document's operations in this order: inferred operation names and report rows depend on
it, so every walk agrees."""
from __future__ import annotations

HTTP_METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
