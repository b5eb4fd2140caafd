"""The desk as it was at a past commit (`itsm report --as-of DATE`): a read model built
aside from git's objects, cached by commit.

The commit is the last one of HEAD's first-parent line whose committer date is at or before
the date asked (`commit_at`). Its record files are listed from its tree (`git ls-tree`) and
read through one `git cat-file --batch` process: no checkout, and neither the work tree nor
git's index is touched. Each file is parsed exactly as `ReadModel` parses a file of the work
tree (the same `row_of_text`), and the facts are derived under that commit's own itsm.yaml,
so last quarter's report comes out the same after the SLA targets changed.

The model is kept as `.itsm/asof/<commit>.sqlite`: a commit never changes, so a cache of
one stays right for as long as the itsm that built it (and, for a region's holidays, the
`holidays` package) is the same. At most `KEEP` are kept, the least recently used removed.
docs/readmodel.md ("As of a date") says the same for a person.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from itsm.config import holiday_calendar, settings
from itsm.config import loading as config_mod
from itsm.core import fileio, parallel, timeutil
from itsm.core.errors import UsageError
from itsm.core.model import Record, Ticket
from itsm.core.terminal import warn
from itsm.readmodel.database import (
    _INSERT_BODY,
    _INSERT_RECORD,
    _SCHEMA,
    COLUMNS,
    Progress,
    ReadModel,
    connect,
    decode,
    derive,
    error_row,
    reason_of,
    row_of_text,
    split_row,
    unsound,
)
from itsm.readmodel.database import VERSION as READMODEL_VERSION
from itsm.records import markdown
from itsm.storage import cache_state, gitio
from itsm.storage.store import FOLDERS, Desk

# Bump whenever what an as-of cache holds changes (the rows' own version is readmodel's).
VERSION = 1
FOLDER = "asof"
KEEP = 8  # as-of caches kept; a 100,000-ticket desk's is about 300 MB
_FILE_RE = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?\.sqlite\Z")
_LEFTOVER_RE = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?\.sqlite\.new-(\d+)\Z")
_SHA_RE = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
_NO_CONFIG = "-"  # the meta value of a commit without itsm.yaml


@dataclass(frozen=True)
class AsOfInfo:
    """Where an as-of model came from: what the report says about it."""

    commit: str          # the commit's full sha
    date: datetime       # the instant asked for
    commit_date: str     # the commit's committer date (UTC)
    cached: bool         # read from `.itsm/asof/` (no blob read)
    seconds: float       # how long getting the model took

    def to_json(self) -> dict[str, Any]:
        """The report's `as_of` object (report-schema.md)."""
        return {"date": timeutil.format(self.date), "commit": self.commit, "seconds": round(self.seconds, 2),
                "cached": self.cached}

    def line(self) -> str:
        """`as of 2026-09-30T00:00:00Z (commit abc1234, read in 1.2 s)`."""
        how = "from the cache" if self.cached else "read"
        return f"as of {timeutil.format(self.date)} (commit {self.commit[:7]}, {how} in {self.seconds:.1f} s)"


class AsOfModel(ReadModel):
    """A read model of a past commit. Its `desk` has that commit's config; the desk's files
    are today's, so a record is read back from the commit's blob, never from the work tree."""

    def __init__(self, desk: Desk, db: sqlite3.Connection, config_key: str, repo: Path, commit: str) -> None:
        super().__init__(desk, db, config_key)
        self.repo, self.commit = repo, commit

    def from_file(self, rel: str, kind: str, text: str) -> Record:
        """A record whose data JSON cannot carry (a key that is not text), from its blob."""
        try:
            data = gitio.blobs(self.repo, [f"{self.commit}:{_prefix(self.desk, self.repo)}{rel}"])[0]
            if data is None:
                raise markdown.RecordError("not in the commit", None, rel)
            return self.desk.parse(_text_of(rel, data), self.desk.root / rel, kind)
        except (markdown.RecordError, gitio.GitError):
            return decode(kind, text)


