"""Merging two clones' copies of one record, field by field: what `itsm merge-driver` does
when `git pull` meets a record both sides changed.

Pure: the three texts (the common ancestor, ours, theirs) and the desk's configuration in,
the merged text and what a person must decide out. The rules (docs/sync.md):

- timelines are joined by entry identity, each entry once, each side's order kept and new
  entries of the two sides interleaved in time order;
- a key changed on one side only takes that change;
- a key both sides changed to different values takes the later change (the time of the
  timeline entry that set it), and the merge adds a `merge` entry naming both values, so a
  person can review it; list keys (links, tags, incidents) are merged as sets and counts
  add up what each side counted;
- derived keys (`updated`, `responded`, the deadlines) are derived afresh from the merged
  timeline;
- the result must be a record the lifecycle allows: a ticket closed on one side and reopened
  on the other, or resolved on one side while worked on the other, is not merged silently.
  Then the result holds conflict markers around the keys in question, readable by a person,
  and `conflicts` says which key and why.

The `merge` entry's ID is derived from what it decides, so two clones that merge the same
changes independently write the same entry, and the next merge joins it once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from itsm.config.settings import Config
from itsm.core import ids, timeutil
from itsm.core.model import (
    FIELDS,
    TRACKED,
    Article,
    Entry,
    Problem,
    Record,
    Resolution,
    Ticket,
    empty_value,
    front_matter,
    priority_for,
    timeline_state,
)
from itsm.domain import record_rules, sla
from itsm.domain.lifecycle import PROBLEM_TRANSITIONS, TRANSITIONS
from itsm.records import markdown, shape, yamlio

# A three-way merge of free text (the description, a KB body): (merged text, clean?).
TextMerge = Callable[[str, str, str], tuple[str, bool]]

MERGE_ACTOR = "itsm merge"
MERGE_KIND = "merge"
# Derived from the timeline (or the clock), never merged as values.
DERIVED = ("updated", "responded", "due_response", "due_resolution")
COUNTS = ("resolutions", "reopens", "reassignments", "occurrences")
MISSING = object()  # a key one side does not have at all


@dataclass
class Merged:
    text: str
    conflicts: list[str] = field(default_factory=list)  # one line per key a person must decide
    decided: list[str] = field(default_factory=list)  # keys both sides changed, decided by time


class Unmergeable(ValueError):
    """A side cannot be read as a record: the caller falls back to git's line merge."""


def kind_of_path(path: str) -> str | None:
    """The kind of record a repository path holds, from the folder it is in."""
    parts = path.replace("\\", "/").split("/")
    if not parts[-1].endswith(".md"):
        return None
    for folder, kind in (("tickets", "ticket"), ("problems", "problem"), ("kb", "kb")):
        if folder in parts[:-1]:
            return kind
    return None


def merge(base_text: str | None, ours_text: str, theirs_text: str, kind: str, config: Config,
          text_merge: TextMerge, path: str = "") -> Merged:
    """Merge three versions of one record file (`base_text` None when both sides added it)."""
    base = _parse(base_text, kind, path, "the common ancestor") if base_text else None
    ours = _parse(ours_text, kind, path, "ours")
    theirs = _parse(theirs_text, kind, path, "theirs")
    assert ours is not None and theirs is not None
    if ours_text == theirs_text:
        return Merged(ours_text)
    if base is None and _distinct(ours, theirs):
        return Merged(_whole_conflict(ours_text, theirs_text), [
            f"{ours.id}: two different records were made with the same ID (created {ours.created} and "
            f"{theirs.created}); keep one under a new ID (itsm new ... then delete this file's copy)"])
    return _Merger(base, ours, theirs, config, text_merge).run()


def _parse(text: str | None, kind: str, path: str, side: str) -> Record | None:
    if text is None:
        return None
    try:
        return markdown.parse(text, kind, path)
    except markdown.RecordError as exc:
        raise Unmergeable(f"{side}: {exc}") from None


def _distinct(ours: Record, theirs: Record) -> bool:
    """Two records that share an ID but not a beginning: minted apart, not copies of one."""
    if isinstance(ours, Article) or isinstance(theirs, Article):
        return ours.created != theirs.created
    first = ours.timeline[0].id if ours.timeline else None
    other = theirs.timeline[0].id if theirs.timeline else None
    return ours.created != theirs.created or first != other


