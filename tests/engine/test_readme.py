"""The README's samples are what the commands print today: its shell blocks run verbatim (bash, curl, python3)
against servers started as the README says (each on a free port, put in place of the README's), and every
`# output` comment under a command must match what the command printed (`...` stands for any text; a leading status
and `Header: value` that `curl -s` does not print are left out). The banner, the webhook tour's two servers and the
receiver's lines, and the lint / diff / check-drift samples (the edits they describe made on a copy of the spec) are
checked the same way."""
from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from apitwin.review.loader import parse
from tests.processes import free_port, pump
from tests.receiver import wait_until

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
APITWIN = str(Path(sys.executable).with_name("apitwin"))
PROSE = re.compile(r"^terminal \d+:")
MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def section(title: str) -> str:
    start = README.index(title)
    following = README.find("\n## ", start + len(title))
    return README[start:following if following != -1 else len(README)]


def blocks(text: str, language: str = "bash") -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def expected_pattern(comment: str, ports: dict[str, int]) -> re.Pattern[str]:
    """A README output comment as a regex: `...` is any text, the comment's line breaks any whitespace (or none);
    a status line and a trailing `(annotation)` are not output (`curl -s` prints the body only)."""
    lines = [line.strip() for line in comment.splitlines()]
    lines = [line for line in lines if line and not re.fullmatch(r"\d{3}\s+[A-Za-z-]+: \S+", line)]
    lines[0] = re.sub(r"^\d{3} ", "", lines[0])
    lines[-1] = re.sub(r"\s{2,}\(.*\)$", "", lines[-1])
    lines = [re.sub(r"^\.\.\.\s+", "...", line) for line in lines]
    for readme_port, port in ports.items():
        lines = [line.replace(f"127.0.0.1:{readme_port}", f"127.0.0.1:{port}") for line in lines]
    def literal(part: str) -> str:     # a moment in a sample stands for any moment (they say when they ran)
        return r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00".join(re.escape(p) for p in MOMENT.split(part))

    return re.compile(r"\s*".join(".*?".join(literal(part) for part in line.split("...")) for line in lines), re.S)


def commands_and_outputs(block: str) -> list[tuple[str, str | None]]:
    """(command, its output comment or None) in order. A command goes on over indented lines; `# ` lines under it
    are its output, except prose such as `# terminal 2: ...`, which ends it."""
    steps: list[tuple[str, str | None]] = []
    command: list[str] = []
    comment: list[str] = []

    def close() -> None:
        if command:
            steps.append(("\n".join(command), "\n".join(comment) if comment else None))
        command.clear()
        comment.clear()

    for line in block.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            text = line[1:].strip()
            if PROSE.match(text):
                close()
            elif command:
                comment.append(text)
        elif line[0].isspace() and command and not comment:
            command.append(line)
        else:
            close()
            command.append(line)
    close()
    return steps


def run_verbatim(script_steps: list[tuple[str, str | None]], ports: dict[str, int]) -> None:
    """Run the steps in one bash (variables carry over) and match each commented output."""
    marker = "@@apitwin-readme-step@@"
    script = "set -e\n"
    for command, _ in script_steps:
        for readme_port, port in ports.items():
            command = command.replace(f"127.0.0.1:{readme_port}", f"127.0.0.1:{port}")
        script += f"{command}\necho\necho {marker}\n"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    outputs = done.stdout.split(marker + "\n")
    assert len(outputs) == len(script_steps) + 1, done.stdout
    for (command, comment), output in zip(script_steps, outputs):
        if comment is None:
            continue
        pattern = expected_pattern(comment, ports)
        assert pattern.fullmatch(output.strip()), f"README sample\n  {command}\n# {comment}\nprinted\n{output}"


