"""`itsm check --changed [REF]`: the records that differ from REF (committed or not, and
files git does not track), their own rules, the misfiled month, duplicate IDs, and every
link with a changed record at one end — found without reading the whole desk. Real git, a
desk made by `itsm` once and copied per test; faults are made by hand edits."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FromTemplate, RunItsm, commit_all, git, snapshot

MONTH = "2026-11"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass
class Desk:
    """Three tickets, a problem and a KB article that link each other correctly:
    t2 follows up t1 (`related`), t3 was resolved with the article, the problem lists t1
    and t1 links it. Tag `base` is where they were all committed."""

    root: Path
    t1: str
    t2: str
    t3: str
    prb: str
    kb: str

    def ticket(self, ticket_id: str) -> Path:
        return self.root / "tickets" / MONTH / f"{ticket_id}.md"

    def problem(self) -> Path:
        return self.root / "problems" / f"{self.prb}.md"

    def article(self) -> Path:
        return self.root / "kb" / f"{self.kb}.md"

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def line_of(path: Path, key: str) -> int:
    """1-based line of a front-matter key, counted independently of itsm."""
    return next(i for i, line in enumerate(path.read_text().split("\n"), start=1) if line.startswith(f"{key}:"))


@pytest.fixture
def linked(desk: Path, run_itsm: RunItsm, from_template: FromTemplate) -> Desk:
    def made(*args: str) -> str:
        done = run_itsm(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().split()[0]

    def build() -> tuple[str, ...]:
        kb = made("kb", "new", "Mailbox quota full", "-c", "email/mailbox", "-b", "## Resolution\n\nRaise the quota.")
        t1 = made("new", "Mail slow", "-c", "email/mailbox", "-q")
        t2 = made("new", "Mail slow again", "-c", "email/mailbox", "--related", t1, "-q")
        t3 = made("new", "Mailbox full", "-c", "email/mailbox", "-q")
        prb = made("problem", "new", "Quota fills up", "-c", "email/mailbox", "-i", t1)
        assert run_itsm("resolve", t3, "--workaround", "Raised the quota", "--kb", kb).returncode == 0
        git(desk, "tag", "base")
        assert run_itsm("check").returncode == 0
        return (t1, t2, t3, prb, kb)

    return Desk(desk, *from_template("linked", build))


def check(run_itsm: RunItsm, *args: str) -> tuple[int, list[str], str]:
    done = run_itsm("check", *args)
    return done.returncode, done.stdout.splitlines(), done.stderr


def faults_of(lines: list[str], *paths: str) -> list[str]:
    return [line for line in lines if line.split(":", 1)[0] in paths]


# -- which records are checked ------------------------------------------------------------------------------


def test_a_fault_in_a_changed_record_is_found_and_one_in_an_unchanged_record_is_not(
        linked: Desk, run_itsm: RunItsm) -> None:
    t1, t2 = linked.ticket(linked.t1), linked.ticket(linked.t2)
    edit(t2, "\ngroup: messaging\n", "\ngroup: wizards\n")
    commit_all(linked.root, "t2 broken before the branch")
    git(linked.root, "tag", "before-branch")
    edit(t1, "\nlevel: 2\n", "\nlevel: 7\n")
    commit_all(linked.root, "t1 broken on the branch")
    full = check(run_itsm)
    assert full[0] == 1
    assert faults_of(full[1], linked.rel(t2)) != []
    code, lines, stderr = check(run_itsm, "--changed", "before-branch")
    assert code == 1
    assert lines == faults_of(full[1], linked.rel(t1))
    assert f"{linked.rel(t1)}:{line_of(t1, 'level')}: level 7 must be 1, 2 or 3" in lines
    assert stderr == "itsm check: 2 faults in 1 file (1 ticket, 0 problems, 0 KB articles changed since before-branch)\n"


def test_nothing_changed_is_ok_even_with_faults_elsewhere(linked: Desk, run_itsm: RunItsm) -> None:
    edit(linked.ticket(linked.t2), "\ngroup: messaging\n", "\ngroup: wizards\n")
    commit_all(linked.root)
    assert check(run_itsm, "--changed", "HEAD") == (
        0, [], "itsm check: ok (0 tickets, 0 problems, 0 KB articles changed since HEAD)\n")
    done = run_itsm("check", "--changed", "HEAD", "--json")
    assert (done.returncode, json.loads(done.stdout), done.stderr) == (0, [], "")


def test_uncommitted_and_untracked_changes_count(linked: Desk, run_itsm: RunItsm) -> None:
    t1 = linked.ticket(linked.t1)
    edit(t1, "\ngroup: messaging\n", "\ngroup: wizards\n")
    new = linked.root / "tickets" / MONTH / "INC-NEW001.md"
    new.write_text(linked.ticket(linked.t3).read_text().replace(f"id: {linked.t3}\n", "id: INC-NEW001\n")
                   .replace("\nlevel: 2\n", "\nlevel: 7\n"))
    code, lines, stderr = check(run_itsm, "--changed", "HEAD")
    groups = ("service-desk, identity, network, desktop-support, messaging, applications, infrastructure, suppliers")
    assert code == 1
    assert f"{linked.rel(t1)}:{line_of(t1, 'group')}: unknown group 'wizards' (groups: {groups})" in lines
    assert f"{linked.rel(new)}:{line_of(new, 'level')}: level 7 must be 1, 2 or 3" in lines
    assert f"{linked.rel(t1)}: warning: has changes that are not committed; the next itsm command that changes " \
           "it will refuse (commit or discard it)" in lines
    assert f"{linked.rel(new)}: warning: is not committed yet; the next itsm command that changes it will refuse " \
           "(commit or discard it)" in lines
    assert lines == faults_of(check(run_itsm)[1], linked.rel(t1), linked.rel(new))
    assert stderr.endswith("(2 tickets, 0 problems, 0 KB articles changed since HEAD; 2 warnings)\n")


def test_a_ticket_filed_in_the_wrong_month_and_a_duplicate_id(linked: Desk, run_itsm: RunItsm) -> None:
    t1 = linked.ticket(linked.t1)
    other = linked.root / "tickets" / "2026-10" / t1.name
    other.parent.mkdir()
    shutil.copyfile(t1, other)
    code, lines, _ = check(run_itsm, "--changed", "HEAD")
    assert code == 1
    assert lines == [
        f"tickets/2026-10/{t1.name}: warning: is not committed yet; the next itsm command that changes it will "
        "refuse (commit or discard it)",
        f"tickets/2026-10/{t1.name}:2: duplicate ID {linked.t1} (also in {linked.rel(t1)})",
        f"tickets/2026-10/{t1.name}:{line_of(t1, 'created')}: filed under 2026-10/ but created in {MONTH}",
        f"{linked.rel(t1)}:2: duplicate ID {linked.t1} (also in tickets/2026-10/{t1.name})",
    ]
    assert lines == check(run_itsm)[1]


# -- links: a changed record's own, and the unchanged records that link it ---------------------------------


def test_a_changed_ticket_whose_problem_does_not_list_it(linked: Desk, run_itsm: RunItsm) -> None:
    t2 = linked.ticket(linked.t2)
    edit(t2, "\nproblem:\n", f"\nproblem: {linked.prb}\n")
    commit_all(linked.root)
    code, lines, _ = check(run_itsm, "--changed", "base")
    assert code == 1
    assert f"{linked.rel(t2)}:{line_of(t2, 'problem')}: links {linked.prb}, but {linked.prb} does not list " \
           f"{linked.t2}" in lines
    assert lines == faults_of(check(run_itsm)[1], linked.rel(t2))


def test_a_changed_ticket_linking_records_that_do_not_exist(linked: Desk, run_itsm: RunItsm) -> None:
    t2 = linked.ticket(linked.t2)
    edit(t2, "\nproblem:\n", "\nproblem: PRB-NONE00\n")
    edit(t2, "\nkb: []\n", "\nkb:\n- KB-NONE00\n")
    edit(t2, f"\n- {linked.t1}\n", "\n- INC-NONE00\n")
    code, lines, _ = check(run_itsm, "--changed", "HEAD")
    assert code == 1
    for key, message in (("problem", "problem PRB-NONE00 does not exist"),
                         ("kb", "KB article KB-NONE00 does not exist"),
                         ("related", "related ticket INC-NONE00 does not exist")):
        assert f"{linked.rel(t2)}:{line_of(t2, key)}: {message}" in lines
    assert lines == faults_of(check(run_itsm)[1], linked.rel(t2))


def test_a_changed_problem_whose_incidents_do_not_exist_or_link_back(linked: Desk, run_itsm: RunItsm) -> None:
    problem = linked.problem()
    edit(problem, f"\n- {linked.t1}\n", f"\n- {linked.t1}\n- {linked.t2}\n- INC-NONE00\n")
    edit(problem, "\nkb: []\n", "\nkb:\n- KB-NONE00\n")
    code, lines, _ = check(run_itsm, "--changed", "HEAD")
    at = f"{linked.rel(problem)}:{line_of(problem, 'incidents')}"
    assert code == 1
    assert f"{at}: lists {linked.t2}, but {linked.t2} links no problem" in lines
    assert f"{at}: incident INC-NONE00 does not exist" in lines
    assert f"{linked.rel(problem)}:{line_of(problem, 'kb')}: KB article KB-NONE00 does not exist" in lines
    assert lines == faults_of(check(run_itsm)[1], linked.rel(problem))


def test_a_problem_that_drops_an_incident_is_found_through_the_unchanged_ticket(
        linked: Desk, run_itsm: RunItsm) -> None:
    """The ticket did not change, but its link now points at a problem that no longer
    lists it: the problem's incidents at REF tell which ticket to look at."""
    problem, t1 = linked.problem(), linked.ticket(linked.t1)
    edit(problem, f"incidents:\n- {linked.t1}\n", "incidents: []\n")
    code, lines, _ = check(run_itsm, "--changed", "HEAD")
    assert code == 1
    assert f"{linked.rel(t1)}:{line_of(t1, 'problem')}: links {linked.prb}, but {linked.prb} does not list " \
           f"{linked.t1}" in lines
    assert lines == faults_of(check(run_itsm)[1], linked.rel(problem), linked.rel(t1))


