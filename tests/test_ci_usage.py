"""CI usage as shipped (issue 11, item 5): the hooks of `.pre-commit-hooks.yaml` installed and
run by the real `pre-commit` from a git clone of this repository, in desks made by `itsm init`;
and docs/ci.md kept true: its YAML parsed, its shell script run on desks in each state a CI
job meets (sound, a gate failing, a record broken, not a desk).

pre-commit builds its own virtualenv and pip-installs itsm into it from the clone (some 20 s
measured here, once per test session: PRE_COMMIT_HOME is shared by the tests of this file).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import NOW, REPO, commit_all, git, itsm

DOC = REPO / "docs" / "ci.md"
MANIFEST = REPO / ".pre-commit-hooks.yaml"
# Two days before the tests' clock: a P3 ticket made then has missed its response target
# (4 h by default) by the time NOW comes, and it is still in the report's 12-week window.
LONG_AGO = "2026-11-24T09:00:00Z"
GATE_LINE = re.compile(r"^itsm report: --fail-on breach: 1 SLA breach.*: (INC-\w+)$", re.M)


# -- fixtures: a clone of this repository, pre-commit's home, a desk that uses the hooks ------------


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository as a desk would point at it: a git repository with the work tree's files
    (tracked, and new ones git does not ignore, so an uncommitted change is what is tested)
    committed; returns its path and the commit for `rev:`."""
    clone = tmp_path_factory.mktemp("itsm-hook-repo")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    identity = ["-c", "user.name=Test Runner", "-c", "user.email=runner@example.org"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*identity, "commit", "-q", "-m", "itsm at test time"]):
        subprocess.run(["git", *args], cwd=clone, capture_output=True, check=True,
                       env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull})
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True,
                         env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull}).stdout.strip()
    return clone, sha


@pytest.fixture(scope="session")
def pre_commit_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def pre_commit_home(pre_commit_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pre-commit's store for every process of the test: git's hook (run by `git commit` and by
    itsm's own commits) finds the virtualenv built once."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_cache))
    monkeypatch.setenv("PRE_COMMIT_COLOR", "never")
    return pre_commit_cache


def doc_blocks(language: str) -> list[str]:
    text = DOC.read_text()
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


def desk_config(hook_repo: tuple[Path, str], hook_ids: list[str]) -> str:
    """docs/ci.md's `.pre-commit-config.yaml` for a desk, pointed at the clone: the snippet a
    desk copies is the one tested."""
    [snippet] = [yaml.safe_load(b) for b in doc_blocks("yaml") if "repos" in (yaml.safe_load(b) or {})]
    [entry] = snippet["repos"]
    assert [hook["id"] for hook in entry["hooks"]] == ["itsm-check"]
    entry["repo"], entry["rev"] = str(hook_repo[0]), hook_repo[1]
    entry["hooks"] = [{"id": hook_id} for hook_id in hook_ids]
    return yaml.safe_dump(snippet, sort_keys=False)


def pre_commit(root: Path, home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PRE_COMMIT_HOME": str(home), **(env or {})},
                          check=False)


def new_ticket(root: Path, title: str, at: str = NOW) -> Path:
    made = itsm(root, "new", title, "-d", "Reported by phone.", env={"ITSM_NOW": at})
    assert made.returncode == 0, made.stderr
    ticket_id = made.stdout.strip().splitlines()[0]
    return root / "tickets" / f"{at[:7]}" / f"{ticket_id}.md"


def break_priority(ticket: Path) -> int:
    """Type a priority by hand (it is derived: a fault); return the line, counted here."""
    lines = ticket.read_text().split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("priority: "))
    lines[number] = "priority: P1"
    ticket.write_text("\n".join(lines))
    return number + 1


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


# -- the manifest ----------------------------------------------------------------------------------


def test_the_hook_manifest_is_valid_and_each_hook_is_the_itsm_console_script() -> None:
    checked = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}
    assert set(hooks) == {"itsm-check", "itsm-check-all", "itsm-report-gate"}
    for hook in hooks.values():
        # a positional word after `itsm check` is a git REF: file names must never be passed
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"].split()[0] == "itsm"
    assert hooks["itsm-check"]["entry"] == "itsm check --changed HEAD"
    assert hooks["itsm-report-gate"]["stages"] == ["manual"]
    # `language: python` pip-installs the repository: `itsm` must be its console script
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"itsm": "itsm.cli:main"}
    # and the docs' table names the same hooks and entries
    text = DOC.read_text()
    for hook_id, hook in hooks.items():
        assert f"| `{hook_id}` | `{hook['entry']}" in text


