"""Customers: persons who will receive reports (G1 customers.md). G2 spellings are accepted on input."""
from __future__ import annotations

import re
from typing import Any

from apitwin.errors import FieldErrorCollector
from apitwin.store import clone
from apitwin.timeutil import now_text
from apitwin_apis.partners.common import TENANT, api_url, listing, owned_public, refuse_null_characters, store
from apitwin_apis.partners.lifecycle import record_change

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")  # used with fullmatch: no trailing newline slips through


def normalize(body: dict[str, Any]) -> dict[str, Any]:
    """Accept G1 and G2 variants, store the G1 form (gender, 'yes'/'no', lower case)."""
    gender = body.get("gender") or body.get("sex")
    caffeine = body.get("caffeine_consumption")
    if isinstance(caffeine, bool):
        caffeine = "yes" if caffeine else "no"
    return {
        "first_name": body["first_name"].strip(),
        "last_name": body["last_name"].strip(),
        "reference_id": body.get("reference_id"),
        "email": body.get("email"),
        "date_of_birth": body.get("date_of_birth"),
        "consent_date": body.get("consent_date"),
        "gender": gender.lower() if isinstance(gender, str) else None,
        "ethnicity": list(body.get("ethnicity") or []),
        "caffeine_consumption": caffeine.lower() if isinstance(caffeine, str) else None,
        "diet": list(body.get("diet") or []),
    }


# CustomerCreate's fields (docs: unknown fields are ignored, as DRF ignores them)
FIELDS = dict.fromkeys(("reference_id", "first_name", "last_name", "email", "date_of_birth", "consent_date", "gender",
                        "sex", "ethnicity", "caffeine_consumption", "diet"))


_PLAIN = frozenset((int, float, bool, type(None)))   # values that hold no text


def _may_hold_null(body: dict[str, Any]) -> bool:
    """False when no declared field of `body` can hold a NUL: every value is text without one, a plain scalar, or a
    list of such text — what valid bodies are. Anything else (nested values, a NUL) goes to the full walk."""
    for key, value in body.items():
        kind = type(value)
        if kind is str:
            if "\x00" in value and key in FIELDS:
                return True
        elif kind is list:
            if any(type(item) is not str or "\x00" in item for item in value) and key in FIELDS:
                return True
        elif kind not in _PLAIN and key in FIELDS:
            return True
    return False


def check_create(body: Any, token_info: dict[str, Any], problems: FieldErrorCollector) -> None:
    """The rules the schema states as patterns, in DRF's words (the engine shows these instead of its generic
    pattern message). Also run by the engine next to schema errors, so it tolerates any input."""
    if type(body) is not dict or _may_hold_null(body):      # a valid body skips the walk: it would find nothing
        refuse_null_characters(body, problems, FIELDS)
    for name in ("first_name", "last_name"):
        if isinstance(body.get(name), str) and not body[name].strip():
            problems.add(name, "This field may not be blank.")
    if isinstance(body.get("email"), str) and not EMAIL.fullmatch(body["email"]):
        problems.add("email", "Enter a valid email address.")


async def create_customer(body: dict[str, Any], token_info: dict[str, Any]) -> Any:
    problems = FieldErrorCollector()
    check_create(body, token_info, problems)
    problems.raise_if_any()
    partner, at, fields = token_info["partner"], now_text(), normalize(body)
    db = store()
    with db.transaction():   # the row is new (normalize builds every list): handed over, not copied
        customer_id = db["customers"].insert({TENANT: partner, "created_at": at, **fields}, copy=False)["id"]
        record_change(db, partner, "created", "customer", customer_id, at)
    # the answer is `public` of the stored row (id first, then the row's order without internal keys), made from
    # the same fields with lists of its own, so it shares nothing with the store
    answer = {"id": customer_id, "created_at": at, **fields,
              "ethnicity": clone(fields["ethnicity"]), "diet": clone(fields["diet"])}
    return answer, 201, {"Location": api_url(f"/api/v1/customers/{customer_id}/")}


async def list_customers(token_info: dict[str, Any], page: int | None = None, page_size: int | None = None) -> Any:
    return listing("customers", token_info, page, page_size)


async def get_customer(customer_id: int, token_info: dict[str, Any]) -> Any:
    return owned_public("customers", customer_id, token_info)
