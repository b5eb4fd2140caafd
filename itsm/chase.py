"""`itsm chase`: what is slipping, worst first, and whom to chase about it.

Pure: tickets, config and `now` in, rows out. Everything is computed from the records'
timelines (SLA clocks included), so a hand-edited deadline cannot hide a breach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from itsm import lifecycle, sla, timeutil
from itsm.config import Config
from itsm.model import PRIORITIES, Ticket

# Worst first. The number orders rows; the text names the problem.
BREACH_RESOLUTION, BREACH_RESPONSE, RISK_RESOLUTION, RISK_RESPONSE = 0, 1, 2, 3
UNOWNED, PENDING_LONG, STALE, RESOLVED_OPEN = 4, 5, 6, 7
MAJOR_PROPOSED = -1  # a major incident proposed and not decided: the decision comes before all else


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
    worst: Issue = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "worst", min(self.issues, key=lambda i: (i.rank, i.since)))

    def to_json(self) -> dict[str, Any]:
        t = self.ticket
        return {
            "id": t.id, "title": t.title, "priority": t.priority, "major": t.major, "status": t.status,
            "group": t.group, "owner": t.owner, "what": self.worst.what, "since": self.worst.since,
            "issues": [i.to_json() for i in sorted(self.issues, key=lambda i: i.rank)],
            "chase": self.chase, "role": self.role,
        }


def slipping(tickets: list[Ticket], config: Config, now: datetime,
             group: str | None = None, owner: str | None = None) -> list[Row]:
    """Every ticket that is slipping: major incidents first, then the worst problem first."""
    rows = []
    for ticket in tickets:
        if ticket.status == "closed":
            continue
        if (group is not None and ticket.group != group) or (owner is not None and ticket.owner != owner):
            continue
        issues = _issues(ticket, config, now)
        if issues:
            rows.append(_row(ticket, issues, config))
    priority_rank = {p: i for i, p in enumerate(PRIORITIES)}
    rows.sort(key=lambda r: (not r.ticket.major, r.worst.rank, priority_rank.get(r.ticket.priority or "", 9),
                             r.worst.since, r.ticket.id))
    return rows


def _issues(ticket: Ticket, config: Config, now: datetime) -> list[Issue]:
    issues: list[Issue] = []
    stamp = timeutil.format
    if ticket.is_open:
        clocks = sla.clocks(ticket, config, now)
        risk = sla.clocks(ticket, config, now, share=config.chase.at_risk)
        for name, clock, at_risk, breach_rank, risk_rank in (
            ("resolution", clocks.resolution, risk.resolution, BREACH_RESOLUTION, RISK_RESOLUTION),
            ("response", clocks.response, risk.response, BREACH_RESPONSE, RISK_RESPONSE),
        ):
            if clock is None or at_risk is None or clock.stopped is not None:
                continue
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
            if now - timeutil.parse(since) >= config.chase.unowned_after:
                issues.append(Issue(UNOWNED, "nobody owns it", since))
        if ticket.status == "pending":
            since = _last(ticket, ("pend",)) or ticket.updated or ticket.created
            if now - timeutil.parse(since) >= config.chase.pending_after:
                issues.append(Issue(PENDING_LONG, "pending too long", since))
        else:
            since = ticket.updated or ticket.created
            if now - timeutil.parse(since) >= config.chase.stale_after:
                issues.append(Issue(STALE, "no update", since))
    elif (
        ticket.status == "resolved" and ticket.resolved
        and now - timeutil.parse(ticket.resolved) >= config.chase.resolved_after
    ):
        issues.append(Issue(RESOLVED_OPEN, f"resolved, not closed: {_next_step(ticket, config, now)}",
                            ticket.resolved))
    return issues


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


def _row(ticket: Ticket, issues: list[Issue], config: Config) -> Row:
    """Breaches go up the line to the group's manager; everything else to whoever owns it."""
    group = config.groups.get(ticket.group or "")
    worst = min(issue.rank for issue in issues)
    candidates: list[tuple[str | None, str]] = []
    if worst in (BREACH_RESOLUTION, BREACH_RESPONSE, MAJOR_PROPOSED) or ticket.major:
        candidates.append((group.manager if group else None, f"manager of {ticket.group}"))
    candidates.append((ticket.owner, "owner"))
    if group is not None:
        candidates.append((group.owner, f"queue owner of {group.name}"))
        candidates.append((group.manager, f"manager of {group.name}"))
    for person, role in candidates:
        if person:
            return Row(ticket, tuple(issues), person, role)
    return Row(ticket, tuple(issues), f"group {ticket.group or '(none)'}", "nobody named in itsm.yaml")
