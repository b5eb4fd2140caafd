"""Which action may happen in which state: one table, not `if` chains spread over commands."""

from __future__ import annotations

from datetime import timedelta

from itsm import timeutil
from itsm.config import Config
from itsm.errors import StateRefusal
from itsm.model import OPEN_STATUSES, STATUSES, Entry, Ticket
from itsm.sla import direction

_OPEN = {status: status for status in OPEN_STATUSES}
_NOT_CLOSED = {status: status for status in STATUSES if status != "closed"}

# action -> {status before: status after}. A pair that is not here is refused.
TRANSITIONS: dict[str, dict[str, str]] = {
    "assign": {"new": "assigned", "assigned": "assigned", "in_progress": "in_progress", "pending": "pending"},
    # The owner's first recorded work on an assigned ticket starts it.
    "start": {"assigned": "in_progress"},
    "log": dict(_NOT_CLOSED),
    "categorise": dict(_NOT_CLOSED),
    "edit": dict(_NOT_CLOSED),
    # Functional escalation hands the ticket to another level or group (who must pick it
    # up), so it is not allowed while pending: resume first, and the clocks run again.
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
