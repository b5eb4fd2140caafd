"""The full-text index: a cache under `.itsm/index/`, never the truth. The only module
that imports whoosh.

Every command that searches first brings the index up to date with what changed since it
was built — git says which record files changed between the commit the index was built at
and HEAD, and which are changed but not committed — so a `git pull` of other people's
tickets is searchable at once. A command that writes a record updates that document
right after its commit. A missing, unreadable, wrong-version or corrupt index is rebuilt
aside and swapped in; a lock keeps concurrent commands from tripping over each other.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import multiprocessing
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import qparser
from whoosh import query as wq
from whoosh.analysis import (
    STOP_WORDS,
    IntraWordFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, Formatter, get_text
from whoosh.lang import porter2

from itsm.core import fileio, parallel
from itsm.core.errors import UsageError
from itsm.core.fileio import CACHE_DIR
from itsm.core.model import OPEN_STATUSES, Article, Problem, Record, Ticket, article_answer
from itsm.core.terminal import warn
from itsm.records import markdown
from itsm.storage import cache_state, gitio
from itsm.storage.store import Desk

# Bump whenever the schema or the analysis changes: an index of another version is rebuilt.
VERSION = 5
LOCK_TIMEOUT_SECONDS = 120.0  # a rebuild of 100,000 records may hold the index this long
INDEX_DIR = "index"
META_FILE = "itsm-index.json"
# How much the words of the tickets a KB article or problem resolved count, against its own.
ASKED_AS_WEIGHT = 1.0
# The words of at most this many tickets (the latest linked) are learnt per record: enough
# to hold every way users put one fault, and a bound on what a popular article carries.
MAX_ASKED = 200
# Documents per job file handed to a worker of a parallel build.
BUILD_BATCH = 200
FILTER_FIELDS = ("status", "category", "priority", "type", "kind", "owner", "group", "tag", "id")
Progress = Callable[[int, int], None]


def _char_ranges(chars: str) -> str:
    """A regular-expression character class body matching exactly `chars`, as ranges."""
    points = sorted(set(map(ord, chars)))
    parts: list[str] = []
    start = 0
    for i in range(1, len(points) + 1):
        if i == len(points) or points[i] != points[i - 1] + 1:
            first, last = chr(points[start]), chr(points[i - 1])
            parts.append(re.escape(first) if first == last else f"{re.escape(first)}-{re.escape(last)}")
            start = i
    return "".join(parts)


class _IntraWordFilter(IntraWordFilter):  # type: ignore[misc]
    """whoosh's IntraWordFilter, splitting and merging the same words at the same places, but
    with its character classes written as ranges. whoosh writes every lower- and upper-case
    letter and digit out one by one (2,600 characters); the compiled patterns are pickled in
    the index's schema and compiled again by every process that opens the index: 60 ms of a
    search, against 5 ms as ranges."""

    def __init__(self, mergewords: bool, mergenums: bool) -> None:
        super().__init__(mergewords=mergewords, mergenums=mergenums)
        from whoosh.support.unicode import digits, lowercase, uppercase

        lower, upper, letter, digit = (_char_ranges(chars) for chars in
                                       (lowercase, uppercase, lowercase + uppercase, digits))
        self.possessive = re.compile(f"(?<=[{letter}])'[Ss](?=$|[{self.delims}])", re.UNICODE)
        self.boundary = re.compile(f"([{lower}][{upper}]|[{letter}][{digit}]|[{digit}][{letter}])", re.UNICODE)


def _analyzer() -> Any:
    """Words as people type them: `Wi-Fi`, `wi fi` and `wifi` meet (hyphenated and camel-case
    words are indexed whole and in parts: GlobalProtect -> global, protect, globalprotect),
    stop words go, and words are stemmed (drops, dropping -> drop). Porter2: whoosh's
    Porter stemmer leaves doubled consonants (dropping -> dropp, jammed -> jamm)."""
    return (
        RegexTokenizer(r"\w+(?:[-'.]\w+)*")
        | _IntraWordFilter(mergewords=True, mergenums=True)
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=2)
        | StemFilter(stemfn=porter2.stem, cachesize=50000)
    )


def _schema() -> Schema:
    analyzer = _analyzer()
    return Schema(
        path=ID(stored=True, unique=True),
        id=ID(stored=True),
        kind=ID(stored=True),
        status=ID(stored=True),
        category=KEYWORD(stored=True, commas=True),  # "network,network/vpn": a filter matches any level
        priority=ID(stored=True),
        type=ID(stored=True),
        owner=ID(stored=True),
        group=ID(stored=True),
        tag=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True, field_boost=1.5),
        major=ID(stored=True),
        problem=ID(stored=True),  # a ticket's linked problem: same problem, same fault
        kb=KEYWORD(stored=True, commas=True),  # a ticket's KB articles: what fixed it
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
        body=TEXT(analyzer=analyzer, stored=True),
        # A KB article's or problem's "asked as": the titles and descriptions of the tickets
        # it resolved, in users' own words. What fixed which words is what a desk learns.
        asked_as=TEXT(analyzer=analyzer),
        # ... and those words by ticket ID, so a new link adds one ticket's words without
        # reading every other ticket the record resolved.
        asked_by=STORED(),
        answer=STORED(),  # what to do: a workaround, a fix, a resolution
        created=STORED(),
    )


# -- documents ------------------------------------------------------------------------------


def _category_levels(category: str | None) -> str:
    if not category:
        return ""
    parts = category.split("/")
    return ",".join("/".join(parts[: i + 1]) for i in range(len(parts)))


def answer_of(record: Record) -> str:
    """What the record says to do: a problem's workaround or fix, a KB article's resolution
    (or workaround, fix, steps, script) or else its first lines, a ticket's resolution."""
    if isinstance(record, Problem):
        if record.workaround:
            return f"workaround: {record.workaround}"
        return f"fix: {record.fix}" if record.fix else ""
    if isinstance(record, Article):
        return article_answer(record)
    if record.resolution is not None:
        return f"{record.resolution.kind}: {record.resolution.summary}"
    return ""


