"""Reading and writing record files: Markdown with YAML front-matter.

The pair is exact: `render(parse(text))` gives back `text` for every file `itsm` wrote, so
saving an unchanged record changes no byte and git diffs show only real changes.

A ticket or problem file looks like this::

    ---
    id: INC-7QK3F2
    title: 'VPN: drops every few minutes'
    ...
    ---

    The description, as the user gave it.

    ## Timeline

    ### 2026-11-26T09:14:00Z · created · Alice Moreau <!-- 3F9KQ2ZD -->

    Recorded from phone.

An entry that changes front-matter keys carries them on the line after its heading, as JSON
in an HTML comment (`<!-- set {"owner": "Carla Diaz", "status": "assigned"} -->`), invisible
when the Markdown is rendered: folding these in time order gives the front-matter, which is
how `itsm check` tells a hand-forged status from one the timeline really reached.

Lines of free text that would read as the timeline heading, an entry heading or one of git's
conflict markers are written with a leading backslash (one more for each one already there),
so no description or note can forge or hide a timeline entry or pass for an unfinished
merge; Markdown renders the backslash away. A file holding git's conflict markers
(`<<<<<<<`, `=======`, `>>>>>>>` in that order) is refused as a whole: it is the middle of a
merge, and neither side's timeline can be trusted until a person (or the merge driver) ends it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from frontmatter.default_handlers import YAMLHandler

from itsm.core import timeutil
from itsm.core.model import (
    FIELDS,
    REQUIRED,
    WRITTEN_WHEN_SET,
    Article,
    Entry,
    FieldType,
    Problem,
    Record,
    Resolution,
    Ticket,
    front_matter,
)
from itsm.records import yamlio

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_YAML_BYTES = yamlio.MAX_YAML_BYTES
TIMELINE_HEADING = "## Timeline"
# The time must be a real moment: months, days, hours in range (a day past 28 is checked apart).
ENTRY_RE = re.compile(
    r"^### (\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ) · "
    r"([a-z][a-z0-9_-]*) · (.+?) <!-- ([0-9A-Z]{8}) -->$"
)
SET_RE = re.compile(r"^<!-- set (\{.*\}) -->$")
# git's conflict markers, as `git merge` writes them at the start of a line.
_MARKER = r"<{7}(?: |$)|={7}$|>{7}(?: |$)|\|{7}(?: |$)"
_RESERVED = rf"## Timeline[ \t]*$|### \d{{4}}-\d\d-\d\dT|{_MARKER}"
_RESERVED_RE = re.compile(rf"^(\\*)({_RESERVED})")
_ESCAPED_RE = re.compile(rf"^\\(\\*(?:{_RESERVED}))")
_MARKER_RE = re.compile(rf"^(\\*)({_MARKER})")
_MARKER_ESCAPED_RE = re.compile(rf"^\\(\\*(?:{_MARKER}))")
_CONFLICT_MARK_RE = re.compile(r"^(?:(<{7})(?: .*)?|(={7})|(>{7})(?: .*)?)$", re.MULTILINE)
# python-frontmatter's own definition of the '---' fences, so files stay readable by it.
_FM_BOUNDARY: re.Pattern[str] = YAMLHandler.FM_BOUNDARY
_CLASSES: dict[str, type[Ticket] | type[Problem] | type[Article]] = {
    "ticket": Ticket, "problem": Problem, "kb": Article,
}


class RecordError(ValueError):
    """A record file that cannot be read; `line` is 1-based in the file, when known."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path

    def __str__(self) -> str:
        where = self.path or "<record>"
        return f"{where}:{self.line}: {self.message}" if self.line else f"{where}: {self.message}"


def render(record: Record) -> str:
    """The canonical file text of a record."""
    data = front_matter(record)
    if isinstance(record, Ticket):
        for key in WRITTEN_WHEN_SET:
            if not data[key]:
                del data[key]
    return "---\n" + yamlio.dump(data) + "---\n" + _render_body(record)


