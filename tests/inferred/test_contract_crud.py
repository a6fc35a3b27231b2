"""The generic contract property crud_round_trip (create → read → list → update → delete → 404) holds on an
inferred mock and catches a mock that loses what was created from its list or keeps what was deleted."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apitwin.inferred import handlers
from tests.contract_report import contract_report, property_outcomes

SHOP = Path(__file__).resolve().parent / "fixtures" / "shop.yaml"


def _crud(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], list[str]]:
    data = contract_report(SHOP, tmp_path, capsys, include=("POST /customers",))
    return (data["status"], *property_outcomes(data, "crud_round_trip"))


def test_crud_round_trip_holds_on_the_inferred_mock(tmp_path, capsys):
    status, outcomes, codes = _crud(tmp_path, capsys)
    assert status == 0 and codes == []
    assert outcomes and outcomes[0]["probes"] == 1 and not outcomes[0]["failed"]


def test_a_list_without_the_created_item_is_caught(tmp_path, capsys, monkeypatch):
    original = handlers.Handlers._rows

    def forgetful(self: Any, resource: Any, scope: Any, tenant: Any) -> list[dict[str, Any]]:
        return [row for row in original(self, resource, scope, tenant) if row.get("tenant") is None]

    original_list = handlers.Handlers._list

    def listing(self: Any, binding: Any, kwargs: dict[str, Any]) -> Any:
        monkeypatch.setattr(handlers.Handlers, "_rows", forgetful)
        try:
            return original_list(self, binding, kwargs)
        finally:
            monkeypatch.setattr(handlers.Handlers, "_rows", original)

    monkeypatch.setattr(handlers.Handlers, "_list", listing)
    status, _, codes = _crud(tmp_path, capsys)
    assert status != 0 and "AT272" in codes


def test_a_delete_that_keeps_the_item_is_caught(tmp_path, capsys, monkeypatch):
    from connexion.lifecycle import ConnexionResponse

    monkeypatch.setattr(handlers.Handlers, "_delete", lambda self, binding, kwargs: ConnexionResponse(status_code=204))
    status, _, codes = _crud(tmp_path, capsys)
    assert status != 0 and "AT274" in codes
