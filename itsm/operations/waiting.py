"""Waits: a ticket pending on someone (`pend`, `resume`) and a service request waiting for its
approval (`approve`, `reject`). Which waits stop the SLA clocks is the desk's rule
(itsm/domain/sla.py); here they are recorded.
"""

from __future__ import annotations

import dataclasses

from itsm.config.settings import Config
from itsm.core import timeutil
from itsm.core.errors import UsageError
from itsm.core.model import WAITS, Resolution, Ticket
from itsm.operations.inputs import MAX_FIELD_BYTES, choice, free_text
from itsm.operations.tickets import Outcome, update_ticket
from itsm.storage.store import Desk


def pend(desk: Desk, ref: str, *, actor: str, reason: str, on: str = "user", commit: bool = True) -> Ticket:
    """Waiting on the user, a supplier, a change or something else. Only a wait the desk
    lists in `sla.pause_on` (by default: the user) pauses the SLA clocks until `resume`: a
    supplier's delay is the desk's to manage, so it counts against the desk's targets."""
    choice(on, WAITS, "wait (--on)")
    reason = free_text(reason, "the reason")
    if not reason:
        raise UsageError("say what the ticket is waiting for", hint='e.g. --reason "waiting for the user to reboot"')

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        paused = on in desk.config.sla_rules.pause_on
        summary = (reason if on == "user" else f"waiting on {on}: {reason}") + (
            "" if paused else " (the SLA clocks keep running)")
        return Outcome(dataclasses.replace(ticket, status=status, waiting_on=on), summary, subject=summary)

    return update_ticket(desk, ref, "pend", actor, commit, change)


def resume(desk: Desk, ref: str, *, actor: str, note: str | None = None, commit: bool = True) -> Ticket:
    """The wait is over: work goes on and the SLA clocks run again."""
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        since = next((e.time for e in reversed(ticket.timeline) if e.kind == "pend"), ticket.updated)
        waited = timeutil.span(timeutil.parse(now) - timeutil.parse(since or now))
        summary = f"resumed after {waited} pending" + (f": {note}" if note else "")
        return Outcome(dataclasses.replace(ticket, status=status, waiting_on=None), summary)

    return update_ticket(desk, ref, "resume", actor, commit, change)


def _refuse_unless_approver(config: Config, ticket: Ticket, actor: str, verb: str) -> None:
    """Approval is the business's decision, not the desk's. Waiting for it is refused on
    anything but a request that waits; who may decide is `requests.approvers` (with the
    manager of the request's group), or anyone when that list is empty."""
    if ticket.type != "request":
        raise UsageError(f"{ticket.id} is an incident; only a service request waits for approval")
    if ticket.approval != "requested":
        state = {"approved": "was approved", "rejected": "was rejected"}.get(ticket.approval or "", "needs no approval")
        raise UsageError(f"cannot {verb} {ticket.id}: it {state}",
                         hint="only a request waiting for approval (approval: requested) is approved or rejected")
    approvers = config.requests.approvers
    group = config.groups.get(ticket.group or "")
    manager = group.manager if group is not None else None
    if approvers and actor not in approvers and actor != manager:
        allowed = ", ".join([*approvers, *([manager] if manager else [])])
        raise UsageError(f"{actor} may not {verb} requests", hint=f"requests.approvers in itsm.yaml: {allowed}")


def approve(desk: Desk, ref: str, *, actor: str, note: str | None = None, commit: bool = True) -> Ticket:
    """The request is approved: its clocks start now (the wait did not count)."""
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        _refuse_unless_approver(desk.config, ticket, actor, "approve")
        waited = _waited_for_approval(ticket, now)
        summary = f"approved after {waited} waiting; the clocks run from now" + (f": {note}" if note else "")
        return Outcome(dataclasses.replace(ticket, status=status, approval="approved"), summary)

    return update_ticket(desk, ref, "approve", actor, commit, change)


def reject(desk: Desk, ref: str, *, actor: str, reason: str, code: str | None = None,
           commit: bool = True) -> Ticket:
    """The request is refused: it ends resolved (kind `rejected`, the reason as its summary);
    the user is told (`notify`) and it closes as any ticket does. A rejection is final."""
    reason = free_text(reason, "the reason", MAX_FIELD_BYTES)
    if not reason:
        raise UsageError("say why the request is rejected", hint='e.g. --reason "no budget this quarter"')
    choice(code, desk.config.resolution_codes, "resolution code")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        _refuse_unless_approver(desk.config, ticket, actor, "reject")
        waited = _waited_for_approval(ticket, now)
        updated = dataclasses.replace(ticket, status=status, approval="rejected", resolved=now,
                                      resolution=Resolution("rejected", reason, code))
        summary = f"rejected after {waited} waiting: {reason}" + (f" [{code}]" if code else "")
        return Outcome(updated, summary)

    return update_ticket(desk, ref, "reject", actor, commit, change)


def _waited_for_approval(ticket: Ticket, now: str) -> str:
    since = next((e.time for e in reversed(ticket.timeline) if ("approval", "requested") in e.changes),
                 ticket.created)
    return timeutil.span(timeutil.parse(now) - timeutil.parse(since))
