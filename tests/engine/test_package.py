"""The package as a user gets it: the wheel holds everything (handlers, specs, seed data, the admin document) under
non-generic import names, and after a plain install every subcommand works from a directory that is not the
checkout (`serve` answers, `contract` runs, `lint` and `check-drift` pass).

The wheel is built without build isolation (setuptools is pinned in the test extra) and installed with `--no-deps`
into a fresh venv that reaches the project venv's site-packages through a .pth file, so nothing is downloaded.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "apitwin", "handlers", "specs", "mockdata")

# A third-party API in its own distribution: spec, seed data and a handler in package `petshop_twin`, registered
# through the `apitwin.apis` entry point only (nothing in apitwin names it).
THIRD_PARTY = {
    "pyproject.toml": """
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "petshop-twin"
version = "1.0"

[project.entry-points."apitwin.apis"]
petshop = "petshop_twin:PLUGIN"

[tool.setuptools]
packages = ["petshop_twin"]

[tool.setuptools.package-data]
petshop_twin = ["*.yaml", "data/*.yaml"]
""",
    "petshop_twin/__init__.py": """
from apitwin.plugin import ApiPlugin, Wire
from apitwin.resources import package_path


def seed(rt, data_dir):
    import yaml
    for row in yaml.safe_load((data_dir / "pets.yaml").read_text())["pets"]:
        rt.store["pets"].insert(row)


def render_error(error):
    return {"message": error.messages}


PLUGIN = ApiPlugin(name="petshop", title="Pet shop", spec_file=package_path(__name__, "spec.yaml"),
                   mockdata_dir=package_path(__name__, "data"), seed=seed, wire=Wire(render_error=render_error))
""",
    "petshop_twin/pets.py": """
from apitwin.runtime import current


async def list_pets():
    return current().store["pets"].filter()
""",
    "petshop_twin/spec.yaml": """
openapi: 3.1.0
info: {title: Pet shop, version: '1'}
servers: [{url: /v1}]
paths:
  /pets:
    get:
      operationId: petshop_twin.pets.list_pets
      responses:
        '200':
          description: every pet
          content:
            application/json:
              schema: {type: array, items: {type: object, required: [id, name],
                                            properties: {id: {type: integer}, name: {type: string}}}}