# -- which commit --------------------------------------------------------------------------------


def repo_of(desk: Desk) -> Path:
    repo = gitio.find_repo(desk.root)
    if repo is None:
        raise UsageError("--as-of reads the desk's git history, and this desk is not in a git repository",
                         hint="run `git init` and commit the desk; history starts then")
    return repo


def commit_at(desk: Desk, when: datetime) -> str | None:
    """The last commit of HEAD's first-parent history with a committer date at or before
    `when`; None when there is none. A desk outside git is a refusal."""
    return gitio.commit_at(repo_of(desk), when)


def as_of(desk: Desk, when: datetime, progress: Progress | None = None) -> tuple[ReadModel, AsOfInfo]:
    """The read model of the desk as it was at `when` (the commit `commit_at` finds), and
    where it came from. Refusals (UsageError): no git, no commit yet, a date before the
    history starts, a shallow clone that lacks the history."""
    started = time.perf_counter()
    repo = repo_of(desk)
    commit = gitio.commit_at(repo, when)
    if commit is None:
        first = gitio.first_commit_date(repo)
        if first is None:
            raise UsageError("--as-of reads the desk's git history, and it has no commit yet",
                             hint="commit the desk first")
        if gitio.is_shallow(repo):
            raise UsageError(f"this clone is shallow: its history starts at {first}, after "
                             f"{timeutil.format(when)}", hint="run `git fetch --unshallow` to fetch the rest")
        raise UsageError(f"no commit at or before {timeutil.format(when)}: the desk's history starts at {first}",
                         hint="pick a later date")
    return at_commit(desk, commit, when, progress, started=started)


# -- the model of one commit ----------------------------------------------------------------------


def at_commit(desk: Desk, commit: str, when: datetime | None = None, progress: Progress | None = None,
              started: float | None = None) -> tuple[ReadModel, AsOfInfo]:
    """The read model of `commit`'s record files, with the facts derived under that commit's
    itsm.yaml at the instant `when` (the commit's own date if None): from `.itsm/asof/` when
    it was built before (no git call at all), else built from git's objects and kept there
    (in memory only, with one warning, when `.itsm/` cannot be written)."""
    started = time.perf_counter() if started is None else started
    repo = repo_of(desk)
    if not _SHA_RE.match(commit):
        full = gitio.tree_ish(repo, commit)
        if full is None:
            raise UsageError(f"'{commit}' is not a commit of this repository")
        commit = full
    model: AsOfModel | None = None
    cached = False
    folder = _cache_folder(desk)
    path = None if folder is None else folder / f"{commit}.sqlite"
    if path is not None:
        model, why = _open_cached(desk, repo, commit, path)
        if model is None and why:
            warn(f"the as-of read model of commit {commit[:10]} {why}; rebuilding it")
        cached = model is not None
    if model is None:
        model = _built(desk, repo, commit, when, path, progress)
    meta = model._meta()
    asked = when or timeutil.parse(meta["commit_date"])
    _rederive_if_needed(model, meta, asked)
    if model.desk.config.findings:
        findings = model.desk.config.findings
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        warn(f"itsm.yaml at commit {commit[:7]}: {findings[0]}{more}; its faulty keys are read as their defaults")
    if path is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: kept by the eviction below
        _evict(path.parent, keep=path)
    info = AsOfInfo(commit, asked, meta["commit_date"], cached, time.perf_counter() - started)
    return model, info


