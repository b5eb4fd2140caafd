"""The ticket commands through the real `itsm` process and real git: new, show, list, log,
assign, categorise, edit; desk discovery, the actor, commits and their dates."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, TypeVar

import pytest

from itsm.cli.tickets import LIST_COLUMNS
from tests.conftest import NOW, FromTemplate, RunItsm, git, snapshot

ID_RE = re.compile(r"^INC-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{6}$")
MONTH = "2026-11"
NOT_IN_GIT = "itsm: warning: the desk is not in a git repository: changes are not committed (run `git init`)\n"
T = TypeVar("T")
# -- helpers ------------------------------------------------------------------------------


def new(run_itsm: RunItsm, *args: str, env: dict[str, str] | None = None) -> str:
    done = run_itsm("new", *args, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    ticket_id = done.stdout.strip()
    assert done.stdout == ticket_id + "\n"
    return ticket_id


def show_json(run_itsm: RunItsm, ticket_id: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = run_itsm("show", ticket_id, "--json", env=env)
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def ticket_file(desk: Path, ticket_id: str, month: str = MONTH) -> Path:
    return desk / "tickets" / month / f"{ticket_id}.md"


def commit_count(desk: Path) -> int:
    return int(git(desk, "rev-list", "--count", "HEAD").strip())


def last_subject(desk: Path) -> str:
    return git(desk, "log", "-1", "--format=%s").strip()


def list_ids(run_itsm: RunItsm, *args: str) -> list[str]:
    done = run_itsm("list", *args, "--json")
    assert done.returncode == 0, (args, done.stderr)
    assert done.stderr == ""
    return [row["id"] for row in json.loads(done.stdout)]


def editor(tmp_path: Path, code: str) -> str:
    """A real editor: a Python script that rewrites the file it is given with `code`."""
    script = tmp_path / "fake-editor.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, sys\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n"
        f"{code}\n"
        "path.write_text(text, encoding='utf-8')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def assert_refused_unchanged(desk: Path, before: dict[str, bytes], done: subprocess.CompletedProcess[str],
                             message: str) -> None:
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"itsm: error: {message}\n"
    assert snapshot(desk) == before
    assert git(desk, "status", "--porcelain") == ""


# -- new ----------------------------------------------------------------------------------


def test_new_prints_only_the_id_and_files_it_under_the_month(desk: Path, run_itsm: RunItsm) -> None:
    before = commit_count(desk)
    ticket_id = new(run_itsm, "VPN drops every few minutes")
    assert ID_RE.match(ticket_id)
    path = ticket_file(desk, ticket_id)
    assert path.is_file()
    assert sorted(p.name for p in (desk / "tickets").iterdir()) == [".gitkeep", MONTH]
    assert commit_count(desk) == before + 1
    assert last_subject(desk) == f"{ticket_id} new: VPN drops every few minutes"
    assert git(desk, "show", "--name-only", "--format=", "HEAD").split() == [f"tickets/{MONTH}/{ticket_id}.md"]
    assert git(desk, "status", "--porcelain") == ""


def test_new_json_prints_the_record_with_its_timeline(desk: Path, run_itsm: RunItsm) -> None:
    done = run_itsm(
        "new", "VPN drops", "-c", "network/vpn", "--impact", "high", "--urgency", "medium",
        "-r", "maria@example.org", "--channel", "phone", "-d", "It drops when I join a call.", "--json",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    data = json.loads(done.stdout)
    ticket_id = data["id"]
    assert ID_RE.match(ticket_id)
    entry_id = data["timeline"][0]["id"]
    assert re.fullmatch(r"[0-9A-Z]{8}", entry_id)
    assert data == {
        "kind": "ticket", "id": ticket_id, "title": "VPN drops", "type": "incident", "status": "new",
        "priority": "P2", "impact": "high", "urgency": "medium", "category": "network/vpn",
        "group": "network", "level": 2, "owner": None, "reporter": "maria@example.org", "channel": "phone",
        "major": False, "problem": None, "kb": [], "related": [], "created": NOW, "updated": NOW, "responded": None,
        "resolved": None, "closed": None, "due_response": "2026-11-26T09:30:00Z",
        "due_resolution": "2026-11-26T17:00:00Z", "resolution": None, "notified": None, "confirmed": None,
        "waiting_on": None, "needed_by": None, "approval": None,
        "resolved_by": None, "resolutions": 0, "reopens": 0, "reassignments": 0,
        "message_ids": [], "fingerprint": None, "occurrences": 0,
        "description": "It drops when I join a call.",
        "timeline": [{
            "id": entry_id, "time": NOW, "actor": "Alice Moreau", "kind": "created",
            "text": "Recorded from phone for maria@example.org: P2 (impact high, urgency medium); "
                    "routed to network (level 2).",
            "changes": {"title": "VPN drops", "type": "incident", "status": "new", "priority": "P2",
                        "impact": "high", "urgency": "medium", "category": "network/vpn", "group": "network",
                        "level": 2, "reporter": "maria@example.org", "channel": "phone"},
        }],
    }
    shown = show_json(run_itsm, ticket_id)
    # P2: response within 30 minutes, resolution within 8 hours, both counting from NOW.
    assert shown.pop("sla") == {
        "response": {"state": "due", "due": "2026-11-26T09:30:00Z", "left_minutes": 30, "stopped": None,
                     "breached_earlier": []},
        "resolution": {"state": "due", "due": "2026-11-26T17:00:00Z", "left_minutes": 480, "stopped": None,
                       "breached_earlier": []},
    }
    assert shown == {**data, "path": f"tickets/{MONTH}/{ticket_id}.md", "resolution_history": [], "waited_minutes": {}}


def test_new_description_dash_reads_stdin(desk: Path, run_itsm: RunItsm) -> None:
    text = "Outlook says 'disconnected'.\n\nSince 08:30, on every laptop of floor 3.\n"
    done = run_itsm("new", "Mail is down", "--description", "-", input=text)
    assert done.returncode == 0, done.stderr
    ticket_id = done.stdout.strip()
    assert show_json(run_itsm, ticket_id)["description"] == text.strip("\n")
    body = ticket_file(desk, ticket_id).read_text().split("---\n", 2)[2]
    assert body.startswith("\nOutlook says 'disconnected'.\n\nSince 08:30, on every laptop of floor 3.\n\n## Timeline\n")


SLA = {
    "P1": ("2026-11-26T09:15:00Z", "2026-11-26T13:00:00Z"),
    "P2": ("2026-11-26T09:30:00Z", "2026-11-26T17:00:00Z"),
    "P3": ("2026-11-26T13:00:00Z", "2026-11-29T09:00:00Z"),
    "P4": ("2026-11-26T17:00:00Z", "2026-12-01T09:00:00Z"),
    "P5": ("2026-11-27T09:00:00Z", "2026-12-06T09:00:00Z"),
}


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("high", "high", "P1"),
        ("high", "medium", "P2"),
        ("medium", "high", "P2"),
        ("high", "low", "P3"),
        ("medium", "medium", "P3"),
        ("low", "high", "P3"),
        ("medium", "low", "P4"),
        ("low", "medium", "P4"),
        ("low", "low", "P5"),
    ],
)
def test_new_priority_follows_the_itil_matrix(
    desk: Path, run_itsm: RunItsm, impact: str, urgency: str, priority: str
) -> None:
    done = run_itsm("new", "Something broke", "--impact", impact, "--urgency", urgency, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["impact"], data["urgency"], data["priority"]) == (impact, urgency, priority)
    assert (data["due_response"], data["due_resolution"]) == SLA[priority]
    text = ticket_file(desk, data["id"]).read_text()
    assert f"\npriority: {priority}\nimpact: {impact}\nurgency: {urgency}\n" in text
    assert data["timeline"][0]["text"] == (
        f"Recorded from phone for Alice Moreau: {priority} (impact {impact}, urgency {urgency}); "
        "routed to service-desk (level 1)."
    )


@pytest.mark.parametrize(
    ("category", "group", "level"),
    [
        ("network/vpn", "network", 2),
        ("access/password", "identity", 2),
        ("hardware/printer", "desktop-support", 2),
        ("infra/backup", "infrastructure", 3),
        ("onboarding/leaver", "service-desk", 1),
    ],
)
def test_new_category_routes_to_its_group_and_level(
    desk: Path, run_itsm: RunItsm, category: str, group: str, level: int
) -> None:
    data = show_json(run_itsm, new(run_itsm, "Needs routing", "-c", category))
    assert (data["category"], data["group"], data["level"], data["status"]) == (category, group, level, "new")


def test_new_without_category_goes_to_the_default_group(desk: Path, run_itsm: RunItsm) -> None:
    data = show_json(run_itsm, new(run_itsm, "Something odd"))
    assert (data["category"], data["group"], data["level"]) == (None, "service-desk", 1)


def test_new_group_option_overrides_the_category_route(desk: Path, run_itsm: RunItsm) -> None:
    data = show_json(run_itsm, new(run_itsm, "VPN for a supplier", "-c", "network/vpn", "--group", "suppliers"))
    assert (data["category"], data["group"], data["level"]) == ("network/vpn", "suppliers", 3)


def test_new_with_owner_is_assigned_and_responded(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Screen flickers", "--owner", "Bob Stone")
    data = show_json(run_itsm, ticket_id)
    assert (data["status"], data["owner"], data["responded"]) == ("assigned", "Bob Stone", NOW)
    assert data["timeline"][0]["text"] == (
        "Recorded from phone for Alice Moreau: P3 (impact medium, urgency medium); "
        "routed to service-desk (level 1)."
    )
    # The owner given at creation is its own entry (same commit): the first response.
    assert (data["timeline"][1]["kind"], data["timeline"][1]["text"]) == (
        "assign", "owner (none) -> Bob Stone"
    )
    assert "\nstatus: assigned\n" in ticket_file(desk, ticket_id).read_text()


def test_new_request_gets_the_request_prefix(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "New laptop for Dana", "-t", "request", "-c", "hardware/laptop")
    assert re.fullmatch(r"REQ-[0-9A-Z]{6}", ticket_id)
    assert show_json(run_itsm, ticket_id)["type"] == "request"


def test_new_files_by_the_month_of_itsm_now(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Happy new year", env={"ITSM_NOW": "2027-01-31T23:59:59Z"})
    assert ticket_file(desk, ticket_id, "2027-01").is_file()
    assert not (desk / "tickets" / MONTH).exists()
    data = show_json(run_itsm, ticket_id)
    assert (data["created"], data["path"]) == ("2027-01-31T23:59:59Z", f"tickets/2027-01/{ticket_id}.md")
    assert git(desk, "log", "-1", "--format=%aI %cI").strip() == "2027-01-31T23:59:59+00:00 2027-01-31T23:59:59+00:00"


# -- show ---------------------------------------------------------------------------------


def test_show_text(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops", "-c", "network/vpn", "--impact", "high", "--urgency", "low",
                    "-r", "maria@example.org", "--channel", "phone", "-d", "It drops.\nEvery few minutes.")
    done = run_itsm("show", ticket_id)
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout == (
        f"{ticket_id}  VPN drops\n"
        "  incident, new, P3 (impact high, urgency low)\n"
        "  category network/vpn; group network (level 2); owner (nobody)\n"
        f"  reported by maria@example.org via phone; created {NOW}, updated {NOW}\n"
        "  SLA: response due in 4h (2026-11-26T13:00:00Z); resolution due in 3d (2026-11-29T09:00:00Z)\n"
        "\n"
        "It drops.\n"
        "Every few minutes.\n"
        "\n"
        "Timeline:\n"
        f"  {NOW}  created    Alice Moreau\n"
        "      Recorded from phone for maria@example.org: P3 (impact high, urgency low); routed to network (level 2).\n"
    )


def test_show_and_list_say_where_a_ticket_stands_against_its_sla(desk: Path, run_itsm: RunItsm) -> None:
    """P1 (default targets): response within 15 minutes, resolution within 4 hours."""
    ticket_id = new(run_itsm, "Mail down", "--impact", "high", "--urgency", "high")

    def sla_line(at: str) -> str:
        done = run_itsm("show", ticket_id, env={"ITSM_NOW": at})
        return next(line.strip() for line in done.stdout.splitlines() if line.strip().startswith("SLA: "))

    def column(at: str) -> str:
        rows = run_itsm("list", "--format", "csv", "--columns", "id,priority,status,sla", env={"ITSM_NOW": at}).stdout.splitlines()
        return rows[1].split(",")[3]

    assert sla_line("2026-11-26T09:10:00Z") == ("SLA: response due in 5m (2026-11-26T09:15:00Z); "
                                                "resolution due in 3h 50m (2026-11-26T13:00:00Z)")
    assert column("2026-11-26T09:10:00Z") == "5m left"
    assert sla_line("2026-11-26T09:20:00Z").startswith("SLA: response breached 5m ago (due 2026-11-26T09:15:00Z)")
    assert column("2026-11-26T09:20:00Z") == "BREACHED 5m"
    assert run_itsm("assign", ticket_id, "--owner", "Bob Stone", env={"ITSM_NOW": "2026-11-26T09:30:00Z"}).returncode == 0
    assert run_itsm("pend", ticket_id, "--reason", "waiting for the user",
                    env={"ITSM_NOW": "2026-11-26T10:00:00Z"}).returncode == 0
    assert sla_line("2026-11-26T11:00:00Z") == "SLA: response missed; resolution paused, 3h left"
    assert column("2026-11-26T11:00:00Z") == "paused"
    data = json.loads(run_itsm("show", ticket_id, "--json", env={"ITSM_NOW": "2026-11-26T11:00:00Z"}).stdout)
    assert data["sla"]["response"] == {"state": "missed", "due": "2026-11-26T09:15:00Z", "left_minutes": -15,
                                       "stopped": "2026-11-26T09:30:00Z", "breached_earlier": []}
    assert data["sla"]["resolution"]["state"] == "paused"


def test_show_accepts_a_unique_lower_case_prefix(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Printer jams", "-c", "hardware/printer")
    full_text = run_itsm("show", ticket_id).stdout
    full_json = show_json(run_itsm, ticket_id)
    for ref in (ticket_id[:6].lower(), ticket_id[4:7].lower()):
        done = run_itsm("show", ref)
        assert (done.returncode, done.stderr, done.stdout) == (0, "", full_text), ref
        assert show_json(run_itsm, ref) == full_json, ref
    assert full_json["path"] == f"tickets/{MONTH}/{ticket_id}.md"
    assert [e["kind"] for e in full_json["timeline"]] == ["created"]


# -- list ---------------------------------------------------------------------------------


@pytest.fixture
def five(desk: Path, run_itsm: RunItsm, from_template: FromTemplate) -> dict[str, str]:
    """Five tickets covering every filter; created one minute apart."""
    ids: dict[str, str] = from_template("five", lambda: _build_five(desk, run_itsm))
    return ids


def _build_five(desk: Path, run_itsm: RunItsm) -> dict[str, str]:
    t = {
        "vpn": new(run_itsm, "VPN down for sales", "-c", "network/vpn", "--impact", "high", "--urgency", "high",
                   env={"ITSM_NOW": "2026-11-26T09:00:00Z"}),
        "laptop": new(run_itsm, "New laptop for Dana", "-t", "request", "-c", "hardware/laptop", "--impact", "low",
                      "--owner", "Bob Stone", env={"ITSM_NOW": "2026-11-26T09:01:00Z"}),
        "wifi": new(run_itsm, "Wifi flaky in room 4", "-c", "network/wifi", "--impact", "low", "--urgency", "low",
                    "--owner", "Carla Diaz", env={"ITSM_NOW": "2026-11-26T09:02:00Z"}),
        "password": new(run_itsm, "Password reset, locked out", "-c", "access/password",
                        env={"ITSM_NOW": "2026-11-26T09:03:00Z"}),
        "mail": new(run_itsm, "Mail bounces", "-c", "email/mailbox", "--owner", "Bob Stone",
                    env={"ITSM_NOW": "2026-11-26T09:04:00Z"}),
    }
    done = run_itsm("log", t["wifi"], "Rebooted the access point", "--actor", "Carla Diaz",
                    env={"ITSM_NOW": "2026-11-26T09:30:00Z"})
    assert done.returncode == 0, done.stderr
    done = run_itsm("escalate", t["password"], "--to", "Priya Raman", "--reason", "impact", "--major",
                    env={"ITSM_NOW": "2026-11-26T09:40:00Z"})
    assert done.returncode == 0, done.stderr
    done = run_itsm("resolve", t["mail"], "--fix", "Mailbox quota raised", env={"ITSM_NOW": "2026-11-26T10:00:00Z"})
    assert done.returncode == 0, done.stderr
    assert run_itsm("check").returncode == 0
    return t


def test_list_filters(five: dict[str, str], run_itsm: RunItsm) -> None:
    vpn, laptop, wifi, password, mail = (five[k] for k in ("vpn", "laptop", "wifi", "password", "mail"))
    by_id = sorted(five.values())
    cases: list[tuple[tuple[str, ...], list[str]]] = [
        ((), [password, vpn, mail, laptop, wifi]),  # major first, then P1..P5
        (("--status", "new"), [password, vpn]),
        (("--status", "assigned", "--status", "in_progress"), [laptop, wifi]),
        (("-s", "resolved"), [mail]),
        (("--type", "request"), [laptop]),
        (("--type", "incident"), [password, vpn, mail, wifi]),
        (("--owner", "Bob Stone"), [mail, laptop]),
        (("--owner", "Nobody Here"), []),
        (("--group", "network"), [vpn, wifi]),
        (("--group", "identity"), [password]),
        (("--category", "network"), [vpn, wifi]),
        (("-c", "network/vpn"), [vpn]),
        (("--category", "net"), []),
        (("--priority", "P3"), [mail]),
        (("-p", "P1", "-p", "P5"), [password, vpn, wifi]),
        (("--open",), [password, vpn, laptop, wifi]),
        (("--unowned",), [password, vpn]),
        (("--major",), [password]),
        (("--open", "--group", "network", "--owner", "Carla Diaz"), [wifi]),
        (("--sort", "created"), [vpn, laptop, wifi, password, mail]),
        (("--sort", "created", "--reverse"), [mail, password, wifi, laptop, vpn]),
        (("--sort", "updated"), [vpn, laptop, wifi, password, mail]),
        (("--sort", "status"), [vpn, password, laptop, wifi, mail]),
        (("--sort", "id"), by_id),
        (("--limit", "2"), [password, vpn]),
    ]
    for args, expected in cases:
        assert list_ids(run_itsm, *args) == expected, args


def test_list_statuses_are_what_the_commands_made(five: dict[str, str], run_itsm: RunItsm) -> None:
    rows = json.loads(run_itsm("list", "--format", "json").stdout)
    assert {r["id"]: (r["status"], r["priority"], r["owner"], r["group"]) for r in rows} == {
        five["vpn"]: ("new", "P1", None, "network"),
        five["laptop"]: ("assigned", "P4", "Bob Stone", "desktop-support"),
        five["wifi"]: ("in_progress", "P5", "Carla Diaz", "network"),
        five["password"]: ("new", "P1", None, "identity"),
        five["mail"]: ("resolved", "P3", "Bob Stone", "messaging"),
    }


def test_list_formats(five: dict[str, str], run_itsm: RunItsm) -> None:
    vpn, wifi = five["vpn"], five["wifi"]
    csv_out = run_itsm("list", "--group", "network", "--format", "csv", "--columns", ",".join(LIST_COLUMNS))
    assert (csv_out.returncode, csv_out.stderr) == (0, "")
    assert csv_out.stdout == (
        "id,priority,status,sla,type,category,group,owner,created,title\n"
        f"{vpn},P1,new,15m left,incident,network/vpn,network,,2026-11-26T09:00:00Z,VPN down for sales\n"
        f"{wifi},P5,in_progress,1d left,incident,network/wifi,network,Carla Diaz,2026-11-26T09:02:00Z,"
        "Wifi flaky in room 4\n"
    )
    md = run_itsm("list", "--group", "network", "-f", "md")
    assert (md.returncode, md.stderr) == (0, "")
    lines = md.stdout.splitlines()
    assert len(lines) == 4
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    assert cells[0] == ["id", "priority", "status", "sla", "type", "category", "group", "owner", "created", "title"]
    assert all(set(c) == {"-"} for c in cells[1])
    assert cells[2] == [vpn, "P1", "new", "15m left", "incident", "network/vpn", "network", "", "2026-11-26T09:00:00Z",
                        "VPN down for sales"]
    assert cells[3] == [wifi, "P5", "in_progress", "1d left", "incident", "network/wifi", "network", "Carla Diaz",
                        "2026-11-26T09:02:00Z", "Wifi flaky in room 4"]
    # (The desk's clock, NOW, is before the wifi ticket's owner took it at 09:02: its response
    # clock still runs, and a running response clock is what the column shows first.)
    table = run_itsm("list", "--group", "network")
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["id", "priority", "status", "sla", "type", "category", "group", "owner", "created",
                                "title"]
    assert set(lines[1]) == {"-", " "}
    assert [line.split()[0] for line in lines[2:]] == [vpn, wifi]
    as_json = run_itsm("list", "--group", "network", "--json")
    as_format = run_itsm("list", "--group", "network", "--format", "json")
    assert as_json.stdout == as_format.stdout
    rows = json.loads(as_json.stdout)
    assert [(r["id"], r["title"], r["category"]) for r in rows] == [
        (vpn, "VPN down for sales", "network/vpn"), (wifi, "Wifi flaky in room 4", "network/wifi"),
    ]
    # The same record; `show` adds where the file is, the resolutions and the waits read from the timeline.
    assert rows[1] == {k: v for k, v in show_json(run_itsm, wifi).items() if k not in ("path", "resolution_history", "waited_minutes")}


# -- log, assign, categorise --------------------------------------------------------------


def test_log_call_records_the_interaction_and_commits(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops", "-r", "maria@example.org")
    done = run_itsm("log", ticket_id, "Called Maria: drops began after the router swap", "--kind", "call",
                    env={"ITSM_NOW": "2026-11-26T09:20:00Z"})
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"{ticket_id} call: Called Maria: drops began after the router swap [new]\n"
    data = show_json(run_itsm, ticket_id)
    last = data["timeline"][-1]
    assert (len(data["timeline"]), last["time"], last["actor"], last["kind"], last["text"]) == (
        2, "2026-11-26T09:20:00Z", "Alice Moreau", "call", "Called Maria: drops began after the router swap"
    )
    assert (data["status"], data["responded"], data["updated"]) == ("new", "2026-11-26T09:20:00Z", "2026-11-26T09:20:00Z")
    assert last_subject(desk) == f"{ticket_id} call: Called Maria: drops began after the router swap"
    assert git(desk, "status", "--porcelain") == ""


def test_log_text_dash_reads_stdin(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops")
    done = run_itsm("log", ticket_id, "-", input="Mail from Maria:\nstill dropping\n", env={"ITSM_NOW": "2026-11-26T09:05:00Z"})
    assert done.returncode == 0, done.stderr
    assert show_json(run_itsm, ticket_id)["timeline"][-1]["text"] == "Mail from Maria:\nstill dropping"
    assert last_subject(desk) == f"{ticket_id} note: Mail from Maria:"


def test_owners_first_log_starts_the_work(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Screen flickers", "--owner", "Bob Stone")
    done = run_itsm("log", ticket_id, "Asked for a photo", "--actor", "Carla Diaz")
    assert done.stdout == f"{ticket_id} note: Asked for a photo [assigned]\n"
    assert show_json(run_itsm, ticket_id)["status"] == "assigned"
    done = run_itsm("log", ticket_id, "Swapped the cable", "--actor", "Bob Stone")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"{ticket_id} note: Swapped the cable [in_progress]\n"
    data = show_json(run_itsm, ticket_id)
    assert data["status"] == "in_progress"
    assert [(e["actor"], e["kind"]) for e in data["timeline"]] == [
        ("Alice Moreau", "created"), ("Alice Moreau", "assign"), ("Carla Diaz", "note"), ("Bob Stone", "note"),
    ]
    assert "\nstatus: in_progress\n" in ticket_file(desk, ticket_id).read_text()
    assert git(desk, "log", "-1", "--format=%an|%s").strip() == f"Bob Stone|{ticket_id} note: Swapped the cable"


def test_assign_owner_and_group(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops")
    before = commit_count(desk)
    done = run_itsm("assign", ticket_id, "--owner", "Carla Diaz", "--group", "network",
                    env={"ITSM_NOW": "2026-11-26T09:10:00Z"})
    assert (done.returncode, done.stderr) == (0, "")
    summary = "group service-desk -> network (level 2); owner (none) -> Carla Diaz"
    assert done.stdout == f"{ticket_id} assign: {summary} [assigned]\n"
    data = show_json(run_itsm, ticket_id)
    assert (data["status"], data["owner"], data["group"], data["level"], data["responded"]) == (
        "assigned", "Carla Diaz", "network", 2, "2026-11-26T09:10:00Z"
    )
    assert (data["timeline"][-1]["kind"], data["timeline"][-1]["text"]) == ("assign", summary)
    assert commit_count(desk) == before + 1
    assert last_subject(desk) == f"{ticket_id} assign: {summary}"


def test_assign_group_only_leaves_a_new_ticket_unowned(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops")
    done = run_itsm("assign", ticket_id, "--group", "network")
    assert done.stdout == f"{ticket_id} assign: group service-desk -> network (level 2) [new]\n"
    data = show_json(run_itsm, ticket_id)
    assert (data["status"], data["owner"], data["group"], data["level"]) == ("new", None, "network", 2)
    assert list_ids(run_itsm, "--unowned") == [ticket_id]


def test_categorise_recomputes_priority_deadlines_and_routes_unowned(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Cannot connect")
    done = run_itsm("categorise", ticket_id, "-c", "network/vpn", "--impact", "high", "--urgency", "high",
                    env={"ITSM_NOW": "2026-11-26T10:00:00Z"})
    assert (done.returncode, done.stderr) == (0, "")
    summary = ("priority P3 -> P1; impact medium -> high; urgency medium -> high; category (none) -> network/vpn; "
               "group service-desk -> network; level 1 -> 2")
    assert done.stdout == f"{ticket_id} categorise: {summary} [new]\n"
    data = show_json(run_itsm, ticket_id)
    assert (data["priority"], data["category"], data["group"], data["level"]) == ("P1", "network/vpn", "network", 2)
    # The P1 targets count from the reclassification (10:00), not from creation (09:00): an
    # upgrade never breaches in the past (sla.on_priority_change: from_change).
    assert (data["due_response"], data["due_resolution"]) == ("2026-11-26T10:15:00Z", "2026-11-26T14:00:00Z")
    assert last_subject(desk) == f"{ticket_id} categorise: {summary}"
    done = run_itsm("categorise", ticket_id, "--urgency", "low", "-t", "request", env={"ITSM_NOW": "2026-11-26T10:30:00Z"})
    assert done.stdout == f"{ticket_id} categorise: type incident -> request; priority P1 -> P3; urgency high -> low [new]\n"
    data = show_json(run_itsm, ticket_id, env={"ITSM_NOW": "2026-11-26T10:30:00Z"})
    assert (data["type"], data["priority"], data["due_response"], data["due_resolution"]) == (
        "request", "P3", "2026-11-26T14:30:00Z", "2026-11-29T10:30:00Z"
    )
    # Nobody answered during the 30 minutes it was P1: that 15-minute target was missed, and
    # the downgrade keeps it missed.
    assert data["sla"]["response"]["breached_earlier"] == [{"priority": "P1", "due": "2026-11-26T10:15:00Z"}]
    assert data["sla"]["response"]["state"] == "due"
    assert data["id"] == ticket_id  # the ID never changes


def test_categorise_keeps_the_group_of_an_owned_ticket(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Cannot connect", "--owner", "Bob Stone")
    done = run_itsm("categorise", ticket_id, "-c", "network/vpn")
    assert done.stdout == f"{ticket_id} categorise: category (none) -> network/vpn [assigned]\n"
    data = show_json(run_itsm, ticket_id)
    assert (data["category"], data["group"], data["level"], data["priority"]) == ("network/vpn", "service-desk", 1, "P3")


# -- edit ---------------------------------------------------------------------------------


def test_edit_saves_a_good_edit_and_priority_follows_impact(desk: Path, run_itsm: RunItsm, tmp_path: Path) -> None:
    ticket_id = new(run_itsm, "Mail slow")
    before = commit_count(desk)
    script = editor(tmp_path, "text = text.replace('title: Mail slow', 'title: Mail very slow for everyone')"
                              ".replace('impact: medium', 'impact: high')")
    done = run_itsm("edit", ticket_id, env={"EDITOR": script, "ITSM_NOW": "2026-11-26T09:45:00Z"})
    assert (done.returncode, done.stderr) == (0, "")
    # Derived fields (deadlines) follow, but the entry names what the person changed.
    changed = "title, priority, impact"
    assert done.stdout == f"{ticket_id} edit: Edited by hand: {changed}\n"
    data = show_json(run_itsm, ticket_id)
    assert (data["title"], data["impact"], data["priority"]) == ("Mail very slow for everyone", "high", "P2")
    # P2 from the edit at 09:45 (from_change): 09:45 + 30m, 09:45 + 8h.
    assert (data["due_response"], data["due_resolution"]) == ("2026-11-26T10:15:00Z", "2026-11-26T17:45:00Z")
    last = data["timeline"][-1]
    assert (last["kind"], last["time"], last["text"]) == ("edit", "2026-11-26T09:45:00Z", f"Edited by hand: {changed}")
    assert commit_count(desk) == before + 1
    assert last_subject(desk) == f"{ticket_id} edit: {changed}"
    assert git(desk, "status", "--porcelain") == ""


def test_edit_without_changes_saves_nothing(desk: Path, run_itsm: RunItsm, tmp_path: Path) -> None:
    ticket_id = new(run_itsm, "Mail slow")
    before = snapshot(desk)
    done = run_itsm("edit", ticket_id, env={"EDITOR": editor(tmp_path, "pass")})
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{ticket_id}: no changes\n", "")
    assert snapshot(desk) == before


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("text = text.replace('status: new', 'status: resolved')",
         "the edit changes 'status', which cannot be edited by hand: use the lifecycle commands (assign, resolve, close...)"),
        ("text = text[: text.index('### ')]",
         "the edit rewrites the timeline; entries are never changed or deleted (add to the record with `itsm log`)"),
        ("text = text.replace('title: Mail slow', 'title: Mail: slow')",
         "the edited ticket is not valid: edited file:3: mapping values are not allowed here "
         "(nothing was saved; run `itsm edit` again)"),
        ("text = text.replace('category:', 'category: mail/slowness')",
         "the edited ticket is not valid: category 'mail/slowness' is not in the taxonomy of itsm.yaml (nothing was saved)"),
        ("text = text.replace('major: false', 'major: true')",
         "the edit changes 'major', which cannot be edited by hand: declared by `itsm escalate --major`"),
        ("text = text.replace('title: Mail slow', 'title: \"\"')",
         "the edited ticket is not valid: edited file:3: 'title': must be a non-empty text "
         "(nothing was saved; run `itsm edit` again)"),
    ],
    ids=["status", "timeline", "yaml", "category", "major", "empty-title"],
)
def test_edit_refusals_change_nothing(
    desk: Path, run_itsm: RunItsm, tmp_path: Path, code: str, message: str
) -> None:
    ticket_id = new(run_itsm, "Mail slow")
    before = snapshot(desk)
    done = run_itsm("edit", ticket_id, env={"EDITOR": editor(tmp_path, code)})
    assert_refused_unchanged(desk, before, done, message)


def test_edit_of_group_moves_the_level(desk: Path, run_itsm: RunItsm, tmp_path: Path) -> None:
    ticket_id = new(run_itsm, "Mail slow")
    script = editor(tmp_path, "text = text.replace('group: service-desk', 'group: infrastructure')")
    done = run_itsm("edit", ticket_id, env={"EDITOR": script})
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"{ticket_id} edit: Edited by hand: group, level\n"
    data = show_json(run_itsm, ticket_id)
    assert (data["group"], data["level"]) == ("infrastructure", 3)
    assert last_subject(desk) == f"{ticket_id} edit: group, level"


def test_edit_refused_when_the_ticket_changed_meanwhile(desk: Path, run_itsm: RunItsm, tmp_path: Path) -> None:
    ticket_id = new(run_itsm, "Mail slow")
    # While the editor is open, a colleague logs a call on the same ticket.
    script = editor(
        tmp_path,
        "import subprocess\n"
        f"subprocess.run([{sys.executable!r}, '-m', 'itsm', 'log', {ticket_id!r}, 'Called meanwhile', '--actor', 'Bob Stone'],"
        f" cwd={str(desk)!r}, check=True, capture_output=True)\n"
        "text = text.replace('title: Mail slow', 'title: Mail very slow')",
    )
    done = run_itsm("edit", ticket_id, env={"EDITOR": script})
    assert done.returncode == 2
    assert done.stderr == (f"itsm: error: {ticket_id} changed while it was being edited; nothing was saved "
                           "(run `itsm edit` again to edit the current version)\n")
    data = show_json(run_itsm, ticket_id)
    assert data["title"] == "Mail slow"
    assert [e["text"] for e in data["timeline"]][1:] == ["Called meanwhile"]
    assert last_subject(desk) == f"{ticket_id} note: Called meanwhile"
    assert git(desk, "status", "--porcelain") == ""


# -- commits, --no-commit, git.commit: false, no git at all -------------------------------


def test_no_commit_writes_without_committing(desk: Path, run_itsm: RunItsm) -> None:
    before = commit_count(desk)
    ticket_id = new(run_itsm, "Mail slow", "--no-commit")
    assert ticket_file(desk, ticket_id).is_file()
    assert commit_count(desk) == before
    assert git(desk, "status", "--porcelain") == f"?? tickets/{MONTH}/\n"
    git(desk, "add", "-A")
    git(desk, "commit", "-q", "-m", "by hand")
    done = run_itsm("log", ticket_id, "More detail", "--no-commit")
    assert (done.returncode, done.stderr) == (0, "")
    assert commit_count(desk) == before + 1
    assert git(desk, "status", "--porcelain") == f" M tickets/{MONTH}/{ticket_id}.md\n"
    assert show_json(run_itsm, ticket_id)["timeline"][-1]["text"] == "More detail"


def test_config_git_commit_false_writes_without_committing(desk: Path, run_itsm: RunItsm) -> None:
    config = desk / "itsm.yaml"
    assert "\ngit:\n  commit: true\n" in config.read_text()
    config.write_text(config.read_text().replace("\ngit:\n  commit: true\n", "\ngit:\n  commit: false\n"))
    git(desk, "commit", "-q", "-am", "no auto commits")
    before = commit_count(desk)
    ticket_id = new(run_itsm, "Mail slow")
    done = run_itsm("assign", ticket_id, "--owner", "Bob Stone")
    assert (done.returncode, done.stderr) == (0, "")
    assert commit_count(desk) == before
    assert git(desk, "status", "--porcelain") == f"?? tickets/{MONTH}/\n"
    assert show_json(run_itsm, ticket_id)["owner"] == "Bob Stone"


@pytest.fixture
def plain_desk(tmp_path: Path) -> Path:
    """A desk made by hand in a folder that no git repository holds."""
    root = tmp_path / "plain"
    (root / "tickets").mkdir(parents=True)
    (root / "itsm.yaml").write_text("autoclose_days: 5\n")
    done = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=root, capture_output=True, text=True, check=False)
    assert done.returncode != 0, "the temporary folder must not be inside a git repository"
    return root


def test_desk_outside_git_works_and_warns_once(plain_desk: Path, run_itsm: RunItsm) -> None:
    done = run_itsm("new", "Printer jams", "-c", "hardware/printer", cwd=plain_desk)
    assert done.returncode == 0
    assert done.stderr == NOT_IN_GIT
    ticket_id = done.stdout.strip()
    assert ID_RE.match(ticket_id)
    assert ticket_file(plain_desk, ticket_id).is_file()
    done = run_itsm("log", ticket_id, "Cleared the jam", cwd=plain_desk)
    assert (done.returncode, done.stderr) == (0, NOT_IN_GIT)
    done = run_itsm("show", ticket_id, "--json", cwd=plain_desk)
    assert (done.returncode, done.stderr) == (0, "")
    assert [e["kind"] for e in json.loads(done.stdout)["timeline"]] == ["created", "note"]
    assert not (plain_desk / ".git").exists()


def test_desk_outside_git_refusal_is_still_one_line(plain_desk: Path, run_itsm: RunItsm) -> None:
    done = run_itsm("new", "Printer jams", "-c", "hardware/jammed", cwd=plain_desk)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "itsm: error: unknown category 'hardware/jammed' "
        "(did you mean hardware/phone, hardware/laptop, hardware/printer?)\n"
    )
    assert not (plain_desk / "tickets" / MONTH).exists()


# -- finding the desk ---------------------------------------------------------------------


def test_desk_option_env_and_discovery(desk: Path, run_itsm: RunItsm, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    refused = run_itsm("list", cwd=elsewhere)
    assert refused.returncode == 2
    assert refused.stderr == ("itsm: error: no desk here (no itsm.yaml or tickets/ in this folder or above) "
                              "(run `itsm init`, or pass --desk PATH or set ITSM_DESK)\n")
    by_option = run_itsm("new", "From the option", "--desk", str(desk), cwd=elsewhere)
    assert by_option.returncode == 0, by_option.stderr
    by_env = run_itsm("new", "From the env", cwd=elsewhere, env={"ITSM_DESK": str(desk)})
    assert by_env.returncode == 0, by_env.stderr
    first, second = by_option.stdout.strip(), by_env.stdout.strip()
    assert ticket_file(desk, first).is_file()
    assert ticket_file(desk, second).is_file()
    assert sorted(p.name for p in elsewhere.iterdir()) == []
    deep = desk / "tickets" / MONTH
    from_subfolder = run_itsm("list", "--sort", "id", "--format", "csv", cwd=deep)
    assert from_subfolder.returncode == 0, from_subfolder.stderr
    assert [line.split(",")[0] for line in from_subfolder.stdout.splitlines()[1:]] == sorted([first, second])
    # --desk wins over $ITSM_DESK.
    other = tmp_path / "other"
    (other / "tickets").mkdir(parents=True)
    done = run_itsm("show", first, "--desk", str(desk), cwd=elsewhere, env={"ITSM_DESK": str(other)})
    assert (done.returncode, done.stderr) == (0, "")
    done = run_itsm("show", first, cwd=elsewhere, env={"ITSM_DESK": str(other)})
    assert done.returncode == 2
    assert done.stderr == f"itsm: error: no record matches '{first}' (`itsm list` shows the tickets)\n"


# -- who acts, what the commits say, and when ---------------------------------------------


def test_actor_decides_the_commit_author(desk: Path, run_itsm: RunItsm, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket_id = new(run_itsm, "Mail slow")  # $ITSM_ACTOR is Alice Moreau
    assert run_itsm("log", ticket_id, "by option", "--actor", "Bob Stone").returncode == 0
    assert run_itsm("log", ticket_id, "by env", env={"ITSM_ACTOR": "Carla Diaz"}).returncode == 0
    assert run_itsm("log", ticket_id, "option wins", "--actor", "Dan Ruiz", env={"ITSM_ACTOR": "Carla Diaz"}).returncode == 0
    monkeypatch.delenv("ITSM_ACTOR")
    assert run_itsm("log", ticket_id, "git's user.name").returncode == 0
    assert git(desk, "log", "-5", "--format=%an|%s").splitlines() == [
        f"Test Runner|{ticket_id} note: git's user.name",
        f"Dan Ruiz|{ticket_id} note: option wins",
        f"Carla Diaz|{ticket_id} note: by env",
        f"Bob Stone|{ticket_id} note: by option",
        f"Alice Moreau|{ticket_id} new: Mail slow",
    ]
    actors = [e["actor"] for e in show_json(run_itsm, ticket_id)["timeline"]]
    assert actors == ["Alice Moreau", "Bob Stone", "Carla Diaz", "Dan Ruiz", "Test Runner"]


def test_every_commit_starts_with_id_and_action_and_is_dated_itsm_now(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Mail slow", "-c", "email/mailbox")
    for args in (("assign", ticket_id, "--owner", "Bob Stone"),
                 ("categorise", ticket_id, "--impact", "high"),
                 ("log", ticket_id, "Looked at the queue", "--kind", "chat", "--actor", "Bob Stone")):
        done = run_itsm(*args)
        assert done.returncode == 0, done.stderr
    subjects = git(desk, "log", "--format=%s").splitlines()
    assert subjects == [
        f"{ticket_id} chat: Looked at the queue",
        f"{ticket_id} categorise: priority P3 -> P2; impact medium -> high",
        f"{ticket_id} assign: owner (none) -> Bob Stone",
        f"{ticket_id} new: Mail slow",
        "desk init: itsm.yaml, folders, .gitignore",
    ]
    dates = git(desk, "log", "--format=%aI %cI").splitlines()
    assert dates == ["2026-11-26T09:00:00+00:00 2026-11-26T09:00:00+00:00"] * 5


def test_a_desk_in_a_subfolder_commits_only_its_record(tmp_path: Path, run_itsm: RunItsm) -> None:
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "notes.txt").write_text("work in progress\n")
    git(repo, "add", "notes.txt")
    done = run_itsm("init", "servicedesk", cwd=repo)
    assert (done.returncode, done.stdout, done.stderr) == (0, "made desk servicedesk\ncommitted\n", "")
    ticket_id = new_in(run_itsm, repo / "servicedesk", "Printer jams")
    assert git(repo, "show", "--name-only", "--format=%s", "HEAD").split("\n") == [
        f"{ticket_id} new: Printer jams", "", f"servicedesk/tickets/{MONTH}/{ticket_id}.md", "",
    ]
    # The user's own staged work is neither committed nor unstaged.
    assert git(repo, "status", "--porcelain") == "A  notes.txt\n"
    done = run_itsm("history", ticket_id, cwd=repo / "servicedesk" / "tickets")
    assert done.stdout.endswith(f"Alice Moreau: {ticket_id} new: Printer jams\n    created\n")


def new_in(run_itsm: RunItsm, where: Path, title: str) -> str:
    done = run_itsm("new", title, cwd=where)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout.strip()


def test_itsm_now_with_an_offset_is_stored_in_utc_and_garbage_is_refused(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Offset clock", env={"ITSM_NOW": "2026-12-01T00:30:00+01:00"})
    assert show_json(run_itsm, ticket_id)["created"] == "2026-11-30T23:30:00Z"
    assert ticket_file(desk, ticket_id, "2026-11").is_file()
    before = snapshot(desk)
    done = run_itsm("new", "Broken clock", env={"ITSM_NOW": "next tuesday"})
    assert_refused_unchanged(desk, before, done,
                             "ITSM_NOW='next tuesday' is not a timestamp (use e.g. 2026-11-26T09:00:00Z)")
