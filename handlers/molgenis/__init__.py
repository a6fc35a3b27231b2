"""MOLGENIS REST API v1 mock: generic, metadata-driven entity routes that answer like the real server (10.2.4)."""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apitwin.errors import ApiError
from apitwin.plugin import ApiPlugin, lazy
from apitwin.resources import package_path


def render_error(error: ApiError) -> dict[str, Any] | tuple[dict[str, Any], str]:
    """`{"errors":[{"message", "code"?}]}`; unknown paths and unmapped methods answer RFC 7807 problem+json, as the
    server's problem generator does for path-level errors under /api/."""
    if error.kind == "routing":
        try:
            title = HTTPStatus(error.status).phrase
        except ValueError:
            title = "Error"
        problem: dict[str, Any] = {"type": "about:blank", "title": title, "status": error.status}
        if error.messages:
            problem["detail"] = error.messages[0]
        return problem, "application/problem+json"
    messages = list(error.messages)
    for field, texts in error.field_errors.items():
        where = "" if field in ("", "body") else f"{field}: "
        messages.extend(f"{where}{text}" for text in texts)
    entries: list[dict[str, Any]] = []
    for message in messages or [HTTPStatus(error.status).phrase]:
        entry: dict[str, Any] = {"message": message}
        code = error.codes.get(message) or error.code
        if code:
            entry["code"] = code
        entries.append(entry)
    return {"errors": entries}


PLUGIN = ApiPlugin(
    name="molgenis",
    title="MOLGENIS REST API v1",
    spec_file=package_path("apitwin_apis.specs", "molgenis_v1.yaml"),
    mockdata_dir=package_path("apitwin_apis.mockdata", "molgenis"),
    render_error=render_error,
    seed=lazy("apitwin_apis.molgenis.seed:load_runtime"),
    auth_challenge=None,        # permission failures are 401 DS04 without WWW-Authenticate
    lenient_json=True,          # Gson reads {name:Klaas} and bare words
    json_media_type="application/json;charset=UTF-8",
    json_style={"separators": (",", ":"), "ensure_ascii": False},   # Gson: compact, raw UTF-8
    response_headers={          # Spring Security's defaults on every answer
        "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache", "Expires": "0",
        "X-Content-Type-Options": "nosniff",
    },
    docs_base="/api/v1",
    quickstart=[
        "Token       curl -s -X POST {root}/api/v1/login -H 'Content-Type: application/json' "
        "-d '{{\"username\": \"{username}\", \"password\": \"{password}\"}}'",
        "Rows        curl -s '{root}/api/v1/biobank_Sample?num=5'   (anonymous may read biobank_*; else x-molgenis-token)",
    ],
)

PLUGIN.seed_records = lazy("apitwin_apis.molgenis.review:seed_records")
PLUGIN.contract_profile = lazy("apitwin_apis.molgenis.contract:profile")
PLUGIN.smoke_headers = lazy("apitwin_apis.molgenis.review:smoke_headers")
PLUGIN.logins = lazy("apitwin_apis.molgenis.review:logins")
