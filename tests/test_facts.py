"""Facts a report needs, in the record (issue 9, item 11; docs/lifecycle.md, "Facts kept for
reports"): who resolved, every resolution across reopens, reopen and reassignment counts,
resolution codes that fit the ticket, a real contact channel, a confirmation that tells the
user, and `list --format csv` with every column.

Real desks in temporary git repositories, the real `itsm` process, the clock pinned with
$ITSM_NOW at every step; every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import REPO, RunItsm, commit_all, snapshot

DAY = "2026-11-26T"
OLD_TICKET = Path(__file__).parent / "data" / "INC-JK7KZJ-written-before-facts.md"


def at(time: str, actor: str = "Alice Moreau") -> dict[str, str]:
    return {"ITSM_NOW": f"{DAY}{time}:00Z" if len(time) == 5 else time, "ITSM_ACTOR": actor}


def ok(run_itsm: RunItsm, *args: str, when: str = "09:00", actor: str = "Alice Moreau") -> str:
    done = run_itsm(*args, env=at(when, actor))
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def refused(run_itsm: RunItsm, desk: Path, message: str, *args: str, when: str = "09:00") -> None:
    """Exit 2, the one-line message, and not a byte of the desk (git included) changed."""
    before = snapshot(desk)
    done = run_itsm(*args, env=at(when))
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"itsm: error: {message}\n")
    assert snapshot(desk) == before


def new(run_itsm: RunItsm, title: str, *args: str, when: str = "09:00") -> str:
    return ok(run_itsm, "new", title, "-q", *args, when=when).strip()


def show(run_itsm: RunItsm, ticket_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(run_itsm, "show", ticket_id, "--json", when="23:59"))
    return data


def facts(data: dict[str, Any]) -> tuple[Any, ...]:
    return (data["status"], data["resolved_by"], data["resolutions"], data["reopens"], data["reassignments"])


def sets(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The set lines of every entry of this kind, in order."""
    return [e["changes"] for e in data["timeline"] if e["kind"] == kind]


def check_ok(run_itsm: RunItsm) -> None:
    done = run_itsm("check")
    assert done.returncode == 0, done.stdout + done.stderr


# -- 1 and 2: who resolved, every resolution, the counts -------------------------------------------


def test_resolved_by_follows_the_current_resolution_and_every_resolution_stays(desk: Path, run_itsm: RunItsm) -> None:
    ticket = new(run_itsm, "VPN drops every few minutes", "-c", "network/vpn", "--owner", "Carla Diaz")
    ok(run_itsm, "resolve", ticket, "--workaround", "Reconnect with the TCP profile", "--code", "workaround-applied",
       when="10:00", actor="Carla Diaz")
    data = show(run_itsm, ticket)
    assert facts(data) == ("resolved", "Carla Diaz", 1, 0, 0)
    ok(run_itsm, "reopen", ticket, "--reason", "drops again on UDP", when="11:00", actor="Ben Okoro")
    data = show(run_itsm, ticket)
    # Open again: nobody has resolved it; the count keeps the resolution that was undone.
    assert facts(data) == ("in_progress", None, 1, 1, 0)
    assert (data["resolved"], data["resolution"]) == (None, None)
    ok(run_itsm, "resolve", ticket, "--fix", "Router firmware 2.4 installed", "--code", "fixed", when="12:00",
       actor="Ines Example")
    data = show(run_itsm, ticket)
    assert facts(data) == ("resolved", "Ines Example", 2, 1, 0)
    assert data["resolution"] == {"kind": "fix", "summary": "Router firmware 2.4 installed", "code": "fixed"}
    # Each fact is set by the entry that made it true.
    assert sets(data, "resolve") == [
        {"status": "resolved", "resolved": f"{DAY}10:00:00Z",
         "resolution": {"kind": "workaround", "summary": "Reconnect with the TCP profile", "code": "workaround-applied"},
         "resolved_by": "Carla Diaz", "resolutions": 1},
        {"status": "resolved", "resolved": f"{DAY}12:00:00Z",
         "resolution": {"kind": "fix", "summary": "Router firmware 2.4 installed", "code": "fixed"},
         "resolved_by": "Ines Example", "resolutions": 2},
    ]
    assert sets(data, "reopen") == [{"status": "in_progress", "resolved": None, "resolution": None,
                                     "resolved_by": None, "reopens": 1}]
    assert data["resolution_history"] == [
        {"time": f"{DAY}10:00:00Z", "by": "Carla Diaz", "kind": "workaround", "summary": "Reconnect with the TCP profile",
         "code": "workaround-applied", "entry": data["timeline"][2]["id"], "reopened": f"{DAY}11:00:00Z",
         "reopen_reason": "drops again on UDP"},
        {"time": f"{DAY}12:00:00Z", "by": "Ines Example", "kind": "fix", "summary": "Router firmware 2.4 installed",
         "code": "fixed", "entry": data["timeline"][4]["id"], "reopened": None, "reopen_reason": None},
    ]
    text = ok(run_itsm, "show", ticket, when="23:59")
    assert (f"  resolved {DAY}12:00:00Z by Ines Example with a fix: Router firmware 2.4 installed [fixed]\n"
            "  earlier resolutions (1):\n"
            f"    {DAY}10:00:00Z by Carla Diaz, a workaround: Reconnect with the TCP profile [workaround-applied]; "
            f"reopened {DAY}11:00:00Z: drops again on UDP\n"
            "  resolved 2 times, reopened 1 time\n") in text
    check_ok(run_itsm)


