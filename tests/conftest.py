"""Shared fixtures: real git in temporary folders, pinned identity and clock, and one way to
run the command line.

Nothing here mocks git, the file system or the CLI. `run_cli` runs `itsm.cli.main(argv)` in
this process, with its own stdin, stdout and stderr, working folder, environment and argv (as
httpie's `MockEnvironment` and dulwich's `cli.main(args)` do): the same code a user's shell
runs, without paying a Python start-up per call. What only a process shows (signals and
kills, locks between processes, pipes, terminals, `python -m itsm`, the installed entry
point, the merge driver git calls, `itsm serve`) is run as a process by the tests that test
it, with `itsm_process`. `ITSM_TEST_SUBPROCESS=1` makes every `run_cli` a real process too,
so nothing in-process hides a difference (tests/test_runner.py holds the two to the same
output).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest

from itsm.operations import desk_init

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-26T09:00:00Z"
SUBPROCESS = os.environ.get("ITSM_TEST_SUBPROCESS") == "1"

Done = subprocess.CompletedProcess
RunItsm = Callable[..., "subprocess.CompletedProcess[str]"]
FromTemplate = Callable[[str, Callable[[], Any]], Any]
T = TypeVar("T")


@pytest.hookimpl(trylast=True)  # after tmpdir's own, which makes the session's folder
def pytest_configure(config: pytest.Config) -> None:
    """Child processes that remain get a bytecode cache of their own (this environment sets
    PYTHONDONTWRITEBYTECODE, and an editable install has no compiled files), kept under the
    session's temporary folder so the checkout stays clean."""
    if hasattr(config, "workerinput"):  # an xdist worker: its controller set it already
        return
    cache = Path(config._tmp_path_factory.getbasetemp()) / "pycache"  # type: ignore[attr-defined]
    cache.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONPYCACHEPREFIX"] = str(cache)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


# CI's demands of the test run, not the desk's: kept when everything else of itsm and git goes.
KEPT = ("ITSM_REQUIRE_BROWSER", "ITSM_TEST_SUBPROCESS")


def pinned_environment(home: Path) -> dict[str, str]:
    """The environment every test runs in: this one without itsm's and git's variables or an
    editor, with `home` as HOME (a git identity and no user config), the pinned clock and
    actor. `pinned_env` gives it to each test; a module's fixture uses it through `pinned`."""
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test Runner\n\temail = runner@example.org\n[init]\n\tdefaultBranch = main\n"
    )
    env = {key: value for key, value in os.environ.items()
           if (key in KEPT or not key.startswith(("ITSM_", "GIT_"))) and key not in ("EDITOR", "VISUAL")}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_CONFIG_NOSYSTEM="1",
               ITSM_NOW=NOW, ITSM_ACTOR="Alice Moreau")
    return env


def _apply(env: Mapping[str, str], patch: pytest.MonkeyPatch) -> None:
    for key in [key for key in os.environ if key not in env]:
        patch.delenv(key)
    for key, value in env.items():
        patch.setenv(key, value)


@contextlib.contextmanager
def pinned(home: Path) -> Iterator[dict[str, str]]:
    """`pinned_environment` for the length of a block (a module-scoped fixture, which runs
    before any test's `pinned_env`); yields it, for the processes the block starts later."""
    env = pinned_environment(home)
    with pytest.MonkeyPatch.context() as patch:
        _apply(env, patch)
        yield env


