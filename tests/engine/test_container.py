"""The container: the Dockerfile and compose.yaml say what the README promises (slim Python base, non-root user,
0.0.0.0:8000, EXPOSE, a HEALTHCHECK on the admin health route, both APIs in compose), the smoke test `make container`
runs passes against a real server and fails against a wrong one, and — when APITWIN_CONTAINER names an engine —
the image is built and answers (`make container`; minutes, so not by default: the skip says how)."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import urllib.error
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from apitwin.app import create_app
from apitwin.runtime import ADMIN_PREFIX
from apitwin.settings import Settings
from tests import container_smoke
from tests.processes import free_port
from tests.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instruction(name: str) -> list[str]:
    """Every value of one Dockerfile instruction (continuation lines joined)."""
    text = DOCKERFILE.replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.+)$", text, flags=re.M)]


def test_dockerfile_base_user_port_entrypoint_and_healthcheck() -> None:
    assert instruction("ARG") == ["BASE_IMAGE=python:3.12-slim"] and instruction("FROM") == ["${BASE_IMAGE}"]
    [user] = instruction("USER")
    assert user not in ("root", "0")
    assert "useradd --system --uid 10001" in DOCKERFILE and user == "apitwin"
    assert instruction("EXPOSE") == ["8000"]
    [entrypoint] = instruction("ENTRYPOINT")
    assert eval(entrypoint) == ["apitwin", "serve", "--host", "0.0.0.0", "--port", "8000"]  # noqa: S307 - JSON form
    [healthcheck] = instruction("HEALTHCHECK")
    assert f"http://127.0.0.1:8000{ADMIN_PREFIX}/health" in healthcheck
    assert "CMD" in healthcheck and "python3" in healthcheck      # no curl in a slim image
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "reports"} <= set(ignored)


def test_the_healthcheck_route_answers_without_a_token() -> None:
    """Bound to 0.0.0.0 the admin API wants its token; the health route must not, or the container never gets
    healthy."""
    with create_app(settings=Settings(host="0.0.0.0"), mount="prefix").test_client() as client:
        assert client.get(f"{ADMIN_PREFIX}/apis").status_code == 401
        assert client.get(f"{ADMIN_PREFIX}/health").status_code == 200


def test_compose_serves_both_apis_from_one_image() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {name: service["command"] for name, service in services.items()} == {
        "partners": ["partners"], "molgenis": ["molgenis"]}
    assert services["partners"]["build"] == "." and {s["image"] for s in services.values()} == {"apitwin"}
    ports = [service["ports"][0].rsplit(":", 1)[1] for service in services.values()]
    assert ports == ["8000", "8000"]          # each container's own 8000, published on two host ports
    assert len({service["ports"][0] for service in services.values()}) == 2


@pytest.fixture(scope="module")
def both_apis() -> Iterator[str]:
    receiver = Receiver(app=create_app(settings=Settings(), mount="prefix")).start()
    try:
        yield f"http://127.0.0.1:{receiver.port}"
    finally:
        receiver.stop()


def test_the_smoke_test_passes_against_the_served_mock(both_apis: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert container_smoke.main(both_apis) == 0
    out = capsys.readouterr().out
    assert out.count("  ok  ") == 5 and "container smoke test: passed" in out


def test_the_smoke_test_fails_against_one_api_alone(capsys: pytest.CaptureFixture[str]) -> None:
    receiver = Receiver(app=create_app(["molgenis"], settings=Settings())).start()
    try:
        with pytest.raises(urllib.error.HTTPError, match="404"):   # no Partners login under /partners
            container_smoke.main(f"http://127.0.0.1:{receiver.port}")
    finally:
        receiver.stop()


def test_the_image_builds_and_answers() -> None:
    engine = os.environ.get("APITWIN_CONTAINER")
    if not engine:
        pytest.skip("container build not run: it takes a minute or more. APITWIN_CONTAINER=podman (or docker) runs "
                    "`make container` here, with APITWIN_CONTAINER_MAKE_ARGS for BASE_IMAGE/BUILD_FLAGS/RUN_FLAGS "
                    "(see the Makefile's container targets)")
    args = shlex.split(os.environ.get("APITWIN_CONTAINER_MAKE_ARGS", ""))
    name = f"apitwin-smoke-{os.getpid()}"
    result = subprocess.run(["make", "-s", "container", f"CONTAINER={engine}", f"SMOKE_PORT={free_port()}",
                             f"SMOKE_NAME={name}", *args], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "container smoke test: passed" in result.stdout
    if engine.endswith("podman"):
        assert "ok   the image's HEALTHCHECK" in result.stdout
