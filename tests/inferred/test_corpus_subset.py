"""A fast subset of `make corpus` (tests/corpus/): real public documents served with no code pass the contract
suite in process and check-drift; the whole corpus, with `st run` against a served process, is `make corpus`."""
from __future__ import annotations

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
