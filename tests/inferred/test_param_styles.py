"""Parameters as the OpenAPI serialization rules spell them, beyond what Connexion 3.3 reads (apitwin.uri_parsing,
apitwin.validation): exploded form-style query objects, arrays of arrays, objects in paths and headers, an optional
form sent with no body, and keywords the 3.0 view drops (checked on the 3.1 schema). Valid values reach the handler
as the schema reads them; invalid ones are a 400 naming the parameter, never a 500."""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from starlette.testclient import TestClient

from apitwin.app import create_app
from apitwin.cli import main
from apitwin.inferred.plugin import build
from apitwin.settings import Settings
from tests.inferred.conftest import FIXTURES

DOCUMENT = FIXTURES / "param_styles.yaml"
SEEN: list[tuple[str, dict[str, Any]]] = []


def _recorder(operation_id: str) -> Any:
    async def handler(**kwargs: Any) -> Any:
        SEEN.append((operation_id, kwargs))
        return {"ok": True}, 201 if operation_id == "subscribe" else 200
    return handler


@pytest.fixture(scope="module")
def client() -> TestClient:
    """The fixture served with every operation's handler recording what it was handed."""
    plugin = build(DOCUMENT)
    plugin = dataclasses.replace(plugin, binding=dataclasses.replace(plugin.binding, unbound=_recorder))
    return TestClient(create_app([plugin], settings=Settings(seed=0)))


