"""On a terminal, a missing description or log text opens $EDITOR (a real pty, a real editor script)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RunItsm

# $EDITOR on a real terminal (a pseudo-terminal): only a process has one.
pytestmark = pytest.mark.process


def editor_script(tmp_path: Path, text: str) -> str:
    script = tmp_path / "fake-editor"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nopen(sys.argv[1], 'a').write({text!r})\n", encoding="utf-8"
    )
    script.chmod(0o755)
    return str(script)


def run_on_terminal(desk: Path, editor: str, *args: str) -> tuple[int, str]:
    """Run itsm with stdin and stdout on a pseudo-terminal, as in an interactive shell."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "itsm", *args], cwd=desk, stdin=follower, stdout=follower,
            stderr=subprocess.PIPE, env={**os.environ, "EDITOR": editor}, timeout=60, check=False,
        )
        os.close(follower)
        follower = -1
        output = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        return done.returncode, output.decode()
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)


def test_new_on_a_terminal_takes_the_description_from_the_editor(desk: Path, tmp_path: Path, run_itsm: RunItsm) -> None:
    editor = editor_script(tmp_path, "Printer shows 'PC LOAD LETTER'.\nTried turning it off and on.\n")
    code, output = run_on_terminal(desk, editor, "new", "Printer error on floor 3")
    assert code == 0, output
    ticket_id = output.strip().splitlines()[-1].strip()
    shown = json.loads(run_itsm("show", ticket_id, "--json").stdout)
    # The template's comment lines are dropped; the user's text is kept.
    assert shown["description"] == "Printer shows 'PC LOAD LETTER'.\nTried turning it off and on."


def test_log_on_a_terminal_takes_the_text_from_the_editor(desk: Path, tmp_path: Path, run_itsm: RunItsm) -> None:
    ticket_id = run_itsm("new", "VPN drops", "-d", "x").stdout.strip()
    editor = editor_script(tmp_path, "Called the user; MTU test 1472 fails.\n")
    code, output = run_on_terminal(desk, editor, "log", ticket_id, "--kind", "call")
    assert code == 0, output
    timeline = json.loads(run_itsm("show", ticket_id, "--json").stdout)["timeline"]
    assert (timeline[-1]["kind"], timeline[-1]["text"]) == ("call", "Called the user; MTU test 1472 fails.")


def test_without_a_terminal_no_editor_opens(desk: Path, tmp_path: Path, run_itsm: RunItsm) -> None:
    marker = tmp_path / "editor-ran"
    script = tmp_path / "editor"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    done = run_itsm("new", "No terminal here", env={"EDITOR": str(script)})
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert json.loads(run_itsm("show", done.stdout.strip(), "--json").stdout)["description"] == ""
