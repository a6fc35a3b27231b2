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
    cwd = base / "elsewhere"
    cwd.mkdir()
    yield Installed(wheel, venv, cwd)


def test_wheel_holds_everything_under_non_generic_names(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"apitwin", "apitwin_apis", next(t for t in tops if t.endswith(".dist-info"))}
    expected = {"apitwin/admin.yaml"}
    expected |= {f"apitwin/{p.relative_to(ROOT / 'apitwin')}" for p in (ROOT / "apitwin").rglob("*.py")}
    expected |= {f"apitwin_apis/{p.relative_to(ROOT / 'handlers')}" for p in (ROOT / "handlers").rglob("*.py")}
    for folder in ("specs", "mockdata"):
        expected |= {f"apitwin_apis/{folder}/{p.relative_to(ROOT / folder)}"
                     for p in (ROOT / folder).rglob("*") if p.suffix in (".yaml", ".py")}
    assert sorted(expected - names) == []
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


def test_serve_answers_from_another_directory(installed: Installed) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([str(installed.apitwin), "serve", "partners", "--port", str(port),
                                "--log-level", "warning"], cwd=installed.cwd, env=installed.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=base, timeout=5) as http:
            while True:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the installed server never answered"
                try:
                    login = http.post("/api/v1/api-token-auth/",
                                      json={"username": "demo", "password": "demo-password"})
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert login.status_code == 200, login.text
            panels = http.get("/api/v1/trait-panels/", headers={"Authorization": f"JWT {login.json()['token']}"})
            assert panels.status_code == 200 and panels.json()
            assert http.get("/openapi.json").json()["openapi"].startswith("3.1")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        assert "Toolbox Genomics Partners API" in out
        assert "Warning" not in err, err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)
