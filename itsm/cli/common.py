"""What every command shares: options, the desk, output, `$EDITOR`, and the error boundary."""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from itsm.config import loading as config_mod
from itsm.core import fileio
from itsm.core.errors import UsageError
from itsm.core.model import Problem, Ticket
from itsm.core.terminal import for_terminal, warn
from itsm.operations import inputs
from itsm.output import formats
from itsm.output.formats import FORMATS
from itsm.records import markdown
from itsm.storage import gitio
from itsm.storage.store import Desk

if TYPE_CHECKING:
    from itsm.search.index import Hit, SearchIndex

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

IdArg = Annotated[str, typer.Argument(metavar="ID", help="A record ID, or any unique start of it (inc-7qk).")]

F = TypeVar("F", bound=Callable[..., Any])


def choices(values: tuple[str, ...]) -> Callable[[], list[str]]:
    """Shell completion for an option that takes one of `values`."""
    return lambda: list(values)


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
        except OSError as exc:
            # The user's environment, not a bug: a full disk, a read-only file system, a
            # path that cannot be made. Writes roll back before this is reached.
            _debug_traceback()
            fail(environment_message(exc))
        except Exception as exc:  # an itsm bug: say so plainly, keep personal data out
            _debug_traceback()
            fail(
                f"internal error: {type(exc).__name__}: {exc} "
                "(this is a bug in itsm; rerun with ITSM_DEBUG=1 for details and report it)",
                3,
            )

    return wrapper  # type: ignore[return-value]


def _debug_traceback() -> None:
    """With ITSM_DEBUG set, the traceback goes to stderr; the exit code stays what it is."""
    if os.environ.get("ITSM_DEBUG"):
        traceback.print_exc()


