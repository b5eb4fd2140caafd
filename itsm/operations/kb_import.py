"""`itsm kb import`: an existing knowledge base (a folder of Markdown, a wiki export, a runbook
collection) taken in as articles, each file once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from itsm.config import loading as config_mod
from itsm.core import fileio, timeutil
from itsm.core.errors import UsageError
from itsm.core.fileio import CACHE_DIR
from itsm.core.model import TAG_RE, Article, normalize_text
from itsm.domain import record_rules
from itsm.operations.inputs import category_name, title_text
from itsm.operations.kb import tags_of
from itsm.records import markdown, yamlio
from itsm.storage.store import FOLDERS, Desk

# Files a folder is searched for; a file named on the command line is read whatever its name.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".txt")
_FIRST_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^=+\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclasses.dataclass
class ImportResult:
    """What `import_articles` did, file by file (`source` as shown to the user)."""

    created: list[tuple[str, Article]] = dataclasses.field(default_factory=list)
    updated: list[tuple[str, Article]] = dataclasses.field(default_factory=list)
    unchanged: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (source, article ID)
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (source, why)


@dataclasses.dataclass
class _Draft:
    source: str
    sha256: str
    title: str
    body: str
    category: str | None
    tags: tuple[str, ...]


def import_sources(desk: Desk, paths: list[Path]) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """The files to import, as (source, path), and those passed over, as (source, why).

    A source is the file's path from the folder named on the command line, starting with that
    folder's name (`wiki/vpn/setup.md`), the same whether the folder or the file was named —
    it is how a re-import recognises an article. Folders are walked by `_walk`; hidden
    folders (`.git`) and the desk's own record folders are left out.
    """
    found: dict[str, Path] = {}
    passed: list[tuple[str, str]] = []
    own = {desk.root / folder for folder in FOLDERS.values()} | {desk.root / ".git", desk.root / CACHE_DIR}
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise UsageError(f"{given}: no such file or folder; nothing was imported")
        absolute = given.absolute()
        if given.is_file():
            source = _shown(f"{absolute.resolve().parent.name}/{absolute.name}")
            if any(_is_within(absolute.resolve(), folder) for folder in own):
                passed.append((source, "is a record of this desk"))
            else:
                found.setdefault(source, absolute)
            continue
        if not given.is_dir():
            raise UsageError(f"{given}: not a file or folder; nothing was imported")
        top = absolute.resolve()
        if any(_is_within(top, folder) for folder in own):
            raise UsageError(f"{given}: is this desk's own records; nothing was imported",
                             hint="import from a folder outside tickets/, problems/ and kb/")
        _walk(top, own, found, passed)
    return sorted(found.items()), passed


def _walk(top: Path, own: set[Path], found: dict[str, Path], passed: list[tuple[str, str]]) -> None:
    """The Markdown files under `top`, by their source. Symbolic links are not followed (no
    loops, nothing outside what was named); a folder that cannot be listed is said and the
    walk goes on — one bad folder never stops the import of the others."""
    folders = [top]
    while folders:
        here = folders.pop()
        where = here.relative_to(top).as_posix()
        label = top.name if where == "." else f"{top.name}/{where}"
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            passed.append((_shown(label + "/"), f"cannot read the folder: {exc.strerror}"))
            continue
        for entry in reversed(entries):  # popped last-in first: folders walked in name order
            path = here / entry.name
            source = _shown(f"{label}/{entry.name}")
            try:
                if entry.name.startswith(".") or path in own:
                    continue
                is_markdown = entry.name.lower().endswith(MARKDOWN_SUFFIXES)
                if entry.is_symlink():
                    if is_markdown or entry.is_dir():
                        passed.append((source, "is a symbolic link; name what it points to, to import it"))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(path)
                elif is_markdown:
                    found.setdefault(source, path)
            except OSError as exc:
                passed.append((source, f"cannot read: {exc.strerror}"))


def _shown(name: str) -> str:
    """A file name as text a record can hold: bytes that are not UTF-8 (which Python keeps as
    lone surrogates) become U+FFFD; control characters are escaped by the YAML writer."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def draft_of(desk: Desk, source: str, data: bytes, category: str | None,
             tags: tuple[str, ...], warnings: list[str]) -> _Draft:
    """An article from a Markdown file, with or without front-matter: the title from the
    front-matter, else the first heading, else the file name; tags and a category from the
    front-matter when this desk can use them. Raises ValueError with the reason to skip it."""
    sha = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise ValueError("holds a NUL byte: not a text file")
    front: dict[str, Any] = {}
    if text.startswith("---"):
        split = markdown.split_front_matter(text)
        if split is None:
            raise ValueError("its front-matter opens with '---' but never closes")
        yaml_text, text = split
        try:
            value = yamlio.load(yaml_text).value
        except yamlio.YamlError as exc:
            where = f" (line {exc.line + 1})" if exc.line else ""  # the file's line: after the opening '---'
            raise ValueError(f"its front-matter is not valid YAML{where}: {exc.message}") from None
        if value is not None and not isinstance(value, dict):
            raise ValueError("its front-matter is not a mapping of keys to values")
        front = value or {}
    body = normalize_text(text)
    title = front.get("title") if isinstance(front.get("title"), str) else None
    if title is None:
        title, body = _title_from_body(body)
    if title is None:
        stem = Path(source).stem.replace("_", " ").replace("-", " ").strip()
        title = stem[:1].upper() + stem[1:]
    try:
        title = title_text(title)
    except UsageError as exc:
        raise ValueError(f"its title: {exc.message}") from None
    if not body.strip():
        raise ValueError("is empty: nothing to import")
    found_tags = list(tags)
    raw_tags = front.get("tags", front.get("keywords"))
    if isinstance(raw_tags, str):
        raw_tags = re.split(r"[,\s]+", raw_tags)
    for raw in raw_tags if isinstance(raw_tags, list) else []:
        tag = re.sub(r"\s+", "-", str(raw).strip().lstrip("#").lower())
        if TAG_RE.match(tag):
            found_tags.append(tag)
        elif tag:
            warnings.append(f"{source}: tag '{raw}' left out (a tag is a lower-case word)")
    chosen = category  # the article's own category, when this desk has it, wins
    raw_category = front.get("category")
    if raw_category is not None:
        if isinstance(raw_category, str) and raw_category in desk.config.categories:
            chosen = raw_category
        else:
            instead = f"imported under {category}" if category else "imported without a category"
            warnings.append(f"{source}: category '{raw_category}' is not in itsm.yaml's taxonomy; {instead}")
    return _Draft(source, sha, title, body, chosen, tuple(dict.fromkeys(found_tags)))