def _handed(client: TestClient, path: str, params: Any = None, headers: dict[str, str] | None = None) -> dict:
    SEEN.clear()
    answer = client.get(path, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    [(_, kwargs)] = SEEN
    return kwargs


def _refused(client: TestClient, path: str, params: Any = None, headers: dict[str, str] | None = None) -> dict:
    answer = client.get(path, params=params, headers=headers)
    assert answer.status_code == 400, answer.text
    return answer.json()["errors"]


# -- exploded form-style query objects (style form, explode true: the query's defaults) ---------------------------

def test_an_exploded_objects_properties_are_its_query_keys(client: TestClient) -> None:
    assert _handed(client, "/search", {"size": "3", "color": "blue"})["where"] == {"size": 3, "color": "blue"}


def test_an_exploded_object_gets_its_property_defaults(client: TestClient) -> None:
    assert _handed(client, "/search", {"size": "3"})["where"] == {"size": 3, "color": "red"}
    assert _handed(client, "/search")["where"] == {"color": "red"}


def test_an_exploded_objects_values_are_validated_under_its_name(client: TestClient) -> None:
    assert "where" in _refused(client, "/search", {"size": "30"})
    assert "where" in _refused(client, "/search", {"color": "green"})


def test_a_key_no_property_names_stays_unknown_when_the_object_is_closed(client: TestClient) -> None:
    assert _refused(client, "/search", {"size": "3", "bogus": "1"}) == {"bogus": ["Unknown query parameter."]}


def test_a_declared_parameter_keeps_its_own_key(client: TestClient) -> None:
    kwargs = _handed(client, "/search", {"q": "word", "size": "2"})
    assert kwargs["q"] == "word" and kwargs["where"] == {"size": 2, "color": "red"}


def test_an_object_allowing_other_properties_takes_every_other_key(client: TestClient) -> None:
    assert _handed(client, "/free", {"a": "1", "b": "2", "q": "x"})["extra"] == {"a": 1, "b": 2}
    assert "extra" in _refused(client, "/free", {"a": "x"})


def test_an_api_key_in_the_query_is_never_part_of_an_object(client: TestClient) -> None:
    kwargs = _handed(client, "/free", {"a": "1", "api_key": "secret"})
    assert kwargs["extra"] == {"a": 1}


# -- a non-deepObject query object: its properties' defaults when absent (a regression) ---------------------------

def test_an_absent_form_object_is_handed_its_property_defaults(client: TestClient) -> None:
    assert _handed(client, "/search")["page"] == {"number": 1, "per": 20}
    assert _handed(client, "/search", {"page": "number,2,per,5"})["page"] == {"number": 2, "per": 5}
    assert "page" in _refused(client, "/search", {"page": "number,0"})


# -- arrays of arrays (no OpenAPI style spells one) ----------------------------------------------------------------

@pytest.mark.parametrize(("params", "headers", "name", "handed"), [
    ([("grid", "1,2"), ("grid", "3")], {}, "grid", [[1, 2], [3]]),          # repeated outer, comma inner
    ([("grid", "[1,2]"), ("grid", "[3]")], {}, "grid", [[1, 2], [3]]),      # each inner array as JSON
    ({"grid": "[[1, 2], [3]]"}, {}, "grid", [[1, 2], [3]]),                  # the whole value as JSON
    ([("grid", "1"), ("grid", "2")], {}, "grid", [[1], [2]]),               # a client flattening [[1, 2]]
    ({"rows": "a,b"}, {}, "rows", [["a"], ["b"]]),                           # form, explode false: one item each
    ({"rows": "['ab', 'c'],['d']"}, {}, "rows", [["ab", "c"], ["d"]]),       # schemathesis: str() of each inner
    ({"pipes": "1,2|3"}, {}, "pipes", [[1, 2], [3]]),                        # pipeDelimited outer, comma inner
    (None, {"X-Grid": "[1, 2],[3]"}, "", None),                               # headers: validated, not handed
    (None, {"X-Grid": "1,2"}, "", None),
])
def test_arrays_of_arrays_are_read_as_sent(client: TestClient, params: Any, headers: dict[str, str], name: str,
                                           handed: Any) -> None:
    kwargs = _handed(client, "/grids", params, headers)
    if handed is not None:
        assert kwargs[name] == handed


@pytest.mark.parametrize(("params", "headers", "field"), [
    ({"grid": "x"}, {}, "grid"), ({"grid": "[[1, \"x\"]]"}, {}, "grid"), ({"rows": "abcd"}, {}, "rows"),
    ({"pipes": "1|x"}, {}, "pipes"), ({"grid": "[" * 3000}, {}, "grid"), (None, {"X-Grid": "1,x"}, "X-Grid"),
])
def test_arrays_of_arrays_that_break_the_schema_are_a_400(client: TestClient, params: Any, headers: dict[str, str],
                                                          field: str) -> None:
    assert field in _refused(client, "/grids", params, headers)


# -- objects in paths and headers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "header", "handed"), [
    ("/mixed/a,1", "a,1", {"a": 1}), ("/mixed/a=1", "a=1", {"a": 1}), ("/mixed/3", "3", 3),
    ("/mixed/{\"a\": 1}", "{\"a\": 1}", {"a": 1}),                           # JSON
    ("/mixed/{'a': '0'}", "{'a': '0'}", {"a": 0}),                           # schemathesis 4.32.5: str() of the object
])
def test_objects_in_paths_and_headers_are_read_in_every_spelling(client: TestClient, path: str, header: str,
                                                                 handed: Any) -> None:
    assert _handed(client, path, headers={"X-Mix": header})["m"] == handed


@pytest.mark.parametrize(("path", "header", "field"), [
    ("/mixed/{'a': 'x'}", "1", "m"), ("/mixed/0", "1", "m"), ("/mixed/1", "{'b': 1}", "X-Mix"),
    ("/mixed/{'a': 1", "1", "m"),
])
def test_objects_in_paths_and_headers_that_break_the_schema_are_a_400(client: TestClient, path: str, header: str,
                                                                      field: str) -> None:
    assert field in _refused(client, path, headers={"X-Mix": header})


# -- an optional form sent with no body ---------------------------------------------------------------------------

_FORM_TYPES = [None, "multipart/form-data", "multipart/form-data; boundary=b", "application/x-www-form-urlencoded"]
_ACCEPTS = {"/optional-forms": "", "/uploads": "multipart", "/subscribe": "urlencoded"}   # the form type documented


@pytest.mark.parametrize(("path", "content_type"), [
    (path, content_type) for path, accepted in _ACCEPTS.items() for content_type in _FORM_TYPES
    if content_type is None or accepted in content_type])
