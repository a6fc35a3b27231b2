"""The contract profile of a plain OpenAPI document (`apitwin contract petstore.yaml --url U`): nothing beyond the
document is known, so the profile says only how requests authenticate — a `--header` as given, else a credential
shaped for the document's first security scheme (a pinned one when `--auth FILE` pins them) — and which field of
list items holds their id. Ids for path parameters come from the target's own lists (apitwin.contract.hints)."""
from __future__ import annotations

import base64
from collections import Counter
from pathlib import Path
from typing import Any

from apitwin.contract.profiles import Login, Profile

CONTRACT_SECRET = "apitwin-contract"


def credential_for(doc: dict[str, Any], pins: Any = None) -> tuple[str, str] | None:
    """(header, value) a client of the document would send, for its first usable security scheme; None when the
    document asks for no credentials. A pinned credential (apitwin.inferred.auth.Pins) is used when there is one."""
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    requirements = list(doc.get("security") or [])
    for item in (doc.get("paths") or {}).values():
        for operation in (item.values() if isinstance(item, dict) else ()):
            if isinstance(operation, dict):
                requirements += list(operation.get("security") or [])
    secrets = list(getattr(pins, "secrets", {}) or {})
    logins = list(getattr(pins, "logins", {}) or {})
    secret = secrets[0] if secrets else CONTRACT_SECRET
    for requirement in requirements:
        for name in requirement or {}:
            scheme = schemes.get(name)
            if not isinstance(scheme, dict):
                continue
            kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
            if kind == "apiKey" and scheme.get("in") == "header":
                return str(scheme["name"]), secret
            if kind == "apiKey" and scheme.get("in") == "cookie":
                return "Cookie", f"{scheme['name']}={secret}"
            if kind == "http" and http == "basic":
                user, password = logins[0] if logins else ("apitwin", "contract")
                return "Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if kind in ("oauth2", "openIdConnect") or kind == "http":
                return "Authorization", ("Bearer " if http in ("bearer", "") or kind != "http" else f"{http} ") + secret
    return None


def profile_for(name: str, title: str, spec_file: Path, doc: dict[str, Any],
                header: tuple[str, str] | None) -> Profile:
    """The generic profile; `header` is the credential requests carry (None: the document needs none)."""
    name_of_header = header[0] if header else "X-Apitwin-Contract"
    return Profile(name=name, title=title, spec_file=spec_file,
                   login=Login(path="", username="", password="", header=name_of_header, lifetime=10 ** 9),
                   id_field=_id_field(doc))


def _id_field(doc: dict[str, Any]) -> str:
    """The most common id field of the document's resources (apitwin.inferred.model), `id` by default."""
    from apitwin.inferred.model import infer

    try:
        fields = Counter(r.id_field for r in infer(doc).resources.values() if r.id_field)
    except Exception:  # noqa: BLE001 - a document the model cannot read still gets the usual `id`
        return "id"
    return fields.most_common(1)[0][0] if fields else "id"
