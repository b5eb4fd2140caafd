"""Every git call `itsm` makes: the only module that runs git.

Git is the audit trail: each change to a record is one commit, authored by the actor, with
a message that starts with the record's ID and the action.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from itsm.core import fileio, timeutil
from itsm.core.terminal import for_terminal, warn


class GitError(RuntimeError):
    """git failed; the message is git's own main line of complaint, `stderr` all of it."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    date: str  # UTC, like record timestamps
    subject: str


def find_repo(start: Path) -> Path | None:
    """The top of the git work tree holding `start`, found without running git."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    # Reading commands (status, diff) must not rewrite the index to refresh its stat data:
    # a refusal leaves .git/index byte for byte as it was.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    if os.environ.get("ITSM_NOW"):
        # A pinned clock pins git's dates too, so tests and replays give stable history.
        stamp = timeutil.stamp()
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = stamp
    return env


def run(repo: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=repo, input=input, capture_output=True,
            env=env or _env(), check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")
        lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("hint:")]
        main = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines[-1:]
        raise GitError(main[0] if main else f"git {args[0]} failed ({done.returncode})", stderr)
    return done.stdout


def init(folder: Path) -> None:
    run(folder, "init", "-q")


def identity(repo: Path) -> tuple[str | None, str | None]:
    """git's configured (user.name, user.email), each None when unset."""
    try:
        out = run(repo, "config", "--get-regexp", r"^user\.(name|email)$").decode("utf-8", "replace")
    except GitError:
        return None, None
    values = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    return values.get("user.name"), values.get("user.email")


@dataclass(frozen=True)
class Unfinished:
    what: str  # "a merge"
    how: str  # how to end it


# What git leaves in its folder while an operation waits for a person, and how to end it.
_UNFINISHED = (
    ("rebase-merge", "a rebase", "finish it with `git rebase --continue`, or undo it with `git rebase --abort`"),
    ("rebase-apply/applying", "a `git am`", "finish it with `git am --continue`, or undo it with `git am --abort`"),
    ("rebase-apply", "a rebase", "finish it with `git rebase --continue`, or undo it with `git rebase --abort`"),
    ("MERGE_HEAD", "a merge", "resolve the conflicts and finish with `git merge --continue` (or `git commit`), "
                              "or undo it with `git merge --abort`"),
    ("CHERRY_PICK_HEAD", "a cherry-pick", "finish it with `git cherry-pick --continue`, or undo it with "
                                          "`git cherry-pick --abort`"),
    ("REVERT_HEAD", "a revert", "finish it with `git revert --continue`, or undo it with `git revert --abort`"),
)


def git_dir(repo: Path) -> Path:
    """The repository's git folder: `.git`, or where a worktree's `.git` file points."""
    dot_git = repo / ".git"
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            try:
                return (repo / text[len("gitdir:"):].strip()).resolve()
            except (RuntimeError, OSError):
                return dot_git
    return dot_git


def unfinished_operation(repo: Path) -> Unfinished | None:
    """A merge, rebase, cherry-pick or revert waiting for a person, or unmerged paths left by
    one (a `git stash pop` that conflicted): a commit now would take the other side's half-
    merged changes with it, under this actor's name."""
    folder = git_dir(repo)
    for name, what, how in _UNFINISHED:
        if (folder / name).exists():
            return Unfinished(what, how)
    unmerged = run(repo, "ls-files", "--unmerged", "-z")
    if unmerged:
        paths = sorted({item.split(b"\t", 1)[1].decode("utf-8", "replace") for item in unmerged.split(b"\0") if b"\t" in item})
        shown = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
        return Unfinished(f"a conflict ({shown} unmerged)",
                          "resolve the conflicts and `git add` the files, or `git checkout HEAD -- <file>` to drop them")
    return None


def uncommitted(repo: Path, paths: list[Path]) -> list[tuple[str, str]]:
    """(status, path) for each of `paths` that differs from HEAD, in the index or the work
    tree, or is not tracked at all; `git status --porcelain` codes (` M`, `M `, `??`, `UU`)."""
    return uncommitted_under(repo, [str(p.relative_to(repo)) for p in paths])


def uncommitted_under(repo: Path, scope: list[str]) -> list[tuple[str, str]]:
    """Like `uncommitted`, for every file under the repository-relative paths of `scope`."""
    out = run(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *scope)
    return [(item[:2].decode(), item[3:].decode("utf-8", "surrogateescape")) for item in out.split(b"\0") if len(item) > 3]


