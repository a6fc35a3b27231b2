"""operationIds are API names bound by each plugin (apitwin.binding): every served document names operations and
security schemes only, every operation of every built-in API resolves to its handler, and an unbound operationId
stops the start-up with its name (or reaches the plugin's `unbound` fallback)."""
from __future__ import annotations

import re
from typing import Any

import pytest
from connexion.exceptions import ResolverError

from apitwin.app import create_app
from apitwin.binding import Binding, BindingResolver, import_target, info_func_key, with_security
from apitwin.discovery import discover
from apitwin.http_methods import HTTP_METHODS
from apitwin.specs import load_spec

PLUGINS = {name: plugin for name, plugin in discover().items() if name in ("partners", "molgenis")}
API_NAME = re.compile(r"^[a-z][A-Za-z0-9]*$")


def documents() -> list[tuple[str, Any, dict[str, Any]]]:
    return [(name, plugin, load_spec(path)) for name, plugin in PLUGINS.items() for path in plugin.spec_files]


def operation_ids(spec: dict[str, Any]) -> list[str]:
    return [op["operationId"] for item in spec.get("paths", {}).values() for method, op in item.items()
            if method in HTTP_METHODS and isinstance(op, dict)]


@pytest.mark.parametrize("name,plugin,spec", documents(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_operation_is_an_api_name_bound_to_an_importable_handler(name: str, plugin: Any,
                                                                      spec: dict[str, Any]) -> None:
    for operation_id in operation_ids(spec):
        assert API_NAME.match(operation_id), operation_id
        assert callable(plugin.binding.resolve(operation_id)), operation_id
    for scheme_name in (spec.get("components") or {}).get("securitySchemes", {}):
        assert callable(import_target(plugin.binding.security[scheme_name])), scheme_name


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_the_binding_names_no_operation_the_documents_lack(name: str) -> None:
    plugin = PLUGINS[name]
    ids = {op for path in plugin.spec_files for op in operation_ids(load_spec(path))}
    assert set(plugin.binding.handlers) == ids


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_served_documents_carry_no_python(name: str) -> None:
    app = create_app([name])
    with app.test_client() as client:
        for path in PLUGINS[name].spec_files:
            root = load_spec(path)["servers"][0]["url"].rstrip("/")
            text = client.get(f"{root}/openapi.json" if root else "/openapi.json").text
            assert "InfoFunc" not in text and "apitwin_apis" not in text, root


def test_an_unbound_operation_id_is_named() -> None:
    with pytest.raises(ResolverError, match="'listPets' has no handler"):
        Binding().resolve("listPets")
    with pytest.raises(ResolverError, match="'createPet' is bound to 'nowhere.at_all:create'"):
        Binding(handlers={"createPet": "nowhere.at_all:create"}).resolve("createPet")


def test_the_unbound_fallback_takes_what_the_map_lacks() -> None:
    def inferred(operation_id: str) -> Any:
        return lambda **kwargs: operation_id
    binding = Binding(handlers={"getKit": "apitwin_apis.partners.kits:get_kit"}, unbound=inferred)
    assert binding.resolve("getKit") is import_target("apitwin_apis.partners.kits:get_kit")
    assert binding.resolve("listPets")() == "listPets"
    assert BindingResolver(binding).resolve_function_from_operation_id("listPets")() == "listPets"


def test_a_dotted_operation_id_still_names_its_function_without_a_map() -> None:
    assert Binding().resolve("apitwin_apis.partners.kits.get_kit") is import_target("apitwin_apis.partners.kits:get_kit")


def test_security_functions_go_into_the_connexion_view_only() -> None:
    spec = {"components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X"},
                                               "basic": {"type": "http", "scheme": "basic"}}}}
    view = with_security(spec, Binding(security={"key": "pkg.auth:check", "basic": "pkg.auth:basic"}))
    assert view["components"]["securitySchemes"]["key"]["x-apikeyInfoFunc"] == "pkg.auth.check"
    assert view["components"]["securitySchemes"]["basic"]["x-basicInfoFunc"] == "pkg.auth.basic"
    assert "x-apikeyInfoFunc" not in spec["components"]["securitySchemes"]["key"]        # the document is untouched
    assert info_func_key({"type": "http", "scheme": "bearer"}) == "x-bearerInfoFunc"
