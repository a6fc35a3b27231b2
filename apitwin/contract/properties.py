"""Targeted property checks: what generated requests alone do not catch, because a single response can look right
while the API is wrong. Each runs after the schemathesis phases, against real data (the hints), as the run's
account, and states one property of the whole API. Each is declared with `@check(id, level, description)`
(`PROPERTIES`, an `apitwin.rulebook.Rulebook`) and they run in that order; deletes run last, since they change what
the others would read.

Which operations each applies to is read from the spec (methods, path shapes, parameters, response shapes), not
listed per API. A property that finds nothing to test on a target says so (`skipped`) rather than passing quietly.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator
from urllib.parse import quote, urljoin

from apitwin.contract.auth import Credentials
from apitwin.contract.checks import RunContext
from apitwin.contract.hints import WRAPPERS, Hints, chain_for, path_known, row_id, rows_anywhere, rows_of
from apitwin.contract.listing import walk as listing_walk
from apitwin.contract.profiles import Profile
from apitwin.contract.results import Finding, PropertyOutcome
from apitwin.contract.target import Reply
from apitwin.contract.values import as_moment, same_value
from apitwin.rulebook import Rulebook

PAGING_PARAMS = {"page", "page_size", "start", "num"}
VOLATILE = re.compile(r"(modified|updated)(_at|At|_on)?$")     # fields an update may change by itself
PER_OPERATION = 3                                               # probes per operation and property
Progress = Callable[[str], None]

PROPERTIES: Rulebook[Callable[["Checker"], None]] = Rulebook("contract property", ("error",))
check = PROPERTIES.rule


# -- helpers ---------------------------------------------------------------------------------------------------

def _params_of(operation: dict[str, Any], where: str) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if isinstance(p, dict) and p.get("in") == where]


def _template_params(path: str) -> list[str]:
    return re.findall(r"\{([^{}]+)\}", path)


def _fill(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{([^{}]+)\}", lambda m: quote(str(values[m[1]]), safe=""), path)


def resolutions(path: str, hints: Hints, limit: int = PER_OPERATION,
                protected: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Up to `limit` assignments of real values to the path's parameters (grouped values stay consistent: an id
    of that entity type), leaving out grouped values starting with a `protected` prefix; [] when some parameter
    has no hint. Deterministic: hints are in the target's order, groups sorted."""
    names = _template_params(path)
    if not names:
        return [{}]
    for group, catalog in hints.groups.items():
        if group in names:
            found = []
            for value in sorted(catalog):
                if value.startswith(protected) and protected:
                    continue
                dependents = catalog[value]
                lists = [dependents.get(n, []) for n in names if n != group]
                if any(not values for values in lists):
                    continue
                choice = {group: value}
                choice.update({n: dependents[n][0] for n in names if n != group})
                found.append(choice)
            return found[:limit]
    known = path_known(hints)
    chained = chain_for(path, hints)
    if chained is not None:
        # a nested path: (parent, child) tuples as the target listed them; parameters after the prefix from the
        # lists that know them (their first value), else nothing is known
        rest = [n for n in names if n not in hints.chains[chained][0]]
        if any(n not in known for n in rest):
            return []
        return [{**{n: known[n][0] for n in rest}, **assignment}
                for assignment in hints.chains[chained][:limit]]
    if all(n in known for n in names):
        # the target's values vary together; a document's value (an API version) is the same in every assignment
        varying = [n for n in names if n in hints.values] or names
        depth = min(len(known[n]) for n in varying)
        return [{n: known[n][i] if n in varying else known[n][0] for n in names} for i in range(min(depth, limit))]
    return []


def _unknown(path: str, hints: Hints) -> str:
    """Why `resolutions` found nothing for `path`: the parameters no list of the target and no enum, const,
    example, default or server variable of the document gave a value."""
    known = path_known(hints)
    chained = chain_for(path, hints)
    covered = set(hints.chains[chained][0]) if chained else set()
    missing = [n for n in _template_params(path) if n not in known and n not in hints.groups and n not in covered]
    if not missing:
        return "no known parent"
    return (f"no known value for {', '.join('{' + n + '}' for n in missing)} (no list of the target has one; "
            "the document gives no enum, const, example, default or server variable)")


def _response_schema(operation: dict[str, Any]) -> dict[str, Any]:
    content = ((operation.get("responses") or {}).get("200") or {}).get("content") or {}
    media = content.get("application/json") or {}
    schema = media.get("schema")
    return schema if isinstance(schema, dict) else {}


def _lists_rows(schema: Any, wrapped: bool = False) -> bool:
    """An array, an object with `items`/`results`; inside one wrapping object (`wrapped`) also an array under one
    of the usual envelope names (Shlink: `{"shortUrls": {"data": [...], "pagination": {...}}}`)."""
    if not isinstance(schema, dict):
        return False
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    if schema.get("type") == "array" or "items" in properties or "results" in properties:
        return True
    if wrapped:
        return any(isinstance(properties.get(k), dict) and properties[k].get("type") == "array" for k in WRAPPERS)
    return len(properties) == 1 and _lists_rows(next(iter(properties.values())), wrapped=True)


def _is_list(operation: dict[str, Any]) -> bool:
    """Does the 200 answer list rows: an array, or an object with `items`/`results`, or one object wrapping a page
    of rows (also inside oneOf/anyOf)?"""
    schema = _response_schema(operation)
    return any(_lists_rows(variant) for variant in [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])])


