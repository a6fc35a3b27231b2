"""apitwin.webhook_client: one receiver's keep-alive connection — reused between requests, reopened once when the
receiver closed it while idle, closed after `Connection: close`, a HEAD answer ends at its headers, and every
failure (refused, early close, malformed answer, timeout) is a DeliveryError, never a hang."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from typing import Any, Awaitable, Callable

import pytest

from apitwin.webhook_client import DeliveryError, DeliveryTimeout, ReceiverConnection
from tests.receiver import closed_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, dict[str, Any]], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    return head + await reader.readexactly(length)


def serve(handler: Handler, scenario: Callable[[str, dict[str, Any]], Awaitable[Any]]) -> tuple[Any, dict[str, Any]]:
    """Run `scenario(url, seen)` against a raw server on 127.0.0.1 whose connections `handler` answers."""
    seen: dict[str, Any] = {"connections": 0, "requests": []}

    async def main() -> Any:
        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen["connections"] += 1
            try:
                await handler(reader, writer, seen)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()
        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await scenario(f"http://127.0.0.1:{port}/hooks?x=1", seen)
        finally:
            server.close()
    return asyncio.run(main()), seen


async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: dict[str, Any]) -> None:
    while True:
        seen["requests"].append(await read_request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()


def test_one_connection_carries_every_request_and_the_request_is_well_formed() -> None:
    async def scenario(url: str, seen: dict[str, Any]) -> list[int]:
        connection = ReceiverConnection(url)
        statuses = [await connection.request("POST", {"X-Apitwin-Delivery-Id": str(n)}, b'{"n":1}', 2)
                    for n in range(3)]
        connection.close()
        return statuses
    statuses, seen = serve(keep_alive, scenario)
    assert statuses == [200, 200, 200] and seen["connections"] == 1
    first = seen["requests"][0]
    assert first.startswith(b"POST /hooks?x=1 HTTP/1.1\r\n") and b"\r\nContent-Length: 7\r\n" in first
    assert b"\r\nX-Apitwin-Delivery-Id: 0\r\n" in first and first.endswith(b'\r\n\r\n{"n":1}')
    assert b"Host: 127.0.0.1:" in first


def test_a_connection_the_receiver_closed_while_idle_is_reopened_once() -> None:
    async def one_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                                 seen: dict[str, Any]) -> None:
        seen["requests"].append(await read_request(reader))
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")      # keep-alive promised, then closed while idle
        await writer.drain()

    async def scenario(url: str, seen: dict[str, Any]) -> list[int]:
        connection = ReceiverConnection(url)
        first = await connection.request("POST", {}, b"{}", 2)
        await asyncio.sleep(0.05)                               # the close arrives while idle
        second = await connection.request("POST", {}, b"{}", 2)
        connection.close()
        return [first, second]
    statuses, seen = serve(one_per_connection, scenario)
    assert statuses == [204, 204] and seen["connections"] == 2 and len(seen["requests"]) == 2


def test_connection_close_and_head_answers_end_the_connection() -> None:
    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: dict[str, Any]) -> None:
        request = await read_request(reader)
        seen["requests"].append(request)
        if request.startswith(b"HEAD"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")       # no body follows a HEAD answer
        else:
            writer.write(b"HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\nbody until the close")
        await writer.drain()
        await asyncio.sleep(0.2)

    async def scenario(url: str, seen: dict[str, Any]) -> list[int]:
        connection = ReceiverConnection(url)
        statuses = [await connection.request("POST", {}, b"{}", 2), await connection.request("HEAD", {}, b"", 2),
                    await connection.request("POST", {}, b"{}", 2)]
        connection.close()
        return statuses
    statuses, seen = serve(closing, scenario)
    assert statuses == [500, 200, 500] and seen["connections"] == 3


@pytest.mark.parametrize("answer", [b"garbage\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", b""])
def test_malformed_or_cut_answers_are_delivery_errors(answer: bytes) -> None:
    async def bad(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: dict[str, Any]) -> None:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()

    async def scenario(url: str, seen: dict[str, Any]) -> str:
        connection = ReceiverConnection(url)
        with pytest.raises(DeliveryError) as caught:
            await connection.request("POST", {}, b"{}", 2)
        return str(caught.value)
    message, _ = serve(bad, scenario)
    assert message


def test_a_silent_receiver_times_out_and_a_closed_port_is_a_connect_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: dict[str, Any]) -> None:
        await read_request(reader)
        await asyncio.sleep(2)

    async def scenario(url: str, seen: dict[str, Any]) -> None:
        with pytest.raises(DeliveryTimeout):
            await ReceiverConnection(url).request("POST", {}, b"{}", 0.2)
        with pytest.raises(DeliveryError, match="ConnectError"):
            await ReceiverConnection(f"http://127.0.0.1:{closed_port()}/").request("POST", {}, b"{}", 2)
    serve(silent, scenario)


TLS_SCENARIO = """
import asyncio, ssl, sys
from apitwin.webhook_client import DeliveryError, ReceiverConnection

async def main():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    seen = []

    async def on_connect(reader, writer):
        while True:
            try:
                head = await reader.readuntil(b"\\r\\n\\r\\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            length = next(int(l.split(b":")[1]) for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length"))
            seen.append(head.split(b"\\r\\n")[0] + b" " + await reader.readexactly(length))
            writer.write(b"HTTP/1.1 204 No Content\\r\\n\\r\\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    connection = ReceiverConnection(f"https://127.0.0.1:{port}/hooks")
    statuses = [await connection.request("POST", {}, b'{"n":%d}' % n, 5) for n in range(2)]
    connection.close()
    try:                                    # a name the certificate does not carry: refused, not sent
        await ReceiverConnection(f"https://localhost:{port}/hooks").request("POST", {}, b"{}", 5)
        refused = "sent"
    except DeliveryError as exc:
        refused = str(exc)
    server.close()
    print(statuses, seen, refused.split(":")[0])

asyncio.run(main())
"""


def test_https_receiver_is_verified_and_reused(tmp_path: Any) -> None:
    """TLS through the stdlib: the receiver's certificate is verified against the trusted CAs (here one the test
    makes, trusted through SSL_CERT_FILE as OpenSSL reads it) and its host name; one connection carries both
    deliveries."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: it makes this test's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-c", TLS_SCENARIO, str(cert), str(key)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "SSL_CERT_FILE": str(cert)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("[204, 204] [b'POST /hooks HTTP/1.1 {\"n\":0}', b'POST /hooks HTTP/1.1 {\"n\":1}'] "
                                   "ConnectError"), done.stdout
