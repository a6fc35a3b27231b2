"""MOLGENIS REST API v1 and v2 mock: generic, metadata-driven entity routes that answer like the real server (10.2.4)."""
from __future__ import annotations

from apitwin.plugin import ApiPlugin, StatePolicy, Tooling, Wire, lazy
from apitwin.resources import package_path
from apitwin_apis.molgenis.binding import BINDING

PLUGIN = ApiPlugin(
    name="molgenis",
    title="MOLGENIS REST API v1 + v2",
    spec_file=package_path("apitwin_apis.specs", "molgenis_v1.yaml"),
    extra_specs=(package_path("apitwin_apis.specs", "molgenis_v2.yaml"),          # REST API v2 at /api/v2
                 package_path("apitwin_apis.specs", "molgenis_importwizard.yaml"),   # EMX upload; same runtime and state
                 package_path("apitwin_apis.specs", "molgenis_metadata.yaml")),      # Metadata API at /api/metadata
    mockdata_dir=package_path("apitwin_apis.mockdata", "molgenis"),
    seed=lazy("apitwin_apis.molgenis.seed:load_runtime"),
    binding=BINDING,
    wire=Wire(
        render_error=lazy("apitwin_apis.molgenis.problem:render_error"),
        auth_challenge=None,        # permission failures are 401 DS04 without WWW-Authenticate
        lenient_json=True,          # Gson reads {name:Klaas} and bare words
        json_media_type="application/json;charset=UTF-8",
        json_style={"separators": (",", ":"), "ensure_ascii": False},   # Gson: compact, raw UTF-8
        response_headers={          # Spring Security's defaults on every answer
            "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache", "Expires": "0",
            "X-Content-Type-Options": "nosniff",
        },
        reason_phrase="",           # Tomcat's status line: `HTTP/1.1 404 ` (where the server can write it)
    ),
    tooling=Tooling(
        seed_records=lazy("apitwin_apis.molgenis.review:seed_records"),
        smoke_headers=lazy("apitwin_apis.molgenis.review:smoke_headers"),
        contract_profile=lazy("apitwin_apis.molgenis.contract:profile"),
        logins=lazy("apitwin_apis.molgenis.review:logins"),
    ),
    docs_base="/api/v1",
    state=StatePolicy(
        check=lazy("apitwin_apis.molgenis.state:check_state"),
        secret_fields={"users": ("password",), "tokens": ("token",), "rows:sys_sec_User": ("values.password_",),
                       "rows:sys_sec_Token": ("values.token",)},
    ),
    quickstart=(
        "Token       curl -s -X POST {root}/api/v1/login -H 'Content-Type: application/json' "
        "-d '{{\"username\": \"{username}\", \"password\": \"{password}\"}}'",
        "Rows        curl -s '{root}/api/v1/biobank_Sample?num=5'   (anonymous may read biobank_*; else x-molgenis-token)",
        "Rows (v2)   curl -s '{root}/api/v2/biobank_Sample?num=5&sort=collected:desc&attrs=*,donor(*)'   (RSQL: &q=type==plasma)",
    ),
)