class _Merger:
    def __init__(self, base: Record | None, ours: Record, theirs: Record, config: Config,
                 text_merge: TextMerge) -> None:
        self.base, self.ours, self.theirs = base, ours, theirs
        self.config = config
        self.text_merge = text_merge
        self.kind = ours.kind
        self.conflicts: list[str] = []
        self.marked: dict[str, tuple[Any, Any]] = {}  # key -> (ours, theirs) shown in markers
        self.decisions: list[str] = []  # the merge entry's lines
        self.decided_keys: list[str] = []

    # -- the whole --------------------------------------------------------------------------

    def run(self) -> Merged:
        ours, theirs = self.ours, self.theirs
        timeline: tuple[Entry, ...] = ()
        if isinstance(ours, (Ticket, Problem)) and isinstance(theirs, (Ticket, Problem)):
            timeline = self._timeline(ours.timeline, theirs.timeline)
        values = self._front_matter(timeline)
        body_key = "body" if self.kind == "kb" else "description"
        body, body_clean = self._text(body_key)
        merged = _build(ours, values, body_key, body, timeline)
        settled = merged
        if isinstance(merged, (Ticket, Problem)):
            merged = self._derived(_consistent(merged, self.config))
            settled = self._derived(self._with_merge_entry(merged))
        if not self.conflicts:
            self.conflicts.extend(self._lifecycle_conflicts(settled))
        if self.conflicts and not self.marked and body_clean:
            # Nothing one key or line can show (an entry rewritten on both sides): the two
            # versions whole, between markers, for a person to join.
            return Merged(_whole_conflict(markdown.render(ours), markdown.render(theirs)), self.conflicts,
                          self.decided_keys)
        if self.conflicts:
            # A person decides: the record as merged so far, without a merge entry that would
            # claim a decision, and markers around what is in question.
            return Merged(_with_markers(merged, self.marked, body if not body_clean else None),
                          self.conflicts, self.decided_keys)
        text = markdown.render(settled)
        too_big = markdown.size_problem(text)
        if too_big is not None:  # what the readers would refuse is never written as a record
            return Merged(_whole_conflict(markdown.render(ours), markdown.render(theirs)),
                          [f"{ours.id}: not merged: {too_big}"], self.decided_keys)
        return Merged(text, [], self.decided_keys)

    # -- timelines ---------------------------------------------------------------------------

    def _timeline(self, ours: tuple[Entry, ...], theirs: tuple[Entry, ...]) -> tuple[Entry, ...]:
        """Each entry once; each side's order kept; what only one side has placed after the
        last entry both have that comes before it, the two sides' new entries in time order."""
        base_entries = {e.id: e for e in getattr(self.base, "timeline", ())}
        theirs_by_id = {e.id: e for e in theirs}
        ours_ids = {e.id for e in ours}
        chosen: dict[str, Entry] = {}
        for entry in ours:
            other = theirs_by_id.get(entry.id)
            if other is None or other == entry:
                chosen[entry.id] = entry
                continue
            before = base_entries.get(entry.id)
            if before == entry:
                chosen[entry.id] = other
            elif before == other:
                chosen[entry.id] = entry
            else:
                chosen[entry.id] = entry
                self.conflicts.append(f"{self.ours.id}: timeline entry {entry.id} ({entry.kind}, {entry.time}) "
                                      "was changed on both sides; entries are never rewritten: keep one")
        runs_ours = _runs(ours, theirs_by_id.keys())
        runs_theirs = _runs(theirs, ours_ids)
        joined: list[Entry] = list(_interleave(runs_ours.get(None, []), runs_theirs.get(None, [])))
        for entry in ours:
            if entry.id in theirs_by_id:
                joined.append(chosen[entry.id])
                joined.extend(_interleave(runs_ours.get(entry.id, []), runs_theirs.get(entry.id, [])))
        # Entries both have but in another order on their side (a hand edit) are kept in ours'.
        return tuple(chosen.get(e.id, e) for e in joined)

    # -- front-matter ------------------------------------------------------------------------

    def _front_matter(self, timeline: tuple[Entry, ...]) -> dict[str, Any]:
        base_values = front_matter(self.base) if self.base is not None else {}
        ours_values, theirs_values = front_matter(self.ours), front_matter(self.theirs)
        keys = list(ours_values) + [k for k in theirs_values if k not in ours_values]
        types = dict(FIELDS[self.kind])
        merged: dict[str, Any] = {}
        for key in keys:
            old = base_values.get(key, MISSING)
            mine, other = ours_values.get(key, MISSING), theirs_values.get(key, MISSING)
            if key in DERIVED and self.kind != "kb":
                merged[key] = mine if mine is not MISSING else other
                continue
            if key in COUNTS and all(isinstance(v, int) and not isinstance(v, bool) for v in (mine, other)):
                # Each side counted what it did: two resolutions made apart are two, even when
                # both sides' counts read the same.
                start = old if isinstance(old, int) else 0
                value = start + (mine - start) + (other - start)
                if mine != start and other != start:
                    self._note(f"{key}: {mine} on one side, {other} on the other since {start}: both counted, {value}")
            elif mine == other or other == old:
                value = mine
            elif mine == old:
                value = other
            elif types.get(key) == "str_list" and isinstance(mine, list) and isinstance(other, list):
                value = _set_merge(old if isinstance(old, list) else [], mine, other)
            else:
                value = self._later(key, mine, other)
            if value is not MISSING:
                merged[key] = value
        if self.kind == "kb":  # an article has no timeline: its last change is its `updated`
            stamps = [v for v in (ours_values.get("updated"), theirs_values.get("updated")) if isinstance(v, str)]
            merged["updated"] = max(stamps) if stamps else None
        elif timeline:
            merged["updated"] = max(entry.time for entry in timeline)
        return merged

    def _later(self, key: str, mine: Any, other: Any) -> Any:
        """Both sides changed `key` to different values: the later change wins, and the merge
        entry names both, so a person can review it."""
        when_mine, when_other = self._changed_at(self.ours, key), self._changed_at(self.theirs, key)
        ours_wins = (when_mine[0], when_mine[1]) > (when_other[0], when_other[1])
        if when_mine[:2] == when_other[:2]:  # the same moment: any fixed choice, the same on both clones
            ours_wins = _sort_key(mine) > _sort_key(other)
        winner, loser = (mine, other) if ours_wins else (other, mine)
        how_won, how_lost = (when_mine, when_other) if ours_wins else (when_other, when_mine)
        self._note(f"{key}: {_shown(winner)} ({how_won[2]}) and {_shown(loser)} ({how_lost[2]}); "
                   f"kept {_shown(winner)}, the later change")
        self.decided_keys.append(key)
        return winner

    def _changed_at(self, side: Record, key: str) -> tuple[str, str, str]:
        """(time, entry ID, how it is said) of the change of `key` on one side: the last new
        entry that set it, else the side's last change."""
        if isinstance(side, (Ticket, Problem)):
            known = {e.id for e in getattr(self.base, "timeline", ())}
            setting = [e for e in side.timeline if e.id not in known and key in dict(e.changes)]
            if setting:
                last = max(setting, key=lambda e: e.time)
                return last.time, last.id, f"{last.kind} by {last.actor}, {last.time}"
            fresh = [e for e in side.timeline if e.id not in known]
            if fresh:
                last = max(fresh, key=lambda e: e.time)
                return last.time, last.id, f"changed by hand by {last.time}"
        stamp = side.updated or side.created
        return stamp, "", f"changed by {stamp}"

    def _note(self, line: str) -> None:
        self.decisions.append(line)

    # -- free text ---------------------------------------------------------------------------

    def _text(self, key: str) -> tuple[str, bool]:
        mine, other = getattr(self.ours, key), getattr(self.theirs, key)
        old = getattr(self.base, key) if self.base is not None else ""
        if mine == other or other == old:
            return mine, True
        if mine == old:
            return other, True
        merged, clean = self.text_merge(old, mine, other)
        if not clean:
            self.conflicts.append(f"{self.ours.id}: the {key} was changed on both sides in the same lines; "
                                  "keep what is right between the markers")
        return merged, clean

    # -- the result: derived keys, the merge entry ------------------------------------------------

    def _with_merge_entry(self, record: Ticket | Problem) -> Ticket | Problem:
        """Add the merge entry where the sides disagreed, or where folding the joined timeline
        would not give the merged front-matter (so `itsm check` agrees with the result)."""
        written = front_matter(record)
        state = timeline_state(record)
        complete = bool(record.timeline) and record.timeline[0].kind == "created" and bool(record.timeline[0].changes)
        sets: list[tuple[str, Any]] = []
        if complete:
            for key in TRACKED[record.kind]:
                said = state[key][0] if key in state else empty_value(key, record.kind)
                if written[key] != said:
                    sets.append((key, written[key]))
        if not (self.decisions or sets) or not record.timeline:
            return record
        when = max(entry.time for entry in record.timeline)
        text = "Merged two clones' changes." + "".join(f"\n- {line}" for line in self.decisions)
        if sets and not self.decisions:
            text += "\n- " + ", ".join(key for key, _ in sets) + " as the two sides left them together"
        # What this merge joins: the entries new on either side since the common ancestor.
        known = {e.id for e in getattr(self.base, "timeline", ())}
        joined = sorted(e.id for e in record.timeline if e.id not in known)
        taken = {e.id for e in record.timeline}
        entry_id = _entry_id(record.id, text, sets, joined)
        while entry_id in taken:  # never two entries with one ID, however unlikely
            entry_id = _entry_id(record.id, text, sets, [*joined, entry_id])
        entry = Entry(entry_id, when, MERGE_ACTOR, MERGE_KIND, text, tuple(sets))
        return dataclasses.replace(record, timeline=(*record.timeline, entry), updated=when)

    def _derived(self, record: Ticket | Problem) -> Ticket | Problem:
        """`responded` and the deadlines derived afresh from the joined timeline."""
        if isinstance(record, Ticket) and record.updated and timeutil.is_timestamp(record.updated) \
                and shape.clocks_readable(record):
            try:
                return sla.with_deadlines(record, self.config, timeutil.parse(record.updated))
            except ValueError:
                pass  # a time that is not a time: `itsm check` names it, the merge keeps the values
        return record

    def _lifecycle_conflicts(self, merged: Record) -> list[str]:
        """What the lifecycle does not allow in the result and neither side had on its own."""
        found: list[str] = []
        if isinstance(merged, (Ticket, Problem)):
            found.extend(self._transitions(merged))
        had = set(record_rules.record_faults(self.ours, self.config)) | set(record_rules.record_faults(self.theirs, self.config))
        for key, message in record_rules.record_faults(merged, self.config):
            if (key, message) in had or key.startswith("entry:"):
                continue
            found.append(f"{merged.id}: {key}: {message}")
            if key in front_matter(merged):
                self.marked.setdefault(key, (front_matter(self.ours).get(key), front_matter(self.theirs).get(key)))
        if found and "status" in front_matter(merged):
            self.marked.setdefault("status", (front_matter(self.ours)["status"], front_matter(self.theirs)["status"]))
        return found

    def _transitions(self, merged: Ticket | Problem) -> list[str]:
        """Replays the joined timeline's status changes: an entry one side made on a state
        the other side had already left (a reopen after the other side's close) is refused."""
        table = TRANSITIONS if isinstance(merged, Ticket) else PROBLEM_TRANSITIONS
        known = {e.id for e in getattr(self.base, "timeline", ())}
        ours_ids = {e.id for e in self.ours.timeline} if isinstance(self.ours, (Ticket, Problem)) else set()
        status: Any = None
        found: list[str] = []
        for _, entry in sorted(enumerate(merged.timeline), key=lambda pair: (pair[1].time, pair[0])):
            changes = dict(entry.changes)
            # The same step taken on both sides (two people resolving one ticket, two `pend`s)
            # leaves it where both meant it to be: the later change's details are kept, and the
            # merge entry names both. Only steps that contradict each other stop the merge.
            same_step = changes.get("status") == status
            if entry.kind in table and entry.id not in known and entry.kind != MERGE_KIND and status is not None \
                    and status not in table[entry.kind] and not same_step:
                side = "ours" if entry.id in ours_ids else "theirs"
                found.append(
                    f"{merged.id}: status: {entry.kind} ({side}: {entry.actor}, {entry.time}) came after the other "
                    f"side made it {status}, and a {status} record cannot be {_past(entry.kind)}; "
                    "decide which is right, keep that status, remove the markers, then `itsm check`")
            if "status" in changes:
                status = changes["status"]
        return found


