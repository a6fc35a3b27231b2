"""The per-operation parameter readers (apitwin.param_reader) agree with the validator they stand in front of
(`CollectingParameterValidator.validate` over `StyledURIParser`): for every operation of Partners, MOLGENIS, the
engine's fixture API and the inferred fixture documents,

- a plain query parameter's values become exactly what the URI parser makes of them (types included);
- a raw request the reader accepts (seeded hypothesis: valid and invalid values, repeated keys, empty values,
  percent-encoding, `+`, unicode, raw non-ASCII bytes, missing and extra parameters, odd header spellings) is one
  the validator accepts too, with the same path parameters handed on; anything else goes the validator's way;
- served end to end, every GET operation answers the same requests byte for byte with and without the readers,
  and an inferred handler is handed the same arguments.
"""
from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from connexion.lifecycle import ConnexionRequest

from apitwin.app import ADMIN_PREFIX, create_app
from apitwin.errors import ApiError
from apitwin.inferred.plugin import build
from apitwin.param_reader import ParamReader
from apitwin.server.operation import OperationLayer
from apitwin.server.state import SCOPE_KEY, RequestState
from apitwin.settings import Settings
from apitwin.uri_parsing import StyledURIParser
from tests.engine.fixtures.fakeapi import PLUGIN as FAKE_PLUGIN
from tests.engine.fixtures.fakeapi import USER

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "inferred" / "fixtures"
INFERRED = sorted([*FIXTURES.glob("*.yaml"), FIXTURES / "split" / "main.yaml"])
SECRET = "param-reader-test-secret-" + "x" * 32
DOCUMENTS = ["partners", "molgenis", "fakeapi", *(f"inferred:{path.relative_to(FIXTURES)}" for path in INFERRED)]


def _recorder(operation_id: str) -> Any:
    """An inferred operation's handler: answers with the arguments it was handed, typed (`repr`)."""
    async def handler(**kwargs: Any) -> Any:
        return {"operation": operation_id, "handed": {key: _typed(value) for key, value in sorted(kwargs.items())
                                                      if key not in ("token_info", "user")}}
    return handler


def _typed(value: Any) -> str:
    return repr(value)


def _app(document: str) -> Any:
    settings_ = Settings(jwt_secret=SECRET, seed=0)
    if document == "fakeapi":
        return create_app([FAKE_PLUGIN], settings=settings_)
    if document.startswith("inferred:"):      # the handlers answer what they were handed, unchecked by the guard
        plugin = build(FIXTURES / document.split(":", 1)[1])
        plugin = dataclasses.replace(plugin, binding=dataclasses.replace(plugin.binding, unbound=_recorder))
        return create_app([plugin], settings=dataclasses.replace(settings_, validate_responses=False))
    return create_app([document], settings=settings_)


def _layer(client: TestClient) -> OperationLayer:
    client.get("/__apitwin/health")      # the middleware stack is built at the first request
    stack = client.app.middleware.middleware_stack   # type: ignore[attr-defined]
    return next(app for app in stack if isinstance(app, OperationLayer))


@lru_cache(maxsize=None)
def _operations(document: str) -> tuple[Any, ...]:
    """(base path, operation id, Connexion operation, validation plan) of every operation of the document."""
    layer = _layer(TestClient(_app(document)))
    return tuple((base, operation_id, checks.operation, checks.validation_plan)
                 for (base, operation_id), checks in sorted(layer.operations.items()))


def test_the_common_operations_have_readers() -> None:
    """The reader covers the operations the benchmarks measure (else the fast path is gone and nothing fails)."""
    readers = {(document, op_id): plan.reader is not None
               for document in ("partners", "molgenis", "fakeapi") for _, op_id, _, plan in _operations(document)}
    for op_id in ("getCustomer", "listCustomers", "createCustomer", "listEvents", "getKit", "listOrders"):
        assert readers[("partners", op_id)], op_id
    assert sum(readers.values()) >= 0.9 * len(readers), readers


# --- hypothesis: values, raw requests -------------------------------------------------------------------------------

TEXTS = st.one_of(
    st.sampled_from(["", "1", "0", "-1", "319", "5", "10000", "10001", " 7", "1_0", "1.0", "1.5", "-2.5", "1e3", "nan",
                     "inf", "true", "false", "TRUE", "null", "None", " null ", "a", "abc", "a,b", "1,2", ",", "1,,2",
                     "a b", "+", "é", "日本", "\x00", "x" * 40, "2020-01-01", "2020-01-01T00:00:00Z", "asc", "desc",
                     "kit.created", "KIT_PROCESSING", "AVAILABLE", "male", "id", "-id", "[1,2]", "{}", "٣"]),
    st.text(max_size=8),
    st.text(alphabet="0123456789,-. ", max_size=6),
)


