"""`apitwin check-drift`: our mocks match their specs (the `make test` gate), and a small API built for the test
shows that each kind of drift is found: missing and unreferenced handlers, missing security functions, seed data
refused or not matching its schema, and smoke-run answers that break the contract, fail, or cannot be reached."""
from __future__ import annotations

import importlib
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

import pytest

from apitwin import discovery
from apitwin.cli import main
from apitwin.review import drift

ROOT = Path(__file__).resolve().parents[2]


def test_our_mocks_do_not_drift_from_their_specs() -> None:
    files, findings = drift.run([])
    assert set(files) >= {"specs/partners.yaml", "specs/molgenis_v1.yaml"}
    assert [f"{f.file}:{f.line} {f.rule} {f.message}" for f in findings if f.severity != "info"] == []
    runs = [f.message for f in findings if f.rule == "drift-smoke-run"]
    assert any(m.startswith("partners smoke run: 18 GET calls of 18 operations: 18x 200") for m in runs), runs


def test_partners_lists_every_seeded_resource() -> None:
    from apitwin.app import build_runtime
    from apitwin.discovery import discover
    from apitwin.settings import Settings

    plugin = discover()["partners"]
    records = list(plugin.seed_records(build_runtime(plugin, Settings(), "")))
    schemas = {schema for _, schema, _ in records}
    assert schemas == {"Customer", "Shipment", "Order", "TraitPanel", "RawPanel", "Kit", "KitRegistration", "Report",
                       "ReportFile", "Event"}
    assert len(records) > 50


# ---------------------------------------------------------------------------------------------------- a test API

SPEC = """\
openapi: 3.1.0
info: {title: Fake pets, version: '1'}
servers: [{url: /api}]
paths:
  /pets:
    get:
      operationId: fakepets.pets.list_pets
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}}}
  /pets/{pet_id}:
    parameters: [{name: pet_id, in: path, required: true, schema: {type: integer}}]
    get:
      operationId: fakepets.pets.get_pet
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
        '404': {description: gone, content: {application/json: {schema: {type: object}}}}
%(extra)s
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key, x-apikeyInfoFunc: %(key_func)s}
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
"""

EXTRA_OPERATIONS = """\
  /toys/{toy_id}:
    get:
      operationId: fakepets.pets.get_toy
      parameters: [{name: toy_id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
  /crash:
    get:
      operationId: fakepets.pets.crash
      responses:
        '200': {description: ok}
"""

HANDLERS = '''\
from typing import Any

from apitwin import runtime


def shape(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}


async def list_pets() -> Any:
    return [shape(r) for r in runtime.current().store["pets"].filter()]


async def get_pet(pet_id: int) -> Any:
    row = runtime.current().store["pets"].get(pet_id)
    if row is None:
        return {}, 404
    return {"id": row["id"], "name": row["name"] if pet_id != %(bad_id)s else 42}


async def _internal() -> None:
    return None


def check_key(apikey: str, required_scopes: Any = None) -> dict[str, Any]:
    return {"sub": apikey}
'''

EXTRA_HANDLERS = '''

async def get_toy(toy_id: int) -> Any:
    return {}


async def crash() -> Any:
    raise RuntimeError("boom")
'''

UNREFERENCED_HANDLER = '''

async def adopt_pet(pet_id: int) -> Any:
    return {}
'''

PLUGIN = '''\
from pathlib import Path
from typing import Any

import yaml

from apitwin.plugin import ApiPlugin

HERE = Path(__file__).parent


class Refused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def seed(rt: Any, data_dir: Path) -> None:
    rows = yaml.safe_load((Path(data_dir) / "pets.yaml").read_text())
    refused = [f"pet {r['id']}: a pet needs a name" for r in rows if "name" not in r]
    if refused:
        raise Refused(refused)
    for row in rows:
        rt.store["pets"].insert(row)


def records(rt: Any) -> Any:
    for row in rt.store["pets"].filter():
        yield f"pets {row['id']}", "Pet", {k: v for k, v in row.items() if not k.startswith("_")}


PLUGIN = ApiPlugin(name="fakepets", title="Fake pets", spec_file=HERE / "spec.yaml", mockdata_dir=HERE / "data",
                   render_error=lambda e: {"messages": e.messages}, seed=seed, seed_records=records)
'''


