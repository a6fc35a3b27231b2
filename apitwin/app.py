"""The app factory. One request travels this pipeline, outermost first (the built order; a test holds it to this
list). apitwin's layers live in apitwin/server/ and share one request state (`scope["apitwin"]`); Connexion keeps
routing, and the semantics and code of security and request validation (its per-operation objects, built once and
invoked by OperationLayer, apitwin.server.operation); the innermost app is apitwin's compiled per-operation
endpoints instead of Connexion's per-request decorator stack:

    AwaitedServerErrorMiddleware  Connexion: last-resort 500 (its async default handler awaited)
    Front                         apitwin's one outer layer, one send wrapper (apitwin.server.front), in order: bind the
                                  request to its API by path prefix, the request state; CORS for the mocked APIs
                                  (preflights answered before auth; never the admin API); Swagger UI at <base>/ui/, the
                                  landing page at /; the journal entry (apitwin.journal); every exception below → the
                                  API's own error body (error_handlers → server.render); intake: admin guard (same-origin
                                  403, admin token 401), limits (413/414/431, chunked and form bodies read, control
                                  characters in paths 400), Prefer / __twins read, the 3.1 documents at
                                  <base>/openapi.json|yaml; on every answer going out the API's fixed headers and JSON
                                  media type (errors too), no type on empty bodies, then CORS headers
    Routing                       Connexion's RoutingMiddleware (apitwin.server.router): the routed operation found by
                                  one matcher compiled from Connexion's routers (literal paths per method in a dict,
                                  templates by first segment and depth) and handed on with exactly Connexion's scope;
                                  anything else through Connexion's routers: 404 unknown path, 405 wrong method (Allow
                                  rebuilt from the spec), slash redirects; they try only routes fitting the path's
                                  first segment and depth (server.route_index)
    LifespanMiddleware            Connexion: start-up and shutdown (webhook senders, the simulated clock)
    OperationLayer                per routed operation, from what was built once at start, in place of Connexion's
                                  security, request validation, response validation (off: the guard checks the 3.1
                                  document) and context middlewares: the token check (Connexion's SecurityOperation:
                                  the plugin's Binding.security, 401/403 as Connexion raises them); the plan looked up
                                  once; 415 for a body without Content-Type; x-apitwin-query-pattern names set aside
                                  (q[0].field=…); Connexion's parameter and body validation with apitwin.validation's
                                  validators (every problem, per field, into the request state); Connexion's request
                                  context for the handler
    Handling                      collected problems raised once (400); Prefer delay and faults; the answer (Prefer
                                  code/example/dynamic, or the handler's) through the response guard
    Endpoints                     the operation's endpoint, compiled at start (apitwin.server.endpoint): the handler's
                                  arguments as Connexion passes them, its answer as a Starlette Response
    handler                       handlers/<api>/<resource>.<operationId> → store → shaped JSON
"""
from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator, Iterable

import connexion
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions

from apitwin import error_handlers, heap, journal_recorder, seed_check, storage
from apitwin.landing import renderer as landing_renderer
from apitwin.binding import BindingResolver, routed_view
from apitwin.clock import Clock
from apitwin.limits import Limits
from apitwin.discovery import discover
from apitwin.plugin import ApiPlugin
from apitwin.resources import package_path
from apitwin.runtime import ADMIN_PREFIX, ApiRuntime, Registry
from apitwin.seed_check import SeedRefused
from apitwin.server import connexion_patches, router
from apitwin.server.cors import Cors
from apitwin.server.front import Front, without_exception_layer
from apitwin.server.endpoint import Endpoints
from apitwin.server.handling import Handling
from apitwin.server.intake import Intake
from apitwin.server.operation import OperationLayer
from apitwin.server.plans import compile_plans
from apitwin.settings import Settings
from apitwin.swagger_ui import SwaggerUi, UiDocument, login_operations
from apitwin.specs import UNKNOWN_QUERY, SpecDocuments, connexion_view, load_spec, operation_index, spec_base_path
from apitwin.validation import VALIDATOR_MAP
from apitwin.uri_parsing import StyledURIParser
from apitwin.webhooks import DeliveryPolicy, TargetPolicy, WebhookDispatcher

ADMIN_SPEC = package_path("apitwin", "admin.yaml")


def build_runtime(plugin: ApiPlugin, settings: Settings, prefix: str) -> ApiRuntime:
    rt = ApiRuntime(plugin=plugin, settings=settings, prefix=prefix)
    documents = [(spec, spec_base_path(spec)) for spec in map(load_spec, plugin.spec_files)]
    rt.extras["documents"] = documents            # (3.1 document, documented root), the main one first
    rt.extras["spec"], rt.extras["base_path"] = documents[0]
    rt.extras["operations"] = merged_operations(plugin, [spec for spec, _ in documents])
    rt.extras["plans"] = compile_plans(rt)        # operationId → OperationPlan (apitwin.server.plans)
    if plugin.events is not None:
        policy = DeliveryPolicy(timeout=settings.webhook_timeout, max_attempts=settings.webhook_max_attempts,
                                backoff_base=settings.webhook_backoff_base, backoff_max=settings.webhook_backoff_max,
                                seed=settings.seed, max_events=settings.max_events,
                                max_deliveries=settings.max_deliveries)
        events = plugin.events
        rt.webhooks = WebhookDispatcher(rt.store, events.collection, events.tenant_key, events.shape, events.matches,
                                        policy, TargetPolicy.for_settings(settings.webhook_allow, settings.host))
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
    storage.attach(rt, settings)
    return rt


