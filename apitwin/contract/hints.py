"""Data hints: values that exist on the target, so generated requests reach real resources instead of answering
404 for ids that were never there (the most common complaint about schema-driven fuzzing).

Where they come from, in order:
- the spec: a parameter's `x-apitwin-hints.known` list (MOLGENIS entity type ids); each known value is kept only if
  the target has it;
- the target itself, asked as the logged-in account: a path parameter `{x}` whose parent path has a GET list gets
  the ids of that list (Partners customers, shipments, kits, ...); a nested one (`/owners/{ownerId}/pets/{petId}`)
  gets (ownerId, petId) pairs, each child read from the list under its own parent (`Hints.chains`: a few parents,
  a few children each, in the target's order); an entity type's rows and attributes
  (MOLGENIS, through `/{e}` and `/{e}/meta`); body properties listed in the profile (panel SKUs).

Hints only ever replace parts of *positive* cases, and only some of the time (`one_of` keeps the generated value as
a choice): negative cases keep the invalid value they were built around, and 404 paths stay exercised.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from apitwin.contract.profiles import Profile
from apitwin.contract.target import Target

MAX_PER_NAME = 25          # enough variety; keeps strategies small and the run deterministic
MAX_PARENTS = 3            # nested lists: parents whose children are read, and children read under each
MAX_CHILDREN = 3
_KEEP = object()           # "leave the generated value"


@dataclass
class Hints:
    values: dict[str, list[Any]] = field(default_factory=dict)      # name → known values (path, query, body)
    items: dict[str, list[Any]] = field(default_factory=dict)       # body array property → known item values
    # grouping parameter → its known value → {dependent parameter → known values} (entity type → ids, attributes)
    groups: dict[str, dict[str, dict[str, list[Any]]]] = field(default_factory=dict)
    # path parameter naming no resource → the value its document gives it (Profile.path_values), where the
    # target supplies none; for paths only: a body property of the same name keeps its own schema
    paths: dict[str, list[Any]] = field(default_factory=dict)
    # a nested item path's prefix (`/owners/{ownerId}/pets/{petId}`) → consistent assignments of every parameter
    # in it, each child read from the list under its own parent; a parent's id alone has no single value there
    chains: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{name} ({len(v)})" for name, v in sorted(self.values.items())]
        parts += [f"{name}[] ({len(v)})" for name, v in sorted(self.items.items())]
        parts += [f"{name} ({len(v)} with their ids)" for name, v in sorted(self.groups.items())]
        parts += [f"{{{name}}} = {v[0]!r} (document)" for name, v in sorted(self.paths.items())]
        parts += [f"{prefix} ({len(v)} tuples)" for prefix, v in sorted(self.chains.items())]
        return ", ".join(parts) or "none"


def rows_of(document: Any) -> list[Any]:
    """The rows of a list answer: a bare array, or the array in a paging envelope."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("results", "items"):
            if isinstance(document.get(key), list):
                return document[key]
    return []


WRAPPERS = ("data", "items", "results", "records", "content", "values")


def rows_anywhere(body: Any, depth: int = 2) -> list[Any]:
    """The rows of a list answer: a bare array, a known envelope, or the one array an envelope holds — also inside
    one wrapping object (Shlink: `{"shortUrls": {"data": [...], "pagination": {...}}}`)."""
    rows = rows_of(body)
    if rows or not isinstance(body, dict):
        return rows
    arrays = [v for k, v in body.items() if isinstance(v, list)]
    for key in WRAPPERS:
        if isinstance(body.get(key), list):
            return body[key]
    if len(arrays) == 1:
        return arrays[0]
    objects = [v for v in body.values() if isinstance(v, dict)]
    if not arrays and len(body) == 1 and len(objects) == 1 and depth > 0:
        return rows_anywhere(objects[0], depth - 1)
    return []


def row_id(row: Any, id_field: str | None) -> Any:
    """The row's `id_field`, else the last segment of its `href` (MOLGENIS rows name their id attribute freely)."""
    if not isinstance(row, dict):
        return None
    if id_field is not None and id_field in row:
        return row[id_field]
    href = row.get("href")
    return unquote(href.rstrip("/").rsplit("/", 1)[-1]) if isinstance(href, str) else None