class Checker:
    """Shared state of one property pass: the run context, the accounts, and how to record outcomes."""

    def __init__(self, context: RunContext, profile: Profile, spec: dict[str, Any], hints: Hints,
                 other: Credentials | None, include: list[str] | None, progress: Progress, destructive: bool) -> None:
        self.context = context
        self.profile = profile
        self.spec = spec
        self.hints = hints
        self.other = other
        self.include = include
        self.progress = progress
        self.destructive = destructive        # the target is reset afterwards: whole collections may be deleted
        self.secret = (profile.login.header.lower(),)

    # -- operations ---------------------------------------------------------------------------------------------
    def operations(self, method: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for label, operation in self.context.operations.items():
            verb, path = label.split(" ", 1)
            if verb != method:
                continue
            if self.include and label not in self.include and operation.get("operationId") not in self.include:
                continue
            yield label, path, operation

    def get_of(self, path: str) -> dict[str, Any] | None:
        return self.context.operations.get(f"GET {path}")

    # -- requests and outcomes ----------------------------------------------------------------------------------
    def send(self, method: str, path: str, account: Credentials | None = None, **kwargs: Any) -> Reply:
        headers = None if account is None else account.headers()
        if account is not None and account.params():
            kwargs["params"] = {**(kwargs.get("params") or {}), **account.params()}
        return self.context.send(method, path, headers=headers, **kwargs)

    def fail(self, outcome: PropertyOutcome, title: str, message: str, reply: Reply, code: str) -> None:
        outcome.failed = True
        self.context.result.add_finding(Finding(
            check=outcome.name, operation=outcome.operation, title=title, message=message,
            curl=reply.request.curl(self.secret), status=reply.status, response=reply.excerpt(600),
            phase="properties", code=code))

    def outcome(self, name: str, operation: str) -> PropertyOutcome:
        """The outcome of property `name` on one operation; `name` is a declared rule id (`PROPERTIES`), so every
        finding names a rule the reports and `--include` know."""
        if name not in PROPERTIES:
            raise KeyError(f"contract property {name!r} is not declared with @check")
        outcome = PropertyOutcome(name=name, operation=operation)
        self.context.result.properties.append(outcome)
        return outcome


def _ids(reply: Reply, id_field: str | None) -> list[Any]:
    return [row_id(row, id_field) for row in rows_of(reply.json_or_none())]


# -- tenant_isolation ------------------------------------------------------------------------------------------

@check("tenant_isolation", "error", "Another account never sees this account's resources: 404 by id, absent from its "
       "lists.")
def tenant_isolation(checker: Checker) -> None:
    if checker.other is None:
        checker.outcome("tenant_isolation", "(every operation)").skipped = "no second account (--other-account)"
        return
    for label, path, operation in checker.operations("GET"):
        names = _template_params(path)
        outcome = checker.outcome("tenant_isolation", label)
        if names:
            for values in resolutions(path, checker.hints):
                if any(n in checker.hints.groups for n in names):
                    outcome.skipped = "resources are not per tenant"
                    break
                reply = checker.send("GET", _fill(path, values), account=checker.other)
                outcome.probes += 1
                if 200 <= reply.status < 300:
                    checker.fail(outcome, "Another account reads this account's resource",
                           f"{_fill(path, values)} belongs to {checker.context.credentials.username!r}; "
                           f"{checker.other.username!r} got {reply.status} instead of 404.", reply, "AT201")
                    break
        elif path in checker.profile.shared:
            outcome.skipped = "shared by every account"
        elif _is_list(operation):
            mine = set(_ids(checker.send("GET", path), checker.profile.id_field)) - {None}
            reply = checker.send("GET", path, account=checker.other)
            outcome.probes += 1
            leaked = sorted(mine & set(_ids(reply, checker.profile.id_field)), key=str)
            if reply.status == 200 and leaked:
                checker.fail(outcome, "Another account's list shows this account's rows",
                       f"{checker.other.username!r} listed ids {leaked[:10]} that belong to "
                       f"{checker.context.credentials.username!r}.", reply, "AT202")
        if not outcome.probes and not outcome.skipped:
            outcome.skipped = "no known resources"


# -- paging_total ----------------------------------------------------------------------------------------------

def _list_targets(checker: Checker, path: str) -> list[str]:
    """Concrete list paths: the path itself, one per entity type with at least 3 rows, else the first known
    values of its parameters (an API version, a parent)."""
    if not _template_params(path):
        return [path]
    if not checker.hints.groups:
        return [_fill(path, values) for values in resolutions(path, checker.hints, limit=1)]
    found = []
    for values in resolutions(path, checker.hints, limit=100):
        group = next((n for n in values if n in checker.hints.groups), None)
        if group and len(checker.hints.groups[group][values[group]].get("id", [])) >= 3:
            found.append(_fill(path, values))
    return found[:2]


@check("paging_total", "error", "Paging through a list yields exactly the unpaged rows, and `count`/`total` equals "
       "them.")
def paging_total(checker: Checker) -> None:
    for label, path, operation in checker.operations("GET"):
        params = set(_params_of(operation, "query"))
        if not _is_list(operation) or not (params & PAGING_PARAMS or _largest_page(operation)):
            continue
        outcome = checker.outcome("paging_total", label)
        declared = set(_schema_properties(_response_schema(operation)))
        for concrete in _list_targets(checker, path):
            if "page_size" in params and "count" in declared:
                _walk(checker, outcome, concrete, {}, {"page_size": 2}, "next", "count")
            elif "num" in params and "total" in declared:
                _walk(checker, outcome, concrete, {"num": 0}, {"num": 2}, "nextHref", "total")
            elif _is_collection(checker, path):
                _walk_declared(checker, outcome, concrete, operation)
            else:
                outcome.skipped = "not a collection (no create, no item read under it)"
        if not outcome.probes and not outcome.skipped:
            outcome.skipped = "no list with rows"


def _is_collection(checker: Checker, path: str) -> bool:
    """Does the list hold items of their own: a create at its path or an item read just under it? A list of
    anything else (tags, stats) may be an answer no store stands behind (a zero-code mock answers its example)."""
    return f"POST {path}" in checker.context.operations or any(
        label.startswith(f"GET {path.rstrip('/')}/{{") and label.count("/") == path.rstrip("/").count("/") + 1
        and label.rstrip("/").endswith("}") for label in checker.context.operations)


def _schema_properties(schema: dict[str, Any]) -> dict[str, Any]:
    """The top-level properties an answer may have (those of its oneOf/anyOf variants too)."""
    found: dict[str, Any] = {}
    for variant in [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]:
        properties = variant.get("properties") if isinstance(variant, dict) else None
        found.update(properties if isinstance(properties, dict) else {})
    return found


def _walk_declared(checker: Checker, outcome: PropertyOutcome, path: str, operation: dict[str, Any]) -> None:
    """A list paged the way its document declares (apitwin.contract.listing), read to its end in its largest pages
    and, where it declares a page size, in pages of 2 rows: each way yields the same rows, none twice, and a total
    the first page states is their number."""
    id_field = checker.profile.id_field

    def send(url: str, query: dict[str, Any] | None) -> Reply:
        return checker.send("GET", url, params=query)

    def keys_of(rows: list[Any]) -> list[str]:
        return [str(row_id(row, id_field)) if row_id(row, id_field) is not None else repr(row) for row in rows]

    largest = _largest_page(operation)
    whole = listing_walk(send, path, operation, largest, keys_of)
    if whole.last is None or whole.last.status != 200 or len(whole.keys) < 3:
        return
    size = next(iter(largest), None)
    walks = [(whole, largest)]
    if size is not None:
        walks.append((listing_walk(send, path, operation, {size: 2}, keys_of), {size: 2}))
    outcome.probes += 1
    for walked, query in walks:
        reply = walked.last
        assert reply is not None
        asked = f"{path}" + (f" with {query}" if query else "")
        if reply.status != 200:
            checker.fail(outcome, f"Paged list answers {reply.status}", asked, reply, "AT211")
        elif walked.total is not None and walked.total != len(walked.keys) and not walked.repeated and (
                walked.complete or walked.stalled):
            checker.fail(outcome, "The stated total is not the number of rows",
                         f"{asked} states {walked.total} rows; read to its end it yields {len(walked.keys)}.",
                         reply, "AT212")
        elif walked.repeated or (walked.complete and sorted(walked.keys) != sorted(whole.keys)):
            checker.fail(outcome, "Paging does not yield exactly the rows of the list",
                         f"{asked}: the pages yielded {len(walked.keys)} rows {walked.keys[:12]}"
                         f"{f', {walked.repeated} of them again' if walked.repeated else ''}; read in the largest "
                         f"pages the list has {len(whole.keys)} {whole.keys[:12]}.", reply, "AT213")
        else:
            continue
        return


def _walk(checker: Checker, outcome: PropertyOutcome, path: str, all_params: dict[str, Any],
          page_params: dict[str, Any], next_key: str, total_key: str) -> None:
    whole = checker.send("GET", path, params=all_params or None)
    if whole.status != 200:
        return
    expected = _ids(whole, checker.profile.id_field)
    reply = checker.send("GET", path, params=page_params)
    outcome.probes += 1
    seen: list[Any] = []
    for _ in range(len(expected) + 2):
        body = reply.json_or_none()
        if reply.status != 200 or not isinstance(body, dict):
            checker.fail(outcome, f"Paged list answers {reply.status}", f"{path} with {page_params}", reply, "AT211")
            return
        if body.get(total_key) != len(expected):
            checker.fail(outcome, f"`{total_key}` is not the number of rows",
                   f"{path}: `{total_key}` = {body.get(total_key)!r}, but the unpaged list has {len(expected)} rows.",
                   reply, "AT212")
            return
        seen += _ids(reply, checker.profile.id_field)
        following = body.get(next_key)
        if not following:
            break
        reply = checker.send("GET", urljoin(reply.request.url, following))
    if sorted(map(str, seen)) != sorted(map(str, expected)) or len(seen) != len(set(map(str, seen))):
        checker.fail(outcome, "Paging does not yield exactly the rows of the list",
               f"{path}: paged through {len(seen)} rows {seen[:12]}, the unpaged list has {len(expected)} "
               f"{expected[:12]}.", reply, "AT213")


# -- list_filters ----------------------------------------------------------------------------------------------

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "gte": lambda a, b: a >= b, "gt": lambda a, b: a > b, "lte": lambda a, b: a <= b, "lt": lambda a, b: a < b}


