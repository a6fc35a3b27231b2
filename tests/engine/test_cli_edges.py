"""The command line's rough edges, each as a new user met it: `--version`, `serve --help` with defaults, a busy or
impossible port, `--mount root` with several APIs, `--data` without seed files, accounts or valid rows, a banner that
names only logins the seed has, a contract run against a closed port or without the test extra, one oasdiff id per
diff finding, `lint` by API name, and API plugins that fail to load."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

import apitwin.contract
from apitwin import __version__, cli, discovery
from apitwin.resources import package_path
from apitwin.seed_check import SeedRefused
from tests.processes import free_port

PARTNERS_SEED = package_path("apitwin_apis.mockdata", "partners")
MOLGENIS_SEED = package_path("apitwin_apis.mockdata", "molgenis")
HOST = "127.0.0.1"


def copy_seed(source: Path, target: Path, *, skip: tuple[str, ...] = ()) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.yaml"):
        if path.name not in skip:
            shutil.copy(path, target / path.name)
    return target


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """`serve` in this process up to the point where it would run the server (which is recorded instead)."""
    calls: list[Any] = []
    monkeypatch.setattr(cli, "run_server", lambda app, sock, **options: (calls.append(app), sock.close()))
    return calls


def serve(*args: str) -> list[str]:
    return ["serve", *args, "--host", HOST, "--port", str(free_port())]


# -- version and help -----------------------------------------------------------------------------------------------
def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["--version"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out.strip() == f"apitwin {__version__}" == f"apitwin {metadata.version('apitwin')}"


def test_serve_help_names_every_flag_and_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 127.0.0.1" in text and "(default: 8000)" in text and "(default: auto)" in text
    serve_parser = cli.build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    for action in serve_parser._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help"
        assert "default" in action.help or action.dest in ("help", "apis"), action.option_strings


# -- ports ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["serve", "partners"], ["webhook-listen", "--secret", "s"]])
def test_a_busy_port_is_one_line_before_any_banner(command: list[str]) -> None:
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "apitwin", *command, "--host", HOST, "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""   # no banner
    assert result.stderr == f"apitwin: cannot listen on {HOST}:{port}: address already in use\n"


@pytest.mark.parametrize("port", ["0", "65536", "99999", "-1", "eighty"])
@pytest.mark.parametrize("command", [["serve"], ["webhook-listen", "--secret", "s"]])
def test_ports_outside_1_to_65535_are_refused(command: list[str], port: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        cli.main([*command, "--port", port])
    assert excinfo.value.code == 2
    assert "is not a port number (1-65535)" in capsys.readouterr().err


def test_an_unknown_host_is_one_line(capsys: pytest.CaptureFixture[str], started: list[Any]) -> None:
    assert cli.main(["serve", "partners", "--host", "no-such-host.invalid", "--port", "8000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("apitwin: cannot listen on no-such-host.invalid:8000: ") and err.count("\n") == 1
    assert started == []


# -- mounting -------------------------------------------------------------------------------------------------------
def test_mount_root_with_several_apis_names_the_flag(capsys: pytest.CaptureFixture[str], started: list[Any]) -> None:
    assert cli.main(serve("partners", "molgenis", "--mount", "root")) == 2
    err = capsys.readouterr().err
    assert "--mount prefix" in err and "mount='prefix'" not in err and err.count("\n") == 1
    assert started == []


# -- --data ---------------------------------------------------------------------------------------------------------
def test_partners_refuses_an_empty_data_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  started: list[Any]) -> None:
    assert cli.main(serve("partners", "--data", str(tmp_path))) == 2
    captured = capsys.readouterr()
    assert captured.err == f"apitwin: {tmp_path}: no seed files (*.yaml: accounts, panels, customers, shipments, " \
                           "orders)\n"
    assert captured.out == "" and started == []


def test_partners_refuses_a_seed_without_accounts(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  started: list[Any]) -> None:
    copy_seed(PARTNERS_SEED, tmp_path, skip=("accounts.yaml",))
    assert cli.main(serve("partners", "--data", str(tmp_path))) == 2
    assert "no partner accounts" in capsys.readouterr().err
    assert started == []


def test_molgenis_refuses_an_empty_data_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  started: list[Any]) -> None:
    assert cli.main(serve("molgenis", "--data", str(tmp_path))) == 2
    assert "no entity types" in capsys.readouterr().err
    assert started == []


def test_molgenis_without_accounts_warns_and_the_banner_names_no_login(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], started: list[Any]) -> None:
    copy_seed(MOLGENIS_SEED, tmp_path, skip=("security.yaml",))
    assert cli.main(serve("molgenis", "--data", str(tmp_path))) == 0
    captured = capsys.readouterr()
    assert captured.err == (f"apitwin: warning: molgenis: no account in the seed ({tmp_path.resolve()}) can log in; "
                            "only requests without a login will work\n")
    api_section = captured.out.split("\n  Admin ")[0]      # the admin API's own lines name its admin token
    assert "Login" not in api_section and "Token" not in api_section and "admin" not in api_section
    assert "MOLGENIS REST API v1" in captured.out and len(started) == 1


@pytest.mark.parametrize(("host", "base"), [
    ("127.0.0.1", "http://127.0.0.1:8000"), ("0.0.0.0", "http://127.0.0.1:8000"), ("::", "http://[::1]:8000"),
    ("::1", "http://[::1]:8000"), ("localhost", "http://localhost:8000"), ("10.1.2.3", "http://10.1.2.3:8000")])
def test_the_banner_prints_urls_a_browser_can_open(host: str, base: str) -> None:
    """`--host 0.0.0.0` (the container) listens everywhere, but http://0.0.0.0:8000/ is no address to open."""
    assert cli.browsable_base(host, 8000) == base


