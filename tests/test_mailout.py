"""Mail out: `itsm notify` and `itsm log --kind email` send through a real SMTP server.

The server is aiosmtpd, started by each test on 127.0.0.1 on a free port, in this process;
`itsm` runs as a real process and talks SMTP to it. Nothing is mocked: the STARTTLS test
uses a self-signed certificate made here with the `openssl` command, trusted through
$ITSM_SMTP_CAFILE; the login comes from $ITSM_SMTP_USER / $ITSM_SMTP_PASSWORD and is
checked by aiosmtpd's authenticator.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import RunItsm, commit_all, free_port, git, snapshot

DESK_ADDRESS = "servicedesk@example.org"
MARIA = "maria.lopez@example.org"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    authenticated: bool
    encrypted: bool


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it is given, and refuses the recipients named."""

    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Lines cross SMTP ending in CRLF; the tests compare them as Python text.
        parsed = message_from_bytes(envelope.content.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed,
                                      bool(session.authenticated), _encrypted(server, session)))
        return "250 2.0.0 Ok: queued"


def _encrypted(server: Any, session: Any) -> bool:
    """STARTTLS sets the session's `ssl`; implicit TLS shows on the transport."""
    return session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Inbox, int]]]:
    """Start aiosmtpd servers on 127.0.0.1 (each on a free port); all stopped at the end."""
    running: list[Controller] = []

    def start(inbox: Inbox | None = None, **kwargs: Any) -> tuple[Inbox, int]:
        inbox = inbox or Inbox()
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=20, **kwargs)
        controller.start()
        running.append(controller)
        return inbox, port

    yield start
    for controller in running:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA), made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return cert, key


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def configure(desk: Path, port: int | None, security: str = "none", address: str | None = DESK_ADDRESS,
              timeout: int = 10) -> None:
    """Point the desk's itsm.yaml at the test's server (port None: no server) and commit."""
    path = desk / "itsm.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["email"]["address"] = address
    config["email"]["smtp"] = {"host": "127.0.0.1" if port else None, "port": port or 587,
                               "security": security, "timeout": timeout}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    commit_all(desk, "configure mail out")


def resolved_ticket(run_itsm: RunItsm, reporter: str = MARIA, title: str = "VPN drops every 10 minutes") -> str:
    made = run_itsm("new", title, "--reporter", reporter, "--category", "network/vpn", "--json")
    assert made.returncode == 0, made.stderr
    ticket_id = str(yaml.safe_load(made.stdout)["id"])
    done = run_itsm("resolve", ticket_id, "--fix", "Replaced the router firmware (v2.4)")
    assert done.returncode == 0, done.stderr
    return ticket_id


def front_matter(desk: Path, ticket_id: str) -> dict[str, Any]:
    path = next((desk / "tickets").rglob(f"{ticket_id}.md"))
    text = path.read_text(encoding="utf-8")
    return dict(yaml.load(text.split("---\n", 2)[1], Loader=yaml.BaseLoader))  # as written: strings


def head(desk: Path) -> str:
    return git(desk, "rev-parse", "HEAD").strip()


# -- notify ---------------------------------------------------------------------------------


