"""`itsm problem ...`: problem records and their links to incidents."""

from __future__ import annotations

from typing import Annotated

import typer

from itsm.cli.common import (
    ActorOpt,
    DeskOpt,
    FormatOpt,
    JsonOpt,
    NoCommitOpt,
    boundary,
    change,
    choose_format,
    open_desk,
    out,
    print_change,
    read_text_arg,
)
from itsm.core.errors import UsageError
from itsm.core.model import PROBLEM_STATUSES, Problem
from itsm.core.terminal import warn
from itsm.operations import inputs, problems
from itsm.output import formats
from itsm.output.record_text import format_record
from itsm.storage.store import Desk

app = typer.Typer(help="Problem records: the root causes behind incidents.", no_args_is_help=True)
PrbArg = Annotated[str, typer.Argument(metavar="PRB", help="A problem ID, or any unique start of it (prb-2m9).")]


def register(root: typer.Typer) -> None:
    for func, name in ((new, "new"), (link, "link"), (unlink, "unlink"), (workaround, "workaround"),
                       (resolve, "resolve"), (reopen, "reopen"), (close, "close"), (list_problems, "list"),
                       (show, "show")):
        app.command(name)(boundary(func))
    root.add_typer(app, name="problem")


def new(
    title: Annotated[str, typer.Argument(help="One line naming the fault behind the incidents.")],
    category: Annotated[str | None, typer.Option("--category", "-c", help="From the taxonomy in itsm.yaml.", show_default=False)] = None,
    description: Annotated[str | None, typer.Option("--description", "-d", help="What is known; '-' reads stdin.", show_default=False)] = None,
    incident: Annotated[list[str] | None, typer.Option("--incident", "-i", help="A ticket this problem causes (repeatable).", show_default=False)] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who investigates. Default: the actor.", show_default=False)] = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Open a problem record, linked to its incidents (both sides, one commit).

    Example: itsm problem new "VPN drops on home routers" -c network/vpn -i inc-7qk -i inc-q5s
    """
    the_desk = open_desk(desk)
    problem = problems.new_problem(
        the_desk, title=title, actor=inputs.resolve_actor(the_desk, actor), category=category,
        description=read_text_arg(description, "description", "# What is known about the fault?\n") or "",
        incidents=incident, owner=owner, commit=inputs.should_commit(the_desk, no_commit),
    )
    out(formats.json_text(problem.to_json()) if as_json else problem.id)


def link(
    problem: PrbArg,
    incidents: Annotated[list[str], typer.Argument(metavar="ID...", help="Tickets this problem causes.")],
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Link incidents to a problem: both sides, one commit.

    Example: itsm problem link prb-2m9 inc-7qk inc-q5s
    """
    change(problems.link, desk, actor, no_commit, as_json, problem, incidents)


def unlink(
    problem: PrbArg,
    incidents: Annotated[list[str], typer.Argument(metavar="ID...", help="Tickets linked by mistake.")],
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Take incidents off a problem: both sides, one commit, an `unlink` entry on each.

    Example: itsm problem unlink prb-2m9 inc-q5s
    """
    change(problems.unlink, desk, actor, no_commit, as_json, problem, incidents)


def workaround(
    problem: PrbArg,
    text: Annotated[str, typer.Argument(help="What restores service while the cause stays; '-' reads stdin.")],
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Record a workaround: the problem becomes a known error, found by `itsm diagnose`.

    Example: itsm problem workaround prb-2m9 "Set the VPN client to SSL-only"
    """
    the_desk = open_desk(desk)
    body = read_text_arg(text, "workaround") or ""
    print_change(problems.workaround(the_desk, problem, body, actor=inputs.resolve_actor(the_desk, actor),
                                commit=inputs.should_commit(the_desk, no_commit)), as_json)


def resolve(
    problem: PrbArg,
    fix: Annotated[str, typer.Option("--fix", help="What removed the cause.")],
    root_cause: Annotated[str | None, typer.Option("--root-cause", help="Why it happened.", show_default=False)] = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """The cause is removed; lists the linked incidents still open, to resolve them too.

    Example: itsm problem resolve prb-2m9 --fix "Gateway MTU set to 1400" --root-cause "ISP PPPoE overhead"
    """
    the_desk = open_desk(desk)
    done, still_open = problems.resolve(the_desk, problem, fix=fix, root_cause=root_cause,
                                        actor=inputs.resolve_actor(the_desk, actor),
                                        commit=inputs.should_commit(the_desk, no_commit))
    if as_json:
        data = done.to_json()
        data["open_incidents"] = [{"id": t.id, "status": t.status, "title": t.title} for t in still_open]
        out(formats.json_text(data))
        return
    print_change(done, False)
    for ticket in still_open:
        out(f"  still open: {ticket.id} [{ticket.status}] {ticket.title} (itsm resolve {ticket.id} --fix ...)")
    if not done.root_cause:
        warn(f"{done.id} is resolved without a root cause: the next person will not learn why it happened "
             "(say it with --root-cause when you resolve a problem)")


def reopen(
    problem: PrbArg,
    reason: Annotated[str, typer.Option("--reason", help="Why the fix did not hold.")],
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """A resolved problem whose fix did not hold: open again (known error again if it has a
    workaround); the failed fix stays in the timeline.

    Example: itsm problem reopen prb-2m9 --reason "drops again since the router update"
    """
    change(problems.reopen, desk, actor, no_commit, as_json, problem, reason=reason)


def close(
    problem: PrbArg,
    force: Annotated[bool, typer.Option("--force", help="Close even with open incidents; the entry names them.")] = False,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Close a resolved problem; refused while one of its incidents is open, unless --force.

    Example: itsm problem close prb-2m9
    """
    change(problems.close, desk, actor, no_commit, as_json, problem, force=force)


PROBLEM_COLUMNS = ("id", "status", "category", "incidents", "owner", "title")


def list_problems(
    status: Annotated[list[str] | None, typer.Option("--status", "-s", help="Only these statuses (repeatable).", show_default=False)] = None,
    category: Annotated[str | None, typer.Option("--category", "-c", help="This category or below it.", show_default=False)] = None,
    fmt: FormatOpt = "table",
    desk: DeskOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List problems, those with the most incidents first.

    Example: itsm problem list --status known_error
    """
    chosen = choose_format(fmt, as_json)
    for value in status or []:
        if value not in PROBLEM_STATUSES:
            raise UsageError(f"unknown status '{value}'", hint=f"use one of: {', '.join(PROBLEM_STATUSES)}")
    rows = [
        p for p in open_desk(desk, config="warn").problems()
        if (not status or p.status in status)
        and (category is None or (p.category or "") == category or (p.category or "").startswith(category + "/"))
    ]
    rows.sort(key=lambda p: (-len(p.incidents), p.created, p.id))
    data = [p.to_json() for p in rows]
    if chosen == "json":
        out(formats.json_text(data))
        return
    for row in data:
        row["incidents"] = len(row["incidents"])
    out(formats.rows(data, PROBLEM_COLUMNS, chosen))


def show(problem: PrbArg, desk: DeskOpt = None, as_json: JsonOpt = False) -> None:
    """Show a problem: workaround, root cause, fix, linked incidents, timeline.

    Example: itsm problem show prb-2m9
    """
    the_desk = open_desk(desk, config="warn")
    record, path = the_desk.load(problem, ("problem",))
    assert isinstance(record, Problem)
    used = kb_of_incidents(the_desk, record)
    if as_json:
        data = record.to_json()
        data["path"] = the_desk.relative(path)
        data["kb_used_by_incidents"] = used
        out(formats.json_text(data))
    else:
        out(format_record(record, used))


def kb_of_incidents(desk: Desk, problem: Problem) -> dict[str, list[str]]:
    """The KB articles used on the problem's incidents: KB ID -> incident IDs."""
    used: dict[str, list[str]] = {}
    for ticket_id in problem.incidents:
        try:
            ticket, _ = desk.load_ticket(ticket_id, faulty="accept")
        except UsageError:
            continue  # a missing or broken ticket: `itsm check` names it
        for kb_id in ticket.kb:
            used.setdefault(kb_id, []).append(ticket.id)
    return used
