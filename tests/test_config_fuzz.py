"""Every key of itsm.yaml, each wrong way a person can type it: never a crash.

itsm.yaml is where a team types the most by hand, and each section is read by its own code
(itsm/config/loading.py). Starting from a *maximal* file (tests/data/itsm-maximal.yaml: every
section filled, every list with an item), each case changes one thing: for every key path
(list items included) the value becomes null, a boolean, an integer, a float, a string, a
list, a mapping, a date, an empty value or a huge one; and every mapping gets a key itsm does
not know. Every case is read by the loader and by `itsm check` (in-process); a seeded sample
also runs `itsm list` (a reader), `itsm new` and `itsm log --kind email` (writers) on a desk
with a real SMTP server on 127.0.0.1. What must hold, whatever the case:

- the loader never raises; every finding is `itsm.yaml:LINE: …` and one of them names the key
  path that changed (or a key above it);
- `itsm check` exits 0 or 1, never 3, and prints every finding the loader has;
- a reader goes on with at most one warning line; a writer refuses in one line (exit 2),
  writes nothing and sends no mail.
"""

from __future__ import annotations

import copy
import datetime
import json
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from itsm.config import defaults, loading
from itsm.core.errors import Finding
from itsm.operations import desk_init
from tests.conftest import REPO, free_port, git, pinned, run_cli

# About 1,400 cases through the loader and `itsm check` (a minute on one core).
pytestmark = pytest.mark.slow

MAXIMAL = REPO / "tests" / "data" / "itsm-maximal.yaml"
SAMPLE = 60  # cases that also run `list`, `new` and `log --kind email` (seeded)
UNKNOWN = "zz_not_a_key"
# Mappings whose keys a desk names (its groups, categories, codes...), not itsm.
NAMED = {("groups",), ("categories",), ("resolution_codes",), ("requests", "targets"), ("alerts", "severity"),
         ("business_hours", "days")}
KeyPath = tuple[str | int, ...]

# The wrong values: each YAML type, an empty one and a huge one (under the file's 64 KiB limit,
# so the value is judged, not the file).
WRONG: dict[str, Any] = {
    "null": None, "bool": True, "int": 7, "float": 7.5, "string": "not what it wants",
    "list": ["x", 1], "mapping": {"x": 1}, "date": datetime.date(2026, 1, 1),
}


def empty_like(value: Any) -> Any:
    return {} if isinstance(value, dict) else [] if isinstance(value, list) else ""


def huge_like(value: Any) -> Any:
    if isinstance(value, list):
        return ["x"] * 4000
    if isinstance(value, dict):
        return {f"k{n}": n for n in range(3000)}
    if isinstance(value, int) and not isinstance(value, bool):
        return 10 ** 40
    return "x" * 40_000


def paths(node: Any, here: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key path of the document, list items included (depth first, the file's order)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*here, key)
            yield from paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*here, index)
            yield from paths(value, (*here, index))


def mappings(node: Any, here: KeyPath = ()) -> Iterator[KeyPath]:
    if isinstance(node, dict):
        yield here
        for key, value in node.items():
            yield from mappings(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from mappings(value, (*here, index))


def get(document: Any, path: KeyPath) -> Any:
    for part in path:
        document = document[part]
    return document


def shown(path: KeyPath) -> str:
    """A key path as the messages write it: `alerts.rules[0].group`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass
class Case:
    name: str
    path: KeyPath  # what changed (for an unknown key: the mapping it was added to)
    text: str
    findings: list[Finding] = field(default_factory=list)
    crash: str | None = None
    check: subprocess.CompletedProcess[str] | None = None
    sampled: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    changed_by_writers: list[str] = field(default_factory=list)
    mail_sent: int = 0


def maximal(port: int) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(MAXIMAL.read_text(encoding="utf-8"))
    document["email"]["smtp"]["port"] = port
    return document


def dump(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def cases(document: dict[str, Any]) -> list[Case]:
    made = []
    for path in paths(document):
        parent, key = get(document, path[:-1]), path[-1]
        original = parent[key]
        values = {**WRONG, "empty": empty_like(original), "huge": huge_like(original)}
        for name, value in values.items():
            changed = copy.deepcopy(document)
            get(changed, path[:-1])[key] = value
            made.append(Case(f"{shown(path)}={name}", path, dump(changed)))
    for path in mappings(document):
        changed = copy.deepcopy(document)
        get(changed, path)[UNKNOWN] = "x"
        made.append(Case(f"{shown(path) or '(top)'}+{UNKNOWN}", path, dump(changed)))
    return made


class Mailbox:
    """A real SMTP server on 127.0.0.1 that counts what it is given."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received = 0
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
                mailbox.received += 1
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, ready_timeout=20)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def desk_state(root: Path) -> tuple[str, str, list[str]]:
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                   if p.is_file() and ".git" not in p.parts and ".itsm" not in p.parts)
    return git(root, "rev-parse", "HEAD"), git(root, "status", "--porcelain", "--untracked-files=all"), files


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    base = tmp_path_factory.mktemp("config-fuzz")
    home = base / "home"
    home.mkdir()
    mailbox = Mailbox()
    root = base / "desk"
    try:
        with pinned(home):
            desk_init.init(root)
            document = maximal(mailbox.port)
            good = dump(document)
            (root / "itsm.yaml").write_text(good, encoding="utf-8")
            git(root, "commit", "-qam", "the maximal itsm.yaml")
            made = run_cli(root, "new", "VPN drops", "-q", "-c", "network/vpn", "-r", "dana@example.org")
            assert made.returncode == 0, made.stderr
            ticket = made.stdout.strip()
            assert mailbox.received == 0
            all_cases = cases(document)
            sampled = set(random.Random(23).sample(range(len(all_cases)), SAMPLE))
            for n, case in enumerate(all_cases):
                run_case(case, root, ticket, mailbox, n in sampled)
            (root / "itsm.yaml").write_text(good, encoding="utf-8")
    finally:
        mailbox.stop()
    return all_cases


