"""Escalation: functional (to another level or group) and hierarchical (to someone senior),
and major incidents (proposed, declared, stood down).

Each goes through `update_ticket` (itsm/operations/tickets.py): the lifecycle table decides
whether it is allowed, one timeline entry records it, SLA deadlines follow, one commit.
"""

from __future__ import annotations

import dataclasses

from itsm.config.settings import Config
from itsm.core.errors import UsageError
from itsm.core.model import Ticket, priority_for
from itsm.domain import lifecycle
from itsm.operations.inputs import choice, free_text, group_name, person
from itsm.operations.tickets import Outcome, hand_over, update_ticket
from itsm.storage.store import Desk

ESCALATION_REASONS = {
    "impact": "the impact is serious",
    "no-fix": "no fix has been found",
    "slow": "the response is too slow",
}


# -- escalation ---------------------------------------------------------------------------


def default_escalation_group(config: Config, ticket: Ticket, level: int) -> str:
    """Where `escalate --level N` sends a ticket when no --group is given.

    In order: the current group's `escalates_to` (if at that level), the category's group
    (if at that level), the desk's default group for level 1, the only group at that level.
    """
    current = config.groups.get(ticket.group or "")
    if current and current.escalates_to and config.groups[current.escalates_to].level == level:
        return current.escalates_to
    by_category = config.group_for(ticket.category)
    if ticket.category and config.groups[by_category].level == level:
        return by_category
    if level == 1 and config.groups[config.default_group].level == 1:
        return config.default_group
    at_level = [g.name for g in config.groups.values() if g.level == level]
    if len(at_level) == 1:
        return at_level[0]
    raise UsageError(
        f"no default level-{level} group for {ticket.id}",
        hint=f"pass --group (level-{level} groups: {', '.join(at_level) or 'none'})",
    )


def escalate(
    desk: Desk, ref: str, *, actor: str, level: int, group: str | None = None,
    owner: str | None = None, note: str | None = None, commit: bool = True,
) -> Ticket:
    """Functional escalation: to another support level (1 -> 2 -> 3) or group.

    A hand-over (`actions.hand_over`, the same rule as `assign --group`): the owner is
    dropped unless `owner` names the new one or the target group has a queue owner; a ticket
    that was worked is then `assigned` to nobody (`list --unowned`), never `new` again.
    """
    if level not in (1, 2, 3):
        raise UsageError(f"level {level} does not exist", hint="support levels are 1, 2 and 3")
    group = group_name(desk, group)
    owner = person(owner, "owner") if owner is not None else None
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        target = group or default_escalation_group(desk.config, ticket, level)
        if (target, level) == (ticket.group, ticket.level):
            raise UsageError(f"{ticket.id} is already at level {level} in {target}")
        updated = hand_over(desk, ticket, target, level, owner)
        moves = [f"level {ticket.level or '-'} -> {level}"]
        if target != ticket.group:
            moves.append(f"group {ticket.group or '(none)'} -> {target}")
        if updated.owner != ticket.owner:
            moves.append(f"owner {ticket.owner or '(none)'} -> {updated.owner or '(none)'}")
        summary = "; ".join(moves) + (f" ({note})" if note else "")
        return Outcome(updated, summary)

    return update_ticket(desk, ref, "escalate", actor, commit, change)


def escalate_to(
    desk: Desk, ref: str, *, actor: str, reason: str, to: str | None = None,
    note: str | None = None, major: bool = False, commit: bool = True,
) -> Ticket:
    """Hierarchical escalation: tell someone senior, and why; `major` declares a major incident.

    `to` defaults to the manager of the ticket's group. A major incident's impact is high and
    it is P1 from then on (the previous impact and priority stay in the timeline), is never
    auto-closed, and comes first in `chase` and reports. Declaring may be restricted to the
    people of `major_incident.declare` and the group managers (`may_decide_major`).
    """
    choice(reason, tuple(ESCALATION_REASONS), "reason")
    note = free_text(note or "", "the note")
    senior = person(to, "the person to tell") if to else None

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        if major:
            _refuse_major_on_request(ticket, "declared")
            _refuse_unless_may_decide(desk.config, ticket, actor, "declare")
        told = senior or _manager_of(desk.config, ticket)
        summary = f"told {told}: {ESCALATION_REASONS[reason]}" + (f". {note}" if note else "")
        updated = dataclasses.replace(ticket, status=status)
        more: tuple[tuple[str, str], ...] = ()
        subject = f"to {told} ({reason})"
        if major and not ticket.major:
            # The impact that made it major is recorded: a reader of the record, or a report
            # grouping by impact, must not see a "medium" major incident.
            updated = dataclasses.replace(updated, major=True, impact="high", priority="P1")
            moved = [f"impact {ticket.impact or '(none)'} -> high"] if ticket.impact != "high" else []
            moved.append("priority stays P1" if ticket.priority == "P1"
                         else f"priority {ticket.priority or '(none)'} -> P1")
            more = (("major", f"Major incident declared, {told} told; {', '.join(moved)}."),)
            subject += "; major incident declared"
        elif major:
            raise UsageError(f"{ticket.id} is already a major incident", hint="escalate without --major")
        return Outcome(updated, summary, more_entries=more, subject=subject)

    return update_ticket(desk, ref, "escalate-to", actor, commit, change, entry_kind="hierarchical")


