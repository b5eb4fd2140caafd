"""What changed in the desk's record files since a cache was built: the one place that
knows, for every cache under `.itsm/` (the read model, the search index).

A cache remembers the `State` it was built at: the commit HEAD pointed at, and a stamp
(modification time in nanoseconds, size) of each record file that differed from that
commit — changed, added, deleted, untracked or ignored. Later, git says which files differ
between that commit and HEAD (`git diff --name-only`), and `git status` which differ from
HEAD now; together with the stamps that is every file whose content may have changed, so a
cache re-reads those and nothing else. When git cannot tell — the commit is gone (history
rewritten), the desk is not in git — the answer is "everything", never a guess.

Outside git every record file is stamped: a listing of the folders, which is still far
cheaper than parsing them.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsm.storage import gitio
from itsm.storage.store import FOLDERS, Desk


@dataclass(frozen=True)
class State:
    """Where the desk's record files stand: HEAD, the stamps of the files that differ from it
    (of every record file when the desk is not in git), and the modification time of each
    record folder (a file added, removed or renamed in a folder changes its time)."""

    commit: str | None
    dirty: dict[str, list[int]] = field(default_factory=dict)  # desk-relative path -> [mtime_ns, size]
    in_git: bool = True
    folders: dict[str, int] = field(default_factory=dict)  # desk-relative folder -> mtime_ns
    taken: int = 0  # when the folders' times were read (time_ns)

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "dirty": self.dirty, "in_git": self.in_git, "folders": self.folders,
                "taken": self.taken}

    @classmethod
    def from_json(cls, data: Any) -> State | None:
        """The state a cache recorded, or None when what it recorded is not one."""
        if not isinstance(data, dict):
            return None
        commit, dirty, in_git = data.get("commit"), data.get("dirty"), data.get("in_git", True)
        folders, taken = data.get("folders", {}), data.get("taken", 0)
        if not (commit is None or isinstance(commit, str)) or not isinstance(dirty, dict) or not isinstance(in_git, bool):
            return None
        if not all(isinstance(k, str) and isinstance(v, list) for k, v in dirty.items()):
            return None
        if not isinstance(folders, dict) or not all(isinstance(v, int) for v in folders.values()):
            return None
        return cls(commit, dirty, in_git, folders, taken if isinstance(taken, int) else 0)


# A folder whose time is this close to when it was read may have changed again within its
# clock's tick, unseen: it is looked at again (git's "racy" rule, for folder times).
RACY_NS = 2_000_000_000


def current(desk: Desk, known: State | None = None) -> State:
    """The desk's state now. `known`, a state a cache recorded, lets the look for untracked
    and ignored files skip the folders whose time has not changed since (at 100,000 files,
    that look is most of `git status`'s time): their untracked files are the ones `known`
    stamped, stamped again.

    Git is asked once per command (`Desk.memo`), whichever caches ask; a write forgets it
    (`store.Transaction` clears the memo before the caches catch up)."""
    repo = gitio.find_repo(desk.root)
    if repo is None:
        memo = desk.memo.get("changes.outside")
        if not isinstance(memo, State):
            memo = State(None, {rel: stamp(desk.root / rel) for rel in all_record_paths(desk)}, in_git=False)
            desk.memo["changes.outside"] = memo
        return memo
    prefix = _prefix(desk, repo)

    def desk_rel(rel: str) -> str:
        return rel[len(prefix):] if prefix and rel.startswith(prefix) else rel

    tracked = desk.memo.get("changes.tracked")
    if not isinstance(tracked, tuple):
        head = gitio.head(repo)
        changed = [desk_rel(rel) for rel in gitio.worktree_changes(repo, scope(desk, repo), untracked=False)]
        tracked = (head, changed, _folder_times(desk), time.time_ns())
        desk.memo["changes.tracked"] = tracked
    head, changed, folders, taken = tracked
    scanned: dict[str, list[str]] = desk.memo.setdefault("changes.untracked", {})  # type: ignore[assignment]
    to_scan = [folder for folder, mtime in folders.items()
               if folder not in scanned and (known is None or known.folders.get(folder) != mtime
                                             or known.taken - mtime < RACY_NS or taken - mtime < RACY_NS)]
    if to_scan:
        found = gitio.untracked(repo, [_in_repo(prefix, folder) for folder in to_scan])
        for folder in to_scan:
            scanned[folder] = []
        for rel in found:
            rel = desk_rel(rel)
            scanned.setdefault(rel.rpartition("/")[0], []).append(rel)
    dirty = {rel: stamp(desk.root / rel) for rel in changed}
    for folder in folders:
        if folder in scanned:
            dirty.update((rel, stamp(desk.root / rel)) for rel in scanned[folder])
        elif known is not None:  # unchanged folder: its untracked files are the ones known
            dirty.update((rel, stamp(desk.root / rel)) for rel in known.dirty
                         if rel.rpartition("/")[0] == folder and rel not in dirty)
    # A record folder that is a symbolic link: git sees the link, not the files behind it,
    # so those files are stamped like files outside git.
    for linked in _linked_folders(desk):
        for path in _md_files(linked):
            dirty[desk.relative(path)] = stamp(path)
    return State(head, dirty, True, dict(folders), taken)


def since(desk: Desk, built: State, now: State) -> set[str] | None:
    """Desk-relative paths of the record files that may differ between a cache built at
    `built` and the files now; None when that cannot be told (rebuild everything)."""
    stale = {rel for rel in set(built.dirty) | set(now.dirty) if built.dirty.get(rel) != now.dirty.get(rel)}
    if built.in_git != now.in_git:
        return None
    if not now.in_git or built.commit == now.commit:
        return stale
    repo = gitio.find_repo(desk.root)
    if built.commit is None or now.commit is None or repo is None:
        return None
    try:
        changed = gitio.changed_between(repo, built.commit, now.commit, scope(desk, repo))
    except gitio.GitError:
        return None  # the commit the cache was built at is gone (history rewritten)
    prefix = _prefix(desk, repo)
    stale.update(rel[len(prefix):] if prefix and rel.startswith(prefix) else rel for rel in changed)
    return stale


def kind_of(rel: str) -> str | None:
    """The kind of record a desk-relative path holds, by the layout `Desk.record_files`
    lists (tickets/<month>/ID.md, problems/ID.md, kb/ID.md); None for any other file."""
    parts = rel.split("/")
    name = parts[-1]
    if not name.endswith(".md") or name.startswith("."):
        return None
    if len(parts) == 3 and parts[0] == FOLDERS["ticket"] and not parts[1].startswith("."):
        return "ticket"
    if len(parts) == 2:
        return next((kind for kind, folder in FOLDERS.items() if folder == parts[0] and kind != "ticket"), None)
    return None


def all_record_paths(desk: Desk) -> list[str]:
    """Every record file's desk-relative path, tickets first (in `record_files` order)."""
    return [desk.relative(p) for kind in FOLDERS for p in desk.record_files(kind)]


def scope(desk: Desk, repo: Path) -> list[str]:
    """The record folders, as git pathspecs relative to the repository."""
    return [str((desk.root / folder).relative_to(repo)) for folder in FOLDERS.values()]


def stamp(path: Path) -> list[int]:
    try:
        st = path.stat()
    except OSError:
        return [0, -1]
    return [st.st_mtime_ns, st.st_size]


def _folder_times(desk: Desk) -> dict[str, int]:
    """The modification time of each folder that holds records: problems/, kb/ and each
    ticket month folder (not tickets/ itself: it holds no record, and every write's temporary
    file passes through it; a new month folder is new here, so it is looked at)."""
    times: dict[str, int] = {}
    for kind, name in FOLDERS.items():
        base = desk.root / name
        try:
            if kind != "ticket":
                times[name] = os.stat(base).st_mtime_ns
        except OSError:
            continue
        if kind == "ticket":
            with contextlib.suppress(OSError), os.scandir(base) as it:
                for entry in it:
                    if entry.is_dir():
                        with contextlib.suppress(OSError):
                            times[f"{name}/{entry.name}"] = entry.stat().st_mtime_ns
    return times


def _in_repo(prefix: str, folder: str) -> str:
    return f"{prefix}{folder}"


def _prefix(desk: Desk, repo: Path) -> str:
    """The desk's folder inside the repository, with a trailing slash ('' at the top)."""
    inside = desk.root.relative_to(repo).as_posix()
    return "" if inside == "." else inside + "/"


def _linked_folders(desk: Desk) -> list[Path]:
    found = []
    for kind in FOLDERS:
        base = desk.folder(kind)
        if base.is_symlink():
            found.append(base)
        elif kind == "ticket" and base.is_dir():
            with os.scandir(base) as it:
                found.extend(Path(e.path) for e in it if e.is_symlink())
    return found


def _md_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.is_dir():
                    found.extend(_md_files(Path(entry.path)) if not entry.is_symlink() else [])
                elif entry.name.endswith(".md"):
                    found.append(Path(entry.path))
    except OSError:
        pass
    return found
