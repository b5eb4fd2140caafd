"""Problem records: finding and removing the root causes behind incidents.

A problem's life is open -> known_error (a workaround is recorded) -> resolved (fixed, root
cause known) -> closed, by the table in `itsm/domain/lifecycle.py`. Links between a problem and
its incidents are kept on both sides and written in one commit: the problem's `incidents`
and each ticket's `problem`, each with a `link` timeline entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from itsm.config import loading as config_mod
from itsm.core import timeutil
from itsm.core.errors import UsageError
from itsm.core.model import Problem, Record, Ticket, record_entry
from itsm.domain import lifecycle, sla
from itsm.domain.lifecycle import PROBLEM_TRANSITIONS
from itsm.operations.inputs import MAX_FIELD_BYTES, category_name, free_text, title_text
from itsm.operations.tickets import new_entry
from itsm.storage.store import Desk


def _linked_tickets(
    desk: Desk, problem_id: str, refs: list[str], actor: str, now: str
) -> list[tuple[Ticket, Path, bool]]:
    """Every ticket named by `refs`, pointing at the problem: (ticket, path, changed now).

    A ticket that already points here is kept unchanged; one linked to another problem is
    refused. A closed ticket may be linked too: problem management looks back at past
    incidents, and the link changes no state.
    """
    linked: list[tuple[Ticket, Path, bool]] = []
    seen: set[str] = set()
    for ref in refs:
        ticket, path = desk.load_ticket(ref, faulty="refuse")
        if ticket.id in seen:
            continue
        seen.add(ticket.id)
        if ticket.type == "request":
            raise UsageError(f"{ticket.id} is a service request; a request is never linked to a problem",
                             hint="problems explain incidents: link the incidents behind it instead")
        if ticket.problem == problem_id:
            linked.append((ticket, path, False))
            continue
        if ticket.problem is not None:
            raise UsageError(f"{ticket.id} is already linked to {ticket.problem}",
                             hint=f"a ticket has one problem; unlink it from {ticket.problem} first by hand")
        entry = new_entry(actor, "link", f"Linked to problem {problem_id}.", now)
        after = record_entry(ticket, dataclasses.replace(ticket, problem=problem_id), entry)
        # Derived afresh like every other write, so `responded` and the clocks agree.
        linked.append((sla.with_deadlines(after, desk.config, timeutil.parse(now)), path, True))
    return linked


def new_problem(
    desk: Desk, *, title: str, actor: str, category: str | None = None, description: str = "",
    incidents: list[str] | None = None, owner: str | None = None, commit: bool = True,
) -> Problem:
    """Open a problem record, linked to its incidents (both sides, one commit)."""
    config_mod.require_valid(desk.config)
    title = title_text(title)
    category = category_name(desk, category)
    description = free_text(description, "the description")
    with desk.lock():
        now = timeutil.stamp()
        problem_id = desk.mint_id(desk.config.prefixes["problem"])
        tickets = _linked_tickets(desk, problem_id, incidents or [], actor, now)
        ids = tuple(t.id for t, _, _ in tickets)
        text = "Problem recorded" + (f", from {', '.join(ids)}" if ids else "") + "."
        problem = Problem(
            id=problem_id, title=title, category=category, owner=owner or actor, incidents=ids,
            created=now, description=description,
        )
        problem = record_entry(None, problem, new_entry(actor, "created", text, now))
        with desk.transaction(actor, f"{problem_id} new: {title}", commit) as tx:
            tx.write(problem, create=True)
            for ticket, path, changed in tickets:
                if changed:
                    tx.write(ticket, path)
    return problem


Change = Callable[[Problem, str, str], tuple[Problem, str, list[tuple[Record, Path]]]]


def _update(desk: Desk, ref: str, action: str, actor: str, commit: bool, change: Change) -> Problem:
    config_mod.require_valid(desk.config)
    with desk.lock():
        record, path = desk.load(ref, ("problem",), faulty="refuse")
        assert isinstance(record, Problem)
        status = lifecycle.next_status(action, record.id, record.status, PROBLEM_TRANSITIONS)
        now = timeutil.stamp()
        after, summary, also = change(record, now, status)
        after = record_entry(record, after, new_entry(actor, action, summary, now))
        with desk.transaction(actor, f"{after.id} {action}: {summary.splitlines()[0]}", commit) as tx:
            tx.write(after, path)
            for other, other_path in also:
                tx.write(other, other_path)
    return after


def link(desk: Desk, ref: str, incidents: list[str], *, actor: str, commit: bool = True) -> Problem:
    """Link incidents to a problem: both sides, one commit."""
    if not incidents:
        raise UsageError("name at least one ticket to link")

    def change(problem: Problem, now: str, status: str) -> tuple[Problem, str, list[tuple[Record, Path]]]:
        tickets = _linked_tickets(desk, problem.id, incidents, actor, now)
        # Either side may be missing (a one-sided link `itsm check` reports): link repairs both.
        new_ids = [t.id for t, _, _ in tickets if t.id not in problem.incidents]
        changed: list[tuple[Record, Path]] = [(t, p) for t, p, was_changed in tickets if was_changed]
        if not new_ids and not changed:
            named = ", ".join(t.id for t, _, _ in tickets)
            raise UsageError(f"{problem.id} and {named} are already linked; nothing to link")
        updated = dataclasses.replace(problem, status=status, incidents=(*problem.incidents, *new_ids))
        summary = f"linked {', '.join(new_ids or [t.id for t, _ in changed])}"
        return updated, summary, changed

    return _update(desk, ref, "link", actor, commit, change)


def workaround(desk: Desk, ref: str, text: str, *, actor: str, commit: bool = True) -> Problem:
    """Record how to restore service while the cause stays: the problem is a known error."""
    text = free_text(text, "the workaround", MAX_FIELD_BYTES)
    if not text:
        raise UsageError("the workaround is empty", hint="say what restores service, step by step")

    def change(problem: Problem, now: str, status: str) -> tuple[Problem, str, list[tuple[Record, Path]]]:
        return dataclasses.replace(problem, status=status, workaround=text), text, []

    return _update(desk, ref, "workaround", actor, commit, change)


def resolve(
    desk: Desk, ref: str, *, fix: str, actor: str, root_cause: str | None = None, commit: bool = True,
) -> tuple[Problem, list[Ticket]]:
    """The cause is removed. Returns the problem and its linked incidents still open, so
    they can be resolved too."""
    fix = free_text(fix, "the fix", MAX_FIELD_BYTES)
    if not fix:
        raise UsageError("the fix is empty", hint="say what removed the cause")
    cause = free_text(root_cause, "the root cause", MAX_FIELD_BYTES) if root_cause else None

    def change(problem: Problem, now: str, status: str) -> tuple[Problem, str, list[tuple[Record, Path]]]:
        updated = dataclasses.replace(
            problem, status=status, fix=fix, root_cause=cause or problem.root_cause, resolved=now,
        )
        summary = f"fix: {fix}" + (f"\nRoot cause: {cause}" if cause else "")
        return updated, summary, []

    problem = _update(desk, ref, "resolve", actor, commit, change)
    return problem, open_incidents(desk, problem)


def open_incidents(desk: Desk, problem: Problem) -> list[Ticket]:
    """The problem's linked incidents that are still open (missing or broken ones are
    `itsm check`'s to name)."""
    still_open = []
    for ticket_id in problem.incidents:
        try:
            ticket, _ = desk.load_ticket(ticket_id, faulty="accept")
        except UsageError:
            continue
        if ticket.is_open:
            still_open.append(ticket)
    return still_open


