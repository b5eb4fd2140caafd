"""Ticket commands: new, show, list, log, assign, categorise, edit, history."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

import typer

from itsm.cli.common import (
    ActorOpt,
    DeskOpt,
    FormatOpt,
    IdArg,
    JsonOpt,
    NoCommitOpt,
    boundary,
    change,
    choices,
    choose_format,
    edit_in_editor,
    open_desk,
    out,
    print_change,
    print_suggestions,
    progress_bar,
    read_text_arg,
)
from itsm.core import timeutil
from itsm.core.errors import UsageError
from itsm.core.model import (
    CONTACT_CHANNELS,
    INTERACTION_KINDS,
    LEVELS,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    TICKET_FIELDS,
    TICKET_TYPES,
    Ticket,
    front_matter,
)
from itsm.domain import resolutions, sla
from itsm.operations import inputs, tickets
from itsm.output import formats
from itsm.output.record_text import format_record
from itsm.records import shape
from itsm.reporting import history
from itsm.storage import gitio
from itsm.storage.store import Desk


def register(app: typer.Typer) -> None:
    for func in (new, show, list_tickets, log, assign, categorise, edit, history_cmd):
        name = {"list_tickets": "list", "history_cmd": "history"}.get(func.__name__, func.__name__)
        app.command(name)(boundary(func))


def new(
    title: Annotated[str, typer.Argument(help="One line saying what is wrong or needed.")],
    type: Annotated[str, typer.Option("--type", "-t", help="incident or request.", autocompletion=choices(TICKET_TYPES))] = "incident",
    category: Annotated[str | None, typer.Option("--category", "-c", help="From the taxonomy in itsm.yaml, e.g. network/vpn.", show_default=False)] = None,
    impact: Annotated[str, typer.Option("--impact", help="high, medium or low.", autocompletion=choices(LEVELS))] = "medium",
    urgency: Annotated[str, typer.Option("--urgency", help="high, medium or low.", autocompletion=choices(LEVELS))] = "medium",
    reporter: Annotated[str | None, typer.Option("--reporter", "-r", help="Who asked. Default: the actor.", show_default=False)] = None,
    channel: Annotated[str | None, typer.Option("--channel", help=f"How the user reached the desk: {', '.join(CONTACT_CHANNELS)}. Default: default_channel in itsm.yaml (phone).", autocompletion=choices(CONTACT_CHANNELS), show_default=False)] = None,
    description: Annotated[str | None, typer.Option("--description", "-d", help="The user's own words; '-' reads stdin. On a terminal, $EDITOR opens when omitted.", show_default=False)] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who owns it from the start.", show_default=False)] = None,
    group: Annotated[str | None, typer.Option("--group", help="Route to this group instead of the category's.", show_default=False)] = None,
    related: Annotated[list[str] | None, typer.Option("--related", help="An earlier ticket this one follows up (repeatable), e.g. a closed one that recurred.", show_default=False)] = None,
    due: Annotated[str | None, typer.Option("--due", "--needed-by", help="A request: when the user needs it (a date means the end of that working day; or a time).", show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the ID, not the look-alikes.")] = False,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Record a ticket and print its ID, then (on stderr) the known fixes and open tickets
    that look like it.

    Priority follows from impact x urgency; the category routes it to its group. A service
    request (--type request) may say when it is needed (--due); its category may make it
    wait for approval first (requests in itsm.yaml).

    Example: itsm new "VPN drops every few minutes" -c network/vpn --impact medium --urgency high -r maria@example.org --channel phone

    Example: itsm new "Laptop and accounts for Tom Berg" -t request -c onboarding/new-starter --due 2026-11-30
    """
    the_desk = open_desk(desk)
    text = read_text_arg(description, "description", "# Describe the problem in the user's words.\n") or ""
    ticket = tickets.new_ticket(
        the_desk, title=title, actor=inputs.resolve_actor(the_desk, actor), type=type,
        category=category, impact=impact, urgency=urgency, reporter=reporter, channel=channel,
        description=text, owner=owner, group=group, related=related, due=due,
        commit=inputs.should_commit(the_desk, no_commit),
    )
    out(formats.json_text(ticket.to_json()) if as_json else ticket.id)
    if not (quiet or as_json):
        print_suggestions(the_desk, ticket)


