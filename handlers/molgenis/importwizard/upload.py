"""The import wizard's upload (`POST /plugin/importwizard/importFile`, `ImportWizardController#importFile`): an EMX
archive's packages and entity types into the model, its rows through the same create/update core as the REST APIs,
and a `sys_ImportRun` row the client polls through `/api/v2` (specs/molgenis_importwizard.yaml).

The server runs the import as an asynchronous job; the mock runs it while answering the upload, so the run row
already says FINISHED or FAILED when the client first reads it (deterministic, and what the client waits for). An
import is all or nothing: a failure puts the state back as it was before and keeps only the FAILED run row.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from connexion.lifecycle import ConnexionResponse

from apitwin.errors import ApiError
from apitwin_apis.molgenis import data
from apitwin_apis.molgenis.context import RequestContext, request_context
from apitwin_apis.molgenis.importwizard.emx import Emx, EmxProblem, parse, read_sheets
from apitwin_apis.molgenis.inputs import read_form
from apitwin_apis.molgenis.model import EntityType
from apitwin_apis.molgenis.model_store import edit_model, save_model
from apitwin_apis.molgenis.seed_loader import seed_order
from apitwin_apis.molgenis.values import format_instant, typed_id

IMPORT_RUN = "sys_ImportRun"
DATA_ACTIONS = ("ADD", "ADD_UPDATE_EXISTING", "UPDATE", "ADD_IGNORE_EXISTING")
METADATA_ACTIONS = ("ADD", "UPDATE", "UPSERT", "IGNORE")


def _text(status: int, text: str, headers: dict[str, str] | None = None) -> ConnexionResponse:
    """The controller's plain-text answers (`ResponseEntity...contentType(TEXT_PLAIN)`)."""
    return ConnexionResponse(status_code=status, content_type="text/plain", body=text, headers=headers or {})


def _choice(value: str | None, allowed: tuple[str, ...], default: str) -> str:
    """`DataAction.valueOf`/`MetadataAction.valueOf` of the upper-cased value, with the controller's message."""
    if value is None:
        return default
    upper = value.upper()
    if upper not in allowed:
        raise ValueError(f"Invalid action:[{upper}] valid values: [{', '.join(allowed)}]")
    return upper


def _now() -> str:
    return format_instant(datetime.now(timezone.utc))


def _apply_metadata(ctx: RequestContext, emx: Emx, action: str) -> list[str]:
    """Packages and entity types into the model (and `sys_md_Package` rows, which package deletes act on)."""
    model = edit_model(ctx.store)
    for entity_type in emx.entity_types:
        exists = model.get(entity_type.id) is not None
        if action == "ADD" and exists:
            # metaDataService.addEntityType: the sys_md_EntityType row's id is taken (the database's D24a text)
            raise EmxProblem(f"Value '{entity_type.id}' for unique attribute 'id' from entity "
                             f"'{data.ENTITY_TYPE_META}' already exists.")
        if action == "UPDATE" and not exists:
            raise EmxProblem(f"Unknown entity type '{entity_type.id}'.")
        if data.is_system_type(entity_type):
            raise EmxProblem(data.SYSTEM_METADATA)
    if action == "IGNORE":
        return []
    for package in emx.packages:
        model.packages.setdefault(package.id, package)
    for entity_type in emx.entity_types:
        model.add(entity_type)
    save_model(ctx.store, model)
    package_type = model.get(data.PACKAGE_TYPE)
    if package_type is not None:
        repository = ctx.repository(package_type)
        for package in emx.packages:
            if not repository.exists(package.id):
                row = {"id": package.id, "label": package.label, "description": package.description,
                       "parent": package.parent}
                repository.insert({k: v for k, v in row.items()
                                   if v is not None and package_type.attribute(k) is not None})
    return [t.id for t in emx.entity_types]


