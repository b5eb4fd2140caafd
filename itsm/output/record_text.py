"""A record as a person reads it on a terminal (`itsm show`, `itsm problem show`): its key
facts in a few lines, where it stands against its SLA, the resolutions a reopen undid, its
description and timeline. The caller escapes it for the terminal (itsm/core/terminal.py)."""

from __future__ import annotations

from itsm.core.model import REQUEST_RESOLUTION_KINDS, Article, Problem, Record, Ticket
from itsm.domain import resolutions


def format_record(record: Record, kb_of_incidents: dict[str, list[str]] | None = None,
                  sla_line: str | None = None, waited_line: str = "") -> str:
    lines = [f"{record.id}  {record.title}"]
    if isinstance(record, Ticket):
        t = record
        lines.append(f"  {t.type}, {t.status}, {t.priority or 'no priority'} (impact {t.impact or '-'}, urgency {t.urgency or '-'})" + ("  MAJOR INCIDENT" if t.major else ""))
        lines.append(f"  category {t.category or '(none)'}; group {t.group or '(none)'} (level {t.level or '-'}); owner {t.owner or '(nobody)'}")
        lines.append(f"  reported by {t.reporter or '(unknown)'} via {t.channel or '(unknown)'}; created {t.created}, updated {t.updated or '-'}")
        if sla_line:
            lines.append(f"  SLA: {sla_line}")
        if waited_line:
            lines.append(f"  waited: {waited_line}")
        if t.problem or t.kb:
            lines.append(f"  problem {t.problem or '(none)'}; KB {', '.join(t.kb) or '(none)'}")
        if t.related:
            lines.append(f"  related to {', '.join(t.related)}")
        if t.fingerprint:
            times = t.occurrences if isinstance(t.occurrences, int) else 0
            lines.append(f"  monitoring alert {t.fingerprint}, fired {times} time{'s' if times != 1 else ''}")
        if t.message_ids:
            count = len(t.message_ids)
            lines.append(f"  e-mail thread of {count} message{'s' if count != 1 else ''} (reply with [{t.id}] in the subject)")
        if t.needed_by or t.approval:
            approval = {"requested": "waiting for approval", "approved": "approved", "rejected": "rejected"}
            parts = ([f"needed by {t.needed_by}"] if t.needed_by else []) + (
                [approval.get(t.approval, f"approval {t.approval}")] if t.approval else [])
            lines.append(f"  request: {'; '.join(parts)}")
        if t.resolution:
            by = f" by {t.resolved_by}" if t.resolved_by else ""
            code = f" [{t.resolution.code}]" if t.resolution.code else ""
            how = (f"as {t.resolution.kind}" if t.resolution.kind in REQUEST_RESOLUTION_KINDS
                   else f"with a {t.resolution.kind}")
            lines.append(f"  resolved {t.resolved}{by} {how}: {t.resolution.summary}{code}")
        lines += _earlier_resolutions(t)
        counted = [f"{label} {n} time{'s' if n != 1 else ''}" for label, n in
                   (("resolved", t.resolutions), ("reopened", t.reopens), ("reassigned", t.reassignments)) if n]
        if counted:
            lines.append(f"  {', '.join(counted)}")
        for key, label in (("notified", "user told"), ("confirmed", "user agreed"), ("closed", "closed")):
            if getattr(t, key):
                lines.append(f"  {label} {getattr(t, key)}")
    elif isinstance(record, Problem):
        p = record
        lines.append(f"  problem, {p.status}; category {p.category or '(none)'}; owner {p.owner or '(nobody)'}")
        lines.append(f"  incidents: {', '.join(p.incidents) or '(none)'}; KB {', '.join(p.kb) or '(none)'}")
        for kb_id, tickets in (kb_of_incidents or {}).items():
            lines.append(f"  {kb_id} used on {', '.join(tickets)}")
        for key in ("workaround", "root_cause", "fix"):
            if getattr(p, key):
                lines.append(f"  {key.replace('_', ' ')}: {getattr(p, key)}")
    elif isinstance(record, Article):
        a = record
        lines.append(f"  KB article; category {a.category or '(none)'}; tags {', '.join(a.tags) or '(none)'}")
        for link in a.links:
            lines.append(f"  see {link}")
        return "\n".join(lines) + "\n\n" + a.body
    if record.description:
        lines += ["", record.description]
    lines += ["", "Timeline:"]
    for entry in record.timeline:
        lines.append(f"  {entry.time}  {entry.kind:<10} {entry.actor}")
        lines += [f"      {line}" if line else "" for line in entry.text.split("\n")] if entry.text else []
    return "\n".join(lines)


def _earlier_resolutions(ticket: Ticket) -> list[str]:
    """The resolutions a reopen undid, from the timeline (the front-matter keeps the last)."""
    undone = [past for past in resolutions.resolution_history(ticket) if past.reopened is not None]
    lines = [f"  earlier resolutions ({len(undone)}):"] if undone else []
    for past in undone:
        how = f"a {past.kind}" if past.kind else "resolution"
        code = f" [{past.code}]" if past.code else ""
        lines.append(f"    {past.time} by {past.by}, {how}: {past.summary}{code}; "
                     f"reopened {past.reopened}: {past.reopen_reason}")
    return lines
