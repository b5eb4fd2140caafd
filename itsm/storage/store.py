"""The desk on disk: finding it, finding records, reading them, and writing them safely.

Writes are atomic (a temporary file, fsync, then rename), new files are created exclusively
(never overwriting a record minted at the same moment), and one lock per desk is held across
read-modify-write and the git commit, so parallel `itsm` processes never lose an update or
trip over git's `index.lock`.

A write first checks the world it writes into, and refuses (changing nothing) when it is not
what it seems: a folder on the way that is a symbolic link, a repository in the middle of a
merge, a record with someone's uncommitted edit, a result the readers would refuse.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from itsm.config import loading as config_mod
from itsm.config import settings
from itsm.config.settings import Config
from itsm.core import fileio, ids, timeutil
from itsm.core.errors import UsageError
from itsm.core.fileio import atomic_write
from itsm.core.model import Article, Problem, Record, Ticket
from itsm.core.terminal import warn
from itsm.records import markdown, shape
from itsm.storage import gitio

FOLDERS = {"ticket": "tickets", "problem": "problems", "kb": "kb"}
LOCK_TIMEOUT_SECONDS = 60.0


@dataclass
class Desk:
    root: Path
    config: Config
    _listing: dict[str, dict[str, Path]] = field(default_factory=dict, repr=False)
    _linked_out: set[Path] = field(default_factory=set, repr=False)  # folders linked out of the desk
    # What one command learnt about the desk and may reuse (itsm/storage/cache_state.py: git's view of
    # the files, asked once for every cache); forgotten when the desk may have changed.
    memo: dict[str, object] = field(default_factory=dict, repr=False)

    # -- finding the desk -------------------------------------------------------------

    @classmethod
    def discover(cls, explicit: Path | None = None, start: Path | None = None) -> Desk:
        """`--desk`, else `$ITSM_DESK`, else the nearest folder upward with itsm.yaml or tickets/."""
        chosen = explicit or (Path(os.environ["ITSM_DESK"]) if os.environ.get("ITSM_DESK") else None)
        if chosen is not None:
            root = resolved(chosen.expanduser()) or chosen
            if not root.is_dir():
                raise UsageError(f"desk folder '{chosen}' does not exist", hint="run `itsm init PATH` to make one")
            if not (root / settings.CONFIG_FILE).is_file() and not (root / "tickets").is_dir():
                raise UsageError(
                    f"'{chosen}' is not a desk (no itsm.yaml, no tickets/)", hint=f"run `itsm init {chosen}`"
                )
            return cls.open(root)
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / settings.CONFIG_FILE).is_file() or (folder / "tickets").is_dir():
                return cls.open(folder)
        raise UsageError(
            "no desk here (no itsm.yaml or tickets/ in this folder or above)",
            hint="run `itsm init`, or pass --desk PATH or set ITSM_DESK",
        )

    @classmethod
    def open(cls, root: Path) -> Desk:
        return cls(root=root, config=config_mod.load(root))

    def folder(self, kind: str) -> Path:
        return self.root / FOLDERS[kind]

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # -- where records live ----------------------------------------------------------------

    def path_for(self, record: Record) -> Path:
        """Tickets are filed by month of creation (SPEC: git slows on huge folders)."""
        if isinstance(record, Ticket):
            return self.folder("ticket") / record.created[:7] / f"{record.id}.md"
        return self.folder(record.kind) / f"{record.id}.md"

    def listing(self, kind: str) -> dict[str, Path]:
        """ID -> path for every record file of a kind (names only; nothing is parsed).

        Two files with the same ID keep the first in sorted order; `itsm check` names both.
        """
        if kind not in self._listing:
            found: dict[str, Path] = {}
            for path in self.record_files(kind):
                found.setdefault(path.stem, path)
            self._listing[kind] = found
        return self._listing[kind]

    def _record_folders(self, kind: str) -> list[Path]:
        """The folders holding a kind's records (a ticket's month folders), in order; any
        linked out of the desk is remembered so its files are never read."""
        base = self.folder(kind)
        if not base.is_dir():
            return []
        if self._outside(base):
            self._linked_out.add(base)
        if kind != "ticket":
            return [base]
        folders = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
        self._linked_out.update(folder for folder in folders if self._outside(folder))
        return folders

    def record_files(self, kind: str) -> list[Path]:
        files: list[Path] = []
        for folder in self._record_folders(kind):
            with os.scandir(folder) as it:
                files.extend(
                    Path(e.path) for e in it
                    if e.name.endswith(".md") and not e.name.startswith(".")
                )
        return sorted(files, key=lambda p: (p.parent.name, p.name))

    def resolve(self, ref: str, kinds: tuple[str, ...] = ("ticket", "problem", "kb")) -> tuple[str, Path]:
        """The kind and file of the one record whose ID starts with what the user typed."""
        prefix, code = ids.parse_ref(ref)
        wanted_kinds = kinds
        if prefix is not None:
            kind = self.config.kind_of_prefix(prefix)
            if kind is None:
                config_mod.require_valid(self.config)  # a broken itsm.yaml may be why: say so
                known = ", ".join(sorted(set(self.config.prefixes.values())))
                raise UsageError(f"'{ref}': unknown ID prefix '{prefix}'", hint=f"this desk uses {known}")
            if kind not in kinds:
                nouns = {"ticket": "a ticket", "problem": "a problem", "kb": "a KB article"}
                raise UsageError(
                    f"'{ref}' is {nouns[kind]} ID; this command takes {' or '.join(nouns[k] for k in kinds)}"
                )
            wanted_kinds = (kind,)
        matches = [
            (kind, path.stem, path) for kind in wanted_kinds for path in self._named_like(kind, prefix, code)
        ]
        if not matches:
            where = {"ticket": "`itsm list` shows the tickets", "problem": "the problems are in problems/",
                     "kb": "the KB articles are in kb/"}
            hint = where[wanted_kinds[0]] if len(wanted_kinds) == 1 else "`itsm list` shows the tickets"
            raise UsageError(f"no record matches '{ref}'", hint=hint)
        if len(matches) > 1:
            exact = [m for m in matches if m[1].partition("-")[2] == code]
            if len(exact) != 1:
                shown = ", ".join(m[1] for m in matches[:5]) + (", ..." if len(matches) > 5 else "")
                raise UsageError(f"'{ref}' is ambiguous: {shown}", hint="type more of the ID")
            matches = exact
        kind, _, path = matches[0]
        self._check_inside(path)
        return kind, path

    def _named_like(self, kind: str, prefix: str | None, code: str) -> list[Path]:
        """Record files of a kind whose ID starts with `prefix-code` (any prefix if None).

        Compares names straight from the folder listings, building a Path only for a match:
        at 10k tickets this is several times cheaper than `listing` (which `show` and
        `diagnose` would pay on every run)."""
        if kind in self._listing:
            return [p for rid, p in self._listing[kind].items() if _id_matches(rid, prefix, code)]
        # Scandir order is the file system's; sort like `record_files` so messages are stable.
        folders = self._record_folders(kind)
        found: dict[str, Path] = {}
        # One pattern matched over each folder's names in C (`filter`): `_id_matches` as a
        # regular expression. At 100,000 tickets a Python test per name cost `show` 0.2 s.
        head = re.escape(prefix) if prefix is not None else "[^-]*"
        pattern = re.compile(rf"(?!\.){head}-{re.escape(code)}.*\.md\Z", re.DOTALL)
        for folder in folders:
            for name in filter(pattern.match, os.listdir(folder)):
                found.setdefault(name[:-3], folder / name)
        return sorted(found.values(), key=lambda p: (p.parent.name, p.name))

    def _outside(self, path: Path) -> bool:
        """A file or folder that is a symbolic link leading out of the desk is never read.

        Folders are checked when listed, so checking the file itself is enough for the
        paths `record_files` hands out; a path built elsewhere is resolved in full.
        """
        if path.parent in self._linked_out:
            return True
        if path.is_symlink():
            target = resolved(path)
            return target is None or not target.is_relative_to(self._real_root)
        return False

    @property
    def _real_root(self) -> Path:
        return self.root.resolve()

    def _check_inside(self, path: Path) -> None:
        if self._outside(path):
            raise UsageError(f"{self.relative(path)} is a link out of the desk; refusing to follow it")

    # -- reading ---------------------------------------------------------------------------

    def read_text(self, path: Path) -> str:
        """A record file's text; RecordError (naming the file) for anything that is not a
        regular UTF-8 file inside the desk of at most MAX_FILE_BYTES."""
        if self._outside(path):
            raise markdown.RecordError("is a link out of the desk; not read", None, self.relative(path))
        try:
            data = fileio.read_regular(path, markdown.MAX_FILE_BYTES)
        except fileio.FileProblem as exc:
            raise markdown.RecordError(exc.message, None, self.relative(path)) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise markdown.RecordError("not UTF-8 text", line, self.relative(path)) from None

    def read(self, path: Path, kind: str) -> Record:
        """Parse one record file; raises RecordError naming the file and line."""
        return self.parse(self.read_text(path), path, kind)

    def parse(self, text: str, path: Path, kind: str) -> Record:
        """Parse a record file's text as `read` does (the text of a past commit's file, for
        `--as-of`); raises RecordError naming the file and line."""
        record = markdown.parse(text, kind, self.relative(path))
        if record.id != path.stem:
            raise markdown.RecordError(
                f"id '{record.id}' does not match the file name", 2, self.relative(path)
            )
        return record

    def load(self, ref: str, kinds: tuple[str, ...] = ("ticket", "problem", "kb"),
             faulty: str = "warn") -> tuple[Record, Path]:
        """The record a user named; a malformed file is a refusal naming file and line.

        A record with a value readers would misread (`status: bogus`) is shown with a
        warning (`faulty="warn"`), refused for a change (`"refuse"`: the lifecycle cannot
        move a status it does not know), or taken as it is (`"accept"`: `itsm edit`, which
        is how such a value is mended)."""
        kind, path = self.resolve(ref, kinds)
        try:
            record = self.read(path, kind)
        except markdown.RecordError as exc:
            raise UsageError(str(exc), hint="fix the file by hand (`itsm check` lists every fault)") from None
        if faulty != "accept":
            problem = self.shape_problem(record, path)
            if problem is not None and faulty == "refuse":
                raise UsageError(problem, hint="mend the file first (`itsm edit`, or by hand)")
            if problem is not None:
                warn(f"{problem} (run `itsm check`)")
        return record, path

    def load_ticket(self, ref: str, faulty: str = "warn") -> tuple[Ticket, Path]:
        record, path = self.load(ref, ("ticket",), faulty)
        assert isinstance(record, Ticket)
        return record, path

    def iter_records(self, kind: str) -> Iterator[tuple[Path, Record | markdown.RecordError]]:
        """Every record of a kind, or the error that stops one file being read."""
        for path in self.record_files(kind):
            try:
                yield path, self.read(path, kind)
            except markdown.RecordError as exc:
                yield path, exc

    def records(self, kind: str) -> list[Record]:
        """Every readable record of a kind; a malformed file is skipped with a warning, and
        one with a value a reader would misread (`status: bogus`) is kept, with a warning:
        no record is ever left out silently."""
        result = []
        for path, item in self.iter_records(kind):
            if isinstance(item, markdown.RecordError):
                warn(f"skipping {item} (run `itsm check`)")
            else:
                problem = self.shape_problem(item, path)
                if problem is not None:
                    warn(f"{problem} (run `itsm check`)")
                result.append(item)
        return result

    def shape_problem(self, record: Record, path: Path, text: str | None = None) -> str | None:
        """`path:line: message` for a record whose values a reader would misread, if it has
        any; `text` is the file's, when already read (the line is found in it)."""
        faults = shape.shape_faults(record)
        if not faults:
            return None
        key, message = faults[0]
        try:
            line = markdown.key_line(text if text is not None else self.read_text(path), key)
        except markdown.RecordError:
            line = None
        where = f"{self.relative(path)}:{line}" if line else self.relative(path)
        more = f" (and {len(faults) - 1} more)" if len(faults) > 1 else ""
        return f"{where}: {message}{more}"

    def tickets(self) -> list[Ticket]:
        return [r for r in self.records("ticket") if isinstance(r, Ticket)]

    def problems(self) -> list[Problem]:
        return [r for r in self.records("problem") if isinstance(r, Problem)]

    def articles(self) -> list[Article]:
        return [r for r in self.records("kb") if isinstance(r, Article)]

    def mint_id(self, prefix: str) -> str:
        """A new ID not used by any record of this desk (random; docs/ids.md has the odds).

        Looks for the candidate's file in each folder rather than listing every record:
        about 25 month folders to probe instead of 100,000 names to read at 100k tickets.
        """
        folders = [self.folder("ticket"), *(f for kind in FOLDERS for f in self._record_folders(kind))]
        while True:
            new = ids.mint(prefix, self.config.id_length)
            if not any((folder / f"{new}.md").exists() for folder in folders):
                return new

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, for_writing: bool = True) -> Iterator[None]:
        """The desk's one writer lock, held across read-modify-write and the git commit.

        It is a `flock` on the desk folder itself: no lock file to create (a refused
        command leaves nothing behind) and none left stale when a process dies. A writer
        is refused at once while git is in the middle of a merge, rebase, cherry-pick or
        revert: a commit then would take the other side's half-merged changes with it, and
        a rollback would unstage them.
        """
        held = _held_locks()
        key = os.path.realpath(self.root)
        if key in held:
            # Already held by this thread (an ingest that looks a ticket up, then records):
            # a second flock on another descriptor would wait on itself.
            yield
            return
        if for_writing:
            self.refuse_unfinished_git()
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        note: Path | None = None
        try:
            if not fileio.flock_within(fd, LOCK_TIMEOUT_SECONDS):
                raise UsageError(f"the desk is busy: {self._lock_holder()} has held its lock for over "
                                 f"{LOCK_TIMEOUT_SECONDS:g} s", hint="wait for it to finish and try again")
            note = self._write_holder_note()
            self._listing.clear()  # another process may have added records meanwhile
            self.memo.clear()
            held.add(key)
            yield
        finally:
            held.discard(key)
            if note is not None:
                with contextlib.suppress(OSError):
                    note.unlink()  # before the lock is let go: the next holder's note is never removed
            os.close(fd)

    def _holder_note_path(self) -> Path | None:
        """Where the holder of the desk lock says who it is: in the git folder (never the
        caches' folder, which a command must not make only to wait), one name per desk."""
        repo = gitio.find_repo(self.root)
        if repo is None:
            cache = self.cache_dir(create=False)
            return cache / "lock-holder" if cache is not None else None
        where = str(self.root.relative_to(repo)) if self.root.is_relative_to(repo) else str(self.root)
        suffix = "" if where == "." else "." + hashlib.sha1(where.encode()).hexdigest()[:10]
        return gitio.git_dir(repo) / f"itsm-desk-lock{suffix}"

    def _write_holder_note(self) -> Path | None:
        """pid, start and command line of the lock's holder, for the message of a command that
        waited too long. A killed holder's note stays, but says a pid that is gone, and the
        next holder writes over it; the flock itself is let go by the kernel."""
        path = self._holder_note_path()
        if path is None:
            return None
        text = f"{os.getpid()}\n{timeutil.from_epoch(int(time.time()))}\n{' '.join(['itsm', *sys.argv[1:]])[:200]}\n"
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        except OSError:
            return None  # the note is a courtesy: a read-only git folder does not stop a reader
        try:
            os.write(descriptor, text.encode("utf-8", "replace"))
        except OSError:  # a full disk: no note, and none half-written
            os.close(descriptor)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        os.close(descriptor)
        return path

    def _lock_holder(self) -> str:
        path = self._holder_note_path()
        try:
            text = path.read_text(encoding="utf-8", errors="replace") if path is not None else ""
        except OSError:
            text = ""
        pid, since, command = [*text.split("\n"), "", ""][:3]
        if not pid.isdigit() or not fileio.process_alive(int(pid)):
            return "another itsm command"
        return f"itsm process {pid} (`{command}`, since {since})"

    def transaction(self, actor: str, message: str, commit: bool = True) -> Transaction:
        """Writes that land together (inside `lock()`, which looked at git's state)."""
        return Transaction(self, actor, message, commit, gitio.find_repo(self.root))

    def check_before_change(self, path: Path, actor: str, commit: bool) -> None:
        """Everything a change of `path` will be refused for, checked up front — for a
        command that asks a person for input first (`itsm edit`), so no work is lost."""
        self.refuse_unfinished_git()
        self.check_writable(path)
        if commit:
            self.refuse_uncommitted(path, actor)

    def refuse_uncommitted(self, path: Path, actor: str) -> None:
        """A record someone changed by hand (or a crashed command left behind) and did not
        commit would be swept into this commit, under this actor's name: refuse instead."""
        repo = gitio.find_repo(self.root)
        if repo is None:
            return
        try:
            found = gitio.uncommitted(repo, [path])
        except gitio.GitError as exc:
            raise UsageError(f"git status failed: {exc}", hint="fix the repository and try again") from None
        if found:
            rel = self.relative(path)
            killed = self._interrupted_write(repo, path)
            if killed is not None:
                item, as_written, as_in_head = killed
                if as_in_head:
                    return  # committed by its own orphaned `git commit`; only the index lags (mended by this commit)
                if as_written:
                    keep = f'git commit --author="{item.actor} <>" -m "{item.subject}" -- {rel}'
                    drop = (f"git checkout HEAD -- {rel}" if found[0][0] != "??" else f"rm {rel}")
                    # git itself refuses to commit or check out while the killed command's
                    # index.lock is there: the fix must say how to clear it first.
                    first = ("run `itsm check --fix` (it removes the killed command's .git/index.lock), then "
                             if gitio.stale_index_lock(repo) is not None else "")
                    raise UsageError(
                        f"{rel} holds the uncommitted change of an itsm command that was killed before its "
                        f"commit ({item.subject!r} by {item.actor}, {item.since}); itsm will not commit it "
                        f"under {actor}'s name",
                        hint=f"{first}keep it ({keep}) or drop it ({drop}), then try again")
            if found[0][0] == "??":
                state, fix = "is not committed yet", f"commit it (git add {rel} && git commit) or remove it"
            else:
                # `checkout HEAD --` puts back the index too: a staged change is discarded as well.
                state = "has changes that are not committed"
                fix = f"commit it (git commit -- {rel}) or discard it (git checkout HEAD -- {rel})"
            raise UsageError(f"{rel} {state}; itsm will not commit someone else's edit under {actor}'s name",
                             hint=f"{fix}, or use --no-commit")

    def _interrupted_write(self, repo: Path, path: Path) -> tuple[gitio.Interrupted, bool, bool] | None:
        """The killed itsm command that wrote `path` and never committed it, if any, with
        whether the file is still exactly what it wrote, and whether HEAD holds it already."""
        rel = str(path.relative_to(repo))
        for item in gitio.interrupted_writes(repo):
            if rel in item.written:
                try:
                    data = path.read_bytes()
                except OSError:
                    return item, False, False
                as_in_head = gitio.texts_at(repo, "HEAD", [rel]).get(rel) == data.decode("utf-8", "replace")
                return item, hashlib.sha256(data).hexdigest() == item.written[rel], as_in_head
        return None

    def refuse_unfinished_git(self) -> None:
        refuse_unfinished_git(self.root)

    # -- the world a write goes into --------------------------------------------------------

    def check_writable(self, path: Path) -> None:
        """Refuse a write whose way from the desk down to `path` passes a symbolic link (it
        would land wherever the link points, maybe outside the desk, and git cannot commit
        through it) or whose target is not a regular file."""
        current = self.root
        for part in path.relative_to(self.root).parts:
            current = current / part
            try:
                info = os.lstat(current)
            except FileNotFoundError:
                return  # from here on, the write makes real folders
            rel = self.relative(current)
            if stat.S_ISLNK(info.st_mode):
                raise UsageError(
                    f"{rel} is a symbolic link; itsm writes only into real folders and files of the desk",
                    hint=f"replace {rel} by a real folder (or remove the link), then try again",
                )
            if current != path and not stat.S_ISDIR(info.st_mode):
                raise UsageError(f"{rel} is a {fileio.kind_of(info.st_mode)}, not a folder",
                                 hint=f"move {rel} out of the way, then try again")
            if current == path and not stat.S_ISREG(info.st_mode):
                raise UsageError(f"{rel} is a {fileio.kind_of(info.st_mode)}, not a record file",
                                 hint=f"move {rel} out of the way, then try again")

    def cache_dir(self, create: bool = True) -> Path | None:
        """`.itsm/`, the caches' folder (fileio.cache_folder): None if there is none yet and
        `create` is false; a refusal if something other than a real folder is there."""
        return fileio.cache_folder(self.root, create)

    def leftover_files(self) -> list[Path]:
        """Temporary files of writes that never finished (their process is gone): they are
        made at the top of tickets/, problems/ and kb/, so three small folders tell."""
        found = []
        for kind in FOLDERS:
            folder = self.folder(kind)
            if folder.is_dir() and not folder.is_symlink():
                found.extend(fileio.leftovers(folder))
        return found


