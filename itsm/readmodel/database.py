"""The read model: every record's parsed content in SQLite under `.itsm/`, so that the
commands that read many records (`list`, `chase`, `autoclose`, and the reports) answer
from one query instead of parsing 100,000 files.

It is a cache, never the truth. It knows the state of the files it was built from
(itsm/storage/cache_state.py: the commit and the stamps of uncommitted files) and, on every command,
re-reads only the files git says changed since. It is rebuilt — with one line on stderr when
something was wrong — when it is missing, of another version, unreadable or corrupt, or built
at a commit git no longer has; when it cannot be used at all (a folder that cannot be
written, a full disk), the same query runs over the files parsed into memory. A file that
does not parse is kept as its error, so every reader warns about it exactly as a parse of
the files would, and a record whose data would not survive the trip through JSON (a key
that is not text) is read from its file.

Each row holds what the readers need without the file: the filter and sort columns, the
record as JSON (the `to_json` form `list --json` prints, pre-rendered), and the facts the
timeline gives (first response, entry counts, the clocks of resolved tickets) under the
desk's config of the time: another config re-derives them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from itsm.config import holiday_calendar
from itsm.core import fileio, parallel, timeutil
from itsm.core.model import OPEN_STATUSES, STATUSES, Article, Entry, Problem, Record, Resolution, Ticket
from itsm.core.terminal import warn
from itsm.domain import sla
from itsm.output.formats import json_text as render_json
from itsm.records import markdown, shape
from itsm.storage import cache_state
from itsm.storage.store import Desk

# Bump whenever what a row holds, or how a record is read, changes: another version is rebuilt.
# How many times a command follows a rebuilt model another command swapped in while it read
# (six commands starting together on a desk without a model each build one).
SWAPS_FOLLOWED = 5
VERSION = 5
FILE = "readmodel.sqlite"
Progress = Callable[[int, int], None]

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    n INTEGER PRIMARY KEY,   -- the row of its body in `bodies`
    path BLOB UNIQUE NOT NULL,  -- desk-relative, as bytes: a file name need not be UTF-8
    kind TEXT NOT NULL,
    folder BLOB NOT NULL,    -- the parent folder's name and the file's name: the order
    name BLOB NOT NULL,      -- `Desk.record_files` lists them in
    id TEXT, status TEXT, type TEXT, priority TEXT, owner TEXT, grp TEXT, category TEXT,
    created TEXT, updated TEXT, major INTEGER,
    problem TEXT,            -- a ticket's linked problem (the report ranks problems by it)
    error BLOB,              -- why the file cannot be read, or NULL
    warning BLOB,            -- a value readers would misread (Desk.shape_problem), or NULL
    extras TEXT,             -- the desk's own front-matter keys (JSON list), or NULL
    exact INTEGER,           -- 0: the JSON loses something (a key that is not text): read the file
    intake TEXT              -- a ticket's Message-IDs and alert fingerprint, one per line (intake_key)
);
-- The large parts apart, so a query that filters or sorts the records reads small pages only.
CREATE TABLE bodies (
    n INTEGER PRIMARY KEY,
    json TEXT,               -- record.to_json(), rendered as one item of a JSON list
    facts TEXT               -- what the timeline gives, under the config `facts_config` names
);
CREATE INDEX records_by_kind ON records (kind, folder, name);
CREATE INDEX records_by_status ON records (kind, status);
CREATE INDEX records_faulty ON records (kind, folder, name) WHERE error IS NOT NULL OR warning IS NOT NULL;
CREATE INDEX records_by_problem ON records (problem) WHERE problem IS NOT NULL;
CREATE INDEX records_with_extras ON records (kind, folder, name) WHERE extras IS NOT NULL;
CREATE INDEX records_with_intake ON records (kind, folder, name) WHERE intake IS NOT NULL;
"""
_COLUMNS = ("path", "kind", "folder", "name", "id", "status", "type", "priority", "owner", "grp", "category",
            "created", "updated", "major", "problem", "error", "warning", "json", "extras", "exact", "facts",
            "intake")
