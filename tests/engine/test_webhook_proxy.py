"""Webhook deliveries honour the proxy environment as httpx did (apitwin/webhook_client.py `proxy_for`): which proxy
the standard library's reading of HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY names; http receivers through a
real forwarding proxy (tests/proxy.py) in absolute form over one kept-alive connection to it; https receivers through
a CONNECT tunnel with the receiver's certificate and host name verified inside it; NO_PROXY going direct; proxy
credentials; and a proxy that is down or refuses failing the attempt — retried, then dead-lettered."""
from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from apitwin import webhook_client
from apitwin.store import Store
from apitwin.webhook_client import DeliveryError, ReceiverConnection, parse_proxy, proxy_for
from apitwin.webhooks import DeliveryPolicy, WebhookDispatcher, verify_signature
from tests.proxy import ForwardingProxy, proxy_factory  # noqa: F401 (fixture)
from tests.receiver import Receiver, closed_port, receiver_factory  # noqa: F401 (fixture)

TENANT = "t1"


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an environment naming no proxy (whatever the machine running it has set)."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)


# -- which proxy ----------------------------------------------------------------------------------------------------
def test_the_environment_names_the_proxy_per_scheme_lower_case_first(monkeypatch: pytest.MonkeyPatch) -> None:
    assert proxy_for("http://hooks.example/in") is None
    monkeypatch.setenv("HTTP_PROXY", "http://upper:3128")
    monkeypatch.setenv("https_proxy", "proxy.corp:8080")                  # no scheme: http
    assert proxy_for("http://hooks.example/in") == parse_proxy("http://upper:3128")
    assert proxy_for("https://hooks.example/in") == parse_proxy("http://proxy.corp:8080")
    monkeypatch.setenv("http_proxy", "http://lower:3128")
    assert proxy_for("http://hooks.example/in").host == "lower"          # type: ignore[union-attr]
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("http_proxy")
    monkeypatch.setenv("ALL_PROXY", "http://every:1080")
    assert proxy_for("http://hooks.example/in").host == "every"          # type: ignore[union-attr]
    assert proxy_for("https://hooks.example/in").host == "proxy.corp"    # type: ignore[union-attr]