def test_a_ticket_that_drops_its_problem_is_found_through_the_unchanged_problem(
        linked: Desk, run_itsm: RunItsm) -> None:
    problem, t1 = linked.problem(), linked.ticket(linked.t1)
    edit(t1, f"\nproblem: {linked.prb}\n", "\nproblem:\n")
    code, lines, _ = check(run_itsm, "--changed", "HEAD")
    assert code == 1
    assert f"{linked.rel(problem)}:{line_of(problem, 'incidents')}: lists {linked.t1}, but {linked.t1} links " \
           "no problem" in lines
    assert lines == faults_of(check(run_itsm)[1], linked.rel(problem), linked.rel(t1))


def test_a_deleted_problem_is_found_through_the_ticket_that_links_it(linked: Desk, run_itsm: RunItsm) -> None:
    t1 = linked.ticket(linked.t1)
    git(linked.root, "rm", "-q", linked.rel(linked.problem()))
    git(linked.root, "commit", "-q", "-m", "problem deleted")
    code, lines, stderr = check(run_itsm, "--changed", "base")
    assert code == 1
    assert lines == [f"{linked.rel(t1)}:{line_of(t1, 'problem')}: problem {linked.prb} does not exist"]
    assert lines == check(run_itsm)[1]
    assert stderr == "itsm check: 1 fault in 1 file (0 tickets, 1 problem, 0 KB articles changed since base)\n"