COLUMNS = _COLUMNS  # a row's fields, in order (itsm/readmodel/asof.py reads a row's error and JSON by name)
_RECORD_COLUMNS = tuple(c for c in _COLUMNS if c not in ("json", "facts"))
_INSERT_RECORD = (f"INSERT INTO records (n, {', '.join(_RECORD_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * (len(_RECORD_COLUMNS) + 1))})")
_INSERT_BODY = "INSERT INTO bodies (n, json, facts) VALUES (?, ?, ?)"
_JSON_AT, _FACTS_AT = _COLUMNS.index("json"), _COLUMNS.index("facts")


def split_row(n: int | None, row: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A row as its `records` part and its `bodies` part."""
    small = tuple(v for i, v in enumerate(row) if i not in (_JSON_AT, _FACTS_AT))
    return (n, *small), (n, row[_JSON_AT], row[_FACTS_AT])


_LEFTOVER_RE = re.compile(rf"^{re.escape(FILE)}\.new-(\d+)\Z")


# -- one record file -> one row --------------------------------------------------------------


def row_of(desk: Desk, rel: str, kind: str, now: datetime) -> tuple[Any, ...]:
    """The row for one record file: what a parse of the file gives, or its error."""
    try:
        text = desk.read_text(desk.root / rel)
    except markdown.RecordError as exc:
        return error_row(rel, kind, exc)
    return row_of_text(desk, rel, kind, text, now)


def error_row(rel: str, kind: str, error: markdown.RecordError) -> tuple[Any, ...]:
    """The row of a file that cannot be read: its error, in place of the rest."""
    path = Path(rel)
    where = (_bytes(rel), kind, _bytes(path.parent.name), _bytes(path.name))
    return (*where, *([None] * 11), _bytes(str(error)), None, None, None, 1, None, None)


def row_of_text(desk: Desk, rel: str, kind: str, text: str, now: datetime) -> tuple[Any, ...]:
    """The row for one record file whose text is `text` (read from the desk, or from a
    commit's blob for `--as-of`): what a parse of the file gives, or its error."""
    path = desk.root / rel
    where = (_bytes(rel), kind, _bytes(path.parent.name), _bytes(path.name))
    try:
        record = desk.parse(text, path, kind)
    except markdown.RecordError as exc:
        return error_row(rel, kind, exc)
    warning = desk.shape_problem(record, path, text)
    data = record.to_json()
    text = _item_json(data)
    extras = json.dumps(list(record.extra)) if record.extra else None
    # to_json puts the desk's own keys beside the body's: a key named like one is not carried.
    exact = int(_exact(record.extra) and not set(record.extra) & {"kind", "description", "body", "timeline"})
    facts = json.dumps(derive(record, desk, now)) if isinstance(record, Ticket) else None
    columns = (record.id, getattr(record, "status", None), getattr(record, "type", None), getattr(record, "priority", None),
               getattr(record, "owner", None), getattr(record, "group", None), record.category, record.created,
               record.updated)
    problem = getattr(record, "problem", None)
    return (*where, *(_text(value) for value in columns), int(bool(getattr(record, "major", False))),
            _text(problem) if isinstance(problem, str) else None, None,
            None if warning is None else _bytes(warning), text, extras, exact, facts,
            intake_keys(record) if isinstance(record, Ticket) else None)


def intake_key(kind: str, value: str) -> str:
    """How a Message-ID (`message`) or an alert fingerprint (`alert`) is looked up."""
    return f"\n{kind}:{value}\n"


def intake_keys(ticket: Ticket) -> str | None:
    """The ticket's `intake` column: every key `intake_key` makes for it, or None."""
    keys = [f"message:{m}" for m in ticket.message_ids if isinstance(m, str)]
    if isinstance(ticket.fingerprint, str):
        keys.append(f"alert:{ticket.fingerprint}")
    return "\n" + "\n".join(keys) + "\n" if keys else None


def _bytes(text: str) -> bytes:
    """A file name or message as bytes: exact, whatever a name that is not UTF-8 holds."""
    return text.encode("utf-8", "surrogateescape")


def _unbytes(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _text(value: Any) -> Any:
    """A column value SQLite can hold as text: a lone surrogate (a YAML `\\udc80` escape)
    is written as its escape — such a value is named by `itsm check`, not filtered on."""
    if isinstance(value, str) and _SURROGATE_RE.search(value):
        return _SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
    return value


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _item_json(data: dict[str, Any]) -> str:
    """`data` as `formats.json_text` writes it inside a list: indented one level."""
    return "  " + render_json(data).replace("\n", "\n  ")


def _exact(value: Any) -> bool:
    """Whether JSON carries the value back unchanged: mappings keyed by text only."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _exact(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_exact(v) for v in value)
    return True


def derive(ticket: Ticket, desk: Desk, now: datetime) -> dict[str, Any]:
    """What a ticket's timeline gives the reports: the first response, how many entries of
    each kind (escalations, reopens, reassignments...), the time it waited by party, and the
    SLA clocks of a ticket no longer open (a running clock is read at the time asked)."""
    facts: dict[str, Any] = {"entries": {}, "events": []}
    for entry in ticket.timeline:
        facts["entries"][entry.kind] = facts["entries"].get(entry.kind, 0) + 1
        if entry.kind in REPORTED_EVENTS:
            facts["events"].append([entry.time, entry.kind])
    # What the report reads besides the columns: it never decodes a record it does not list.
    facts["level"] = ticket.level if isinstance(ticket.level, int) and not isinstance(ticket.level, bool) else None
    for key in ("title", "resolved", "closed"):
        value = getattr(ticket, key)
        facts[key] = value if isinstance(value, str) else None
    facts["kb"] = [k for k in ticket.kb if isinstance(k, str)] if isinstance(ticket.kb, tuple) else []
    resolution = ticket.resolution
    facts["resolution_kind"] = resolution.kind if isinstance(resolution, Resolution) and isinstance(resolution.kind, str) else None
    if not shape.clocks_readable(ticket):
        return facts
    config = desk.config
    responded = sla.first_response(ticket, config)
    facts["responded"] = timeutil.format(responded) if responded else None
    to_response, to_resolution = sla.work_times(ticket, config, now)
    facts["to_response_minutes"] = None if to_response is None else int(to_response.total_seconds() // 60)
    facts["to_resolution_minutes"] = None if to_resolution is None else int(to_resolution.total_seconds() // 60)
    if not ticket.is_open:
        clocks = sla.clocks(ticket, config, now)
        for name, clock in (("response", clocks.response), ("resolution", clocks.resolution)):
            facts[name] = None if clock is None else {
                "target_minutes": int(clock.target.total_seconds() // 60),
                "used_minutes": int(clock.used.total_seconds() // 60),
                "breached": clock.ever_breached,
                "stopped": timeutil.format(clock.stopped) if clock.stopped else None,
                # When the first target was passed (an earlier priority's, if one was missed).
                "due": timeutil.format(min((b.due for b in clock.earlier), default=clock.due)),
            }
        facts["waited_minutes"] = {on: int(span.total_seconds() // 60) for on, span in sla.waits(ticket, now).items()}
    return facts


# The timeline entries whose times the report counts in its window.
REPORTED_EVENTS = ("resolve", "reopen", "escalate", "hierarchical", "major")


# Set in the parent before the workers fork (itsm/core/parallel.py): what `_row_in_worker` needs.
_WORK: tuple[Desk, datetime] | None = None


def _row_in_worker(item: tuple[str, str]) -> tuple[Any, ...]:
    assert _WORK is not None
    desk, now = _WORK
    return row_of(desk, item[0], item[1], now)


# -- the record back from its row -----------------------------------------------------------


def decode(kind: str, text: str) -> Record:
    """The record a row's JSON holds (`to_json`'s form)."""
    data = json.loads(text)
    data.pop("kind", None)
    if kind == "kb":
        return Article(**_fields(kind, data, ("tags", "links")))
    timeline = tuple(Entry(e["id"], e["time"], e["actor"], e["kind"], e["text"], tuple(e["changes"].items()))
                     for e in data.pop("timeline"))
    if kind == "problem":
        return Problem(**_fields(kind, data, ("incidents", "kb")), timeline=timeline)
    resolution = data.pop("resolution", None)
    if resolution is not None:
        resolution = Resolution(resolution["kind"], resolution["summary"], resolution.get("code"))
    return Ticket(**_fields(kind, data, ("kb", "related", "message_ids")), resolution=resolution, timeline=timeline)


# The keys of each kind's JSON that are its own fields; any other key is the desk's own (a
# ticket's `tags:` is the desk's, though an article has tags).
_OWN_KEYS = {kind: set(cls.__dataclass_fields__) - {"extra", "timeline"}
             for kind, cls in (("ticket", Ticket), ("problem", Problem), ("kb", Article))}


def _fields(kind: str, data: dict[str, Any], lists: tuple[str, ...]) -> dict[str, Any]:
    own = _OWN_KEYS[kind]
    fields = {k: (tuple(v) if k in lists else v) for k, v in data.items() if k in own}
    fields["extra"] = {k: v for k, v in data.items() if k not in own}
    return fields


# -- the model -------------------------------------------------------------------------------


class Listed:
    """One record a query found: its JSON (as an item of a list) and, read back from it
    when first asked for, the record itself."""

    def __init__(self, model: ReadModel, rel: str, kind: str, status: str | None, text: str, exact: bool) -> None:
        self.model, self.rel, self.kind, self.status, self.json, self.exact = model, rel, kind, status, text, exact
        self._record: Record | None = None

    @property
    def record(self) -> Record:
        if self._record is None:
            self._record = decode(self.kind, self.json) if self.exact else self.model.from_file(self.rel, self.kind,
                                                                                                 self.json)
        return self._record


class ReadModel:
    """The desk's read model, up to date with the files once `open` returns it."""

    def __init__(self, desk: Desk, db: sqlite3.Connection, config_key: str) -> None:
        self.desk = desk
        self.db = db
        self.config_key = config_key

    # -- opening, following git -----------------------------------------------------------

    @classmethod
    def open(cls, desk: Desk, progress: Progress | None = None, create: bool = True) -> ReadModel:
        """The read model, brought up to date; rebuilt if it cannot be trusted; in memory
        (from the files) if it cannot be kept under `.itsm/` at all. With `create` false, a
        desk without one gets it in memory, and nothing is written: for a command that may
        still be refused (a refusal leaves no file behind, not even a cache)."""
        config_key = _config_key(desk)
        if not create and not _exists(desk):
            model = cls(desk, sqlite3.connect(":memory:", isolation_level=None), config_key)
            model._fill(cache_state.current(desk), progress)
            return model
        try:
            on_disk = cls._open_on_disk(desk, config_key, progress)
            assert on_disk is not None
            return on_disk
        except (sqlite3.Error, OSError, fileio.FileProblem, CacheRefused) as exc:
            reason = exc.reason if isinstance(exc, CacheRefused) else reason_of(exc)
            warn(f"the read model in .itsm/ cannot be used ({reason}); reading the files")
        db = sqlite3.connect(":memory:", isolation_level=None)
        model = cls(desk, db, config_key)
        model._fill(cache_state.current(desk), progress)
        return model

    @classmethod
    def _open_on_disk(cls, desk: Desk, config_key: str, progress: Progress | None,
                      rebuild: bool = True) -> ReadModel | None:
        """The model under .itsm/, caught up or rebuilt; None when it needs a rebuild and
        `rebuild` is false (after a write: the next reader rebuilds it, saying why)."""
        from itsm.core.errors import UsageError

        try:
            cache = desk.cache_dir()
        except UsageError as exc:
            raise CacheRefused(exc.message) from None
        assert cache is not None
        path = cache / FILE
        why = unsound(path)
        swapped = 0
        while why is None:
            opened = _identity(path)
            db = connect(path)
            try:
                model = cls(desk, db, config_key)
                why = model._catch_up()
                if why is None:
                    return model
            except sqlite3.DatabaseError as exc:
                why = f"was unreadable ({reason_of(exc)})"
                if swapped < SWAPS_FOLLOWED and _identity(path) != opened:
                    # Another command swapped its rebuilt model in while this one caught the old
                    # one up (SQLite then refuses the write: "attempt to write a readonly
                    # database"): nothing is wrong with the cache; catch the new one up.
                    swapped += 1
                    why = unsound(path)
            db.close()
            if why is not None:
                break
        if not rebuild:
            return None
        if why:
            warn(f"the read model {why}; rebuilding it")
        return cls._rebuilt(desk, cache, config_key, progress)

    def _meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def _catch_up(self) -> str | None:
        """Bring the model up to date; returns why it must be rebuilt instead (or "" when
        that is no news: a first build), or None when it is up to date."""
        meta = self._meta()
        if meta.get("version") != str(VERSION):
            return "was built by another version of itsm" if meta.get("version") else ""
        built = cache_state.State.from_json(json.loads(meta.get("state", "null")))
        if built is None:
            return "does not say when it was built"
        now = cache_state.current(self.desk, built)
        stale = cache_state.since(self.desk, built, now)
        if stale is None:
            return f"was built at a commit git does not have ({(built.commit or '')[:10]}: history rewritten?)"
        if not stale and meta.get("facts_config") == self.config_key:
            return None
        self.db.execute("BEGIN IMMEDIATE")  # one writer; whoever waited finds the work done
        try:
            meta = self._meta()
            built = cache_state.State.from_json(json.loads(meta.get("state", "null")))
            stale = None if built is None else cache_state.since(self.desk, built, now)
            if stale is None:
                self.db.rollback()
                return "was built at a commit git does not have"
            self._apply(sorted(stale))
            if meta.get("facts_config") != self.config_key:
                self._rederive()
            self._set_meta(now)
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise
        return None

    def _apply(self, stale: Sequence[str]) -> None:
        now = timeutil.now()
        for rel in stale:
            kind = cache_state.kind_of(rel)
            old = self.db.execute("SELECT n FROM records WHERE path = ?", (_bytes(rel),)).fetchone()
            if old is not None:
                self.db.execute("DELETE FROM records WHERE n = ?", old)
                self.db.execute("DELETE FROM bodies WHERE n = ?", old)
            if kind is None or not os.path.lexists(self.desk.root / rel):
                continue
            small, body = split_row(None, row_of(self.desk, rel, kind, now))
            n = self.db.execute(_INSERT_RECORD, small).lastrowid
            self.db.execute(_INSERT_BODY, (n, *body[1:]))

    def _rederive(self) -> None:
        """The config changed: the facts are derived afresh, from the stored records."""
        now = timeutil.now()
        found = self.db.execute("SELECT b.n, b.json FROM records r JOIN bodies b ON b.n = r.n"
                                " WHERE r.kind = 'ticket' AND r.error IS NULL").fetchall()
        for n, text in found:
            ticket = decode("ticket", text)
            assert isinstance(ticket, Ticket)
            self.db.execute("UPDATE bodies SET facts = ? WHERE n = ?", (json.dumps(derive(ticket, self.desk, now)), n))

    def _set_meta(self, state: cache_state.State) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [
            ("version", str(VERSION)), ("state", json.dumps(state.to_json())), ("facts_config", self.config_key),
        ])

    @classmethod
    def _rebuilt(cls, desk: Desk, cache: Path, config_key: str, progress: Progress | None) -> ReadModel:
        """Build a whole new model aside, then swap it in (a reader of the old one goes on)."""
        _remove_leftovers(cache)
        fresh = cache / f"{FILE}.new-{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            fresh.unlink()
        db = connect(fresh)
        # Nothing reads the new file before it is complete and swapped in, so its writes need
        # no journal; a crash leaves a leftover file, removed by the next build.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        try:
            model = cls(desk, db, config_key)
            model._fill(cache_state.current(desk), progress)
        except BaseException:
            db.close()
            with contextlib.suppress(FileNotFoundError):
                fresh.unlink()
            raise
        target = cache / FILE
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target, ignore_errors=True)  # something else in the cache's place: a cache too
        os.replace(fresh, target)  # over a link, the link itself is replaced: never written through
        return model

    def _fill(self, state: cache_state.State, progress: Progress | None) -> None:
        global _WORK
        self.db.executescript(_SCHEMA)
        items = [(rel, kind) for rel in cache_state.all_record_paths(self.desk)
                 if (kind := cache_state.kind_of(rel)) is not None]
        _WORK = (self.desk, timeutil.now())
        self.db.execute("BEGIN")
        try:
            small: list[tuple[Any, ...]] = []
            bodies: list[tuple[Any, ...]] = []
            for n, row in enumerate(parallel.mapped(_row_in_worker, items, progress), 1):
                record_part, body_part = split_row(n, row)
                small.append(record_part)
                bodies.append(body_part)
                if len(small) >= 1000:
                    self.db.executemany(_INSERT_RECORD, small)
                    self.db.executemany(_INSERT_BODY, bodies)
                    small.clear()
                    bodies.clear()
            self.db.executemany(_INSERT_RECORD, small)
            self.db.executemany(_INSERT_BODY, bodies)
            self._set_meta(state)
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise
        finally:
            _WORK = None

    # -- reading ---------------------------------------------------------------------------

    def warn_faults(self, kind: str) -> None:
        """The warnings a parse of every file of this kind gives: each file that cannot be
        read is skipped, each value a reader would misread is named."""
        found = self.db.execute(
            "SELECT error, warning FROM records WHERE kind = ? AND (error IS NOT NULL OR warning IS NOT NULL)"
            " ORDER BY folder, name", (kind,)).fetchall()
        for error, warning in found:
            warn(f"skipping {_unbytes(error)} (run `itsm check`)" if error is not None
                 else f"{_unbytes(warning)} (run `itsm check`)")

    def select(self, kind: str, where: str = "", params: Sequence[Any] = (), order: str = "",
               limit: int | None = None) -> list[Listed]:
        """The readable records of a kind that `where` (SQL over the columns) selects, in
        `order`; the files' order settles ties, as a stable sort of the files would."""
        return list(self.stream(kind, where, params, order, limit))

    def stream(self, kind: str, where: str = "", params: Sequence[Any] = (), order: str = "",
               limit: int | None = None) -> Iterator[Listed]:
        """`select`, one record at a time: 100,000 records' JSON need not sit in memory."""
        sql = "SELECT n, path, kind, status, exact FROM records WHERE kind = ? AND error IS NULL"
        if where:
            sql += f" AND ({where})"
        sql += f" ORDER BY {order + ', ' if order else ''}folder, name"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        # Sorted first on the small columns only, then the bodies fetched by row number, a
        # batch at a time: sorting 100,000 rows with their JSON would carry 250 MB through it.
        found = self.db.execute(sql, (kind, *params)).fetchall()
        for start in range(0, len(found), 500):
            batch = found[start:start + 500]
            texts = dict(self.db.execute(f"SELECT n, json FROM bodies WHERE n IN ({', '.join('?' * len(batch))})",
                                         [row[0] for row in batch]))
            for n, rel, row_kind, status, exact in batch:
                yield Listed(self, _unbytes(rel), row_kind, status, texts[n], bool(exact))

    def from_file(self, rel: str, kind: str, text: str) -> Record:
        try:
            return self.desk.read(self.desk.root / rel, kind)
        except (markdown.RecordError, OSError):
            return decode(kind, text)  # changed since; the next command catches up

    def records(self, kind: str, where: str = "", params: Sequence[Any] = ()) -> list[Record]:
        return [listed.record for listed in self.select(kind, where, params)]

    def extras(self, kind: str) -> tuple[str, ...]:
        """The desk's own front-matter keys of every record of a kind, in the files' order."""
        keys: dict[str, None] = {}
        for (text,) in self.db.execute(
                "SELECT extras FROM records WHERE kind = ? AND extras IS NOT NULL ORDER BY folder, name", (kind,)):
            keys.update(dict.fromkeys(json.loads(text)))
        return tuple(keys)

    def facts(self, ticket_id: str) -> dict[str, Any] | None:
        found = self.db.execute("SELECT (SELECT facts FROM bodies WHERE bodies.n = records.n) FROM records"
                                " WHERE kind = 'ticket' AND id = ? AND error IS NULL ORDER BY folder, name LIMIT 1",
                                (ticket_id,)).fetchone()
        return None if found is None or found[0] is None else dict(json.loads(found[0]))

    def ticket_facts(self, since: str) -> Iterator[tuple[Any, ...]]:
        """For the report: each readable ticket that is open, or changed at or after `since`
        (a ticket last changed before the window has nothing in it), as its columns (id, type,
        status, priority, owner, grp, category, created, major) and its facts."""
        open_sql, open_params = open_statuses_sql()
        sql = ("SELECT r.id, r.type, r.status, r.priority, r.owner, r.grp, r.category, r.created, r.major, b.facts"
               " FROM records r JOIN bodies b ON b.n = r.n WHERE r.kind = 'ticket' AND r.error IS NULL"
               f" AND ({open_sql.replace('status', 'r.status')} OR COALESCE(r.updated, r.created, '') >= ?"
               " OR r.updated IS NULL OR length(r.updated) != 20)"
               " ORDER BY r.folder, r.name")
        for *columns, facts in self.db.execute(sql, (*open_params, since)):
            yield (*columns, json.loads(facts) if facts else {})

    def tickets_with(self, key: str) -> list[Ticket]:
        """The readable tickets whose `intake` holds `key` (an `intake_key`), oldest first."""
        listed = self.select("ticket", "intake IS NOT NULL AND instr(intake, ?) > 0", (key,), order="created")
        return [r for r in (item.record for item in listed) if isinstance(r, Ticket)]

    def problem_links(self) -> list[tuple[str, str | None, str | None, str | None]]:
        """Every readable ticket that names a problem or has a status: (id, problem, status,
        resolution kind) — what ranking the problems needs, without the tickets' bodies."""
        return self.db.execute(
            "SELECT r.id, r.problem, r.status, json_extract(b.facts, '$.resolution_kind')"
            " FROM records r JOIN bodies b ON b.n = r.n WHERE r.kind = 'ticket' AND r.error IS NULL"
            " AND r.problem IS NOT NULL AND r.problem != '' ORDER BY r.folder, r.name").fetchall()

    def ticket_states(self, ids: Sequence[str]) -> list[tuple[str, None, str | None, str | None]]:
        """(id, None, status, resolution kind) of the readable tickets with these IDs."""
        return self._tickets_by_id("r.id, NULL, r.status, json_extract(b.facts, '$.resolution_kind')", ids)

    def texts(self, ids: Sequence[str]) -> list[tuple[str, str, str]]:
        """(id, title, description) of the readable tickets with these IDs, read by SQLite
        from the stored JSON: the report's look-alike search needs no whole record."""
        found = self._tickets_by_id("r.id, json_extract(b.json, '$.title'), json_extract(b.json, '$.description')", ids)
        return [(i, t if isinstance(t, str) else "", d if isinstance(d, str) else "") for i, t, d in found]

    def _tickets_by_id(self, columns: str, ids: Sequence[str]) -> list[Any]:
        """`columns` (SQL over `records r` and `bodies b`) of the readable tickets with these
        IDs, in the files' order within each batch of 500 (SQLite's limit on parameters)."""
        found: list[Any] = []
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), 500):
            batch = wanted[start:start + 500]
            found += self.db.execute(
                f"SELECT {columns} FROM records r JOIN bodies b ON b.n = r.n WHERE r.kind = 'ticket'"
                f" AND r.error IS NULL AND r.id IN ({', '.join('?' * len(batch))}) ORDER BY r.folder, r.name",
                batch).fetchall()
        return found

    def close(self) -> None:
        self.db.close()


class CacheRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- queries the commands share ---------------------------------------------------------------


def open_statuses_sql() -> tuple[str, list[str]]:
    return f"status IN ({', '.join('?' * len(OPEN_STATUSES))})", list(OPEN_STATUSES)


def status_rank_sql() -> str:
    """`STATUSES.index(status)` (99 for a status not known), as SQL."""
    cases = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUSES))
    return f"(CASE status {cases} ELSE 99 END)"


# How `--sort` orders, as SQL over the read model's columns (ties: the files' order).
# Each key is (SQL expression, descending?).
SORT_SQL = {
    "priority": (("major", True), ("COALESCE(priority, 'P9')", False), ("created", False), ("id", False)),
    "status": ((status_rank_sql(), False), ("created", False), ("id", False)),
    "created": (("COALESCE(created, '')", False), ("id", False)),
    "updated": (("COALESCE(updated, '')", False), ("id", False)),
    "id": (("COALESCE(id, '')", False), ("id", False)),
}


def sort_sql(sort: str, reverse: bool) -> str:
    """ORDER BY for `--sort` (and `--reverse`: every key turned round; ties keep the files'
    order either way, as Python's stable sort does)."""
    return ", ".join(f"{expr} {'DESC' if desc != reverse else 'ASC'}" for expr, desc in SORT_SQL[sort])