def _filter_field(param: str, row: dict[str, Any]) -> tuple[str, str] | None:
    """(row field, comparison) a query parameter filters on, by django-filter naming; None if it is no filter."""
    name, _, lookup = param.partition("__")
    if lookup and lookup not in _COMPARISONS:
        return None
    for field in (name, name[:-3] if name.endswith("_id") else None, f"{name}_id"):
        if field and field in row:
            return field, lookup or "exact"
    return None


def _matches(value: Any, lookup: str, wanted: Any) -> bool:
    if lookup == "exact":
        return str(value) == str(wanted)
    left, right = as_moment(value), as_moment(wanted)
    return left is not None and right is not None and _COMPARISONS[lookup](left, right)


@check("list_filters", "error", "A list filtered on a field returns exactly the rows of the unfiltered list that "
       "match.")
def list_filters(checker: Checker) -> None:
    for label, path, operation in checker.operations("GET"):
        filters = [p for p in _params_of(operation, "query") if p not in PAGING_PARAMS]
        if _template_params(path) or not _is_list(operation) or not filters:
            continue
        whole = checker.send("GET", path)
        rows = [r for r in rows_of(whole.json_or_none()) if isinstance(r, dict)]
        for param in filters:
            mapping = _filter_field(param, rows[0]) if rows else None
            if mapping is None:
                continue
            field, lookup = mapping
            outcome = checker.outcome("list_filters", f"{label} ?{param}")
            values = sorted({str(r[field]) for r in rows if isinstance(r.get(field), (str, int))}, key=str)
            for wanted in values[:PER_OPERATION]:
                reply = checker.send("GET", path, params={param: wanted})
                outcome.probes += 1
                if reply.status != 200:
                    continue        # a business rule may refuse some values (documented 400s)
                got = sorted(map(str, _ids(reply, checker.profile.id_field)))
                expected = sorted(str(row_id(r, checker.profile.id_field)) for r in rows
                                  if _matches(r[field], lookup, wanted))
                if got != expected:
                    checker.fail(outcome, f"Filter `{param}` does not return exactly the matching rows",
                           f"?{param}={wanted}: got ids {got[:12]}, the unfiltered list has {expected[:12]} "
                           f"with {field} {'=' if lookup == 'exact' else lookup} {wanted}.", reply, "AT221")
                    break
            if not outcome.probes:
                outcome.skipped = "no rows to filter"


