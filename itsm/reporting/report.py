"""The desk's report: backlog, aging, SLA compliance, MTTA/MTTR, first-level resolution,
escalations, reopens, weekly trend, problems, KB use, requests vs incidents, and the
incidents that look like a problem nobody has recorded yet.

Pure: `build` takes what the read model holds — one `Row` per ticket (the columns and the
facts derived from its timeline, never the file), the open tickets themselves (their SLA
clocks run at the report's `now`), the problems and the articles — and returns the report
as plain data (docs/report.md gives each figure's definition and the JSON schema). The
command (itsm/cli/report.py) reads the read model and renders the result.

Two kinds of figures: the *state* (backlog, aging, open by type) is the desk at `now`; the
*flows* (everything else) count what happened in the window `[since, until)`.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from itsm.config.settings import Config
from itsm.core import timeutil
from itsm.core.model import OPEN_STATUSES, PRIORITIES, Article, Problem, Ticket
from itsm.domain import sla
from itsm.records import shape

SCHEMA_VERSION = 1
SECTIONS = ("backlog", "aging", "sla", "times", "first_level", "escalations", "reopens", "trend", "problems",
            "kb", "types", "candidates")
GATES = ("breach", "unowned", "stale", "major")
DEFAULT_WEEKS = 12  # the window when --since is not given: a quarter's weekly trend
# Age of an open ticket, in calendar days: [from, to).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-1 d", 0, 1), ("1-3 d", 1, 3), ("3-7 d", 3, 7), ("7-30 d", 7, 30), ("> 30 d", 30, None))
NO_PRIORITY = "none"
LISTED = 10  # how many oldest tickets, and IDs in a gate's line
# Problem candidates compare the window's latest this many incidents. Every pair of similar
# incidents is looked at, and a big desk's window holds thousands of look-alikes ("password
# expired" 470 times in 12 weeks on the 100k benchmark desk: 875,000 similar pairs, 12 s):
# a fault that recurs recurs among the latest too, and the report says how many it compared.
COMPARED = 2000


@dataclass(frozen=True)
class Row:
    """One ticket as the read model holds it: the filter columns and the derived facts."""

    id: str
    type: str | None
    status: str | None
    priority: str | None
    owner: str | None
    group: str | None
    category: str | None
    created: str | None
    major: bool
    facts: dict[str, Any]
    # Read once from the columns and facts. Times stay text: a stored time is UTC in one
    # format, so its text sorts as the time does, and 100,000 tickets' times are compared
    # without being parsed (a malformed one is None here: `itsm check` names it).
    is_open: bool = field(init=False)
    created_at: str | None = field(init=False)
    responded_at: str | None = field(init=False)
    resolved_at: str | None = field(init=False)  # None while the ticket is open
    ended_at: str | None = field(init=False)  # resolved, else closed; None while open
    events: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        facts = self.facts
        is_open = self.status in OPEN_STATUSES
        resolved = None if is_open else _stamp(facts.get("resolved"))
        events = tuple((moment, str(item[1])) for item in facts.get("events", ())
                       if isinstance(item, list) and len(item) == 2 and (moment := _stamp(item[0])) is not None)
        entries = facts.get("entries")
        # Only what the sections read is kept: a report over a whole 100k desk holds every row.
        kept = {key: facts[key] for key in _KEPT_FACTS if key in facts}
        kept["escalated"] = bool(isinstance(entries, dict) and entries.get("escalate"))
        for name, value in (("is_open", is_open), ("created_at", _stamp(self.created)),
                            ("responded_at", _stamp(facts.get("responded"))), ("resolved_at", resolved),
                            ("ended_at", None if is_open else resolved or _stamp(facts.get("closed"))),
                            ("events", events), ("facts", kept)):
            object.__setattr__(self, name, value)

    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.facts.get("title"), "type": self.type, "status": self.status,
                "priority": self.priority, "owner": self.owner, "group": self.group, "category": self.category,
                "created": self.created, "major": self.major}


_KEPT_FACTS = ("title", "level", "kb", "to_response_minutes", "to_resolution_minutes", "response", "resolution")


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    low: str = field(init=False)  # the bounds as stored times are written: compared as text
    high: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", timeutil.format(self.since))
        object.__setattr__(self, "high", timeutil.format(self.until))

    def __contains__(self, moment: datetime | str | None) -> bool:
        if isinstance(moment, str):
            return self.low <= moment < self.high
        return moment is not None and self.since <= moment < self.until


@dataclass
class Desk:
    """What the report is built from."""

    rows: Sequence[Row]  # the tickets that are open, or have anything in or after the window
    open_tickets: Sequence[Ticket]  # the open ones, whole (their clocks run at `now`)
    problems: Sequence[Problem]
    articles: Sequence[Article]
    linked: Sequence[tuple[str, str | None, str | None, str | None]]  # (id, problem, status, resolution kind)
    config: Config
    now: datetime
    name: str = ""
    # (id, title, description) of the window's incidents with no problem -> groups of look-alikes
    candidates: Callable[[list[tuple[str, str, str]]], list[dict[str, Any]]] | None = None
    texts: Callable[[list[str]], list[tuple[str, str, str]]] | None = None
    slipping: Callable[[Sequence[Ticket]], dict[str, list[str]]] | None = None
    as_of: dict[str, Any] | None = None


def default_window(now: datetime, since: datetime | None, until: datetime | None) -> Window:
    end = until or now
    return Window(since or end - timedelta(weeks=DEFAULT_WEEKS), end)


def build(desk: Desk, window: Window, sections: Sequence[str] = SECTIONS,
          gates: Sequence[str] = ()) -> dict[str, Any]:
    """The report as plain data, in the order of SECTIONS (docs/report.md, "JSON")."""
    chosen = [name for name in SECTIONS if name in sections]
    report: dict[str, Any] = {"report": {
        "version": SCHEMA_VERSION, "desk": desk.name, "generated": timeutil.format(desk.now),
        "since": timeutil.format(window.since), "until": timeutil.format(window.until), "as_of": desk.as_of,
        "business_hours": desk.config.business_hours is not None and bool(desk.config.business_hours.days),
        "sections": chosen,
    }}
    need_sla = "sla" in chosen or "breach" in gates
    clocks = _open_clocks(desk) if need_sla else {}
    for name in chosen:
        if name != "sla":
            report[name] = _SECTIONS[name](desk, window)
        else:
            report[name] = _sla(desk, window, clocks)
        if name == "candidates":
            report["candidates_scope"] = candidates_scope(desk, window)
    if gates:
        report["gates"] = _gates(desk, window, clocks, gates)
    return report


# -- the state: backlog and aging ------------------------------------------------------------


def _open(desk: Desk) -> list[Row]:
    return [row for row in desk.rows if row.is_open]


def _priority(row: Row) -> str:
    return row.priority if row.priority in PRIORITIES else NO_PRIORITY


def _backlog(desk: Desk, window: Window) -> dict[str, Any]:
    rows = _open(desk)
    priorities = [*PRIORITIES, NO_PRIORITY]
    by_status = []
    for status in OPEN_STATUSES:
        counts = Counter(_priority(row) for row in rows if row.status == status)
        by_status.append({"status": status, "counts": {p: counts.get(p, 0) for p in priorities},
                          "total": sum(counts.values())})
    groups = Counter(row.group or None for row in rows)
    owners = Counter(row.owner for row in rows if row.owner)
    unowned = sorted((row for row in rows if not row.owner), key=_urgent_first)
    return {"open": len(rows), "statuses": list(OPEN_STATUSES), "priorities": priorities, "by_status": by_status,
            "by_group": [{"group": g, "open": n} for g, n in _most_first(groups)],
            "by_owner": [{"owner": o, "open": n} for o, n in _most_first(owners)],
            "unowned": [row.ref() for row in unowned]}


def _most_first(counts: Counter[Any]) -> list[tuple[Any, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, str(item[0])))


def _urgent_first(row: Row) -> tuple[Any, ...]:
    return (not row.major, _priority(row), row.created or "", row.id)


def _aging(desk: Desk, window: Window) -> dict[str, Any]:
    rows = [row for row in _open(desk) if row.created_at is not None]
    ages = {row.id: (desk.now - timeutil.parse(row.created_at)).total_seconds() / 86400 for row in rows
            if row.created_at}
    buckets = []
    for label, low, high in AGE_BUCKETS:
        inside = [row for row in rows if low <= ages[row.id] and (high is None or ages[row.id] < high)]
        counts = Counter(_priority(row) for row in inside)
        buckets.append({"label": label, "from_days": low, "to_days": high, "count": len(inside),
                        "by_priority": {p: counts.get(p, 0) for p in [*PRIORITIES, NO_PRIORITY]}})
    oldest = sorted(rows, key=lambda row: (-ages[row.id], row.id))[:LISTED]
    return {"buckets": buckets, "oldest": [{**row.ref(), "age_days": round(ages[row.id], 1)} for row in oldest]}


# -- SLA compliance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    row: Row
    clock: str  # response | resolution
    breached: bool
    due: str | None  # when the (first) target was passed
    stopped: str | None  # None: still running (or paused)


def _open_clocks(desk: Desk) -> dict[str, sla.Clocks]:
    """The SLA clocks of the open tickets at `now`: a running clock is read at the report's
    time, so it is never stored."""
    return {t.id: sla.clocks(t, desk.config, desk.now) for t in desk.open_tickets if shape.clocks_readable(t)}


def _outcomes(desk: Desk, window: Window, clocks: dict[str, sla.Clocks]) -> list[_Outcome]:
    """Every SLA clock the window decides: one that stopped in the window (met or missed),
    and one still running that is already breached by the window's end (missed; a running
    clock not yet breached is not decided, and is not counted)."""
    found: list[_Outcome] = []
    for row in desk.rows:
        if row.is_open:
            state = clocks.get(row.id)
            if state is None:
                continue
            for name, clock in (("response", state.response), ("resolution", state.resolution)):
                if clock is None:
                    continue
                due = min((b.due for b in clock.earlier), default=clock.due)
                if clock.stopped is not None:
                    if clock.stopped in window:
                        found.append(_Outcome(row, name, clock.ever_breached, timeutil.format(due),
                                              timeutil.format(clock.stopped)))
                elif clock.ever_breached and due < window.until:
                    found.append(_Outcome(row, name, True, timeutil.format(due), None))
        else:
            for name in ("response", "resolution"):
                stored = row.facts.get(name)
                if not isinstance(stored, dict) or _stamp(stored.get("stopped")) not in window:
                    continue
                found.append(_Outcome(row, name, bool(stored.get("breached")), stored.get("due"), stored["stopped"]))
    return found


def _sla(desk: Desk, window: Window, clocks: dict[str, sla.Clocks]) -> dict[str, Any]:
    outcomes = _outcomes(desk, window, clocks)
    report: dict[str, Any] = {}
    for name in ("response", "resolution"):
        mine = [o for o in outcomes if o.clock == name]
        grouped: dict[str, list[_Outcome]] = defaultdict(list)
        for outcome in mine:
            grouped[_priority(outcome.row)].append(outcome)
        by_priority = [{"priority": priority, **_compliance(grouped[priority])}
                       for priority in [*PRIORITIES, NO_PRIORITY] if grouped.get(priority)]
        report[name] = {"by_priority": by_priority, "total": _compliance(mine)}
    breaches = sorted((o for o in outcomes if o.breached), key=_by_due)
    report["breaches"] = [{**o.row.ref(), "clock": o.clock, "due": o.due, "stopped": o.stopped,
                           "running": o.stopped is None} for o in breaches]
    return report


def _by_due(outcome: _Outcome) -> tuple[str, str, str]:
    return (outcome.due or "", outcome.row.id, outcome.clock)


def _compliance(outcomes: Sequence[_Outcome]) -> dict[str, Any]:
    missed = sum(1 for o in outcomes if o.breached)
    met = len(outcomes) - missed
    return {"met": met, "missed": missed, "compliance": _rate(met, len(outcomes))}


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


# -- MTTA and MTTR ------------------------------------------------------------------------------


def _times(desk: Desk, window: Window) -> dict[str, Any]:
    acknowledged = [(row, row.facts["to_response_minutes"]) for row in desk.rows
                    if isinstance(row.facts.get("to_response_minutes"), int)
                    and row.responded_at in window]
    restored = [(row, row.facts["to_resolution_minutes"]) for row in desk.rows
                if row.resolved_at in window and isinstance(row.facts.get("to_resolution_minutes"), int)]
    return {"mtta": _spread(acknowledged), "mttr": _spread(restored)}


def _spread(pairs: Sequence[tuple[Row, int]]) -> dict[str, Any]:
    by_priority: dict[str, list[int]] = defaultdict(list)
    by_category: dict[str, list[int]] = defaultdict(list)
    for row, minutes in pairs:
        by_priority[_priority(row)].append(minutes)
        by_category[row.category or "(none)"].append(minutes)
    order = {p: i for i, p in enumerate([*PRIORITIES, NO_PRIORITY])}
    return {
        "overall": _stats([m for _, m in pairs]),
        "by_priority": [{"priority": p, **_stats(v)} for p, v in sorted(by_priority.items(), key=lambda i: order[i[0]])],
        "by_category": [{"category": c, **_stats(v)} for c, v in sorted(by_category.items())],
    }


def _stats(minutes: Sequence[int]) -> dict[str, Any]:
    return {"count": len(minutes), "median_minutes": median(minutes), "p90_minutes": percentile(minutes, 90)}


def median(values: Sequence[int]) -> float | int | None:
    """The middle value; of an even count, the mean of the two middle ones."""
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else middle


def percentile(values: Sequence[int], p: int) -> int | None:
    """The nearest-rank percentile: the smallest value with at least p % of the values at or
    below it (always one of the values, never an interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# -- first level, escalations, reopens -----------------------------------------------------------


def _resolved_in(desk: Desk, window: Window) -> list[Row]:
    """The tickets resolved (now resolved or closed) whose resolution falls in the window."""
    return [row for row in desk.rows if row.resolved_at in window]


def _first_level(desk: Desk, window: Window) -> dict[str, Any]:
    resolved = _resolved_in(desk, window)
    first = [row for row in resolved if row.facts.get("level") in (None, 1) and not row.facts["escalated"]]
    return {"resolved": len(resolved), "at_first_level": len(first), "rate": _rate(len(first), len(resolved))}


_ESCALATION_KINDS = {"escalate": "functional", "hierarchical": "hierarchical", "major": "major"}


def _escalations(desk: Desk, window: Window) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    tickets = set()
    for row in desk.rows:
        for when, kind in row.events:
            if kind in _ESCALATION_KINDS and when in window:
                counts[_ESCALATION_KINDS[kind]] += 1
                tickets.add(row.id)
    return {"functional": counts["functional"], "hierarchical": counts["hierarchical"], "major": counts["major"],
            "tickets": len(tickets)}


def _reopens(desk: Desk, window: Window) -> dict[str, Any]:
    """Of the tickets resolved in the window (any resolution, also one undone since), those
    whose resolution was undone by a reopen afterwards."""
    resolved = reopened = 0
    for row in desk.rows:
        events = row.events
        first = next((when for when, kind in events if kind == "resolve" and when in window), None)
        if first is None:
            continue
        resolved += 1
        if any(kind == "reopen" and when > first for when, kind in events):
            reopened += 1
    return {"resolved": resolved, "reopened": reopened, "rate": _rate(reopened, resolved)}


# -- trend ------------------------------------------------------------------------------------


def weeks(window: Window) -> list[tuple[str, datetime, datetime]]:
    """The ISO weeks (Monday 00:00 UTC) the window touches, each cut to the window."""
    start = (window.since - timedelta(days=window.since.weekday())).replace(hour=0, minute=0, second=0)
    found = []
    while start < window.until:
        end = start + timedelta(days=7)
        year, week, _ = start.isocalendar()
        found.append((f"{year}-W{week:02d}", max(start, window.since), min(end, window.until)))
        start = end
    return found


def _trend(desk: Desk, window: Window) -> dict[str, Any]:
    spans = weeks(window)
    starts = [timeutil.format(start) for _, start, _ in spans]
    created_in = [0] * len(spans)
    resolved_in = [0] * len(spans)
    opened: list[str] = []  # creation times, and end times, to count what was open when
    ended: list[str] = []
    by_category: dict[str, dict[str, list[int]]] = {}
    for row in desk.rows:
        created, resolved, end = row.created_at, row.resolved_at, row.ended_at
        if created is not None:
            opened.append(created)
            if end is not None:
                ended.append(max(end, created))
        for key, moment, counts in (("created", created, created_in), ("resolved", resolved, resolved_in)):
            if moment is not None and moment in window:
                index = bisect.bisect_right(starts, moment) - 1
                counts[index] += 1
                top = (row.category or "(none)").split("/")[0]
                if top not in by_category:
                    by_category[top] = {"created": [0] * len(spans), "resolved": [0] * len(spans)}
                by_category[top][key][index] += 1
    opened.sort()
    ended.sort()
    rows_out = []
    for index, (label, _, week_end) in enumerate(spans):
        # Open at the week's end: created before it, and not resolved (or closed) before it.
        at = timeutil.format(week_end)
        still_open = bisect.bisect_left(opened, at) - bisect.bisect_left(ended, at)
        rows_out.append({"week": label, "start": starts[index][:10], "created": created_in[index],
                         "resolved": resolved_in[index], "open_at_end": still_open})
    categories = sorted(by_category.items(), key=lambda item: (-sum(item[1]["created"]), item[0]))
    return {"weeks": rows_out, "by_category": [{"category": c, **series} for c, series in categories]}


# -- problems, KB, types, candidates -----------------------------------------------------------------


def _problems(desk: Desk, window: Window) -> list[dict[str, Any]]:
    """Every problem with its linked incidents (its `incidents:` and the tickets naming it),
    most first; of those resolved, the share restored by a workaround and by a fix."""
    linked: dict[str, set[str]] = defaultdict(set)
    state: dict[str, tuple[str | None, str | None]] = {}
    for ticket_id, named, status, kind in desk.linked:
        state[ticket_id] = (status, kind)
        if named:
            linked[named].add(ticket_id)
    ranked: list[dict[str, Any]] = []
    for problem in desk.problems:
        ids = linked[problem.id] | {i for i in problem.incidents if isinstance(i, str)}
        kinds = Counter(state.get(i, (None, None))[1] for i in ids
                        if state.get(i, (None, None))[0] in ("resolved", "closed"))
        restored = kinds["workaround"] + kinds["fix"]
        ranked.append({"id": problem.id, "title": problem.title, "status": problem.status, "incidents": len(ids),
                       "open_incidents": sum(1 for i in ids if state.get(i, (None, None))[0] in OPEN_STATUSES),
                       "workaround": kinds["workaround"], "fix": kinds["fix"],
                       "workaround_share": _rate(kinds["workaround"], restored),
                       "fix_share": _rate(kinds["fix"], restored)})
    ranked.sort(key=lambda p: (-p["incidents"], -p["open_incidents"], str(p["id"])))
    return ranked


def _kb(desk: Desk, window: Window) -> dict[str, Any]:
    """Each article by the tickets resolved in the window that name it (`itsm resolve --kb`)."""
    used: Counter[str] = Counter()
    for row in _resolved_in(desk, window):
        for article in set(row.facts.get("kb") or ()):
            used[article] += 1
    titles = {a.id: a.title for a in desk.articles}
    listed = [{"id": a, "title": titles.get(a), "resolved": n}
              for a, n in sorted(used.items(), key=lambda item: (-item[1], item[0]))]
    return {"articles": listed, "unused": sum(1 for a in desk.articles if a.id not in used)}


def _types(desk: Desk, window: Window) -> list[dict[str, Any]]:
    found = []
    kinds = sorted({row.type or "(none)" for row in desk.rows}, key=lambda t: (t not in ("incident", "request"), t))
    for kind in kinds:
        mine = [row for row in desk.rows if (row.type or "(none)") == kind]
        found.append({"type": kind,
                      "created": sum(1 for row in mine if row.created_at in window),
                      "resolved": sum(1 for row in mine if row.resolved_at in window),
                      "open": sum(1 for row in mine if row.is_open)})
    return found


def _candidates(desk: Desk, window: Window) -> list[dict[str, Any]]:
    """Groups of look-alike incidents of the window that no problem links (itsm/search/candidates.py),
    among the `COMPARED` latest (`_candidates_scope` says how many there were)."""
    chosen = _candidate_rows(desk, window)[-COMPARED:]
    if desk.candidates is None or desk.texts is None or not chosen:
        return []
    refs = {row.id: row for row in chosen}
    texts = {text[0]: text for text in desk.texts([row.id for row in chosen])}
    groups = desk.candidates([texts[row.id] for row in chosen if row.id in texts])  # oldest first
    return [{"tickets": [refs[i].ref() for i in group["ids"] if i in refs], "terms": group["terms"]}
            for group in groups]


def _candidate_rows(desk: Desk, window: Window) -> list[Row]:
    """The window's incidents that no problem links, oldest first."""
    linked = {ticket_id for ticket_id, problem, _, _ in desk.linked if problem}
    for problem in desk.problems:
        linked.update(i for i in problem.incidents if isinstance(i, str))
    chosen = [row for row in desk.rows if row.type == "incident" and row.created_at in window and row.id not in linked]
    chosen.sort(key=lambda row: (row.created_at or window.low, row.id))
    return chosen


def candidates_scope(desk: Desk, window: Window) -> dict[str, int]:
    found = len(_candidate_rows(desk, window))
    return {"incidents": found, "compared": min(found, COMPARED)}


_SECTIONS: dict[str, Callable[[Desk, Window], Any]] = {
    "backlog": _backlog, "aging": _aging, "times": _times, "first_level": _first_level,
    "escalations": _escalations, "reopens": _reopens, "trend": _trend, "problems": _problems, "kb": _kb,
    "types": _types, "candidates": _candidates,
}


# -- gates -------------------------------------------------------------------------------------------


def _gates(desk: Desk, window: Window, clocks: dict[str, sla.Clocks], gates: Sequence[str]) -> list[dict[str, Any]]:
    """Each gate asked for: failed or not, how many, and one line that says so."""
    results = []
    slipping = desk.slipping(desk.open_tickets) if desk.slipping and {"unowned", "stale"} & set(gates) else {}
    for gate in GATES:
        if gate not in gates:
            continue
        if gate == "breach":
            outcomes = sorted((o for o in _outcomes(desk, window, clocks) if o.breached), key=_by_due)
            ids = list(dict.fromkeys(o.row.id for o in outcomes))
            summary = (f"{_count(len(outcomes), 'SLA breach', 'SLA breaches')} in {_span(window)} "
                       f"on {_count(len(ids), 'ticket')}: {_ids(ids)}" if ids else f"no SLA breach in {_span(window)}")
            count = len(outcomes)
        elif gate == "major":
            ids = [row.id for row in sorted(_open(desk), key=_urgent_first) if row.major]
            count = len(ids)
            summary = f"{_count(count, 'major incident')} open: {_ids(ids)}" if ids else "no major incident open"
        else:
            ids = slipping.get(gate, [])
            count = len(ids)
            what = ("nobody has owned for longer than the desk allows (chase.unowned_after)" if gate == "unowned"
                    else "had no update for longer than the desk allows (chase.stale_after)")
            summary = f"{_count(count, 'open ticket')} {what}: {_ids(ids)}" if ids else f"no open ticket {what}"
        results.append({"gate": gate, "failed": count > 0, "count": count, "summary": summary})
    return results


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


def _span(window: Window) -> str:
    return f"{timeutil.format(window.since)}..{timeutil.format(window.until)}"


# -- small helpers -----------------------------------------------------------------------------------


def _stamp(text: Any) -> str | None:
    """A stored time as its text, or None for one that is missing or malformed."""
    return text if timeutil.is_timestamp(text) else None


# -- the report as tables (table, md and csv formats) --------------------------------------------


@dataclass(frozen=True)
class Table:
    section: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    empty: str = "nothing in this window"
    keyed: bool = True  # the first column names the row (else the table is one row of figures)


@dataclass(frozen=True)
class Figure:
    """A figure as a person reads it (`77.8 %`, `1h 50m`) and as a script does (0.7778, 110)."""

    value: float | int | None
    text: str

    def __str__(self) -> str:
        return self.text


def _pct(rate: float | None) -> Figure:
    return Figure(rate, "-" if rate is None else f"{rate * 100:.1f} %")


def _minutes(value: float | int | None) -> Figure:
    return Figure(value, "-" if value is None else timeutil.span(timedelta(minutes=float(value))))


def tables(report: dict[str, Any]) -> list[Table]:
    """Each section as one or more tables, in the report's order."""
    found: list[Table] = []
    for name in report["report"]["sections"]:
        found += _TABLES[name](report[name])
        if name == "candidates" and report.get("candidates_scope"):
            scope = report["candidates_scope"]
            if scope["compared"] < scope["incidents"]:
                table = found[-1]
                found[-1] = Table(table.section, f"{table.title} (among the latest {scope['compared']} of the "
                                  f"{scope['incidents']} incidents with no problem)", table.headers, table.rows,
                                  table.empty, table.keyed)
    return found


def _backlog_tables(data: dict[str, Any]) -> list[Table]:
    priorities = data["priorities"]
    by_status = tuple((row["status"], *(row["counts"][p] for p in priorities), row["total"]) for row in data["by_status"])
    total = ("total", *(sum(row["counts"][p] for row in data["by_status"]) for p in priorities), data["open"])
    return [
        Table("backlog", f"Backlog: {data['open']} open", ("status", *priorities, "total"), (*by_status, total)),
        Table("backlog", "Open by group", ("group", "open"),
              tuple((row["group"] or "(none)", row["open"]) for row in data["by_group"]), "no open ticket"),
        Table("backlog", "Open by owner", ("owner", "open"),
              tuple((row["owner"], row["open"]) for row in data["by_owner"]), "no open ticket has an owner"),
        Table("backlog", f"Unowned: {len(data['unowned'])}", ("id", "priority", "status", "group", "created", "title"),
              tuple((t["id"], t["priority"], t["status"], t["group"], t["created"], t["title"]) for t in data["unowned"]),
              "every open ticket has an owner"),
    ]


def _aging_tables(data: dict[str, Any]) -> list[Table]:
    priorities = list(data["buckets"][0]["by_priority"]) if data["buckets"] else []
    return [
        Table("aging", "Age of open tickets", ("age", *priorities, "total"),
              tuple((b["label"], *(b["by_priority"][p] for p in priorities), b["count"]) for b in data["buckets"])),
        Table("aging", "Oldest open", ("id", "age (days)", "priority", "status", "owner", "title"),
              tuple((t["id"], t["age_days"], t["priority"], t["status"], t["owner"], t["title"]) for t in data["oldest"]),
              "no open ticket"),
    ]


def _sla_tables(data: dict[str, Any]) -> list[Table]:
    found = []
    for name in ("response", "resolution"):
        rows = [(r["priority"], r["met"], r["missed"], _pct(r["compliance"])) for r in data[name]["by_priority"]]
        total = data[name]["total"]
        if rows:
            rows.append(("all", total["met"], total["missed"], _pct(total["compliance"])))
        found.append(Table("sla", f"SLA {name}: {_pct(total['compliance'])} met", ("priority", "met", "missed", "met %"),
                           tuple(rows), "no SLA clock decided in this window"))
    found.append(Table("sla", f"SLA breaches: {len(data['breaches'])}", ("id", "clock", "priority", "due", "stopped",
                                                                         "owner", "title"),
                       tuple((b["id"], b["clock"], b["priority"], b["due"], b["stopped"] or "running", b["owner"],
                              b["title"]) for b in data["breaches"]), "no breach"))
    return found


def _times_tables(data: dict[str, Any]) -> list[Table]:
    found = []
    for name, label in (("mtta", "MTTA (to first response)"), ("mttr", "MTTR (to resolution)")):
        part = data[name]
        of = [("all", part["overall"]), *((r["priority"], r) for r in part["by_priority"]),
              *((r["category"], r) for r in part["by_category"])]
        rows = tuple((key, r["count"], _minutes(r["median_minutes"]), _minutes(r["p90_minutes"])) for key, r in of)
        found.append(Table("times", label, ("of", "tickets", "median", "p90"),
                           rows if part["overall"]["count"] else ()))
    return found


def _first_level_tables(data: dict[str, Any]) -> list[Table]:
    return [Table("first_level", f"First-level resolution: {_pct(data['rate'])}", ("resolved", "at first level", "rate"),
                  ((data["resolved"], data["at_first_level"], _pct(data["rate"])),), keyed=False)]


def _escalation_tables(data: dict[str, Any]) -> list[Table]:
    return [Table("escalations", "Escalations", ("functional", "hierarchical", "major", "tickets"),
                  ((data["functional"], data["hierarchical"], data["major"], data["tickets"]),), keyed=False)]


def _reopen_tables(data: dict[str, Any]) -> list[Table]:
    return [Table("reopens", f"Reopen rate: {_pct(data['rate'])}", ("resolved", "reopened", "rate"),
                  ((data["resolved"], data["reopened"], _pct(data["rate"])),), keyed=False)]


def _trend_tables(data: dict[str, Any]) -> list[Table]:
    weeks_ = data["weeks"]
    return [
        Table("trend", "Weekly trend", ("week", "from", "created", "resolved", "open at end"),
              tuple((w["week"], w["start"], w["created"], w["resolved"], w["open_at_end"]) for w in weeks_)),
        Table("trend", "Created / resolved by category and week", ("category", *(w["week"] for w in weeks_)),
              tuple((c["category"], *(f"{a}/{b}" for a, b in zip(c["created"], c["resolved"], strict=True)))
                    for c in data["by_category"])),
    ]


def _problem_tables(data: list[dict[str, Any]]) -> list[Table]:
    return [Table("problems", "Problems by linked incidents", ("id", "status", "incidents", "open", "workaround %",
                                                               "fix %", "title"),
                  tuple((p["id"], p["status"], p["incidents"], p["open_incidents"], _pct(p["workaround_share"]),
                         _pct(p["fix_share"]), p["title"]) for p in data), "no problem recorded")]


def _kb_tables(data: dict[str, Any]) -> list[Table]:
    return [Table("kb", f"KB articles that resolved tickets ({data['unused']} unused in this window)",
                  ("id", "resolved", "title"), tuple((a["id"], a["resolved"], a["title"]) for a in data["articles"]),
                  "no ticket resolved in this window named an article")]


def _type_tables(data: list[dict[str, Any]]) -> list[Table]:
    return [Table("types", "Requests and incidents", ("type", "created", "resolved", "open now"),
                  tuple((t["type"], t["created"], t["resolved"], t["open"]) for t in data), "no ticket")]


def _candidate_tables(data: list[dict[str, Any]]) -> list[Table]:
    return [Table("candidates", f"Problem candidates: {len(data)}", ("group", "tickets", "shared terms", "ids"),
                  tuple((n, len(g["tickets"]), ", ".join(g["terms"]), _ids([t["id"] for t in g["tickets"]]))
                        for n, g in enumerate(data, 1)),
                  "no three similar incidents without a problem in this window")]


_TABLES: dict[str, Callable[[Any], list[Table]]] = {
    "backlog": _backlog_tables, "aging": _aging_tables, "sla": _sla_tables, "times": _times_tables,
    "first_level": _first_level_tables, "escalations": _escalation_tables, "reopens": _reopen_tables,
    "trend": _trend_tables, "problems": _problem_tables, "kb": _kb_tables, "types": _type_tables,
    "candidates": _candidate_tables,
}
