"""Two clones change one record: the merge driver joins them field by field (docs/sync.md).

Real git throughout: a bare remote in a temporary folder, clones of it, `itsm setup` in
each, and real `git pull` / `git merge` calling `itsm merge-driver`. Each test scripts the
two sides with the real CLI at pinned instants, then checks the merged file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from itsm.core.model import Problem, Ticket
from itsm.records import markdown
from tests.conftest import git, readme_block, run_cli, run_shell, snapshot


def itsm(where: Path, *args: str, at: str = "2026-11-26T09:00:00Z", actor: str = "Alice Moreau",
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(where, *args, env={"ITSM_NOW": at, "ITSM_ACTOR": actor, **(env or {})})


def ok(where: Path, *args: str, **kwargs: str) -> str:
    done = itsm(where, *args, **kwargs)  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def team(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A bare remote and two clones of one desk, each set up (`itsm setup` in the clone)."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    first = tmp_path / "a"
    ok(tmp_path, "init", str(first))
    git(first, "remote", "add", "origin", str(remote))
    git(first, "push", "-q", "-u", "origin", "main")
    second = tmp_path / "b"
    git(tmp_path, "clone", "-q", str(remote), str(second))
    ok(second, "setup")
    return remote, first, second


def shared_ticket(a: Path, b: Path, *setup: tuple[str, ...]) -> str:
    """A ticket made in clone a (with `setup` commands run on it), pushed, pulled by b."""
    ticket = ok(a, "new", "VPN drops every few minutes", "-c", "network/vpn", "--impact", "medium",
                "--urgency", "high", "-r", "maria@example.org", "--channel", "phone", "-q")
    for n, command in enumerate(setup):
        ok(a, *[part.replace("{ID}", ticket) for part in command], at=f"2026-11-26T09:0{n + 1}:00Z")
    git(a, "push", "-q")
    git(b, "pull", "-q", "--no-rebase")
    return ticket


def pull(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "pull", "--no-rebase", "--no-edit"], cwd=where, capture_output=True, text=True,
                          env={**os.environ, "ITSM_NOW": "2026-11-26T12:00:00Z"}, check=False)


def record(where: Path, ticket: str) -> Ticket:
    path = next((where / "tickets").rglob(f"{ticket}.md"))
    parsed = markdown.parse(path.read_text(), "ticket")
    assert isinstance(parsed, Ticket)
    return parsed


def exchange(a: Path, b: Path) -> subprocess.CompletedProcess[str]:
    """a pushes first; b pulls (the driver merges) and pushes; a pulls (a fast-forward)."""
    git(a, "push", "-q")
    merged = pull(b)
    if merged.returncode == 0:
        git(b, "push", "-q")
        assert pull(a).returncode == 0
    return merged


def test_setup_in_a_fresh_clone_registers_the_driver_and_check_says_when_it_is_missing(
        tmp_path: Path, team: tuple[Path, Path, Path]) -> None:
    remote, _, _ = team
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(remote), str(fresh))
    assert (fresh / ".gitattributes").read_text().count("merge=itsm") == 3  # committed by `itsm init`
    checked = itsm(fresh, "check")
    assert checked.returncode == 0  # a warning, not a fault
    assert ".gitattributes: warning: the merge driver for records is not configured in this clone" in checked.stdout
    assert "run `itsm setup`" in checked.stdout
    done = ok(fresh, "setup")
    assert done == "itsm setup: merge driver registered in .git/config"
    driver = git(fresh, "config", "--get", "merge.itsm.driver").strip()
    assert driver == f"{sys.executable} -m itsm merge-driver %O %A %B %P"
    assert "merge driver" not in itsm(fresh, "check").stdout
    assert ok(fresh, "setup") == "itsm setup: already set up: record files are merged by the itsm merge driver"
    assert git(fresh, "status", "--porcelain") == ""


def test_setup_adds_the_attributes_a_desk_made_before_the_driver_lacks(tmp_path: Path) -> None:
    desk = tmp_path / "old"
    ok(tmp_path, "init", str(desk))
    git(desk, "rm", "-q", ".gitattributes")
    git(desk, "commit", "-q", "-m", "a desk from before the merge driver")
    assert "not set up" in itsm(desk, "check").stdout
    assert ok(desk, "setup").splitlines()[:2] == [
        "itsm setup: .gitattributes: record files use the itsm merge driver", "itsm setup: committed"]
    assert git(desk, "log", "-1", "--format=%s").strip().startswith("desk setup: .gitattributes")
    assert git(desk, "check-attr", "merge", "--", "tickets/2026-11/INC-7QK3F2.md").strip().endswith("merge: itsm")
    assert git(desk, "check-attr", "merge", "--", "kb/KB-7QK3F2.md").strip().endswith("merge: itsm")


def test_two_notes_on_one_ticket_are_joined_by_a_plain_git_pull(team: tuple[Path, Path, Path]) -> None:
    """Without the driver this is a conflict on `updated:` and on the timeline's tail."""
    _, a, b = team
    ticket = shared_ticket(a, b)
    ok(a, "log", ticket, "Called Maria: it drops at home only", at="2026-11-26T10:00:00Z", actor="Ann")
    ok(b, "log", ticket, "Router firmware is from 2019", at="2026-11-26T10:01:00Z", actor="Bob")
    merged = exchange(a, b)
    assert merged.returncode == 0, merged.stderr
    for clone in (a, b):
        timeline = record(clone, ticket).timeline
        assert [e.text for e in timeline[1:]] == ["Called Maria: it drops at home only", "Router firmware is from 2019"]
        assert len({e.id for e in timeline}) == len(timeline)
        assert record(clone, ticket).updated == "2026-11-26T10:01:00Z"
        assert "merge" not in [e.kind for e in timeline]  # nothing to decide: no merge entry
        assert itsm(clone, "check").returncode == 0
    assert git(a, "rev-parse", "HEAD^{tree}") == git(b, "rev-parse", "HEAD^{tree}")


