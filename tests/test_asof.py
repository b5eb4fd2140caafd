"""`--as-of DATE`: the read model of the desk as it was at a past commit (itsm/readmodel/asof.py).

Real desks in real git, every commit's author and committer dates pinned. The answer is held
against the truth: a separate clone checked out at that commit, read by `ReadModel.open`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from itsm.core import timeutil
from itsm.core.errors import UsageError
from itsm.operations import resolution, tickets
from itsm.readmodel import asof
from itsm.readmodel.database import ReadModel
from itsm.storage import gitio
from itsm.storage.store import Desk
from tests.conftest import git, snapshot

ACTOR = "Alice Moreau"
T1 = "2026-11-26T10:00:00Z"   # the tickets as they were
D = "2026-11-27T00:00:00Z"    # the date asked for
T2 = "2026-11-28T10:00:00Z"   # everything changed after it

BROKEN = "---\nid: INC-BROKEN\ntitle: [unclosed\n---\nbody\n"
BOGUS = """---
id: INC-BOGUS1
title: Status nobody knows
status: bogus
created: 2026-11-26T10:00:00Z
---
Typed by hand.
"""


def at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """Pin the clock, and so the dates of itsm's commits and of the hand commits below."""
    monkeypatch.setenv("ITSM_NOW", moment)
    monkeypatch.setenv("GIT_AUTHOR_DATE", moment)
    monkeypatch.setenv("GIT_COMMITTER_DATE", moment)


def commit_by_hand(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def when(text: str) -> datetime:
    return timeutil.parse(text)


def rows(model: ReadModel) -> list[tuple[object, ...]]:
    """Every row, with its JSON and facts, in the files' order."""
    return model.db.execute(
        "SELECT r.path, r.kind, r.id, r.status, r.type, r.priority, r.owner, r.grp, r.category, r.created,"
        " r.updated, r.major, r.error, r.warning, r.extras, r.exact, b.json, b.facts"
        " FROM records r JOIN bodies b ON b.n = r.n ORDER BY r.kind, r.folder, r.name").fetchall()


def answers(model: ReadModel, capsys: pytest.CaptureFixture[str]) -> tuple[object, ...]:
    """What a reader gets: the rows, each kind's records, and the warnings about the files."""
    capsys.readouterr()
    found = []
    for kind in ("ticket", "problem", "kb"):
        model.warn_faults(kind)
        found.append(model.records(kind))
    return rows(model), found, capsys.readouterr().err


def checkout(root: Path, commit: str, where: Path) -> Path:
    """A separate clone at `commit`: the desk's files as they were, read the ordinary way."""
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(root), str(where)], check=True)
    git(where, "checkout", "-q", commit)
    return where