def stand_down(desk: Desk, ref: str, *, actor: str, reason: str, note: str | None = None,
               commit: bool = True) -> Ticket:
    """`escalate --no-major`: a major incident is stood down, its priority back to the matrix's
    impact x urgency; on a ticket only proposed as major, the proposal is rejected. Either is
    one `no-major` entry with the reason; the same people may do it as may declare."""
    reason = _decision_reason(reason, note)

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        _refuse_major_on_request(ticket, "stood down")
        proposal = lifecycle.major_proposal(ticket)
        if not ticket.major and proposal is None:
            raise UsageError(f"{ticket.id} is not a major incident, nor proposed as one; nothing to stand down")
        _refuse_unless_may_decide(desk.config, ticket, actor, "stand down" if ticket.major else "reject")
        if proposal is not None:
            summary = f"Major incident proposed by {proposal.actor} rejected: {reason}"
            return Outcome(dataclasses.replace(ticket, status=status), summary)
        priority = priority_for(desk.config.matrix, ticket.impact, ticket.urgency)
        updated = dataclasses.replace(ticket, status=status, major=False, priority=priority)
        summary = (f"Major incident stood down: {reason}; priority {ticket.priority or '(none)'} -> "
                   f"{priority or '(none)'} (impact {ticket.impact or '-'} x urgency {ticket.urgency or '-'})")
        return Outcome(updated, summary)

    return update_ticket(desk, ref, "escalate-to", actor, commit, change, entry_kind="no-major")


def propose_major(desk: Desk, ref: str, *, actor: str, reason: str, note: str | None = None,
                  commit: bool = True) -> Ticket:
    """`escalate --propose-major`: ask for a major incident to be declared. The ticket stays as
    it is; `itsm chase` chases the group's manager until someone declares or rejects it."""
    reason = _decision_reason(reason, note)

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        _refuse_major_on_request(ticket, "proposed")
        if ticket.major:
            raise UsageError(f"{ticket.id} is already a major incident; nothing to propose")
        pending = lifecycle.major_proposal(ticket)
        if pending is not None:
            raise UsageError(f"{ticket.id} was already proposed as a major incident by {pending.actor} at {pending.time}",
                             hint=f"the decision is pending: itsm escalate {ticket.id} --major or --no-major")
        return Outcome(dataclasses.replace(ticket, status=status), f"Major incident proposed by {actor}: {reason}")

    return update_ticket(desk, ref, "escalate-to", actor, commit, change, entry_kind="major-proposed")


def may_decide_major(config: Config, actor: str) -> bool:
    """Whether `actor` may declare, stand down or reject a major incident: anyone when
    `major_incident.declare` is empty; else the people it names and every group's manager."""
    if not config.major_declarers:
        return True
    managers = {group.manager for group in config.groups.values() if group.manager}
    return actor in config.major_declarers or actor in managers


def _refuse_unless_may_decide(config: Config, ticket: Ticket, actor: str, verb: str) -> None:
    if may_decide_major(config, actor):
        return
    named = ", ".join(config.major_declarers)
    raise UsageError(
        f"{actor} may not {verb} a major incident: major_incident.declare in itsm.yaml names {named}, and group managers",
        hint=(f'propose it: itsm escalate {ticket.id} --propose-major --reason "..."' if verb == "declare"
              else "ask one of them or a group manager"),
    )


def _refuse_major_on_request(ticket: Ticket, done: str) -> None:
    if ticket.type == "request":
        raise UsageError(f"{ticket.id} is a request; a request is never a major incident, so it cannot be {done}",
                         hint="only an incident can be a major incident")


def _decision_reason(reason: str, note: str | None) -> str:
    """The reason, in words, for a stand-down or a proposal (a note is added after it)."""
    reason = free_text(reason, "the reason")
    if not reason:
        raise UsageError("say why", hint='e.g. --reason "only the test VPN gateway is affected"')
    note = free_text(note or "", "the note")
    return f"{reason}. {note}" if note else reason


def _manager_of(config: Config, ticket: Ticket) -> str:
    group = config.groups.get(ticket.group or "")
    if group is None or not group.manager:
        raise UsageError(
            f"the group {ticket.group or '(none)'} has no manager in itsm.yaml",
            hint="name the person with --to, or set groups.<group>.manager",
        )
    return group.manager
