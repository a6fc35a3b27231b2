"""Proof that the contract suite catches real bugs: each variant breaks our own mock the way implementations really
break (patched handlers or engine, at test time, never copied), the suite runs against it, and must FAIL naming
the check that should catch it, while the same run against the correct mock passes.

Variants that break a response schema turn the mock's ResponseGuard off (Settings(validate_responses=False)),
both in the variant and in its control run, so the suite, not the guard, has to catch them.

Each run is limited to the operations the bug lives on (the suite's own operation filter, `include`) and to
APITWIN_BUG_EXAMPLES generated cases per operation (default 10) to stay fast in `make test`;
`make contract-deep` runs them with more.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from apitwin.app import create_app
from apitwin.contract import config, runner
from apitwin.contract.results import RunResult
from apitwin.settings import Settings

EXAMPLES = int(os.environ.get("APITWIN_BUG_EXAMPLES", "10"))


@dataclass
class Variant:
    name: str
    api: str
    bug: str                                   # what is wrong, as a reviewer would say it
    include: list[str]                         # operations the bug lives on
    caught_by: set[str]                        # any of these checks naming the bug counts as caught
    patch: Callable[[pytest.MonkeyPatch], None]
    guard: bool = True                         # keep the ResponseGuard on (off when the bug breaks a schema)


def wrap(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, make: Callable[[Any], Any]) -> None:
    """Replace module.name by make(original): the bug wraps the real handler, it does not copy it."""
    monkeypatch.setattr(module, name, make(getattr(module, name)))


# -- Partners ---------------------------------------------------------------------------------------------------

def wrong_status(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.customers as m

    def make(orig: Any) -> Any:
        async def create_customer(body: dict[str, Any], token_info: dict[str, Any]) -> Any:
            out, _, headers = await orig(body, token_info)
            return out, 200, headers
        return create_customer
    wrap(mp, m, "create_customer", make)


def missing_field(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.customers as m
    wrap(mp, m, "owned_public", lambda orig: lambda *a: {k: v for k, v in orig(*a).items() if k != "email"})


def wrong_type(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.orders as m

    def make(orig: Any) -> Any:
        async def get_order(order_id: int, token_info: dict[str, Any]) -> Any:
            return {**await orig(order_id, token_info), "id": str(order_id)}
        return get_order
    wrap(mp, m, "get_order", make)


def error_shape(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.errors as m
    wrap(mp, m, "render_error",
         lambda orig: lambda error: {"detail": "Not found."} if error.status == 404 else orig(error))


def auth_ignored(mp: pytest.MonkeyPatch) -> None:
    """GET /api/v1/kits/ loses its security requirement (and falls back to the demo tenant without a token)."""
    import apitwin.app as engine
    import apitwin_apis.partners.kits as m

    def view(orig: Any) -> Any:
        def connexion_view(spec: dict[str, Any]) -> dict[str, Any]:
            out = orig(spec)
            if "/api/v1/kits/" in out.get("paths", {}):
                out["paths"]["/api/v1/kits/"]["get"]["security"] = []
            return out
        return connexion_view

    def handler(orig: Any) -> Any:
        async def list_kits(token_info: dict[str, Any] | None = None, **kwargs: Any) -> Any:
            return await orig(token_info or {"partner": "demo-partner"}, **kwargs)
        return list_kits
    wrap(mp, engine, "connexion_view", view)
    wrap(mp, m, "list_kits", handler)


def tenant_leak(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.customers as m
    from apitwin.errors import not_found
    from apitwin_apis.partners.common import public, store

    def owned_public(collection: str, row_id: int, token_info: dict[str, Any]) -> Any:
        row = store()[collection].get(row_id)       # the tenant check is gone
        if row is None:
            raise not_found()
        return public(row)
    mp.setattr(m, "owned_public", owned_public)


def update_lost(mp: pytest.MonkeyPatch) -> None:
    """The PATCH answers the new verification_date, but the write is lost (the old value stays stored)."""
    import apitwin_apis.partners.registrations as m

    def make(orig: Any) -> Any:
        async def update_registration(registration_id: int, body: dict[str, Any], token_info: dict[str, Any]) -> Any:
            old = m.store()["registrations"].get(registration_id)
            answer = await orig(registration_id, body, token_info)
            if old is not None:
                m.store()["registrations"].update(registration_id, {"verification_date": old["verification_date"]})
            return answer
        return update_registration
    wrap(mp, m, "update_registration", make)


def create_truncates(mp: pytest.MonkeyPatch) -> None:
    """The 201 echoes the first name as sent, the stored row keeps only 3 characters (a short column)."""
    import apitwin_apis.partners.customers as m

    def make(orig: Any) -> Any:
        async def create_customer(body: dict[str, Any], token_info: dict[str, Any]) -> Any:
            answer = await orig(body, token_info)
            row = m.store()["customers"].get(answer[0]["id"])
            m.store()["customers"].update(row["id"], {"first_name": row["first_name"][:3]})
            return answer
        return create_customer
    wrap(mp, m, "create_customer", make)


def paging_overlap(mp: pytest.MonkeyPatch) -> None:
    """Off by one: every page after the first starts one row early, repeating the previous page's last row."""
    import apitwin_apis.partners.common as m

    def make(orig: Any) -> Any:
        def window(page: int | None, page_size: int | None) -> tuple[int, int]:
            offset, limit = orig(page, page_size)
            return max(0, offset - 1), limit
        return window
    wrap(mp, m, "window", make)