def test_a_hand_edit_cannot_change_a_fact(desk: Path, run_itsm: RunItsm) -> None:
    ticket = new(run_itsm, "Printer offline", "-c", "hardware/printer", "--owner", "Bob Stone")
    ok(run_itsm, "resolve", ticket, "--fix", "Spooler restarted", when="10:00", actor="Bob Stone")
    path = next(desk.glob(f"tickets/*/{ticket}.md"))
    script = desk.parent / "editor.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                      "p.write_text(p.read_text().replace('resolutions: 1', 'resolutions: 0'))\n")
    before = path.read_bytes()
    done = run_itsm("edit", ticket, env={**at("11:00"), "EDITOR": f"python3 {script}"})
    assert (done.returncode, done.stderr) == (
        2, "itsm: error: the edit changes 'resolutions', which cannot be edited by hand: counted by `itsm resolve`\n")
    assert path.read_bytes() == before


# -- reassignments ---------------------------------------------------------------------------------


def test_reassignments_count_hand_overs_not_the_first_assignment(desk: Path, run_itsm: RunItsm) -> None:
    """A ticket nobody owns, routed by default to service-desk. Each step, hand-computed:"""
    ticket = new(run_itsm, "Cannot reach the file share")
    steps: list[tuple[tuple[str, ...], int]] = [
        # the first group was set at recording: re-routing it elsewhere is a hand-over
        (("assign", ticket, "--group", "network"), 1),
        # the first owner fills an empty owner: picking it up from network's queue
        (("assign", ticket, "--owner", "Carla Diaz"), 1),
        # Carla -> Bob: a hand-over
        (("assign", ticket, "--owner", "Bob Stone"), 2),
        # to another group (whatever it does with the owner): one entry, one hand-over
        (("escalate", ticket, "--level", "3", "--group", "infrastructure"), 3),
        # neither group nor owner changes
        (("categorise", ticket, "--impact", "high"), 3),
        (("log", ticket, "Share mounted by IP works"), 3),
    ]
    for minute, (args, expected) in enumerate(steps, start=1):
        ok(run_itsm, *args, when=f"09:{minute:02d}")
        assert show(run_itsm, ticket)["reassignments"] == expected, args
    data = show(run_itsm, ticket)
    counted = [e["kind"] for e in data["timeline"] if "reassignments" in e["changes"]]
    assert counted == ["assign", "assign", "escalate"]
    check_ok(run_itsm)


