"""MOLGENIS on a durable and on a shared state (issue 16): its rows, its live entity model, tokens and the query
indexes built as derived data come back after a restart on a `--state` file, and a second process on the same
Redis reads what the first wrote, its indexes following (the collection versions move with each applied write)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.engine.redis_server import redis_url

API = "/api/v1"


def served(**settings: Any) -> Iterator[Any]:
    with create_app(["molgenis"], settings=Settings(**settings)).test_client() as client:
        yield client


def login(client: Any) -> dict[str, str]:
    answer = client.post(f"{API}/login", json={"username": "admin", "password": "admin"})
    assert answer.status_code == 200, answer.text
    return {"x-molgenis-token": answer.json()["token"]}


def names(client: Any, headers: dict[str, str], query: str) -> list[str]:
    answer = client.get(f"/api/v2/biobank_Disease?q={query}&attrs=name", headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(item["name"] for item in answer.json()["items"])


def add_disease(client: Any, headers: dict[str, str], name: str) -> None:
    answer = client.post(f"{API}/biobank_Disease", json={"code": name[:3].upper() + "9", "name": name},
                         headers=headers)
    assert answer.status_code == 201, answer.text


def test_a_restart_on_the_state_file_keeps_rows_tokens_and_indexes(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    for client in served(state_path=path):
        headers = login(client)
        add_disease(client, headers, "Persistent_fever")
        found = names(client, headers, "name==Persistent_fever")
    assert found == ["Persistent_fever"]
    for client in served(state_path=path):
        assert names(client, headers, "name==Persistent_fever") == found             # same token, same row
        assert client.delete(f"{API}/biobank_Disease/PER9", headers=headers).status_code == 204
    for client in served(state_path=path):
        assert names(client, headers, "name==Persistent_fever") == []


def test_two_processes_on_one_redis_read_each_others_writes(request: pytest.FixtureRequest) -> None:
    url = redis_url(request)
    first_app = create_app(["molgenis"], settings=Settings(store_url=url))
    second_app = create_app(["molgenis"], settings=Settings(store_url=url))
    with first_app.test_client() as first, second_app.test_client() as second:
        headers = login(first)                                   # the token is in the shared state
        assert names(second, headers, "name==Shared_flu") == []  # the second builds its index now
        add_disease(first, headers, "Shared_flu")
        assert names(second, headers, "name==Shared_flu") == ["Shared_flu"]   # ... and it followed the write
        assert second.post("/__apitwin/apis/molgenis/reset").status_code == 200
        assert names(first, {}, "name==Shared_flu") == []        # the reset there is the reset here (anonymous reads)
