"""A record's life told from git: each commit, who, when, and which fields changed how."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsm.core.model import Record, changes
from itsm.records import markdown
from itsm.storage import gitio


@dataclass(frozen=True)
class Step:
    commit: str
    author: str
    date: str
    subject: str
    changes: tuple[tuple[str, Any, Any], ...]  # (field, before, after)
    entries: tuple[str, ...]  # timeline entries this commit added, as "kind: text"

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit, "author": self.author, "date": self.date,
            "subject": self.subject,
            "changes": [{"field": f, "from": a, "to": b} for f, a, b in self.changes],
            "entries": list(self.entries),
        }


def steps(versions: list[tuple[gitio.Commit, str | None]], kind: str) -> list[Step]:
    """Pure: turn (commit, file text) pairs, oldest first, into the story of the record."""
    result = []
    previous: Record | None = None
    for commit, text in versions:
        current: Record | None = None
        if text is not None:
            try:
                current = markdown.parse(text, kind)
            except markdown.RecordError:
                current = None
        found: list[tuple[str, Any, Any]] = []
        added: list[str] = []
        if current is not None and previous is not None:
            found = [(key, _plain(old), _plain(new)) for key, old, new in changes(previous, current)]
            before_ids = {e.id for e in getattr(previous, "timeline", ())}
            added = [f"{e.kind}: {e.text}" for e in getattr(current, "timeline", ()) if e.id not in before_ids]
        elif current is not None:
            found = [("created", None, current.id)]
            added = [f"{e.kind}: {e.text}" for e in getattr(current, "timeline", ())]
        elif text is None:
            found = [("deleted", None, None)]
        result.append(Step(commit.sha, commit.author, commit.date, commit.subject, tuple(found), tuple(added)))
        previous = current or previous
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "__dataclass_fields__"):
        return {k: getattr(value, k) for k in value.__dataclass_fields__}
    return value


def describe(change: tuple[str, Any, Any]) -> str:
    key, old, new = change
    if key == "created":
        return "created"
    if key == "deleted":
        return "file deleted"
    if key in ("description", "body"):
        return f"{key} changed"
    return f"{key}: {_short(old)} -> {_short(new)}"


def _short(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "(none)"
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    elif isinstance(value, dict) and {"kind", "summary"} <= set(value):
        value = f"{value['kind']}: {value['summary']}" + (f" [{value['code']}]" if value.get("code") else "")
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."