def _cache_folder(desk: Desk) -> Path | None:
    """`.itsm/asof/`, made if needed; None (after one warning) when it cannot be."""
    try:
        cache = desk.cache_dir()
        assert cache is not None
        folder = cache / FOLDER
        if os.path.islink(folder):
            raise OSError(f"{fileio.CACHE_DIR}/{FOLDER} is a symbolic link")
        folder.mkdir(exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise PermissionError(13, "Permission denied")
        return folder
    except UsageError as exc:
        reason = exc.message
    except OSError as exc:
        reason = reason_of(exc)
    warn(f"the as-of read model cannot be kept in {fileio.CACHE_DIR}/{FOLDER}/ ({reason}); building it in memory")
    return None


def _open_cached(desk: Desk, repo: Path, commit: str, path: Path) -> tuple[AsOfModel | None, str]:
    """The cached model and "", or None and why it cannot be used ("" when there is none)."""
    why = unsound(path)
    if why is not None:
        return None, why
    db = connect(path)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        problem = _meta_problem(meta, commit)
        if problem is None:
            db.execute("SELECT count(*) FROM records").fetchone()
            return _model(desk, db, repo, commit, meta), ""
    except (sqlite3.DatabaseError, ValueError) as exc:
        problem = f"was unreadable ({reason_of(exc)})"
    db.close()
    return None, problem


def _meta_problem(meta: dict[str, str], commit: str) -> str | None:
    if meta.get("version") != _version():
        return "was built by another version of itsm"
    if meta.get("commit") != commit or not all(key in meta for key in ("config", "commit_date", "derived_at")):
        return "does not say what it was built from"
    if meta.get("holidays") and meta["holidays"] != str(holiday_calendar.package_version()):
        return "was built with another version of the holidays package"
    return None


def _version() -> str:
    from itsm import __version__

    return f"{__version__}/{READMODEL_VERSION}/{VERSION}"


def _model(desk: Desk, db: sqlite3.Connection, repo: Path, commit: str, meta: dict[str, str]) -> AsOfModel:
    then = Desk(root=desk.root, config=_config(desk, meta["config"]))
    return AsOfModel(then, db, f"asof:{commit}", repo, commit)


def _config(desk: Desk, stored: str) -> settings.Config:
    """The config the commit's itsm.yaml gives (stored as hex: its bytes, exactly)."""
    if stored == _NO_CONFIG:
        return config_mod.default_config()
    return config_mod.from_bytes(bytes.fromhex(stored), desk.root)


# Set in the parent before the workers fork (itsm/core/parallel.py): what `_row_in_worker` needs.
_WORK: tuple[Desk, datetime, list[tuple[str, str, bytes | str]]] | None = None


def _row_in_worker(index: int) -> tuple[tuple[Any, ...], str | None]:
    """The row of the index-th record file, and the time of its ticket's last entry."""
    assert _WORK is not None
    desk, now, items = _WORK
    rel, kind, data = items[index]
    if isinstance(data, str):
        return error_row(rel, kind, markdown.RecordError(data, None, rel)), None
    try:
        text = _text_of(rel, data)
    except markdown.RecordError as exc:
        return error_row(rel, kind, exc), None
    row = row_of_text(desk, rel, kind, text, now)
    latest = None
    if kind == "ticket" and row[COLUMNS.index("error")] is None:  # no error: the timeline is in the JSON
        times = [entry["time"] for entry in json.loads(row[COLUMNS.index("json")])["timeline"]
                 if isinstance(entry.get("time"), str)]
        latest = max(times, default=None)
    return row, latest


def _text_of(rel: str, data: bytes) -> str:
    """A blob's text, refused as `Desk.read_text` refuses a file (same messages)."""
    if len(data) > markdown.MAX_FILE_BYTES:
        raise markdown.RecordError(f"file is larger than {fileio.describe_size(markdown.MAX_FILE_BYTES)}", None, rel)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise markdown.RecordError("not UTF-8 text", data.count(b"\n", 0, exc.start) + 1, rel) from None


def _built(desk: Desk, repo: Path, commit: str, when: datetime | None, path: Path | None,
           progress: Progress | None) -> AsOfModel:
    """Build the model of `commit` from git's objects: aside, then swapped in at `path`
    (in memory when `path` is None, or when writing it fails)."""
    global _WORK
    prefix = _prefix(desk, repo)
    config_path = f"{prefix}{settings.CONFIG_FILE}"
    try:
        entries = gitio.tree_files(repo, commit, [*(prefix + name for name in FOLDERS.values()), config_path])
        commit_date = gitio.commit_date(repo, commit)
    except gitio.GitError as exc:
        raise UsageError(f"cannot read commit {commit[:10]} from git: {exc}",
                         hint="run `git fsck`; a shallow clone needs `git fetch --unshallow`") from None
    config_entry = next((e for e in entries if e.path == config_path), None)
    files = {e.path[len(prefix):]: e for e in entries if e.path != config_path}
    wanted = [(rel, kind) for rel in files if (kind := cache_state.kind_of(rel)) is not None]
    order = {kind: i for i, kind in enumerate(FOLDERS)}
    wanted.sort(key=lambda item: (order[item[1]], Path(item[0]).parent.name, Path(item[0]).name))
    # Every blob in one `cat-file --batch`: the records (a link's target instead of the link
    # when the target is a record file of the commit) and itsm.yaml.
    sources: list[tuple[str, str, TreeEntryOrError]] = [(rel, kind, _source(rel, files, prefix)) for rel, kind in wanted]
    shas = sorted({s.sha for _, _, s in sources if isinstance(s, gitio.TreeEntry)})
    if config_entry is not None and config_entry.mode != "120000":
        shas.append(config_entry.sha)
    try:
        contents = dict(zip(shas, gitio.blobs(repo, shas), strict=True))
    except gitio.GitError as exc:
        raise UsageError(f"cannot read commit {commit[:10]}'s files from git: {exc}",
                         hint="run `git fsck`; a shallow clone needs `git fetch --unshallow`") from None
    stored_config = _NO_CONFIG
    if config_entry is not None:
        data = contents.get(config_entry.sha) if config_entry.mode != "120000" else None
        # A link cannot be followed into a past tree's other files: read as a file that is no config.
        stored_config = (data if data is not None else b"\0").hex()
    then = Desk(root=desk.root, config=_config(desk, stored_config))
    now = when or timeutil.parse(commit_date)
    items: list[tuple[str, str, bytes | str]] = []
    for rel, kind, source in sources:
        if isinstance(source, str):
            items.append((rel, kind, source))
        else:
            blob = contents.get(source.sha)
            items.append((rel, kind, blob if blob is not None else "cannot read: not in git's objects"))
    db, fresh = _new_db(path)
    _WORK = (then, now, items)
    latest = ""
    try:
        db.executescript(_SCHEMA)
        db.execute("BEGIN")
        small: list[tuple[Any, ...]] = []
        bodies: list[tuple[Any, ...]] = []
        for n, (row, last) in enumerate(parallel.mapped(_row_in_worker, range(len(items)), progress), 1):
            record_part, body_part = split_row(n, row)
            small.append(record_part)
            bodies.append(body_part)
            if last is not None and last > latest:
                latest = last
            if len(small) >= 1000:
                db.executemany(_INSERT_RECORD, small)
                db.executemany(_INSERT_BODY, bodies)
                small.clear()
                bodies.clear()
        db.executemany(_INSERT_RECORD, small)
        db.executemany(_INSERT_BODY, bodies)
        hours = then.config.business_hours
        region = hours.holidays.region if hours is not None else None
        meta = {"version": _version(), "commit": commit, "commit_date": commit_date, "config": stored_config,
                "holidays": str(holiday_calendar.package_version()) if region is not None else "",
                "derived_at": timeutil.format(now), "latest": latest}
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
        db.commit()
    except BaseException:
        db.close()
        if fresh is not None:
            with contextlib.suppress(FileNotFoundError):
                fresh.unlink()
        raise
    finally:
        _WORK = None
    if fresh is not None and path is not None:
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)  # something else in the cache's place: a cache too
            os.replace(fresh, path)  # over a link, the link itself is replaced: never written through
        except OSError as exc:
            warn(f"the as-of read model cannot be kept in {fileio.CACHE_DIR}/{FOLDER}/ ({reason_of(exc)})")
    return AsOfModel(then, db, f"asof:{commit}", repo, commit)


