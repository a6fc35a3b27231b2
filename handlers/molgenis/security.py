"""Users, tokens and entity-type permissions of the MOLGENIS mock (docs/molgenis-server.md, "Authentication and
permissions").

Tokens are 32 lowercase hex characters with a fixed 2-hour life; a missing, unknown or expired token silently
means anonymous. Permission failures answer 401 with code DS04 (never 403), for anonymous and logged-in users.
"""
from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any

from apitwin.errors import ApiError
from apitwin.store import Change, Store, clone
from apitwin_apis.molgenis.model_store import MODEL_COLLECTION, model_of
from apitwin_apis.molgenis.repository import Repository, collection_name

TOKEN_LIFETIME = 2 * 3600
ANONYMOUS = "anonymous"

# grant level → entity-type permissions it implies (DataPermissionConfig)
LEVELS = {
    "COUNT": ["READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA"],
    "READ": ["READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA", "READ_DATA"],
    "WRITE": ["READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA", "READ_DATA", "ADD_DATA", "UPDATE_DATA",
              "DELETE_DATA"],
    "WRITEMETA": ["READ_METADATA", "COUNT_DATA", "AGGREGATE_DATA", "READ_DATA", "ADD_DATA", "UPDATE_DATA",
                  "DELETE_DATA", "UPDATE_METADATA", "DELETE_METADATA"],
}
ALL_PERMISSIONS = LEVELS["WRITEMETA"]
PERMISSION_NAMES = {
    "READ_METADATA": "Read metadata", "COUNT_DATA": "Count", "AGGREGATE_DATA": "Aggregate",
    "READ_DATA": "Read data", "ADD_DATA": "Add data", "UPDATE_DATA": "Update data", "DELETE_DATA": "Delete data",
    "UPDATE_METADATA": "Update metadata", "DELETE_METADATA": "Delete metadata",
}

ROW_PERMISSION_NAMES = {"READ": "Read", "UPDATE": "Update", "DELETE": "Delete"}   # EntityPermission names

USER_TYPE = "sys_sec_User"
TOKEN_TYPE = "sys_sec_Token"
_USERS = "molgenis.users"              # keys of the derived indexes
_GRANTS = "molgenis.grants-by-type"
_TOKENS = "molgenis.tokens-by-value"
_ROW_GRANTS = "molgenis.row-grants-by-row"


def _expired(row: dict[str, Any], now: float) -> bool:
    expires = row.get("expires")
    return expires is not None and expires <= now


def _epoch(instant: str) -> float:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp()


def new_token() -> str:
    return secrets.token_hex(16)


class _TokenIndex(dict):
    """token -> row id of `tokens`, kept up to date by the store's writes (apitwin.store.Follower) instead of being
    rebuilt after every login."""

    def follow(self, change: Change) -> "_TokenIndex":
        if change.old is not None and isinstance(change.old.get("token"), str):
            self.pop(change.old["token"], None)
        if change.new is not None and isinstance(change.new.get("token"), str):
            self[change.new["token"]] = change.new["id"]
        return self


