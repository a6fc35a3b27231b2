"""A fast subset of `make corpus` (tests/corpus/): real public documents served with no code pass the contract
suite in process and check-drift; the whole corpus, with `st run` against a served process, is `make corpus`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from apitwin.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SUBSET = ["oai-petstore-expanded.yaml", "oai-uspto.yaml", "shlink/swagger.json", "adyen/CapitalService-v1.yaml",
          "geoapify/geocoding.actions.yaml", "coolify/openapi.yaml"]


@pytest.mark.parametrize("document", SUBSET)
def test_contract_passes_on_the_inferred_mock(document, tmp_path, capsys):
    status = main(["contract", str(CORPUS / document), "--max-examples", "5", "--stateful-steps", "4", "-q",
                   "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]


@pytest.mark.parametrize("document", SUBSET)
def test_check_drift_is_clean(document, capsys):
    status = main(["check-drift", str(CORPUS / document)])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    assert "smoke run" in out


PORTAL = ["POST /v2/portal.getVerifications", "POST /v2/portal.listKeys", "POST /v2/portal.rerollKey",
          "POST /v2/portal.exchangeCode"]


def test_a_cookie_key_document_passes_with_its_key_pinned(tmp_path, capsys):
    """Unkey's portal operations: a cookie key (portalSession) is their only requirement. Pinned through it, the
    contract's own cookie is accepted (200), and its ignored-auth probes and cases without it get 401."""
    auth = tmp_path / "auth.yaml"
    auth.write_text("- {key: corpus-cookie, scheme: portalSession, tenant: corpus}\n")
    status = main(["contract", str(CORPUS / "unkey/openapi-generated.yaml"), "--auth", str(auth),
                   "--max-examples", "5", "--stateful-steps", "4", "-q", "--report-dir", str(tmp_path),
                   *[arg for label in PORTAL for arg in ("--include", label)]])
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    seen = {o["operation"]: o["seen"] for o in json.loads((tmp_path / "report.json").read_text())["coverage"]["operations"]}
    for label in PORTAL[:3]:
        assert {"200", "401"} <= set(seen[label]), (label, seen[label])
