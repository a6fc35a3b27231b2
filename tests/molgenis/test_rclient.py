"""The R client's v1 calls as its template (molgenis-r, `molgenis.R.ftl`) sends them: login/logout with JSON, reads
through `/csv/{e}` with the token as a query parameter and empty `sortColumn`/`sortOrder`, add by form (201 + Location),
update and delete as form POSTs carrying `_method` in the body (204)."""
from __future__ import annotations

from typing import Any

from tests.molgenis.helpers import TEST_USER, token

API = "/api/v1"
TYPE = "V1_API_TypeTestRefAPIV1"


def test_an_r_session(mclient: Any) -> None:
    value = token(mclient, TEST_USER)
    # molgenis.get: the CSV route, token as parameter, sort parameters sent empty
    listed = mclient.get(f"{API}/csv/{TYPE}?molgenis-token={value}&start=0&num=1000&sortColumn=&sortOrder="
                         f"&attributes=value,label")
    assert listed.status_code == 200, listed.text
    assert listed.headers["content-type"] == "text/csv"
    assert listed.text.splitlines()[:2] == ['"value","label"', '"ref1","label1"']
    filtered = mclient.get(f"{API}/csv/{TYPE}?molgenis-token={value}&q=label=like=bel3&sortColumn=value"
                           f"&sortOrder=DESC")
    assert filtered.text == '"value","label"\n"ref3","label3"\n'
    # molgenis.add: form post, id from the Location's last segment
    added = mclient.post(f"{API}/{TYPE}", data={"value": "r1", "label": "from R"},
                         headers={"x-molgenis-token": value})
    assert added.status_code == 201 and added.headers["location"].split("/")[-1] == "r1"
    # molgenis.update: form POST to the row with _method=PUT in the body
    updated = mclient.post(f"{API}/{TYPE}/r1", data={"_method": "PUT", "value": "r1", "label": "changed"},
                           headers={"x-molgenis-token": value})
    assert updated.status_code == 204, updated.text
    row = mclient.get(f"{API}/{TYPE}/r1", headers={"x-molgenis-token": value}).json()
    assert row == {"href": f"{API}/{TYPE}/r1", "value": "r1", "label": "changed"}
    # molgenis.delete: form POST with _method=DELETE
    deleted = mclient.post(f"{API}/{TYPE}/r1", data={"_method": "DELETE"}, headers={"x-molgenis-token": value})
    assert deleted.status_code == 204
    assert mclient.get(f"{API}/{TYPE}/r1", headers={"x-molgenis-token": value}).status_code == 404
    # meta calls
    meta = mclient.get(f"{API}/{TYPE}/meta?expand=attributes", headers={"x-molgenis-token": value}).json()
    assert meta["attributes"]["value"]["fieldType"] == "STRING"
    assert mclient.post(f"{API}/logout", headers={"x-molgenis-token": value}).status_code == 200
    after = mclient.get(f"{API}/csv/{TYPE}?molgenis-token={value}")
    assert after.status_code == 401 and after.json()["errors"][0]["code"] == "DS04"
