"""The in-process runner (conftest's `run_cli`) is the command line a shell runs.

Most tests run `itsm.cli.main(argv)` in the test's own process (tests/conftest.py): a Python
start-up per call was most of the suite's time. These tests hold that runner to the real
process — the same exit code and the same bytes on stdout and stderr for every kind of outcome
— and prove that a run leaves nothing behind that the next one could see: the working
folder, the environment, argv, the standard streams and descriptor 0, signal handlers, the
umask, the store's after-write hooks and its locks. A sample of the suite also runs with every
call a real process (ITSM_TEST_SUBPROCESS=1), so nothing the in-process runner does hides a
difference.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from itsm.storage import store
from tests.conftest import REPO, SUBPROCESS, RunItsm, _in_process, commit_all, itsm_process, run_cli

in_process_only = pytest.mark.skipif(SUBPROCESS, reason="about the in-process runner itself")

ID_RE = re.compile(r"\b(INC|REQ|PRB|KB)-[0-9A-Z]{6}\b")
ENTRY_RE = re.compile(r'<!-- [0-9A-Z]{8} -->|"id": "[0-9A-Z]{8}"')  # timeline entries' random IDs


def both(desk: Path, *args: str, input: str | None = None,
         env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """The same command in this process and as a process, on two identical copies of a desk."""
    twin = desk.parent / f"{desk.name}-twin"
    if twin.exists():
        shutil.rmtree(twin)
    shutil.copytree(desk, twin, symlinks=True)
    inside = run_cli(desk, *args, input=input, env=env)
    outside = itsm_process(twin, *args, input=input, env=env)
    return inside, outside


def same(inside: subprocess.CompletedProcess[str], outside: subprocess.CompletedProcess[str],
         desk: Path) -> None:
    """Equal but for what is random (IDs minted, entry IDs) and the desk's folder name."""

    def plain(text: str) -> str:
        return ID_RE.sub("<ID>", ENTRY_RE.sub("<entry>", text)).replace(f"{desk.name}-twin", desk.name)

    assert (inside.returncode, plain(inside.stdout), plain(inside.stderr)) == \
        (outside.returncode, plain(outside.stdout), plain(outside.stderr))


@pytest.mark.parametrize("args", [
    ("new", "VPN drops", "-q"),
    ("new", "VPN drops", "--json"),
    ("new", "Printer jams", "-c", "nope"),  # a refusal: exit 2, one line
    ("list",),
    ("list", "--json"),
    ("show", "inc-"),  # ambiguous or unknown: exit 2
    ("chase",),
    ("check",),
    ("report", "-s", "backlog"),
    ("--help",),
    ("problem",),  # a group without a command: its help
    ("nonsense",),  # an unknown command: click's own error
    ("list", "--format", "xml"),
    ("--version",),
], ids=lambda args: " ".join(args))
def test_every_kind_of_outcome_is_the_same_in_process_and_as_a_process(desk: Path, args: tuple[str, ...]) -> None:
    run_cli(desk, "new", "Wi-Fi slow on floor 3", "-q", "-c", "network/wifi")
    same(*both(desk, *args), desk)


def test_stdin_text_and_bytes_that_are_not_utf8_read_the_same(desk: Path) -> None:
    made = run_cli(desk, "new", "VPN drops", "-q").stdout.strip()
    same(*both(desk, "log", made, "-", input="Called: drops at 10:02\r\nagain at 10:07\n"), desk)
    inside = run_cli(desk, "log", made, "-", input=b"caf\xe9\n", text=False)
    outside = itsm_process(desk, "log", made, "-", input=b"caf\xe9\n", text=False)
    assert (inside.returncode, inside.stdout, inside.stderr) == (outside.returncode, outside.stdout, outside.stderr)
    assert inside.returncode == 2


def test_control_characters_reach_stdout_escaped_the_same(desk: Path) -> None:
    made = run_cli(desk, "new", "Screen \x1b[2J clears", "-q", "-d", "bidi \u202e text").stdout.strip()
    same(*both(desk, "show", made), desk)
    same(*both(desk, "show", made, "--json"), desk)


def test_the_environment_given_is_what_the_command_sees(desk: Path) -> None:
    same(*both(desk, "new", "Late ticket", "-q", env={"ITSM_NOW": "2026-12-01T10:00:00Z", "ITSM_ACTOR": "Bob Stone"}),
         desk)
    listed = run_cli(desk, "list", "--json").stdout
    assert '"created": "2026-12-01T10:00:00Z"' in listed and '"reporter": "Bob Stone"' in listed


