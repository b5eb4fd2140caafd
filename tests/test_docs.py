"""Docs that are checked stay true: every command has help with an example and is in README."""

from __future__ import annotations

import pytest
import typer.main

from itsm.cli import app
from tests.conftest import REPO, run_cli


def _commands() -> list[str]:
    """Every command, sub-commands of groups (`problem new`) included."""
    names = []
    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names.extend(f"{name} {child}" for child in sub) if sub else names.append(name)
    return sorted(names)


COMMANDS = _commands()


def test_the_command_set() -> None:
    assert set(COMMANDS) >= {
        "init", "new", "show", "list", "log", "assign", "categorise", "edit", "history", "check",
        "escalate", "pend", "resume", "resolve", "notify", "confirm", "close", "reopen", "autoclose", "chase",
        "search", "diagnose", "reindex", "problem new", "problem link", "problem workaround",
        "problem resolve", "problem close", "problem list", "problem show",
        "kb new", "kb list", "kb show", "kb edit",
    }


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    done = run_cli(REPO, *name.split(), "--help")
    assert done.returncode == 0, done.stderr
    assert "Example:" in done.stdout
    # `init` makes a desk; git runs `merge-driver` on three files and a path, in the repository.
    assert "--desk" in done.stdout or name in ("init", "merge-driver")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"itsm {name}" in (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_commands_match_ci() -> None:
    """The two commands README.md gives a newcomer are exactly what CI runs."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```sh\n")[1:3]]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for command in blocks:
        assert command in ci


@pytest.mark.parametrize("args", [(), ("problem",), ("kb",)])
def test_a_command_group_without_arguments_prints_its_help(args: tuple[str, ...]) -> None:
    done = run_cli(REPO, *args)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"Usage: itsm{''.join(' ' + a for a in args)} [OPTIONS] COMMAND [ARGS]...\n")
