"""What arrives by a channel, read into plain values: an e-mail, a monitoring alert.

Pure: bytes in, values out; no desk, no clock. Everything here treats its input as hostile
(it comes from anyone who can send mail to the desk or reach its webhook): sizes are checked
before parsing, a header that will not decode is read with replacement, every one-line value
loses its control characters and line breaks, and the walk through a message's parts is
bounded. A malformed input raises `IntakeError` with a one-line reason; nothing else escapes.
"""

from __future__ import annotations

import hashlib
import html
import html.parser
import json
import re
import unicodedata
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Any

from itsm.core.errors import UsageError

# The readers' limits a description and an entry must stay under (a record is at most 4 MiB):
# the text of a longer mail is cut here and kept whole as an attachment.
MAX_TEXT_BYTES = 256 * 1024
MAX_TITLE = 200
MAX_DEPTH = 8  # multipart nesting walked; deeper parts are counted as dropped
MAX_NAME_BYTES = 120  # an attachment's file name
MAX_ALERTS = 1000  # alerts in one payload (Alertmanager sends a group; its max_alerts is often 0 = all)


class IntakeError(UsageError):
    """Input that cannot be taken in: one line saying why."""


class TooLarge(IntakeError):
    """Input over a configured size (the HTTP receiver answers 413)."""


# -- one-line values ---------------------------------------------------------------------------

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(value: str, limit: int = MAX_TITLE) -> str:
    """A value for a one-line field: control characters and line breaks (however encoded)
    become spaces, runs of white space one space, and it is cut to `limit` characters."""
    value = _CONTROL_RE.sub(" ", unicodedata.normalize("NFC", value))
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def text_block(value: str) -> str:
    """Free text for a body: line ends kept, other control characters removed (a NUL or an
    escape sequence in a mail is never stored), at most MAX_TEXT_BYTES."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", value)
    data = value.encode("utf-8", "replace")
    if len(data) > MAX_TEXT_BYTES:
        value = data[:MAX_TEXT_BYTES].decode("utf-8", "ignore") + "\n\n[... cut: the whole text is attached]"
    return value


# -- e-mail --------------------------------------------------------------------------------------


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
        raise TooLarge(f"the message is {_size(len(raw))}, over the {_size(max_bytes)} limit (email.max_message)")
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


def _size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"


describe_size = _size


# -- monitoring alerts ---------------------------------------------------------------------------

ALERT_FORMATS = ("alertmanager", "generic")
ALERT_STATES = ("firing", "resolved")


@dataclass(frozen=True)
class Alert:
    fingerprint: str  # `<source>:<key>`: what makes two notifications the same alert
    status: str  # firing or resolved
    title: str
    description: str
    labels: dict[str, str]
    started: str | None  # when it started firing (the occurrence's identity), ISO
    ended: str | None  # when it recovered, ISO
    link: str | None = None


def parse_alerts(payload: bytes, fmt: str, max_bytes: int) -> list[Alert]:
    """The alerts of one webhook payload. Refuses malformed JSON and a wrong shape in one line."""
    if fmt not in ALERT_FORMATS:
        raise IntakeError(f"unknown alert format '{fmt}'", hint=f"use one of: {', '.join(ALERT_FORMATS)}")
    if len(payload) > max_bytes:
        raise TooLarge(f"the payload is {_size(len(payload))}, over the {_size(max_bytes)} limit (serve.max_body)")
    try:
        data = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise IntakeError("the payload is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise IntakeError(f"the payload is not JSON: {reason}{where}") from None
    alerts = _alertmanager(data) if fmt == "alertmanager" else _generic(data)
    if len(alerts) > MAX_ALERTS:
        raise IntakeError(f"the payload holds {len(alerts)} alerts, over the limit of {MAX_ALERTS}")
    return alerts


def _alertmanager(data: Any) -> list[Alert]:
    """Alertmanager's webhook (version 4): https://prometheus.io/docs/alerting/latest/configuration/#webhook_config"""
    if not isinstance(data, dict) or not isinstance(data.get("alerts"), list):
        raise IntakeError("not an Alertmanager webhook payload: it needs an 'alerts' list",
                          hint="Alertmanager sends version 4; for other tools use --format generic")
    version = data.get("version")
    if version is not None and str(version) != "4":
        raise IntakeError(f"Alertmanager webhook version '{one_line(str(version), 20)}' is not supported (only 4)")
    common = _labels(data.get("commonLabels"), "commonLabels")
    found = []
    for n, item in enumerate(data["alerts"]):
        where = f"alerts[{n}]"
        if not isinstance(item, dict):
            raise IntakeError(f"{where} is not an object")
        labels = {**common, **_labels(item.get("labels"), f"{where}.labels")}
        annotations = _labels(item.get("annotations"), f"{where}.annotations")
        status = item.get("status", data.get("status"))
        if status not in ALERT_STATES:
            raise IntakeError(f"{where}.status must be firing or resolved")
        fingerprint = item.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint.strip():
            # Alertmanager always sends one; a hand-made payload gets the labels' own hash,
            # which is how Alertmanager computes it.
            fingerprint = hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]
        name = labels.get("alertname", "alert")
        summary = annotations.get("summary") or annotations.get("title") or ""
        instance = labels.get("instance") or labels.get("service") or labels.get("job") or ""
        title = summary or (f"{name} on {instance}" if instance else name)
        description = annotations.get("description") or annotations.get("message") or ""
        found.append(Alert(
            fingerprint=f"alertmanager:{one_line(fingerprint, 100)}", status=status,
            title=one_line(title), description=text_block(description), labels=labels,
            started=_time(item.get("startsAt")), ended=_time(item.get("endsAt")) if status == "resolved" else None,
            link=_link(item.get("generatorURL")),
        ))
    return found