def test_a_key_changed_on_one_side_only_takes_that_change(team: tuple[Path, Path, Path]) -> None:
    _, a, b = team
    ticket = shared_ticket(a, b)
    ok(a, "categorise", ticket, "--impact", "high", at="2026-11-26T10:00:00Z")  # P2 -> P1 on a
    ok(b, "assign", ticket, "--owner", "Bob", at="2026-11-26T10:05:00Z", actor="Bob")  # owner on b
    due_on_a = record(a, ticket).due_resolution
    assert exchange(a, b).returncode == 0
    merged = record(b, ticket)
    assert (merged.impact, merged.priority, merged.owner, merged.status) == ("high", "P1", "Bob", "assigned")
    assert "merge" not in [e.kind for e in merged.timeline]
    # The deadlines follow the merged priority and timeline: P1's, as clone a had derived them.
    assert merged.due_resolution == due_on_a
    assert merged.due_response == "2026-11-26T10:15:00Z"  # 15 minutes from the change to P1
    assert itsm(b, "check").returncode == 0


def test_a_key_both_sides_changed_takes_the_later_change_and_a_merge_entry_names_both(
        team: tuple[Path, Path, Path]) -> None:
    _, a, b = team
    ticket = shared_ticket(a, b)
    ok(a, "assign", ticket, "--owner", "Ann", at="2026-11-26T10:07:00Z", actor="Ann")
    ok(b, "assign", ticket, "--owner", "Bob", at="2026-11-26T10:05:00Z", actor="Bob")
    merged_pull = exchange(a, b)
    assert merged_pull.returncode == 0, merged_pull.stderr
    assert "owner was changed on both sides; kept the later change" in merged_pull.stderr
    merged = record(b, ticket)
    assert merged.owner == "Ann"  # 10:07 on a is later than 10:05 on b, though b merged
    entry = merged.timeline[-1]
    assert (entry.kind, entry.actor, entry.time) == ("merge", "itsm merge", "2026-11-26T10:07:00Z")
    assert "owner: Ann (assign by Ann, 2026-11-26T10:07:00Z) and Bob (assign by Bob, 2026-11-26T10:05:00Z)" in entry.text
    assert "kept Ann, the later change" in entry.text
    assert itsm(b, "check").returncode == 0
    assert record(a, ticket) == merged