SUBJECT_LIMIT = 200  # a structured change (categorise with six keys) fits; a pasted log does not


def subject_of(message: str, limit: int = 0) -> str:
    """A commit subject of at most SUBJECT_LIMIT characters (or `limit`), cut at a word: the
    whole text of a 120 KB note is in the record, not in every `git log --oneline`."""
    limit = limit or SUBJECT_LIMIT
    # Shown raw by `git log` in a terminal: control characters are escaped here as well.
    line = for_terminal(" ".join(message.split("\n", 1)[0].split()), one_line=True)
    if len(line) <= limit:
        return line
    cut = line[: limit - 3]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "..."


def commit(repo: Path, paths: list[Path], message: str, actor: str) -> None:
    """Commit exactly `paths` (new or changed), authored by `actor`, touching git's index
    only if the commit is made.

    git's own protocol: whoever holds `.git/index.lock` owns the index. itsm takes it, stages
    and commits in a copy of the index, and only when the commit is made puts the copy in
    place (a rename). When git refuses (a hook, a full disk), the copy is dropped and the
    index stays byte for byte as it was; the person's own staged work is never committed
    (the commit takes only `paths`) nor unstaged.

    What an itsm process killed in here leaves is recognised by the next commit: its
    index.lock (the same file as its `itsm-lock.<pid>` marker) is removed, and index entries
    it left behind HEAD are brought up to HEAD (see `_take_index_lock`, `_after_killed_writes`).
    """
    name, email = identity(repo)
    author_email = email if (email and actor == name) else ""
    env = _env()
    if not name or email is None:
        # An unconfigured clone can still keep its audit trail: the actor commits.
        env.setdefault("GIT_COMMITTER_NAME", actor)
        env.setdefault("GIT_COMMITTER_EMAIL", author_email)
    relative = [str(p.relative_to(repo)) for p in paths]
    folder = git_dir(repo)
    index = folder / "index"
    held = _take_index_lock(folder)
    work = folder / f"{_WORK_INDEX}{os.getpid()}"
    _remove_dead_work_indexes(folder)
    try:
        try:
            shutil.copyfile(index, work)
        except FileNotFoundError:
            work.unlink(missing_ok=True)  # no index yet: git makes one
        env["GIT_INDEX_FILE"] = str(work)
        done_journals = _after_killed_writes(repo, folder, env)
        run(repo, "add", "--", *relative, env=env)
        _retry_while_git_is_busy(lambda: run(
            repo, "commit", "-q", "--no-gpg-sign", "-m", subject_of(message),
            f"--author={actor} <{author_email}>", "--", *relative, env=env))
        with open(work, "rb") as written:
            os.fsync(written.fileno())
        os.replace(work, index)  # the index is ours to replace while index.lock is held
        for journal in done_journals:
            journal.unlink(missing_ok=True)
    finally:
        _release_index_lock(held)
        work.unlink(missing_ok=True)
        Path(f"{work}.lock").unlink(missing_ok=True)


_WORK_INDEX = "itsm-index."
_LOCK_MARKER = "itsm-lock."  # `.git/itsm-lock.<pid>`: the same file as index.lock while itsm holds it
_JOURNAL = "itsm-write."  # `.git/itsm-write.<pid>`: what a command writes, until it is committed
# How long git's own locks (index.lock, a ref's lock) held by someone else are waited out: a
# person's `git commit` or an editor's git integration holds them for a moment.
GIT_LOCK_WAIT_SECONDS = 10.0
# How long a killed itsm's own `git commit`, which goes on without it, is given to finish.
ORPHAN_WAIT_SECONDS = 30.0


def _remove_dead_work_indexes(folder: Path) -> list[Path]:
    """The index copies of itsm processes that were killed in the middle of a commit."""
    removed = []
    for leftover in folder.glob(f"{_WORK_INDEX}*"):
        pid = leftover.name[len(_WORK_INDEX):].split(".", 1)[0]
        if pid.isdigit() and not fileio.process_alive(int(pid)):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


@dataclass(frozen=True)
class HeldLock:
    lock: Path  # .git/index.lock
    marker: Path | None  # .git/itsm-lock.<pid>, the same file (None where there are no hard links)


