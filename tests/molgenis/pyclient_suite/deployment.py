"""What the vendored molgenis-py-client suite expects of its server (see conftest.py here): the origin and admin
password it names, the transport adapter that sends that origin to the mock, and the cases the mock cannot serve."""
from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

UPSTREAM = "https://dieuwke.gcc.rug.nl"          # the host test_client.py 2.4.1 sets in its class body
UPSTREAM_PASSWORD = "Replace-Flour-Idea-Plural"  # and that server's admin password

# Cases the mock cannot serve, with the reason (none left: the Metadata API route the client reads is served).
SKIPPED: dict[str, str] = {}


class ToMock(HTTPAdapter):
    """Sends requests for `UPSTREAM` to the mock over HTTP; the response names the URL the client asked for."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        asked = request.url or ""
        request.url = self.target + asked[len(UPSTREAM):]
        try:
            response = super().send(request, **kwargs)
        finally:
            request.url = asked
        response.url = asked
        return response