def test_the_merge_is_the_same_whichever_clone_merges(tmp_path: Path, team: tuple[Path, Path, Path]) -> None:
    """Both clones merge the same two changes on their own: the same record, the same merge
    entry ID, so a later merge of the two merges doubles nothing."""
    _remote, a, b = team
    ticket = shared_ticket(a, b)
    ok(a, "assign", ticket, "--owner", "Ann", at="2026-11-26T10:07:00Z", actor="Ann")
    ok(b, "assign", ticket, "--owner", "Bob", at="2026-11-26T10:05:00Z", actor="Bob")
    git(a, "fetch", "-q", str(b), "main:from-b")
    git(b, "fetch", "-q", str(a), "main:from-a")
    assert subprocess.run(["git", "merge", "-q", "--no-edit", "from-b"], cwd=a, capture_output=True, check=False).returncode == 0
    assert subprocess.run(["git", "merge", "-q", "--no-edit", "from-a"], cwd=b, capture_output=True, check=False).returncode == 0
    assert record(a, ticket) == record(b, ticket)
    git(a, "push", "-q")
    again = pull(b)  # merges the two merge commits
    assert again.returncode == 0, again.stderr
    timeline = record(b, ticket).timeline
    assert [e.kind for e in timeline].count("merge") == 1
    assert itsm(b, "check").returncode == 0


def test_list_keys_merge_as_sets(team: tuple[Path, Path, Path]) -> None:
    """A problem's incidents: each side links another incident; one side unlinks one."""
    _, a, b = team
    first = shared_ticket(a, b)
    second = ok(a, "new", "VPN drops again", "-q", at="2026-11-26T09:10:00Z")
    third = ok(a, "new", "VPN slow", "-q", at="2026-11-26T09:11:00Z")
    fourth = ok(a, "new", "VPN gone", "-q", at="2026-11-26T09:12:00Z")
    made = ok(a, "problem", "new", "VPN concentrator drops sessions", "-i", first, "-i", fourth,
              at="2026-11-26T09:20:00Z")
    problem = next(word for word in made.split() if word.startswith("PRB-"))
    git(a, "push", "-q")
    git(b, "pull", "-q", "--no-rebase")
    ok(a, "problem", "link", problem, second, at="2026-11-26T10:00:00Z")
    ok(b, "problem", "link", problem, third, at="2026-11-26T10:01:00Z")
    ok(b, "problem", "unlink", problem, fourth, at="2026-11-26T10:02:00Z")
    assert exchange(a, b).returncode == 0
    path = b / "problems" / f"{problem}.md"
    merged = markdown.parse(path.read_text(), "problem")
    assert isinstance(merged, Problem)
    assert set(merged.incidents) == {first, second, third}
    assert itsm(b, "check").returncode == 0, itsm(b, "check").stdout


def test_closed_on_one_side_and_reopened_on_the_other_stops_with_readable_markers(
        team: tuple[Path, Path, Path]) -> None:
    _, a, b = team
    ticket = shared_ticket(a, b, ("assign", "{ID}", "--owner", "Ann"),
                           ("resolve", "{ID}", "--fix", "Replaced the router", "--code", "hardware-replaced"),
                           ("notify", "{ID}"), ("confirm", "{ID}"))
    ok(a, "close", ticket, at="2026-11-26T10:00:00Z", actor="Ann")
    ok(b, "reopen", ticket, "--reason", "It dropped again at 10:04", at="2026-11-26T10:05:00Z", actor="Bob")
    git(a, "push", "-q")
    before = git(b, "rev-parse", "HEAD")
    merged = pull(b)
    assert merged.returncode != 0
    assert "status: reopen (theirs" not in merged.stderr  # b merges: the reopen is ours
    assert f"{ticket}: status: reopen (ours: Bob, 2026-11-26T10:05:00Z) came after the other side made it closed" in merged.stderr
    text = next((b / "tickets").rglob(f"{ticket}.md")).read_text()
    assert "<<<<<<< ours\nstatus: in_progress\n=======\nstatus: closed\n>>>>>>> theirs\n" in text
    # Nothing is lost while a person decides: both sides' entries are in the file.
    assert "· close · Ann" in text and "· reopen · Bob" in text
    assert git(b, "rev-parse", "HEAD") == before
    assert "UU" in git(b, "status", "--porcelain")
    shown = itsm(b, "show", ticket)
    assert shown.returncode == 2 and "unfinished merge" in shown.stderr
    logged = itsm(b, "log", ticket, "note")
    assert logged.returncode == 2 and "a merge is in progress" in logged.stderr


