"""Lifecycle commands: escalate, pend, resume, resolve, approve, reject, notify, confirm, close,
reopen, autoclose — and chase, which says who to chase about what is slipping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

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
    open_desk,
    out,
    print_change,
    progress_bar,
)
from itsm.core import timeutil
from itsm.core.errors import UsageError
from itsm.core.model import WAITS, Ticket
from itsm.domain import chase
from itsm.operations import escalation, inputs, resolution, waiting
from itsm.output import formats
from itsm.records import shape

NoteOpt = Annotated[str | None, typer.Option("--note", help="A few words for the timeline.", show_default=False)]


def register(app: typer.Typer) -> None:
    for func in (escalate, pend, resume, resolve, approve, reject, notify, confirm, close, reopen, autoclose,
                 chase_cmd):
        app.command("chase" if func is chase_cmd else func.__name__)(boundary(func))


def _with_note(action: Callable[..., Ticket], doc: str) -> Callable[..., None]:
    """A command whose only input is an optional note: resume, notify, confirm."""

    def command(
        id: IdArg,
        note: NoteOpt = None,
        desk: DeskOpt = None,
        actor: ActorOpt = None,
        no_commit: NoCommitOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        change(action, desk, actor, no_commit, as_json, id, note=note)

    command.__doc__ = doc
    command.__name__ = action.__name__
    return command


resume = _with_note(waiting.resume, """Take a pending ticket back into work; SLA clocks run again.

    Example: itsm resume inc-7qk --note "user replied: still drops"
    """)
NoSendOpt = Annotated[bool, typer.Option(
    "--no-send", help="Record only; send no e-mail even when itsm.yaml configures email.smtp.")]


def notify(
    id: IdArg,
    note: NoteOpt = None,
    no_send: NoSendOpt = False,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Tell the user the ticket is resolved, and record it.

    With email.smtp in itsm.yaml, the reporter gets an e-mail (the resolution, and how to
    answer; the ticket tag in the subject) before anything is recorded; a server that does
    not take it is an error and nothing is recorded. Without it, or with --no-send, this
    only records that the user was told (docs/channels-mail-out.md).

    Example: itsm notify inc-7qk
    Example: itsm notify inc-7qk --no-send --note "told Maria on the phone"
    """
    change(resolution.notify, desk, actor, no_commit, as_json, id, note=note, no_send=no_send)


confirm = _with_note(resolution.confirm, """Record that the user agrees the ticket is done.

    Example: itsm confirm inc-7qk --note "Maria: works all morning"
    """)


