"""Mail out: the message the desk sends a user (`itsm notify`, `itsm log --kind email`), and
sending it through the desk's SMTP server (docs/channels-mail-out.md).

Only the standard library: `email.message.EmailMessage` builds the message, `smtplib` sends
it. The login comes from the environment ($ITSM_SMTP_USER and $ITSM_SMTP_PASSWORD, both or
none), never from itsm.yaml, which is committed. Every failure is one `UsageError` line
(exit 2: the server or the network is the user's environment), raised before anything is
written, so a message that was not accepted is never recorded as sent.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from itsm.config.settings import Config, SmtpSettings
from itsm.core import timeutil
from itsm.core.errors import UsageError
from itsm.core.model import Ticket
from itsm.core.terminal import warn

if TYPE_CHECKING:
    import ssl

USER_VAR = "ITSM_SMTP_USER"
PASSWORD_VAR = "ITSM_SMTP_PASSWORD"
CAFILE_VAR = "ITSM_SMTP_CAFILE"

# An address the desk can send to: one mailbox, nothing a header could be split on.
_ADDRESS_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\Z")
# Everything that could end a header line or hide in one: C0 and C1 controls, DEL, and the
# Unicode line and paragraph separators (a mail client may break a line on them).
_LINE_BREAKERS_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# References is kept short: RFC 5322 3.6.4 lets a writer trim it; the first and the latest
# Message-IDs are what clients thread by.
MAX_REFERENCES = 10


def is_address(value: str | None) -> bool:
    """Whether a reporter is something mail can be sent to (`maria@example.org`)."""
    return bool(value) and _ADDRESS_RE.match(value or "") is not None


def one_line(text: str) -> str:
    """A record field made safe for a header: control characters and line breaks (raw or
    decoded from an encoded word) become spaces, runs of spaces one space."""
    return " ".join(_LINE_BREAKERS_RE.sub(" ", text).split())


@dataclass(frozen=True)
class Outgoing:
    """A message ready to go, and what the timeline says about it."""

    message: EmailMessage
    recipient: str
    message_id: str  # with its angle brackets, as in the header and in `message_ids`


def sending(config: Config, ticket: Ticket, no_send: bool) -> tuple[str | None, str | None]:
    """To whom this change sends mail (the reporter's address), and a warning: nothing is
    sent with no server configured, with `--no-send`, or to a reporter that is no address
    (warned: a desk that sends mail expects it to go). Refuses a server configured without
    the desk's own address: there would be no From."""
    smtp = config.email.smtp
    if smtp is None or no_send:
        return None, None
    if config.email.address is None:
        raise UsageError("email.smtp is configured but email.address is not: the desk has no From address",
                         hint="set email.address in itsm.yaml, or pass --no-send to record only")
    if not is_address(ticket.reporter):
        return None, (f"nothing was e-mailed: {ticket.id}'s reporter '{one_line(ticket.reporter or '')}' is not an "
                      f"e-mail address; tell them another way, or set it (itsm edit {ticket.id}) for the next message")
    return ticket.reporter, None


def compose(config: Config, ticket: Ticket, recipient: str, when: str, subject: str, body: str,
            automatic: bool = False) -> Outgoing:
    """The message: From the desk, To the user, the ticket tag in the subject, a fresh
    Message-ID on the desk's domain, and In-Reply-To/References naming the ticket's latest
    recorded Message-ID so the user's mail client threads it with what came before."""
    desk_address = config.email.address
    assert desk_address is not None  # `sending` refused a desk without one
    domain = desk_address.rsplit("@", 1)[1]
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(addr_spec=desk_address)
    message["To"] = Address(addr_spec=recipient)
    # The tag first, so it survives a client that shortens long subjects from the end.
    message["Subject"] = one_line(f"[{ticket.id}] {subject}")
    message["Date"] = format_datetime(timeutil.parse(when))  # the timeline's instant
    message_id = make_msgid(idstring=one_line(ticket.id).replace(" ", ""), domain=domain)
    message["Message-ID"] = message_id
    earlier = [mid for mid in ticket.message_ids if isinstance(mid, str) and _is_msg_id(mid)]
    if earlier:
        message["In-Reply-To"] = earlier[-1]
        kept = earlier if len(earlier) <= MAX_REFERENCES else [earlier[0], *earlier[-(MAX_REFERENCES - 1):]]
        message["References"] = " ".join(kept)
    if automatic:
        # A message written from a template, not by a person: vacation responders do not
        # answer it (RFC 3834), so no out-of-office reply lands on the ticket.
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return Outgoing(message, recipient, message_id)


_MSG_ID_RE = re.compile(r"^<[^<>\s\x00-\x1f\x7f]+@[^<>\s\x00-\x1f\x7f]+>\Z")


def _is_msg_id(value: str) -> bool:
    """A recorded Message-ID fit to be repeated in a header (`<left@right>`, nothing else)."""
    return _MSG_ID_RE.match(value) is not None


def resolved_text(config: Config, ticket: Ticket) -> tuple[str, str]:
    """The subject and body telling the user their ticket is resolved, and how to answer."""
    resolution = ticket.resolution
    rejected = resolution is not None and resolution.kind == "rejected"
    title = one_line(ticket.title)
    subject = f"Not approved: {title}" if rejected else f"Resolved: {title}"
    how = {
        "fix": "How it was fixed",
        "workaround": "What restores the service for now (a workaround; the cause is still being worked on)",
        "fulfilled": "What was done",
        "rejected": "Why your request was not approved",
    }
    lines = ["Hello,", ""]
    if rejected:
        lines.append(f"your request {ticket.id} \"{title}\" was not approved.")
    else:
        lines.append(f"your ticket {ticket.id} \"{title}\" is resolved.")
    if resolution is not None:
        lines += ["", f"{how.get(resolution.kind, 'Resolution')}:", "", resolution.summary]
    lines.append("")
    if rejected:
        lines.append(f"If you have questions, reply to this message and keep [{ticket.id}] in the subject.")
    else:
        then = ("it is reopened" if config.email.reply_to_resolved == "reopen"
                else "your answer reaches the people working on it")
        lines += [
            f"If it is not fixed for you, reply to this message (keep [{ticket.id}] in the subject) and say",
            f"what still happens: {then}.",
        ]
        if config.autoclose_days:
            lines.append(f"If we do not hear from you, the ticket closes in {config.autoclose_days} days.")
    lines += ["", "-- ", config.email.address or ""]
    return subject, "\n".join(lines) + "\n"


def reply_text(ticket: Ticket, text: str) -> tuple[str, str]:
    """The subject and body of a message the desk writes to the user about a ticket."""
    body = text.rstrip("\n") + f"\n\n-- \nTicket {ticket.id}: {one_line(ticket.title)}\n" \
        f"Reply to this message and keep [{ticket.id}] in the subject.\n"
    return f"Re: {one_line(ticket.title)}", body


# -- sending --------------------------------------------------------------------------------


def tls_context() -> ssl.SSLContext:
    """The system's trusted CAs, or only $ITSM_SMTP_CAFILE's when set (a private CA). The
    certificate and its host name are always checked: there is no switch to turn that off."""
    import ssl  # here, not at the top: only a command that sends pays for loading it

    cafile = os.environ.get(CAFILE_VAR) or None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise UsageError(f"cannot read ${CAFILE_VAR} '{cafile}': {getattr(exc, 'strerror', None) or exc}",
                         hint="point it at the PEM file of the CA that signed the SMTP server's certificate") from None


def _credentials() -> tuple[str, str] | None:
    user, password = os.environ.get(USER_VAR), os.environ.get(PASSWORD_VAR)
    if user and password:
        return user, password
    if user or password:
        given, missing = (USER_VAR, PASSWORD_VAR) if user else (PASSWORD_VAR, USER_VAR)
        warn(f"${given} is set but ${missing} is not: sending without a login")
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def send(settings: SmtpSettings, outgoing: Outgoing) -> None:
    """Hand the message to the desk's SMTP server, or refuse in one line saying what the
    server answered (or why it could not be reached) and what to do about it.

    `starttls` never goes on without encryption when the server does not offer it, and a
    password is never sent in plain text except to this machine (security `none` on a
    loopback host: a local relay)."""
    import smtplib  # with ssl, loaded only by a command that sends (every command imports this module)
    import ssl

    host = settings.host.strip("[]")  # an IPv6 literal as itsm.yaml may write it
    where = f"{settings.host}:{settings.port}"
    login = _credentials()
    if login is not None and settings.security == "none" and not _is_loopback(host):
        raise UsageError(f"email.smtp.security is none: the login for {where} would cross the network in plain text",
                         hint="use security: starttls or ssl, or unset $ITSM_SMTP_USER to send without a login")
    context = tls_context() if settings.security != "none" else None
    try:
        client: smtplib.SMTP
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(host, settings.port, timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(host, settings.port, timeout=settings.timeout)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                if not client.has_extn("starttls"):
                    raise UsageError(f"the SMTP server {where} does not offer STARTTLS; nothing was sent",
                                     hint="ask for a server that does, or use security: ssl (its port is usually 465)")
                client.starttls(context=context)
                client.ehlo()
            if login is not None:
                client.login(*login)
            client.send_message(outgoing.message, to_addrs=[outgoing.recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        raise UsageError(f"the SMTP server {where} refused the recipient {outgoing.recipient}: {_reply(code, reply)}",
                         hint="correct the reporter's address (itsm edit), or pass --no-send to record only") from None
    except smtplib.SMTPSenderRefused as exc:
        raise UsageError(f"the SMTP server {where} refused the sender {exc.sender}: {_reply(exc.smtp_code, exc.smtp_error)}",
                         hint="set email.address in itsm.yaml to an address this server may send from") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise UsageError(f"the SMTP server {where} refused the login: {_reply(exc.smtp_code, exc.smtp_error)}",
                         hint=f"check ${USER_VAR} and ${PASSWORD_VAR}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise UsageError(f"the SMTP server {where}: {exc}",
                         hint=f"unset ${USER_VAR} and ${PASSWORD_VAR} if it needs no login") from None
    except smtplib.SMTPResponseException as exc:
        raise UsageError(f"the SMTP server {where} refused the message: {_reply(exc.smtp_code, exc.smtp_error)}",
                         hint="nothing was sent; try again later, or pass --no-send to record only") from None
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__context__, TimeoutError):  # smtplib reports a silent server so
            raise UsageError(f"the SMTP server {where} did not answer within {settings.timeout} s",
                             hint="check email.smtp.host, port and security in itsm.yaml, and the network") from None
        raise UsageError(f"the SMTP server {where} closed the connection: {exc or 'no reason given'}",
                         hint="check email.smtp.port and security in itsm.yaml (ssl is usually port 465, "
                              "starttls 587)") from None
    except smtplib.SMTPException as exc:
        raise UsageError(f"the SMTP server {where}: {exc}", hint="nothing was sent") from None
    except ssl.SSLCertVerificationError as exc:
        raise UsageError(f"the SMTP server {where}'s certificate is not trusted: {exc.verify_message}",
                         hint=f"set ${CAFILE_VAR} to the CA file that signed it, or fix email.smtp.host "
                              "to the name on the certificate") from None
    except ssl.SSLError as exc:
        raise UsageError(f"TLS with the SMTP server {where} failed: {exc.reason or exc}",
                         hint="check email.smtp.security and port in itsm.yaml (ssl is usually port 465, "
                              "starttls 587)") from None
    except TimeoutError:
        raise UsageError(f"the SMTP server {where} did not answer within {settings.timeout} s",
                         hint="check email.smtp.host, port and security in itsm.yaml, and the network") from None
    except socket.gaierror as exc:
        raise UsageError(f"cannot find the SMTP server {settings.host}: {exc.strerror}",
                         hint="check email.smtp.host in itsm.yaml") from None
    except OSError as exc:
        raise UsageError(f"cannot reach the SMTP server {where}: {exc.strerror or exc}",
                         hint="check email.smtp.host and port in itsm.yaml, and that the server runs") from None


def _reply(code: int, text: bytes | str) -> str:
    """The server's reply as one line (it is the server's text: never trusted raw)."""
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return one_line(f"{code} {said}")
