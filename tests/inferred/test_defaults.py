"""Schema `default`s: an annotation in OpenAPI 3.1. One its schema refuses is a start-up warning with its pointer,
not a refusal, and is never filled in; a valid null default beside a `{type: null}` alternative loads in Connexion."""
from __future__ import annotations

from apitwin.cli import main
from apitwin.inferred.document import open_document
from apitwin.specs import connexion_view
from tests.inferred.conftest import FIXTURES, serve

TIER = "/components/schemas/Job/properties/tier"


def test_a_default_outside_its_enum_is_a_warning_with_its_pointer_not_a_refusal():
    bundled = open_document(FIXTURES / "defaults.yaml")
    [warning] = [w for w in bundled.warnings if "default" in w]
    assert f"defaults.yaml:65: {TIER}/default: default does not match its schema at {TIER}" in warning
    assert "'standard'" in warning
    assert not any("/model" in w for w in bundled.warnings), "a null default with a null alternative is valid"


def test_connexions_view_keeps_valid_defaults_and_drops_invalid_ones():
    view = connexion_view(open_document(FIXTURES / "defaults.yaml").data)
    properties = view["components"]["schemas"]["Job"]["properties"]
    assert properties["model"]["default"] is None
    assert properties["model"]["oneOf"] == [{"$ref": "#/components/schemas/Model"}, {"enum": [None]}]
    assert "default" not in properties["tier"]


def test_the_document_is_served_null_is_accepted_and_the_invalid_default_never_filled_in():
    client = serve("defaults.yaml")
    created = client.post("/jobs", json={"name": "a", "model": None})
    assert created.status_code == 201, created.text
    assert created.json().get("model") is None and "tier" not in created.json()
    assert client.post("/jobs", json={"name": "b", "model": "nano", "tier": "pro"}).status_code == 201
    refused = client.post("/jobs", json={"name": "c", "tier": "standard"})
    assert refused.status_code == 400, "the default is no valid value either"
    listed = client.get("/jobs").json()
    assert [job.get("tier") for job in listed] == [None, "pro"]


def test_serve_starts_and_names_the_default_in_a_warning(capsys, monkeypatch):
    import socket

    import apitwin.cli as cli

    started = []
    monkeypatch.setattr(cli, "run_server", lambda app, sock, **kwargs: (started.append(app), sock.close()))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["serve", str(FIXTURES / "defaults.yaml"), "--port", str(port), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert started and "Traceback" not in err
    assert f"apitwin: warning: {FIXTURES / 'defaults.yaml'}:65: {TIER}/default: default does not match" in err


def test_a_view_connexion_refuses_is_one_line_with_its_pointer_and_exit_2(capsys, monkeypatch):
    """What the AssemblyAI document met before the view kept null alternatives: Connexion's start-up check failing
    on a document apitwin passed. Such a view (made invalid here on purpose) is named, not a traceback."""
    import socket

    import apitwin.app as app_module
    import apitwin.cli as cli

    def broken(spec):
        view = connexion_view(spec)
        view["components"]["schemas"]["Job"]["properties"]["name"]["default"] = 7
        return view

    monkeypatch.setattr(app_module, "connexion_view", broken)
    monkeypatch.setattr(cli, "run_server", lambda *args, **kwargs: None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["serve", str(FIXTURES / "defaults.yaml"), "--port", str(port), "--quiet"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if "warning" not in line]
    assert len(lines) == 1 and "Traceback" not in lines[0]
    assert lines[0].startswith("apitwin: /components/schemas/Job/properties/name")
    assert "Connexion refuses the 3.0 view" in lines[0] and "7 is not of type 'string'" in lines[0]