@pytest.fixture(autouse=True)
def pinned_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test sees the same clock, actor and git identity, and no user git config."""
    _apply(pinned_environment(tmp_path_factory.mktemp("home")), monkeypatch)
    yield


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (bound and let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- running itsm -------------------------------------------------------------------------------


def itsm_process(cwd: Path, *args: str, input: str | bytes | None = None, env: Mapping[str, str] | None = None,
                 text: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess[Any]:
    """`python -m itsm ARGS` as a real process in `cwd`, with `env` added to this process's
    environment; stdin is `input` (nothing when None)."""
    data = input if input is not None else ("" if text else b"")
    return subprocess.run([sys.executable, "-m", "itsm", *args], cwd=cwd, input=data, capture_output=True,
                          text=text, env={**os.environ, **(env or {})}, timeout=timeout, check=False)


def run_cli(cwd: Path, *args: str, input: str | bytes | None = None, env: Mapping[str, str] | None = None,
            text: bool = True) -> subprocess.CompletedProcess[Any]:
    """`itsm ARGS` in `cwd`, as `itsm_process` would run it, but in this process (or as a
    process under ITSM_TEST_SUBPROCESS=1). The result is what `subprocess.run(...,
    capture_output=True, text=text)` gives: the exit code, and stdout and stderr decoded as
    the parent of a process decodes them (UTF-8, universal newlines)."""
    if SUBPROCESS or any(key.startswith("PYTHON") for key in env or {}):
        # Python reads PYTHON* variables only when it starts (PYTHONPATH, PYTHONPROFILEIMPORTTIME):
        # a run that sets one is only honest as a process.
        return itsm_process(cwd, *args, input=input, env=env, text=text)
    data = input if input is not None else ""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    code, out, err = _in_process(list(args), cwd, raw, env or {})
    argv = [sys.executable, "-m", "itsm", *args]
    if not text:
        return subprocess.CompletedProcess(argv, code, out, err)
    return subprocess.CompletedProcess(argv, code, _as_parent_reads(out), _as_parent_reads(err))


def _as_parent_reads(data: bytes) -> str:
    """What `subprocess.run(text=True)` makes of a child's output: strict UTF-8 (the locale's
    encoding here), `\\r\\n` and `\\r` read as `\\n`."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None).read()


# Signals whose handlers `itsm.cli.main` (SIGPIPE) or a command may set: put back after each run.
_SIGNALS = (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _in_process(args: list[str], cwd: Path, stdin: bytes, env: Mapping[str, str]) -> tuple[int, bytes, bytes]:
    """Run `itsm.cli.main(args)` with the process's state swapped for the call's own: the
    three streams (as a child's are: UTF-8, stdin and stdout with surrogateescape, stderr
    with backslashreplace, none a terminal), the working folder, the environment, argv, file
    descriptor 0 (/dev/null: git asks `isatty(0)`) and the signal handlers — and all of them
    put back afterwards, so one run never leaks into the next (tests/test_runner.py)."""
    from itsm import cli

    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    streams = (
        io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="surrogateescape"),
        io.TextIOWrapper(out_bytes, encoding="utf-8", errors="surrogateescape", write_through=True),
        io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True),
    )
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_argv = sys.argv
    saved_signals = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    saved_stdin_fd = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, 0)
        os.environ.update(env)
        os.chdir(cwd)
        sys.argv = ["itsm", *args]
        sys.stdin, sys.stdout, sys.stderr = streams
        try:
            code = cli.main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # what a process would die of: its traceback, exit 1
            traceback.print_exc()
            code = 1
        for stream in streams[1:]:
            stream.flush()
        return code, out_bytes.getvalue(), err_bytes.getvalue()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        for stream in streams:
            with contextlib.suppress(ValueError):
                stream.detach()
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for sig, handler in saved_signals.items():
            if handler is not None:
                signal.signal(sig, handler)
        os.dup2(saved_stdin_fd, 0)
        os.close(saved_stdin_fd)
        os.close(null)


def itsm(cwd: Path, *args: str, input: str | bytes | None = None, env: Mapping[str, str] | None = None,
         text: bool = True) -> subprocess.CompletedProcess[Any]:
    """The helper most test files call: `itsm ARGS` in a desk (`run_cli`)."""
    return run_cli(cwd, *args, input=input, env=env, text=text)


