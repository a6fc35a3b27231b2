"""`apitwin webhook-listen`: the receiver a partner developer runs first. It verifies each delivery's signature,
prints it, and answers 2xx (or, to rehearse retries, fails the first N deliveries on purpose)."""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apitwin.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature


def receiver_app(secret: str, fail_first: int = 0, out: TextIO = sys.stdout, tolerance: int = 300) -> Starlette:
    state = {"to_fail": fail_first, "received": 0}

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        headers = request.headers
        valid = verify_signature(secret, headers.get(TIMESTAMP_HEADER, ""), body,
                                 headers.get(SIGNATURE_HEADER, ""), tolerance=tolerance)
        state["received"] += 1
        try:
            event: Any = json.loads(body)
        except ValueError:
            event = body.decode("utf-8", "replace")
        label = "signature OK" if valid else "SIGNATURE INVALID"
        print(f"[{state['received']}] {headers.get('x-apitwin-event-type', '?')} event "
              f"{headers.get('x-apitwin-event-id', '?')} delivery {headers.get('x-apitwin-delivery-id', '?')} "
              f"attempt {headers.get('x-apitwin-delivery-attempt', '?')}: {label}", file=out)
        print(json.dumps(event, indent=2) if not isinstance(event, str) else event, file=out, flush=True)
        if not valid:
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        if state["to_fail"] > 0:
            state["to_fail"] -= 1
            print("  -> answering 503 on purpose (--fail-first)", file=out, flush=True)
            return JSONResponse({"error": "failing on purpose"}, status_code=503)
        return JSONResponse({"received": True})

    return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])
