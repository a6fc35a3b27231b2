"""What `apitwin check-drift` needs from the MOLGENIS mock: every seeded row rendered as the API shows it (schema
`EntityMap`), every entity type as its metadata (`EntityTypeResponse`), and an admin client for the smoke run."""
from __future__ import annotations

from typing import Any, Iterator

from apitwin.runtime import ApiRuntime
from apitwin_apis.molgenis.model_store import model_of
from apitwin_apis.molgenis.render import entity_map, entity_type_response
from apitwin_apis.molgenis.repository import Repository, make_lookup
from apitwin_apis.molgenis.security import ALL_PERMISSIONS, Security


def seed_records(rt: ApiRuntime) -> Iterator[tuple[str, str, Any]]:
    model = model_of(rt.store)
    lookup = make_lookup(rt.store, model)
    for entity_type in model.entity_types.values():
        yield (f"{entity_type.id} meta", "EntityTypeResponse",
               entity_type_response(entity_type, permissions=ALL_PERMISSIONS, model=model))
        for values in Repository(rt.store, entity_type).scan():
            row_id = values.get(entity_type.id_attribute.name)
            yield f"{entity_type.id} {row_id}", "EntityMap", entity_map(entity_type, values, model=model,
                                                                          lookup=lookup)


def logins(rt: ApiRuntime) -> list[tuple[str, str, str]]:
    """For the banner: accounts that can log in (active, no password reset or 2FA pending), superusers first."""
    security = Security(rt.store)
    found = []
    for account in rt.store["users"].filter():
        user = security.user(account["username"]) or {}
        if user.get("active") and not user.get("change_password") and not user.get("two_factor"):
            found.append((account["username"], str(user.get("password")), "superuser" if user.get("superuser") else ""))
    return sorted(found, key=lambda login: login[2] != "superuser")


def smoke_headers(client: Any) -> dict[str, str]:
    response = client.post("/api/v1/login", json={"username": "admin", "password": "admin"})
    response.raise_for_status()
    return {"x-molgenis-token": response.json()["token"]}
