"""An `ApiPlugin` built from a document file: what `apitwin serve petstore.yaml` mounts. The plugin is an ordinary
one (the engine serves it like a built-in API: store, admin API, Prefer, response guard, Swagger UI); only its
handlers, security functions and error body come from the document instead of from code."""
from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any


from apitwin.inferred.auth import (EXTENSION, Pins, challenge, check_pin_schemes, credential_of, load_pins, read_pins,
                                   security_view)
from apitwin.inferred.document import Bundled, open_document
from apitwin.inferred.errors import ErrorRenderer, unknown_query_view
from apitwin.inferred.handlers import Handlers
from apitwin.inferred.model import Model, infer
from apitwin.inferred import callbacks
from apitwin.inferred import seed as seeding
from apitwin.binding import Binding
from apitwin.plugin import ApiPlugin, Events, Tooling, Wire
from apitwin.specs import spec_base_path

_WORKDIR: list[Path] = []


def slug(title: str) -> str:
    """A mount prefix from a title: `Swagger Petstore - OpenAPI 3.0` → `swagger-petstore-openapi-3-0`."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return text[:40].strip("-") or "api"


def looks_like_document(target: str) -> bool:
    """An argument of `serve`/`contract`/`check-drift` naming a file rather than a built-in API."""
    return target.endswith((".yaml", ".yml", ".json")) or "/" in target or Path(target).is_file()


def _bundle_file(bundled: Bundled, name: str) -> Path:
    """The served document is the bundled one; the engine and the review tools read it from a file."""
    if not _WORKDIR:
        _WORKDIR.append(Path(tempfile.mkdtemp(prefix="apitwin-inferred-")))
        atexit.register(shutil.rmtree, _WORKDIR[0], True)
    path = _WORKDIR[0] / f"{name}.json"
    # characters as themselves (surrogate pairs a YAML document spelled as escapes joined): YAML readers such as
    # libyaml refuse JSON's surrogate escapes
    text = json.dumps(bundled.data, ensure_ascii=False).encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    path.write_text(text, encoding="utf-8", errors="replace")
    return path


def build(path: Path | str, *, name: str | None = None, auth_file: Path | None = None,
          bundled: Bundled | None = None, pins: Pins | None = None) -> ApiPlugin:
    """The plugin serving the document at `path`; raises DocumentRefused (document) or AuthFileError (--auth)."""
    bundled = bundled or open_document(path)
    name = name or slug(bundled.title)
    model = infer(bundled.data)
    pins = pins if pins is not None else load_pins(auth_file) if auth_file is not None else (
        read_pins(bundled.data[EXTENSION], f"{bundled.source}: {EXTENSION}") if EXTENSION in bundled.data else Pins())
    check_pin_schemes(pins, bundled.data, f"--auth {auth_file}" if auth_file is not None else str(bundled.source))
    handlers = Handlers(model)

    def seed(rt: Any, data_dir: Path) -> None:
        rt.extras["auth_pins"] = pins
        rt.extras["inferred_model"] = model
        seeding.seed(model, rt, Path(data_dir))

    return ApiPlugin(
        name=name,
        title=bundled.title,
        spec_file=_bundle_file(bundled, name),
        mockdata_dir=bundled.source,        # "the document itself": seeded from its examples
        docs_base=spec_base_path(bundled.data),
        seed=seed,
        wire=Wire(render_error=ErrorRenderer(model), auth_challenge=challenge(bundled.data),
                  control_path_status=None, json_null_is_value=True),
        binding=Binding(unbound=handlers.resolve, view=_view, answered=handlers.answered),
        events=_events(handlers, pins),
        tooling=Tooling(seed_records=lambda rt: list(seed_records(model, rt)),
                        smoke_headers=lambda client: smoke_credential(bundled.data, pins, "header"),
                        smoke_params=lambda client: smoke_credential(bundled.data, pins, "query")),
    )


def _view(view: dict[str, Any]) -> dict[str, Any]:
    """Connexion's view of an inferred API: its security checks, and undeclared query parameters ignored where an
    operation documents no refusal of input (apitwin.inferred.errors.unknown_query_view)."""
    return unknown_query_view(security_view(view))


def smoke_credential(doc: dict[str, Any], pins: Pins, where: str) -> dict[str, str]:
    """What `apitwin check-drift`'s smoke calls carry to authenticate: the credential `apitwin contract` sends
    (apitwin.inferred.auth.credential_of, any scheme kind), as headers (`where="header"`: a header key, a
    cookie in the Cookie header, basic or bearer) or as query parameters (`where="query"`: a query key)."""
    found = credential_of(doc, pins)
    if found is None:
        return {}
    if where == "query":
        return {found.name: found.value} if found.location == "query" else {}
    return dict([found.header]) if found.header is not None else {}


def _events(handlers: Handlers, pins: Pins) -> Events | None:
    """The engine's webhook dispatcher for a document with `callbacks` or `webhooks`: events are the webhook
    entries fired by resource changes (their names are the event types), callbacks go through `deliver`."""
    sender = handlers.sender
    if sender is None:
        return None
    names = sorted({hook.name for hook in sender.webhooks})
    return Events(collection=callbacks.EVENTS, tenants=lambda rt: callbacks.tenants(pins), tenant_key="tenant",
                  shape=lambda row: row["payload"], matches=lambda event, name: False,
                  event_types=lambda rt: names)


def seed_records(model: Model, rt: Any) -> Any:
    """Every stored item with its schema's components name (items of inline schemas are checked by the guard)."""
    for resource in model.resources.values():
        ref = resource.schema.get("$ref") if isinstance(resource.schema, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/components/schemas/"):
            continue
        schema_name = ref.rsplit("/", 1)[1]
        for row in rt.store[resource.name].scan():
            yield f"{resource.name} {row.get('key')}", schema_name, row.get("body")