def test_an_owner_given_at_recording_and_a_category_on_an_owned_ticket_are_no_hand_over(
        desk: Path, run_itsm: RunItsm) -> None:
    ticket = new(run_itsm, "Laptop fan loud", "--owner", "Bob Stone")
    ok(run_itsm, "categorise", ticket, "-c", "hardware/laptop", when="09:10")  # owned: keeps its group
    data = show(run_itsm, ticket)
    assert (data["owner"], data["group"], data["reassignments"]) == ("Bob Stone", "service-desk", 0)
    # A ticket nobody owns is re-routed by its category: service-desk -> desktop-support.
    other = new(run_itsm, "Dock flickers", when="09:20")
    ok(run_itsm, "categorise", other, "-c", "hardware/monitor", when="09:30")
    assert (show(run_itsm, other)["group"], show(run_itsm, other)["reassignments"]) == ("desktop-support", 1)


# -- records written before the facts existed ---------------------------------------------------------


def test_a_ticket_written_by_the_old_code_passes_check_and_gets_true_counts(desk: Path, run_itsm: RunItsm) -> None:
    """tests/data/INC-JK7KZJ-written-before-facts.md was written by itsm before this change
    (commit 0ccd592): set lines on every entry, none naming a count, no count keys. Its story:
    Carla (first owner) -> Bob (hand-over 1) -> escalated to infrastructure, owner cleared
    (hand-over 2) -> picked up by Ines (no hand-over); workaround, reopen, fix; not yet told."""
    target = desk / "tickets" / "2026-11" / "INC-JK7KZJ.md"
    target.parent.mkdir(parents=True)
    shutil.copyfile(OLD_TICKET, target)
    commit_all(desk, "a ticket from before")
    assert "resolutions" not in OLD_TICKET.read_text()
    check_ok(run_itsm)
    data = show(run_itsm, "INC-JK7KZJ")
    # Missing keys read as their empty values; the history is in the timeline all the same.
    assert facts(data) == ("resolved", None, 0, 0, 0)
    assert [(r["time"], r["by"], r["kind"], r["code"], r["reopened"]) for r in data["resolution_history"]] == [
        ("2026-11-02T12:00:00Z", "Ines Example", "workaround", "workaround-applied", "2026-11-03T09:00:00Z"),
        ("2026-11-03T12:00:00Z", "Ines Example", "fix", "fixed", None),
    ]
    # Counts are taken from the timeline when they change: 1 reopen before + this one = 2.
    ok(run_itsm, "reopen", "INC-JK7KZJ", "--reason", "drops again after the update", when="2026-11-04T09:00:00Z")
    assert facts(show(run_itsm, "INC-JK7KZJ")) == ("in_progress", None, 0, 2, 0)
    # 2 hand-overs its set lines tell, + Ines -> Zoe = 3.
    ok(run_itsm, "assign", "INC-JK7KZJ", "--owner", "Zoe Adams", when="2026-11-04T09:30:00Z")
    # 2 resolve entries before + this one = 3.
    ok(run_itsm, "resolve", "INC-JK7KZJ", "--fix", "Firmware 2.5", "--code", "fixed", when="2026-11-04T10:00:00Z",
       actor="Zoe Adams")
    assert facts(show(run_itsm, "INC-JK7KZJ")) == ("resolved", "Zoe Adams", 3, 2, 3)
    # Confirmed on the phone before anyone sent a notification: told, and closable.
    ok(run_itsm, "confirm", "INC-JK7KZJ", when="2026-11-04T10:30:00Z")
    ok(run_itsm, "close", "INC-JK7KZJ", when="2026-11-04T10:31:00Z")
    data = show(run_itsm, "INC-JK7KZJ")
    assert (data["status"], data["notified"], data["confirmed"]) == ("closed", "2026-11-04T10:30:00Z", "2026-11-04T10:30:00Z")
    check_ok(run_itsm)


