"""Parallel `itsm` processes on one desk: no lost update, no duplicate ID, no git index.lock trouble."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import RunItsm, git

# Processes and their locks are what these tests are about: every `itsm` is a real process.
pytestmark = [pytest.mark.process, pytest.mark.slow]

MONTH = "2026-11"


def start(desk: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "itsm", *args], cwd=desk, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append((process.returncode, out, err))
    return results


def commit_count(desk: Path) -> int:
    return int(git(desk, "rev-list", "--count", "HEAD").strip())


def assert_repository_sound(desk: Path, killed: bool = False) -> None:
    """`killed`: a git killed in its commit leaves objects nothing refers to (as git's own
    refused commit does); they are not faults, so `--no-dangling`."""
    extra = ["--no-dangling"] if killed else []
    fsck = subprocess.run(["git", "fsck", "--strict", *extra], cwd=desk, capture_output=True, text=True, check=False)
    assert (fsck.returncode, fsck.stdout, fsck.stderr) == (0, "", "")
    assert git(desk, "status", "--porcelain") == ""
    assert not (desk / ".git" / "index.lock").exists()


def test_twenty_parallel_new_give_twenty_tickets_and_commits(desk: Path) -> None:
    before = commit_count(desk)
    results = finish([start(desk, "new", f"Parallel ticket {n}") for n in range(20)])
    for code, out, err in results:
        assert code == 0, err
        # Nothing on stderr but the look-alikes `new` shows (the other "Parallel ticket"s).
        assert all(line == "looks like:" or line.startswith("  ") for line in err.splitlines()), err
        assert "index.lock" not in err
        assert out.count("\n") == 1
    ids = [out.strip() for _, out, _ in results]
    assert len(set(ids)) == 20
    files = sorted(p.stem for p in (desk / "tickets" / MONTH).iterdir())
    assert files == sorted(ids)
    assert commit_count(desk) == before + 20
    subjects = sorted(git(desk, "log", f"-{20}", "--format=%s").splitlines())
    assert subjects == sorted(f"{ticket_id} new: Parallel ticket {n}" for n, ticket_id in enumerate(ids))
    # Each commit holds exactly its own file.
    for line in git(desk, "log", "-20", "--format=%H %s").splitlines():
        sha, subject = line.split(" ", 1)
        ticket_id = subject.split(" ", 1)[0]
        changed = git(desk, "show", "--name-only", "--format=", sha).split()
        assert changed == [f"tickets/{MONTH}/{ticket_id}.md"]
    assert_repository_sound(desk)


def test_ten_parallel_logs_on_one_ticket_lose_nothing(desk: Path, run_itsm: RunItsm) -> None:
    done = run_itsm("new", "Busy ticket")
    assert done.returncode == 0, done.stderr
    ticket_id = done.stdout.strip()
    before = commit_count(desk)
    results = finish([start(desk, "log", ticket_id, f"note number {n}", "--actor", f"Agent {n}") for n in range(10)])
    for code, _out, err in results:
        assert code == 0, err
        assert err == ""
    assert sorted(out for _, out, _ in results) == sorted(
        f"{ticket_id} note: note number {n} [new]\n" for n in range(10)
    )
    shown = run_itsm("show", ticket_id, "--json")
    timeline = json.loads(shown.stdout)["timeline"]
    assert timeline[0]["kind"] == "created"
    assert sorted((e["kind"], e["actor"], e["text"]) for e in timeline[1:]) == sorted(
        ("note", f"Agent {n}", f"note number {n}") for n in range(10)
    )
    assert len({e["id"] for e in timeline}) == 11
    assert commit_count(desk) == before + 10
    # The commits, newest first, each add the entry whose text names them: file and history agree.
    log = git(desk, "log", "-10", "--format=%an|%s").splitlines()
    assert sorted(log) == sorted(f"Agent {n}|{ticket_id} note: note number {n}" for n in range(10))
    order_in_git = [line.rsplit("note number ", 1)[1] for line in reversed(log)]
    order_in_file = [e["text"].rsplit(" ", 1)[1] for e in timeline[1:]]
    assert order_in_file == order_in_git
    assert run_itsm("check").returncode == 0
    assert_repository_sound(desk)


def test_a_moment_of_someone_elses_index_lock_is_waited_out(desk: Path) -> None:
    """A person's own `git commit` may hold index.lock briefly; itsm waits, then commits."""
    lock = desk / ".git" / "index.lock"
    lock.write_text("")
    process = start(desk, "new", "While git is busy")
    time.sleep(0.5)
    lock.unlink()
    code, out, err = finish([process])[0]
    assert (code, err) == (0, "")
    assert git(desk, "log", "-1", "--format=%s").strip() == f"{out.strip()} new: While git is busy"
    assert_repository_sound(desk)


