"""The knowledge base: articles with symptoms, cause, resolution or workaround, and — for
common requests — a script of numbered steps to follow."""

from __future__ import annotations

import dataclasses
import re

from itsm.config import loading as config_mod
from itsm.core import timeutil
from itsm.core.errors import UsageError
from itsm.core.model import TAG_RE, Article, article_parts, normalize_line
from itsm.domain import record_rules
from itsm.operations.inputs import category_name, free_text, title_text
from itsm.records import markdown
from itsm.storage.store import Desk

TEMPLATE = """## Symptoms

What the user sees, and the words users use for it.

## Cause

Why it happens.

## Resolution

What fixes it (or `## Workaround` when the cause stays).

## Script

1. For common requests: the steps to follow, one per line.
"""


def tags_of(values: list[str] | None) -> tuple[str, ...]:
    tags = []
    for value in values or []:
        tag = value.strip().lower()
        if not TAG_RE.match(tag):
            raise UsageError(f"tag '{value}' must be a lower-case word (letters, digits, '-', '.', '_')")
        tags.append(tag)
    return tuple(dict.fromkeys(tags))


def new_article(
    desk: Desk, *, title: str, actor: str, category: str | None = None, tags: list[str] | None = None,
    links: list[str] | None = None, body: str = "", commit: bool = True,
) -> Article:
    """Write a KB article (one commit)."""
    config_mod.require_valid(desk.config)
    article = Article(
        id="", title=title_text(title), category=category_name(desk, category), tags=tags_of(tags),
        links=tuple(normalize_line(link) for link in links or []), author=actor,
        body=free_text(body, "the body"),
    )
    with desk.lock():
        now = timeutil.stamp()
        article = dataclasses.replace(article, id=desk.mint_id(desk.config.prefixes["kb"]), created=now)
        with desk.transaction(actor, f"{article.id} new: {article.title}", commit) as tx:
            tx.write(article, create=True)
    return article


def edit_article(
    desk: Desk, ref: str, edited_text: str, *, actor: str, original_text: str | None = None, commit: bool = True,
) -> Article | None:
    """Apply a hand edit of an article, after checking it; None when nothing changed."""
    config_mod.require_valid(desk.config)
    with desk.lock():
        before, path = desk.load(ref, ("kb",), faulty="accept")
        assert isinstance(before, Article)
        if original_text is not None and desk.read_text(path) != original_text:
            raise UsageError(f"{before.id} changed while it was being edited; nothing was saved",
                             hint="run `itsm kb edit` again to edit the current version")
        try:
            after = markdown.parse(edited_text, "kb", "edited file")
        except markdown.RecordError as exc:
            raise UsageError(f"the edited article is not valid: {exc}", hint="nothing was saved") from None
        assert isinstance(after, Article)
        for key in ("id", "created"):
            if getattr(after, key) != getattr(before, key):
                raise UsageError(f"the edit changes '{key}', which cannot be edited by hand")
        after = dataclasses.replace(after, title=normalize_line(after.title), body=free_text(after.body, "the body"),
                                    updated=before.updated)
        faults = record_rules.record_faults(after, desk.config)
        if faults:
            raise UsageError(f"the edited article is not valid: {faults[0][1]}", hint="nothing was saved")
        if after == before:
            return None
        changed = [f.name for f in dataclasses.fields(after) if getattr(after, f.name) != getattr(before, f.name)]
        after = dataclasses.replace(after, updated=timeutil.stamp())
        with desk.transaction(actor, f"{after.id} edit: {', '.join(changed)}", commit) as tx:
            tx.write(after, path)
    return after


def render_article(article: Article) -> str:
    """An article for reading in a terminal: headings underlined, the script numbered."""
    lines = [article.title, "=" * min(len(article.title), 78)]
    facts = [f"{article.id}", f"category {article.category or '(none)'}"]
    if article.tags:
        facts.append("tags " + ", ".join(article.tags))
    lines.append("  ".join(facts))
    for link in article.links:
        lines.append(f"see {link}")
    for heading, text in article_parts(article.body):
        if heading:
            lines += ["", heading, "-" * len(heading)]
        elif text:
            lines.append("")
        if heading.lower() == "script":
            # Steps are numbered afresh, whatever the author typed: 1., 3), -, * or nothing.
            steps = [_STEP_MARK.sub("", s) for s in text.splitlines() if s.strip()]
            lines += [f"{n:>2}. {step}" for n, step in enumerate(steps, 1)]
        elif text:
            lines.append(text)
    return "\n".join(lines)


_STEP_MARK = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s*")
