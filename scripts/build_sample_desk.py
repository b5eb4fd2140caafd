"""Rebuild the sample desk in this repository from scripts/sample_desk_data.py.

The sample desk (tickets/, problems/, kb/, itsm.yaml at the top of the repository) is what
`itsm` shows in a fresh clone. Its content is written by hand in sample_desk_data.py; this
script turns it into record files through itsm's own model and writer, so the files are
exactly what `itsm` itself would write, and `itsm check` must find nothing wrong.

IDs come from a seeded generator, so rebuilding gives the same files:

    python scripts/build_sample_desk.py      # then: itsm check && git diff --stat
"""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import sample_desk_data as data  # noqa: E402

from itsm.config import defaults, settings  # noqa: E402
from itsm.core import timeutil  # noqa: E402
from itsm.core.fileio import atomic_write  # noqa: E402
from itsm.core.ids import ALPHABET  # noqa: E402
from itsm.core.model import Article, Entry, Problem, Resolution, Ticket, priority_for  # noqa: E402
from itsm.domain import sla  # noqa: E402
from itsm.records import markdown  # noqa: E402
from itsm.storage.store import Desk  # noqa: E402

MANAGERS = {
    "service-desk": "Dana Whitfield",
    "identity": "Tom Okafor",
    "network": "Priya Raman",
    "desktop-support": "Marcus Chen",
    "messaging": "Elena Petrova",
    "applications": "Aisha Bello",
    "infrastructure": "Sven Lindqvist",
    "suppliers": "Sven Lindqvist",
}
# Level-2 groups hand over to level 3: their own servers to infrastructure, vendors' kit to suppliers.
ESCALATES_TO = {
    "identity": {"escalates_to": "infrastructure"},
    "network": {"escalates_to": "suppliers"},
    "desktop-support": {"escalates_to": "suppliers"},
    "messaging": {"escalates_to": "infrastructure"},
    "applications": {"escalates_to": "suppliers"},
}
HOURS = {
    "timezone": "Europe/Berlin",
    "days": {day: "07:00-19:00" for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-10-03", "2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31"],
    "always_on": ["P1"],
}
rng = random.Random(20261126)


def code(length: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def main() -> None:
    groups = {
        name: {**spec, "manager": MANAGERS[name], **ESCALATES_TO.get(name, {})}
        for name, spec in defaults.DEFAULTS["groups"].items()
    }
    atomic_write(ROOT / "itsm.yaml", defaults.render_default({"groups": groups, "business_hours": HOURS}))
    for folder in ("tickets", "problems", "kb"):
        shutil.rmtree(ROOT / folder, ignore_errors=True)
    desk = Desk.open(ROOT)
    cfg = desk.config

    kb_ids = {item["key"]: f"KB-{code(6)}" for item in data.KB}
    problem_ids = {item["key"]: f"PRB-{code(6)}" for item in data.PROBLEMS}
    ticket_ids = {
        item["key"]: f"{cfg.prefixes[item['type']]}-{code(6)}" for item in data.TICKETS
    }
    incidents_of: dict[str, list[str]] = {key: [] for key in problem_ids}
    for item in sorted(data.TICKETS, key=lambda t: t["created"]):
        if item.get("problem"):
            incidents_of[item["problem"]].append(ticket_ids[item["key"]])

    for item in data.KB:
        sections = [
            ("Symptoms", item["symptoms"]),
            ("Cause", item["cause"]),
            ("Resolution", item["resolution"]),
        ]
        body = "\n\n".join(f"## {title}\n\n{text.strip()}" for title, text in sections if text)
        if item.get("script"):
            steps = "\n".join(f"{n}. {step}" for n, step in enumerate(item["script"], 1))
            body += f"\n\n## Script\n\n{steps}"
        article = Article(
            id=kb_ids[item["key"]], title=item["title"], category=item["category"],
            tags=tuple(item["tags"]), links=tuple(item["links"]), author=item["author"],
            created=item["created"], body=body,
        )
        write(desk, article)

    for item in data.PROBLEMS:
        timeline = [entry(item["created"], item["owner"], "created", "Problem recorded.")]
        if item.get("workaround"):
            timeline.append(entry(item["created"], item["owner"], "workaround", item["workaround"]))
        resolved = None
        if item["status"] in ("resolved", "closed"):
            resolved = item.get("resolved") or _last_incident_time(item["key"]) or item["created"]
            timeline.append(entry(resolved, item["owner"], "resolve", f"Fixed: {item['fix']}"))
        problem = Problem(
            id=problem_ids[item["key"]], title=item["title"], status=item["status"],
            category=item["category"], owner=item["owner"],
            incidents=tuple(incidents_of[item["key"]]),
            kb=tuple(kb_ids[k] for k in item.get("kb", [])),
            workaround=item.get("workaround"), root_cause=item.get("root_cause"),
            fix=item.get("fix"), created=item["created"], updated=timeline[-1].time,
            resolved=resolved, description=item["description"].strip(), timeline=tuple(timeline),
        )
        write(desk, problem)

    for item in data.TICKETS:
        write(desk, ticket(item, cfg, ticket_ids, problem_ids, kb_ids))
    print(f"wrote {len(data.TICKETS)} tickets, {len(data.PROBLEMS)} problems, {len(data.KB)} KB articles")


def _last_incident_time(problem_key: str) -> str | None:
    times = [t["created"] for t in data.TICKETS if t.get("problem") == problem_key]
    return max(times) if times else None


def entry(time: str, actor: str, kind: str, text: str) -> Entry:
    return Entry(code(8), time, actor, kind, text.strip())


def ticket(
    item: dict[str, Any], cfg: settings.Config, ticket_ids: dict[str, str],
    problem_ids: dict[str, str], kb_ids: dict[str, str],
) -> Ticket:
    priority = priority_for(cfg.matrix, item["impact"], item["urgency"])
    group = item.get("group") or cfg.group_for(item.get("category"))
    first = (
        f"Recorded from {item['channel']} for {item['reporter']}: {priority} "
        f"(impact {item['impact']}, urgency {item['urgency']}); routed to {group}."
    )
    recorder = item["reporter"] if item["channel"] == "monitoring" else _first_staff(item)
    timeline = [entry(item["created"], recorder, "created", first)]
    stamps: dict[str, str | None] = {"resolved": None, "closed": None, "notified": None, "confirmed": None}
    owner: str | None = None
    for event in item["events"]:
        if event["kind"] == "assign" and "->" not in event["text"] and not _ROUTED.search(event["text"]):
            # The person who picks a ticket up owns it: said the way `itsm assign` says it, so
            # the clocks see a person taking the ticket (the first response).
            text = f"owner {owner or '(none)'} -> {event['actor']}; {event['text']}"
            owner = event["actor"]
            timeline.append(entry(event["at"], event["actor"], "assign", text))
        elif event["kind"] == "escalate" and "Major incident declared" in event["text"]:
            # A declaration is a hierarchical escalation plus a `major` entry, as itsm writes it.
            timeline.append(entry(event["at"], event["actor"], "hierarchical", event["text"]))
            timeline.append(entry(event["at"], event["actor"], "major", "Major incident declared; priority P1 -> P1."))
        else:
            timeline.append(entry(event["at"], event["actor"], event["kind"], event["text"]))
        if event["kind"] == "resolve":
            stamps["resolved"] = event["at"]
        if event["kind"] == "close":
            stamps["closed"] = event["at"]
        if event["kind"] == "notify":
            stamps["notified"] = event["at"]
        if event["kind"] == "confirm":
            stamps["confirmed"] = event["at"]
    resolution = item.get("resolution")
    if resolution and item["type"] == "request":
        # A service request is fulfilled, not fixed (docs/lifecycle.md, "Service requests").
        resolution = {**resolution, "kind": "fulfilled"}
    t = Ticket(
        id=ticket_ids[item["key"]], title=item["title"], type=item["type"], status=item["status"],
        priority=priority, impact=item["impact"], urgency=item["urgency"],
        category=item.get("category"), group=group, level=item.get("level") or cfg.groups[group].level,
        owner=item.get("owner"), reporter=item["reporter"], channel=item["channel"],
        major=item.get("major", False),
        problem=problem_ids[item["problem"]] if item.get("problem") else None,
        kb=tuple(kb_ids[k] for k in item.get("kb", [])), created=item["created"], needed_by=item.get("needed_by"),
        updated=timeline[-1].time,
        resolution=Resolution(resolution["kind"], resolution["summary"].strip()) if resolution else None,
        description=item["description"].strip(), timeline=tuple(timeline), **stamps,
    )
    if t.major:
        t = dataclasses.replace(t, priority="P1")
    # Responded time and deadlines exactly as itsm derives them, as of the last change.
    return sla.with_deadlines(t, cfg, timeutil.parse(t.updated or t.created))


# An assign event that routes a ticket to a group rather than taking it.
_ROUTED = re.compile(r"\b(?:passing to|Assigned to|paging)\b", re.IGNORECASE)


def _first_staff(item: dict[str, Any]) -> str:
    for event in item["events"]:
        if event["actor"] != item["reporter"]:
            return str(event["actor"])
    return "Alice Moreau"


def write(desk: Desk, record: Article | Problem | Ticket) -> None:
    path = desk.path_for(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, markdown.render(record))


if __name__ == "__main__":
    main()
