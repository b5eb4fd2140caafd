"""The search index through the real `itsm` process, real git and real whoosh: a cache under
`.itsm/index/` that is never the truth. It follows hand edits and `git pull` at once, is
updated in place by write commands, heals itself when broken, survives parallel commands,
and `itsm search` finds what the issue promises (stemming, title weight, field filters,
snippets, one-line refusals)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from itsm.operations import desk_init
from itsm.search.index import VERSION
from tests.conftest import REPO, RunItsm, Templates, git, itsm, itsm_many

MONTH = "2026-11"
META = Path(".itsm") / "index" / "itsm-index.json"
ONE_LINE_ERROR = re.compile(r"itsm: error: [^\n]+\n")
ONE_LINE_WARNING = re.compile(r"itsm: warning: [^\n]+\n")
RESULT_LINE = re.compile(r"^(\S+) +(ticket|problem|kb) +(\S+) +(-?\d+\.\d\d)  (.+)$")


# -- records written by hand ------------------------------------------------------------------


def _scalar(value: str | None) -> str:
    return "" if value is None else " " + json.dumps(value)


def ticket_md(
    ticket_id: str, title: str, description: str, *, status: str = "new", priority: str = "P3",
    category: str | None = None, type_: str = "incident", resolution: tuple[str, str] | None = None,
    timeline: Sequence[tuple[str, str]] = (), created: str = "2026-11-20T10:00:00Z",
) -> str:
    """A complete ticket file, every key in the documented order, as a person would write it."""
    lines = [
        "---", f"id: {ticket_id}", f"title:{_scalar(title)}", f"type: {type_}", f"status: {status}",
        f"priority: {priority}", "impact: medium", "urgency: medium", f"category:{_scalar(category)}",
        "group: service-desk", "level: 1", "owner:", "reporter: someone@example.org", "channel: email",
        "major: false", "problem:", "kb: []", "related: []", f"created: {created}", f"updated: {created}",
        "responded:",
        f"resolved:{'' if status not in ('resolved', 'closed') else ' ' + created}",
        f"closed:{'' if status != 'closed' else ' ' + created}",
        "due_response:", "due_resolution:",
    ]
    if resolution is None:
        lines.append("resolution:")
    else:
        lines += ["resolution:", f"  kind: {resolution[0]}", f"  summary:{_scalar(resolution[1])}"]
    lines += ["notified:", "confirmed:", "---", "", description, ""]
    if timeline:
        lines += ["## Timeline", ""]
        for n, (kind, text) in enumerate(timeline, 1):
            lines += [f"### {created} · {kind} · Ben Okoro <!-- E{n:07d} -->", "", text, ""]
    return "\n".join(lines)


def problem_md(problem_id: str, title: str, description: str, *, status: str, category: str,
               workaround: str | None = None) -> str:
    return "\n".join([
        "---", f"id: {problem_id}", f"title:{_scalar(title)}", f"status: {status}", f"category: {category}",
        "owner: Carla Diaz", "incidents: []", "kb: []", f"workaround:{_scalar(workaround)}", "root_cause:",
        "fix:", "created: 2026-11-20T10:00:00Z", "updated: 2026-11-20T10:00:00Z", "resolved:", "closed:",
        "---", "", description, "",
    ])


def write_ticket(root: Path, ticket_id: str, title: str, description: str, **fields: Any) -> Path:
    path = root / "tickets" / MONTH / f"{ticket_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ticket_md(ticket_id, title, description, **fields), encoding="utf-8")
    return path


# The hand-written part of the search desk; the sample desk's kb/ and problems/ complete it.
TICKETS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("INC-QTZ001", "Quetzal printer jammed", "Paper is stuck in tray two since this morning and nothing prints.",
     {"status": "new", "category": "hardware/printer"}),
    ("INC-QTZ002", "Printer jammed", "Quetzal paper is stuck in tray two since this morning and nothing prints.",
     {"status": "assigned", "category": "hardware/printer"}),
    ("INC-WF0001", "Wi-Fi keeps failing in the boardroom", "Laptops lose the connection during meetings.",
     {"status": "in_progress", "priority": "P2", "category": "network/wifi"}),
    ("INC-WF0002", "wifi dead in the canteen", "Phones cannot join at lunch.",
     {"status": "pending", "priority": "P4", "category": "network/wifi"}),
    ("INC-P10001", "Whole site offline", "Core switch down, nobody can work.",
     {"status": "in_progress", "priority": "P1", "category": "network/dns"}),
    ("INC-P10002", "Email down for everyone", "Nobody can send or receive mail.",
     {"status": "closed", "priority": "P1", "category": "email/mailbox",
      "resolution": ("fix", "Restarted the transport service.")}),
    ("INC-RES001", "Outlook crashes at start", "Outlook closes right after the splash screen.",
     {"status": "resolved", "category": "email/mailbox",
      "resolution": ("workaround", "Rebuilt the kookaburra profile for the user.")}),
    ("INC-TML001", "Monitor flickers", "The second screen flickers.",
     {"status": "closed", "priority": "P4", "category": "hardware/monitor",
      "timeline": [("note", "Swapped the wombat cable, flicker gone.")]}),
    ("REQ-VS0001", "Please install Visio", "Needed for floor plans.",
     {"status": "new", "priority": "P5", "category": "software/install", "type_": "request"}),
    ("REQ-PH0001", "New phone for the courier", "The old one broke.",
     {"status": "closed", "priority": "P4", "category": "hardware/phone", "type_": "request"}),
]
PROBLEM = ("PRB-PNG001", "Scanner batteries swell after a year", "Handheld scanner batteries bulge in the case.")
PROBLEM_WORKAROUND = "Swap in a pangolin spare pack from the cage."


# -- running itsm -----------------------------------------------------------------------------



def search_json(root: Path, *args: str) -> list[dict[str, Any]]:
    done = itsm(root, "search", *args, "--json")
    assert (done.returncode, done.stderr) == (0, ""), (args, done.stderr)
    data: list[dict[str, Any]] = json.loads(done.stdout)
    return data


def ids(results: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in results]


def parsed(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert (done.returncode, done.stderr) == (0, ""), (done.args, done.stderr)
    data: list[dict[str, Any]] = json.loads(done.stdout)
    return data


def meta(root: Path) -> dict[str, Any]:
    """The index's record of when it was built: its version, the commit, the dirty stamps."""
    data: dict[str, Any] = json.loads((root / META).read_text(encoding="utf-8"))
    state = data["state"]
    assert state["in_git"] is True
    return {"version": data["version"], "commit": state["commit"], "dirty": state["dirty"]}


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def front_matter(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    return data


def records(root: Path) -> dict[str, dict[str, Any]]:
    """Every record of the desk by ID, read independently of itsm: front matter plus its kind."""
    found = {}
    for kind, folder in (("ticket", "tickets"), ("problem", "problems"), ("kb", "kb")):
        for path in sorted((root / folder).rglob("*.md")):
            data = front_matter(path)
            found[data["id"]] = {**data, "kind": kind}
    return found


def assert_no_crash(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout
    assert "LockError" not in done.stderr
    assert done.returncode != 3, done.stderr


# -- desks ------------------------------------------------------------------------------------


def _build_search_desk(root: Path) -> None:
    """The search desk, built once through `itsm init`, git and `itsm reindex`: the sample
    desk's KB articles and problems plus the tickets and problem above, written by hand."""
    desk_init.init(root)
    for folder in ("kb", "problems"):
        for path in (REPO / folder).glob("*.md"):
            shutil.copy2(path, root / folder / path.name)
        (root / folder / ".gitkeep").unlink()
    for ticket_id, title, description, fields in TICKETS:
        write_ticket(root, ticket_id, title, description, **fields)
    (root / "problems" / f"{PROBLEM[0]}.md").write_text(
        problem_md(*PROBLEM, status="known_error", category="hardware/scanner", workaround=PROBLEM_WORKAROUND),
        encoding="utf-8",
    )
    (root / "tickets" / ".gitkeep").unlink()
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the search desk: sample KB and problems, tickets by hand")
    done = itsm(root, "reindex")
    assert done.returncode == 0, done.stderr


@pytest.fixture
def search_desk(tmp_path: Path, templates: Templates) -> Path:
    """A fresh copy of the search desk (committed, index built), git repository and all."""
    root = tmp_path / "desk"
    templates.copy("search", root, _build_search_desk)
    return root


@pytest.fixture
def shared_desk(templates: Templates) -> Path:
    """One copy of the search desk shared by the tests that only search (and never write)."""
    return templates.shared("search", _build_search_desk)


# -- the cache lives in .itsm/ and git never sees it ----------------------------------------------


@pytest.mark.parametrize("desk_ignores_itsm", [True, False], ids=["desk-gitignore", "self-ignoring"])
def test_first_search_builds_the_index_and_git_stays_clean(search_desk: Path, desk_ignores_itsm: bool) -> None:
    shutil.rmtree(search_desk / ".itsm")
    if not desk_ignores_itsm:
        # Only .itsm/.gitignore can keep the cache out of git now.
        (search_desk / ".gitignore").write_text("", encoding="utf-8")
        git(search_desk, "commit", "-q", "-am", "no .itsm/ line")
    assert git(search_desk, "status", "--porcelain", "--ignored") == ""

    done = itsm(search_desk, "search", "quetzal", "--json")
    assert (done.returncode, done.stderr) == (0, "")
    assert ids(json.loads(done.stdout)) == ["INC-QTZ001", "INC-QTZ002"]
    assert (search_desk / ".itsm" / "index").is_dir()
    assert (search_desk / ".itsm" / ".gitignore").read_text(encoding="utf-8") == "*\n"
    assert meta(search_desk) == {"version": VERSION, "commit": head(search_desk), "dirty": {}}
    assert git(search_desk, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(search_desk, "check-ignore", ".itsm/index/itsm-index.json").strip() == ".itsm/index/itsm-index.json"


# -- the index follows the files ----------------------------------------------------------------


def test_a_record_written_by_hand_is_found_at_once_then_its_edit_then_its_deletion(search_desk: Path) -> None:
    path = write_ticket(search_desk, "INC-HND001", "Ocelot badge reader beeps", "The ocelot reader at door three beeps.",
                        category="hardware/laptop")
    assert [(r["id"], r["kind"], r["title"], r["status"]) for r in search_json(search_desk, "ocelot")] == [
        ("INC-HND001", "ticket", "Ocelot badge reader beeps", "new")
    ]
    assert git(search_desk, "status", "--porcelain") == f"?? tickets/{MONTH}/INC-HND001.md\n"

    path.write_text(path.read_text(encoding="utf-8").replace("Ocelot", "Jaguarundi").replace("ocelot", "jaguarundi"),
                    encoding="utf-8")
    first, second = itsm_many(search_desk, [("search", "ocelot", "--json"), ("search", "jaguarundi", "--json")])
    assert parsed(first) == []
    assert [(r["id"], r["title"]) for r in parsed(second)] == [("INC-HND001", "Jaguarundi badge reader beeps")]

    path.unlink()
    assert search_json(search_desk, "jaguarundi") == []
    assert search_json(search_desk, "quetzal")[0]["id"] == "INC-QTZ001"  # the rest is untouched


def test_an_edit_by_hand_to_a_committed_record_and_its_revert_are_followed(search_desk: Path) -> None:
    path = search_desk / "tickets" / MONTH / "INC-TML001.md"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("The second screen flickers.", "The second screen flickers like a caracal."),
                    encoding="utf-8")
    assert ids(search_json(search_desk, "caracal")) == ["INC-TML001"]
    git(search_desk, "checkout", "--", str(path.relative_to(search_desk)))
    assert search_json(search_desk, "caracal") == []


def test_tickets_pulled_from_another_clone_are_searchable_at_once(search_desk: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(search_desk), str(other))
    assert search_json(other, "quetzal")[0]["id"] == "INC-QTZ001"  # the clone builds its own index
    built_at = meta(other)["commit"]

    first = itsm(search_desk, "new", "Capybara scanner will not charge", "-d", "The dock light stays red.", "-q")
    second = itsm(search_desk, "new", "Coffee machine app", "-d", "The capybara app shows no credit.", "-q")
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    new_ids = [first.stdout.strip(), second.stdout.strip()]
    logged = itsm(search_desk, "log", "INC-QTZ002", "Replaced the fuser; the okapi roller was worn.")
    assert logged.returncode == 0, logged.stderr

    pulled = subprocess.run(["git", "pull", "-q", "--ff-only"], cwd=other, capture_output=True, text=True, check=False)
    assert pulled.returncode == 0, pulled.stderr
    assert head(other) == head(search_desk) != built_at

    capybara, okapi = itsm_many(other, [("search", "capybara", "--json"), ("search", "okapi", "--json")])
    assert sorted(ids(parsed(capybara))) == sorted(new_ids)
    assert ids(parsed(okapi)) == ["INC-QTZ002"]
    assert meta(other) == {"version": VERSION, "commit": head(other), "dirty": {}}
    assert git(other, "status", "--porcelain") == ""


def test_a_write_command_updates_the_existing_index_in_place(search_desk: Path) -> None:
    folder = search_desk / ".itsm" / "index"
    inode = folder.stat().st_ino
    before = head(search_desk)

    done = itsm(search_desk, "log", "INC-WF0001", "Moved the access point; the gecko antenna was loose.")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert head(search_desk) != before
    assert meta(search_desk) == {"version": VERSION, "commit": head(search_desk), "dirty": {}}

    done = itsm(search_desk, "resolve", "INC-QTZ001", "--workaround", "Printing through the marmoset queue.",
                "--kb", "KB-8DNXNS")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert meta(search_desk) == {"version": VERSION, "commit": head(search_desk), "dirty": {}}
    assert folder.stat().st_ino == inode  # updated where it is, not rebuilt and swapped in

    done = itsm(search_desk, "new", "Serval scanner beeps", "--quiet")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert meta(search_desk) == {"version": VERSION, "commit": head(search_desk), "dirty": {}}

    gecko, marmoset, serval = itsm_many(search_desk, [("search", word, "--json")
                                                      for word in ("gecko", "marmoset", "serval")])
    assert ids(parsed(gecko)) == ["INC-WF0001"]
    assert ids(parsed(serval)) == [done.stdout.strip()]
    assert [(r["id"], r["status"]) for r in parsed(marmoset)] == [("INC-QTZ001", "resolved")]
    assert folder.stat().st_ino == inode


def test_a_write_command_on_a_desk_that_never_searched_builds_no_index(search_desk: Path) -> None:
    shutil.rmtree(search_desk / ".itsm")
    done = itsm(search_desk, "log", "INC-WF0001", "Called the user back.")
    assert (done.returncode, done.stderr) == (0, "")
    assert not (search_desk / ".itsm" / "index").exists()


# -- a broken index heals itself ------------------------------------------------------------------


def _remove(folder: Path) -> None:
    shutil.rmtree(folder)


def _garbage_everywhere(folder: Path) -> None:
    for path in folder.iterdir():
        if path.suffix == ".seg":
            path.write_bytes(b"")
        elif path.suffix == ".toc":
            path.write_bytes(os.urandom(300))


def _segments_truncated(folder: Path) -> None:
    for path in folder.glob("*.seg"):
        path.write_bytes(b"")


def _segments_random(folder: Path) -> None:
    for path in folder.glob("*.seg"):
        path.write_bytes(os.urandom(path.stat().st_size))


def _every_file_random(folder: Path) -> None:
    for path in folder.iterdir():
        path.write_bytes(os.urandom(200))


def _wrong_version(folder: Path) -> None:
    data = json.loads((folder / "itsm-index.json").read_text(encoding="utf-8"))
    (folder / "itsm-index.json").write_text(json.dumps({**data, "version": 999}), encoding="utf-8")


def _unknown_commit(folder: Path) -> None:
    data = json.loads((folder / "itsm-index.json").read_text(encoding="utf-8"))
    data["state"]["commit"] = "0123456789" * 4
    (folder / "itsm-index.json").write_text(json.dumps(data), encoding="utf-8")


BREAKAGES = {
    "missing": _remove,
    "toc-random-segments-truncated": _garbage_everywhere,
    "segments-truncated": _segments_truncated,
    "segments-random-bytes": _segments_random,
    "every-file-random": _every_file_random,
    "wrong-version": _wrong_version,
    "meta-names-unknown-commit": _unknown_commit,
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_index_is_rebuilt_by_the_next_search(search_desk: Path, breakage: str) -> None:
    """The index is up to date with the files, so only its own state can go wrong."""
    BREAKAGES[breakage](search_desk / ".itsm" / "index")
    for attempt in ("healing", "healed"):
        done = itsm(search_desk, "search", "quetzal", "--json")
        assert_no_crash(done)
        assert done.returncode == 0, done.stderr
        assert ids(json.loads(done.stdout)) == ["INC-QTZ001", "INC-QTZ002"]
        if attempt == "healing":  # at most one line of warning
            assert done.stderr == "" or ONE_LINE_WARNING.fullmatch(done.stderr), done.stderr
        else:
            assert done.stderr == ""
    assert meta(search_desk) == {"version": VERSION, "commit": head(search_desk), "dirty": {}}
    assert git(search_desk, "status", "--porcelain") == ""


def test_a_broken_index_with_unseen_commits_is_rebuilt(search_desk: Path) -> None:
    path = search_desk / "tickets" / MONTH / "INC-QTZ002.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Quetzal paper", "Quetzal and tapir paper"),
                    encoding="utf-8")
    git(search_desk, "commit", "-q", "-am", "INC-QTZ002: a tapir")
    _garbage_everywhere(search_desk / ".itsm" / "index")
    done = itsm(search_desk, "search", "tapir", "--json")
    assert_no_crash(done)
    assert done.returncode == 0, done.stderr
    assert ids(json.loads(done.stdout)) == ["INC-QTZ002"]
    assert done.stderr == "" or ONE_LINE_WARNING.fullmatch(done.stderr), done.stderr


def test_a_diagnose_on_a_broken_index_heals_it_too(search_desk: Path) -> None:
    _segments_truncated(search_desk / ".itsm" / "index")
    done = itsm(search_desk, "diagnose", "INC-QTZ002", "--json")
    assert_no_crash(done)
    assert done.returncode == 0, done.stderr
    assert "INC-QTZ001" in ids(json.loads(done.stdout))


def test_history_rewritten_under_the_index_is_followed(search_desk: Path) -> None:
    assert search_json(search_desk, "quetzal")[0]["id"] == "INC-QTZ001"
    built_at = meta(search_desk)["commit"]
    path = search_desk / "tickets" / MONTH / "INC-QTZ001.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Quetzal printer", "Margay printer"), encoding="utf-8")
    git(search_desk, "commit", "-q", "-a", "--amend", "-m", "the search desk, rewritten")
    git(search_desk, "reflog", "expire", "--expire=now", "--all")
    git(search_desk, "gc", "-q", "--prune=now")
    gone = subprocess.run(["git", "cat-file", "-e", built_at], cwd=search_desk, capture_output=True, check=False)
    assert gone.returncode != 0  # the commit the index was built at no longer exists

    margay, quetzal = itsm_many(search_desk, [("search", "margay", "--json"), ("search", "quetzal", "--json")])
    for done in (margay, quetzal):
        assert_no_crash(done)
    assert [(r["id"], r["title"]) for r in parsed(margay)] == [("INC-QTZ001", "Margay printer jammed")]
    assert ids(parsed(quetzal)) == ["INC-QTZ002"]
    assert meta(search_desk)["commit"] == head(search_desk)