class Security:
    """Reads users, grants and tokens from the API's store (so reset/export/import cover them)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- users and tokens -----------------------------------------------------------------------------------------
    # Accounts live in two places, as on a real server seeded by a test harness: `users` (security.yaml, with clear
    # passwords) and the `sys_sec_User` rows clients create and change through the API. The row wins for the flags
    # (an admin can deactivate a user with PUT), the account file for the password (rows hold placeholder hashes).
    # Tokens likewise: login issues them into `tokens`; `sys_sec_Token` rows created through the API work too.
    def _system_row(self, entity_type_id: str, attribute: str, value: Any) -> dict[str, Any] | None:
        entity_type = model_of(self.store).get(entity_type_id)
        if entity_type is None or entity_type.attribute(attribute) is None:
            return None
        repository = Repository(self.store, entity_type)
        entity_id = repository.holder_of(attribute, value)
        return repository.get(entity_id) if entity_id is not None else None

    def _users(self) -> dict[str, dict[str, Any]]:
        """username -> the merged account of every user, derived from the account file, the `sys_sec_User` rows and
        the model (which says whether those rows exist): rebuilt only after one of them changed, so a permission
        check looks its user up in O(1) instead of walking both lists."""
        def build() -> dict[str, dict[str, Any]]:
            users: dict[str, dict[str, Any]] = {}
            for account in self.store["users"].scan():        # the first account of a name wins, as `first()` did
                users.setdefault(account.get("username"), account)
            entity_type = model_of(self.store).get(USER_TYPE)
            if entity_type is None or entity_type.attribute("username") is None:
                return users
            rows: dict[Any, dict[str, Any]] = {}
            for row in Repository(self.store, entity_type).scan():
                rows.setdefault(row.get("username"), row)
            for username, row in rows.items():
                if username is None:
                    continue
                account = users.get(username)
                merged = dict(account or {"password": row.get("password_")})
                merged.update(username=username, active=bool(row.get("active")), superuser=bool(row.get("superuser")),
                              change_password=bool(row.get("changePassword")), two_factor=bool(row.get("use2fa")),
                              firstname=row.get("FirstName"), lastname=row.get("LastName"))
                users[username] = merged
            return users
        return self.store.derived(_USERS, ("users", MODEL_COLLECTION, collection_name(USER_TYPE)), build)

    def user(self, username: str) -> dict[str, Any] | None:
        try:
            found = self._users().get(username)
        except TypeError:                                    # not a name at all (unhashable): nobody
            return None
        return clone(found) if found is not None else None

    # Login tokens (collection `tokens`) are found through a derived index token -> row id that follows every write
    # (`_TokenIndex.follow`) (an insert per login would otherwise rebuild it every time), and purged once expired: every
    # login drops the expired tokens at the old end (tokens are written in time order with one lifetime, so that
    # is where they are), and an expired token met on lookup is dropped too.
    def _token_index(self) -> dict[str, int]:
        tokens = self.store["tokens"]

        def build() -> _TokenIndex:
            return _TokenIndex((row["token"], row["id"]) for row in tokens.scan() if isinstance(row.get("token"), str))
        return tokens.derived(_TOKENS, build)

    def issue_token(self, username: str, now: float | None = None) -> str:
        token = new_token()
        issued = now if now is not None else time.time()
        with self.store.transaction():
            self.purge_expired(issued)
            tokens = self.store["tokens"]
            tokens.insert({"token": token, "username": username, "creation": issued,
                           "expires": issued + TOKEN_LIFETIME, "description": "REST API login"})
        return token

    def purge_expired(self, now: float | None = None) -> int:
        """Drop the expired login tokens at the old end of `tokens`; returns how many went."""
        moment = now if now is not None else time.time()
        with self.store.transaction():
            tokens = self.store["tokens"]
            self._token_index()                     # current before the deletes, so it follows them
            gone = tokens.drop_oldest_while(lambda row: _expired(row, moment))
            return len(gone)

    def _login_token(self, token: str) -> dict[str, Any] | None:
        with self.store.transaction():
            row_id = self._token_index().get(token)
            return self.store["tokens"].get(row_id) if row_id is not None else None

    def _drop_login_token(self, row: dict[str, Any]) -> bool:
        with self.store.transaction():
            self._token_index()
            return self.store["tokens"].delete(row["id"])

    def token_row(self, token: str | None, now: float | None = None) -> dict[str, Any] | None:
        if not token or not isinstance(token, str) or not token.strip():
            return None
        token = token.strip()
        row = self._login_token(token)
        if row is not None and _expired(row, now if now is not None else time.time()):
            self._drop_login_token(row)
            return None
        row = row or self._token_entity(token)
        if row is None or _expired(row, now if now is not None else time.time()):
            return None
        return row

    def _token_entity(self, token: str) -> dict[str, Any] | None:
        """A sys_sec_Token row as a token record (no expirationDate: it never expires)."""
        row = self._system_row(TOKEN_TYPE, "token", token)
        if row is None:
            return None
        user = self._system_row(USER_TYPE, "id", row.get("User"))
        if user is None:
            return None
        expires = row.get("expirationDate")
        return {"token": token, "username": user.get("username"), "entity_id": row.get("id"),
                "expires": _epoch(expires) if expires else None}

    def revoke(self, token: str) -> bool:
        token = token.strip()
        row = self._login_token(token)
        if row is not None:
            return self._drop_login_token(row)
        entity = self._token_entity(token)
        if entity is None:
            return False
        return Repository(self.store, model_of(self.store).get(TOKEN_TYPE)).delete(entity["entity_id"])

    def username_for(self, token: str | None) -> str | None:
        row = self.token_row(token)
        if row is None:
            return None
        user = self.user(row["username"])
        return row["username"] if user and user.get("active", True) else None

    # -- permissions ---------------------------------------------------------------------------------------------
    def permissions(self, username: str | None, entity_type_id: str) -> list[str]:
        user = self.user(username) if username else None
        if user and user.get("superuser"):
            return list(ALL_PERMISSIONS)
        who = {username or ANONYMOUS, ANONYMOUS} if username else {ANONYMOUS}
        held: list[str] = []
        for grant in self._grants().get(entity_type_id, ()):
            if grant["principal"] in who:
                for permission in LEVELS[grant["level"]]:
                    if permission not in held:
                        held.append(permission)
        return held

    def _grants(self) -> dict[Any, list[dict[str, Any]]]:
        """entity type id -> its grants in storage order (derived from `grants`: read-only)."""
        grants = self.store["grants"]

        def build() -> dict[Any, list[dict[str, Any]]]:
            by_type: dict[Any, list[dict[str, Any]]] = {}
            for grant in grants.scan():
                by_type.setdefault(grant.get("entity_type"), []).append(grant)
            return by_type
        return grants.derived(_GRANTS, build)

    # -- row-level security -------------------------------------------------------------------------------------
    # RowLevelSecurityRepositoryDecorator: on a row-level secured type every row has an ACL (`row_grants`); READ
    # needs a READ or WRITE entry for the caller (or `anonymous`), UPDATE and DELETE a WRITE entry; superusers pass
    # (UserPermissionEvaluatorImpl). Creating is always allowed and gives the creator WRITE on the new row.
    def row_permitted(self, username: str | None, entity_type_id: str, entity_id: Any, action: str) -> bool:
        user = self.user(username) if username else None
        if user and user.get("superuser"):
            return True
        who = {username, ANONYMOUS} if username else {ANONYMOUS}
        wanted = ("READ", "WRITE") if action == "READ" else ("WRITE",)
        return any(grant.get("principal") in who and grant.get("level") in wanted
                   for grant in self._row_grants().get((entity_type_id, str(entity_id)), ()))

    def _row_grants(self) -> dict[tuple[Any, str], list[dict[str, Any]]]:
        """(entity type id, row id as text) -> its ACL entries (derived from `row_grants`: read-only)."""
        grants = self.store["row_grants"]

        def build() -> dict[tuple[Any, str], list[dict[str, Any]]]:
            by_row: dict[tuple[Any, str], list[dict[str, Any]]] = {}
            for grant in grants.scan():
                by_row.setdefault((grant.get("entity_type"), str(grant.get("row"))), []).append(grant)
            return by_row
        return grants.derived(_ROW_GRANTS, build)

    def grant_row(self, username: str | None, entity_type_id: str, entity_id: Any) -> None:
        """The creator's WRITE entry on a new row (`RowLevelSecurityRepositoryDecorator#createAcl`)."""
        self.store["row_grants"].insert({"principal": username or ANONYMOUS, "entity_type": entity_type_id,
                                         "row": entity_id, "level": "WRITE"})

    def drop_row_grants(self, entity_type_id: str, entity_ids: list[Any] | None = None) -> None:
        """A deleted row's ACL goes with it (`deleteAcl`); without ids, every row's of the type (a deleted type's
        ACL class goes too: `EntityTypeRepositorySecurityDecorator#deleteAcl`)."""
        keys = {(entity_type_id, str(entity_id)) for entity_id in entity_ids or ()}
        grants = self.store["row_grants"]
        for grant in [g for g in grants.scan() if (g.get("entity_type"), str(g.get("row"))) in keys
                      or (entity_ids is None and g.get("entity_type") == entity_type_id)]:
            grants.delete(grant["id"])

    def require(self, username: str | None, entity_type: Any, permission: str) -> None:
        if permission not in self.permissions(username, entity_type.id):
            name = PERMISSION_NAMES[permission]
            raise ApiError(401, [f"No '{name}' permission on entity type '{entity_type.display_label}' "
                                 f"with id '{entity_type.id}'."], code="DS04")

    def require_row(self, username: str | None, entity_type: Any, entity_id: Any, action: str) -> None:
        """EntityPermissionDeniedException (DS06, 401) when the caller lacks UPDATE/DELETE on the row."""
        if entity_type.row_level_secured and not self.row_permitted(username, entity_type.id, entity_id, action):
            name = ROW_PERMISSION_NAMES[action]
            raise ApiError(401, [f"No '{name}' permission on entity '{entity_id}' of type "
                                 f"'{entity_type.display_label}'"], code="DS06")
