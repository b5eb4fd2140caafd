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

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsm import gitio
from itsm.store import FOLDERS, Desk


@dataclass(frozen=True)
class State:
    """Where the desk's record files stand: HEAD, and the stamps of the files that differ
    from it (of every record file when the desk is not in git)."""

    commit: str | None
    dirty: dict[str, list[int]] = field(default_factory=dict)  # desk-relative path -> [mtime_ns, size]
    in_git: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "dirty": self.dirty, "in_git": self.in_git}

    @classmethod
    def from_json(cls, data: Any) -> State | None:
        """The state a cache recorded, or None when what it recorded is not one."""
        if not isinstance(data, dict):
            return None
        commit, dirty, in_git = data.get("commit"), data.get("dirty"), data.get("in_git", True)
        if not (commit is None or isinstance(commit, str)) or not isinstance(dirty, dict) or not isinstance(in_git, bool):
            return None
        if not all(isinstance(k, str) and isinstance(v, list) for k, v in dirty.items()):
            return None
        return cls(commit, dirty, in_git)


def current(desk: Desk) -> State:
    """The desk's state now. Asked once per command: the caches share it (`Desk.memo`), and
    a write forgets it (`store.Transaction` clears the memo before the caches catch up)."""
    memo = desk.memo.get("changes.state")
    if isinstance(memo, State):
        return memo
    repo = gitio.find_repo(desk.root)
    if repo is None:
        state = State(None, {rel: stamp(desk.root / rel) for rel in all_record_paths(desk)}, in_git=False)
    else:
        prefix = _prefix(desk, repo)
        dirty = {}
        for rel in gitio.worktree_changes(repo, scope(desk, repo)):
            desk_rel = rel[len(prefix):] if prefix and rel.startswith(prefix) else rel
            dirty[desk_rel] = stamp(repo / rel)
        # A record folder that is a symbolic link: git sees the link, not the files behind it,
        # so those files are stamped like files outside git.
        for linked in _linked_folders(desk):
            for path in _md_files(linked):
                dirty[desk.relative(path)] = stamp(path)
        state = State(gitio.head(repo), dirty)
    desk.memo["changes.state"] = state
    return state


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