def _title_from_body(body: str) -> tuple[str | None, str]:
    """The first heading as the title: when the text starts with it (ATX `# …` or a setext
    underline), it becomes the title and leaves the body; else the first `# ` heading is the
    title and stays where it is."""
    lines = body.split("\n")
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, body
    match = _FIRST_HEADING.match(lines[first])
    if match:
        return match.group(1), normalize_text("\n".join(lines[first + 1:]))
    if first + 1 < len(lines) and _SETEXT.match(lines[first + 1]):
        return lines[first].strip(), normalize_text("\n".join(lines[first + 2:]))
    fenced = False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _H1.match(line)):
            return match.group(1), body
    return None, body


def import_articles(
    desk: Desk, paths: list[Path], *, actor: str, category: str | None = None, tags: list[str] | None = None,
    commit: bool = True, dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
) -> tuple[ImportResult, list[str]]:
    """Bring an existing knowledge base in: every Markdown file as a KB article, in one commit.

    Each article records where it came from (`imported: {from, sha256, at}` in its
    front-matter). Importing the same files again changes nothing; a file changed since is
    taken again into its article, unless the article was edited here since it was imported
    (then it is kept, with a warning). A file that cannot be an article is passed over with
    the reason; the others are imported. Returns what was done and the warnings.
    """
    config_mod.require_valid(desk.config)
    chosen_category = category_name(desk, category)
    extra_tags = tags_of(tags)
    result = ImportResult()
    warnings: list[str] = []
    with desk.lock(for_writing=not dry_run):
        sources, passed = import_sources(desk, paths)
        result.skipped.extend(passed)
        by_sha: dict[str, str] = {}
        by_source: dict[str, tuple[Article, Path]] = {}
        for path in desk.record_files("kb"):
            try:
                article = desk.read(path, "kb")
            except (markdown.RecordError, OSError):
                continue  # `itsm check` names it; it cannot be an import's article
            assert isinstance(article, Article)
            imported = article.extra.get("imported")
            if isinstance(imported, dict):
                if isinstance(imported.get("sha256"), str):
                    by_sha.setdefault(imported["sha256"], article.id)
                if isinstance(imported.get("from"), str):
                    by_source.setdefault(imported["from"], (article, path))
        now = timeutil.stamp()
        writes: list[tuple[str, Article, Path | None]] = []
        for done, (source, path) in enumerate(sources, 1):
            if progress is not None:
                progress(done, len(sources))
            said: list[str] = []  # said only of a file that is written
            try:
                data = fileio.read_regular(path, markdown.MAX_FILE_BYTES)
                draft = draft_of(desk, source, data, chosen_category, extra_tags, said)
            except (fileio.FileProblem, ValueError) as exc:
                result.skipped.append((source, str(exc)))
                continue
            if draft.sha256 in by_sha:
                result.unchanged.append((source, by_sha[draft.sha256]))
                continue
            imported = {"from": source, "sha256": draft.sha256, "at": now}
            previous = by_source.get(source)
            if previous is not None:
                before, before_path = previous
                mark = before.extra["imported"].get("at")
                if (before.updated or before.created) != mark:
                    warnings.append(f"{source} changed since it was imported as {before.id}, and {before.id} was "
                                    f"edited here since: kept as it is (take the new text with itsm kb edit {before.id})")
                    result.unchanged.append((source, before.id))
                    continue
                article = dataclasses.replace(
                    before, title=draft.title, body=draft.body, category=draft.category or before.category,
                    tags=tuple(dict.fromkeys(before.tags + draft.tags)), updated=now,
                    extra={**before.extra, "imported": imported})
                target: Path | None = before_path
            else:
                article = Article(id="", title=draft.title, category=draft.category, tags=draft.tags,
                                  author=actor, created=now, updated=now, body=draft.body,
                                  extra={"imported": imported})
                target = None
            if target is None:
                # Minted now, under the lock: the check below sees the article as it will be.
                article = dataclasses.replace(article, id=_mint(desk, {a.id for _, a, _ in writes}))
            problem = markdown.size_problem(markdown.render(article))
            faults = record_rules.record_faults(article, desk.config)
            if problem is not None or faults:
                result.skipped.append((source, problem or faults[0][1]))
                continue
            by_sha[draft.sha256] = article.id  # the same file twice in one import is one article
            writes.append((source, article, target))
            warnings.extend(said)
        for source, article, target in writes:
            (result.updated if target is not None else result.created).append((source, article))
        if dry_run or not writes:
            return result, warnings
        names = ", ".join(sorted({source.split("/", 1)[0] + "/" for source, _, _ in writes}))
        message = f"kb import: {len(result.created)} new, {len(result.updated)} updated from {names}"
        with desk.transaction(actor, message, commit) as tx:  # a failure raises: nothing was imported
            for _, article, target in writes:
                tx.write(article, target, create=target is None)
    return result, warnings


def _mint(desk: Desk, taken: set[str]) -> str:
    while True:
        new = desk.mint_id(desk.config.prefixes["kb"])
        if new not in taken:
            return new