def ticket_filter(status: list[str] | None = None, type: str | None = None, owner: str | None = None,
                  group: str | None = None, category: str | None = None, priority: list[str] | None = None,
                  open_only: bool = False, unowned: bool = False, major: bool = False) -> tuple[str, list[Any]]:
    """`list`'s filters as SQL over the read model's columns, with its parameters."""
    where: list[str] = []
    params: list[Any] = []
    if status:
        where.append(f"status IN ({', '.join('?' * len(status))})")
        params += status
    if type is not None:
        where.append("type = ?")
        params.append(type)
    if owner is not None:
        where.append("owner = ?")
        params.append(owner)
    if group is not None:
        where.append("grp = ?")
        params.append(group)
    if category is not None:  # the category or one below it: network matches network/vpn
        where.append("(COALESCE(category, '') = ? OR substr(COALESCE(category, ''), 1, ?) = ?)")
        params += [category, len(category) + 1, category + "/"]
    if priority:
        where.append(f"priority IN ({', '.join('?' * len(priority))})")
        params += priority
    if open_only or unowned:
        open_sql, open_params = open_statuses_sql()
        where.append(open_sql)
        params += open_params
    if unowned:
        where.append("(owner IS NULL OR owner = '')")
    if major:
        where.append("major = 1")
    return " AND ".join(where), params


