"""The request journal on the MOLGENIS mock (v1 and v2 documents of one API): each request names its API and
operation, the MOLGENIS token header is masked, and the messages of `{"errors":[{"message"}]}` are journaled."""
from __future__ import annotations

from typing import Any

from tests.molgenis.helpers import ITEMS, messages


def test_v1_and_v2_requests_are_journaled_with_their_messages(mclient: Any, admin: dict[str, str]) -> None:
    v1 = mclient.post(f"/api/v1/{ITEMS}", headers=admin, json={"xint": "abc"})
    v2 = mclient.get(f"/api/v2/{ITEMS}?num=-1", headers=admin)
    assert v1.status_code == v2.status_code == 400
    first, second = mclient.post("/__apitwin/requests/find", json={"status": "400"}).json()["requests"]
    assert first["api"] == second["api"] == "molgenis"
    assert first["operation"] == "postEntities"
    assert second["operation"] == "listEntitiesV2"
    for exchange, response in ((first, v1), (second, v2)):
        journaled = exchange["messages"] + [v["message"] for v in exchange["violations"]]
        assert sorted(journaled) == sorted(messages(response)), (journaled, response.text)
        assert ["x-molgenis-token", "********"] in exchange["request"]["headers"]


def test_reset_of_molgenis_clears_its_requests(mclient: Any, admin: dict[str, str]) -> None:
    mclient.get(f"/api/v1/{ITEMS}", headers=admin)
    assert mclient.get("/__apitwin/requests", params={"api": "molgenis"}).json()["total"] >= 2
    mclient.post("/__apitwin/apis/molgenis/reset")
    assert mclient.get("/__apitwin/requests").json()["total"] == 0