def process_state() -> dict[str, object]:
    umask = os.umask(0)
    os.umask(umask)
    return {
        "cwd": os.getcwd(), "environ": dict(os.environ), "argv": list(sys.argv),
        "streams": (sys.stdin, sys.stdout, sys.stderr), "stdin fd": os.fstat(0).st_ino,
        "signals": {sig: signal.getsignal(sig) for sig in (signal.SIGPIPE, signal.SIGINT, signal.SIGTERM,
                                                           signal.SIGHUP)},
        "umask": umask, "after-write hooks": list(store._AFTER_WRITE), "locks held": set(store._held_locks()),
    }


@in_process_only
@pytest.mark.parametrize("args", [
    ("new", "VPN drops", "-q", "-d", "-"),  # writes, reads stdin, runs the after-write hooks
    ("new", "VPN drops", "-c", "nope"),  # refused
    ("search", "vpn"),  # builds the index (whoosh), under its lock
    ("list", "--open"),  # builds the read model
    ("nonsense",),
    ("--help",),
], ids=lambda args: " ".join(args))
def test_a_run_leaves_the_process_as_it_found_it(desk: Path, args: tuple[str, ...]) -> None:
    before = process_state()
    run_cli(desk, *args, input="typed on stdin", env={"ITSM_ACTOR": "Someone Else", "NEW_VARIABLE": "x"})
    assert process_state() == before


def test_what_one_run_learnt_of_the_desk_is_not_what_the_next_sees(desk: Path) -> None:
    """What a run caches (a Desk's listings and memo of git's view, the holidays it computed)
    dies with the run, and the desk's own caches (the read model, the index) follow the files:
    a ticket written by hand between two runs in this process is seen by the second."""
    first = run_cli(desk, "new", "VPN drops", "-q").stdout.strip()
    assert [row["id"] for row in json.loads(run_cli(desk, "list", "--json").stdout)] == [first]
    assert first in run_cli(desk, "search", "vpn").stdout
    path = next((desk / "tickets").rglob(f"{first}.md"))
    twin = first[:-2] + ("ZZ" if not first.endswith("ZZ") else "YY")
    text = path.read_text().replace(f"id: {first}", f"id: {twin}").replace("VPN drops", "Printer jams")
    (path.parent / f"{twin}.md").write_text(text)
    commit_all(desk, "a ticket written by hand")
    assert sorted(row["id"] for row in json.loads(run_cli(desk, "list", "--json").stdout)) == sorted([first, twin])
    assert twin in run_cli(desk, "search", "printer").stdout
    assert run_cli(desk, "show", twin).stdout.startswith(f"{twin}  Printer jams\n")


@in_process_only
def test_an_itsm_bug_in_process_is_exit_3_and_leaves_nothing(desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = run_cli(desk, "new", "VPN drops", "-q").stdout.strip()

    def broken(*args: object, **kwargs: object) -> str:
        raise ValueError("a bug")

    monkeypatch.setattr("itsm.cli.tickets.format_record", broken)
    before = process_state()
    done = run_cli(desk, "show", made)
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.startswith("itsm: error: internal error: ValueError: a bug (this is a bug in itsm")
    assert process_state() == before


def test_a_library_call_after_a_command_runs_no_hook_of_the_command(desk: Path, run_itsm: RunItsm) -> None:
    """The CLI's after-write hooks (read model, index) are scoped to a command: a library call
    made later in the same process behaves as it does in a process that never ran one."""
    from itsm.operations import tickets

    assert run_itsm("search", "anything").returncode == 0  # the desk now has an index
    index_files = sorted(p.name for p in (desk / ".itsm" / "index").iterdir())
    assert store._AFTER_WRITE == []
    tickets.new_ticket(store.Desk.open(desk), title="Made by the library", actor="Alice Moreau")
    assert sorted(p.name for p in (desk / ".itsm" / "index").iterdir()) == index_files


@in_process_only
def test_an_exception_that_escapes_main_is_a_traceback_and_exit_1(desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a process would die of: the runner turns it into what the process prints."""
    import itsm.cli

    def escape(argv: list[str] | None = None) -> int:
        raise RuntimeError("escaped")

    monkeypatch.setattr(itsm.cli, "main", escape)
    code, out, err = _in_process(["list"], desk, b"", {})
    assert (code, out) == (1, b"")
    assert err.startswith(b"Traceback (most recent call last):") and err.endswith(b"RuntimeError: escaped\n")


@pytest.mark.slow
@pytest.mark.process
def test_a_sample_of_the_suite_passes_with_every_call_a_real_process() -> None:
    """ITSM_TEST_SUBPROCESS=1 over the ticket commands' tests: the in-process runner hides
    nothing they check. (The whole suite passes so too: the command in docs/architecture.md.)"""
    env = {**os.environ, "ITSM_TEST_SUBPROCESS": "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                           "tests/test_cli_tickets.py", "tests/test_runner.py", "-m", "not slow"],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r"\b\d{2,} passed\b", done.stdout), done.stdout[-500:]
