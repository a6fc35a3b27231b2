"""The MOLGENIS query indexes on every state backend (memory, a SQLite `--state` file, a shared Redis): after each
insert, update, delete and a reset the indexed answers equal a scan's, and a write moves the indexes forward in place
instead of rebuilding them. Redis variants skip LOUDLY without redis-server (`make redis`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from apitwin_apis.molgenis import indexes, snapshot
from apitwin_apis.molgenis.model_store import model_of
from apitwin_apis.molgenis.query import compile_rules, sort_rows
from apitwin_apis.molgenis.repository import Repository
from tests.engine.redis_server import redis_url

TYPE = "biobank_Sample"
QUERIES = [
    ([{"field": "type", "operator": "EQUALS", "value": "rna"}], ("volume_ml", "DESC")),
    ([{"field": "type", "operator": "IN", "value": ["plasma", "serum"]}, {"operator": "AND"},
      {"field": "volume_ml", "operator": "GREATER", "value": 1}], ("collected", "ASC")),
    (None, ("id", "DESC")),
]


@pytest.fixture(params=["memory", "sqlite", "redis"])
def repository(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    settings = {"memory": lambda: Settings(), "sqlite": lambda: Settings(state_path=tmp_path / "state.db"),
                "redis": lambda: Settings(store_url=redis_url(request))}[request.param]()
    app = create_app(["molgenis"], settings=settings)
    store = app.apitwin.runtimes["molgenis"].store
    yield Repository(store, model_of(store).get(TYPE))
    store.close()


def sample(number: int, kind: str, volume: float, donor: str) -> dict[str, Any]:
    return {"id": f"IX-{number:04d}", "donor": donor, "type": kind, "volume_ml": volume,
            "collected": f"2021-0{1 + number % 9}-1{number % 10}T08:00:00Z"}


def same_as_scan(repository: Repository) -> None:
    model = model_of(repository.store)
    entity_type = model.get(TYPE)
    for rules, (prop, direction) in QUERIES:
        sort = {"orders": [{"property": prop, "direction": direction}]}
        predicate = compile_rules(rules, entity_type, model) if rules else None
        expected = sort_rows([v for v in repository.scan() if predicate is None or predicate(v)], sort, entity_type)
        rows, total = indexes.page(repository, entity_type, model, rules=rules, predicate=predicate, sort=sort,
                                   start=2, num=15)
        assert total == len(expected)
        assert [row["id"] for row in rows] == [row["id"] for row in expected[2:17]]


def test_indexes_stay_correct_over_insert_update_delete_and_reset(repository: Repository) -> None:
    donor = next(iter(Repository(repository.store, model_of(repository.store).get("biobank_Donor")).scan()))["id"]
    repository.store.mark_seed()
    same_as_scan(repository)                                   # the indexes of the seed, built once
    built = id(snapshot.snapshot_of(repository))
    kinds = ["plasma", "serum", "rna"]
    for number in range(30):
        repository.insert(sample(number, kinds[number % 3], float(number % 7), donor))
    same_as_scan(repository)
    assert id(snapshot.snapshot_of(repository)) == built       # followed the inserts in place, not rebuilt
    for number in range(0, 30, 4):                             # updates: a full replacement, as a PUT
        stored = repository.get(f"IX-{number:04d}")
        repository.replace(f"IX-{number:04d}", {**stored, "type": "rna", "volume_ml": 9.5})
    same_as_scan(repository)
    for number in range(1, 30, 5):
        repository.delete(f"IX-{number:04d}")
    same_as_scan(repository)
    repository.store.reset()
    assert not repository.exists("IX-0000")
    same_as_scan(repository)