def environment_message(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return f"cannot use{where}: {exc.strerror or exc} ({fileio.os_hint(exc)})"


def fail(message: str, code: int = 2) -> None:
    err(f"itsm: error: {for_terminal(message, one_line=True)}")
    raise typer.Exit(code)


def open_desk(desk: Path | None, config: str = "require") -> Desk:
    """The desk, and what a faulty itsm.yaml means for this command: `require` refuses (a
    command that writes, or whose answer depends on the configuration: chase, autoclose);
    `warn` goes on with one warning naming the file and line (a command that only reads
    records and can honestly work without it); `report` is `itsm check`, which lists them."""
    the_desk = Desk.discover(desk)
    if config == "require":
        config_mod.require_valid(the_desk.config)
    elif config == "warn" and the_desk.config.findings:
        first = the_desk.config.findings[0]
        more = f" (and {len(the_desk.config.findings) - 1} more)" if len(the_desk.config.findings) > 1 else ""
        warn(f"{first}{more}; going on with the defaults for it (`itsm check` lists every fault)")
    return the_desk


def progress_bar(label: str) -> Callable[[int, int], None] | None:
    """A progress callback drawing on stderr when it is a terminal (index rebuilds, imports)."""
    if not sys.stderr.isatty():
        return None

    def draw(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            width = 30
            filled = width * done // max(total, 1)
            sys.stderr.write(f"\r{label} [{'#' * filled}{' ' * (width - filled)}] {done}/{total}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return draw


def out(text: str) -> None:
    """Print for a person (or a pipe): stored text is escaped, never sent to a terminal raw."""
    print(for_terminal(text))


def err(text: str) -> None:
    print(for_terminal(text), file=sys.stderr)


def choose_format(fmt: str, as_json: bool) -> str:
    if as_json:
        return "json"
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'", hint=f"use one of: {', '.join(FORMATS)}")
    return fmt


def read_text_arg(value: str | None, what: str, template: str = "") -> str | None:
    """`-` reads stdin; None on a terminal opens $EDITOR; otherwise the value as given."""
    if value == "-":
        return read_stdin(what)
    if value is None and sys.stdin.isatty() and sys.stdout.isatty():
        text = edit_in_editor(template, ".md")
        lines = [line for line in text.splitlines() if not line.startswith("#")]
        return "\n".join(lines)
    return value


def read_stdin(what: str) -> str:
    """Standard input as UTF-8 text, read only up to the size of a record file: what could
    never be saved is refused before it is all in memory."""
    limit = markdown.MAX_FILE_BYTES
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise UsageError(f"{what} on stdin is larger than {limit // (1024 * 1024)} MiB, the limit of a record file",
                         hint="attach or link large logs instead of pasting them")
    return _utf8(data, f"{what} on stdin")


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} is not UTF-8 text (byte {exc.start + 1} is {data[exc.start]:#04x})",
                         hint="convert it first, e.g. iconv -f latin1 -t utf-8") from None


def edit_in_editor(text: str, suffix: str) -> str:
    """Open $VISUAL / $EDITOR on a temporary copy of `text` and return what was saved."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        command = shlex.split(editor)
    except ValueError as exc:
        raise UsageError(f"cannot read $EDITOR '{editor}': {exc}", hint="set $EDITOR, e.g. EDITOR=nano") from None
    if not command:
        raise UsageError("$EDITOR is empty", hint="set $EDITOR, e.g. EDITOR=nano")
    with tempfile.TemporaryDirectory(prefix="itsm-edit-") as folder:
        path = Path(folder) / f"record{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except FileNotFoundError:
            raise UsageError(f"editor '{editor}' not found", hint="set $EDITOR, e.g. EDITOR=nano") from None
        except OSError as exc:
            raise UsageError(f"cannot run the editor '{editor}': {exc.strerror}",
                             hint="set $EDITOR to a program you can run, e.g. EDITOR=nano") from None
        if done.returncode != 0:
            raise UsageError(f"the editor exited with status {done.returncode}; nothing was saved")
        try:
            data = fileio.read_regular(path, markdown.MAX_FILE_BYTES)
        except fileio.FileProblem as exc:
            raise UsageError(f"the edited file cannot be read: {exc.message}; nothing was saved") from None
        return _utf8(data, "the edited file")


# -- what a change prints -------------------------------------------------------------------------

# The one-line confirmation of a change quotes its entry, up to this many characters.
CONFIRMATION_LIMIT = 300


def change(action: Callable[..., Ticket | Problem], desk: Path | None, actor: str | None, no_commit: bool,
           as_json: bool, *args: Any, **kwargs: Any) -> None:
    """The body of a command that changes one ticket or problem: open the desk (a faulty
    itsm.yaml refuses), say who acts and whether to commit, make the change, print it."""
    the_desk = open_desk(desk)
    record = action(the_desk, *args, actor=inputs.resolve_actor(the_desk, actor), **kwargs,
                    commit=inputs.should_commit(the_desk, no_commit))
    print_change(record, as_json)


def print_change(record: Ticket | Problem, as_json: bool) -> None:
    """What a command that changed a ticket or problem prints: the record as JSON, or one line
    quoting its new timeline entry and saying the status it is in now."""
    if as_json:
        out(formats.json_text(record.to_json()))
    else:
        entry = record.timeline[-1]
        out(f"{record.id} {entry.kind}: {gitio.subject_of(entry.text, CONFIRMATION_LIMIT)} [{record.status}]")


# -- what the search index knows ------------------------------------------------------------------


def fresh_index(desk: Desk) -> SearchIndex:
    from itsm.search.index import SearchIndex  # whoosh loads only for commands that search

    return SearchIndex(desk).open_fresh(progress_bar("indexing"))


def similar_to(desk: Desk, ticket: Ticket, limit: int) -> list[Hit]:
    return fresh_index(desk).similar(ticket.title, ticket.description, ticket.category, exclude=ticket.id,
                                     limit=limit)


def print_suggestions(desk: Desk, ticket: Ticket) -> None:
    """After `itsm new`: the top matches, on stderr so `ID=$(itsm new ...)` stays clean.
    The ticket is recorded already; a search that fails only costs the suggestions."""
    from itsm.search.index import diagnosis, what_to_do

    try:
        hits = similar_to(desk, ticket, 10)
    except UsageError:
        return
    except Exception as exc:
        warn(f"no look-alikes shown ({type(exc).__name__}); try itsm diagnose {ticket.id}")
        return
    known, duplicates = diagnosis(hits, 3)
    shown = known + duplicates[:2]
    if not shown:
        return
    err("looks like:")
    for hit in shown:
        what = "possible duplicate" if not hit.actionable else (what_to_do(hit, ticket).splitlines() or [""])[0]
        err(f"  {hit.id}  {hit.title}  -- {for_terminal(what[:100], one_line=True)}")
    err(f"  (itsm diagnose {ticket.id} for more)")