@pytest.fixture
def history(desk: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A desk whose tickets and itsm.yaml changed after D. Returns the IDs."""
    at(monkeypatch, T1)
    the_desk = Desk.open(desk)
    a = tickets.new_ticket(the_desk, title="VPN drops every hour", actor=ACTOR, impact="high", urgency="high",
                           category="network/vpn").id
    b = tickets.new_ticket(the_desk, title="Printer jams", actor=ACTOR, category="hardware/printer").id
    c = tickets.new_ticket(the_desk, title="Mailbox full", actor=ACTOR).id
    tickets.assign(the_desk, a, actor=ACTOR, owner="Ines")
    resolution.resolve(Desk.open(desk), b, actor=ACTOR, fix="cleared the paper path")
    month = desk / "tickets" / "2026-11"
    (month / "INC-BROKEN.md").write_text(BROKEN, encoding="utf-8")
    (month / "INC-BOGUS1.md").write_text(BOGUS, encoding="utf-8")
    commit_by_hand(desk, "two hand-written files")

    at(monkeypatch, T2)
    later = Desk.open(desk)
    resolution.resolve(later, a, actor=ACTOR, workaround="reconnect")
    tickets.assign(later, c, actor=ACTOR, owner="Bruno")
    tickets.categorise(later, c, actor=ACTOR, impact="high", urgency="high")
    e = tickets.new_ticket(later, title="Added after the date", actor=ACTOR).id
    git(desk, "rm", "-q", str(next(month.glob(f"{b}.md")).relative_to(desk)))
    config = desk / "itsm.yaml"
    text = config.read_text(encoding="utf-8")
    assert "resolution: 4h" in text and "resolution: 3d" in text
    config.write_text(text.replace("resolution: 4h", "resolution: 6h").replace("resolution: 3d", "resolution: 5d"),
                      encoding="utf-8")
    (month / "INC-BROKEN.md").unlink()
    commit_by_hand(desk, "B deleted, SLA targets changed, broken file removed")
    return {"a": a, "b": b, "c": c, "e": e}


def test_as_of_equals_a_checkout_of_that_commit(desk: Path, history: dict[str, str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(desk, caches=False)
    model, info = asof.as_of(Desk.open(desk), when(D))
    then = git(desk, "rev-list", "-1", f"--before={D}", "HEAD").strip()
    assert info.commit == then and info.commit != gitio.head(desk)
    assert info.commit_date == T1 and not info.cached and info.date == when(D)
    assert info.line().startswith(f"as of {D} (commit {then[:7]}, read in ")
    got = answers(model, capsys)
    model.close()

    monkeypatch.setenv("ITSM_NOW", D)  # the checkout read at the same instant
    other = ReadModel.open(Desk.open(checkout(desk, then, tmp_path / "then")))
    want = answers(other, capsys)
    other.close()
    assert got == want

    # And it is that commit's desk, not today's: each change after D is undone.
    by_id = {row[2]: row for row in got[0]}  # type: ignore[index]
    assert history["e"] not in by_id and history["b"] in by_id
    assert by_id[history["a"]][3] == "assigned" and by_id[history["a"]][6] == "Ines"
    assert by_id[history["c"]][6] is None and by_id[history["c"]][5] == "P3"
    facts = json.loads(str(by_id[history["b"]][17]))
    assert facts["resolution"]["target_minutes"] == 3 * 24 * 60  # P3's target before it became 5d
    # The malformed file is kept as its error, warned like the main model warns, not fatal.
    assert "skipping tickets/2026-11/INC-BROKEN.md:4:" in str(got[2])
    assert "tickets/2026-11/INC-BOGUS1.md:4: status 'bogus'" in str(got[2])
    # Nothing but the cache was written: not the work tree, not git's index or objects.
    assert snapshot(desk, caches=False) == before
    assert (desk / ".itsm" / "asof" / f"{then}.sqlite").is_file()


def test_a_second_call_reads_the_cache_and_runs_no_git(desk: Path, history: dict[str, str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    commit = asof.commit_at(Desk.open(desk), when(D))
    assert commit is not None
    first, info = asof.at_commit(Desk.open(desk), commit, when(D))
    first_answer = answers(first, capsys)
    first.close()
    cache = desk / ".itsm" / "asof" / f"{commit}.sqlite"
    digest = hashlib.sha256(cache.read_bytes()).hexdigest()
    assert not info.cached
    empty = tmp_path / "no-git"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # any git call would now fail: none is made
    again, info = asof.at_commit(Desk.open(desk), commit, when(D))
    assert info.cached and info.commit == commit
    assert answers(again, capsys) == first_answer
    again.close()
    assert hashlib.sha256(cache.read_bytes()).hexdigest() == digest
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("fault", ["garbage", "version", "folder"])
def test_a_broken_cache_is_rebuilt_with_one_line(desk: Path, history: dict[str, str], fault: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    model, info = asof.as_of(Desk.open(desk), when(D))
    want = answers(model, capsys)
    model.close()
    cache = desk / ".itsm" / "asof" / f"{info.commit}.sqlite"
    if fault == "garbage":
        cache.write_bytes(b"not a database at all" * 100)
    elif fault == "version":
        with sqlite3.connect(cache) as db:
            db.execute("UPDATE meta SET value = '0.0.0/1/1' WHERE key = 'version'")
    else:
        cache.unlink()
        cache.mkdir()
    capsys.readouterr()
    model, info = asof.as_of(Desk.open(desk), when(D))
    said = capsys.readouterr().err
    reason = {"garbage": "was unreadable (file is not a database)", "version": "was built by another version of itsm",
              "folder": "was not a regular file"}[fault]
    assert said == (f"itsm: warning: the as-of read model of commit {info.commit[:10]} {reason}; "
                    "rebuilding it\n")
    assert not info.cached
    assert answers(model, capsys) == want
    model.close()
    assert cache.is_file()


def test_a_cache_folder_that_cannot_be_written_builds_in_memory(desk: Path, history: dict[str, str],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        (desk / ".itsm").mkdir(exist_ok=True)
        (desk / ".itsm" / "asof").write_text("a file where the folder goes")  # root ignores modes
    else:
        (desk / ".itsm").mkdir(exist_ok=True)
        os.chmod(desk / ".itsm", 0o555)
    try:
        capsys.readouterr()
        model, info = asof.as_of(Desk.open(desk), when(D))
    finally:
        os.chmod(desk / ".itsm", 0o755)
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "cannot be kept in .itsm/asof/" in said and "building it in memory" in said
    assert not info.cached
    names = sorted(bytes(row[0]).decode().rpartition("/")[2] for row in rows(model))  # type: ignore[arg-type]
    assert names == sorted(["INC-BOGUS1.md", "INC-BROKEN.md", *(f"{history[k]}.md" for k in "abc")])
    model.close()
    assert not (desk / ".itsm" / "asof").is_dir()


def test_only_the_most_recently_used_caches_are_kept(desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asof, "KEEP", 2)
    commits = []
    for day in ("2026-11-27", "2026-11-28", "2026-11-29"):
        at(monkeypatch, f"{day}T10:00:00Z")
        tickets.new_ticket(Desk.open(desk), title=f"Made on {day}", actor=ACTOR)
        commits.append(gitio.head(desk))
    folder = desk / ".itsm" / "asof"
    for commit in commits:
        assert commit is not None
        asof.at_commit(Desk.open(desk), commit)[0].close()
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{c}.sqlite" for c in commits[1:])
    # Using the oldest kept one again makes it the newest: the next build evicts the other.
    os.utime(folder / f"{commits[1]}.sqlite", (1, 1))
    os.utime(folder / f"{commits[2]}.sqlite", (2, 2))
    assert commits[1] is not None and commits[0] is not None
    asof.at_commit(Desk.open(desk), commits[1])[0].close()
    asof.at_commit(Desk.open(desk), commits[0])[0].close()
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{c}.sqlite" for c in commits[:2])


def test_before_compares_the_committer_date_not_the_author_date(desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Authored long after D but committed before it (and the other way round): git's
    # --before reads the committer date, and so does --as-of.
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-12-20T00:00:00Z")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-26T12:00:00Z")
    (desk / "kb").mkdir(exist_ok=True)
    git(desk, "commit", "-q", "--allow-empty", "-m", "committed before D")
    early = gitio.head(desk)
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-20T00:00:00Z")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-27T12:00:00Z")
    git(desk, "commit", "-q", "--allow-empty", "-m", "authored before D, committed after")
    the_desk = Desk.open(desk)
    assert asof.commit_at(the_desk, when(D)) == early
    # A commit dated exactly the instant asked is part of it; one second earlier it is not.
    assert asof.commit_at(the_desk, when("2026-11-26T12:00:00Z")) == early
    assert asof.commit_at(the_desk, when("2026-11-26T11:59:59Z")) != early


def test_refusals(desk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError) as refused:
        asof.as_of(Desk.open(desk), when("2026-01-01T00:00:00Z"))
    assert refused.value.one_line() == ("no commit at or before 2026-01-01T00:00:00Z: the desk's history starts "
                                        "at 2026-11-26T09:00:00Z (pick a later date)")

    at(monkeypatch, T2)
    tickets.new_ticket(Desk.open(desk), title="After", actor=ACTOR)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{desk}", str(shallow)], check=True)
    with pytest.raises(UsageError) as refused:
        asof.as_of(Desk.open(shallow), when(D))
    assert refused.value.one_line() == (f"this clone is shallow: its history starts at {T2}, after {D} "
                                        "(run `git fetch --unshallow` to fetch the rest)")

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tickets").mkdir()
    with pytest.raises(UsageError) as refused:
        asof.as_of(Desk.open(outside), when(D))
    assert "this desk is not in a git repository" in refused.value.one_line()
    assert not (outside / ".itsm").exists()


def test_a_malformed_itsm_yaml_at_that_commit_is_one_warning_and_its_defaults(
        desk: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    at(monkeypatch, T1)
    ticket = tickets.new_ticket(Desk.open(desk), title="Server down", actor=ACTOR, impact="high",
                                urgency="high").id
    resolution.resolve(Desk.open(desk), ticket, actor=ACTOR, fix="restarted")
    (desk / "itsm.yaml").write_text("sla: [not, a, mapping\n", encoding="utf-8")
    commit_by_hand(desk, "itsm.yaml broken by hand")
    at(monkeypatch, T2)
    (desk / "itsm.yaml").write_text("sla:\n  P1: {response: 1h, resolution: 9h}\n", encoding="utf-8")
    commit_by_hand(desk, "itsm.yaml mended")
    capsys.readouterr()
    model, info = asof.as_of(Desk.open(desk), when(D))
    said = capsys.readouterr().err
    assert said.startswith(f"itsm: warning: itsm.yaml at commit {info.commit[:7]}: itsm.yaml:")
    assert said.endswith("; its faulty keys are read as their defaults\n") and said.count("\n") == 1
    facts = model.facts(ticket)
    assert facts is not None and facts["resolution"]["target_minutes"] == 4 * 60  # the default P1 target
    model.close()
