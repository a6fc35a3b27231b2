"""Ids of nested collections (`/owners/{ownerId}/pets/{petId}`) are read as (parent, child) tuples: each owner's
pets from the list under that owner, so item operations get a pet with its own owner, never an unrelated pair.
With them update_round_trip, delete_removes and anonymous_access reach the nested item paths, parent_scope checks
that listed items read back under their parent and under no other, and a nested delete must remove that pet only.
The mock is the inferred one over HTTP, given two pets under each of three owners before the run."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from apitwin import runtime
from apitwin.app import create_app
from apitwin.contract import events
from apitwin.contract.generic import profile_for
from apitwin.contract.hints import Hints, _discover_chains, _nested_lists, case_strategy
from apitwin.contract.properties import resolutions
from apitwin.contract.target import HttpTarget
from apitwin.inferred import handlers
from apitwin.inferred.plugin import build
from apitwin.settings import Settings
from tests.contract_report import contract_report

DOC = Path(__file__).resolve().parent / "fixtures" / "owners_pets.yaml"
PETS = {1: ["Rex", "Fido"], 2: ["Tom", "Kitty"], 3: ["Nemo", "Dory"]}


def _mock(serve: Any) -> tuple[str, dict[int, list[int]]]:
    """The mock's URL and each owner's pet ids, in the order created (its handlers are bound as it is built: a
    test patches them first)."""
    url = serve(create_app([build(DOC)], settings=Settings(seed=0)))
    owned: dict[int, list[int]] = {}
    with httpx.Client(base_url=f"{url}/api") as client:
        for owner, names in PETS.items():
            for name in names:
                reply = client.post(f"/owners/{owner}/pets", json={"name": name})
                assert reply.status_code == 201, reply.text
                owned.setdefault(owner, []).append(reply.json()["id"])
    return url, owned


@pytest.fixture
def mock(serve: Any) -> tuple[str, dict[int, list[int]]]:
    return _mock(serve)


def _run(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], *include: str) -> dict[str, Any]:
    return contract_report(DOC, tmp_path, capsys, "--url", url, "--no-reset", include=include)


def _outcome(data: dict[str, Any], name: str, label: str) -> dict[str, Any]:
    found = [p for p in data["properties"] if p["name"] == name and p["operation"] == label]
    assert len(found) == 1, data["properties"]
    return found[0]


def _codes(data: dict[str, Any], check: str) -> list[str]:
    return [f["code"] for f in data["failures"] if f["check"] == check]


def test_nested_lists_are_found_shallowest_first():
    import yaml

    doc = yaml.safe_load(DOC.read_text())
    assert _nested_lists(doc, {}) == [("/owners/{ownerId}/pets/{petId}", "/owners/{ownerId}/pets", "petId")]


def test_pairs_are_consistent(mock):
    """Every (ownerId, petId) tuple holds a pet of that owner; the first ones span several owners."""
    import yaml

    url, owned = mock
    doc = yaml.safe_load(DOC.read_text())
    profile = profile_for("owners", "Owners", DOC, doc, None)
    target = HttpTarget(url, "/api")
    try:
        hints = Hints(values={"ownerId": [1, 2, 3]})
        _discover_chains(doc, profile, target, {}, None, hints)
    finally:
        target.close()
    pairs = hints.chains["/owners/{ownerId}/pets/{petId}"]
    assert len(pairs) == 6
    assert all(pair["petId"] in owned[pair["ownerId"]] for pair in pairs), (pairs, owned)
    assert {pair["ownerId"] for pair in pairs[:3]} == {1, 2, 3}
    found = resolutions("/owners/{ownerId}/pets/{petId}", hints)
    assert found == pairs[:3]
    assert resolutions("/owners/{ownerId}/pets", hints) == [{"ownerId": 1}, {"ownerId": 2}, {"ownerId": 3}]
    assert "/owners/{ownerId}/pets/{petId} (6 tuples)" in hints.summary()


def test_generated_cases_get_a_pet_with_its_own_owner():
    """A hinted positive case takes the whole tuple, never an owner from one pair and a pet from another."""
    from types import SimpleNamespace

    from hypothesis import given, settings
    from schemathesis import GenerationMode

    hints = Hints(values={"ownerId": [1, 2, 3]},
                  chains={"/owners/{ownerId}/pets/{petId}": [{"ownerId": 1, "petId": 10}, {"ownerId": 2, "petId": 20}]})
    seen = set()

    def case() -> Any:
        meta = SimpleNamespace(generation=SimpleNamespace(mode=GenerationMode.POSITIVE), phase=None)
        return SimpleNamespace(path="/owners/{ownerId}/pets/{petId}", path_parameters={"ownerId": 7, "petId": 99},
                               query=None, body=None, meta=meta)

    @settings(max_examples=60, derandomize=True, database=None)
    @given(data=__import__("hypothesis").strategies.data())
    def draw(data: Any) -> None:
        drawn = data.draw(case_strategy(hints, case()))
        pair = (drawn.path_parameters["ownerId"], drawn.path_parameters["petId"])
        assert pair in {(7, 99), (1, 10), (2, 20)}, pair
        seen.add(pair)

    draw()
    assert {(1, 10), (2, 20)} <= seen


def test_item_checks_reach_the_nested_item_paths(mock, tmp_path, capsys):
    url, _ = mock
    item = "/owners/{ownerId}/pets/{petId}"
    data = _run(url, tmp_path, capsys, f"GET {item}", f"PATCH {item}", f"DELETE {item}", "POST /owners/{ownerId}/pets")
    assert data["status"] == 0 and data["failures"] == [], data["failures"]
    assert "(6 tuples)" in data["hints"], data["hints"]
    for name, label in (("update_round_trip", f"PATCH {item}"), ("delete_removes", f"DELETE {item}"),
                        ("anonymous_access", f"GET {item}"), ("parent_scope", f"GET {item}"),
                        ("crud_round_trip", "POST /owners/{ownerId}/pets")):
        outcome = _outcome(data, name, label)
        assert outcome["probes"] >= 1 and not outcome["skipped"] and not outcome["failed"], outcome


def test_a_list_showing_another_owners_pets_is_caught(serve, tmp_path, capsys, monkeypatch):
    """The list under an owner ignores the owner (every pet listed under each); the item reads stay scoped, so a
    listed pet of another owner answers 404 under the owner that listed it."""
    original, scope = handlers.Handlers._list, handlers.Handlers._scope

    def unscoped(self: Any, binding: Any, kwargs: dict[str, Any]) -> Any:
        monkeypatch.setattr(handlers.Handlers, "_scope", lambda self, resource: {})
        try:
            return original(self, binding, kwargs)
        finally:
            monkeypatch.setattr(handlers.Handlers, "_scope", scope)

    monkeypatch.setattr(handlers.Handlers, "_list", unscoped)
    url, _ = _mock(serve)
    data = _run(url, tmp_path, capsys, "GET /owners/{ownerId}/pets/{petId}")
    assert data["status"] != 0
    assert _codes(data, "parent_scope") == ["AT281"], data["failures"]


def test_a_read_under_another_owner_is_caught(serve, tmp_path, capsys, monkeypatch):
    """The item read ignores the owner: a pet reads under an owner whose list does not hold it."""
    original = handlers.Handlers._item

    def unscoped(self: Any, binding: Any, kwargs: dict[str, Any]) -> Any:
        resource, _, key, _ = original(self, binding, kwargs)
        for row in self._rows(resource, {}, self._tenant(kwargs)):
            if str(row["key"]) == str(key):
                return resource, row["scope"], key, row
        return resource, {}, key, None

    monkeypatch.setattr(handlers.Handlers, "_item", unscoped)
    url, _ = _mock(serve)
    data = _run(url, tmp_path, capsys, "GET /owners/{ownerId}/pets/{petId}")
    assert data["status"] != 0
    assert _codes(data, "parent_scope") == ["AT282"], data["failures"]


def test_a_delete_removing_every_pet_of_the_owner_is_caught(serve, tmp_path, capsys, monkeypatch):
    """A delete under an owner that removes all that owner's pets: the pet asked for is gone (404), but so is its
    sibling, which read 200 before."""
    original = handlers.Handlers._delete

    def greedy(self: Any, binding: Any, kwargs: dict[str, Any]) -> Any:
        resource, scope, _, _ = self._item(binding, kwargs)
        answer = original(self, binding, kwargs)
        for row in list(self._rows(resource, scope, self._tenant(kwargs))):
            runtime.current().store[resource.name].delete(row["id"])
        return answer

    monkeypatch.setattr(handlers.Handlers, "_delete", greedy)
    monkeypatch.setattr(events, "drive", lambda *args, **kwargs: None)     # the property alone: no phase deletes
    url, _ = _mock(serve)
    data = _run(url, tmp_path, capsys, "DELETE /owners/{ownerId}/pets/{petId}")
    assert data["status"] != 0
    assert _codes(data, "delete_removes") == ["AT252"], data["failures"]


def test_a_link_names_the_value_of_a_path_no_list_reaches(tmp_path):
    """`GET /clinic` links to `GET /vets/{vetId}/schedule` with `vetId: $response.body#/headVet/id`; no list holds
    vets, so the value comes from the clinic's answer (its documented example on the mock)."""
    import yaml

    from apitwin.contract.target import AppTarget
    from apitwin.contract.hints import discover

    ok = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
    doc = {"openapi": "3.1.0", "info": {"title": "Clinic", "version": "1"}, "servers": [{"url": "/api"}], "paths": {
        "/clinic": {"get": {"operationId": "getClinic", "responses": {"200": {
            "description": "the clinic", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"headVet": {
                    "type": "object", "properties": {"id": {"type": "string"}}}}},
                "example": {"headVet": {"id": "v-7"}}}},
            "links": {"schedule": {"operationId": "getSchedule",
                                   "parameters": {"vetId": "$response.body#/headVet/id"}}}}}}},
        "/vets/{vetId}/schedule": {"get": {"operationId": "getSchedule", "parameters": [
            {"name": "vetId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": ok, "404": {"description": "no such vet"}}}}}}
    path = tmp_path / "clinic.yaml"
    path.write_text(yaml.safe_dump(doc))
    profile = profile_for("clinic", "Clinic", path, doc, None)
    target = AppTarget(create_app([build(path)], settings=Settings(seed=0)), "/api")
    try:
        hints = discover(doc, profile, target, {})
    finally:
        target.close()
    assert hints.chains == {"/vets/{vetId}/schedule": [{"vetId": "v-7"}]}
    assert resolutions("/vets/{vetId}/schedule", hints) == [{"vetId": "v-7"}]


def test_a_mock_ignoring_the_owner_everywhere_is_caught_by_the_round_trip(serve, tmp_path, capsys, monkeypatch):
    """Lists and reads both ignore the owner (every pet under every owner): listed items read back wherever they
    are asked, so only the round trip shows it: a pet created under one owner is listed under another."""
    monkeypatch.setattr(handlers.Handlers, "_scope", lambda self, resource: {})
    url, _ = _mock(serve)
    data = _run(url, tmp_path, capsys, "POST /owners/{ownerId}/pets")
    assert data["status"] != 0
    assert _codes(data, "crud_round_trip") == ["AT275"], data["failures"]