def show(id: IdArg, desk: DeskOpt = None, as_json: JsonOpt = False) -> None:
    """Show one ticket, problem or KB article, with its timeline.

    Example: itsm show inc-7qk
    """
    the_desk = open_desk(desk, config="warn")
    record, path = the_desk.load(id)
    now = timeutil.now()
    standings = sla_of(the_desk, record, now) if isinstance(record, Ticket) else None
    if as_json:
        data = record.to_json()
        data["path"] = the_desk.relative(path)
        if isinstance(record, Ticket):
            data["resolution_history"] = [past.to_json() for past in resolutions.resolution_history(record)]
        if standings is not None:
            data["sla"] = {s.clock: s.to_json() for s in standings}
        if isinstance(record, Ticket) and standings is not None:
            # Time spent pending, by what it waited on: a supplier's waits are the supplier's.
            data["waited_minutes"] = {on: int(span.total_seconds() // 60) for on, span in sla.waits(record, now).items()}
        out(formats.json_text(data))
    else:
        waited = sla.waits(record, now) if isinstance(record, Ticket) and standings is not None else {}
        out(format_record(record, sla_line="; ".join(s.words(now) for s in standings) if standings else None,
                          waited_line=", ".join(f"on {on} {timeutil.span(span)}" for on, span in waited.items())))


def sla_of(desk: Desk, ticket: Ticket, now: datetime) -> list[sla.Standing] | None:
    """Where the ticket stands against its SLA, or None when its times cannot be read."""
    return sla.standing(ticket, desk.config, now) if shape.clocks_readable(ticket) else None


LIST_COLUMNS = ("id", "priority", "status", "sla", "type", "category", "group", "owner", "created", "title")
SORT_KEYS = ("priority", "created", "updated", "status", "id")
# Every column `list --format csv` writes: each front-matter key in file order (the
# resolution as its three parts, so a spreadsheet can count by code), then a desk's own keys,
# then where an open ticket stands against its SLA.
RESOLUTION_COLUMNS = ("resolution_kind", "resolution_summary", "resolution_code")
ALL_COLUMNS = (*(c for key, _ in TICKET_FIELDS for c in (RESOLUTION_COLUMNS if key == "resolution" else (key,))), "sla")


_PLAIN_COLUMNS = frozenset(LIST_COLUMNS) - {"sla"}  # attributes of a Ticket, as front_matter gives them


def flat_row(ticket: Ticket) -> dict[str, Any]:
    """A ticket's front-matter as one flat row: the resolution mapping split in its parts."""
    row: dict[str, Any] = {}
    for key, value in front_matter(ticket).items():
        if key == "resolution":
            parts = value or {}
            row.update({f"resolution_{part}": parts.get(part) for part in ("kind", "summary", "code")})
        else:
            row[key] = value
    return row


def chosen_columns(columns: str | None, fmt: str, extras: tuple[str, ...]) -> tuple[str, ...]:
    """The columns asked for, or the format's own: the table's ten, or for csv every column
    (a desk's own keys included). An unknown name is refused, naming the valid ones."""
    valid = (*ALL_COLUMNS[:-1], *extras, ALL_COLUMNS[-1])
    if columns is None:
        return valid if fmt == "csv" else LIST_COLUMNS
    if fmt == "json":
        raise UsageError("--columns shapes table, md and csv output", hint="--json gives every key of each ticket")
    names = tuple(dict.fromkeys(name.strip() for name in columns.split(",") if name.strip()))
    if not names:
        raise UsageError("--columns names no column", hint=f"e.g. --columns id,status,resolved_by; columns: {', '.join(valid)}")
    for name in names:
        if name not in valid:
            raise UsageError(f"unknown column '{name}'", hint=f"columns: {', '.join(valid)}")
    return names


def list_tickets(
    status: Annotated[list[str] | None, typer.Option("--status", "-s", help="Only these statuses (repeatable).", autocompletion=choices(STATUSES), show_default=False)] = None,
    type: Annotated[str | None, typer.Option("--type", "-t", help="incident or request.", show_default=False)] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owned by this person.", show_default=False)] = None,
    group: Annotated[str | None, typer.Option("--group", help="Routed to this group.", show_default=False)] = None,
    category: Annotated[str | None, typer.Option("--category", "-c", help="This category or below it (network matches network/vpn).", show_default=False)] = None,
    priority: Annotated[list[str] | None, typer.Option("--priority", "-p", help="Only these priorities (repeatable).", autocompletion=choices(PRIORITIES), show_default=False)] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only tickets not yet resolved.")] = False,
    unowned: Annotated[bool, typer.Option("--unowned", help="Only open tickets nobody owns.")] = False,
    major: Annotated[bool, typer.Option("--major", help="Only major incidents.")] = False,
    sort: Annotated[str, typer.Option("--sort", help=f"Order by {', '.join(SORT_KEYS)}.", autocompletion=choices(SORT_KEYS))] = "priority",
    columns: Annotated[str | None, typer.Option("--columns", metavar="A,B,...", help="Only these columns, in this order (table, md, csv). Default: csv every front-matter key and sla; table and md the ten shown.", show_default=False)] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="Reverse the order.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="At most this many rows.", show_default=False)] = None,
    fmt: FormatOpt = "table",
    desk: DeskOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List tickets as a table (or md, csv, json), most urgent first. CSV has every column
    unless --columns names some; a cell starting with = + - @ gets a leading ' (never a formula).

    Example: itsm list --open --group network --sort created
    """
    chosen = choose_format(fmt, as_json)
    if sort not in SORT_KEYS:
        raise UsageError(f"cannot sort by '{sort}'", hint=f"use one of: {', '.join(SORT_KEYS)}")
    if type is not None and type not in TICKET_TYPES:
        raise UsageError(f"unknown type '{type}'", hint=f"use one of: {', '.join(TICKET_TYPES)}")
    for value in status or []:
        if value not in STATUSES:
            raise UsageError(f"unknown status '{value}'", hint=f"use one of: {', '.join(STATUSES)}")
    for value in priority or []:
        if value not in PRIORITIES:
            raise UsageError(f"unknown priority '{value}'", hint=f"use one of: {', '.join(PRIORITIES)}")
    from itsm.readmodel import database  # SQLite loads only for the commands that read the whole desk

    the_desk = open_desk(desk, config="warn")
    where, params = database.ticket_filter(status, type, owner, group, category, priority, open_only, unowned, major)
    order = database.sort_sql(sort, reverse)
    if columns is not None and chosen != "json" and not set(columns.split(",")) <= {"", *ALL_COLUMNS}:
        # A column that is no key itsm knows may be one of the desk's own, or a typo: asked of
        # a model made in memory when there is none yet, so a refusal leaves no cache behind.
        probe = database.ReadModel.open(the_desk, create=False)
        try:
            chosen_columns(columns, chosen, probe.extras("ticket"))
        finally:
            probe.close()
    model = database.ReadModel.open(the_desk, progress_bar("reading the desk"))
    try:
        model.warn_faults("ticket")
        shown = chosen_columns(columns, chosen, model.extras("ticket"))  # the same header whatever the filters
        if chosen == "json":
            _print_json_rows(the_desk, model.stream("ticket", where, params, order, limit))
            return
        listed = model.select("ticket", where, params, order, limit)
    finally:
        model.close()
    # Where each open ticket stands against its SLA (a resolved or closed one's is history:
    # `itsm show` has it). Computed for the rows shown only: a clock costs a walk of its timeline.
    now = timeutil.now()
    rows = []
    for item in listed:
        t = item.record
        assert isinstance(t, Ticket)
        # The ten columns of a table are plain keys: read them directly (a full flat row
        # for each of thousands of rows costs more than the table); other columns, the row.
        row = {c: getattr(t, c) for c in shown if c != "sla"} if set(shown) - {"sla"} <= _PLAIN_COLUMNS else flat_row(t)
        standings = sla_of(the_desk, t, now) if t.is_open and "sla" in shown else None
        first = sla.pressing(standings) if standings else None
        row["sla"] = first.short(now) if first is not None else ""
        rows.append(row)
    out(formats.rows(rows, shown, chosen))


def _print_json_rows(desk: Desk, listed: Iterator[Any]) -> None:
    """`list --json`, written as it is read: each row's JSON is kept ready in the read model
    (escaped as `formats.json_text` escapes, so safe on a terminal), and only an open ticket's
    SLA is computed and added here. The same text as `formats.json_text(rows)`, without holding
    100,000 rows in memory."""
    now = timeutil.now()
    write = sys.stdout.write
    first = True
    for item in listed:
        standings = None
        if item.status in OPEN_STATUSES:  # only an open ticket is read back from its JSON
            assert isinstance(item.record, Ticket)
            standings = sla_of(desk, item.record, now)
        clocks = None if standings is None else {s.clock: s.to_json() for s in standings}
        write(("[\n" if first else ",\n") + item.json[:-4] + ',\n    "sla": '
              + formats.json_text(clocks).replace("\n", "\n    ") + "\n  }")
        first = False
    write("[]\n" if first else "\n]\n")


def log(
    id: IdArg,
    text: Annotated[str | None, typer.Argument(help="What was said or done; '-' reads stdin. On a terminal, $EDITOR opens when omitted.", show_default=False)] = None,
    kind: Annotated[str, typer.Option("--kind", "-k", help="note (internal), or a call, email or chat with the user.", autocompletion=choices(INTERACTION_KINDS))] = "note",
    from_user: Annotated[bool, typer.Option("--from-user", help="The user reached us (a call, email or chat that came in).")] = False,
    no_send: Annotated[bool, typer.Option("--no-send", help="With --kind email: record only; send nothing even when itsm.yaml configures email.smtp.")] = False,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Record an interaction with the user, or an internal note of work done.

    A call, email or chat to the user is the desk's response (the response clock stops); a
    note is internal. With --from-user it came from the user: on a ticket pending on the user
    it resumes work, and after `itsm notify` it stops the ticket closing by silence. An
    email to the user is sent to the reporter when itsm.yaml configures email.smtp, before it
    is recorded (--no-send: record only; docs/channels-mail-out.md).

    Example: itsm log inc-7qk "Called Maria: drops started after the router swap" --kind call
    Example: itsm log inc-7qk "Maria: still no audio" --kind email --from-user
    Example: itsm log inc-7qk "Could you reboot and tell us if it drops again?" --kind email
    """
    the_desk = open_desk(desk)
    body = read_text_arg(text, "text", "# What was said or done?\n") or ""
    ticket = tickets.log(
        the_desk, id, body, actor=inputs.resolve_actor(the_desk, actor), kind=kind, from_user=from_user,
        commit=inputs.should_commit(the_desk, no_commit), no_send=no_send,
    )
    print_change(ticket, as_json)


def assign(
    id: IdArg,
    owner: Annotated[str | None, typer.Option("--owner", "-o", help="The person who owns it now.", show_default=False)] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="The group it is routed to (its level follows).", show_default=False)] = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Give a ticket an owner, or route it to a group.

    Example: itsm assign inc-7qk --owner "Carla Diaz" --group network
    """
    change(tickets.assign, desk, actor, no_commit, as_json, id, owner=owner, group=group)


def categorise(
    id: IdArg,
    category: Annotated[str | None, typer.Option("--category", "-c", help="From the taxonomy in itsm.yaml.", show_default=False)] = None,
    impact: Annotated[str | None, typer.Option("--impact", help="high, medium or low.", show_default=False)] = None,
    urgency: Annotated[str | None, typer.Option("--urgency", help="high, medium or low.", show_default=False)] = None,
    type: Annotated[str | None, typer.Option("--type", "-t", help="incident or request.", show_default=False)] = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Set category, impact, urgency or type; priority, deadlines and routing follow.

    Example: itsm categorise inc-7qk --category network/vpn --impact high
    """
    change(tickets.categorise, desk, actor, no_commit, as_json, id, category=category, impact=impact, urgency=urgency,
           type=type)


def edit(
    id: IdArg,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
) -> None:
    """Edit a ticket's file in $EDITOR; the result is checked before it is saved.

    Title, description, category, impact, urgency and the like may change; status,
    timestamps and the timeline may not (use the lifecycle commands and `itsm log`).

    Example: EDITOR=nano itsm edit inc-7qk
    """
    the_desk = open_desk(desk)
    _, path = the_desk.load_ticket(id, faulty="accept")
    who, commit = inputs.resolve_actor(the_desk, actor), inputs.should_commit(the_desk, no_commit)
    the_desk.check_before_change(path, who, commit)  # before the person spends time in the editor
    original = the_desk.read_text(path)
    edited = edit_in_editor(original, ".md")
    ticket = tickets.edit(the_desk, id, edited, actor=who, commit=commit, original_text=original)
    out(f"{path.stem}: no changes" if ticket is None else f"{ticket.id} edit: {ticket.timeline[-1].text}")


def history_cmd(id: IdArg, desk: DeskOpt = None, as_json: JsonOpt = False) -> None:
    """The record's life from git: each commit, who, when, which fields changed.

    Example: itsm history inc-7qk
    """
    the_desk = open_desk(desk, config="warn")
    kind, path = the_desk.resolve(id)
    repo = gitio.find_repo(the_desk.root)
    if repo is None:
        raise UsageError("the desk is not in a git repository, so it has no history", hint="run `git init`")
    try:
        versions = gitio.file_history(repo, path)
    except gitio.GitError as exc:
        raise UsageError(f"git log failed: {exc}") from None
    steps = history.steps(versions, kind)
    if as_json:
        out(formats.json_text([s.to_json() for s in steps]))
        return
    if not steps:
        out(f"{path.stem} has no commits yet")
    for step in steps:
        out(f"{step.date}  {step.commit[:10]}  {step.author}: {step.subject}")
        for changed in step.changes:
            if changed[0] not in ("updated",):
                out(f"    {history.describe(changed)}")
