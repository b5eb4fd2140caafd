"""What every channel's input gets first: it comes from anyone who can send mail to the desk or
reach its webhook, so sizes are checked before parsing, every one-line value loses its
control characters and line breaks, and a malformed input is one `IntakeError` line.
"""

from __future__ import annotations

import re
import unicodedata

from itsm.core.errors import UsageError

# The readers' limits a description and an entry must stay under (a record is at most 4 MiB):
# the text of a longer mail is cut here and kept whole as an attachment.
MAX_TEXT_BYTES = 256 * 1024
MAX_TITLE = 200


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


def describe_size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"