# Called after every successful write of records, inside `after_writes`.
_AFTER_WRITE: list[Callable[[Desk], None]] = []


_THREAD = threading.local()


def _held_locks() -> set[str]:
    """The desks whose lock this thread holds (`Desk.lock` nests within one thread)."""
    if not hasattr(_THREAD, "held"):
        _THREAD.held = set()
    held: set[str] = _THREAD.held
    return held


@contextlib.contextmanager
def after_writes(*hooks: Callable[[Desk], None]) -> Iterator[None]:
    """Within the block, every write of records is followed by `hooks` (the CLI's: the read
    model and the search index catch up, so the store itself never imports them). Scoped, not
    registered for good: a library call outside a command runs no hook, whatever ran before."""
    added = [hook for hook in hooks if hook not in _AFTER_WRITE]
    _AFTER_WRITE.extend(added)
    try:
        yield
    finally:
        for hook in added:
            _AFTER_WRITE.remove(hook)


def run_after_write(desk: Desk) -> None:
    """What follows a write of records (the caches catch up), for changes made by git itself
    (`itsm sync`'s merge)."""
    for hook in _AFTER_WRITE:
        hook(desk)


def resolved(path: Path) -> Path | None:
    """Where a path leads, or None for a link that loops (Path.resolve raises RuntimeError)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return None


def refuse_unfinished_git(folder: Path) -> None:
    """Refuse while the repository holding `folder` waits for a person to finish a merge,
    rebase, cherry-pick or revert, saying how to finish or undo it."""
    repo = gitio.find_repo(folder)
    if repo is None:
        return
    unfinished = gitio.unfinished_operation(repo)
    if unfinished is not None:
        raise UsageError(f"{unfinished.what} is in progress in this repository; itsm writes nothing until it ends",
                         hint=unfinished.how)


class Transaction:
    """Writes that land together: files replaced atomically, then one commit.

    Every write is checked first: what the readers would refuse (size), a symbolic link on
    the way, a record with changes nobody committed. If anything fails — a check, the disk,
    the commit — every file is put back as it was, by renaming the original (kept aside as
    a hard link, so even a full disk cannot stop it), so a failed command changes nothing.
    Use inside `Desk.lock()`.
    """

    def __init__(self, desk: Desk, actor: str, message: str, commit: bool, repo: Path | None = None) -> None:
        self.desk = desk
        self.actor = actor
        self.message = message
        self.commit = commit
        self.repo = repo
        # path -> None (made by this transaction), a kept-aside link, or the original bytes.
        self._originals: dict[Path, Path | bytes | None] = {}
        # `.git/itsm-write.<pid>`: the files written, named before each is written, until the
        # commit is made — what the next command tells about this one if it is killed.
        self._journal: Path | None = None

    def write(self, record: Record, path: Path | None = None, create: bool = False) -> Path:
        path = path or self.desk.path_for(record)
        rel = self.desk.relative(path)
        text = markdown.render(record)
        problem = markdown.size_problem(text)
        if problem is not None:
            raise UsageError(f"{record.id} not saved: {problem}",
                             hint="keep long logs and dumps outside the record (a file share) and note where they are")
        self.desk.check_writable(path)
        if self.commit and not create and path not in self._originals:
            self.desk.refuse_uncommitted(path, self.actor)
        temp_dir = self.desk.folder(record.kind)
        original: Path | bytes | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not create and path not in self._originals:
                original = fileio.keep_aside(path, temp_dir) or path.read_bytes()
            if self.commit and self.repo is not None:
                if self._journal is None:
                    self._journal = gitio.begin_journal(self.repo, self.actor, self.message)
                gitio.journal_write(self._journal, self.repo, path, text.encode("utf-8"))
            fileio.atomic_write(path, text, create=create, temp_dir=temp_dir)
        except FileExistsError:
            raise
        except OSError as exc:
            if isinstance(original, Path):
                with contextlib.suppress(OSError):
                    os.unlink(original)
            raise UsageError(f"cannot write {rel}: {exc.strerror}; nothing was changed",
                             hint=fileio.os_hint(exc)) from None
        # Registered only once written: a create that lost a race must not delete the winner.
        self._originals.setdefault(path, original)
        return path

    def add_file(self, path: Path, data: bytes) -> Path:
        """A new file that is not a record (an e-mail's attachment), written and committed
        with the records; the same checks, the same rollback. FileExistsError if taken."""
        rel = self.desk.relative(path)
        self.desk.check_writable(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if self.commit and self.repo is not None:
                if self._journal is None:
                    self._journal = gitio.begin_journal(self.repo, self.actor, self.message)
                gitio.journal_write(self._journal, self.repo, path, data)
            fileio.atomic_write(path, data, create=True)
        except FileExistsError:
            raise
        except OSError as exc:
            raise UsageError(f"cannot write {rel}: {exc.strerror}; nothing was changed",
                             hint=fileio.os_hint(exc)) from None
        self._originals.setdefault(path, None)
        return path

    def _sweep(self) -> None:
        """Remove what killed or crashed writes left behind (their processes are gone) — only
        once this command's own change is done: a refusal changes nothing, garbage included."""
        for leftover in self.desk.leftover_files():
            with contextlib.suppress(OSError):
                leftover.unlink()

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.rollback()
            return
        self._commit()
        self._end_journal()
        self._discard_kept()
        self.desk.memo.clear()  # the files and HEAD moved: the caches must ask git again
        if self._originals:
            self._sweep()
            run_after_write(self.desk)

    def _commit(self) -> None:
        if not self.commit or not self._originals:
            return
        repo = self.repo
        if repo is None:
            warn("the desk is not in a git repository: changes are not committed (run `git init`)")
            return
        paths = list(self._originals)
        try:
            gitio.commit(repo, paths, self.message, self.actor)
        except gitio.GitError as exc:
            problems = self.rollback()
            hint = "fix the repository (or use --no-commit) and try again"
            if "index.lock" in exc.stderr:
                hint = "another git command is running, or one crashed: if none runs, delete .git/index.lock"
            if problems:
                raise UsageError(f"git commit failed: {exc}; {problems}", hint=hint) from None
            raise UsageError(f"git commit failed, nothing was changed: {exc}", hint=hint) from None
        except OSError as exc:  # itsm's own part of the commit (the index copy) met the disk
            problems = self.rollback()
            what = f"cannot commit ({exc.filename}: {exc.strerror})"
            raise UsageError(f"{what}; {problems}" if problems else f"{what}; nothing was changed",
                             hint=fileio.os_hint(exc)) from None

    def rollback(self) -> str:
        """Put every written file back; returns what could not be put back (or "")."""
        failed = []
        for path, original in self._originals.items():
            try:
                if original is None:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                    with contextlib.suppress(OSError):
                        path.parent.rmdir()  # only if the write made it and it is empty
                elif isinstance(original, Path):
                    os.replace(original, path)
                else:
                    atomic_write(path, original.decode("utf-8"))
            except OSError as exc:
                failed.append(f"{self.desk.relative(path)} ({exc.strerror})")
        self._originals.clear()
        if not failed:
            self._end_journal()  # every file is as it was: nothing to tell the next command
            return ""
        message = f"could not put back {', '.join(failed)}: restore with git checkout HEAD -- <file>"
        warn(message)
        return message

    def _end_journal(self) -> None:
        if self._journal is not None:
            with contextlib.suppress(OSError):
                self._journal.unlink()
            self._journal = None

    def _discard_kept(self) -> None:
        for original in self._originals.values():
            if isinstance(original, Path):
                with contextlib.suppress(OSError):
                    os.unlink(original)


def _id_matches(record_id: str, prefix: str | None, code: str) -> bool:
    head, _, tail = record_id.partition("-")
    return tail.startswith(code) and (prefix is None or head == prefix)
