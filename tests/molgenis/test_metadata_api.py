"""The Metadata API (`GET /api/metadata/{entityTypeId}`, specs/molgenis_metadata.yaml) as molgenis-api-metadata
10.2.4 answers it; test names follow the server class and method they copy."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from tests.molgenis.helpers import auth, molgenis_app

SPEC = Path(__file__).resolve().parents[2] / "specs" / "molgenis_metadata.yaml"
BASE = "http://testserver"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(molgenis_app(), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def admin(client: TestClient) -> dict[str, str]:
    return auth(client)


def _example(status: str, media: str, name: str) -> Any:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    response = spec["paths"]["/{entityTypeId}"]["get"]["responses"][status]
    value = response["content"][media]["examples"][name]["value"]
    return yaml.safe_load(yaml.safe_dump(value).replace("http://localhost:8080", BASE))


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["data"]["attributes"]["items"]


def test_EntityTypeResponseMapperImpl_toEntityTypeResponse_is_the_documented_example(
        client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/metadata/sys_md_Property", headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == _example("200", "application/json", "property")


def test_EntityTypeResponseMapperImpl_own_attributes_and_extends_link(client: TestClient,
                                                                     admin: dict[str, str]) -> None:
    body = client.get("/api/metadata/sys_mail_JavaMailProperty", params={"flattenAttributes": "False"},
                      headers=admin).json()
    assert [a["data"]["name"] for a in _items(body)] == ["mailSettings"]
    assert body["data"]["extends"] == {"links": {"self": f"{BASE}/api/metadata/sys_md_Property"}}
    assert _items(body)[0]["data"]["refEntityType"] == {"self": f"{BASE}/api/metadata/sys_set_MailSettings"}


def test_EntityTypeResponseMapperImpl_flattenAttributes_adds_the_parents(client: TestClient,
                                                                        admin: dict[str, str]) -> None:
    body = client.get("/api/metadata/sys_mail_JavaMailProperty", params={"flattenAttributes": "True"},
                      headers=admin).json()
    assert [a["data"]["label"] for a in _items(body)] == ["MailSettings", "key", "value"]
    key = _items(body)[1]
    # an inherited attribute is the parent's: its id and link name the type that defines it
    assert key["data"]["id"] == "sys_md_Property_key" and key["data"]["idAttribute"] is True
    assert key["link"] == {"self": f"{BASE}/api/metadata/sys_md_Property/attributes/sys_md_Property_key"}


def test_AttributeResponseMapperImpl_mapInternal_options_compounds_and_i18n(client: TestClient,
                                                                           admin: dict[str, str]) -> None:
    body = client.get("/api/metadata/V1_API_TypeTestAPIV1", params={"i18n": "true"}, headers=admin).json()
    data = {a["data"]["name"]: a["data"] for a in _items(body)}
    assert data["xcompound"]["type"] == "compound"
    assert data["xcompound_int"]["parentAttributeId"] == "V1_API_TypeTestAPIV1_xcompound"
    assert data["xcategorical_value"]["type"] == "categorical"
    assert {"id": "ref1", "label": "label1"} in data["xcategorical_value"]["categoricalOptions"]
    assert data["xcategoricalmref_value"]["type"] == "categoricalmref"
    assert data["xcompound_int"]["defaultValue"] == "1"
    assert data["xcompound"]["labelI18n"] == {"defaultValue": "xcompound label", "translations": {}}
    assert body["data"]["labelI18n"]["defaultValue"] == body["data"]["label"]
    assert [d["sequenceNr"] for d in data.values()] == list(range(len(data)))
    plain = client.get("/api/metadata/V1_API_TypeTestAPIV1", headers=admin).json()
    assert "labelI18n" not in plain["data"] and all("labelI18n" not in a["data"] for a in _items(plain))


def test_MetadataApiServiceImpl_findEntityType_unknown_is_D01(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/metadata/non_existing_entity", params={"flattenAttributes": "False"},
                          headers=admin)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == _example("404", "application/problem+json", "unknown")


def test_anonymous_without_READ_METADATA_is_401_DS04(client: TestClient) -> None:
    response = client.get("/api/metadata/sys_sec_User")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == _example("401", "application/problem+json", "anonymous")


@pytest.mark.parametrize("path", ["/api/metadata/base_Notes", "/api/metadata/base_Notes/attributes/base_Notes_id"])
def test_MetaDataService_getEntityType_hides_a_non_system_type_without_READ_METADATA(client: TestClient,
                                                                                   path: str) -> None:
    """EntityTypeRepositorySecurityDecorator filters the type out, so the service throws UnknownEntityTypeException."""
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errorCode"] == "D01" and "base_Notes" in response.json()["detail"]


def test_ReadEntityTypeRequest_binding_error_is_a_400_problem(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/metadata/sys_md_Property", params={"flattenAttributes": "maybe"}, headers=admin)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == _example("400", "application/problem+json", "binding")


def test_other_apis_keep_their_error_body(client: TestClient, admin: dict[str, str]) -> None:
    """Only the Metadata API answers problem+json for coded errors; v1 keeps `{"errors": [...]}`."""
    response = client.get("/api/v1/non_existing_entity/meta", headers=admin)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Unknown entity type 'non_existing_entity'.", "code": "D01"}]}


def test_metadata_api_deltas_are_in_the_docs() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    text = (SPEC.parents[1] / "docs" / "molgenis-deltas.md").read_text(encoding="utf-8")
    section = text[text.index("## Metadata API"):]
    assert spec["x-molgenis-deltas"]
    for delta in spec["x-molgenis-deltas"]:
        assert f"| {delta['topic']} | {delta['server']} | {delta['mock']} |" in section, delta["topic"]


def _child(**changes: Any) -> dict[str, Any]:
    parent = {"id": "p_Parent", "abstract": True,
              "attributes": [{"name": "key", "id_attribute": True, "nillable": False}, {"name": "value"}]}
    child = {"id": "p_Child", "extends": "p_Parent",
             "attributes": [{"name": "own"}, {"name": "key", "id_attribute": True, "nillable": False},
                            {"name": "value"}]}
    child.update(changes)
    return {"entity_types": [parent, child]}


def test_seed_model_inheritance_is_checked() -> None:
    from apitwin_apis.molgenis.model import Model

    model = Model.from_dict(_child())
    model.check_inheritance()
    child, parent = model.get("p_Child"), model.get("p_Parent")
    assert child is not None and [a.name for a in child.own_attributes(parent)] == ["own"]
    with pytest.raises(ValueError, match="extends unknown type 'p_Nope'"):
        Model.from_dict(_child(extends="p_Nope")).check_inheritance()
    with pytest.raises(ValueError, match=r"lacks the attributes \['value'\] of its parent p_Parent"):
        Model.from_dict(_child(attributes=[{"name": "key", "id_attribute": True, "nillable": False}])
                        ).check_inheritance()


def _attribute_example(status: str, media: str, name: str) -> Any:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    response = spec["paths"]["/{entityTypeId}/attributes/{attributeId}"]["get"]["responses"][status]
    value = response["content"][media]["examples"][name]["value"]
    return yaml.safe_load(yaml.safe_dump(value).replace("http://localhost:8080", BASE))


def test_MetadataApiController_getAttribute_follows_the_items_link(client: TestClient,
                                                                   admin: dict[str, str]) -> None:
    listed = _items(client.get("/api/metadata/sys_md_Property", headers=admin).json())[0]
    response = client.get(listed["link"]["self"], headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == listed == _attribute_example("200", "application/json", "key")


def test_MetadataApiServiceImpl_findAttribute_unknown_or_inherited_is_D04(client: TestClient,
                                                                         admin: dict[str, str]) -> None:
    response = client.get("/api/metadata/sys_md_Property/attributes/sys_md_Property_nope", headers=admin)
    assert response.status_code == 404
    assert response.json() == _attribute_example("404", "application/problem+json", "unknown_attribute")
    # getOwnAttributeById: an inherited attribute is not the child's own
    inherited = client.get("/api/metadata/sys_mail_JavaMailProperty/attributes/sys_md_Property_key", headers=admin)
    assert inherited.status_code == 404 and inherited.json()["errorCode"] == "D04"
    assert inherited.json()["detail"] == ("Unknown attribute 'sys_md_Property_key' of entity type "
                                          "'Mail sender properties'.")
    unknown_type = client.get("/api/metadata/nope/attributes/x", headers=admin)
    assert unknown_type.status_code == 404 and unknown_type.json()["errorCode"] == "D01"


def test_getAttribute_anonymous_is_401_DS04(client: TestClient) -> None:
    response = client.get("/api/metadata/sys_md_Property/attributes/sys_md_Property_key")
    assert response.status_code == 401
    assert response.json() == _attribute_example("401", "application/problem+json", "anonymous")


def test_a_control_character_in_the_path_is_a_400_problem(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/metadata/sys_md%16Property/attributes/x", headers=admin)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == _attribute_example("400", "application/problem+json", "control")