def test_a_deleted_article_is_found_through_the_ticket_and_the_problem_that_link_it(
        linked: Desk, run_itsm: RunItsm) -> None:
    problem, t3 = linked.problem(), linked.ticket(linked.t3)
    edit(problem, "\nkb: []\n", f"\nkb:\n- {linked.kb}\n")
    commit_all(linked.root, "the problem cites the article")
    linked.article().unlink()  # deleted, not committed: it counts as well
    code, lines, _ = check(run_itsm, "--changed", "HEAD")
    assert code == 1
    assert lines == [
        f"{linked.rel(linked.article())}: warning: was deleted, and the deletion is not committed; the next itsm "
        "command that changes it will refuse (commit or discard it)",
        f"{linked.rel(problem)}:{line_of(problem, 'kb')}: KB article {linked.kb} does not exist",
        f"{linked.rel(t3)}:{line_of(t3, 'kb')}: KB article {linked.kb} does not exist",
    ]


def test_a_deleted_ticket_is_found_through_the_records_that_link_it(linked: Desk, run_itsm: RunItsm) -> None:
    problem, t1, t2 = linked.problem(), linked.ticket(linked.t1), linked.ticket(linked.t2)
    git(linked.root, "rm", "-q", linked.rel(t1))
    git(linked.root, "commit", "-q", "-m", "ticket deleted")
    code, lines, _ = check(run_itsm, "--changed", "HEAD~1")
    assert code == 1
    assert lines == [
        f"{linked.rel(problem)}:{line_of(problem, 'incidents')}: incident {linked.t1} does not exist",
        f"{linked.rel(t2)}:{line_of(t2, 'related')}: related ticket {linked.t1} does not exist",
    ]
    assert lines == check(run_itsm)[1]


