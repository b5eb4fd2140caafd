"""A desk on many clones: the merge driver's registration (`itsm setup`), the driver's run
over git's three files (`itsm merge-driver`), and `itsm sync` (fetch, merge, caches, push).

git is the distributed engine. What itsm adds is the one thing git cannot know: how two
copies of a record are joined (itsm/storage/merge.py). `.gitattributes` (committed, so every clone
has it) routes record files to the driver named `itsm`; the driver's command lives in each
clone's own `.git/config`, which git never clones — hence `itsm setup` in a fresh clone.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from itsm.config import loading as config_mod
from itsm.core import fileio
from itsm.core.errors import UsageError
from itsm.storage import gitio, merge, store

DRIVER = "itsm"
# Tickets are filed in month folders; problems and articles at the top of theirs.
ATTRIBUTES = ("tickets/**/*.md merge=itsm", "problems/*.md merge=itsm", "kb/*.md merge=itsm")
ATTRIBUTES_FILE = ".gitattributes"
ATTRIBUTES_TEXT = ("# itsm: two clones' changes to one record are merged field by field (itsm merge-driver)\n"
                   + "".join(f"{line}\n" for line in ATTRIBUTES))
PUSH_ATTEMPTS = 3


def driver_command() -> str:
    """The command git runs for a record both sides changed: this very itsm, by the
    interpreter's full path (a virtualenv's `itsm` is often not on git's PATH)."""
    return shlex.join([sys.executable, "-m", "itsm", "merge-driver"]) + " %O %A %B %P"


def _repo(desk: store.Desk) -> Path:
    repo = gitio.find_repo(desk.root)
    if repo is None:
        raise UsageError(f"{desk.root} is not in a git repository; a desk is shared through git",
                         hint="run `git init` (or clone the team's desk) first")
    return repo


def missing_attributes(desk: store.Desk) -> list[str]:
    """The lines routing record files to the driver that the desk's .gitattributes lacks."""
    try:
        text = fileio.read_regular(desk.root / ATTRIBUTES_FILE, 1024 * 1024).decode("utf-8", "replace")
    except fileio.FileProblem:
        text = ""
    return missing_attributes_in(text)


def missing_attributes_in(text: str) -> list[str]:
    present = {" ".join(line.split()) for line in text.splitlines()}
    return [line for line in ATTRIBUTES if line not in present]


def driver_problem(desk: store.Desk) -> str | None:
    """Why a `git pull` in this clone would not merge records field by field, with the fix;
    None when it would. For `itsm check`."""
    repo = gitio.find_repo(desk.root)
    if repo is None:
        return None
    if missing_attributes(desk):
        return ("the merge driver for records is not set up (.gitattributes does not route record files to it): "
                "two clones' changes to one ticket will conflict; run `itsm setup` and commit .gitattributes")
    configured = gitio.config_get(repo, f"merge.{DRIVER}.driver")
    if not configured:
        return ("the merge driver for records is not configured in this clone (git does not clone .git/config): "
                "two clones' changes to one ticket will conflict; run `itsm setup`")
    try:
        program = shlex.split(configured)[0]
    except (ValueError, IndexError):
        program = ""
    if not program or (("/" in program) and not Path(program).exists()):
        return (f"the merge driver for records runs '{program}', which is not there (a moved virtualenv?); "
                "run `itsm setup` again")
    return None


def setup(desk: store.Desk, actor: str, commit: bool = True) -> list[str]:
    """Register the merge driver in this clone; add the record files' lines to
    `.gitattributes` (and commit them) where they are missing. Running it again changes
    nothing that is right already."""
    repo = _repo(desk)
    done: list[str] = []
    missing = missing_attributes(desk)
    path = desk.root / ATTRIBUTES_FILE
    if missing:
        desk.refuse_unfinished_git()
        desk.check_writable(path)
        if commit and gitio.uncommitted(repo, [path]) and path.exists():
            raise UsageError(f"{desk.relative(path)} has changes that are not committed; itsm will not commit them",
                             hint=f"commit or discard them first (git commit -- {ATTRIBUTES_FILE}), then run itsm setup")
        try:
            original = path.read_text(encoding="utf-8") if path.exists() else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {ATTRIBUTES_FILE}: {exc}", hint="mend or remove the file") from None
        lines = original.splitlines()
        if lines and lines[-1].strip():
            lines.append("")
        if not any(line.startswith("# itsm") for line in lines):
            lines.append("# itsm: two clones' changes to one record are merged field by field (itsm merge-driver)")
        text = "\n".join([*lines, *missing]).lstrip("\n") + "\n"
        fileio.atomic_write(path, text)
        done.append(f"{ATTRIBUTES_FILE}: record files use the itsm merge driver")
        if commit:
            try:
                gitio.commit(repo, [path], "desk setup: .gitattributes routes record files to the itsm merge driver",
                             actor)
            except gitio.GitError as exc:
                fileio.atomic_write(path, original) if original else path.unlink(missing_ok=True)
                raise UsageError(f"git commit failed, nothing was changed: {exc}",
                                 hint="fix the repository and run itsm setup again") from None
            done.append("committed")
    command = driver_command()
    if gitio.config_get(repo, f"merge.{DRIVER}.driver") != command:
        gitio.config_set(repo, f"merge.{DRIVER}.name", "itsm records: timelines joined, fields merged")
        gitio.config_set(repo, f"merge.{DRIVER}.driver", command)
        done.append("merge driver registered in .git/config")
    if not done:
        done.append("already set up: record files are merged by the itsm merge driver")
    return done