def size_problem(text: str) -> str | None:
    """Why a record file's text would be refused by the reader, if it would: what `itsm`
    writes, it must be able to read back (input limits equal read limits)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        return f"the record would be {size / 1024 / 1024:.1f} MiB, over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit of a record file"
    split = _split(text)  # exactly the block the reader will measure
    front_size = len(split[0].encode("utf-8", "surrogatepass")) if split is not None else 0
    if front_size > MAX_YAML_BYTES:
        return (f"its front-matter would be {front_size // 1024} KiB, over the {MAX_YAML_BYTES // 1024} KiB "
                "limit; long text belongs in the body (a note), not in a front-matter field")
    return None


def _render_body(record: Record) -> str:
    if isinstance(record, Article):
        return f"\n{escape_markers(record.body)}\n" if record.body else ""
    parts = [escape(record.description)] if record.description else []
    parts.append(TIMELINE_HEADING)
    for entry in record.timeline:
        heading = f"### {entry.time} · {entry.kind} · {entry.actor} <!-- {entry.id} -->"
        if entry.changes:
            heading += f"\n<!-- set {_changes_json(entry.changes)} -->"
        parts.append(f"{heading}\n\n{escape(entry.text)}" if entry.text else heading)
    return "\n" + "\n\n".join(parts) + "\n"


def _changes_json(changes: tuple[tuple[str, Any], ...]) -> str:
    text = json.dumps(dict(changes), ensure_ascii=False, separators=(", ", ": "))
    # One line that cannot end the HTML comment early or be split by a YAML-style line break.
    for raw, escaped in ((">", "\\u003e"), ("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def escape(text: str) -> str:
    return "\n".join(_RESERVED_RE.sub(r"\\\1\2", line) for line in text.split("\n"))


def unescape(text: str) -> str:
    return "\n".join(_ESCAPED_RE.sub(r"\1", line) for line in text.split("\n"))


def escape_markers(text: str) -> str:
    """A KB body is Markdown as written; only lines that would pass for git's conflict
    markers get a backslash (Markdown renders `\\=======` as the text)."""
    return "\n".join(_MARKER_RE.sub(r"\\\1\2", line) for line in text.split("\n"))


def unescape_markers(text: str) -> str:
    return "\n".join(_MARKER_ESCAPED_RE.sub(r"\1", line) for line in text.split("\n"))


def conflict_line(text: str) -> int | None:
    """The line of the first unresolved git conflict (`<<<<<<<` ... `=======` ... `>>>>>>>`)."""
    if "<<<<<<<" not in text:  # the common case, at the cost of one substring search
        return None
    start, middle = None, False
    for match in _CONFLICT_MARK_RE.finditer(text):
        ours, between, theirs = match.groups()
        if ours:
            start, middle = (match.start() if start is None else start), False
        elif between and start is not None:
            middle = True
        elif theirs and middle and start is not None:
            return text.count("\n", 0, start) + 1
    return None


def parse(text: str, kind: str, path: str | None = None) -> Record:
    """Parse a record file's text; raises RecordError (with path and line) when malformed."""
    try:
        return _parse(text, kind)
    except RecordError as exc:
        exc.path = path
        raise


def _parse(text: str, kind: str) -> Record:
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise RecordError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    conflict = conflict_line(text)
    if conflict is not None:
        raise RecordError(
            "unfinished merge: git's conflict markers (<<<<<<< ======= >>>>>>>) are in the file; "
            "keep both sides' timeline entries, delete the marker lines, then `git add` the file",
            conflict,
        )
    split = _split(text)
    if split is None and _FM_BOUNDARY.match(text):
        raise RecordError("the front-matter is never closed: add a '---' line after its last key", 1)
    if split is None:
        raise RecordError("no YAML front-matter: the file must start with a '---' line", 1)
    front_text, first_yaml_line, body = split
    try:
        parsed = yamlio.load(front_text)
    except yamlio.YamlError as exc:
        raise RecordError(exc.message, first_yaml_line + exc.line if exc.line else None) from None
    if not isinstance(parsed.value, dict):
        raise RecordError("front-matter must be a mapping of keys to values", first_yaml_line + 1)

    def line_of(*key: str | int) -> int | None:
        line = parsed.line_of(*key)
        return first_yaml_line + line if line else None

    values: dict[str, Any] = {}
    for key, field_type in FIELDS[kind]:
        if key not in parsed.value:
            if key in REQUIRED:
                raise RecordError(f"missing required key '{key}'", first_yaml_line + 1)
            continue
        try:
            values[key] = _typed(parsed.value[key], field_type)
        except ValueError as exc:
            raise RecordError(f"'{key}': {exc}", line_of(key)) from None
    known = {key for key, _ in FIELDS[kind]}
    values["extra"] = {k: v for k, v in parsed.value.items() if k not in known}

    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    if kind == "kb":
        values["body"] = unescape_markers(body.strip("\n"))
    else:
        values["description"], values["timeline"] = _parse_body(body, body_line)
    return _CLASSES[kind](**values)


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(the YAML, the body) of a text that starts with a `---` fenced front-matter, CRLF or
    LF; None when it has none or never closes it."""
    split = _split(text.lstrip("\ufeff").replace("\r\n", "\n"))
    return None if split is None else (split[0], split[2])


def _split(text: str) -> tuple[str, int, str] | None:
    """(the YAML between the `---` lines, the file line before its first line, the body).

    The YAML is measured against MAX_YAML_BYTES by the reader and by the writer alike, so it
    starts after the opening line's newline: 64 KiB of YAML between the fences is read."""
    parts = _FM_BOUNDARY.split(text, 2)
    if len(parts) != 3 or parts[0].strip():
        return None
    _, front, body = parts
    first_line = text[: text.index(front, 3) if front else 3].count("\n")
    if front.startswith("\n"):
        front, first_line = front[1:], first_line + 1
    return front, first_line, body