def test_a_record_that_no_longer_parses_counts_as_missing_for_its_links(linked: Desk, run_itsm: RunItsm) -> None:
    t1, t2 = linked.ticket(linked.t1), linked.ticket(linked.t2)
    edit(t1, "\ntitle: Mail slow\n", "\ntitle: Mail: slow\n")
    code, lines, _ = check(run_itsm, "--changed", "HEAD")
    assert code == 1
    assert f"{linked.rel(t2)}:{line_of(t2, 'related')}: related ticket {linked.t1} does not exist" in lines
    assert lines == check(run_itsm)[1]


# -- the same answer as the full check ----------------------------------------------------------------------


def test_with_every_record_changed_it_equals_the_full_check(linked: Desk, run_itsm: RunItsm) -> None:
    """REF = the desk's first commit (itsm.yaml, the empty folders): every record differs,
    so `--changed` must say exactly what `itsm check` says, text and JSON."""
    t1, t2, t3 = (linked.ticket(t) for t in (linked.t1, linked.t2, linked.t3))
    edit(t2, "\nproblem:\n", f"\nproblem: {linked.prb}\n")
    edit(t3, "\nlevel: 2\n", "\nlevel: 7\n")
    edit(linked.problem(), "\nkb: []\n", "\nkb:\n- KB-NONE00\n")
    commit_all(linked.root)
    edit(t1, "\ntitle: Mail slow\n", "\ntitle: Mail: slow\n")  # uncommitted, and unreadable
    other = linked.root / "tickets" / "2026-10" / t3.name
    other.parent.mkdir()
    shutil.copyfile(t3, other)  # untracked
    first = git(linked.root, "rev-list", "--max-parents=0", "HEAD").strip()
    full, changed = run_itsm("check"), run_itsm("check", "--changed", first)
    assert full.returncode == changed.returncode == 1
    assert len(full.stdout.splitlines()) >= 8
    assert changed.stdout == full.stdout
    full, changed = run_itsm("check", "--json"), run_itsm("check", "--json", "--changed", first)
    assert json.loads(changed.stdout) == json.loads(full.stdout)


def test_a_changed_itsm_yaml_checks_every_record(linked: Desk, run_itsm: RunItsm) -> None:
    """The taxonomy and groups are every record's rules: a change to them is checked
    against all of them (here the empty tree: itsm.yaml itself is new)."""
    config = linked.root / "itsm.yaml"
    config.write_text(config.read_text().replace("  email/mailbox:", "  email/inbox:", 1))
    full, changed = run_itsm("check"), run_itsm("check", "--changed", "HEAD")
    assert full.returncode == changed.returncode == 1
    assert "category 'email/mailbox' is not in the taxonomy of itsm.yaml" in full.stdout
    assert changed.stdout == full.stdout
    assert changed.stderr.startswith("itsm check: itsm.yaml changed since HEAD, and with it the rules of every "
                                     "record: checking them all\n")
    assert run_itsm("check", "--changed", EMPTY_TREE).stdout == full.stdout


# -- REF: the upstream branch by default; refusals ---------------------------------------------------------


def test_ref_defaults_to_the_upstream_branch(linked: Desk, run_itsm: RunItsm, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(linked.root, "remote", "add", "origin", str(remote))
    git(linked.root, "push", "-q", "-u", "origin", "main")
    t1, t2 = linked.ticket(linked.t1), linked.ticket(linked.t2)
    edit(t1, "\ngroup: messaging\n", "\ngroup: wizards\n")
    commit_all(linked.root, "pushed: not part of the branch's own change")
    git(linked.root, "push", "-q")
    t2.write_text(re.sub(r"\nupdated: [^\n]*\n", "\nupdated: yesterday\n", t2.read_text()))
    commit_all(linked.root, "the branch's own change, not pushed")
    code, lines, stderr = check(run_itsm, "--changed")
    assert code == 1
    assert lines == [f"{linked.rel(t2)}:{line_of(t2, 'updated')}: updated 'yesterday' is not a UTC time like "
                     "2026-11-26T09:00:00Z"]
    assert stderr == "itsm check: 1 fault in 1 file (1 ticket, 0 problems, 0 KB articles changed since origin/main)\n"


def test_no_upstream_is_refused_with_a_hint(linked: Desk, run_itsm: RunItsm) -> None:
    before = snapshot(linked.root)
    done = run_itsm("check", "--changed")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "itsm: error: `itsm check --changed` compares with the upstream branch, and this branch has none "
        "(name what to compare with: `itsm check --changed origin/main`, or `itsm check --changed HEAD` for "
        "uncommitted changes only)\n")
    assert snapshot(linked.root) == before


