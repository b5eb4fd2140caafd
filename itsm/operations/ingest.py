"""Taking in what arrives by a channel: an e-mail becomes a ticket or an entry on its thread; a
monitoring alert opens an incident or counts an occurrence on it (docs/channels.md).

Each message or alert is handled under the desk lock from lookup to commit, so two copies
arriving at once (a mail server retrying, Alertmanager's repeats, twenty webhook posts)
never make two tickets: the second finds what the first recorded. The same input twice
changes nothing: a mail is known by its Message-ID, an alert's occurrence by its fingerprint
and the time it started firing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from itsm.channels import alerts_in, mail_in, untrusted
from itsm.channels.alerts_in import Alert
from itsm.channels.mail_in import Mail
from itsm.channels.untrusted import IntakeError, TooLarge
from itsm.config import loading as config_mod
from itsm.core import timeutil
from itsm.core.errors import StateRefusal, UsageError
from itsm.core.model import OPEN_STATUSES, Ticket, add_entry
from itsm.operations import resolution
from itsm.operations.tickets import Outcome, new_entry, new_ticket, update_ticket
from itsm.storage.store import Desk, Transaction

if TYPE_CHECKING:
    from itsm.readmodel.database import ReadModel

__all__ = ["IntakeError", "Taken", "TooLarge", "take_alerts", "take_email"]

ATTACHMENTS = "attachments"  # <desk>/attachments/<ticket ID>/<message>/<name>


@dataclass(frozen=True)
class Taken:
    """What one message or alert did to the desk."""

    ticket: str  # the ticket it went to ("" when it went nowhere)
    action: str  # new | reply | reopened | follow-up | unchanged | ignored | occurrence | recovered | resolved
    text: str  # one line for people

    def to_json(self) -> dict[str, str]:
        return {"ticket": self.ticket, "action": self.action, "text": self.text}


# -- e-mail ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked_leaving_no_cache(desk: Desk) -> Iterator[None]:
    """The desk lock, for a lookup in the read model and the write it decides. The lookup
    may build the read model; when the write is then refused (a commit hook, a link on the
    way, the disk), a model this command made is removed: a refusal leaves no cache."""
    from itsm.readmodel import database

    had_model = database.exists(desk)
    had_folder = desk.cache_dir(create=False) is not None
    try:
        with desk.lock():
            yield
    except UsageError:
        if not had_model:
            database.discard(desk, folder_too=not had_folder)
        raise


def take_email(desk: Desk, raw: bytes, *, commit: bool = True) -> Taken:
    """Take one raw RFC 5322 message in: a new ticket, or an entry on the ticket it answers."""
    config_mod.require_valid(desk.config)
    settings = desk.config.email
    mail = mail_in.parse_mail(raw, max_bytes=settings.max_message, max_attachment=settings.max_attachment,
                             max_parts=settings.max_parts)
    if mail.sender is None:
        raise IntakeError("the message has no usable sender address (From)",
                          hint="the desk answers by e-mail, so it takes in only mail it can answer")
    if settings.address and mail.sender == settings.address.lower():
        return Taken("", "ignored", f"{mail.message_id} comes from the desk's own address: not taken in (a mail loop)")
    with _locked_leaving_no_cache(desk):
        known, thread = _look_up(desk, mail)
        if known is not None:
            return Taken(known.id, "unchanged", f"{mail.message_id} was taken in already, on {known.id}")
        if mail.auto_submitted:
            # An out-of-office reply or a bounce (RFC 3834 `Auto-Submitted`, a delivery report):
            # noted on its ticket for the record, but it never opens, reopens or resumes one —
            # the classic loop of a desk and an autoresponder answering each other.
            if thread is None or thread.status == "closed":
                return Taken("", "ignored", f"{mail.message_id} is an automatic reply (Auto-Submitted) "
                                            "to no open ticket: not taken in")
            taken = _reply(desk, thread, mail, commit=commit, automatic=True)
            return Taken(thread.id, "reply", f"{taken.text} (an automatic reply: the ticket's state is unchanged)")
        if thread is None:
            return _new_from_mail(desk, mail, commit=commit)
        if thread.status in OPEN_STATUSES:
            return _reply(desk, thread, mail, commit=commit)
        if thread.status == "resolved":
            taken = _reply(desk, thread, mail, commit=commit)
            if settings.reply_to_resolved != "reopen":
                return Taken(thread.id, "reply", f"{taken.text}; it stays resolved (email.reply_to_resolved: log)")
            first = next((line for line in mail_in.reply_text(mail.text).split("\n") if line.strip()), "")
            reason = f"the user replied by e-mail: {untrusted.one_line(first, 120)}" if first else \
                "the user replied by e-mail"
            try:
                resolution.reopen(desk, thread.id, actor=mail.sender, reason=reason, commit=commit)
            except StateRefusal as exc:  # a rejected request is final: the reply is logged, no more
                return Taken(thread.id, "reply", f"{taken.text}; not reopened: {exc.message}")
            return Taken(thread.id, "reopened", f"{thread.id} reopened: {reason}")
        # Closed is final (Zendesk's follow-up ticket): a new ticket that points back to it.
        taken = _new_from_mail(desk, mail, commit=commit, related=thread.id)
        return Taken(taken.ticket, "follow-up", f"{taken.ticket} opened as a follow-up of {thread.id}, which is closed")


def _tickets_with(desk: Desk, kind: str, value: str) -> list[Ticket]:
    from itsm.readmodel import database  # SQLite only for what needs it

    model = database.ReadModel.open(desk)
    try:
        return model.tickets_with(database.intake_key(kind, value))
    finally:
        model.close()


# References a reply is looked up by (In-Reply-To first, then the newest References): a
# thread's last few name its ticket; a header naming thousands must not cost thousands.
MAX_REFERENCES = 20


def _look_up(desk: Desk, mail: Mail) -> tuple[Ticket | None, Ticket | None]:
    """The ticket that has this mail already, and the ticket it answers, from one opening of
    the read model."""
    from itsm.readmodel import database  # SQLite only for what needs it

    model = database.ReadModel.open(desk)
    try:
        known = model.tickets_with(database.intake_key("message", mail.message_id))
        if known:
            return known[0], None
        return None, _thread_of(desk, mail, model)
    finally:
        model.close()


def _thread_of(desk: Desk, mail: Mail, model: ReadModel) -> Ticket | None:
    """The ticket a mail answers: the first ticket ID tagged in its subject, else the
    ticket that took in or sent a message it names in In-Reply-To or References."""
    prefixes = tuple(desk.config.prefixes[t] for t in ("incident", "request"))
    for tag in mail.tags(prefixes):
        path = desk.listing("ticket").get(tag)
        if path is None:
            continue
        try:
            ticket, _ = desk.load_ticket(tag, faulty="refuse")
        except UsageError:
            continue  # a tag naming a file that does not read: treat the mail as new
        return ticket
    from itsm.readmodel.database import intake_key

    for reference in mail.references[:MAX_REFERENCES]:
        found = model.tickets_with(intake_key("message", reference))
        if found:
            return found[-1]
    return None


_REPLY_PREFIX_RE = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr|rif)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def title_of(mail: Mail) -> str:
    """The ticket title a mail gives: its subject without Re:/Fwd: and ticket tags, else
    its first line of text."""
    subject = re.sub(r"\[[A-Za-z]{1,8}-[0-9A-Za-z]{2,20}\]", " ", mail.subject)
    subject = untrusted.one_line(_REPLY_PREFIX_RE.sub("", untrusted.one_line(subject)))
    if subject:
        return subject
    first = next((line for line in mail.text.split("\n") if line.strip()), "")
    return untrusted.one_line(first, 80) or f"E-mail from {mail.sender}"


def _new_from_mail(desk: Desk, mail: Mail, *, commit: bool, related: str | None = None) -> Taken:
    assert mail.sender is not None
    text = mail.text if related is None else mail_in.reply_text(mail.text)

    def finish(ticket: Ticket, tx: Transaction) -> Ticket:
        listed = _store_attachments(desk, ticket.id, mail, tx)
        if listed:
            ticket = dataclasses.replace(ticket, description=f"{ticket.description}\n\n{listed}".strip())
        return ticket

    ticket = new_ticket(
        desk, title=title_of(mail), actor=mail.sender, reporter=mail.sender, channel="email",
        description=text, related=[related] if related else None, commit=commit,
        message_ids=(mail.message_id,), finish=finish,
    )
    return Taken(ticket.id, "new", f"{ticket.id} new: {ticket.title}")


def _reply(desk: Desk, ticket: Ticket, mail: Mail, *, commit: bool, automatic: bool = False) -> Taken:
    """The mail as an `email-in` entry on its ticket (a pending ticket waiting on the user
    resumes, as `itsm log --from-user` does — unless the mail is an automatic reply, which
    is a `note`: the user did not answer)."""
    assert mail.sender is not None
    text = mail_in.reply_text(mail.text) or "(an empty reply)"

    def change(before: Ticket, now: str, status: str) -> Outcome:
        files, listed = _attachment_files(desk, before.id, mail)
        entry_text = f"{text}\n\n{listed}".strip() if listed else text
        updated = dataclasses.replace(before, status=status, message_ids=(*before.message_ids, mail.message_id))
        more: tuple[tuple[str, str], ...] = ()
        if automatic:
            entry_text = f"Automatic reply from {mail.sender} ({mail.subject}):\n\n{entry_text}"
        elif before.status == "pending" and (before.waiting_on or "user") == "user":
            updated = dataclasses.replace(updated, status="in_progress", waiting_on=None)
            more = (("resume", "resumed: the user replied by e-mail"),)
        subject = f"e-mail from {mail.sender}"
        return Outcome(updated, entry_text, more_entries=more, files=files, subject=subject)

    after = update_ticket(desk, ticket.id, "log", mail.sender, commit, change,
                          entry_kind="note" if automatic else "email-in")
    return Taken(after.id, "reply", f"{after.id}: e-mail from {mail.sender} added to the timeline")


def message_folder(mail: Mail) -> str:
    """The folder of one message's attachments under `attachments/<ID>/`: named by its
    Message-ID, so two clones taking in two replies with a `screenshot.png` each never add
    two different files at one path (a conflict the merge driver cannot join), and two
    clones taking in the same message add the same files."""
    return hashlib.sha256(mail.message_id.encode("utf-8")).hexdigest()[:12]


def _attachment_files(desk: Desk, ticket_id: str, mail: Mail) -> tuple[tuple[tuple[Path, bytes], ...], str]:
    """The files to store for a mail's attachments, and the lines that list them."""
    where = f"{ATTACHMENTS}/{ticket_id}/{message_folder(mail)}"
    folder = desk.root / where
    taken = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    files: list[tuple[Path, bytes]] = []
    lines: list[str] = []
    limit = desk.config.email.max_attachment
    parts = list(mail.attachments)
    if mail.whole_text is not None:
        parts.append(mail_in.Attachment("message.txt", "text/plain", len(mail.whole_text), mail.whole_text))
    for part in parts:
        size = untrusted.describe_size(part.size)
        if part.data is None:
            lines.append(f"- {part.name} ({size}): not stored, over the {untrusted.describe_size(limit)} "
                         "limit (email.max_attachment)")
            continue
        name = mail_in.unique_name(part.name, taken)
        taken.add(name)
        files.append((folder / name, part.data))
        lines.append(f"- {where}/{name} ({size})")
    for dropped in mail.dropped:
        lines.append(f"- not read: {dropped}")
    return tuple(files), ("Attachments:\n" + "\n".join(lines)) if lines else ""


