"""An e-mail read into plain values: sender, subject, text, thread references, attachments.

Pure: bytes in, a `Mail` out; no desk, no clock (itsm/operations/ingest.py takes it in). The
input is hostile (itsm/channels/untrusted.py): a header that will not decode is read with
replacement, the walk through a message's parts is bounded, HTML is read in linear time.
"""

from __future__ import annotations

import hashlib
import html
import html.parser
import re
import unicodedata
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Any

from itsm.channels.untrusted import IntakeError, TooLarge, describe_size, one_line, text_block

MAX_DEPTH = 8  # multipart nesting walked; deeper parts are counted as dropped
MAX_NAME_BYTES = 120  # an attachment's file name


@dataclass(frozen=True)
class Attachment:
    name: str  # safe as a file name (sanitised_name)
    content_type: str
    size: int
    data: bytes | None  # None: over the size limit, listed only


@dataclass(frozen=True)
class Mail:
    message_id: str  # `<...>`; made from the bytes' hash when the mail has none
    sender: str | None  # the address alone, e.g. dana@example.org
    sender_name: str | None
    subject: str  # one line
    text: str  # the body as text (HTML-only mail converted)
    references: tuple[str, ...]  # In-Reply-To, then References, newest first
    attachments: tuple[Attachment, ...] = ()
    dropped: tuple[str, ...] = ()  # what was not read, in words (too deep, too many parts)
    auto_submitted: bool = False  # an auto-reply or a bounce (RFC 3834)
    whole_text: bytes | None = None  # the full text when `text` was cut

    def tags(self, prefixes: tuple[str, ...]) -> tuple[str, ...]:
        """The record IDs in the subject's brackets (`[INC-7QK3F]`), first first."""
        if not prefixes:
            return ()
        pattern = re.compile(r"\[\s*((?:" + "|".join(map(re.escape, prefixes)) + r")-[0-9A-Za-z]{2,20})\s*\]",
                             re.IGNORECASE)
        return tuple(m.group(1).upper() for m in pattern.finditer(self.subject))


# Printable ASCII only (RFC 5322's msg-id is): nothing that could break a line or a terminal.
_MESSAGE_ID_RE = re.compile(r"<[!-;=?-~]{1,250}>")


def message_ids(value: str) -> list[str]:
    """The Message-IDs in a header's text, in order (`<a@b>`; anything else is skipped)."""
    return _MESSAGE_ID_RE.findall(value)


def parse_mail(raw: bytes, *, max_bytes: int, max_attachment: int, max_parts: int) -> Mail:
    """Read one RFC 5322 message. Refuses (TooLarge) over `max_bytes` before parsing."""
    if len(raw) > max_bytes:
        raise TooLarge(f"the message is {describe_size(len(raw))}, over the {describe_size(max_bytes)} limit (email.max_message)")
    if not raw.strip():
        raise IntakeError("the message is empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it still raises is the input's
        raise IntakeError(f"the message cannot be read as e-mail: {one_line(str(exc), 120)}") from None
    if not len(message):
        raise IntakeError("the message has no headers (is this an e-mail?)")
    found = message_ids(_header(message, "Message-ID"))
    message_id = found[0] if found else f"<{hashlib.sha256(raw).hexdigest()[:32]}@itsm.invalid>"
    name, address = _sender(message)
    references = message_ids(_header(message, "In-Reply-To"))
    references += reversed(message_ids(_header(message, "References")))
    walked = _Walk(max_parts, max_attachment)
    walked.walk(message, 0)
    text = walked.plain if walked.plain.strip() else html_to_text(walked.html) if walked.html.strip() else walked.plain
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    cut = text_block(text)
    auto = (_header(message, "Auto-Submitted").strip().lower() not in ("", "no")  # RFC 3834
            or _header(message, "Content-Type").lower().startswith("multipart/report")  # a bounce (RFC 6522)
            or _header(message, "Precedence").strip().lower() in ("auto_reply", "bulk", "junk")
            or any(_header(message, name).strip() for name in ("X-Autoreply", "X-Autorespond")))
    return Mail(
        message_id=message_id, sender=address, sender_name=name, subject=one_line(_header(message, "Subject")),
        text=cut, references=tuple(dict.fromkeys(references)), attachments=tuple(walked.attachments),
        dropped=tuple(walked.dropped), auto_submitted=auto,
        whole_text=text.encode("utf-8", "replace") if cut != text else None,
    )


def _header(message: Message, name: str) -> str:
    """A header's decoded text, or "" — never an exception: a header policy.default cannot
    parse is read raw, its encoded words decoded with replacement."""
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except Exception:
        pass
    for key, raw in message.raw_items():
        if key.lower() == name.lower():
            text = raw if isinstance(raw, str) else str(raw)
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return ""


# At most 200 characters in all: a reporter is a one-line field of that length.
_ADDRESS_RE = re.compile(r"^(?=.{3,200}\Z)[^@\s<>\"',;:()\[\]\\]{1,64}@[A-Za-z0-9.-]{1,190}\Z")


def _sender(message: Message) -> tuple[str | None, str | None]:
    """(display name, address) of From (else Sender, else Return-Path); None when none is usable."""
    for name in ("From", "Sender", "Return-Path"):
        display, address = parseaddr(_header(message, name))
        address = one_line(address, 254).lower()
        if _ADDRESS_RE.match(address):
            return (one_line(display, 100) or None), address
    return None, None


class _Walk:
    """The parts of a message, depth first, bounded: the first text/plain and text/html that
    are not attachments make the body; every other leaf with a body is an attachment."""

    def __init__(self, max_parts: int, max_attachment: int) -> None:
        self.max_parts = max_parts
        self.max_attachment = max_attachment
        self.seen = 0
        self.plain = ""
        self.html = ""
        self.attachments: list[Attachment] = []
        self.dropped: list[str] = []
        self._names: set[str] = set()

    def walk(self, part: Message, depth: int) -> None:
        self.seen += 1
        if self.seen > self.max_parts:
            if not self.dropped or not self.dropped[-1].startswith("parts after"):
                self.dropped.append(f"parts after the first {self.max_parts} (email.max_parts)")
            return
        if part.is_multipart():
            if depth >= MAX_DEPTH:
                self.dropped.append(f"parts nested deeper than {MAX_DEPTH} levels")
                return
            payload = part.get_payload()
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1)
            return
        content_type = _safe(part.get_content_type, "application/octet-stream")
        disposition = _safe(part.get_content_disposition, None)
        if content_type == "message/rfc822":  # a forwarded mail: an attachment, as mail clients show it
            self._attach(part, content_type, "forwarded.eml")
            return
        if disposition != "attachment" and content_type in ("text/plain", "text/html"):
            text = _text_of(part)
            if content_type == "text/plain" and not self.plain:
                self.plain = text
                return
            if content_type == "text/html" and not self.html:
                self.html = text
                return
        if disposition is None and content_type.startswith("multipart/"):
            return
        self._attach(part, content_type, None)

    def _attach(self, part: Message, content_type: str, default: str | None) -> None:
        data = _payload(part)
        if not data:
            return
        filename = _safe(part.get_filename, None)
        name = unique_name(sanitised_name(filename or default or f"attachment{_extension(content_type)}"), self._names)
        self._names.add(name)
        kept = data if len(data) <= self.max_attachment else None
        self.attachments.append(Attachment(name, one_line(content_type, 100), len(data), kept))