def test_notify_sends_one_message_with_the_tag_and_records_its_message_id(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    inbox, port = smtp_server()
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm)

    done = run_itsm("notify", ticket_id)

    assert done.returncode == 0, done.stderr
    assert len(inbox.received) == 1
    sent = inbox.received[0]
    message = sent.message
    assert sent.mail_from == DESK_ADDRESS and sent.rcpt_tos == (MARIA,)
    assert message["From"] == DESK_ADDRESS and message["To"] == MARIA
    assert message["Subject"] == f"[{ticket_id}] Resolved: VPN drops every 10 minutes"
    # The desk's clock (ITSM_NOW = 2026-11-26T09:00:00Z), as the timeline has it.
    assert message["Date"] == "Thu, 26 Nov 2026 09:00:00 +0000"
    message_id = message["Message-ID"]
    assert message_id.startswith("<") and message_id.endswith("@example.org>")
    assert message["In-Reply-To"] is None  # the ticket had no mail before this one
    assert message["Auto-Submitted"] == "auto-generated"  # written from a template: no out-of-office replies
    body = message.get_content()
    assert "Replaced the router firmware (v2.4)" in body
    assert f"keep [{ticket_id}] in the subject" in body
    assert "the ticket closes in" in body
    # Recorded: in the front-matter, in the notify entry, in the commit's subject and diff.
    matter = front_matter(desk, ticket_id)
    assert matter["message_ids"] == [message_id]
    assert matter["status"] == "resolved" and matter["notified"] == "2026-11-26T09:00:00Z"
    shown = run_itsm("show", ticket_id).stdout
    assert f"it is resolved by e-mail (Message-ID {message_id})" in shown
    subject = git(desk, "log", "-1", "--format=%s")
    assert subject.startswith(f"{ticket_id} notify: told {MARIA} it is resolved by e-mail (Message-ID {message_id})")
    assert message_id in git(desk, "show", "HEAD")
    assert run_itsm("check").returncode == 0


def test_a_second_message_replies_to_the_first(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    """In-Reply-To and References name the ticket's last recorded Message-ID, so the user's
    mail client threads the desk's messages (and the user's answers) together."""
    inbox, port = smtp_server()
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm)
    assert run_itsm("notify", ticket_id).returncode == 0
    first = inbox.received[0].message["Message-ID"]

    done = run_itsm("log", ticket_id, "Did the firmware update help?\nLine two.", "--kind", "email")

    assert done.returncode == 0, done.stderr
    assert len(inbox.received) == 2
    reply = inbox.received[1].message
    assert reply["Subject"] == f"[{ticket_id}] Re: VPN drops every 10 minutes"
    assert reply["In-Reply-To"] == first and reply["References"] == first
    assert reply.get_content().startswith("Did the firmware update help?\nLine two.\n")
    assert reply["To"] == MARIA
    assert reply["Auto-Submitted"] is None  # a person wrote it: an answer from a responder is fair
    second = reply["Message-ID"]
    assert second != first
    assert front_matter(desk, ticket_id)["message_ids"] == [first, second]
    assert f"(e-mailed to {MARIA}, Message-ID {second})" in run_itsm("show", ticket_id).stdout
    assert git(desk, "log", "-1", "--format=%s").startswith(f"{ticket_id} email: Did the firmware update help?")
    assert run_itsm("check").returncode == 0


def test_no_send_records_only(desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    inbox, port = smtp_server()
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm)
    assert run_itsm("notify", ticket_id, "--no-send", "--note", "told Maria on the phone").returncode == 0
    assert run_itsm("log", ticket_id, "Sent from my own mailbox", "--kind", "email", "--no-send").returncode == 0
    assert inbox.received == []
    matter = front_matter(desk, ticket_id)
    assert "message_ids" not in matter and matter["notified"] == "2026-11-26T09:00:00Z"


