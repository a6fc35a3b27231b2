"""The contract profile of a plain OpenAPI document (`apitwin contract petstore.yaml --url U`): nothing beyond the
document is known, so the profile says only how requests authenticate — a `--header` as given, else a credential
shaped for the document's first security scheme (a pinned one when `--auth FILE` pins them; an API key in the
query or a cookie travels there) — and which field of list items holds their id. Ids for path parameters come
from the target's own lists (apitwin.contract.hints); path parameters that name no resource (an API version) get
the value the document gives them (apitwin.contract.document_values)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from apitwin.contract.document_values import path_values
from apitwin.contract.profiles import Login, Profile
from apitwin.inferred.auth import Credential, credential_for, credential_of

__all__ = ["credential_for", "credential_of", "profile_for"]


def profile_for(name: str, title: str, spec_file: Path, doc: dict[str, Any],
                header: tuple[str, str] | None, key: Credential | None = None) -> Profile:
    """The generic profile; `header` is the credential requests carry (None: the document needs none), or `key`
    an API key they carry in the query string or a cookie."""
    if key is not None:
        login = Login(path="", username="", password="", header=key.name, lifetime=10 ** 9,
                      key_scheme=key.scheme, key_in=key.location)
    else:
        login = Login(path="", username="", password="", header=header[0] if header else "X-Apitwin-Contract",
                      lifetime=10 ** 9)
    return Profile(name=name, title=title, spec_file=spec_file, login=login, id_field=_id_field(doc),
                   id_fields=_id_fields(doc), path_values=path_values(doc))


def _id_field(doc: dict[str, Any]) -> str:
    """The most common id field of the document's resources (apitwin.inferred.model), `id` by default."""
    from apitwin.inferred.model import infer

    try:
        fields = Counter(r.id_field for r in infer(doc).resources.values() if r.id_field)
    except Exception:  # noqa: BLE001 - a document the model cannot read still gets the usual `id`
        return "id"
    return fields.most_common(1)[0][0] if fields else "id"


def _id_fields(doc: dict[str, Any]) -> dict[str, str]:
    """Each resource's id path parameter → the item field holding it (apitwin.inferred.model)."""
    from apitwin.inferred.model import infer

    try:
        resources = infer(doc).resources.values()
    except Exception:  # noqa: BLE001 - a document the model cannot read: the common id field serves every one
        return {}
    return {r.id_param: r.id_field for r in resources if r.id_param and r.id_field}
