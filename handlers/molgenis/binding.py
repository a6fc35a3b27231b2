"""How the MOLGENIS documents (v1 and v2) reach their Python: operationId (the API's own name) → handler, security
scheme → token check. Data only (nothing is imported until the app resolves it); the engine's side is
apitwin.binding."""
from __future__ import annotations

from apitwin.binding import Binding

HANDLERS = {
    "login": "apitwin_apis.molgenis.auth:login",
    "logout": "apitwin_apis.molgenis.auth:logout",
    "exportCsv": "apitwin_apis.molgenis.csv_export:export_csv",
    "getEntityType": "apitwin_apis.molgenis.meta:get_entity_type",
    "postEntityType": "apitwin_apis.molgenis.meta:post_entity_type",
    "deleteEntityType": "apitwin_apis.molgenis.meta:delete_entity_type",
    "getAttributeMeta": "apitwin_apis.molgenis.meta:get_attribute",
    "postAttributeMeta": "apitwin_apis.molgenis.meta:post_attribute",
    "entityTypeExists": "apitwin_apis.molgenis.meta:exists",
    "getAttributeValue": "apitwin_apis.molgenis.rows:get_attribute_value",
    "updateAttributeValue": "apitwin_apis.molgenis.rows:update_attribute",
    "postAttributeValue": "apitwin_apis.molgenis.rows:post_attribute_value",
    "getEntity": "apitwin_apis.molgenis.rows:get_row",
    "updateEntity": "apitwin_apis.molgenis.rows:update_row",
    "postEntity": "apitwin_apis.molgenis.rows:post_row",
    "deleteEntity": "apitwin_apis.molgenis.rows:delete_row",
    "listEntities": "apitwin_apis.molgenis.entities:list_rows",
    "deleteAllEntities": "apitwin_apis.molgenis.entities:delete_all",
    "postEntities": "apitwin_apis.molgenis.entities:post_collection",
    "listEntitiesV2": "apitwin_apis.molgenis.v2.entities:retrieve_entity_collection",
    "createEntitiesV2": "apitwin_apis.molgenis.v2.entities:post_entity_collection",
    "updateEntitiesV2": "apitwin_apis.molgenis.v2.entities:update_entities",
    "deleteEntitiesV2": "apitwin_apis.molgenis.v2.entities:delete_entity_collection",
    "getEntityV2": "apitwin_apis.molgenis.v2.rows:retrieve_entity",
    "postEntityV2": "apitwin_apis.molgenis.v2.rows:post_entity",
    "deleteEntityV2": "apitwin_apis.molgenis.v2.rows:delete_entity",
    "updateAttributeValueV2": "apitwin_apis.molgenis.v2.rows:update_attribute",
    "getAttributeMetaV2": "apitwin_apis.molgenis.v2.meta:retrieve_attribute_meta",
    "postAttributeMetaV2": "apitwin_apis.molgenis.v2.meta:post_attribute_meta",
    "importFile": "apitwin_apis.molgenis.importwizard.upload:import_file",
    "getEntityTypeMetadata": "apitwin_apis.molgenis.metadata.entity_types:get_entity_type",
    "getAttributeMetadata": "apitwin_apis.molgenis.metadata.entity_types:get_attribute",
}

BINDING = Binding(
    handlers=HANDLERS,
    security={
        "molgenisToken": "apitwin_apis.molgenis.auth:token_info",
        "molgenisTokenParam": "apitwin_apis.molgenis.auth:token_info",
        "molgenisBasic": "apitwin_apis.molgenis.auth:basic_info",
    },
)
