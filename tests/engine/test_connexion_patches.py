"""Every Connexion internal apitwin patches or relies on still exists in the pinned Connexion (a Connexion upgrade
that renames one fails here, not as a silent slowdown or a changed answer)."""
from __future__ import annotations

from typing import Any

import inspect

import pytest
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.validators import FormDataValidator, JSONRequestBodyValidator, MultiPartFormDataValidator
from connexion.validators.abstract import AbstractRequestBodyValidator

from apitwin.server import connexion_patches


@pytest.mark.parametrize("module, name", connexion_patches.PATCHED,
                         ids=[f"{m.__name__}.{n}" for m, n in connexion_patches.PATCHED])
def test_patched_names_exist(module: object, name: str) -> None:
    assert callable(getattr(module, name, None)), f"{module}.{name} is gone: the patch would do nothing"


def test_patch_is_a_bounded_memo_of_the_same_function() -> None:
    connexion_patches.apply()
    for module, name in connexion_patches.PATCHED:
        patched = getattr(module, name)
        assert patched.cache_info().maxsize == 4096
        assert patched(test_patch_is_a_bounded_memo_of_the_same_function) == patched.__wrapped__(
            test_patch_is_a_bounded_memo_of_the_same_function)


def test_resolve_refs_copies_through_the_patched_name_and_still_leaves_its_input_alone() -> None:
    import copy

    from connexion.json_schema import resolve_refs

    module, name = connexion_patches.REF_RESOLUTION_COPY
    assert getattr(module, name) is copy.deepcopy or getattr(module, name) is connexion_patches.deep_copy
    assert f"{name}(spec)" in inspect.getsource(resolve_refs), "resolve_refs no longer copies through the name"
    connexion_patches.apply()
    assert getattr(module, name) is connexion_patches.deep_copy
    shared = {"type": "string"}
    spec = {"components": {"schemas": {"A": shared}}, "paths": {"/a": {"get": {"x": {"$ref": "#/components/schemas/A"},
                                                                           "y": shared}}}}
    before = copy.deepcopy(spec)
    resolved = resolve_refs(spec)
    assert spec == before and resolved["paths"]["/a"]["get"]["x"] == {"type": "string"}
    assert resolved["components"]["schemas"]["A"] is not shared


@pytest.mark.parametrize("attribute", connexion_patches.VALIDATOR_ATTRIBUTES)
def test_validator_attributes_exist(attribute: str) -> None:
    if attribute.isupper():
        assert hasattr(AbstractRequestBodyValidator, attribute)
        return
    source = inspect.getsource(AbstractRequestBodyValidator.__init__)
    assert f"self.{attribute} =" in source, f"Connexion's body validators no longer set {attribute}"
    for cls in (JSONRequestBodyValidator, FormDataValidator, MultiPartFormDataValidator):
        assert issubclass(cls, AbstractRequestBodyValidator)


def test_middleware_stack_drops_swagger_ui_and_the_layers_operation_layer_replaces() -> None:
    from connexion.middleware.exceptions import ExceptionMiddleware
    from connexion.middleware.lifespan import LifespanMiddleware
    from connexion.middleware.routing import RoutingMiddleware
    from connexion.middleware.server_error import ServerErrorMiddleware

    assert SwaggerUIMiddleware in ConnexionMiddleware.default_middlewares
    for replaced in connexion_patches.REPLACED_MIDDLEWARES:
        assert replaced in ConnexionMiddleware.default_middlewares, replaced
    stack = connexion_patches.middleware_stack()
    assert stack == [connexion_patches.AwaitedServerErrorMiddleware, ExceptionMiddleware, RoutingMiddleware,
                     LifespanMiddleware]
    kept = [m for m in ConnexionMiddleware.default_middlewares
            if m is not SwaggerUIMiddleware and m not in connexion_patches.REPLACED_MIDDLEWARES]
    assert stack == [connexion_patches.AwaitedServerErrorMiddleware if m is ServerErrorMiddleware else m
                     for m in kept]


