"""Parallel `itsm` processes on one desk: no lost update, no duplicate ID, no git index.lock trouble."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import RunItsm, git

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


def assert_repository_sound(desk: Path) -> None:
    fsck = subprocess.run(["git", "fsck", "--strict"], cwd=desk, capture_output=True, text=True, check=False)
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