def document(record: Record, rel_path: str, asked_by: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields a record is indexed under; `asked_by`, for a KB article or problem, the
    words of the tickets that link it, by ticket ID."""
    body: list[str] = []
    doc: dict[str, Any] = {
        "path": rel_path, "id": record.id, "kind": record.kind, "title": record.title,
        "category": _category_levels(record.category), "created": record.created,
    }
    if isinstance(record, Article):
        body.append(record.body)
        doc["tag"] = ",".join(record.tags)
        doc["status"] = "published"
    else:
        body.append(record.description)
        body.extend(entry.text for entry in record.timeline)
        doc["status"] = record.status
        doc["owner"] = record.owner or ""
    if isinstance(record, Ticket):
        doc.update(priority=record.priority or "", type=record.type, group=record.group or "",
                   major="true" if record.major else "false", problem=record.problem or "",
                   kb=",".join(record.kb))
        if record.resolution is not None:
            body.append(record.resolution.summary)
    if isinstance(record, Problem):
        body.extend(text for text in (record.workaround, record.root_cause, record.fix) if text)
    doc["body"] = "\n\n".join(text for text in body if text)
    doc["answer"] = answer_of(record)
    if asked_by and not isinstance(record, Ticket):
        doc["asked_by"] = asked_by
        doc["asked_as"] = "\n\n".join(asked_by.values())
    return doc


def asked_words(ticket: Ticket) -> str:
    """How the user asked: what a ticket teaches the records it links."""
    return f"{ticket.title}\n{ticket.description}"


def _learnt(asked_by: dict[str, str], lessons: dict[str, str | None]) -> dict[str, str]:
    """`asked_by` after each lesson: a ticket's words added, or taken out (None)."""
    for ticket_id, words in lessons.items():
        asked_by = _learn(asked_by, ticket_id, words)
    return asked_by


def _learn(asked_by: dict[str, str], ticket_id: str, words: str | None) -> dict[str, str]:
    """`asked_by` with one ticket's words added (as the latest) or, for None, taken out."""
    learnt = {key: value for key, value in asked_by.items() if key != ticket_id}
    if words is not None:
        learnt[ticket_id] = words
    return dict(list(learnt.items())[-MAX_ASKED:])


# -- the index as a cache -----------------------------------------------------------------------


class SearchIndex:
    """The desk's index: opened fresh (synced with the files) by `open_fresh`."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.cache = desk.root / CACHE_DIR
        self.folder = self.cache / INDEX_DIR
        self.repo = gitio.find_repo(desk.root)
        self._ix: Any = None

    # The lock: a flock on a file in the cache folder (whoosh's own lock would raise instead
    # of waiting); held while the index is written, so concurrent commands queue.
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.desk.cache_dir()
        try:
            fd = os.open(self.cache / "index.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise UsageError(
                f"cannot open .itsm/index.lock ({exc.strerror})",
                hint="delete .itsm/ (it is only a cache) and search again",
            ) from None
        try:
            if not fileio.flock_within(fd, LOCK_TIMEOUT_SECONDS):
                raise UsageError("the search index is busy", hint="try again in a moment")
            self._remove_leftovers()
            yield
        finally:
            os.close(fd)

    def _remove_leftovers(self) -> None:
        """Half-built or half-removed indexes of processes that were killed (`index.new-PID`,
        `index.old-PID`): only the lock's holder may touch them, and only when that PID is gone."""
        for entry in os.scandir(self.cache):
            match = _LEFTOVER_RE.match(entry.name)
            if match and int(match.group(1)) != os.getpid() and not fileio.process_alive(int(match.group(1))):
                _remove(Path(entry.path))

    def _index_is_sound(self) -> bool:
        """The index folder is a real folder holding only real files: a symbolic link in the
        cache (from a committed `.itsm/` of another clone) is never followed, it is replaced."""
        try:
            if not stat.S_ISDIR(os.lstat(self.folder).st_mode):
                return False
            return not any(entry.is_symlink() or not entry.is_file(follow_symlinks=False)
                           for entry in os.scandir(self.folder))
        except OSError:
            return False

    def _read_meta(self) -> dict[str, Any] | None:
        try:
            meta = json.loads((self.folder / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("version") != VERSION:
            return None
        return meta

    def _write_meta(self, meta: dict[str, Any], folder: Path | None = None) -> None:
        target = (folder or self.folder) / META_FILE
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, target)

    def open_fresh(self, progress: Progress | None = None) -> SearchIndex:
        """Open the index, first rebuilding it if it is missing or broken and bringing it up
        to date with the files."""
        self.desk.cache_dir()
        for attempt in range(2):
            try:
                self._sync(progress)
                return self
            except UsageError:
                raise
            except Exception as exc:  # a corrupt index: whatever whoosh raises, rebuild it
                if attempt:
                    raise
                warn(f"the search index was unreadable ({type(exc).__name__}); rebuilding it")
                with self._lock():
                    self._rebuild(progress)
        return self

    def _sync(self, progress: Progress | None) -> None:
        meta = self._read_meta() if self._index_is_sound() else None
        if meta is None or not self._opened():
            with self._lock():
                meta = self._read_meta() if self._index_is_sound() else None
                if meta is None or not self._opened():
                    self._rebuild(progress)
                    meta = self._read_meta()
        assert meta is not None
        built = cache_state.State.from_json(meta.get("state"))
        now = cache_state.current(self.desk, built)
        stale = None if built is None else cache_state.since(self.desk, built, now)
        if stale is None:
            with self._lock():
                self._rebuild(progress)
        elif stale:
            with self._lock():
                self._ix = whoosh_index.open_dir(str(self.folder))
                self._apply(stale)
                self._write_meta({"version": VERSION, "state": now.to_json()})
        if self._ix is None:
            self._ix = whoosh_index.open_dir(str(self.folder))

    def _opened(self) -> bool:
        """Open the index in the folder, if there is one: the same index is then searched, its
        table of contents read once (each read unpickles the schema)."""
        try:
            self._ix = whoosh_index.open_dir(str(self.folder))
        except whoosh_index.EmptyIndexError:
            return False
        return True

    def _apply(self, paths: Iterable[str]) -> None:
        """Re-index the changed records. A changed ticket also changes what the KB articles and
        problems it links, or linked before, have learnt: those are indexed again too, with
        that one ticket's words added or taken out of their "asked as"."""
        paths = sorted(paths)
        lessons: dict[str, dict[str, str | None]] = {}  # record ID -> {ticket ID: words, or None}
        docs: list[tuple[str, dict[str, Any] | None]] = []
        learnt_before: dict[str, dict[str, str]] = {}
        with self._ix.searcher() as searcher:
            for rel in paths:
                old = searcher.document(path=rel)
                record = self._record_at(rel)
                if old is not None and old.get("kind") == "ticket":
                    for record_id in _links(old):
                        lessons.setdefault(record_id, {})[old["id"]] = None
                if isinstance(record, Ticket):
                    for record_id in _ticket_links(record):
                        lessons.setdefault(record_id, {})[record.id] = asked_words(record)
                elif record is not None:
                    # An edited article keeps what it has learnt.
                    learnt_before[record.id] = dict((old or {}).get("asked_by") or {})
                docs.append((rel, None if record is None else document(record, rel)))
            changed_ids = {doc["id"] for _, doc in docs if doc is not None}
            listings = {kind: self.desk.listing(kind) for kind in ("kb", "problem")} if lessons else {}
            for record_id in sorted(set(lessons) - changed_ids):
                path = listings["kb"].get(record_id) or listings["problem"].get(record_id)
                if path is None:
                    continue  # a link to a record that is not there: `itsm check` says so
                rel = self.desk.relative(path)
                before = dict((searcher.document(path=rel) or {}).get("asked_by") or {})
                if _learnt(before, lessons[record_id]) == before:
                    continue  # a note on a linked ticket: its words, and so the record's, are as they were
                record = self._record_at(rel)
                if record is not None and not isinstance(record, Ticket):
                    learnt_before[record.id] = before
                    docs.append((rel, document(record, rel)))
        writer = self._ix.writer(compound=False)
        try:
            for rel, doc in docs:
                writer.delete_by_term("path", rel)
                if doc is None:
                    continue
                if doc["id"] in learnt_before:
                    asked_by = _learnt(learnt_before[doc["id"]], lessons.get(doc["id"], {}))
                    if asked_by:
                        doc.update(asked_by=asked_by, asked_as="\n\n".join(asked_by.values()))
                writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def _record_at(self, rel: str) -> Record | None:
        path = self.desk.root / rel
        kind = cache_state.kind_of(rel)
        if kind is None or not path.is_file():
            return None
        try:
            return self.desk.read(path, kind)
        except (markdown.RecordError, OSError):
            return None  # a malformed record is not searchable until fixed; `itsm check` names it

    def _rebuild(self, progress: Progress | None) -> None:
        """Build a whole new index aside, then swap it in."""
        self.desk.cache_dir()
        fresh = self.cache / f"{INDEX_DIR}.new-{os.getpid()}"
        _remove(fresh)
        fresh.mkdir()
        state = cache_state.current(self.desk)
        ix = whoosh_index.create_in(str(fresh), _schema())
        paths = cache_state.all_record_paths(self.desk)  # tickets first: the words they were asked in feed what links them
        asked: dict[str, dict[str, str]] = {}
        writer = _build_writer(ix, len(paths))
        added = 0
        try:
            for done, rel in enumerate(paths, 1):
                record = self._record_at(rel)
                if isinstance(record, Ticket):
                    for record_id in _ticket_links(record):
                        asked[record_id] = _learn(asked.get(record_id, {}), record.id, asked_words(record))
                if record is not None:
                    writer.add_document(**document(record, rel, asked.get(record.id)))
                    added += 1
                if progress is not None:
                    progress(done, len(paths))
        except BaseException:
            # The workers of a parallel writer never hear of whoosh's cancel (it flags them in
            # this process only): left waiting for work, they would keep this one from exiting.
            for worker in getattr(writer, "tasks", ()):
                worker.terminate()
            writer.cancel()
            raise
        writer.commit()
        if ix.doc_count() != added:
            # whoosh's parallel writer waits only a second for each worker's segment: one it
            # did not get is a silent hole in the index, so the build counts as failed.
            raise RuntimeError(f"the index holds {ix.doc_count()} of {added} records")
        self._write_meta({"version": VERSION, "state": state.to_json()}, fresh)
        old = self.cache / f"{INDEX_DIR}.old-{os.getpid()}"
        if os.path.lexists(self.folder):
            os.replace(self.folder, old)
        os.replace(fresh, self.folder)
        _remove(old)
        self._ix = None

    def rebuild(self, progress: Progress | None = None) -> int:
        """`itsm reindex`: rebuild from the files, whatever state the index is in."""
        with self._lock():
            self._rebuild(progress)
        self._ix = whoosh_index.open_dir(str(self.folder))
        return int(self._ix.doc_count())

    def document_frequencies(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(records in the index, for each term how many records hold it in their title or
        body). A record holding it in both counts once; one holding it in its title only and
        another in its body only count as one too (the larger of the two fields' counts: a
        lower bound of the union, exact when the body repeats the title's words)."""
        with self._ix.reader() as reader:
            found = {term: max(reader.doc_frequency("title", term), reader.doc_frequency("body", term))
                     for term in terms}
            return int(reader.doc_count()), found

    # -- searching ---------------------------------------------------------------------------

    def _healing(self, run: Callable[[], list[Hit]]) -> list[Hit]:
        """Run a search; if the index turns out to be corrupt (whoosh reads segment files
        lazily, so this shows only now), rebuild it and run the search again."""
        try:
            return run()
        except UsageError:
            raise
        except Exception as exc:
            warn(f"the search index was unreadable ({type(exc).__name__}); rebuilding it")
            self.rebuild()
            return run()

    def search(self, text: str, kinds: tuple[str, ...] = (), limit: int = 20) -> list[Hit]:
        """Full-text search with field filters (`status:open category:network priority:P1`)."""
        return self._healing(lambda: self._search(text, kinds, limit))

    def _search(self, text: str, kinds: tuple[str, ...], limit: int) -> list[Hit]:
        free, filters = split_filters(text)
        if not free.strip() and not filters:
            raise UsageError("the search is empty", hint='e.g. itsm search "vpn drops" status:open')
        # A plain OR: whoosh's coordination factor (OrGroup.factory) scores a word found in
        # one field of a small segment as 0, which reversed title-over-body ranking.
        parser = qparser.MultifieldParser(["title", "body", "tag", "asked_as"], self._ix.schema, group=qparser.OrGroup)
        parser.remove_plugin_class(qparser.FieldsPlugin)  # field:value is ours to read
        try:
            parsed = parser.parse(free) if free.strip() not in ("", "*") else wq.Every()
        except Exception as exc:
            raise UsageError(f"cannot read the search '{text}': {exc}") from None
        restriction = _filter_query(filters, kinds)
        with self._ix.searcher() as searcher:
            results = searcher.search(parsed, limit=limit, filter=restriction)
            results.fragmenter = ContextFragmenter(maxchars=160, surround=50)
            results.formatter = _MarkdownBold()
            return [_hit(h, snippet=h.highlights("body", top=2) or h.highlights("title")) for h in results]

    def similar(self, title: str, description: str, category: str | None, exclude: str | None,
                limit: int = 10) -> list[Hit]:
        """Records that look like a ticket: its discriminative words (by the index's own term
        statistics) searched in titles and bodies, then re-ranked by what is known to help."""
        return self._healing(lambda: self._similar(title, description, category, exclude, limit))

    def _similar(self, title: str, description: str, category: str | None, exclude: str | None,
                 limit: int) -> list[Hit]:
        text = f"{title}\n{title}\n{description}"
        with self._ix.searcher() as searcher:
            terms = dict(searcher.key_terms_from_text("body", text, numterms=20))
            title_weights = dict(searcher.key_terms_from_text("title", title, numterms=10))
            asked_weights = dict(searcher.key_terms_from_text("asked_as", text, numterms=10))
            if not terms and not title_weights and not asked_weights:
                return []
            # A word that no body holds (an article whose body never repeats its title's words,
            # a user's word only past tickets used) is still sought, at its weight where found.
            weighted = {**asked_weights, **{t: w for t, w in title_weights.items() if t not in terms}, **terms}
            reader = searcher.reader()
            clauses: list[wq.Query] = []
            learnt: list[wq.Query] = []
            for term, weight in weighted.items():
                in_title = 2.0 if term in title_weights else 1.0
                if term in terms or term in title_weights:
                    clauses.append(wq.Term("body", term, boost=weight))
                    clauses.append(wq.Term("title", term, boost=weight * in_title))
                if reader.doc_frequency("asked_as", term):
                    learnt.append(wq.Term("asked_as", term, boost=weight * in_title * ASKED_AS_WEIGHT))
            for term in title_weights:
                clauses.append(wq.Term("tag", term))
            mask = wq.Term("id", exclude) if exclude else None
            wanted = max(limit * 5, 50)
            main = searcher.search(wq.Or(clauses), limit=wanted, mask=mask) if clauses else None
            scored = {h.docnum: (float(h.score or 0.0), h) for h in main or ()}
            if learnt:
                # Only KB articles and problems hold learnt words: their postings are short, so
                # the learnt part is scored apart and added (an OR query sums its clauses the
                # same way). The tickets — most of a desk — are walked once, by the first
                # search: whoosh's union matcher costs time per clause for every document.
                extra = {h.docnum: (float(h.score or 0.0), h) for h in searcher.search(wq.Or(learnt), limit=None,
                                                                                         mask=mask)}
                truncated = main is not None and main.scored_length() >= wanted
                missing = [h for docnum, (_, h) in extra.items() if docnum not in scored] if truncated else []
                if missing:
                    # Left out of the first search's top: their own words' score, exactly.
                    only = _any_id([h["id"] for h in missing])
                    for h in searcher.search(wq.And([only, wq.Or(clauses)]), limit=None, mask=mask):
                        scored[h.docnum] = (float(h.score or 0.0), h)
                for docnum, (learnt_score, h) in extra.items():
                    own = scored.get(docnum, (0.0, h))[0]
                    scored[docnum] = (own + learnt_score, h)
            best = sorted(scored.values(), key=lambda pair: -pair[0])[:wanted]
            hits = [_hit(h, snippet="", score=score) for score, h in best]
        return rerank(hits, category)[:limit]


class Words:
    """The index's analysis of texts into terms, for many texts at once (problem
    candidates analyse a few thousand). The analyser's tokenizer and every one of its
    filters work on one token at a time, so a text's terms are its tokens' terms in turn:
    the tokens are found with the tokenizer's own pattern and each distinct token is
    analysed once and remembered (the whole chain costs ~10 us a token in Python; a
    remembered token ~0.2 us). Any other analyser is run on the whole text."""

    def __init__(self, analyzer: Any) -> None:
        self.analyzer = analyzer
        items = getattr(analyzer, "items", None) or [None]
        tokenizer = items[0]
        self._pattern: re.Pattern[str] | None = (
            tokenizer.expression if isinstance(tokenizer, RegexTokenizer) and not tokenizer.gaps else None)
        self._memo: dict[str, tuple[str, ...]] = {}
        self._surface: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        return [term for terms in self.by_word(text) for term in terms]

    def by_word(self, text: str) -> list[tuple[str, ...]]:
        """Each word's terms in turn (Wi-Fi -> wi, fi, wifi; won't -> won, wont; the -> none).
        With an analyser this class cannot split, the whole text's terms as one word."""
        if self._pattern is None:
            return [tuple(token.text for token in self.analyzer(text))]
        memo = self._memo
        found: list[tuple[str, ...]] = []
        for match in self._pattern.finditer(text):
            raw = match.group(0)
            terms = memo.get(raw)
            if terms is None:
                terms = memo[raw] = tuple(token.text for token in self.analyzer(raw))
                if len(terms) == 1:
                    self._remember_surface(terms[0], raw.lower())
            if terms:
                found.append(terms)
        return found

    def _remember_surface(self, term: str, word: str) -> None:
        known = self._surface.get(term)
        if known is None or (len(word), word) < (len(known), known):
            self._surface[term] = word

    def surface(self, term: str) -> str:
        """A word as people wrote it for a (stemmed) term: the shortest seen (drop for
        drops, dropping and drop; minutes for minut), or the term itself."""
        return self._surface.get(term, term)


def analysis_words(index: SearchIndex | None = None) -> Words:
    """The analysis search uses: the opened index's own (its schema holds it), or, with no
    index, the analyser this version of itsm builds indexes with (the same, by VERSION)."""
    if index is not None and index._ix is not None:
        return Words(index._ix.schema["body"].analyzer)
    return Words(_analyzer())


def _any_id(ids: list[str]) -> wq.Query:
    """Documents by ID, scoring 0.0: and-ed with a query, they keep its score exactly. Always
    a union of matchers: for a segment under 5,000 documents whoosh would otherwise pick its
    array matcher, which takes a score of 0 for no match and so finds none of them."""
    query = wq.Or([wq.Term("id", record_id, boost=0.0) for record_id in ids])
    query.matcher_type = wq.Or.DEFAULT_MATCHER
    return query


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    title: str
    status: str
    score: float
    category: str
    answer: str
    snippet: str
    path: str
    similarity: float = 0.0  # the text match alone, before boosts for what helps
    problem: str = ""  # for a ticket: its linked problem

    @property
    def actionable(self) -> bool:
        """Something the desk has learnt: every KB article and problem (an open one is a
        fault under investigation, to link the incident to), a resolved ticket's resolution."""
        if self.kind in ("kb", "problem"):
            return True
        return bool(self.answer) and self.status in ("resolved", "closed")

    @property
    def under_investigation(self) -> bool:
        """A problem with neither a workaround nor a fix yet."""
        return self.kind == "problem" and not self.answer

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "title": self.title,
                                "score": round(self.score, 3), "status": self.status}
        if self.under_investigation:
            data["under_investigation"] = True
        elif self.kind == "problem":
            data["workaround"] = self.answer
        elif self.answer:
            data["resolution"] = self.answer
        if self.snippet:
            data["snippet"] = self.snippet
        return data


def rerank(hits: list[Hit], category: str | None) -> list[Hit]:
    """Boosts for what a first-level agent can use at once: known errors first, then KB
    articles and fixed problems, then problems still under investigation and resolved
    tickets with their resolution; the same category counts more."""
    ranked = []
    for hit in hits:
        factor = 1.0
        if hit.kind == "problem" and hit.status == "known_error":
            factor *= 2.0
        elif (hit.kind == "problem" and hit.answer) or hit.kind == "kb":
            factor *= 1.5
        if category and hit.category:
            levels = hit.category.split(",")
            if category in levels:
                factor *= 1.5
            elif category.split("/")[0] in levels:
                factor *= 1.2
        ranked.append(dataclasses.replace(hit, score=hit.score * factor))
    return sorted(ranked, key=lambda h: -h.score)


def what_to_do(hit: Hit, ticket: Ticket) -> str:
    """The hit's workaround, fix or resolution; for a problem still under investigation, to
    link the incident to it (so the fix, when it comes, finds this ticket)."""
    if hit.under_investigation and ticket.problem == hit.id:
        return "under investigation, no workaround yet; this incident is linked to it"
    if hit.under_investigation:
        return f"under investigation, no workaround yet: link this incident (itsm problem link {hit.id} {ticket.id})"
    return hit.answer


def diagnosis(hits: list[Hit], limit: int) -> tuple[list[Hit], list[Hit]]:
    """(what is known, possible duplicates) from ranked hits. Weak matches are dropped:
    below a fifth of the best score for what is known. An open ticket is a possible
    duplicate when its text matches at least half as well as the closest record's (boosts
    reward usefulness, not likeness), or when it is linked to a problem that matched and
    its text matches at least a fifth as well: the same known fault."""
    if not hits:
        return [], []
    best = hits[0].score
    closest = max(h.similarity for h in hits)
    known = [h for h in hits if h.actionable and h.score >= 0.2 * best][:limit]
    problems = {h.id for h in known if h.kind == "problem"}
    duplicates = [
        h for h in hits
        if h.kind == "ticket" and h.status not in ("resolved", "closed")
        and (h.similarity >= 0.5 * closest or (h.problem in problems and h.similarity >= 0.2 * closest))
    ][:3]
    return known, duplicates


def _hit(hit: Any, snippet: str, score: float | None = None) -> Hit:
    score = float(hit.score or 0.0) if score is None else score
    return Hit(
        id=hit["id"], kind=hit["kind"], title=hit["title"], status=hit.get("status", ""),
        score=score, category=hit.get("category", ""), answer=hit.get("answer", ""),
        snippet=" ".join(snippet.split()), path=hit["path"], similarity=score,
        problem=hit.get("problem", ""),
    )


class _MarkdownBold(Formatter):  # type: ignore[misc]
    """Matched words in **bold**, readable in a terminal and in Markdown."""

    between = " ... "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"**{get_text(text, token, replace)}**"


_FILTER_RE = re.compile(r'(?<!\S)(' + "|".join(FILTER_FIELDS) + r'):("[^"]*"|\S+)')


def split_filters(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`vpn drops status:open category:network` -> ("vpn drops", [(status, open), ...])."""
    filters = [(m.group(1), m.group(2).strip('"')) for m in _FILTER_RE.finditer(text)]
    return _FILTER_RE.sub(" ", text), filters


def _filter_query(filters: list[tuple[str, str]], kinds: tuple[str, ...]) -> wq.Query | None:
    clauses: list[wq.Query] = []
    if kinds:
        clauses.append(wq.Or([wq.Term("kind", k) for k in kinds]))
    by_field: dict[str, list[wq.Query]] = {}
    for name, value in filters:
        if name == "status" and value == "open":
            # "open" is not a state: for tickets the open ones, for problems open and known_error.
            term: wq.Query = wq.Or([wq.Term("status", s) for s in (*OPEN_STATUSES, "open", "known_error")])
        elif name == "category":
            term = wq.Term("category", value.lower())
        elif name == "priority":
            term = wq.Term("priority", value.upper())
        elif name == "id":
            term = wq.Prefix("id", value.upper())
        elif name == "tag":
            term = wq.Term("tag", value.lower())
        else:
            term = wq.Term(name, value)
        by_field.setdefault(name, []).append(term)
    # Several values of one field are alternatives; different fields must all hold.
    clauses.extend(wq.Or(terms) if len(terms) > 1 else terms[0] for terms in by_field.values())
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


def _build_writer(ix: Any, count: int) -> Any:
    """The writer of a whole build. On a big desk, whoosh's own multiprocessing writer: this
    process reads and parses the records (a quarter of the work at 100k) and forked workers
    analyse and index them, each into a segment of its own. Parsing in `parallel.mapped`
    workers instead leaves the indexing, the bigger part, to this one process (at 10k: 15 s
    of CPU on its critical path, against 10 s here). The segments are kept as they are
    (`multisegment`): BM25 reads the whole index's statistics, so scores do not depend on
    how documents are split, and merging them (`optimize`) took half as long again as the
    build itself.

    Segments are written as separate files, never one compound file: whoosh opens a part of
    a compound file by copying it into memory (`BytesIO` over the mapped file), so every
    search read the whole postings and stored fields of the desk (0.2 s and 300 MB at
    100k); a plain file is read only where a search looks."""
    jobs = parallel.workers() if count >= parallel.SERIAL_BELOW else 1
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return ix.writer(compound=False)
    return ix.writer(procs=jobs, multisegment=True, batchsize=BUILD_BATCH, start_method="fork", compound=False)


def _ticket_links(ticket: Ticket) -> set[str]:
    return set(ticket.kb) | ({ticket.problem} if ticket.problem else set())


def _links(ticket_doc: Any) -> set[str]:
    """The KB articles and the problem a ticket's document names."""
    found = {kb_id for kb_id in (ticket_doc.get("kb") or "").split(",") if kb_id}
    if ticket_doc.get("problem"):
        found.add(ticket_doc["problem"])
    return found


_LEFTOVER_RE = re.compile(rf"^{INDEX_DIR}\.(?:new|old)-(\d+)\Z")


def _remove(path: Path) -> None:
    """Remove a file, a link (never what it points to) or a folder tree."""
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def update_after_write(desk: Desk) -> None:
    """After a command wrote records: bring an existing index up to date (cheap: only what
    changed). A desk that never searched has no index, and none is built here."""
    if desk.cache_dir(create=False) is None:
        return
    index = SearchIndex(desk)
    if not (index.folder / META_FILE).exists():
        return
    try:
        index.open_fresh()
    except UsageError as exc:
        warn(f"the search index was not updated: {exc.message} (the next search catches up)")