def test_an_exception_reaching_the_last_resort_middleware_is_a_500() -> None:
    """Regression: Connexion's async default 500 handler was called unawaited by Starlette (no answer was sent and
    "coroutine ... was never awaited" was warned). Raised in an outer layer, it now leaves as a 500 problem."""
    import warnings

    from starlette.testclient import TestClient

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("a layer outside the exception middleware broke")

    app = connexion_patches.AwaitedServerErrorMiddleware(broken)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        response = TestClient(app, raise_server_exceptions=False).get("/anything")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 500


def test_the_seam_finds_the_routed_operation() -> None:
    """`routed_operation_id` reads Connexion's routing extension: the plan found from it is what answers 415."""
    from apitwin.settings import Settings
    from tests.engine.helpers import NOTES, fake_app, fake_auth

    with fake_app(Settings()).test_client() as client:
        response = client.post(NOTES, content=b'{"title": "x"}', headers=fake_auth(client))
    assert response.status_code == 415, response.text
    assert "application/json" in response.text


def test_the_spec_validation_fast_path_exists_and_is_installed() -> None:
    cls, name = connexion_patches.SPEC_VALIDATION
    assert isinstance(inspect.getattr_static(cls, name), classmethod), f"{cls.__name__}.{name} is gone"
    connexion_patches.apply()
    assert "validate_spec" in getattr(cls, name).__func__.__qualname__


@pytest.mark.parametrize("document", ["partners.yaml", "molgenis_v1.yaml", "molgenis_v2.yaml", "admin"])
def test_every_shipped_document_takes_the_fast_path(document: str) -> None:
    """Were one refused by the fast path, Connexion's slow validation would run again at every start."""
    from pathlib import Path

    from connexion.spec import OpenAPISpecification

    import apitwin
    from apitwin.specs import connexion_view, load_spec

    root = Path(__file__).resolve().parents[2]
    path = Path(apitwin.__file__).parent / "admin.yaml" if document == "admin" else root / "specs" / document
    assert connexion_patches.accepted(OpenAPISpecification.openapi_schema, connexion_view(load_spec(path)))


@pytest.mark.parametrize("broken, words", [
    ({"paths": {}}, "'info' is a required property"),                      # against the OpenAPI schema
    ({"info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"parameters": [
        {"name": "n", "in": "query", "schema": {"type": "integer", "default": "ten"}}],
        "responses": {"200": {"description": "ok"}}}}}}, "is not valid under any of the given schemas"),  # its default
])
def test_a_document_the_fast_path_refuses_gets_connexions_own_error(broken: dict[str, Any], words: str) -> None:
    from connexion.exceptions import InvalidSpecification
    from connexion.spec import OpenAPISpecification

    connexion_patches.apply()
    document = {"openapi": "3.0.3", **broken}
    assert not connexion_patches.accepted(OpenAPISpecification.openapi_schema, document)
    with pytest.raises(InvalidSpecification, match=words):
        OpenAPISpecification(document)


def test_the_final_app_attributes_exist() -> None:
    """`use_final_app` swaps Connexion's AsyncASGIApp for apitwin.server.endpoint.Endpoints through these."""
    import connexion
    from connexion.apps.asynchronous import AsyncASGIApp

    from apitwin.server.endpoint import Endpoints

    app = connexion.AsyncApp(__name__)
    assert connexion_patches.FINAL_APP_ATTRIBUTES == ("_middleware_app", "middleware.app")
    assert isinstance(app._middleware_app, AsyncASGIApp) and app.middleware.app is app._middleware_app
    assert app.middleware.middleware_stack is None
    assert issubclass(Endpoints, AsyncASGIApp)
    final = Endpoints()
    connexion_patches.use_final_app(app, final)
    assert app._middleware_app is final and app.middleware.app is final


@pytest.mark.parametrize("attribute", connexion_patches.VALIDATION_OPERATION_ATTRIBUTES)
def test_request_validation_attributes_exist(attribute: str) -> None:
    from connexion.middleware.request_validation import RequestValidationOperation

    if hasattr(RequestValidationOperation, attribute):
        return
    source = inspect.getsource(RequestValidationOperation.__init__)
    assert f"self.{attribute} =" in source, f"Connexion's request validation no longer sets {attribute}"


