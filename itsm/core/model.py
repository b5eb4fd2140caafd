"""The records of a desk as immutable values: tickets, problems, KB articles, timeline entries.

Pure: no I/O, no clock. Code that changes a record returns a new one (`dataclasses.replace`),
so a command can compare before and after, and a refusal has nothing to undo.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

TICKET_TYPES = ("incident", "request")
STATUSES = ("new", "assigned", "in_progress", "pending", "resolved", "closed")
OPEN_STATUSES = ("new", "assigned", "in_progress", "pending")
LEVELS = ("high", "medium", "low")
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
CHANNELS = ("cli", "email", "phone", "chat", "web", "walk-in", "monitoring")
# How a user reaches the desk. `cli` stays readable in old records but is not one: it names
# the tool that typed the ticket, so a new ticket is never recorded from it.
CONTACT_CHANNELS = tuple(channel for channel in CHANNELS if channel != "cli")
SUPPORT_LEVELS = (1, 2, 3)
RESOLUTION_KINDS = ("workaround", "fix", "fulfilled", "rejected")
# A service request ends fulfilled or rejected (its approval refused); an incident never does.
REQUEST_RESOLUTION_KINDS = ("fulfilled", "rejected")
APPROVAL_STATES = ("requested", "approved", "rejected")
PROBLEM_STATUSES = ("open", "known_error", "resolved", "closed")
INTERACTION_KINDS = ("note", "call", "email", "chat")  # what `itsm log --kind` takes
# Contact with the user: a call, e-mail or chat logged by the desk goes out to the user; the
# same kinds with "-in" came in from the user (`itsm log --from-user`, later e-mail ingest).
CONTACT_KINDS = ("call", "email", "chat")
INBOUND_KINDS = tuple(f"{kind}-in" for kind in CONTACT_KINDS)
# What a pending ticket waits on (`itsm pend --on`); which of them pause the SLA clocks is
# the desk's `sla.pause_on` (by default only a wait on the user).
WAITS = ("user", "supplier", "change", "other")

FieldType = Literal["str", "opt_str", "int", "count", "bool", "str_list", "resolution"]


@dataclass(frozen=True)
class Entry:
    """One line of a record's life: an interaction or a change. Never rewritten or deleted.

    `id` is random and stable, so the timelines of two clones' copies of a record can be
    joined in a merge without losing or doubling an entry.
    """

    id: str
    time: str
    actor: str
    kind: str
    text: str = ""
    # The front-matter keys this entry set, with their new values, in the record's key order:
    # the machine-readable half of the entry. Folding them in time order gives the record's
    # state, which is how `itsm check` proves the front-matter tells what the timeline did.
    changes: tuple[tuple[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "time": self.time, "actor": self.actor, "kind": self.kind,
                "text": self.text, "changes": dict(self.changes)}


@dataclass(frozen=True)
class Resolution:
    kind: str  # workaround or fix (incidents), fulfilled or rejected (requests)
    summary: str
    code: str | None = None  # from the desk's resolution_codes, for reports


class _RecordJson:
    """What every record says of itself as JSON-ready data (`itsm show --json`, `list --json`)."""

    def to_json(self) -> dict[str, Any]:
        """Front-matter keys, body parts, the timeline as a list."""
        assert isinstance(self, (Ticket, Problem, Article))
        data: dict[str, Any] = {"kind": self.kind, **front_matter(self)}
        if isinstance(self, Article):
            data["body"] = self.body
        else:
            data["description"] = self.description
            data["timeline"] = [entry.to_json() for entry in self.timeline]
        return data


@dataclass(frozen=True)
class Ticket(_RecordJson):
    id: str
    title: str
    type: str = "incident"
    status: str = "new"
    priority: str | None = None
    impact: str | None = None
    urgency: str | None = None
    waiting_on: str | None = None  # while pending: user, supplier, change or other
    category: str | None = None
    group: str | None = None
    level: int | None = None
    owner: str | None = None
    reporter: str | None = None
    channel: str | None = None
    major: bool = False
    problem: str | None = None
    kb: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    created: str = ""
    updated: str | None = None
    responded: str | None = None
    resolved: str | None = None
    closed: str | None = None
    due_response: str | None = None
    due_resolution: str | None = None
    resolution: Resolution | None = None
    notified: str | None = None
    confirmed: str | None = None
    # Service requests only: when the user needs it (a UTC time), and where its approval stands.
    needed_by: str | None = None
    approval: str | None = None
    # Facts for reports (docs/lifecycle.md, "Facts kept for reports"): who resolved the
    # current resolution, and how often the ticket was resolved, reopened and handed over.
    resolved_by: str | None = None
    resolutions: int = 0
    reopens: int = 0
    reassignments: int = 0
    # What came in by a channel other than a person (docs/channels.md): the Message-IDs of the
    # e-mails taken in on this ticket or sent from it (so a reply threads back, and the same
    # mail twice changes nothing); a monitoring alert's fingerprint, and how often it fired.
    message_ids: tuple[str, ...] = ()
    fingerprint: str | None = None
    occurrences: int = 0
    description: str = ""
    timeline: tuple[Entry, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    kind = "ticket"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Problem(_RecordJson):
    id: str
    title: str
    status: str = "open"
    category: str | None = None
    owner: str | None = None
    incidents: tuple[str, ...] = ()
    kb: tuple[str, ...] = ()
    workaround: str | None = None
    root_cause: str | None = None
    fix: str | None = None
    created: str = ""
    updated: str | None = None
    resolved: str | None = None
    closed: str | None = None
    description: str = ""
    timeline: tuple[Entry, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    kind = "problem"


@dataclass(frozen=True)
class Article(_RecordJson):
    """A KB article: the body is any Markdown. `kb new` offers `## Symptoms`, `## Cause`,
    `## Resolution` (or `## Workaround`) and `## Script`; articles written otherwise — plain
    text, a wiki export — are knowledge all the same (see `article_answer`)."""

    id: str
    title: str
    category: str | None = None
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    author: str | None = None
    created: str = ""
    updated: str | None = None
    body: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    kind = "kb"


Record = Ticket | Problem | Article

# Front-matter keys in the order they are written, with their YAML shape. Body fields
# (description, timeline, body) and `extra` are not front-matter keys.
TICKET_FIELDS: tuple[tuple[str, FieldType], ...] = (
    ("id", "str"), ("title", "str"), ("type", "str"), ("status", "str"),
    ("priority", "opt_str"), ("impact", "opt_str"), ("urgency", "opt_str"),
    ("category", "opt_str"), ("group", "opt_str"), ("level", "int"), ("owner", "opt_str"),
    ("reporter", "opt_str"), ("channel", "opt_str"), ("major", "bool"),
    ("problem", "opt_str"), ("kb", "str_list"), ("related", "str_list"),
    ("created", "str"), ("updated", "opt_str"), ("responded", "opt_str"),
    ("resolved", "opt_str"), ("closed", "opt_str"),
    ("due_response", "opt_str"), ("due_resolution", "opt_str"),
    ("resolution", "resolution"), ("notified", "opt_str"), ("confirmed", "opt_str"),
    ("waiting_on", "opt_str"),
    ("needed_by", "opt_str"), ("approval", "opt_str"),
    ("resolved_by", "opt_str"), ("resolutions", "count"), ("reopens", "count"), ("reassignments", "count"),
    ("message_ids", "str_list"), ("fingerprint", "opt_str"), ("occurrences", "count"),
)
# Keys a ticket's file carries only when they hold something: most tickets never came by
# e-mail or from monitoring, and files written before the keys existed stay byte-identical.
WRITTEN_WHEN_SET = ("message_ids", "fingerprint", "occurrences")
PROBLEM_FIELDS: tuple[tuple[str, FieldType], ...] = (
    ("id", "str"), ("title", "str"), ("status", "str"), ("category", "opt_str"),
    ("owner", "opt_str"), ("incidents", "str_list"), ("kb", "str_list"),
    ("workaround", "opt_str"), ("root_cause", "opt_str"), ("fix", "opt_str"),
    ("created", "str"), ("updated", "opt_str"), ("resolved", "opt_str"), ("closed", "opt_str"),
)
ARTICLE_FIELDS: tuple[tuple[str, FieldType], ...] = (
    ("id", "str"), ("title", "str"), ("category", "opt_str"), ("tags", "str_list"),
    ("links", "str_list"), ("author", "opt_str"), ("created", "str"), ("updated", "opt_str"),
)
FIELDS: dict[str, tuple[tuple[str, FieldType], ...]] = {
    "ticket": TICKET_FIELDS, "problem": PROBLEM_FIELDS, "kb": ARTICLE_FIELDS,
}
REQUIRED = ("id", "title", "created")
# Front-matter keys a timeline entry records when it changes them. The rest are identity
# (`id`, `created`) or derived from the timeline itself (`updated`, `responded`, deadlines).
UNTRACKED = ("id", "created", "updated", "responded", "due_response", "due_resolution")
TRACKED: dict[str, tuple[str, ...]] = {
    kind: tuple(key for key, _ in fields if key not in UNTRACKED)
    for kind, fields in (("ticket", TICKET_FIELDS), ("problem", PROBLEM_FIELDS))
}


def normalize_text(text: str) -> str:
    """The canonical form of free text: LF line ends, no trailing spaces at the end of
    lines, no blank lines at either end. Records store only canonical text, which is what
    makes load -> save byte-identical."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def normalize_line(text: str) -> str:
    """A one-line field (title, actor): inner whitespace folded to single spaces."""
    return " ".join(text.split())