def run_case(case: Case, root: Path, ticket: str, mailbox: Mailbox, sample: bool) -> None:
    (root / "itsm.yaml").write_text(case.text, encoding="utf-8")
    try:
        case.findings = list(loading.from_bytes(case.text.encode("utf-8"), root).findings)
    except Exception as exc:  # what the test is for: nothing may escape the loader
        case.crash = f"{type(exc).__name__}: {exc}"
        return
    case.check = run_cli(root, "check")
    if not sample:
        return
    case.sampled["list"] = run_cli(root, "list")
    if not case.findings:
        return  # a valid itsm.yaml: the writers would write, as they should
    before, received = desk_state(root), mailbox.received
    case.sampled["new"] = run_cli(root, "new", "Printer jams", "-q")
    case.sampled["log"] = run_cli(root, "log", ticket, "Tried again", "--kind", "email")
    after = desk_state(root)
    case.changed_by_writers = [] if after == before else [f"{before} -> {after}"]
    case.mail_sent = mailbox.received - received


# -- what holds --------------------------------------------------------------------------------


def test_the_maximal_file_loads_without_a_finding(tmp_path: Path) -> None:
    config = loading.from_bytes(dump(maximal(2525)).encode(), tmp_path)
    assert [str(f) for f in config.findings] == []
    assert config.business_hours is not None and config.email.smtp is not None and config.alerts.rules


def test_the_maximal_file_has_every_key_init_writes() -> None:
    """A section `itsm init` writes joins the fuzz by being added to the maximal file."""
    written = yaml.safe_load(defaults.render_default())
    ours = yaml.safe_load(MAXIMAL.read_text(encoding="utf-8"))
    missing = []
    for path in paths(written):
        if any(isinstance(part, int) for part in path) or any(path[:n] in NAMED for n in range(1, len(path))):
            continue  # the examples' own items (groups, codes...): the maximal file has items of its own
        try:
            get(ours, path)
        except (KeyError, IndexError, TypeError):
            missing.append(shown(path))
    assert missing == []
    assert set(ours) == set(defaults.DEFAULTS)


def test_the_loader_never_raises(fuzzed: list[Case]) -> None:
    assert len(fuzzed) > 1000
    crashes = [f"{case.name}: {case.crash}" for case in fuzzed if case.crash]
    assert crashes == []


def test_every_finding_has_its_line_and_one_names_the_key_path(fuzzed: list[Case]) -> None:
    unnamed = []
    for case in fuzzed:
        for finding in case.findings:
            assert finding.path == "itsm.yaml" and isinstance(finding.line, int) and finding.line > 0, \
                (case.name, str(finding))
        if not case.findings:
            continue
        candidates = [shown(case.path[:n]) for n in range(len(case.path), 0, -1)]
        if not case.path:  # a key added at the top: the message is about that key
            candidates = [f"unknown key '{UNKNOWN}'"]
        if not any(finding.message.startswith(c) for finding in case.findings for c in candidates):
            unnamed.append(f"{case.name}: {[str(f) for f in case.findings]}")
    assert unnamed == []


