"""The desk on disk: finding it, finding records, reading them, and writing them safely.

Writes are atomic (a temporary file in the same folder, fsync, then rename), new files are
created exclusively (never overwriting a record minted at the same moment), and one lock per
desk is held across read-modify-write and the git commit, so parallel `itsm` processes never
lose an update or trip over git's `index.lock`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from itsm import config as config_mod
from itsm import gitio, ids, records
from itsm.config import Config
from itsm.errors import UsageError
from itsm.model import Article, Problem, Record, Ticket

FOLDERS = {"ticket": "tickets", "problem": "problems", "kb": "kb"}
CACHE_DIR = ".itsm"
LOCK_TIMEOUT_SECONDS = 60.0


def warn(message: str) -> None:
    print(f"itsm: warning: {message}", file=sys.stderr)


@dataclass
class Desk:
    root: Path
    config: Config
    _listing: dict[str, dict[str, Path]] = field(default_factory=dict, repr=False)
    _linked_out: set[Path] = field(default_factory=set, repr=False)  # folders linked out of the desk

    # -- finding the desk -------------------------------------------------------------

    @classmethod
    def discover(cls, explicit: Path | None = None, start: Path | None = None) -> Desk:
        """`--desk`, else `$ITSM_DESK`, else the nearest folder upward with itsm.yaml or tickets/."""
        chosen = explicit or (Path(os.environ["ITSM_DESK"]) if os.environ.get("ITSM_DESK") else None)
        if chosen is not None:
            root = chosen.expanduser().resolve()
            if not root.is_dir():
                raise UsageError(f"desk folder '{chosen}' does not exist", hint="run `itsm init PATH` to make one")
            if not (root / config_mod.CONFIG_FILE).is_file() and not (root / "tickets").is_dir():
                raise UsageError(
                    f"'{chosen}' is not a desk (no itsm.yaml, no tickets/)", hint=f"run `itsm init {chosen}`"
                )
            return cls.open(root)
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / config_mod.CONFIG_FILE).is_file() or (folder / "tickets").is_dir():
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
        for folder in folders:
            with os.scandir(folder) as it:
                for entry in it:
                    name = entry.name
                    if name.endswith(".md") and not name.startswith(".") and _id_matches(name[:-3], prefix, code):
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
            return not path.resolve().is_relative_to(self._real_root)
        return False

    @property
    def _real_root(self) -> Path:
        return self.root.resolve()

    def _check_inside(self, path: Path) -> None:
        if self._outside(path):
            raise UsageError(f"{self.relative(path)} is a link out of the desk; refusing to follow it")

    # -- reading ---------------------------------------------------------------------------

    def read(self, path: Path, kind: str) -> Record:
        """Parse one record file; raises RecordError naming the file and line."""
        if self._outside(path):
            raise records.RecordError("is a link out of the desk; not read", None, self.relative(path))
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise records.RecordError("not UTF-8 text", None, self.relative(path)) from None
        record = records.parse(text, kind, self.relative(path))
        if record.id != path.stem:
            raise records.RecordError(
                f"id '{record.id}' does not match the file name", 2, self.relative(path)
            )
        return record

    def load(self, ref: str, kinds: tuple[str, ...] = ("ticket", "problem", "kb")) -> tuple[Record, Path]:
        """The record a user named; a malformed file is a refusal naming file and line."""
        kind, path = self.resolve(ref, kinds)
        try:
            return self.read(path, kind), path
        except records.RecordError as exc:
            raise UsageError(str(exc), hint="fix the file by hand (`itsm check` lists every fault)") from None

    def load_ticket(self, ref: str) -> tuple[Ticket, Path]:
        record, path = self.load(ref, ("ticket",))
        assert isinstance(record, Ticket)
        return record, path

    def iter_records(self, kind: str) -> Iterator[tuple[Path, Record | records.RecordError]]:
        """Every record of a kind, or the error that stops one file being read."""
        for path in self.record_files(kind):
            try:
                yield path, self.read(path, kind)
            except records.RecordError as exc:
                yield path, exc
            except OSError as exc:
                yield path, records.RecordError(f"cannot read: {exc.strerror}", None, self.relative(path))

    def records(self, kind: str) -> list[Record]:
        """Every readable record of a kind; a malformed file is skipped with a warning."""
        result = []
        for _, item in self.iter_records(kind):
            if isinstance(item, records.RecordError):
                warn(f"skipping {item} (run `itsm check`)")
            else:
                result.append(item)
        return result

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
    def lock(self) -> Iterator[None]:
        """The desk's one writer lock, held across read-modify-write and the git commit.

        It is a `flock` on the desk folder itself: no lock file to create (a refused
        command leaves nothing behind) and none left stale when a process dies.
        """
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                        raise UsageError(
                            "the desk is busy: another itsm command has held its lock for a minute",
                            hint="wait for it to finish and try again",
                        ) from None
                    time.sleep(0.02)
            self._listing.clear()  # another process may have added records meanwhile
            yield
        finally:
            os.close(fd)

    def transaction(self, actor: str, message: str, commit: bool = True) -> Transaction:
        return Transaction(self, actor, message, commit)


# Called after every successful write of records (the CLI registers the search index here,
# so the library itself never imports whoosh).
_AFTER_WRITE: list[Callable[[Desk], None]] = []


def after_write(hook: Callable[[Desk], None]) -> None:
    if hook not in _AFTER_WRITE:
        _AFTER_WRITE.append(hook)


class Transaction:
    """Writes that land together: files replaced atomically, then one commit.

    If the commit fails, every file is put back as it was, so a failed command changes
    nothing. Use inside `Desk.lock()`.
    """

    def __init__(self, desk: Desk, actor: str, message: str, commit: bool) -> None:
        self.desk = desk
        self.actor = actor
        self.message = message
        self.commit = commit
        self._originals: dict[Path, bytes | None] = {}

    def write(self, record: Record, path: Path | None = None, create: bool = False) -> Path:
        path = path or self.desk.path_for(record)
        original = None if create else path.read_bytes()
        atomic_write(path, records.render(record), create=create)
        # Registered only once written: a create that lost a race must not delete the winner.
        self._originals.setdefault(path, original)
        return path

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.rollback()
            return
        self._commit()
        if self._originals:
            for hook in _AFTER_WRITE:
                hook(self.desk)

    def _commit(self) -> None:
        if not self.commit or not self._originals:
            return
        repo = gitio.find_repo(self.desk.root)
        if repo is None:
            warn("the desk is not in a git repository: changes are not committed (run `git init`)")
            return
        paths = list(self._originals)
        try:
            gitio.commit(repo, paths, self.message, self.actor)
        except gitio.GitError as exc:
            self.rollback()
            with contextlib.suppress(gitio.GitError):
                gitio.unstage(repo, paths)
            hint = "fix the repository (or use --no-commit) and try again"
            if "index.lock" in exc.stderr:
                hint = "another git command is running, or one crashed: if none runs, delete .git/index.lock"
            raise UsageError(f"git commit failed, nothing was changed: {exc}", hint=hint) from None

    def rollback(self) -> None:
        for path, original in self._originals.items():
            if original is None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                with contextlib.suppress(OSError):
                    path.parent.rmdir()  # only if the write made it and it is empty
            else:
                atomic_write(path, original.decode("utf-8"))


def _id_matches(record_id: str, prefix: str | None, code: str) -> bool:
    head, _, tail = record_id.partition("-")
    return tail.startswith(code) and (prefix is None or head == prefix)


_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, text: str, create: bool = False) -> None:
    """Replace `path` with `text` atomically; with `create`, fail if it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if create:
            os.link(tmp, path)  # fails with FileExistsError instead of overwriting
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
