"""`itsm check`: every rule over the whole desk, faults returned as data, never raised.

The rules of one record are in `itsm/domain/record_rules.py`; here are the ones that need the whole desk
(duplicate IDs, links both ways, files filed in the wrong month), the files that are not
records at all (a FIFO or a folder named like one), and the state of the work tree: records
with changes nobody committed and temporary files of writes that never finished are
warnings — worth a look, but not faults that fail a CI build. `itsm check` prints
`path:line: message` and exits 1 when there is any fault.

A full check reads every file, shared among the cores (`itsm/core/parallel.py`): each worker reads
and parses one file and returns its own findings with their lines, and the little the
cross-record rules need (its ID and links), so the text is read once and never sent back.
`check_changed` (`itsm check --changed REF`) checks only the records git says changed since
REF, and the links that touch them: what a pre-commit hook or a pull request needs.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from itsm.config import settings
from itsm.core import fileio, timeutil
from itsm.core.errors import Finding, UsageError
from itsm.core.model import Problem, Ticket
from itsm.core.terminal import warn
from itsm.domain import record_rules, sla
from itsm.domain.record_rules import record_faults
from itsm.records import markdown, shape
from itsm.records.markdown import key_line
from itsm.storage import gitio
from itsm.storage.store import FOLDERS, Desk

# The front-matter keys the cross-record rules name a line for.
LINK_KEYS = ("problem", "kb", "related", "incidents")


@dataclass(frozen=True)
class Links:
    """What the cross-record rules need of one readable record: its links, and the line of
    each link key in its file."""

    id: str
    kind: str
    problem: str | None = None
    kb: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    incidents: tuple[str, ...] = ()
    lines: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Examined:
    """One record file read and judged on its own: its findings, and its links when it could
    be read (None when it could not: it then counts as missing for the others)."""

    kind: str
    path: Path
    rel: str
    findings: list[Finding]
    links: Links | None


def examine(desk: Desk, kind: str, path: Path) -> Examined:
    """Read and parse one record file; its own faults (each at its key's line), a ticket
    filed in the wrong month, and its links."""
    rel = desk.relative(path)
    try:
        text = desk.read_text(path)
        item = markdown.parse(text, kind, rel)
        if item.id != path.stem:
            raise markdown.RecordError(f"id '{item.id}' does not match the file name", 2, rel)
    except markdown.RecordError as exc:
        return Examined(kind, path, rel, [Finding(rel, exc.line, exc.message)], None)
    findings = [Finding(rel, key_line(text, key), message) for key, message in record_faults(item, desk.config)]
    misfiled = (
        isinstance(item, Ticket) and timeutil.is_timestamp(item.created)
        and path.parent.name != item.created[:7]
    )
    if misfiled:
        assert isinstance(item, Ticket)
        findings.append(Finding(
            rel, key_line(text, "created"), f"filed under {path.parent.name}/ but created in {item.created[:7]}",
        ))
    lines = {key: key_line(text, key) for key in LINK_KEYS}
    if isinstance(item, Ticket):
        links = Links(item.id, kind, problem=item.problem, kb=item.kb, related=item.related, lines=lines)
    elif isinstance(item, Problem):
        links = Links(item.id, kind, kb=item.kb, incidents=item.incidents, lines=lines)
    else:
        links = Links(item.id, kind, lines=lines)
    return Examined(kind, path, rel, findings, links)


# The desk the pool's workers examine files of: set before `parallel.mapped`, inherited by fork.
_DESK: Desk | None = None


def _examine_in_worker(item: tuple[str, Path]) -> Examined:
    assert _DESK is not None
    return examine(_DESK, *item)


Progress = Callable[[int, int], None]


def check_desk(desk: Desk, progress: Progress | None = None) -> list[Finding]:
    """Every fault of the config and of every record, then the warnings, sorted by file and line."""
    global _DESK
    from itsm.core import parallel  # multiprocessing: loaded by the commands that read every file, not at start-up

    findings: list[Finding] = list(desk.config.findings)
    loaded: dict[str, dict[str, Links]] = {"ticket": {}, "problem": {}, "kb": {}}
    where: dict[str, Examined] = {}
    seen: dict[str, list[Path]] = defaultdict(list)
    files = [(kind, path) for kind in ("ticket", "problem", "kb") for path in desk.record_files(kind)]
    _DESK = desk
    try:
        for done in parallel.mapped(_examine_in_worker, files, progress):
            seen[done.path.stem].append(done.path)
            findings.extend(done.findings)
            if done.links is not None:
                loaded[done.kind][done.links.id] = done.links
                where[done.links.id] = done
    finally:
        _DESK = None
    for record_id, paths in seen.items():
        if len(paths) > 1:
            findings.extend(_duplicate_findings(desk, record_id, paths))
    subjects = [(links, where[links.id]) for kind in ("ticket", "problem") for links in loaded[kind].values()]
    findings.extend(link_findings(subjects, lambda kind, record_id: loaded[kind].get(record_id)))
    findings.extend(working_tree_warnings(desk))
    return _sorted(findings)


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=lambda f: (f.path, f.line or 0, f.severity != "error", f.message))


def _duplicate_findings(desk: Desk, record_id: str, paths: list[Path]) -> Iterator[Finding]:
    for path in paths:
        others = ", ".join(desk.relative(p) for p in paths if p != path)
        yield Finding(desk.relative(path), 2, f"duplicate ID {record_id} (also in {others})")


def leftover_files(desk: Desk) -> list[Path]:
    """Temporary files of interrupted writes anywhere under tickets/, problems/ and kb/ (this
    version makes them at the top of each; earlier ones beside the record)."""
    found = []
    for kind in FOLDERS:
        base = desk.folder(kind)
        if not base.is_dir() or base.is_symlink():
            continue
        for folder in (base, *(p for p in sorted(base.iterdir()) if p.is_dir() and not p.is_symlink())):
            found.extend(fileio.leftovers(folder))
    return sorted(found)


def working_tree_warnings(desk: Desk) -> Iterator[Finding]:
    """What is not wrong with the records themselves, but with the work tree around them."""
    yield from _leftover_warnings(desk, leftover_files(desk))
    repo = gitio.find_repo(desk.root)
    if repo is None:
        return
    from itsm.storage import sync  # the merge driver's registration

    driver = sync.driver_problem(desk)
    if driver is not None:
        yield Finding(sync.ATTRIBUTES_FILE, None, driver, "warning")
    scope = [str((desk.root / folder).relative_to(repo)) for folder in FOLDERS.values() if (desk.root / folder).is_dir()]
    if not scope:
        return
    yield from _killed_commit_warnings(desk, repo)
    try:
        changed = gitio.uncommitted_under(repo, scope)
    except gitio.GitError:
        return
    yield from _uncommitted_warnings(desk, repo, changed)


def _killed_commit_warnings(desk: Desk, repo: Path) -> Iterator[Finding]:
    """What an itsm process killed during its commit left in the git folder."""
    folder = gitio.git_dir(repo)
    where = desk.relative(folder)
    stale = gitio.stale_index_lock(repo)
    if stale is not None:
        yield Finding(f"{where}/index.lock", None, f"left by itsm process {stale}, killed during its commit; it "
                      "blocks git (the next itsm write or `itsm check --fix` removes it)", "warning")
    for leftover in sorted(folder.glob("itsm-index.*")):
        pid = leftover.name.split(".")[1]
        if pid.isdigit() and not fileio.process_alive(int(pid)):
            yield Finding(f"{where}/{leftover.name}", None, "the index copy of a killed itsm commit "
                          "(the next itsm write or `itsm check --fix` removes it)", "warning")


def _leftover_warnings(desk: Desk, paths: list[Path]) -> Iterator[Finding]:
    for path in paths:
        yield Finding(desk.relative(path), None,
                      "a temporary file left by an interrupted write (`itsm check --fix` removes it)", "warning")


def _uncommitted_warnings(desk: Desk, repo: Path, changed: list[tuple[str, str]]) -> Iterator[Finding]:
    """`git status` codes and paths of record files: the warnings for what is not committed.
    A file a killed itsm command wrote and never committed is named as that."""
    killed = {path: item for item in (gitio.interrupted_writes(repo) if changed else []) for path in item.written}
    for state, rel_repo in changed:
        if rel_repo in killed and gitio.sha256_of(repo / rel_repo) == killed[rel_repo].written[rel_repo]:
            item = killed[rel_repo]
            yield Finding(desk.relative(repo / rel_repo), None,
                          f"holds the change of an itsm command killed before its commit ({item.subject!r} by "
                          f"{item.actor}, {item.since}); keep it with `git commit -- FILE` or drop it with "
                          "`git checkout HEAD -- FILE`", "warning")
            continue
        path = repo / rel_repo
        if not path.name.endswith(".md") or fileio.LEFTOVER_RE.match(path.name):
            continue
        what = {"??": "is not committed yet"}.get(state, "has changes that are not committed")
        if "D" in state:
            what = "was deleted, and the deletion is not committed"
        yield Finding(desk.relative(path), None,
                      f"{what}; the next itsm command that changes it will refuse (commit or discard it)", "warning")


def fix(desk: Desk) -> list[Path]:
    """`itsm check --fix`: remove the temporary files of interrupted writes, under the desk's
    lock (so no running write loses its own), and what killed commits left in the git folder."""
    with desk.lock(for_writing=False):
        removed = leftover_files(desk)
        for path in removed:
            os.unlink(path)
        repo = gitio.find_repo(desk.root)
        if repo is not None:
            # A stale itsm index.lock, index copies, index entries left behind HEAD: mended
            # under git's own lock; a killed command's uncommitted change is left for a person.
            try:
                removed.extend(gitio.recover(repo))
            except gitio.GitError as exc:
                warn(f"the git folder was not tidied: {exc}")
    return removed


def rederive(desk: Desk, actor: str, commit: bool = True) -> list[str]:
    """`itsm check --fix`: write `responded` and the SLA deadlines afresh from the timeline
    where the stored `responded` is not what the clocks count (records written by an older
    itsm, whose rule for a response was different). One commit; a record with someone's
    uncommitted edit is left alone and named."""
    fixed: list[str] = []
    now = timeutil.now()
    with desk.lock():
        desk.refuse_unfinished_git()
        with desk.transaction(actor, "check --fix: responded and SLA deadlines derived afresh", commit) as tx:
            for path, item in desk.iter_records("ticket"):
                if not isinstance(item, Ticket) or not shape.clocks_readable(item):
                    continue
                if not any(key == "responded" for key, _ in record_rules.record_faults(item, desk.config)):
                    continue
                try:
                    if commit:
                        desk.refuse_uncommitted(path, actor)
                except UsageError as exc:
                    warn(f"{desk.relative(path)} not re-derived: {exc.message}")
                    continue
                tx.write(sla.with_deadlines(item, desk.config, now), path)
                fixed.append(item.id)
    return fixed


Lookup = Callable[[str, str], "Links | None"]  # (kind, ID) -> the readable record, or None


def link_findings(
    subjects: Iterable[tuple[Links, Examined]], lookup: Lookup, keep: Callable[[str, str], bool] | None = None,
) -> Iterator[Finding]:
    """The links of each subject record, both ways: what it links exists, and links back.
    Each finding is at the line of the link key in the subject's file (the `Examined`);
    `keep(subject ID, linked ID)` chooses which links are judged (all when None)."""
    for links, place in subjects:
        lines = place.links.lines if place.links is not None else {}
        for key, message, linked in _link_faults(links, lookup):
            if keep is None or keep(links.id, linked):
                yield Finding(place.rel, lines.get(key), message)


def _link_faults(links: Links, lookup: Lookup) -> Iterator[tuple[str, str, str]]:
    """(link key, message, the linked ID) for each link of one record that is wrong."""
    if links.kind == "ticket":
        if links.problem is not None:
            problem = lookup("problem", links.problem)
            if problem is None:
                yield "problem", f"problem {links.problem} does not exist", links.problem
            elif links.id not in problem.incidents:
                yield "problem", f"links {links.problem}, but {links.problem} does not list {links.id}", links.problem
        for other in links.related:
            if lookup("ticket", other) is None:
                yield "related", f"related ticket {other} does not exist", other
    elif links.kind == "problem":
        for ticket_id in links.incidents:
            linked = lookup("ticket", ticket_id)
            if linked is None:
                yield "incidents", f"incident {ticket_id} does not exist", ticket_id
            elif linked.problem != links.id:
                yield "incidents", f"lists {ticket_id}, but {ticket_id} links {linked.problem or 'no problem'}", ticket_id
    for kb_id in links.kb:
        if lookup("kb", kb_id) is None:
            yield "kb", f"KB article {kb_id} does not exist", kb_id


# -- itsm check --changed -------------------------------------------------------------------------

UPSTREAM = "@{upstream}"  # git's name for it; no REF means the same, and both are named in messages


@dataclass
class ChangedScope:
    """What `check_changed` compared with and looked at, for the summary line."""

    ref: str  # as named (the upstream branch's name when none was given)
    counts: dict[str, int]  # record kind -> changed record files (present or deleted)
    everything: bool = False  # itsm.yaml changed: every record was checked


def check_changed(desk: Desk, ref: str | None = None, progress: Progress | None = None) -> tuple[list[Finding], ChangedScope]:
    """`itsm check --changed REF`: the records that differ between REF and the work tree
    (committed or not, and files git does not track yet), with the per-record rules, the
    misfiled month and duplicate IDs, and every link that has a changed record at one end.

    The links are found without reading the desk: a changed record's own links; the tickets
    a changed problem lists now or listed at REF; the problems (a few files, read whole)
    whose text names a changed record; the tickets naming a record that was deleted or can
    no longer be read (`git grep`). A change to itsm.yaml changes the rules of every record,
    so it checks the whole desk."""
    repo = gitio.find_repo(desk.root)
    if repo is None:
        raise UsageError("`itsm check --changed` asks git what changed, but the desk is not in a git repository",
                         hint="run `itsm check` to check every record")
    if ref is None or ref == UPSTREAM:
        upstream = gitio.upstream(repo)
        if upstream is None:
            raise UsageError("`itsm check --changed` compares with the upstream branch, and this branch has none",
                             hint="name what to compare with: `itsm check --changed origin/main`, "
                                  "or `itsm check --changed HEAD` for uncommitted changes only")
        ref = upstream
    rev = gitio.tree_ish(repo, ref)
    if rev is None:
        raise UsageError(f"'{ref}' is not a commit git knows", hint="name a branch, tag or commit, e.g. origin/main or HEAD")
    base = desk.root.relative_to(repo)
    scope = {kind: (base / folder).as_posix() for kind, folder in FOLDERS.items()}
    config_name = (base / settings.CONFIG_FILE).as_posix()
    diffed, untracked = gitio.changed_since(repo, rev, [*scope.values(), config_name])
    scan = _ChangedScan(desk, repo, rev, base)
    if config_name in diffed or config_name in untracked:
        whole = ChangedScope(ref, {kind: 0 for kind in FOLDERS}, everything=True)
        return check_desk(desk, progress), whole
    names = sorted(set(diffed) | set(untracked))
    present: list[tuple[str, Path]] = []
    gone: set[str] = set()
    counts = {kind: 0 for kind in FOLDERS}
    for name in names:
        kind = scan.kind_of(name)
        if kind is None:
            continue
        counts[kind] += 1
        path = repo / name
        if os.path.lexists(path):
            present.append((kind, path))
        else:
            gone.add(path.name[:-3])
    findings: list[Finding] = list(desk.config.findings)
    changed = [scan.read(kind, path) for kind, path in present]
    for done in changed:
        findings.extend(done.findings)
    for stem in dict.fromkeys(done.path.stem for done in changed):
        same = scan.files_named(stem)
        if len(same) > 1:
            findings.extend(_duplicate_findings(desk, stem, same))
    touched = {done.path.stem for done in changed} | gone
    missing = gone | {done.path.stem for done in changed if done.links is None}
    subjects = {done.path: done for done in changed}
    subjects.update(scan.tickets_naming(missing))
    subjects.update(scan.problems_naming(touched))
    listed: set[str] = set()
    for done in changed:
        if done.links is not None and done.kind == "problem":
            listed.update(done.links.incidents)
    listed.update(scan.incidents_at_rev([done.path for done in changed if done.kind == "problem"]))
    for ticket_id in sorted(listed):
        subjects.update((path, scan.read("ticket", path)) for path in scan.paths_of("ticket", ticket_id))
    findings.extend(link_findings(
        ((done.links, done) for done in subjects.values() if done.links is not None),
        scan.lookup, lambda subject, linked: subject in touched or linked in touched,
    ))
    in_scope = set(names)
    left = {repo / name for name in untracked
            if fileio.LEFTOVER_RE.match(name.rsplit("/", 1)[-1]) and scan.leftover_folder(name)}
    findings.extend(_leftover_warnings(desk, [p for p in leftover_files_in({p.parent for p in left}) if p in left]))
    tracked = sorted(set(diffed) - {config_name})
    states = [("??", name) for name in untracked]
    try:
        if tracked:  # no path at all would ask git about the whole repository
            states += gitio.uncommitted_tracked(repo, tracked if len(tracked) <= 1000 else list(scope.values()))
    except gitio.GitError:
        pass
    findings.extend(_uncommitted_warnings(desk, repo, [(s, n) for s, n in states if n in in_scope]))
    return _sorted(findings), ChangedScope(ref, counts)


GREP_AT_MOST = 50  # missing records whose referrers `git grep` finds; more: one pass in Python
_WORD_RE = re.compile(r"[^\s:,\[\]'\"]+")  # the words of a front-matter: IDs among them


class _ChangedScan:
    """Finding records by name for `check_changed`: probing the few folders a name can be
    in, never listing the month folders' files; every file is read at most once."""

    def __init__(self, desk: Desk, repo: Path, rev: str, base: Path) -> None:
        self.desk, self.repo, self.rev, self.base = desk, repo, rev, base
        self._read: dict[Path, Examined] = {}
        self._found: dict[tuple[str, str], Links | None] = {}
        self._months: list[Path] | None = None

    def kind_of(self, name: str) -> str | None:
        """The kind of record a repository path is a file of, as `Desk.record_files` lists
        them (a ticket in a month folder, a problem or article at the top of its folder)."""
        parts = name.split("/")
        if self.base.parts:
            if tuple(parts[: len(self.base.parts)]) != self.base.parts:
                return None
            parts = parts[len(self.base.parts):]
        if not parts[-1].endswith(".md") or parts[-1].startswith("."):
            return None
        for kind, folder in FOLDERS.items():
            if kind == "ticket" and len(parts) == 3 and parts[0] == folder and not parts[1].startswith("."):
                return kind
            if kind != "ticket" and len(parts) == 2 and parts[0] == folder:
                return kind
        return None

    def leftover_folder(self, name: str) -> bool:
        """Whether a repository path is in a folder where `leftover_files` looks."""
        parts = name.split("/")[len(self.base.parts):]
        return len(parts) == 2 or (len(parts) == 3 and parts[0] == FOLDERS["ticket"])

    def read(self, kind: str, path: Path) -> Examined:
        if path not in self._read:
            self._read[path] = examine(self.desk, kind, path)
        return self._read[path]

    def months(self) -> list[Path]:
        if self._months is None:
            base = self.desk.folder("ticket")
            self._months = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")) \
                if base.is_dir() else []
        return self._months

    def paths_of(self, kind: str, record_id: str) -> list[Path]:
        """The files a record of this ID could be, in `record_files` order."""
        if not record_id or record_id.startswith(".") or "/" in record_id or os.sep in record_id or "\0" in record_id:
            return []  # a link that is no file name names no record
        folders = self.months() if kind == "ticket" else [self.desk.folder(kind)]
        return [path for path in (folder / f"{record_id}.md" for folder in folders) if os.path.lexists(path)]

    def files_named(self, stem: str) -> list[Path]:
        """Every record file named `stem`.md, of any kind (a duplicate ID)."""
        return [path for kind in FOLDERS for path in self.paths_of(kind, stem)]

    def lookup(self, kind: str, record_id: str) -> Links | None:
        """The record of this kind and ID as the full check knows it: the last readable file."""
        key = (kind, record_id)
        if key not in self._found:
            found = None
            for path in self.paths_of(kind, record_id):
                links = self.read(kind, path).links
                found = links if links is not None else found
            self._found[key] = found
        return self._found[key]

    def tickets_naming(self, record_ids: set[str]) -> dict[Path, Examined]:
        """The tickets whose text names any of these IDs: `git grep`, not a parse of each.
        git's search slows with the number of words (100k tickets: 0.8 s for one, 17 s for
        500), so for many (a folder deleted) each file's front-matter is split into words
        here instead, once."""
        if not record_ids:
            return {}
        found = {}
        if len(record_ids) <= GREP_AT_MOST:
            folder = (self.base / FOLDERS["ticket"]).as_posix()
            names = gitio.files_containing(self.repo, sorted(record_ids), [folder])
            paths = [self.repo / name for name in names if self.kind_of(name) == "ticket"]
        else:
            paths = [path for path in self.desk.record_files("ticket") if self._names_any(path, record_ids)]
        for path in paths:
            found[path] = self.read("ticket", path)
        return found

    def _names_any(self, path: Path, record_ids: set[str]) -> bool:
        try:
            text = self.desk.read_text(path)
        except markdown.RecordError:
            return False
        end = text.find("\n---", 3)
        return not record_ids.isdisjoint(_WORD_RE.findall(text if end < 0 else text[:end]))

    def problems_naming(self, record_ids: set[str]) -> dict[Path, Examined]:
        """The problems whose text names any of these IDs: problems are few, so each file is
        read (and only those naming one parsed)."""
        folder = self.desk.folder("problem")
        if not record_ids or not folder.is_dir():
            return {}
        found = {}
        naming = re.compile("|".join(re.escape(i) for i in sorted(record_ids, key=len, reverse=True)))
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".md") and not e.name.startswith("."))
        for name in names:
            path = folder / name
            try:
                text = self.desk.read_text(path)
            except markdown.RecordError:
                text = ""
            if naming.search(text):
                found[path] = self.read("problem", path)
        return found

    def incidents_at_rev(self, paths: list[Path]) -> set[str]:
        """The incidents these problems listed at the revision compared with."""
        names = [path.relative_to(self.repo).as_posix() for path in paths]
        listed: set[str] = set()
        for text in gitio.texts_at(self.repo, self.rev, names).values():
            try:
                before = markdown.parse(text, "problem")
            except markdown.RecordError:
                continue
            if isinstance(before, Problem):
                listed.update(before.incidents)
        return listed


def leftover_files_in(folders: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for folder in sorted(folders):
        found.extend(fileio.leftovers(folder))
    return found
