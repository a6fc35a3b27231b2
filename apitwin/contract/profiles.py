"""What the contract suite needs to know about each API beyond its OpenAPI document: how to log in, which accounts
to use, which schema-valid requests a documented business rule may still refuse, and which operations end the
session they are called with.

The shapes live here; each API's profile is data in `handlers/<api>/contract.py`, named by its plugin
(`Tooling.contract_profile` of its `ApiPlugin`). Those modules import nothing of the mock, so the suite tests any implementation of
the contract (a partner's staging server, a real MOLGENIS) without running ours.
Ids, entity types and SKUs are *not* listed here: `apitwin.contract.hints` reads them from the spec's
`x-apitwin-hints` and from the target itself, so they are real on whatever server is tested.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any



@dataclass(frozen=True)
class Login:
    """How a client obtains a token: POST `path` with a JSON body, read the token at `token_pointer`."""

    path: str                          # relative to the API root (spec servers[0])
    username: str                      # default account (the mock's seed); overridable by option or environment
    password: str
    header: str                        # where the token goes on later requests
    prefixes: tuple[str, ...] = ("",)  # header value prefixes; the suite alternates between all of them
    token_pointer: str = "/token"      # JSON pointer into the login answer
    lifetime: int = 300                # seconds a token lives when it says nothing about it (JWT `exp` wins)
    # a document's apiKey sent in the query or a cookie (`key_in`): `header` names the parameter or cookie,
    # `key_scheme` its securitySchemes entry, through which schemathesis sends it (OpenAPI-aware auth)
    key_scheme: str | None = None
    key_in: str = "header"


@dataclass(frozen=True)
class BusinessRule:
    """Why a schema-valid request to one operation may answer `statuses`, and how to recognise that answer: a regex
    found in the body. No patterns: any such answer of that operation (the spec says "validation errors answer
    400")."""

    reason: str
    patterns: tuple[str, ...] = ()
    statuses: tuple[int, ...] = (400,)


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    spec_file: Path
    login: Login
    # A second account whose data must stay invisible to the first one (tenancy check); None: single tenant.
    other_account: tuple[str, str] | None = None
    # operationId → documented rules no schema can state, under which a schema-valid request answers 4xx.
    # Everywhere else a schema-valid request that answers 4xx is a contract failure (positive_data_acceptance).
    business_rules: dict[str, tuple[BusinessRule, ...]] = field(default_factory=dict)
    # Operations that invalidate the token they are called with: they get a throwaway login of their own.
    session_ending: frozenset[str] = frozenset()
    # Parameter / body property names that are aliases of an id hint (name → hinted name).
    aliases: dict[str, str] = field(default_factory=dict)
    # Body properties whose items are drawn from the values listed by these collections (name → [(path, field)]).
    list_values: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # The field of list items that holds their id, for path-parameter hints discovered through a parent list.
    id_field: str = "id"
    # Path parameter → the field of its list's items that holds it, where that is not `id_field` (the generic
    # profile reads them from the inferred resources: `{shortCode}` → `shortCode`, `{petId}` → `id`).
    id_fields: dict[str, str] = field(default_factory=dict)
    # Lists every account sees in full (catalogues), left out of the tenant isolation check.
    shared: tuple[str, ...] = ()
    # Hinted values (entity types) the update and delete properties never write to: system data of a real server.
    protected: tuple[str, ...] = ()
    # DELETE operations (schemathesis labels, e.g. "DELETE /{entityTypeId}") that empty a collection and keep it
    # readable (MOLGENIS deletes every row of a type, the type stays): `use_after_free` does not apply to them.
    emptied_not_removed: tuple[str, ...] = ()
    # Path parameters that name no resource (an API version) → the value the document gives them (the generic
    # profile reads them with apitwin.contract.document_values); used where no list of the target supplies one.
    path_values: dict[str, Any] = field(default_factory=dict)


def any_400(reason: str) -> tuple[BusinessRule, ...]:
    """A rule under which any 400 of the operation is documented behaviour ("validation errors answer 400")."""
    return (BusinessRule(reason),)


def profiles() -> dict[str, Profile]:
    """Every API whose plugin names a contract profile, by name."""
    from apitwin.discovery import discover

    return {name: plugin.tooling.contract_profile() for name, plugin in discover().items()
            if plugin.tooling.contract_profile is not None}


def get(name: str) -> Profile:
    found = profiles()
    try:
        return found[name]
    except KeyError:
        raise KeyError(f"unknown API {name!r}; the contract suite knows {', '.join(found)}") from None
