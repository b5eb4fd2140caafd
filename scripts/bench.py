"""Benchmark the `itsm` CLI on generated desks of 1,000 to 100,000 tickets.

For each size, a real desk is made in a temporary folder (`itsm.operations.desk_init.init`), filled with
generated tickets written straight to their files (not through `itsm new`, which would
take hours at 100k), committed once and packed. Then every measured command runs as a real
process, cwd = the desk, once to warm up and `--repeat` times measured; the first table
gives the median and the minimum wall time in milliseconds, the second the peak resident
memory (the largest ru_maxrss of the measured runs). Two more rows run once each, without
warm-up, in a fresh `git clone` of the desk: the cold first command, which builds the caches.

    .venv/bin/python scripts/bench.py --sizes 1000,10000 --repeat 5
    .venv/bin/python scripts/bench.py --sizes 100000 --repeat 3 --skip 100000:check

Everything is reproducible: a seeded random.Random drives the data (IDs included), the
desk's clock is pinned with ITSM_NOW and git's dates and identity are pinned too.
docs/performance.md explains what is measured and gives the results.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from random import Random

from tabulate import tabulate

import itsm
from itsm.config import loading as config_mod
from itsm.config.settings import Config
from itsm.core import ids, timeutil
from itsm.core.model import CHANNELS, Article, Entry, Resolution, Ticket, priority_for
from itsm.domain import sla
from itsm.operations import desk_init, tickets
from itsm.records import markdown
from itsm.storage.store import Desk

NOW = "2026-11-26T09:00:00Z"
ACTOR = "Bench Runner"
EMAIL = "bench@example.org"
MONTHS = 24
MEMORY_TARGET_MB = 500  # issue 10: peak memory of any command at 100k tickets
DEFAULT_SEED = 20261126

# -- what is measured --------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    key: str  # short name, for --skip
    label: str  # as shown in the tables
    argv: tuple[str, ...]
    ok_codes: tuple[int, ...] = (0,)
    # One argv per run (the warm-up first) for a command that changes what it works on, such
    # as `resolve`, which can resolve a ticket once only; empty: every run is `argv`.
    runs: tuple[tuple[str, ...], ...] = ()

    def argv_of(self, run: int) -> tuple[str, ...] | None:
        if not self.runs:
            return self.argv
        return self.runs[run] if run < len(self.runs) else None


# The floor of "parse every record": read each record file and parse its YAML front-matter
# with libyaml, in one process, and nothing else (no timeline, no model, no checks).
PARSE_LOOP = """\
import os, sys, yaml
loader = yaml.CSafeLoader
count = 0
for top in ("tickets", "problems", "kb"):
    for folder, _, names in os.walk(top):
        for name in names:
            if name.endswith(".md"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    text = handle.read()
                yaml.load(text[4:text.index("\\n---\\n", 3)], Loader=loader)
                count += 1
sys.exit(0 if count else 3)
"""


def commands(itsm_cmd: list[str], desk: DeskFacts, repeat: int) -> list[Command]:
    """The process rows, in the order they run: the writes first, so that `check --changed
    HEAD~3` checks what the last three commits (`resolve`s) changed, and `git commit` last
    of the writes, so its empty commits are not what `check --changed` sees."""
    py = sys.executable
    show_ref, open_ref = desk.show_ref, desk.diagnose_ref
    fix = "Bench: restarted the service"
    resolves = tuple((*itsm_cmd, "resolve", ticket_id, "--fix", fix) for ticket_id in desk.resolvable[: repeat + 1])
    mails, replies = bench_mail(desk.root.parent / "bench-mail", repeat + 1)
    return [
        Command("new", 'itsm new "Bench ticket" -c network/vpn', (*itsm_cmd, "new", "Bench ticket", "-c", "network/vpn")),
        Command("log", 'itsm log <open ticket> "Bench note"', (*itsm_cmd, "log", desk.log_ref, "Bench note")),
        Command("resolve", f'itsm resolve <open incident> --fix "{fix}" (a different one each run)',
                (*itsm_cmd, "resolve", "<open incident>", "--fix", fix), runs=resolves),
        # Each run a new message (a different Message-ID), then each a reply found by In-Reply-To:
        # what a mail server's pipe costs per message on a desk of this size.
        Command("ingest-email", "itsm ingest email <new message> (a different one each run)",
                (*itsm_cmd, "ingest", "email", "<message>"),
                runs=tuple((*itsm_cmd, "ingest", "email", str(path)) for path in mails)),
        Command("ingest-reply", "itsm ingest email <reply by In-Reply-To> (found through the read model)",
                (*itsm_cmd, "ingest", "email", "<reply>"),
                runs=tuple((*itsm_cmd, "ingest", "email", str(path)) for path in replies)),
        # Exit 1 is findings: a full check still ran.
        Command("check-changed", "itsm check --changed HEAD~3", (*itsm_cmd, "check", "--changed", "HEAD~3"), (0, 1)),
        Command("show", "itsm show <5-char prefix>", (*itsm_cmd, "show", show_ref)),
        Command("list", "itsm list --limit 20", (*itsm_cmd, "list", "--limit", "20")),
        Command("list-open-table", "itsm list --open", (*itsm_cmd, "list", "--open")),
        Command("list-open", "itsm list --open --json > /dev/null", (*itsm_cmd, "list", "--open", "--json")),
        Command("list-closed", "itsm list --status closed --json > /dev/null",
                (*itsm_cmd, "list", "--status", "closed", "--json")),
        Command("chase", "itsm chase", (*itsm_cmd, "chase")),
        Command("search", "itsm search vpn", (*itsm_cmd, "search", "vpn")),
        Command("diagnose", "itsm diagnose <open ticket>", (*itsm_cmd, "diagnose", open_ref)),
        Command("report", "itsm report (every section, the last 12 weeks)", (*itsm_cmd, "report")),
        Command("report-html", "itsm report -f html > /dev/null", (*itsm_cmd, "report", "-f", "html")),
        # The warm-up builds the read model of that commit; the measured runs read it.
        Command("report-asof", f"itsm report --as-of {NOW} (warm: its commit's model cached)",
                (*itsm_cmd, "report", "--as-of", NOW)),
        Command("check", "itsm check", (*itsm_cmd, "check"), (0, 1)),
        Command("python", "baseline: python -c pass", (py, "-c", "pass")),
        Command("import", 'baseline: python -c "import itsm.cli"', (py, "-c", "import itsm.cli")),
        # -q and --no-gpg-sign are what `itsm new` passes to its own `git commit`.
        Command("git-commit", "baseline: git commit --allow-empty -m x", ("git", "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "x")),
        # grep exits 1 when nothing matches; that is still a full read of every file.
        Command("grep", 'baseline: grep -rl "status: new" tickets', ("grep", "-rl", "status: new", "tickets"), (0, 1)),
        Command("parse", "baseline: parse every front-matter (python, yaml.CSafeLoader, one process)",
                (py, "-c", PARSE_LOOP)),
    ]


def bench_mail(folder: Path, count: int) -> tuple[list[Path], list[Path]]:
    """`count` new messages and `count` replies to the first of them, as .eml files."""
    folder.mkdir(parents=True, exist_ok=True)
    made: tuple[list[Path], list[Path]] = ([], [])
    for n in range(count):
        for kind, headers in (("new", ""), ("reply", "In-Reply-To: <bench-new-0@example.org>\n")):
            subject = f"Bench mail {n}" if kind == "new" else "Re: Bench mail 0"
            path = folder / f"{kind}-{n}.eml"
            path.write_bytes((f"From: Bench User <bench@example.org>\nTo: desk@example.org\nSubject: {subject}\n"
                              f"Message-ID: <bench-{kind}-{n}@example.org>\n{headers}\n"
                              "The VPN drops every ten minutes since this morning.\n").encode())
            made[0 if kind == "new" else 1].append(path)
    return made


# The first command after `git clone`: no `.itsm/` (it is gitignored), so it builds the caches.
COLD_COMMANDS = (
    ("cold-list", "cold, fresh clone: itsm list --open (builds the read model; 1 run)", ("list", "--open")),
    ("cold-search", "cold, fresh clone: itsm search vpn (builds the search index too; 1 run)", ("search", "vpn")),
    ("cold-report-asof", f"cold, fresh clone: itsm report --as-of {NOW} (builds that commit's model from git; 1 run)",
     ("report", "--as-of", NOW)),
)
IN_PROCESS = {
    "index-update": "index update after one new ticket (in-process, no start-up)",
    "relearn": "index update after a resolve --kb (in-process; the most used article)",
}
# The rows of the tables, in order (and the keys --skip knows).
COMMAND_KEYS = ("new", "log", "resolve", "ingest-email", "ingest-reply", "show", "list", "list-open-table", "list-open", "list-closed", "chase",
                "search", "diagnose", "report", "report-html", "report-asof", "check", "check-changed",
                "index-update", "relearn", "cold-list", "cold-search", "cold-report-asof", "python", "import",
                "git-commit", "grep", "parse")


@dataclass
class Result:
    state: str = "ok"  # ok | skipped | timeout | error
    times: list[float] = field(default_factory=list)
    peaks_kb: list[int] = field(default_factory=list)  # ru_maxrss of each measured run
    note: str = ""
    in_process: bool = False  # no process of its own: no memory figure

    def cell(self, timeout: float) -> str:
        if self.state != "ok":
            return self._not_measured(timeout)
        if len(self.times) == 1:
            return _ms(self.times[0])
        return f"{_ms(statistics.median(self.times))} ({_ms(min(self.times))})"

    def memory_cell(self, timeout: float) -> str:
        if self.state != "ok":
            return self._not_measured(timeout)
        if self.in_process:
            return "in-process"
        return f"{max(self.peaks_kb) / 1024:,.0f}"

    def _not_measured(self, timeout: float) -> str:
        if self.state == "skipped":
            return "skipped"
        if self.state == "timeout":
            return f"timeout (> {timeout:g} s)"
        return f"error: {self.note}"


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


class RunTimeout(Exception):
    pass


# Runs in a small process of its own that starts every measured process and reaps it with
# os.wait4, whose rusage holds the process's ru_maxrss. Why not from the bench itself: on
# Linux, exec keeps the high-water mark of the memory it replaces, which for a process
# started by fork or vfork is its parent's. From the bench (itsm imported, at 100k all the
# generated tickets held) even `python -c pass` would read hundreds of MB; from this
# launcher (`python -I -S`, a few modules) the floor is a few MB, under any Python process.
# One JSON line in (argv, cwd, env, stderr file, timeout), one out; a timeout kills the
# process's whole session, pool workers included.
LAUNCHER = """\
import json, os, signal, sys, time
def expire(signum, frame):
    global timed_out
    timed_out = True
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
signal.signal(signal.SIGALRM, expire)
for line in sys.stdin:
    job = json.loads(line)
    timed_out = False
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.chdir(job["cwd"])
            null = os.open(os.devnull, os.O_RDWR)
            err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(null, 0); os.dup2(null, 1); os.dup2(err, 2)
            os.execvpe(job["argv"][0], job["argv"], job["env"])
        except BaseException as error:
            os.write(2, f"bench launcher: {error}\\n".encode())
        os._exit(127)
    signal.setitimer(signal.ITIMER_REAL, job["timeout"])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps({"elapsed": elapsed, "code": os.waitstatus_to_exitcode(status),
                      "maxrss_kb": usage.ru_maxrss, "timed_out": timed_out}), flush=True)