def test_an_optional_form_may_be_sent_with_no_body(client: TestClient, path: str, content_type: str | None) -> None:
    answer = client.post(path, content=b"", headers={"content-type": content_type} if content_type else {})
    assert answer.status_code < 300, answer.text


def test_a_required_form_may_be_the_empty_form() -> None:
    """A form Content-Type with no body is the form without fields: present, judged by its schema (mixed_params'
    /forms requires a body whose fields are all optional); no Content-Type and no body is a missing body."""
    client = TestClient(create_app([build(FIXTURES / "mixed_params.yaml")], settings=Settings(seed=0)))
    answer = client.post("/forms", headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200, answer.text
    assert client.post("/forms").status_code == 400


# -- keywords the 3.0 view drops, checked on the 3.1 schema -------------------------------------------------------

def test_prefix_items_contains_and_property_names_hold_for_parameters(client: TestClient) -> None:
    assert _handed(client, "/strict", {"pair": "1,a", "tags": "must"})["pair"] == [1, "a"]
    assert _handed(client, "/strict", [("tags", "x"), ("tags", "must")])["tags"] == ["x", "must"]
    assert _handed(client, "/strict", {"named[ab]": "x", "tags": "must"})["named"] == {"ab": "x"}
    assert "pair" in _refused(client, "/strict", {"pair": "x,a", "tags": "must"})
    assert "pair" in _refused(client, "/strict", {"pair": "1,c", "tags": "must"})
    assert _refused(client, "/strict", {"tags": "x"}) == {
        "tags": ["The list does not hold the items it must (contains)."]}
    assert "named" in _refused(client, "/strict", {"named[Ab]": "x", "tags": "must"})


def test_a_delimited_item_may_hold_the_delimiter_percent_encoded(client: TestClient) -> None:
    """`pair=5,b%2Cc` (RFC 6570: the item `b,c`, as schemathesis sends it) and `pair=5%2Ca` (many clients encode
    the delimiter too) are both read; a value holding `__` is not re-encoded on the way (Prefer twins' strip)."""
    assert client.get("/tuples?pair=5,b%2Cc").status_code == 200
    assert _handed(client, "/tuples", {"pair": "5,a"})["pair"] == [5, "a"]
    assert _handed(client, "/tuples?pair=5,__main__&__delay=1")["pair"] == [5, "__main__"]
    assert "pair" in _refused(client, "/tuples?pair=5,b%2Cc,d")


def test_a_repeated_form_field_keeps_commas_inside_its_values(client: TestClient) -> None:
    assert client.post("/tuples", data={"pair": ["1", "a,b"]}).status_code == 200
    refused = client.post("/tuples", data={"pair": ["1", "a", "b,c"]})
    assert refused.status_code == 400 and "pair" in refused.json()["errors"], refused.text


def test_prefix_items_hold_for_form_fields(client: TestClient) -> None:
    assert client.post("/strict", data={"pair": ["1", "a"], "note": "hi"}).status_code == 200
    refused = client.post("/strict", data={"pair": ["a", "1"]})
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"]["pair.0"] == ["A valid integer is required."]


def test_a_referenced_tuple_binds_parameters_and_form_fields(client: TestClient) -> None:
    """`items: false` beside `prefixItems` holds past the tuple only (the view used to apply it to every item)."""
    assert _handed(client, "/tuples", {"pair": "1,a"})["pair"] == [1, "a"]
    assert "pair" in _refused(client, "/tuples", {"pair": "a,1"})
    assert "pair" in _refused(client, "/tuples", {"pair": "1,a,b"})
    assert client.post("/tuples", data={"pair": ["1", "a"]}).status_code == 200
    refused = client.post("/tuples", data={"pair": ["1", "a", "b"]})
    assert refused.status_code == 400 and "pair" in refused.json()["errors"], refused.text


def test_the_contract_suite_passes_on_the_fixture(tmp_path, capsys) -> None:
    status = main(["contract", str(DOCUMENT), "--max-examples", "5", "--stateful-steps", "2", "-q",
                   "--report-dir", str(tmp_path)])
    assert status == 0, capsys.readouterr().out[-3000:]