def test_no_send_is_refused_where_nothing_would_be_sent(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = resolved_ticket(run_itsm)
    before = snapshot(desk)
    for args in (("--kind", "call"), ("--kind", "email", "--from-user")):
        done = run_itsm("log", ticket_id, "hello", *args, "--no-send")
        assert done.returncode == 2 and "--no-send is for an e-mail the desk writes" in done.stderr
    assert snapshot(desk) == before


def test_without_a_server_nothing_is_sent_and_notify_records_as_before(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    inbox, _port = smtp_server()  # running, but not configured: nothing may reach it
    configure(desk, None)
    ticket_id = resolved_ticket(run_itsm)
    done = run_itsm("notify", ticket_id, "--note", "mailed Maria")
    assert done.returncode == 0 and done.stderr == ""
    assert run_itsm("log", ticket_id, "Any news?", "--kind", "email").returncode == 0
    assert inbox.received == []
    assert "message_ids" not in front_matter(desk, ticket_id)
    assert git(desk, "log", "-2", "--format=%s").splitlines() == [
        f"{ticket_id} email: Any news?",
        f"{ticket_id} notify: told {MARIA} it is resolved: mailed Maria",
    ]


def test_a_reporter_that_is_no_address_is_recorded_with_a_warning(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    """The user was told some other way (or must be): the desk records it and says plainly
    that nothing went out, and how to fix the reporter."""
    inbox, port = smtp_server()
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm, reporter="Maria Lopez")
    done = run_itsm("notify", ticket_id)
    assert done.returncode == 0
    assert "nothing was e-mailed" in done.stderr and "is not an e-mail address" in done.stderr
    assert f"itsm edit {ticket_id}" in done.stderr
    assert inbox.received == []
    assert "(nothing e-mailed: the reporter is not an e-mail address)" in run_itsm("show", ticket_id).stdout


def test_a_server_without_the_desk_address_is_refused(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    inbox, port = smtp_server()
    configure(desk, port, address=None)
    ticket_id = resolved_ticket(run_itsm)
    before = snapshot(desk)
    done = run_itsm("notify", ticket_id)
    assert done.returncode == 2
    assert done.stderr.strip() == ("itsm: error: email.smtp is configured but email.address is not: the desk has no "
                                   "From address (set email.address in itsm.yaml, or pass --no-send to record only)")
    assert inbox.received == [] and snapshot(desk) == before


# -- the server's security and login ----------------------------------------------------


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"desk-bot"
          and auth_data.password == b"s3cret pass")
    return AuthResult(success=ok, handled=False)


def test_starttls_with_a_private_ca_and_a_login_from_the_environment(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]],
        certificate: tuple[Path, Path]) -> None:
    inbox, port = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                              authenticator=authenticator, auth_required=True)
    configure(desk, port, security="starttls")
    ticket_id = resolved_ticket(run_itsm)
    env = {"ITSM_SMTP_CAFILE": str(certificate[0]), "ITSM_SMTP_USER": "desk-bot", "ITSM_SMTP_PASSWORD": "s3cret pass"}

    done = run_itsm("notify", ticket_id, env=env)

    assert done.returncode == 0, done.stderr
    assert len(inbox.received) == 1
    assert inbox.received[0].encrypted and inbox.received[0].authenticated
    # Never a password in itsm.yaml or the record: it was only in the environment.
    assert "s3cret" not in git(desk, "log", "-p", "--all")


def test_a_wrong_password_is_refused_and_nothing_is_written(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]],
        certificate: tuple[Path, Path]) -> None:
    inbox, port = smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                              authenticator=authenticator, auth_required=True)
    configure(desk, port, security="starttls")
    ticket_id = resolved_ticket(run_itsm)
    before = snapshot(desk)
    env = {"ITSM_SMTP_CAFILE": str(certificate[0]), "ITSM_SMTP_USER": "desk-bot", "ITSM_SMTP_PASSWORD": "wrong"}
    done = run_itsm("notify", ticket_id, env=env)
    assert done.returncode == 2
    assert done.stderr.startswith(f"itsm: error: the SMTP server 127.0.0.1:{port} refused the login: 535")
    assert "check $ITSM_SMTP_USER and $ITSM_SMTP_PASSWORD" in done.stderr
    assert inbox.received == [] and snapshot(desk) == before


def test_an_untrusted_certificate_is_refused(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]],
        certificate: tuple[Path, Path]) -> None:
    """Without $ITSM_SMTP_CAFILE the self-signed certificate is not trusted: no mail, no
    record, one line naming the fix."""
    inbox, port = smtp_server(tls_context=server_tls(certificate), require_starttls=True)
    configure(desk, port, security="starttls")
    ticket_id = resolved_ticket(run_itsm)
    before = snapshot(desk)
    done = run_itsm("notify", ticket_id)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert f"the SMTP server 127.0.0.1:{port}'s certificate is not trusted" in done.stderr
    assert "$ITSM_SMTP_CAFILE" in done.stderr
    assert inbox.received == [] and snapshot(desk) == before


