"""`GET /`: an HTML page naming everything the server offers — each API with its base URL, Swagger UI, spec links
and seeded logins (the plugin's quickstart lines, as `apitwin serve` prints them), and the admin API."""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Callable

from apitwin.quickstart import lines as quickstart_lines
from apitwin.runtime import ADMIN_PREFIX

if TYPE_CHECKING:
    from apitwin.runtime import ApiRuntime

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-bottom: .3rem; }
section { border: 1px solid #ddd; border-radius: 6px; padding: .2rem 1rem 1rem; margin: 1rem 0; }
dl { display: grid; grid-template-columns: 9rem 1fr; margin: 0; } dt { font-weight: 600; } dd { margin: 0; }
pre { background: #f5f5f5; padding: .6rem; overflow-x: auto; font-size: 13px; white-space: pre-wrap; }
"""


def _link(url: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(url)}</a>'


def _api_section(rt: "ApiRuntime", origin: str) -> str:
    root = origin + rt.prefix
    quickstart = "\n".join(quickstart_lines(rt, root))
    rows = [("API", _link(f"{root}{rt.plugin.docs_base}/"))]
    for _, doc_root in rt.extras["documents"]:       # every served document (MOLGENIS: v1 and v2), as the banner
        docs = root + doc_root
        rows += [("Swagger UI", _link(f"{docs}/ui/")),
                 ("Spec", f"{_link(docs + '/openapi.json')} · {_link(docs + '/openapi.yaml')}")]
    rows.append(("Admin", _link(f"{origin}{ADMIN_PREFIX}/apis/{rt.name}/state")
                 + " (state; reset, actions in the admin UI)"))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    logins = f"<pre>{html.escape(quickstart)}</pre>" if quickstart else ""
    return f'<section id="{html.escape(rt.name)}"><h2>{html.escape(rt.plugin.title)}</h2><dl>{dl}</dl>{logins}</section>'


def renderer(runtimes: list["ApiRuntime"], admin_title: str) -> Callable[[str], bytes]:
    """A function rendering the page for one origin (`http://host:port`, as the caller reached the server)."""

    def render(origin: str) -> bytes:
        admin = origin + ADMIN_PREFIX
        admin_rows = [("Inspector", _link(f"{admin}/") + " (live requests and why they failed, state, webhooks)"),
                      ("Swagger UI", _link(f"{admin}/ui/")),
                      ("Spec", f"{_link(admin + '/openapi.json')} · {_link(admin + '/openapi.yaml')}"),
                      ("Health", _link(f"{admin}/health")),
                      ("APIs", _link(f"{admin}/apis"))]
        admin_dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in admin_rows)
        sections = "".join(_api_section(rt, origin) for rt in runtimes)
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>apitwin mock server</title><style>{STYLE}</style></head>
<body>
<h1>apitwin mock server</h1>
<p>Stateful mocks of {len(runtimes)} API{'s' if len(runtimes) != 1 else ''}, each with its OpenAPI 3.1 document
and Swagger UI. Log in with a seeded account below; "Try it out" on a login operation authorizes the UI.</p>
{sections}
<section id="admin"><h2>{html.escape(admin_title)}</h2>
<p>Not part of any mocked contract: reset, state export/import, webhooks, deliveries, lab actions, the clock.
It stays at <code>{ADMIN_PREFIX}/</code> whichever way the APIs are mounted.</p>
<dl>{admin_dl}</dl></section>
</body></html>
""".encode()

    return render