def test_no_proxy_hosts_domains_ports_and_star(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://p:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example, .corp.example,hooks.example:8443,10.1.2.3")
    direct = ["http://internal.example/", "http://a.internal.example/", "http://x.corp.example/",
              "http://hooks.example:8443/in", "http://10.1.2.3:9000/"]
    proxied = ["http://example.org/", "http://hooks.example/in", "http://hooks.example:9000/in",
               "http://notinternal.example/"]
    assert [proxy_for(url) for url in direct] == [None] * len(direct)
    assert all(proxy_for(url) is not None for url in proxied)
    monkeypatch.setenv("no_proxy", "*")                                  # lower case wins; * is everything
    assert proxy_for("http://example.org/") is None


def test_proxy_credentials_come_from_the_url() -> None:
    proxy = parse_proxy("http://us%40er:p%3Ass@proxy.corp:3128")
    assert (proxy.host, proxy.port, proxy.url) == ("proxy.corp", 3128, "http://proxy.corp:3128")
    assert proxy.authorization == b"Basic dXNAZXI6cDpzcw=="               # base64("us@er:p:ss")
    assert parse_proxy("http://proxy.corp").port == 80 and parse_proxy("proxy.corp:1").authorization is None


# -- through a real proxy -------------------------------------------------------------------------------------------
def policy(**changes: Any) -> DeliveryPolicy:
    base = dict(timeout=3, max_attempts=3, backoff_base=0.05, backoff_max=0.1, seed=3, max_events=0,
                max_deliveries=0, batch=8)
    return DeliveryPolicy(**{**base, **changes})


def deliver(url: str, events: int, **changes: Any) -> list[dict[str, Any]]:
    """Register `url`, emit `events` events, run the dispatcher until every delivery settled; the delivery log."""
    store = Store()

    async def run() -> list[dict[str, Any]]:
        hooks = WebhookDispatcher(store, "events", "tenant", lambda row: row, lambda event, name: True,
                                  policy(**changes))
        hooks.register(TENANT, url, secret="s3cret")
        with store.transaction():
            for n in range(events):
                store["events"].insert({"tenant": TENANT, "type": "thing.happened", "n": n})
        hooks.kick_all()
        deadline = time.monotonic() + 20
        while True:
            rows = store["webhook_deliveries"].filter()
            if all(r["status"] in ("delivered", "dead") for r in rows):
                break
            assert time.monotonic() < deadline, [(r["id"], r["status"]) for r in rows]
            await asyncio.sleep(0.02)
        await hooks.close()
        return rows

    return asyncio.run(run())


def test_http_receiver_through_the_proxy_in_order_over_one_connection(
        monkeypatch: pytest.MonkeyPatch, proxy_factory: Callable[..., ForwardingProxy],
        receiver_factory: Callable[[], Receiver]) -> None:
    proxy, receiver = proxy_factory(), receiver_factory()
    monkeypatch.setenv("http_proxy", proxy.url)
    rows = deliver(receiver.url, 12)
    assert [r["status"] for r in rows] == ["delivered"] * 12
    assert [int(r.headers["x-apitwin-delivery-id"]) for r in receiver.requests] == list(range(1, 13))
    assert all(verify_signature("s3cret", r.headers["x-apitwin-timestamp"], r.body, r.headers["x-apitwin-signature"])
               for r in receiver.requests)                              # the body arrives as signed
    assert [(s.method, s.target) for s in proxy.seen] == [("POST", receiver.url)] * 12     # absolute form
    assert proxy.connections == 1                                       # kept alive across every delivery


def test_no_proxy_sends_straight_to_the_receiver(monkeypatch: pytest.MonkeyPatch,
                                                 proxy_factory: Callable[..., ForwardingProxy],
                                                 receiver_factory: Callable[[], Receiver]) -> None:
    proxy, receiver = proxy_factory(), receiver_factory()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    rows = deliver(receiver.url, 3)
    assert [r["status"] for r in rows] == ["delivered"] * 3 and len(receiver.requests) == 3
    assert proxy.seen == [] and proxy.connections == 0


def test_proxy_credentials_are_sent_and_wrong_ones_fail_the_attempt(
        monkeypatch: pytest.MonkeyPatch, proxy_factory: Callable[..., ForwardingProxy],
        receiver_factory: Callable[[], Receiver]) -> None:
    proxy, receiver = proxy_factory(credentials="hook:pa ss"), receiver_factory()
    monkeypatch.setenv("HTTP_PROXY", f"http://hook:pa%20ss@127.0.0.1:{proxy.port}")
    assert [r["status"] for r in deliver(receiver.url, 2)] == ["delivered"] * 2
    assert all(s.headers["proxy-authorization"] == "Basic aG9vazpwYSBzcw==" for s in proxy.seen)
    assert all("proxy-authorization" not in r.headers for r in receiver.requests)   # not passed on

    monkeypatch.setenv("HTTP_PROXY", f"http://hook:wrong@127.0.0.1:{proxy.port}")
    (row,) = deliver(receiver.url, 1, max_attempts=2)
    assert row["status"] == "dead" and len(receiver.requests) == 2
    assert [a["error"] for a in row["attempts"]] == [
        f"proxy http://127.0.0.1:{proxy.port} answered 407 (Proxy Authentication Required)"] * 2


def test_a_proxy_that_is_down_fails_each_attempt_then_dead_letters(monkeypatch: pytest.MonkeyPatch,
                                                                  receiver_factory: Callable[[], Receiver]) -> None:
    receiver = receiver_factory()
    port = closed_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    (row,) = deliver(receiver.url, 1, max_attempts=3)
    assert row["status"] == "dead" and receiver.requests == []
    assert len(row["attempts"]) == 3
    assert all(a["error"].startswith(f"ProxyError: cannot reach proxy http://127.0.0.1:{port}")
               for a in row["attempts"]), row["attempts"]


@pytest.mark.parametrize("value, shown", [("socks5://127.0.0.1:1080", "socks5://127.0.0.1:1080"),
                                          ("http://127.0.0.1:port", "http://127.0.0.1")])
def test_an_unusable_proxy_url_fails_the_attempt_with_the_reason(monkeypatch: pytest.MonkeyPatch,
                                                                 receiver_factory: Callable[[], Receiver],
                                                                 value: str, shown: str) -> None:
    receiver = receiver_factory()
    monkeypatch.setenv("HTTP_PROXY", value)
    (row,) = deliver(receiver.url, 1, max_attempts=1)
    assert row["status"] == "dead" and receiver.requests == []
    assert row["attempts"][0]["error"] == f"ProxyError: cannot use proxy '{shown}' (an http://host:port proxy is needed)"


# -- https through CONNECT ------------------------------------------------------------------------------------------
@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A certificate for 127.0.0.1 that the deliveries trust (and nothing else: the client's context is swapped
    for one trusting only it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: it makes this test's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    monkeypatch.setattr(webhook_client, "_TLS", ssl.create_default_context(cafile=str(cert)))
    yield cert, key


def test_https_receiver_through_a_connect_tunnel_verified_inside(
        monkeypatch: pytest.MonkeyPatch, proxy_factory: Callable[..., ForwardingProxy],
        certificate: tuple[Path, Path]) -> None:
    proxy = proxy_factory(credentials="u:p")
    monkeypatch.setenv("HTTPS_PROXY", f"http://u:p@127.0.0.1:{proxy.port}")
    seen: list[bytes] = []

    async def main() -> tuple[list[int], str, str]:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*map(str, certificate))

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
                    break
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length"))
                seen.append(head.split(b"\r\n")[0] + b" " + await reader.readexactly(length))
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        connection = ReceiverConnection(f"https://127.0.0.1:{port}/hooks")
        assert connection.proxy is not None
        statuses = [await connection.request("POST", {}, b'{"n":%d}' % n, 5) for n in range(3)]
        connection.close()
        try:                      # a name the certificate does not carry: refused inside the tunnel, never sent
            await ReceiverConnection(f"https://localhost:{port}/hooks").request("POST", {}, b"{}", 5)
            mismatch = "sent"
        except DeliveryError as exc:
            mismatch = str(exc)
        monkeypatch.setenv("HTTPS_PROXY", f"http://u:wrong@127.0.0.1:{proxy.port}")
        try:
            await ReceiverConnection(f"https://127.0.0.1:{port}/hooks").request("POST", {}, b"{}", 5)
            refused = "sent"
        except DeliveryError as exc:
            refused = str(exc)
        server.close()
        return statuses, mismatch, refused

    statuses, mismatch, refused = asyncio.run(main())
    assert statuses == [204, 204, 204]
    assert seen == [b'POST /hooks HTTP/1.1 {"n":%d}' % n for n in range(3)]      # origin form inside the tunnel
    connects = [s for s in proxy.seen if s.method == "CONNECT"]
    port = connects[0].target.rpartition(":")[2]
    assert [s.target for s in connects] == [f"127.0.0.1:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    assert [s.method for s in proxy.seen] == ["CONNECT"] * 3      # one kept-alive tunnel; no request in the clear
    assert mismatch.startswith("ConnectError") and "certificate" in mismatch.lower(), mismatch
    assert refused == (f"ProxyError: proxy http://127.0.0.1:{proxy.port} answered 407 Proxy Authentication "
                       f"Required to CONNECT 127.0.0.1:{port}")


def test_a_connect_the_proxy_cannot_open_is_a_failed_attempt(monkeypatch: pytest.MonkeyPatch,
                                                            proxy_factory: Callable[..., ForwardingProxy],
                                                            certificate: tuple[Path, Path]) -> None:
    proxy = proxy_factory()
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    port = closed_port()
    (row,) = deliver(f"https://127.0.0.1:{port}/hooks", 1, max_attempts=2)
    assert row["status"] == "dead"
    assert [a["error"] for a in row["attempts"]] == [
        f"ProxyError: proxy {proxy.url} answered 502 Bad Gateway to CONNECT 127.0.0.1:{port}"] * 2


# -- a proxy answering CONNECT wrongly ------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, error", [
    (b"SOCKS? no\r\n\r\n", "ProxyError: malformed answer to CONNECT from proxy http://127.0.0.1:{port}: 'SOCKS? no'"),
    (b"", "ProxyError: the proxy closed the connection before answering CONNECT"),
    (b"HTTP/1.1 200 OK\r\nX-Pad: " + b"x" * 70000, "ProxyError: the proxy's answer to CONNECT has no end of headers "
                                                   "within 64 KiB"),
])
def test_a_bad_answer_to_connect_is_a_delivery_error(monkeypatch: pytest.MonkeyPatch, answer: bytes,
                                                     error: str) -> None:
    async def main() -> tuple[str, int]:
        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
            writer.close()
        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        try:
            await ReceiverConnection("https://hooks.example/in").request("POST", {}, b"{}", 5)
            return "sent", port
        except DeliveryError as exc:
            return str(exc), port
        finally:
            server.close()

    got, port = asyncio.run(main())
    assert got == error.format(port=port)