def _store_attachments(desk: Desk, ticket_id: str, mail: Mail, tx: Transaction) -> str:
    files, listed = _attachment_files(desk, ticket_id, mail)
    for path, data in files:
        tx.add_file(path, data)
    return listed


# -- monitoring alerts ---------------------------------------------------------------------------


def take_alerts(desk: Desk, payload: bytes, fmt: str, *, actor: str | None = None, commit: bool = True,
                max_bytes: int | None = None) -> list[Taken]:
    """Take one webhook payload in: each alert opens an incident, counts an occurrence on
    the open one with its fingerprint, or logs its recovery. One commit per change."""
    config_mod.require_valid(desk.config)
    alerts = alerts_in.parse_alerts(payload, fmt, max_bytes or desk.config.serve.max_body)
    return [take_alert(desk, alert, actor=actor or _source(alert, fmt), commit=commit) for alert in alerts]


def _source(alert: Alert, fmt: str) -> str:
    if fmt == "alertmanager":
        return "alertmanager"
    source = untrusted.one_line(alert.labels.get("source", ""), 60).replace("<", "").replace(">", "")
    return source or "monitoring"


def take_alert(desk: Desk, alert: Alert, *, actor: str, commit: bool = True) -> Taken:
    with _locked_leaving_no_cache(desk):
        tickets = _tickets_with(desk, "alert", alert.fingerprint)
        current = next((t for t in reversed(tickets) if t.is_open), None) or (tickets[-1] if tickets else None)
        if alert.status == "resolved":
            return _recovered(desk, current, alert, actor=actor, commit=commit)
        started = alert.started or timeutil.stamp()
        if current is None or current.status == "closed":
            return _open_for_alert(desk, alert, started, actor=actor, commit=commit,
                                   related=current.id if current else None)
        if _fired_at(current, started):
            return Taken(current.id, "unchanged", f"{current.id}: this firing (since {started}) is recorded already")
        if current.status == "resolved":
            resolution.reopen(desk, current.id, actor=actor, reason=f"the alert fired again at {started}", commit=commit)
        after = _occurrence(desk, current.id, alert, started, actor=actor, commit=commit)
        action = "reopened" if current.status == "resolved" else "occurrence"
        return Taken(after.id, action, f"{after.id}: fired again ({after.occurrences} times in all)")


