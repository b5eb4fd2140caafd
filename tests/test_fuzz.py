"""Fuzz: a few thousand hostile record files through `list`, `check`, `show`, `search` and `chase`.

About 3,000 files, generated from a fixed seed (every run reads the same bytes), are spread over
six real desks (git repositories made by `itsm init`, the files committed) and read by the real
`itsm` processes. Proven, for every desk:

- no command ends with exit 3 (an internal error), a traceback, or any exit code but its own:
  `list`, `search` and `chase` exit 0, `check` 0 or 1, `show` 0 or 2 (a refusal);
- no command hangs: every process runs under a timeout, every `show` under an alarm;
- every fault is named by file: a ticket `list` cannot read is named in its warning; every file
  that `list` or `show` cannot read has an error in `check --json` whose path is that file; every
  path `check` names exists; a ticket `show` reads is one `list` lists, and the other way round;
- nothing stored reaches a terminal raw: no C0 control but tab and newline, no DEL, C1 or
  bidirectional control is in any output, and `--json` output is strict JSON (no NaN, Infinity);
- the caps hold at their edges: front-matter of exactly 64 KiB (the bytes between the `---`
  lines, as `markdown.size_problem` counts them), a file of exactly 4 MiB and YAML nested exactly
  10 levels deep are read; one byte or one level more is refused, naming the file.

The files start as valid records rendered by `itsm.records.render`. Every variant of every family
of hostility is tried once on an otherwise valid record (so a broken front-matter cannot hide a
broken timeline); the other files get one to three random variants: random YAML shapes, nesting
around the depth cap (and 5,000 deep), control characters in every field, foreign encodings, YAML
traps (duplicate keys, anchors, tags, merge keys), git conflict markers, broken timelines, values of
the wrong type. Others are replaced whole (empty, truncated, binary, a single 1 MB line), sized at
the caps, or are not files at all: a FIFO, a folder, symbolic links out of the desk, to /dev/zero,
in a loop, and file names that are not text. `show` runs in one helper process per desk (a
process per file would take minutes); everything else is a real `itsm` process.
"""

from __future__ import annotations

import functools
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from itsm.core import model
from itsm.core.model import Article, Entry, Problem, Record, Ticket
from itsm.core.terminal import for_terminal
from itsm.operations import desk_init
from itsm.records import markdown, yamlio
from tests.conftest import NOW, commit_all, pinned

# Hostile desks, each command a real process with a timeout (a hang is a finding).
pytestmark = pytest.mark.slow

SEED = 20261126
DESKS = 6
FILES_PER_DESK = 330  # random files; each desk also gets fixed ones (caps, non-files, valid) and variants
MONTH = "2026-11"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
HOSTILE_WORD = "quokka"  # put next to control characters, so `search` brings them up
PROCESS_TIMEOUT = 120
SHOW_ALARM = 20
KIB = 1024
MIB = 1024 * 1024
FM_CAP = yamlio.MAX_YAML_BYTES
FILE_CAP = markdown.MAX_FILE_BYTES
DEPTH_CAP = yamlio.MAX_DEPTH

# What must never reach a terminal: C0 controls but tab and newline, DEL, C1 controls (U+009B is
# a one-character CSI), the bidirectional controls, and lone surrogates (bytes that were not UTF-8).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

WORDS = ("vpn", "drops", "printer", "jams", "mailbox", "quota", "password", "expired", "laptop", "wifi",
         "slow", "badge", "monitor", "flickers", "outlook", "crashes", HOSTILE_WORD)
PEOPLE = ("Alice Moreau", "Carla Diaz", "Bob Stone", "Dana Whitfield", "Élodie Brûlé", "李雷")
CATEGORIES = ("network/vpn", "email/mailbox", "access/password", "hardware/laptop", "hardware/printer")
CONTROLS = (
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1b[2J", "\x1b]0;t\x07",
    "\x1b[31mred\x1b[0m", "\x1bP+q\x1b\\", "\x1b[6n", "\r", "\x7f", "\x80", "\x85", "\x9b", "\x9b2J",
    "\x9d0;t\x9c", "\u2028", "\u2029", "\u202e", "\u2066", "\u200f", "\ufeff", "\t",
)
ENTRY_HEADING = re.compile(r"^(### )(\S+)( · )(\S+)( · )(.+?)( <!-- )([0-9A-Z]{8})( -->)$")

# ---------------------------------------------------------------------------------------------
# The corpus: specifications of files, generated from the seed
# ---------------------------------------------------------------------------------------------


@dataclass
class Hostile:
    """One entry of a desk named like a record, and what is known about it."""

    rel: str  # desk-relative path (lone surrogates stand for bytes that are not UTF-8)
    kind: str  # ticket, problem or kb: the folder it is in
    families: list[str]
    data: bytes | None = field(default=None, repr=False)  # the bytes; None for what is not a regular file
    special: str | None = None  # fifo, folder, symlink
    target: str | None = None  # where a symlink points
    expect: str | None = None  # "read" or "refuse", where the outcome is certain
    outside: dict[str, bytes] = field(default_factory=dict, repr=False)  # files to make outside the desk

    @property
    def stem(self) -> str:
        return Path(self.rel).stem


@dataclass
class Doc:
    """A record file being mutated: front-matter as one YAML chunk per key, then the body."""

    kind: str
    front: list[list[str]]  # [key, "key: value\n" (any number of lines)]
    body: str
    head: str = "---\n"
    fence: str = "---\n"
    encoding: str = "utf-8"

    def text(self) -> str:
        return self.head + "".join(chunk for _, chunk in self.front) + self.fence + self.body


def _code(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(CROCKFORD) for _ in range(length))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sentence(rng: random.Random, low: int = 2, high: int = 7) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize()


def base_record(rng: random.Random, kind: str, rid: str, title: str | None = None) -> Record:
    """A valid record as itsm writes it: front-matter, description and a timeline with set lines."""
    moment = datetime(2026, 11, rng.randint(1, 24), rng.randint(0, 23), rng.randint(0, 59), tzinfo=UTC)
    actor = rng.choice(PEOPLE)
    title = title or _sentence(rng)
    description = "\n\n".join(_sentence(rng, 4, 14) + "." for _ in range(rng.randint(0, 3)))
    if kind == "kb":
        body = (f"Applies to {_sentence(rng)}.\n\n## Symptoms\n\n{_sentence(rng, 4, 10)}.\n\n## Cause\n\n"
                f"{_sentence(rng, 4, 10)}.\n\n## Resolution\n\n1. {_sentence(rng)}.\n2. {_sentence(rng)}.")
        return Article(id=rid, title=title, category=rng.choice(CATEGORIES), tags=("vpn", "network"),
                       author=actor, created=_stamp(moment), updated=_stamp(moment), body=body)
    record: Ticket | Problem
    if kind == "problem":
        record = Problem(id=rid, title=title, category=rng.choice(CATEGORIES), created=_stamp(moment),
                         description=description)
    else:
        record = Ticket(id=rid, title=title, type="request" if rid.startswith("REQ") else "incident",
                        priority="P2", impact="medium", urgency="high", category="network/vpn", group="network",
                        level=2, reporter=rng.choice(PEOPLE), channel="phone", created=_stamp(moment),
                        description=description)
    record = model.record_entry(None, record, Entry(_code(rng, 8), _stamp(moment), actor, "created",
                                                     f"Recorded by phone. {_sentence(rng)}."))
    if isinstance(record, Ticket) and rng.random() < 0.5:
        moment += timedelta(minutes=rng.randint(1, 600))
        owner = rng.choice(PEOPLE)
        after = replace(record, status="assigned", owner=owner)
        record = model.record_entry(record, after, Entry(_code(rng, 8), _stamp(moment), actor, "assign",
                                                          f"owner (none) -> {owner}"))
    for _ in range(rng.randint(0, 3)):
        moment += timedelta(minutes=rng.randint(1, 600))
        record = model.add_entry(record, Entry(_code(rng, 8), _stamp(moment), rng.choice(PEOPLE),
                                               rng.choice(("note", "call", "email")), _sentence(rng, 3, 20) + "."))
    return record