def merged_operations(plugin: ApiPlugin, specs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """operationId → operation over every document of one API; handlers are named by operationId, so two documents
    naming the same one would share a handler and the request checks of one of them."""
    operations: dict[str, dict[str, Any]] = {}
    roots = set()
    for spec in specs:
        root = spec_base_path(spec)
        if root in roots:
            raise ValueError(f"{plugin.name}: two documents share the root {root or '/'}")
        roots.add(root)
        index = operation_index(spec)
        clash = sorted(set(index) & set(operations))
        if clash:
            raise ValueError(f"{plugin.name}: operationId {clash[0]} appears in two of its documents")
        operations.update(index)
    return operations


def lifespan_for(runtimes: list[ApiRuntime]) -> Any:
    """Background work (webhook senders, the simulated clock) lives exactly as long as the server."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        heap.settle_after_start()   # once per process: the start-up heap frozen, full collections rarer (apitwin.heap)
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
    settings = storage.with_stored_secrets(settings or Settings.from_env()).with_secrets()
    requested = list(apis or ())
    given = {p.name: p for p in requested if isinstance(p, ApiPlugin)}
    # every API given as a plugin (`apitwin serve` passes the ones it found): no second entry-point scan
    plugins = given if requested and len(given) == len(requested) else {**discover(), **given}
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

    connexion_patches.apply()
    runtimes = [build_runtime(plugins[n], settings, "" if use_root else plugins[n].default_prefix) for n in names]
    registry = Registry(runtimes)
    registry.allow_index = error_handlers.AllowIndex()

    app = connexion.AsyncApp(
        __name__,
        specification_dir=ADMIN_SPEC.parent,
        validator_map=VALIDATOR_MAP,
        uri_parser_class=StyledURIParser,    # exploded form objects, arrays of arrays (apitwin.uri_parsing)
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),  # apitwin.swagger_ui, specs.SpecDocuments
        # Connexion's layers kept (last-resort 500, exceptions, routing, lifespan), then apitwin's innermost two
        middlewares=[*connexion_patches.middleware_stack(), OperationLayer, Handling],
        lifespan=lifespan_for(runtimes),
    )
    without_exception_layer(app)   # Front handles exceptions (apitwin.server.front)
    connexion_patches.use_final_app(app, Endpoints())   # compiled per-operation endpoints (apitwin.server.endpoint)
    for rt in runtimes:
        for number, (spec, root) in enumerate(rt.extras["documents"]):
            base_path = rt.prefix + root
            view = connexion_view(spec)
            app.add_api(
                routed_view(view, rt.plugin.binding),
                resolver=BindingResolver(rt.plugin.binding),
                base_path=base_path or None,
                name=rt.name if number == 0 else f"{rt.name}{root}",
                jsonifier=Jsonifier(**rt.plugin.wire.json_style) if rt.plugin.wire.json_style else None,
                validate_responses=False,  # apitwin.server.guard checks against the 3.1 document instead
                # undeclared query parameters: refused (400) unless the document says the API ignores them
                strict_validation=spec.get(UNKNOWN_QUERY) != "ignore",
            )
            registry.allow_index.add_spec(base_path, spec)
    admin_spec = load_spec(ADMIN_SPEC)
    app.add_api(connexion_view(admin_spec), base_path=ADMIN_PREFIX, name="apitwin-admin", strict_validation=True)
    registry.allow_index.add_spec(ADMIN_PREFIX, admin_spec)

    ui_documents = [UiDocument(rt.prefix + root, spec["info"]["title"], login_operations(spec, rt.prefix + root))
                    for rt in runtimes for spec, root in rt.extras["documents"]]
    ui_documents.append(UiDocument(ADMIN_PREFIX, admin_spec["info"]["title"], login_operations(admin_spec, ADMIN_PREFIX)))
    # an API served at the root that documents `/` itself answers it; the landing page steps aside
    root_taken = any(rt.prefix + root == "" and "/" in (spec.get("paths") or {})
                     for rt in runtimes for spec, root in rt.extras["documents"])
    # the first server of a served document is where this mock answers its paths: mount prefix + documented base
    documents = {rt.prefix + root: (spec, rt.prefix + root) for rt in runtimes for spec, root in rt.extras["documents"]}
    documents[ADMIN_PREFIX] = ({**admin_spec, "servers": []}, ADMIN_PREFIX)
    limits = Limits(default_limit=settings.max_body_bytes, admin_limit=settings.max_admin_body_bytes,
                    max_target=settings.max_target_bytes, max_headers=settings.max_header_bytes)

    # the order below is the order documented at the top of this module
    journal, journaled_operations = journal_recorder.install(registry, runtimes, settings.journal_size,
                                                             settings.journal_body_bytes)
    app.add_middleware(Front, position=MiddlewarePosition.BEFORE_ROUTING, registry=registry,
                       cors=Cors(expose_headers=["Location", "WWW-Authenticate"]),
                       ui=SwaggerUi(None, ui_documents,
                                    None if root_taken else landing_renderer(runtimes, admin_spec["info"]["title"])),
                       journal=journal, operations=journaled_operations,
                       intake=Intake(settings, limits, SpecDocuments(documents)), handlers=error_handlers.HANDLERS)
    router.compile_routing(app)   # Connexion's routing with a compiled matcher
    app.apitwin = registry  # type: ignore[attr-defined]
    return app
