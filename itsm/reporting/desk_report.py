"""The report of a desk: what `itsm report` and `itsm serve`'s dashboard read — the read model of
the desk now, or of a past commit (`--as-of`), the problem candidates the search index finds,
and what is slipping — handed to the pure report (itsm/reporting/report.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from itsm.core import timeutil
from itsm.core.model import Article, Problem, Ticket
from itsm.domain import chase
from itsm.records import shape
from itsm.reporting import report
from itsm.storage.store import Desk

Progress = Callable[[int, int], None]


def build(desk: Desk, now: datetime, window: report.Window, moment: datetime | None, sections: list[str],
          gates: list[str], want_site: bool, progress: Callable[[str], Progress | None] = lambda label: None,
          tell: Callable[[str], None] = lambda line: None) -> tuple[dict[str, Any], tuple[list[Ticket], list[Problem]]]:
    """The report's data (and, with `want_site`, the records of its pages): of the desk now, or
    as it was at `moment`. `progress(label)` gives a progress callback for a long read (none for
    a server, whose stderr is its log); `tell` hears the line that says which commit an as-of
    report reads."""
    from itsm.readmodel import asof, database  # SQLite loads only for the commands that report

    as_of: dict[str, Any] | None = None
    config = desk.config
    if moment is None:
        model = database.ReadModel.open(desk, progress("reading the desk"))
    else:
        model, info = asof.as_of(desk, moment, progress("reading the desk's history"))
        config = model.desk.config  # the itsm.yaml of that commit: its targets, its calendar
        as_of = info.to_json()
        tell(info.line())
    try:
        for kind in ("ticket", "problem", "kb"):
            model.warn_faults(kind)
        rows = [report.Row(ticket_id, kind, status, priority, owner, group, category, created, bool(major), facts)
                for ticket_id, kind, status, priority, owner, group, category, created, major, facts
                in model.ticket_facts(timeutil.format(window.since))]
        open_sql, open_params = database.open_statuses_sql()
        open_tickets = [t for t in model.records("ticket", open_sql, open_params) if isinstance(t, Ticket)]
        problems = [p for p in model.records("problem") if isinstance(p, Problem)]
        articles = [a for a in model.records("kb") if isinstance(a, Article)]
        linked = list(model.problem_links())
        linked += model.ticket_states([i for p in problems for i in p.incidents if isinstance(i, str)])

        def slipping(tickets: Sequence[Ticket]) -> dict[str, list[str]]:
            readable = [t for t in tickets if shape.clocks_readable(t)]
            found: dict[str, list[str]] = {"unowned": [], "stale": []}
            for row in chase.slipping(readable, config, now):
                ranks = {issue.rank for issue in row.issues}
                if chase.UNOWNED in ranks:
                    found["unowned"].append(row.ticket.id)
                if chase.STALE in ranks:
                    found["stale"].append(row.ticket.id)
            return found

        source = report.Desk(
            rows=rows, open_tickets=open_tickets, problems=problems, articles=articles, linked=linked,
            config=config, now=now,
            name=desk.root.name, candidates=_grouper(desk, moment is not None), texts=model.texts, slipping=slipping, as_of=as_of)
        data = report.build(source, window, sections, gates)
        return data, (open_tickets, problems) if want_site else ([], [])
    finally:
        model.close()


def _grouper(desk: Desk, history: bool) -> Any:
    def group(incidents: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        from itsm.search import candidates

        return [g.to_json() for g in candidates.groups(desk, incidents, history=history)]

    return group


def dashboard(desk: Desk) -> str:
    """The HTML dashboard of the desk now (every section, the default window): what
    `itsm report -f html` prints, and what `itsm serve` answers at GET /."""
    from itsm.reporting import html_report

    now = timeutil.now()
    window = report.default_window(now, None, None)
    data, _ = build(desk, now, window, None, list(report.SECTIONS), [], want_site=False)
    return html_report.dashboard(data)