def _fired_at(ticket: Ticket, started: str) -> bool:
    marker = f"firing since {started}"
    return any(e.kind == "alert" and e.text.startswith(marker) for e in ticket.timeline)


def _alert_text(alert: Alert, started: str) -> str:
    lines = [f"firing since {started}: {alert.title}"]
    if alert.description:
        lines += ["", alert.description]
    if alert.labels:
        lines += ["", "Labels: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))]
    if alert.link:
        lines.append(f"Source: {alert.link}")
    return "\n".join(lines)


def classify(desk: Desk, labels: dict[str, str]) -> dict[str, str]:
    """Impact, urgency, category and group for an alert's labels: the severity label first
    (alerts.severity), then the first rule naming each field (alerts.rules)."""
    settings = desk.config.alerts
    found: dict[str, str] = {"impact": "medium", "urgency": "medium"}
    severity = settings.severity.get(labels.get("severity", ""))
    if severity is not None:
        found["impact"], found["urgency"] = severity
    decided: set[str] = set()
    for rule in settings.rules:
        if rule.matches(labels):
            for key, value in rule.sets:
                if key not in decided:
                    found[key] = value
                    decided.add(key)
    return found


def _open_for_alert(desk: Desk, alert: Alert, started: str, *, actor: str, commit: bool,
                    related: str | None) -> Taken:
    fields = classify(desk, alert.labels)

    def finish(ticket: Ticket, tx: Transaction) -> Ticket:
        return add_entry(ticket, new_entry(actor, "alert", _alert_text(alert, started), ticket.created))

    ticket = new_ticket(
        desk, title=alert.title, actor=actor, reporter=actor, channel="monitoring",
        description=alert.description, impact=fields["impact"], urgency=fields["urgency"],
        category=fields.get("category"), group=fields.get("group"), related=[related] if related else None,
        commit=commit, fingerprint=alert.fingerprint, occurrences=1, finish=finish,
    )
    return Taken(ticket.id, "new", f"{ticket.id} new: {ticket.title}")


def _occurrence(desk: Desk, ref: str, alert: Alert, started: str, *, actor: str, commit: bool) -> Ticket:
    def change(before: Ticket, now: str, status: str) -> Outcome:
        updated = dataclasses.replace(before, status=status, occurrences=before.occurrences + 1)
        return Outcome(updated, _alert_text(alert, started),
                       subject=f"fired again since {started} ({updated.occurrences} times)")

    return update_ticket(desk, ref, "log", actor, commit, change, entry_kind="alert")


def _recovered(desk: Desk, ticket: Ticket | None, alert: Alert, *, actor: str, commit: bool) -> Taken:
    if ticket is None:
        return Taken("", "ignored", f"{alert.fingerprint} recovered, and no ticket has it: nothing to do")
    ended = alert.ended or timeutil.stamp()
    marker = f"recovered at {ended}"
    if any(e.kind == "recovered" and e.text.startswith(marker) for e in ticket.timeline):
        return Taken(ticket.id, "unchanged", f"{ticket.id}: this recovery is recorded already")
    if ticket.status in ("resolved", "closed"):
        return Taken(ticket.id, "unchanged", f"{ticket.id} is {ticket.status} already")

    def change(before: Ticket, now: str, status: str) -> Outcome:
        return Outcome(dataclasses.replace(before, status=status), f"{marker}: {alert.title}",
                       subject=f"the alert recovered at {ended}")

    update_ticket(desk, ticket.id, "log", actor, commit, change, entry_kind="recovered")
    if not desk.config.alerts.resolve_on_recovery:
        return Taken(ticket.id, "recovered", f"{ticket.id}: the alert recovered at {ended} (logged; the ticket stays open)")
    resolution.resolve(desk, ticket.id, actor=actor, commit=commit,
                     fix=f"recovered by itself: the monitoring alert cleared at {ended}, with no action by the desk")
    return Taken(ticket.id, "resolved", f"{ticket.id} resolved: the alert recovered by itself at {ended}")