def doc_of(record: Record) -> Doc:
    """The record's file as itsm writes it, its front-matter cut into one chunk per key."""
    text = markdown.render(record)
    end = text.index("\n---\n", 3)
    front: list[list[str]] = []
    for line in text[4:end].split("\n"):
        key = re.match(r"^([a-z_]+):", line)
        if key:
            front.append([key.group(1), line + "\n"])
        else:  # a list item or a line of a literal block
            front[-1][1] += line + "\n"
    return Doc(record.kind, front, text[end + 5 :])


@functools.cache
def templates(kind: str) -> list[tuple[str, Doc]]:
    """Valid records rendered once (rendering thousands would take seconds): each file is a
    copy of one of them under its own ID."""
    rng = random.Random(SEED)
    made = []
    for n in range(40):
        rid = f"{ {'problem': 'PRB', 'kb': 'KB'}.get(kind, ('INC', 'REQ')[n % 2])}-{_code(rng, 6)}"
        made.append((rid, doc_of(base_record(rng, kind, rid))))
    return made


def new_doc(rng: random.Random, kind: str, rid: str, title: str | None = None) -> Doc:
    """A valid record of `kind` with ID `rid` (a copy of a template), ready to mutate."""
    prefix = rid.partition("-")[0]
    old, doc = rng.choice([(t, d) for t, d in templates(kind) if kind != "ticket" or t.startswith(prefix)])
    copy = Doc(kind, [[key, chunk.replace(old, rid)] for key, chunk in doc.front], doc.body.replace(old, rid))
    if title is not None:
        _set_value(copy, "title", title)
    return copy


# -- random YAML ------------------------------------------------------------------------------

SCALARS = (
    "~", "null", "", "true", "False", "yes", "off", "0", "-7", "0012", "0x1F", "0o17", "1e3", "1.5", ".inf",
    ".NaN", "1_000", "12:30:00", "2026-11-26", "2026-11-26T09:00:00Z", "'single'", '"double"', '""', "''",
    "é€😀", "-", "?", "~~", "'it''s'", '"esc \\e[2J \\a \\x9b \\u202e"', '"\\0"', '"\\N\\L\\P"', "|", ">",
    "!", "&", "*", "%", "@", "`", "#comment", "a: b", "[", "{", "]", "}", ",", "'unterminated", '"unterminated',
    "<<", "=", "\\", "'\t'", "vpn quokka", '"\\ud800"', '"x\\udcff"', '"\\U0010FFFF"', '"\\x85"',
)
KEYS = ("a", "b", "id", "title", "status", "<<", "1", "true", "~", "'quoted key'", '"k\\e"', "é", "-", "? x",
        "[a]", "{a: 1}", "a b", "x" * 1100, "''")


