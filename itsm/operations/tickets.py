"""Recording and working a ticket: new, log, assign, categorise, edit — and `update_ticket`, the
one write path every change of a ticket goes through.

Each action validates everything before it touches a file (itsm/operations/inputs.py), then,
under the desk lock, reads the record, applies the lifecycle table, appends one timeline
entry, writes atomically and commits once. A refusal (UsageError) therefore changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from itsm.channels import mail_out
from itsm.config import loading as config_mod
from itsm.core import ids, timeutil
from itsm.core.errors import UsageError
from itsm.core.model import (
    INTERACTION_KINDS,
    LEVELS,
    TICKET_TYPES,
    Entry,
    Record,
    Ticket,
    add_entry,
    changes,
    normalize_line,
    normalize_text,
    priority_for,
    record_entry,
)
from itsm.core.terminal import warn
from itsm.domain import interactions, lifecycle, record_rules, service_requests, sla
from itsm.operations.inputs import category_name, choice, contact_channel, free_text, group_name, person, title_text
from itsm.records import markdown
from itsm.storage.store import Desk, Transaction


def new_entry(actor: str, kind: str, text: str, when: str) -> Entry:
    return Entry(ids.mint_entry_id(), when, actor, kind, normalize_text(text))


def new_ticket(
    desk: Desk,
    *,
    title: str,
    actor: str,
    type: str = "incident",
    category: str | None = None,
    impact: str = "medium",
    urgency: str = "medium",
    reporter: str | None = None,
    channel: str | None = None,
    description: str = "",
    owner: str | None = None,
    group: str | None = None,
    related: list[str] | None = None,
    due: str | None = None,
    commit: bool = True,
    message_ids: tuple[str, ...] = (),
    fingerprint: str | None = None,
    occurrences: int = 0,
    finish: Callable[[Ticket, Transaction], Ticket] | None = None,
) -> Ticket:
    """Record a ticket: route it by its category, derive its priority, file it, commit it.

    A service request may say when the user needs it (`due`: a date is the end of that
    working day); one whose category needs approval starts waiting for it. What came by a
    channel (itsm/operations/ingest.py) brings its Message-IDs or alert fingerprint, and may `finish`
    the new ticket in the same commit (its first timeline entries, its attachments)."""
    config_mod.require_valid(desk.config)
    title = title_text(title)
    choice(type, TICKET_TYPES, "type")
    choice(impact, LEVELS, "impact")
    choice(urgency, LEVELS, "urgency")
    channel = contact_channel(channel or desk.config.default_channel)
    category = category_name(desk, category)
    group = group_name(desk, group) or desk.config.group_for(category)
    reporter = person(reporter, "reporter") if reporter else actor
    owner = person(owner, "owner") if owner else None
    description = free_text(description, "the description")
    links = tuple(dict.fromkeys(desk.resolve(ref, ("ticket",))[1].stem for ref in related or []))
    now = timeutil.stamp()
    if due is not None and type != "request":
        raise UsageError("--due is the date a service request is needed by; an incident has none",
                         hint="record it with --type request, or leave out --due")
    needed_by = timeutil.format(service_requests.needed_by(due, desk.config, timeutil.parse(now))) if due else None
    approval = "requested" if type == "request" and desk.config.requests.needs_approval(category) else None
    priority = priority_for(desk.config.matrix, impact, urgency)
    level = desk.config.groups[group].level
    summary = (
        f"Recorded from {channel} for {reporter}: {priority} (impact {impact}, urgency {urgency}); "
        f"routed to {group} (level {level})" + (f"; related to {', '.join(links)}" if links else "")
        + (f"; needed by {needed_by}" if needed_by else "")
        + ("; waiting for approval (itsm approve / itsm reject)" if approval else "") + "."
    )
    with desk.lock():
        prefix = desk.config.prefixes[type]
        recorded = Ticket(
            id=desk.mint_id(prefix), title=title, type=type, status="new",
            priority=priority, impact=impact, urgency=urgency, category=category, group=group,
            level=level, reporter=reporter, channel=channel, related=links,
            created=now, needed_by=needed_by, approval=approval, description=description,
            message_ids=message_ids, fingerprint=fingerprint, occurrences=occurrences,
        )
        ticket = record_entry(None, recorded, new_entry(actor, "created", summary, now))
        if owner:
            owned = dataclasses.replace(ticket, owner=owner, status="assigned")
            ticket = record_entry(ticket, owned, new_entry(actor, "assign", f"owner (none) -> {owner}", now))
        ticket = sla.with_deadlines(ticket, desk.config, timeutil.parse(now))
        with desk.transaction(actor, f"{ticket.id} new: {title}", commit) as tx:
            if finish is not None:
                ticket = finish(ticket, tx)
            tx.write(ticket, create=True)
    return ticket


@dataclass(frozen=True)
class Outcome:
    """What a change did: the new ticket, a one-line summary for the timeline and the commit
    message, further timeline entries (same commit), and other records it also changed."""

    ticket: Ticket
    summary: str
    more_entries: tuple[tuple[str, str], ...] = ()  # (kind, text)
    also: tuple[tuple[Record, Path], ...] = ()
    subject: str | None = None  # commit subject when it should differ from the summary
    warnings: tuple[str, ...] = ()  # said once the change is done (a refusal says one line only)
    files: tuple[tuple[Path, bytes], ...] = ()  # new files besides records (an e-mail's attachments)
    mail: mail_out.Outgoing | None = None  # sent to the user before the write (docs/channels-mail-out.md)


Change = Callable[[Ticket, str, str], Outcome]


def update_ticket(
    desk: Desk, ref: str, action: str, actor: str, commit: bool, change: Change, entry_kind: str | None = None
) -> Ticket:
    """Read, change, append the timeline entry, write and commit a ticket, under the desk lock.

    `change(ticket, now, status)` gets the status the lifecycle table gives for `action`
    (the table refuses first, so nothing is written) and returns an Outcome. Responded time
    and SLA deadlines are then derived afresh from the timeline.
    """
    config_mod.require_valid(desk.config)
    with desk.lock():
        before, path = desk.load_ticket(ref, faulty="refuse")
        status = lifecycle.next_status(action, before.id, before.status)
        now = timeutil.stamp()
        outcome = change(before, now, status)
        kind = entry_kind or action
        after = record_entry(before, outcome.ticket, new_entry(actor, kind, outcome.summary, now))
        for more_kind, text in outcome.more_entries:
            after = add_entry(after, new_entry(actor, more_kind, text, now))
        after = sla.with_deadlines(after, desk.config, timeutil.parse(now))
        subject = (outcome.subject or outcome.summary).split("\n", 1)[0]
        if outcome.mail is not None:
            _send_before_write(desk, after, path, actor, commit, outcome.mail)
        try:
            with desk.transaction(actor, f"{after.id} {kind}: {subject}", commit) as tx:
                for file_path, data in outcome.files:
                    tx.add_file(file_path, data)
                tx.write(after, path)
                for record, other_path in outcome.also:
                    tx.write(record, other_path)
        except (UsageError, OSError):
            if outcome.mail is not None:
                warn(f"{after.id}: the e-mail {outcome.mail.message_id} to {outcome.mail.recipient} WAS sent, but "
                     "recording it failed; once the cause below is fixed, record it with --no-send")
            raise
    for message in outcome.warnings:
        warn(message)
    return after


def _send_before_write(desk: Desk, after: Ticket, path: Path, actor: str, commit: bool,
                       mail: mail_out.Outgoing) -> None:
    """Send the user's e-mail, inside the lock, once everything the write could be refused
    for has been checked: a message that went out is a fact the record must then hold, and a
    message the server did not take (a refusal, exit 2) leaves the desk as it was."""
    desk.check_before_change(path, actor, commit)
    problem = markdown.size_problem(markdown.render(after))
    if problem is not None:
        raise UsageError(f"{after.id} not saved: {problem}; nothing was e-mailed")
    smtp = desk.config.email.smtp
    assert smtp is not None  # a message is composed only when a server is configured
    mail_out.send(smtp, mail)


def log(desk: Desk, ref: str, text: str, *, actor: str, kind: str = "note", from_user: bool = False,
        commit: bool = True, no_send: bool = False) -> Ticket:
    """Record an interaction. The owner's first work on an assigned ticket starts it; the
    user's word on a ticket pending on the user resumes it (the wait is over).

    An e-mail the desk writes (`kind` email, not from the user) is sent to the reporter when
    the desk has an SMTP server (`email.smtp`), before it is recorded; `no_send` records only.
    """
    choice(kind, INTERACTION_KINDS, "kind")
    if from_user and kind == "note":
        raise UsageError("a note is internal; say how the user reached the desk",
                         hint="--kind call, email or chat with --from-user")
    if no_send and (kind != "email" or from_user):
        raise UsageError("--no-send is for an e-mail the desk writes to the user (--kind email, without --from-user)",
                         hint="leave out --no-send: nothing else is ever sent")
    text = free_text(text, "the text")
    if not text:
        raise UsageError("nothing to log: the text is empty")
    entry_kind = f"{kind}-in" if from_user else kind
    outgoing = kind == "email" and not from_user

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        more: tuple[tuple[str, str], ...] = ()
        updated = dataclasses.replace(ticket, status=status)
        probe = Entry("", now, actor, entry_kind, text)
        if ticket.status == "pending" and (ticket.waiting_on or "user") == "user" and interactions.direction(probe, ticket) == "in":
            status = lifecycle.next_status("resume", ticket.id, ticket.status)
            updated = dataclasses.replace(ticket, status=status, waiting_on=None)
            more = (("resume", "resumed: the user replied"),)
        elif ticket.status == "assigned" and actor == ticket.owner:
            updated = dataclasses.replace(ticket, status=lifecycle.next_status("start", ticket.id, ticket.status))
        recipient, caveat = mail_out.sending(desk.config, ticket, no_send) if outgoing else (None, None)
        if recipient is None:
            return Outcome(updated, text, more_entries=more, warnings=(caveat,) if caveat else ())
        mail = mail_out.compose(desk.config, ticket, recipient, now, *mail_out.reply_text(ticket, text))
        updated = dataclasses.replace(updated, message_ids=(*ticket.message_ids, mail.message_id))
        summary = f"{text}\n\n(e-mailed to {recipient}, Message-ID {mail.message_id})"
        return Outcome(updated, summary, more_entries=more, subject=text, mail=mail)

    return update_ticket(desk, ref, "log", actor, commit, change, entry_kind=entry_kind)


def hand_over(desk: Desk, ticket: Ticket, group: str, level: int, owner: str | None) -> Ticket:
    """The ticket moved to `group` at `level`: the one rule of `assign --group` and `escalate`.

    The owner stays with the old group (ServiceNow clears "Assigned to" when the assignment
    group changes) unless a new owner is named in the same command, or the target group has
    a queue owner in itsm.yaml. Nobody owning it, a ticket that was ever worked is `assigned`
    without an owner (`list --unowned`, chased as unowned), never `new` again. A pending
    ticket needs someone to wait with it: refused without an owner."""
    new_owner = owner or desk.config.groups[group].owner
    if new_owner is None and ticket.status == "pending":
        raise UsageError(
            f"{ticket.id} is pending; handed to {group} with nobody owning it, nobody would be waiting",
            hint=f"name the new owner with --owner, or resume it first (itsm resume {ticket.id})",
        )
    status = lifecycle.handed_over_status(ticket, new_owner)
    return dataclasses.replace(ticket, group=group, level=level, owner=new_owner, status=status)


def assign(
    desk: Desk, ref: str, *, actor: str, owner: str | None = None, group: str | None = None, commit: bool = True
) -> Ticket:
    """Give the ticket an owner and/or route it to a group (its level follows the group).

    Routing to another group is a hand-over (`hand_over`): the owner is dropped unless a new
    one is named with it or the group has a queue owner.
    """
    if owner is None and group is None:
        raise UsageError("nothing to assign", hint="give --owner NAME and/or --group GROUP")
    owner = person(owner, "owner") if owner is not None else None
    group = group_name(desk, group)

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        parts = []
        if group is not None and group != ticket.group:
            level = desk.config.groups[group].level
            updated = hand_over(desk, ticket, group, level, owner)
            parts.append(f"group {ticket.group or '(none)'} -> {group} (level {level})")
        elif owner is not None and owner != ticket.owner:
            updated = dataclasses.replace(ticket, owner=owner, status=status)
        else:
            raise UsageError(f"{ticket.id} already has that owner and group; nothing to change")
        if updated.owner != ticket.owner:
            parts.append(f"owner {ticket.owner or '(none)'} -> {updated.owner or '(none)'}")
        return Outcome(updated, "; ".join(parts))

    return update_ticket(desk, ref, "assign", actor, commit, change)


# What sets a resolved ticket's SLA outcome: frozen once it is resolved, so a later change
# cannot rewrite whether its targets were met (the category may still be corrected).
FROZEN_WHEN_RESOLVED = ("impact", "urgency", "type", "priority")


def refuse_reclassifying_resolved(ticket: Ticket, wanted: dict[str, str | None]) -> None:
    if ticket.status != "resolved":
        return
    for key, value in wanted.items():
        if key in FROZEN_WHEN_RESOLVED and value is not None and value != getattr(ticket, key):
            raise UsageError(
                f"{ticket.id} is resolved: its {key} is frozen, so its SLA outcome stays what it was",
                hint=f"if the resolution did not hold, reopen it first (itsm reopen {ticket.id} --reason ...)",
            )


def derived_priority(desk: Desk, ticket: Ticket) -> str | None:
    """Impact x urgency by the matrix; a major incident is P1 whatever the matrix says."""
    return "P1" if ticket.major else priority_for(desk.config.matrix, ticket.impact, ticket.urgency)


def categorise(
    desk: Desk,
    ref: str,
    *,
    actor: str,
    category: str | None = None,
    impact: str | None = None,
    urgency: str | None = None,
    type: str | None = None,
    commit: bool = True,
) -> Ticket:
    """Set category, impact, urgency or type; priority, SLA deadlines and routing follow.

    A ticket nobody owns yet is routed to the new category's group; an owned ticket keeps
    its group (moving it is an assignment or an escalation, a deliberate act).
    """
    if category is None and impact is None and urgency is None and type is None:
        raise UsageError("nothing to categorise", hint="give --category, --impact, --urgency or --type")
    category = category_name(desk, category)
    choice(impact, LEVELS, "impact")
    choice(urgency, LEVELS, "urgency")
    choice(type, TICKET_TYPES, "type")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        refuse_reclassifying_resolved(ticket, {"impact": impact, "urgency": urgency, "type": type})
        updated = dataclasses.replace(
            ticket,
            category=category or ticket.category,
            impact=impact or ticket.impact,
            urgency=urgency or ticket.urgency,
            type=type or ticket.type,
            status=status,
        )
        updated = dataclasses.replace(updated, priority=derived_priority(desk, updated))
        updated = _request_path(desk, ticket, updated)
        if updated.owner is None and updated.category != ticket.category:
            group = desk.config.group_for(updated.category)
            updated = dataclasses.replace(updated, group=group, level=desk.config.groups[group].level)
        parts = [
            f"{key} {old or '(none)'} -> {new}"
            for key, old, new in changes(ticket, updated)
            if key in ("category", "impact", "urgency", "type", "priority", "group", "level", "needed_by", "approval")
        ]
        if not parts:
            raise UsageError(f"{ticket.id} is already categorised that way; nothing to change")
        return Outcome(updated, "; ".join(parts))

    return update_ticket(desk, ref, "categorise", actor, commit, change)


def _request_path(desk: Desk, before: Ticket, after: Ticket) -> Ticket:
    """A change of type or category moves a ticket onto the request path or off it: a request
    (incident turned request, or request recategorised) whose category needs approval starts
    waiting for it, unless it was approved; an incident keeps no needed-by date nor approval.
    A major incident, or a ticket linked to a problem, cannot become a request."""
    if after.type == "request":
        if before.type != "request" and (before.major or before.problem):
            why = "a major incident" if before.major else f"linked to problem {before.problem}"
            raise UsageError(f"{before.id} is {why}; a service request is never that",
                             hint="record the request as a new ticket: itsm new \"...\" --type request")
        if after.is_open and after.approval is None and desk.config.requests.needs_approval(after.category):
            return dataclasses.replace(after, approval="requested")
        return after
    if after.resolution is not None and after.resolution.kind in ("fulfilled", "rejected"):
        raise UsageError(f"{before.id} was {after.resolution.kind} as a request; it stays one")
    return dataclasses.replace(after, needed_by=None, approval=None)


# Keys a hand edit may not change: they are moved only by lifecycle commands or derived.
PROTECTED_KEYS = {
    "id": "IDs never change",
    "status": "use the lifecycle commands (assign, resolve, close...)",
    "created": "the creation time is history",
    "responded": "set by the first response",
    "resolved": "set by `itsm resolve`",
    "closed": "set by `itsm close`",
    "notified": "set by `itsm notify`",
    "confirmed": "set by `itsm confirm`",
    "resolved_by": "set by `itsm resolve`",
    "resolutions": "counted by `itsm resolve`",
    "reopens": "counted by `itsm reopen`",
    "reassignments": "counted from the hand-overs in the timeline",
    "due_response": "derived from the priority's SLA",
    "due_resolution": "derived from the priority's SLA",
    "problem": "links are kept on both sides by `itsm problem link`",
    "major": "declared by `itsm escalate --major`",
    "waiting_on": "set by `itsm pend --on`",
    "approval": "set by `itsm approve` or `itsm reject`",
}


def edit(
    desk: Desk, ref: str, edited_text: str, *, actor: str, commit: bool = True, original_text: str | None = None
) -> Ticket | None:
    """Apply a hand edit of a ticket file, after checking it; None when nothing changed.

    Refused if the result does not parse, breaks a rule `itsm check` enforces, changes a
    protected key, or rewrites or deletes a timeline entry. Priority follows impact x urgency.
    """
    config_mod.require_valid(desk.config)
    with desk.lock():
        before, path = desk.load_ticket(ref, faulty="accept")
        lifecycle.next_status("edit", before.id, before.status)
        if original_text is not None and desk.read_text(path) != original_text:
            raise UsageError(
                f"{before.id} changed while it was being edited; nothing was saved",
                hint="run `itsm edit` again to edit the current version",
            )
        try:
            parsed = markdown.parse(edited_text, "ticket", "edited file")
        except markdown.RecordError as exc:
            raise UsageError(f"the edited ticket is not valid: {exc}", hint="nothing was saved; run `itsm edit` again") from None
        assert isinstance(parsed, Ticket)
        for key, reason in PROTECTED_KEYS.items():
            if getattr(parsed, key) != getattr(before, key):
                raise UsageError(f"the edit changes '{key}', which cannot be edited by hand: {reason}")
        refuse_reclassifying_resolved(before, {key: getattr(parsed, key) for key in FROZEN_WHEN_RESOLVED})
        if parsed.timeline != before.timeline:
            raise UsageError(
                "the edit rewrites the timeline; entries are never changed or deleted",
                hint="add to the record with `itsm log`",
            )
        after = dataclasses.replace(
            parsed,
            title=normalize_line(parsed.title),
            description=normalize_text(parsed.description),
            updated=before.updated,
        )
        after = dataclasses.replace(after, priority=derived_priority(desk, after))
        after = sla.with_deadlines(after, desk.config, timeutil.now())
        if after.group != before.group and after.group in desk.config.groups:
            after = dataclasses.replace(after, level=desk.config.groups[after.group].level)
        derived = ("responded", "due_response", "due_resolution")
        changed = [key for key, _, _ in changes(before, after) if key not in derived]
        if not changed:
            return None
        now = timeutil.stamp()
        after = record_entry(before, after, new_entry(actor, "edit", "Edited by hand: " + ", ".join(changed), now))
        after = sla.with_deadlines(after, desk.config, timeutil.parse(now))
        # Checked with its edit entry, so the entry's set line is part of what is judged.
        faults = record_rules.record_faults(after, desk.config)
        if faults:
            key, message = faults[0]
            raise UsageError(f"the edited ticket is not valid: {message}", hint="nothing was saved")
        with desk.transaction(actor, f"{after.id} edit: {', '.join(changed)}", commit) as tx:
            tx.write(after, path)
    return after
