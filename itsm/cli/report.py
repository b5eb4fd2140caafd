"""`itsm report`: the desk's KPIs for people (table, Markdown, HTML) and for scripts and CI
(CSV, JSON, `--fail-on` gates). It reads the read model, never every file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from itsm.cli.common import DeskOpt, JsonOpt, boundary, err, open_desk, out, progress_bar
from itsm.core import timeutil
from itsm.core.errors import EXIT_FINDINGS, UsageError
from itsm.reporting import desk_report, report
from itsm.storage.store import Desk

REPORT_FORMATS = ("table", "md", "csv", "json", "html")
# A table for a person shows this many rows (the breaches of a big desk run to thousands);
# CSV and JSON carry every row.
SHOWN_ROWS = 50


def register(app: typer.Typer) -> None:
    app.command("report")(boundary(report_cmd))


def report_cmd(
    since: Annotated[str | None, typer.Option("--since", metavar="DATE", show_default=False,
                                              help="Start of the window (a date or a UTC time). "
                                                   f"Default: {report.DEFAULT_WEEKS} weeks before --until.")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="DATE", show_default=False,
                                              help="End of the window, not included. Default: now (or --as-of).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", show_default=False,
                                              help="Report the desk as it was at that time, from its git history.")] = None,
    section: Annotated[list[str] | None, typer.Option(
        "--section", "-s", metavar="|".join(report.SECTIONS), show_default=False,
        help="Only this section (repeatable).", autocompletion=lambda: list(report.SECTIONS))] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="|".join(REPORT_FORMATS), help="Output format.",
                                     autocompletion=lambda: list(REPORT_FORMATS))] = "table",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="DIR", show_default=False,
        help="With --format html: write DIR/index.html and a page per open ticket and per problem.")] = None,
    fail_on: Annotated[list[str] | None, typer.Option(
        "--fail-on", metavar="|".join(report.GATES), show_default=False,
        help="Exit 1, with one line per gate, when it fails (repeatable): an SLA breach in the window, an open "
             "ticket unowned or without update for longer than the desk allows, an open major incident.",
        autocompletion=lambda: list(report.GATES))] = None,
    desk: DeskOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Backlog, aging, SLA compliance, MTTA/MTTR, first-level resolution, escalations,
    reopens, weekly trend, problems, KB use, requests vs incidents and problem candidates.

    The backlog and aging are the desk now (or at --as-of); the rest counts what happened
    in the window, by default the last 12 weeks. Definitions: docs/report.md.

    Example: itsm report --since 2026-10-01 -f html -o site --fail-on breach
    """
    chosen = "json" if as_json else fmt
    if chosen not in REPORT_FORMATS:
        raise UsageError(f"unknown format '{fmt}'", hint=f"use one of: {', '.join(REPORT_FORMATS)}")
    sections = _choices(section or list(report.SECTIONS), report.SECTIONS, "section")
    gates = _choices(fail_on or [], report.GATES, "gate")
    if output is not None and chosen != "html":
        raise UsageError("--output writes the HTML site", hint="add --format html, or redirect the output: > FILE")
    the_desk = open_desk(desk)
    now = timeutil.now()
    asked_since, asked_until = _when(since, "--since"), _when(until, "--until")
    moment = _when(as_of, "--as-of")
    if moment is not None:
        if moment > now:
            raise UsageError(f"--as-of {as_of} is in the future", hint="give a past date, or leave --as-of out")
        now = moment
    window = report.default_window(now, asked_since, asked_until)
    if window.since >= window.until:
        raise UsageError(f"the window is empty: --since {timeutil.format(window.since)} is not before "
                         f"--until {timeutil.format(window.until)}")
    if output is not None:
        from itsm.reporting import html_report

        _outside_records(the_desk, output)
        html_report.check_output(output)
    data, site = desk_report.build(the_desk, now, window, moment, sections, gates, want_site=output is not None,
                                   progress=progress_bar, tell=lambda line: err(f"itsm report: {line}"))
    if chosen == "json":
        out(_json(data))
    elif chosen == "html":
        from itsm.reporting import html_report

        if output is None:
            print(html_report.dashboard(data))
        else:
            tickets, problems = site
            written = html_report.write_site(output, data, tickets, problems)
            err(f"itsm report: wrote {written} pages to {output} (open {output / 'index.html'})")
    else:
        out(_text(data, chosen))
    failed = [gate for gate in data.get("gates", []) if gate["failed"]]
    for gate in failed:
        err(f"itsm report: --fail-on {gate['gate']}: {gate['summary']}")
    if failed:
        raise typer.Exit(EXIT_FINDINGS)


def _outside_records(desk: Desk, output: Path) -> None:
    """A site inside tickets/, problems/ or kb/ would be files among the records: refused."""
    where = Path(os.path.abspath(output))
    for folder in ("tickets", "problems", "kb"):
        records = Path(os.path.abspath(desk.root / folder))
        if where == records or records in where.parents:
            raise UsageError(f"--output {output} is inside the desk's {folder}/ folder",
                             hint="write the site elsewhere, e.g. --output site")


def _choices(values: Sequence[str], allowed: Sequence[str], what: str) -> list[str]:
    for value in values:
        if value not in allowed:
            raise UsageError(f"unknown {what} '{value}'", hint=f"use one of: {', '.join(allowed)}")
    return list(dict.fromkeys(values))


def _when(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return timeutil.parse_user_time(text)
    except ValueError:
        raise UsageError(f"{option} '{text}' is not a date or time", hint="use e.g. 2026-11-01 or 2026-11-01T09:00:00Z") from None


def _json(data: dict[str, Any]) -> str:
    from itsm.output import formats

    return formats.json_text(data)


def _text(data: dict[str, Any], fmt: str) -> str:
    """Every table of the report: headed and rendered (table, md), or as rows of one CSV
    whose columns say which table and row a value belongs to."""
    from itsm.output import formats

    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["section", "table", "row", "column", "value"])
        for table in report.tables(data):
            for row in table.rows:
                key = str(row[0]) if table.keyed else ""
                for header, value in zip(table.headers, row, strict=True):
                    if isinstance(value, report.Figure):  # a script gets the number, not its text
                        value = value.value
                    writer.writerow([formats.csv_cell(v) for v in (table.section, table.title, key, header, value)])
        return buffer.getvalue().rstrip("\n")
    parts = [_heading(data, fmt)]
    for table in report.tables(data):
        title = f"## {table.title}" if fmt == "md" else f"{table.title}\n{'=' * len(table.title)}"
        shown = table.rows[:SHOWN_ROWS]
        body = (formats.rows([dict(zip(table.headers, row, strict=True)) for row in shown], list(table.headers), fmt)
                if shown else f"({table.empty})")
        if len(table.rows) > len(shown):
            body += f"\n({len(table.rows) - len(shown)} more: --format csv or json lists them all)"
        parts.append(f"{title}\n\n{body}")
    return "\n\n".join(parts)


def _heading(data: dict[str, Any], fmt: str) -> str:
    meta = data["report"]
    line = f"Report of {meta['desk']}: {meta['since']} to {meta['until']}"
    if meta["as_of"]:
        line += f", as of {meta['as_of']['date']} (commit {meta['as_of']['commit'][:10]})"
    if meta["business_hours"]:
        line += "; durations in business hours"
    return f"# {line}" if fmt == "md" else line

