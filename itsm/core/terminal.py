"""What is printed for a person: stored text is kept as it came, but never reaches a terminal
raw, and every warning is one line on stderr.

A description, a note, an e-mail or an alert can hold terminal control sequences:
`\x1b[2J` clears the screen, `\x1b]0;...\x07` retitles the window, U+202E reverses what
follows. Printed for a person, each such character is shown as an escape (`\x1b`); JSON
(itsm/output/formats.py) carries them as JSON escapes, so a script gets the stored text back.
"""

from __future__ import annotations

import re
import sys

# C0 controls but tab and newline, DEL, C1 controls (U+009B is a one-character CSI for some
# terminals), the bidirectional overrides and isolates, and lone surrogates (bytes that
# were not UTF-8, carried through by Python's surrogateescape).
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_RE = re.compile(f"[{_UNSAFE}]")
_UNSAFE_LINE_RE = re.compile(f"[{_UNSAFE}\t\n]")


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    if char == "\r":
        return "\\r"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def for_terminal(text: str, one_line: bool = False) -> str:
    """`text` with every control character shown as an escape; newlines and tabs are kept
    unless `one_line` (a message, a table cell), where they are shown as `\\n` and `\\t`."""
    return (_UNSAFE_LINE_RE if one_line else _UNSAFE_RE).sub(_shown, text)


def warn(message: str) -> None:
    """The one way itsm warns: one line on stderr, made safe for a terminal; the command goes on."""
    print(f"itsm: warning: {for_terminal(message, one_line=True)}", file=sys.stderr)
