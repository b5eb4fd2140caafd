"""What a person typed, checked before anything is touched: who acts and whether to commit,
names, titles, free text, choices, categories and groups. A refusal is one UsageError line.
"""

from __future__ import annotations

import difflib
import getpass
import os
import re

from itsm.core.errors import UsageError
from itsm.core.model import (
    CONTACT_CHANNELS,
    normalize_line,
    normalize_text,
)
from itsm.storage import gitio
from itsm.storage.store import Desk

MAX_LINE = 200
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# -- who acts, and whether to commit ---------------------------------------------------


def resolve_actor(desk: Desk, explicit: str | None) -> str:
    """`--actor`, else `$ITSM_ACTOR`, else git's user.name, else the login name."""
    actor = explicit or os.environ.get("ITSM_ACTOR")
    if not actor:
        repo = gitio.find_repo(desk.root)
        actor = gitio.identity(repo)[0] if repo else None
    if not actor:
        actor = getpass.getuser()
    return person(actor, "actor")


def should_commit(desk: Desk, no_commit: bool) -> bool:
    """Whether changes are committed; outside a git repository the write warns instead."""
    return not no_commit and desk.config.git_commit


# -- validation of what the user typed --------------------------------------------------


def person(value: str, what: str) -> str:
    value = normalize_line(value)
    if not value:
        raise UsageError(f"{what} is empty")
    if len(value) > MAX_LINE or _CONTROL_RE.search(value) or "<" in value or ">" in value:
        raise UsageError(f"{what} '{value[:40]}' is not a usable name", hint="use a plain name or e-mail address without < >")
    return value


def title_text(value: str) -> str:
    value = normalize_line(value)
    if not value:
        raise UsageError("the title is empty", hint="say in a few words what is wrong or needed")
    if len(value) > MAX_LINE or _CONTROL_RE.search(value):
        raise UsageError(f"the title is longer than {MAX_LINE} characters or holds control characters")
    return value


# A text kept in the front-matter (a resolution, a workaround, a root cause, a fix) is at most
# this long: the front-matter as a whole must stay under the reader's 64 KiB, however many
# such fields and links a record gathers. Longer explanations belong in a note or KB article.
MAX_FIELD_BYTES = 8 * 1024


def free_text(value: str, what: str, limit: int | None = None) -> str:
    value = normalize_text(value)
    if "\x00" in value:
        raise UsageError(f"{what} holds a NUL byte")
    if limit is not None and len(value.encode("utf-8", "surrogatepass")) > limit:
        raise UsageError(f"{what} is longer than {limit // 1024} KiB, the limit of a field kept in the front-matter",
                         hint="say it in a few lines, and put the details in a note (itsm log) or a KB article")
    return value


def choice(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise UsageError(f"unknown {what} '{value}'", hint=f"use one of: {', '.join(allowed)}")
    return value


def contact_channel(value: str) -> str:
    if value == "cli":
        raise UsageError("'cli' is not how a user reaches the desk: it names the tool that typed the ticket",
                         hint=f"say how the user got in touch: {', '.join(CONTACT_CHANNELS)}")
    choice(value, CONTACT_CHANNELS, "channel")
    return value


def category_name(desk: Desk, value: str | None) -> str | None:
    if value is None:
        return None
    if value not in desk.config.categories:
        close = difflib.get_close_matches(value, list(desk.config.categories), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see the categories in itsm.yaml"
        raise UsageError(f"unknown category '{value}'", hint=hint)
    return value


def group_name(desk: Desk, value: str | None) -> str | None:
    if value is None:
        return None
    if value not in desk.config.groups:
        raise UsageError(f"unknown group '{value}'", hint=f"groups: {', '.join(desk.config.groups)}")
    return value
