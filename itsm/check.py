"""`itsm check`: every rule over the whole desk, faults returned as data, never raised.

The rules of one record are in `itsm/rules.py`; here are the ones that need the whole desk
(duplicate IDs, links both ways, files filed in the wrong month), the files that are not
records at all (a FIFO or a folder named like one), and the state of the work tree: records
with changes nobody committed and temporary files of writes that never finished are
warnings — worth a look, but not faults that fail a CI build. `itsm check` prints
`path:line: message` and exits 1 when there is any fault.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from itsm import fileio, gitio, records, rules, sla, timeutil
from itsm.errors import Finding, UsageError
from itsm.model import Problem, Record, Ticket
from itsm.records import key_line
from itsm.rules import record_faults
from itsm.store import FOLDERS, Desk, warn


def check_desk(desk: Desk) -> list[Finding]:
    """Every fault of the config and of every record, then the warnings, sorted by file and line."""
    findings: list[Finding] = list(desk.config.findings)
    loaded: dict[str, dict[str, Record]] = {"ticket": {}, "problem": {}, "kb": {}}
    where: dict[str, Path] = {}
    texts: dict[Path, str] = {}
    seen: dict[str, list[Path]] = defaultdict(list)
    for kind in ("ticket", "problem", "kb"):
        for path, item in desk.iter_records(kind):
            rel = desk.relative(path)
            seen[path.stem].append(path)
            if isinstance(item, records.RecordError):
                findings.append(Finding(rel, item.line, item.message))
                continue
            texts[path] = desk.read_text(path)
            for key, message in record_faults(item, desk.config):
                findings.append(Finding(rel, key_line(texts[path], key), message))
            misfiled = (
                isinstance(item, Ticket) and timeutil.is_timestamp(item.created)
                and path.parent.name != item.created[:7]
            )
            if misfiled:
                findings.append(Finding(
                    rel, key_line(texts[path], "created"),
                    f"filed under {path.parent.name}/ but created in {item.created[:7]}",
                ))
            loaded[kind][item.id] = item
            where[item.id] = path
    for record_id, paths in seen.items():
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(desk.relative(p) for p in paths if p != path)
                findings.append(Finding(desk.relative(path), 2, f"duplicate ID {record_id} (also in {others})"))
    findings.extend(_reference_findings(desk, loaded, where, texts))
    findings.extend(working_tree_warnings(desk))
    return sorted(set(findings), key=lambda f: (f.path, f.line or 0, f.severity != "error", f.message))


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
    for path in leftover_files(desk):
        yield Finding(desk.relative(path), None,
                      "a temporary file left by an interrupted write (`itsm check --fix` removes it)", "warning")
    repo = gitio.find_repo(desk.root)
    if repo is None:
        return
    scope = [str((desk.root / folder).relative_to(repo)) for folder in FOLDERS.values() if (desk.root / folder).is_dir()]
    if not scope:
        return
    try:
        changed = gitio.uncommitted_under(repo, scope)
    except gitio.GitError:
        return
    for state, rel_repo in changed:
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
    lock (so no running write loses its own)."""
    with desk.lock(for_writing=False):
        removed = leftover_files(desk)
        for path in removed:
            os.unlink(path)
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
                if not isinstance(item, Ticket) or not rules.clocks_readable(item):
                    continue
                if not any(key == "responded" for key, _ in rules.record_faults(item, desk.config)):
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


def _reference_findings(
    desk: Desk, loaded: dict[str, dict[str, Record]], where: dict[str, Path], texts: dict[Path, str]
) -> Iterator[Finding]:
    tickets, problems, articles = loaded["ticket"], loaded["problem"], loaded["kb"]

    def at(record: Record, key: str, message: str) -> Finding:
        path = where[record.id]
        return Finding(desk.relative(path), key_line(texts[path], key), message)

    for ticket in tickets.values():
        assert isinstance(ticket, Ticket)
        if ticket.problem is not None:
            problem = problems.get(ticket.problem)
            if problem is None:
                yield at(ticket, "problem", f"problem {ticket.problem} does not exist")
            elif isinstance(problem, Problem) and ticket.id not in problem.incidents:
                yield at(ticket, "problem", f"links {ticket.problem}, but {ticket.problem} does not list {ticket.id}")
        for kb_id in ticket.kb:
            if kb_id not in articles:
                yield at(ticket, "kb", f"KB article {kb_id} does not exist")
        for other in ticket.related:
            if other not in tickets:
                yield at(ticket, "related", f"related ticket {other} does not exist")
    for problem in problems.values():
        assert isinstance(problem, Problem)
        for ticket_id in problem.incidents:
            linked = tickets.get(ticket_id)
            if linked is None:
                yield at(problem, "incidents", f"incident {ticket_id} does not exist")
            elif isinstance(linked, Ticket) and linked.problem != problem.id:
                yield at(problem, "incidents", f"lists {ticket_id}, but {ticket_id} links {linked.problem or 'no problem'}")
        for kb_id in problem.kb:
            if kb_id not in articles:
                yield at(problem, "kb", f"KB article {kb_id} does not exist")
