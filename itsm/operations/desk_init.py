"""`itsm init`: a new desk (folders, itsm.yaml, .gitignore for the caches, the merge driver,
`git init` if needed), made whole or not at all.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from itsm.config import defaults, settings
from itsm.core.errors import UsageError
from itsm.core.fileio import CACHE_DIR, atomic_write
from itsm.core.terminal import warn
from itsm.operations.inputs import resolve_actor
from itsm.storage import gitio, sync
from itsm.storage.store import Desk, refuse_unfinished_git


def init(path: Path, *, actor: str | None = None, commit: bool = True) -> list[str]:
    """Make a desk: folders, itsm.yaml, .gitignore for the caches, `git init` if needed.

    The folder's world is checked first (a file in the way, a repository in the middle of a
    merge); if making it fails half-way (no permission, a full disk), what this call made
    is removed again, so a refusal leaves nothing behind."""
    path = path.expanduser()
    if (path / settings.CONFIG_FILE).exists():
        raise UsageError(f"{path} is already a desk (it has itsm.yaml)")
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path} exists and is not a folder", hint="choose another path")
    for folder in ("tickets", "problems", "kb", ".gitignore"):
        inside = path / folder
        if inside.is_symlink() or (inside.exists() and folder != ".gitignore" and not inside.is_dir()):
            raise UsageError(f"{inside} is in the way (a {'link' if inside.is_symlink() else 'file'})",
                             hint="move it aside, then run itsm init again")
    if path.exists():
        refuse_unfinished_git(path.resolve())
    made: list[Path] = []
    try:
        done = _make_desk(path, made)
    except OSError as exc:
        for item in reversed(made):
            with contextlib.suppress(OSError):
                item.rmdir() if item.is_dir() and not item.is_symlink() else item.unlink()
        where = exc.filename or path
        raise UsageError(f"cannot make the desk at {path}: {exc.strerror} ({where}); nothing was made",
                         hint="choose a folder you can write to") from None
    repo = gitio.find_repo(path.resolve())
    if repo is None:
        gitio.init(path)
        repo = path.resolve()
        done.append("git init")
    # Two clones' changes to one record are merged field by field (docs/sync.md).
    gitio.config_set(repo, f"merge.{sync.DRIVER}.name", "itsm records: timelines joined, fields merged")
    gitio.config_set(repo, f"merge.{sync.DRIVER}.driver", sync.driver_command())
    if commit:
        desk = Desk.open(path.resolve())
        who = resolve_actor(desk, actor)
        files = [desk.root / settings.CONFIG_FILE, desk.root / ".gitignore", desk.root / sync.ATTRIBUTES_FILE]
        files += [desk.root / f / ".gitkeep" for f in ("tickets", "problems", "kb") if (desk.root / f / ".gitkeep").exists()]
        try:
            gitio.commit(repo, files, "desk init: itsm.yaml, folders, .gitignore", who)
            done.append("committed")
        except gitio.GitError as exc:
            warn(f"desk made but not committed: {exc}")
    return done


def _make_desk(path: Path, made: list[Path]) -> list[str]:
    """The files of a new desk; everything it makes is listed in `made` as it goes."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    made.extend(reversed(missing))
    for folder in ("tickets", "problems", "kb"):
        if not (path / folder).exists():
            (path / folder).mkdir()
            made.append(path / folder)
        keep = path / folder / ".gitkeep"
        if not any((path / folder).iterdir()):
            keep.write_text("")
            made.append(keep)
    atomic_write(path / settings.CONFIG_FILE, defaults.render_default(), create=True)
    made.append(path / settings.CONFIG_FILE)
    ignore = path / ".gitignore"
    original = ignore.read_bytes() if ignore.exists() else None
    lines = original.decode("utf-8", "replace").splitlines() if original is not None else []
    # `.itsm`, not `.itsm/`: the pattern with a slash matches only a folder, so a symlink
    # named .itsm could still be committed by a clone.
    if CACHE_DIR not in lines and f"{CACHE_DIR}/" not in lines:
        atomic_write(ignore, "\n".join([*lines, CACHE_DIR]) + "\n")
        if original is None:
            made.append(ignore)
    attributes = path / sync.ATTRIBUTES_FILE
    if not attributes.exists():
        atomic_write(attributes, sync.ATTRIBUTES_TEXT, create=True)
        made.append(attributes)
    elif sync.missing_attributes_in(attributes.read_text(encoding="utf-8", errors="replace")):
        kept = attributes.read_text(encoding="utf-8", errors="replace").rstrip("\n")
        absent = sync.missing_attributes_in(kept)
        atomic_write(attributes, (kept + "\n" if kept else "") + "".join(f"{line}\n" for line in absent))
    return [f"made desk {path}"]
