"""The rules a single record must keep, as data: one function per rule, faults returned,
never raised. Pure: a record and the desk's configuration in, (key, message) pairs out.

`itsm check` runs them over a whole desk (`itsm/operations/desk_check.py`); `itsm edit` refuses a hand edit
whose result breaks one; the readers (`list`, `chase`...) warn about the few whose faults
would make them misread a record (`shape_faults`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from itsm.config.settings import Config
from itsm.core import ids, timeutil
from itsm.core.model import (
    APPROVAL_STATES,
    CHANNELS,
    LEVELS,
    OPEN_STATUSES,
    PROBLEM_STATUSES,
    REQUEST_RESOLUTION_KINDS,
    RESOLUTION_KINDS,
    STATUSES,
    SUPPORT_LEVELS,
    TAG_RE,
    TICKET_TYPES,
    TRACKED,
    WAITS,
    Article,
    Entry,
    Problem,
    Record,
    Ticket,
    empty_value,
    front_matter,
    priority_for,
    timeline_state,
)
from itsm.domain import lifecycle, sla
from itsm.records.shape import Fault, enum_faults, timestamp_faults


def ticket_faults(ticket: Ticket, config: Config) -> Iterator[Fault]:
    """Faults of one ticket on its own (no other records needed)."""
    yield from _id_faults(ticket, config, ("incident", "request"))
    yield from _title_faults(ticket.title)
    yield from enum_faults("type", ticket.type, TICKET_TYPES)
    yield from enum_faults("status", ticket.status, STATUSES)
    yield from enum_faults("impact", ticket.impact, LEVELS, optional=True)
    yield from enum_faults("urgency", ticket.urgency, LEVELS, optional=True)
    yield from enum_faults("channel", ticket.channel, CHANNELS, optional=True)
    yield from enum_faults("waiting_on", ticket.waiting_on, WAITS, optional=True)
    if ticket.waiting_on is not None and ticket.status != "pending":
        yield "waiting_on", f"waiting_on is {ticket.waiting_on} but status is {ticket.status} (only a pending ticket waits)"
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
    yield from timestamp_faults(ticket, (
        "created", "updated", "responded", "resolved", "closed",
        "due_response", "due_resolution", "notified", "confirmed", "needed_by",
    ))
    yield from _request_faults(ticket)
    if ticket.resolution is not None:
        yield from enum_faults("resolution", ticket.resolution.kind, RESOLUTION_KINDS)
        if not ticket.resolution.summary.strip():
            yield "resolution", "resolution summary is empty"
        if ticket.resolution.code is not None and ticket.resolution.code not in config.resolution_codes:
            yield "resolution", f"resolution code '{ticket.resolution.code}' is not in resolution_codes of itsm.yaml"
        elif ticket.resolution.code is not None:
            misfit = config.code_misfit(ticket.resolution.code, ticket.type, ticket.resolution.kind)
            if misfit:
                yield "resolution", f"{misfit} (resolution_codes of itsm.yaml)"
    for key in ("resolutions", "reopens", "reassignments"):
        if getattr(ticket, key) < 0:
            yield key, f"{key} is {getattr(ticket, key)}; a count is 0 or more"
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
    if ticket.status in OPEN_STATUSES and ticket.resolved_by is not None:
        yield "resolved_by", f"'resolved_by' names {ticket.resolved_by} but status is {ticket.status}"
    if ticket.status in ("in_progress", "pending") and not ticket.owner:
        yield "owner", f"status is {ticket.status} but nobody owns the ticket"
    if ticket.status == "new" and ticket.owner:
        yield "status", "status is new but the ticket has an owner (should be assigned)"
    # A worked ticket handed to a group with nobody on it is `assigned` to nobody; only one
    # nobody ever owned is `new`. A ticket made `new` again by an escalation before that rule
    # (the owner in its history) is left valid: the record tells what was done then.
    if ticket.status == "assigned" and not ticket.owner and not lifecycle.ever_owned(ticket):
        yield "owner", "status is assigned but nobody owns or ever owned the ticket (should be new)"
    if ticket.status == "closed" and ticket.notified is None:
        yield "status", "status is closed but the user was never told ('notified' has no time)"
    yield from _timeline_faults(ticket)
    yield from agreement_faults(ticket)
    yield from _responded_faults(ticket, config)


def _responded_faults(ticket: Ticket, config: Config) -> Iterator[Fault]:
    """`responded` is derived from the timeline (sla.first_response): a value that is not
    what the clocks count would make a report and the clock disagree."""
    if not timeutil.is_timestamp(ticket.created) or (ticket.responded and not timeutil.is_timestamp(ticket.responded)):
        return
    try:
        derived = sla.first_response(ticket, config)
    except ValueError:  # an entry time that is not a time: its own fault
        return
    said = timeutil.format(derived) if derived else None
    if said != ticket.responded:
        yield "responded", (
            f"responded is {ticket.responded or 'empty'} but the timeline's first response is {said or 'none yet'} "
            "(a person took the ticket, or the user was contacted); `itsm check --fix` writes the derived value"
        )


def _request_faults(ticket: Ticket) -> Iterator[Fault]:
    """A service request keeps its own path (docs/lifecycle.md "Service requests"); an
    incident has none of it."""
    yield from enum_faults("approval", ticket.approval, APPROVAL_STATES, optional=True)
    kind = ticket.resolution.kind if ticket.resolution is not None else None
    if ticket.type != "request":
        for key in ("needed_by", "approval"):
            if getattr(ticket, key) is not None:
                yield key, f"{key} is set but {ticket.id} is an incident; only a service request has one"
        if kind in REQUEST_RESOLUTION_KINDS:
            yield "resolution", f"an incident is resolved with a fix or a workaround, not '{kind}'"
        return
    if ticket.major:
        yield "major", "a service request is never a major incident"
    if ticket.problem is not None:
        yield "problem", "a service request is never linked to a problem"
    if (kind == "rejected") != (ticket.approval == "rejected" and kind is not None):
        yield "resolution", ("a request ends rejected exactly when its approval was rejected "
                             f"(resolution {kind or 'empty'}, approval {ticket.approval or 'empty'})")
    if ticket.approval == "requested" and ticket.status in ("resolved", "closed"):
        yield "approval", f"status is {ticket.status} but the request still waits for approval"


def problem_faults(problem: Problem, config: Config) -> Iterator[Fault]:
    yield from _id_faults(problem, config, ("problem",))
    yield from _title_faults(problem.title)
    yield from enum_faults("status", problem.status, PROBLEM_STATUSES)
    yield from _category_faults(problem.category, config)
    yield from timestamp_faults(problem, ("created", "updated", "resolved", "closed"))
    if problem.status == "known_error" and not problem.workaround:
        yield "workaround", "a known error needs a workaround"
    if problem.status in ("resolved", "closed") and not problem.fix:
        yield "fix", f"status is {problem.status} but no fix is recorded"
    yield from _timeline_faults(problem)
    yield from agreement_faults(problem)


def article_faults(article: Article, config: Config) -> Iterator[Fault]:
    yield from _id_faults(article, config, ("kb",))
    yield from _title_faults(article.title)
    for tag in article.tags:
        if not TAG_RE.match(tag):
            yield "tags", f"tag '{tag}' must be a lower-case word (letters, digits, '-', '.', '_')"
    yield from _category_faults(article.category, config)
    yield from timestamp_faults(article, ("created", "updated"))


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


def _category_faults(category: str | None, config: Config) -> Iterator[Fault]:
    if category is not None and category not in config.categories:
        yield "category", f"category '{category}' is not in the taxonomy of itsm.yaml"


def agreement_faults(record: Ticket | Problem) -> Iterator[Fault]:
    """Does the front-matter tell what the timeline did? A status, owner or resolution typed
    into the front-matter by hand, with no entry that made it so, is a forgery of the record.

    Records written by itsm carry the keys each entry set (`<!-- set {...} -->`): the
    front-matter must equal those folded in time order. A record without them (written by
    hand, or by another tool) is held to what its lifecycle entries' kinds and times say."""
    complete = bool(record.timeline) and record.timeline[0].kind == "created" and bool(record.timeline[0].changes)
    if not complete:
        yield from _lifecycle_entry_faults(record)
    tracked = TRACKED[record.kind]
    for entry in record.timeline:
        for key, _ in entry.changes:
            if key not in tracked:
                yield f"entry:{entry.id}", f"timeline entry {entry.id} sets '{key}', which is not a key a timeline records"
    state = timeline_state(record)
    # A record whose first entry set it up says every key's story; one made without set
    # lines (by hand, by an earlier tool) is held to the keys its later entries set.
    keys = tracked if complete else [k for k in tracked if k in state]
    written = front_matter(record) if keys else {}
    for key in keys:
        said, by = state.get(key, (empty_value(key, record.kind), None))
        if written[key] != said:
            source = f"entry {by.id} ({by.kind}, {by.time})" if by else "no entry ever set it"
            yield key, (f"{key} is {_shown(written[key])} but the timeline says {_shown(said)} ({source}); "
                        "the front-matter must tell what the timeline did")