def test_a_description_changed_in_different_lines_merges_and_in_the_same_lines_is_marked(
        tmp_path: Path) -> None:
    from itsm.config.loading import load
    from itsm.storage import gitio, merge

    base = _ticket_text("Line one.\nLine two.\nLine three.")
    ours = _ticket_text("Line one, at home.\nLine two.\nLine three.")
    theirs = _ticket_text("Line one.\nLine two.\nLine three, since Monday.")
    config = load(tmp_path)
    clean = merge.merge(base, ours, theirs, "ticket", config, gitio.merge_file)
    assert clean.conflicts == []
    assert "Line one, at home.\nLine two.\nLine three, since Monday." in clean.text
    clash = merge.merge(base, ours, _ticket_text("Line one, in the office.\nLine two.\nLine three."), "ticket",
                        config, gitio.merge_file)
    assert clash.conflicts == ["INC-7QK3F2: the description was changed on both sides in the same lines; "
                               "keep what is right between the markers"]
    assert "<<<<<<< ours\nLine one, at home.\n=======\nLine one, in the office.\n>>>>>>> theirs" in clash.text


def _ticket_text(description: str) -> str:
    return ("---\nid: INC-7QK3F2\ntitle: VPN drops\ncreated: 2026-11-26T09:00:00Z\n---\n\n"
            f"{description}\n\n## Timeline\n\n### 2026-11-26T09:00:00Z · created · Ann <!-- AAAAAAAA -->\n")


def test_two_records_minted_with_one_id_are_never_merged_into_one(tmp_path: Path) -> None:
    from itsm.config.loading import load
    from itsm.storage import gitio, merge

    ours = _ticket_text("Printer jams.")
    theirs = _ticket_text("Mail is slow.").replace("AAAAAAAA", "BBBBBBBB")
    result = merge.merge(None, ours, theirs, "ticket", load(tmp_path), gitio.merge_file)
    assert result.conflicts and "two different records were made with the same ID" in result.conflicts[0]
    assert markdown.conflict_line(result.text) == 1


def test_a_side_that_is_not_a_record_is_merged_line_by_line(team: tuple[Path, Path, Path]) -> None:
    _, a, b = team
    ticket = shared_ticket(a, b)
    path_a = next((a / "tickets").rglob(f"{ticket}.md"))
    path_a.write_text(path_a.read_text().replace("title: VPN drops every few minutes", "title: [unclosed"))
    git(a, "commit", "-q", "-am", "a broken hand edit")
    ok(b, "log", ticket, "A note", at="2026-11-26T10:00:00Z")
    merged = exchange(a, b)
    assert "not merged field by field (theirs:" in merged.stderr
    assert "merged line by line instead" in merged.stderr


