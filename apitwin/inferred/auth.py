"""Auth from a document's `securitySchemes`: apiKey (header, query, cookie), http bearer and basic, oauth2 and
openIdConnect (as bearer tokens). Missing credentials are refused by Connexion's security layer (401); by default
any well-formed credential is accepted; pinned credentials (`--auth FILE` or the document's `x-apitwin-auth`) are
the only ones accepted and each names the tenant whose data it sees.

The security functions are added to Connexion's in-memory view only (`security_view`); the served document keeps
the user's schemes as written.
"""
from __future__ import annotations

import base64
import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from apitwin import runtime
from apitwin.cookies import cookie_value
from apitwin.plaindata import deep_copy

EXTENSION = "x-apitwin-auth"
CONTRACT_SECRET = "apitwin-contract"   # what tools send when nothing is pinned
_MODULE = __name__


@dataclass(frozen=True)
class Pins:
    """Accepted credentials → tenant. Empty: any well-formed credential, all in one shared tenant."""

    secrets: dict[str, str] = field(default_factory=dict)             # api key or token → tenant
    logins: dict[tuple[str, str], str] = field(default_factory=dict)  # (username, password) → tenant
    # a credential pinned to one security scheme (`scheme: NAME`) is accepted only through that scheme
    schemes: dict[Any, str] = field(default_factory=dict)             # secret or (username, password) → scheme

    @property
    def pinned(self) -> bool:
        return bool(self.secrets or self.logins)


class AuthFileError(ValueError):
    pass


def read_pins(entries: Any, where: str) -> Pins:
    """Pins from a list of `{key|token: …, tenant: …}` / `{username: …, password: …, tenant: …}` entries."""
    if isinstance(entries, dict):
        entries = entries.get("credentials")
    if not isinstance(entries, list):
        raise AuthFileError(f"{where}: expected a list of credentials ({{key: …, tenant: …}}, "
                            "{token: …}, {username: …, password: …})")
    secrets: dict[str, str] = {}
    logins: dict[tuple[str, str], str] = {}
    schemes: dict[Any, str] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise AuthFileError(f"{where}: credential {number} is not a mapping")
        secret = entry.get("key", entry.get("token"))
        tenant = entry.get("tenant")
        scheme = entry.get("scheme")
        if scheme is not None and not isinstance(scheme, str):
            raise AuthFileError(f"{where}: credential {number}: scheme must name one of the document's "
                                "securitySchemes")
        if secret is not None:
            credential: Any = str(secret)
            secrets[credential] = str(tenant if tenant is not None else secret)
        elif entry.get("username") is not None and entry.get("password") is not None:
            credential = (str(entry["username"]), str(entry["password"]))
            logins[credential] = str(tenant if tenant is not None else entry["username"])
        else:
            raise AuthFileError(f"{where}: credential {number} needs key, token, or username and password")
        if scheme is not None:
            schemes[credential] = scheme
    return Pins(secrets, logins, schemes)


def check_pin_schemes(pins: Pins, doc: dict[str, Any], where: str) -> None:
    """Every `scheme:` a pin names is one of the document's securitySchemes (a typo would lock the key out)."""
    defined = set(((doc.get("components") or {}).get("securitySchemes") or {}))
    unknown = sorted(set(pins.schemes.values()) - defined)
    if unknown:
        raise AuthFileError(f"{where}: scheme {', '.join(unknown)} is not in the document's securitySchemes "
                            f"({', '.join(sorted(defined)) or 'none defined'})")


def load_pins(path: Path) -> Pins:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AuthFileError(f"--auth {path}: cannot be read: {str(exc).splitlines()[0]}") from None
    return read_pins(data, f"--auth {path}")


def _pins() -> Pins:
    rt = runtime.current_or_none()
    found = rt.extras.get("auth_pins") if rt is not None else None
    return found if isinstance(found, Pins) else Pins()


def _through(pins: Pins, credential: Any, scheme: str | None) -> bool:
    """Is the credential accepted through `scheme`? Unpinned to a scheme (or an unknown caller): yes."""
    tied = pins.schemes.get(credential)
    return tied is None or scheme is None or tied == scheme


def _secret(value: Any, scheme: str | None = None) -> dict[str, Any] | None:
    if not isinstance(value, str) or not value.strip():
        return None
    pins = _pins()
    if not pins.pinned:
        return {"sub": "anyone", "tenant": None}
    tenant = pins.secrets.get(value)
    if tenant is None or not _through(pins, value, scheme):
        return None
    return {"sub": tenant, "tenant": tenant}


def apikey_info(apikey: str, required_scopes: Any = None, *, scheme: str | None = None) -> dict[str, Any] | None:
    return _secret(apikey, scheme)


def bearer_info(token: str, *, scheme: str | None = None) -> dict[str, Any] | None:
    return _secret(token, scheme)