def _lifecycle_entry_faults(record: Ticket | Problem) -> Iterator[Fault]:
    """For a timeline without set lines: the lifecycle entries that must be there."""
    resolve_kind = "resolve"
    last: dict[str, Entry] = {}
    since_resolve: dict[str, Entry] = {}
    for entry in record.timeline:
        if entry.kind == resolve_kind:
            since_resolve = {}
        if entry.kind == "reopen":
            last.pop(resolve_kind, None)
            since_resolve = {}
        last[entry.kind] = entry
        since_resolve[entry.kind] = entry
    resolve = last.get(resolve_kind)
    if isinstance(record, Problem):
        if record.status in ("resolved", "closed") and resolve is None:
            yield "status", f"status is {record.status} but the timeline has no resolve entry"
        if record.status == "known_error" and "workaround" not in last:
            yield "status", "status is known_error but the timeline has no workaround entry"
        if record.status == "closed" and "close" not in since_resolve:
            yield "status", "status is closed but the timeline has no close entry"
        if record.status in ("open", "known_error") and resolve is not None:
            yield "status", f"status is {record.status} but the timeline resolved it ({resolve.id}, {resolve.time})"
        return
    if record.status in ("resolved", "closed"):
        if resolve is None:
            yield "status", f"status is {record.status} but the timeline has no resolve entry since it was last opened"
        elif record.resolved is not None and record.resolved != resolve.time:
            yield "resolved", f"resolved is {record.resolved} but the timeline's resolve entry {resolve.id} is at {resolve.time}"
    elif resolve is not None:
        yield "status", f"status is {record.status} but the timeline resolved it ({resolve.id}, {resolve.time}) and never reopened it"
    close = since_resolve.get("close") if resolve is not None else None
    if record.status == "closed":
        if close is None:
            yield "status", "status is closed but the timeline has no close entry after its resolve"
        elif record.closed is not None and record.closed != close.time:
            yield "closed", f"closed is {record.closed} but the timeline's close entry {close.id} is at {close.time}"
    for key in ("notified", "confirmed"):
        value = getattr(record, key)
        kind = {"notified": "notify", "confirmed": "confirm"}[key]
        said = since_resolve.get(kind) if resolve is not None else None
        if key == "notified" and resolve is not None:
            # A confirmation taken before any notify tells the user too, and says so in its set line.
            said = _last_setting(record, "notified", since=resolve) or said
        if value is not None and said is None:
            yield key, f"{key} is {value} but the timeline has no {kind} entry since the ticket was resolved"
        elif value is not None and said is not None and value != said.time:
            yield key, f"{key} is {value} but the timeline's {kind} entry {said.id} is at {said.time}"


def _last_setting(record: Ticket | Problem, key: str, since: Entry) -> Entry | None:
    """The last entry from `since` on whose set line sets `key`."""
    found = None
    for entry in record.timeline[record.timeline.index(since):]:
        if key in dict(entry.changes):
            found = entry
    return found


def _shown(value: object) -> str:
    if value is None or value == []:
        return "empty"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _timeline_faults(record: Ticket | Problem) -> Iterator[Fault]:
    # A `created` that is not a time is its own fault; it must not make every entry "early".
    previous = record.created if timeutil.is_timestamp(record.created) else ""
    for entry in record.timeline:
        if entry.time < previous:
            yield f"entry:{entry.id}", f"timeline entry {entry.id} ({entry.time}) is earlier than the one before it"
        previous = max(previous, entry.time)