def test_sync_joins_two_clones_and_leaves_them_identical(team: tuple[Path, Path, Path]) -> None:
    _, a, b = team
    ticket = shared_ticket(a, b)
    ok(a, "log", ticket, "Checked the concentrator logs", at="2026-11-26T10:00:00Z")
    ok(b, "log", ticket, "Firmware upgrade scheduled", at="2026-11-26T10:02:00Z")
    assert ok(a, "sync", at="2026-11-26T10:10:00Z") == "itsm sync: sent 1 commit (origin/main)"
    assert ok(b, "sync", at="2026-11-26T10:11:00Z") == "itsm sync: received 1 commit (merged) and sent 2 commits (origin/main)"
    assert ok(a, "sync", at="2026-11-26T10:12:00Z") == "itsm sync: received 2 commits (origin/main)"
    assert ok(a, "sync", at="2026-11-26T10:13:00Z") == "itsm sync: up to date with origin/main"
    assert git(a, "rev-parse", "HEAD") == git(b, "rev-parse", "HEAD")
    assert [e.text for e in record(a, ticket).timeline[1:]] == ["Checked the concentrator logs",
                                                                "Firmware upgrade scheduled"]
    # The caches followed: search finds the other clone's note without a reindex.
    assert ticket in ok(a, "search", "firmware")


