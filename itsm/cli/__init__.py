"""The `itsm` command line: a thin layer that parses options and calls the library."""

from __future__ import annotations

import signal
import sys
from typing import Annotated, Any

import typer

from itsm import __version__
from itsm.cli import desk, diagnose, ingest, kb, lifecycle, problem, report, serve, sync, tickets
from itsm.core.errors import UsageError
from itsm.core.terminal import for_terminal, warn
from itsm.storage import store

_APP_SETTINGS: dict[str, Any] = dict(
    name="itsm",
    help="A service desk that lives in a git repository: tickets, problems and KB articles "
    "are Markdown files, every change is a commit.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # tickets hold personal data: never print locals
    context_settings={"help_option_names": ["-h", "--help"]},
)
app = typer.Typer(**_APP_SETTINGS)


def _version(value: bool) -> None:
    if value:
        print(f"itsm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """A service desk that lives in a git repository."""


def _refresh_read_model(the_desk: store.Desk) -> None:
    """After a write: catch the read model up, if the desk has one (never an error: the
    record is written and committed, and the next reader catches up anyway)."""
    from itsm.readmodel import database  # SQLite loads only for commands that use it

    database.update_after_write(the_desk)


def _refresh_index(the_desk: store.Desk) -> None:
    """After a write: update the search index, if the desk has one. The record is already
    written and committed here, so no failure of the cache may turn the command into an
    error: the next search rebuilds or catches up anyway."""
    try:
        cache = the_desk.cache_dir(create=False)
        if cache is None or not (cache / "index").exists():
            return
        from itsm.search.index import update_after_write  # whoosh loads only when there is an index

        update_after_write(the_desk)
    except UsageError as exc:
        warn(f"the search index was not updated: {exc.one_line()}")
    except Exception as exc:  # a cache problem, never a reason to fail a done write
        warn(f"the search index was not updated ({type(exc).__name__}); the next search catches up")


# What follows every write of records a command makes (`store.after_writes`).
AFTER_WRITE = (_refresh_read_model, _refresh_index)


desk.register(app)
tickets.register(app)
lifecycle.register(app)
problem.register(app)
kb.register(app)
diagnose.register(app)
report.register(app)
sync.register(app)
ingest.register(app)
serve.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: a usage error is one line on stderr with exit code 2."""
    # `itsm list | head` should end quietly, as other Unix tools do, not with a traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for arg in sys.argv[1:] if argv is None else argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = for_terminal(arg, one_line=True)
            print(f"itsm: error: the argument '{shown}' is not UTF-8 text (set the terminal to UTF-8, "
                  "or convert the text first)", file=sys.stderr)
            return 2
    try:
        with store.after_writes(*AFTER_WRITE):
            result = _app_for(sys.argv[1:] if argv is None else argv)(args=argv, prog_name="itsm",
                                                                      standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        print("itsm: aborted", file=sys.stderr)
        return 1
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `itsm`, `itsm problem`: the help, as asked
            ctx = getattr(exc, "ctx", None)
            print(ctx.get_help() if ctx is not None else exc.format_message())
            return 0
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        ctx = getattr(exc, "ctx", None)
        where = f"'{ctx.command_path} --help'" if ctx is not None else "'itsm --help'"
        print(f"itsm: error: {for_terminal(message, one_line=True)} (see {for_terminal(where, one_line=True)})",
              file=sys.stderr)
        return int(getattr(exc, "exit_code", 2) or 2)
    except KeyboardInterrupt:
        return 130
    return int(result or 0) if isinstance(result, int) else 0


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command asked for, when one is named first: Typer reads the type
    hints of every command it builds (about 0.1 s for all of itsm's), and one command needs
    one. Anything else (`itsm`, `itsm --help`, a misspelt command) gets the whole app, so the
    help lists every command and a typo is answered as before."""
    first = args[0] if args else ""
    commands = [c for c in app.registered_commands if c.name == first]
    groups = [g for g in app.registered_groups if g.name == first]
    if not commands and not groups:
        return app
    one = typer.Typer(**_APP_SETTINGS)
    one.registered_callback = app.registered_callback
    one.registered_commands = commands
    one.registered_groups = groups
    return one


if __name__ == "__main__":
    sys.exit(main())