def yaml_scalar(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return str(rng.randint(-(10**20), 10**20))
    if roll < 0.12:
        return "'" + "x" * rng.choice((300, 3000)) + "'"
    if roll < 0.14:
        return "9" * rng.choice((19, 20, 4300, 4301, 5000))
    return rng.choice(SCALARS)


def yaml_flow(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth <= 0 or roll < 0.4:
        return yaml_scalar(rng)
    items = [yaml_flow(rng, depth - 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.7:
        return "[" + ", ".join(items) + "]"
    return "{" + ", ".join(f"{rng.choice(KEYS)}: {item}" for item in items) + "}"


def yaml_block(rng: random.Random, depth: int, indent: int = 0) -> str:
    """YAML text that follows `key:` — a scalar or flow value on the line, or an indented block."""
    roll = rng.random()
    if depth <= 0 or roll < 0.3:
        return f" {yaml_scalar(rng)}\n"
    if roll < 0.45:
        return f" {yaml_flow(rng, depth)}\n"
    pad = " " * (indent + 2)
    if roll < 0.55:
        lines = "".join(f"{pad}{yaml_scalar(rng)}\n" for _ in range(rng.randint(1, 3)))
        return f" {rng.choice(('|', '>', '|-', '>+', '|2'))}\n{lines}"
    items = range(rng.randint(1, 4))
    if roll < 0.8:
        return "\n" + "".join(f"{pad}-{yaml_block(rng, depth - 1, indent + 2)}" for _ in items)
    return "\n" + "".join(f"{pad}{rng.choice(KEYS)}:{yaml_block(rng, depth - 1, indent + 2)}" for _ in items)


def nested(depth: int, style: str) -> str:
    """YAML text after `key:` for a value `depth` lists or mappings deep."""
    if style == "flow-list":
        return " " + "[" * depth + "x" + "]" * depth + "\n"
    if style == "flow-map":
        return " " + "{a: " * depth + "x" + "}" * depth + "\n"
    if style == "block-list":
        return "\n" + "- " * depth + "x\n"
    if style == "block-map":
        return "".join(f"\n{'  ' * (level + 1)}a:" for level in range(depth)) + " x\n"
    assert style == "unclosed"
    return " " + "[" * depth + "\n"


# A comment holding `&`, `*` or `!` sends the text to the pure-Python reader instead of libyaml.
STRICT_READER = ["#", "# & * ! (read by the pure-Python reader)\n"]

# -- mutations: each variant changes a Doc in place -------------------------------------------


def _ctrl(rng: random.Random) -> str:
    return "".join(rng.choice(CONTROLS) for _ in range(rng.randint(1, 3)))


def _lines(doc: Doc) -> tuple[list[str], int, list[int]]:
    """The body's lines, the index of '## Timeline' (or len), and the entry heading indexes."""
    lines = doc.body.split("\n")
    start = lines.index("## Timeline") if "## Timeline" in lines else len(lines)
    return lines, start, [i for i, line in enumerate(lines) if ENTRY_HEADING.match(line)]


def _set_value(doc: Doc, key: str, value: Any) -> None:
    """Set a front-matter key as itsm would write it (YAML escapes what needs escaping)."""
    set_raw(doc, key, yamlio.dump({key: value})[len(key) + 1 :])


def set_raw(doc: Doc, key: str, value: str) -> None:
    """Set a front-matter key to YAML text as a person might type it (`value` follows `key:`)."""
    chunk = f"{key}:{value}" + ("" if value.endswith("\n") else "\n")
    for slot in doc.front:
        if slot[0] == key:
            slot[1] = chunk
            return
    doc.front.append([key, chunk])


def insert_front(rng: random.Random, doc: Doc, text: str) -> None:
    doc.front.insert(rng.randint(0, len(doc.front)), ["?", text])


def insert_description(rng: random.Random, doc: Doc, lines_in: list[str]) -> None:
    lines, start, _ = _lines(doc)
    at = rng.randint(1, max(1, min(start, len(lines)) - 1))
    lines[at:at] = lines_in
    doc.body = "\n".join(lines)


def ensure_timeline(doc: Doc) -> None:
    """A KB article has no timeline (and an earlier mutation may have broken every heading):
    give it an entry, so timeline variants have one to break."""
    lines, start, heads = _lines(doc)
    if not heads:
        doc.body += ("" if start < len(lines) else "\n## Timeline\n") + \
            f"\n### {NOW} · note · Alice Moreau <!-- 3F9KQ2ZD -->\n\nText.\n"


def insert_entry_text(rng: random.Random, doc: Doc, text: str) -> None:
    ensure_timeline(doc)
    lines, _, heads = _lines(doc)
    at = rng.choice(heads) + 1
    while at < len(lines) and lines[at].startswith("<!-- set "):
        at += 1
    lines[at:at] = ["", text]
    doc.body = "\n".join(lines)


def edit_heading(rng: random.Random, doc: Doc, change: Callable[[list[str]], str]) -> None:
    """Replace one entry heading by `change(parts)`; parts are ENTRY_HEADING's groups
    (1: time, 3: kind, 5: actor, 7: entry id)."""
    ensure_timeline(doc)
    lines, _, heads = _lines(doc)
    at = rng.choice(heads)
    match = ENTRY_HEADING.match(lines[at])
    assert match is not None
    lines[at] = change(list(match.groups()))
    doc.body = "\n".join(lines)


def set_line(rng: random.Random, doc: Doc, value: str) -> None:
    """Put `<!-- set VALUE -->` right under an entry heading (replacing the one there)."""
    ensure_timeline(doc)
    lines, _, heads = _lines(doc)
    at = rng.choice(heads)
    if at + 1 < len(lines) and lines[at + 1].startswith("<!-- set "):
        lines[at + 1] = f"<!-- set {value} -->"
    else:
        lines.insert(at + 1, f"<!-- set {value} -->")
    doc.body = "\n".join(lines)


@dataclass(frozen=True)
class Variant:
    """One way of making a record hostile: every variant is tried once on an otherwise valid
    record (so it reaches its parse path), and random ones are combined on the rest."""

    family: str
    name: str
    apply: Callable[[random.Random, Doc], None]
    kinds: tuple[str, ...] = ("ticket", "problem", "kb")
    once: bool = False  # tried once only: a slow path (about a second per read), not a random choice


VARIANTS: list[Variant] = []


def variant(family: str, name: str, kinds: tuple[str, ...] = ("ticket", "problem", "kb")) -> Callable[
        [Callable[[random.Random, Doc], None]], Callable[[random.Random, Doc], None]]:
    def register(apply: Callable[[random.Random, Doc], None]) -> Callable[[random.Random, Doc], None]:
        VARIANTS.append(Variant(family, name, apply, kinds))
        return apply

    return register


# Random YAML shapes in place of values, or under new keys.
@variant("yaml-shape", "value")
def _shape_value(rng: random.Random, doc: Doc) -> None:
    slot = rng.choice(doc.front)
    slot[1] = f"{slot[0]}:{yaml_block(rng, rng.randint(0, 4))}"


@variant("yaml-shape", "new-key")
def _shape_key(rng: random.Random, doc: Doc) -> None:
    key = f"x_{_code(rng, 4).lower()}"
    doc.front.insert(rng.randint(0, len(doc.front)), [key, f"{key}:{yaml_block(rng, rng.randint(0, 4))}"])


@variant("yaml-shape", "every-value")
def _shape_all(rng: random.Random, doc: Doc) -> None:
    for slot in doc.front:
        slot[1] = f"{slot[0]}:{yaml_block(rng, rng.randint(0, 2))}"


# Nesting around the cap and far beyond it, read by libyaml or by the pure-Python reader.
for _depth in (8, 9, 10, 11, 12, 5000):
    for _style in ("flow-list", "flow-map", "block-list", "block-map", "unclosed"):
        for _strict in (False, True):
            if _style == "block-map" and _depth > 12:
                continue

            def _nest(rng: random.Random, doc: Doc, depth: int = _depth, style: str = _style,
                      strict: bool = _strict) -> None:
                slot = rng.choice(doc.front)
                slot[1] = f"{slot[0]}:{nested(depth, style)}"
                if strict:
                    doc.front.append(list(STRICT_READER))

            VARIANTS.append(Variant("nesting", f"{_style}-{_depth}{'-strict' if _strict else ''}", _nest,
                                    once=_strict and _depth > 1000))

# Control characters in every place text is kept.
_CONTROL_PLACES: dict[str, Callable[[random.Random, Doc, str], None]] = {
    "title": lambda rng, doc, text: _set_value(doc, "title", f"{rng.choice(WORDS)} {text}"),
    "title-raw": lambda rng, doc, text: set_raw(doc, "title", f" {text}"),
    "value": lambda rng, doc, text: _set_value(doc, rng.choice(("owner", "category", "x_note")), text),
    "description": lambda rng, doc, text: insert_description(rng, doc, [text]),
    "entry-text": lambda rng, doc, text: insert_entry_text(rng, doc, text),
    "actor": lambda rng, doc, text: edit_heading(rng, doc, lambda p: "".join([*p[:5], p[5] + text, *p[6:]])),
    "set-escaped": lambda rng, doc, text: set_line(rng, doc, json.dumps({"owner": text})),
    "set-raw": lambda rng, doc, text: set_line(rng, doc, '{"owner": "' + text + '"}'),
    "key": lambda rng, doc, text: doc.front.append([text, yamlio.dump({f"k{text}": text})]),
}
for _control in CONTROLS:
    for _place, _put in _CONTROL_PLACES.items():

        def _control_at(rng: random.Random, doc: Doc, control: str = _control,
                        put: Callable[[random.Random, Doc, str], None] = _put) -> None:
            put(rng, doc, f"{HOSTILE_WORD}{control}{rng.choice(WORDS)}{_ctrl(rng)}")

        VARIANTS.append(Variant("control-chars", f"{_place}-{_control!r}", _control_at))

# YAML's own escapes in double quotes reach any code point, a lone surrogate too.
_ESCAPED_KEYS = {"ticket": ("title", "owner", "category", "group", "status", "priority", "type", "reporter"),
                 "problem": ("title", "owner", "status"), "kb": ("author", "category", "tags")}
for _escape in ("\\ud800", "\\udcff", "\\0", "\\e[2J", "\\x9b", "\\u202e", "\\N", "\\L", "\\P", "\\e]0;t\\a"):
    for _kind, _keys in _ESCAPED_KEYS.items():
        for _key in _keys:

            def _escaped(rng: random.Random, doc: Doc, escape: str = _escape, key: str = _key) -> None:
                value = f'"{HOSTILE_WORD} {escape} x"'
                set_raw(doc, key, f" [{value}]" if key == "tags" else f" {value}")

            VARIANTS.append(Variant("control-chars", f"escaped-{_key}-{_escape}", _escaped, (_kind,)))

# Encodings (the last step: the text is encoded when the file is written).
ENCODINGS = ("latin-1", "invalid-utf8", "utf-16", "utf-16-be", "utf-32", "bom-crlf", "crlf", "cr", "double-bom",
             "mixed-eol")
BAD_UTF8 = (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xed\xa0\x80", b"\xc0\xaf",
            b"\xe2\x82", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\x80")
for _encoding in ENCODINGS:

    def _encode_as(rng: random.Random, doc: Doc, encoding: str = _encoding) -> None:
        doc.encoding = encoding
        if encoding == "latin-1":
            _set_value(doc, "title", f"Café Müller {rng.choice(WORDS)}")
            insert_description(rng, doc, ["À bientôt, señor."])

    VARIANTS.append(Variant("encoding", _encoding, _encode_as))


@variant("encoding", "bom-in-value")
def _bom_in_value(rng: random.Random, doc: Doc) -> None:
    _set_value(doc, "title", f"\ufeff{rng.choice(WORDS)}")


def encode(rng: random.Random, doc: Doc) -> bytes:
    text = doc.text()
    name = doc.encoding
    if name == "latin-1":
        return text.encode("latin-1", errors="replace")
    if name == "invalid-utf8":
        data = text.encode("utf-8", errors="surrogatepass")
        at = rng.randrange(len(data) + 1)
        return data[:at] + rng.choice(BAD_UTF8) + data[at:]
    if name in ("utf-16", "utf-16-be", "utf-32"):
        return text.encode(name, errors="surrogatepass")
    if name == "bom-crlf":
        return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8", errors="surrogatepass")
    if name == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8", errors="surrogatepass")
    if name == "cr":
        return text.replace("\n", "\r").encode("utf-8", errors="surrogatepass")
    if name == "double-bom":
        return ("\ufeff\ufeff" + text).encode("utf-8", errors="surrogatepass")
    if name == "mixed-eol":
        return "".join(line + rng.choice(("\n", "\r\n", "\r")) for line in text.split("\n")).encode(
            "utf-8", errors="surrogatepass")
    return text.encode("utf-8", errors="surrogatepass")


# YAML's traps: what a lenient reader would take, and what it would build from it.
TAGS = ("!!python/object:os.system [ls]", "!!python/object/apply:os.system ['echo pwned']",
        "!!python/name:os.system", "!!binary aGVsbG8=", "!custom x", "!!int '12'", "!!str 12", "!!float 1.5",
        "!!timestamp 2026-11-26", "!<tag:yaml.org,2002:str> x", "!!set {a, b}", "!!omap [a: 1]", "!!map {a: 1}",
        "!!seq [a]", "!!null ''", "!!bool yes", "! x", "!e!tag x", "!!merge x")
_TRAPS = (
    "x_a: &a [lol, lol, lol, lol]\nx_b: &b [*a, *a, *a, *a]\nx_c: &c [*b, *b, *b, *b]\nx_d: [*c, *c, *c, *c]\n",
    "x_t: &t Anchored\nx_u: *t\n", "<<: {status: closed}\n", "x_base: &b {status: closed}\n<<: *b\n",
    "<<: [{a: 1}, {b: 2}]\n", "? [a, b]\n: c\n", "[a, b]: c\n", "{a: 1}: x\n", "? |\n  block\n: v\n",
    "%YAML 1.1\n", "%TAG !e! tag:example.com,2000:\n", "...\n", "k" * 2000 + ": v\n", "~: x\n", ": x\n",
    "true: x\n", "1: x\n", "'': x\n", "? \n", "--- \n", "x: y: z\n", "x: 'a\n", "\tx: tab\n",
)
for _tag in TAGS:
    VARIANTS.append(Variant("yaml-trap", f"tag {_tag}",
                            lambda rng, doc, tag=_tag: set_raw(doc, rng.choice(doc.front)[0], f" {tag}")))
for _trap in _TRAPS:
    VARIANTS.append(Variant("yaml-trap", f"text {_trap[:20]!r}",
                            lambda rng, doc, trap=_trap: insert_front(rng, doc, trap)))


@variant("yaml-trap", "duplicate-key")
def _duplicate(rng: random.Random, doc: Doc) -> None:
    slot = rng.choice(doc.front)
    insert_front(rng, doc, slot[1] if rng.random() < 0.5 else f"{slot[0]}: other\n")


@variant("yaml-trap", "anchored-title")
def _anchored(rng: random.Random, doc: Doc) -> None:
    set_raw(doc, "title", " &t Anchored title")
    set_raw(doc, rng.choice(("owner", "x_alias", "category")), " *t")


# git's conflict markers, whole or in part, in the front-matter, the description, the timeline.
def _conflict(style: str, ours: str, theirs: str) -> list[str]:
    return {
        "full": ["<<<<<<< HEAD", ours, "=======", theirs, ">>>>>>> origin/main"],
        "diff3": ["<<<<<<< ours", ours, "||||||| base", "status: new", "=======", theirs, ">>>>>>> theirs"],
        "ours-only": ["<<<<<<< HEAD", ours],
        "middle-only": [ours, "=======", theirs],
        "theirs-only": [theirs, ">>>>>>> origin/main"],
        "escaped": ["\\<<<<<<< HEAD", ours, "\\=======", theirs, "\\>>>>>>> origin/main"],
        "unlabelled": ["<<<<<<<", ours, "=======", theirs, ">>>>>>>"],
    }[style]


for _style in ("full", "diff3", "ours-only", "middle-only", "theirs-only", "escaped", "unlabelled"):

    def _in_front(rng: random.Random, doc: Doc, style: str = _style) -> None:
        insert_front(rng, doc, "\n".join(_conflict(style, "status: assigned", "status: closed")) + "\n")

    def _in_description(rng: random.Random, doc: Doc, style: str = _style) -> None:
        insert_description(rng, doc, _conflict(style, "Our words.", "Their words."))

    def _in_timeline(rng: random.Random, doc: Doc, style: str = _style) -> None:
        edit_heading(rng, doc, lambda p: "\n".join(_conflict(style, "".join(p), "".join(p).replace(p[7], "0" * 8))))

    VARIANTS.append(Variant("conflict-markers", f"front-{_style}", _in_front))
    VARIANTS.append(Variant("conflict-markers", f"description-{_style}", _in_description))
    VARIANTS.append(Variant("conflict-markers", f"timeline-{_style}", _in_timeline, ("ticket", "problem")))

# Broken timelines: headings, entry IDs and times, set lines.
BAD_TIMES = ("2026-13-45T99:99:99Z", "2026-02-30T00:00:00Z", "0000-00-00T00:00:00Z", "9999-12-31T23:59:59Z",
             "0001-01-01T00:00:00Z", "２０２６-11-26T09:00:00Z", "2026-11-26T24:00:00Z", "1970-01-01T00:00:00Z")
BAD_SETS = (
    "{", "{'a': 1}", '{"status": }', '{"a": 1} {"b": 2}', '{"level": 1e999}', '{"level": NaN}',
    '{"level": -Infinity}', '{"status": ["a"]}', '{"owner": {"a": {"b": 1}}}', '{"x": "\\ud800"}',
    '{"title": "\\u001b[2J"}', '{"": 1}', '{"status": "closed", "status": "new"}', '{"level": ' + "9" * 5000 + "}",
    '{"x": ' + "[" * 5000 + "]" * 5000 + "}", '{"x": ' + "[" * 50 + "]" * 50 + "}", '{"id": "INC-000000"}',
    '{"a": "\\u0000"}', "{}", '{"status": "closed", "resolution": {"kind": "fix"}}',
    "[1, 2]", '"text"', "null", "1", "true",
)
MALFORMED_HEADINGS: tuple[Callable[[list[str]], str], ...] = (
    lambda p: f"### {p[1]} created {p[5]} <!-- {p[7]} -->",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]}",
    lambda p: f"### {p[1]} · Created · {p[5]} <!-- {p[7]} -->",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]} <!-- {p[7].lower()} -->",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]} <!-- {p[7][:7]} -->",
    lambda p: f"### {p[1]} ·  · <!-- {p[7]} -->",
    lambda p: f"### {p[1]}",
    lambda p: f"###{p[1]} · {p[3]} · {p[5]} <!-- {p[7]} -->",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]} <!-- {p[7]} --> tail",
    lambda p: f"  ### {p[1]} · {p[3]} · {p[5]} <!-- {p[7]} -->",
    lambda p: f"### {p[1][:-1]} · {p[3]} · {p[5]} <!-- {p[7]} -->",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]} <!-- {p[7]} -->\x00",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]} <!-- {p[7]} -->\n### {p[1]} · {p[3]} · {p[5]} <!-- {p[7]} -->",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]} <!-- {p[7]} -->\n## Timeline",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]} <!-- {p[7]} -->\n\n\\### {p[1]} · x · y <!-- {p[7]} -->\n\\## Timeline",
    lambda p: f"### {p[1]} · {p[3]} · {p[5]} <!-- {p[7]} -->\n\n<!-- set {{\"status\": \"closed\"}} -->",
    lambda p: f"### 2026-01-01T00:00:00Z · {p[3]} · {p[5]} <!-- {p[7]} -->",
)
for _number, _malformed in enumerate(MALFORMED_HEADINGS):
    VARIANTS.append(Variant("timeline", f"heading-{_number}",
                            lambda rng, doc, m=_malformed: edit_heading(rng, doc, m), ("ticket", "problem")))
