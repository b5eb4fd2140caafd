"""Property: every refusal leaves `git status --porcelain`, `git ls-files -s` and HEAD unchanged.

For each repository state below — a clean desk (with and without its search cache); a merge
(conflict in a ticket, or only in README.txt), rebase, cherry-pick, revert or `git am`
stopped on a conflict; unmerged paths without MERGE_HEAD (`git stash pop`); a ticket with an
uncommitted, a staged or an untracked hand edit; a broken itsm.yaml; a pre-commit hook that
rejects every commit; a killed write's temporary file beside a hand edit; a month folder or
`.itsm` linked out of the desk; `.itsm` as a plain file — hypothesis draws commands, valid and
invalid ones (some with text it makes up), and each runs as the real `itsm` process in a fresh
copy of the state. Then:

- the exit code is 0 or 2, never 3 (a bug) or anything else, and there is no traceback;
- a refusal (exit 2) is exactly one line on stderr starting with `itsm: error: ` and nothing
  on stdout, and it changed nothing: `git status --porcelain`, `git ls-files -s` and HEAD are
  as they were, and so is every file, folder and link of the example, byte for byte — the
  desk, its `.git` (`.git/index` included) and `.itsm`, and the folders outside the desk that
  its links point to. The one exception: when a hook refuses the commit, the objects git
  wrote for it stay behind, and they must all be unreachable (`git fsck --unreachable`);
- a write never succeeds while git is in the middle of an operation (merge, rebase,
  cherry-pick, revert, `git am`, unmerged paths), while itsm.yaml is broken or a hook rejects
  commits, into a record with someone's uncommitted edit, or through a month folder linked
  out of the desk;
- a command that succeeds changes nothing outside the desk, and never commits someone's
  hand edit: one it did not touch is left as it was, one it wrote (--no-commit) stays
  uncommitted.

The states are built once through `itsm` and real git, then copied for every example.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from itsm.operations import desk_init
from tests.conftest import Templates, run_cli

# A property over 18 repository states: a few hundred commands.
pytestmark = pytest.mark.slow

NOW_MONTH = "2026-11"  # the month of $ITSM_NOW (conftest): where `itsm new` files a ticket
OLD_MONTH = "2026-10"
OWNER = "Ben Okoro"
HAND_ID = "INC-HAND01"  # a ticket file written by hand and never committed (state "untracked")
BIG_TEXT = "The VPN log says: " + "reconnect; " * 6400  # about 70 KB: over the 8 KiB of a front-matter field
HUGE_STDIN = b"a" * (4 * 1024 * 1024 + 100)  # over the 4 MiB of a record file
ARTICLE = (
    b"## Symptoms\n\nJobs stay in the queue.\n\n## Resolution\n\nRestart the spooler.\n\n"
    b"## Script\n\n1. Open services.msc\n2. Restart Print Spooler\n"
)
MAIL = (b"From: Maria Lopez <maria@example.org>\r\nTo: desk@example.org\r\nSubject: Printer jams\r\n"
        b"Message-ID: <prop-1@example.org>\r\n\r\nThe printer on floor 3 jams.\r\n")
ALERT = b'{"title": "Disk /var 95% full on web01", "source": "nagios", "dedup_key": "web01-var"}'
# Each example is one `itsm` process (0.25-0.5 s on two cores; copying and snapshots add
# about 0.05 s): 18 states x (7 drawn + 1-3 explicit) commands is 156 runs, and with building
# the states (about 20 s) the file takes 1.5-2 minutes.
EXAMPLES_PER_STATE = 7


# -- running git and itsm ---------------------------------------------------------------------


def sh_git(cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """git as a person runs it while making a state (`ok=False`: a conflict is expected)."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if ok:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    else:
        assert done.returncode != 0, (args, done.stdout, done.stderr)
    return done


def read_git(cwd: Path, *args: str) -> bytes:
    """git's view of the repository, read without refreshing (and so rewriting) .git/index."""
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, check=True,
        env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
    ).stdout


def itsm(cwd: Path, *args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return run_cli(cwd, *args, input=stdin, env=env, text=False)


def ok(cwd: Path, *args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> str:
    done = itsm(cwd, *args, stdin=stdin, env=env)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout.decode().strip()


def at(moment: str) -> dict[str, str]:
    return {"ITSM_NOW": moment}


# -- snapshots ------------------------------------------------------------------------------------


Entry = tuple[str, int, bytes | str | None]


def tree(root: Path) -> dict[str, Entry]:
    """Every file (bytes and mode), folder and symbolic link (its target) under `root`, links
    not followed: an empty folder made, a mode changed or a link rewritten shows up too."""
    found: dict[str, Entry] = {}
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            path = Path(folder, name)
            info = os.lstat(path)
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", 0, os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", stat.S_IMODE(info.st_mode), None)
            elif stat.S_ISREG(info.st_mode):
                found[rel] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes())
            else:
                found[rel] = ("other", info.st_mode, None)
    return found


def changed(before: dict[str, Entry], after: dict[str, Entry], under: str = "") -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if k.startswith(under) and before.get(k) != after.get(k))