def test_a_stale_index_lock_is_a_refusal_that_changes_nothing(desk: Path, run_itsm: RunItsm) -> None:
    (desk / ".git" / "index.lock").write_text("")
    head = git(desk, "rev-parse", "HEAD")
    done = run_itsm("new", "Blocked by a stale lock")
    assert done.returncode == 2
    assert done.stderr.startswith("itsm: error: git commit failed, nothing was changed:")
    assert done.stderr.count("\n") == 1
    assert git(desk, "rev-parse", "HEAD") == head
    assert not list((desk / "tickets").glob("*/*.md"))


# -- issue 12: one machine, many processes -----------------------------------------------------


def leftovers_of_itsm(desk: Path) -> list[str]:
    """What a command may leave behind it: git's lock, itsm's markers, journals, index copies,
    the lock holder's note, temporary record files."""
    folder = desk / ".git"
    names = [p.name for p in folder.iterdir() if p.name == "index.lock" or p.name.startswith("itsm-")]
    return sorted(names + [str(p.relative_to(desk)) for p in (desk / "tickets").glob(".*.tmp")])


def test_two_actors_logging_twenty_times_each_with_assigns_and_categorises_lose_nothing(
        desk: Path, run_itsm: RunItsm) -> None:
    """2 x 20 `itsm log` by two actors at once on one ticket, and 3 `assign` and 3 `categorise`
    among them: every note once, every change kept, one commit per command, nothing left."""
    done = run_itsm("new", "Shared printer jams", "-q")
    assert done.returncode == 0, done.stderr
    ticket_id = done.stdout.strip()
    before = commit_count(desk)
    commands = [("log", ticket_id, f"{actor} note {n}", "--actor", actor)
                for n in range(20) for actor in ("Agent Ada", "Agent Bo")]
    owners = ["Carla Diaz", "Dev Patel", "Eve Stone"]
    commands[5:5] = [("assign", ticket_id, "--owner", owner, "--actor", "Lead Lu") for owner in owners[:2]]
    commands[25:25] = [("categorise", ticket_id, "--category", category, "--actor", "Lead Lu")
                       for category in ("network/vpn", "access/account", "hardware/printer")]
    commands.append(("assign", ticket_id, "--owner", owners[2], "--actor", "Lead Lu"))
    results = finish([start(desk, *command) for command in commands])
    for (code, _out, err), command in zip(results, commands, strict=True):
        assert (code, err) == (0, ""), command
    timeline = json.loads(run_itsm("show", ticket_id, "--json").stdout)["timeline"]
    notes = sorted(e["text"] for e in timeline if e["kind"] == "note")
    assert notes == sorted(f"{actor} note {n}" for n in range(20) for actor in ("Agent Ada", "Agent Bo"))
    assert sum(e["kind"] == "assign" for e in timeline) == 3
    assert sum(e["kind"] == "categorise" for e in timeline) == 3
    assert len({e["id"] for e in timeline}) == len(timeline) == 1 + 40 + 6
    assert commit_count(desk) == before + 46
    authors = git(desk, "log", f"-{46}", "--format=%an").splitlines()
    assert sorted(set(authors)) == ["Agent Ada", "Agent Bo", "Lead Lu"]
    assert (authors.count("Agent Ada"), authors.count("Agent Bo"), authors.count("Lead Lu")) == (20, 20, 6)
    # The file at each commit holds one more entry than at the one before: no change overwrote another.
    counts = [text.count("\n### ") for _, text in _history(desk, ticket_id)]
    assert counts == list(range(1, 48))
    assert run_itsm("check").returncode == 0
    assert_repository_sound(desk)
    assert git(desk, "status", "--porcelain", "--untracked-files=all") == ""
    assert leftovers_of_itsm(desk) == []


def _history(desk: Path, ticket_id: str) -> list[tuple[str, str]]:
    path = f"tickets/{MONTH}/{ticket_id}.md"
    shas = git(desk, "log", "--reverse", "--format=%H", "--", path).split()
    return [(sha, git(desk, "show", f"{sha}:{path}")) for sha in shas]


SLOW_HOOK = """#!/bin/sh
# Slow only once: the first commit after the test made the flag.
if [ -e slow-once ]; then
  rm -f slow-once
  touch in-hook
  sleep {seconds}
fi
exit 0
"""