def sample_desk(desk: Path) -> None:
    """The repository's sample desk (written without set lines, before the facts existed)."""
    shutil.copyfile(REPO / "itsm.yaml", desk / "itsm.yaml")
    for folder in ("tickets", "problems", "kb"):
        shutil.rmtree(desk / folder)
        shutil.copytree(REPO / folder, desk / folder)
    commit_all(desk, "the sample desk")


def test_the_sample_desk_passes_check_before_and_after_new_facts_are_recorded(desk: Path, run_itsm: RunItsm) -> None:
    sample_desk(desk)
    check_ok(run_itsm)
    # A record that says it was typed from `cli` stays valid (REQ-728E00).
    assert "\nchannel: cli\n" in next(desk.glob("tickets/*/REQ-728E00.md")).read_text()
    # A sample ticket at work, without set lines: resolved, confirmed without a notify, closed.
    working = sorted(p for p in desk.glob("tickets/*/*.md")
                     if "\nstatus: in_progress\n" in p.read_text() and "\ncategory: \n" not in p.read_text()
                     and "\ncategory:\n" not in p.read_text())
    assert working, "the sample desk has a ticket in progress"
    ticket = working[0].stem
    when = "2026-12-01T09:00:00Z"
    ok(run_itsm, "resolve", ticket, "--fix", "Replaced the part", when=when, actor="Dev Patel")
    ok(run_itsm, "confirm", ticket, when="2026-12-01T09:05:00Z")
    ok(run_itsm, "close", ticket, when="2026-12-01T09:06:00Z")
    data = show(run_itsm, ticket)
    assert (data["status"], data["resolved_by"], data["resolutions"], data["notified"]) == (
        "closed", "Dev Patel", 1, "2026-12-01T09:05:00Z")
    check_ok(run_itsm)


# -- 3: resolution codes fit the ticket ---------------------------------------------------------------


def test_a_code_that_does_not_fit_is_refused_and_changes_nothing(desk: Path, run_itsm: RunItsm) -> None:
    incident = new(run_itsm, "VPN drops", "-c", "network/vpn")
    refused(run_itsm, desk,
            f"{incident}: resolution code 'request-fulfilled' is for requests, not an incident (codes for incidents "
            "resolved with a workaround: workaround-applied, configuration-changed, hardware-replaced, "
            "software-updated, user-guided, no-fault-found, duplicate)",
            "resolve", incident, "--workaround", "Reconnect", "--code", "request-fulfilled")
    refused(run_itsm, desk,
            f"{incident}: resolution code 'workaround-applied' is for a workaround, not a fix (codes for incidents "
            "resolved with a fix: fixed, configuration-changed, hardware-replaced, software-updated, user-guided, "
            "supplier-fixed, no-fault-found, duplicate)",
            "resolve", incident, "--fix", "New router", "--code", "workaround-applied")
    # A laptop request (no approval step on the desk `itsm init` writes) is fulfilled.
    request = new(run_itsm, "Laptop for a new starter", "--type", "request", "-c", "hardware/laptop")
    refused(run_itsm, desk,
            f"{request}: resolution code 'no-fault-found' is for incidents, not a request (codes for requests "
            "resolved as fulfilled: configuration-changed, hardware-replaced, software-updated, user-guided, "
            "request-fulfilled, duplicate)",
            "resolve", request, "--fulfilled", "Nothing wrong", "--code", "no-fault-found")
    refused(run_itsm, desk,
            f"{request}: resolution code 'fixed' is for a fix, not a fulfilled request (codes for requests "
            "resolved as fulfilled: configuration-changed, hardware-replaced, software-updated, user-guided, "
            "request-fulfilled, duplicate)",
            "resolve", request, "--fulfilled", "Laptop handed over", "--code", "fixed")
    ok(run_itsm, "resolve", request, "--fulfilled", "Laptop handed over", "--code", "request-fulfilled", when="10:00")
    ok(run_itsm, "resolve", incident, "--workaround", "Reconnect", "--code", "workaround-applied", when="10:00")
    check_ok(run_itsm)


