"""What the contract suite knows about the MOLGENIS REST API v1 beyond its OpenAPI document (see apitwin.contract.profiles).
Data only: importing it loads nothing of the mock."""
from __future__ import annotations

from apitwin.contract.profiles import BusinessRule, Login, Profile, any_400
from apitwin.resources import package_path

EXPAND = r"invalid expand value"
_EXPAND_RULE = BusinessRule("an unbalanced `expand` item answers 400 `invalid expand value`", (EXPAND,))
# Writes and tunnels: "validation errors answer 400" (values are checked against the entity type's attributes, which
# no schema of a generic API can state), the `_method` rules of the tunnels, and the expand rule.
_WRITE_RULES = any_400("values checked against the entity type's attributes; tunnel rules; expand")

PROFILE = Profile(
    name="molgenis",
    title="MOLGENIS REST API v1",
    spec_file=package_path("apitwin_apis.specs", "molgenis_v1.yaml"),
    login=Login(path="/login", username="admin", password="admin", header="x-molgenis-token", lifetime=7200),
    business_rules={
        **{op: (_EXPAND_RULE,) for op in (
            "getEntityType", "getAttributeMeta",
            "getAttributeValue", "getEntity",
            "listEntities")},
        "login": (
            BusinessRule("blank username or password: 400 `must not be blank`", ("must not be blank",)),),
        "exportCsv": (BusinessRule(
            "unknown names in `attributes`; RSQL that does not parse; `num` over 10000",
            (r"Unknown attributes \[", r"Invalid RSQL query", r"Unknown attribute '", r"Num exceeded")),),
        "postEntities": _WRITE_RULES + (
            BusinessRule("a create without body and content type answers 415", (r"Content type '' not supported",),
                         (415,)),),
        **{op: (BusinessRule(
            "deletes refused while an attribute's default value or another row refers to the row (D22)",
            (r"is referenced as default value by attribute", r"entities are referenced as default value",
             r"is referenced by entity '")),) for op in (
            "deleteEntity", "deleteAllEntities")},
        "deleteEntityType": (BusinessRule(
            "an entity type another type references cannot be dropped (D19)",
            (r"Data cannot be deleted due to dependencies: ",)),),
        **{op: _WRITE_RULES for op in (
            "postEntity", "updateEntity",
            "updateAttributeValue", "postAttributeValue",
            "postEntityType", "postAttributeMeta")},
    },
    session_ending=frozenset({"logout"}),
    protected=("sys_",),
    emptied_not_removed=("DELETE /{entityTypeId}",),   # deletes every row; the entity type stays readable
)


def profile() -> Profile:
    return PROFILE
