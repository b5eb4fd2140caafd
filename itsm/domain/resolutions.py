"""Facts a report needs, read from a ticket's timeline: every resolution it had, in order.

Pure: a ticket in, values out. The front-matter keeps the current resolution and the counts
(`resolutions`, `reopens`, `reassignments`); the earlier resolutions live only in the
timeline, and this is where they are read back (docs/lifecycle.md, "Facts kept for reports").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsm.core.model import RESOLUTION_KINDS, Entry, Ticket


@dataclass(frozen=True)
class PastResolution:
    """One `resolve` entry: when, by whom, how, and the reopen that undid it (if any)."""

    time: str
    by: str
    kind: str | None  # None when an old entry's text does not say
    summary: str
    code: str | None
    entry: str  # the resolve entry's ID
    reopened: str | None = None  # the time of the reopen that undid it
    reopen_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"time": self.time, "by": self.by, "kind": self.kind, "summary": self.summary,
                "code": self.code, "entry": self.entry, "reopened": self.reopened,
                "reopen_reason": self.reopen_reason}


def count_entries(ticket: Ticket, kind: str) -> int:
    """How many timeline entries of this kind: the true count of resolutions or reopens,
    also for a record written before the counts were kept."""
    return sum(1 for entry in ticket.timeline if entry.kind == kind)


def resolution_history(ticket: Ticket) -> list[PastResolution]:
    """Every resolution in the timeline's order; each undone by a reopen says when and why."""
    history: list[PastResolution] = []
    for entry in ticket.timeline:
        if entry.kind == "resolve":
            history.append(_from_entry(entry))
        elif entry.kind == "reopen" and history and history[-1].reopened is None:
            last = history[-1]
            history[-1] = PastResolution(last.time, last.by, last.kind, last.summary, last.code, last.entry,
                                         reopened=entry.time, reopen_reason=_reopen_reason(entry.text))
    return history


def _from_entry(entry: Entry) -> PastResolution:
    """The resolution an entry recorded: from its set line when it has one, else from its
    text (`fix: ...` / `workaround: ... [code]`), which is all an older record has."""
    recorded = dict(entry.changes).get("resolution")
    if isinstance(recorded, dict) and isinstance(recorded.get("summary"), str):
        return PastResolution(entry.time, entry.actor, recorded.get("kind"), recorded["summary"],
                              recorded.get("code"), entry.id)
    text = entry.text
    kind = next((k for k in RESOLUTION_KINDS if text.startswith(f"{k}: ")), None)
    return PastResolution(entry.time, entry.actor, kind, text[len(kind) + 2:] if kind else text, None, entry.id)


def _reopen_reason(text: str) -> str:
    """The reason of a reopen entry, without the resolution it repeats."""
    return text.split(" (was resolved with a ", 1)[0]