def test_a_plain_list_of_codes_restricts_none_and_check_names_a_recorded_misfit(desk: Path, run_itsm: RunItsm) -> None:
    config = desk / "itsm.yaml"
    text = config.read_text()
    start = text.index("resolution_codes:\n")
    end = text.index("\n\n", start)
    config.write_text(text[:start] + "resolution_codes:\n- fixed\n- request-fulfilled" + text[end:])
    commit_all(desk, "codes as a plain list")
    incident = new(run_itsm, "VPN drops", "-c", "network/vpn")
    ok(run_itsm, "resolve", incident, "--workaround", "Reconnect", "--code", "request-fulfilled", when="10:00")
    check_ok(run_itsm)
    # The desk now says where its codes fit: the recorded code no longer does.
    config.write_text(text[:start] + "resolution_codes:\n  fixed: {kinds: [fix]}\n  request-fulfilled: {types: [request]}"
                      + text[end:])
    commit_all(desk, "codes with rules")
    done = run_itsm("check")
    path = next(desk.glob(f"tickets/*/{incident}.md")).relative_to(desk)
    line = path_line(desk / path, "resolution:")
    assert (done.returncode, done.stdout) == (
        1, f"{path}:{line}: resolution code 'request-fulfilled' is for requests, not an incident "
           "(resolution_codes of itsm.yaml)\n")


def path_line(path: Path, prefix: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if line.startswith(prefix))


def test_code_rules_in_itsm_yaml_are_checked(desk: Path, run_itsm: RunItsm) -> None:
    config = desk / "itsm.yaml"
    text = config.read_text()
    start = text.index("resolution_codes:\n")
    end = text.index("\n\n", start)
    config.write_text(text[:start] + "resolution_codes:\n  fixed: {kinds: [fixed]}\n  odd: {types: [incident], when: [x]}"
                      + text[end:])
    done = run_itsm("check")
    first = path_line(config, "  fixed:")
    assert done.returncode == 1
    assert f"itsm.yaml:{first}: resolution_codes.fixed.kinds: must be a list of workaround, fix, fulfilled, rejected\n" in done.stdout
    assert f"itsm.yaml:{first + 1}: resolution_codes.odd: unknown key 'when' (known: types, kinds)\n" in done.stdout


def test_itsm_init_writes_the_default_code_rules(desk: Path) -> None:
    text = (desk / "itsm.yaml").read_text()
    assert "  request-fulfilled:\n    types:\n    - request\n" in text
    assert "  workaround-applied:\n    kinds:\n    - workaround\n" in text
    assert "  duplicate: {}\n" in text


# -- 4: a contact channel, not the tool ----------------------------------------------------------------


def test_a_fresh_desk_records_a_phone_call_and_a_desk_may_say_otherwise(desk: Path, run_itsm: RunItsm) -> None:
    ticket = new(run_itsm, "Mail slow")
    data = show(run_itsm, ticket)
    assert data["channel"] == "phone"
    assert data["timeline"][0]["text"].startswith("Recorded from phone for Alice Moreau: ")
    config = desk / "itsm.yaml"
    config.write_text(config.read_text().replace("default_channel: phone", "default_channel: email"))
    commit_all(desk, "an e-mail desk")
    assert show(run_itsm, new(run_itsm, "Mail slower", when="09:10"))["channel"] == "email"
    assert show(run_itsm, new(run_itsm, "Walked in", "--channel", "walk-in", when="09:20"))["channel"] == "walk-in"