"""


class Launcher:
    """The process that starts the measured processes (see LAUNCHER)."""

    def __init__(self, scratch: Path) -> None:
        self.stderr_path = scratch / "stderr"
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, argv: tuple[str, ...], cwd: Path, env: dict[str, str], timeout: float) -> tuple[float, int, str, int]:
        """Wall time, exit code, last stderr line and peak resident memory (KiB) of one whole
        process; stdout goes to /dev/null, as a user's pipe would drain it. The peak is the
        largest resident set of the process or of any descendant it waited for: a pool worker
        of itsm/core/parallel.py counts as a process of its own, so this is the largest one, not a sum."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        job = {"argv": list(argv), "cwd": str(cwd), "env": env, "stderr": str(self.stderr_path), "timeout": timeout}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise SystemExit("bench: the launcher process died")
        done = json.loads(answer)
        if done["timed_out"]:
            raise RunTimeout
        last = self.stderr_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return done["elapsed"], done["code"], last[-1] if last else "", done["maxrss_kb"]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def measure(launcher: Launcher, cmd: Command, cwd: Path, env: dict[str, str], repeat: int, timeout: float,
            tag: str, warm_up: bool = True) -> Result:
    """One warm-up run, then `repeat` measured runs; the first timeout or failure stops it.
    Without `warm_up`, the `repeat` runs are all measured (the cold rows: one run)."""
    result = Result()
    first = 0 if warm_up else 1
    for i in range(first, repeat + 1):
        what = "warm-up" if i == 0 else f"run {i}/{repeat}"
        argv = cmd.argv_of(i - first)
        if argv is None:
            progress(f"{tag} {cmd.label}: {what}: no argument left for it")
            return Result("error", note="too few open tickets")
        try:
            elapsed, code, last, peak_kb = launcher.run(argv, cwd, env, timeout)
        except RunTimeout:
            progress(f"{tag} {cmd.label}: {what} timed out after {timeout:g} s")
            return Result("timeout")
        if code not in cmd.ok_codes:
            progress(f"{tag} {cmd.label}: {what} exited {code}: {last}")
            return Result("error", note=f"exit {code}")
        progress(f"{tag} {cmd.label}: {what} {elapsed * 1000:,.1f} ms, peak {peak_kb / 1024:,.0f} MB")
        if i > 0:
            result.times.append(elapsed)
            result.peaks_kb.append(peak_kb)
    return result


