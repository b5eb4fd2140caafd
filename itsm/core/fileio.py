"""The file-system primitives every write and read of a desk goes through.

- `read_regular`: only a regular file is read (a FIFO named like a record would block a
  reader forever, a device would never end), and its size is checked with `fstat` before a
  byte is read, against the same limits the writers enforce.
- `atomic_write`: a temporary file, fsync, then a rename over the target (or a hard link
  for a new file, so a record minted at the same moment is never overwritten).
- Temporary files are named `.<target>.<pid>.<random>.tmp`, so whoever finds one later
  can tell whether the process that made it is still running.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import tempfile
import time
from pathlib import Path

from itsm.core.errors import UsageError

_UMASK = os.umask(0)
os.umask(_UMASK)

CACHE_DIR = ".itsm"  # the desk's caches: the search index, the holiday calendar; never committed

# `.INC-7QK3F2.md.4242.k3j9x2.tmp` (this version) or `.INC-7QK3F2.md.k3j9x2.tmp` (earlier ones).
LEFTOVER_RE = re.compile(r"^\..+?\.md\.(?:(\d+)\.)?[A-Za-z0-9_]+\.tmp\Z")


class FileProblem(ValueError):
    """A file that cannot be read as a record or config: `message` says why, in a few words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; FileProblem otherwise.

    O_NONBLOCK makes opening a FIFO return at once (instead of waiting for a writer), so it
    can be told apart by `fstat`; regular files ignore the flag.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise FileProblem(f"cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(f"not a regular file (a {kind_of(info.st_mode)}); only files are records")
        if info.st_size > limit:
            raise FileProblem(f"file is larger than {describe_size(limit)}")
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise FileProblem(f"file is larger than {describe_size(limit)}")
        return b"".join(chunks)
    except OSError as exc:
        raise FileProblem(f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


_OS_HINTS = {
    errno.ENOSPC: "free some disk space and try again",
    errno.EDQUOT: "free some of your disk quota and try again",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "check the permissions",
    errno.EPERM: "check the permissions",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENOENT: "check the path",
    errno.ENAMETOOLONG: "use a shorter path",
}


def os_hint(exc: OSError) -> str:
    """How to fix what the file system said: the environment, never a bug of itsm's."""
    return _OS_HINTS.get(exc.errno or 0, "check the path and the file system")


def kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISLNK, "symbolic link")):
        if test(mode):
            return name
    return "special file"


def describe_size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def temp_prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def atomic_write(path: Path, text: str | bytes, create: bool = False, temp_dir: Path | None = None) -> None:
    """Replace `path` with `text` (or bytes, written as they are) atomically; with `create`,
    fail if it already exists.

    The temporary file is made in `temp_dir` (default: the target's folder), which must be on
    the same file system. Missing folders on the way are made (callers that must not write
    through a symbolic link check the way first: `Desk.check_writable`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = temp_dir or path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=temp_prefix(path), suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            _put_in_place(tmp, path, create)
        except OSError as exc:
            if exc.errno != errno.EXDEV or temp_dir is None:
                raise
            os.unlink(tmp)  # another file system: write beside the target instead
            atomic_write(path, text, create)
            return
        fsync_folder(path.parent)
        if folder != path.parent:
            fsync_folder(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _put_in_place(tmp: str, path: Path, create: bool) -> None:
    if create:
        os.link(tmp, path)  # fails with FileExistsError instead of overwriting
        os.unlink(tmp)
    else:
        os.replace(tmp, path)


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def keep_aside(path: Path, folder: Path) -> Path | None:
    """A hard link to `path`'s current content under a temporary name in `folder`: putting it
    back later is a rename, which needs no free space (a full disk cannot stop a rollback).
    None where the file system has no hard links."""
    aside = folder / f"{temp_prefix(path)}{os.urandom(4).hex()}.tmp"
    try:
        os.link(path, aside)
    except OSError:
        return None
    return aside


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def leftovers(folder: Path) -> list[Path]:
    """Temporary files in `folder` left by itsm processes that are gone (crashed or killed)."""
    found = []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        match = LEFTOVER_RE.match(name)
        if match and (match.group(1) is None or not process_alive(int(match.group(1)))):
            found.append(folder / name)
    return found


def cache_folder(root: Path, create: bool = True) -> Path | None:
    """`.itsm/` in the desk at `root`, the caches' folder: a real folder inside the desk, made
    by itsm (None if there is none yet and `create` is false).

    A clone can receive a committed symlink named `.itsm` (`.gitignore` cannot stop a forced
    add): following it would let a cache rebuild move and delete a folder anywhere the link
    points. So a link, a file or anything else there is a refusal (UsageError)."""
    path = root / CACHE_DIR
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not create:
            return None
        try:
            os.mkdir(path)
        except FileExistsError:
            return cache_folder(root, create)
        except OSError as exc:
            raise UsageError(f"cannot make {CACHE_DIR}/: {exc.strerror}",
                             hint="the desk folder must be writable for the caches") from None
        with contextlib.suppress(FileExistsError):
            fd = os.open(path / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("*\n")  # the caches are never committed, whatever .gitignore says
        return path
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(
            f"{CACHE_DIR} is a symbolic link; the caches live only in a real folder inside the desk",
            hint=f"remove the link (rm {CACHE_DIR}; it is only a cache) and run the command again",
        )
    if not stat.S_ISDIR(info.st_mode):
        raise UsageError(
            f"{CACHE_DIR} is a {kind_of(info.st_mode)}, not the caches' folder",
            hint=f"remove it (rm {CACHE_DIR}; itsm makes the folder itself) and run the command again",
        )
    return path


def flock_within(descriptor: int, seconds: float) -> bool:
    """Take an exclusive `flock` on an open file or folder, waiting up to `seconds` for another
    process to let it go (it is polled, so Ctrl-C still stops the wait). False when it cannot be
    had: still held when the time is up, or refused by the file system."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                return False
            time.sleep(0.02)