def test_reindex_rebuilds_and_says_how_many_records(search_desk: Path) -> None:
    old = search_desk / ".itsm" / "index"
    inode = old.stat().st_ino
    done = itsm(search_desk, "reindex")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    count = len(records(search_desk))
    assert count == len(TICKETS) + 1 + len(list((REPO / "kb").glob("*.md"))) + len(list((REPO / "problems").glob("*.md")))
    assert re.fullmatch(rf"indexed {count} records in \d+\.\d s\n", done.stdout), done.stdout
    assert old.stat().st_ino != inode  # a new index, swapped in
    assert meta(search_desk) == {"version": VERSION, "commit": head(search_desk), "dirty": {}}
    assert [p.name for p in (search_desk / ".itsm").iterdir() if p.name.startswith("index.")] == ["index.lock"]


def test_a_parallel_build_answers_as_the_serial_one(search_desk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big desk's build shares the indexing among worker processes, each writing a segment
    of its own. The statistics a score reads are the whole index's, so every search, and
    every look-alike, scores as in the single-process build (this desk is built in parallel
    by lowering the threshold a real desk crosses at 2,000 records)."""
    from itsm.core import parallel
    from itsm.search import index as index_module
    from itsm.search.index import SearchIndex
    from itsm.storage.store import Desk

    desk = Desk.discover(search_desk)
    queries = ["vpn", "printer jammed", "outlook password", "wifi drops", "scanner"]
    ticket, _ = desk.load_ticket(TICKETS[0][0])

    def answers(index: SearchIndex) -> list[list[tuple[float, str]]]:
        found = [index.search(query, limit=50) for query in queries]
        found.append(index.similar(ticket.title, ticket.description, ticket.category, ticket.id, limit=50))
        return [sorted((-round(hit.score, 9), hit.id) for hit in hits) for hits in found]

    serial_index = SearchIndex(desk)
    count = serial_index.rebuild()
    serial = answers(serial_index)
    assert len(serial_index._ix.reader().leaf_readers()) == 1

    monkeypatch.setattr(parallel, "SERIAL_BELOW", 1)
    monkeypatch.setattr(index_module, "BUILD_BATCH", 4)
    monkeypatch.setenv("ITSM_JOBS", "2")
    parallel_index = SearchIndex(desk)
    assert parallel_index.rebuild() == count
    assert len(parallel_index._ix.reader().leaf_readers()) == 2  # two workers, two segments
    assert answers(parallel_index) == serial
    assert all(serial)


def test_the_intra_word_filter_splits_as_whoosh_s_own() -> None:
    """The index's intra-word filter writes whoosh's character classes as ranges (cheaper to
    compile in every process that opens the index); it must split and merge every word the
    same way: here words made of every letter and digit of whoosh's tables, around case,
    digit and delimiter boundaries."""
    import random

    from whoosh.analysis import IntraWordFilter, RegexTokenizer
    from whoosh.support.unicode import digits, lowercase, uppercase

    from itsm.search.index import _IntraWordFilter

    ours = RegexTokenizer(r"\S+") | _IntraWordFilter(mergewords=True, mergenums=True)
    theirs = RegexTokenizer(r"\S+") | IntraWordFilter(mergewords=True, mergenums=True)
    pieces = [*lowercase, *uppercase, *digits, "-", "'s", "'S", ".", "_", "é", "ß", "ǅ", "Ⅷ", "x", "X", "7"]
    rng = random.Random(10)
    words = ["GlobalProtect", "Wi-Fi", "SD500", "O'Neil's", "iPhone15Pro", "x86_64"]
    words += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 9))) for _ in range(20000)]
    text = " ".join(words)
    assert [(t.text, t.pos) for t in ours(text, positions=True)] == [(t.text, t.pos) for t in theirs(text, positions=True)]


# -- parallel commands ----------------------------------------------------------------------------


def test_parallel_searches_and_logs_on_a_stale_index(search_desk: Path) -> None:
    for n in range(30):
        write_ticket(search_desk, f"INC-BLK{n:03d}", f"Bulk ticket {n} about the dugong rack",
                     f"Rack {n} of the dugong room is loud.")
    notes = {"INC-WF0001": ["axolotl", "narwhal"], "INC-QTZ002": ["wallaby", "pangolinish"]}
    commands: list[tuple[str, ...]] = [("search", "dugong", "--limit", "50", "--json") for _ in range(8)]
    for ticket_id, words in notes.items():
        commands += [("log", ticket_id, f"Checked the {word} setting.") for word in words]
    results = itsm_many(search_desk, commands)

    for done in results:
        assert_no_crash(done)
        assert done.returncode == 0, (done.args, done.stderr)
        assert done.stderr == "", (done.args, done.stderr)
    for done in results[:8]:
        assert len(json.loads(done.stdout)) == 30
    searches = itsm_many(search_desk, [("search", word, "--json") for words in notes.values() for word in words])
    found = [ids(parsed(done)) for done in searches]
    assert found == [[ticket_id] for ticket_id, words in notes.items() for _ in words]
    assert meta(search_desk)["commit"] == head(search_desk)
    assert sorted(p.name for p in (search_desk / ".itsm").iterdir()) == [".gitignore", "index", "index.lock"]
    for ticket_id, words in notes.items():
        text = (search_desk / "tickets" / MONTH / f"{ticket_id}.md").read_text(encoding="utf-8")
        assert all(f"Checked the {word} setting." in text for word in words)


# -- itsm search ----------------------------------------------------------------------------------


def test_stemming_finds_drops_for_dropping(shared_desk: Path) -> None:
    problem = (shared_desk / "problems" / "PRB-WE568H.md").read_text(encoding="utf-8")
    assert "drops" in problem and "dropping" not in problem.lower()
    assert "PRB-WE568H" in ids(search_json(shared_desk, "dropping", "--kind", "problem"))


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_body(shared_desk: Path) -> None:
    results = search_json(shared_desk, "quetzal")
    assert ids(results) == ["INC-QTZ001", "INC-QTZ002"], results
    assert results[0]["score"] > results[1]["score"] > 0


def test_title_weight_holds_after_incremental_updates(search_desk: Path) -> None:
    """The body match is in the index before the title match arrives by `itsm new`."""
    body = itsm(search_desk, "new", "Laptop fan noisy", "-d", "The docking station hums and the plotter beside it too.",
                "-q")
    title = itsm(search_desk, "new", "Plotter out of paper", "-d", "It needs more rolls today.", "-q")
    assert (body.returncode, title.returncode) == (0, 0), body.stderr + title.stderr
    results = search_json(search_desk, "plotter")
    assert ids(results) == [title.stdout.strip(), body.stdout.strip()], results
    assert results[0]["score"] > results[1]["score"] > 0


def test_timeline_resolution_and_workaround_text_is_searched(shared_desk: Path) -> None:
    for word in ("wombat", "kookaburra", "pangolin"):
        hits = sum(word in path.read_text(encoding="utf-8") for path in shared_desk.rglob("*.md"))
        assert hits == 1, word  # each word is in one place only: a timeline, a resolution, a workaround
    wombat, kookaburra, pangolin = itsm_many(
        shared_desk, [("search", word, "--json") for word in ("wombat", "kookaburra", "pangolin")]
    )
    assert ids(parsed(wombat)) == ["INC-TML001"]
    assert ids(parsed(kookaburra)) == ["INC-RES001"]
    assert [(r["id"], r["kind"], r["status"]) for r in parsed(pangolin)] == [("PRB-PNG001", "problem", "known_error")]


def test_wi_fi_and_wifi_find_each_other(shared_desk: Path) -> None:
    hyphen, joined, kb = itsm_many(shared_desk, [
        ("search", "Wi-Fi", "--kind", "ticket", "--json"),
        ("search", "wifi", "--kind", "ticket", "--json"),
        ("search", "wifi", "--kind", "kb", "--json"),
    ])
    assert sorted(ids(parsed(hyphen))) == ["INC-WF0001", "INC-WF0002"]
    assert sorted(ids(parsed(joined))) == ["INC-WF0001", "INC-WF0002"]
    assert "KB-1BXNB8" in ids(parsed(kb))  # its title says "Wi-Fi networks"


def test_field_filters_select_exactly_the_matching_records(shared_desk: Path) -> None:
    every = records(shared_desk)

    def where(test: Any) -> list[str]:
        return sorted(record_id for record_id, data in every.items() if test(data))

    def category(data: dict[str, Any]) -> str:
        return str(data.get("category") or "")

    open_ticket = ("new", "assigned", "in_progress", "pending")
    cases: dict[tuple[str, ...], list[str]] = {
        ("status:open",): where(lambda d: (d["kind"] == "ticket" and d["status"] in open_ticket)
                                or (d["kind"] == "problem" and d["status"] in ("open", "known_error"))),
        ("category:network",): where(lambda d: category(d).startswith("network/")),
        ("category:network/vpn",): where(lambda d: category(d) == "network/vpn"),
        ("category:network/wifi status:open",): ["INC-WF0001", "INC-WF0002", "PRB-1PK1WP"],
        ("priority:P1",): ["INC-P10001", "INC-P10002"],
        ("priority:p1",): ["INC-P10001", "INC-P10002"],
        ("kind:kb",): where(lambda d: d["kind"] == "kb"),
        ("category:network", "--kind", "problem"): ["PRB-1PK1WP", "PRB-WE568H"],
        ("category:network", "--kind", "kb", "--kind", "problem"): where(
            lambda d: d["kind"] != "ticket" and category(d).startswith("network/")),
        ("status:open", "--kind", "problem"): where(
            lambda d: d["kind"] == "problem" and d["status"] in ("open", "known_error")),
        ("type:request",): ["REQ-PH0001", "REQ-VS0001"],
        ("printer status:open", "--kind", "ticket"): ["INC-QTZ001", "INC-QTZ002"],
    }
    assert len(cases[("status:open",)]) > 8 and "PRB-232X03" not in cases[("status:open",)]
    assert {"KB-1BXNB8", "PRB-WE568H", "INC-P10001"} <= set(cases[("category:network",)])
    assert front_matter(shared_desk / "problems" / "PRB-1PK1WP.md")["status"] == "known_error"
    results = itsm_many(shared_desk, [("search", *args, "--limit", "100", "--json") for args in cases])
    for (args, expected), done in zip(cases.items(), results, strict=True):
        assert sorted(ids(parsed(done))) == expected, args


def test_a_star_matches_every_record_of_the_kind(shared_desk: Path) -> None:
    every = records(shared_desk)
    problems, tickets = itsm_many(shared_desk, [("search", "*", "--kind", kind, "--limit", "100", "--json")
                                                for kind in ("problem", "ticket")])
    assert sorted(ids(parsed(problems))) == sorted(i for i, d in every.items() if d["kind"] == "problem")
    assert sorted(ids(parsed(tickets))) == sorted(i for i, d in every.items() if d["kind"] == "ticket")


def test_snippets_mark_the_matched_words(shared_desk: Path) -> None:
    text, as_json = itsm_many(shared_desk, [("search", "quetzal"), ("search", "quetzal", "--json")])
    assert (text.returncode, text.stderr) == (0, "")
    lines = text.stdout.splitlines()
    assert len(lines) == 4
    first, second = RESULT_LINE.match(lines[0]), RESULT_LINE.match(lines[2])
    assert first is not None and second is not None, lines
    assert first.group(1, 2, 3, 5) == ("INC-QTZ001", "ticket", "new", "Quetzal printer jammed")
    assert second.group(1, 2, 3, 5) == ("INC-QTZ002", "ticket", "assigned", "Printer jammed")
    assert lines[1] == "            **Quetzal** printer jammed"
    assert lines[3].startswith("            **Quetzal** paper is stuck in tray two")
    results = parsed(as_json)
    assert [r["snippet"] for r in results] == [lines[1].strip(), lines[3].strip()]
    for row in results:
        assert {"id", "kind", "title", "score", "status"} <= set(row)
        assert isinstance(row["score"], float | int)
    assert float(first.group(4)) == pytest.approx(results[0]["score"], abs=0.01)


def test_no_matches_says_so(shared_desk: Path) -> None:
    text, as_json = itsm_many(shared_desk, [("search", "zzyzxq"), ("search", "zzyzxq", "--json")])
    assert (text.returncode, text.stdout, text.stderr) == (0, "no matches\n", "")
    assert parsed(as_json) == []


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_search_is_refused_in_one_line(shared_desk: Path, query: str) -> None:
    done = itsm(shared_desk, "search", query)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == 'itsm: error: the search is empty (e.g. itsm search "vpn drops" status:open)\n'


def test_an_unknown_kind_is_refused_in_one_line(shared_desk: Path) -> None:
    done = itsm(shared_desk, "search", "vpn", "--kind", "article")
    assert (done.returncode, done.stdout) == (2, "")
    assert ONE_LINE_ERROR.fullmatch(done.stderr), done.stderr


ODD_QUERIES = ['"unbalanced', "(vpn", "AND OR", "title:x", "*", "vpn)", "NOT", '"', "status:", "category:",
               "[a TO", "{", "\\", "vpn^", "vpn~", "+vpn -", "?", "x*y", ":", "OR vpn AND"]


def test_odd_query_syntax_gives_results_or_a_one_line_refusal(shared_desk: Path) -> None:
    # Half in text, half in JSON: both outputs are covered without doubling the processes.
    results = itsm_many(shared_desk, [("search", query, *(["--json"] if n % 2 else [])) for n, query in enumerate(ODD_QUERIES)])
    for done in results:
        assert_no_crash(done)
        if done.returncode == 0:
            assert done.stderr == "", (done.args, done.stderr)
            if "--json" in done.args:
                assert isinstance(json.loads(done.stdout), list)
        else:
            assert done.returncode == 2, (done.args, done.stderr)
            assert done.stdout == ""
            assert ONE_LINE_ERROR.fullmatch(done.stderr), (done.args, done.stderr)


def test_a_query_of_filters_only_lists_the_matches(shared_desk: Path) -> None:
    done = itsm(shared_desk, "search", "priority:P1 type:incident")
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(line.split()[0] for line in done.stdout.splitlines()) == ["INC-P10001", "INC-P10002"]


# -- whoosh loads only for commands that search; tabulate only for tables ----------------------------


def _imports(root: Path, *args: str, codes: tuple[int, ...] = (0,)) -> list[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "itsm", *args], cwd=root, input="",
                          capture_output=True, text=True, env=dict(os.environ), check=False)
    assert done.returncode in codes, done.stderr[-2000:]
    return [line for line in done.stderr.splitlines() if line.startswith("import time:")]


def _loads(lines: list[str], package: str) -> bool:
    return any(re.search(rf"\|\s+{package}(\.|$)", line) for line in lines)


@pytest.mark.process
def test_whoosh_and_tabulate_are_imported_only_by_commands_that_need_them(shared_desk: Path) -> None:
    """Start-up is the floor of every command (issue 10): whoosh costs ~100 ms, tabulate
    (with wcwidth) some 30; a command that does not search or draw a table never pays it."""
    commands: dict[tuple[str, ...], tuple[int, ...]] = {
        ("--help",): (0,), ("show", "INC-QTZ001"): (0,), ("show", "INC-QTZ001", "--json"): (0,),
        ("chase",): (0,), ("check",): (0, 1), ("check", "--changed", "HEAD"): (0, 1),
        ("list",): (0,), ("list", "--json"): (0,), ("search", "quetzal"): (0,),
    }
    loaded = {args: _imports(shared_desk, *args, codes=codes) for args, codes in commands.items()}
    assert all(len(lines) > 50 for lines in loaded.values())
    assert [args for args, lines in loaded.items() if _loads(lines, "whoosh")] == [("search", "quetzal")]
    for args in (("--help",), ("show", "INC-QTZ001", "--json"), ("list", "--json")):
        assert not _loads(loaded[args], "tabulate"), args
    assert _loads(loaded[("list",)], "tabulate")  # the test sees an import when there is one


def test_a_failing_index_never_fails_a_write_that_is_done(desk: Path, run_itsm: RunItsm) -> None:
    """The record is written and committed before the index is touched: a cache that cannot
    be updated (here its lock is a folder, so it cannot be opened) costs a warning, not the
    command's success."""
    ticket_id = run_itsm("new", "VPN drops", "-q").stdout.strip()
    assert run_itsm("search", "vpn").returncode == 0
    lock = desk / ".itsm" / "index.lock"
    lock.unlink()
    lock.mkdir()
    head = git(desk, "rev-parse", "HEAD")
    done = run_itsm("log", ticket_id, "Called the user")
    assert done.returncode == 0
    assert done.stdout == f"{ticket_id} note: Called the user [new]\n"
    warning = ("itsm: warning: the search index was not updated: cannot open .itsm/index.lock "
               "(Is a directory) (the next search catches up)\n")
    assert done.stderr == warning
    assert git(desk, "rev-parse", "HEAD") != head
    done = run_itsm("new", "VPN drops again")
    assert (done.returncode, done.stderr) == (0, warning)
    assert done.stdout.strip().startswith("INC-")
    done = run_itsm("search", "vpn")
    assert (done.returncode, done.stderr) == (2, "itsm: error: cannot open .itsm/index.lock (Is a directory) "
                                                 "(delete .itsm/ (it is only a cache) and search again)\n")