def commit_held_in_a_slow_hook(desk: Path, seconds: float, *args: str) -> subprocess.Popen[str]:
    """Start an itsm command and return once it is inside `git commit` (holding index.lock)."""
    hook = desk / ".git" / "hooks" / "pre-commit"
    hook.write_text(SLOW_HOOK.format(seconds=seconds))
    hook.chmod(0o755)
    (desk / "slow-once").write_text("")
    process = subprocess.Popen([sys.executable, "-m", "itsm", *args], cwd=desk, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (desk / "in-hook").exists():
        assert time.monotonic() < deadline and process.poll() is None, "the command never reached its commit"
        time.sleep(0.01)
    (desk / "in-hook").unlink()
    return process


def test_an_itsm_killed_with_its_git_leaves_a_lock_the_next_command_recognises(desk: Path, run_itsm: RunItsm) -> None:
    """SIGKILL to itsm and its git inside the commit: index.lock stays (git itself would be
    blocked), recognised as itsm's by its marker; the next write removes it with one line,
    and the killed command's uncommitted change is named, never committed by someone else."""
    first = run_itsm("new", "Killed mid-commit", "-q").stdout.strip()
    second = run_itsm("new", "Untouched", "-q").stdout.strip()
    head = git(desk, "rev-parse", "HEAD")
    process = commit_held_in_a_slow_hook(desk, 30, "log", first, "lost or kept?", "--actor", "Kim Lee")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    folder = desk / ".git"
    marker = folder / f"itsm-lock.{process.pid}"
    assert os.path.samefile(marker, folder / "index.lock")  # the pair: the lock is recognisably itsm's
    assert git(desk, "rev-parse", "HEAD") == head
    person = subprocess.run(["git", "commit", "--allow-empty", "-m", "x"], cwd=desk, capture_output=True, text=True, check=False)
    assert person.returncode != 0 and "index.lock" in person.stderr  # what it blocks without itsm's help
    checked = run_itsm("check")
    assert checked.returncode == 0
    assert f".git/index.lock: warning: left by itsm process {process.pid}, killed during its commit" in checked.stdout
    assert "holds the change of an itsm command killed before its commit ('" in checked.stdout
    # The killed command's ticket: its change is named, with whose it was and how to keep or drop it.
    rel = f"tickets/{MONTH}/{first}.md"
    refused = run_itsm("log", first, "next note")
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"itsm: error: {rel} holds the uncommitted change of an itsm command that "
                                     f"was killed before its commit ('{first} note: lost or kept?' by Kim Lee, ")
    assert f'keep it (git commit --author="Kim Lee <>" -m "{first} note: lost or kept?" -- {rel})' in refused.stderr
    assert f"drop it (git checkout HEAD -- {rel})" in refused.stderr
    # Another ticket is written at once: the stale lock is removed, and said so in one line.
    (folder / "hooks" / "pre-commit").unlink()
    started = time.monotonic()
    other = run_itsm("log", second, "meanwhile")
    assert other.returncode == 0, other.stderr
    assert time.monotonic() - started < 20
    assert other.stderr == (f"itsm: warning: removed index.lock left by itsm process {process.pid}, "
                            "which was killed during its commit\n")
    # Kept as the message says: committed under the killed command's actor, then work goes on.
    keep = subprocess.run(["git", "commit", "-q", "--author=Kim Lee <>", "-m", f"{first} note: lost or kept?", "--", rel],
                          cwd=desk, capture_output=True, text=True, check=False)
    assert keep.returncode == 0, keep.stderr
    assert run_itsm("log", first, "next note").returncode == 0
    texts = [e["text"] for e in json.loads(run_itsm("show", first, "--json").stdout)["timeline"]]
    assert texts[-2:] == ["lost or kept?", "next note"]
    assert_repository_sound(desk, killed=True)
    assert leftovers_of_itsm(desk) == []


