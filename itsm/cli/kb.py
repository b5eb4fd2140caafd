"""`itsm kb ...`: the knowledge base."""

from __future__ import annotations

from typing import Annotated

import typer

from itsm import actions, kb, render
from itsm.cli.common import (
    ActorOpt,
    DeskOpt,
    FormatOpt,
    JsonOpt,
    NoCommitOpt,
    boundary,
    choose_format,
    edit_in_editor,
    open_desk,
    out,
    read_text_arg,
)
from itsm.model import Article, to_json

app = typer.Typer(help="The knowledge base: symptoms, cause, resolution, scripts.", no_args_is_help=True)
KbArg = Annotated[str, typer.Argument(metavar="KB", help="A KB article ID, or any unique start of it (kb-h4w).")]


def register(root: typer.Typer) -> None:
    for func, name in ((new, "new"), (list_articles, "list"), (show, "show"), (edit, "edit")):
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
    """Write a KB article: ## Symptoms, ## Cause, ## Resolution (or ## Workaround), ## Script.

    Example: itsm kb new "Printer queue stuck" -c hardware/printer -t printer -t spooler --body - < article.md
    """
    the_desk = open_desk(desk)
    text = body
    if text is None:
        text = read_text_arg(None, "body", kb.TEMPLATE)
    elif text == "-":
        text = read_text_arg("-", "body")
    article = kb.new_article(
        the_desk, title=title, actor=actions.resolve_actor(the_desk, actor), category=category, tags=tag,
        links=link, body=text or "", commit=actions.should_commit(the_desk, no_commit),
    )
    out(render.to_json(to_json(article)) if as_json else article.id)


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
    data = [to_json(a) for a in articles]
    out(render.to_json(data) if chosen == "json" else render.rows(data, KB_COLUMNS, chosen))


def show(article: KbArg, desk: DeskOpt = None, as_json: JsonOpt = False) -> None:
    """Show a KB article for reading: sections, and the script as numbered steps.

    Example: itsm kb show kb-h4w
    """
    the_desk = open_desk(desk, config="warn")
    record, path = the_desk.load(article, ("kb",))
    assert isinstance(record, Article)
    if as_json:
        data = to_json(record)
        data["path"] = the_desk.relative(path)
        out(render.to_json(data))
    else:
        out(kb.render_article(record))


def edit(article: KbArg, desk: DeskOpt = None, actor: ActorOpt = None, no_commit: NoCommitOpt = False) -> None:
    """Edit a KB article in $EDITOR; the result is checked before it is saved.

    Example: itsm kb edit kb-h4w
    """
    the_desk = open_desk(desk)
    _, path = the_desk.load(article, ("kb",), faulty="accept")
    who, commit = actions.resolve_actor(the_desk, actor), actions.should_commit(the_desk, no_commit)
    the_desk.check_before_change(path, who, commit)  # before the person spends time in the editor
    original = the_desk.read_text(path)
    edited = edit_in_editor(original, ".md")
    done = kb.edit_article(the_desk, article, edited, actor=who, original_text=original, commit=commit)
    out(f"{path.stem}: no changes" if done is None else f"{done.id} edited")
