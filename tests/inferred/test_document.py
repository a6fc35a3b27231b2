"""Loading documents: checks with file:line and pointer, Swagger 2.0 refused, multi-file bundling, 3.0 lifted."""
from __future__ import annotations

import pytest

from apitwin.cli import main
from apitwin.inferred.document import DocumentRefused, open_document
from tests.inferred.conftest import FIXTURES


def test_invalid_document_names_every_problem_with_line_and_pointer(tmp_path):
    doc = tmp_path / "bad.yaml"
    doc.write_text("openapi: 3.0.0\ninfo: {title: x}\npaths:\n  /a:\n    get:\n      responses: {}\n")
    with pytest.raises(DocumentRefused) as caught:
        open_document(doc)
    assert any(p.endswith('bad.yaml:2: /info: "version" is a required property') for p in caught.value.problems)
    assert any(":6: /paths/~1a/get/responses:" in p for p in caught.value.problems)


def test_serve_refuses_an_invalid_document_with_exit_2_and_no_traceback(tmp_path, capsys):
    doc = tmp_path / "bad.yaml"
    doc.write_text("openapi: 3.0.0\ninfo: {title: x}\npaths: {}\n")
    assert main(["serve", str(doc), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and '/info: "version" is a required property' in err


def test_swagger_2_is_refused_as_openapi_3_only(tmp_path, capsys):
    doc = tmp_path / "old.json"
    doc.write_text('{"swagger": "2.0", "info": {"title": "x", "version": "1"}, "paths": {}}')
    assert main(["serve", str(doc)]) == 2
    assert "OpenAPI 3.x only" in capsys.readouterr().err


def test_multi_file_refs_are_bundled_into_components():
    bundled = open_document(FIXTURES / "split" / "main.yaml")
    assert set(bundled.data["components"]["schemas"]) == {"Note", "Tag"}
    note = bundled.data["components"]["schemas"]["Note"]
    assert note["properties"]["due"]["type"] == ["string", "null"], "3.0 nullable lifted to 3.1"
    assert note["properties"]["tags"]["items"] == {"$ref": "#/components/schemas/Tag"}
    ids = [op["operationId"] for item in bundled.data["paths"].values() for op in item.values() if "operationId" in op]
    assert ids == ["getNotes", "postNotes", "getNotesId"]


def test_examples_that_contradict_their_schemas_are_warnings(tmp_path):
    doc = tmp_path / "ex.yaml"
    doc.write_text("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
                   "        '200':\n          description: ok\n          content:\n            application/json:\n"
                   "              schema: {type: integer}\n              example: nope\n")
    warnings = open_document(doc).warnings
    assert len(warnings) == 1 and "/paths/~1a/get/responses/200/content/application~1json/example" in warnings[0]


def test_escaped_surrogate_pairs_survive_the_bundle(tmp_path):
    from tests.inferred.conftest import serve

    doc = tmp_path / "emoji.yaml"
    doc.write_text('openapi: 3.1.0\ninfo: {title: Emoji, version: "1"}\npaths:\n  /crab:\n    get:\n      responses:\n'
                   '        "200":\n          description: ok\n          content:\n            application/json:\n'
                   '              schema: {type: string}\n              example: "under the sea \\ud83e\\udd80"\n')
    assert serve(doc).get("/crab").json() == "under the sea \U0001f980"


def test_workers_refuse_documents_with_exit_2(capsys):
    """Each worker rebuilds its APIs by name; a document is served by one process, and the CLI says so."""
    doc = FIXTURES / "shop.yaml"
    assert main(["serve", str(doc), "--workers", "2", "--store", "redis://127.0.0.1:1/0", "--port", "1"]) == 2
    assert "--workers: each worker rebuilds its APIs from their names" in capsys.readouterr().err