# -- the driver --------------------------------------------------------------------------------


@dataclass
class DriverResult:
    clean: bool
    messages: list[str] = field(default_factory=list)


def run_driver(base: Path, ours: Path, theirs: Path, path: str) -> DriverResult:
    """What `itsm merge-driver %O %A %B %P` does: merge the three versions git hands over,
    write the result into `ours` (git's `%A`), and say whether it is clean.

    A file that cannot be read as a record (a hand edit gone wrong, not a record at all) is
    merged line by line, as git would without the driver."""
    texts = []
    for file in (base, ours, theirs):
        try:
            texts.append(fileio.read_regular(file, 64 * 1024 * 1024).decode("utf-8"))
        except (fileio.FileProblem, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot read a version of it: {exc}") from None
    base_text, ours_text, theirs_text = texts
    kind = merge.kind_of_path(path)
    messages: list[str] = []
    if kind is not None:
        config = config_mod.load(_desk_root(Path.cwd(), path))
        try:
            merged = merge.merge(base_text or None, ours_text, theirs_text, kind, config, gitio.merge_file, path)
        except merge.Unmergeable as exc:
            messages.append(f"{path}: not merged field by field ({exc}); merged line by line instead")
        else:
            fileio.atomic_write(ours, merged.text)
            messages += [f"{path}: {key} was changed on both sides; kept the later change (see the merge entry)"
                         for key in merged.decided]
            messages += [f"{path}: {line}" for line in merged.conflicts]
            return DriverResult(not merged.conflicts, messages)
    text, clean = gitio.merge_file(base_text, ours_text, theirs_text)
    fileio.atomic_write(ours, text + "\n" if text else text)
    if not clean:
        messages.append(f"{path}: both sides changed the same lines; resolve the markers by hand")
    return DriverResult(clean, messages)


def _desk_root(repo: Path, path: str) -> Path:
    """The desk holding the record at `path` (repository-relative): the folder above its
    kind's folder."""
    parts = Path(path).parts
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] in ("tickets", "problems", "kb"):
            return repo.joinpath(*parts[:index])
    return repo


# -- sync ----------------------------------------------------------------------------------------


@dataclass
class Synced:
    remote: str
    branch: str
    received: int = 0  # commits fetched and merged
    sent: int = 0  # commits pushed
    merged: bool = False  # a merge commit was made
    notes: list[str] = field(default_factory=list)