def test_an_itsm_killed_alone_inside_git_commit_is_finished_by_its_git(desk: Path, run_itsm: RunItsm) -> None:
    """SIGKILL to the itsm process only: its `git commit` goes on and lands, but the index
    was never put in place. The next command waits for that git, removes the stale lock,
    brings the index up to HEAD and commits on top: both changes kept, one commit each."""
    ticket_id = run_itsm("new", "Orphaned commit", "-q").stdout.strip()
    before = commit_count(desk)
    process = commit_held_in_a_slow_hook(desk, 1.5, "log", ticket_id, "first note", "--actor", "Kim Lee")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # At once, while the orphaned git is still in its hook.
    following = run_itsm("log", ticket_id, "second note", "--actor", "Ola Berg")
    assert following.returncode == 0, following.stderr
    assert following.stderr == (f"itsm: warning: removed index.lock left by itsm process {process.pid}, "
                                "which was killed during its commit\n")
    assert commit_count(desk) == before + 2
    assert git(desk, "log", "-2", "--format=%an|%s").splitlines() == [
        f"Ola Berg|{ticket_id} note: second note", f"Kim Lee|{ticket_id} note: first note"]
    texts = [e["text"] for e in json.loads(run_itsm("show", ticket_id, "--json").stdout)["timeline"]]
    assert texts[1:] == ["first note", "second note"]
    assert_repository_sound(desk, killed=True)
    assert git(desk, "diff", "--cached", "--name-only") == ""
    assert leftovers_of_itsm(desk) == []


# git runs the reference-transaction hook with "prepared" while it holds the locks of the refs
# it moves (HEAD.lock, refs/heads/main.lock): a kill then leaves them, as a kill at that
# moment of any commit would.
SLOW_REF_HOOK = """#!/bin/sh
cat >/dev/null
if [ "$1" = prepared ] && [ -e slow-once ]; then
  rm -f slow-once
  touch in-hook
  sleep 30
fi
exit 0
"""


