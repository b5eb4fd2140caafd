"""`itsm chase`: what is slipping, most consequential first, and whom to chase about it.

Pure: tickets, config and `now` in, rows out. Everything is computed from the records'
timelines (SLA clocks included), so a hand-edited deadline cannot hide a breach.

The order is the order of handling ITIL gives priority: major incidents first, then by
priority (P1 before P5), then by the working time left before a breach (breached = negative,
most overdue first), then the other problems. A P5 breached for weeks must never push a P1
that is about to breach down the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from itsm.config.settings import Config
from itsm.core import timeutil
from itsm.core.model import PRIORITIES, Ticket
from itsm.domain import lifecycle, sla, working_time

# Which problem names a row (the lowest number), and how rows without a running SLA clock
# are ordered. The text names the problem.
BREACH_RESOLUTION, BREACH_RESPONSE = 0, 1
# A major incident proposed and not yet decided (issue 9, item 7): a decision only the group's
# manager can take, so it is chased to the manager (see MANAGER_ISSUES).
MAJOR_PROPOSED = 2
RISK_RESOLUTION, RISK_RESPONSE = 3, 4
UNOWNED, PENDING_LONG, STALE, RESOLVED_OPEN = 5, 6, 7, 8
# The user answered after being told it is resolved: someone must read it (reopen or confirm).
USER_REPLIED = 9

# Problems the owner cannot be left alone with: they go up the line to the group's manager.
MANAGER_ISSUES = frozenset({BREACH_RESOLUTION, BREACH_RESPONSE, MAJOR_PROPOSED})
# At these priorities a clock at risk is already the manager's business (ITIL's hierarchical
# escalation for high-priority incidents): lower priorities at risk go to the owner.
AT_RISK_TO_MANAGER = frozenset({"P1", "P2"})
_RISK = frozenset({RISK_RESOLUTION, RISK_RESPONSE})


@dataclass(frozen=True)
class Issue:
    rank: int
    what: str
    since: str

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "since": self.since}


@dataclass(frozen=True)
class Row:
    ticket: Ticket
    issues: tuple[Issue, ...]
    chase: str  # the person to chase
    role: str  # why them: "owner", "manager of network", ...
    left: timedelta | None = None  # working time before the nearest breach (negative: past it)
    position: int = 0  # 1 for the row to chase first, once sorted
    worst: Issue = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "worst", min(self.issues, key=lambda i: (i.rank, i.since)))

    def to_json(self) -> dict[str, Any]:
        t = self.ticket
        return {
            "rank": self.position, "id": t.id, "title": t.title, "priority": t.priority, "major": t.major,
            "status": t.status, "group": t.group, "owner": t.owner, "what": self.worst.what,
            "since": self.worst.since, "left_minutes": _minutes(self.left),
            "issues": [i.to_json() for i in sorted(self.issues, key=lambda i: i.rank)],
            "chase": self.chase, "role": self.role,
        }


def _minutes(left: timedelta | None) -> int | None:
    # Whole minutes, rounded down as `itsm show` rounds `left_minutes` (sla.Standing).
    return None if left is None else int(left.total_seconds() // 60)


def slipping(tickets: list[Ticket], config: Config, now: datetime,
             group: str | None = None, owner: str | None = None) -> list[Row]:
    """Every ticket that is slipping, in the order to handle them: major incidents first,
    then by priority, then by the working time left before a breach, then by problem."""
    rows = []
    for ticket in tickets:
        if ticket.status == "closed":
            continue
        if (group is not None and ticket.group != group) or (owner is not None and ticket.owner != owner):
            continue
        clocks = sla.clocks(ticket, config, now) if ticket.is_open else None
        issues = _issues(ticket, config, now, clocks)
        if issues:
            rows.append(_row(ticket, issues, config, _left(clocks)))
    rows.sort(key=_order)
    return [Row(r.ticket, r.issues, r.chase, r.role, r.left, position) for position, r in enumerate(rows, 1)]


_PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}


def _order(row: Row) -> tuple[Any, ...]:
    no_clock = row.left is None  # resolved, or no target: after every running clock of its priority
    return (not row.ticket.major, _PRIORITY_RANK.get(row.ticket.priority or "", len(PRIORITIES)),
            no_clock, row.left if row.left is not None else timedelta(0), row.worst.rank, row.worst.since, row.ticket.id)


def _left(clocks: sla.Clocks | None) -> timedelta | None:
    """Working time before the ticket's nearest breach: the least left on a clock that has
    not stopped (a paused clock keeps what it had). None when no clock is running."""
    if clocks is None:
        return None
    left = [c.remaining for c in (clocks.response, clocks.resolution) if c is not None and c.stopped is None]
    return min(left, default=None)


def _lasted(ticket: Ticket, config: Config, since: str, threshold: str, now: datetime) -> bool:
    """Whether `since` is at least the threshold `chase.<threshold>` ago, in the working time
    of the ticket's priority: a ticket recorded on Saturday has been unowned for no time at
    all at 06:00 on Monday. A threshold in days is working days, as SLA targets are."""
    calendar = working_time.calendar_for(config, ticket.priority)
    start = timeutil.parse(since)
    limit = calendar.target(start, getattr(config.chase, threshold), config.chase.days.get(threshold))
    return calendar.measure(start, now) >= limit


def _issues(ticket: Ticket, config: Config, now: datetime, clocks: sla.Clocks | None) -> list[Issue]:
    """Every problem of one ticket; `clocks` are its SLA clocks at `now` when it is open."""
    issues: list[Issue] = []
    stamp = timeutil.format
    if clocks is not None:
        risk = sla.clocks(ticket, config, now, share=config.chase.at_risk)
        for name, clock, at_risk, breach_rank, risk_rank in (
            ("resolution", clocks.resolution, risk.resolution, BREACH_RESOLUTION, RISK_RESOLUTION),
            ("response", clocks.response, risk.response, BREACH_RESPONSE, RISK_RESPONSE),
        ):
            if clock is None or at_risk is None or clock.stopped is not None:
                continue
            # A target missed under an earlier priority stays a breach (issue 9, item 2).
            issues.extend(Issue(breach_rank, f"{name} SLA breached as {b.priority}", stamp(b.due))
                          for b in clock.earlier)
            if clock.breached:
                issues.append(Issue(breach_rank, f"{name} SLA breached", stamp(clock.due)))
            elif clock.fraction >= config.chase.at_risk:
                used = int(round(clock.fraction * 100, 6))  # 0.58 * 100 is 57.999...: not 57 %
                issues.append(Issue(risk_rank, f"{name} SLA at risk ({used}% used, due {stamp(clock.due)})",
                                    stamp(at_risk.due)))
        proposal = lifecycle.major_proposal(ticket)
        if proposal is not None:
            issues.append(Issue(MAJOR_PROPOSED, f"major incident proposed by {proposal.actor}", proposal.time))
        if not ticket.owner:
            since = _last(ticket, ("escalate", "assign")) or ticket.created
            if _lasted(ticket, config, since, "unowned_after", now):
                issues.append(Issue(UNOWNED, "nobody owns it", since))
        if ticket.status == "pending":
            since = _last(ticket, ("pend",)) or ticket.updated or ticket.created
            if _lasted(ticket, config, since, "pending_after", now):
                # A supplier's (or a change's) wait is chased as such: the owner chases them.
                waits = ticket.waiting_on if ticket.waiting_on not in (None, "user") else None
                issues.append(Issue(PENDING_LONG, f"waiting on {waits} too long" if waits else "pending too long", since))
        else:
            since = ticket.updated or ticket.created
            if _lasted(ticket, config, since, "stale_after", now):
                issues.append(Issue(STALE, "no update", since))
    elif ticket.status == "resolved" and ticket.notified and (
            reply := lifecycle.user_reply_after(ticket, ticket.notified)) is not None:
        issues.append(Issue(USER_REPLIED, "the user replied after resolution", reply.time))
    elif (
        ticket.status == "resolved" and ticket.resolved
        and not _waiting_for_silence(ticket, config, now)
        and _lasted(ticket, config, ticket.resolved, "resolved_after", now)
    ):
        issues.append(Issue(RESOLVED_OPEN, f"resolved, not closed: {_next_step(ticket, config, now)}",
                            ticket.resolved))
    return issues


def _waiting_for_silence(ticket: Ticket, config: Config, now: datetime) -> bool:
    """A resolved ticket whose user was told, has not answered, and whose autoclose time has
    not come: nothing is slipping, the desk is giving the user the agreed time to object. Not
    so for a ticket autoclose would not close (a major incident; not categorised)."""
    if ticket.notified is None or ticket.confirmed is not None or ticket.major:
        return False
    silent_until = lifecycle.autoclose_at(ticket, config)
    if silent_until is None or now >= timeutil.parse(silent_until):
        return False
    # Waiting only if, once the silence has lasted, autoclose would have nothing left to ask.
    return not lifecycle.missing_for_close(ticket, config, silent_until)


def _next_step(ticket: Ticket, config: Config, now: datetime) -> str:
    """What really stands between a resolved ticket and its closure — the close checklist,
    so chase never sends anyone to `itsm autoclose` for a ticket autoclose will not close."""
    if ticket.notified is None:
        return "tell the user (itsm notify)"
    missing = lifecycle.missing_for_close(ticket, config, timeutil.format(now))
    if missing:
        return "; ".join(missing)
    if ticket.confirmed is not None:
        return "the user agreed: close it (itsm close)"
    return "the user stayed silent: close it (itsm close, or itsm autoclose)"


def _last(ticket: Ticket, kinds: tuple[str, ...]) -> str | None:
    return next((e.time for e in reversed(ticket.timeline) if e.kind in kinds), None)


def _row(ticket: Ticket, issues: list[Issue], config: Config, left: timedelta | None) -> Row:
    """Breaches, major incidents and P1/P2 at risk go up the line to the group's manager;
    everything else to whoever owns it."""
    group = config.groups.get(ticket.group or "")
    ranks = {issue.rank for issue in issues}
    to_manager = (
        ticket.major or bool(ranks & MANAGER_ISSUES)
        or (ticket.priority in AT_RISK_TO_MANAGER and bool(ranks & _RISK))
    )
    candidates: list[tuple[str | None, str]] = []
    if to_manager:
        candidates.append((group.manager if group else None, f"manager of {ticket.group}"))
    candidates.append((ticket.owner, "owner"))
    if group is not None:
        candidates.append((group.owner, f"queue owner of {group.name}"))
        candidates.append((group.manager, f"manager of {group.name}"))
    for person, role in candidates:
        if person:
            return Row(ticket, tuple(issues), person, role, left)
    return Row(ticket, tuple(issues), f"group {ticket.group or '(none)'}", "nobody named in itsm.yaml", left)
