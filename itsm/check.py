"""Validation of a whole desk as data: one function per rule, faults returned, not raised.

`itsm check` prints them as `path:line: message` and exits 1 when there are any; `itsm edit`
refuses a hand edit whose result has any. A malformed file is one finding, never a crash.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from itsm import ids, records, timeutil
from itsm.config import Config
from itsm.errors import Finding
from itsm.model import (
    CHANNELS,
    LEVELS,
    OPEN_STATUSES,
    PROBLEM_STATUSES,
    RESOLUTION_KINDS,
    STATUSES,
    SUPPORT_LEVELS,
    TAG_RE,
    TICKET_TYPES,
    Article,
    Problem,
    Record,
    Ticket,
    priority_for,
)
from itsm.store import Desk

Fault = tuple[str, str]  # (front-matter key or "", message)


def ticket_faults(ticket: Ticket, config: Config) -> Iterator[Fault]:
    """Faults of one ticket on its own (no other records needed)."""
    yield from _id_faults(ticket, config, ("incident", "request"))
    yield from _title_faults(ticket.title)
    yield from _enum("type", ticket.type, TICKET_TYPES)
    yield from _enum("status", ticket.status, STATUSES)
    yield from _enum("impact", ticket.impact, LEVELS, optional=True)
    yield from _enum("urgency", ticket.urgency, LEVELS, optional=True)
    yield from _enum("channel", ticket.channel, CHANNELS, optional=True)
    expected = "P1" if ticket.major else priority_for(config.matrix, ticket.impact, ticket.urgency)
    if ticket.priority != expected:
        if ticket.major:
            yield "priority", f"a major incident is P1, not {ticket.priority}"
        elif expected is None:
            yield "priority", f"priority '{ticket.priority}' needs both impact and urgency"
        else:
            yield "priority", (
                f"priority is {ticket.priority} but impact {ticket.impact} x urgency "
                f"{ticket.urgency} gives {expected} (priority is derived, never typed)"
            )
    yield from _category_faults(ticket.category, config)
    if ticket.group is not None and ticket.group not in config.groups:
        yield "group", f"unknown group '{ticket.group}' (groups: {', '.join(config.groups)})"
    if ticket.level is not None and ticket.level not in SUPPORT_LEVELS:
        yield "level", f"level {ticket.level} must be 1, 2 or 3"
    yield from _timestamp_faults(ticket, (
        "created", "updated", "responded", "resolved", "closed",
        "due_response", "due_resolution", "notified", "confirmed",
    ))
    if ticket.resolution is not None:
        yield from _enum("resolution", ticket.resolution.kind, RESOLUTION_KINDS)
        if not ticket.resolution.summary.strip():
            yield "resolution", "resolution summary is empty"
        if ticket.resolution.code is not None and ticket.resolution.code not in config.resolution_codes:
            yield "resolution", f"resolution code '{ticket.resolution.code}' is not in resolution_codes of itsm.yaml"
    # States the lifecycle can never produce.
    if ticket.status in ("resolved", "closed"):
        if ticket.resolution is None:
            yield "status", f"status is {ticket.status} but no resolution is recorded"
        if ticket.resolved is None:
            yield "status", f"status is {ticket.status} but 'resolved' has no time"
    if ticket.status == "closed" and ticket.closed is None:
        yield "status", "status is closed but 'closed' has no time"
    if ticket.status != "closed" and ticket.closed is not None:
        yield "closed", f"'closed' has a time but status is {ticket.status}"
    if ticket.status in OPEN_STATUSES and ticket.resolved is not None:
        yield "resolved", f"'resolved' has a time but status is {ticket.status}"
    if ticket.status in ("in_progress", "pending") and not ticket.owner:
        yield "owner", f"status is {ticket.status} but nobody owns the ticket"
    if ticket.status == "new" and ticket.owner:
        yield "status", "status is new but the ticket has an owner (should be assigned)"
    if ticket.status == "assigned" and not ticket.owner:
        yield "owner", "status is assigned but nobody owns the ticket (should be new)"
    if ticket.status == "closed" and ticket.notified is None:
        yield "status", "status is closed but the user was never told ('notified' has no time)"
    yield from _timeline_faults(ticket)


def problem_faults(problem: Problem, config: Config) -> Iterator[Fault]:
    yield from _id_faults(problem, config, ("problem",))
    yield from _title_faults(problem.title)
    yield from _enum("status", problem.status, PROBLEM_STATUSES)
    yield from _category_faults(problem.category, config)
    yield from _timestamp_faults(problem, ("created", "updated", "resolved", "closed"))
    if problem.status == "known_error" and not problem.workaround:
        yield "workaround", "a known error needs a workaround"
    if problem.status in ("resolved", "closed") and not problem.fix:
        yield "fix", f"status is {problem.status} but no fix is recorded"
    yield from _timeline_faults(problem)


def article_faults(article: Article, config: Config) -> Iterator[Fault]:
    yield from _id_faults(article, config, ("kb",))
    yield from _title_faults(article.title)
    for tag in article.tags:
        if not TAG_RE.match(tag):
            yield "tags", f"tag '{tag}' must be a lower-case word (letters, digits, '-', '.', '_')"
    yield from _category_faults(article.category, config)
    yield from _timestamp_faults(article, ("created", "updated"))


RULES: dict[str, Callable[[Record, Config], Iterator[Fault]]] = {
    "ticket": ticket_faults,  # type: ignore[dict-item]
    "problem": problem_faults,  # type: ignore[dict-item]
    "kb": article_faults,  # type: ignore[dict-item]
}


def record_faults(record: Record, config: Config) -> list[Fault]:
    return list(RULES[record.kind](record, config))


def _id_faults(record: Record, config: Config, kinds: tuple[str, ...]) -> Iterator[Fault]:
    match = ids.ID_RE.match(record.id)
    prefixes = [config.prefixes[k] for k in kinds]
    if not match:
        yield "id", f"'{record.id}' is not an ID like {prefixes[0]}-7QK3F2"
    elif match.group(1) not in prefixes:
        yield "id", f"'{record.id}' should start with {' or '.join(prefixes)}"


def _title_faults(title: str) -> Iterator[Fault]:
    if not title.strip():
        yield "title", "title is empty"
    elif "\n" in title:
        yield "title", "title must be one line"


def _enum(key: str, value: object, allowed: Iterable[object], optional: bool = False) -> Iterator[Fault]:
    allowed = tuple(allowed)
    if value is None and optional:
        return
    if value not in allowed:
        yield key, f"{key} '{value}' must be one of {', '.join(map(str, allowed))}"


def _category_faults(category: str | None, config: Config) -> Iterator[Fault]:
    if category is not None and category not in config.categories:
        yield "category", f"category '{category}' is not in the taxonomy of itsm.yaml"


def _timestamp_faults(record: Record, keys: tuple[str, ...]) -> Iterator[Fault]:
    for key in keys:
        value = getattr(record, key)
        if value is not None and not timeutil.is_timestamp(value):
            yield key, f"{key} '{value}' is not a UTC time like 2026-11-26T09:00:00Z"


def _timeline_faults(record: Ticket | Problem) -> Iterator[Fault]:
    previous = record.created
    for entry in record.timeline:
        if entry.time < previous:
            yield "", f"timeline entry {entry.id} ({entry.time}) is earlier than the one before it"
        previous = max(previous, entry.time)


# -- the whole desk ---------------------------------------------------------------------


def check_desk(desk: Desk) -> list[Finding]:
    """Every fault of the config and of every record, sorted by file and line."""
    findings: list[Finding] = list(desk.config.findings)
    loaded: dict[str, dict[str, Record]] = {"ticket": {}, "problem": {}, "kb": {}}
    where: dict[str, Path] = {}
    texts: dict[Path, str] = {}
    seen: dict[str, list[Path]] = defaultdict(list)
    for kind in ("ticket", "problem", "kb"):
        for path, item in desk.iter_records(kind):
            rel = desk.relative(path)
            seen[path.stem].append(path)
            if isinstance(item, records.RecordError):
                findings.append(Finding(rel, item.line, item.message))
                continue
            texts[path] = path.read_text(encoding="utf-8")
            for key, message in record_faults(item, desk.config):
                findings.append(Finding(rel, key_line(texts[path], key), message))
            misfiled = (
                isinstance(item, Ticket) and timeutil.is_timestamp(item.created)
                and path.parent.name != item.created[:7]
            )
            if misfiled:
                findings.append(Finding(
                    rel, key_line(texts[path], "created"),
                    f"filed under {path.parent.name}/ but created in {item.created[:7]}",
                ))
            loaded[kind][item.id] = item
            where[item.id] = path
    for record_id, paths in seen.items():
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(desk.relative(p) for p in paths if p != path)
                findings.append(Finding(desk.relative(path), 2, f"duplicate ID {record_id} (also in {others})"))
    findings.extend(_reference_findings(desk, loaded, where, texts))
    return sorted(set(findings), key=lambda f: (f.path, f.line or 0, f.message))


def _reference_findings(
    desk: Desk, loaded: dict[str, dict[str, Record]], where: dict[str, Path], texts: dict[Path, str]
) -> Iterator[Finding]:
    tickets, problems, articles = loaded["ticket"], loaded["problem"], loaded["kb"]

    def at(record: Record, key: str, message: str) -> Finding:
        path = where[record.id]
        return Finding(desk.relative(path), key_line(texts[path], key), message)

    for ticket in tickets.values():
        assert isinstance(ticket, Ticket)
        if ticket.problem is not None:
            problem = problems.get(ticket.problem)
            if problem is None:
                yield at(ticket, "problem", f"problem {ticket.problem} does not exist")
            elif isinstance(problem, Problem) and ticket.id not in problem.incidents:
                yield at(ticket, "problem", f"links {ticket.problem}, but {ticket.problem} does not list {ticket.id}")
        for kb_id in ticket.kb:
            if kb_id not in articles:
                yield at(ticket, "kb", f"KB article {kb_id} does not exist")
        for other in ticket.related:
            if other not in tickets:
                yield at(ticket, "related", f"related ticket {other} does not exist")
    for problem in problems.values():
        assert isinstance(problem, Problem)
        for ticket_id in problem.incidents:
            linked = tickets.get(ticket_id)
            if linked is None:
                yield at(problem, "incidents", f"incident {ticket_id} does not exist")
            elif isinstance(linked, Ticket) and linked.problem != problem.id:
                yield at(problem, "incidents", f"lists {ticket_id}, but {ticket_id} links {linked.problem or 'no problem'}")
        for kb_id in problem.kb:
            if kb_id not in articles:
                yield at(problem, "kb", f"KB article {kb_id} does not exist")


def key_line(text: str, key: str) -> int | None:
    """The file line of a front-matter key (its first line if it spans several)."""
    if not key:
        return None
    match = re.search(rf"^{re.escape(key)}:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None
