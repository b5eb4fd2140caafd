"""The heart of the process: escalate, pend, resume, resolve, notify, confirm, close, reopen.

Each function validates what the user typed, then goes through `actions.update_ticket`:
the lifecycle table decides whether the action is allowed in the ticket's state (a
refusal changes nothing), one timeline entry records it, SLA deadlines follow, one commit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from itsm.channels import mail_out
from itsm.config import loading as config_mod
from itsm.config.loading import Config
from itsm.core import timeutil
from itsm.core.errors import StateRefusal, UsageError
from itsm.core.model import WAITS, Problem, Record, Resolution, Ticket, priority_for, record_entry
from itsm.domain import lifecycle, record_rules, resolutions
from itsm.operations.tickets import (
    MAX_FIELD_BYTES,
    Outcome,
    choice,
    free_text,
    group_name,
    hand_over,
    new_entry,
    person,
    update_ticket,
)
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


# -- waiting --------------------------------------------------------------------------------


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


# -- resolution and closure -------------------------------------------------------------------


# What `resolve --fulfilled` without a text records.
FULFILLED = "fulfilled as requested"


def resolve(
    desk: Desk, ref: str, *, actor: str, workaround: str | None = None, fix: str | None = None,
    problem: str | None = None, kb: list[str] | None = None, code: str | None = None,
    fulfilled: str | None = None, commit: bool = True,
) -> Ticket:
    """Service restored: record how (exactly one of a workaround or a fix); or, for a service
    request, that it was fulfilled (`fulfilled`, "" for the plain FULFILLED text).

    `problem` links the ticket to a problem record, whose `incidents` gains the ticket in the
    same commit; `kb` records the articles that helped. A workaround that lands on neither a
    problem nor a KB article draws a warning: the next person will not find it.
    """
    given = [kind for kind, text in (("workaround", workaround), ("fix", fix), ("fulfilled", fulfilled))
             if text is not None]
    if len(given) != 1:
        raise UsageError("say how it was resolved: give exactly one of --workaround TEXT or --fix TEXT "
                         "(an incident), or --fulfilled [TEXT] (a service request)")
    kind = given[0]
    typed = {"workaround": workaround, "fix": fix, "fulfilled": fulfilled}[kind] or ""
    summary_text = free_text(typed, f"the {kind}", MAX_FIELD_BYTES)
    if kind == "fulfilled":
        summary_text = summary_text or FULFILLED
        if problem is not None:
            raise UsageError("a service request is never linked to a problem; leave out --problem")
    if not summary_text:
        raise UsageError(f"the {kind} is empty", hint="say in a sentence what restored the service")
    choice(code, desk.config.resolution_codes, "resolution code")
    problem_path = desk.resolve(problem, ("problem",))[1] if problem else None
    kb_ids = [desk.resolve(ref_kb, ("kb",))[1].stem for ref_kb in kb or []]

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        _refuse_wrong_resolution(ticket, kind, problem_path is not None)
        misfit = desk.config.code_misfit(code, ticket.type, kind) if code else None
        if misfit:
            fitting = [c for c in desk.config.resolution_codes if desk.config.code_misfit(c, ticket.type, kind) is None]
            raise UsageError(f"{ticket.id}: {misfit}", hint=f"codes for {ticket.type}s {_resolved_how(kind)}: {', '.join(fitting)}")
        also: list[tuple[Record, Path]] = []
        linked = ticket.problem
        if problem_path is not None:
            problem_id = problem_path.stem
            if ticket.problem not in (None, problem_id):
                raise UsageError(f"{ticket.id} is already linked to {ticket.problem}")
            record = desk.read(problem_path, "problem")
            assert isinstance(record, Problem)
            if record.status == "closed" and ticket.id not in record.incidents:
                raise UsageError(f"{record.id} is closed; a closed problem takes no new incidents",
                                 hint=f"open a new problem for it: itsm problem new \"...\" -i {ticket.id}")
            if ticket.id not in record.incidents:
                record = record_entry(
                    record, dataclasses.replace(record, incidents=(*record.incidents, ticket.id)),
                    new_entry(actor, "link", f"Linked {ticket.id}: {ticket.title}", now),
                )
                also.append((record, problem_path))
            linked = problem_id
        all_kb = tuple(dict.fromkeys((*ticket.kb, *kb_ids)))
        warnings = []
        if kind == "workaround" and linked is None and not all_kb:
            warnings.append(
                f"{ticket.id}: this workaround is recorded only on the ticket; link a problem (--problem) "
                "or a KB article (--kb) so the next person finds it"
            )
        if not ticket.category:
            warnings.append(f"{ticket.id} is not categorised, and `itsm close` will refuse it until it is "
                            f"(itsm categorise {ticket.id} --category ...)")
        updated = dataclasses.replace(
            ticket, status=status, waiting_on=None, resolved=now, problem=linked, kb=all_kb,
            resolution=Resolution(kind, summary_text, code), owner=ticket.owner or actor,
            resolved_by=actor, resolutions=resolutions.count_entries(ticket, "resolve") + 1,
        )
        links = ([f"problem {linked}"] if problem_path is not None else []) + [f"KB {k}" for k in kb_ids]
        summary = f"{kind}: {summary_text}" + (f" [{code}]" if code else "")
        if links:
            summary += f" ({', '.join(links)})"
        return Outcome(updated, summary, also=tuple(also), warnings=tuple(warnings))

    return update_ticket(desk, ref, "resolve", actor, commit, change)


def _refuse_wrong_resolution(ticket: Ticket, kind: str, links_problem: bool) -> None:
    """A request is fulfilled, never fixed or worked around, and never linked to a problem;
    an incident is never 'fulfilled'; a request waiting for approval is not fulfilled yet."""
    if ticket.type == "request":
        if kind != "fulfilled":
            raise UsageError(f"{ticket.id} is a service request: it is fulfilled, not given a {kind}",
                             hint=f'itsm resolve {ticket.id} --fulfilled "what was delivered"')
        if links_problem:
            raise UsageError(f"{ticket.id} is a service request; a request is never linked to a problem")
        if ticket.approval == "requested":
            raise UsageError(f"{ticket.id} is waiting for approval; it cannot be fulfilled yet",
                             hint=f"itsm approve {ticket.id} (or itsm reject {ticket.id} --reason ...)")
    elif kind == "fulfilled":
        raise UsageError(f"{ticket.id} is an incident: it is resolved with --fix or --workaround, not --fulfilled",
                         hint="--fulfilled is for service requests (itsm new --type request)")


# -- service requests: approval -------------------------------------------------------------


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


def _resolved_how(kind: str) -> str:
    return f"resolved as {kind}" if kind in ("fulfilled", "rejected") else f"resolved with a {kind}"


def notify(desk: Desk, ref: str, *, actor: str, note: str | None = None, commit: bool = True,
           no_send: bool = False) -> Ticket:
    """The user was told the ticket is resolved (the auto-close period starts now).

    With an SMTP server configured (`email.smtp`), telling is an e-mail to the reporter: its
    resolution and how to answer, the ticket tag in the subject. It is sent before anything
    is written, and a server that does not take it refuses the command (nothing recorded).
    `no_send` records only (the user was told another way). A reporter that is no e-mail
    address is recorded as told, with a warning that nothing was sent."""
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        recipient, caveat = mail_out.sending(desk.config, ticket, no_send)
        updated = dataclasses.replace(ticket, status=status, notified=now)
        summary = f"told {ticket.reporter or 'the user'} it is resolved"
        mail = None
        if recipient is not None:
            mail = mail_out.compose(desk.config, ticket, recipient, now, *mail_out.resolved_text(desk.config, ticket),
                                   automatic=True)
            updated = dataclasses.replace(updated, message_ids=(*ticket.message_ids, mail.message_id))
            summary += f" by e-mail (Message-ID {mail.message_id})"
        elif caveat is not None:
            summary += " (nothing e-mailed: the reporter is not an e-mail address)"
        summary += f": {note}" if note else ""
        return Outcome(updated, summary, mail=mail, warnings=(caveat,) if caveat else ())

    return update_ticket(desk, ref, "notify", actor, commit, change)


def confirm(desk: Desk, ref: str, *, actor: str, note: str | None = None, commit: bool = True) -> Ticket:
    """The user agrees the ticket is done."""
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        # Agreeing that it is done is hearing that it is: a confirmation taken in a live
        # conversation tells the user too, so `close` need not ask for a separate notify.
        told = ticket.notified or now
        summary = f"{ticket.reporter or 'the user'} agrees it is done"
        if ticket.notified is None:
            summary += ", told it is resolved in the same conversation (notified too)"
        summary += f": {note}" if note else ""
        return Outcome(dataclasses.replace(ticket, status=status, confirmed=now, notified=told), summary)

    return update_ticket(desk, ref, "confirm", actor, commit, change)


def close(desk: Desk, ref: str, *, actor: str, note: str | None = None, commit: bool = True,
          automatic: bool = False) -> Ticket:
    """Close a resolved ticket — refused, listing what is missing, unless it is categorised,
    its resolution is recorded, the user was told, and the user agreed (or stayed silent
    for the auto-close period)."""
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        missing = lifecycle.missing_for_close(ticket, desk.config, now)
        if missing:
            raise StateRefusal(f"cannot close {ticket.id}: " + "; ".join(missing))
        if ticket.confirmed is not None:
            summary = "closed: the user agreed"
        else:
            summary = (
                f"closed automatically: {ticket.reporter or 'the user'} was told on {ticket.notified} "
                f"and stayed silent for {desk.config.autoclose_days} days"
            )
        summary += f". {note}" if note else ""
        return Outcome(dataclasses.replace(ticket, status=status, closed=now), summary)

    return update_ticket(desk, ref, "close", actor, commit, change)


def reopen(desk: Desk, ref: str, *, actor: str, reason: str, commit: bool = True) -> Ticket:
    """A resolved ticket goes back to work (the time it spent resolved does not count)."""
    reason = free_text(reason, "the reason")
    if not reason:
        raise UsageError("say why the ticket is reopened", hint='e.g. --reason "the VPN dropped again"')

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        if ticket.resolution is not None and ticket.resolution.kind == "rejected":
            raise StateRefusal(f"{ticket.id} was rejected; a rejection is final",
                               hint=f'record a new request that points back to it: itsm new "..." '
                                    f"--type request --related {ticket.id}")
        # The current resolution leaves the front-matter (the ticket is open again); it stays
        # in its resolve entry, and `resolutions` still counts it.
        updated = dataclasses.replace(
            ticket, status=status if ticket.owner else lifecycle.unowned_status(ticket), resolved=None, resolution=None,
            notified=None, confirmed=None, resolved_by=None, reopens=resolutions.count_entries(ticket, "reopen") + 1,
        )
        previous = ticket.resolution
        summary = reason + (f" (was resolved with a {previous.kind}: {previous.summary})" if previous else "")
        return Outcome(updated, summary, subject=reason)

    return update_ticket(desk, ref, "reopen", actor, commit, change)


@dataclass(frozen=True)
class AutocloseResult:
    ticket_id: str
    closed: bool
    reason: str


def autoclose(desk: Desk, *, actor: str, dry_run: bool = False, commit: bool = True) -> list[AutocloseResult]:
    """Close every resolved ticket whose user was told and stayed silent for the configured
    days (never a major incident). One commit per ticket; `dry_run` changes nothing."""
    config_mod.require_valid(desk.config)  # a wrong autoclose_days must close nothing
    if not dry_run:
        desk.refuse_unfinished_git()  # the same answer for every ticket: say it once, as a refusal
    now = timeutil.stamp()
    results = []
    from itsm.readmodel import database  # SQLite only for the commands that read the whole desk

    # A model the desk has is used; none is made here: autoclose may yet be refused.
    for ticket in database.tickets(desk, "status = 'resolved'", create=False):
        if not record_rules.clocks_readable(ticket):
            continue  # warned about by the reader; its times cannot be read
        if ticket.status != "resolved" or ticket.confirmed is not None or ticket.notified is None:
            continue
        due = lifecycle.autoclose_at(ticket, desk.config)
        if due is None or now < due:
            continue
        if ticket.major:
            results.append(AutocloseResult(ticket.id, False, "a major incident is never closed by silence"))
            continue
        missing = lifecycle.missing_for_close(ticket, desk.config, now)
        if missing:
            results.append(AutocloseResult(ticket.id, False, "; ".join(missing)))
            continue
        if not dry_run:
            try:
                close(desk, ticket.id, actor=actor, commit=commit)
            except StateRefusal as exc:  # changed meanwhile by someone else: report, go on
                results.append(AutocloseResult(ticket.id, False, exc.message))
                continue
        results.append(AutocloseResult(ticket.id, True, f"user silent since {ticket.notified}"))
    return results