def test_request_validation_is_planned_once_per_operation() -> None:
    from apitwin.server.operation import OperationLayer
    from apitwin.settings import Settings
    from tests.engine.helpers import NOTES, fake_app, fake_auth

    app = fake_app(Settings())
    with app.test_client() as client:
        headers = fake_auth(client)
        assert client.get(f"{NOTES}?page=x", headers=headers).status_code == 400   # still validated
        assert client.get(NOTES, headers=headers).status_code == 200
        layer = next(m for m in app.middleware.middleware_stack if isinstance(m, OperationLayer))
        checks = next(c for (_, op_id), c in layer.operations.items() if op_id.endswith(".list_notes"))
        plan = checks.validation_plan
        assert isinstance(plan, connexion_patches.ValidationPlan) and checks.validation_plan is plan
        assert client.get(NOTES, headers=headers).status_code == 200
        assert checks.validation_plan is plan and plan._accepted   # kept, media type remembered


@pytest.mark.parametrize("name", connexion_patches.CONTEXT_VARIABLES)
def test_request_context_variables_exist(name: str) -> None:
    """`connexion.request` / `connexion.context` read these; OperationLayer sets them as ContextMiddleware did."""
    from contextvars import ContextVar

    import connexion.context as connexion_context
    from connexion.middleware.context import ContextOperation

    assert isinstance(getattr(connexion_context, name, None), ContextVar), f"connexion.context.{name} is gone"
    assert f"{name}.set(" in inspect.getsource(ContextOperation.__call__)


def test_request_context_is_what_connexion_sets() -> None:
    """`set_request_context` sets what `ContextOperation` sets: run both on the same scope and compare."""
    import asyncio
    import contextvars

    import connexion.context as connexion_context
    from connexion.middleware.context import ContextOperation

    scope = {"type": "http", "extensions": {"connexion_context": {"token_info": {"sub": "x"}}}}
    bare = {"type": "http"}
    operation, receive = object(), object()

    def read() -> tuple[Any, ...]:
        return tuple(getattr(connexion_context, name).get(None) for name in connexion_patches.CONTEXT_VARIABLES)

    for given in (scope, bare):
        seen: list[Any] = []

        async def record(scope: Any, receive: Any, send: Any) -> None:
            seen.append(read())

        contextvars.copy_context().run(asyncio.run, ContextOperation(record, operation=operation)(given, receive, None))
        ours = contextvars.copy_context()
        ours.run(connexion_patches.set_request_context, given, receive, operation)
        assert ours.run(read) == seen[0]


def test_operation_layer_builds_on_connexion_s_per_operation_objects() -> None:
    """The Connexion names OperationLayer builds its checks with (apitwin.server.operation)."""
    from connexion.middleware import abstract
    from connexion.middleware.security import SecurityOperation
    from connexion.security import SecurityHandlerFactory

    assert abstract.ROUTING_CONTEXT == "connexion_routing" and issubclass(abstract.MissingOperation, Exception)
    assert callable(SecurityOperation.from_operation) and callable(SecurityHandlerFactory.security_passthrough)
    source = inspect.getsource(SecurityOperation)
    assert "self.verification_fn = self._get_verification_fn()" in source and "if not self.security:" in source


@pytest.mark.parametrize("headers", [
    [(b"content-type", b"application/json; charset=latin-1")], [(b"Content-Type", b"text/plain")], [],
    [(b"x-other", b"1"), (b"CONTENT-TYPE", b"a/b"), (b"content-type", b"c/d")],
    {"Content-Type": "application/json"}, {"X": "y"}, {"content-type": "x/y"},
])
def test_fast_utils_answer_as_connexion_does(headers: Any) -> None:
    for module, name, replacement in connexion_patches.FAST_UTILS:
        assert callable(getattr(module, name, None)), f"{module.__name__}.{name} is gone"
        assert replacement(headers) == connexion_patches.ORIGINAL_UTILS[name](headers)


