"""Diagnosis: `search`, `diagnose` and `reindex`. The index (and so whoosh) loads inside these
commands, and after `itsm new` for its look-alikes; other commands stay fast to start."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from itsm.cli.common import DeskOpt, IdArg, JsonOpt, boundary, fresh_index, open_desk, out, progress_bar, similar_to
from itsm.core.errors import UsageError
from itsm.output import formats

KINDS = ("ticket", "problem", "kb")


def register(app: typer.Typer) -> None:
    app.command("search")(boundary(search))
    app.command("diagnose")(boundary(diagnose))
    app.command("reindex")(boundary(reindex))


def search(
    query: Annotated[list[str], typer.Argument(metavar="QUERY...", help="Words, and field filters: status:open category:network/vpn priority:P1 type: kind: owner: group: tag: (quotes optional)")],
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k", help="ticket, problem or kb (repeatable).", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many results.")] = 10,
    desk: DeskOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Full-text search over tickets, problems and KB articles, best first, with snippets.

    Words are stemmed (drops finds dropping); titles weigh more than bodies; timelines,
    resolutions and workarounds are searched too.

    Example: itsm search "vpn disconnects" status:open category:network
    """
    for value in kind or []:
        if value not in KINDS:
            raise UsageError(f"unknown kind '{value}'", hint="use ticket, problem or kb")
    hits = fresh_index(open_desk(desk, config="warn")).search(" ".join(query), kinds=tuple(kind or ()), limit=limit)
    if as_json:
        out(formats.json_text([hit.to_json() for hit in hits]))
        return
    if not hits:
        out("no matches")
    for hit in hits:
        out(f"{hit.id:<11} {hit.kind:<7} {hit.status:<11} {hit.score:6.2f}  {hit.title}")
        if hit.snippet:
            out(f"            {hit.snippet}")


def diagnose(
    id: IdArg,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many matches.")] = 8,
    desk: DeskOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What is already known about a ticket: known errors, KB articles and resolved tickets
    that look like it, best first, each with what to do; open look-alikes are flagged as
    possible duplicates.

    Example: itsm diagnose inc-7qk
    """
    the_desk = open_desk(desk, config="warn")
    ticket, _ = the_desk.load_ticket(id)
    from itsm.search.index import diagnosis, what_to_do

    known, duplicates = diagnosis(similar_to(the_desk, ticket, limit * 3), limit)
    if as_json:
        data = [{**hit.to_json(), **({"hint": what_to_do(hit, ticket)} if hit.under_investigation else {})}
                for hit in known]
        data += [{**hit.to_json(), "possible_duplicate": True} for hit in duplicates]
        data.sort(key=lambda d: -d["score"])
        out(formats.json_text(data))
        return
    out(f"{ticket.id}  {ticket.title}  [{ticket.status}, {ticket.category or 'uncategorised'}]")
    if not known:
        out("\nNothing known looks like it yet: no known error, KB article or resolved ticket matches.")
    else:
        out("\nWhat is known, best first:")
    for n, hit in enumerate(known, 1):
        label = f"{hit.kind}, {hit.status}" if hit.kind != "kb" else "KB article"
        out(f"{n:>2}. {hit.id}  {hit.title}  ({label}; score {hit.score:.1f})")
        for line in what_to_do(hit, ticket).splitlines()[:6]:
            out(f"      {line}")
    if duplicates:
        out("\nPossible duplicates (open):")
        for hit in duplicates:
            out(f"    {hit.id}  {hit.title}  [{hit.status}]")


def reindex(desk: DeskOpt = None) -> None:
    """Rebuild the search index from the record files (it is a cache; this is always safe).

    Example: itsm reindex
    """
    from itsm.search.index import SearchIndex

    the_desk = open_desk(desk, config="warn")
    started = time.perf_counter()
    count = SearchIndex(the_desk).rebuild(progress_bar("indexing"))
    out(f"indexed {count} records in {time.perf_counter() - started:.1f} s")
