"""The read model (itsm/readmodel/database.py) is a cache, never the truth.

Each test builds a real desk (`itsm init`, real git), writes records the ways people do —
through itsm, by hand, with git checkouts, resets, merges and stashes — and holds the read
model's answer against a full parse of the files: the same records, the same warnings. The
faults a cache meets (another version, a corrupt file, a commit git no longer has, a folder
it cannot write) each give one line on stderr and the right answer.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsm import cli
from itsm.operations import desk_init, resolution, tickets
from itsm.readmodel import database
from itsm.readmodel.database import FILE, ReadModel
from itsm.storage import store
from itsm.storage.store import Desk
from tests.conftest import commit_all, git

ACTOR = "Alice Moreau"

HAND_WRITTEN = """---
id: INC-HAND01
title: Printer on floor 2 prints blank pages
status: new
priority: P3
impact: low
urgency: medium
created: 2026-11-20T08:00:00Z
team_notes: ordered toner
---
Since this morning every page comes out blank.
"""



@pytest.fixture(autouse=True)
def command_hooks() -> Iterator[None]:
    """The library calls here run with the after-write hooks every command has (the read model
    and the index catch up after a write), as `itsm` itself runs them."""
    with store.after_writes(*cli.AFTER_WRITE):
        yield

def parsed(root: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> tuple[list[object], str]:
    """A full parse of the files: the records and the warnings it printed."""
    capsys.readouterr()
    found = list(Desk.open(root).records(kind))
    return found, capsys.readouterr().err


def modelled(root: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> tuple[list[object], str, str]:
    """The read model's answer, the warnings it gives, and what else it said on stderr."""
    capsys.readouterr()
    model = ReadModel.open(Desk.open(root))
    said = capsys.readouterr().err
    try:
        model.warn_faults(kind)
        found = list(model.records(kind))
    finally:
        model.close()
    return found, capsys.readouterr().err, said