def test_cli_is_refused_as_a_channel_but_old_records_keep_it(desk: Path, run_itsm: RunItsm) -> None:
    refused(run_itsm, desk,
            "'cli' is not how a user reaches the desk: it names the tool that typed the ticket "
            "(say how the user got in touch: email, phone, chat, web, walk-in, monitoring)",
            "new", "Typed at the terminal", "--channel", "cli")
    config = desk / "itsm.yaml"
    config.write_text(config.read_text().replace("default_channel: phone", "default_channel: cli"))
    done = run_itsm("check")
    line = path_line(config, "default_channel:")
    assert done.returncode == 1
    assert (f"itsm.yaml:{line}: default_channel: 'cli' must be one of email, phone, chat, web, walk-in, monitoring "
            "('cli' names the tool that typed a ticket, not how the user reached the desk)\n") in done.stdout


# -- 5: a confirmation tells the user ---------------------------------------------------------------


def test_confirm_before_notify_records_that_the_user_was_told(desk: Path, run_itsm: RunItsm) -> None:
    ticket = new(run_itsm, "Printer offline", "-c", "hardware/printer", "-r", "maria@example.org")
    ok(run_itsm, "resolve", ticket, "--fix", "Spooler restarted", when="10:00")
    ok(run_itsm, "confirm", ticket, "--note", "on the phone", when="10:05")
    data = show(run_itsm, ticket)
    assert (data["notified"], data["confirmed"]) == (f"{DAY}10:05:00Z", f"{DAY}10:05:00Z")
    confirm = data["timeline"][-1]
    assert (confirm["kind"], confirm["text"], confirm["changes"]) == (
        "confirm", "maria@example.org agrees it is done, told it is resolved in the same conversation (notified too): "
                   "on the phone",
        {"notified": f"{DAY}10:05:00Z", "confirmed": f"{DAY}10:05:00Z"})
    assert ok(run_itsm, "close", ticket, when="10:06") == f"{ticket} close: closed: the user agreed [closed]\n"
    check_ok(run_itsm)


def test_confirm_after_notify_keeps_the_time_the_user_was_told(desk: Path, run_itsm: RunItsm) -> None:
    ticket = new(run_itsm, "Printer offline", "-c", "hardware/printer", "-r", "maria@example.org")
    ok(run_itsm, "resolve", ticket, "--fix", "Spooler restarted", when="10:00")
    ok(run_itsm, "notify", ticket, when="10:01")
    ok(run_itsm, "confirm", ticket, when="11:00")
    data = show(run_itsm, ticket)
    assert (data["notified"], data["confirmed"]) == (f"{DAY}10:01:00Z", f"{DAY}11:00:00Z")
    assert data["timeline"][-1]["text"] == "maria@example.org agrees it is done"
    assert data["timeline"][-1]["changes"] == {"confirmed": f"{DAY}11:00:00Z"}


# -- 6: list --format csv ------------------------------------------------------------------------------

ALL = ("id,title,type,status,priority,impact,urgency,category,group,level,owner,reporter,channel,major,problem,kb,"
       "related,created,updated,responded,resolved,closed,due_response,due_resolution,resolution_kind,"
       "resolution_summary,resolution_code,notified,confirmed,waiting_on,needed_by,approval,resolved_by,resolutions,"
       "reopens,reassignments,message_ids,fingerprint,occurrences")


def three_tickets(desk: Path, run_itsm: RunItsm) -> tuple[str, str, str]:
    a = new(run_itsm, "=SUM(A1) on the printer display", "-c", "hardware/printer", "--channel", "walk-in",
            "-r", "@maria", "--owner", "Bob Stone")
    ok(run_itsm, "resolve", a, "--fix=-restart the spooler", "--code", "fixed", when="09:30", actor="Carla Diaz")
    b = new(run_itsm, "VPN drops", "-c", "network/vpn", "-r", "maria@example.org", when="09:05")
    c = new(run_itsm, "Both again", "-r", "+49 30 1234", "--related", a, "--related", b, when="09:10")
    path = next(desk.glob(f"tickets/*/{c}.md"))
    path.write_text(path.read_text().replace("\nreassignments: 0\n---\n", "\nreassignments: 0\ncost_centre: CC-12\n---\n"))
    commit_all(desk, "a desk's own key")
    return a, b, c