def _import_rows(ctx: RequestContext, entity_type: EntityType, rows: list[dict[str, Any]], action: str) -> int:
    repository = ctx.repository(entity_type)
    id_name = entity_type.id_attribute.name
    count = 0
    for row in rows:
        raw_id = row.get(id_name)
        entity_id = typed_id(entity_type, raw_id, model=ctx.model) if raw_id is not None else None
        exists = entity_id is not None and repository.exists(entity_id)
        if exists and action == "ADD_IGNORE_EXISTING":
            continue
        if exists and action != "ADD":
            data.replace(ctx, entity_type, entity_id, row, form=True)
        elif action == "UPDATE":
            raise EmxProblem(f"Cannot update [{entity_type.id}] with id [{raw_id}] because it does not exist")
        else:
            values = {k: v for k, v in row.items() if v is not None}
            data.create(ctx, entity_type, values, form=True)
        count += 1
    return count


def run_import(token_info: dict[str, Any] | None, sheets: dict[str, list[dict[str, Any]]], metadata_action: str,
               data_action: str) -> dict[str, int]:
    """Imports the archive's sheets; returns rows imported per entity type. Raises EmxProblem or ApiError."""
    emx = parse(sheets)
    _apply_metadata(request_context(token_info), emx, metadata_action)
    ctx = request_context(token_info)                      # sees the new model
    unknown = [name for name in emx.data if ctx.model.get(name) is None]
    if unknown:
        raise EmxProblem(f"Unknown entity type '{unknown[0]}'.")
    imported: dict[str, int] = {}
    for type_id in seed_order(ctx.model, list(emx.data)):
        entity_type = ctx.model.get(type_id)
        assert entity_type is not None
        imported[type_id] = _import_rows(ctx, entity_type, emx.data[type_id], data_action)
    return imported


async def import_file(token_info: dict[str, Any] | None = None, action: str | None = None,
                      metadataAction: str | None = None, notify: bool | None = None, **_: Any) -> Any:
    ctx = request_context(token_info)
    account = ctx.security.user(ctx.username) if ctx.username else None
    if not account or not account.get("superuser"):
        raise ApiError(401, ["No permission to use the import wizard."])
    form = await read_form()
    upload = form.files.get("file")
    if upload is None:
        return _text(400, "Required request part 'file' is not present")
    try:                                     # in the request, before the job: a 400 with the plain message
        data_action = _choice(action, DATA_ACTIONS, "ADD")
        sheets = read_sheets(upload.content)
        metadata_action = _choice(metadataAction, METADATA_ACTIONS, _default_metadata_action(sheets))
    except (ValueError, EmxProblem) as error:
        return _text(400, str(error))
    run_type = ctx.model.get(IMPORT_RUN)
    if run_type is None:
        return _text(400, f"Entity type '{IMPORT_RUN}' is missing: imports cannot be recorded")
    started = _now()
    snapshot = ctx.store.export()
    try:
        imported = run_import(token_info, sheets, metadata_action, data_action)
        outcome = {"status": "FINISHED", "importedEntities": ",".join(imported) or None,
                   "message": "; ".join(f"Imported {n} {t} entities." for t, n in imported.items()) or None}
    except (EmxProblem, ApiError, ValueError) as error:
        ctx.store.load(snapshot)               # all or nothing, as the server's import transaction
        messages = error.messages if isinstance(error, ApiError) else [str(error)]
        outcome = {"status": "FAILED", "message": "\n".join(str(m) for m in messages)}
    ctx = request_context(token_info)
    run = {"startDate": started, "endDate": _now(), "username": ctx.username, "progress": 0,
           "notify": bool(notify), **outcome}
    run_id = data.create(ctx, ctx.model.get(IMPORT_RUN) or run_type, {k: v for k, v in run.items() if v is not None},
                         form=False)
    href = f"{ctx.prefix}/api/v2/{IMPORT_RUN}/{run_id}"
    return _text(201, href, {"Location": href})


def _default_metadata_action(sheets: dict[str, list[dict[str, Any]]]) -> str:
    """`EmxImportService#getMetadataAction`: ADD when the archive has metadata sheets, else UPDATE."""
    return "ADD" if any(name.lower() in ("attributes", "packages") for name in sheets) else "UPDATE"