def priority_for(matrix: dict[str, dict[str, str]], impact: str | None, urgency: str | None) -> str | None:
    """Priority follows from impact x urgency by the desk's matrix; never typed by hand."""
    if impact is None or urgency is None:
        return None
    return matrix.get(impact, {}).get(urgency)


TimelineRecord = TypeVar("TimelineRecord", Ticket, Problem)


def add_entry(record: TimelineRecord, entry: Entry) -> TimelineRecord:
    """The record with one more timeline entry, and `updated` set to the entry's time."""
    return dataclasses.replace(record, timeline=(*record.timeline, entry), updated=entry.time)


def empty_value(key: str, kind: str) -> Any:
    """A tracked key's value before any entry set it: an empty list, false, zero or nothing.

    A count's empty value is 0, which is also what a file written before the count existed
    reads as: such a record's front-matter and timeline agree without either naming it."""
    field_type = dict(FIELDS[kind])[key]
    if field_type == "count":
        return 0
    return [] if field_type == "str_list" else (False if field_type == "bool" else None)


def tracked_changes(before: Record | None, after: Record) -> tuple[tuple[str, Any], ...]:
    """The tracked front-matter keys whose values differ, with the new values (plain data).
    With no `before`, every key that is not empty: what a record's first entry sets."""
    new = front_matter(after)
    old = front_matter(before) if before is not None else {}
    return tuple(
        (key, new[key]) for key in TRACKED.get(after.kind, ())
        if new[key] != old.get(key, empty_value(key, after.kind))
    )


