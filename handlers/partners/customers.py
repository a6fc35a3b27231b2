"""Customers: persons who will receive reports (G1 customers.md). G2 spellings are accepted on input."""
from __future__ import annotations

import re
from typing import Any

from apitwin.errors import FieldErrorCollector
from apitwin.timeutil import format_datetime, now
from apitwin_apis.partners.common import TENANT, created, listing, owned_public, refuse_null_characters, store
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


def check_create(body: Any, token_info: dict[str, Any], problems: FieldErrorCollector) -> None:
    """The rules the schema states as patterns, in DRF's words (the engine shows these instead of its generic
    pattern message). Also run by the engine next to schema errors, so it tolerates any input."""
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
    row = {TENANT: token_info["partner"], "created_at": format_datetime(now()), **normalize(body)}
    db = store()
    with db.transaction():   # `row` is new (normalize builds every list): handed over, not copied
        customer = db["customers"].insert(row, copy=False)
        record_change(db, token_info["partner"], "created", "customer", customer["id"], row["created_at"])
    return created(customer, f"/api/v1/customers/{customer['id']}/", live=True)


async def list_customers(token_info: dict[str, Any], page: int | None = None, page_size: int | None = None) -> Any:
    return listing("customers", token_info, page, page_size)


async def get_customer(customer_id: int, token_info: dict[str, Any]) -> Any:
    return owned_public("customers", customer_id, token_info)
