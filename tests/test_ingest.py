"""`itsm ingest email` and `itsm ingest alert` through the real `itsm` process, real git and a
fresh `itsm init` desk, with mail made the way mail clients and servers make it (the
standard library's e-mail package, plus hand-written raw messages for what clients do not
produce: encoded newlines in a subject, unknown charsets, nesting bombs) and Alertmanager
payloads in the shape its webhook sends (version 4).
"""

from __future__ import annotations

import hashlib
import json
import mailbox
import re
import subprocess
import sys
import urllib.parse
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml

from itsm.core.model import Ticket
from itsm.records import markdown
from tests.conftest import git, readme_block, run_cli, run_shell, snapshot

DESK_ADDRESS = "servicedesk@example.org"


def itsm(desk: Path, *args: str, data: bytes = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return run_cli(desk, *args, input=data, env=env, text=False)


def ingest_mail(desk: Path, raw: bytes, *args: str, env: dict[str, str] | None = None) -> dict[str, str]:
    done = itsm(desk, "ingest", "email", "-", "--json", *args, data=raw, env=env)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    [taken] = json.loads(done.stdout)
    return dict(taken)


def ingest_alert(desk: Path, payload: Any, fmt: str = "alertmanager", env: dict[str, str] | None = None
                 ) -> list[dict[str, str]]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    done = itsm(desk, "ingest", "alert", "-", "--format", fmt, "--json", data=raw, env=env)
    assert done.returncode == 0, done.stderr.decode()
    return [dict(t) for t in json.loads(done.stdout)]


def ticket(desk: Path, ticket_id: str) -> Ticket:
    [path] = list((desk / "tickets").glob(f"*/{ticket_id}.md"))
    record = markdown.parse(path.read_text(encoding="utf-8"), "ticket", str(path))
    assert isinstance(record, Ticket)
    return record


def tickets(desk: Path) -> list[Path]:
    return sorted((desk / "tickets").glob("*/*.md"))


def commits(desk: Path) -> int:
    return int(git(desk, "rev-list", "--count", "HEAD"))


def check_ok(desk: Path) -> None:
    done = itsm(desk, "check")
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def set_config(desk: Path, text: str) -> None:
    """Replace the sections `text` names in the desk's itsm.yaml, as a person edits it."""
    path = desk / "itsm.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.update(yaml.safe_load(text))
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    git(desk, "commit", "-qam", "config")


def mail(subject: str = "VPN keeps dropping", body: str = "My VPN drops every ten minutes.",
         sender: str = "Dana Whitfield <dana@example.org>", message_id: str | None = "<m1@example.org>",
         **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = DESK_ADDRESS
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    message["Date"] = "Thu, 26 Nov 2026 08:55:00 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


# -- the corpus: one message of each kind a desk receives ---------------------------------------


def raw(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("latin-1")


PLAIN = bytes(mail())

HTML_ONLY = raw("""From: Tom Okafor <tom@example.org>
To: servicedesk@example.org
Subject: Printer on 3rd floor
Message-ID: <html1@example.org>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p {color: red}</style><script>alert('x')</script></head>
<body><p>The printer says <b>PC LOAD LETTER</b> &amp; will not print.</p>
<ul><li>Model: HP 4050</li><li>See <a href="https://wiki.example.org/printers">the wiki</a></li></ul></body></html>
""")

QUOTED_PRINTABLE = raw("""From: =?utf-8?q?Ren=C3=A9e_Dupont?= <renee@example.org>
To: servicedesk@example.org
Subject: =?utf-8?q?Caf=C3=A9_Wi-Fi_est_tomb=C3=A9?=
Message-ID: <qp1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Le Wi-Fi du caf=C3=A9 ne marche plus depuis ce matin, et c'est une tr=C3=A8s longue ligne qui =
continue ici.
""")

BASE64 = raw("""From: kim@example.org
To: servicedesk@example.org
Subject: Outlook crashes
Message-ID: <b64@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

T3V0bG9vayBjcmFzaGVzIHdoZW4gSSBvcGVuIHRoZSBjYWxlbmRhciDigJQgZXZlcnkgdGltZS4K
""")

LATIN1 = raw("""From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <juergen@example.org>
To: servicedesk@example.org
Subject: =?iso-8859-1?q?Drucker_im_B=FCro_defekt?=
Message-ID: <latin1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

Der Drucker im B\xfcro druckt nur noch Streifen. Gr\xfc\xdfe
""")

UNKNOWN_CHARSET = raw("""From: sam@example.org
To: servicedesk@example.org
Subject: =?x-klingon?q?Qapla=FF?=
Message-ID: <klingon@example.org>
Content-Type: text/plain; charset=x-klingon
Content-Transfer-Encoding: 8bit

Screen \xff\xfe flickers.
""")

# A subject whose encoded words carry CR/LF, then text shaped like front-matter and a header:
# it must stay one line of a title, never a key of the record or a header of anything.
INJECTION = raw("""From: mallory@example.org
To: servicedesk@example.org
Subject: =?utf-8?q?VPN_down=0D=0Astatus:_closed=0Aowner:_mallory=0A---=0ABcc:_all@example.org?=
Message-ID: <inject@example.org>
Content-Type: text/plain; charset=utf-8

Body\x1b[31m with an escape sequence\x00 and a NUL.
""")


def with_attachment(name: str = "screenshot.png", data: bytes = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
                    message_id: str = "<att@example.org>") -> bytes:
    message = mail(subject="Error on login", body="See the screenshot attached.", message_id=message_id)
    message.add_attachment(data, maintype="image", subtype="png", filename="PLACEHOLDER")
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="log.pdf")
    # The name as RFC 2231 writes it, so it may carry what a mail client would never send.
    encoded = urllib.parse.quote(name, safe="")
    return bytes(message).replace(b'filename="PLACEHOLDER"', f"filename*=utf-8''{encoded}".encode())


def nested(depth: int, message_id: str = "<deep@example.org>") -> bytes:
    lines = ["From: eve@example.org", "To: servicedesk@example.org", "Subject: Nested", f"Message-ID: {message_id}",
             "MIME-Version: 1.0"]
    for level in range(depth):
        lines += [f'Content-Type: multipart/mixed; boundary="b{level}"', "", f"--b{level}"]
    lines += ["Content-Type: text/plain", "", "deep text"]
    for level in reversed(range(depth)):
        lines += [f"--b{level}--"]
    return "\r\n".join(lines).encode()


# -- a new message becomes a ticket -------------------------------------------------------------


@pytest.mark.parametrize(("raw_mail", "title", "reporter", "in_description", "not_in_description"), [
    (PLAIN, "VPN keeps dropping", "dana@example.org", "My VPN drops every ten minutes.", ""),
    (HTML_ONLY, "Printer on 3rd floor", "tom@example.org",
     "The printer says PC LOAD LETTER & will not print.\n\n- Model: HP 4050\n- See the wiki (https://wiki.example.org/printers)",
     "alert("),
    (QUOTED_PRINTABLE, "Café Wi-Fi est tombé", "renee@example.org",
     "Le Wi-Fi du café ne marche plus depuis ce matin, et c'est une très longue ligne qui continue ici.", "="),
    (BASE64, "Outlook crashes", "kim@example.org", "Outlook crashes when I open the calendar — every time.", ""),
    (LATIN1, "Drucker im Büro defekt", "juergen@example.org", "Der Drucker im Büro druckt nur noch Streifen. Grüße",
     ""),
    (UNKNOWN_CHARSET, "Qapla", "sam@example.org", "Screen", "\x00"),
], ids=["plain", "html-only", "quoted-printable", "base64", "iso-8859-1", "unknown-charset"])
def test_a_new_message_becomes_a_ticket(desk: Path, raw_mail: bytes, title: str, reporter: str,
                                        in_description: str, not_in_description: str) -> None:
    before = commits(desk)
    taken = ingest_mail(desk, raw_mail)
    assert taken["action"] == "new"
    record = ticket(desk, taken["ticket"])
    assert record.title.startswith(title)
    assert record.reporter == reporter
    assert record.channel == "email"
    assert record.status == "new"
    assert in_description in record.description
    if not_in_description:
        assert not_in_description not in record.description
    assert len(record.message_ids) == 1 and record.message_ids[0].startswith("<")
    assert commits(desk) == before + 1
    assert git(desk, "log", "-1", "--format=%an|%s").strip() == f"{reporter}|{record.id} new: {record.title}"
    check_ok(desk)


def test_an_unknown_charset_is_read_with_replacement(desk: Path) -> None:
    record = ticket(desk, ingest_mail(desk, UNKNOWN_CHARSET)["ticket"])
    assert "\ufffd" in record.description  # the undecodable bytes, replaced, not a refusal
    assert "flickers." in record.description


def test_the_same_message_twice_changes_nothing(desk: Path) -> None:
    first = ingest_mail(desk, PLAIN)
    before = snapshot(desk, caches=False)
    again = ingest_mail(desk, PLAIN)
    assert again == {"ticket": first["ticket"], "action": "unchanged",
                     "text": f"<m1@example.org> was taken in already, on {first['ticket']}"}
    assert snapshot(desk, caches=False) == before
    assert len(tickets(desk)) == 1


def test_a_message_without_message_id_is_known_by_its_bytes(desk: Path) -> None:
    raw_mail = bytes(mail(message_id=None))
    first = ingest_mail(desk, raw_mail)
    assert ingest_mail(desk, raw_mail)["action"] == "unchanged"
    assert ticket(desk, first["ticket"]).message_ids[0].endswith("@itsm.invalid>")
    assert len(tickets(desk)) == 1


def test_an_encoded_newline_never_reaches_a_one_line_field(desk: Path) -> None:
    record_id = ingest_mail(desk, INJECTION)["ticket"]
    [path] = list((desk / "tickets").glob(f"*/{record_id}.md"))
    text = path.read_text(encoding="utf-8")
    record = ticket(desk, record_id)
    assert record.title == "VPN down status: closed owner: mallory --- Bcc: all@example.org"
    assert record.status == "new" and record.owner is None
    front = text.split("\n---\n", 1)[0]
    assert re.search(r"^status: new$", front, re.MULTILINE) and re.search(r"^owner:$", front, re.MULTILINE)
    assert not re.search(r"^(owner: mallory|Bcc)", front, re.MULTILINE)
    assert "\x1b" not in text and "\x00" not in text
    check_ok(desk)
    shown = itsm(desk, "show", record_id)
    assert b"\x1b" not in shown.stdout


# -- replies ------------------------------------------------------------------------------------


def test_a_reply_chain_threads_by_tag_and_by_references(desk: Path) -> None:
    first = ingest_mail(desk, PLAIN)["ticket"]
    # A reply by In-Reply-To only (the user's client dropped the tag from the subject).
    reply = mail(subject="Re: VPN keeps dropping", body="It happened again at 10:00.\n\nOn Thu, Desk wrote:\n> quoted",
                 message_id="<m2@example.org>", In_Reply_To="<m1@example.org>", References="<m1@example.org>")
    assert ingest_mail(desk, bytes(reply), env={"ITSM_NOW": "2026-11-26T10:00:00Z"}) == {
        "ticket": first, "action": "reply", "text": f"{first}: e-mail from dana@example.org added to the timeline"}
    # A colleague answers with the tag in the subject and References naming only mail the desk never saw.
    other = mail(subject=f"RE: [{first}] VPN keeps dropping", body="Same for me.", sender="lee@example.org",
                 message_id="<m3@example.org>", References="<unknown@elsewhere>")
    assert ingest_mail(desk, bytes(other), env={"ITSM_NOW": "2026-11-26T10:05:00Z"})["ticket"] == first
    # A third, answering the colleague's: found through References to a Message-ID the desk took in.
    third = mail(subject="Re: whatever", body="Fixed now?", message_id="<m4@example.org>",
                 References="<m1@example.org> <m3@example.org>")
    assert ingest_mail(desk, bytes(third), env={"ITSM_NOW": "2026-11-26T10:10:00Z"})["ticket"] == first
    record = ticket(desk, first)
    assert len(tickets(desk)) == 1
    assert record.message_ids == ("<m1@example.org>", "<m2@example.org>", "<m3@example.org>", "<m4@example.org>")
    replies = [(e.kind, e.actor, e.text) for e in record.timeline if e.kind == "email-in"]
    assert replies == [("email-in", "dana@example.org", "It happened again at 10:00."),
                       ("email-in", "lee@example.org", "Same for me."),
                       ("email-in", "dana@example.org", "Fixed now?")]
    assert record.responded is None  # the user writing in is no response from the desk
    check_ok(desk)


def test_a_tag_naming_no_ticket_starts_a_new_one(desk: Path) -> None:
    taken = ingest_mail(desk, bytes(mail(subject="[INC-ZZZZZZ] from another system")))
    assert taken["action"] == "new"
    assert ticket(desk, taken["ticket"]).title == "from another system"


def test_a_reply_resumes_a_ticket_pending_on_the_user(desk: Path) -> None:
    first = ingest_mail(desk, PLAIN)["ticket"]
    assert itsm(desk, "assign", first, "--owner", "Alice Moreau").returncode == 0
    assert itsm(desk, "pend", first, "--reason", "asked for the VPN client version").returncode == 0
    reply = mail(subject=f"Re: [{first}] VPN", body="Version 5.2.1", message_id="<m2@example.org>")
    ingest_mail(desk, bytes(reply), env={"ITSM_NOW": "2026-11-26T11:00:00Z"})
    record = ticket(desk, first)
    assert record.status == "in_progress" and record.waiting_on is None
    assert [e.kind for e in record.timeline][-2:] == ["email-in", "resume"]
    check_ok(desk)


def _resolved(desk: Path) -> str:
    first = ingest_mail(desk, PLAIN)["ticket"]
    for args in (("categorise", first, "--category", "network/vpn"), ("assign", first, "--owner", "Alice Moreau"),
                 ("resolve", first, "--fix", "reinstalled the VPN client"), ("notify", first)):
        done = itsm(desk, *args)
        assert done.returncode == 0, done.stderr.decode()
    return first


def test_a_reply_to_a_resolved_ticket_reopens_it(desk: Path) -> None:
    first = _resolved(desk)
    before = commits(desk)
    reply = mail(subject=f"Re: [{first}] resolved", body="Still dropping, sorry.", message_id="<m2@example.org>")
    taken = ingest_mail(desk, bytes(reply), env={"ITSM_NOW": "2026-11-26T12:00:00Z"})
    assert taken == {"ticket": first, "action": "reopened",
                     "text": f"{first} reopened: the user replied by e-mail: Still dropping, sorry."}
    record = ticket(desk, first)
    assert record.status == "in_progress" and record.resolution is None and record.reopens == 1
    assert [e.kind for e in record.timeline][-2:] == ["email-in", "reopen"]
    assert commits(desk) == before + 2  # the mail, then the reopen: two changes, two commits
    check_ok(desk)


def test_a_reply_to_a_resolved_ticket_is_only_logged_when_configured(desk: Path) -> None:
    set_config(desk, "\nemail:\n  reply_to_resolved: log\n")
    first = _resolved(desk)
    reply = mail(subject=f"Re: [{first}] resolved", body="Thanks, works!", message_id="<m2@example.org>")
    taken = ingest_mail(desk, bytes(reply), env={"ITSM_NOW": "2026-11-26T12:00:00Z"})
    assert taken["action"] == "reply" and "stays resolved" in taken["text"]
    record = ticket(desk, first)
    assert record.status == "resolved" and record.timeline[-1].kind == "email-in"


def test_a_reply_to_a_closed_ticket_opens_a_linked_follow_up(desk: Path) -> None:
    first = _resolved(desk)
    assert itsm(desk, "confirm", first).returncode == 0
    assert itsm(desk, "close", first).returncode == 0
    reply = mail(subject=f"Re: [{first}] VPN keeps dropping", body="It is back!\n\nOn Thu, Desk wrote:\n> old",
                 message_id="<m2@example.org>")
    taken = ingest_mail(desk, bytes(reply), env={"ITSM_NOW": "2026-11-30T09:00:00Z"})
    assert taken["action"] == "follow-up" and taken["ticket"] != first
    follow = ticket(desk, taken["ticket"])
    assert follow.related == (first,)
    assert follow.title == "VPN keeps dropping" and follow.description == "It is back!"
    assert ticket(desk, first).status == "closed"
    check_ok(desk)


# -- attachments ------------------------------------------------------------------------------


def stored(desk: Path, ticket_id: str) -> dict[str, bytes]:
    """The files under attachments/<ID>/, by their path below it."""
    folder = desk / "attachments" / ticket_id
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def folder_of(message_id: str) -> str:
    """Each message's attachments have a folder named by its Message-ID (docs/channels.md)."""
    return hashlib.sha256(message_id.encode()).hexdigest()[:12]


def test_attachments_are_stored_beside_the_ticket_and_committed(desk: Path) -> None:
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    record_id = ingest_mail(desk, with_attachment(data=picture))["ticket"]
    where = folder_of("<att@example.org>")
    assert stored(desk, record_id) == {f"{where}/log.pdf": b"%PDF-1.4 fake", f"{where}/screenshot.png": picture}
    assert git(desk, "status", "--porcelain") == ""
    assert f"attachments/{record_id}/{where}/screenshot.png (1 KB)" in ticket(desk, record_id).description
    listed = git(desk, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(listed) == sorted([f"attachments/{record_id}/{where}/log.pdf",
                                     f"attachments/{record_id}/{where}/screenshot.png",
                                     *[str(p.relative_to(desk)) for p in tickets(desk)]])


@pytest.mark.parametrize(("given", "name"), [
    ("../../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system.ini", "system.ini"),
    (".bashrc", "bashrc"),
    ("CON.txt", "_CON.txt"),
    ("inv\x00oice\n.pdf", "inv oice.pdf"),
    ("résumé.pdf", "résumé.pdf"),
    ("a" * 300 + ".png", "a" * 116 + ".png"),
    ("", "attachment.png"),
], ids=["parent-dirs", "backslashes", "dotfile", "device-name", "control-chars", "unicode", "too-long", "empty"])
def test_attachment_names_are_sanitised(desk: Path, given: str, name: str) -> None:
    record_id = ingest_mail(desk, with_attachment(name=given))["ticket"]
    files = stored(desk, record_id)
    assert f"{folder_of('<att@example.org>')}/{name}" in files
    assert all(".." not in path and path.count("/") == 1 for path in files)


def test_a_large_attachment_is_listed_not_stored(desk: Path) -> None:
    set_config(desk, "\nemail:\n  max_attachment: 1KB\n")
    record_id = ingest_mail(desk, with_attachment(data=b"x" * 5000))["ticket"]
    assert list(stored(desk, record_id)) == [f"{folder_of('<att@example.org>')}/log.pdf"]
    assert "- screenshot.png (4.9 KB): not stored, over the 1 KB limit (email.max_attachment)" in \
        ticket(desk, record_id).description


def test_two_messages_with_the_same_attachment_name_keep_both(desk: Path) -> None:
    first = ingest_mail(desk, with_attachment())["ticket"]
    again = mail(subject=f"Re: [{first}] Error", body="Another one.", message_id="<m9@example.org>")
    again.add_attachment(b"second", maintype="image", subtype="png", filename="screenshot.png")
    ingest_mail(desk, bytes(again))
    files = stored(desk, first)
    assert files[f"{folder_of('<m9@example.org>')}/screenshot.png"] == b"second"
    assert files[f"{folder_of('<att@example.org>')}/screenshot.png"].startswith(b"\x89PNG")
    assert len(files) == 3


def test_attachments_of_two_clones_merge_without_a_conflict(tmp_path: Path) -> None:
    """Two clones each take in a reply with a `screenshot.png` on one ticket: each message's
    files have their own folder, so git adds both and the merge driver joins the ticket."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    a, b = tmp_path / "a", tmp_path / "b"
    assert itsm(tmp_path, "init", str(a)).returncode == 0
    git(a, "remote", "add", "origin", str(remote))
    first = ingest_mail(a, with_attachment())["ticket"]
    git(a, "push", "-q", "-u", "origin", "main")
    git(tmp_path, "clone", "-q", str(remote), str(b))
    assert itsm(b, "setup").returncode == 0
    for clone, mid, data in ((a, "<ra@example.org>", b"from a"), (b, "<rb@example.org>", b"from b")):
        reply = mail(subject=f"Re: [{first}] Error", body="Here is mine.", message_id=mid)
        reply.add_attachment(data, maintype="image", subtype="png", filename="screenshot.png")
        ingest_mail(clone, bytes(reply))
    assert itsm(a, "sync").returncode == 0
    synced = itsm(b, "sync")
    assert synced.returncode == 0, synced.stderr.decode()
    assert itsm(a, "sync").returncode == 0
    for clone in (a, b):
        files = stored(clone, first)
        assert files[f"{folder_of('<ra@example.org>')}/screenshot.png"] == b"from a"
        assert files[f"{folder_of('<rb@example.org>')}/screenshot.png"] == b"from b"
        assert len([e for e in ticket(clone, first).timeline if e.kind == "email-in"]) == 2
        check_ok(clone)


# -- hostile input -----------------------------------------------------------------------------


def test_an_oversize_message_is_refused_before_parsing(desk: Path) -> None:
    huge = bytes(mail(body="x" * 100)) + b"y" * (10 * 1024 * 1024)
    before = snapshot(desk)
    done = itsm(desk, "ingest", "email", "-", data=huge)
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "over the 10 MB limit" in lines[0]
    assert snapshot(desk) == before  # no file, no commit, no cache
    path = desk.parent / "huge.eml"
    path.write_bytes(huge)
    assert itsm(desk, "ingest", "email", str(path)).returncode == 2
    assert snapshot(desk) == before


@pytest.mark.parametrize(("raw_mail", "message"), [
    (b"", "the message is empty"),
    (b"just some text without any header\r\n", "the message has no headers"),
    (raw("To: servicedesk@example.org\nSubject: who?\n\nno sender\n"), "no usable sender address"),
    (raw("From: not an address\nSubject: x\n\nbody\n"), "no usable sender address"),
    (raw(f"From: {'a' * 64}@{'b' * 150}.org\nSubject: x\n\nbody\n"), "no usable sender address"),
], ids=["empty", "not-mail", "no-from", "bad-from", "from-too-long"])
def test_mail_that_cannot_be_answered_is_refused(desk: Path, raw_mail: bytes, message: str) -> None:
    before = snapshot(desk)
    done = itsm(desk, "ingest", "email", "-", data=raw_mail)
    assert done.returncode == 2
    assert message in done.stderr.decode() and b"Traceback" not in done.stderr
    assert len(done.stderr.decode().strip().splitlines()) == 1
    assert snapshot(desk) == before


def test_deep_nesting_and_many_parts_are_bounded(desk: Path) -> None:
    record = ticket(desk, ingest_mail(desk, nested(200))["ticket"])
    assert "not read: parts nested deeper than 8 levels" in record.description
    many = mail(message_id="<many@example.org>")
    for n in range(300):
        many.add_attachment(f"part {n}".encode(), maintype="text", subtype="plain", filename=f"p{n}.txt")
    record = ticket(desk, ingest_mail(desk, bytes(many))["ticket"])
    assert "not read: parts after the first 100 (email.max_parts)" in record.description
    assert len(stored(desk, record.id)) < 100
    check_ok(desk)


def test_mail_from_the_desk_itself_is_not_taken_in(desk: Path) -> None:
    set_config(desk, f"\nemail:\n  address: {DESK_ADDRESS}\n")
    before = commits(desk)
    taken = ingest_mail(desk, bytes(mail(sender=f"IT Service Desk <{DESK_ADDRESS.upper()}>")))
    assert taken["action"] == "ignored" and "mail loop" in taken["text"]
    assert commits(desk) == before and tickets(desk) == []


def test_a_long_body_is_cut_and_kept_whole_as_an_attachment(desk: Path) -> None:
    body = "\n".join(f"line {n}: " + "log output " * 20 for n in range(3000))  # about 700 KB
    record = ticket(desk, ingest_mail(desk, bytes(mail(body=body)))["ticket"])
    assert "[... cut: the whole text is attached]" in record.description
    whole = stored(desk, record.id)[f"{folder_of('<m1@example.org>')}/message.txt"].decode("utf-8")
    assert whole.strip() == body.strip()
    check_ok(desk)


@pytest.mark.process
def test_the_same_message_at_once_from_many_processes_makes_one_ticket(desk: Path) -> None:
    processes = [subprocess.Popen([sys.executable, "-m", "itsm", "ingest", "email", "-"], cwd=desk,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(8)]
    outputs = [p.communicate(PLAIN, timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * 8, [e.decode() for _, e in outputs]
    actions = sorted(out.decode().split(":")[1].strip() for out, _ in outputs)
    assert actions == ["new"] + ["unchanged"] * 7
    assert len(tickets(desk)) == 1
    check_ok(desk)


# -- batches -----------------------------------------------------------------------------------


def test_an_mbox_is_taken_in_and_a_bad_message_does_not_stop_the_rest(desk: Path, tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(path)
    box.add(PLAIN)
    box.add(raw("Subject: no sender\n\nbody\n"))
    box.add(HTML_ONLY)
    box.add(PLAIN)  # a duplicate
    box.flush()
    box.close()
    done = itsm(desk, "ingest", "email", "--mbox", str(path), "--json")
    assert done.returncode == 1
    assert [t["action"] for t in json.loads(done.stdout)] == ["new", "new", "unchanged"]
    errors = done.stderr.decode().strip().splitlines()
    assert errors[0].startswith(f"itsm: {path} message 2: refused: ") and "sender" in errors[0]
    assert errors[-1] == "itsm ingest: 1 message refused, 3 taken in"
    assert len(tickets(desk)) == 2


def test_a_maildir_is_taken_in(desk: Path, tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir")
    for message in (PLAIN, BASE64, LATIN1):
        box.add(message)
    done = itsm(desk, "ingest", "email", "--maildir", str(tmp_path / "Maildir"))
    assert done.returncode == 0, done.stderr.decode()
    assert len(tickets(desk)) == 3
    again = itsm(desk, "ingest", "email", "--maildir", str(tmp_path / "Maildir"))
    assert again.stdout.decode().count("unchanged") == 3


# -- monitoring alerts ------------------------------------------------------------------------


def am_alert(status: str = "firing", starts: str = "2026-11-26T08:50:00.123Z", ends: str | None = None,
             fingerprint: str = "a1b2c3d4e5f60718", **labels: str) -> dict[str, Any]:
    labels = {"alertname": "VPNDown", "severity": "critical", "instance": "vpn-gw-1", **labels}
    return {"status": status, "labels": labels,
            "annotations": {"summary": f"VPN gateway {labels['instance']} is down",
                            "description": "No IKE handshake for 5 minutes."},
            "startsAt": starts, "endsAt": ends or "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up", "fingerprint": fingerprint}


def am_payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {"version": "4", "groupKey": '{}:{alertname="VPNDown"}', "truncatedAlerts": 0, "status": status,
            "receiver": "itsm", "groupLabels": {"alertname": "VPNDown"}, "commonLabels": {},
            "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "alerts": list(alerts)}


RULES = """
alerts:
  rules:
    - match: {service: vpn}
      category: network/vpn
    - match: {team: storage, severity: critical}
      category: infra/storage
      impact: low
    - match: {service: vpn}
      category: other
      group: suppliers
"""


def test_a_firing_alert_opens_an_incident_mapped_by_its_labels(desk: Path) -> None:
    set_config(desk, RULES)
    [taken] = ingest_alert(desk, am_payload(am_alert(service="vpn")))
    record = ticket(desk, taken["ticket"])
    assert taken["action"] == "new"
    assert (record.title, record.channel, record.reporter) == ("VPN gateway vpn-gw-1 is down", "monitoring",
                                                               "alertmanager")
    # severity critical -> high x high; the first rule naming category wins; group from the later rule.
    assert (record.impact, record.urgency, record.priority) == ("high", "high", "P1")
    assert (record.category, record.group) == ("network/vpn", "suppliers")
    assert record.fingerprint == "alertmanager:a1b2c3d4e5f60718" and record.occurrences == 1
    assert record.timeline[-1].kind == "alert"
    assert record.timeline[-1].text.startswith("firing since 2026-11-26T08:50:00Z: VPN gateway vpn-gw-1 is down")
    assert "severity=critical" in record.timeline[-1].text
    check_ok(desk)


@pytest.mark.parametrize(("labels", "expected"), [
    ({"severity": "warning"}, ("medium", "medium", None)),
    ({"severity": "info"}, ("low", "low", None)),
    ({"severity": "page-me"}, ("medium", "medium", None)),
    ({"severity": "critical", "team": "storage"}, ("low", "high", "infra/storage")),
], ids=["warning", "info", "unknown-severity", "rule-overrides-severity"])
def test_severity_and_rules_set_impact_urgency_category(desk: Path, labels: dict[str, str],
                                                        expected: tuple[str, str, str | None]) -> None:
    set_config(desk, RULES)
    [taken] = ingest_alert(desk, am_payload(am_alert(**labels)))
    record = ticket(desk, taken["ticket"])
    assert (record.impact, record.urgency, record.category) == expected


def test_repeats_change_nothing_and_a_new_firing_counts_an_occurrence(desk: Path) -> None:
    [first] = ingest_alert(desk, am_payload(am_alert()))
    before = snapshot(desk, caches=False)
    assert ingest_alert(desk, am_payload(am_alert()))[0]["action"] == "unchanged"  # Alertmanager's repeat_interval
    assert snapshot(desk, caches=False) == before
    [again] = ingest_alert(desk, am_payload(am_alert(starts="2026-11-26T09:30:00Z")))
    assert again == {"ticket": first["ticket"], "action": "occurrence",
                     "text": f"{first['ticket']}: fired again (2 times in all)"}
    assert ticket(desk, first["ticket"]).occurrences == 2
    assert len(tickets(desk)) == 1


def test_a_resolved_alert_logs_the_recovery_once(desk: Path) -> None:
    [first] = ingest_alert(desk, am_payload(am_alert()))
    recovered = am_payload(am_alert("resolved", ends="2026-11-26T09:05:00Z"))
    [taken] = ingest_alert(desk, recovered)
    assert taken["action"] == "recovered"
    assert ingest_alert(desk, recovered)[0]["action"] == "unchanged"
    record = ticket(desk, first["ticket"])
    assert record.status == "new"
    assert [e.text for e in record.timeline if e.kind == "recovered"] == [
        "recovered at 2026-11-26T09:05:00Z: VPN gateway vpn-gw-1 is down"]
    # A recovery of an alert no ticket has: nothing to do, nothing written.
    [other] = ingest_alert(desk, am_payload(am_alert("resolved", fingerprint="ffff", ends="2026-11-26T09:05:00Z")))
    assert other["action"] == "ignored" and len(tickets(desk)) == 1


def test_grouped_alerts_each_get_their_own_incident(desk: Path) -> None:
    before = commits(desk)
    taken = ingest_alert(desk, am_payload(*(am_alert(fingerprint=f"fp{n}", instance=f"vpn-gw-{n}") for n in range(3))))
    assert [t["action"] for t in taken] == ["new"] * 3
    assert len({t["ticket"] for t in taken}) == 3
    assert commits(desk) == before + 3
    check_ok(desk)


@pytest.mark.parametrize("resolve_on_recovery", [False, True])
def test_a_flapping_alert_stays_on_one_ticket(desk: Path, resolve_on_recovery: bool) -> None:
    if resolve_on_recovery:
        set_config(desk, "\nalerts:\n  resolve_on_recovery: true\n")
    ids = set()
    for n in range(3):
        starts, ends = f"2026-11-26T1{n}:00:00Z", f"2026-11-26T1{n}:10:00Z"
        env = {"ITSM_NOW": f"2026-11-26T1{n}:01:00Z"}
        ids |= {t["ticket"] for t in ingest_alert(desk, am_payload(am_alert(starts=starts)), env=env)}
        env = {"ITSM_NOW": f"2026-11-26T1{n}:11:00Z"}
        ids |= {t["ticket"] for t in ingest_alert(desk, am_payload(am_alert("resolved", starts=starts, ends=ends)),
                                                  env=env)}
    assert len(ids) == 1 and len(tickets(desk)) == 1
    record = ticket(desk, ids.pop())
    assert record.occurrences == 3
    assert len([e for e in record.timeline if e.kind == "recovered"]) == 3
    if resolve_on_recovery:
        assert record.status == "resolved" and record.resolutions == 3 and record.reopens == 2
        assert record.resolution is not None and record.resolution.summary.startswith("recovered by itself")
    else:
        assert record.status == "new" and record.resolutions == 0
    check_ok(desk)


def test_an_alert_firing_after_its_ticket_closed_opens_a_linked_one(desk: Path) -> None:
    [first] = ingest_alert(desk, am_payload(am_alert()))
    ticket_id = first["ticket"]
    for args in (("categorise", ticket_id, "--category", "network/vpn"), ("assign", ticket_id, "--owner", "Alice"),
                 ("resolve", ticket_id, "--fix", "restarted the gateway"), ("confirm", ticket_id),
                 ("close", ticket_id)):
        assert itsm(desk, *args).returncode == 0
    [again] = ingest_alert(desk, am_payload(am_alert(starts="2026-11-27T08:00:00Z")),
                           env={"ITSM_NOW": "2026-11-27T08:01:00Z"})
    assert again["action"] == "new" and again["ticket"] != ticket_id
    assert ticket(desk, again["ticket"]).related == (ticket_id,)


def test_the_generic_shape(desk: Path) -> None:
    alert = {"title": "Disk /var 95% full on web01", "description": "Only 2 GB left.", "severity": "warning",
             "source": "nagios", "dedup_key": "web01-disk-var", "time": "2026-11-26T08:00:00+01:00",
             "labels": {"host": "web01"}, "link": "https://nagios.example.org/web01"}
    [taken] = ingest_alert(desk, alert, fmt="generic")
    record = ticket(desk, taken["ticket"])
    assert (record.title, record.reporter, record.fingerprint) == ("Disk /var 95% full on web01", "nagios",
                                                                   "nagios:web01-disk-var")
    assert (record.impact, record.urgency) == ("medium", "medium")
    assert record.timeline[-1].text.startswith("firing since 2026-11-26T07:00:00Z")
    assert ingest_alert(desk, [alert], fmt="generic")[0]["action"] == "unchanged"
    [done] = ingest_alert(desk, {**alert, "status": "resolved", "time": "2026-11-26T09:00:00Z"}, fmt="generic")
    assert done["action"] == "recovered"


@pytest.mark.parametrize(("payload", "fmt", "message"), [
    (b'{"title": "x"', "generic", "the payload is not JSON: Expecting ',' delimiter (line 1, column 14)"),
    (b"\xff\xfe", "generic", "the payload is not UTF-8 text"),
    (b'{"description": "no title"}', "generic", "the alert needs a 'title'"),
    (b'{"title": "x", "priority": "P1"}', "generic", "the alert: unknown key 'priority'"),
    (b'{"title": "x", "status": "burning"}', "generic", "'status' must be firing or resolved"),
    (b'[1, 2]', "generic", "alert 1 is not a JSON object"),
    (b'{"receiver": "x"}', "alertmanager", "not an Alertmanager webhook payload"),
    (b'{"version": "3", "alerts": []}', "alertmanager", "Alertmanager webhook version '3' is not supported"),
    (b'{"alerts": [{"status": "firing", "labels": {"a": {"b": 1}}}]}', "alertmanager",
     "alerts[0].labels.a must be text"),
    (b"[" * 100000 + b"]" * 100000, "generic", "the payload is not JSON: nested too deeply"),
], ids=["bad-json", "not-utf8", "no-title", "unknown-key", "bad-status", "not-objects", "not-alertmanager",
        "old-version", "nested-label", "deep-json"])
def test_malformed_alerts_are_refused_and_change_nothing(desk: Path, payload: bytes, fmt: str, message: str) -> None:
    before = snapshot(desk)
    done = itsm(desk, "ingest", "alert", "-", "--format", fmt, data=payload)
    assert done.returncode == 2
    stderr = done.stderr.decode()
    assert message in stderr and "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert snapshot(desk) == before


def test_an_oversize_alert_payload_is_refused(desk: Path) -> None:
    set_config(desk, "\nserve:\n  max_body: 1KB\n")
    before = snapshot(desk)
    done = itsm(desk, "ingest", "alert", "-", data=json.dumps(am_payload(*[am_alert()] * 10)).encode())
    assert done.returncode == 2 and "over the 1 KB limit" in done.stderr.decode()
    assert snapshot(desk) == before


@pytest.mark.parametrize(("text", "message"), [
    ("email:\n  reply_to_resolved: ignore\n", "itsm.yaml:2: email.reply_to_resolved: 'ignore' must be one of reopen, log"),
    ("email:\n  max_message: lots\n", "itsm.yaml:2: email.max_message: 'lots' is not a size"),
    ("email:\n  smtp: {host: 'bad host'}\n", "email.smtp.host: 'bad host' must be a host name or address"),
    ("alerts:\n  rules:\n    - match: {service: vpn}\n      category: network/vnp\n",
     "itsm.yaml:4: alerts.rules[0].category: unknown category 'network/vnp'"),
    ("alerts:\n  severity:\n    critical: high\n", "itsm.yaml:3: alerts.severity.critical: must be"),
    ("serve:\n  port: 99999\n", "itsm.yaml:2: serve.port: '99999' must be a port number"),
], ids=["reply-to-resolved", "size", "smtp-host", "rule-category", "severity", "port"])
def test_wrong_channel_config_is_named_with_its_line(desk: Path, text: str, message: str) -> None:
    (desk / "itsm.yaml").write_text(text)
    done = itsm(desk, "check")
    assert done.returncode == 1
    assert message in done.stdout.decode() + done.stderr.decode()
    refused = itsm(desk, "ingest", "email", "-", data=PLAIN)
    assert refused.returncode == 2 and tickets(desk) == []


def test_sysexits_tell_a_mail_server_to_bounce_or_to_retry(desk: Path) -> None:
    """A mail server's pipe bounces mail on 65 (with the reason) and keeps it for a retry on 75."""
    bounced = itsm(desk, "ingest", "email", "-", "--sysexits", data=raw("Subject: no sender\n\nbody\n"))
    assert bounced.returncode == 65 and "no usable sender address" in bounced.stderr.decode()
    head = git(desk, "rev-parse", "HEAD").strip()
    (desk / ".git" / "MERGE_HEAD").write_text(head + "\n")  # someone is in the middle of a merge
    before = snapshot(desk)
    deferred = itsm(desk, "ingest", "email", "-", "--sysexits", data=PLAIN)
    assert deferred.returncode == 75 and "merge is in progress" in deferred.stderr.decode()
    assert snapshot(desk) == before
    assert itsm(desk, "ingest", "email", "-", data=PLAIN).returncode == 2  # without --sysexits: itsm's own code
    (desk / ".git" / "MERGE_HEAD").unlink()
    assert ingest_mail(desk, PLAIN)["action"] == "new"  # the retry lands


@pytest.mark.process
def test_the_readme_block_for_mail_and_monitoring_runs_as_written(tmp_path: Path) -> None:
    done = run_shell(readme_block("Mail and monitoring in"), tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("itsm ingest:")]
    assert len(lines) == 4
    assert lines[0].startswith("itsm ingest: new: INC-") and lines[0].endswith(" new: VPN keeps dropping")
    assert lines[1].startswith("itsm ingest: reply: INC-")
    assert lines[2].startswith("itsm ingest: unchanged: <1@example.org> was taken in already")
    assert lines[3].startswith("itsm ingest: new: INC-") and "Disk /var 95% full on web01" in lines[3]
    listed = done.stdout.split(lines[3], 1)[1]  # `itsm list`
    assert "VPN keeps dropping" in listed and "Disk /var 95% full on web01" in listed
    desk = tmp_path / "desk-mail"
    assert len(list((desk / "tickets").rglob("*.md"))) == 2
    assert itsm(desk, "check").returncode == 0


@pytest.mark.parametrize("header", ["Auto-Submitted: auto-replied", "Precedence: auto_reply", "X-Autoreply: yes"])
def test_an_automatic_reply_never_reopens_resumes_or_opens_a_ticket(desk: Path, header: str) -> None:
    name, value = header.split(": ")
    first = _resolved(desk)
    away = mail(subject=f"Out of office: [{first}] resolved", body="I am away until Monday.",
                message_id="<ooo1@example.org>", **{name.replace("-", "_"): value})
    taken = ingest_mail(desk, bytes(away), env={"ITSM_NOW": "2026-11-26T12:00:00Z"})
    assert taken["action"] == "reply" and "automatic reply" in taken["text"]
    record = ticket(desk, first)
    assert record.status == "resolved" and record.reopens == 0
    assert record.timeline[-1].kind == "note" and record.timeline[-1].text.startswith("Automatic reply from dana@")
    stray = mail(subject="Out of office", body="Away.", message_id="<ooo2@example.org>",
                 **{name.replace("-", "_"): value})
    assert ingest_mail(desk, bytes(stray))["action"] == "ignored"
    assert len(tickets(desk)) == 1
    check_ok(desk)


def test_a_lowercase_tag_and_a_long_references_header_still_thread(desk: Path) -> None:
    first = ingest_mail(desk, PLAIN)["ticket"]
    lower = mail(subject=f"Re: [{first.lower()}] VPN", body="lower case", message_id="<low@example.org>")
    assert ingest_mail(desk, bytes(lower))["ticket"] == first
    # A client that lists the whole thread: 2,000 IDs the desk never saw, the newest its own.
    many = " ".join(f"<old{n}@elsewhere.org>" for n in range(2000)) + " <low@example.org>"
    chained = mail(subject="Re: no tag", body="long chain", message_id="<chain@example.org>", References=many)
    assert ingest_mail(desk, bytes(chained))["ticket"] == first
    assert len(tickets(desk)) == 1