@dataclass(frozen=True)
class GitView:
    status: bytes
    staged: bytes
    head: bytes

    @classmethod
    def of(cls, desk: Path) -> GitView:
        return cls(read_git(desk, "status", "--porcelain"), read_git(desk, "ls-files", "-s"),
                   read_git(desk, "rev-parse", "HEAD"))

    def status_of(self, rel: str) -> list[bytes]:
        return [line for line in self.status.splitlines() if line[3:] == rel.encode()]


# -- the states ----------------------------------------------------------------------------------------


@dataclass
class State:
    """A repository state, and what it forbids."""

    build: Callable[[Path, Path, dict[str, str]], None]
    frozen: bool = False  # every write is refused (git mid-operation, broken itsm.yaml)
    dirty: tuple[str, ...] = ()  # tickets with a hand edit nobody committed: a committing write to one is refused
    linked_month: str | None = None  # a month folder linked out of the desk: every write into it is refused
    rejects_commits: bool = False  # a git hook refuses every commit: every committing write is refused
    focus: tuple[str, ...] = ()  # commands always run in this state (explicit examples), besides those drawn


@dataclass
class Built:
    root: Path  # holds `desk/`, and `outside/` for the links
    ids: dict[str, str]


_EDITORS: dict[str, str] = {}


def ticket_rel(built_ids: dict[str, str], key: str) -> str:
    month = OLD_MONTH if key == "old" else NOW_MONTH
    return f"tickets/{month}/{built_ids[key]}.md"


def build_base(root: Path) -> dict[str, str]:
    """A desk with a ticket in every lifecycle state, one from last month, a problem and a KB
    article, a README.txt, and the search index in `.itsm/` — all through `itsm` and git."""
    desk = root / "desk"
    desk_init.init(desk)
    (desk / "README.txt").write_text("The service desk of a small company.\n")
    wiki = root / "wiki"  # a knowledge base to import, beside the desk
    wiki.mkdir()
    (wiki / "map-a-drive.md").write_text("# Map a network drive\n\nOpen Explorer, Map network drive, \\\\files\\share.\n")
    (wiki / "guest-wifi.md").write_text("---\ntitle: Guest Wi-Fi password\ntags: [wifi]\n---\nOn the board at reception.\n")
    sh_git(desk, "add", "README.txt")
    sh_git(desk, "commit", "-q", "-m", "a README")
    ids: dict[str, str] = {}
    vpn = ("-c", "network/vpn", "--group", "service-desk", "-r", "Maria Lopez", "-q")
    ids["old"] = ok(desk, "new", "Laptop battery swells", "-c", "hardware/laptop", "--owner", OWNER, "-q",
                    env=at("2026-10-15T09:00:00Z"))
    early = at("2026-11-19T09:00:00Z")  # told seven days ago: closes by the user's silence
    ids["resolved"] = ok(desk, "new", "VPN drops (resolved, silent)", *vpn, "--owner", OWNER, env=early)
    ok(desk, "log", ids["resolved"], "Called Maria", "--kind", "call", "--actor", OWNER, env=early)
    ok(desk, "resolve", ids["resolved"], "--fix", "VPN profile reinstalled", "--actor", OWNER, env=early)
    ok(desk, "notify", ids["resolved"], "--actor", OWNER, env=early)
    ids["new"] = ok(desk, "new", "Printer offline (new)", "-c", "hardware/printer", "-q")
    for key in ("assigned", "in_progress", "pending", "unnotified", "confirmed", "closed"):
        ids[key] = ok(desk, "new", f"VPN drops ({key})", *vpn, "--owner", OWNER)
    for key in ("in_progress", "pending", "unnotified", "confirmed", "closed"):
        ok(desk, "log", ids[key], "Called Maria: drops since the router swap", "--kind", "call", "--actor", OWNER)
    ok(desk, "pend", ids["pending"], "--reason", "waiting for Maria to test from home", "--actor", OWNER)
    for key in ("unnotified", "confirmed", "closed"):
        ok(desk, "resolve", ids[key], "--fix", "VPN profile reinstalled", "--actor", OWNER)
    for key in ("confirmed", "closed"):
        ok(desk, "notify", ids[key], "--actor", OWNER)
        ok(desk, "confirm", ids[key])
    ok(desk, "close", ids["closed"])
    # Service requests: the generated itsm.yaml makes software/license wait for approval.
    ids["request"] = ok(desk, "new", "Visio licence for Maria", "-t", "request", "-c", "software/license", "-q")
    ids["request_open"] = ok(desk, "new", "Install Visio", "-t", "request", "-c", "software/install", "-q")
    ids["prb"] = ok(desk, "problem", "new", "VPN drops on home routers", "-c", "network/vpn")
    ids["kb"] = ok(desk, "kb", "new", "VPN disconnects at home", "-c", "network/vpn", "-t", "vpn", "--body", "-",
                   stdin=b"## Symptoms\n\nThe VPN drops.\n\n## Workaround\n\nSSL-only.\n")
    ok(desk, "reindex")
    ids["hand"] = HAND_ID
    assert read_git(desk, "status", "--porcelain") == b""
    return ids


