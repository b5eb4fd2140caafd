"""Record IDs: a prefix and a short Crockford base32 code, minted without coordination.

`INC-7QK3F2` can be read out over the phone and typed without ambiguity: the alphabet has
no I, L, O or U, and input is case-insensitive with I/L read as 1 and O as 0. Codes are
random, so two clones never need to agree on a counter; docs/ids.md gives the collision odds.

Every ID a user types passes `parse_ref` before any path is built from it, so `../x`,
absolute paths and NUL bytes never reach the file system.
"""

from __future__ import annotations

import re
import secrets

from itsm.core.errors import UsageError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = str.maketrans({"I": "1", "L": "1", "O": "0"})

PREFIX_RE = re.compile(r"^[A-Z]{1,8}\Z")
CODE_RE = re.compile(rf"^[{ALPHABET}]+\Z")
ID_RE = re.compile(rf"^([A-Z]{{1,8}})-([{ALPHABET}]{{4,16}})\Z")
# What a user may type: an optional prefix, then at least two characters of a code.
_REF_RE = re.compile(r"^(?:([A-Za-z]{1,8})-)?([0-9A-Za-z]{2,16})\Z")


def mint(prefix: str, length: int) -> str:
    """A fresh random ID such as `INC-7QK3F2` (5 bits of randomness per character)."""
    return f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(length))


def mint_entry_id() -> str:
    """Identity of one timeline entry: 8 characters, 40 random bits."""
    return "".join(secrets.choice(ALPHABET) for _ in range(8))


def is_id(text: str) -> bool:
    return ID_RE.match(text) is not None


def parse_ref(text: str) -> tuple[str | None, str]:
    """Validate what a user typed as an ID, returning (PREFIX or None, CODE-PREFIX).

    Accepts `inc-7qk`, `INC-7QK3F2` or just `7qk3`; refuses anything else, so the result is
    always safe to compare with file names.
    """
    match = _REF_RE.match(text.strip())
    if not match:
        raise UsageError(
            f"'{_printable(text)}' is not a record ID",
            hint="an ID looks like INC-7QK3F2; any unique start of it will do, e.g. inc-7qk",
        )
    prefix, code = match.groups()
    code = code.upper().translate(_DECODE)
    if not CODE_RE.match(code):
        raise UsageError(
            f"'{_printable(text)}' is not a record ID",
            hint=f"codes use only the characters {ALPHABET}",
        )
    return (prefix.upper() if prefix else None), code


def _printable(text: str) -> str:
    shown = text.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= 40 else shown[:37] + "..."
