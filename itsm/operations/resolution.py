"""The end of a ticket's life: resolve, notify, confirm, close, reopen, autoclose.

Each goes through `update_ticket` (itsm/operations/tickets.py): the lifecycle table decides
whether it is allowed in the ticket's state (a refusal changes nothing), one timeline entry
records it, SLA deadlines follow, one commit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from itsm.channels import mail_out
from itsm.config import loading as config_mod
from itsm.core import timeutil
from itsm.core.errors import StateRefusal, UsageError
from itsm.core.model import Problem, Record, Resolution, Ticket, record_entry
from itsm.domain import lifecycle, resolutions
from itsm.operations.inputs import MAX_FIELD_BYTES, choice, free_text
from itsm.operations.tickets import Outcome, new_entry, update_ticket
from itsm.records import shape
from itsm.storage.store import Desk

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
        if not shape.clocks_readable(ticket):
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