def _known_from_spec(spec: dict[str, Any]) -> dict[str, list[str]]:
    """`x-apitwin-hints.known` of every parameter in components and paths, by parameter name."""
    found: dict[str, list[str]] = {}
    candidates = list((spec.get("components", {}).get("parameters") or {}).values())
    for item in (spec.get("paths") or {}).values():
        for value in item.values():
            if isinstance(value, list):
                candidates += value
            elif isinstance(value, dict):
                candidates += value.get("parameters", []) or []
    for parameter in candidates:
        if isinstance(parameter, dict) and isinstance(parameter.get("x-apitwin-hints"), dict):
            known = parameter["x-apitwin-hints"].get("known") or []
            found.setdefault(parameter["name"], [str(v) for v in known])
    return found


_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def _parent_lists(spec: dict[str, Any], fixed: dict[str, Any]) -> dict[str, str]:
    """Path parameter → the concrete GET list path it indexes: `/api/v1/customers/{customer_id}/` →
    `/api/v1/customers/`. The list path may carry parameters of its own that name no resource (an API version,
    `/rest/v{version}/short-urls/{shortCode}` → `/rest/v3/short-urls`): they are filled from `fixed`, the values the
    document gives them (Profile.path_values); a list path with any other parameter (a parent's id) is left out."""
    paths = spec.get("paths") or {}
    parents: dict[str, str] = {}
    # item paths first (`/tags/{tag}`), then paths under an item (`/tags/{tag}/visits`: its list is `/tags` too)
    for path in sorted(paths, key=lambda p: not re.search(r"\}/?$", p)):
        for match in re.finditer(r"/\{(?P<name>[^{}]+)\}(?=/|$)", path):
            parent = path[:match.start() + 1]
            if match["name"] in parents or match["name"] in fixed:
                continue
            for candidate in (parent, parent.rstrip("/")):
                item = paths.get(candidate)
                if not isinstance(item, dict) or "get" not in item:
                    continue
                names = _TEMPLATE.findall(candidate)
                if all(name in fixed for name in names):
                    parents[match["name"]] = _TEMPLATE.sub(lambda m: quote(str(fixed[m[1]]), safe=""), candidate)
                break
    return parents


def row_key(row: Any, name: str, profile: Profile) -> Any:
    """What a list row gives the path parameter `name` it is listed for: its field the profile names for `name`
    (Profile.id_fields: `{shortCode}` → `shortCode`), else the profile's id field, else its field named like the
    parameter (`{domain}` → `domain`), else the last segment of its `href`; a list of plain values (tags) lists the
    values themselves."""
    if isinstance(row, (str, int)) and not isinstance(row, bool):
        return row
    if not isinstance(row, dict):
        return None
    for field_name in (profile.id_fields.get(name), profile.id_field):
        if field_name in row:
            return row[field_name]
    return row[name] if name in row else row_id(row, None)


