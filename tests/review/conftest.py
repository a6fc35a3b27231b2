"""Fixtures of the review tests. Helpers that build documents (`edit`, `write`, `load`) live in helpers.py."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

import pytest


@pytest.fixture
def git_repo(tmp_path: Path) -> Callable[..., None]:
    """`tmp_path` as a fresh git repository on branch `main`; the fixture is `git(*args)` run there (quiet, any
    failure raises), e.g. `git_repo("add", ".")`, `git_repo("commit", "-q", "-m", "v1")` for `main:<path>` inputs."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    return git
