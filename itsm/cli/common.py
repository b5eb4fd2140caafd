"""What every command shares: options, the desk, output, `$EDITOR`, and the error boundary."""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from itsm.errors import UsageError
from itsm.render import FORMATS
from itsm.store import Desk

DeskOpt = Annotated[
    Path | None,
    typer.Option(
        "--desk", metavar="PATH", show_default=False,
        help="Desk folder. Default: $ITSM_DESK, else the nearest folder upward with itsm.yaml or tickets/.",
    ),
]
ActorOpt = Annotated[
    str | None,
    typer.Option("--actor", metavar="NAME", show_default=False,
                 help="Who acts. Default: $ITSM_ACTOR, else git's user.name."),
]
NoCommitOpt = Annotated[
    bool, typer.Option("--no-commit", help="Write the change but do not commit it.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", metavar="|".join(FORMATS), help="Output format.",
                 autocompletion=lambda: list(FORMATS)),
]

F = TypeVar("F", bound=Callable[..., Any])


def boundary(func: F) -> F:
    """Turn a refusal into one line on stderr and exit code 2 — never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UsageError as exc:
            fail(exc.one_line(), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:  # an itsm bug: say so plainly, keep personal data out
            if os.environ.get("ITSM_DEBUG"):
                raise
            fail(
                f"internal error: {type(exc).__name__}: {exc} "
                "(this is a bug in itsm; rerun with ITSM_DEBUG=1 for details and report it)",
                3,
            )

    return wrapper  # type: ignore[return-value]


def fail(message: str, code: int = 2) -> None:
    print(f"itsm: error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def open_desk(desk: Path | None) -> Desk:
    return Desk.discover(desk)


def out(text: str) -> None:
    print(text)


def choose_format(fmt: str, as_json: bool) -> str:
    if as_json:
        return "json"
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'", hint=f"use one of: {', '.join(FORMATS)}")
    return fmt


def read_text_arg(value: str | None, what: str, template: str = "") -> str | None:
    """`-` reads stdin; None on a terminal opens $EDITOR; otherwise the value as given."""
    if value == "-":
        return sys.stdin.read()
    if value is None and sys.stdin.isatty() and sys.stdout.isatty():
        text = edit_in_editor(template, ".md")
        lines = [line for line in text.splitlines() if not line.startswith("#")]
        return "\n".join(lines)
    return value


def edit_in_editor(text: str, suffix: str) -> str:
    """Open $VISUAL / $EDITOR on a temporary copy of `text` and return what was saved."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="itsm-edit-") as folder:
        path = Path(folder) / f"record{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except FileNotFoundError:
            raise UsageError(f"editor '{editor}' not found", hint="set $EDITOR, e.g. EDITOR=nano") from None
        if done.returncode != 0:
            raise UsageError(f"the editor exited with status {done.returncode}; nothing was saved")
        return path.read_text(encoding="utf-8")