def _take_index_lock(folder: Path) -> HeldLock:
    """Take `.git/index.lock` the way git does (create it only if it does not exist), so that
    if this process is killed the next itsm can tell the lock is its own, and stale.

    The lock is made as a hard link to a marker `itsm-lock.<pid>` written first: a kill at
    any moment leaves nothing, a lone marker, or a lock and a marker that are one file (same
    inode) — a pair no other program makes. A lock held by anyone else (a person's `git
    commit`, an editor's git integration, a live itsm) is waited out for up to ten seconds,
    then reported; one this process cannot recognise is never removed."""
    lock = folder / "index.lock"
    marker = folder / f"{_LOCK_MARKER}{os.getpid()}"
    _remove_stale_index_lock(folder)  # also a marker of an earlier process that had this pid
    since = time.time()
    descriptor = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(descriptor, f"{os.getpid()} {timeutil.from_epoch(int(since))} {_command_line()}\n".encode())
    finally:
        os.close(descriptor)
    deadline = time.monotonic() + GIT_LOCK_WAIT_SECONDS
    pause = 0.02
    while True:
        try:
            os.link(marker, lock)
            return HeldLock(lock, marker)
        except FileExistsError:
            if _remove_stale_index_lock(folder, own=marker):
                continue
            if time.monotonic() > deadline:
                marker.unlink(missing_ok=True)
                raise GitError(_index_lock_message(folder, lock), f"Unable to create '{lock}': File exists. index.lock") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
        except OSError:
            marker.unlink(missing_ok=True)  # a file system without hard links: git's plain way
            return HeldLock(_create_exclusively(lock), None)


def _create_exclusively(lock: Path) -> Path:
    deadline = time.monotonic() + GIT_LOCK_WAIT_SECONDS
    while True:
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return lock
        except FileExistsError:
            if time.monotonic() > deadline:
                raise GitError(_index_lock_message(lock.parent, lock), f"Unable to create '{lock}': File exists. index.lock") from None
            time.sleep(0.1)


def _release_index_lock(held: HeldLock) -> None:
    """Lock first, marker second: a kill in between leaves a lone marker, which is garbage."""
    held.lock.unlink(missing_ok=True)
    if held.marker is not None:
        held.marker.unlink(missing_ok=True)


def _index_lock_message(folder: Path, lock: Path) -> str:
    holder = index_lock_holder(folder)
    if holder is not None:
        return f"{lock} is held by itsm process {holder} (another desk in this repository?); it did not let go in {GIT_LOCK_WAIT_SECONDS:.0f} s"
    return (f"fatal: Unable to create '{lock}': File exists (another git process seems to be running; "
            f"itsm waited {GIT_LOCK_WAIT_SECONDS:.0f} s)")


def index_lock_holder(folder: Path) -> int | None:
    """The pid of the itsm process whose marker is the same file as `.git/index.lock`, if any."""
    for marker in folder.glob(f"{_LOCK_MARKER}*"):
        pid = marker.name[len(_LOCK_MARKER):]
        if pid.isdigit() and _same_file(marker, folder / "index.lock"):
            return int(pid)
    return None


def stale_index_lock(repo: Path) -> int | None:
    """The pid of the killed itsm process whose index.lock is still there (for `itsm check`)."""
    holder = index_lock_holder(git_dir(repo))
    return holder if holder is not None and not fileio.process_alive(holder) else None


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _remove_stale_index_lock(folder: Path, own: Path | None = None) -> bool:
    """Remove the index.lock of an itsm process that was killed while holding it (its marker
    is the same file, and its pid is gone), and lone markers; True if a lock was removed.

    An itsm killed inside `git commit` leaves that git running on its own (a SIGKILL reaches
    only the process it is sent to): it is given time to finish — it holds the killed
    process's index copy's lock — so that its commit and the index agree. Cleaners take
    turns (a flock on the git folder), so one can never remove a lock another just took."""
    removed = False
    for marker in sorted(folder.glob(f"{_LOCK_MARKER}*")):
        pid = marker.name[len(_LOCK_MARKER):]
        if marker == own or not pid.isdigit():
            continue
        if int(pid) != os.getpid() and fileio.process_alive(int(pid)):
            continue
        with _cleaners_turn(folder):
            lock = folder / "index.lock"
            if _same_file(marker, lock):
                _wait_for_orphaned_git(folder, pid)
                if _same_file(marker, lock):
                    taken = marker.stat().st_mtime_ns
                    lock.unlink()
                    removed = True
                    warn(f"removed {lock.name} left by itsm process {pid}, which was killed during its commit")
                    _remove_ref_locks_made_since(folder, taken, pid)
            marker.unlink(missing_ok=True)
    return removed


