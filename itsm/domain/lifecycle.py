"""Which action may happen in which state: one table, not `if` chains spread over commands."""

from __future__ import annotations

from datetime import timedelta

from itsm.config.settings import Config
from itsm.core import timeutil
from itsm.core.errors import StateRefusal
from itsm.core.model import OPEN_STATUSES, STATUSES, Entry, Ticket
from itsm.domain.interactions import direction

_OPEN = {status: status for status in OPEN_STATUSES}
_NOT_CLOSED = {status: status for status in STATUSES if status != "closed"}

# action -> {status before: status after}. A pair that is not here is refused.
TRANSITIONS: dict[str, dict[str, str]] = {
    # A hand-over to another group follows `handed_over_status` (docs/lifecycle.md, Escalation).
    "assign": {"new": "assigned", "assigned": "assigned", "in_progress": "in_progress", "pending": "pending"},
    # The owner's first recorded work on an assigned ticket starts it.
    "start": {"assigned": "in_progress"},
    "log": dict(_NOT_CLOSED),
    "categorise": dict(_NOT_CLOSED),
    "edit": dict(_NOT_CLOSED),
    # Functional escalation hands the ticket to another level or group (who must pick it
    # up), so it is not allowed while pending: resume first, and the clocks run again. A
    # ticket nobody ever owned stays new; a worked one is assigned, to nobody or to the
    # target's queue owner (`handed_over_status`).
    "escalate": {"new": "new", "assigned": "assigned", "in_progress": "assigned"},
    # Telling someone senior changes no state.
    "escalate-to": dict(_OPEN),
    "pend": {"assigned": "pending", "in_progress": "pending"},
    "resume": {"pending": "in_progress"},
    "resolve": {status: "resolved" for status in OPEN_STATUSES},
    "notify": {"resolved": "resolved"},
    "confirm": {"resolved": "resolved"},
    "close": {"resolved": "closed"},
    "reopen": {"resolved": "in_progress"},
    # Service requests waiting for approval (docs/lifecycle.md "Service requests"): an approval
    # changes no state; a rejection ends the request as a resolve does, then notify and close.
    "approve": dict(_OPEN),
    "reject": {status: "resolved" for status in OPEN_STATUSES},
}


# A problem's life: open -> known_error (a workaround is recorded) -> resolved (fixed) -> closed.
PROBLEM_TRANSITIONS: dict[str, dict[str, str]] = {
    "link": {"open": "open", "known_error": "known_error", "resolved": "resolved"},
    "workaround": {"open": "known_error", "known_error": "known_error"},
    "resolve": {"open": "resolved", "known_error": "resolved"},
    "close": {"resolved": "closed"},
    "unlink": {"open": "open", "known_error": "known_error", "resolved": "resolved"},
    # A fix that did not hold: back to open, or known_error when a workaround is recorded.
    "reopen": {"resolved": "open"},
}


# How an action is named to a person, where the table's key is not a command name.
SAID_AS = {"escalate-to": "escalate (hierarchically)"}


def allowed_from(action: str, table: dict[str, dict[str, str]] = TRANSITIONS) -> list[str]:
    return list(table[action])


def next_status(action: str, record_id: str, status: str, table: dict[str, dict[str, str]] = TRANSITIONS) -> str:
    """The status after `action`, or a refusal that names the states where it is allowed."""
    after = table[action].get(status)
    if after is not None:
        return after
    if status == "closed" and table is TRANSITIONS:
        raise StateRefusal(
            f"{record_id} is closed; a closed ticket is final",
            hint=f'open a new ticket that points back to it: itsm new "..." --related {record_id}',
        )
    if status == "closed":
        raise StateRefusal(f"{record_id} is closed; a closed problem is final", hint="open a new problem record")
    allowed = ", ".join(allowed_from(action, table))
    said = SAID_AS.get(action, action)
    raise StateRefusal(f"cannot {said} {record_id}: it is {status}; {said} is allowed when {allowed}")


# -- hand-over: who owns a ticket that moves, and what it is then --------------------------


def ever_owned(ticket: Ticket) -> bool:
    """Whether anybody has ever owned the ticket. A ticket that has been worked is never
    `new` again: `new` counts what nobody has touched, for the New backlog and time-in-New."""
    return bool(ticket.owner) or any(
        key == "owner" and value for entry in ticket.timeline for key, value in entry.changes
    )


def unowned_status(ticket: Ticket) -> str:
    """The status of an open ticket that nobody owns now: `new` only if nobody ever did."""
    return "assigned" if ever_owned(ticket) else "new"


def handed_over_status(ticket: Ticket, owner: str | None) -> str:
    """The status after a hand-over to another group or level, with `owner` the owner after it.

    The same person going on keeps the ticket's state; a new owner has not started yet
    (`assigned`); nobody: `assigned` without an owner if it was ever worked, else `new`.
    A pending ticket stays pending with its owner (the caller refuses it without one)."""
    if owner is not None and owner == ticket.owner:
        return ticket.status
    if ticket.status == "pending":
        return "pending"
    return "assigned" if owner else unowned_status(ticket)


# -- major incidents ----------------------------------------------------------------------

# Timeline entry kinds that decide whether a ticket is, or is proposed to be, a major incident.
MAJOR_DECISIONS = ("major", "no-major", "major-proposed")


def major_proposal(ticket: Ticket) -> Entry | None:
    """The proposal to declare the ticket a major incident that nobody has decided yet: the
    last `major-proposed` entry, when no declaration or rejection came after it."""
    last = next((e for e in reversed(ticket.timeline) if e.kind in MAJOR_DECISIONS), None)
    return last if last is not None and last.kind == "major-proposed" and not ticket.major else None


# -- closing ---------------------------------------------------------------------------


def missing_for_close(ticket: Ticket, config: Config, now: str) -> list[str]:
    """Every item of the close checklist the ticket does not meet yet (empty: it may close)."""
    missing = []
    if not ticket.category:
        missing.append("not categorised (itsm categorise --category)")
    if ticket.resolution is None:
        how = "--fulfilled" if ticket.type == "request" else "--fix or --workaround"
        missing.append(f"no resolution recorded (itsm resolve {how})")
    if ticket.notified is None:
        missing.append("the user has not been told (itsm notify)")
        if ticket.confirmed is None:
            missing.append("the user has not agreed (itsm confirm)")
    elif ticket.confirmed is None:
        silent_until = autoclose_at(ticket, config)
        reply = user_reply_after(ticket, ticket.notified)
        if reply is not None:
            missing.append(f"the user replied after being told ({reply.time}: {_first_line(reply.text)}); "
                           f"reopen it (itsm reopen) or record their agreement (itsm confirm)")
        elif ticket.major:
            missing.append("the user has not agreed (itsm confirm); a major incident never closes by silence")
        elif silent_until is None or now < silent_until:
            missing.append(f"the user has not agreed (itsm confirm, or wait for silence until {silent_until})")
    return missing


def user_reply_after(ticket: Ticket, since: str) -> Entry | None:
    """The user's first word (an inbound interaction) after `since`: after `notify`, a
    reply means the user has not gone silent, whatever it says."""
    for entry in ticket.timeline:
        if entry.time >= since and entry.kind != "notify" and direction(entry, ticket) == "in":
            return entry
    return None


def _first_line(text: str, limit: int = 60) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def autoclose_at(ticket: Ticket, config: Config) -> str | None:
    """When the user's silence since being told counts as agreement."""
    if ticket.notified is None:
        return None
    return timeutil.format(timeutil.parse(ticket.notified) + timedelta(days=config.autoclose_days))