def close(desk: Desk, ref: str, *, actor: str, force: bool = False, commit: bool = True) -> Problem:
    """Close a resolved problem. While one of its incidents is still open the close is
    refused — the incident would lose the record that explains it — unless `force`, and then
    the close entry names them."""

    def change(problem: Problem, now: str, status: str) -> tuple[Problem, str, list[tuple[Record, Path]]]:
        still_open = open_incidents(desk, problem)
        named = ", ".join(f"{t.id} [{t.status}]" for t in still_open)
        if still_open and not force:
            raise UsageError(f"{problem.id} still has open incidents: {named}",
                             hint="resolve them first (itsm resolve ID ...), or close anyway with --force")
        summary = f"closed, with open incidents: {named}" if still_open else "closed"
        return dataclasses.replace(problem, status=status, closed=now), summary, []

    return _update(desk, ref, "close", actor, commit, change)


def unlink(desk: Desk, ref: str, incidents: list[str], *, actor: str, commit: bool = True) -> Problem:
    """Take incidents off a problem (a link made by mistake): both sides, one commit."""
    if not incidents:
        raise UsageError("name at least one ticket to unlink")

    def change(problem: Problem, now: str, status: str) -> tuple[Problem, str, list[tuple[Record, Path]]]:
        changed: list[tuple[Record, Path]] = []
        removed: list[str] = []
        for ref in incidents:
            ticket, path = desk.load_ticket(ref, faulty="refuse")
            if ticket.id in removed:
                continue
            if ticket.problem != problem.id and ticket.id not in problem.incidents:
                raise UsageError(f"{ticket.id} is not linked to {problem.id}",
                                 hint=f"its problem: {ticket.problem}" if ticket.problem else None)
            removed.append(ticket.id)
            if ticket.problem == problem.id:
                entry = new_entry(actor, "unlink", f"Unlinked from problem {problem.id}.", now)
                after = record_entry(ticket, dataclasses.replace(ticket, problem=None), entry)
                changed.append((sla.with_deadlines(after, desk.config, timeutil.parse(now)), path))
        updated = dataclasses.replace(problem, status=status,
                                      incidents=tuple(i for i in problem.incidents if i not in removed))
        return updated, f"unlinked {', '.join(removed)}", changed

    return _update(desk, ref, "unlink", actor, commit, change)


def reopen(desk: Desk, ref: str, *, reason: str, actor: str, commit: bool = True) -> Problem:
    """A resolved problem whose fix did not hold: open again (a known error again when it has
    a workaround). The failed fix leaves the front-matter and stays in the timeline."""
    reason = free_text(reason, "the reason", MAX_FIELD_BYTES)
    if not reason:
        raise UsageError("say why the fix did not hold", hint='e.g. --reason "dropped again after the update"')

    def change(problem: Problem, now: str, status: str) -> tuple[Problem, str, list[tuple[Record, Path]]]:
        status = "known_error" if problem.workaround else status
        summary = f"{reason}\nThe fix that did not hold: {problem.fix}" if problem.fix else reason
        return dataclasses.replace(problem, status=status, fix=None, resolved=None), summary, []

    return _update(desk, ref, "reopen", actor, commit, change)
