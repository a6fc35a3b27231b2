"""operationIds → handler functions: the plugin binds, the engine resolves.

An API's documents name operations by API names (`createCustomer`, `getEntityType`) and say nothing about Python:
what a user downloads is the API, not our code layout. Each plugin's `Binding` (`ApiPlugin.binding`, defined in
`handlers/<api>/`) maps those names to its handler functions and its security schemes to their token checks; the
engine hands Connexion a resolver over that map and puts the security functions into the in-memory view Connexion
routes with (never into the served document).

`Binding.unbound` is the extension point for an operation the map does not name (and `Binding.view` for the
in-memory view itself): a function of the operationId
returning its handler (e.g. behaviour inferred from the document). Without it an operationId that names a
`module.function` path is imported as Connexion does (the engine's fixture API, older plugins); anything else stops
the start-up with the operationId named.

`Binding.answered` is told of every answer the engine built from the document in the handler's stead (Prefer
`code=`/`example=`/`dynamic=`, apitwin.prefer) as the response guard lets it out: the handler did not run, so side
effects an API ties to an answer whoever built it (an inferred API's callbacks) hang there.
"""
from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

from connexion.exceptions import ResolverError
from connexion.resolver import Resolver

Handler = Callable[..., Any]

# securitySchemes type (and http scheme) → the key Connexion reads the token check from
INFO_FUNC_KEYS = {"apiKey": "x-apikeyInfoFunc", "basic": "x-basicInfoFunc", "bearer": "x-bearerInfoFunc",
                  "oauth2": "x-tokenInfoFunc", "openIdConnect": "x-tokenInfoFunc"}


def import_target(target: str) -> Handler:
    """`package.module:function` (or the dotted `package.module.function`) → the function."""
    module_name, sep, name = target.partition(":")
    if not sep:
        module_name, _, name = target.rpartition(".")
    if not module_name or not name:
        raise ValueError(f"{target!r}: expected 'package.module:function'")
    function = getattr(importlib.import_module(module_name), name, None)
    if not callable(function):
        raise ValueError(f"{target!r}: {module_name} has no function {name}")
    return function


def dotted(target: str) -> str:
    """`package.module:function` as the dotted path Connexion imports (`package.module.function`)."""
    return target.replace(":", ".")


@dataclass(frozen=True)
class SpecAnswer:
    """An answer built from the document instead of by the operation's handler, as the client receives it, with
    the request it answers (what a callback's runtime expressions read)."""

    operation_id: str
    status: int
    headers: Mapping[str, str]          # the answer's headers, lower-cased names
    body: Any                           # its JSON body (None: no body, or not JSON)
    url: str
    method: str
    path: Mapping[str, Any]             # path parameters, as Connexion coerced them
    query: Mapping[str, str]            # query parameters (the last value of a repeated one), Prefer twins removed
    request_headers: Mapping[str, str]  # lower-cased names
    request_body: Any                   # the JSON body as sent, or a form's text fields; None: no body
    token_info: Mapping[str, Any]       # what the API's security function returned ({}: none ran)


@dataclass(frozen=True)
class Binding:
    """What an API's operationIds and security schemes run."""

    handlers: Mapping[str, str] = field(default_factory=dict)   # operationId → "package.module:function"
    security: Mapping[str, str] = field(default_factory=dict)   # securitySchemes name → its token check
    unbound: Callable[[str], Handler] | None = None               # operationId → handler, for one the map lacks
    # Connexion's in-memory view → the view to route on, after the bound token checks are in (an API built from a
    # plain document adds its own token checks per scheme kind here); None: as it is
    view: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # (runtime, SpecAnswer): the document answered in the handler's stead (Prefer code/example/dynamic), as the
    # answer goes out (before the client has it); None: nothing more happens
    answered: Callable[[Any, SpecAnswer], None] | None = None

    def __post_init__(self) -> None:
        for name in ("handlers", "security"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def target(self, operation_id: str) -> str | None:
        """The `module:function` bound to an operationId; a dotted operationId names itself (no map entry)."""
        if operation_id in self.handlers:
            return self.handlers[operation_id]
        if "." in operation_id and self.unbound is None:
            return operation_id
        return None

    def resolve(self, operation_id: str) -> Handler:
        target = self.target(operation_id)
        if target is not None:
            try:
                return import_target(target)
            except (ImportError, ValueError) as exc:
                raise ResolverError(f"operationId {operation_id!r} is bound to {target!r}: {exc}") from exc
        if self.unbound is not None:
            return self.unbound(operation_id)
        raise ResolverError(f"operationId {operation_id!r} has no handler: bind it in the API's plugin "
                            "(Binding.handlers) or give the plugin an `unbound` fallback")


class BindingResolver(Resolver):
    """Connexion's resolver over a plugin's `Binding`."""

    def __init__(self, binding: Binding) -> None:
        super().__init__()
        self.binding = binding

    def resolve_function_from_operation_id(self, operation_id: str) -> Handler:
        return self.binding.resolve(operation_id)


def info_func_key(scheme: Mapping[str, Any]) -> str | None:
    kind = scheme.get("type")
    if kind == "http":
        return INFO_FUNC_KEYS.get(str(scheme.get("scheme", "")).lower())
    return INFO_FUNC_KEYS.get(str(kind))


def routed_view(view: dict[str, Any], binding: Binding) -> dict[str, Any]:
    """The view Connexion routes on: the bound token checks in, then the plugin's own view hook."""
    view = with_security(view, binding)
    return binding.view(view) if binding.view is not None else view


def with_security(view: dict[str, Any], binding: Binding) -> dict[str, Any]:
    """The Connexion view with each bound scheme's token check in the key Connexion reads (`x-apikeyInfoFunc`, ...);
    the served document never carries them."""
    schemes = (view.get("components") or {}).get("securitySchemes") or {}
    bound = {name: target for name, target in binding.security.items() if name in schemes}
    if not bound:
        return view
    view = {**view, "components": {**view["components"], "securitySchemes": copy.deepcopy(schemes)}}
    for name, target in bound.items():
        scheme = view["components"]["securitySchemes"][name]
        key = info_func_key(scheme)
        if key is None:
            raise ValueError(f"security scheme {name!r} ({scheme.get('type')}) takes no token check")
        scheme[key] = dotted(target)
    return view