def assert_same(root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Every kind: the read model equals a full parse. Returns what opening it said."""
    said_all = ""
    for kind in ("ticket", "problem", "kb"):
        want, want_err = parsed(root, kind, capsys)
        got, got_err, said = modelled(root, kind, capsys)
        assert got == want, kind
        assert got_err == want_err, kind
        said_all += said
    return said_all


def new(root: Path, title: str, **kw: object) -> str:
    return tickets.new_ticket(Desk.open(root), title=title, actor=ACTOR, **kw).id  # type: ignore[arg-type]


def ticket_file(root: Path, ticket_id: str) -> Path:
    return next((root / "tickets").glob(f"*/{ticket_id}.md"))


def meta(root: Path) -> dict[str, str]:
    with sqlite3.connect(root / ".itsm" / FILE) as db:
        return dict(db.execute("SELECT key, value FROM meta").fetchall())


def set_meta(root: Path, key: str, value: str) -> None:
    db = sqlite3.connect(root / ".itsm" / FILE)
    with db:
        db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
    db.close()


# -- it follows git --------------------------------------------------------------------------


def test_built_on_first_read_and_equal_to_the_files(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = new(desk, "VPN drops every few minutes", category="network/vpn")
    new(desk, "Laptop for Tom", type="request")
    tickets.log(Desk.open(desk), first, "called the user", actor=ACTOR, kind="call")
    (desk / "tickets" / "2026-11").mkdir(exist_ok=True)
    (desk / "tickets" / "2026-11" / "INC-HAND01.md").write_text(HAND_WRITTEN, encoding="utf-8")
    assert not (desk / ".itsm" / FILE).exists()  # writes alone never build it
    assert assert_same(desk, capsys) == ""  # a first build is no news: nothing on stderr
    assert (desk / ".itsm" / FILE).is_file()
    assert json.loads(meta(desk)["state"])["commit"] == git(desk, "rev-parse", "HEAD").strip()
    assert git(desk, "status", "--porcelain") == "?? tickets/2026-11/INC-HAND01.md\n"  # the cache is not


def test_it_follows_commits_checkouts_resets_stashes_and_merges(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = new(desk, "Mail bounces")
    assert_same(desk, capsys)
    two = new(desk, "Outlook asks for the password again")  # the after-write hook catches up
    assert json.loads(meta(desk)["state"])["commit"] == git(desk, "rev-parse", "HEAD").strip()
    assert_same(desk, capsys)

    path = ticket_file(desk, one)
    path.write_text(path.read_text(encoding="utf-8").replace("Mail bounces", "Mail bounces back"), encoding="utf-8")
    assert_same(desk, capsys)  # an edit nobody committed
    commit_all(desk)
    assert_same(desk, capsys)
    git(desk, "checkout", "-q", "HEAD~2")  # detached, before `two` existed
    assert_same(desk, capsys)
    git(desk, "checkout", "-q", "main")
    git(desk, "reset", "-q", "--hard", "HEAD~1")  # the hand edit is gone
    assert_same(desk, capsys)
    path.write_text(path.read_text(encoding="utf-8").replace("Mail bounces", "Stashed"), encoding="utf-8")
    assert_same(desk, capsys)
    git(desk, "stash", "-q")
    assert_same(desk, capsys)
    git(desk, "stash", "pop", "-q")
    assert_same(desk, capsys)
    git(desk, "checkout", "-q", "--", ".")

    git(desk, "checkout", "-q", "-b", "side")
    new(desk, "Printer jams on floor 3")
    git(desk, "checkout", "-q", "main")
    tickets.log(Desk.open(desk), two, "asked for a screenshot", actor=ACTOR, kind="email")
    git(desk, "merge", "-q", "--no-edit", "side")
    assert_same(desk, capsys)
    os.unlink(ticket_file(desk, two))  # deleted by hand
    assert_same(desk, capsys)


def test_a_desk_inside_a_larger_repository_and_outside_git(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "ops"
    repo.mkdir()
    git(repo, "init", "-q")
    desk_init.init(repo / "servicedesk")
    new(repo / "servicedesk", "Scanner offline")
    assert_same(repo / "servicedesk", capsys)
    new(repo / "servicedesk", "Scanner offline again")
    assert_same(repo / "servicedesk", capsys)

    plain = tmp_path / "plain"
    desk_init.init(plain, commit=False)
    shutil.rmtree(plain / ".git", ignore_errors=True)
    new(plain, "No git here")
    assert_same(plain, capsys)
    path = next((plain / "tickets").glob("*/*.md"))
    path.write_text(path.read_text(encoding="utf-8").replace("No git here", "Still no git"), encoding="utf-8")
    assert_same(plain, capsys)
    assert [t.title for t in database.tickets(Desk.open(plain))] == ["Still no git"]


def test_ignored_record_files_are_read_as_a_parse_of_the_folders_reads_them(
        desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new(desk, "Seen by git")
    assert_same(desk, capsys)
    (desk / ".gitignore").write_text((desk / ".gitignore").read_text(encoding="utf-8") + "tickets/2026-11/INC-HAND01.md\n",
                                     encoding="utf-8")
    (desk / "tickets" / "2026-11").mkdir(exist_ok=True)
    (desk / "tickets" / "2026-11" / "INC-HAND01.md").write_text(HAND_WRITTEN, encoding="utf-8")
    assert_same(desk, capsys)


# -- it is never the truth -------------------------------------------------------------------


def test_a_record_that_does_not_parse_is_warned_about_as_the_files_are(
        desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = new(desk, "Good one")
    bad = new(desk, "Soon broken")
    assert_same(desk, capsys)
    ticket_file(desk, bad).write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    said = assert_same(desk, capsys)
    assert said == ""
    _, err, _ = modelled(desk, "ticket", capsys)
    assert err.count("\n") == 1 and "skipping tickets/" in err and bad in err
    assert [t.id for t in database.tickets(Desk.open(desk))] == [good]
    status = ticket_file(desk, good)
    status.write_text(status.read_text(encoding="utf-8").replace("status: new", "status: bogus"), encoding="utf-8")
    assert_same(desk, capsys)  # a value readers would misread: kept, and named
    _, err, _ = modelled(desk, "ticket", capsys)
    assert "status" in err and err.count("\n") == 2


def break_version(root: Path) -> None:
    set_meta(root, "version", "999")


def break_bytes(root: Path) -> None:
    (root / ".itsm" / FILE).write_bytes(b"this is not a SQLite file at all" * 100)


def break_truncated(root: Path) -> None:
    path = root / ".itsm" / FILE
    path.write_bytes(path.read_bytes()[:1500])


def break_commit(root: Path) -> None:
    state = json.loads(meta(root)["state"])
    state["commit"] = "0123456789" * 4
    set_meta(root, "state", json.dumps(state))


def break_state(root: Path) -> None:
    set_meta(root, "state", "[1, 2]")


def break_folder(root: Path) -> None:
    os.unlink(root / ".itsm" / FILE)
    (root / ".itsm" / FILE).mkdir()


def break_link(root: Path) -> None:
    outside = root.parent / "elsewhere.sqlite"
    os.replace(root / ".itsm" / FILE, outside)
    os.symlink(outside, root / ".itsm" / FILE)


FAULTS = {
    "another-version": (break_version, "the read model was built by another version of itsm; rebuilding it"),
    "not-sqlite": (break_bytes, "the read model was unreadable"),
    "truncated": (break_truncated, "the read model was unreadable"),
    "unknown-commit": (break_commit, "the read model was built at a commit git does not have (0123456789"),
    "no-state": (break_state, "the read model does not say when it was built"),
    "a-folder": (break_folder, "the read model was not a regular file"),
    "a-symlink": (break_link, "the read model was not a regular file"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_broken_read_model_is_rebuilt_with_one_line(desk: Path, fault: str, capsys: pytest.CaptureFixture[str]) -> None:
    new(desk, "Before the fault")
    assert_same(desk, capsys)
    new(desk, "Written while the model was sound")
    breaker, message = FAULTS[fault]
    if fault == "a-folder":
        new(desk, "A ticket the model never saw")
    breaker(desk)
    capsys.readouterr()
    model = ReadModel.open(Desk.open(desk))
    titles = sorted(t.title for t in model.records("ticket"))  # type: ignore[attr-defined]
    model.close()
    err = capsys.readouterr().err
    assert err.startswith(f"itsm: warning: {message}") and err.count("\n") == 1, err
    assert err.rstrip("\n").endswith("; rebuilding it")
    assert titles == sorted(t.title for t in Desk.open(desk).tickets())
    assert (desk / ".itsm" / FILE).is_file() and not (desk / ".itsm" / FILE).is_symlink()
    assert assert_same(desk, capsys) == ""  # rebuilt once: sound again
    if fault == "a-symlink":
        assert (desk.parent / "elsewhere.sqlite").read_bytes()[:15] == b"SQLite format 3"  # not written through


def test_a_rebuild_through_the_cli_says_one_line_and_lists_right(desk: Path, run_itsm: object) -> None:
    new(desk, "Kept in the model")
    run = run_itsm  # type: ignore[assignment]
    assert run("list", "--json").returncode == 0  # type: ignore[operator]
    break_commit(desk)
    done = run("list", "--json")  # type: ignore[operator]
    assert done.returncode == 0
    assert done.stderr.count("\n") == 1 and "rebuilding it" in done.stderr
    assert [t["title"] for t in json.loads(done.stdout)] == ["Kept in the model"]
    again = run("list", "--json")  # type: ignore[operator]
    assert (again.returncode, again.stderr, again.stdout) == (0, "", done.stdout)


def test_a_cache_folder_that_cannot_be_used_falls_back_to_the_files(desk: Path, run_itsm: object) -> None:
    new(desk, "Listed from the files")
    (desk / ".itsm").mkdir(exist_ok=True)
    shutil.rmtree(desk / ".itsm")
    (desk / ".itsm").write_text("a file where the cache folder goes\n", encoding="utf-8")
    done = run_itsm("list", "--json")  # type: ignore[operator]
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1
    assert "the read model in .itsm/ cannot be used" in done.stderr and "reading the files" in done.stderr
    assert [t["title"] for t in json.loads(done.stdout)] == ["Listed from the files"]
    assert (desk / ".itsm").read_text(encoding="utf-8") == "a file where the cache folder goes\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_a_read_only_cache_folder_falls_back_to_the_files(desk: Path, run_itsm: object) -> None:
    new(desk, "Read-only cache")
    (desk / ".itsm").mkdir(exist_ok=True)
    os.chmod(desk / ".itsm", 0o555)
    try:
        done = run_itsm("list", "--json")  # type: ignore[operator]
    finally:
        os.chmod(desk / ".itsm", 0o755)
    assert done.returncode == 0 and "reading the files" in done.stderr
    assert [t["title"] for t in json.loads(done.stdout)] == ["Read-only cache"]


def test_a_config_change_derives_the_facts_afresh(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ticket = new(desk, "Server down", impact="high", urgency="high", category="network/vpn")
    the_desk = Desk.open(desk)
    resolution.resolve(the_desk, ticket, actor=ACTOR, fix="restarted the service")
    model = ReadModel.open(Desk.open(desk))
    before = model.facts(ticket)
    model.close()
    assert before is not None and before["resolution"]["target_minutes"] == 4 * 60
    config = desk / "itsm.yaml"
    text = config.read_text(encoding="utf-8")
    assert "resolution: 4h" in text
    config.write_text(text.replace("resolution: 4h", "resolution: 6h", 1), encoding="utf-8")
    commit_all(desk, "P1 resolution target 6h")
    model = ReadModel.open(Desk.open(desk))
    after = model.facts(ticket)
    model.close()
    assert after is not None and after["resolution"]["target_minutes"] == 6 * 60
    assert capsys.readouterr().err == ""


def test_a_model_another_command_swaps_in_meanwhile_is_followed_without_a_word(
        desk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two commands find the model stale: one rebuilds and swaps its new file in while the
    other is about to catch the old one up. SQLite refuses a write to a file that was moved
    ("attempt to write a readonly database"); that is no fault of the cache, so the second
    command catches up the new file, saying nothing (found by six commands started together:
    test_concurrent_readers_and_writers_agree_with_the_files)."""
    tickets.new_ticket(Desk.open(desk), title="Printer jams", actor=ACTOR)
    assert_same(desk, capsys)  # the model is built
    (desk / "tickets" / "2026-11" / "INC-HAND01.md").write_text(HAND_WRITTEN)
    commit_all(desk, "a ticket written by hand: the model is stale")
    real_since = database.cache_state.since
    swaps: list[str] = []

    def since_then_swapped(*args: object) -> object:
        found = real_since(*args)  # type: ignore[arg-type]
        if not swaps:  # another command's rebuild lands now, between this one's read and its write
            other = Desk.open(desk)
            ReadModel._rebuilt(other, desk / ".itsm", database._config_key(other), None).db.close()
            swaps.append("swapped")
        return found

    monkeypatch.setattr(database.cache_state, "since", since_then_swapped)
    capsys.readouterr()
    model = ReadModel.open(Desk.open(desk))
    try:
        titles = sorted(record.title for record in model.records("ticket"))
    finally:
        model.close()
    assert swaps == ["swapped"]
    assert capsys.readouterr().err == ""
    assert titles == ["Printer jams", "Printer on floor 2 prints blank pages"]
    monkeypatch.undo()
    assert_same(desk, capsys)


def test_a_killed_build_leaves_no_half_model_in_use(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new(desk, "One")
    leftover = desk / ".itsm" / f"{FILE}.new-999999"
    (desk / ".itsm").mkdir(exist_ok=True)
    leftover.write_bytes(b"half a build")
    assert_same(desk, capsys)
    assert not leftover.exists()


@pytest.mark.process
def test_concurrent_readers_and_writers_agree_with_the_files(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Four processes list while two write: none fails, and the model ends equal to the files."""
    for n in range(3):
        new(desk, f"Seed {n}")
    env = {**os.environ, "ITSM_DESK": str(desk)}
    procs = [subprocess.Popen([sys.executable, "-m", "itsm", *args], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
             for args in (["list"], ["new", "-q", "Concurrent A"], ["chase"], ["new", "-q", "Concurrent B"],
                          ["list", "--open"], ["list", "--json"])]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "warning" not in err, err
    assert assert_same(desk, capsys) == ""
    assert len(Desk.open(desk).tickets()) == 5


# -- the property: whatever happens, the model equals the files -------------------------------

STEPS = st.lists(st.sampled_from([
    "new", "log", "resolve", "hand-edit", "hand-break", "hand-fix", "commit", "checkout-back", "reset-back",
    "branch-merge", "delete", "stash", "read",
]), min_size=3, max_size=9)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_leaves_the_model_equal_to_a_full_parse(
        tmp_path_factory: pytest.TempPathFactory, steps: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path_factory.mktemp("prop") / "desk"
    desk_init.init(root)
    made = [new(root, "First ticket")]
    assert_same(root, capsys)
    for n, step in enumerate(steps):
        the_desk = Desk.open(root)
        dirty = bool(git(root, "status", "--porcelain", "--", "tickets"))
        try:
            if step == "new" and not dirty:
                made.append(new(root, f"Ticket {n}"))
            elif step == "log" and not dirty and made and _exists(root, made[-1]):
                tickets.log(the_desk, made[-1], f"note {n}", actor=ACTOR)
            elif step == "resolve" and not dirty and made and _exists(root, made[0]):
                resolution.resolve(the_desk, made[0], actor=ACTOR, workaround=f"restarted ({n})")
            elif step in ("hand-edit", "hand-break", "hand-fix") and made and _exists(root, made[-1]):
                path = ticket_file(root, made[-1])
                text = path.read_text(encoding="utf-8")
                if step == "hand-edit":
                    text = text.replace("title: ", f"title: edited {n} ", 1)
                elif step == "hand-break":
                    text = "---\nid: [broken\n" + text
                else:
                    text = text.replace("---\nid: [broken\n", "", 1)
                path.write_text(text, encoding="utf-8")
            elif step == "commit" and dirty:
                commit_all(root, f"by hand {n}")
            elif step == "checkout-back":
                if not dirty and len(git(root, "rev-list", "HEAD").split()) > 1:
                    git(root, "checkout", "-q", "HEAD~1")
                    assert_same(root, capsys)
                    git(root, "checkout", "-q", "main")
            elif step == "reset-back" and len(git(root, "rev-list", "HEAD").split()) > 2:
                git(root, "reset", "-q", "--hard", "HEAD~1")
            elif step == "branch-merge" and not dirty:
                git(root, "checkout", "-q", "-b", f"side{n}")
                made.append(new(root, f"On a branch {n}"))
                git(root, "checkout", "-q", "main")
                if made[0] and _exists(root, made[0]):
                    tickets.log(Desk.open(root), made[0], f"meanwhile {n}", actor=ACTOR)
                git(root, "merge", "-q", "--no-edit", f"side{n}")
            elif step == "delete" and made and _exists(root, made[-1]):
                os.unlink(ticket_file(root, made[-1]))
            elif step == "stash" and dirty:
                git(root, "stash", "-q", "--include-untracked")
                assert_same(root, capsys)
                git(root, "stash", "pop", "-q")
        except Exception as exc:  # a refusal of itsm's is a fine outcome of a random step
            from itsm.core.errors import UsageError

            if not isinstance(exc, UsageError):
                raise
        assert_same(root, capsys)


def _exists(root: Path, ticket_id: str) -> bool:
    return any((root / "tickets").glob(f"*/{ticket_id}.md"))


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text() | st.integers() | st.booleans(), inner),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(value=_JSON_VALUES)
def test_the_fast_json_writer_writes_what_json_dumps_writes(value: object) -> None:
    """`formats.json_text` writes 100,000 rows for `list --json`: with its own indenting (json's
    indent is its pure-Python encoder), it must still write exactly what json.dumps does."""
    from itsm.output import formats

    want = json.dumps(value, indent=2, ensure_ascii=False)
    assert formats._indented(value, "\n") == want


_CELL = st.text(alphabet=st.sampled_from(list("ab c-é|\u00a0\u3000xyz12.,")), max_size=8)
_HEAD = st.text(alphabet=st.sampled_from(list("abcé_")), min_size=1, max_size=8)
_TABLES = st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(_HEAD, min_size=n, max_size=n), st.lists(st.lists(_CELL, min_size=n, max_size=n), max_size=5)))


@settings(max_examples=400, deadline=None)
@given(table=_TABLES, fmt=st.sampled_from(["table", "md"]))
def test_big_tables_are_written_as_tabulate_writes_them(table: tuple[list[str], list[list[str]]], fmt: str) -> None:
    """Past `formats.TABULATE_ROWS` rows (`chase` on a big desk) itsm writes a table of text
    columns itself: the same text as tabulate's, which writes every other table."""
    from tabulate import tabulate

    from itsm.output import formats

    heads, rows = table
    want = tabulate(rows, headers=heads, tablefmt="github" if fmt == "md" else "simple")
    rows = [list(row) for row in rows]
    if not any(formats._numbers(rows, i) for i in range(len(heads))):  # else tabulate writes it
        assert formats.table_text(rows, list(heads), fmt) == want


def test_an_untracked_file_in_a_folder_that_did_not_change_is_still_followed(
        desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Untracked files are looked for only in folders whose time changed; one already known
    is stamped every time, so an edit of it (which leaves its folder's time alone) is seen."""
    new(desk, "Tracked one")
    month = desk / "tickets" / "2026-11"
    month.mkdir(exist_ok=True)
    hand = month / "INC-HAND01.md"
    hand.write_text(HAND_WRITTEN, encoding="utf-8")
    past = 1_700_000_000  # 2023: far from now, so the folder is not "racy"
    os.utime(month, (past, past))
    assert_same(desk, capsys)
    state = json.loads(meta(desk)["state"])
    assert state["folders"]["tickets/2026-11"] == past * 10**9
    hand.write_text(HAND_WRITTEN.replace("prints blank pages", "prints nothing at all"), encoding="utf-8")
    os.utime(month, (past, past))  # as it was: only the file's own stamp tells
    assert_same(desk, capsys)
    assert "Printer on floor 2 prints nothing at all" in [t.title for t in database.tickets(Desk.open(desk))]
    os.unlink(hand)  # a removal changes the folder's time: it is looked at again
    assert_same(desk, capsys)


def test_a_desk_s_own_keys_named_like_another_kind_s_fields(desk: Path, capsys: pytest.CaptureFixture[str],
                                                             run_itsm: object) -> None:
    """People add their own keys by hand: a ticket's `tags:` or `author:` (fields of a KB
    article), an article's `status:` or `owner:` (fields of a ticket). Each is the desk's own
    key of that record, read back from the model as from the file."""
    month = desk / "tickets" / "2026-11"
    month.mkdir(exist_ok=True)
    (month / "INC-HAND01.md").write_text(
        HAND_WRITTEN.replace("team_notes: ordered toner\n",
                             "team_notes: ordered toner\ntags: [printer, floor-2]\nauthor: Ola\nworkaround: reboot\n"),
        encoding="utf-8")
    (desk / "kb" / "KB-HAND01.md").write_text(
        "---\nid: KB-HAND01\ntitle: Blank pages\nstatus: draft\nowner: Ola\nincidents: [INC-HAND01]\n---\n"
        "Shake the toner.\n", encoding="utf-8")
    commit_all(desk)
    assert_same(desk, capsys)
    ticket = database.tickets(Desk.open(desk))[0]
    assert ticket.extra == {"team_notes": "ordered toner", "tags": ["printer", "floor-2"], "author": "Ola",
                            "workaround": "reboot"}
    done = run_itsm("list", "--json")  # type: ignore[operator]
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["tags"] == ["printer", "floor-2"]