def test_sync_with_an_unreachable_remote_changes_nothing(tmp_path: Path, team: tuple[Path, Path, Path]) -> None:
    _remote, a, b = team
    ticket = shared_ticket(a, b)
    ok(a, "log", ticket, "Offline note", at="2026-11-26T10:00:00Z")
    git(a, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    before = snapshot(a, caches=False)
    done = itsm(a, "sync")
    assert done.returncode == 2
    assert done.stderr.startswith("itsm: error: cannot reach origin: ")
    assert "nothing was changed here and your commits are kept" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert snapshot(a, caches=False) == before


def test_sync_when_the_remote_refuses_the_push_keeps_the_commits(team: tuple[Path, Path, Path]) -> None:
    remote, a, b = team
    ticket = shared_ticket(a, b)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'the desk is frozen for the audit' >&2\nexit 1\n")
    hook.chmod(0o755)
    ok(a, "log", ticket, "A note nobody may push", at="2026-11-26T10:00:00Z")
    head = git(a, "rev-parse", "HEAD")
    done = itsm(a, "sync")
    assert done.returncode == 2
    assert "origin rejected the push" in done.stderr and "your commits are kept here" in done.stderr
    assert git(a, "rev-parse", "HEAD") == head
    assert "A note nobody may push" in next((a / "tickets").rglob(f"{ticket}.md")).read_text()


def test_sync_that_meets_a_decision_stops_and_names_the_file(team: tuple[Path, Path, Path]) -> None:
    _, a, b = team
    ticket = shared_ticket(a, b, ("assign", "{ID}", "--owner", "Ann"),
                           ("resolve", "{ID}", "--fix", "Replaced the router", "--code", "hardware-replaced"),
                           ("notify", "{ID}"), ("confirm", "{ID}"))
    ok(a, "close", ticket, at="2026-11-26T10:00:00Z")
    ok(a, "sync", at="2026-11-26T10:01:00Z")
    ok(b, "reopen", ticket, "--reason", "It dropped again", at="2026-11-26T10:05:00Z")
    done = itsm(b, "sync", at="2026-11-26T10:06:00Z")
    assert done.returncode == 1
    assert "the merge stopped: 1 file(s) need a person's decision (tickets/2026-11/" in done.stderr
    assert "git merge --abort" in done.stderr
    assert f"{ticket}: status: reopen" in done.stderr


def test_sync_without_a_remote_says_how_to_add_one(desk: Path) -> None:
    done = itsm(desk, "sync")
    assert done.returncode == 2
    assert done.stderr == ("itsm: error: this clone has no remote to sync with "
                           "(add the team's repository: git remote add origin URL)\n")


@pytest.mark.process
def test_the_readme_block_for_several_clones_runs_as_written(tmp_path: Path) -> None:
    done = run_shell(readme_block("A team on several clones"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Called: paper tray 2 only" in done.stdout and "Ordered a new roller" in done.stdout
    ann, bob = tmp_path / "desk-ann", tmp_path / "desk-bob"
    [path] = list((ann / "tickets").rglob("*.md"))
    text = path.read_text()
    assert text.count("Called: paper tray 2 only") == 1 and text.count("Ordered a new roller") == 1
    assert "<<<<<<<" not in text
    assert git(ann, "rev-parse", "HEAD^{tree}") != git(bob, "rev-parse", "HEAD^{tree}")  # bob has not synced since
    assert itsm(bob, "sync").returncode == 0
    assert git(ann, "rev-parse", "HEAD") == git(bob, "rev-parse", "HEAD")


def test_impact_on_one_side_and_urgency_on_the_other_give_the_priority_of_both(team: tuple[Path, Path, Path]) -> None:
    """Priority is derived, never merged as a value: medium x high is P2; high impact on a
    (P1) and low urgency on b (P3) give high x low, P3 by the default matrix — neither side's."""
    _, a, b = team
    ticket = shared_ticket(a, b)
    ok(a, "categorise", ticket, "--impact", "high", at="2026-11-26T10:00:00Z")
    ok(b, "categorise", ticket, "--urgency", "low", at="2026-11-26T10:05:00Z")
    assert (record(a, ticket).priority, record(b, ticket).priority) == ("P1", "P4")
    merged = exchange(a, b)
    assert merged.returncode == 0, merged.stderr
    result = record(b, ticket)
    assert (result.impact, result.urgency, result.priority) == ("high", "low", "P3")
    assert itsm(b, "check").returncode == 0, itsm(b, "check").stdout


def _article(tags: list[str], body: str, updated: str) -> str:
    from itsm.core.model import Article

    return markdown.render(Article(id="KB-7QK3F2", title="VPN drops on home routers", tags=tuple(tags),
                                  created="2026-11-20T09:00:00Z", updated=updated, body=body))


def test_a_kb_article_merges_tags_as_sets_and_its_body_line_by_line(tmp_path: Path) -> None:
    from itsm.config.loading import load
    from itsm.core.model import Article
    from itsm.storage import gitio, merge

    base = _article(["vpn", "home"], "## Symptoms\nDrops.\n\n## Resolution\nRestart the router.", "2026-11-20T09:00:00Z")
    ours = _article(["vpn", "home", "router"], "## Symptoms\nDrops every few minutes.\n\n## Resolution\n"
                    "Restart the router.", "2026-11-21T09:00:00Z")
    theirs = _article(["vpn", "mtu"], "## Symptoms\nDrops.\n\n## Resolution\nSet the MTU to 1400.",
                      "2026-11-22T09:00:00Z")
    result = merge.merge(base, ours, theirs, "kb", load(tmp_path), gitio.merge_file)
    assert result.conflicts == []
    merged = markdown.parse(result.text, "kb")
    assert isinstance(merged, Article)
    assert merged.tags == ("vpn", "mtu", "router")  # home removed on theirs, router and mtu added
    assert merged.body == "## Symptoms\nDrops every few minutes.\n\n## Resolution\nSet the MTU to 1400."
    assert merged.updated == "2026-11-22T09:00:00Z"


def test_an_entry_rewritten_differently_on_both_sides_is_never_chosen_silently(tmp_path: Path) -> None:
    from itsm.config.loading import load
    from itsm.storage import gitio, merge

    base = _ticket_text("Printer jams.") + "\nRecorded.\n"
    ours = _ticket_text("Printer jams.") + "\nRecorded by phone.\n"
    theirs = _ticket_text("Printer jams.") + "\nRecorded at the counter.\n"
    result = merge.merge(base, ours, theirs, "ticket", load(tmp_path), gitio.merge_file)
    assert result.conflicts == ["INC-7QK3F2: timeline entry AAAAAAAA (created, 2026-11-26T09:00:00Z) was changed on "
                                "both sides; entries are never rewritten: keep one"]
    assert markdown.conflict_line(result.text) == 1
    assert "Recorded by phone." in result.text and "Recorded at the counter." in result.text


def test_sync_over_someones_uncommitted_edit_names_the_file_and_changes_nothing(team: tuple[Path, Path, Path]) -> None:
    _, a, b = team
    ticket = shared_ticket(a, b)
    ok(a, "log", ticket, "A note from a", at="2026-11-26T10:00:00Z")
    ok(a, "sync", at="2026-11-26T10:01:00Z")
    path = next((b / "tickets").rglob(f"{ticket}.md"))
    path.write_text(path.read_text() + "\nA line typed by hand.\n")
    def desk_state() -> tuple[dict[str, bytes], str]:
        # The fetch itself moves origin/main (what the remote has is news, not a change here).
        files = {name: data for name, data in snapshot(b, caches=False).items()
                 if not name.startswith(".git/") or name == ".git/index"}
        return files, git(b, "rev-parse", "HEAD")

    before = desk_state()
    done = itsm(b, "sync", at="2026-11-26T10:02:00Z")
    assert done.returncode == 2
    rel = path.relative_to(b)
    assert done.stderr == (f"itsm: error: the merge would overwrite changes nobody committed in {rel}; nothing was "
                           "changed (commit them (git commit) or discard them (git checkout HEAD -- FILE), then run "
                           "`itsm sync` again)\n")
    assert desk_state() == before


def test_the_same_decision_made_by_two_merges_gives_two_entries(team: tuple[Path, Path, Path]) -> None:
    """Found by scripts/reliability.py: the same two incidents linked on both sides, unlinked,
    then linked again on both sides — two merges deciding the same thing — once gave one
    merge entry ID twice, and the problem's file was unreadable from then on."""
    _, a, b = team
    first = shared_ticket(a, b)
    second = ok(a, "new", "VPN drops again", "-q", at="2026-11-26T09:10:00Z")
    third = ok(a, "new", "VPN slow", "-q", at="2026-11-26T09:11:00Z")
    made = ok(a, "problem", "new", "VPN concentrator drops sessions", "-i", first, at="2026-11-26T09:20:00Z")
    problem = next(word for word in made.split() if word.startswith("PRB-"))
    ok(a, "sync", at="2026-11-26T09:21:00Z")
    ok(b, "sync", at="2026-11-26T09:21:00Z")
    for hour in ("10", "12"):
        ok(a, "problem", "link", problem, second, at=f"2026-11-26T{hour}:00:00Z")
        ok(b, "problem", "link", problem, third, at=f"2026-11-26T{hour}:01:00Z")
        for clone in (a, b, a):
            ok(clone, "sync", at=f"2026-11-26T{hour}:05:00Z")
        if hour == "10":
            ok(a, "problem", "unlink", problem, second, third, at="2026-11-26T11:00:00Z")
            ok(a, "sync", at="2026-11-26T11:01:00Z")
            ok(b, "sync", at="2026-11-26T11:01:00Z")
    merged = markdown.parse((a / "problems" / f"{problem}.md").read_text(), "problem")
    assert isinstance(merged, Problem)
    merges = [e for e in merged.timeline if e.kind == "merge"]
    assert len(merges) == 2 and merges[0].id != merges[1].id
    assert set(merged.incidents) == {first, second, third}
    assert itsm(a, "check").returncode == 0


def test_two_people_resolving_one_ticket_merge_to_the_later_resolution_with_both_named(
        team: tuple[Path, Path, Path]) -> None:
    """The same step on both sides is no contradiction: the later resolution is kept, the
    merge entry names both, both resolutions are counted."""
    _, a, b = team
    ticket = shared_ticket(a, b, ("assign", "{ID}", "--owner", "Ann"))
    ok(a, "resolve", ticket, "--workaround", "Wired connection for now", "--code", "workaround-applied",
       at="2026-11-26T10:00:00Z", actor="Ann")
    ok(b, "resolve", ticket, "--fix", "Router firmware updated", "--code", "software-updated",
       at="2026-11-26T10:05:00Z", actor="Bob")
    merged_pull = exchange(a, b)
    assert merged_pull.returncode == 0, merged_pull.stderr
    merged = record(b, ticket)
    assert merged.status == "resolved"
    assert merged.resolution is not None and merged.resolution.summary == "Router firmware updated"
    assert (merged.resolved, merged.resolved_by, merged.resolutions) == ("2026-11-26T10:05:00Z", "Bob", 2)
    entry = merged.timeline[-1]
    assert entry.kind == "merge" and "Wired connection for now" in entry.text
    assert "kept kind: fix, summary: Router firmware updated, code: software-updated, the later change" in entry.text
    assert itsm(b, "check").returncode == 0, itsm(b, "check").stdout


def test_a_merge_the_readers_would_refuse_is_never_written_as_a_record(tmp_path: Path) -> None:
    """Two sides each 2.5 MiB of notes, under the 4 MiB limit alone, over it together."""
    from itsm.config.loading import load
    from itsm.storage import gitio, merge

    base = _ticket_text("Printer jams.")
    ours = base + "".join(f"\n### 2026-11-26T10:00:00Z · note · Ann <!-- A{n:07d} -->\n\n{'x' * 2600}\n"
                          for n in range(1000))
    theirs = base + "".join(f"\n### 2026-11-26T10:00:00Z · note · Bob <!-- B{n:07d} -->\n\n{'y' * 2600}\n"
                            for n in range(1000))
    result = merge.merge(base, ours, theirs, "ticket", load(tmp_path), gitio.merge_file)
    assert result.conflicts and "over the 4 MiB limit of a record file" in result.conflicts[0]
    assert markdown.conflict_line(result.text) == 1


def _mail(message_id: str, subject: str, body: str, reply_to: str = "") -> bytes:
    headers = f"In-Reply-To: {reply_to}\n" if reply_to else ""
    return (f"From: maria@example.org\nTo: desk@example.org\nSubject: {subject}\nMessage-ID: {message_id}\n"
            f"{headers}\n{body}\n").encode()


def test_mail_and_alerts_taken_in_on_two_clones_merge_with_nothing_lost(team: tuple[Path, Path, Path]) -> None:
    """Two clones each take in a reply to one mailed ticket and an occurrence of one alert:
    the Message-IDs join as a set, the occurrences add up, every entry is there once."""
    _, a, b = team

    def take(where: Path, kind: str, data: bytes, at: str) -> None:
        args = ["ingest", "email", "-"] if kind == "email" else ["ingest", "alert", "-", "--format", "generic"]
        done = run_cli(where, *args, input=data, env={"ITSM_NOW": at}, text=False)
        assert done.returncode == 0, done.stderr

    take(a, "email", _mail("<m1@example.org>", "VPN drops", "It drops."), "2026-11-26T09:00:00Z")
    alert = {"title": "VPN gateway down", "source": "nagios", "dedup_key": "gw1", "time": "2026-11-26T09:00:00Z"}
    take(a, "alert", json.dumps(alert).encode(), "2026-11-26T09:00:00Z")
    git(a, "push", "-q")
    git(b, "pull", "-q", "--no-rebase")
    take(a, "email", _mail("<m2@example.org>", "Re: VPN drops", "Again at 10.", "<m1@example.org>"),
         "2026-11-26T10:00:00Z")
    take(b, "email", _mail("<m3@example.org>", "Re: VPN drops", "And at 11.", "<m1@example.org>"),
         "2026-11-26T11:00:00Z")
    take(a, "alert", json.dumps({**alert, "time": "2026-11-26T10:00:00Z"}).encode(), "2026-11-26T10:00:00Z")
    take(b, "alert", json.dumps({**alert, "time": "2026-11-26T11:00:00Z"}).encode(), "2026-11-26T11:00:00Z")
    assert exchange(a, b).returncode == 0
    for clone in (a, b):
        mailed = [p for p in (clone / "tickets").rglob("*.md") if "message_ids" in p.read_text()]
        alerted = [p for p in (clone / "tickets").rglob("*.md") if "fingerprint" in p.read_text()]
        assert len(mailed) == 1 and len(alerted) == 1
        ticket = record(clone, mailed[0].stem)
        assert sorted(ticket.message_ids) == ["<m1@example.org>", "<m2@example.org>", "<m3@example.org>"]
        assert [e.text for e in ticket.timeline if e.kind == "email-in"] == ["Again at 10.", "And at 11."]
        fired = record(clone, alerted[0].stem)
        assert fired.occurrences == 3
        assert len([e for e in fired.timeline if e.kind == "alert"]) == 3
        assert itsm(clone, "check").returncode == 0