def retitle(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\ntitle: ")
    assert sep
    path.write_text(head + sep + title + rest[rest.index("\n"):], encoding="utf-8")


def clone_pair(root: Path, desk: Path) -> Path:
    """A bare remote of the desk, the desk tracking it, and another clone of it."""
    sh_git(root, "clone", "-q", "--bare", "desk", "remote.git")
    sh_git(desk, "remote", "add", "origin", "../remote.git")
    sh_git(desk, "fetch", "-q", "origin")
    sh_git(desk, "branch", "-q", "--set-upstream-to=origin/main")
    sh_git(root, "clone", "-q", "remote.git", "other")
    return root / "other"


def push_from(other: Path) -> None:
    sh_git(other, "push", "-q", "origin", "main")
    shutil.rmtree(other)


def no_state(root: Path, desk: Path, ids: dict[str, str]) -> None:
    """The clean desk, as built."""


def no_cache(root: Path, desk: Path, ids: dict[str, str]) -> None:
    shutil.rmtree(desk / ".itsm")


def without_driver(desk: Path) -> None:
    """A clone that never ran `itsm setup` (git does not clone .git/config): git's own line
    merge meets two changes to one ticket, and stops on the conflict the state needs. (With
    the driver the same two changes merge cleanly: tests/test_merge.py.)"""
    sh_git(desk, "config", "--remove-section", "merge.itsm")


def merge_on_ticket(root: Path, desk: Path, ids: dict[str, str]) -> None:
    """Both clones log on the same ticket; `git pull --no-rebase` stops with it unmerged (UU),
    and the other clone's change to a second ticket staged."""
    without_driver(desk)
    other = clone_pair(root, desk)
    ok(other, "log", ids["in_progress"], "Logged in the other clone")
    ok(other, "log", ids["pending"], "Maria mailed: still waiting")
    push_from(other)
    ok(desk, "log", ids["in_progress"], "Logged in this clone")
    sh_git(desk, "pull", "-q", "--no-rebase", "origin", "main", ok=False)
    assert (desk / ".git" / "MERGE_HEAD").exists()
    assert f"UU {ticket_rel(ids, 'in_progress')}".encode() in read_git(desk, "status", "--porcelain")


def merge_on_readme(root: Path, desk: Path, ids: dict[str, str]) -> None:
    """The conflict is in README.txt: every record file is clean, one merged in and staged."""
    other = clone_pair(root, desk)
    (other / "README.txt").write_text("The desk of the other clone.\n")
    sh_git(other, "commit", "-q", "-am", "README from the other clone")
    ok(other, "log", ids["assigned"], "Logged in the other clone")
    push_from(other)
    (desk / "README.txt").write_text("The desk of this clone.\n")
    sh_git(desk, "commit", "-q", "-am", "README from this clone")
    sh_git(desk, "pull", "-q", "--no-rebase", "origin", "main", ok=False)
    status = read_git(desk, "status", "--porcelain")
    assert b"UU README.txt" in status and f"M  {ticket_rel(ids, 'assigned')}".encode() in status, status


def rebase_stopped(root: Path, desk: Path, ids: dict[str, str]) -> None:
    without_driver(desk)
    other = clone_pair(root, desk)
    ok(other, "log", ids["in_progress"], "Logged in the other clone")
    push_from(other)
    ok(desk, "log", ids["in_progress"], "Logged in this clone")
    sh_git(desk, "pull", "-q", "--rebase", "origin", "main", ok=False)
    assert (desk / ".git" / "rebase-merge").is_dir()


def cherry_pick_stopped(root: Path, desk: Path, ids: dict[str, str]) -> None:
    without_driver(desk)
    sh_git(desk, "switch", "-q", "-c", "side")
    ok(desk, "log", ids["in_progress"], "Logged on the side branch")
    sh_git(desk, "switch", "-q", "main")
    ok(desk, "log", ids["in_progress"], "Logged on main")
    sh_git(desk, "cherry-pick", "side", ok=False)
    assert (desk / ".git" / "CHERRY_PICK_HEAD").exists()


def revert_stopped(root: Path, desk: Path, ids: dict[str, str]) -> None:
    without_driver(desk)
    ok(desk, "log", ids["in_progress"], "First note")
    first = read_git(desk, "rev-parse", "HEAD").decode().strip()
    ok(desk, "log", ids["in_progress"], "Second note, right after the first")
    sh_git(desk, "revert", "--no-edit", first, ok=False)
    assert (desk / ".git" / "REVERT_HEAD").exists()


def am_stopped(root: Path, desk: Path, ids: dict[str, str]) -> None:
    sh_git(desk, "switch", "-q", "-c", "side")
    ok(desk, "log", ids["in_progress"], "Logged on the side branch")
    sh_git(desk, "format-patch", "-q", "-1", "-o", str(root / "patches"))
    sh_git(desk, "switch", "-q", "main")
    ok(desk, "log", ids["in_progress"], "Logged on main")
    (patch,) = (root / "patches").iterdir()
    sh_git(desk, "am", "-q", str(patch), ok=False)
    shutil.rmtree(root / "patches")
    assert (desk / ".git" / "rebase-apply" / "applying").exists()


def stash_pop_conflict(root: Path, desk: Path, ids: dict[str, str]) -> None:
    """A hand edit stashed, the same line changed by `itsm edit`, then `git stash pop`: the
    ticket is unmerged (UU) and no MERGE_HEAD tells."""
    without_driver(desk)
    retitle(desk / ticket_rel(ids, "new"), "Printer offline, retitled by hand")
    sh_git(desk, "stash", "-q")
    ok(desk, "edit", ids["new"], env={"EDITOR": _EDITORS["retitle"]})
    sh_git(desk, "stash", "pop", "-q", ok=False)
    assert not (desk / ".git" / "MERGE_HEAD").exists()
    assert f"UU {ticket_rel(ids, 'new')}".encode() in read_git(desk, "status", "--porcelain")


def worktree_edit(root: Path, desk: Path, ids: dict[str, str]) -> None:
    retitle(desk / ticket_rel(ids, "in_progress"), "VPN drops, retitled by hand")


def staged_edit(root: Path, desk: Path, ids: dict[str, str]) -> None:
    retitle(desk / ticket_rel(ids, "assigned"), "VPN drops, retitled by hand")
    sh_git(desk, "add", ticket_rel(ids, "assigned"))


def untracked_ticket(root: Path, desk: Path, ids: dict[str, str]) -> None:
    text = (desk / ticket_rel(ids, "new")).read_text(encoding="utf-8")
    (desk / ticket_rel(ids, "hand")).write_text(text.replace(f"id: {ids['new']}\n", f"id: {HAND_ID}\n"))


def commit_hook_rejects(root: Path, desk: Path, ids: dict[str, str]) -> None:
    """A pre-commit hook that says no: each write is made, its commit fails, and it is undone."""
    hook = desk / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'pre-commit: the desk is frozen for the audit' >&2\nexit 1\n")
    hook.chmod(0o755)


def leftover_and_worktree_edit(root: Path, desk: Path, ids: dict[str, str]) -> None:
    """What a killed write left behind (a temporary file), and a ticket edited by hand."""
    (desk / "tickets" / f".{ids['new']}.md.k3j9x2.tmp").write_text("half a record\n")
    worktree_edit(root, desk, ids)


def broken_config(root: Path, desk: Path, ids: dict[str, str]) -> None:
    with (desk / "itsm.yaml").open("a", encoding="utf-8") as handle:
        handle.write("autoclose_days: [5\n")
    sh_git(desk, "commit", "-q", "-am", "a broken itsm.yaml")


def month_linked_out(root: Path, desk: Path, ids: dict[str, str]) -> None:
    (root / "outside").mkdir()
    (desk / "tickets" / NOW_MONTH).rename(root / "outside" / NOW_MONTH)
    (desk / "tickets" / NOW_MONTH).symlink_to(Path("..", "..", "outside", NOW_MONTH))
    sh_git(desk, "add", "-A")
    sh_git(desk, "commit", "-q", "-m", "this month's tickets moved out, by a link")


def cache_linked_out(root: Path, desk: Path, ids: dict[str, str]) -> None:
    shutil.rmtree(desk / ".itsm")
    (root / "outside" / "cache").mkdir(parents=True)
    (root / "outside" / "cache" / "precious.txt").write_text("not a cache\n")
    (desk / ".itsm").symlink_to(Path("..", "outside", "cache"))
    sh_git(desk, "add", "-f", ".itsm")
    sh_git(desk, "commit", "-q", "-m", "a committed .itsm link")


def cache_is_a_file(root: Path, desk: Path, ids: dict[str, str]) -> None:
    shutil.rmtree(desk / ".itsm")
    (desk / ".itsm").write_text("not a folder\n")


STATES: dict[str, State] = {
    "clean": State(no_state, focus=("approve", "resolve-request-fix", "problem-link-request", "ingest-email",
                                      "ingest-email-no-sender", "ingest-email-oversize", "ingest-alert-bad-json")),
    "clean-no-cache": State(no_cache, focus=("log-unknown-id",)),
    "merge-conflict-on-ticket": State(merge_on_ticket, frozen=True, focus=("log-last-month", "autoclose")),
    "merge-conflict-on-readme": State(merge_on_readme, frozen=True, focus=("log", "new", "ingest-email")),
    "rebase-stopped": State(rebase_stopped, frozen=True, focus=("problem-link",)),
    "cherry-pick-stopped": State(cherry_pick_stopped, frozen=True, focus=("kb-new",)),
    "revert-stopped": State(revert_stopped, frozen=True, focus=("escalate-major",)),
    "am-stopped": State(am_stopped, frozen=True, focus=("resolve-with-problem-and-kb",)),
    "stash-pop-unmerged": State(stash_pop_conflict, frozen=True, focus=("log-last-month", "log-no-commit")),
    "worktree-edit": State(worktree_edit, dirty=("in_progress",), focus=("edit-hand-edited", "log")),
    "staged-edit": State(staged_edit, dirty=("assigned",), focus=("categorise", "resolve-with-problem-and-kb")),
    "untracked-ticket": State(untracked_ticket, dirty=("hand",), focus=("log-hand-written", "new")),
    "broken-config": State(broken_config, frozen=True, focus=("new", "autoclose", "ingest-alert")),
    "commit-hook-rejects": State(commit_hook_rejects, rejects_commits=True, focus=("log", "autoclose", "ingest-email",
                                                                                  "ingest-alert")),
    "leftover-and-worktree-edit": State(leftover_and_worktree_edit, dirty=("in_progress",),
                                        focus=("problem-new-linked", "log-last-month")),
    "month-linked-out": State(month_linked_out, linked_month=NOW_MONTH,
                              focus=("new", "log", "log-last-month", "reject", "ingest-email", "ingest-alert")),
    "cache-linked-out": State(cache_linked_out, focus=("log", "new-related-with-suggestions", "ingest-email")),
    "cache-is-a-file": State(cache_is_a_file, focus=("new-related-with-suggestions", "log-unknown-id")),
}


def make_editors(folder: Path) -> None:
    """$EDITOR for `itsm edit`: a script that retitles the record, `true` (saves it unchanged)
    and `false` (fails)."""
    script = folder / "retitle-editor.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, re, sys\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n"
        "text = re.sub(r'(?m)^title: .*$', 'title: Retitled in the editor', text, count=1)\n"
        "path.write_text(text, encoding='utf-8')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    _EDITORS.update(retitle=str(script), unchanged="true", fails="false")


def built(name: str, templates: Templates, factory: pytest.TempPathFactory) -> Built:
    """The state's template, built on first use (from the base desk, itself built once)."""
    if not _EDITORS:
        make_editors(factory.mktemp("editors"))

    def base(root: Path) -> dict[str, str]:
        root.mkdir()
        return build_base(root)

    def state(root: Path) -> dict[str, str]:
        base_root, ids = templates.get("refusal-base", base)
        shutil.copytree(base_root, root, symlinks=True)
        STATES[name].build(root, root / "desk", ids)
        return ids

    root, ids = templates.get(f"refusal-{name}", state)
    return Built(root, ids)


# -- the commands ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]  # `{key}`: the ID of the record `key` (build_base); `{text}`: text hypothesis draws
    stdin: bytes = b""
    editor: str | None = None  # a key of _EDITORS
    writes: bool = True  # it would change the desk if it were allowed
    touches: tuple[str, ...] = ()  # the tickets it would write
    new_ticket: bool = False  # it would write a ticket into this month's folder
    commits: bool = True


def cmd(*args: str, stdin: bytes = b"", editor: str | None = None, writes: bool = True,
        touches: tuple[str, ...] = (), new_ticket: bool = False, commits: bool = True) -> Command:
    return Command(args, stdin, editor, writes, touches, new_ticket, commits)


COMMANDS: dict[str, Command] = {
    "new": cmd("new", "Printer on floor 3 jams", "-c", "hardware/printer", "-q", new_ticket=True),
    "new-related-with-suggestions": cmd("new", "VPN drops again", "--related", "{closed}", "-d", "Same as before.",
                                        new_ticket=True),
    "new-request-stdin": cmd("new", "New starter needs a laptop", "-t", "request", "-d", "-",
                             stdin=b"Starts on Monday.\n", new_ticket=True),
    "new-empty-title": cmd("new", "   ", new_ticket=True),
    "new-bad-impact": cmd("new", "Disk full", "--impact", "huge", new_ticket=True),
    "new-unknown-group": cmd("new", "Disk full", "--group", "wizards", new_ticket=True),
    "new-unknown-related": cmd("new", "Disk full", "--related", "INC-ZZZZZZ", new_ticket=True),
    "new-stdin-not-utf8": cmd("new", "Disk full", "-d", "-", stdin=b"caf\xe9 au lait\n", new_ticket=True),
    "log": cmd("log", "{in_progress}", "Called the user back", "--kind", "call", touches=("in_progress",)),
    "log-by-owner-starts-work": cmd("log", "{assigned}", "Looking into it", "--actor", OWNER, touches=("assigned",)),
    "log-last-month": cmd("log", "{old}", "Battery ordered", touches=("old",)),
    "log-stdin": cmd("log", "{pending}", "-", stdin=b"Maria replied by mail.\n", touches=("pending",)),
    "log-resolved": cmd("log", "{resolved}", "Maria says thanks", touches=("resolved",)),
    "log-closed": cmd("log", "{closed}", "A late note", touches=("closed",)),
    "log-hand-written": cmd("log", "{hand}", "A note on the hand-written ticket", touches=("hand",)),
    "log-no-commit": cmd("log", "{in_progress}", "A draft", "--no-commit", touches=("in_progress",), commits=False),
    "log-empty": cmd("log", "{new}", "", touches=("new",)),
    "log-stdin-over-4mib": cmd("log", "{assigned}", "-", stdin=HUGE_STDIN, touches=("assigned",)),
    "log-stdin-not-utf8": cmd("log", "{pending}", "-", stdin=b"\xff\xfe not UTF-8\n", touches=("pending",)),
    "log-argument-not-utf8": cmd("log", "{new}", "caf\udce9", touches=("new",)),
    "log-unknown-id": cmd("log", "INC-ZZZZZZ", "hello"),
    "log-bad-kind": cmd("log", "{in_progress}", "hello", "--kind", "fax", touches=("in_progress",)),
    "log-unknown-option": cmd("log", "{in_progress}", "hello", "--frobnicate", touches=("in_progress",)),
    "assign": cmd("assign", "{new}", "--owner", "Carla Diaz", touches=("new",)),
    "assign-group": cmd("assign", "{old}", "--group", "service-desk", touches=("old",)),
    "assign-bad-owner": cmd("assign", "{in_progress}", "--owner", "Eve <eve@example.org>", touches=("in_progress",)),
    "assign-nothing": cmd("assign", "{assigned}", touches=("assigned",)),
    "assign-group-pending-nobody-waits": cmd("assign", "{pending}", "--group", "network", touches=("pending",)),
    "categorise": cmd("categorise", "{assigned}", "--impact", "high", touches=("assigned",)),
    "categorise-bad-urgency": cmd("categorise", "{new}", "--urgency", "now", touches=("new",)),
    "categorise-unknown-category": cmd("categorise", "{pending}", "-c", "network/vnp", touches=("pending",)),
    "escalate-functional": cmd("escalate", "{in_progress}", "--level", "2", "--note", "no fix at level 1",
                               touches=("in_progress",)),
    "escalate-hierarchical": cmd("escalate", "{assigned}", "--to", "Dana Whitfield", "--reason", "no-fix",
                                 touches=("assigned",)),
    "escalate-major": cmd("escalate", "{new}", "--to", "Priya Raman", "--reason", "impact", "--major", touches=("new",)),
    "escalate-both-ways": cmd("escalate", "{new}", "--level", "2", "--to", "Dana Whitfield", touches=("new",)),
    "escalate-pending": cmd("escalate", "{pending}", "--level", "2", touches=("pending",)),
    "escalate-bad-reason": cmd("escalate", "{in_progress}", "--reason", "boredom", touches=("in_progress",)),
    "escalate-functional-owner-named": cmd("escalate", "{in_progress}", "--level", "2", "--owner", "Carla Diaz",
                                           touches=("in_progress",)),
    "escalate-no-major-not-major": cmd("escalate", "{assigned}", "--no-major", "--reason", "calm again",
                                       touches=("assigned",)),
    "escalate-propose-major": cmd("escalate", "{in_progress}", "--propose-major", "--reason", "the whole floor is offline",
                                  touches=("in_progress",)),
    "escalate-propose-major-empty-reason": cmd("escalate", "{new}", "--propose-major", "--reason", " ", touches=("new",)),
    "pend": cmd("pend", "{in_progress}", "--reason", "waiting for a new router", touches=("in_progress",)),
    "pend-new": cmd("pend", "{new}", "--reason", "waiting", touches=("new",)),
    "resume": cmd("resume", "{pending}", "--note", "Maria replied", touches=("pending",)),
    "resume-in-progress": cmd("resume", "{in_progress}", touches=("in_progress",)),
    "resolve": cmd("resolve", "{in_progress}", "--fix", "Reinstalled the VPN profile", touches=("in_progress",)),
    "resolve-with-problem-and-kb": cmd("resolve", "{assigned}", "--workaround", "VPN set to SSL-only",
                                       "--problem", "{prb}", "--kb", "{kb}", "--code", "workaround-applied",
                                       touches=("assigned",)),
    "resolve-70kb-workaround": cmd("resolve", "{in_progress}", "--workaround", BIG_TEXT, touches=("in_progress",)),
    "resolve-fix-and-workaround": cmd("resolve", "{in_progress}", "--fix", "a", "--workaround", "b",
                                      touches=("in_progress",)),
    "resolve-resolved": cmd("resolve", "{resolved}", "--fix", "again", touches=("resolved",)),
    "notify": cmd("notify", "{unnotified}", touches=("unnotified",)),
    "confirm": cmd("confirm", "{resolved}", "--note", "works all morning", touches=("resolved",)),
    "confirm-new": cmd("confirm", "{new}", touches=("new",)),
    "close-by-silence": cmd("close", "{resolved}", touches=("resolved",)),
    "close-confirmed": cmd("close", "{confirmed}", touches=("confirmed",)),
    "close-checklist-unmet": cmd("close", "{unnotified}", touches=("unnotified",)),
    "close-closed": cmd("close", "{closed}", touches=("closed",)),
    "reopen": cmd("reopen", "{confirmed}", "--reason", "dropped again at 14:10", touches=("confirmed",)),
    "reopen-closed": cmd("reopen", "{closed}", "--reason", "dropped again", touches=("closed",)),
    "reopen-new": cmd("reopen", "{new}", "--reason", "dropped again", touches=("new",)),
    "reopen-empty-reason": cmd("reopen", "{resolved}", "--reason", "", touches=("resolved",)),
    "new-request-due": cmd("new", "Laptop for Tom Berg", "-t", "request", "-c", "onboarding/new-starter",
                           "--due", "2026-12-15", "-q", new_ticket=True),
    "new-request-due-past": cmd("new", "Laptop for Tom Berg", "-t", "request", "--due", "2026-11-01", new_ticket=True),
    "new-incident-due": cmd("new", "Laptop broken", "--due", "2026-12-15", new_ticket=True),
    "approve": cmd("approve", "{request}", "--note", "agreed by Maria's manager", touches=("request",)),
    "approve-incident": cmd("approve", "{in_progress}", touches=("in_progress",)),
    "reject": cmd("reject", "{request}", "--reason", "no budget this quarter", touches=("request",)),
    "reject-empty-reason": cmd("reject", "{request}", "--reason", "", touches=("request",)),
    "resolve-fulfilled": cmd("resolve", "{request_open}", "--fulfilled", "Visio installed", touches=("request_open",)),
    "resolve-fulfilled-waiting": cmd("resolve", "{request}", "--fulfilled", touches=("request",)),
    "resolve-request-fix": cmd("resolve", "{request_open}", "--fix", "installed", touches=("request_open",)),
    "resolve-incident-fulfilled": cmd("resolve", "{in_progress}", "--fulfilled", touches=("in_progress",)),
    "escalate-major-request": cmd("escalate", "{request_open}", "--to", "Priya Raman", "--reason", "impact",
                                  "--major", touches=("request_open",)),
    "problem-link-request": cmd("problem", "link", "{prb}", "{request_open}", touches=("request_open",)),
    "problem-new": cmd("problem", "new", "Printers drop off the network", "-c", "hardware/printer"),
    "problem-new-linked": cmd("problem", "new", "VPN drops behind ISP routers", "-c", "network/vpn",
                              "-i", "{in_progress}", "-i", "{pending}", touches=("in_progress", "pending")),
    "problem-new-empty-title": cmd("problem", "new", ""),
    "ingest-email": cmd("ingest", "email", "-", stdin=MAIL, new_ticket=True),
    "ingest-email-no-sender": cmd("ingest", "email", "-", stdin=b"Subject: who?\r\n\r\nno sender\r\n", new_ticket=True),
    "ingest-email-oversize": cmd("ingest", "email", "-", stdin=MAIL + b"x" * (10 * 1024 * 1024), new_ticket=True),
    "ingest-alert": cmd("ingest", "alert", "-", "--format", "generic", stdin=ALERT, new_ticket=True),
    "ingest-alert-bad-json": cmd("ingest", "alert", "-", "--format", "generic", stdin=b'{"title": ', new_ticket=True),
    "problem-link": cmd("problem", "link", "{prb}", "{old}", touches=("old",)),
    "problem-link-unknown": cmd("problem", "link", "{prb}", "INC-ZZZZZZ"),
    "problem-link-a-kb-article": cmd("problem", "link", "{prb}", "{kb}"),
    "problem-workaround": cmd("problem", "workaround", "{prb}", "Set the VPN client to SSL-only"),
    "problem-workaround-70kb": cmd("problem", "workaround", "{prb}", BIG_TEXT),
    "problem-resolve": cmd("problem", "resolve", "{prb}", "--fix", "Gateway MTU 1400", "--root-cause", "PPPoE overhead"),
    "problem-close-open": cmd("problem", "close", "{prb}"),
    "problem-close-force": cmd("problem", "close", "{prb}", "--force"),
    "problem-unlink": cmd("problem", "unlink", "{prb}", "{in_progress}", touches=("in_progress",)),
    "problem-reopen": cmd("problem", "reopen", "{prb}", "--reason", "the fix did not hold"),
    "kb-new": cmd("kb", "new", "Printer queue stuck", "-c", "hardware/printer", "-t", "printer", "--body", "-",
                  stdin=ARTICLE),
    "kb-new-bad-tag": cmd("kb", "new", "Printer queue stuck", "-t", "Not A Tag", "--body", "-", stdin=ARTICLE),
    "kb-new-stdin-not-utf8": cmd("kb", "new", "Printer queue stuck", "--body", "-", stdin=b"\xc3(\n"),
    "kb-edit": cmd("kb", "edit", "{kb}", editor="retitle"),
    "kb-import": cmd("kb", "import", "../wiki", "--tag", "wiki"),
    "kb-import-missing-folder": cmd("kb", "import", "../wiki", "../no-such-folder"),
    "kb-import-own-records": cmd("kb", "import", "kb"),
    "autoclose": cmd("autoclose"),
    "autoclose-dry-run": cmd("autoclose", "--dry-run", writes=False),
    "edit": cmd("edit", "{assigned}", editor="retitle", touches=("assigned",)),
    "edit-hand-edited": cmd("edit", "{in_progress}", editor="retitle", touches=("in_progress",)),
    "edit-unchanged": cmd("edit", "{pending}", editor="unchanged", writes=False),
    "edit-editor-fails": cmd("edit", "{pending}", editor="fails", touches=("pending",)),
    "edit-closed": cmd("edit", "{closed}", editor="retitle", touches=("closed",)),
    "unknown-command": cmd("frobnicate", "{new}"),
    # Text as a person might type or paste it: any characters but NUL, and bytes that are not
    # UTF-8 (lone surrogates reach the process as raw bytes). `--` keeps it from being an option.
    "new-typed-title": cmd("new", "-q", "--", "{text}", new_ticket=True),
    "log-typed-text": cmd("log", "{pending}", "--", "{text}", touches=("pending",)),
    "log-typed-text-dirty": cmd("log", "{in_progress}", "--", "{text}", touches=("in_progress",)),
    "problem-typed-workaround": cmd("problem", "workaround", "{prb}", "--", "{text}"),
}
TYPED_TEXT = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
                       st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF)),
    max_size=40,
)