""",
    "petshop_twin/data/pets.yaml": "pets: [{id: 1, name: Rex}, {id: 2, name: Tom}]\n",
}


class Installed:
    def __init__(self, wheel: Path, venv: Path, cwd: Path) -> None:
        self.wheel, self.venv, self.cwd = wheel, venv, cwd
        self.python = venv / "bin" / "python"
        self.apitwin = venv / "bin" / "apitwin"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.apitwin), *args], cwd=self.cwd, env=self.env, capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("package")
    source = base / "src"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--disable-pip-version-check", "-q", "-w", str(base / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (base / "dist").glob("apitwin-*.whl")

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    venv_site = subprocess.run([str(venv / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies come from the project venv (appended after the venv's own site-packages, so the wheel's
    # apitwin and its entry points win over the project's editable install)
    Path(venv_site, "_apitwin_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                              "--no-deps", "--disable-pip-version-check", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    third = base / "petshop"
    for name, text in THIRD_PARTY.items():
        (third / name).parent.mkdir(parents=True, exist_ok=True)
        (third / name).write_text(text.lstrip())
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                              "--no-deps", "--no-build-isolation", "--disable-pip-version-check", "-q", str(third)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    cwd = base / "elsewhere"
    cwd.mkdir()
    yield Installed(wheel, venv, cwd)


def test_wheel_holds_everything_under_non_generic_names(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"apitwin", "apitwin_apis", next(t for t in tops if t.endswith(".dist-info"))}
    def files(folder: str, installed_as: str) -> set[str]:
        """Every file of a repository folder (code, specs, seed data, UI assets), as the wheel must name it."""
        return {f"{installed_as}/{p.relative_to(ROOT / folder)}" for p in (ROOT / folder).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}

    expected = (files("apitwin", "apitwin") | files("handlers", "apitwin_apis") | files("specs", "apitwin_apis/specs")
                | files("mockdata", "apitwin_apis/mockdata"))
    assert "apitwin/admin.yaml" in expected and "apitwin_apis/specs/partners.yaml" in expected
    assert sorted(expected - names) == [], "missing from the wheel: declare them in pyproject.toml"
    entry_points = zipfile.ZipFile(installed.wheel).read(
        next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "[apitwin.apis]" in entry_points and "apitwin_apis.partners:PLUGIN" in entry_points


def test_installed_modules_come_from_the_venv(installed: Installed) -> None:
    where = subprocess.run([str(installed.python), "-c", "import apitwin, apitwin_apis.partners as p; "
                            "print(apitwin.__file__); print(p.PLUGIN.spec_file); print(p.PLUGIN.mockdata_dir)"],
                           cwd=installed.cwd, env=installed.env, capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).is_relative_to(installed.venv), line
        assert Path(line).exists(), line
    for generic in ("handlers", "specs", "mockdata"):
        probe = subprocess.run([str(installed.python), "-c", f"import {generic}"], cwd=installed.cwd,
                               env=installed.env, capture_output=True, text=True, timeout=60)
        assert probe.returncode != 0, f"the install claims the top-level name {generic}"


def test_version_list_lint_and_drift_from_another_directory(installed: Installed) -> None:
    version = installed.run("--version")
    assert version.returncode == 0 and version.stdout.strip() == "apitwin 0.1.0", version
    listed = installed.run("list")
    assert listed.returncode == 0, listed.stderr
    assert {"partners", "molgenis"} <= set(listed.stdout.split())
    lint = installed.run("lint", "partners", "molgenis")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # every document of both APIs, clean without the repository's apitwin.toml (their exceptions travel with them)
    summary = lint.stdout.splitlines()[-1]
    assert all(f"{name}.yaml" in summary for name in ("partners", "molgenis_v1", "molgenis_v2")), summary
    assert summary.endswith(": 0 error, 0 warn, 0 info"), lint.stdout
    drift = installed.run("check-drift")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "partners smoke run: 18 GET calls" in drift.stdout and "molgenis smoke run" in drift.stdout
    for result in (version, listed, lint, drift):
        assert "Warning" not in result.stderr, result.stderr


def test_contract_short_run_from_another_directory(installed: Installed) -> None:
    result = installed.run("contract", "partners", "--max-examples", "1", "--phases", "examples", "--no-properties",
                           "--quiet", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "apitwin contract partners: PASSED" in result.stdout
    assert (installed.cwd / "reports" / "contract" / "partners" / "report.json").is_file()
    assert "Warning" not in result.stderr, result.stderr


def serving(installed: Installed, *apis: str) -> tuple[subprocess.Popen[str], httpx.Client]:
    """A server of the installed package and a client that has waited for its health route."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([str(installed.apitwin), "serve", *apis, "--port", str(port),
                                "--log-level", "warning"], cwd=installed.cwd, env=installed.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(process.communicate())
        assert time.monotonic() < deadline, "the installed server never answered"
        try:
            httpx.get(f"{base}/__apitwin/health", timeout=5)
            return process, httpx.Client(base_url=base, timeout=5)
        except httpx.TransportError:
            time.sleep(0.1)


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    return out, err


def test_a_third_party_api_registers_through_its_entry_point(installed: Installed) -> None:
    listed = installed.run("list")
    assert "petshop" in listed.stdout.split(), listed.stdout
    process, http = serving(installed, "petshop")
    try:
        with http:
            assert http.get("/v1/pets").json() == [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}]
            assert http.get("/v1/nope").status_code == 404
        out, err = stop(process)
        assert "Pet shop" in out and "Warning" not in err, err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)


def test_serve_answers_from_another_directory(installed: Installed) -> None:
    process, http = serving(installed, "partners")
    try:
        with http:
            login = http.post("/api/v1/api-token-auth/", json={"username": "demo", "password": "demo-password"})
            assert login.status_code == 200, login.text
            panels = http.get("/api/v1/trait-panels/", headers={"Authorization": f"JWT {login.json()['token']}"})
            assert panels.status_code == 200 and panels.json()
            assert http.get("/openapi.json").json()["openapi"].startswith("3.1")
            page = http.get("/ui/")                 # Swagger UI 5 from the installed packages, no CDN
            assert page.status_code == 200 and "/ui/swagger-ui-bundle.js" in page.text
            assert http.get("/ui/swagger-ui-bundle.js").status_code == 200
            assert "Toolbox Genomics Partners API" in http.get("/").text        # the landing page
        out, err = stop(process)
        assert "Toolbox Genomics Partners API" in out
        assert "Warning" not in err, err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)


def test_the_checkout_imports_each_handler_module_once() -> None:
    """From the checkout (editable install, pytest's rootdir on sys.path) handlers/ is only `apitwin_apis`: the
    folder name refuses to import, so no module is ever loaded twice under two names."""
    folder = "handlers"     # the repository folder's own name (kept in a variable: the rename script skips it)
    probe = subprocess.run([sys.executable, "-c", f"import {folder}"], cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
    assert probe.returncode == 1
    assert "ImportError: import this package as apitwin_apis, not handlers" in probe.stderr
    import apitwin_apis.partners

    assert Path(apitwin_apis.partners.__file__).resolve() == ROOT / "handlers" / "partners" / "__init__.py"
    assert not [name for name in sys.modules if name == "handlers" or name.startswith("handlers.")]