def _typed(value: Any, field_type: FieldType) -> Any:
    if field_type == "str":
        if not isinstance(value, str) or not value:
            raise ValueError("must be a non-empty text")
        return value
    if field_type == "opt_str":
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError("must be a text")
        return str(value)
    if field_type == "int":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        return value
    if field_type == "count":
        # Missing or empty is 0: a file written before the count was kept has not counted.
        # A negative count reads, and `itsm check` names it, rather than hiding the file.
        if value is None:
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        return value
    if field_type == "bool":
        if value is None:
            return False
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if field_type == "str_list":
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of texts")
        return tuple(value)
    if field_type == "resolution":
        if value is None:
            return None
        if (
            not isinstance(value, dict)
            or not {"kind", "summary"} <= set(value) <= {"kind", "summary", "code"}
            or not all(isinstance(v, str) for v in value.values())
        ):
            raise ValueError("must be a mapping with 'kind', 'summary' and optionally 'code'")
        return Resolution(kind=value["kind"], summary=value["summary"], code=value.get("code"))
    raise AssertionError(field_type)  # pragma: no cover


def _parse_body(body: str, first_line: int) -> tuple[str, tuple[Entry, ...]]:
    lines = body.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == TIMELINE_HEADING)
    except StopIteration:
        return unescape("\n".join(lines)).strip("\n"), ()
    description = unescape("\n".join(lines[:start])).strip("\n")
    entries: list[Entry] = []
    current: tuple[re.Match[str], list[str]] | None = None
    seen: set[str] = set()

    changes: tuple[tuple[str, Any], ...] = ()

    def finish() -> None:
        if current is not None:
            match, text_lines = current
            time, kind, actor, entry_id = match.groups()
            text = unescape("\n".join(text_lines)).strip("\n")
            entries.append(Entry(entry_id, time, actor, kind, text, changes))

    after_heading = False
    for offset, line in enumerate(lines[start + 1 :], start=start + 1):
        match = ENTRY_RE.match(line)
        set_match = SET_RE.match(line) if after_heading else None
        after_heading = False
        if set_match:
            changes = _parse_changes(set_match.group(1), first_line + offset)
        elif match:
            if match.group(1)[8:10] > "28" and not timeutil.is_timestamp(match.group(1)):
                raise RecordError(f"timeline entry time {match.group(1)} is not a real moment", first_line + offset)
            finish()
            if match.group(4) in seen:
                raise RecordError(f"timeline entry id {match.group(4)} appears twice", first_line + offset)
            seen.add(match.group(4))
            current = (match, [])
            changes = ()
            after_heading = True
        elif _RESERVED_RE.match(line) and not line.startswith("\\"):
            raise RecordError(
                "malformed timeline entry heading; expected "
                "'### <time> · <kind> · <actor> <!-- <entry id> -->'",
                first_line + offset,
            )
        elif current is None:
            if line.strip():
                raise RecordError("text between '## Timeline' and its first entry", first_line + offset)
        else:
            current[1].append(line)
    finish()
    return description, tuple(entries)


def _parse_changes(text: str, line: int) -> tuple[tuple[str, Any], ...]:
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise RecordError("the entry's '<!-- set ... -->' line is not valid JSON", line) from None
    if not isinstance(data, dict):
        raise RecordError("the entry's '<!-- set ... -->' line must hold a JSON object", line)
    for key, value in data.items():
        if not _is_front_matter_value(value, 2):
            raise RecordError(f"the entry's '<!-- set ... -->' line gives '{key}' a value no front-matter key holds",
                              line)
    return tuple(data.items())


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _is_front_matter_value(value: Any, depth: int) -> bool:
    """Text, a whole number, true/false, nothing, or (two levels at most) lists and
    mappings of these: the shapes of front-matter values."""
    if value is None or isinstance(value, (str, bool, int)):
        return not isinstance(value, str) or value.isascii() or not _SURROGATE_RE.search(value)
    if depth == 0:
        return False
    if isinstance(value, list):
        return all(_is_front_matter_value(item, depth - 1) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_front_matter_value(v, depth - 1) for k, v in value.items())
    return False


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def key_line(text: str, key: str) -> int | None:
    """The file line of a front-matter key (its first line if it spans several), or of a
    timeline entry's heading for `entry:<id>`."""
    if not key:
        return None
    if key.startswith("entry:"):
        match = re.search(rf"^### .* <!-- {re.escape(key[6:])} -->$", text, re.MULTILINE)
    else:
        match = re.search(rf"^{re.escape(key)}:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None