GENERIC_KEYS = ("title", "description", "severity", "source", "dedup_key", "status", "labels", "time", "link")


def _generic(data: Any) -> list[Alert]:
    """The documented generic shape (docs/channels.md): one object, or a list of them."""
    items = data if isinstance(data, list) else [data]
    found = []
    for n, item in enumerate(items):
        where = f"alert {n + 1}" if isinstance(data, list) else "the alert"
        if not isinstance(item, dict):
            raise IntakeError(f"{where} is not a JSON object", hint="see docs/channels.md for the generic shape")
        unknown = [k for k in item if k not in GENERIC_KEYS]
        if unknown:
            raise IntakeError(f"{where}: unknown key '{one_line(str(unknown[0]), 40)}' (known: {', '.join(GENERIC_KEYS)})")
        title = item.get("title")
        if not isinstance(title, str) or not one_line(title):
            raise IntakeError(f"{where} needs a 'title' (one line of text)")
        source = item.get("source", "generic")
        key = item.get("dedup_key")
        for name, value in (("source", source), ("dedup_key", key), ("severity", item.get("severity")),
                            ("description", item.get("description")), ("time", item.get("time"))):
            if value is not None and not isinstance(value, str):
                raise IntakeError(f"{where}: '{name}' must be text")
        status = item.get("status", "firing")
        if status not in ALERT_STATES:
            raise IntakeError(f"{where}: 'status' must be firing or resolved")
        labels = _labels(item.get("labels"), f"{where}.labels")
        if item.get("severity"):
            labels["severity"] = one_line(item["severity"], 40)
        labels.setdefault("source", one_line(source, 100))
        dedup = one_line(key, 200) if key else hashlib.sha256(one_line(title).encode()).hexdigest()[:16]
        stamp = _time(item.get("time"))
        found.append(Alert(
            fingerprint=f"{one_line(source, 60) or 'generic'}:{dedup}", status=status, title=one_line(title),
            description=text_block(item.get("description") or ""), labels=labels,
            started=stamp if status == "firing" else None, ended=stamp if status == "resolved" else None,
            link=_link(item.get("link")),
        ))
    return found


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise IntakeError(f"{where} must be an object of texts")
    labels = {}
    for key, item in list(value.items())[:100]:
        if isinstance(item, (dict, list)):
            raise IntakeError(f"{where}.{one_line(str(key), 40)} must be text")
        labels[one_line(str(key), 100)] = one_line(str(item), 500)
    return labels


_TIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


def _time(value: Any) -> str | None:
    """An RFC 3339 time as itsm's UTC form; Alertmanager's zero time (0001-01-01) is none."""
    if not isinstance(value, str) or value.startswith("0001-01-01"):
        return None
    from datetime import UTC, datetime

    match = _TIME_RE.match(value.strip())
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{match.group(4).replace('Z', '+00:00')}")
    except ValueError:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return one_line(value, 500)
    return None