for _time in BAD_TIMES:
    VARIANTS.append(Variant("timeline", f"time-{_time}", lambda rng, doc, t=_time: edit_heading(
        rng, doc, lambda p: "".join([*p[:1], t, *p[2:]])), ("ticket", "problem")))
for _set in BAD_SETS:
    VARIANTS.append(Variant("timeline", f"set-{_set[:20]}", lambda rng, doc, s=_set: set_line(rng, doc, s),
                            ("ticket", "problem")))


@variant("timeline", "duplicate-entry", ("ticket", "problem"))
def _duplicate_entry(rng: random.Random, doc: Doc) -> None:
    ensure_timeline(doc)
    lines, _, heads = _lines(doc)
    at = rng.choice(heads)
    end = next((i for i in heads if i > at), len(lines))
    lines[end:end] = lines[at:end]
    doc.body = "\n".join(lines)


@variant("timeline", "text-before-first-entry", ("ticket", "problem"))
def _text_before(rng: random.Random, doc: Doc) -> None:
    lines, start, _ = _lines(doc)
    lines.insert(start + 1, "Stray text before the first entry.")
    doc.body = "\n".join(lines)


@variant("timeline", "many-entries", ("ticket", "problem"))
def _many_entries(rng: random.Random, doc: Doc) -> None:
    doc.body += "".join(f"\n### {NOW} · note · Bob Stone <!-- {_code(rng, 8)} -->\n\nEntry {n}.\n" for n in range(1000))