def _samples(param: dict[str, Any]) -> list[str]:
    """Texts a parameter's schema names (enum values, defaults): requests that pass, not only ones refused."""
    schema = param.get("schema") or {}
    found: list[Any] = []
    for part in (schema, schema.get("items") if isinstance(schema.get("items"), dict) else {}):
        found.extend(part.get("enum") or [])
        for key in ("default", "minimum", "maximum", "example"):
            if key in part:
                found.append(part[key])
    return [("true" if v else "false") if isinstance(v, bool) else str(v) for v in found
            if isinstance(v, (str, int, float))][:8]


def _text_for(param: dict[str, Any]) -> st.SearchStrategy[str]:
    samples = _samples(param)
    return st.one_of(st.sampled_from(samples), TEXTS) if samples else TEXTS


def _encoded(text: str, how: str) -> str:
    if how == "plus":
        return quote_plus(text)
    if how == "quote":
        return quote(text, safe="")
    if how == "commas":
        return quote_plus(text, safe=",")
    return text                             # raw (the query string is bytes: non-ASCII goes as UTF-8 bytes)


@st.composite
def raw_requests(draw: Any, plan: Any) -> dict[str, Any]:
    """An ASGI scope as routing hands it to the layer, for one operation."""
    params = plan.parameter_validator.parameters
    query_names = [p["name"] for p in params.get("query", [])]
    keys = [*query_names, *plan.parameter_validator.security_query_params, "unknown", "page", "q[0].field",
            "x[y]", ""]
    by_name = {p["name"]: p for p in params.get("query", [])}
    pairs = []
    for name in query_names:                 # most requests send most declared parameters
        if draw(st.integers(0, 3)):
            pairs.append((name, draw(_text_for(by_name[name]))))
    if draw(st.booleans()):                  # extra, repeated, unknown
        pairs += draw(st.lists(st.tuples(st.sampled_from(keys), TEXTS), max_size=3))
    pairs = draw(st.permutations(pairs)) if pairs else pairs
    parts = []
    for name, value in pairs:
        how = draw(st.sampled_from(["plus", "quote", "commas", "raw"]))
        parts.append(_encoded(name, how) + ("" if (not value and draw(st.booleans())) else "=" + _encoded(value, how)))
    if parts and draw(st.integers(0, 9)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), "")     # `a=1&&b=2`
    query = "&".join(parts).encode("utf-8")
    path_params: dict[str, Any] = {}
    for param in params.get("path", []):
        kind = (param.get("schema") or {}).get("type")
        value: Any = draw(_text_for(param))
        if kind == "integer" and draw(st.booleans()):
            value = draw(st.integers(-3, 10**6))               # routed through Starlette's int convertor
        elif kind == "number" and draw(st.booleans()):
            value = draw(st.floats(allow_nan=False, allow_infinity=False))
        if draw(st.integers(0, 19)):
            path_params[param["name"].replace("-", "_")] = value
    if draw(st.integers(0, 19)) == 0:
        path_params["stray"] = "1"
    headers: list[tuple[bytes, bytes]] = []
    for param in params.get("header", []):
        if draw(st.integers(0, 3)):
            spelled = draw(st.sampled_from([param["name"].lower(), param["name"]]))
            text = draw(_text_for(param))
            headers.append((spelled.encode("latin-1"), text.encode("utf-8")))
            if draw(st.integers(0, 5)) == 0:
                headers.append((param["name"].lower().encode("latin-1"), draw(TEXTS).encode("utf-8")))
    if draw(st.booleans()):
        headers.append((b"content-type", b"application/json"))
    headers = draw(st.permutations(headers)) if headers else headers
    return {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "root_path": "", "query_string": query,
            "headers": headers, "path_params": path_params}


def _typed_dict(values: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(key, type(value).__name__, repr(value)) for key, value in values.items()]


def _validator_reading(plan: Any, scope: dict[str, Any]) -> tuple[Any, Any]:
    """(error or None, path parameters handed on) as the validator alone reads the request."""
    state = RequestState(None)              # no plan: every problem waits in state.problems (as for a body)
    scope = {**scope, SCOPE_KEY: state}
    try:
        plan.parameter_validator.validate(scope)
    except ApiError as exc:                  # pragma: no cover - raised only where the operation takes no body
        return (exc.status, exc.messages, exc.field_errors), None
    if state.problems.field_errors:
        return state.problems.field_errors, None
    return None, state.path_params


