"""The credential a client of a document sends travels through the scheme it is pinned to (`scheme: NAME` in
--auth): a key pinned to a cookie scheme goes in the cookie even when the document lists a query key first (Pi-hole:
`security: [{query_sid}, {cookie_sid}, …]`), since the mock accepts it only there."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from apitwin.cli import main
from apitwin.inferred.auth import Credential, Pins, credential_of
from tests.inferred.test_query_credentials import _doc

QUERY_FIRST = [{"QueryKey": []}, {"CookieKey": []}, {"HeaderKey": []}]


def test_a_key_pinned_to_a_scheme_travels_through_it():
    doc = _doc(QUERY_FIRST)
    assert credential_of(doc).location == "query"
    pins = Pins(secrets={"k1": "acme"}, schemes={"k1": "CookieKey"})
    assert credential_of(doc, pins) == Credential("cookie", "session", "k1", "CookieKey")
    assert credential_of(doc, Pins(secrets={"k1": "acme"}, schemes={"k1": "HeaderKey"})).location == "header"
    # an unpinned key keeps the document's order; a login pinned elsewhere does not move an API key
    assert credential_of(doc, Pins(secrets={"k1": "acme"})).location == "query"
    assert credential_of(doc, Pins(secrets={"k1": "a"}, logins={("u", "p"): "a"},
                                   schemes={("u", "p"): "Basic"})).location == "query"


def test_contract_sends_a_cookie_pinned_key_in_the_cookie(tmp_path: Path, capsys):
    """Before: the contract sent the pinned key as the query key (the document's first scheme), which the mock
    accepts only in the cookie, so every request was a 401 and the run failed."""
    path, pins = tmp_path / "keys.yaml", tmp_path / "pins.yaml"
    path.write_text(yaml.safe_dump(_doc(QUERY_FIRST)))
    pins.write_text(yaml.safe_dump([{"key": "k1", "scheme": "CookieKey"}]))
    status = main(["contract", str(path), "--auth", str(pins), "--max-examples", "5", "--stateful-steps", "4", "-q",
                   "--report-dir", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    seen = json.loads((tmp_path / "report" / "report.json").read_text())["coverage"]["operations"][0]["seen"]
    assert seen.get("200") and seen.get("401"), seen       # accepted in the cookie, refused without it
