"""`itsm ingest email` and `itsm ingest alert`: tickets from mail and from monitoring."""

from __future__ import annotations

import mailbox
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from itsm.channels.alerts_in import ALERT_FORMATS
from itsm.channels.untrusted import IntakeError, TooLarge, describe_size
from itsm.cli.common import ActorOpt, DeskOpt, JsonOpt, NoCommitOpt, boundary, err, open_desk, out, progress_bar
from itsm.core import fileio
from itsm.core.errors import UsageError
from itsm.operations import inputs
from itsm.output import formats

if TYPE_CHECKING:
    from itsm.operations.ingest import Taken

app = typer.Typer(help="Take in what arrives by e-mail or from monitoring.", no_args_is_help=True)

SourceArg = Annotated[
    str | None,
    typer.Argument(metavar="[FILE|-]", show_default=False,
                   help="A file holding it, or - for standard input (a mail server's pipe). Default: -."),
]


def register(root: typer.Typer) -> None:
    app.command("email")(boundary(email))
    app.command("alert")(boundary(alert))
    root.add_typer(app, name="ingest")


def email(
    source: SourceArg = None,
    mbox: Annotated[Path | None, typer.Option("--mbox", metavar="FILE", show_default=False,
                                              help="Take in every message of an mbox file.")] = None,
    maildir: Annotated[Path | None, typer.Option("--maildir", metavar="DIR", show_default=False,
                                                 help="Take in every message of a Maildir folder.")] = None,
    desk: DeskOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
    sysexits: Annotated[bool, typer.Option(
        "--sysexits", help="Exit as a mail server's pipe expects (sysexits.h): 65 for a message refused (the server "
                           "bounces it with the reason), 75 for a desk that cannot take it now (busy, a merge in "
                           "progress, a full disk: the server keeps it and tries again).")] = False,
) -> None:
    """Record an e-mail: a new message becomes a ticket (channel email, reporter its sender);
    a reply (the ticket's [ID] in the subject, or In-Reply-To a mail the desk has) is added to
    its ticket's timeline. The same message twice changes nothing.

    A reply to a resolved ticket reopens it (or is only logged: email.reply_to_resolved); to
    a closed one it opens a follow-up ticket. Attachments are kept in attachments/<ID>/<message>/.
    With --mbox or --maildir, a message that is refused is named and the rest go on (exit 1).

    Example: itsm ingest email message.eml   (or, from a mail server: | itsm ingest email -)
    """
    from itsm.operations import ingest

    the_desk = open_desk(desk)
    commit = inputs.should_commit(the_desk, no_commit)
    limit = the_desk.config.email.max_message
    if mbox is not None or maildir is not None:
        if source is not None or (mbox is not None and maildir is not None):
            raise UsageError("give one of FILE, --mbox or --maildir")
        taken: list[Taken] = []
        refused = 0
        count, batch = _batch(mbox, maildir, limit)
        draw = progress_bar("taking in mail")
        for n, (where, raw) in enumerate(batch, 1):
            if draw is not None:
                draw(n, count)
            try:
                if isinstance(raw, UsageError):
                    raise raw
                taken.append(ingest.take_email(the_desk, raw, commit=commit))
            except UsageError as exc:
                refused += 1
                err(f"itsm: {where}: refused: {exc.one_line()}")
        _print(taken, as_json)
        if refused:
            err(f"itsm ingest: {refused} message{'s' if refused != 1 else ''} refused, {len(taken)} taken in")
            raise typer.Exit(1)
        return
    try:
        raw = _read_one(source, limit)
        one = ingest.take_email(the_desk, raw, commit=commit)
    except UsageError as exc:
        if not sysexits:
            raise
        err(f"itsm: error: {exc.one_line()}")
        raise typer.Exit(EX_DATAERR if isinstance(exc, IntakeError) else EX_TEMPFAIL) from None
    _print([one], as_json)


