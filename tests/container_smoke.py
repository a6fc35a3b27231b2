"""Smoke test of a running container (`make container` starts one): the health route its HEALTHCHECK asks, the
landing page, a Partners login and list, a Swagger UI page and its script. Exits 1 naming what failed.

    python -m tests.container_smoke http://127.0.0.1:18080
"""
from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request


def fetch(url: str, data: dict | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.status, answer.read()


def wait_healthy(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if fetch(base + "/__apitwin/health")[0] == 200:
                return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"container smoke test: {base}/__apitwin/health did not answer 200 in {seconds:g} s")
        time.sleep(0.5)


def main(base: str) -> int:
    wait_healthy(base)
    checks = []
    status, page = fetch(base + "/")
    checks.append(("landing page", status == 200 and b"apitwin mock server" in page))
    _, token = fetch(base + "/partners/api/v1/api-token-auth/", {"username": "demo", "password": "demo-password"})
    status, _ = fetch(base + "/partners/api/v1/customers/", headers={"Authorization": "JWT " + json.loads(token)["token"]})
    checks.append(("Partners login and customer list", status == 200))
    for version in ("v1", "v2"):
        status, page = fetch(base + f"/molgenis/api/{version}/ui/")
        checks.append((f"MOLGENIS {version} Swagger UI page", status == 200 and b"swagger-ui-bundle.js" in page))
    status, script = fetch(base + "/molgenis/api/v1/ui/swagger-ui-bundle.js")
    checks.append(("Swagger UI 5 script served locally", status == 200 and len(script) > 100_000))
    for name, ok in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    failed = [name for name, ok in checks if not ok]
    print(f"container smoke test: {'passed' if not failed else 'FAILED: ' + ', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18080"))