def _past(kind: str) -> str:
    return {"reopen": "reopened", "close": "closed", "resolve": "resolved", "assign": "assigned",
            "escalate": "escalated", "pend": "put on hold", "resume": "resumed"}.get(kind, f"given a {kind}")


def _runs(timeline: tuple[Entry, ...], shared: Any) -> dict[str | None, list[Entry]]:
    """The entries only this side has, grouped by the last shared entry before them."""
    runs: dict[str | None, list[Entry]] = {}
    anchor: str | None = None
    for entry in timeline:
        if entry.id in shared:
            anchor = entry.id
        else:
            runs.setdefault(anchor, []).append(entry)
    return runs


def _interleave(mine: list[Entry], other: list[Entry]) -> list[Entry]:
    """Two runs of new entries in time order, each run's own order kept; the same result
    whichever side is ours (ties go by entry ID)."""
    result: list[Entry] = []
    i = j = 0
    while i < len(mine) and j < len(other):
        if (mine[i].time, mine[i].id) <= (other[j].time, other[j].id):
            result.append(mine[i])
            i += 1
        else:
            result.append(other[j])
            j += 1
    return result + mine[i:] + other[j:]


def _set_merge(old: list[Any], mine: list[Any], other: list[Any]) -> list[Any]:
    """Items either side added, minus items either side removed; the ancestor's order, then
    the new items in a fixed order (the same on both clones)."""
    removed = {item for item in old if item not in mine or item not in other}
    kept = [item for item in old if item not in removed]
    added = sorted({item for item in (*mine, *other) if item not in old}, key=_sort_key)
    return kept + added


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _shown(value: Any) -> str:
    if value is None or value is MISSING or value == []:
        return "(empty)"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _consistent(record: Ticket | Problem, config: Config) -> Ticket | Problem:
    """Keys that follow from others, made to follow from the merged ones: impact raised on one
    side and urgency lowered on the other give the priority of both (never either side's);
    one side's `pend` that the other side's later resolve or resume overtook leaves no wait."""
    if not isinstance(record, Ticket):
        return record
    if record.status != "pending" and record.waiting_on is not None:
        record = dataclasses.replace(record, waiting_on=None)
    derived = "P1" if record.major else priority_for(config.matrix, record.impact, record.urgency)
    if derived is not None and derived != record.priority:
        record = dataclasses.replace(record, priority=derived)
    return record