def count_wrong(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.common as m
    wrap(mp, m, "envelope", lambda orig: lambda results, total, *a, **k: orig(results, len(results), *a, **k))


def server_error(mp: pytest.MonkeyPatch) -> None:
    """`body["email"]` where the spec makes email optional: a KeyError (500) when a client leaves it out."""
    import apitwin_apis.partners.customers as m

    def make(orig: Any) -> Any:
        def normalize(body: dict[str, Any]) -> dict[str, Any]:
            body["email"]                               # noqa: B018 - the bug: read as if it were required
            return orig(body)
        return normalize
    wrap(mp, m, "normalize", make)


def filter_ignored(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.kits as m

    def make(orig: Any) -> Any:
        async def list_kits(token_info: dict[str, Any], shipment: int | None = None, status: str | None = None,
                            page: int | None = None, page_size: int | None = None) -> Any:
            return await orig(token_info, shipment=shipment, status=None, page=page, page_size=page_size)
        return list_kits
    wrap(mp, m, "list_kits", make)


def location_missing(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.shipments as m
    wrap(mp, m, "created", lambda orig: lambda row, path: orig(row, path)[:2] + ({},))


def location_wrong(mp: pytest.MonkeyPatch) -> None:
    """Location built from the wrong id: the created order is not where the header says."""
    import apitwin_apis.partners.orders as m
    wrap(mp, m, "created", lambda orig: lambda row, path: orig(row, path.replace(f"/{row['id']}/",
                                                                                   f"/{row['id'] + 1000}/")))


def content_type(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.partners.kits as m
    from starlette.responses import Response

    def make(orig: Any) -> Any:
        async def get_kit(kit_id: int, token_info: dict[str, Any]) -> Any:
            return Response(json.dumps(await orig(kit_id, token_info)), media_type="text/plain")
        return get_kit
    wrap(mp, m, "get_kit", make)


# -- MOLGENIS ---------------------------------------------------------------------------------------------------

def like_case_sensitive(mp: pytest.MonkeyPatch) -> None:
    import re

    import apitwin_apis.molgenis.query as m
    wrap(mp, m, "_like_regex", lambda orig: lambda text: re.compile(orig(text).pattern, re.DOTALL))


def total_of_page(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.molgenis.entities as m

    def make(orig: Any) -> Any:
        def collection(entity_type: Any, rows: Any, *, total: int, **kwargs: Any) -> Any:
            rows = list(rows)
            return orig(entity_type, rows, total=len(rows), **kwargs)
        return collection
    wrap(mp, m, "collection", make)


def delete_keeps_row(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.molgenis.data as m
    mp.setattr(m, "delete_row", lambda *args, **kwargs: None)


def molgenis_location_missing(mp: pytest.MonkeyPatch) -> None:
    import apitwin_apis.molgenis.entities as m

    def make(orig: Any) -> Any:
        async def _create(c: Any, entity_type_id: str, body: Any) -> Any:
            return (await orig(c, entity_type_id, body))[:2]
        return _create
    wrap(mp, m, "_create", make)


def put_drops_field(mp: pytest.MonkeyPatch) -> None:
    """PUT stores every attribute but the last one sent (an off-by-one in a field loop)."""
    import apitwin_apis.molgenis.data as m

    def make(orig: Any) -> Any:
        def replace(c: Any, entity_type: Any, entity_id: Any, body: Any, **kwargs: Any) -> Any:
            if isinstance(body, dict) and len(body) > 1:
                body = dict(list(body.items())[:-1])
            return orig(c, entity_type, entity_id, body, **kwargs)
        return replace
    wrap(mp, m, "replace", make)


def guide_status(mp: pytest.MonkeyPatch) -> None:
    """PUT /{e}/{id}/{attr} answers 204 as the guide says, not 200 as the server (and the contract) does."""
    import apitwin_apis.molgenis.rows as m

    def make(orig: Any) -> Any:
        async def update_attribute(*args: Any, **kwargs: Any) -> Any:
            await orig(*args, **kwargs)
            return None, 204
        return update_attribute
    wrap(mp, m, "update_attribute", make)


def permission_403(mp: pytest.MonkeyPatch) -> None:
    """Permission failures answer 403 (what the guide suggests) instead of the server's 401 DS04."""
    from apitwin.errors import ApiError
    from apitwin_apis.molgenis.security import Security

    def make(orig: Any) -> Any:
        def require(self: Any, username: str | None, entity_type: Any, permission: str) -> None:
            try:
                orig(self, username, entity_type, permission)
            except ApiError as exc:
                raise ApiError(403, exc.messages, code=exc.code) from None
        return require
    wrap(mp, Security, "require", make)


def strict_tokens(mp: pytest.MonkeyPatch) -> None:
    """Collections answer 401 to an unknown token instead of treating it as anonymous (what most APIs do, not
    what MOLGENIS does)."""
    import apitwin_apis.molgenis.entities as m
    from apitwin.errors import ApiError

    def make(orig: Any) -> Any:
        def request_context(token_info: dict[str, Any] | None = None) -> Any:
            if token_info and token_info.get("token") and token_info.get("sub") is None:
                raise ApiError(401, ["Invalid token"])
            return orig(token_info)
        return request_context
    wrap(mp, m, "request_context", make)


P_CUSTOMERS, P_CUSTOMER = "POST /api/v1/customers/", "GET /api/v1/customers/{customer_id}/"
VARIANTS = [
    Variant("wrong_status_code", "partners", "create answers 200 instead of 201", [P_CUSTOMERS],
            {"status_code_conformance"}, wrong_status, guard=False),
    Variant("missing_required_field", "partners", "GET customer omits the required `email`", [P_CUSTOMER],
            {"response_schema_conformance"}, missing_field, guard=False),
    Variant("wrong_field_type", "partners", "GET order returns `id` as a string",
            ["GET /api/v1/customer-panel-orders/{order_id}/"], {"response_schema_conformance"}, wrong_type,
            guard=False),
    Variant("error_body_shape", "partners", "404 in DRF's default {detail} shape, not {errors, messages}",
            [P_CUSTOMER], {"response_schema_conformance"}, error_shape, guard=False),
    Variant("auth_ignored", "partners", "GET /api/v1/kits/ answers without a token", ["GET /api/v1/kits/"],
            {"ignored_auth"}, auth_ignored),
    Variant("tenant_leak", "partners", "GET customer shows another partner's customer", [P_CUSTOMER],
            {"tenant_isolation"}, tenant_leak),
    Variant("update_lost", "partners", "PATCH registration answers the change but does not store it",
            ["PATCH /api/v1/customer-kit-registrations/{registration_id}/"], {"update_round_trip"}, update_lost),
    Variant("create_stores_other_value", "partners", "create echoes first_name, stores only 3 characters",
            [P_CUSTOMERS], {"create_round_trip"}, create_truncates),
    Variant("paging_overlap", "partners", "pages after the first repeat a row (offset off by one)",
            ["GET /api/v1/customer-kit-registrations/"], {"paging_total"}, paging_overlap),
    Variant("paging_count_wrong", "partners", "page envelope `count` counts the page, not the list",
            ["GET /api/v1/customers/"], {"paging_total"}, count_wrong),
    Variant("server_error_edge_case", "partners", "create crashes (500) when the optional email is left out",
            [P_CUSTOMERS], {"not_a_server_error"}, server_error),
    Variant("filter_ignored", "partners", "GET kits ignores ?status=", ["GET /api/v1/kits/"], {"list_filters"},
            filter_ignored),
    Variant("location_missing", "partners", "create shipment answers 201 without Location",
            ["POST /api/v1/customer-shipments/"], {"created_location"}, location_missing),
    Variant("location_wrong_id", "partners", "create order's Location points at another id",
            ["POST /api/v1/customer-panel-orders/"], {"created_location"}, location_wrong),
    Variant("wrong_content_type", "partners", "GET kit answers JSON as text/plain", ["GET /api/v1/kits/{kit_id}/"],
            {"content_type_conformance"}, content_type, guard=False),
    Variant("like_case_sensitive", "molgenis", "query operator LIKE matches case-sensitively",
            ["GET /{entityTypeId}"], {"query_semantics"}, like_case_sensitive),
    Variant("total_counts_page", "molgenis", "collection `total` counts the page, not the matches",
            ["GET /{entityTypeId}"], {"paging_total"}, total_of_page),
    Variant("delete_does_not_delete", "molgenis", "DELETE row answers 204 and keeps the row",
            ["DELETE /{entityTypeId}/{id}", "GET /{entityTypeId}/{id}"], {"delete_removes", "use_after_free"},
            delete_keeps_row),
    Variant("molgenis_location_missing", "molgenis", "create row answers 201 without Location",
            ["POST /{entityTypeId}"], {"created_location", "response_headers_conformance"},
            molgenis_location_missing),
    Variant("update_loses_field", "molgenis", "PUT row drops the last attribute it was sent",
            ["PUT /{entityTypeId}/{id}"], {"update_round_trip"}, put_drops_field),
    Variant("guide_status_instead_of_server", "molgenis", "PUT attribute answers 204 (the guide) instead of 200",
            ["PUT /{entityTypeId}/{id}/{attributeName}"], {"status_code_conformance"}, guide_status, guard=False),
    Variant("permission_403", "molgenis", "permission failures answer 403 instead of 401 DS04",
            ["GET /{entityTypeId}/meta"], {"anonymous_access"}, permission_403, guard=False),
    Variant("invalid_token_rejected", "molgenis", "an unknown token answers 401 instead of meaning anonymous",
            ["GET /{entityTypeId}"], {"anonymous_access"}, strict_tokens),
]


def run_suite(variant: Variant) -> RunResult:
    app = create_app([variant.api], settings=Settings(seed=0, validate_responses=variant.guard))
    request = runner.RunRequest(api=variant.api, app=app, include=variant.include,
                                options=config.Options(max_examples=EXAMPLES))
    return runner.run(request)


_CONTROLS: dict[tuple[str, tuple[str, ...], bool], RunResult] = {}


def control(variant: Variant) -> RunResult:
    """The same run against the correct mock (shared by variants that test the same operations)."""
    key = (variant.api, tuple(variant.include), variant.guard)
    if key not in _CONTROLS:
        _CONTROLS[key] = run_suite(Variant("control", variant.api, "", variant.include, set(), lambda mp: None,
                                           guard=variant.guard))
    return _CONTROLS[key]


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_suite_catches_the_bug(variant: Variant, monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = control(variant)
    assert not baseline.findings and not baseline.errors, f"the correct mock fails {variant.include}"
    with monkeypatch.context() as mp:
        variant.patch(mp)
        result = run_suite(variant)
    named = result.checks_that_failed() & variant.caught_by
    new = {(f.check, f.operation) for f in result.findings} - {(f.check, f.operation) for f in baseline.findings}
    assert named, (f"{variant.name} ({variant.bug}) was not caught by {sorted(variant.caught_by)}; the suite "
                   f"reported {sorted(result.checks_that_failed()) or 'nothing'}")
    assert any(check in variant.caught_by for check, _ in new)


def test_at_least_twelve_realistic_variants() -> None:
    assert len(VARIANTS) >= 12
    assert {v.api for v in VARIANTS} == {"partners", "molgenis"}
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)