class Served:
    """`apitwin serve ...` (or webhook-listen) as a user starts it, output collected line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([APITWIN, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=pump, args=(self.process.stdout, self.lines), daemon=True).start()

    def wait_for(self, text: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while True:
            if any(text in line for line in self.seen):
                return "".join(self.seen)
            try:
                self.seen.append(self.lines.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"never printed {text!r}:\n{''.join(self.seen)}") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def servers() -> Iterator[list[Served]]:
    started: list[Served] = []
    try:
        yield started
    finally:
        for served in started:
            served.stop()


def start(servers: list[Served], *args: str, ready: str = "Press Ctrl-C") -> Served:
    """Started as a user starts it: its banner printed, then its port answering HTTP (whichever server runs it)."""
    served = Served(*args)
    servers.append(served)
    served.wait_for(ready)
    answering(int(args[args.index("--port") + 1]))
    return served


def answering(port: int) -> None:
    def answers() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
        except urllib.error.HTTPError:
            pass                                    # any HTTP answer: the server is serving
        except OSError:
            return False
        return True
    wait_until(answers, timeout=60, what=f"an HTTP answer on port {port}")


def test_readme_starts_with_make_serve_and_make_test() -> None:
    first = re.search(r"```\n(.*?)```", README, flags=re.S)
    assert first is not None and README.index(first.group(0)) < README.index("\n## ")
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["make serve", "make test"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's samples use curl, which is not installed")
def test_partners_tour_runs_verbatim(servers: list[Served]) -> None:
    tour = section("## Five-minute tour: Partners API")
    port = free_port()
    served = start(servers, "serve", "partners", "--port", str(port))
    banner = served.wait_for("Admin token")
    expected = next(b for b in re.findall(r"```\n(.*?)```", tour, flags=re.S) if b.startswith("apitwin mock server"))
    *fixed, token_line = expected.rstrip("\n").splitlines()
    printed = banner.replace(f"127.0.0.1:{port}", "127.0.0.1:8000").splitlines()
    assert printed[:len(fixed)] == fixed, "\n".join(printed)
    assert re.fullmatch(re.escape(token_line).replace("q1w2…", r"\S+"), printed[len(fixed)]), printed[len(fixed)]
    steps = [step for block in blocks(tour.split("### Kits, reports and webhooks")[0]) for step in
             commands_and_outputs(block)]
    assert sum(comment is not None for _, comment in steps) >= 5
    run_verbatim(steps, {"8000": port})


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's samples use curl, which is not installed")
def test_webhook_tour_runs_verbatim(servers: list[Served]) -> None:
    """Terminal 1 and 2 start as written (on free ports); terminal 3's commands run verbatim; the receiver prints the
    three deliveries the README names."""
    tour = section("### Kits, reports and webhooks")
    [block] = blocks(tour)
    steps = commands_and_outputs(block)
    listen_port, serve_port = free_port(), free_port()
    ports = {"9000": listen_port, "8001": serve_port}
    launched = [(command, comment) for command, comment in steps if command.startswith(".venv/bin/apitwin")]
    assert [c.split()[1] for c, _ in launched] == ["webhook-listen", "serve"]
    (listen_command, _), (serve_command, serve_comment) = launched
    for readme_port, port in ports.items():
        listen_command = listen_command.replace(f"--port {readme_port}", f"--port {port}")
        serve_command = serve_command.replace(f"--port {readme_port}", f"--port {port}").replace(
            f"127.0.0.1:{readme_port}", f"127.0.0.1:{port}")
    receiver = start(servers, *listen_command.split()[1:], ready="verifying signatures")
    served = start(servers, *serve_command.split()[1:])
    assert serve_comment is not None
    assert expected_pattern(serve_comment, ports).search(served.wait_for("Webhook 1"))
    run_verbatim([step for step in steps if step not in launched], ports)
    said = re.search(r"The receiver prints `(\[1\][^`]*)`", tour)
    assert said is not None
    receiver.wait_for("[3] kit.updated event 32 delivery 3 attempt 1: signature OK", seconds=30)
    receiver.wait_for('"status": "DATA_AVAILABLE"')
    assert said.group(1) in receiver.wait_for(said.group(1))
    for number, status in ((2, "KIT_PROCESSING"), (3, "DATA_AVAILABLE")):
        assert f"`{status}`" in tour
        printed = "".join(receiver.seen)
        delivery = printed.split(f"[{number}] kit.updated")[1].split("\n[")[0]
        assert f'"status": "{status}"' in delivery


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's samples use curl, which is not installed")
def test_molgenis_tour_runs_verbatim(servers: list[Served]) -> None:
    tour = section("## Five-minute tour: MOLGENIS REST API v1 and v2")
    port = free_port()
    start(servers, "serve", "molgenis", "--port", str(port))
    steps = [step for block in blocks(tour) for step in commands_and_outputs(block)]
    assert sum(comment is not None for _, comment in steps) >= 4
    run_verbatim(steps, {"8080": port})


# -- the spec review samples --------------------------------------------------------------------------------------
def review_samples() -> list[str]:
    [block] = blocks(section("## Reviewing a spec"))
    return block.splitlines()


def outputs_after(lines: list[str], start: str, stop: str | None = None) -> list[str]:
    """The `# ` output lines after the line starting with `start` (up to `stop`), without prose lines."""
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    out = []
    for line in lines[index + 1:]:
        if not line.startswith("#") or (stop and stop in line):
            break
        out.append(line[2:])
    return out


def apitwin(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([APITWIN, *args], cwd=cwd, capture_output=True, text=True, timeout=180)


def pointer_line(path: Path, pointer: str) -> int:
    return parse(path.read_text(encoding="utf-8"), str(path))[1][pointer]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding our specs on `main` (the README's `main:specs/partners.yaml`)."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copy2(ROOT / "apitwin.toml", tmp_path / "apitwin.toml")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "specs"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    return tmp_path


def test_lint_samples_are_real_runs(repo: Path) -> None:
    lines = review_samples()
    clean = apitwin("lint", *sorted(str(p.relative_to(repo)) for p in (repo / "specs").glob("*.yaml")), cwd=repo)
    assert clean.returncode == 0
    assert clean.stdout.splitlines() == outputs_after(lines, ".venv/bin/apitwin lint", stop="and after changing")
    # "after changing the webhook example's kit status to SHIPPED"
    spec = repo / "specs" / "partners.yaml"
    document = yaml.safe_load(spec.read_text())
    example = document["webhooks"]["event"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    ref = next(iter(example.values()))["$ref"].removeprefix("#")
    number = pointer_line(spec, f"{ref}/value/data/kit/status")
    text = spec.read_text().splitlines(keepends=True)
    assert "status: KIT_SHIPPED" in text[number - 1]
    text[number - 1] = text[number - 1].replace("KIT_SHIPPED", "SHIPPED")
    spec.write_text("".join(text))
    broken = apitwin("lint", "specs/partners.yaml", cwd=repo)
    assert broken.returncode == 1
    expected = outputs_after(lines, "#   ... and after changing")
    assert broken.stdout.splitlines() == expected


def test_diff_sample_is_a_real_run(repo: Path) -> None:
    lines = review_samples()
    spec = repo / "specs" / "partners.yaml"
    parameters = yaml.safe_load(spec.read_text())["components"]["parameters"]
    [name] = [key for key, value in parameters.items() if value.get("name") == "page" and value["in"] == "query"]
    number = pointer_line(spec, f"/components/parameters/{name}/required")
    text = spec.read_text().splitlines(keepends=True)
    assert text[number - 1].strip() == "required: false"
    text[number - 1] = text[number - 1].replace("false", "true")
    spec.write_text("".join(text))
    result = apitwin("diff", "main:specs/partners.yaml", "specs/partners.yaml", "--fail-on", "breaking", cwd=repo)
    assert result.returncode == 1
    sample = outputs_after(lines, ".venv/bin/apitwin diff")
    printed = result.stdout.splitlines()
    assert sample[0].startswith("  after making the `page` query parameter required (exit 1")
    assert printed[0] == sample[1]
    assert sample[2].startswith("... (one line per operation")
    assert printed[-1] == sample[3]
    assert all(line.endswith("[oasdiff: request-parameter-became-required]") for line in printed[:-1])


def test_check_drift_sample_is_a_real_run() -> None:
    result = apitwin("check-drift", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == outputs_after(review_samples(), ".venv/bin/apitwin check-drift")


def test_the_readme_names_no_fixed_port_twice_for_two_servers() -> None:
    """The webhook tour's second server has its own port (the first tour's server may still run on 8000)."""
    tour = section("### Kits, reports and webhooks")
    assert "serve partners --port 8001" in tour and "W=http://127.0.0.1:8001" in tour


def test_the_sample_parser() -> None:
    """A multi-line quoted body stays with its command; prose comments are not output; `...` and line breaks."""
    steps = commands_and_outputs("# terminal 1: x\ncurl -s $B/x -d '{\"a\": 1,\n       \"b\": 2}'\n# 201 {\"id\": 1,\n"
                                 "#  \"b\": ...}   (+ more)\n# terminal 2: y\nB=z\n")
    assert steps == [("curl -s $B/x -d '{\"a\": 1,\n       \"b\": 2}'", '201 {"id": 1,\n"b": ...}   (+ more)'),
                     ("B=z", None)]
    pattern = expected_pattern(steps[0][1] or "", {})
    assert pattern.fullmatch('{"id": 1,"b": [2, 3]}') and pattern.fullmatch('{"id": 1, "b": 2}')
    assert not pattern.fullmatch('{"id": 2, "b": 2}')


def test_molgenis_python_client_sample_runs_verbatim(servers: list[Served]) -> None:
    """The molgenis-py-client block runs as written; each call whose comment is a value (`'value'`, `['ref6']`,
    `<Response [204]>`, after an optional `v2:`-style label) printed that value."""
    pytest.importorskip("molgenis.client", reason="the README's client sample needs the test extra's "
                                                  "molgenis-py-client (pip install -e '.[test]')")
    [block] = blocks(section("## Five-minute tour: MOLGENIS REST API v1 and v2"), "python")
    port = free_port()
    start(servers, "serve", "molgenis", "--port", str(port))
    marker = "@@apitwin-readme-line@@"
    script, checks = [], []
    for line in block.replace("127.0.0.1:8080", f"127.0.0.1:{port}").splitlines():
        code, _, comment = line.partition("  #")
        code, comment = code.rstrip(), comment.strip()
        value = re.sub(r"^[\w ]+: ", "", comment)
        value = re.sub(r"\s+\(.*\)$", "", value)
        if value[:1] in ("'", "[", "<") and "=" not in code.split("(")[0]:
            script.append(f"print({marker!r}, repr({code}))")
            checks.append((code, value))
        else:
            script.append(code)
    done = subprocess.run([sys.executable, "-c", "\n".join(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    printed = [line.split(marker + " ", 1)[1] for line in done.stdout.splitlines() if line.startswith(marker)]
    assert len(printed) == len(checks) >= 5
    for (code, value), output in zip(checks, printed):
        pattern = ".*?".join(re.escape(part) for part in value.split("..."))
        assert re.fullmatch(pattern, output, flags=re.S), f"{code}\n  # {value}\nprinted {output}"