@variant("timeline", "no-timeline-heading", ("ticket", "problem"))
def _no_heading(rng: random.Random, doc: Doc) -> None:
    doc.body = doc.body.replace("\n## Timeline\n", "\n", 1)


# Values of the wrong type, or of the right type and a wrong value.
TIMES = (" yesterday", " 2026-11-26", ' "2026-11-26T09:00:00Z\\n"', " 9999-12-31T23:59:59Z", " 0001-01-01T00:00:00Z",
         " 2026-02-30T00:00:00Z", " 2026-13-45T99:99:99Z", " ~", " [2026]", " ２０２６-11-26T09:00:00Z",
         " 2026-11-26T09:00:00+01:00", " 1764147600", " ''")
WRONG: dict[str, tuple[str, ...]] = {
    "status": (" [a]", " {a: b}", " 42", " true", ' ""', " bogus", " ~", " closed", " resolved", " known_error",
               " pending"),
    "level": (" two", " 1.5", " -1", " 0", " 99999999999999999999999", " " + "1" * 5000, ' "2"', " true", " [1]"),
    "created": TIMES, "updated": TIMES, "responded": TIMES, "resolved": TIMES, "closed": TIMES,
    "due_response": TIMES, "due_resolution": TIMES, "notified": TIMES, "confirmed": TIMES,
    "priority": (" P9", " [P1]", " 1", " true", " p1"),
    "kb": (" {a: b}", " a", " [1, 2]", " [[a]]", " [KB-0000000]", " ['']"),
    "major": (" yes", " 1", ' "true"', " [true]", " true"),
    "title": (" 123", ' ""', " ~", " [a]", ' "two\\nlines"', " true", " '   '"),
    "id": (" 12345", " ~", " INC-ZZZZZZ", " [INC-1]", ' ""', " ../../etc/passwd", " true"),
    "resolution": (" {kind: x}", " text", " {kind: fix, summary: s, code: c, other: 1}", " {kind: 1, summary: 2}",
                   " []", " {kind: fix, summary: ''}", " {kind: fix, summary: s, code: bogus}"),
    "related": (" [1, 2]", " INC-0000", " {a: 1}", " [INC-000000]"),
    "problem": (" PRB-000000", " [PRB-1]", " 7"),
    "type": (" problem", " [incident]", " 7"),
    "group": (" {a: 1}", " nobody", " 42"),
    "owner": (" [x]", " 42", " {a: b}"),
    "channel": (" pigeon", " [phone]"),
    "impact": (" huge", " [high]", " 3"),
    "incidents": (" {a: b}", " [INC-000000]", " INC-1"),
    "tags": (" [UPPER, with space, 1]", " tag", " [[a]]"),
    "links": (" {a: b}", " 3"),
    "author": (" [x]", " true"),
    "workaround": (" [a]", " 12"),
}
for _key, _values in WRONG.items():
    _kinds = tuple(kind for kind in ("ticket", "problem", "kb") if _key in dict(model.FIELDS[kind]))
    for _value in _values:
        VARIANTS.append(Variant("wrong-type", f"{_key}:{_value[:20]}",
                                lambda rng, doc, k=_key, v=_value: set_raw(doc, k, v), _kinds))

FAMILIES = sorted({v.family for v in VARIANTS})


def mutate(rng: random.Random, doc: Doc, family: str) -> None:
    """One random variant of `family`, applied where it can be (a KB article has no `level`)."""
    candidates = [v for v in VARIANTS if v.family == family and not v.once]
    chosen = rng.choice([v for v in candidates if doc.kind in v.kinds] or candidates)
    chosen.apply(rng, doc)


WHOLE_FILE = ("empty", "fence-only", "no-closing-fence", "truncated", "binary", "nul", "long-line", "not-a-mapping",
              "text-before", "fence-variants", "whitespace", "many-lines", "no-front", "only-front", "dashes")


def whole_file(rng: random.Random, doc: Doc, how: str) -> bytes:
    """The file replaced whole: what no mutation of a record's parts gives."""
    text = doc.text()
    front = "".join(chunk for _, chunk in doc.front)
    if how == "empty":
        return b""
    if how == "fence-only":
        return rng.choice((b"---", b"---\n", b"---\n---\n", b"---\n---\n---\n", b"---\n\n---\n", b"---\r\n---\r\n"))
    if how == "no-closing-fence":
        return ("---\n" + front + doc.body).encode()
    if how == "truncated":
        data = text.encode()
        return data[: rng.randrange(len(data))]
    if how == "binary":
        return rng.randbytes(rng.randint(1, 64 * KIB))
    if how == "nul":
        return b"\x00" * rng.randint(1, 4 * KIB)
    if how == "long-line":
        return one_long_line(rng.randrange(4), doc, 64 * KIB + 1)
    if how == "not-a-mapping":
        top = rng.choice(("- a\n- b\n", "just text\n", "[1, 2]\n", "''\n", "42\n", "~\n", "|\n  literal\n", "\n",
                          nested(5000, "flow-list"), nested(11, "block-list")))
        return ("---\n" + top + "---\n" + doc.body).encode()
    if how == "text-before":
        return (rng.choice(("hello\n", "\n", " ", "\ufeff\n", "\x00")) + text).encode()
    if how == "fence-variants":
        head = rng.choice(("----\n", "--- \n", "---\t\n", "--- # c\n", "---x\n", "- - -\n"))
        closing = rng.choice(("...\n", "-- -\n", "----\n", "---   \n", "---"))
        return (head + front + closing + doc.body).encode()
    if how == "whitespace":
        return rng.choice((b" \n\t\n  ", b"\n" * 100, b"\r\n" * 10, b"\x0c"))
    if how == "dashes":
        return rng.choice((b"---\n" * 100_000, b"-" * 300_000, b"---" + b" " * 300_000 + b"x",
                           b"---\n" + b"\n" * 300_000 + b"---\n", b"---\n" + b"- " * 100_000 + b"\n---\n"))
    if how == "many-lines":
        return ("\n" * 200_000 + text).encode()
    if how == "no-front":
        return doc.body.encode()
    assert how == "only-front"
    return ("---\n" + front + "---\n").encode()