def measure_cold(launcher: Launcher, itsm_cmd: list[str], root: Path, key: str, label: str, args: tuple[str, ...],
                 env: dict[str, str], timeout: float, tag: str) -> Result:
    """The first command after `git clone` (clone not timed): one run in a fresh clone,
    which has no `.itsm/` caches. The page cache still holds the desk's objects: this is a
    cold start for itsm, not for the disk."""
    with tempfile.TemporaryDirectory(prefix=f"itsm-bench-{key}-") as holder:
        clone = Path(holder) / "desk"
        git(root, "clone", "-q", str(root), str(clone))
        return measure(launcher, Command(key, label, (*itsm_cmd, *args)), clone, env, 1, timeout, tag,
                       warm_up=False)


def timed_index_updates(root: Path, repeat: int, tag: str, what: str, change: Callable[[Desk, int], None]) -> Result:
    """In-process: make a committed change (`change(desk, run)`), then time only the index
    update that follows every write command."""
    from itsm.search.index import SearchIndex, update_after_write

    SearchIndex(Desk.open(root)).open_fresh()  # an update needs an index (the search rows build it too)
    result = Result(in_process=True)
    for i in range(repeat + 1):
        desk = Desk.open(root)
        change(desk, i)
        start = time.perf_counter()
        update_after_write(desk)
        elapsed = time.perf_counter() - start
        progress(f"{tag} index update after {what}: {'warm-up' if i == 0 else f'run {i}/{repeat}'} "
                 f"{elapsed * 1000:,.1f} ms")
        if i > 0:
            result.times.append(elapsed)
    return result


def measure_index_update(root: Path, repeat: int, tag: str) -> Result:
    """The index update after one new ticket — the issue's "< 100 ms after itsm new"."""

    def new(desk: Desk, run: int) -> None:
        tickets.new_ticket(desk, title=f"Index update probe {run}", actor=ACTOR, category="network/vpn")

    return timed_index_updates(root, repeat, tag, "one new ticket", new)


def measure_relearn(root: Path, kb_id: str, repeat: int, tag: str) -> Result:
    """The index update after resolving a ticket with the desk's most used KB article, which
    re-indexes the article with that ticket's words (its "asked as", docs/search.md)."""
    from itsm.operations import resolution
    from itsm.search.index import update_after_write

    def resolve(desk: Desk, run: int) -> None:
        ticket = tickets.new_ticket(desk, title=f"Relearn probe {run}", actor=ACTOR, category="network/vpn",
                                    owner=ACTOR)
        update_after_write(desk)
        resolution.resolve(desk, ticket.id, actor=ACTOR, fix="Followed the article.", kb=[kb_id])

    return timed_index_updates(root, repeat, tag, "a resolve --kb", resolve)


