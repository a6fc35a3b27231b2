"""Values a plain document itself gives its path parameters that name no resource: an API version
(`/rest/v{version}/short-urls`), a region, a tenant slug. The target's lists cannot supply them (no list indexes
them), so without these the generic profile could reach none of the paths that carry them.

Where a value comes from, first found wins: the parameter's (or its schema's) `enum` (first value), `const`,
`example` / `examples` / `default`, then a server variable of the same name (its `default`, else its first `enum`).
Resource ids and their parents' ids (apitwin.inferred.model) are left out: those come from the target's lists."""
from __future__ import annotations

from typing import Any

from apitwin.review.openapi import operations_in

_NONE = object()


def _scalar(value: Any) -> Any:
    return value if value is not None and not isinstance(value, (dict, list)) else _NONE


def _first_example(examples: Any) -> Any:
    """The first value of `examples`: a map of Example objects (parameters) or a list (3.1 schemas)."""
    if isinstance(examples, dict):
        for example in examples.values():
            if isinstance(example, dict) and "value" in example:
                return _scalar(example["value"])
    if isinstance(examples, list) and examples:
        return _scalar(examples[0])
    return _NONE


def documented_value(parameter: dict[str, Any], server_variables: dict[str, Any]) -> Any:
    """The value the document gives `parameter`, `_NONE` (never None, a legal value) when it gives none."""
    schema = parameter.get("schema") if isinstance(parameter.get("schema"), dict) else {}
    sources = (parameter, schema)
    for source in sources:
        enum = source.get("enum")
        if isinstance(enum, list) and enum and _scalar(enum[0]) is not _NONE:
            return enum[0]
    for source in sources:
        if "const" in source and _scalar(source["const"]) is not _NONE:
            return source["const"]
    for source in sources:
        for found in (_scalar(source.get("example")), _first_example(source.get("examples")),
                      _scalar(source.get("default"))):
            if found is not _NONE:
                return found
    variable = server_variables.get(parameter.get("name"))
    if isinstance(variable, dict):
        if _scalar(variable.get("default")) is not _NONE and variable.get("default") != "":
            return variable["default"]
        enum = variable.get("enum")
        if isinstance(enum, list) and enum and _scalar(enum[0]) is not _NONE:
            return enum[0]
    return _NONE


def _server_variables(*holders: dict[str, Any]) -> dict[str, Any]:
    """Variables of every server the document, a path item or an operation declares, the nearest winning."""
    found: dict[str, Any] = {}
    for holder in holders:
        for server in holder.get("servers") or []:
            if isinstance(server, dict) and isinstance(server.get("variables"), dict):
                found.update(server["variables"])
    return found


def _resource_ids(doc: dict[str, Any]) -> set[str]:
    """Path parameters that are a resource's id or one of its parents' ids."""
    from apitwin.inferred.model import infer

    try:
        resources = infer(doc).resources.values()
    except Exception:  # noqa: BLE001 - a document the model cannot read: no parameter is known to be an id
        return set()
    return {r.id_param for r in resources if r.id_param} | {p for r in resources for p in r.scope_params}


def path_values(doc: dict[str, Any]) -> dict[str, Any]:
    """Path parameter name → the value the document gives it, for every path parameter that is no resource id."""
    from connexion.json_schema import resolve_refs

    resolved = resolve_refs(doc)
    ids = _resource_ids(doc)
    found: dict[str, Any] = {}
    for _, _, item, operation in operations_in(resolved):
        variables = _server_variables(resolved, item, operation)
        for parameter in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
            if not isinstance(parameter, dict) or parameter.get("in") != "path":
                continue
            name = parameter.get("name")
            if not isinstance(name, str) or name in ids or name in found:
                continue
            value = documented_value(parameter, variables)
            if value is not _NONE:
                found[name] = value
    return found
