"""The Partners OpenAPI document on its own: its servers, format checks that really run, the conventions every
operation follows, and links that point at real operations. What every served document promises (valid OpenAPI 3.1,
examples valid against their schemas, links, schemathesis loads it) is checked for all APIs in
tests/review/test_specs.py."""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import FormatChecker
from jsonschema.protocols import Validator

from apitwin.review.openapi import Spec
from tests import openapi_helpers

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "partners.yaml"
ERROR_BY_STATUS = {"400": "BadRequest", "401": "Unauthorized", "404": "NotFound", "413": "PayloadTooLarge",
                   "415": "UnsupportedMediaType", "500": "ServerError"}
ERROR_COMPONENTS = tuple(ERROR_BY_STATUS.values())


def load_spec() -> dict[str, Any]:
    with open(SPEC_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


SPEC = load_spec()
REVIEW = Spec.open(str(SPEC_PATH))


# ---------------------------------------------------------------------------------------------------- helpers

def deref(node: Any) -> Any:
    """Follow local `$ref`s (`#/...`) until a non-reference node."""
    return openapi_helpers.deref(SPEC, node)


def validator_at(parts: tuple[str, ...]) -> Validator:
    """The validator `apitwin lint` uses for the schema at `parts` (2020-12 + OpenAPI dialect, formats checked,
    `$ref`s resolved against the whole document)."""
    return REVIEW.validator(REVIEW.at(*parts))


OPERATIONS = list(openapi_helpers.operations(SPEC))


def op_id(value: Any) -> str:
    path, method = value[0], value[1]
    return f"{method.upper()} {path}"


def parameters_of(op: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    return [deref(p) for p in item.get("parameters", []) + op.get("parameters", [])]


def is_list_operation(op: dict[str, Any]) -> bool:
    return op["operationId"].startswith("list")


# ---------------------------------------------------------------------------------------------------- (1) validity

def test_servers_are_absolute_hosts_without_path() -> None:
    urls = [s["url"] for s in SPEC["servers"]]
    assert urls == ["https://partners.toolboxgenomics.com", "https://staging.partners.toolboxgenomics.com"]


# ---------------------------------------------------------------------------------------------------- (5) negative controls

def test_date_time_format_is_really_checked() -> None:
    """Without rfc3339-validator jsonschema skips date-time silently; then every example test would pass blindly."""
    assert "date-time" in FormatChecker().checkers, "rfc3339-validator is not installed"
    customer = copy.deepcopy(deref({"$ref": "#/components/examples/CustomerJonSnow"})["value"])
    validator = validator_at(("components", "schemas", "Customer"))
    assert validator.is_valid(customer)
    customer["created_at"] = "2019-10-01 25:61:00"
    assert not validator.is_valid(customer)
    customer["created_at"] = "yesterday"
    assert not validator.is_valid(customer)


def test_date_format_and_refs_are_really_checked() -> None:
    customer = copy.deepcopy(deref({"$ref": "#/components/examples/CustomerJonSnow"})["value"])
    validator = validator_at(("components", "schemas", "Customer"))
    customer["date_of_birth"] = "1996-02-30"
    assert not validator.is_valid(customer)
    customer["date_of_birth"] = "1996-01-28"
    customer["ethnicity"] = ["martian"]  # checked through a $ref to components/schemas/Ethnicity
    assert not validator.is_valid(customer)


def test_event_data_variants_are_exclusive() -> None:
    validator = validator_at(("components", "schemas", "Event"))
    event = {"id": 1, "created_at": "2019-10-01T00:00:00+00:00", "type": "kit.updated",
             "data": {"kit": {"barcode": "X1", "status": "KIT_RECEIVED", "shipment_id": 1},
                      "report": {"id": 1, "status": "AVAILABLE"}}}
    assert not validator.is_valid(event)


# ---------------------------------------------------------------------------------------------------- (3) operations

@pytest.mark.parametrize("entry", OPERATIONS, ids=op_id)
def test_operation_conventions(entry: tuple[str, str, dict[str, Any], dict[str, Any]]) -> None:
    path, method, op, item = entry
    assert path.endswith("/"), path
    assert re.fullmatch(r"[a-z][A-Za-z0-9]*", op.get("operationId", "")), op.get("operationId")  # an API name
    assert op.get("summary"), "summary missing"
    assert op.get("description"), "description missing"
    assert op.get("tags"), "tags missing"

    responses = op["responses"]
    params = parameters_of(op, item)
    has_body = "requestBody" in op
    secured = op.get("security", SPEC.get("security")) not in (None, [])
    has_path_id = "{" in path

    assert "500" in responses
    if params or has_body:
        assert "400" in responses
    if secured:
        assert "401" in responses
    else:
        assert "401" not in responses
    assert ("404" in responses) == has_path_id
    assert ("413" in responses) == has_body
    assert ("415" in responses) == has_body
    for status in ("204", "405", "409"):
        assert status not in responses, f"{status} must not be documented"
    assert any(code.startswith("2") for code in responses)

    for status, ref in responses.items():
        if status[0] in "45":
            assert ref == {"$ref": f"#/components/responses/{ERROR_BY_STATUS[status]}"}, status

    for param in params:
        if param["in"] == "path":
            assert param["required"] is True
            assert param["schema"] == {"type": "integer", "minimum": 1}, param["name"]
        assert "default" not in param.get("schema", {}), f"{param['name']}: Connexion would inject the default"

    if has_body:
        content = deref(op["requestBody"])["content"]
        assert list(content) == ["application/json"]
        body_schema = deref(content["application/json"]["schema"])
        assert body_schema.get("additionalProperties", True) is not False, "DRF ignores unknown fields"


@pytest.mark.parametrize("entry", [e for e in OPERATIONS if is_list_operation(e[2])], ids=op_id)
def test_list_operations_page_on_request(entry: tuple[str, str, dict[str, Any], dict[str, Any]]) -> None:
    path, method, op, item = entry
    assert method == "get"
    params = {p["name"]: p for p in parameters_of(op, item)}
    assert params["page"]["schema"] == {"type": "integer", "minimum": 1}
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000}
    assert not params["page"].get("required") and not params["page_size"].get("required")

    schema = deref(op["responses"]["200"]["content"]["application/json"]["schema"])
    variants = [deref(v) for v in schema["oneOf"]]
    assert [v["type"] for v in variants] == ["array", "object"]
    page = variants[1]
    assert page["required"] == ["count", "next", "previous", "results"]
    assert deref(page["properties"]["results"]["items"]) == deref(variants[0]["items"])
    assert page.get("x-apitwin-inferred") is True


def test_operation_ids_unique_and_complete() -> None:
    ids = [op["operationId"] for _, _, op, _ in OPERATIONS]
    assert len(ids) == len(set(ids)) == 23


def test_error_components() -> None:
    responses = SPEC["components"]["responses"]
    for name in ERROR_COMPONENTS:
        content = responses[name]["content"]
        assert list(content) == ["application/json"], name
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    error = SPEC["components"]["schemas"]["Error"]
    assert error["required"] == ["errors", "messages"]


def test_security_scheme() -> None:
    scheme = SPEC["components"]["securitySchemes"]["jwtAuth"]
    assert scheme["type"] == "apiKey" and scheme["in"] == "header" and scheme["name"] == "Authorization"
    assert not [key for key in scheme if key.endswith("InfoFunc")]              # the plugin binds the token check
    assert SPEC["security"] == [{"jwtAuth": []}]
    token_op = SPEC["paths"]["/api/v1/api-token-auth/"]["post"]
    assert token_op["security"] == []


def test_webhook_documents_the_event() -> None:
    webhook = SPEC["webhooks"]["event"]["post"]
    media = webhook["requestBody"]["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/Event"}
    assert len(media["examples"]) >= 8
    assert "2XX" in webhook["responses"]
    assert webhook["security"] == []


# ---------------------------------------------------------------------------------------------------- date-time input

DATETIME_PATTERNS = {
    "DateTimeFilter": SPEC["components"]["schemas"]["DateTimeFilter"]["pattern"],
    "KitRegistrationPatch.verification_date":
        SPEC["components"]["schemas"]["KitRegistrationPatch"]["properties"]["verification_date"]["pattern"],
}


@pytest.mark.parametrize("name", sorted(DATETIME_PATTERNS))
def test_every_datetime_the_pattern_admits_is_a_moment_the_mock_takes(name: str) -> None:
    """The pattern states the whole rule (issue 17): no value it admits is refused later by the mock's parser."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    from apitwin.timeutil import parse_datetime

    @settings(max_examples=200, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(DATETIME_PATTERNS[name], fullmatch=True))
    def parses(text: str) -> None:
        parse_datetime(text)

    parses()


@pytest.mark.parametrize("name", sorted(DATETIME_PATTERNS))
def test_the_datetime_pattern_admits_exactly_the_calendar(name: str) -> None:
    """Every day of 1000-2999 matches, and nothing of the same shape that is no date: 0000-00-00, month 13, day 32,
    30 February, 29 February of a common year (1900, 2019), hour 24, an offset of 24 h."""
    import calendar
    import re
    from datetime import date, timedelta

    pattern = re.compile(DATETIME_PATTERNS[name])
    for year in (1000, 1600, 1900, 2000, 2019, 2020, 2999):
        day = date(year, 1, 1)
        while day.year == year:
            assert pattern.match(day.isoformat()), day
            day += timedelta(days=1)
    for year in range(1000, 3000):       # 29 February exactly in the leap years
        assert bool(pattern.match(f"{year}-02-29")) == calendar.isleap(year), year
    for text in ("0000-00-00", "2019-00-10", "2019-13-01", "2019-01-32", "2019-04-31", "2019-02-30", "2019-02-29",
                 "1900-02-29", "0999-12-31", "3000-01-01", "2019-10-01T24:00:00", "2019-10-01T10:60",
                 "2019-10-01T10:00:00+24:00", "2019-10-01T10:00:00-05:60"):
        assert not pattern.match(text), text
    for text in ("2000-02-29", "2020-02-29T23:59:59.999999Z", "2019-10-01T10:00+0530", "2019-10-01z"):
        assert pattern.match(text), text