def basic_info(username: str, password: str, required_scopes: Any = None, *,
               scheme: str | None = None) -> dict[str, Any] | None:
    if not username:
        return None
    pins = _pins()
    if not pins.pinned:
        return {"sub": username, "tenant": None}
    tenant = pins.logins.get((username, password))
    if tenant is None or not _through(pins, (username, password), scheme):
        return None
    return {"sub": username, "tenant": tenant}


class _PerScheme:
    """Connexion names security functions by dotted path; `BY_SCHEME.k<hex of the scheme name>_<kind>` is the
    check of one scheme, so a credential pinned to a scheme is refused through the others."""

    KINDS = {"apikey": apikey_info, "bearer": bearer_info, "basic": basic_info}

    def __getattr__(self, attribute: str) -> Any:
        encoded, _, kind = attribute.rpartition("_")
        if not encoded.startswith("k") or kind not in self.KINDS:
            raise AttributeError(attribute)
        try:
            scheme = bytes.fromhex(encoded[1:]).decode()
        except ValueError:
            raise AttributeError(attribute) from None
        return functools.partial(self.KINDS[kind], scheme=scheme)


BY_SCHEME = _PerScheme()


def _check_of(scheme: str, kind: str) -> str:
    return f"{_MODULE}.BY_SCHEME.k{scheme.encode().hex()}_{kind}"


def security_view(view: dict[str, Any]) -> dict[str, Any]:
    """Connexion's view with a security function on every scheme it can check (oauth2 and openIdConnect as bearer
    tokens, other http schemes as an Authorization header); mutualTLS is left to the transport."""
    view = copy.copy(view)
    view.setdefault("paths", {})                 # a 3.1 document may hold only webhooks
    if isinstance(view.get("components"), dict) and isinstance(view["components"].get("schemas"), dict):
        # schema-local `definitions`/`$defs` (multi-file documents) were hoisted by the bundler; OpenAPI 3.0's
        # Schema Object refuses the keys
        view["components"] = {**view["components"], "schemas": {
            name: ({k: v for k, v in schema.items() if k not in ("definitions", "$defs")}
                   if isinstance(schema, dict) else schema)
            for name, schema in view["components"]["schemas"].items()}}
    components = dict(view.get("components") or {})
    schemes = copy.deepcopy(components.get("securitySchemes") or {})
    dropped = set()
    for name, scheme in list(schemes.items()):
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        http = str(scheme.get("scheme", "")).lower()
        if kind == "apiKey":
            scheme["x-apikeyInfoFunc"] = _check_of(name, "apikey")
        elif kind == "http" and http == "basic":
            scheme["x-basicInfoFunc"] = _check_of(name, "basic")
        elif kind in ("oauth2", "openIdConnect") or (kind == "http" and http == "bearer"):
            schemes[name] = {"type": "http", "scheme": "bearer", "x-bearerInfoFunc": _check_of(name, "bearer")}
        elif kind == "http":
            schemes[name] = {"type": "apiKey", "in": "header", "name": "Authorization",
                             "x-apikeyInfoFunc": _check_of(name, "apikey")}
        else:
            dropped.add(name)
            del schemes[name]
    components["securitySchemes"] = schemes
    view["components"] = components
    dropped |= _requirement_names(view) - set(schemes)   # requirements naming no defined scheme cannot be checked
    if dropped:
        view = _drop_requirements(view, dropped)
    return view


def _requirement_names(view: dict[str, Any]) -> set[str]:
    lists = [view.get("security") or []]
    for item in (view.get("paths") or {}).values():
        for operation in (item.values() if isinstance(item, dict) else ()):
            if isinstance(operation, dict):
                lists.append(operation.get("security") or [])
    return {name for requirements in lists if isinstance(requirements, list)
            for requirement in requirements if isinstance(requirement, dict) for name in requirement}


def _drop_requirements(view: dict[str, Any], dropped: set[str]) -> dict[str, Any]:
    def clean(requirements: Any) -> Any:
        if not isinstance(requirements, list):
            return requirements
        kept = [{k: v for k, v in r.items() if k not in dropped} for r in requirements if isinstance(r, dict)]
        return kept

    view = deep_copy(view)
    if "security" in view:
        view["security"] = clean(view["security"])
    for item in (view.get("paths") or {}).values():
        for operation in (item.values() if isinstance(item, dict) else ()):
            if isinstance(operation, dict) and "security" in operation:
                operation["security"] = clean(operation["security"])
    return view


def challenge(doc: dict[str, Any]) -> str | None:
    """The WWW-Authenticate value for 401s: the first scheme's."""
    for scheme in ((doc.get("components") or {}).get("securitySchemes") or {}).values():
        if not isinstance(scheme, dict):
            continue
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            return 'Basic realm="api"'
        if scheme.get("type") in ("http", "oauth2", "openIdConnect"):
            return 'Bearer realm="api"'
        return None
    return None