class SyncConflict(UsageError):
    """The merge stopped on records a person must decide: the merge is left in progress.
    `reasons` are the driver's lines, one per decision, for the command to show first."""

    exit_code = 1

    def __init__(self, reasons: list[str], message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.reasons = reasons


def sync(desk: store.Desk, actor: str, identity: tuple[str, str] | None) -> Synced:
    """Fetch, merge (records by the driver), bring the caches up to date, push."""
    repo = _repo(desk)
    desk.refuse_unfinished_git()
    branch = gitio.current_branch(repo)
    if branch is None:
        raise UsageError("HEAD is detached; sync works on a branch", hint="git switch main (or your branch) first")
    remote, remote_branch = _remote_of(repo, branch)
    notes: list[str] = []
    if driver_problem(desk) is not None:
        notes += [f"setup: {line}" for line in setup(desk, actor)]
    result = Synced(remote, remote_branch, notes=notes)
    tracking = f"refs/remotes/{remote}/{remote_branch}"
    with desk.lock():
        for attempt in range(PUSH_ATTEMPTS):
            _fetch(repo, remote)
            if gitio.rev(repo, tracking) is not None:
                ahead, behind = gitio.ahead_behind(repo, tracking)
                if behind:
                    _merge(desk, repo, tracking, f"sync: merge {remote}/{remote_branch}", identity, result)
                    result.received += behind
            ahead = gitio.ahead_behind(repo, tracking)[0] if gitio.rev(repo, tracking) else 1
            if not ahead:
                break
            try:
                gitio.push(repo, remote, remote_branch, set_upstream=gitio.upstream(repo) is None)
            except gitio.GitError as exc:
                if "[rejected]" in exc.stderr and attempt + 1 < PUSH_ATTEMPTS:
                    continue  # someone pushed meanwhile: fetch and merge that too, then push again
                if "rejected]" in exc.stderr:
                    raise UsageError(f"{remote} rejected the push ({_refusal(exc.stderr)}); your commits are kept here",
                                     hint="if the remote refuses changes (a protected branch, a hook), ask who runs it; "
                                          "then run `itsm sync` again") from None
                raise UsageError(f"cannot push to {remote}: {_said(exc)}; your commits are kept here, nothing is lost",
                                 hint="check the network and your access, then run `itsm sync` again") from None
            result.sent = ahead
            break
    desk.memo.clear()
    if result.received:
        store.run_after_write(desk)  # the caches follow git: catch them up now, not at the next read
    return result


def _remote_of(repo: Path, branch: str) -> tuple[str, str]:
    upstream = gitio.upstream(repo)
    if upstream is not None and "/" in upstream:
        remote, _, remote_branch = upstream.partition("/")
        if remote in gitio.remotes(repo):
            return remote, remote_branch
    known = gitio.remotes(repo)
    if "origin" in known:
        return "origin", branch
    if len(known) == 1:
        return known[0], branch
    if not known:
        raise UsageError("this clone has no remote to sync with",
                         hint="add the team's repository: git remote add origin URL")
    raise UsageError(f"this clone has several remotes ({', '.join(known)}) and {branch} follows none",
                     hint=f"choose one: git branch --set-upstream-to REMOTE/{branch}")


def _fetch(repo: Path, remote: str) -> None:
    try:
        gitio.fetch(repo, remote)
    except gitio.GitError as exc:
        raise UsageError(f"cannot reach {remote}: {_said(exc)}; nothing was changed here and your commits are kept",
                         hint="check the network and the remote's address (git remote -v), then run `itsm sync` again") from None


def _merge(desk: store.Desk, repo: Path, ref: str, message: str, identity: tuple[str, str] | None, result: Synced) -> None:
    target = gitio.rev(repo, ref)
    done = gitio.merge(repo, ref, message, identity)
    said = (done.stdout + done.stderr).decode("utf-8", "replace")
    if done.returncode == 0:
        result.merged = result.merged or gitio.rev(repo, "HEAD") != target  # not a fast-forward
        result.notes += [line for line in said.splitlines() if line.startswith("itsm merge-driver:")]
        return
    unmerged = gitio.unmerged_paths(repo)
    if not unmerged:
        lines = [line for line in said.splitlines() if line.strip() and not line.startswith("hint:")]
        files = [line.strip() for line in lines if line.startswith("\t")]
        if files:
            shown = ", ".join(files[:5]) + (", ..." if len(files) > 5 else "")
            raise UsageError(f"the merge would overwrite changes nobody committed in {shown}; nothing was changed",
                             hint="commit them (git commit) or discard them (git checkout HEAD -- FILE), "
                                  "then run `itsm sync` again")
        raise UsageError(f"git merge refused: {(lines or ['(no reason given)'])[0]}; nothing was changed",
                         hint="fix what git says, then run `itsm sync` again")
    reasons = [line for line in said.splitlines() if line.startswith("itsm merge-driver:")]
    shown = ", ".join(unmerged[:5]) + (", ..." if len(unmerged) > 5 else "")
    raise SyncConflict(
        reasons,
        f"the merge stopped: {len(unmerged)} file(s) need a person's decision ({shown}); the merge is left in progress",
        hint="edit each file (keep the right value between <<<<<<< and >>>>>>>, remove the markers), `git add` it, "
             "`git commit`, then `itsm sync`; or `git merge --abort` to undo the merge")


def _refusal(stderr: str) -> str:
    """What the remote said when it refused: its hook's own words, else git's reason."""
    said = [line[len("remote:"):].strip() for line in stderr.splitlines() if line.startswith("remote:")]
    said = [line for line in said if line]
    if said:
        return "; ".join(said[:3])
    reasons = [line.strip() for line in stderr.splitlines() if "rejected]" in line]
    return reasons[0] if reasons else "no reason given"


def _said(exc: gitio.GitError) -> str:
    text = str(exc)
    for prefix in ("fatal: ", "error: "):
        text = text.removeprefix(prefix)
    return text
