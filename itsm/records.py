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

Lines of free text that would read as the timeline heading or an entry heading are written
with a leading backslash (one more for each one already there), so no description or note
can forge or hide a timeline entry; Markdown renders the backslash away.
"""

from __future__ import annotations

import re
from typing import Any

from frontmatter.default_handlers import YAMLHandler

from itsm import yamlio
from itsm.model import (
    FIELDS,
    REQUIRED,
    Article,
    Entry,
    FieldType,
    Problem,
    Record,
    Resolution,
    Ticket,
    front_matter,
)

MAX_FILE_BYTES = 4 * 1024 * 1024
TIMELINE_HEADING = "## Timeline"
ENTRY_RE = re.compile(
    r"^### (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) · ([a-z][a-z0-9_-]*) · (.+?) <!-- ([0-9A-Z]{8}) -->$"
)
_RESERVED_RE = re.compile(r"^(\\*)(## Timeline[ \t]*$|### \d{4}-\d\d-\d\dT)")
_ESCAPED_RE = re.compile(r"^\\(\\*(?:## Timeline[ \t]*$|### \d{4}-\d\d-\d\dT))")
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
    return "---\n" + yamlio.dump(front_matter(record)) + "---\n" + _render_body(record)


def _render_body(record: Record) -> str:
    if isinstance(record, Article):
        return f"\n{record.body}\n" if record.body else ""
    parts = [escape(record.description)] if record.description else []
    parts.append(TIMELINE_HEADING)
    for entry in record.timeline:
        heading = f"### {entry.time} · {entry.kind} · {entry.actor} <!-- {entry.id} -->"
        parts.append(f"{heading}\n\n{escape(entry.text)}" if entry.text else heading)
    return "\n" + "\n\n".join(parts) + "\n"


def escape(text: str) -> str:
    return "\n".join(_RESERVED_RE.sub(r"\\\1\2", line) for line in text.split("\n"))


def unescape(text: str) -> str:
    return "\n".join(_ESCAPED_RE.sub(r"\1", line) for line in text.split("\n"))


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
    parts = _FM_BOUNDARY.split(text, 2)
    if len(parts) != 3 or parts[0].strip():
        raise RecordError("no YAML front-matter: the file must start with a '---' line", 1)
    _, front_text, body = parts
    first_yaml_line = text[: text.index(front_text, 3) if front_text else 3].count("\n")
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
        values["body"] = body.strip("\n")
    else:
        values["description"], values["timeline"] = _parse_body(body, body_line)
    return _CLASSES[kind](**values)


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

    def finish() -> None:
        if current is not None:
            match, text_lines = current
            time, kind, actor, entry_id = match.groups()
            entries.append(Entry(entry_id, time, actor, kind, unescape("\n".join(text_lines)).strip("\n")))

    for offset, line in enumerate(lines[start + 1 :], start=start + 1):
        match = ENTRY_RE.match(line)
        if match:
            finish()
            if match.group(4) in seen:
                raise RecordError(f"timeline entry id {match.group(4)} appears twice", first_line + offset)
            seen.add(match.group(4))
            current = (match, [])
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