# -- the generated desk --------------------------------------------------------------------

# Relative frequency of each default category; a category not named here gets 3.
CATEGORY_WEIGHTS = {
    "access/password": 12, "access/account": 6, "access/mfa": 6,
    "network/vpn": 8, "network/wifi": 5, "network/dns": 2,
    "hardware/laptop": 7, "hardware/printer": 6, "hardware/monitor": 3, "hardware/phone": 3,
    "software/install": 6, "software/license": 3,
    "email/mailbox": 5, "email/calendar": 3, "email/spam": 3, "collaboration/teams": 4,
    "apps/erp": 4, "apps/crm": 3, "infra/storage": 2, "infra/server": 2, "infra/backup": 1,
    "onboarding/new-starter": 3, "onboarding/leaver": 2, "other": 3,
}
REQUEST_SHARE = {
    "software/install": 0.9, "software/license": 0.7, "onboarding/new-starter": 1.0,
    "onboarding/leaver": 1.0, "access/account": 0.4, "email/mailbox": 0.3, "infra/backup": 0.3,
}
TITLES = {
    "access/password": ["Password expired, cannot sign in to Windows", "Forgot my password after the holidays", "New password refused by Outlook on my phone"],
    "access/account": ["Account locked out after password change", "Need access to the Finance shared drive", "Account disabled by mistake"],
    "access/mfa": ["New phone, Authenticator no longer prompts", "MFA prompt appears every hour", "Lost phone, cannot approve sign-in"],
    "network/vpn": ["VPN drops every few minutes", "GlobalProtect cannot connect from hotel Wi-Fi", "VPN connected but intranet unreachable"],
    "network/wifi": ["Wi-Fi in DC1 warehouse drops the scanners", "Cannot join NWL-Staff Wi-Fi on new laptop", "Slow Wi-Fi in meeting room 2.14"],
    "network/dns": ["Intranet site does not resolve", "Printer name resolves to its old address"],
    "hardware/laptop": ["Laptop will not power on", "Laptop battery drains in an hour", "Laptop very slow since the update"],
    "hardware/printer": ["Printer on floor 2 reports a paper jam", "Cannot print to the PRN01 queue", "Scan to email stopped working"],
    "hardware/monitor": ["Second monitor not detected on the dock", "Monitor flickers all day"],
    "hardware/phone": ["Desk phone has no dial tone", "Mobile phone screen cracked"],
    "software/install": ["Please install Power BI Desktop", "Need Visio for process diagrams", "Install Notepad++ on my laptop"],
    "software/license": ["Adobe Acrobat says the licence expired", "Need a Visio licence"],
    "email/mailbox": ["Mailbox full, cannot send mail", "Need access to the sales shared mailbox", "Emails stuck in the outbox"],
    "email/calendar": ["Cannot see a colleague's calendar", "Meeting invites arrive twice"],
    "email/spam": ["Phishing email received, please check", "Customer emails land in junk"],
    "collaboration/teams": ["Teams camera not working in calls", "Cannot join an external Teams meeting", "Teams chat not syncing"],
    "apps/erp": ["SAP Business One login fails with a licence error", "SAP stock report runs for ever", "Cannot post goods receipt in SAP"],
    "apps/crm": ["Dynamics 365 opportunity form will not save", "CRM add-in missing from Outlook"],
    "infra/storage": ["Projects share nearly full", "Cannot open files on the projects share"],
    "infra/server": ["ERP-APP01 CPU at 100 %", "Scheduled task failed on FS01"],
    "infra/backup": ["Veeam backup job failed overnight", "Restore a deleted folder from yesterday"],
    "onboarding/new-starter": ["New starter on Monday: laptop and accounts", "New starter in DC1 needs a scanner login"],
    "onboarding/leaver": ["Leaver: disable account and collect laptop", "Leaver's mailbox to be shared with the manager"],
    "other": ["Question about the IT equipment policy", "Something is wrong with my computer"],
}
GENERIC_TITLES = ["Something does not work", "Please help with an IT issue"]
DESCRIPTION_SENTENCES = [
    "It started this morning after the Windows update.",
    "It has happened three times this week.",
    "I am working from home today.",
    "Two colleagues in the same team see the same thing.",
    "I restarted the laptop twice, no change.",
    "The error appeared right after I changed my password.",
    "This is urgent: I have a customer meeting at {hour}:00.",
    "My laptop is asset NWL-{asset}.",
    "I am in the DC1 office, first floor.",
    "Please call me back on extension {ext}.",
    "Nothing changed on my side as far as I know.",
    "The message says: 'Something went wrong. Try again later.'",
]
FIRST = ["Maria", "James", "Aisha", "Chen", "Olga", "Pedro", "Fatima", "Lukas", "Priya", "Tom", "Ines", "Kwame",
         "Sara", "Jonas", "Mei", "Ahmed", "Laura", "Nikos", "Emma", "Diego", "Hana", "Ravi", "Lena", "Omar"]
LAST = ["Silva", "Brown", "Khan", "Wang", "Petrova", "Garcia", "Rahman", "Weber", "Patel", "Moore", "Costa",
        "Mensah", "Nilsson", "Becker", "Lin", "Haddad", "Rossi", "Papadopoulos", "Dubois", "Lopez"]