def test_implicit_tls(desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]],
                      certificate: tuple[Path, Path]) -> None:
    inbox, port = smtp_server(ssl_context=server_tls(certificate))
    configure(desk, port, security="ssl")
    ticket_id = resolved_ticket(run_itsm)
    done = run_itsm("notify", ticket_id, env={"ITSM_SMTP_CAFILE": str(certificate[0])})
    assert done.returncode == 0, done.stderr
    assert len(inbox.received) == 1 and inbox.received[0].encrypted


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # wanted here
def test_starttls_is_never_given_up_for_plain_text(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    """A server that does not offer STARTTLS gets nothing (a password would cross in the
    clear): exit 2, nothing written, nothing sent."""
    inbox, port = smtp_server(authenticator=authenticator, auth_require_tls=False)
    configure(desk, port, security="starttls")
    ticket_id = resolved_ticket(run_itsm)
    before = snapshot(desk)
    done = run_itsm("notify", ticket_id, env={"ITSM_SMTP_USER": "desk-bot", "ITSM_SMTP_PASSWORD": "s3cret pass"})
    assert done.returncode == 2
    assert done.stderr == (f"itsm: error: the SMTP server 127.0.0.1:{port} does not offer STARTTLS; nothing was sent "
                           "(ask for a server that does, or use security: ssl (its port is usually 465))\n")
    assert inbox.received == [] and snapshot(desk) == before


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # wanted here
def test_a_login_over_plain_text_only_to_this_machine(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    """security: none with a login is a local relay on a loopback address; aiosmtpd takes
    AUTH without TLS only when told to (auth_require_tls=False)."""
    inbox, port = smtp_server(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    configure(desk, port, security="none")
    ticket_id = resolved_ticket(run_itsm)
    done = run_itsm("notify", ticket_id, env={"ITSM_SMTP_USER": "desk-bot", "ITSM_SMTP_PASSWORD": "s3cret pass"})
    assert done.returncode == 0, done.stderr
    assert len(inbox.received) == 1 and inbox.received[0].authenticated and not inbox.received[0].encrypted


def test_a_login_over_plain_text_to_another_host_is_refused(desk: Path, run_itsm: RunItsm) -> None:
    path = desk / "itsm.yaml"
    configure(desk, free_port(), security="none")
    path.write_text(path.read_text(encoding="utf-8").replace("host: 127.0.0.1", "host: smtp.example.org"),
                    encoding="utf-8")
    commit_all(desk, "a remote relay")
    ticket_id = resolved_ticket(run_itsm)
    before = snapshot(desk)
    done = run_itsm("notify", ticket_id, env={"ITSM_SMTP_USER": "desk-bot", "ITSM_SMTP_PASSWORD": "s3cret pass"})
    assert done.returncode == 2 and "would cross the network in plain text" in done.stderr
    assert snapshot(desk) == before


# -- refusals: nothing sent is nothing recorded -----------------------------------------


def test_a_refused_recipient_writes_and_commits_nothing(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    inbox, port = smtp_server(Inbox(refuse={MARIA}))
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm)
    before, commit = snapshot(desk), head(desk)
    for args in (("notify", ticket_id), ("log", ticket_id, "Any news?", "--kind", "email")):
        done = run_itsm(*args)
        assert done.returncode == 2
        assert done.stderr == (
            f"itsm: error: the SMTP server 127.0.0.1:{port} refused the recipient {MARIA}: 550 5.1.1 <{MARIA}>: "
            "Recipient address rejected: User unknown in local recipient table (correct the reporter's address "
            "(itsm edit), or pass --no-send to record only)\n")
    assert inbox.received == []
    assert snapshot(desk) == before and head(desk) == commit


def test_nothing_listening_is_one_line_exit_2(desk: Path, run_itsm: RunItsm) -> None:
    port = free_port()  # bound and let go: nothing listens there
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm)
    before = snapshot(desk)
    done = run_itsm("notify", ticket_id)
    assert done.returncode == 2
    assert done.stderr == (f"itsm: error: cannot reach the SMTP server 127.0.0.1:{port}: Connection refused "
                           "(check email.smtp.host and port in itsm.yaml, and that the server runs)\n")
    assert snapshot(desk) == before


def test_a_server_that_never_answers_is_one_line_exit_2(desk: Path, run_itsm: RunItsm) -> None:
    """The connection is taken (the kernel's backlog) but no greeting ever comes."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = int(silent.getsockname()[1])
        configure(desk, port, timeout=1)
        ticket_id = resolved_ticket(run_itsm)
        before = snapshot(desk)
        done = run_itsm("notify", ticket_id)
    assert done.returncode == 2
    assert done.stderr == (f"itsm: error: the SMTP server 127.0.0.1:{port} did not answer within 1 s "
                           "(check email.smtp.host, port and security in itsm.yaml, and the network)\n")
    assert snapshot(desk) == before


def test_a_hostile_reporter_gets_nothing(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    """A reporter edited by hand into two lines is no address: nothing is sent to anyone."""
    inbox, port = smtp_server()
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm)
    path = next((desk / "tickets").rglob(f"{ticket_id}.md"))
    text = path.read_text(encoding="utf-8").replace(f"reporter: {MARIA}",
                                                    f'reporter: "{MARIA}\\r\\nBcc: victim@example.net"', 1)
    path.write_text(text, encoding="utf-8")
    commit_all(desk, "a hostile reporter")
    done = run_itsm("notify", ticket_id)
    assert done.returncode == 0
    assert "is not an e-mail address" in done.stderr and "\r" not in done.stderr
    assert inbox.received == []


def test_a_hostile_title_cannot_inject_a_header(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    """A title that reached the record with a line break (an encoded newline in a mail
    subject, a hand edit) or control characters still makes one Subject line: no Bcc."""
    inbox, port = smtp_server()
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm)
    path = next((desk / "tickets").rglob(f"{ticket_id}.md"))
    text = path.read_text(encoding="utf-8")
    hostile = "VPN\\r\\nBcc: victim@example.net\\u2028X-Evil: 1\\x0b\\x85end"
    text = text.replace("title: VPN drops every 10 minutes", f'title: "{hostile}"', 1)
    path.write_text(text, encoding="utf-8")
    commit_all(desk, "a hostile title")
    assert "\r\nBcc" in front_matter(desk, ticket_id)["title"]  # the record does hold the break

    done = run_itsm("notify", ticket_id)

    assert done.returncode == 0, done.stderr
    sent = inbox.received[0]
    assert sent.rcpt_tos == (MARIA,)
    assert sent.message["Bcc"] is None and sent.message["X-Evil"] is None
    assert sent.message["Subject"] == f"[{ticket_id}] Resolved: VPN Bcc: victim@example.net X-Evil: 1 end"


def test_the_users_answer_threads_back_to_the_ticket(
        desk: Path, run_itsm: RunItsm, smtp_server: Callable[..., tuple[Inbox, int]]) -> None:
    """The loop closed: what notify sent, answered by the user's mail client (a new subject,
    as a user may type, so only In-Reply-To can find it), taken in by `itsm ingest email`,
    reopens the ticket it came from."""
    inbox, port = smtp_server()
    configure(desk, port)
    ticket_id = resolved_ticket(run_itsm)
    assert run_itsm("notify", ticket_id).returncode == 0
    sent = inbox.received[0].message
    answer = EmailMessage()
    answer["From"] = f"Maria Lopez <{MARIA}>"
    answer["To"] = DESK_ADDRESS
    answer["Subject"] = "still broken"
    answer["Message-ID"] = "<answer-1@mail.example.org>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = sent["Message-ID"]
    answer.set_content("It dropped again at 10:05.\n")

    taken = run_itsm("ingest", "email", "-", input=answer.as_string())

    assert taken.returncode == 0, taken.stderr
    matter = front_matter(desk, ticket_id)
    assert matter["status"] != "resolved"  # email.reply_to_resolved: reopen (the default)
    assert matter["message_ids"] == [sent["Message-ID"], "<answer-1@mail.example.org>"]
    assert "It dropped again at 10:05." in run_itsm("show", ticket_id).stdout
