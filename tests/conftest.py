"""Shared fixtures: real git in temporary folders, pinned identity and clock.

Nothing here mocks git, the file system or the CLI: `run_itsm` starts the real `itsm`
process (`python -m itsm`), exactly as a user's shell would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from itsm import actions

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-26T09:00:00Z"

RunItsm = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(autouse=True)
def pinned_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test sees the same clock, actor and git identity, and no user git config."""
    home = tmp_path_factory.mktemp("home")
    for key in list(os.environ):
        if key.startswith(("ITSM_", "GIT_")) and key != "ITSM_REQUIRE_BROWSER":  # CI's demand, not the desk's
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test Runner\n\temail = runner@example.org\n[init]\n\tdefaultBranch = main\n"
    )
    monkeypatch.setenv("ITSM_NOW", NOW)
    monkeypatch.setenv("ITSM_ACTOR", "Alice Moreau")
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    yield


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A fresh desk made by `itsm init` (a git repository with one commit)."""
    root = tmp_path / "desk"
    actions.init(root)
    return root


@pytest.fixture
def run_itsm(desk: Path) -> RunItsm:
    """Run the real `itsm` process in the desk; returns the CompletedProcess (text)."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "itsm", *args],
            cwd=cwd or desk, input=input if input is not None else "", capture_output=True, text=True,
            env={**os.environ, **(env or {})}, check=False,
        )

    return run


def git(desk: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=desk, capture_output=True, text=True, check=True
    ).stdout


def commit_all(desk: Path, message: str = "edited by hand") -> None:
    """What a person does after editing record files by hand: commit them."""
    git(desk, "add", "-A")
    git(desk, "commit", "-q", "-m", message)


def snapshot(root: Path, caches: bool = True) -> dict[str, bytes]:
    """Every file under the desk (git's objects too), to prove a refusal changed nothing;
    with `caches=False` without `.itsm/`, for a command that reads (and so may build the
    read model or the search index) but must change nothing else."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and (caches or p.relative_to(root).parts[0] != ".itsm")
    }