def _entry_id(record_id: str, text: str, sets: list[tuple[str, Any]], joined: list[str]) -> str:
    """Derived from what the merge joined (the IDs of both sides' new entries) and what it
    decided: two clones that merge the same changes on their own write the same entry, which
    a later merge then joins once; another merge that decides the same thing (the same two
    tickets linked again next week) joins other entries, and gets another ID."""
    digest = hashlib.sha256(f"{record_id}\n{text}\n{_sort_key(sets)}\n{' '.join(joined)}".encode()).digest()
    number = int.from_bytes(digest[:5], "big")
    return "".join(ids.ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5))


def _build(like: Record, values: dict[str, Any], body_key: str, body: str, timeline: tuple[Entry, ...]) -> Record:
    """A record of `like`'s kind with the merged front-matter, body and timeline."""
    types = dict(FIELDS[like.kind])
    changes: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in values.items():
        if key not in types:
            extra[key] = value
        elif types[key] == "str_list":
            changes[key] = tuple(value or ())
        elif types[key] == "resolution":
            changes[key] = None if value is None else Resolution(value["kind"], value["summary"], value.get("code"))
        else:
            changes[key] = value
    changes["extra"] = extra
    changes[body_key] = body
    if not isinstance(like, Article):
        changes["timeline"] = timeline
    return dataclasses.replace(like, **changes)