def test_a_wildcard_bind_banner_points_at_the_loopback(capsys: pytest.CaptureFixture[str], started: list[Any]) -> None:
    port = free_port()
    assert cli.main(["serve", "partners", "--host", "0.0.0.0", "--port", str(port)]) == 0
    out = capsys.readouterr().out
    assert f"    API         http://127.0.0.1:{port}/api/v1/" in out and "0.0.0.0:" not in out.split("Press Ctrl-C")[0]


def test_the_banner_names_the_logins_the_seed_has(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  started: list[Any]) -> None:
    assert cli.main(serve("partners", "molgenis")) == 0
    out = capsys.readouterr().out
    assert "Login       demo / demo-password (demo-partner)  ·  acme / acme-password (acme-genetics)" in out
    assert "Login       admin / admin (superuser)  ·  test / test  ·  it-user / it-password" in out
    assert "retired" not in out and "inactive" not in out   # accounts that cannot log in are not offered

    seed = copy_seed(PARTNERS_SEED, tmp_path)
    accounts = yaml.safe_load((seed / "accounts.yaml").read_text())
    accounts["accounts"] = [{**a, "password": "other-secret"} for a in accounts["accounts"] if a["username"] == "acme"]
    (seed / "accounts.yaml").write_text(yaml.safe_dump(accounts))
    assert cli.main(serve("partners", "--data", str(seed))) == 0
    out = capsys.readouterr().out
    assert "Login       acme / other-secret (acme-genetics)" in out
    assert '\\"username\\": \\"acme\\", \\"password\\": \\"other-secret\\"' in out.replace('"', '\\"')
    assert "demo" not in out


def test_partners_seed_rows_that_break_the_schema_stop_the_start(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 started: list[Any]) -> None:
    seed = copy_seed(PARTNERS_SEED, tmp_path)
    customers = yaml.safe_load((seed / "customers.yaml").read_text())
    customers["customers"][0]["email"] = "not-an-email"
    customers["customers"][1]["gender"] = "robot"
    (seed / "customers.yaml").write_text(yaml.safe_dump(customers))
    assert cli.main(serve("partners", "--data", str(seed))) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"apitwin: {seed.resolve()}: seed data the API would not serve:\n")
    first, second = customers["customers"][0]["id"], customers["customers"][1]["id"]
    assert f"customers {first} does not match Customer at email: " in err
    assert f"customers {second} does not match Customer at gender: " in err
    assert started == []