def tickets(desk: Desk, where: str = "", params: Sequence[Any] = (), progress: Progress | None = None,
            create: bool = True) -> list[Ticket]:
    """The desk's readable tickets that `where` selects, with the warnings a parse of every
    ticket file would give: what `Desk.tickets()` returns, filtered, from the read model."""
    model = ReadModel.open(desk, progress, create)
    try:
        model.warn_faults("ticket")
        return [r for r in model.records("ticket", where, params) if isinstance(r, Ticket)]
    finally:
        model.close()


def _exists(desk: Desk) -> bool:
    try:
        cache = desk.cache_dir(create=False)
    except Exception:  # something else in the cache folder's place: open() says so
        return True
    return cache is not None and os.path.lexists(cache / FILE)


def exists(desk: Desk) -> bool:
    """Whether the desk has a read model on disk (a command that may yet be refused and finds
    none can remove the one it made: `discard`)."""
    return _exists(desk)


def discard(desk: Desk, folder_too: bool) -> None:
    """Remove the read model on disk, and with `folder_too` `.itsm/` if nothing else is in it:
    what a command refused after it built the model undoes, so a refusal leaves no cache."""
    with contextlib.suppress(Exception):
        cache = desk.cache_dir(create=False)
        if cache is None:
            return
        for name in (FILE, f"{FILE}-journal", f"{FILE}-wal", f"{FILE}-shm"):
            with contextlib.suppress(FileNotFoundError):
                (cache / name).unlink()
        if folder_too and {p.name for p in cache.iterdir()} <= {".gitignore"}:
            shutil.rmtree(cache)