def test_an_unknown_key_is_a_finding_everywhere(fuzzed: list[Case]) -> None:
    """Added to a mapping of itsm's keys it is unknown; added to one a desk names (its groups,
    categories...) it is a new item, and `x` is no item's shape. Only an alert rule's `match`
    takes any label: there `zz_not_a_key: x` is a label to match."""
    quiet = [case.name for case in fuzzed if case.name.endswith(f"+{UNKNOWN}") and case.path[-1:] != ("match",)
             and not any(UNKNOWN in finding.message for finding in case.findings)]
    assert quiet == []


# The other shapes itsm takes on purpose, where a value of another YAML type is right.
ALTERNATIVES = {
    ("email", "max_message"): "int", ("email", "max_attachment"): "int", ("serve", "max_body"): "int",  # bytes
    ("business_hours", "days", "mon"): "list", ("business_hours", "days", "tue"): "string",  # one window or several
    ("business_hours", "holidays"): "list",  # the desk's own dates, before regions
    ("business_hours", "holidays", "subdivision"): "int",  # a code like 01
    ("resolution_codes",): "list",  # codes without rules
    ("sla", "response_stops_on"): "string", ("sla", "pause_on"): "string",  # one item
}


def yaml_type(value: Any) -> str:
    """The type itsm's strict YAML reads a value as: floats and dates are text there."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "string"


def test_a_value_of_another_type_is_never_taken_silently(fuzzed: list[Case]) -> None:
    """Whatever is not null or empty (which mean "none" or "the default") and is of another YAML
    type than the key takes is a finding — but for the shapes itsm takes on purpose."""
    document = maximal(2525)
    silent = []
    for case in fuzzed:
        name = case.name.rsplit("=", 1)[-1]
        if case.findings or case.name.endswith(f"+{UNKNOWN}") or name in ("null", "empty"):
            continue
        original = get(document, case.path)
        value = huge_like(original) if name == "huge" else WRONG[name]
        taken = yaml_type(value)
        if taken != yaml_type(original) and ALTERNATIVES.get(case.path) != taken:
            silent.append(case.name)
    assert silent == []


def test_check_never_crashes_and_prints_every_finding(fuzzed: list[Case]) -> None:
    bad = []
    for case in fuzzed:
        if case.crash or case.check is None:
            continue
        done = case.check
        if done.returncode not in (0, 1) or "internal error" in done.stderr or "Traceback" in done.stderr:
            bad.append(f"{case.name}: exit {done.returncode}: {done.stderr[-300:]}")
        elif case.findings and (done.returncode != 1 or not all(str(f) in done.stdout for f in case.findings)):
            bad.append(f"{case.name}: exit {done.returncode}, said {done.stdout[:300]!r}")
    assert bad == []


def test_a_reader_goes_on_with_at_most_one_warning(fuzzed: list[Case]) -> None:
    listed = [case for case in fuzzed if "list" in case.sampled]
    assert len(listed) == SAMPLE
    bad = [f"{case.name}: {done.returncode} {done.stderr!r}" for case in listed
           if (done := case.sampled["list"]).returncode != 0 or done.stderr.count("\n") > 1]
    assert bad == []


def test_a_writer_refuses_in_one_line_writing_nothing_and_sending_nothing(fuzzed: list[Case]) -> None:
    written = [case for case in fuzzed if "new" in case.sampled]
    assert len(written) > SAMPLE // 2  # most changes make itsm.yaml wrong
    bad = []
    for case in written:
        for command in ("new", "log"):
            done = case.sampled[command]
            if done.returncode != 2 or done.stdout or not done.stderr.startswith("itsm: error: ") \
                    or done.stderr.count("\n") != 1:
                bad.append(f"{case.name} {command}: {done.returncode} {done.stdout!r} {done.stderr!r}")
        if case.changed_by_writers or case.mail_sent:
            bad.append(f"{case.name}: wrote {case.changed_by_writers}, sent {case.mail_sent}")
    assert bad == []


def test_the_cases_cover_every_section(fuzzed: list[Case]) -> None:
    sections = {case.path[0] for case in fuzzed if case.path}
    assert sections == set(defaults.DEFAULTS)
    print(json.dumps({"cases": len(fuzzed), "with findings": sum(1 for c in fuzzed if c.findings),
                      "sampled": SAMPLE}))