def one_long_line(variant: int, doc: Doc, size: int) -> bytes:
    """A file that is (or ends in) one line of `size` bytes, no newline in it."""
    front = "".join(chunk for _, chunk in doc.front)
    return (b"x" * size, ("---\n" + "a" * size).encode(), ("é" * (size // 2)).encode(),
            ("---\n" + front + "---\n" + ("vpn " * size)[:size]).encode())[variant]


def _filler(size: int) -> str:
    """ASCII text of exactly `size` bytes, in lines of words (searchable, no reserved lines)."""
    line = "the vpn drops every few minutes when working from home again\n"
    text = line * (size // len(line) + 1)
    return text[:size]


def sized(doc: Doc, front_bytes: int | None = None, file_bytes: int | None = None, pad: str = "a") -> bytes:
    """The doc padded so its front-matter (the bytes between the `---` lines) or the whole file
    is exactly that many bytes; `pad` may be a two-byte character."""
    if front_bytes is not None:
        used = len("".join(chunk for _, chunk in doc.front).encode()) + len("x_padding: \n")
        room = front_bytes - used
        count, odd = divmod(room, len(pad.encode()))
        doc.front.append(["x_padding", f"x_padding: {pad * count}{'a' * odd}\n"])
        assert len("".join(chunk for _, chunk in doc.front).encode()) == front_bytes
    if file_bytes is not None:
        room = file_bytes - len(doc.text().encode()) - 1
        doc.body = doc.body[:1] + _filler(room) + "\n" + doc.body[1:]
    data = doc.text().encode()
    assert file_bytes is None or len(data) == file_bytes
    return data


def _ticket_rel(rid: str, month: str = MONTH) -> str:
    return f"tickets/{month}/{rid}.md"


def _rel(kind: str, rid: str) -> str:
    return _ticket_rel(rid) if kind == "ticket" else f"{'problems' if kind == 'problem' else 'kb'}/{rid}.md"


class Minter:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self, kind: str) -> str:
        prefix = {"problem": "PRB", "kb": "KB"}.get(kind) or self.rng.choice(("INC", "INC", "REQ"))
        while True:
            rid = f"{prefix}-{_code(self.rng, 6)}"
            if rid not in self.used:
                self.used.add(rid)
                return rid


def _kind(rng: random.Random) -> str:
    return rng.choices(("ticket", "problem", "kb"), weights=(6, 2, 2))[0]


def fixed_files(rng: random.Random, mint: Minter, desk_no: int) -> list[Hostile]:
    """What every desk gets besides the random files: valid records, files at each cap, YAML
    nested at the depth cap, valid encodings, and entries that are not regular files."""
    made: list[Hostile] = []

    def add(kind: str, families: list[str], expect: str | None, build: Callable[[Doc], bytes],
            title: str | None = None) -> None:
        rid = mint(kind)
        made.append(Hostile(_rel(kind, rid), kind, families, build(new_doc(rng, kind, rid, title)),
                            expect=expect))

    for n in range(10):
        add(("ticket", "problem", "kb")[n % 3], ["valid"], "read", lambda d: d.text().encode(),
            title=f"VPN {_sentence(rng)}")
    for size, pad, expect in ((FM_CAP - 1, "a", "read"), (FM_CAP, "a", "read"), (FM_CAP, "é", "read"),
                              (FM_CAP + 1, "a", "refuse"), (FM_CAP + 1, "é", "refuse")):
        add(rng.choice(("ticket", "problem", "kb")), ["size-cap"], expect,
            lambda d, s=size, p=pad: sized(d, front_bytes=s, pad=p))
    big = {0: (("ticket", FILE_CAP, "read"), ("ticket", FILE_CAP + 1, "refuse")),
           1: (("kb", FILE_CAP, "read"), ("problem", FILE_CAP + 1, "refuse"))}.get(desk_no, ())
    for kind, size, expect in big:
        add(kind, ["size-cap"], expect, lambda d, s=size: sized(d, file_bytes=s))
    for style in ("flow-list", "flow-map", "block-list", "block-map"):
        for strict in (False, True):
            for depth, expect in ((DEPTH_CAP - 1, "read"), (DEPTH_CAP, "refuse")):

                def deep(d: Doc, depth: int = depth, style: str = style, strict: bool = strict) -> bytes:
                    # The root mapping is one level, so a value `depth` deep is YAML `depth + 1` deep.
                    d.front.append(["x_deep", f"x_deep:{nested(depth, style)}"])
                    if strict:
                        d.front.append(list(STRICT_READER))
                    return d.text().encode()

                add(rng.choice(("ticket", "problem", "kb")), ["nesting"], expect, deep)
    for name in ("bom-crlf", "crlf", "double-bom"):

        def accepted(d: Doc, name: str = name) -> bytes:
            d.encoding = name
            return encode(rng, d)

        add(rng.choice(("ticket", "problem", "kb")), ["encoding"], "read", accepted)

    add(rng.choice(("ticket", "problem", "kb")), ["whole-file"], None,
        lambda d: one_long_line(desk_no % 4, d, MIB))

    # Entries that are not regular files, or not inside the desk.
    for kind in ("ticket", "problem"):
        made.append(Hostile(_rel(kind, mint(kind)), kind, ["non-file"], special="fifo", expect="refuse"))
    made.append(Hostile(_rel("ticket", mint("ticket")), "ticket", ["non-file"], special="folder", expect="refuse"))
    rid = mint("ticket")
    made.append(Hostile(_rel("ticket", rid), "ticket", ["non-file"], special="symlink", target=f"@outside/{rid}.md",
                        expect="refuse",
                        outside={f"{rid}.md": new_doc(rng, "ticket", rid).text().encode()}))
    for target in ("/dev/zero", "/dev/null", "does-not-exist.md", "@fifo"):
        kind = rng.choice(("ticket", "kb"))
        made.append(Hostile(_rel(kind, mint(kind)), kind, ["non-file"], special="symlink", target=target,
                            expect="refuse"))
    if desk_no == 5:  # symbolic links in a loop: one to itself, two to each other
        first, second = mint("ticket"), mint("ticket")
        for rid, target in ((mint("problem"), "@self"), (first, f"{second}.md"), (second, f"{first}.md")):
            kind = "problem" if rid.startswith("PRB") else "ticket"
            made.append(Hostile(_rel(kind, rid), kind, ["non-file"], special="symlink", target=target,
                                expect="refuse"))
    valid_ticket = next(h for h in made if h.kind == "ticket" and h.families == ["valid"])
    made.append(Hostile(_rel("kb", mint("kb")), "kb", ["non-file"], special="symlink",
                        target=f"../{valid_ticket.rel}", expect="refuse"))
    if desk_no == 2:  # a month folder that is a link out of the desk: its records are never read
        for _ in range(2):
            rid = mint("ticket")
            made.append(Hostile(_ticket_rel(rid, "2026-12"), "ticket", ["non-file"], expect="refuse",
                                data=new_doc(rng, "ticket", rid).text().encode()))
    if desk_no == 3:  # file names that are not plain IDs, or not UTF-8 text
        for name in ("INC-\x1b[2J", "INC-\u202eKCOL", "INC-A\nB", "INC-\x9b31m"):
            doc = new_doc(rng, "ticket", mint("ticket"))
            _set_value(doc, "id", name)
            made.append(Hostile(_ticket_rel(name), "ticket", ["file-name"], data=doc.text().encode()))
        rid = mint("ticket")
        made.append(Hostile(_ticket_rel(os.fsdecode(b"INC-\xff\xfe")), "ticket", ["file-name"], expect="refuse",
                            data=new_doc(rng, "ticket", rid).text().encode()))
    return made


def edge_files(rng: random.Random, mint: Minter, desk_no: int) -> list[Hostile]:
    """Every variant once, on an otherwise valid record (a broken front-matter would hide a
    broken timeline), and every whole-file replacement once; spread over the desks."""
    made = []
    for number, chosen in enumerate(VARIANTS):
        if number % DESKS != desk_no:
            continue
        kind = chosen.kinds[(number // DESKS) % len(chosen.kinds)]
        rid = mint(kind)
        doc = new_doc(rng, kind, rid)
        chosen.apply(rng, doc)
        made.append(Hostile(_rel(kind, rid), kind, [chosen.family], encode(rng, doc)))
    for number, how in enumerate(WHOLE_FILE):
        if number % DESKS == desk_no:
            kind = _kind(rng)
            rid = mint(kind)
            made.append(Hostile(_rel(kind, rid), kind, ["whole-file"], whole_file(rng, new_doc(rng, kind, rid), how)))
    return made


@functools.cache
def generate(desk_no: int) -> list[Hostile]:
    """The files of one desk: the fixed ones, every variant once, then random combinations."""
    rng = random.Random(SEED * 100 + desk_no)
    mint = Minter(rng)
    made = fixed_files(rng, mint, desk_no) + edge_files(rng, mint, desk_no)
    combinable = [name for name in FAMILIES if name != "encoding"]
    for _ in range(FILES_PER_DESK):
        kind = _kind(rng)
        rid = mint(kind)
        doc = new_doc(rng, kind, rid)
        if rng.random() < 0.05:
            made.append(Hostile(_rel(kind, rid), kind, ["whole-file"], whole_file(rng, doc, rng.choice(WHOLE_FILE))))
            continue
        families = rng.sample(combinable, rng.randint(1, 3))
        if rng.random() < 0.15:
            families.append("encoding")
        for family in families:
            mutate(rng, doc, family)
        made.append(Hostile(_rel(kind, rid), kind, families, encode(rng, doc)))
    return made


# ---------------------------------------------------------------------------------------------
# The desks, and every command run over them (once per module, desks in parallel)
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    args: list[str]
    code: int | None  # None: killed by the timeout
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)

    def __str__(self) -> str:
        return self.where()

    def where(self) -> str:
        """The command and what went wrong: stderr without its warnings (there are hundreds)."""
        lines = self.stderr.split("\n")
        shown = [line for line in lines if not line.startswith("itsm: warning:")] or lines[-3:]
        return f"`itsm {' '.join(self.args)}` exited {self.code}: {chr(10).join(shown)[:1500]!r}"


@dataclass
class FuzzDesk:
    root: Path
    files: list[Hostile] = field(repr=False)
    runs: dict[str, Run] = field(default_factory=dict, repr=False)
    shows: list[dict[str, Any]] = field(default_factory=list, repr=False)
    show_helper: Run | None = field(default=None, repr=False)


COMMANDS: dict[str, tuple[list[str], tuple[int, ...]]] = {
    "list-json": (["list", "--json"], (0,)),
    "list-table": (["list"], (0,)),
    "check-json": (["check", "--json"], (0, 1)),
    "check-text": (["check"], (0, 1)),
    "chase-json": (["chase", "--json"], (0,)),
    "search-vpn": (["search", "vpn"], (0,)),
    "search-hostile": (["search", HOSTILE_WORD], (0,)),
    "search-hostile-json": (["search", "--json", "-n", "50", HOSTILE_WORD], (0,)),
}

# One process per desk runs `show` for every file, each call under an alarm, and prints one JSON
# line per call (thousands of processes would take minutes).
SHOW_HELPER = r"""
import contextlib, functools, io, json, signal, sys, traceback
import typer.main
import itsm.cli

# Typer rebuilds the click command on every call (0.1 s); build it once, as one process would.
typer.main.get_command = functools.cache(typer.main.get_command)

class Hang(BaseException):
    pass

def alarm(signum, frame):
    raise Hang()

signal.signal(signal.SIGALRM, alarm)
desk, seconds = sys.argv[1], int(sys.argv[2])
for args in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    signal.alarm(seconds)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = itsm.cli.main([*args, "--desk", desk])
    except Hang:
        code = "hang"
    except BaseException:
        code = "raised"
        err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
    print(json.dumps({"args": args, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}), flush=True)
"""


def build_desk(root: Path, outside: Path, files: list[Hostile]) -> None:
    desk_init.init(root)
    outside.mkdir()
    os.mkfifo(outside / "fifo")
    for item in files:
        path = root / item.rel
        if item.rel.startswith("tickets/2026-12/"):
            (outside / "2026-12").mkdir(exist_ok=True)
            (outside / "2026-12" / Path(item.rel).name).write_bytes(item.data or b"")
            if not (root / "tickets" / "2026-12").is_symlink():
                (root / "tickets" / "2026-12").symlink_to(outside / "2026-12")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        for name, data in item.outside.items():
            (outside / name).write_bytes(data)
        if item.special == "fifo":
            os.mkfifo(path)
        elif item.special == "folder":
            path.mkdir()
        elif item.special == "symlink":
            assert item.target is not None
            target = {"@self": path.name, "@fifo": str(outside / "fifo")}.get(item.target, item.target)
            path.symlink_to(target.replace("@outside", str(outside)))
        else:
            assert item.data is not None
            path.write_bytes(item.data)
    commit_all(root, "hostile records, written by hand")


def run_cli(desk: FuzzDesk, args: list[str], env: dict[str, str]) -> Run:
    try:
        done = subprocess.run([sys.executable, "-m", "itsm", *args], cwd=desk.root, env=env, capture_output=True,
                              timeout=PROCESS_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        return Run(args, None, _text(exc.stdout or b""), _text(exc.stderr or b"") + " [timed out]")
    return Run(args, done.returncode, _text(done.stdout), _text(done.stderr))


def run_shows(desk: FuzzDesk, env: dict[str, str]) -> None:
    calls = []
    for item in desk.files:
        calls += [["show", item.stem], ["show", item.stem, "--json"]]
    try:
        done = subprocess.run([sys.executable, "-c", SHOW_HELPER, str(desk.root), str(SHOW_ALARM)], cwd=desk.root,
                              env=env, input=json.dumps(calls).encode(), capture_output=True,
                              timeout=PROCESS_TIMEOUT * 2, check=False)
        stdout, stderr, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        stdout, stderr, code = exc.stdout or b"", exc.stderr or b"", None
    desk.show_helper = Run(["show", "(one helper process for every file)"], code, "", _text(stderr)[-3000:])
    desk.shows = [json.loads(line) for line in stdout.decode().split("\n") if line.strip()]


def _text(data: bytes) -> str:
    # Bytes that are not UTF-8 become lone surrogates, which RAW_CONTROL catches.
    return data.decode("utf-8", errors="surrogateescape")


def exercise(desk: FuzzDesk, env: dict[str, str]) -> None:
    for name, (args, _) in COMMANDS.items():
        desk.runs[name] = run_cli(desk, args, env)
    run_shows(desk, env)


@pytest.fixture(scope="module")
def desks(tmp_path_factory: pytest.TempPathFactory) -> list[FuzzDesk]:
    base = tmp_path_factory.mktemp("fuzz")
    home = base / "home"
    home.mkdir()
    made = [FuzzDesk(base / f"desk{n}", generate(n)) for n in range(DESKS)]
    with pinned(home) as env:
        for n, desk in enumerate(made):
            build_desk(desk.root, base / f"outside{n}", desk.files)
    with ThreadPoolExecutor(max_workers=max(2, min(DESKS, os.cpu_count() or 2))) as pool:
        list(pool.map(lambda d: exercise(d, env), made))
    return made


# ---------------------------------------------------------------------------------------------
# What is proven
# ---------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def strict_json(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def raw_controls(text: str) -> list[str]:
    return sorted({repr(m.group()) for m in RAW_CONTROL.finditer(text)})


def test_the_corpus_is_a_few_thousand_hostile_files() -> None:
    """The corpus: about 3,000 files, every family of hostility in it, and only a handful of big ones."""
    corpus = [item for n in range(DESKS) for item in generate(n)]
    families = Counter(name for item in corpus for name in set(item.families))
    assert len(corpus) >= 3000
    for name in (*FAMILIES, "whole-file", "size-cap", "non-file", "valid", "file-name"):
        assert families[name] >= (5 if name in ("file-name", "size-cap") else 10), (name, families)
    big = [item for item in corpus if item.data is not None and len(item.data) > 2 * MIB]
    assert 1 <= len(big) <= 6  # a handful at the file cap, no more: disk and time stay small


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("desk_no", range(DESKS), ids=[f"desk{n}" for n in range(DESKS)])
def test_commands_survive_hostile_files(desks: list[FuzzDesk], desk_no: int, command: str) -> None:
    """No exit 3, no traceback, no hang, nothing raw on a terminal, strict JSON for --json."""
    run = desks[desk_no].runs[command]
    allowed = COMMANDS[command][1]
    assert run.code is not None, f"hang: {run.where()}"
    assert run.code in allowed, run.where()
    assert "Traceback" not in run.stderr, run.where()
    assert "internal error" not in run.stderr, run.where()
    for stream, text in (("stdout", run.stdout), ("stderr", run.stderr)):
        assert not raw_controls(text), f"raw {raw_controls(text)} on {stream} of `itsm {' '.join(run.args)}`"
    if "--json" in run.args:
        try:
            strict_json(run.stdout)
        except ValueError as exc:
            pytest.fail(f"`itsm {' '.join(run.args)}` printed what is not strict JSON: {exc}")


@pytest.mark.parametrize("desk_no", range(DESKS), ids=[f"desk{n}" for n in range(DESKS)])
def test_show_every_file(desks: list[FuzzDesk], desk_no: int) -> None:
    """`show` (text and --json) reads every file or refuses it naming the file; never exit 3."""
    desk = desks[desk_no]
    assert desk.show_helper is not None and desk.show_helper.code == 0, f"died or hung: {desk.show_helper}"
    assert len(desk.shows) == 2 * len(desk.files)
    bad: list[str] = []
    for item, plain, as_json in zip(desk.files, desk.shows[::2], desk.shows[1::2], strict=True):
        for result in (plain, as_json):
            what = f"{item.rel!r} ({'+'.join(item.families)}): `itsm {' '.join(result['args'])}`"
            if result["code"] not in (0, 2):
                bad.append(f"{what} gave {result['code']}: {result['stderr'][-600:]!r}")
                continue
            for stream in ("stdout", "stderr"):
                if raw_controls(result[stream]):
                    bad.append(f"{what} printed raw {raw_controls(result[stream])} on {stream}")
            if "Traceback" in result["stderr"] or "internal error" in result["stderr"]:
                bad.append(f"{what}: {result['stderr'][-600:]!r}")
            named = for_terminal(item.rel, one_line=True) in result["stderr"]
            if result["code"] == 2 and item.stem.isascii() and item.stem.isprintable() and not named:
                bad.append(f"{what} refused without naming the file: {result['stderr'][:300]!r}")
            if result["code"] == 0 and "--json" in result["args"]:
                try:
                    shown = strict_json(result["stdout"])
                    if shown.get("path") != item.rel:
                        bad.append(f"{what} showed {shown.get('path')!r}")
                except ValueError as exc:
                    bad.append(f"{what} printed what is not strict JSON: {exc}")
        if plain["code"] != as_json["code"] and isinstance(plain["code"], int) and isinstance(as_json["code"], int):
            bad.append(f"{item.rel!r}: `show` exited {plain['code']} but `show --json` {as_json['code']}")
        if item.expect == "read" and plain["code"] != 0:
            bad.append(f"{item.rel!r} ({'+'.join(item.families)}) must be read: {plain['stderr'][:300]!r}")
        if item.expect == "refuse" and plain["code"] == 0:
            bad.append(f"{item.rel!r} ({'+'.join(item.families)}) must be refused, but `show` read it")
    assert not bad, f"{len(bad)} problems in {desk.root}:\n" + "\n".join(bad[:25])


@pytest.mark.parametrize("desk_no", range(DESKS), ids=[f"desk{n}" for n in range(DESKS)])
def test_every_fault_is_named_by_file(desks: list[FuzzDesk], desk_no: int) -> None:
    """What `list` or `show` cannot read, `list` names in a warning and `check` names as a fault."""
    desk = desks[desk_no]
    listing, checked = desk.runs["list-json"], desk.runs["check-json"]
    assert listing.code == 0, listing.where()
    assert checked.code in (0, 1), checked.where()
    listed = {ticket["id"] for ticket in json.loads(listing.stdout)}  # strictness is tested above
    findings = json.loads(checked.stdout)
    faulty = {f["path"] for f in findings if f["severity"] == "error"}
    shown = {(s["args"][1], "--json" in s["args"]): s["code"] for s in desk.shows}
    bad: list[str] = []
    for item in desk.files:
        what = f"{item.rel!r} ({'+'.join(item.families)})"
        show_read = shown.get((item.stem, False)) == 0
        if item.kind == "ticket":
            read = item.stem in listed
            if not read and for_terminal(item.rel, one_line=True) not in listing.stderr:
                bad.append(f"{what}: not listed, and `list` did not name it")
            if item.families != ["file-name"] and read != show_read:
                bad.append(f"{what}: `list` {'lists' if read else 'skips'} it but `show` "
                           f"{'reads' if show_read else 'refuses'} it")
        else:
            read = show_read
        if not read and item.rel not in faulty:
            bad.append(f"{what}: unreadable, but `check --json` has no fault for it")
        if item.expect == "read" and not read:
            bad.append(f"{what}: must be read, but was refused")
        if item.expect == "refuse" and read:
            bad.append(f"{what}: must be refused, but was read")
    for finding in findings:
        if finding["path"] != "itsm.yaml" and not os.path.lexists(desk.root / finding["path"]):
            bad.append(f"`check` names {finding['path']!r}, which is not a file of the desk")
    assert not bad, f"{len(bad)} problems in {desk.root}:\n" + "\n".join(bad[:25])


@pytest.mark.parametrize("desk_no", range(DESKS), ids=[f"desk{n}" for n in range(DESKS)])
def test_search_still_finds_the_valid_records(desks: list[FuzzDesk], desk_no: int) -> None:
    """Among hundreds of hostile files, `search` still finds the good records and the hostile word."""
    desk = desks[desk_no]
    run = desk.runs["search-vpn"]
    assert run.code == 0, run.where()
    valid = {item.stem for item in desk.files if item.families == ["valid"]}
    assert any(rid in run.stdout for rid in valid), run.stdout[:2000]
    run = desk.runs["search-hostile-json"]
    assert run.code == 0, run.where()
    assert json.loads(run.stdout), "nothing found for a word in hundreds of hostile files"