STAFF = ["Alice Moreau", "Carla Diaz", "Ben Okafor", "Dmitri Ivanov", "Eva Lindqvist", "Farid Haddad",
         "Grace Kim", "Hugo Martin", "Isla Murray", "Jun Tanaka", "Kofi Asante", "Lucia Romano"]
AGENT_NOTES = [
    ("call", "Called the user; reproduced the issue together."),
    ("note", "Checked the logs: the errors started shortly before the report."),
    ("email", "Asked the user for a screenshot of the error."),
    ("note", "Remote session: collected diagnostics and the event log."),
    ("call", "User confirms it also happens on a colleague's device."),
    ("chat", "Asked the user to try again after a restart."),
]
USER_NOTES = [
    ("email", "Any update on this? It is blocking my work."),
    ("email", "Adding a screenshot of the error message."),
    ("note", "It happened again this morning."),
    ("chat", "Still the same after the restart."),
]
FIXES = [
    "Reset the password and confirmed sign-in with the user.",
    "Replaced the faulty part; tested with the user.",
    "Reinstalled the application and re-applied the settings.",
    "Corrected the configuration; the user confirmed it works.",
    "Granted the access requested after manager approval.",
    "Applied the vendor's update; the issue no longer reproduces.",
]
WORKAROUNDS = [
    "Cleared the cached credentials; may recur until the problem is fixed.",
    "Switched the user to the backup printer queue.",
    "Restarted the service; root cause under investigation.",
    "The user works in the web version meanwhile.",
]
PEND_REASONS = ["Waiting for the user to return from leave.", "Waiting for the supplier's engineer.",
                "Waiting for manager approval."]
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 10, 16, 18, 16, 12, 10, 14, 16, 14, 12, 8, 4, 3, 2, 2, 1, 1]


def _stamp(moment: datetime) -> str:
    return timeutil.format(moment)


def _code(rng: Random, length: int) -> str:
    """Like itsm.core.ids.mint / mint_entry_id (same alphabet), but from the seeded generator."""
    return "".join(rng.choice(ids.ALPHABET) for _ in range(length))


def _status_for(rng: Random, age: timedelta) -> str:
    statuses = ["new", "assigned", "in_progress", "pending", "resolved", "closed"]
    weights: list[float]
    if age < timedelta(days=2):
        weights = [35, 25, 25, 5, 10, 0]
    elif age < timedelta(days=14):
        weights = [3, 7, 20, 10, 25, 35]
    else:  # an old backlog: a few forgotten tickets, the rest closed
        weights = [0.3, 0.5, 1, 1, 1.2, 96]
    return rng.choices(statuses, weights)[0]


def make_ticket(rng: Random, config: Config, created: datetime, code: str, now: datetime) -> Ticket:
    """One plausible ticket that `itsm check` accepts: derived fields as itsm derives them."""
    known = list(config.categories)
    category: str | None = rng.choices(known, [CATEGORY_WEIGHTS.get(c, 3) for c in known])[0]
    type_ = "request" if rng.random() < REQUEST_SHARE.get(category or "", 0.05) else "incident"
    title = rng.choice(TITLES.get(category or "", GENERIC_TITLES))
    status = _status_for(rng, now - created)
    if status == "new" and rng.random() < 0.15:
        category = None  # not yet categorised
    impact = rng.choices(["high", "medium", "low"], [10, 40, 50])[0]
    urgency = rng.choices(["high", "medium", "low"], [15, 50, 35])[0]
    priority = priority_for(config.matrix, impact, urgency)
    group = config.group_for(category)
    infra = (category or "").startswith("infra/")
    channel = "monitoring" if infra and rng.random() < 0.4 else rng.choices(CHANNELS, [5, 35, 25, 15, 12, 5, 3])[0]
    reporter = "monitoring" if channel == "monitoring" else f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}@example.org"
    recorder = reporter if channel in ("email", "web", "monitoring") else rng.choice(STAFF)
    owner = rng.choice(STAFF) if status != "new" else None
    sentences = rng.sample(DESCRIPTION_SENTENCES, rng.randint(2, 4))
    description = " ".join([title + "."] + [
        s.format(hour=rng.randint(9, 17), asset=rng.randint(10000, 99999), ext=rng.randint(2000, 4999))
        for s in sentences
    ])

    # The steps of its life so far: (kind, actor, text); times are given below.
    level = config.groups[group].level
    steps = [("created", recorder, f"Recorded from {channel} for {reporter}: {priority} (impact {impact}, "
              f"urgency {urgency}); routed to {group} (level {level}).")]
    resolution: Resolution | None = None
    if status == "new":
        steps += [(k, reporter, t) for k, t in rng.sample(USER_NOTES, rng.randint(1, 2))]
    else:
        agent = owner or ""
        steps.append(("assign", rng.choice(STAFF), f"owner (none) -> {owner}"))
        confirmed = status == "closed" and rng.random() < 0.7  # else closed after the user's silence
        extra = {"assigned": (0, 1), "in_progress": (1, 3), "pending": (0, 2), "resolved": (0, 2),
                 "closed": (0, 0 if confirmed else 1)}[status]
        steps += [(k, agent, t) for k, t in rng.sample(AGENT_NOTES, rng.randint(*extra))]
        if status == "pending":
            steps.append(("pend", agent, rng.choice(PEND_REASONS)))
        if status in ("resolved", "closed"):
            kind = "workaround" if rng.random() < 0.3 else "fix"
            fitting = [c for c in config.resolution_codes if config.code_misfit(c, type_, kind) is None]
            reason = rng.choice(fitting) if fitting and rng.random() < 0.8 else None
            resolution = Resolution(kind, rng.choice(WORKAROUNDS if kind == "workaround" else FIXES), reason)
            steps.append(("resolve", agent, f"{kind}: {resolution.summary}" + (f" [{reason}]" if reason else "")))
            if status == "closed" or rng.random() < 0.5:
                steps.append(("notify", agent, f"Told {reporter} the ticket is resolved."))
        if confirmed:
            steps.append(("confirm", reporter, "The user agrees it is done."))
        if status == "closed":
            steps.append(("close", agent, "Closed: resolved, user told, categorised."))

    # Times: the first step at creation, the rest spread over a span that ends before now.
    mean_span = timedelta(days=3 if status in ("resolved", "closed") else 1).total_seconds()
    span = min((now - created).total_seconds(), max(600.0, rng.expovariate(1 / mean_span)))
    offsets = [0, *sorted(int(rng.uniform(60, span)) for _ in steps[1:])]
    times = [_stamp(created + timedelta(seconds=s)) for s in offsets]
    timeline = tuple(Entry(_code(rng, 8), when, actor, kind, text)
                     for (kind, actor, text), when in zip(steps, times, strict=True))
    at = {kind: when for (kind, _, _), when in zip(steps, times, strict=True)}

    ticket = Ticket(
        id=f"{config.prefixes[type_]}-{code}", title=title, type=type_, status=status,
        priority=priority, impact=impact, urgency=urgency, category=category, group=group,
        level=level, owner=owner, reporter=reporter, channel=channel, created=_stamp(created),
        updated=times[-1], resolved=at.get("resolve"), closed=at.get("close"),
        resolution=resolution, notified=at.get("notify"), confirmed=at.get("confirm"),
        description=description, timeline=timeline,
    )
    # `responded` and the SLA deadlines from the timeline, as itsm derives them.
    return sla.with_deadlines(ticket, config, now)