# documents whose readers accept at least this many of the generated requests (else the comparison proves little)
MIN_ACCEPTED = {"partners": 60, "molgenis": 40, "fakeapi": 40}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_what_the_reader_accepts_the_validator_accepts_alike(document: str) -> None:
    operations = [op for op in _operations(document) if op[3].reader is not None]
    if not operations:
        pytest.skip(f"{document}: no operation has only plain parameters (every request goes the validator's way)")
    accepted = []

    @settings(derandomize=True, max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def compare(data: Any) -> None:
        _, op_id, _, plan = data.draw(st.sampled_from(operations), label="operation")
        scope = data.draw(raw_requests(plan), label="scope")
        read = plan.reader.read(scope)
        error, path = _validator_reading(plan, scope)
        if read is None:
            return                           # the validator's way: nothing of the reader is used
        accepted.append(op_id)
        assert error is None, (op_id, scope, error)
        if plan.parameter_validator.parameters.get("path"):
            assert _typed_dict(read.path) == _typed_dict(path), (op_id, scope)
        if read.query is not None:           # what the endpoint hands the handler from (its own parse otherwise)
            parsed = ConnexionRequest(scope, uri_parser=plan.uri_parser).query_params if scope["query_string"] else {}
            assert _typed_dict(read.query) == _typed_dict(parsed), (op_id, scope)

    compare()
    assert len(accepted) >= MIN_ACCEPTED.get(document, 1), (document, len(accepted))


def _plain_query_params() -> list[tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for document in DOCUMENTS:
        for _, op_id, _, plan in _operations(document):
            if plan.reader is None:
                continue
            for param in plan.parameter_validator.parameters.get("query", []):
                key = json.dumps({k: v for k, v in param.items() if k != "description"}, sort_keys=True, default=str)
                found.setdefault(key, (f"{document} {op_id} {param['name']}", param))
    return sorted(found.values(), key=lambda pair: pair[0])


PLAIN_QUERY = _plain_query_params()


@pytest.mark.parametrize("label", [label for label, _ in PLAIN_QUERY])
@settings(derandomize=True, max_examples=60, deadline=None, database=None)
@given(values=st.lists(TEXTS, min_size=1, max_size=4))
def test_a_plain_query_value_is_the_parsers(label: str, values: list[str]) -> None:
    param = dict(PLAIN_QUERY)[label]
    reader = ParamReader.compile(_validator_for([param]))
    assert reader is not None, label
    [plain] = reader.query
    parser = StyledURIParser([param], {})
    expected = parser.resolve_query({param["name"]: list(values)})[param["name"]]
    assert _typed_dict({"v": plain.query_value(list(values))}) == _typed_dict({"v": expected})


def _validator_for(params: list[dict[str, Any]], strict: bool = True) -> Any:
    from apitwin.validation import CollectingParameterValidator
    return CollectingParameterValidator(params, uri_parser=StyledURIParser(params, {}), strict_validation=strict,
                                        security_query_params=[])


# --- what is not plain stays with the validator ----------------------------------------------------------------------

def _query(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "p", "in": "query", "schema": schema, **extra}


@pytest.mark.parametrize("param", [
    _query({"type": "object", "properties": {"a": {"type": "integer"}}}),
    _query({"type": "object"}, style="deepObject", explode=True),
    _query({"type": "array", "items": {"type": "integer"}}, style="pipeDelimited"),
    _query({"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}),
    _query({"type": "array", "items": {"type": "string", "format": "date"}}),   # a format Python checks, inside
    _query({"type": "string", "x-apitwin-readings": ["integer", "string"]}),
    _query({"type": "string", "x-apitwin-schema-31": "{}"}),
    _query({"type": ["string", "null"]}),
    _query({"enum": ["a", "b"]}),                                                 # no type: the parser needs one
    {"name": "p", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}},
    {"name": "p", "in": "cookie", "schema": {"type": "string"}},
    {"name": "p-q", "in": "path", "required": True, "schema": {"type": "string"}},   # looked up as p_q
    {"name": "p", "in": "path", "required": True, "schema": {"type": "string"}, "style": "label"},
    {"name": "p", "in": "header", "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "X-Ünïcode-€", "in": "header", "schema": {"type": "string"}},
    _query({"type": "number", "multipleOf": 0.1}),                               # not fast-checkable
])
def test_parameters_that_are_not_plain_keep_the_validator(param: dict[str, Any]) -> None:
    assert ParamReader.compile(_validator_for([param])) is None


def test_a_name_in_both_the_query_and_the_path_keeps_the_validator() -> None:
    params = [_query({"type": "string"}, name="id"), {"name": "id", "in": "path", "required": True,
                                                      "schema": {"type": "integer"}}]
    assert ParamReader.compile(_validator_for(params)) is None


def test_a_definition_listed_twice_alike_is_read_once() -> None:
    """Connexion repeats path-level parameters in an operation's list; equal repeats are one parameter to the
    reader (the validator checks each, with the same answer), differing ones keep the validator."""
    path = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    validator = _validator_for([path, dict(path), _query({"type": "string"}), _query({"type": "string"})])
    reader = ParamReader.compile(validator)
    assert reader is not None and len(reader.path) == 1 and len(reader.query) == 1
    assert reader.read(_scope(b"p=a", {"id": "3"})) == ({"id": 3}, {"p": "a"})
    assert _validator_reading(_Plan(validator), _scope(b"p=a", {"id": "3"})) == (None, {"id": 3})
    assert reader.read(_scope(b"", {"id": "0"})) is None
    assert ParamReader.compile(_validator_for([path, {**path, "schema": {"type": "string"}}])) is None


def _scope(query: bytes = b"", path: dict[str, Any] | None = None,
           headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "query_string": query, "path_params": path or {}, "headers": headers or []}


def test_hand_picked_requests() -> None:
    params = [
        _query({"type": "integer", "minimum": 1}, name="page"),
        _query({"type": "array", "items": {"type": "integer"}}, name="ids"),
        _query({"type": "array", "items": {"type": "string"}}, name="tags", style="form", explode=False),
        _query({"type": "boolean"}, name="flag"),
        _query({"type": "string", "nullable": True}, name="name"),
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "X-Trace", "in": "header", "schema": {"type": "string", "maxLength": 4}},
    ]
    validator = _validator_for(params)
    reader = ParamReader.compile(validator)
    assert reader is not None
    accepted = [
        _scope(b"page=2&ids=1&ids=3&tags=&flag=TRUE&name=null", {"id": "7"}, [(b"x-trace", b"abcd")]),
        _scope(b"page=1&page=3", {"id": 7}),                              # a repeated scalar: the last one
        _scope(b"ids=1&ids=a%2Cb", {"id": "7"}),                          # ids as sent: [1, "a,b"] is refused
        _scope(b"name=%E6%97%A5+%2B", {"id": "7"}),
    ]
    for scope in accepted[:2] + accepted[3:]:
        assert reader.read(scope).path == {"id": 7}   # type: ignore[union-attr]
        assert _validator_reading(_Plan(validator), scope) == (None, {"id": 7})
    assert reader.read(accepted[2]) is None
    refused = [
        _scope(b"page=0", {"id": "7"}),                                   # minimum: Python's words
        _scope(b"page=x", {"id": "7"}),
        _scope(b"unknown=1", {"id": "7"}),                                # strict validation
        _scope(b"", {"id": "x"}),
        _scope(b"", {}),                                                  # the required path parameter missing
        _scope(b"", {"id": "7"}, [(b"x-trace", b"abcde")]),
        _scope(b"ids=1,x", {"id": "7"}),
        _scope(b"ids=1,2&ids=3", {"id": "7"}),                            # repeated: "1,2" is one item, as sent
        _scope(b"ids=", {"id": "7"}),                                     # [""]: the empty list only explode false
    ]
    for scope in refused:
        assert reader.read(scope) is None, scope
        assert _validator_reading(_Plan(validator), scope)[0] is not None, scope
    unsure = _scope(b"", {"id": "7", "other": "1"})                       # a path key it does not know
    assert reader.read(unsure) is None and _validator_reading(_Plan(validator), unsure)[0] is None


@dataclasses.dataclass
class _Plan:
    parameter_validator: Any


def test_the_query_comes_out_in_the_parsers_order() -> None:
    """Undeclared keys (lenient validation) keep their values as sent; exploded arrays sent as repeated keys come
    last, as the parser adds them back after the rest."""
    params = [_query({"type": "array", "items": {"type": "integer"}}, name="ids"), _query({"type": "integer"},
                                                                                         name="page")]
    validator = _validator_for(params, strict=False)
    reader = ParamReader.compile(validator)
    assert reader is not None
    for query in (b"ids=1&x=a&page=2&ids=3&x=b", b"ids=1,2&page=2&page=3", b"x=1&ids=4", b"page=1"):
        reading = reader.read(_scope(query))
        assert reading is not None, query
        parsed = ConnexionRequest(_scope(query), uri_parser=validator.uri_parser).query_params
        assert _typed_dict(reading.query) == _typed_dict(parsed), query   # type: ignore[arg-type]
    assert list(reader.read(_scope(b"ids=1&x=a&ids=3")).query) == ["x", "ids"]   # type: ignore[union-attr]


def test_an_empty_required_delimited_list_is_one_empty_item() -> None:
    """`?codes=` (style form, explode false) is the empty list unless required: then [""], judged by the items."""
    param = _query({"type": "array", "items": {"type": "string", "minLength": 1}}, name="codes", style="form",
                   explode=False)
    for required, accepted in ((False, True), (True, False)):
        validator = _validator_for([{**param, "required": required}])
        reader = ParamReader.compile(validator)
        assert reader is not None
        assert (reader.read(_scope(b"codes=")) is not None) is accepted
        assert (_validator_reading(_Plan(validator), _scope(b"codes="))[0] is None) is accepted


def test_a_required_query_parameter_missing_keeps_the_validator() -> None:
    validator = _validator_for([_query({"type": "string"}, required=True)])
    reader = ParamReader.compile(validator)
    assert reader is not None
    assert reader.read(_scope(b"")) is None and reader.read(_scope(b"other=1")) is None
    assert reader.read(_scope(b"p=")) == ({}, {"p": ""})
    nullable = _validator_for([_query({"type": "string", "nullable": True}, required=True)])
    assert ParamReader.compile(nullable).read(_scope(b"")) == ({}, {})   # type: ignore[union-attr]
    assert _validator_reading(_Plan(nullable), _scope(b"")) == (None, None)


# --- end to end: every GET operation answers the same with and without the readers -------------------------------------

def _without_readers(client: TestClient) -> TestClient:
    for checks in _layer(client).operations.values():
        checks.validation_plan.reader = None
    return client


def _login(document: str, client: TestClient) -> dict[str, str]:
    if document == "partners":
        answer = client.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
        return {"Authorization": f"JWT {answer.json()['token']}"}
    if document == "fakeapi":
        answer = client.post("/api/login/", json={"username": USER[0], "password": USER[1]})
        return {"Authorization": f"Bearer {answer.json()['token']}"}
    if document == "molgenis":
        answer = client.post("/api/v1/login", json={"username": "admin", "password": "admin"})
        return {"x-molgenis-token": answer.json()["token"]}
    return {"Authorization": "Bearer t"}


def _urls(base: str, operation: Any, plan: Any) -> list[str]:
    """A few URLs of one operation: its path with sample values, with and without query parameters."""
    params = plan.parameter_validator.parameters
    path = base + operation.path
    for param in params.get("path", []):
        sample = (_samples(param) or ["1"])[0]
        path = path.replace("{" + param["name"] + "}", quote(sample, safe=""))
    path = path.replace("{", "").replace("}", "")
    query = params.get("query", [])
    valid = "&".join(f"{quote_plus(p['name'])}={quote_plus((_samples(p) or ['1'])[0])}" for p in query)
    urls = [path, f"{path}?{valid}" if valid else path, f"{path}?unknown=1", f"{path}?page=1&limit=5"]
    for p in query[:4]:
        name = quote_plus(p["name"])
        urls += [f"{path}?{name}=", f"{path}?{name}=x&{name}=2", f"{path}?{name}=%E2%9C%93+1,2", f"{path}?{name}"]
    for p in params.get("path", [])[:1]:
        urls.append(base + operation.path.replace("{" + p["name"] + "}", "abc").replace("{", "").replace("}", ""))
    return urls


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_get_answers_the_same_with_and_without_readers(document: str) -> None:
    clients = TestClient(_app(document)), _without_readers(TestClient(_app(document)))
    logins = [_login(document, client) for client in clients]
    readers = 0
    for base, op_id, operation, plan in _operations(document):
        if operation.method.lower() != "get" or base == ADMIN_PREFIX:   # admin answers tell each app's history
            continue
        readers += plan.reader is not None
        for url in _urls(base, operation, plan):
            extra = [(name.lower(), "v") for name in
                     [p["name"] for p in plan.parameter_validator.parameters.get("header", [])]]
            answers = [client.get(url, headers={**login, **dict(extra)}) for client, login in zip(clients, logins)]
            assert answers[0].status_code == answers[1].status_code, (op_id, url, answers[0].text, answers[1].text)
            assert answers[0].headers.raw == answers[1].headers.raw, (op_id, url)
            assert answers[0].content == answers[1].content, (op_id, url)
    if document in ("partners", "molgenis", "fakeapi"):
        assert readers, document