def test_csv_has_every_column_quoted_and_never_a_formula(desk: Path, run_itsm: RunItsm) -> None:
    a, b, c = three_tickets(desk, run_itsm)
    done = run_itsm("list", "--format", "csv", "--sort", "created", env=at("10:00"))
    assert (done.returncode, done.stderr) == (0, "")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == [*ALL.split(","), "cost_centre", "sla"]
    # P3 around the clock: response 4h, resolution 3 days from creation.
    assert rows[1] == [
        a, "'=SUM(A1) on the printer display", "incident", "resolved", "P3", "medium", "medium", "hardware/printer",
        "desktop-support", "2", "Bob Stone", "'@maria", "walk-in", "false", "", "", "",
        f"{DAY}09:00:00Z", f"{DAY}09:30:00Z", f"{DAY}09:00:00Z", f"{DAY}09:30:00Z", "",
        f"{DAY}13:00:00Z", "2026-11-29T09:00:00Z", "fix", "'-restart the spooler", "fixed", "", "", "", "", "",
        "Carla Diaz", "1", "0", "0", "", "", "0", "", "",
    ]
    # Open, unowned: the response clock is the pressing one, 13:05 - 10:00 = 3h 5m left.
    assert rows[2] == [
        b, "VPN drops", "incident", "new", "P3", "medium", "medium", "network/vpn", "network", "2", "",
        "maria@example.org", "phone", "false", "", "", "", f"{DAY}09:05:00Z", f"{DAY}09:05:00Z", "", "", "",
        f"{DAY}13:05:00Z", "2026-11-29T09:05:00Z", "", "", "", "", "", "", "", "", "", "0", "0", "0", "", "", "0",
        "", "3h 5m left",
    ]
    assert rows[3][:17] == [c, "Both again", "incident", "new", "P3", "medium", "medium", "", "service-desk", "1", "",
                            "'+49 30 1234", "phone", "false", "", "", f"{a}, {b}"]
    assert rows[3][-2:] == ["CC-12", "3h 10m left"]
    # RFC 4180: the list cell holds a comma, so it is quoted.
    assert f',"{a}, {b}",' in done.stdout


def test_csv_columns_are_chosen_in_order_and_an_unknown_one_is_named(desk: Path, run_itsm: RunItsm) -> None:
    a, b, c = three_tickets(desk, run_itsm)
    done = run_itsm("list", "-f", "csv", "--sort", "created", "--columns", "id,reporter,resolved_by,resolutions,cost_centre",
                    env=at("10:00"))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "id,reporter,resolved_by,resolutions,cost_centre\n"
        f"{a},'@maria,Carla Diaz,1,\n"
        f"{b},maria@example.org,,0,\n"
        f"{c},'+49 30 1234,,0,CC-12\n"
    )
    table = run_itsm("list", "--sort", "created", "--columns", "id,reassignments", env=at("10:00"))
    assert table.stdout.split("\n")[0].split() == ["id", "reassignments"]
    valid = ALL.replace(",", ", ") + ", cost_centre, sla"
    refused(run_itsm, desk, f"unknown column 'resolver' (columns: {valid})", "list", "-f", "csv", "--columns", "id,resolver")
    refused(run_itsm, desk, "--columns shapes table, md and csv output (--json gives every key of each ticket)",
            "list", "--json", "--columns", "id")


def test_the_csv_header_lists_every_front_matter_key() -> None:
    """The expected header above is the documented key order, not a copy of the code's list."""
    from itsm.core.model import TICKET_FIELDS

    keys = [key for key, _ in TICKET_FIELDS]
    at_resolution = keys.index("resolution")
    keys[at_resolution:at_resolution + 1] = ["resolution_kind", "resolution_summary", "resolution_code"]
    assert ALL.split(",") == keys
    assert re.search(r"\| `reassignments` \|", (REPO / "docs" / "lifecycle.md").read_text())