TreeEntryOrError = gitio.TreeEntry | str


def _source(rel: str, files: dict[str, gitio.TreeEntry], prefix: str) -> TreeEntryOrError:
    """Where a record file's text is in the commit: its blob, or why it is not read."""
    entry = files[rel]
    if entry.mode == "160000":
        return "not a regular file (a submodule); only files are records"
    if entry.mode == "120000":
        # A checkout would follow a link that stays inside the desk; at a past commit the
        # link is named as a fault instead (`itsm check` names links too).
        return "is a symbolic link; a past commit's links are not followed"
    return entry


def _new_db(path: Path | None) -> tuple[sqlite3.Connection, Path | None]:
    """A database to build into: `<path>.new-PID` (swapped in when complete), or memory."""
    if path is not None:
        _remove_leftovers(path.parent)
        fresh = path.with_name(f"{path.name}.new-{os.getpid()}")
        try:
            with contextlib.suppress(FileNotFoundError):
                fresh.unlink()
            db = connect(fresh)
            # Nothing reads the file before it is complete and renamed: no journal needed.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            return db, fresh
        except (sqlite3.Error, OSError) as exc:
            warn(f"the as-of read model cannot be kept in {fileio.CACHE_DIR}/{FOLDER}/ ({reason_of(exc)}); "
                 "building it in memory")
    return sqlite3.connect(":memory:", isolation_level=None), None


