"""Partners under a prefix mount (`/partners`, as `make serve` mounts it next to MOLGENIS): the report files' download
links follow the mount and download the PDF."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from apitwin.app import create_app
from apitwin.settings import Settings
from tests.partners.helpers import DEMO, TOKEN_URL


@pytest.fixture(scope="module")
def prefix_client() -> Iterator[Any]:
    app = create_app(["partners"], settings=Settings(), mount="prefix")
    with app.test_client() as test_client:
        yield test_client


def test_prefix_download_links(prefix_client: Any) -> None:
    response = prefix_client.post(f"/partners{TOKEN_URL}", json={"username": DEMO[0], "password": DEMO[1]})
    assert response.status_code == 200, response.text
    auth = {"Authorization": f"JWT {response.json()['token']}"}
    files = prefix_client.get("/partners/api/v1/report-files/", headers=auth)
    assert files.status_code == 200, files.text
    assert files.json()
    for row in files.json():
        assert "/partners/report-files/" in row["download_link"], row
    link = files.json()[0]["download_link"]
    download = prefix_client.get(link, headers=auth)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/pdf")