def record_entry(before: TimelineRecord | None, after: TimelineRecord, entry: Entry) -> TimelineRecord:
    """`after` with `entry` appended, the entry carrying what changed since `before`.

    A ticket's hand-over to another owner or group is counted here, whichever command made
    it (assign, escalate, categorise, a hand edit): one place, so no path forgets it."""
    if isinstance(before, Ticket) and isinstance(after, Ticket) and is_reassignment(before, after):
        after = dataclasses.replace(after, reassignments=reassignments_in(before.timeline) + 1)
    return add_entry(after, dataclasses.replace(entry, changes=tracked_changes(before, after)))


def is_reassignment(before: Ticket, after: Ticket) -> bool:
    """Whether a change hands the ticket over: a group or owner it already had is replaced
    (or the owner removed). Filling an empty owner is the first assignment, or a pick-up
    from a group's queue after a hand-over already counted — not a reassignment."""
    return ((before.owner is not None and after.owner != before.owner)
            or (before.group is not None and after.group != before.group))


def reassignments_in(timeline: tuple[Entry, ...]) -> int:
    """The hand-overs a timeline's set lines tell, by `is_reassignment`'s rule.

    A new count is this plus one, not the front-matter's count plus one: a record written
    before the count existed (or a merge of two clones that each handed it over) gets the
    count its timeline tells from its next hand-over on."""
    owner: Any = None
    group: Any = None
    count = 0
    for _, entry in sorted(enumerate(timeline), key=lambda pair: (pair[1].time, pair[0])):
        changed = dict(entry.changes)
        new_owner = changed.get("owner", owner)
        new_group = changed.get("group", group)
        if (owner is not None and new_owner != owner) or (group is not None and new_group != group):
            count += 1
        owner, group = new_owner, new_group
    return count


