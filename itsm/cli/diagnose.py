"""Diagnosis: `search`, `diagnose` and `reindex`. The only CLI module that loads the index
(and so whoosh); other commands stay fast to start."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import DeskOpt, JsonOpt, boundary, err, open_desk, out, progress_bar
from itsm.cli.tickets import IdArg
from itsm.core.errors import UsageError
from itsm.core.model import Ticket
from itsm.output import formats
from itsm.output.formats import for_terminal
from itsm.storage.store import Desk, warn

if TYPE_CHECKING:
    from itsm.search.index import Hit, SearchIndex

KINDS = ("ticket", "problem", "kb")


def register(app: typer.Typer) -> None:
    app.command("search")(boundary(search))
    app.command("diagnose")(boundary(diagnose))
    app.command("reindex")(boundary(reindex))


def fresh_index(desk: Desk) -> SearchIndex:
    from itsm.search.index import SearchIndex  # whoosh loads only for commands that search

    return SearchIndex(desk).open_fresh(progress_bar("indexing"))


def refresh_after_write(desk: Desk) -> None:
    """Registered as the store's after-write hook: update an index that exists.

    The record is already written and committed here, so no failure of the cache may turn
    the command into an error: the next search rebuilds or catches up anyway."""
    try:
        cache = desk.cache_dir(create=False)
        if cache is None or not (cache / "index").exists():
            return
        from itsm.search.index import update_after_write

        update_after_write(desk)
    except UsageError as exc:
        warn(f"the search index was not updated: {exc.one_line()}")
    except Exception as exc:  # a cache problem, never a reason to fail a done write
        warn(f"the search index was not updated ({type(exc).__name__}); the next search catches up")


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
        out(formats.to_json([hit.to_json() for hit in hits]))
        return
    if not hits:
        out("no matches")
    for hit in hits:
        out(f"{hit.id:<11} {hit.kind:<7} {hit.status:<11} {hit.score:6.2f}  {hit.title}")
        if hit.snippet:
            out(f"            {hit.snippet}")


def similar_to(desk: Desk, ticket: Ticket, limit: int) -> list[Hit]:
    return fresh_index(desk).similar(ticket.title, ticket.description, ticket.category, exclude=ticket.id,
                                     limit=limit)


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
    from itsm.search.index import diagnosis

    known, duplicates = diagnosis(similar_to(the_desk, ticket, limit * 3), limit)
    if as_json:
        data = [{**hit.to_json(), **({"hint": what_to_do(hit, ticket)} if hit.under_investigation else {})}
                for hit in known]
        data += [{**hit.to_json(), "possible_duplicate": True} for hit in duplicates]
        data.sort(key=lambda d: -d["score"])
        out(formats.to_json(data))
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


def what_to_do(hit: Hit, ticket: Ticket) -> str:
    """The hit's workaround, fix or resolution; for a problem still under investigation, to
    link the incident to it (so the fix, when it comes, finds this ticket)."""
    if hit.under_investigation and ticket.problem == hit.id:
        return "under investigation, no workaround yet; this incident is linked to it"
    if hit.under_investigation:
        return f"under investigation, no workaround yet: link this incident (itsm problem link {hit.id} {ticket.id})"
    return hit.answer


def print_suggestions(desk: Desk, ticket: Ticket) -> None:
    """After `itsm new`: the top matches, on stderr so `ID=$(itsm new ...)` stays clean.
    The ticket is recorded already; a search that fails only costs the suggestions."""
    from itsm.search.index import diagnosis

    try:
        hits = similar_to(desk, ticket, 10)
    except UsageError:
        return
    except Exception as exc:
        warn(f"no look-alikes shown ({type(exc).__name__}); try itsm diagnose {ticket.id}")
        return
    known, duplicates = diagnosis(hits, 3)
    shown = known + duplicates[:2]
    if not shown:
        return
    err("looks like:")
    for hit in shown:
        what = "possible duplicate" if not hit.actionable else (what_to_do(hit, ticket).splitlines() or [""])[0]
        err(f"  {hit.id}  {hit.title}  -- {for_terminal(what[:100], one_line=True)}")
    err(f"  (itsm diagnose {ticket.id} for more)")


def reindex(desk: DeskOpt = None) -> None:
    """Rebuild the search index from the record files (it is a cache; this is always safe).

    Example: itsm reindex
    """
    from itsm.search.index import SearchIndex

    the_desk = open_desk(desk, config="warn")
    started = time.perf_counter()
    count = SearchIndex(the_desk).rebuild(progress_bar("indexing"))
    out(f"indexed {count} records in {time.perf_counter() - started:.1f} s")