def escalate(
    id: IdArg,
    level: Annotated[int | None, typer.Option("--level", "-l", help="Functional: hand it to support level 1, 2 or 3.", show_default=False)] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Functional: the group (default from itsm.yaml).", show_default=False)] = None,
    owner: Annotated[str | None, typer.Option("--owner", "-o", help="Functional: the person in the new group who takes it now.", show_default=False)] = None,
    to: Annotated[str | None, typer.Option("--to", help="Hierarchical: the senior person told (default: the group's manager).", show_default=False)] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Hierarchical: impact, no-fix or slow; with --no-major or --propose-major, why, in words.", show_default=False)] = None,
    major: Annotated[bool, typer.Option("--major", help="Hierarchical: declare a major incident (impact high, priority P1).")] = False,
    no_major: Annotated[bool, typer.Option("--no-major", help="Stand a major incident down (priority back to impact x urgency), or reject a proposal.")] = False,
    propose_major: Annotated[bool, typer.Option("--propose-major", help="Propose a major incident to those who may declare one.")] = False,
    note: NoteOpt = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Escalate a ticket: functionally to another level or group, or hierarchically to a senior.

    Functional: the ticket moves to the level's group and its owner is dropped, unless --owner
    names the new one or the group has a queue owner; a worked ticket is then assigned to
    nobody, never new again. Hierarchical: someone senior is told why; --major declares a
    major incident, --no-major stands it down, --propose-major asks for one.

    Example: itsm escalate inc-7qk --level 2 --note "no fix at level 1"

    Example: itsm escalate inc-7qk --to "Priya Raman" --reason no-fix --major

    Example: itsm escalate inc-7qk --no-major --reason "only the test gateway was down"
    """
    if sum((major, no_major, propose_major)) > 1:
        raise UsageError("give one of --major, --no-major and --propose-major")
    decision = no_major or propose_major
    hierarchical = to is not None or reason is not None or major or decision
    if hierarchical and (level is not None or group is not None or owner is not None):
        raise UsageError("escalate either functionally (--level/--group) or hierarchically (--to/--reason), not both")
    if decision and to is not None:
        raise UsageError(f"--to does not go with {'--no-major' if no_major else '--propose-major'}",
                         hint="a proposal is chased to the group's manager; a stand-down tells the timeline")
    the_desk = open_desk(desk)
    who = inputs.resolve_actor(the_desk, actor)
    commit = inputs.should_commit(the_desk, no_commit)
    if hierarchical:
        if reason is None:
            hint = '--reason "why, in a few words"' if decision else "--reason impact, no-fix or slow"
            raise UsageError("say why you escalate", hint=hint)
        if decision:
            step = escalation.stand_down if no_major else escalation.propose_major
            ticket = step(the_desk, id, actor=who, reason=reason, note=note, commit=commit)
        else:
            ticket = escalation.escalate_to(the_desk, id, actor=who, reason=reason, to=to, note=note, major=major,
                                          commit=commit)
    else:
        if level is None:
            raise UsageError("say where to", hint="--level N [--group G] (functional) or --to PERSON --reason R (hierarchical)")
        ticket = escalation.escalate(the_desk, id, actor=who, level=level, group=group, owner=owner, note=note,
                                   commit=commit)
    print_change(ticket, as_json)


def pend(
    id: IdArg,
    reason: Annotated[str, typer.Option("--reason", "-r", help="What it waits for, in words.")],
    on: Annotated[str, typer.Option("--on", help="Who it waits on: user, supplier, change or other.", autocompletion=choices(WAITS))] = "user",
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Put a ticket on hold. Only waits the desk lists in sla.pause_on (by default: on the
    user) pause the SLA clocks; a supplier's wait is recorded and chased, the clocks run.

    Example: itsm pend inc-7qk --reason "waiting for the user to test from home tonight"
    Example: itsm pend inc-7qk --on supplier --reason "Dell is sending a new disk"
    """
    change(waiting.pend, desk, actor, no_commit, as_json, id, reason=reason, on=on)


def resolve(
    id: IdArg,
    workaround: Annotated[str | None, typer.Option("--workaround", "-w", help="Service restored, cause not removed.", show_default=False)] = None,
    fix: Annotated[str | None, typer.Option("--fix", help="The cause is removed.", show_default=False)] = None,
    problem: Annotated[str | None, typer.Option("--problem", "-p", help="Link the problem record (both sides, one commit).", show_default=False)] = None,
    kb: Annotated[list[str] | None, typer.Option("--kb", help="A KB article that helped (repeatable).", show_default=False)] = None,
    code: Annotated[str | None, typer.Option("--code", help="A resolution code from itsm.yaml.", show_default=False)] = None,
    fulfilled: Annotated[bool, typer.Option(
        "--fulfilled", help="A service request: delivered. TEXT (optional) says what.")] = False,
    text: Annotated[str | None, typer.Argument(
        metavar="[TEXT]", help=f"With --fulfilled: what was delivered (default '{resolution.FULFILLED}').",
        show_default=False)] = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore service and record how: exactly one of --workaround or --fix; a service
    request is --fulfilled instead (never fixed, never linked to a problem).

    Example: itsm resolve inc-7qk --workaround "VPN set to SSL-only" --problem prb-1pk --kb kb-z4f

    Example: itsm resolve req-4mh --fulfilled "laptop handed over, accounts created"
    """
    if text is not None and not fulfilled:
        raise UsageError(f"unexpected text '{text[:40]}'", hint="only --fulfilled takes its text after the ID; "
                         "give --fix TEXT or --workaround TEXT")
    change(resolution.resolve, desk, actor, no_commit, as_json, id, workaround=workaround, fix=fix, problem=problem,
           kb=kb, code=code, fulfilled=(text or "") if fulfilled else None)


def approve(
    id: IdArg,
    note: NoteOpt = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Approve a service request that waits for approval; its SLA clocks start now.

    Who may: anyone, or (when requests.approvers in itsm.yaml lists people) those people and
    the manager of the request's group.

    Example: itsm approve req-4mh --note "approved by Maria's line manager by mail"
    """
    change(waiting.approve, desk, actor, no_commit, as_json, id, note=note)


def reject(
    id: IdArg,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why it is refused: the user is told this.")],
    code: Annotated[str | None, typer.Option("--code", help="A resolution code from itsm.yaml.", show_default=False)] = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Reject a service request that waits for approval: it ends resolved as rejected; tell
    the user (itsm notify), then it closes as usual. A rejection is final.

    Example: itsm reject req-4mh --reason "no budget for a second monitor this year"
    """
    change(waiting.reject, desk, actor, no_commit, as_json, id, reason=reason, code=code)


def close(
    id: IdArg,
    note: NoteOpt = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Close a resolved ticket; refused, listing what is missing, until the checklist is met.

    The checklist: categorised, resolution recorded, user told, user agreed (or silent for
    the auto-close period after being told).

    Example: itsm close inc-7qk
    """
    change(resolution.close, desk, actor, no_commit, as_json, id, note=note)


def reopen(
    id: IdArg,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why it is not done after all.")],
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Send a resolved ticket back to work. A closed ticket is final: open a new one with --related.

    Example: itsm reopen inc-7qk --reason "dropped again at 14:10"
    """
    change(resolution.reopen, desk, actor, no_commit, as_json, id, reason=reason)


def autoclose(
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Show what would be closed; change nothing.")] = False,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Close resolved tickets whose user was told and stayed silent for autoclose_days.

    Never a major incident. One commit per ticket. With --dry-run --json, "closed" says
    what the real run would do.

    Example: itsm autoclose --dry-run
    """
    the_desk = open_desk(desk)
    results = resolution.autoclose(the_desk, actor=inputs.resolve_actor(the_desk, actor), dry_run=dry_run,
                                 commit=inputs.should_commit(the_desk, no_commit))
    if as_json:
        # With --dry-run, "closed" says what the real run would do.
        out(formats.json_text([{"id": r.ticket_id, "closed": r.closed, "reason": r.reason} for r in results]))
        return
    verb = "would close" if dry_run else "closed"
    for r in results:
        out(f"{r.ticket_id} {verb if r.closed else 'left open'}: {r.reason}")
    if not results:
        out("nothing to auto-close")


CHASE_COLUMNS = ("id", "priority", "what", "since", "chase", "role", "title")


def chase_cmd(
    group: Annotated[str | None, typer.Option("--group", "-g", help="Only this group's tickets.", show_default=False)] = None,
    owner: Annotated[str | None, typer.Option("--owner", "-o", help="Only this person's tickets.", show_default=False)] = None,
    fmt: FormatOpt = "table",
    desk: DeskOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What is slipping, most consequential first, and whom to chase: SLA breached or at
    risk, unowned, no update, pending too long, resolved but not closed. Major incidents
    first, then by priority, then by the working time left before a breach.

    Always exits 0; `itsm report --fail-on` is the gate for CI.

    Example: itsm chase --group network
    """
    chosen = choose_format(fmt, as_json)
    the_desk = open_desk(desk)
    if group is not None:
        inputs.group_name(the_desk, group)
    from itsm.readmodel import database  # SQLite loads only for the commands that read the whole desk

    # Every ticket not closed (a resolved one may be slipping too), from the read model.
    tickets = [t for t in database.tickets(the_desk, "status != 'closed'", progress=progress_bar("reading the desk"))
               if shape.clocks_readable(t)]
    rows = chase.slipping(tickets, the_desk.config, timeutil.now(), group=group, owner=owner)
    data = [row.to_json() for row in rows]
    for row in data:
        row["priority"] = ("MAJOR " if row["major"] else "") + (row["priority"] or "")
        row["title"] = row["title"] if len(row["title"]) <= 50 else row["title"][:47] + "..."
    if chosen == "json":
        out(formats.json_text([r.to_json() for r in rows]))
    elif not rows:
        out("nothing is slipping")
    else:
        out(formats.rows(data, CHASE_COLUMNS, chosen))
