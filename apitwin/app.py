"""The app factory. One request travels this pipeline, outermost first:

    RuntimeMiddleware    bind the request to its API (store, settings, error shape) by path prefix
    CORS                 browsers may call the mock from any origin (preflights answered before auth)
    ExceptionMiddleware  every exception below → the API's own error body (apitwin.error_handlers)
    BodyLimitMiddleware  413 for bodies over settings.max_body_bytes, before parsing
    PreferIntake         Prefer / __twins parsed and stripped; delay and faults applied
    SpecServer           <base>/openapi.json|yaml: the 3.1 document itself (Connexion routes on a 3.0 view)
    SwaggerUi            <base>/ui/ (Swagger UI 5, local assets) and / (landing page)
    Routing              404 unknown path, 405 wrong method (Allow rebuilt from the spec)
    Security             the API's token check (x-apikeyInfoFunc / x-bearerInfoFunc in its spec)
    MissingContentType   415 for a body without Content-Type (it would skip validation)
    PatternedQuery       query names matching the operation's x-apitwin-query-pattern set aside (q[0].field=…)
    Request validation   all parameter and body violations, per field, in one answer (apitwin.validation)
    PendingErrors        parameter errors still waiting for a body validator are raised
    ResponseHeaders      an API's fixed headers and JSON media type on every answer, errors included
    ContractGuard        the mock's answers are checked against its own 3.1 spec (status, type, schema)
    PreferResponder      Prefer code/example/dynamic answered from the spec
    handler              handlers/<api>/<resource>.<operationId> → store → shaped JSON
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any, AsyncIterator, Iterable

import connexion
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from starlette.middleware.cors import CORSMiddleware

from apitwin import error_handlers, seed_check, speedups
from apitwin.landing import renderer as landing_renderer
from apitwin.clock import Clock
from apitwin.contract_guard import ContractGuard
from apitwin.limits import BodyLimitMiddleware
from apitwin.discovery import discover
from apitwin.plugin import ApiPlugin
from apitwin.prefer import PreferIntake, PreferResponder
from apitwin.resources import package_path
from apitwin.response_headers import ResponseHeaders
from apitwin.runtime import ADMIN_PREFIX, ApiRuntime, Registry, RuntimeMiddleware
from apitwin.seed_check import SeedRefused
from apitwin.settings import Settings
from apitwin.swagger_ui import SwaggerUi, UiDocument, login_operations
from apitwin.specs import SpecServer, connexion_view, load_spec, operation_index, spec_base_path
from apitwin.validation import VALIDATOR_MAP, MissingContentType, PatternedQuery, PendingErrors
from apitwin.webhooks import DeliveryPolicy, WebhookDispatcher

ADMIN_SPEC = package_path("apitwin", "admin.yaml")
# A document's root `x-apitwin-unknown-query: ignore`: the API ignores query parameters it does not declare (Spring
# binding does); without it they answer 400.
UNKNOWN_QUERY = "x-apitwin-unknown-query"


class _UndeclaredQueryFilter(logging.Filter):
    """Connexion logs an ERROR for every undeclared query parameter it cannot hand to a `**kwargs` handler; for an
    API that ignores them (UNKNOWN_QUERY) that is expected traffic (jQuery's `_=<timestamp>`), not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Function argument '%s' (non-sanitized: %s) not defined")


_UNDECLARED_QUERY_FILTER = _UndeclaredQueryFilter()


def build_runtime(plugin: ApiPlugin, settings: Settings, prefix: str) -> ApiRuntime:
    rt = ApiRuntime(plugin=plugin, settings=settings, prefix=prefix)
    spec = load_spec(plugin.spec_file)
    rt.extras["spec"] = spec
    rt.extras["base_path"] = spec_base_path(spec)
    rt.extras["operations"] = operation_index(spec)
    if plugin.events_collection:
        policy = DeliveryPolicy(timeout=settings.webhook_timeout, max_attempts=settings.webhook_max_attempts,
                                backoff_base=settings.webhook_backoff_base, backoff_max=settings.webhook_backoff_max,
                                seed=settings.seed)
        rt.webhooks = WebhookDispatcher(rt.store, plugin.events_collection, plugin.tenant_key, plugin.event_shape,
                                        plugin.event_matches, policy)
    rt.clock = Clock(rt, settings.clock_interval)
    data_dir = settings.data_dirs.get(plugin.name, plugin.mockdata_dir)
    try:
        plugin.seed(rt, data_dir)
    except (KeyError, TypeError, AttributeError) as exc:   # a row of the wrong shape, met by the loader
        raise SeedRefused(str(data_dir), [f"{type(exc).__name__}: {exc}"]) from None
    if data_dir != plugin.mockdata_dir:
        found = seed_check.problems(rt)
        if found:
            raise SeedRefused(str(data_dir), found)
    rt.store.mark_seed()
    return rt


def lifespan_for(runtimes: list[ApiRuntime]) -> Any:
    """Background work (webhook senders, the simulated clock) lives exactly as long as the server."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        for rt in runtimes:
            rt.clock.start()
            if rt.webhooks is not None:
                rt.webhooks.kick_all()
        try:
            yield
        finally:
            for rt in runtimes:
                rt.clock.stop()
                if rt.webhooks is not None:
                    await rt.webhooks.close()

    return lifespan


def create_app(apis: Iterable[str | ApiPlugin] | None = None, *, settings: Settings | None = None,
               mount: str = "auto") -> connexion.AsyncApp:
    """Serve the named APIs (default: all discovered) in one app. An item may also be an ApiPlugin object, for an
    API that lives outside `handlers/` (the engine tests' fixture API); it wins over a discovered one of its name.

    mount="root" serves each API at its documented root (only one API then), "prefix" under /<api>,
    "auto" picks root for one API and prefixes for several (their documented roots may collide).
    """
    settings = settings or Settings.from_env()
    requested = list(apis or ())
    plugins = {**discover(), **{p.name: p for p in requested if isinstance(p, ApiPlugin)}}
    names = [p.name if isinstance(p, ApiPlugin) else p for p in requested] or list(plugins)
    if len(set(names)) != len(names):
        raise ValueError(f"each API can be mounted once; got {', '.join(names)}")
    unknown = [n for n in names if n not in plugins]
    if unknown:
        raise ValueError(f"unknown API(s) {', '.join(unknown)}; available: {', '.join(plugins)}")
    if mount not in ("auto", "root", "prefix"):
        raise ValueError("mount must be auto, root or prefix")
    use_root = mount == "root" or (mount == "auto" and len(names) == 1)
    if use_root and len(names) > 1:
        raise ValueError("several APIs cannot share the root; use mount='prefix'")

    speedups.apply()
    runtimes = [build_runtime(plugins[n], settings, "" if use_root else plugins[n].default_prefix) for n in names]
    registry = Registry(runtimes)
    registry.allow_index = error_handlers.AllowIndex()

    app = connexion.AsyncApp(
        __name__,
        specification_dir=ADMIN_SPEC.parent,
        validator_map=VALIDATOR_MAP,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),  # apitwin.swagger_ui, SpecServer
        middlewares=speedups.middleware_stack(),
        lifespan=lifespan_for(runtimes),
    )
    for rt in runtimes:
        base_path = rt.prefix + rt.extras["base_path"]
        app.add_api(
            connexion_view(rt.extras["spec"]),
            base_path=base_path or None,
            name=rt.name,
            jsonifier=Jsonifier(**rt.plugin.json_style) if rt.plugin.json_style else None,
            validate_responses=False,  # apitwin.contract_guard checks against the 3.1 document instead
            # undeclared query parameters: refused (400) unless the document says the API ignores them
            strict_validation=rt.extras["spec"].get(UNKNOWN_QUERY) != "ignore",
        )
        registry.allow_index.add_spec(base_path, rt.extras["spec"])
        if rt.extras["spec"].get(UNKNOWN_QUERY) == "ignore":
            logging.getLogger("connexion.decorators.parameter").addFilter(_UNDECLARED_QUERY_FILTER)
    admin_spec = load_spec(ADMIN_SPEC)
    app.add_api(connexion_view(admin_spec), base_path=ADMIN_PREFIX, name="apitwin-admin", strict_validation=True)
    registry.allow_index.add_spec(ADMIN_PREFIX, admin_spec)

    app.add_middleware(RuntimeMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, registry=registry)
    app.add_middleware(CORSMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, allow_origins=["*"],
                       allow_methods=["*"], allow_headers=["*"], expose_headers=["Location", "WWW-Authenticate"])
    app.add_middleware(ResponseHeaders, position=MiddlewarePosition.BEFORE_EXCEPTION)
    ui_documents = [UiDocument(root, rt.plugin.title, login_operations(rt.extras["spec"], root))
                    for rt in runtimes for root in [rt.prefix + rt.extras["base_path"]]]
    ui_documents.append(UiDocument(ADMIN_PREFIX, admin_spec["info"]["title"], login_operations(admin_spec, ADMIN_PREFIX)))
    app.add_middleware(SwaggerUi, position=MiddlewarePosition.BEFORE_EXCEPTION, documents=ui_documents,
                       landing=landing_renderer(runtimes, admin_spec["info"]["title"]))
    app.add_middleware(BodyLimitMiddleware, position=MiddlewarePosition.BEFORE_ROUTING,
                       default_limit=settings.max_body_bytes)
    app.add_middleware(PreferIntake, position=MiddlewarePosition.BEFORE_ROUTING)
    # the first server of a served document is where this mock answers its paths: mount prefix + documented base
    documents = {rt.prefix + rt.extras["base_path"]: (rt.extras["spec"], rt.prefix + rt.extras["base_path"])
                 for rt in runtimes}
    documents[ADMIN_PREFIX] = ({**admin_spec, "servers": []}, ADMIN_PREFIX)
    app.add_middleware(SpecServer, position=MiddlewarePosition.BEFORE_ROUTING, documents=documents)
    app.add_middleware(MissingContentType, position=MiddlewarePosition.BEFORE_VALIDATION)
    app.add_middleware(PatternedQuery, position=MiddlewarePosition.BEFORE_VALIDATION)
    app.add_middleware(PendingErrors, position=MiddlewarePosition.BEFORE_CONTEXT)
    app.add_middleware(ContractGuard, position=MiddlewarePosition.BEFORE_CONTEXT)
    app.add_middleware(PreferResponder, position=MiddlewarePosition.BEFORE_CONTEXT)
    error_handlers.install(app)
    app.apitwin = registry  # type: ignore[attr-defined]
    return app