def test_partners_seed_rows_of_the_wrong_shape_stop_the_start(tmp_path: Path) -> None:
    from apitwin.app import create_app
    from apitwin.settings import Settings

    seed = copy_seed(PARTNERS_SEED, tmp_path)
    customers = yaml.safe_load((seed / "customers.yaml").read_text())
    del customers["customers"][0]["partner"]
    (seed / "customers.yaml").write_text(yaml.safe_dump(customers))
    with pytest.raises(SeedRefused) as excinfo:
        create_app(["partners"], settings=Settings(data_dirs={"partners": seed}))
    assert excinfo.value.problems == ["KeyError: 'partner'"]


# -- contract -------------------------------------------------------------------------------------------------------
def test_contract_against_a_closed_port(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert cli.main(["contract", "partners", "--url", f"http://{HOST}:{port}"]) == 2
    assert capsys.readouterr().err == (f"apitwin contract partners: cannot connect to http://{HOST}:{port}: "
                                       "connection refused\n")


def test_contract_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)     # as if the `test` extra were not installed
    for name in [m for m in sys.modules if m.startswith("apitwin.contract.")]:
        if name not in ("apitwin.contract.cli", "apitwin.contract.profiles"):
            monkeypatch.delitem(sys.modules, name)
            monkeypatch.delattr(apitwin.contract, name.rsplit(".", 1)[1], raising=False)
    assert cli.main(["contract", "partners"]) == 2
    assert capsys.readouterr().err == ("apitwin contract: schemathesis is not installed; "
                                       "pip install 'apitwin[test]'\n")


# -- review ---------------------------------------------------------------------------------------------------------
def test_diff_prints_one_oasdiff_id_per_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = yaml.safe_load(package_path("apitwin_apis.specs", "partners.yaml").read_text())
    new = yaml.safe_load(package_path("apitwin_apis.specs", "partners.yaml").read_text())
    customer = new["components"]["schemas"]["Customer"]["properties"]
    customer["first_name"]["maxLength"] = 10             # a response bound narrowed: oasdiff has no check
    customer.pop("reference_id")                          # a response property removed (a required one)
    page_size = next(p for p in new["components"]["parameters"].values() if p["name"] == "page_size")
    page_size["schema"]["maximum"] = 5                    # a request parameter bound lowered
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(old))
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(new))
    assert cli.main(["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any("first_name: maxLength" in line and "[oasdiff:" not in line for line in out), out
    lines = [line for line in out if "[oasdiff:" in line]
    for line in lines:
        named = line.rsplit("[oasdiff: ", 1)[1].rstrip("]")
        assert "," not in named and " " not in named, line
    assert any(line.endswith("[oasdiff: response-required-property-removed]") for line in lines), lines
    assert any(line.endswith("[oasdiff: request-parameter-max-decreased]") for line in lines), lines


def test_lint_takes_an_api_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint", "partners"]) == 0
    assert str(package_path("apitwin_apis.specs", "partners.yaml")) in capsys.readouterr().out


# -- plugins --------------------------------------------------------------------------------------------------------
def test_plugins_that_fail_to_load_are_named_and_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken_twin.py").write_text("raise RuntimeError('no spec here')\n")
    (tmp_path / "odd_twin.py").write_text(
        "from apitwin_apis.partners import PLUGIN\nNOT_A_PLUGIN = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    real = discovery.entry_points
    extra = [metadata.EntryPoint("broken", "broken_twin:PLUGIN", discovery.GROUP),
             metadata.EntryPoint("odd", "odd_twin:NOT_A_PLUGIN", discovery.GROUP),
             metadata.EntryPoint("alias", "odd_twin:PLUGIN", discovery.GROUP)]
    monkeypatch.setattr(discovery, "entry_points", lambda: [*real(), *extra])
    assert cli.main(["list"]) == 0
    captured = capsys.readouterr()
    assert {"partners", "molgenis"} <= set(captured.out.split())
    assert "broken" not in captured.out and "odd" not in captured.out
    assert captured.err.splitlines() == [
        "apitwin: warning: API plugin alias = odd_twin:PLUGIN: names itself 'partners'; the entry point must use "
        "that name",
        "apitwin: warning: API plugin broken = broken_twin:PLUGIN: cannot be loaded: RuntimeError: no spec here",
        "apitwin: warning: API plugin odd = odd_twin:NOT_A_PLUGIN: is a int, not an apitwin.plugin.ApiPlugin",
    ]
    assert set(discovery.discover()) == {"partners", "molgenis"}