def _with_markers(record: Record, marked: dict[str, tuple[Any, Any]], body: str | None) -> str:
    """The merged record with git's conflict markers around each key a person must decide
    (ours above, theirs below) and, when the free text could not be merged, in the text."""
    data = front_matter(record)
    lines = []
    for key, value in data.items():
        if key in marked:
            mine, other = marked[key]
            lines.append(f"<<<<<<< ours\n{yamlio.dump({key: mine})}=======\n{yamlio.dump({key: other})}>>>>>>> theirs\n")
        else:
            lines.append(yamlio.dump({key: value}))
    text = "---\n" + "".join(lines) + "---\n"
    rendered = markdown.render(record)
    rest = rendered[rendered.index("\n---\n") + 5:]
    if body is not None:
        placeholder = "\x00BODY\x00"
        text_key: dict[str, Any] = {"body" if isinstance(record, Article) else "description": placeholder}
        stand_in = dataclasses.replace(record, **text_key)
        rest_stand_in = markdown.render(stand_in)
        rest = rest_stand_in[rest_stand_in.index("\n---\n") + 5:].replace(placeholder, body)
    return text + rest


def _whole_conflict(ours: str, theirs: str) -> str:
    return f"<<<<<<< ours\n{ours}=======\n{theirs}>>>>>>> theirs\n"