def _remove_ref_locks_made_since(folder: Path, taken: int, pid: str) -> None:
    """The ref locks (`HEAD.lock`, `refs/heads/main.lock`) of the killed command's own `git
    commit`, killed with it while it moved HEAD: git never removes them, and every commit
    after would fail on them. Only locks made after the killed itsm took index.lock (`taken`,
    ns) are its git's — a commit needs index.lock, so no other git committed meanwhile — and
    its git is gone (`_wait_for_orphaned_git`); older ones are someone else's and stay."""
    locks = [folder / "HEAD.lock", *sorted((folder / "refs").rglob("*.lock"))]
    gone = []
    for ref_lock in locks:
        try:
            if ref_lock.is_file() and not ref_lock.is_symlink() and ref_lock.stat().st_mtime_ns >= taken:
                ref_lock.unlink()
                gone.append(str(ref_lock.relative_to(folder)))
        except OSError:
            continue
    if gone:
        warn(f"removed {', '.join(gone)} left by the git of itsm process {pid}, killed while it moved HEAD")


def _wait_for_orphaned_git(folder: Path, pid: str) -> None:
    """A SIGKILL reaches only the itsm process: its `git add` or `git commit` (and that
    commit's hooks) go on alone. Give them time to finish, so that what the next command
    sees — HEAD, the files — is final."""
    deadline = time.monotonic() + ORPHAN_WAIT_SECONDS
    while _orphaned_git_running(folder, pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _orphaned_git_running(folder: Path, pid: str) -> bool:
    """Whether a process still works on the index copy of itsm process `pid`: it has
    `GIT_INDEX_FILE=…/itsm-index.<pid>` in its environment (only itsm sets it so). Without
    /proc, the copy's lock (held by a running git) is the sign — also left by a killed git,
    so the wait is bounded."""
    wanted = f"/{_WORK_INDEX}{pid}".encode()
    try:
        entries = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return (folder / f"{_WORK_INDEX}{pid}.lock").exists()
    for name in entries:
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                environment = handle.read()
        except OSError:
            continue  # gone meanwhile, or someone else's
        for item in environment.split(b"\0"):
            if item.startswith(b"GIT_INDEX_FILE=") and item.endswith(wanted):
                return True
    return False


@contextlib.contextmanager
def _cleaners_turn(folder: Path) -> Iterator[None]:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _retry_while_git_is_busy(step: Callable[[], bytes]) -> bytes:
    """Run a git step, again while git says one of its locks is busy (a person's `git commit`
    holding `refs/heads/main.lock` for a moment): waited out for up to ten seconds."""
    deadline = time.monotonic() + GIT_LOCK_WAIT_SECONDS
    pause = 0.05
    while True:
        try:
            return step()
        except GitError as exc:
            if not _lock_busy(exc.stderr) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def _lock_busy(stderr: str) -> bool:
    return "cannot lock ref" in stderr or (".lock': File exists" in stderr and "Unable to create" in stderr)


def _command_line() -> str:
    args = " ".join(sys.argv[1:])
    return for_terminal(f"itsm {args}" if len(args) < 200 else f"itsm {args[:197]}...", one_line=True)


# -- a command's writes until they are committed (`.git/itsm-write.<pid>`) ----------------------


@dataclass(frozen=True)
class Interrupted:
    """What a killed itsm command had written and not committed."""

    pid: int
    actor: str
    subject: str
    since: str
    written: dict[str, str]  # repository-relative path -> sha256 of the text it wrote


def begin_journal(repo: Path, actor: str, message: str) -> Path:
    """Start the list of the files this command writes: if it is killed before its commit,
    the next command can say which files hold its change, and whose."""
    journal = git_dir(repo) / f"{_JOURNAL}{os.getpid()}"
    head = {"actor": actor, "subject": subject_of(message), "since": timeutil.from_epoch(int(time.time()))}
    try:
        journal.write_text(json.dumps(head) + "\n", encoding="utf-8")
    except OSError:
        journal.unlink(missing_ok=True)  # a full disk: nothing half-made is left
        raise
    return journal


def journal_write(journal: Path, repo: Path, path: Path, data: bytes) -> None:
    """Note a file before it is written (a kill in between leaves a name with the old file)."""
    line = json.dumps({"path": str(path.relative_to(repo)), "sha256": hashlib.sha256(data).hexdigest()})
    with open(journal, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def interrupted_writes(repo: Path) -> list[Interrupted]:
    """The journals of itsm processes that are gone (killed, or their machine stopped)."""
    found = []
    folder = git_dir(repo)
    for journal in sorted(folder.glob(f"{_JOURNAL}*")):
        pid = journal.name[len(_JOURNAL):]
        if not pid.isdigit() or int(pid) == os.getpid() or fileio.process_alive(int(pid)):
            continue
        _wait_for_orphaned_git(folder, pid)  # its commit may still land: judge the files after it
        try:
            lines = journal.read_text(encoding="utf-8", errors="replace").splitlines()
            head = json.loads(lines[0]) if lines else {}
        except (OSError, ValueError):
            head = {}
        written = {}
        for line in lines[1:]:
            try:
                entry = json.loads(line)
                written[str(entry["path"])] = str(entry["sha256"])
            except (ValueError, KeyError, TypeError):
                continue  # the last line of a process killed while writing it
        found.append(Interrupted(int(pid), str(head.get("actor", "?")), str(head.get("subject", "?")),
                                 str(head.get("since", "?")), written))
    return found


def _journal_of(repo: Path, item: Interrupted) -> Path:
    return git_dir(repo) / f"{_JOURNAL}{item.pid}"


def _after_killed_writes(repo: Path, folder: Path, env: dict[str, str]) -> list[Path]:
    """In this commit's index copy, bring back to HEAD the entries a killed itsm left behind
    it (its orphaned `git commit` moved HEAD, but the index was never put in place), and
    return the journals that are finished with: no file they name holds their uncommitted change.

    An entry is brought back only where the work tree is already what HEAD holds: the index
    then differs only because of the kill, never because a person staged something."""
    journals = interrupted_writes(repo)
    if not journals or head(repo) is None:
        return []
    paths = sorted({path for item in journals for path in item.written})
    in_head = {entry.path: entry.sha for entry in tree_files(repo, "HEAD", paths)} if paths else {}
    present = [path for path in paths if (repo / path).is_file()]
    # git's own hash of each file as it is (its filters and object format included).
    hashes = run(repo, "hash-object", "--", *present).decode().split() if present else []
    as_in_head = {path for path, sha in zip(present, hashes, strict=True) if in_head.get(path) == sha}
    if as_in_head:
        staged = set(_names(run(repo, "diff", "--cached", "--name-only", "-z", "--no-renames", "HEAD", "--",
                                *sorted(as_in_head), env=env)))
        if staged:
            run(repo, "reset", "-q", "HEAD", "--", *sorted(staged), env=env)
    # Still waiting for a person: a file that is what the killed command wrote, and not what
    # HEAD holds. A file changed since (by this command, or by hand) is no longer its change.
    return [_journal_of(repo, item) for item in journals
            if not any(path not in as_in_head and sha256_of(repo / path) == digest for path, digest in item.written.items())]


def sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _names(out: bytes) -> list[str]:
    return [name.decode("utf-8", "surrogateescape") for name in out.split(b"\0") if name]


def recover(repo: Path) -> list[Path]:
    """`itsm check --fix`: what killed itsm processes left in the git folder — a stale
    index.lock, index copies, index entries behind HEAD, finished journals — is removed or
    mended; what they wrote and never committed is left for a person (`interrupted_writes`).
    Returns the files removed."""
    folder = git_dir(repo)
    removed = []
    stale = stale_index_lock(repo)
    held = _take_index_lock(folder)
    if stale is not None:
        removed.append(held.lock)
    removed.extend(_remove_dead_work_indexes(folder))
    work = folder / f"{_WORK_INDEX}{os.getpid()}"
    try:
        env = _env()
        index = folder / "index"
        if index.exists():
            shutil.copyfile(index, work)
            env["GIT_INDEX_FILE"] = str(work)
            done = _after_killed_writes(repo, folder, env)
            os.replace(work, index)
            for journal in done:
                journal.unlink(missing_ok=True)
                removed.append(journal)
        for marker in folder.glob(f"{_LOCK_MARKER}*"):
            pid = marker.name[len(_LOCK_MARKER):]
            if pid.isdigit() and not fileio.process_alive(int(pid)) and marker != held.marker:
                marker.unlink(missing_ok=True)
    finally:
        _release_index_lock(held)
        work.unlink(missing_ok=True)
        Path(f"{work}.lock").unlink(missing_ok=True)
    return removed


def file_history(repo: Path, path: Path) -> list[tuple[Commit, str | None]]:
    """Each commit that touched `path`, oldest first, with the file's text after it."""
    relative = str(path.relative_to(repo))
    try:
        out = run(
            repo, "log", "--format=%H%x00%an%x00%ae%x00%at%x00%s", "--reverse", "--", relative,
        ).decode("utf-8", "replace")
    except GitError as exc:
        if "does not have any commits" in str(exc):
            return []
        raise
    commits = []
    for line in out.splitlines():
        sha, author, email, epoch, subject = line.split("\x00", 4)
        commits.append(Commit(sha, author, email, timeutil.from_epoch(int(epoch)), subject))
    if not commits:
        return []
    # One `cat-file --batch` process for every version, not one `git show` per commit.
    requests = "".join(f"{c.sha}:{relative}\n" for c in commits).encode()
    raw = run(repo, "cat-file", "--batch", input=requests)
    texts: list[str | None] = []
    pos = 0
    for _ in commits:
        header_end = raw.index(b"\n", pos)
        header = raw[pos:header_end].decode()
        pos = header_end + 1
        if header.endswith("missing"):
            texts.append(None)  # the commit deleted the file
            continue
        size = int(header.rsplit(" ", 1)[1])
        texts.append(raw[pos : pos + size].decode("utf-8", "replace"))
        pos += size + 1
    return list(zip(commits, texts, strict=True))


def head(repo: Path) -> str | None:
    """The commit HEAD points at, or None before the first commit."""
    try:
        return run(repo, "rev-parse", "--verify", "-q", "HEAD").decode().strip() or None
    except GitError:
        return None


def worktree_changes(repo: Path, scope: list[str], untracked: bool = True) -> list[str]:
    """Files under `scope` whose work-tree content may differ from HEAD: modified, added,
    deleted — and, with `untracked`, untracked and ignored, which a reader of the folders
    sees all the same."""
    wanted = ("--untracked-files=all", "--ignored=matching") if untracked else ("--untracked-files=no",)
    out = run(repo, "status", "--porcelain=v1", "-z", *wanted, "--no-renames", "--", *scope)
    return [item[3:].decode("utf-8", "surrogateescape") for item in out.split(b"\0") if len(item) > 3]


def untracked(repo: Path, folders: list[str]) -> list[str]:
    """Untracked and ignored files directly or deeper under `folders` (repository-relative)."""
    out = run(repo, "ls-files", "-z", "--others", "--", *folders)
    return [name.decode("utf-8", "surrogateescape") for name in out.split(b"\0") if name]


def changed_between(repo: Path, old: str, new: str, scope: list[str]) -> list[str]:
    """Files under `scope` that differ between two commits (relative to the repository)."""
    out = run(repo, "diff", "--name-only", "-z", "--no-renames", old, new, "--", *scope)
    return [name.decode("utf-8", "surrogateescape") for name in out.split(b"\0") if name]


def upstream(repo: Path) -> str | None:
    """The name of the branch the current one follows (`origin/main`), or None."""
    try:
        name = run(repo, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}").decode().strip()
    except GitError:
        return None
    return name or None


def tree_ish(repo: Path, ref: str) -> str | None:
    """The object a user's REF names, if it is a commit (or a tree, such as the empty
    tree): what `git diff` can compare the work tree with."""
    if not ref or ref.startswith("-"):  # never an option of git's
        return None
    for peel in ("^{commit}", "^{tree}"):
        try:
            return run(repo, "rev-parse", "--verify", "-q", ref + peel).decode().strip() or None
        except GitError:
            continue
    return None


def changed_since(repo: Path, rev: str, scope: list[str]) -> tuple[list[str], list[str]]:
    """(files under `scope` that differ between `rev` and the work tree: changed, added or
    deleted, committed or not; files under `scope` git does not track, not ignored).
    Paths relative to the repository."""
    from concurrent.futures import ThreadPoolExecutor  # only this reader runs two gits at once

    # Each walks the whole work tree (100,000 files on a big desk): side by side on two cores.
    with ThreadPoolExecutor(max_workers=2) as both:
        diffing = both.submit(run, repo, "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", rev, "--", *scope)
        listing = both.submit(run, repo, "ls-files", "--others", "--exclude-standard", "-z", "--", *scope)
        diffed, untracked = diffing.result(), listing.result()
    return ([name.decode("utf-8", "surrogateescape") for name in diffed.split(b"\0") if name],
            [name.decode("utf-8", "surrogateescape") for name in untracked.split(b"\0") if name])


def files_containing(repo: Path, words: list[str], scope: list[str]) -> list[str]:
    """Tracked files under `scope` whose work-tree text contains any of `words` (fixed
    strings): `git grep -l`, which reads the files on every core without parsing them."""
    found: list[str] = []
    for start in range(0, len(words), 500):  # keeps the command line short
        patterns = [arg for word in words[start:start + 500] for arg in ("-e", word)]
        try:
            out = run(repo, "grep", "-l", "-z", "-F", "--no-color", *patterns, "--", *scope)
        except GitError as exc:
            if exc.stderr.strip():
                raise
            continue  # exit 1 and nothing said: no file matched
        found.extend(name.decode("utf-8", "surrogateescape") for name in out.split(b"\0") if name)
    return sorted(set(found))


def texts_at(repo: Path, rev: str, paths: list[str]) -> dict[str, str]:
    """The text of each of `paths` at `rev` (repository-relative); a path that was not
    there is left out. One `cat-file --batch` for all of them."""
    paths = [path for path in paths if "\n" not in path]
    if not paths:
        return {}
    raw = run(repo, "cat-file", "--batch", input="".join(f"{rev}:{path}\n" for path in paths).encode())
    texts: dict[str, str] = {}
    pos = 0
    for path in paths:
        header_end = raw.index(b"\n", pos)
        header = raw[pos:header_end].decode("utf-8", "replace")
        pos = header_end + 1
        if header.endswith("missing") or header.endswith("ambiguous"):
            continue
        size = int(header.rsplit(" ", 1)[1])
        texts[path] = raw[pos : pos + size].decode("utf-8", "replace")
        pos += size + 1
    return texts


def uncommitted_tracked(repo: Path, scope: list[str]) -> list[tuple[str, str]]:
    """Like `uncommitted_under`, for tracked files only: what git does not track, a caller
    that listed it already knows, and not looking spares a walk of every folder."""
    out = run(repo, "status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames", "--", *scope)
    return [(item[:2].decode(), item[3:].decode("utf-8", "surrogateescape")) for item in out.split(b"\0") if len(item) > 3]


# -- the desk at a past commit (`--as-of`) -------------------------------------------------------


def commit_at(repo: Path, when: datetime) -> str | None:
    """The last commit of HEAD's first-parent history whose committer date is at or before
    `when` (git's `--before` compares the committer date, not the author date, and keeps a
    commit dated exactly `when`); None when there is none (or no commit at all).

    The first parent is the branch's own line: a merged branch's commits are not what the
    desk looked like then, the merge commit is."""
    epoch = int(when.timestamp() // 1)  # git's dates are whole seconds
    try:
        out = run(repo, "rev-list", "-1", "--first-parent", f"--before=@{epoch}", "HEAD", "--")
    except GitError:
        return None  # no HEAD yet
    return out.decode().strip() or None


def first_commit_date(repo: Path) -> str | None:
    """The committer date (UTC, like record timestamps) of the oldest commit git has on
    HEAD's first-parent line, or None before the first commit."""
    try:
        out = run(repo, "log", "--first-parent", "--reverse", "--format=%ct", "HEAD", "--").decode().split()
    except GitError:
        return None
    return timeutil.from_epoch(int(out[0])) if out else None


def is_shallow(repo: Path) -> bool:
    """Whether the clone lacks history (`git clone --depth`): what is missing is not there."""
    try:
        return run(repo, "rev-parse", "--is-shallow-repository").decode().strip() == "true"
    except GitError:
        return False


def commit_date(repo: Path, commit: str) -> str:
    return timeutil.from_epoch(int(run(repo, "log", "-1", "--format=%ct", commit, "--").decode().strip()))


@dataclass(frozen=True)
class TreeEntry:
    mode: str  # 100644, 100755, 120000 (a symbolic link: the blob is its target), 160000
    sha: str
    path: str  # repository-relative


def tree_files(repo: Path, commit: str, scope: list[str]) -> list[TreeEntry]:
    """The files of `commit`'s tree under the repository-relative `scope`, read from git's
    objects (no checkout, neither the work tree nor the index is touched)."""
    out = run(repo, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *scope)
    entries = []
    for item in out.split(b"\0"):
        if not item:
            continue
        info, _, name = item.partition(b"\t")
        mode, kind, sha = info.decode().split(" ")
        if kind in ("blob", "commit"):  # a file, a link, or a submodule (named as not a file)
            entries.append(TreeEntry(mode, sha, name.decode("utf-8", "surrogateescape")))
    return entries


def blobs(repo: Path, names: list[str]) -> list[bytes | None]:
    """The contents of objects (a sha, or `commit:path`), in order, None for one git does not
    have: one `git cat-file --batch` process for all of them, read as it writes (100,000
    files need not sit in memory twice)."""
    if not names:
        return []
    try:
        process = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    requests = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")

    def feed() -> None:
        assert process.stdin is not None
        try:
            process.stdin.write(requests)
        except BrokenPipeError:
            pass  # git stopped: its exit status says why
        finally:
            process.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    found: list[bytes | None] = []
    try:
        for _ in names:
            header = process.stdout.readline()
            if not header:
                break
            parts = header.rstrip(b"\n").split(b" ")
            if len(parts) != 3:  # "<name> missing", "<name> ambiguous"
                found.append(None)
                continue
            size = int(parts[2])
            data = process.stdout.read(size + 1)
            found.append(data[:size])
    finally:
        writer.join()
        process.stdout.close()
        stderr = process.stderr.read().decode("utf-8", "replace")
        process.stderr.close()
        process.wait()
    if len(found) != len(names):
        lines = [line for line in stderr.splitlines() if line.strip()]
        raise GitError(lines[0] if lines else "git cat-file stopped early", stderr)
    return found


# -- several clones: the merge driver, fetch, merge, push (`itsm setup`, `itsm sync`) ----------


def merge_file(base: str, ours: str, theirs: str) -> tuple[str, bool]:
    """git's own line-by-line three-way merge of three texts: (the result, clean?). Where
    both sides changed the same lines the result holds git's conflict markers."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="itsm-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_text(text + "\n" if text and not text.endswith("\n") else text, encoding="utf-8")
            paths.append(str(path))
        done = subprocess.run(["git", "merge-file", "-p", "-L", "ours", "-L", "ancestor", "-L", "theirs", *paths],
                              capture_output=True, env=_env(), check=False)
    if done.returncode < 0 or done.returncode > 127:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or "git merge-file failed")
    return done.stdout.decode("utf-8", "replace").rstrip("\n"), done.returncode == 0


def config_get(repo: Path, key: str) -> str | None:
    """A key of the repository's own git config (`.git/config`), or None when unset."""
    try:
        return run(repo, "config", "--local", "--get", key).decode("utf-8", "replace").strip()
    except GitError:
        return None


def config_set(repo: Path, key: str, value: str) -> None:
    run(repo, "config", "--local", key, value)


def current_branch(repo: Path) -> str | None:
    """The branch HEAD is on, or None when it is detached."""
    try:
        return run(repo, "symbolic-ref", "-q", "--short", "HEAD").decode().strip() or None
    except GitError:
        return None


def remotes(repo: Path) -> list[str]:
    return run(repo, "remote").decode("utf-8", "replace").split()


def _network_env(identity: tuple[str, str] | None = None) -> dict[str, str]:
    env = _env()
    if not os.isatty(0):
        env["GIT_TERMINAL_PROMPT"] = "0"  # a script or CI must fail, never wait for a password
    if identity is not None:
        name, email = identity
        for role in ("AUTHOR", "COMMITTER"):
            env.setdefault(f"GIT_{role}_NAME", name)
            env.setdefault(f"GIT_{role}_EMAIL", email)
    return env


def fetch(repo: Path, remote: str) -> None:
    run(repo, "fetch", "--quiet", "--no-write-fetch-head", remote, env=_network_env())


def rev(repo: Path, ref: str) -> str | None:
    """The commit `ref` names, or None."""
    try:
        return run(repo, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}").decode().strip() or None
    except GitError:
        return None


def ahead_behind(repo: Path, ref: str) -> tuple[int, int]:
    """(commits HEAD has that `ref` lacks, commits `ref` has that HEAD lacks)."""
    out = run(repo, "rev-list", "--left-right", "--count", f"HEAD...{ref}").decode().split()
    return int(out[0]), int(out[1])


def merge(repo: Path, ref: str, message: str, identity: tuple[str, str] | None) -> subprocess.CompletedProcess[bytes]:
    """`git merge` of `ref` into the current branch (the record files' merge driver does the
    records); the completed process, for the caller to read a conflict from."""
    return subprocess.run(["git", "merge", "--no-edit", "--no-gpg-sign", "-m", message, ref], cwd=repo,
                          capture_output=True, env=_network_env(identity), check=False)


def unmerged_paths(repo: Path) -> list[str]:
    out = run(repo, "diff", "--name-only", "-z", "--diff-filter=U")
    return [name.decode("utf-8", "surrogateescape") for name in out.split(b"\0") if name]


def push(repo: Path, remote: str, branch: str, set_upstream: bool) -> None:
    extra = ["--set-upstream"] if set_upstream else []
    run(repo, "push", "--quiet", *extra, remote, f"HEAD:refs/heads/{branch}", env=_network_env())