def _dedupe(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value is not None and value not in seen and not isinstance(value, (dict, list)):
            seen.append(value)
    return seen[:MAX_PER_NAME]


def discover(spec: dict[str, Any], profile: Profile, target: Target, headers: dict[str, str],
             params: dict[str, str] | None = None) -> Hints:
    """`headers` and `params` carry the account's credential (params: an API key sent in the query)."""
    hints = Hints()
    for name, path in _parent_lists(spec, profile.path_values).items():
        reply = target.send("GET", path, headers=headers, params=params or None)
        if reply.status == 200:
            ids = _dedupe([row_key(row, name, profile) for row in rows_anywhere(reply.json_or_none())])
            if ids:
                hints.values[name] = ids
    for alias, name in profile.aliases.items():
        if name in hints.values:
            hints.values.setdefault(alias, hints.values[name])
    for name, sources in profile.list_values.items():
        found: list[Any] = []
        for path, item_field in sources:
            reply = target.send("GET", path, headers=headers, params=params or None)
            if reply.status == 200:
                found += [row.get(item_field) for row in rows_of(reply.json_or_none()) if isinstance(row, dict)]
        if _dedupe(found):
            hints.items[name] = _dedupe(found)
    for name, known in _known_from_spec(spec).items():
        catalog = _entity_catalog(target, headers, known)
        if catalog:
            hints.groups[name] = catalog
    _add_document_values(hints, profile)
    _discover_chains(spec, profile, target, headers, params, hints)
    _discover_links(spec, profile, target, headers, params, hints)
    return hints


def _nested_lists(spec: dict[str, Any], fixed: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(item prefix, its list path, the parameter) for every path parameter whose list path carries a parameter of
    its own that is no fixed document value (a parent's id): `/owners/{ownerId}/pets/{petId}` →
    (`/owners/{ownerId}/pets/{petId}`, `/owners/{ownerId}/pets`, `petId`). Shallowest first, so a parent's tuples
    are known before its children's lists are asked."""
    paths = spec.get("paths") or {}
    found: dict[str, tuple[str, str, str]] = {}
    for path in paths:
        for match in re.finditer(r"/\{(?P<name>[^{}]+)\}(?=/|$)", path):
            prefix = path[:match.end()]
            if prefix in found or match["name"] in fixed:
                continue
            parent = path[:match.start() + 1]
            for candidate in (parent, parent.rstrip("/")):
                item = paths.get(candidate)
                if not isinstance(item, dict) or "get" not in item:
                    continue
                if any(name not in fixed for name in _TEMPLATE.findall(candidate)):
                    found[prefix] = (prefix, candidate, match["name"])
                break
    return sorted(found.values(), key=lambda entry: (len(_TEMPLATE.findall(entry[0])), entry[0]))


def chain_for(path: str, hints: Hints) -> str | None:
    """The longest prefix of `path` (whole segments) that has chained assignments."""
    best = None
    for prefix in hints.chains:
        if (path == prefix or path.startswith(prefix + "/")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def _scopes(list_path: str, hints: Hints, fixed: dict[str, Any]) -> list[dict[str, Any]]:
    """Assignments of the list path's parameters: the tuples of its longest chained prefix, the rest from the
    document's values or a single known list; [] when some parameter has none."""
    prefix = chain_for(list_path, hints)
    bases = [dict(a) for a in hints.chains[prefix]] if prefix else [{}]
    names = [n for n in _TEMPLATE.findall(list_path) if n not in bases[0]]
    free = [n for n in names if n not in fixed]
    if len(free) > 1 or any(n not in hints.values for n in free):
        return []
    out = []
    for base in bases:
        values = hints.values[free[0]][:MAX_PARENTS] if free else [None]
        for value in values:
            assignment = {**base, **{n: fixed[n] for n in names if n in fixed}}
            if free:
                assignment[free[0]] = value
            out.append(assignment)
    return out[:MAX_PARENTS * MAX_CHILDREN]


def _interleave(groups: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One child of each parent in turn: the first few assignments already span several parents."""
    out: list[dict[str, Any]] = []
    for i in range(max((len(g) for g in groups), default=0)):
        out += [g[i] for g in groups if i < len(g)]
    return out


def _discover_chains(spec: dict[str, Any], profile: Profile, target: Target, headers: dict[str, str],
                     params: dict[str, str] | None, hints: Hints) -> None:
    """For each nested item prefix: a few parents' lists read, a few children each, paired with their parent."""
    fixed = profile.path_values
    for prefix, list_path, name in _nested_lists(spec, fixed):
        if any(n in hints.groups for n in _TEMPLATE.findall(prefix)):
            continue                    # an entity type and its ids: Hints.groups pairs them already
        groups = []
        for scope in _scopes(list_path, hints, fixed)[:MAX_PARENTS]:
            url = _TEMPLATE.sub(lambda m: quote(str(scope[m[1]]), safe=""), list_path)
            reply = target.send("GET", url, headers=headers, params=params or None)
            if reply.status != 200:
                continue
            ids = _dedupe([row_key(row, name, profile) for row in rows_anywhere(reply.json_or_none())])
            groups.append([{**scope, name: value} for value in ids[:MAX_CHILDREN]])
        found = _interleave(groups)
        if found:
            hints.chains[prefix] = found


_NOTHING = object()


def _pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer (RFC 6901), `_NOTHING` where there is none."""
    node = document
    for raw in [part for part in pointer.split("/")[1:]] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _NOTHING
    return node


def _link_sources(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(source GET path, target path, {target path parameter: `$response.body#…` expression}) for each link of a
    GET's 2xx answer to an operation (by operationId) whose path parameters it names from the answer's body."""
    from connexion.json_schema import resolve_refs

    resolved = resolve_refs(spec)
    paths = resolved.get("paths") or {}
    by_id = {op.get("operationId"): path for path, item in paths.items() if isinstance(item, dict)
             for op in item.values() if isinstance(op, dict) and op.get("operationId")}
    found = []
    for path, item in paths.items():
        get = item.get("get") if isinstance(item, dict) else None
        for code, response in ((get or {}).get("responses") or {}).items():
            if not str(code).startswith("2") or not isinstance(response, dict):
                continue
            for link in (response.get("links") or {}).values():
                target_path = by_id.get(link.get("operationId")) if isinstance(link, dict) else None
                if target_path is None:
                    continue
                names = set(_TEMPLATE.findall(target_path))
                expressions = {str(name).removeprefix("path."): value
                               for name, value in (link.get("parameters") or {}).items()
                               if isinstance(value, str) and value.startswith("$response.body#")}
                expressions = {n: v for n, v in expressions.items() if n in names}
                if expressions:
                    found.append((path, target_path, expressions))
    return found


def _discover_links(spec: dict[str, Any], profile: Profile, target: Target, headers: dict[str, str],
                    params: dict[str, str] | None, hints: Hints) -> None:
    """Path values the document's `links` name from answers (`{vetId: $response.body#/headVet/id}`), for target
    paths no list reaches: the source GET is asked with known values, the pointer read on its body (on each row
    of a list answer when the body itself has no such field), each row giving one assignment of the target path."""
    for source, target_path, expressions in _link_sources(spec):
        names = _TEMPLATE.findall(target_path)
        known = path_known(hints)
        prefix = chain_for(target_path, hints)
        covered = set(hints.chains[prefix][0]) if prefix else set()
        if all(n in known or n in covered or n in hints.groups for n in names):
            continue                    # the lists reach it already
        values = _source_values(source, hints)
        if values is None:
            continue
        url = _TEMPLATE.sub(lambda m: quote(str(values[m[1]]), safe=""), source)
        reply = target.send("GET", url, headers=headers, params=params or None)
        body = reply.json_or_none() if reply.status == 200 else None
        if body is None:
            continue
        documents = [body] if all(_pointer(body, e.split("#", 1)[1]) is not _NOTHING for e in expressions.values()) \
            else rows_anywhere(body)[:MAX_CHILDREN]
        found = []
        for document in documents:
            assignment = {n: _pointer(document, e.split("#", 1)[1]) for n, e in expressions.items()}
            if any(v is _NOTHING or isinstance(v, (dict, list)) or v is None for v in assignment.values()):
                continue
            rest = [n for n in names if n not in assignment]
            if any(n not in values and n not in known for n in rest):
                continue
            assignment.update({n: values[n] if n in values else known[n][0] for n in rest})
            if assignment not in found:
                found.append(assignment)
        if found:
            hints.chains[target_path.rstrip("/")] = found


def _source_values(path: str, hints: Hints) -> dict[str, Any] | None:
    """Values to ask a link's source GET with: its chained tuple, else the first known value of each parameter."""
    names = _TEMPLATE.findall(path)
    prefix = chain_for(path, hints)
    values = dict(hints.chains[prefix][0]) if prefix else {}
    known = path_known(hints)
    for name in names:
        if name not in values:
            if name not in known:
                return None
            values[name] = known[name][0]
    return values


def _add_document_values(hints: Hints, profile: Profile) -> None:
    """The document's own values of path parameters that name no resource, where the target gave none."""
    for name, value in profile.path_values.items():
        if name not in hints.values:
            hints.paths[name] = [value]


def path_known(hints: Hints) -> dict[str, list[Any]]:
    """Known values of path parameters: the target's, else the document's (`Hints.paths`)."""
    return {**hints.paths, **hints.values}


def _entity_catalog(target: Target, headers: dict[str, str], known: list[str]) -> dict[str, dict[str, list[Any]]]:
    """For each known entity type the target really has: some row ids (`{id}`) and its attribute names
    (`{attributeName}`), read through `/{e}/meta` and `/{e}?num=`, the API's own metadata routes."""
    catalog: dict[str, dict[str, list[Any]]] = {}
    for type_id in known:
        meta = target.send("GET", f"/{type_id}/meta", headers=headers)
        body = meta.json_or_none()
        if meta.status != 200 or not isinstance(body, dict):
            continue
        attributes = sorted((body.get("attributes") or {}).keys())
        rows = target.send("GET", f"/{type_id}", headers=headers, params={"num": MAX_PER_NAME})
        ids = _dedupe([row_id(row, None) for row in rows_of(rows.json_or_none())]) if rows.status == 200 else []
        catalog[type_id] = {"id": [str(i) for i in ids], "attributeName": attributes}
    return catalog


# -- applying hints to generated cases ------------------------------------------------------------------------

def _is_positive(case: Any) -> bool:
    from schemathesis import GenerationMode

    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


def _in_stateful_phase(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and str(getattr(getattr(meta, "phase", None), "name", "")).lower() == "stateful"


def _choice(known: list[Any]) -> Any:
    from hypothesis import strategies as st

    return st.one_of(st.just(_KEEP), st.sampled_from(known))


def case_strategy(hints: Hints, case: Any) -> Any:
    """A strategy of `case` with some hinted values swapped in (positive cases only)."""
    from hypothesis import strategies as st

    if not _is_positive(case) or _in_stateful_phase(case):
        return st.just(case)   # a stateful step's values come from its links: the resource just created
    slots: dict[tuple[str, str], Any] = {}
    path = case.path_parameters or {}
    chained = chain_for(str(getattr(case, "path", "")), hints)
    for name in path:
        if name in hints.values and not (chained and name in hints.chains[chained][0]):
            slots[("path", name)] = _choice(hints.values[name])
    if chained:
        # the parent and the child vary together: a child id only ever travels with its own parent's
        slots[("chain", chained)] = st.one_of(st.just(_KEEP), st.sampled_from(hints.chains[chained]))
    for group, catalog in hints.groups.items():
        if group in path:
            slots[("group", group)] = st.one_of(st.just(_KEEP), st.sampled_from(sorted(catalog)).flatmap(
                lambda value, group=group, catalog=catalog: _group_values(group, value, catalog[value], path)))
    for name in case.query or {}:
        if name in hints.values:
            slots[("query", name)] = _choice(hints.values[name])
    body = case.body if isinstance(getattr(case, "body", None), dict) else None
    if body is not None:
        for name, value in body.items():
            if name in hints.values and isinstance(value, (int, str)) and not isinstance(value, bool):
                slots[("body", name)] = _choice(hints.values[name])
            elif name in hints.items and isinstance(value, list):
                slots[("body", name)] = st.one_of(
                    st.just(_KEEP), st.lists(st.sampled_from(hints.items[name]), min_size=1, max_size=3))
    if not slots:
        return st.just(case)
    return st.fixed_dictionaries(slots).map(lambda chosen: _apply(case, chosen))


def _group_values(group: str, value: str, dependents: dict[str, list[Any]], path: dict[str, Any]) -> Any:
    from hypothesis import strategies as st

    parts: dict[str, Any] = {group: st.just(value)}
    for name, known in dependents.items():
        if name in path:
            parts[name] = st.sampled_from(known) if known else st.just(path[name])
    return st.fixed_dictionaries(parts)


def _apply(case: Any, chosen: dict[tuple[str, str], Any]) -> Any:
    path = dict(case.path_parameters or {})
    query = dict(case.query or {})
    body = dict(case.body) if isinstance(case.body, dict) else case.body
    for (where, name), value in chosen.items():
        if value is _KEEP:
            continue
        if where in ("group", "chain"):
            path.update({k: v for k, v in value.items() if k in path})
        elif where == "path":
            path[name] = value
        elif where == "query":
            query[name] = value
        else:
            body[name] = value
    case.path_parameters = path
    if case.query is not None:
        case.query = query
    if isinstance(case.body, dict):
        case.body = body
    return case


def install(schema: Any, hints: Hints) -> None:
    def flatmap_case(context: Any, case: Any) -> Any:
        return case_strategy(hints, case)

    schema.hook("flatmap_case")(flatmap_case)