# -- the hooks, run by pre-commit ------------------------------------------------------------------


def test_the_commit_hook_refuses_a_broken_record_and_checks_only_what_is_committed(
        desk: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    (desk / ".pre-commit-config.yaml").write_text(desk_config(hook_repo, ["itsm-check"]))
    commit_all(desk, "use the itsm hooks")
    installed = pre_commit(desk, pre_commit_home, "install-hooks")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert pre_commit(desk, pre_commit_home, "install").returncode == 0

    # itsm's own commit runs the hook, and passes it
    first = new_ticket(desk, "VPN drops every few minutes")
    second = new_ticket(desk, "Printer on floor 2 jams")
    assert git(desk, "status", "--porcelain") == ""

    # a broken record, staged: the commit is refused with itsm's path:line: message
    before = head(desk)
    line = break_priority(first)
    git(desk, "add", "-A")
    refused = subprocess.run(["git", "commit", "-q", "-m", "typed a priority"], cwd=desk, capture_output=True,
                             text=True, check=False)
    said = refused.stdout + refused.stderr  # git's hook writes to stderr
    assert refused.returncode != 0
    relative = first.relative_to(desk).as_posix()
    assert re.search(rf"^{re.escape(relative)}:{line}: priority is P1 but ", said, re.M), said
    assert "- hook id: itsm-check\n" in said and head(desk) == before

    # the same broken edit left unstaged does not block a sound change that is staged:
    # pre-commit stashes it while the hook runs, and puts it back
    git(desk, "reset", "-q")
    with second.open("a") as handle:
        handle.write("\nThe caller says it jams on A3 paper only.\n")
    git(desk, "add", str(second))
    committed = subprocess.run(["git", "commit", "-q", "-m", "a note on the printer"], cwd=desk,
                               capture_output=True, text=True, check=False)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert git(desk, "status", "--porcelain") == f" M {relative}\n"
    assert git(desk, "show", "--name-only", "--format=", "HEAD").split() == [second.relative_to(desk).as_posix()]

    # a commit that touches no record does not run itsm at all
    git(desk, "stash", "-q")
    (desk / "NOTES.txt").write_text("rota for December\n")
    git(desk, "add", "NOTES.txt")
    skipped = pre_commit(desk, pre_commit_home, "run")
    assert skipped.returncode == 0 and re.search(r"itsm check \(the records this commit changes\)\.+\(no files to check\)Skipped",
                                                 skipped.stdout), skipped.stdout


def test_the_whole_desk_hook_and_the_report_gate_as_ci_runs_them(
        desk: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    (desk / ".pre-commit-config.yaml").write_text(
        desk_config(hook_repo, ["itsm-check", "itsm-check-all", "itsm-report-gate"]))
    commit_all(desk, "use the itsm hooks")
    gate = ("run", "itsm-report-gate", "--hook-stage", "manual", "--all-files")

    sound = pre_commit(desk, pre_commit_home, "run", "--all-files")
    assert sound.returncode == 0, sound.stdout + sound.stderr
    assert re.search(r"^itsm check \(the whole desk\)\.+Passed$", sound.stdout, re.M)
    # the gate is in the manual stage: a plain run does not judge the desk's SLAs
    assert "itsm report" not in sound.stdout
    assert pre_commit(desk, pre_commit_home, *gate).returncode == 0

    # a P3 ticket made two days ago and never answered: its response SLA is breached
    late = new_ticket(desk, "Shared drive is read-only", at=LONG_AGO)
    failed = pre_commit(desk, pre_commit_home, *gate)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert [m.group(1) for m in GATE_LINE.finditer(failed.stdout)] == [late.stem], failed.stdout

    # a broken record committed (without the hook): the whole-desk hook names it, by line
    line = break_priority(late)
    commit_all(desk, "typed a priority")
    broken = pre_commit(desk, pre_commit_home, "run", "itsm-check-all", "--all-files")
    assert broken.returncode == 1
    assert f"{late.relative_to(desk).as_posix()}:{line}: priority is P1 but " in broken.stdout, broken.stdout
    # the commit hook checks what differs from HEAD: in CI, with nothing uncommitted, nothing
    assert pre_commit(desk, pre_commit_home, "run", "itsm-check", "--all-files").returncode == 0


# -- docs/ci.md ------------------------------------------------------------------------------------


def test_every_yaml_block_of_the_ci_doc_parses_and_the_workflow_publishes_the_report() -> None:
    blocks = [yaml.safe_load(block) for block in doc_blocks("yaml")]
    assert len(blocks) == 5
    workflow = next(b for b in blocks if isinstance(b, dict) and "jobs" in b)
    steps: list[dict[str, Any]] = workflow["jobs"]["desk"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    by_name = {s.get("name"): s for s in steps}
    assert by_name["Report and gates"]["run"].startswith("itsm report ")
    assert "--fail-on breach" in by_name["Report and gates"]["run"]
    assert by_name["HTML report"]["run"] == "itsm report --format html --output site"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    # published even when a check or a gate failed
    assert by_name["HTML report"]["if"] == "always()" and upload["if"] == "always()"
    assert upload["with"]["path"] == "site/"
    gitlab = next(b for b in blocks if isinstance(b, dict) and "desk" in b and "script" in b["desk"])
    assert gitlab["desk"]["script"][-1] == "sh itsm-ci.sh"
    assert gitlab["desk"]["artifacts"] == {"when": "always", "expose_as": "desk report", "paths": ["site/"]}
    assert gitlab["desk"]["variables"]["GIT_DEPTH"] == "0"


def test_the_ci_shell_script_of_the_doc_on_each_kind_of_desk(desk: Path, tmp_path: Path) -> None:
    [script] = [block for block in doc_blocks("sh") if block.startswith("#!/bin/sh\n# itsm-ci.sh")]
    (tmp_path / "itsm-ci.sh").write_text(script)
    # the `itsm` of this test's environment, first on PATH, as `pip install` puts it
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "itsm").is_file()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def run(root: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["sh", str(tmp_path / "itsm-ci.sh")], cwd=root, capture_output=True, text=True,
                              env=env, check=False)

    def site_of(root: Path) -> str:
        return (root / "site" / "index.html").read_text()

    # a sound desk with one fresh ticket: 0, and the site
    fresh = new_ticket(desk, "VPN drops every few minutes")
    sound = run(desk)
    assert sound.returncode == 0, sound.stderr
    assert fresh.stem in site_of(desk) and (desk / "site" / "tickets" / f"{fresh.stem}.html").is_file()

    # a breached SLA: 1, one gate line, and the site is still written (and shows the ticket)
    shutil.rmtree(desk / "site")
    late = new_ticket(desk, "Shared drive is read-only", at=LONG_AGO)
    gated = run(desk)
    assert gated.returncode == 1, gated.stderr
    assert [m.group(1) for m in GATE_LINE.finditer(gated.stderr)] == [late.stem], gated.stderr
    assert late.stem in site_of(desk)

    # a broken record: 1 from the check, and the report is still published
    line = break_priority(fresh)
    commit_all(desk, "typed a priority")
    shutil.rmtree(desk / "site")
    broken = run(desk)
    assert broken.returncode == 1
    assert f"{fresh.relative_to(desk).as_posix()}:{line}: priority is P1 but " in broken.stdout
    assert (desk / "site" / "index.html").is_file()

    # not a desk: 2 (the job is broken, not the desk), the worst code kept over the others
    elsewhere = tmp_path / "not-a-desk"
    elsewhere.mkdir()
    refused = run(elsewhere)
    assert refused.returncode == 2, refused.stderr
    assert not (elsewhere / "site").exists()