@pytest.mark.parametrize("ref", ["no-such-branch", "--all", "HEAD~99"])
def test_an_unknown_ref_is_refused_and_nothing_changes(linked: Desk, run_itsm: RunItsm, ref: str) -> None:
    edit(linked.ticket(linked.t1), "\ngroup: messaging\n", "\ngroup: wizards\n")
    before = snapshot(linked.root)
    done = run_itsm("check", "--changed", "--", ref) if ref.startswith("-") else run_itsm("check", "--changed", ref)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"itsm: error: '{ref}' is not a commit git knows (name a branch, tag or commit, " \
                          "e.g. origin/main or HEAD)\n"
    assert snapshot(linked.root) == before


def test_a_ref_without_changed_and_fix_with_changed_are_refused(linked: Desk, run_itsm: RunItsm) -> None:
    done = run_itsm("check", "HEAD")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "itsm: error: 'HEAD': `itsm check` takes no argument but with --changed " \
                          "(itsm check --changed HEAD)\n"
    done = run_itsm("check", "--fix", "--changed", "HEAD")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "itsm: error: --fix works on the whole desk, --changed on a part of it " \
                          "(run `itsm check --fix`, then `itsm check --changed`)\n"


def test_a_desk_outside_git_is_refused(tmp_path: Path, run_itsm: RunItsm) -> None:
    plain = tmp_path / "plain"
    (plain / "tickets").mkdir(parents=True)
    done = run_itsm("check", "--changed", "HEAD", cwd=plain)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "itsm: error: `itsm check --changed` asks git what changed, but the desk is not in a " \
                          "git repository (run `itsm check` to check every record)\n"


def test_a_desk_in_a_folder_of_a_larger_repository(tmp_path: Path, run_itsm: RunItsm) -> None:
    """Git names paths from the repository's top; the findings name them from the desk's."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "commit", "-q", "--allow-empty", "-m", "the repository's own first commit")
    assert run_itsm("init", str(repo / "desk")).returncode == 0
    root = repo / "desk"
    ticket_id = run_itsm("new", "Mail slow", "-q", cwd=root).stdout.strip()
    prb = run_itsm("problem", "new", "Quota fills up", "-i", ticket_id, cwd=root).stdout.strip()
    git(repo, "rm", "-q", f"desk/problems/{prb}.md")
    git(repo, "commit", "-q", "-m", "problem deleted")
    done = run_itsm("check", "--changed", "HEAD~1", cwd=root)
    path = root / "tickets" / MONTH / f"{ticket_id}.md"
    assert (done.returncode, done.stdout) == (
        1, f"tickets/{MONTH}/{ticket_id}.md:{line_of(path, 'problem')}: problem {prb} does not exist\n")


def test_many_deleted_records_are_traced_in_one_pass(linked: Desk, run_itsm: RunItsm) -> None:
    """Past 50 missing records git's search is slow, and the tickets' front-matters are read
    once instead: the same findings either way."""
    t3 = linked.ticket(linked.t3)
    copies = [t3.with_name(f"INC-CPY{n:03d}.md") for n in range(55)]
    for copy in copies:
        copy.write_text(t3.read_text().replace(f"id: {linked.t3}\n", f"id: {copy.stem}\n"))
    commit_all(linked.root, "55 tickets")
    git(linked.root, "rm", "-q", *(linked.rel(p) for p in [*copies, linked.ticket(linked.t1)]))
    git(linked.root, "commit", "-q", "-m", "56 tickets deleted")
    problem, t2 = linked.problem(), linked.ticket(linked.t2)
    code, lines, stderr = check(run_itsm, "--changed", "HEAD~1")
    assert code == 1
    assert lines == [
        f"{linked.rel(problem)}:{line_of(problem, 'incidents')}: incident {linked.t1} does not exist",
        f"{linked.rel(t2)}:{line_of(t2, 'related')}: related ticket {linked.t1} does not exist",
    ]
    assert lines == check(run_itsm)[1]
    assert stderr == "itsm check: 2 faults in 2 files (56 tickets, 0 problems, 0 KB articles changed since HEAD~1)\n"
