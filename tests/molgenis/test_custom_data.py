"""`apitwin serve molgenis --data DIR`: a user's own entity model and rows are served like the bundled ones, and a
seed the API would refuse stops the start with every problem named (exit 2), never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from apitwin import cli
from apitwin.app import create_app
from apitwin.settings import Settings

MODEL = """
packages:
  - {id: lab, label: Lab}
entity_types:
  - id: lab_Shelf
    package: lab
    label: Shelf
    attributes:
      - {name: code, id_attribute: true, nillable: false, unique: true, label_attribute: true}
  - id: lab_Book
    package: lab
    label: Book
    attributes:
      - {name: isbn, label: ISBN, id_attribute: true, nillable: false, unique: true, lookup_attribute: true}
      - {name: title, nillable: false, label_attribute: true}
      - {name: pages, type: INT}
      - {name: shelf, type: XREF, ref_entity: lab_Shelf}
"""
ROWS = """
rows:
  lab_Book:
    - {isbn: "978-0", title: Dune, pages: 412, shelf: A}
    - {isbn: "978-1", title: Emma}
  lab_Shelf:
    - {code: A}
"""
SECURITY = """
users:
  - {username: admin, password: secret, superuser: true}
  - {username: reader, password: reader}
grants:
  - {principal: reader, entity_type: lab_Book, level: READ}
"""


def _write(directory: Path, model: str = MODEL, rows: str = ROWS, security: str = SECURITY) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.yaml").write_text(model)
    (directory / "data.yaml").write_text(rows)
    (directory / "security.yaml").write_text(security)
    return directory


def test_own_model_rows_and_accounts_are_served(tmp_path: Path) -> None:
    app = create_app(["molgenis"], settings=Settings(data_dirs={"molgenis": _write(tmp_path / "seed")}))
    with app.test_client() as client:
        login = client.post("/api/v1/login", json={"username": "reader", "password": "reader"})
        assert login.status_code == 200, login.text
        headers = {"x-molgenis-token": login.json()["token"]}
        books = client.get("/api/v1/lab_Book", headers=headers)
        assert books.status_code == 200, books.text
        body = books.json()
        assert body["total"] == 2 and body["meta"]["idAttribute"] == "isbn" and body["meta"]["labelAttribute"] == "title"
        assert body["items"][0] == {"href": "/api/v1/lab_Book/978-0", "isbn": "978-0", "title": "Dune", "pages": 412,
                                    "shelf": {"href": "/api/v1/lab_Book/978-0/shelf"}}
        shelf = client.get("/api/v1/lab_Book/978-0/shelf", headers=headers)
        assert shelf.json() == {"href": "/api/v1/lab_Book/978-0/shelf", "code": "A"}
        denied = client.post("/api/v1/lab_Book", json={"isbn": "978-2", "title": "Ulysses"}, headers=headers)
        assert denied.status_code == 401 and denied.json()["errors"][0]["code"] == "DS04"
        # the bundled fixture types are not there
        assert client.get("/api/v1/V1_API_Items/exist").json() is False


@pytest.mark.parametrize("model, rows, expected", [
    (MODEL, ROWS.replace("pages: 412", "pages: many"),
     "lab_Book row 1: Invalid int value 'many' for attribute 'pages' of entity 'lab_Book'."),
    (MODEL, ROWS.replace("shelf: A}", "shelf: Z}"),
     "Unknown xref value 'Z' for attribute 'shelf' of entity 'lab_Book'."),
    (MODEL, ROWS.replace("title: Emma", "pages: 3"),
     "The attribute 'title' of entity 'lab_Book' can not be null."),
    (MODEL.replace("type: INT", "type: NUMBER"), ROWS, "unknown type 'NUMBER'"),
    (MODEL.replace("nillable: false, label_attribute", "nullable: false, label_attribute"), ROWS, "cannot be read"),
    (MODEL + "\n  - [broken", ROWS, "cannot be read"),
    ("packages: []\n", ROWS, "no entity types"),
])
def test_a_refused_seed_stops_the_start_with_every_problem_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 model: str, rows: str, expected: str) -> None:
    seed = _write(tmp_path / "seed", model=model, rows=rows)
    assert cli.main(["serve", "molgenis", "--data", str(seed), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin: ") and expected in err, err
    assert "Traceback" not in err


COMPUTED_MODEL = MODEL + """      - {name: shelf_code}
      - {name: pages_again, type: INT, read_only: true, expression: pages}
      - {name: shelf_by_code, type: XREF, ref_entity: lab_Shelf, read_only: true, expression: '{code: shelf_code}'}
      - {name: scripted, type: INT, read_only: true, expression: "$('pages').value() * 2"}
"""


def test_computed_attributes_are_read_from_their_expression(tmp_path: Path) -> None:
    rows = ROWS.replace("shelf: A}", "shelf: A, shelf_code: A}").replace("title: Emma}", "title: Emma, shelf_code: Q}")
    seed = _write(tmp_path / "seed", model=COMPUTED_MODEL, rows=rows)
    with create_app(["molgenis"], settings=Settings(data_dirs={"molgenis": seed})).test_client() as client:
        login = client.post("/api/v1/login", json={"username": "admin", "password": "secret"}).json()["token"]
        headers = {"x-molgenis-token": login}
        dune = client.get("/api/v1/lab_Book/978-0?attributes=pages_again,shelf_by_code,scripted", headers=headers)
        assert dune.json() == {"href": "/api/v1/lab_Book/978-0", "pages_again": 412,
                               "shelf_by_code": {"href": "/api/v1/lab_Book/978-0/shelf_by_code"}}
        assert client.get("/api/v1/lab_Book/978-0/shelf_by_code", headers=headers).json() == {
            "href": "/api/v1/lab_Book/978-0/shelf_by_code", "code": "A"}
        emma = client.get("/api/v1/lab_Book/978-1?attributes=pages_again,shelf_by_code", headers=headers)
        assert emma.json() == {"href": "/api/v1/lab_Book/978-1"}     # no pages, no shelf Q: nothing computed
        csv = client.get("/api/v1/csv/lab_Book?attributes=isbn,pages_again", headers=headers)
        assert csv.text == '"isbn","pages_again"\n"978-0","412"\n"978-1",\n'
        # computed attributes cannot be written
        refused = client.put("/api/v1/lab_Book/978-0/pages_again", json=5, headers=headers)
        assert refused.status_code == 401
        assert refused.json() == {"errors": [{"message": "Attribute 'pages_again' of entity 'lab_Book' is readonly"}]}