def itsm_many(cwd: Path, commands: list[list[str]] | list[tuple[str, ...]]) -> list[subprocess.CompletedProcess[str]]:
    """Independent commands, results in order: in this process one after the other; under
    ITSM_TEST_SUBPROCESS=1 started together (the machine has cores to spare)."""
    if not SUBPROCESS:
        return [run_cli(cwd, *args) for args in commands]
    started = [
        ([sys.executable, "-m", "itsm", *args], subprocess.Popen(
            [sys.executable, "-m", "itsm", *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        ))
        for args in commands
    ]
    done = []
    for args, process in started:
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return done


# -- desks --------------------------------------------------------------------------------------


class Templates:
    """Desks built once per test session (per xdist worker) and copied for each test that
    wants one: copying a desk costs ~16 ms, making one with `init` and git ~100 ms, and some
    built through the CLI cost seconds."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.built: dict[str, tuple[Path, Any]] = {}

    def get(self, key: str, build: Callable[[Path], T]) -> tuple[Path, T]:
        """Template `key` and what `build(folder)` returned when it made it (in a new folder
        of its own, the first time it is asked for). Never change it: copy it."""
        if key not in self.built:
            folder = self.factory.mktemp(key.replace("/", "-")) / "desk"
            self.built[key] = (folder, build(folder))
        folder, value = self.built[key]
        result: T = value
        return folder, result

    def copy(self, key: str, to: Path, build: Callable[[Path], T]) -> T:
        """`to` becomes a copy of template `key` (`get`); returns what `build` returned."""
        folder, value = self.get(key, build)
        if to.exists():
            shutil.rmtree(to)
        copy_desk(folder, to)
        return value

    def shared(self, key: str, build: Callable[[Path], object]) -> Path:
        """One copy of template `key` for every test that only reads it (and never writes)."""
        name = f"{key}/shared"
        if name not in self.built:
            folder = self.factory.mktemp(name.replace("/", "-")) / "desk"
            self.copy(key, folder, build)
            self.built[name] = (folder, None)
        return self.built[name][0]


def copy_desk(source: Path, to: Path) -> None:
    """A copy of a desk, git repository and all. git's index records each file's inode and
    change time; the copy refreshes it, so the first `git status` in the copy does not
    rewrite .git/index (a test that proves a refusal changed nothing compares every byte)."""
    shutil.copytree(source, to, symlinks=True)
    if (to / ".git").is_dir():
        subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=to, capture_output=True, check=False)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory)


def _fresh_desk(root: Path) -> None:
    desk_init.init(root)


@pytest.fixture
def desk(tmp_path: Path, templates: Templates) -> Path:
    """A fresh desk as `itsm init` makes it (a git repository with one commit): a copy of one
    made once per session."""
    root = tmp_path / "desk"
    templates.copy("fresh-desk", root, _fresh_desk)
    return root


@pytest.fixture
def from_template(desk: Path, templates: Templates, request: pytest.FixtureRequest) -> FromTemplate:
    """`from_template(key, build)`: the test's `desk` becomes a copy of a desk that `build()`
    made once in a desk of its own (`build` works on the `desk` it is given by the test that
    first asks, and returns what later tests get too: the IDs it made). Keys are per test
    file."""

    def use(key: str, build: Callable[[], T]) -> T:
        def make(folder: Path) -> T:
            value = build()
            copy_desk(desk, folder)
            return value

        return templates.copy(f"{request.module.__name__}/{key}", desk, make)

    return use


@pytest.fixture
def run_itsm(desk: Path, request: pytest.FixtureRequest) -> RunItsm:
    """Run `itsm` in the desk (`run_cli`); returns the CompletedProcess (text). In a test
    marked `process` (what happens between processes is what it tests), a real process."""
    run_one = itsm_process if request.node.get_closest_marker("process") else run_cli

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return run_one(cwd or desk, *args, input=input, env=env)

    return run


# -- git and files ------------------------------------------------------------------------------


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


# -- README.md's blocks -------------------------------------------------------------------------


def readme_block(heading: str, starts: str = "```sh\n") -> str:
    """The first code block under README.md's `## heading`."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"\n## {heading}\n", 1)[1]
    return section.split(starts, 1)[1].split("\n```", 1)[0]


def run_shell(script: str, cwd: Path, env: Mapping[str, str] | None = None,
              timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """A shell block run as a newcomer types it (`bash`, `set -euo pipefail`), with the
    installed `itsm` first on PATH: every `itsm` in it is a real process."""
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "itsm").exists(), "the `itsm` command is installed beside this python (pip install -e .)"
    merged = {**os.environ, **(env or {})}
    merged["PATH"] = f"{bin_dir}{os.pathsep}{merged['PATH']}"
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + script + "\n"], cwd=cwd, env=merged,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False, timeout=timeout)