@dataclass
class DeskFacts:
    size: int
    root: Path
    show_ref: str
    open_count: int
    months: int
    ticket_bytes: int
    generate_s: float
    commit_s: float
    gc_s: float
    pack: str
    log_ref: str = ""
    popular_kb: str = ""  # the KB article most tickets link, and how many
    popular_kb_uses: int = 0
    diagnose_ref: str = ""  # an open ticket, not the one `log` writes to
    resolvable: tuple[str, ...] = ()  # open incidents left for `resolve`, one per run


def git(root: Path, *args: str) -> str:
    """Run a set-up git command; gc.auto=0, so no `gc --auto` starts in the background."""
    done = subprocess.run(["git", "-c", "gc.auto=0", *args], cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


KB_BODIES = [
    "Ask the user what they see, then check the service's status page.",
    "Sign out and in again; if it persists, clear the cached credentials.",
    "Restart the client, then reinstall it from the Software Center.",
    "Check the device in Intune and re-apply the policy.",
]


def make_articles(rng: Random, config: Config, count: int) -> list[Article]:
    """`count` KB articles, spread over the categories like the tickets, in support's words."""
    known = list(config.categories)
    articles = []
    for n in range(count):
        category = known[n % len(known)]
        title = rng.choice(TITLES.get(category, GENERIC_TITLES))
        body = f"## Symptoms\n\n{title}.\n\n## Resolution\n\n{rng.choice(KB_BODIES)}"
        articles.append(Article(id=f"{config.prefixes['kb']}-{n:06d}", title=f"{title} ({n})", category=category,
                                author=ACTOR, created=NOW, body=body))
    return articles


def build_desk(root: Path, size: int, seed: int, kb_count: int = 0) -> DeskFacts:
    """A real desk: `itsm init`, then `size` generated tickets, one commit, packed. With
    `kb_count`, that many KB articles too, and 40 % of resolved tickets of a category with an
    article link one (drawn from a random generator of its own: the tickets stay the same)."""
    start = time.perf_counter()
    desk_init.init(root, actor=ACTOR)
    config = config_mod.load(root)
    rng = Random(f"{seed}:{size}")
    now = timeutil.parse(NOW)
    window = MONTHS * 30.44 * 86400
    codes: set[str] = set()
    tickets_dir = root / "tickets"
    made_dirs: set[str] = set()
    open_count = total_bytes = 0
    generated: list[Ticket] = []
    articles = make_articles(Random(f"{seed}:kb"), config, kb_count) if kb_count else []
    by_category = {a.category: a.id for a in articles}
    kb_rng = Random(f"{seed}:{size}:kb")
    for article in articles:
        (root / "kb" / f"{article.id}.md").write_text(markdown.render(article), encoding="utf-8", newline="\n")
    for _ in range(size):
        day = now - timedelta(seconds=rng.uniform(3600, window))
        created = day.replace(hour=rng.choices(range(24), HOUR_WEIGHTS)[0], minute=rng.randrange(60),
                              second=rng.randrange(60))
        if created > now - timedelta(hours=1):
            created -= timedelta(days=1)
        code = _code(rng, config.id_length)
        while code in codes:
            code = _code(rng, config.id_length)
        codes.add(code)
        ticket = make_ticket(rng, config, created, code, now)
        if (by_category and ticket.resolution is not None and ticket.category in by_category
                and kb_rng.random() < 0.4):
            ticket = dataclasses.replace(ticket, kb=(by_category[ticket.category],))
        month = ticket.created[:7]
        if month not in made_dirs:
            (tickets_dir / month).mkdir(exist_ok=True)
            made_dirs.add(month)
        text = markdown.render(ticket)
        # A plain write, not itsm.core.fileio.atomic_write: its two fsyncs per file would make the
        # 100k setup take minutes for nothing (the text is the same, and this desk is
        # throw-away). Records are UTF-8 with LF line ends, as itsm writes them.
        (tickets_dir / month / f"{ticket.id}.md").write_text(text, encoding="utf-8", newline="\n")
        total_bytes += len(text.encode("utf-8"))
        open_count += ticket.is_open
        generated.append(ticket)
    generate_s = time.perf_counter() - start

    start = time.perf_counter()
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", f"bench: {size} generated tickets")
    commit_s = time.perf_counter() - start
    # A long-lived desk is packed (git gc --auto sees to it); packing now also keeps
    # `gc --auto` from starting in the background during the first measured commit.
    start = time.perf_counter()
    git(root, "gc", "-q")
    gc_s = time.perf_counter() - start
    pack = next((line.split(":", 1)[1].strip() for line in git(root, "count-objects", "-vH").splitlines()
                 if line.startswith("size-pack:")), "?")

    # A ticket from the middle, named by a 5-character start of its code that no other has.
    prefixes = Counter(code[:5] for code in codes)
    ordered = sorted(generated, key=lambda t: t.created)
    middle = ordered[len(ordered) // 2 :] + ordered[: len(ordered) // 2]
    target = next(t for t in middle if prefixes[t.id.split("-", 1)[1][:5]] == 1)
    # An open ticket for the write path that changes an existing record (`itsm log`).
    worked_on = next(t for t in middle if t.status in ("assigned", "in_progress", "new"))
    # Open incidents someone works on, for `diagnose` (the first) and `resolve` (the rest,
    # one per run: a ticket is resolved once). An incident takes --fix; a request would be
    # --fulfilled instead.
    incidents = [t.id for t in middle if t.type == "incident" and t.id != worked_on.id
                 and t.status in ("assigned", "in_progress", "pending")]
    used = Counter(kb_id for t in generated for kb_id in t.kb)
    return DeskFacts(size, root, target.id.split("-", 1)[1][:5].lower(), open_count, len(made_dirs),
                     total_bytes, generate_s, commit_s, gc_s, pack, worked_on.id,
                     used.most_common(1)[0][0] if used else "", used.most_common(1)[0][1] if used else 0,
                     incidents[0] if incidents else worked_on.id, tuple(incidents[1:]))


# -- the run -----------------------------------------------------------------------------


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    factor = 1000 if text.endswith("k") else 1
    return int(text.rstrip("k")) * factor


def parse_skip(values: list[str]) -> dict[int | None, set[str]]:
    """`SIZE:cmd,cmd` skips at one size, `cmd,cmd` at every size (None)."""
    skip: dict[int | None, set[str]] = {}
    for value in values:
        size_text, _, names = value.rpartition(":")
        size = parse_size(size_text) if size_text else None
        for name in filter(None, (n.strip() for n in names.split(","))):
            if name not in COMMAND_KEYS:
                raise SystemExit(f"bench: unknown command '{name}' in --skip (known: {', '.join(COMMAND_KEYS)})")
            skip.setdefault(size, set()).add(name)
    return skip


def itsm_command() -> list[str]:
    beside = Path(sys.executable).with_name("itsm")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("itsm")
    return [found] if found else [sys.executable, "-m", "itsm"]


def machine_facts() -> list[tuple[str, str]]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:"))
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "?"
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return [
        ("nproc", nproc or str(os.cpu_count())),
        ("cpu", cpu),
        ("memory", memory),
        ("os", platform.platform()),
        ("python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"),
        ("git", git_version),
        ("itsm", f"{itsm.__version__} from {_itsm_source()}"),
    ]


def _itsm_source() -> str:
    """The itsm package measured (imported here and by the measured processes alike)."""
    folder = Path(itsm.__file__).resolve().parent
    done = subprocess.run(["git", "-C", str(folder), "describe", "--always", "--dirty", "--abbrev=10"],
                          capture_output=True, text=True, check=False)
    return f"{folder} ({'commit ' + done.stdout.strip() if done.returncode == 0 else 'not a git checkout'})"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


def pinned_env(pyc_dir: Path | None = None) -> dict[str, str]:
    """The environment of every measured process: pinned clock, actor and git identity.

    With `pyc_dir`, Python caches compiled bytecode there, as an installed itsm does in its
    own __pycache__ folders (the first, warm-up, run compiles); without it the inherited
    settings stand, and PYTHONDONTWRITEBYTECODE=1 makes every run compile itsm again.
    """
    env = dict(os.environ)
    env.pop("ITSM_DESK", None)  # the desk is found from the working directory
    if pyc_dir is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pyc_dir)
    env.update({
        "ITSM_NOW": NOW, "ITSM_ACTOR": ACTOR,
        "GIT_AUTHOR_NAME": ACTOR, "GIT_AUTHOR_EMAIL": EMAIL, "GIT_AUTHOR_DATE": NOW,
        "GIT_COMMITTER_NAME": ACTOR, "GIT_COMMITTER_EMAIL": EMAIL, "GIT_COMMITTER_DATE": NOW,
    })
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated ticket counts (1k, 10k work too)")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per command, after one warm-up")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before one run counts as a timeout")
    parser.add_argument("--skip", action="append", default=[], metavar="[SIZE:]CMD,...",
                        help=f"commands not to run (at SIZE only, if given); repeatable. Commands: {', '.join(COMMAND_KEYS)}")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the desks in DIR/desk-SIZE and keep them")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated data")
    parser.add_argument("--kb", type=int, default=0, metavar="N",
                        help="also N KB articles, linked from 40%% of resolved tickets of their category "
                             "(the 'relearn' row needs them)")
    parser.add_argument("--no-pyc-cache", action="store_true",
                        help="keep the inherited bytecode settings instead of caching .pyc files in a temporary folder")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    skip = parse_skip(args.skip)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    os.environ.update(pinned_env())  # desk_init.init commits in this process
    pyc_holder = None
    if args.no_pyc_cache:
        env = pinned_env()
        bytecode = "inherited settings (PYTHONDONTWRITEBYTECODE=" + os.environ.get("PYTHONDONTWRITEBYTECODE", "") + ")"
    else:
        pyc_holder = tempfile.TemporaryDirectory(prefix="itsm-bench-pyc-")
        env = pinned_env(Path(pyc_holder.name))
        bytecode = "cached (PYTHONPYCACHEPREFIX in a temporary folder, filled by the warm-up runs)"
    itsm_cmd = itsm_command()
    facts = [*machine_facts(), ("bytecode", bytecode), ("load average at start", _load())]
    progress("machine: " + "; ".join(f"{k} {v}" for k, v in facts))
    scratch = tempfile.TemporaryDirectory(prefix="itsm-bench-launcher-")
    launcher = Launcher(Path(scratch.name))
    started = time.perf_counter()
    desks: list[DeskFacts] = []
    results: dict[int, dict[str, Result]] = {}
    labels: dict[str, str] = {}
    for size in sizes:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            root, cleanup = (args.keep / f"desk-{size}").resolve(), None
            if root.exists():
                raise SystemExit(f"bench: {root} already exists; remove it or choose another --keep")
        else:
            cleanup = tempfile.TemporaryDirectory(prefix=f"itsm-bench-{size}-")
            root = Path(cleanup.name).resolve() / "desk"
        try:
            progress(f"[{size}] generating the desk in {root}")
            desk = build_desk(root, size, args.seed, args.kb)
            desks.append(desk)
            progress(f"[{size}] generated in {desk.generate_s:.1f} s, git add+commit {desk.commit_s:.1f} s, "
                     f"gc {desk.gc_s:.1f} s; {desk.open_count} open; show target {desk.show_ref}")
            results[size] = {}
            skipped = skip.get(size, set()) | skip.get(None, set())
            for cmd in commands(itsm_cmd, desk, args.repeat):
                labels[cmd.key] = cmd.label
                results[size][cmd.key] = (Result("skipped") if cmd.key in skipped
                                          else measure(launcher, cmd, root, env, args.repeat, args.timeout,
                                                       f"[{size}]"))
            labels.update(IN_PROCESS)
            results[size]["index-update"] = (
                Result("skipped") if "index-update" in skipped
                else measure_index_update(root, args.repeat, f"[{size}]")
            )
            results[size]["relearn"] = (
                Result("skipped") if "relearn" in skipped or not desk.popular_kb
                else measure_relearn(root, desk.popular_kb, args.repeat, f"[{size}]")
            )
            for key, label, cold_args in COLD_COMMANDS:
                labels[key] = label
                results[size][key] = (Result("skipped") if key in skipped
                                      else measure_cold(launcher, itsm_cmd, root, key, label, cold_args, env,
                                                        args.timeout, f"[{size}]"))
        finally:
            if cleanup is not None:
                cleanup.cleanup()
    total = time.perf_counter() - started
    facts.append(("load average at end", _load()))
    launcher.close()
    scratch.cleanup()
    if pyc_holder is not None:
        pyc_holder.cleanup()

    print("Machine\n")
    print(tabulate(facts, headers=["fact", "value"], tablefmt="github"))
    print("\nDesks (generation is not part of the measured commands)\n")
    print(tabulate(
        [[f"{d.size:,}", f"{d.open_count:,}", d.months, f"{d.ticket_bytes / 1e6:.1f} MB", d.pack,
          f"{d.generate_s:.1f}", f"{d.commit_s:.1f}", f"{d.gc_s:.1f}",
          f"{args.kb}, the most used by {d.popular_kb_uses:,}"] for d in desks],
        headers=["tickets", "open", "month folders", "ticket files", "git pack", "generate s",
                 "git add+commit s", "git gc s", "KB articles"],
        tablefmt="github",
    ))
    print(f"\nWall time per command, ms: median (min) of {args.repeat} runs after 1 warm-up "
          f"(the cold rows: one run, no warm-up); timeout {args.timeout:g} s\n")
    headers = ["command", *(f"{size:,} tickets" for size in sizes)]
    align = ("left", *("right" for _ in sizes))
    rows = [[labels[key], *(results[size][key].cell(args.timeout) for size in sizes)] for key in COMMAND_KEYS]
    print(tabulate(rows, headers=headers, tablefmt="github", colalign=align))
    print(f"\nPeak memory, MB (max over runs): the ru_maxrss of the largest process of each "
          f"measured run; target <= {MEMORY_TARGET_MB} MB\n")
    rows = [[labels[key], *(results[size][key].memory_cell(args.timeout) for size in sizes)] for key in COMMAND_KEYS]
    print(tabulate(rows, headers=headers, tablefmt="github", colalign=align))
    print(f"\nTotal bench time {total / 60:.1f} min (seed {args.seed}, ITSM_NOW {NOW})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