# -- query_semantics (MOLGENIS query rules) ----------------------------------------------------------------------

TEXT_TYPES = {"STRING", "TEXT"}


def _string_attributes(checker: Checker, collection: str, rows: list[dict[str, Any]]) -> list[str]:
    """Attributes holding free text in at least two rows; the entity type's own metadata (`{e}/meta/{attr}`)
    says which are text, since dates, enums and numbers are strings in JSON too (and LIKE converts its value to
    the attribute's type first)."""
    names = sorted({k for r in rows for k, v in r.items() if isinstance(v, str) and k != "href"})
    found = []
    for name in names:
        if sum(1 for r in rows if isinstance(r.get(name), str)) < 2:
            continue
        meta = checker.send("GET", f"{collection}/meta/{quote(name, safe='')}").json_or_none()
        if isinstance(meta, dict) and meta.get("fieldType") in TEXT_TYPES:
            found.append(name)
    return found


def _flip_case(text: str) -> str:
    return text.swapcase() if text.swapcase() != text else text.upper()


@check("query_semantics", "error", "Query rules (MOLGENIS `q[i].field/operator/value`) mean what the spec says: EQUALS "
       "is equality, LIKE a case-insensitive substring match.")
def query_semantics(checker: Checker) -> None:
    for label, path, operation in checker.operations("GET"):
        if "x-apitwin-query-pattern" not in operation:      # the list takes numbered q[i].* rules
            continue
        for concrete in _list_targets(checker, path):
            whole = checker.send("GET", concrete, params={"num": 0})
            rows = [r for r in rows_of(whole.json_or_none()) if isinstance(r, dict)]
            for attribute in _string_attributes(checker, concrete, rows)[:2]:
                outcome = checker.outcome("query_semantics", f"{label} q[].operator ({concrete}.{attribute})")
                values = sorted({r[attribute] for r in rows if isinstance(r.get(attribute), str) and r[attribute]})
                for wanted in values[:2]:
                    middle = wanted[len(wanted) // 4: max(len(wanted) // 4 + 1, 3 * len(wanted) // 4)]
                    probes = [("EQUALS", wanted, lambda v, w=wanted: v == w),
                              ("LIKE", _flip_case(middle), lambda v, m=middle: m.lower() in v.lower())]
                    for operator, value, predicate in probes:
                        reply = checker.send("GET", concrete, params={
                            "q[0].field": attribute, "q[0].operator": operator, "q[0].value": value, "num": 0})
                        outcome.probes += 1
                        expected = sorted(str(row_id(r, None)) for r in rows
                                          if isinstance(r.get(attribute), str) and predicate(r[attribute]))
                        got = sorted(map(str, _ids(reply, None)))
                        if reply.status != 200 or got != expected:
                            meaning = "case-insensitive substring" if operator == "LIKE" else "equal"
                            checker.fail(outcome, f"{operator} does not match as documented",
                                   f"{attribute} {operator} {value!r}: got {got[:10]} ({reply.status}), expected "
                                   f"{expected[:10]} ({meaning}).", reply, "AT231")
                            break
                    if outcome.failed:
                        break


# -- update_round_trip ------------------------------------------------------------------------------------------

def _example_body(operation: dict[str, Any]) -> Any:
    content = ((operation.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
    for example in (content.get("examples") or {}).values():
        if isinstance(example, dict) and "value" in example:
            return example["value"]
    return content.get("example")


def _changed(before: dict[str, Any], after: dict[str, Any], sent: set[str]) -> list[str]:
    return sorted(k for k in before if k not in sent and k != "href" and not VOLATILE.search(k)
                  and before.get(k) != after.get(k, "<absent>"))


@check("update_round_trip", "error", "What an update sent is read back, and what it did not send is unchanged (PATCH, "
       "single-attribute PUT); a full PUT reads back every field it sent.")
def update_round_trip(checker: Checker) -> None:
    for method in ("PATCH", "PUT"):
        for label, path, operation in checker.operations(method):
            names = _template_params(path)
            if not names or "requestBody" not in operation:
                continue
            outcome = checker.outcome("update_round_trip", label)
            # a sub-resource of a readable item (`/{e}/{id}/{attr}` under `/{e}/{id}`) is one field of that item
            parent = checker.get_of(path.rsplit("/{", 1)[0]) if len(names) > 1 else None
            attribute_level = parent is not None and not _is_list(parent)
            row_path = path.rsplit("/{", 1)[0] if attribute_level else path
            if checker.get_of(row_path) is None:
                outcome.skipped = "no GET to read it back"
                continue
            for values in resolutions(path, checker.hints, limit=20, protected=checker.profile.protected):
                row_url = _fill(row_path, values)
                before_reply = checker.send("GET", row_url)
                before = before_reply.json_or_none()
                if before_reply.status != 200 or not isinstance(before, dict):
                    continue
                body, sent = _update_body(operation, method, attribute_level, names, values, before,
                                          _body_properties(checker, operation))
                if body is None:
                    continue
                url = _fill(path, values) if not attribute_level else _fill(path, {**values, names[-1]: sent[0]})
                reply = checker.send(method, url, json_body=body)
                if not 200 <= reply.status < 300:
                    continue            # refused by a rule (readonly, validation): nothing to read back
                outcome.probes += 1
                after_reply = checker.send("GET", row_url)
                after = after_reply.json_or_none() or {}
                sent_values = {sent[0]: body} if attribute_level else body
                lost = [f"{k}: sent {v!r}, read back {after.get(k, '<absent>')!r}" for k, v in sent_values.items()
                        if not isinstance(v, (dict, list)) and not VOLATILE.search(k)   # the server stamps these
                        and not same_value(v, after.get(k))]
                kept = [] if method == "PUT" and not attribute_level else _changed(before, after, set(sent_values))
                lost += [f"{k}: was {before[k]!r}, now {after.get(k, '<absent>')!r} (not sent)" for k in kept]
                if lost:
                    checker.fail(outcome, "Update does not read back as sent",
                           "\n".join(lost) + f"\nread back with GET {row_url}", reply, "AT241")
                    break
                if outcome.probes >= PER_OPERATION:
                    break
            if not outcome.probes and not outcome.skipped:
                outcome.skipped = "no update accepted"


def _body_properties(checker: Checker, operation: dict[str, Any]) -> dict[str, Any]:
    """The properties of the operation's JSON request body schema (composed schemas merged), {} without one."""
    from apitwin.inferred.schemas import Schemas

    found, schema = _json_schema_of_body(operation)
    return Schemas(checker.spec).properties(schema) if found and isinstance(schema, dict) else {}


def _plain_text(schema: Any) -> bool:
    """A writable free-text property (nullable or not): any string it is sent is stored as sent."""
    kinds = schema.get("type") if isinstance(schema, dict) else None
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    return ("string" in kinds and set(kinds) <= {"string", "null"} and not schema.get("readOnly")
            and not any(schema.get(k) for k in ("format", "enum", "const", "pattern", "contentMediaType")))


def _update_body(operation: dict[str, Any], method: str, attribute_level: bool, names: list[str],
                 values: dict[str, Any], before: dict[str, Any],
                 props: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    """The update to send and the fields it sets. A PATCH sends its documented example, else one free-text field
    of the item its body schema takes (`props`), changed."""
    strings = [k for k, v in before.items() if isinstance(v, str) and k != "href" and not VOLATILE.search(k)]
    if attribute_level:
        candidates = [k for k in strings if k != names[-1] and as_moment(before[k]) is None]
        id_like = {str(values.get(n)) for n in names}
        candidates = [k for k in candidates if before[k] not in id_like]
        return (f"{before[candidates[0]]}-apitwin", [candidates[0]]) if candidates else (None, [])
    if method == "PATCH":
        example = _example_body(operation)
        if isinstance(example, dict) and example:
            return example, list(example)
        id_like = {str(v) for v in values.values()}
        texts = [k for k, v in before.items() if isinstance(v, str) and k in (props or {}) and _plain_text(props[k])
                 and v not in id_like and not VOLATILE.search(k) and as_moment(v) is None
                 and len(v) + 8 <= props[k].get("maxLength", len(v) + 8)]
        return ({texts[0]: f"{before[texts[0]]}-apitwin"}, [texts[0]]) if texts else (None, [])
    scalars = {k: v for k, v in before.items() if k != "href" and isinstance(v, (str, int, float, bool))}
    id_like = {str(v) for v in values.values()}
    changeable = [k for k, v in scalars.items() if isinstance(v, str) and v not in id_like and as_moment(v) is None]
    if not changeable:
        return None, []
    body = dict(scalars)
    body[changeable[0]] = f"{scalars[changeable[0]]}-apitwin"
    return body, list(body)


# -- anonymous_access -------------------------------------------------------------------------------------------

def credentials_required(spec: dict[str, Any], operation: dict[str, Any]) -> bool:
    """Whether every security alternative of the operation asks for credentials. A requirement naming a scheme the
    document does not define cannot be met or checked by anyone, so it does not count (servers ignore it)."""
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    security = [requirement for requirement in operation.get("security", spec.get("security", [])) or []
                if isinstance(requirement, dict) and all(name in schemes for name in requirement)]
    return bool(security) and all(requirement for requirement in security)


@check("anonymous_access", "error", "Without a token and with an invalid one a read answers alike, a documented "
       "status, and 401 wherever the spec requires credentials.")
def anonymous_access(checker: Checker) -> None:
    # an invalid token is no token (401 on Partners, anonymous on MOLGENIS): the APIs' real rules, not a blanket
    # "401 without auth"
    login = checker.profile.login
    invalid = {login.header: login.prefixes[0] + "apitwin-invalid-token"}
    for label, path, operation in checker.operations("GET"):
        outcome = checker.outcome("anonymous_access", label)
        documented = {str(code) for code in operation.get("responses", {})}
        required = credentials_required(checker.spec, operation)
        # every known entity type (some readable anonymously, some not), or a few ids
        for values in resolutions(path, checker.hints, limit=25):
            url = _fill(path, values)
            without = checker.context.send("GET", url, headers={})
            with_invalid = checker.context.send("GET", url, headers=invalid)
            outcome.probes += 1
            if without.status != with_invalid.status:
                checker.fail(outcome, "An invalid token is treated differently from no token",
                       f"GET {url}: {without.status} without a token, {with_invalid.status} with an invalid one.",
                       with_invalid, "AT261")
                break
            if not {str(without.status), f"{str(without.status)[0]}XX", "default"} & documented:
                checker.fail(outcome, f"Anonymous request answers the undocumented {without.status}",
                       f"GET {url} without a token; documented: {', '.join(sorted(documented))}.", without, "AT262")
                break
            if required and without.status != 401:
                checker.fail(outcome, f"Anonymous request answers {without.status} where credentials are required",
                       f"GET {url} without a token answered {without.status}, expected 401.", without, "AT263")
                break
        if not outcome.probes:
            outcome.skipped = "no known resource"


# -- crud_round_trip --------------------------------------------------------------------------------------------

LIMIT_PARAMS = ("limit", "per_page", "perPage", "page_size", "pageSize", "itemsPerPage", "size", "count", "rows",
                "num")


def _json_schema_of_body(operation: dict[str, Any]) -> tuple[bool, Any]:
    """(has a JSON body, its schema)."""
    content = (operation.get("requestBody") or {}).get("content") or {}
    for media_type, media in content.items():
        base = media_type.split(";")[0].strip().lower()
        if base == "application/json" or base.endswith("+json"):
            return True, (media or {}).get("schema")
    return False, None


def _create_body(checker: Checker, operation: dict[str, Any]) -> Any:
    """The documented example of the create, else a record generated from its schema (readOnly left out)."""
    example = _example_body(operation)
    if isinstance(example, dict):
        return example
    found, schema = _json_schema_of_body(operation)
    if not found or not isinstance(schema, dict):
        return None
    from apitwin.fake import rng_for
    from apitwin.inferred.schemas import Schemas
    from apitwin.inferred.values import generate

    schemas = Schemas(checker.spec)
    value = generate(schemas, schema, rng_for("contract-crud", str(operation.get("operationId"))))
    if not isinstance(value, dict):
        return None
    read_only = {k for k, v in schemas.properties(schema).items() if v.get("readOnly")}
    return {k: v for k, v in value.items() if k not in read_only}


def _item_of(body: Any) -> dict[str, Any] | None:
    """The item an answer carries: itself, or the one object it wraps (`{"article": {...}}`, `{"data": {...}}`)."""
    if not isinstance(body, dict):
        return None
    objects = [v for v in body.values() if isinstance(v, dict)]
    if len(body) == 1 and len(objects) == 1:
        return objects[0]
    for key in WRAPPERS:
        if isinstance(body.get(key), dict) and len(body) <= 3:
            return body[key]
    return body


def _largest_page(operation: dict[str, Any]) -> dict[str, Any]:
    """Query parameters asking for the largest page the list documents."""
    params: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        if not isinstance(parameter, dict) or parameter.get("in") != "query":
            continue
        if parameter.get("name") in LIMIT_PARAMS:
            schema = parameter.get("schema") or {}
            if schema.get("type") in ("integer", "number"):
                params[parameter["name"]] = int(schema.get("maximum", 100))
    return params


def _keys(rows: list[Any], param: str, id_field: str) -> list[str]:
    """Each row's key as its item path names it (the property named like the path parameter, else the id)."""
    return [str(row[param]) if isinstance(row, dict) and param in row else str(row_id(row, id_field))
            for row in rows]


def _listed_ids(checker: Checker, path: str, collection: str, param: str) -> list[str] | None:
    """The keys the collection lists now (its largest page), None when it does not answer 200."""
    reply = checker.send("GET", collection, params=_largest_page(checker.get_of(path) or {}) or None)
    if reply.status != 200:
        return None
    return _keys(rows_anywhere(reply.json_or_none()), param, checker.profile.id_field)


def _id_of(item: dict[str, Any], reply: Reply, id_field: str, param: str) -> Any:
    """The created item's key in its item path: the property named like the path parameter (`slug`), else the
    profile's id field, else the last segment of its Location."""
    for name in (param, id_field):
        if name in item and isinstance(item[name], (str, int)):
            return item[name]
    location = reply.headers.get("location") if hasattr(reply, "headers") else None
    if isinstance(location, str) and location:
        return location.rstrip("/").rsplit("/", 1)[-1]
    return row_id(item, None)


@check("crud_round_trip", "error", "An item created through a collection reads back, is in the collection's list, "
       "reads back an update, and answers 404 once deleted (wherever the document has those operations).")
def crud_round_trip(checker: Checker) -> None:
    for label, path, operation in checker.operations("POST"):
        item_paths = [p for verb_path in checker.context.operations
                      for verb, p in [verb_path.split(" ", 1)]
                      if verb == "GET" and p.startswith(path + "/{") and p.count("/") == path.count("/") + 1
                      and p.endswith("}")]
        if not item_paths or checker.get_of(path) is None:
            continue
        item_path = item_paths[0]
        outcome = checker.outcome("crud_round_trip", label)
        options = resolutions(path, checker.hints, limit=1, protected=checker.profile.protected)
        body = _create_body(checker, operation)
        if not options or body is None:
            outcome.skipped = _unknown(path, checker.hints) if not options else "no JSON body to create with"
            continue
        values = options[0]
        collection = _fill(path, values)
        param = _template_params(item_path)[-1]
        listed_before = _listed_ids(checker, path, collection, param)
        created = checker.send("POST", collection, json_body=body)
        if not 200 <= created.status < 300:
            outcome.skipped = f"create answered {created.status}"
            continue
        item = _item_of(created.json_or_none())
        key = _id_of(item or {}, created, checker.profile.id_field, param)
        if key is None and listed_before is not None:           # a create that answers no body: the new row
            after = _listed_ids(checker, path, collection, param)
            fresh = [k for k in (after or []) if k not in listed_before]
            key = fresh[0] if len(fresh) == 1 else None
        if key is None:
            outcome.skipped = "the create answer names no id"
            continue
        outcome.probes += 1
        url = _fill(item_path, {**values, _template_params(item_path)[-1]: key})
        read = checker.send("GET", url)
        if read.status != 200:
            checker.fail(outcome, "Created item is not readable",
                         f"POST {collection} answered {created.status} with id {key!r}; GET {url} answered "
                         f"{read.status}.", read, "AT271")
            continue
        listing = checker.get_of(path) or {}
        walked = listing_walk(lambda url, query: checker.send("GET", url, params=query), collection, listing,
                              _largest_page(listing), lambda rows: _keys(rows, param, checker.profile.id_field),
                              wanted=str(key))
        # only a list read to its end may be said to lack the item (a page of a longer list may not)
        if walked.last is not None and walked.last.status == 200 and str(key) not in walked.keys \
                and walked.complete:
            checker.fail(outcome, "Created item is not in its collection's list",
                         f"GET {collection} answered {len(walked.keys)} rows"
                         f"{f' over {walked.pages} pages' if walked.pages > 1 else ''} without {key!r}.",
                         walked.last, "AT272")
            continue
        _not_under_another_parent(checker, outcome, path, values, param, key)
        if outcome.failed:
            continue
        _update_and_read_back(checker, outcome, item_path, values, key, url, _item_of(read.json_or_none()) or {})
        if outcome.failed:
            continue
        codes = {str(c).upper() for c in ((checker.get_of(item_path) or {}).get("responses") or {})}
        if f"DELETE {item_path}" not in checker.context.operations or not codes & {"404", "4XX", "DEFAULT"}:
            continue            # no delete, or a read that documents no 404 to answer afterwards
        deleted = checker.send("DELETE", url)
        if not 200 <= deleted.status < 300:
            continue
        after = checker.send("GET", url)
        if after.status != 404:
            checker.fail(outcome, "Deleted item is still there",
                         f"DELETE {url} answered {deleted.status}; GET {url} then answered {after.status}.", after,
                         "AT274")


def _not_under_another_parent(checker: Checker, outcome: PropertyOutcome, path: str, values: dict[str, Any],
                              param: str, key: Any) -> None:
    """An item created under one parent is not in another parent's list, read to its end (nested collections)."""
    if not values:
        return
    others = [v for v in resolutions(path, checker.hints, limit=PER_OPERATION, protected=checker.profile.protected)
              if v != values]
    listing = checker.get_of(path) or {}
    for other in others[:1]:
        collection = _fill(path, other)
        walked = listing_walk(lambda url, query: checker.send("GET", url, params=query), collection, listing,
                              _largest_page(listing), lambda rows: _keys(rows, param, checker.profile.id_field))
        if walked.last is not None and walked.last.status == 200 and str(key) in walked.keys:
            checker.fail(outcome, "Created item is listed under another parent",
                         f"POST {_fill(path, values)} created {key!r}; GET {collection} lists it too.", walked.last,
                         "AT275")


def _update_and_read_back(checker: Checker, outcome: PropertyOutcome, item_path: str, values: dict[str, Any],
                          key: Any, url: str, before: dict[str, Any]) -> None:
    """PATCH (else PUT) one string field of the item, then read it back."""
    for method in ("PATCH", "PUT"):
        operation = checker.context.operations.get(f"{method} {item_path}")
        if operation is None or not _json_schema_of_body(operation)[0]:
            continue
        found, schema = _json_schema_of_body(operation)
        from apitwin.inferred.schemas import Schemas

        props = Schemas(checker.spec).properties(schema) if isinstance(schema, dict) else {}
        names = [k for k, v in before.items() if isinstance(v, str) and k in props and not props[k].get("readOnly")
                 and props[k].get("type") in ("string", ["string"]) and not props[k].get("format")
                 and not props[k].get("enum") and not props[k].get("pattern") and str(v) != str(key)
                 and not VOLATILE.search(k)]
        if not names:
            return
        name = names[0]
        limit = props[name].get("maxLength")
        value = "apitwin" if limit is None or limit >= 7 else "a" * max(1, props[name].get("minLength", 1))
        writable = {k: v for k, v in before.items() if k in props and not props[k].get("readOnly")}
        body = {name: value} if method == "PATCH" else {**writable, name: value}
        reply = checker.send(method, url, json_body=body)
        if not 200 <= reply.status < 300:
            return
        after = _item_of(checker.send("GET", url).json_or_none()) or {}
        if not same_value(value, after.get(name)):
            checker.fail(outcome, "Update does not read back",
                         f"{method} {url} set {name}={value!r}; GET {url} read back {after.get(name, '<absent>')!r}.",
                         reply, "AT273")
        return


# -- parent_scope -----------------------------------------------------------------------------------------------

def _documents_404(operation: dict[str, Any] | None) -> bool:
    codes = {str(c).upper() for c in ((operation or {}).get("responses") or {})}
    return bool(codes & {"404", "4XX", "DEFAULT"})


@check("parent_scope", "error", "An item listed under a parent reads back under that parent, and under another "
       "parent whose list does not hold it answers 404 (nested collections, `/owners/{ownerId}/pets/{petId}`).")
def parent_scope(checker: Checker) -> None:
    for label, path, operation in checker.operations("GET"):
        prefix = chain_for(path, checker.hints)
        if prefix != path.rstrip("/") and prefix != path:
            continue                    # only the item read the tuples were listed for
        names = _template_params(path)
        if len(names) < 2 or not path.rstrip("/").endswith("}"):
            continue                    # a path a link named values for, not an item under a parent
        outcome = checker.outcome("parent_scope", label)
        chain = checker.hints.chains[prefix]
        child = names[-1]
        parents = {tuple((n, a[n]) for n in names[:-1]): a for a in chain}
        for assignment in chain[:PER_OPERATION]:
            url = _fill(path, assignment)
            reply = checker.send("GET", url)
            outcome.probes += 1
            if reply.status == 404:
                checker.fail(outcome, "A listed item is not readable under its parent",
                             f"{assignment[child]!r} is listed under {_parent_text(assignment, names)}; GET {url} "
                             f"answered 404.", reply, "AT281")
                break
        if outcome.failed or not _documents_404(operation) or len(parents) < 2:
            continue
        # an item read under another parent: that parent's list (read whole) lacks it, so the read must too
        listed = {key: {str(a[child]) for a in chain if tuple((n, a[n]) for n in names[:-1]) == key}
                  for key in parents}
        for assignment in chain[:PER_OPERATION]:
            other = next((key for key in parents if key != tuple((n, assignment[n]) for n in names[:-1])
                          and str(assignment[child]) not in listed[key]), None)
            if other is None:
                continue
            moved = {**dict(other), child: assignment[child]}
            if not _absent_from_list(checker, path, moved, child):
                continue
            url = _fill(path, moved)
            reply = checker.send("GET", url)
            outcome.probes += 1
            if 200 <= reply.status < 300:
                checker.fail(outcome, "An item is readable under a parent that does not list it",
                             f"{assignment[child]!r} is listed under {_parent_text(assignment, names)}, not under "
                             f"{_parent_text(moved, names)}; GET {url} answered {reply.status}.", reply, "AT282")
                break
        if not outcome.probes:
            outcome.skipped = "no listed item"


def _parent_text(assignment: dict[str, Any], names: list[str]) -> str:
    return ", ".join(f"{n}={assignment[n]!r}" for n in names[:-1])


def _absent_from_list(checker: Checker, item_path: str, assignment: dict[str, Any], child: str) -> bool:
    """Does the list under the assignment's parent, read to its end, lack its child?"""
    collection_path = item_path.rstrip("/").rsplit("/{", 1)[0]
    listing = checker.get_of(collection_path) or checker.get_of(collection_path + "/")
    if listing is None:
        return False
    collection = _fill(collection_path, assignment)
    walked = listing_walk(lambda url, query: checker.send("GET", url, params=query), collection, listing,
                          _largest_page(listing), lambda rows: _keys(rows, child, checker.profile.id_field),
                          wanted=str(assignment[child]))
    return walked.last is not None and walked.last.status == 200 and walked.complete \
        and str(assignment[child]) not in walked.keys


# -- delete_removes ---------------------------------------------------------------------------------------------

@check("delete_removes", "error", "After a successful DELETE the resource answers 404 (or the collection is empty).")
def delete_removes(checker: Checker) -> None:
    """Item deletes always (one resource); collection and metadata deletes only on a resettable target."""
    deletes = sorted(checker.operations("DELETE"), key=lambda item: -len(_template_params(item[1])))
    for label, path, operation in deletes:
        outcome = checker.outcome("delete_removes", label)
        if checker.get_of(path) is None:
            outcome.skipped = "no GET to look for it"
            continue
        if operation.get("requestBody"):
            # DELETE /tags {"resourceId": …, "tags": […]}: the body names what goes, not the URL
            outcome.skipped = "removes what its request body names"
            continue
        if len(_template_params(path)) < 2 and checker.hints.groups and not checker.destructive:
            outcome.skipped = "deletes a whole collection (only on a resettable target)"
            continue
        options = resolutions(path, checker.hints, limit=PER_OPERATION, protected=checker.profile.protected)
        if not options:
            outcome.skipped = "no known resource"
            continue
        kept = _readable_siblings(checker, path, options)
        for values in options:
            # a 404 deleted nothing: the id went since the lists were read (an earlier delete of this pass, other
            # clients of a shared target), so the next known one is tried; any other refusal ends the attempt
            url = _fill(path, values)
            reply = checker.send("DELETE", url)
            if reply.status != 404:
                break
        if not 200 <= reply.status < 300:
            outcome.skipped = f"DELETE answered {reply.status}"
            continue
        outcome.probes += 1
        after = checker.send("GET", url)
        _others_kept(checker, outcome, path, values, url, kept)
        body = after.json_or_none()
        emptied = after.status == 200 and not rows_of(body) and (
            isinstance(body, list) or (isinstance(body, dict) and (body.get("total") == 0 or body.get("count") == 0)))
        if after.status != 404 and not emptied:
            checker.fail(outcome, "Deleted resource is still there",
                   f"DELETE {url} answered {reply.status}; GET {url} then answered {after.status}.", after, "AT251")
        if checker.destructive:
            checker.context.target.reset(checker.profile.name)
            checker.context.credentials.renew()


def _readable_siblings(checker: Checker, path: str, options: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Under a nested path, the other listed items (the same parent's and other parents'), by URL, that read 200
    now: a delete of one of them must leave the others readable."""
    prefix = chain_for(path, checker.hints)
    if prefix is None or prefix != path.rstrip("/") or checker.get_of(path) is None:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for values in resolutions(path, checker.hints, limit=PER_OPERATION * 2, protected=checker.profile.protected):
        url = _fill(path, values)
        if url not in found and checker.send("GET", url).status == 200:
            found[url] = values
    return found


def _others_kept(checker: Checker, outcome: PropertyOutcome, path: str, deleted: dict[str, Any], url: str,
                 kept: dict[str, dict[str, Any]]) -> None:
    """Each other item that read 200 before the delete still does: the delete removed that item only."""
    for other_url, values in kept.items():
        if other_url == url:
            continue
        reply = checker.send("GET", other_url)
        if reply.status == 404:
            names = _template_params(path)
            checker.fail(outcome, "A delete under a parent removed another item",
                         f"DELETE {url} ({_parent_text(deleted, names) or 'no parent'}) removed {other_url} "
                         f"as well: it read 200 before, 404 after.", reply, "AT252")
            return


def run_all(context: RunContext, profile: Profile, spec: dict[str, Any], hints: Hints, other: Credentials | None,
            include: list[str] | None, progress: Progress, destructive: bool) -> None:
    """Every property, in declaration order (deletes last: they change what the others would read)."""
    checker = Checker(context, profile, spec, hints, other, include, progress, destructive)
    for name, prop in PROPERTIES.items():
        before = len(context.result.findings)
        if prop.check is not None:
            prop.check(checker)
        ran = [o for o in context.result.properties if o.name == name]
        if ran and not any(o.probes for o in ran):
            progress(f"  {name:<18} skipped  {'; '.join(sorted({o.skipped for o in ran if o.skipped}))}")
        elif ran:
            failed = len(context.result.findings) - before
            probes = sum(o.probes for o in ran)
            progress(f"  {name:<18} {'failure' if failed else 'success':<8} {probes} probes on "
                     f"{sum(1 for o in ran if o.probes)} operations")