def must_refuse(state: State, command: Command) -> bool:
    """Whether the state forbids the command, valid or not, to succeed."""
    if not command.writes:
        return False
    if state.frozen or (state.rejects_commits and command.commits):
        return True
    if command.commits and set(command.touches) & set(state.dirty):
        return True
    if state.linked_month is not None:
        return command.new_ticket or any(key not in ("old", "hand") for key in command.touches)
    return False


# -- the property ------------------------------------------------------------------------------------------


def commands_for(name: str) -> st.SearchStrategy[str]:
    """Every command, in an order of its own per state: with derandomize each state would
    otherwise draw the same indexes, and so the same few commands."""
    names = list(COMMANDS)
    shift = (list(STATES).index(name) * 7) % len(names)
    return st.sampled_from(names[shift:] + names[:shift])


@pytest.mark.parametrize("state_name", list(STATES))
def test_every_refusal_changes_nothing(state_name: str, templates: Templates,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    state = STATES[state_name]
    template = built(state_name, templates, tmp_path_factory)

    # No shrinking: the commands are a flat list, and each run is a process.
    @settings(max_examples=EXAMPLES_PER_STATE, deadline=None, derandomize=True, database=None,
              phases=(Phase.explicit, Phase.generate),
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(command_name=commands_for(state_name), text=TYPED_TEXT)
    def run(command_name: str, text: str) -> None:
        check_one(state, template, COMMANDS[command_name], text, tmp_path_factory)

    for name in state.focus:  # what the state is about, whatever hypothesis draws
        run = example(command_name=name, text="")(run)
    run()


def assert_unreachable(desk: Path, objects: list[str]) -> None:
    """Every new loose object is one `git fsck` calls unreachable: no ref, no index entry, no
    reflog holds it."""
    fsck = subprocess.run(["git", "fsck", "--unreachable", "--no-reflogs", "--no-progress"], cwd=desk,
                          capture_output=True, text=True, check=False)
    unreachable = {line.split()[-1] for line in fsck.stdout.splitlines() if line.startswith("unreachable ")}
    loose = {f.split("/objects/", 1)[1].replace("/", "") for f in objects if len(f.split("/objects/", 1)[1]) == 41}
    assert loose and loose <= unreachable, (sorted(loose - unreachable), fsck.stdout, fsck.stderr)


def check_one(state: State, template: Built, command: Command, text: str, factory: pytest.TempPathFactory) -> int:
    """Run one command in a fresh copy of the state and check the contract; its exit code."""
    root = factory.mktemp("example")
    shutil.rmtree(root)
    shutil.copytree(template.root, root, symlinks=True)
    try:
        desk = root / "desk"
        values = {**template.ids, "text": text}
        args = [values[arg[1:-1]] if arg[:1] + arg[-1:] == "{}" else arg for arg in command.args]
        env = {"EDITOR": _EDITORS[command.editor]} if command.editor else None
        before, git_before = tree(root), GitView.of(desk)
        done = itsm(desk, *args, stdin=command.stdin, env=env)
        after, git_after = tree(root), GitView.of(desk)
        stdout, stderr = done.stdout, done.stderr.decode("utf-8")
        why = ([arg[:60] for arg in args], done.returncode, stdout[:300], stderr[:600])

        assert done.returncode in (0, 2), why  # 3 is a bug in itsm; nothing else is in the contract
        assert "Traceback" not in stderr and "internal error" not in stderr, why
        if must_refuse(state, command):
            assert done.returncode == 2, ("this state forbids it to succeed", why)
        if done.returncode == 2:
            assert stdout == b"", why
            assert stderr.startswith("itsm: error: ") and stderr.endswith("\n"), why
            assert stderr.count("\n") == 1, why
            assert git_after.status == git_before.status, ("git status --porcelain changed", why)
            assert git_after.staged == git_before.staged, ("git ls-files -s changed", why)
            assert git_after.head == git_before.head, ("HEAD moved", why)
            files = changed(before, after)
            index_kept = after["desk/.git/index"] == before["desk/.git/index"]
            assert index_kept, (".git/index was rewritten", files[:10], why)
            # When git itself refuses the commit (a hook), the objects it wrote for it stay
            # behind unreachable, as after a `git commit` a hook refuses: garbage `git gc`
            # prunes, never part of the history. Anything else in the desk must be as it was.
            objects = [f for f in files if f.startswith("desk/.git/objects/")]
            assert [f for f in files if f not in objects] == [], why
            if objects:
                assert state.rejects_commits, (objects[:10], why)
                assert_unreachable(desk, objects)
        else:
            # Done: what lies outside the desk is untouched, and a hand edit is never
            # committed: left as it was, or (--no-commit) written over but still uncommitted.
            assert changed(before, after, "outside") == [], why
            for key in state.dirty:
                rel = ticket_rel(template.ids, key)
                if key in command.touches:
                    assert not command.commits and git_after.status_of(rel), why
                else:
                    assert after[f"desk/{rel}"] == before[f"desk/{rel}"], why
                    assert git_after.status_of(rel) == git_before.status_of(rel), why
        return done.returncode
    finally:
        shutil.rmtree(root, ignore_errors=True)