def test_request_init_replaces_the_source_it_was_written_for() -> None:
    """A Connexion upgrade that changes what ConnexionRequest.__init__ sets fails here, not as a missing attribute."""
    source = inspect.getsource(connexion_patches.ORIGINAL_REQUEST_INIT)
    body = [line.strip() for line in source.splitlines()[1:] if line.strip() and not line.strip().startswith("#")]
    assert body == ['if not hasattr(self, "_starlette_request"):',
                    "self._starlette_request = StarletteRequest(*args, **kwargs)", "self.uri_parser = uri_parser",
                    "self._context = None", "self._mimetype = None", "self._path_params = None",
                    "self._query_params = None", "self._form = None", "self._files = None"]
    connexion_patches.apply()
    owner, name = connexion_patches.REQUEST_INIT
    assert getattr(owner, name) is connexion_patches.request_init


def test_requests_are_built_as_connexion_builds_them() -> None:
    from connexion.lifecycle import ConnexionRequest
    from connexion.uri_parsing import OpenAPIURIParser
    from starlette.requests import Request

    connexion_patches.apply()
    scope = {"type": "http", "method": "GET", "path": "/x/7", "query_string": b"a=1&a=2", "path_params": {"n": "7"},
             "headers": [(b"content-type", b"application/json; charset=utf-8")]}
    parser = OpenAPIURIParser([{"name": "n", "in": "path", "schema": {"type": "integer"}},
                               {"name": "a", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}}],
                              {})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}"}

    def built(init: Any, make: Any) -> Any:
        saved = ConnexionRequest.__init__
        ConnexionRequest.__init__ = init
        try:
            return make()
        finally:
            ConnexionRequest.__init__ = saved

    for make in (lambda: ConnexionRequest(scope), lambda: ConnexionRequest(scope, receive, uri_parser=parser),
                 lambda: ConnexionRequest.from_starlette_request(Request(scope), uri_parser=parser)):
        ours, theirs = built(connexion_patches.request_init, make), built(connexion_patches.ORIGINAL_REQUEST_INIT, make)
        assert set(vars(ours)) == set(vars(theirs))
        assert ours.uri_parser is theirs.uri_parser and ours._starlette_request.scope is theirs._starlette_request.scope
        assert (ours.mimetype, ours.context, ours.url) == (theirs.mimetype, theirs.context, theirs.url)
        if ours.uri_parser is not None:
            assert (ours.path_params, ours.query_params) == (theirs.path_params, theirs.query_params) == \
                ({"n": 7}, {"a": [1, 2]})


def _resolve_dotted(name: str) -> Any:
    import importlib

    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = inspect.getattr_static(found, attribute) if isinstance(found, type) else getattr(found, attribute)
        return found
    raise ImportError(name)


@pytest.mark.parametrize("name", sorted(__import__("apitwin.server.security", fromlist=["MIRRORED"]).MIRRORED))
def test_security_code_the_compiled_check_mirrors_is_unchanged(name: str) -> None:
    """apitwin.server.security repeats what these do per request (the operation's check compiled at start): a
    Connexion or Starlette upgrade that changes one must be read again before the hash here is updated."""
    import hashlib

    from apitwin.server.security import MIRRORED

    found = _resolve_dotted(name)
    if isinstance(found, (staticmethod, classmethod)):
        found = found.__func__
    if isinstance(found, property):
        found = found.fget
    digest = hashlib.sha256(inspect.getsource(found).encode()).hexdigest()
    assert digest == MIRRORED[name], f"{name} changed: re-read it against apitwin/server/security.py"


def test_security_names_the_compiled_check_calls_exist() -> None:
    """What apitwin.server.security calls or reads from Connexion as is."""
    from connexion import security

    assert security.SecurityHandlerFactory().security_handlers == security.SECURITY_HANDLERS
    assert callable(security.ApiKeySecurityHandler.get_cookie_value)
    assert callable(security.SecurityHandlerFactory._raise_most_specific)
    assert security.AbstractSecurityHandler.required_scopes_kw == "required_scopes"
    assert security.AbstractSecurityHandler.request_kw == "request"
    assert callable(security.OAuthSecurityHandler.get_tokeninfo_func)
    assert callable(security.OAuthSecurityHandler.get_scope_validate_func)
    assert callable(security.AbstractSecurityHandler._resolve_func)
    assert security.NO_VALUE is not None
    assert security.logger.name == "connexion.security"
