"""The vendored molgenis-py-client 2.4.1 suite (tests/molgenis/pyclient_suite/) stays upstream's files byte for byte,
and the transport adapter its conftest mounts sends requests to the mock and reports the URL the client asked for."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import requests

from tests.molgenis.pyclient_suite.deployment import SKIPPED, ToMock, UPSTREAM
from tests.molgenis.helpers import molgenis_app
from tests.receiver import Receiver

SUITE = Path(__file__).resolve().parent / "pyclient_suite"
# git blob ids at github.com/molgenis/molgenis-py-client tag v2.4.1 (`git ls-tree v2.4.1 tests/`)
UPSTREAM_BLOBS = {
    "tests/test_client.py": "7dc0d0880b75efec65e47d31c46360213658b8cf",
    "tests/resources/all_datatypes.zip": "aae775818192a24888089f3d1f9b014536689c0a",
    "tests/resources/sightings_test.zip": "be24a6b15789c4dc96f104ee9e745105f1602fc4",
}


def _git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@pytest.mark.parametrize("path", sorted(UPSTREAM_BLOBS))
def test_vendored_files_are_upstreams(path: str) -> None:
    assert _git_blob_id((SUITE / path).read_bytes()) == UPSTREAM_BLOBS[path]


# the cases that read the Metadata API (`get_meta`, `uploadable=True`, `import_data`): served, so never skipped
METADATA_CASES = ("test_get_meta", "test_get_meta_expand", "test_get_meta_abstract", "test_get_meta_error",
                  "test_get_uploadable", "test_get_by_id_uploadable", "test_upsert_auto_id", "test_import_data")


def test_skipped_cases_exist_in_the_suite_and_the_metadata_cases_run() -> None:
    text = (SUITE / "tests" / "test_client.py").read_text(encoding="utf-8")
    for name in [*SKIPPED, *METADATA_CASES]:
        assert f"    def {name}(self)" in text, name
    assert not set(METADATA_CASES) & set(SKIPPED)


def test_adapter_sends_to_the_mock_and_keeps_the_asked_url() -> None:
    server = Receiver(app=molgenis_app()).start()
    try:
        session = requests.Session()
        session.mount(UPSTREAM, ToMock(f"http://127.0.0.1:{server.port}"))
        response = session.get(f"{UPSTREAM}/api/v1/sys_NoSuchType", timeout=10)
        assert response.status_code == 404
        assert response.json() == {"errors": [{"message": "Unknown entity type 'sys_NoSuchType'.", "code": "D01"}]}
        assert response.url == f"{UPSTREAM}/api/v1/sys_NoSuchType"
        assert response.request.url == f"{UPSTREAM}/api/v1/sys_NoSuchType"
    finally:
        server.stop()