def timeline_state(record: Ticket | Problem) -> dict[str, tuple[Any, Entry]]:
    """What the timeline says each tracked key is now: (value, the entry that set it last).

    Entries are folded in time order (the file's order breaks ties), so a merged timeline
    of two clones gives the later change of a key both changed."""
    state: dict[str, tuple[Any, Entry]] = {}
    ordered = sorted(enumerate(record.timeline), key=lambda pair: (pair[1].time, pair[0]))
    for _, entry in ordered:
        for key, value in entry.changes:
            state[key] = (value, entry)
    return state


def changes(before: Record, after: Record) -> list[tuple[str, Any, Any]]:
    """(key, old, new) for every front-matter key or body part that differs."""
    result = []
    for f in dataclasses.fields(before):
        if f.name in ("timeline", "updated"):
            continue
        old, new = getattr(before, f.name), getattr(after, f.name)
        if old != new:
            result.append((f.name, old, new))
    return result


def article_parts(body: str) -> list[tuple[str, str]]:
    """The `## Heading` sections of a KB body in order, headings as written; text before
    the first heading comes under the heading ""."""
    parts: list[tuple[str, list[str]]] = [("", [])]
    for line in body.split("\n"):
        if line.startswith("## "):
            parts.append((line[3:].strip(), []))
        else:
            parts[-1][1].append(line)
    return [(heading, "\n".join(lines).strip("\n")) for heading, lines in parts if heading or any(lines)]


# Headings (any level, any case) under which an article says what to do.
_ANSWER_HEADING = re.compile(
    r"^#{1,6}\s*(resolution|workaround|fix|solution|script|steps|procedure|how to fix( it)?|what to do)\s*:?\s*$",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^#{1,6}\s")


def article_answer(article: Article) -> str:
    """What an article says to do, whatever its shape: the text under a Resolution,
    Workaround, Fix, Steps or Script heading (any level) when there is one, else its first
    lines — most articles are written without our headings, and are knowledge all the same."""
    lines = article.body.split("\n")
    parts: list[str] = []
    for n, line in enumerate(lines):
        match = _ANSWER_HEADING.match(line.strip())
        if match is None:
            continue
        section = []
        for following in lines[n + 1:]:
            if _HEADING.match(following):
                break
            section.append(following)
        text = "\n".join(section).strip("\n")
        if text:
            name = match.group(1).lower()
            parts.append(f"{name}:\n{text}" if name in ("script", "steps", "procedure") else f"{name}: {text}")
    if parts:
        return "\n".join(parts)
    first = [line.strip() for line in lines if line.strip() and not _HEADING.match(line) and line.strip() != article.title]
    return "\n".join(first[:4])


TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*\Z")


def resolution_mapping(resolution: Resolution) -> dict[str, str]:
    """As written in front-matter: `code` only when there is one."""
    data = {"kind": resolution.kind, "summary": resolution.summary}
    if resolution.code is not None:
        data["code"] = resolution.code
    return data


def front_matter(record: Record) -> dict[str, Any]:
    """The front-matter of a record as plain data: known keys in order, then a desk's own."""
    data: dict[str, Any] = {}
    for key, _ in FIELDS[record.kind]:
        value = getattr(record, key)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Resolution):
            value = resolution_mapping(value)
        data[key] = value
    data.update(record.extra)
    return data