@dataclass(frozen=True)
class Credential:
    """What a client of the document sends: `value` in the header, query parameter or cookie `name` (`location`),
    satisfying the security scheme `scheme`."""

    location: str      # "header", "query" or "cookie"
    name: str
    value: str
    scheme: str

    @property
    def header(self) -> tuple[str, str] | None:
        """(header, value) on the wire: a cookie travels in the Cookie header; None for a query credential."""
        if self.location == "header":
            return self.name, self.value
        if self.location == "cookie":
            return "Cookie", f"{self.name}={self.value}"
        return None


def credential_of(doc: dict[str, Any], pins: Any = None,
                  places: tuple[str, ...] = ("header", "query", "cookie")) -> Credential | None:
    """The credential a client of the document would send, for the first usable scheme of its security
    requirements in document order whose apiKey travels in one of `places`; None when the document asks for no
    credentials. A pinned credential (apitwin.inferred.auth.Pins) is used when there is one, through the scheme it
    is pinned to when it names one."""
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    requirements = list(doc.get("security") or [])
    for item in (doc.get("paths") or {}).values():
        for operation in (item.values() if isinstance(item, dict) else ()):
            if isinstance(operation, dict):
                requirements += list(operation.get("security") or [])
    secrets = list(getattr(pins, "secrets", {}) or {})
    logins = list(getattr(pins, "logins", {}) or {})
    secret = secrets[0] if secrets else CONTRACT_SECRET
    # a credential pinned to one scheme (`scheme: NAME`) is accepted only through it, so it travels only there
    only = getattr(pins, "schemes", {}) or {}
    secret_scheme, login_scheme = only.get(secret), only.get(logins[0]) if logins else None
    for requirement in requirements:
        for name in requirement or {}:
            scheme = schemes.get(name)
            if not isinstance(scheme, dict):
                continue
            kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
            basic = kind == "http" and http == "basic"
            if (login_scheme if basic else secret_scheme) not in (None, name):
                continue
            if kind == "apiKey" and scheme.get("in") in places and scheme.get("name"):
                return Credential(str(scheme["in"]), str(scheme["name"]), secret, name)
            if basic:
                user, password = logins[0] if logins else ("apitwin", "contract")
                encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
                return Credential("header", "Authorization", "Basic " + encoded, name)
            if kind in ("oauth2", "openIdConnect") or kind == "http":
                prefix = "Bearer " if http in ("bearer", "") or kind != "http" else f"{http} "
                return Credential("header", "Authorization", prefix + secret, name)
    return None


def credential_for(doc: dict[str, Any], pins: Any = None) -> tuple[str, str] | None:
    """(header, value) of the first credential that travels in a header (a cookie in the Cookie header), for
    clients that send nothing else; None when the document asks for none."""
    found = credential_of(doc, pins, places=("header", "cookie"))
    return found.header if found is not None else None


def lacks_credentials(doc: dict[str, Any], operation: dict[str, Any], scope: dict[str, Any]) -> bool:
    """Does a request (ASGI `scope`) to `operation` satisfy none of its security requirements? For answers given
    before Connexion's security layer runs — a path whose parameter does not fit its type never reaches the
    operation, yet a server checks credentials first, so a caller without them learns 401, not 400/404. Checked
    as the security functions check: present, well formed, and pinned where credentials are pinned."""
    from urllib.parse import parse_qs

    requirements = operation.get("security", doc.get("security")) or []
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    if not isinstance(requirements, list) or not requirements:
        return False
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
    query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))

    def met(name: str) -> bool:
        scheme = schemes.get(name)
        if not isinstance(scheme, dict):
            return True                          # undefined schemes are dropped from the served view too
        kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
        if kind == "apiKey":
            where, key = scheme.get("in"), str(scheme.get("name", ""))
            if where == "header":
                value = headers.get(key.lower())
            elif where == "query":
                value = (query.get(key) or [None])[0]
            else:
                value = cookie_value(headers.get("cookie"), key)
            return value is not None and apikey_info(value, scheme=name) is not None
        authorization = headers.get("authorization", "")
        given_kind, _, value = authorization.partition(" ")
        if kind == "http" and http == "basic":
            if given_kind.lower() != "basic":
                return False
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return basic_info(user, password, scheme=name) is not None
        if kind in ("oauth2", "openIdConnect") or (kind == "http" and http == "bearer"):
            return given_kind.lower() == "bearer" and bearer_info(value.strip(), scheme=name) is not None
        if kind == "http":
            return bool(authorization) and apikey_info(authorization, scheme=name) is not None
        return True                              # mutualTLS and unknown kinds: left to the transport

    return not any(isinstance(r, dict) and all(met(name) for name in r) for r in requirements)
