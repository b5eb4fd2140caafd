"""The heart of the process: escalate, pend, resume, resolve, notify, confirm, close, reopen.

Each function validates what the user typed, then goes through `actions.update_ticket`:
the lifecycle table decides whether the action is allowed in the ticket's state (a
refusal changes nothing), one timeline entry records it, SLA deadlines follow, one commit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from itsm import config as config_mod
from itsm import facts, lifecycle, rules, timeutil
from itsm.actions import MAX_FIELD_BYTES, Outcome, choice, free_text, group_name, new_entry, person, update_ticket
from itsm.config import Config
from itsm.errors import StateRefusal, UsageError
from itsm.model import Problem, Record, Resolution, Ticket, record_entry
from itsm.store import Desk

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
    note: str | None = None, commit: bool = True,
) -> Ticket:
    """Functional escalation: to another support level (1 -> 2 -> 3) or group.

    The owner is cleared (the new group must pick it up) unless that group has a queue
    owner in itsm.yaml; a ticket nobody owns is `new` again, and `list --unowned` shows it.
    """
    if level not in (1, 2, 3):
        raise UsageError(f"level {level} does not exist", hint="support levels are 1, 2 and 3")
    group = group_name(desk, group)
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        target = group or default_escalation_group(desk.config, ticket, level)
        if (target, level) == (ticket.group, ticket.level):
            raise UsageError(f"{ticket.id} is already at level {level} in {target}")
        owner = desk.config.groups[target].owner
        updated = dataclasses.replace(
            ticket, group=target, level=level, owner=owner, status="assigned" if owner else "new",
        )
        moves = [f"level {ticket.level or '-'} -> {level}"]
        if target != ticket.group:
            moves.append(f"group {ticket.group or '(none)'} -> {target}")
        if owner != ticket.owner:
            moves.append(f"owner {ticket.owner or '(none)'} -> {owner or '(none)'}")
        summary = "; ".join(moves) + (f" ({note})" if note else "")
        return Outcome(updated, summary)

    return update_ticket(desk, ref, "escalate", actor, commit, change)


def escalate_to(
    desk: Desk, ref: str, *, actor: str, reason: str, to: str | None = None,
    note: str | None = None, major: bool = False, commit: bool = True,
) -> Ticket:
    """Hierarchical escalation: tell someone senior, and why; `major` declares a major incident.

    `to` defaults to the manager of the ticket's group. A major incident is P1 from then on
    (the previous priority stays in the timeline), is never auto-closed, and comes first in
    `chase` and reports.
    """
    choice(reason, tuple(ESCALATION_REASONS), "reason")
    note = free_text(note or "", "the note")
    senior = person(to, "the person to tell") if to else None

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        told = senior or _manager_of(desk.config, ticket)
        summary = f"told {told}: {ESCALATION_REASONS[reason]}" + (f". {note}" if note else "")
        updated = dataclasses.replace(ticket, status=status)
        more: tuple[tuple[str, str], ...] = ()
        subject = f"to {told} ({reason})"
        if major and not ticket.major:
            updated = dataclasses.replace(updated, major=True, priority="P1")
            change = ("priority stays P1" if ticket.priority == "P1"
                      else f"priority {ticket.priority or '(none)'} -> P1")
            more = (("major", f"Major incident declared, {told} told; {change}."),)
            subject += "; major incident declared"
        elif major:
            raise UsageError(f"{ticket.id} is already a major incident", hint="escalate without --major")
        return Outcome(updated, summary, more_entries=more, subject=subject)

    return update_ticket(desk, ref, "escalate-to", actor, commit, change, entry_kind="hierarchical")


def _manager_of(config: Config, ticket: Ticket) -> str:
    group = config.groups.get(ticket.group or "")
    if group is None or not group.manager:
        raise UsageError(
            f"the group {ticket.group or '(none)'} has no manager in itsm.yaml",
            hint="name the person with --to, or set groups.<group>.manager",
        )
    return group.manager


# -- waiting --------------------------------------------------------------------------------


def pend(desk: Desk, ref: str, *, actor: str, reason: str, commit: bool = True) -> Ticket:
    """Waiting on the user or a supplier: the SLA clocks pause until `resume`."""
    reason = free_text(reason, "the reason")
    if not reason:
        raise UsageError("say what the ticket is waiting for", hint='e.g. --reason "waiting for the user to reboot"')

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        return Outcome(dataclasses.replace(ticket, status=status), reason)

    return update_ticket(desk, ref, "pend", actor, commit, change)


def resume(desk: Desk, ref: str, *, actor: str, note: str | None = None, commit: bool = True) -> Ticket:
    """The wait is over: work goes on and the SLA clocks run again."""
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        since = next((e.time for e in reversed(ticket.timeline) if e.kind == "pend"), ticket.updated)
        waited = timeutil.span(timeutil.parse(now) - timeutil.parse(since or now))
        summary = f"resumed after {waited} pending" + (f": {note}" if note else "")
        return Outcome(dataclasses.replace(ticket, status=status), summary)

    return update_ticket(desk, ref, "resume", actor, commit, change)


# -- resolution and closure -------------------------------------------------------------------


def resolve(
    desk: Desk, ref: str, *, actor: str, workaround: str | None = None, fix: str | None = None,
    problem: str | None = None, kb: list[str] | None = None, code: str | None = None, commit: bool = True,
) -> Ticket:
    """Service restored: record how (exactly one of a workaround or a fix).

    `problem` links the ticket to a problem record, whose `incidents` gains the ticket in the
    same commit; `kb` records the articles that helped. A workaround that lands on neither a
    problem nor a KB article draws a warning: the next person will not find it.
    """
    if (workaround is None) == (fix is None):
        raise UsageError("say how it was resolved: give exactly one of --workaround TEXT or --fix TEXT")
    kind = "workaround" if workaround is not None else "fix"
    summary_text = free_text(workaround if workaround is not None else fix or "", f"the {kind}", MAX_FIELD_BYTES)
    if not summary_text:
        raise UsageError(f"the {kind} is empty", hint="say in a sentence what restored the service")
    choice(code, desk.config.resolution_codes, "resolution code")
    problem_path = desk.resolve(problem, ("problem",))[1] if problem else None
    kb_ids = [desk.resolve(ref_kb, ("kb",))[1].stem for ref_kb in kb or []]

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        misfit = desk.config.code_misfit(code, ticket.type, kind) if code else None
        if misfit:
            fitting = [c for c in desk.config.resolution_codes if desk.config.code_misfit(c, ticket.type, kind) is None]
            raise UsageError(f"{ticket.id}: {misfit}", hint=f"codes for {ticket.type}s resolved with a {kind}: {', '.join(fitting)}")
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
            ticket, status=status, resolved=now, problem=linked, kb=all_kb,
            resolution=Resolution(kind, summary_text, code), owner=ticket.owner or actor,
            resolved_by=actor, resolutions=facts.count_entries(ticket, "resolve") + 1,
        )
        links = ([f"problem {linked}"] if problem_path is not None else []) + [f"KB {k}" for k in kb_ids]
        summary = f"{kind}: {summary_text}" + (f" [{code}]" if code else "")
        if links:
            summary += f" ({', '.join(links)})"
        return Outcome(updated, summary, also=tuple(also), warnings=tuple(warnings))

    return update_ticket(desk, ref, "resolve", actor, commit, change)


def notify(desk: Desk, ref: str, *, actor: str, note: str | None = None, commit: bool = True) -> Ticket:
    """The user was told the ticket is resolved (the auto-close period starts now)."""
    note = free_text(note or "", "the note")

    def change(ticket: Ticket, now: str, status: str) -> Outcome:
        summary = f"told {ticket.reporter or 'the user'} it is resolved" + (f": {note}" if note else "")
        return Outcome(dataclasses.replace(ticket, status=status, notified=now), summary)

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
        # The current resolution leaves the front-matter (the ticket is open again); it stays
        # in its resolve entry, and `resolutions` still counts it.
        updated = dataclasses.replace(
            ticket, status=status if ticket.owner else "new", resolved=None, resolution=None,
            notified=None, confirmed=None, resolved_by=None, reopens=facts.count_entries(ticket, "reopen") + 1,
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
    for ticket in desk.tickets():
        if not rules.clocks_readable(ticket):
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