@pytest.fixture
def fake_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Writes a package `fakepets` into a temporary directory on sys.path and registers its PLUGIN as an
    `apitwin.apis` entry point (as a third-party distribution would)."""
    def build(*, extra: str = "", key_func: str = "fakepets.pets.check_key", bad_id: int = 0,
              pets: str = "[{id: 1, name: Rex}, {id: 2, name: Tom}]", with_handlers: bool = True,
              unreferenced: bool = False) -> Path:
        package = tmp_path / "fakepets"
        (package / "data").mkdir(parents=True, exist_ok=True)
        (package / "spec.yaml").write_text(SPEC % {"extra": extra, "key_func": key_func})
        (package / "data" / "pets.yaml").write_text(pets + "\n")
        (package / "__init__.py").write_text(PLUGIN)
        if with_handlers:
            code = HANDLERS % {"bad_id": bad_id} + (EXTRA_HANDLERS if extra == EXTRA_OPERATIONS else "")
            (package / "pets.py").write_text(code + (UNREFERENCED_HANDLER if unreferenced else ""))
        importlib.invalidate_caches()
        return package / "spec.yaml"

    monkeypatch.syspath_prepend(str(tmp_path))
    fake = metadata.EntryPoint("fakepets", "fakepets:PLUGIN", discovery.GROUP)
    real = discovery.entry_points
    monkeypatch.setattr(discovery, "entry_points", lambda: [*real(), fake])
    yield build
    for name in [m for m in sys.modules if m.startswith("fakepets")]:
        del sys.modules[name]


def rules(findings: list[Any]) -> list[str]:
    return sorted(f.rule for f in findings if f.rule != "drift-smoke-run")


def test_a_clean_api_has_no_drift(fake_api: Any) -> None:
    spec = fake_api()
    files, findings = drift.run(["fakepets"])
    assert [(f.rule, f.message) for f in findings] == [
        ("drift-smoke-run", "fakepets smoke run: 2 GET calls of 2 operations: 2x 200")]
    assert files == [str(spec)]


def test_missing_handlers_and_security_functions(fake_api: Any) -> None:
    fake_api(extra="  /owners:\n    get:\n      operationId: fakepets.owners.list_owners\n"
                   "      responses: {'200': {description: ok}}\n",
             key_func="fakepets.pets.no_such_check", unreferenced=True)
    findings = drift.run(["fakepets"])[1]
    assert rules(findings) == ["drift-handler-missing", "drift-handler-unreferenced",
                               "drift-security-function-missing"]
    messages = " | ".join(f.message for f in findings)
    assert "module fakepets.owners does not exist" in messages
    assert "fakepets.pets has no function no_such_check" in messages
    assert "fakepets.pets.adopt_pet is a handler no operation names" in messages
    assert "_internal" not in messages and "shape" not in messages
    assert "smoke run skipped" in messages
    [unreferenced] = [f for f in findings if "adopt_pet" in f.message]
    assert unreferenced.file.endswith("pets.py") and unreferenced.line


def test_a_spec_without_a_served_api(fake_api: Any, tmp_path: Path) -> None:
    spec = fake_api(with_handlers=False)
    (spec.parent / "__init__.py").write_text("")   # a package without PLUGIN: written but not served yet
    findings = drift.run([str(spec)])[1]
    assert rules(findings) == ["drift-handler-missing", "drift-handler-missing", "drift-no-plugin",
                               "drift-security-function-missing"]
    assert all("module fakepets.pets does not exist" in f.message for f in findings
               if f.rule == "drift-handler-missing")


def test_seed_refused_and_invalid_records(fake_api: Any) -> None:
    fake_api(pets="[{id: 1}, {id: 2, name: Tom}]")
    findings = drift.run(["fakepets"])[1]
    assert rules(findings) == ["drift-seed-refused"]
    assert findings[0].message == "fakepets seed (" + findings[0].file + "): pet 1: a pet needs a name"
    fake_api(pets="[{id: 1, name: Rex}, {id: 2, name: 7}]")
    findings = [f for f in drift.run(["fakepets"], smoke=False)[1] if f.rule.startswith("drift-seed")]
    assert [(f.rule, f.message) for f in findings] == [
        ("drift-seed-record-invalid", "pets 2 does not match Pet: name: 7 is not of type 'string'")]


def test_smoke_run_finds_contract_breaks_failures_and_unreached_operations(fake_api: Any) -> None:
    fake_api(extra=EXTRA_OPERATIONS, bad_id=1)
    findings = drift.run(["fakepets"])[1]
    by_rule = {f.rule: f for f in findings}
    assert by_rule["drift-smoke-contract"].message.startswith("GET /api/pets/1: ")
    assert "42" in by_rule["drift-smoke-contract"].message
    assert by_rule["drift-smoke-server-error"].message == "GET /api/crash answered 500"
    assert by_rule["drift-smoke-unreached"].message == "GET /toys/{toy_id}: no seeded value for toy_id"
    assert by_rule["drift-smoke-unreached"].line


def test_cli(fake_api: Any, capsys: pytest.CaptureFixture[str]) -> None:
    fake_api(extra=EXTRA_OPERATIONS, bad_id=1)
    assert main(["check-drift", "fakepets", "-f", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["command"] == "check-drift" and report["summary"]["error"] >= 2
    assert main(["check-drift", "no-such-api"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin check-drift: no-such-api: neither an API") and err.count("\n") == 1


def test_cli_on_our_partners_mock_without_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-drift", "partners", "--no-smoke"]) == 0
    assert capsys.readouterr().out.strip().endswith("specs/partners.yaml: 0 error, 0 warn, 0 info")

