"""Regression tests (issue 16, defect 4): webhooks may not target internal addresses outside the allow-list (cloud
metadata, other machines' private services) nor the mock's own admin API."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from apitwin import cli
from apitwin.addresses import AllowList
from apitwin.app import create_app
from apitwin.errors import ApiError
from apitwin.settings import Settings
from apitwin.webhooks import TargetPolicy

ADMIN = "/__apitwin/apis/partners"


def refused(policy: TargetPolicy, url: str) -> str | None:
    try:
        policy.check(url)
    except ApiError as problem:
        return problem.field_errors["url"][0]
    return None


LOCAL = TargetPolicy.for_settings(None, None)              # in-process / bound to loopback
EXPOSED = TargetPolicy.for_settings(None, "0.0.0.0")


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/hooks", "http://localhost:9000/", "http://10.1.2.3/h",
                                 "http://192.168.1.20:8080/h", "http://172.16.0.1/h", "http://[::1]:9000/h",
                                 "https://93.184.216.34/hooks"])
def test_loopback_default_allows_loopback_private_and_public(url: str) -> None:
    assert refused(LOCAL, url) is None


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
                                 "http://[::ffff:169.254.169.254]/", "http://0.0.0.0:9000/", "http://100.64.0.1/"])
def test_link_local_metadata_and_other_internal_ranges_are_refused(url: str) -> None:
    message = refused(LOCAL, url)
    assert message is not None and "internal address" in message and "--webhook-allow" in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/__apitwin/apis/partners/reset",
                                 "http://127.0.0.1:8000/%5F%5Fapitwin/apis/partners/reset",
                                 "http://93.184.216.34/prefix/__APITWIN/apis/x/state",
                                 "http://127.0.0.1:8000/x/../__apitwin/apis/partners/reset"])
def test_the_admin_api_is_never_a_target(url: str) -> None:
    for policy in (LOCAL, EXPOSED, TargetPolicy(AllowList.parse(["0.0.0.0/0", "::/0"]))):
        assert "admin API" in (refused(policy, url) or "")


def test_bound_elsewhere_nothing_internal_by_default() -> None:
    for url in ("http://127.0.0.1:9000/", "http://10.0.0.5/", "http://192.168.0.2/"):
        assert refused(EXPOSED, url) is not None, url
    assert refused(EXPOSED, "https://93.184.216.34/hooks") is None


def test_the_allow_list_opens_named_ranges_and_hosts() -> None:
    policy = TargetPolicy.for_settings(["10.0.0.0/8", "hooks.lan"], "0.0.0.0")
    assert refused(policy, "http://10.9.8.7/h") is None
    assert refused(policy, "http://hooks.lan:9000/h") is None            # allowed by name, whatever it resolves to
    assert refused(policy, "http://127.0.0.1/h") is not None
    assert refused(policy, "http://192.168.1.1/h") is not None


def test_names_are_resolved_and_every_address_counts() -> None:
    def resolver(host: str, port: int | None) -> list[Any]:
        import ipaddress
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("169.254.169.254")]

    policy = TargetPolicy(AllowList.parse(["private"]), resolver)
    assert "169.254.169.254" in (refused(policy, "http://sneaky.example/") or "")
    assert "does not resolve" in (refused(LOCAL, "http://no-such-host.invalid/") or "")


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "not a host!", "1.2.3.4/abc"])
def test_bad_allow_list_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError):
        AllowList.parse([entry])
    assert cli.main(["serve", "partners", "--webhook-allow", entry]) == 2


@pytest.fixture
def client() -> Iterator[Any]:
    with create_app(["partners"], settings=Settings()).test_client() as test_client:
        yield test_client


def test_registration_answers_400_on_the_url_field(client: Any) -> None:
    for url in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8000/__apitwin/apis/partners/reset"):
        response = client.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner", "url": url})
        assert response.status_code == 400, response.text
        assert set(response.json()["errors"]) == {"url"}
    assert client.get(f"{ADMIN}/webhooks").json() == []


def test_every_attempt_checks_the_target_again(client: Any) -> None:
    """A name may resolve elsewhere later (DNS rebinding): the attempt is refused, nothing is sent."""
    endpoint = client.post(f"{ADMIN}/webhooks", json={"tenant": "demo-partner", "url": "http://127.0.0.1:9/h"}).json()
    client.app.apitwin.runtimes["partners"].webhooks.targets = TargetPolicy(AllowList.parse([]))
    attempt = client.post(f"{ADMIN}/webhooks/{endpoint['id']}/test").json()
    assert attempt["ok"] is False and attempt["status_code"] is None
    assert attempt["error"].startswith("target not allowed: ")
