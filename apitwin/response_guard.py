"""Checks every answer of the mock against its own OpenAPI 3.1 document before it leaves: documented status,
documented media type, body valid against the response schema (JSON Schema 2020-12, formats checked).

A violation is the mock's bug, never the client's: it is logged at ERROR and answered as a 500 in the API's error
body, so tests and contract runs catch drift at once. This replaces Connexion's response validation, which only
knows the 3.0 view and Draft 4 and costs 3x more (jsonschema-rs compiles each schema once).
"""
from __future__ import annotations

import json
import logging
from typing import Any

import jsonschema_rs

from apitwin import runtime
from apitwin.errors import ApiError

log = logging.getLogger("apitwin")


def _response_for(operation: dict[str, Any], status: int) -> dict[str, Any] | None:
    responses = operation.get("responses", {})
    return responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")


class ResponseGuard:
    def __init__(self, app: Any) -> None:
        self.app = app
        self._validators: dict[tuple[str, str, str, str], Any] = {}

    def _validator(self, api: str, op_id: str, key: str, media_type: str, schema: dict[str, Any]) -> Any:
        cache_key = (api, op_id, key, media_type)
        validator = self._validators.get(cache_key)
        if validator is None:
            validator = jsonschema_rs.validator_for(schema, validate_formats=True)
            self._validators[cache_key] = validator
        return validator

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        rt = runtime.current_or_none()
        if scope["type"] != "http" or rt is None or not rt.settings.validate_responses:
            return await self.app(scope, receive, send)
        op_id = scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
        operation = rt.extras.get("operations", {}).get(op_id)
        if operation is None:
            return await self.app(scope, receive, send)

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await self._finish(rt, op_id, operation, scope, start, b"".join(chunks), send)
            else:
                await send(message)

        await self.app(scope, receive, capture)

    async def _finish(self, rt: Any, op_id: str, operation: dict[str, Any], scope: dict, start: dict[str, Any],
                      body: bytes, send: Any) -> None:
        problem = self._problem(rt, op_id, operation, start, body)
        if problem is None:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        log.error("response breaks the contract: %s %s -> %s: %s", scope["method"], scope["path"],
                  start.get("status"), problem)
        error = rt.plugin.wire.render_error(ApiError(500, ["The mock's response does not conform to its specification."]))
        body_out, media_type = error if isinstance(error, tuple) else (error, "application/json")
        payload = json.dumps(body_out).encode()
        await send({"type": "http.response.start", "status": 500, "headers": [
            (b"content-type", media_type.encode()), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    def _problem(self, rt: Any, op_id: str, operation: dict[str, Any], start: dict[str, Any], body: bytes) -> str | None:
        status = start.get("status", 500)
        response = _response_for(operation, status)
        if response is None:
            return f"status {status} is not documented"
        content = response.get("content") or {}
        if not content or (not body and response.get("x-apitwin-empty-body")):
            return None   # x-apitwin-empty-body: one variant of the operation (e.g. a tunnel) answers no body
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
        media_type = headers.get("content-type", "").split(";")[0].strip()
        media = content.get(media_type)
        if media is None:
            return f"content type {media_type or '(none)'} is not documented (documented: {', '.join(content)})"
        if not media_type.endswith("json") or "schema" not in media:
            return None
        try:
            instance = json.loads(body)
        except ValueError:
            return "body is not valid JSON"
        key = str(status) if str(status) in operation.get("responses", {}) else f"{str(status)[0]}XX"
        validator = self._validator(rt.name, op_id, key, media_type, media["schema"])
        error = next(iter(validator.iter_errors(instance)), None)
        if error is not None:
            path = "/".join(map(str, error.instance_path)) or "(root)"
            return f"at {path}: {error.message}"
        for name, header in (response.get("headers") or {}).items():
            if header.get("required") and name.lower() not in headers:
                return f"required header {name} missing"
        return None
