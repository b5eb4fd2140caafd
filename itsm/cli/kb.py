"""`itsm kb ...`: the knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from itsm.cli.common import (
    ActorOpt,
    DeskOpt,
    FormatOpt,
    JsonOpt,
    NoCommitOpt,
    boundary,
    choose_format,
    edit_in_editor,
    fail,
    open_desk,
    out,
    progress_bar,
    read_text_arg,
)
from itsm.core import terminal
from itsm.core.model import Article
from itsm.core.terminal import warn
from itsm.operations import inputs, kb, kb_import
from itsm.output import formats

app = typer.Typer(help="The knowledge base: symptoms, cause, resolution, scripts.", no_args_is_help=True)
KbArg = Annotated[str, typer.Argument(metavar="KB", help="A KB article ID, or any unique start of it (kb-h4w).")]


def register(root: typer.Typer) -> None:
    for func, name in ((new, "new"), (list_articles, "list"), (show, "show"), (edit, "edit"),
                       (import_files, "import")):
        app.command(name)(boundary(func))
    root.add_typer(app, name="kb")


def new(
    title: Annotated[str, typer.Argument(help="What the article solves, in one line.")],
    category: Annotated[str | None, typer.Option("--category", "-c", help="From the taxonomy in itsm.yaml.", show_default=False)] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A search tag (repeatable).", show_default=False)] = None,
    link: Annotated[list[str] | None, typer.Option("--link", help="An external reference (repeatable).", show_default=False)] = None,
    body: Annotated[str | None, typer.Option("--body", "-b", help="The Markdown body; '-' reads stdin. On a terminal, $EDITOR opens with a template when omitted.", show_default=False)] = None,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write a KB article in any Markdown. Diagnosis shows its Resolution, Workaround, Fix,
    Steps or Script section as what to do, else its first lines.

    Example: itsm kb new "Printer queue stuck" -c hardware/printer -t printer -t spooler --body - < article.md
    """
    the_desk = open_desk(desk)
    text = body
    if text is None:
        text = read_text_arg(None, "body", kb.TEMPLATE)
    elif text == "-":
        text = read_text_arg("-", "body")
    article = kb.new_article(
        the_desk, title=title, actor=inputs.resolve_actor(the_desk, actor), category=category, tags=tag,
        links=link, body=text or "", commit=inputs.should_commit(the_desk, no_commit),
    )
    out(formats.json_text(article.to_json()) if as_json else article.id)


KB_COLUMNS = ("id", "category", "tags", "title")


def list_articles(
    category: Annotated[str | None, typer.Option("--category", "-c", help="This category or below it.", show_default=False)] = None,
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Only articles with this tag.", show_default=False)] = None,
    fmt: FormatOpt = "table",
    desk: DeskOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List KB articles by category.

    Example: itsm kb list --tag vpn
    """
    chosen = choose_format(fmt, as_json)
    articles = [
        a for a in open_desk(desk, config="warn").articles()
        if (category is None or (a.category or "") == category or (a.category or "").startswith(category + "/"))
        and (tag is None or tag.lower() in a.tags)
    ]
    articles.sort(key=lambda a: (a.category or "", a.title))
    data = [a.to_json() for a in articles]
    out(formats.json_text(data) if chosen == "json" else formats.rows(data, KB_COLUMNS, chosen))


def show(article: KbArg, desk: DeskOpt = None, as_json: JsonOpt = False) -> None:
    """Show a KB article for reading: sections, and the script as numbered steps.

    Example: itsm kb show kb-h4w
    """
    the_desk = open_desk(desk, config="warn")
    record, path = the_desk.load(article, ("kb",))
    assert isinstance(record, Article)
    if as_json:
        data = record.to_json()
        data["path"] = the_desk.relative(path)
        out(formats.json_text(data))
    else:
        out(kb.render_article(record))


def edit(article: KbArg, desk: DeskOpt = None, actor: ActorOpt = None, no_commit: NoCommitOpt = False) -> None:
    """Edit a KB article in $EDITOR; the result is checked before it is saved.

    Example: itsm kb edit kb-h4w
    """
    the_desk = open_desk(desk)
    _, path = the_desk.load(article, ("kb",), faulty="accept")
    who, commit = inputs.resolve_actor(the_desk, actor), inputs.should_commit(the_desk, no_commit)
    the_desk.check_before_change(path, who, commit)  # before the person spends time in the editor
    original = the_desk.read_text(path)
    edited = edit_in_editor(original, ".md")
    done = kb.edit_article(the_desk, article, edited, actor=who, original_text=original, commit=commit)
    out(f"{path.stem}: no changes" if done is None else f"{done.id} edited")


def import_files(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Markdown files, or folders searched for *.md, *.markdown, *.txt.", show_default=False)],
    category: Annotated[str | None, typer.Option("--category", "-c", help="A category for articles whose front-matter names none.", show_default=False)] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag for every imported article (repeatable).", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be imported; write nothing.")] = False,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import an existing knowledge base: each Markdown file (with or without front-matter,
    e.g. a wiki export) becomes a KB article, all in one commit.

    The title comes from the front-matter's `title`, else the first heading, else the file
    name; `tags` and `category` are taken when this desk can use them. Importing the same
    files again changes nothing; a file changed since updates its article, unless the article
    was edited here since. Files that cannot be articles are passed over, with the reason.

    Example: itsm kb import ~/wiki-export/IT --tag wiki
    """
    the_desk = open_desk(desk)
    result, warnings = kb_import.import_articles(
        the_desk, paths, actor=inputs.resolve_actor(the_desk, actor), category=category, tags=tag,
        commit=inputs.should_commit(the_desk, no_commit), dry_run=dry_run, progress=progress_bar("reading"),
    )
    for line in warnings:
        warn(line)
    for source, why in result.skipped:
        warn(f"{source} passed over: {why}")
    if as_json:
        out(formats.json_text({
            "dry_run": dry_run,
            # A dry run mints no ID: the real import will.
            "created": [{"id": None if dry_run else a.id, "title": a.title, "from": source}
                        for source, a in result.created],
            "updated": [{"id": a.id, "title": a.title, "from": source} for source, a in result.updated],
            "unchanged": [{"id": article_id, "from": source} for source, article_id in result.unchanged],
            "skipped": [{"from": source, "reason": why} for source, why in result.skipped],
        }))
    else:
        for verb, done in (("new", result.created), ("updated", result.updated)):
            for source, article in done:
                shown = "(new)" if dry_run and verb == "new" else article.id
                out(f"{shown:<9}  {verb:<7}  {terminal.for_terminal(source, one_line=True)}  "
                    f"{terminal.for_terminal(article.title, one_line=True)}")
        count = len(result.created) + len(result.updated)
        head = "would import" if dry_run else "imported"
        out(f"{head} {count} article{'' if count == 1 else 's'} ({len(result.created)} new, "
            f"{len(result.updated)} updated); {len(result.unchanged)} unchanged; {len(result.skipped)} passed over")
    if not (result.created or result.updated or result.unchanged):
        fail("nothing was imported: " + ("every file was passed over (see the warnings above)" if result.skipped
                                         else "no Markdown files (*.md, *.markdown, *.txt) were found"))