# sysexits.h: what a mail server's pipe delivery understands (Postfix local(8) and pipe(8),
# Exim's pipe transport, sendmail's prog mailer): 75 defers the mail and retries, other
# codes bounce it to its sender.
EX_DATAERR = 65
EX_TEMPFAIL = 75


def alert(
    source: SourceArg = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="|".join(ALERT_FORMATS),
                                     help="alertmanager: Prometheus Alertmanager's webhook (version 4); "
                                          "generic: the shape in docs/channels.md.",
                                     autocompletion=lambda: list(ALERT_FORMATS))] = "alertmanager",
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Record monitoring alerts: a firing alert opens an incident (channel monitoring; impact,
    urgency, category and group from its labels by itsm.yaml's alerts rules) or, while its
    incident is open, counts one more occurrence on it; a resolved alert logs the recovery
    (and resolves the incident with alerts.resolve_on_recovery). Repeats change nothing.

    Example: itsm ingest alert payload.json --format alertmanager
    """
    from itsm.operations import ingest

    the_desk = open_desk(desk)
    commit = inputs.should_commit(the_desk, no_commit)
    limit = the_desk.config.serve.max_body
    raw = _read_one(source, limit)
    who = inputs.person(actor, "actor") if actor else None
    _print(ingest.take_alerts(the_desk, raw, fmt, actor=who, commit=commit, max_bytes=limit), as_json)


def _print(items: Sequence[Taken], as_json: bool) -> None:
    if as_json:
        out(formats.json_text([t.to_json() for t in items]))
        return
    for item in items:
        out(f"itsm ingest: {item.action}: {item.text}")


def _read_one(source: str | None, limit: int) -> bytes:
    """The bytes of FILE or stdin, refused (before reading on) when over `limit`."""
    if source is None or source == "-":
        if sys.stdin.isatty():
            raise UsageError("nothing on standard input", hint="give a FILE, or pipe the message in")
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"the input is over the {describe_size(limit)} limit")
        return data
    path = Path(source)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}", hint=fileio.os_hint(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"{source} is not a file")
    if info.st_size > limit:
        raise TooLarge(f"{source} is {describe_size(info.st_size)}, over the {describe_size(limit)} limit")
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}", hint=fileio.os_hint(exc)) from None


def _batch(mbox: Path | None, maildir: Path | None, limit: int) -> tuple[int, Iterator[tuple[str, bytes | UsageError]]]:
    """How many messages an mbox file or a Maildir folder holds, and (where, bytes or why
    not) for each, read one at a time."""
    box: mailbox.Mailbox[mailbox.Message]
    try:
        if mbox is not None:
            if not mbox.is_file():
                raise UsageError(f"{mbox} is not an mbox file")
            box = mailbox.mbox(mbox, create=False)
            name = str(mbox)
        else:
            assert maildir is not None
            if not (maildir / "cur").is_dir() and not (maildir / "new").is_dir():
                raise UsageError(f"{maildir} is not a Maildir folder (it has no cur/ or new/)")
            box = mailbox.Maildir(maildir, factory=None, create=False)
            name = str(maildir)
        keys = sorted(box.keys()) if maildir is not None else list(box.keys())
    except (OSError, mailbox.Error) as exc:
        raise UsageError(f"cannot read {mbox or maildir}: {exc}") from None
    return len(keys), _messages(box, keys, name, limit)


def _messages(box: mailbox.Mailbox[mailbox.Message], keys: list[str], name: str, limit: int
              ) -> Iterator[tuple[str, bytes | UsageError]]:
    for n, key in enumerate(keys, 1):
        where = f"{name} message {n}"
        try:
            data = box.get_bytes(key)
        except (OSError, mailbox.Error, KeyError) as exc:
            yield where, UsageError(f"cannot be read: {exc}")
            continue
        if len(data) > limit:
            yield where, TooLarge(f"the message is {describe_size(len(data))}, over the {describe_size(limit)} limit")
            continue
        yield where, data