def test_an_itsm_killed_with_its_git_while_it_moves_head_leaves_ref_locks_the_next_command_removes(
        desk: Path, run_itsm: RunItsm) -> None:
    """SIGKILL to itsm and its git while git holds the locks of HEAD and the branch: they stay,
    and would fail every later commit. The next command removes them with index.lock (they were
    made after the killed itsm took index.lock, so no other git's), says so, and commits."""
    first = run_itsm("new", "Killed while HEAD moves", "-q").stdout.strip()
    second = run_itsm("new", "Untouched", "-q").stdout.strip()
    hook = desk / ".git" / "hooks" / "reference-transaction"
    hook.write_text(SLOW_REF_HOOK)
    hook.chmod(0o755)
    (desk / "slow-once").write_text("")
    process = subprocess.Popen([sys.executable, "-m", "itsm", "log", first, "lost or kept?", "--actor", "Kim Lee"],
                               cwd=desk, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (desk / "in-hook").exists():
        assert time.monotonic() < deadline and process.poll() is None, "the command never reached its ref update"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    folder = desk / ".git"
    left = sorted(str(p.relative_to(folder)) for p in [*folder.glob("*.lock"), *(folder / "refs").rglob("*.lock")])
    assert {"HEAD.lock", "index.lock", "refs/heads/main.lock"} <= set(left)
    hook.unlink()
    (desk / "in-hook").unlink()
    other = run_itsm("log", second, "meanwhile")
    assert other.returncode == 0, other.stderr
    assert other.stderr == (
        f"itsm: warning: removed index.lock left by itsm process {process.pid}, which was killed during its commit\n"
        f"itsm: warning: removed HEAD.lock, refs/heads/main.lock left by the git of itsm process {process.pid}, "
        "killed while it moved HEAD\n")
    assert git(desk, "log", "-1", "--format=%s").strip() == f"{second} note: meanwhile"
    assert [p for p in [folder / "HEAD.lock", folder / "index.lock", *(folder / "refs").rglob("*.lock")]
            if p.exists()] == []
    assert git(desk, "fsck", "--no-progress", "--no-dangling").strip() == ""  # the killed commit is garbage


def test_a_ref_lock_older_than_a_killed_itsm_s_index_lock_is_someone_else_s_and_stays(
        desk: Path, run_itsm: RunItsm) -> None:
    """A ref lock made before the killed itsm took index.lock is not its git's: it stays, and
    the commit fails as git says (nothing changed), as it would without the killed itsm."""
    ticket = run_itsm("new", "Blocked", "-q").stdout.strip()
    folder = desk / ".git"
    person = folder / "refs" / "heads" / "main.lock"
    person.write_text("")
    os.utime(person, (time.time() - 60, time.time() - 60))
    dead = 4206969  # above pid_max: a killed itsm
    (folder / f"itsm-lock.{dead}").write_text(f"{dead} 2026-11-26T09:00:00Z itsm log\n")
    os.link(folder / f"itsm-lock.{dead}", folder / "index.lock")
    before = git(desk, "rev-parse", "HEAD")
    done = run_itsm("log", ticket, "blocked by a person's lock")
    assert done.returncode == 2
    assert done.stderr.startswith(f"itsm: warning: removed index.lock left by itsm process {dead}, which was killed "
                                  "during its commit\nitsm: error: git commit failed, nothing was changed: ")
    assert "refs/heads/main.lock" in done.stderr and done.stderr.count("\n") == 2
    assert person.exists() and git(desk, "rev-parse", "HEAD") == before


def test_a_lock_itsm_cannot_recognise_or_that_a_live_process_holds_is_never_removed(desk: Path, run_itsm: RunItsm) -> None:
    """Only a lock that is one file with the marker of a dead itsm is removed: a person's
    (no marker, or beside an old marker that is another file) or a live itsm's is waited
    for, then reported, and stays."""
    folder = desk / ".git"
    lock = folder / "index.lock"
    lock.write_text("")
    (folder / "itsm-lock.4206969").write_text("an old marker, not this lock\n")  # above pid_max: dead
    done = run_itsm("new", "Blocked by a person's lock")
    assert done.returncode == 2
    assert done.stderr.startswith("itsm: error: git commit failed, nothing was changed: fatal: Unable to create")
    assert "itsm waited 10 s" in done.stderr and done.stderr.count("\n") == 1
    assert lock.exists()
    lock.unlink()
    os.link(folder / "index", folder / f"itsm-lock.{os.getpid()}")  # a live itsm's (this test's pid) pair
    os.link(folder / f"itsm-lock.{os.getpid()}", lock)
    done = run_itsm("new", "Blocked by a live itsm")
    assert done.returncode == 2
    assert f"index.lock is held by itsm process {os.getpid()}" in done.stderr
    assert os.path.samefile(lock, folder / "index")
    assert not list((desk / "tickets").glob("*/*.md"))


def test_git_locks_held_for_a_moment_by_another_process_are_waited_out(desk: Path, run_itsm: RunItsm) -> None:
    """A person's git holding index.lock for 3 s (past the old 2 s), then a ref lock for a
    moment during itsm's own `git commit`: retried, not reported."""
    holder = (
        "import os, sys, time\n"
        "path = sys.argv[1]\n"
        "fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)\n"
        "print('held', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "os.unlink(path)\n"
    )
    for lock, seconds in ((".git/index.lock", 3.0), (".git/refs/heads/main.lock", 1.5)):
        held = subprocess.Popen([sys.executable, "-c", holder, str(desk / lock), str(seconds)],
                                stdout=subprocess.PIPE, text=True)
        assert held.stdout is not None and held.stdout.readline() == "held\n"
        started = time.monotonic()
        done = run_itsm("new", f"While {lock} is held", "-q")
        waited = time.monotonic() - started
        assert held.wait() == 0
        assert (done.returncode, done.stderr) == (0, ""), lock
        assert waited > seconds * 0.5  # it really met the lock
        assert git(desk, "log", "-1", "--format=%s").strip() == f"{done.stdout.strip()} new: While {lock} is held"
    assert_repository_sound(desk)
    assert leftovers_of_itsm(desk) == []


HOLDER = """
import os, time
from pathlib import Path
from itsm.storage.store import Desk
desk = Desk.open(Path(os.environ["HELD_DESK"]))
with desk.lock():
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_killed_holder_of_the_desk_lock_never_blocks_the_next_command(
        desk: Path, run_itsm: RunItsm, monkeypatch: pytest.MonkeyPatch) -> None:
    """While held, a command that waits too long names the holder (pid, command, since when);
    SIGKILLed, the holder's flock goes with it: the next `itsm log` runs at once."""
    from itsm.storage import store

    ticket_id = run_itsm("new", "Lock holder", "-q").stdout.strip()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, "reindex", "--full"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "HELD_DESK": str(desk)})
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    monkeypatch.setattr(store, "LOCK_TIMEOUT_SECONDS", 0.5)
    waiter = store.Desk.open(desk)
    with pytest.raises(store.UsageError) as refused, waiter.lock():
        pass
    message = refused.value.message
    assert message.startswith(f"the desk is busy: itsm process {holder.pid} (`itsm reindex --full`, since 20")
    assert message.endswith("Z) has held its lock for over 0.5 s")
    note = desk / ".git" / "itsm-desk-lock"
    assert note.read_text().startswith(f"{holder.pid}\n")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    done = run_itsm("log", ticket_id, "after the holder died")
    assert (done.returncode, done.stderr) == (0, "")
    assert time.monotonic() - started < 10  # not the 60 s of a busy desk
    assert not note.exists()  # the next holder wrote its own note, and removed it when done
    assert_repository_sound(desk)