def _safe(call: Any, default: Any) -> Any:
    try:
        return call()
    except Exception:
        return default


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    if part.get_content_type() == "message/rfc822":
        try:
            return bytes(part.get_payload(0).as_bytes(policy=policy.default))  # type: ignore[union-attr]
        except Exception:
            return b""
    return b""


def _text_of(part: Message) -> str:
    """A text part's content; an unknown or lying charset is decoded with replacement."""
    if isinstance(part, EmailMessage):
        try:
            content = part.get_content()
            if isinstance(content, str):
                return content
        except Exception:  # LookupError for an unknown charset, and the like
            pass
    data = _payload(part)
    charset = _safe(part.get_content_charset, None) or "utf-8"
    try:
        return data.decode(charset, "replace")
    except (LookupError, ValueError):
        return data.decode("utf-8", "replace")


_EXTENSIONS = {"text/plain": ".txt", "text/html": ".html", "image/png": ".png", "image/jpeg": ".jpg",
               "application/pdf": ".pdf", "message/rfc822": ".eml"}


def _extension(content_type: str) -> str:
    return _EXTENSIONS.get(content_type, ".bin")


_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?\Z", re.IGNORECASE)
_UNSAFE_NAME_RE = re.compile(r"[^\w.+ -]")


def sanitised_name(name: str) -> str:
    """A file name safe on any file system and in git: the last path part only, letters,
    digits and `._+- ` only, no leading dot or dash, no reserved device name, at most
    MAX_NAME_BYTES, the extension kept."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_RE.sub("_", one_line(name, 10_000))
    name = name.strip(" .-_") or "attachment"
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "attachment") + suffix


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name-2`, `name-3`... (before the extension) when it is taken."""
    if name.lower() not in {t.lower() for t in taken}:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while True:
        candidate = f"{stem}-{n}" + (f".{ext}" if ext else "")
        if candidate.lower() not in {t.lower() for t in taken}:
            return candidate
        n += 1


class _HtmlText(html.parser.HTMLParser):
    """The text a person reads in an HTML mail: paragraphs apart, list items and line breaks
    on their own lines, links' addresses kept, scripts and styles dropped."""

    PARAGRAPHS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol",
                            "hr"})
    LINES = frozenset({"br", "tr"})
    SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in self.LINES:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag == "a" and self.href and self.href.startswith(("http://", "https://")):
            self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # HTMLParser is lenient; anything it raises, the tags are simply dropped
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# A reply's quoted history: where a mail client starts quoting the message answered.
_QUOTE_HEADS = (
    re.compile(r"^On .{4,200}wrote:\s*$"),
    re.compile(r"^Am .{4,200}schrieb .{1,200}:\s*$"),
    re.compile(r"^Le .{4,200}a écrit\s*:\s*$"),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
)
_OUTLOOK_HEAD = re.compile(r"^From: .+$")
_OUTLOOK_NEXT = re.compile(r"^(Sent|Date): .+$")


def reply_text(text: str) -> str:
    """The new text of a reply: the quoted history below it dropped (it is on the ticket
    already), as Zendesk and ServiceNow keep only the reply. A mail that is all quote keeps it."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if not n:
            continue
        line = line.strip()
        outlook = _OUTLOOK_HEAD.match(line) and any(_OUTLOOK_NEXT.match(x.strip()) for x in lines[n + 1:n + 3])
        if outlook or any(p.match(line) for p in _QUOTE_HEADS):
            kept = "\n".join(lines[:n]).strip()
            return kept or text.strip()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    kept = "\n".join(lines).strip()
    return kept or text.strip()