def _rederive_if_needed(model: AsOfModel, meta: dict[str, str], when: datetime) -> None:
    """The facts were derived at the instant of the call that built the model. They are the
    same at any instant after the commit's last timeline entry (a ticket no longer open has
    stopped clocks); only when one of the two instants comes before that entry (a timeline
    dated after its commit) are they derived afresh at `when`, from the stored records."""
    asked = timeutil.format(when)
    latest = meta.get("latest", "")
    if asked == meta["derived_at"] or not latest or (latest <= asked and latest <= meta["derived_at"]):
        return
    db = model.db
    db.execute("BEGIN IMMEDIATE")
    try:
        found = db.execute("SELECT b.n, b.json FROM records r JOIN bodies b ON b.n = r.n"
                           " WHERE r.kind = 'ticket' AND r.error IS NULL").fetchall()
        for n, text in found:
            ticket = decode("ticket", text)
            assert isinstance(ticket, Ticket)
            db.execute("UPDATE bodies SET facts = ? WHERE n = ?", (json.dumps(derive(ticket, model.desk, when)), n))
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('derived_at', ?)", (asked,))
        db.commit()
    except BaseException:
        db.rollback()
        raise
    meta["derived_at"] = asked


def _evict(folder: Path, keep: Path) -> None:
    """Keep the `KEEP` most recently used as-of caches (by modification time: each use
    touches its file); the others are removed (a reader that has one open keeps reading)."""
    try:
        found = [entry for entry in os.scandir(folder) if _FILE_RE.match(entry.name) and entry.is_file()]
        found.sort(key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for entry in found[KEEP:]:
        if entry.path != str(keep):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _remove_leftovers(folder: Path) -> None:
    """Half-built models of processes that were killed (`<commit>.sqlite.new-PID`)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _LEFTOVER_RE.match(entry.name)
            if match and int(match.group(1)) != os.getpid() and not fileio.process_alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _prefix(desk: Desk, repo: Path) -> str:
    """The desk's folder inside the repository, with a trailing slash ('' at the top)."""
    inside = desk.root.resolve().relative_to(repo.resolve()).as_posix()
    return "" if inside == "." else inside + "/"