def update_after_write(desk: Desk) -> None:
    """After a command wrote records: bring an existing read model up to date (only what
    changed). A desk that never listed has none, and none is built here."""
    with contextlib.suppress(Exception):  # a cache that cannot catch up now will at the next read
        cache = desk.cache_dir(create=False)
        if cache is None or not (cache / FILE).is_file():
            return
        model = ReadModel._open_on_disk(desk, _config_key(desk), None, rebuild=False)
        if model is not None:
            model.close()


# -- helpers -----------------------------------------------------------------------------------


def _config_key(desk: Desk) -> str:
    """What the derived facts depend on: itsm.yaml's bytes, this itsm's defaults (its
    version) and, for a region's holidays, the version of the package that knows them.
    (Not a repr of the config: the order of a set's members changes from process to process.)"""
    from itsm import __version__
    from itsm.config.settings import CONFIG_FILE

    try:
        text = (desk.root / CONFIG_FILE).read_bytes()
    except OSError:
        text = b""
    hours = desk.config.business_hours
    region = hours.holidays.region if hours is not None else None
    package = holiday_calendar.package_version() if region is not None else None
    return hashlib.sha256(b"\0".join([text, __version__.encode(), str(package).encode()])).hexdigest()[:16]


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` now (device, inode): a rebuild swaps a new one in."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def connect(path: Path) -> sqlite3.Connection:
    # Transactions are begun and ended here, by hand (BEGIN IMMEDIATE for a catch-up).
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 60000")
    return db


def unsound(path: Path) -> str | None:
    """Why the file at `path` is not a read model to open ("" when there is none yet)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ""
    if not stat.S_ISREG(info.st_mode):
        return "was not a regular file"
    return None


def reason_of(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return getattr(exc, "strerror", None) or text


def _remove_leftovers(cache: Path) -> None:
    """Half-built models of processes that were killed (`readmodel.sqlite.new-PID`)."""
    for entry in os.scandir(cache):
        match = _LEFTOVER_RE.match(entry.name)
        if match and int(match.group(1)) != os.getpid() and not fileio.process_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
