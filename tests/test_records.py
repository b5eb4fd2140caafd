"""Record files: Markdown with YAML front-matter, read and written exactly (itsm.records)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime
from pathlib import Path

import frontmatter
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.core import model
from itsm.core.fileio import atomic_write
from itsm.core.model import Article, Entry, Problem, Resolution, Ticket
from itsm.records import markdown
from itsm.records.markdown import RecordError

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# The ticket of docs/format.md, byte for byte: the documented format is what itsm writes.
GOLDEN = """\
---
id: INC-7QK3F2
title: 'VPN: drops every few minutes'
type: incident
status: in_progress
priority: P2
impact: medium
urgency: high
category: network/vpn
group: network
level: 2
owner: Carla Diaz
reporter: maria.gonzalez@example.org
channel: phone
major: false
problem:
kb: []
related: []
created: 2026-11-26T09:00:00Z
updated: 2026-11-26T09:05:00Z
responded: 2026-11-26T09:02:00Z
resolved:
closed:
due_response: 2026-11-26T09:30:00Z
due_resolution: 2026-11-26T17:00:00Z
resolution:
notified:
confirmed:
waiting_on:
needed_by:
approval:
resolved_by:
resolutions: 0
reopens: 0
reassignments: 0
---

Since this morning the VPN drops every few minutes when I work from home.

## Timeline

### 2026-11-26T09:00:00Z · created · Alice Moreau <!-- APX51W3W -->
<!-- set {"title": "VPN: drops every few minutes", "type": "incident", "status": "new", "priority": "P2", "impact": "medium", "urgency": "high", "category": "network/vpn", "group": "network", "level": 2, "reporter": "maria.gonzalez@example.org", "channel": "phone"} -->

Recorded from phone for maria.gonzalez@example.org: P2 (impact medium, urgency high); routed to network (level 2).

### 2026-11-26T09:02:00Z · assign · Alice Moreau <!-- K2M4P8RT -->
<!-- set {"status": "assigned", "owner": "Carla Diaz"} -->

owner (none) -> Carla Diaz

### 2026-11-26T09:05:00Z · call · Carla Diaz <!-- 0T55S9QH -->
<!-- set {"status": "in_progress"} -->

Called Maria: drops started after her router was swapped.
"""

GOLDEN_TICKET = Ticket(
    id="INC-7QK3F2",
    title="VPN: drops every few minutes",
    type="incident",
    status="in_progress",
    priority="P2",
    impact="medium",
    urgency="high",
    category="network/vpn",
    group="network",
    level=2,
    owner="Carla Diaz",
    reporter="maria.gonzalez@example.org",
    channel="phone",
    created="2026-11-26T09:00:00Z",
    updated="2026-11-26T09:05:00Z",
    responded="2026-11-26T09:02:00Z",
    due_response="2026-11-26T09:30:00Z",
    due_resolution="2026-11-26T17:00:00Z",
    description="Since this morning the VPN drops every few minutes when I work from home.",
    timeline=(
        Entry(
            "APX51W3W", "2026-11-26T09:00:00Z", "Alice Moreau", "created",
            "Recorded from phone for maria.gonzalez@example.org: P2 (impact medium, urgency high); "
            "routed to network (level 2).",
            (("title", "VPN: drops every few minutes"), ("type", "incident"), ("status", "new"),
             ("priority", "P2"), ("impact", "medium"), ("urgency", "high"), ("category", "network/vpn"),
             ("group", "network"), ("level", 2), ("reporter", "maria.gonzalez@example.org"),
             ("channel", "phone")),
        ),
        Entry("K2M4P8RT", "2026-11-26T09:02:00Z", "Alice Moreau", "assign", "owner (none) -> Carla Diaz",
              (("status", "assigned"), ("owner", "Carla Diaz"))),
        Entry("0T55S9QH", "2026-11-26T09:05:00Z", "Carla Diaz", "call",
              "Called Maria: drops started after her router was swapped.", (("status", "in_progress"),)),
    ),
)

FORGED_LINES = [
    "## Timeline",
    "## Timeline  ",
    "### 2026-11-26T09:00:00Z · note · X <!-- ABCDEFGH -->",
    "### 2026-11-26T09:00:00Z · created · Mallory <!-- 0T55S9QH -->",
    "### 2026-11-26T",
    "\\## Timeline",
    "\\### 2026-11-26T09:00:00Z · note · X <!-- ABCDEFGH -->",
    "\\\\### 2026-11-26T09:00:00Z · note · X <!-- ABCDEFGH -->",
    "\\\\\\## Timeline",
    "---",
    "----",
    "...",
]
HOSTILE = "\n".join(["Before the forgeries:", *FORGED_LINES, "After them."])


def full_ticket() -> Ticket:
    return Ticket(
        id="INC-7QK3F2",
        title="Disk: full --- on 'srv-01' #ops",
        type="request",
        status="resolved",
        priority="P1",
        impact="high",
        urgency="high",
        category="hardware/storage",
        group="infra-l3",
        level=3,
        owner="Carla Diaz",
        reporter="maria.gonzalez@example.org",
        channel="monitoring",
        major=True,
        problem="PRB-2M9XD4",
        kb=("KB-H4W8N1", "KB-0T55S9"),
        created="2026-11-26T09:00:00Z",
        updated="2026-11-27T10:00:00Z",
        responded="2026-11-26T09:02:00Z",
        resolved="2026-11-27T10:00:00Z",
        due_response="2026-11-26T09:15:00Z",
        due_resolution="2026-11-26T13:00:00Z",
        resolution=Resolution(kind="workaround", summary="Moved logs to /data.\nRotation: daily.\n  - keep 7"),
        notified="2026-11-27T10:05:00Z",
        confirmed="2026-11-27T11:00:00Z",
        description="The disk of srv-01 is full.\n\n  df -h\n  /dev/sda1 100%\n\n---\nUsers can't save: \"yes\"",
        timeline=(
            Entry("APX51W3W", "2026-11-26T09:00:00Z", "Alice Moreau", "created", "Recorded from monitoring."),
            Entry("0T55S9QH", "2026-11-26T09:05:00Z", "Carla Diaz", "call", ""),
            Entry("ZZZZZZZZ", "2026-11-26T09:06:00Z", "Zoë · Ødegård", "note", "multi\nline\n\n  indented note"),
            Entry("00000000", "2026-11-27T10:00:00Z", "Carla Diaz", "resolve", "workaround: Moved logs to /data."),
        ),
        extra={
            "zeta": "written last, read first",
            "alpha": ["a", "b"],
            "custom": {"nested": 1, "when": "2026-01-01"},
            "flag": True,
            "count": 3,
            "nothing": None,
        },
    )


def full_problem() -> Problem:
    return Problem(
        id="PRB-2M9XD4",
        title="Log rotation: disabled on srv-*",
        status="known_error",
        category="hardware/storage",
        owner="Carla Diaz",
        incidents=("INC-7QK3F2", "INC-8AB3F2"),
        kb=("KB-H4W8N1",),
        workaround="Move logs by hand:\n1. stop app\n2. mv /var/log/app /data",
        root_cause="logrotate.conf lost in the 2026-10 upgrade",
        fix=None,
        created="2026-11-26T12:00:00Z",
        updated="2026-11-27T08:00:00Z",
        description="Several servers fill up.\n## Timeline\nnot a heading",
        timeline=(Entry("H4W8N1QK", "2026-11-26T12:00:00Z", "Alice Moreau", "created", "Opened."),),
        extra={"review": "2026-12-01"},
    )


def full_article() -> Article:
    return Article(
        id="KB-H4W8N1",
        title="Disk full: free space on a Linux server",
        category="hardware/storage",
        tags=("disk", "linux", "yes", "0012"),
        links=("https://example.org/df?x=1#frag",),
        author="Carla Diaz",
        created="2026-11-20T08:00:00Z",
        updated="2026-11-27T08:00:00Z",
        body="## Symptoms\n\nSaving fails.\n\n## Cause\n\nLogs.\n\n## Script\n\n1. `df -h`\n2. rotate\n\n## Timeline\n\nnot special here",
        extra={"reviewed_by": "Bob"},
    )


def entries_in(text: str) -> int:
    return sum(1 for line in text.split("\n") if markdown.ENTRY_RE.match(line))


# -- exact round trips ---------------------------------------------------------------------------


def test_documented_ticket_reads_to_the_expected_values_and_writes_back_identically() -> None:
    assert markdown.parse(GOLDEN, "ticket") == GOLDEN_TICKET
    assert markdown.render(GOLDEN_TICKET) == GOLDEN


@pytest.mark.parametrize(("make", "kind"), [(full_ticket, "ticket"), (full_problem, "problem"), (full_article, "kb")])
def test_render_parse_render_is_byte_identical(make: object, kind: str) -> None:
    assert callable(make)
    record = make()
    text = markdown.render(record)
    parsed = markdown.parse(text, kind)
    assert parsed == record
    assert markdown.render(parsed) == text
    assert list(parsed.extra) == list(record.extra)  # unknown keys keep their order


def test_full_ticket_file_shape() -> None:
    text = markdown.render(full_ticket())
    lines = text.split("\n")
    assert lines[0] == "---"
    keys = [line.split(":", 1)[0] for line in lines[1 : lines.index("---", 1)] if re.match(r"[a-z_]+:", line)]
    known = [key for key, _ in model.TICKET_FIELDS if key not in model.WRITTEN_WHEN_SET]  # none set here
    assert keys == [*known, "zeta", "alpha", "custom", "flag", "count", "nothing"]
    assert "major: true" in lines
    assert "level: 3" in lines
    assert "resolution:" in lines
    assert "  kind: workaround" in lines
    assert "  summary: |-" in lines
    assert "kb:" in lines and "- KB-H4W8N1" in lines
    assert "title: 'Disk: full --- on ''srv-01'' #ops'" in lines
    assert "\n## Timeline\n\n### 2026-11-26T09:00:00Z · created · Alice Moreau <!-- APX51W3W -->\n" in text
    # an entry without text is a bare heading
    assert "<!-- 0T55S9QH -->\n\n### 2026-11-26T09:06:00Z · note · Zoë · Ødegård <!-- ZZZZZZZZ -->\n" in text
    assert text.endswith("<!-- 00000000 -->\n\nworkaround: Moved logs to /data.\n")


def test_channel_keys_are_written_last_and_only_when_set() -> None:
    plain = Ticket(id="INC-7QK3F2", title="t", created="2026-11-26T09:00:00Z")
    assert "message_ids" not in markdown.render(plain) and "occurrences" not in markdown.render(plain)
    mailed = dataclasses.replace(plain, message_ids=("<a@b>", "<c@d>"), fingerprint="alertmanager:f00", occurrences=3)
    text = markdown.render(mailed)
    assert text.split("\n---\n", 1)[0].endswith(
        "reassignments: 0\nmessage_ids:\n- <a@b>\n- <c@d>\nfingerprint: alertmanager:f00\noccurrences: 3")
    assert markdown.parse(text, "ticket") == mailed


def test_minimal_records() -> None:
    ticket = Ticket(id="INC-7QK3F2", title="t", created="2026-11-26T09:00:00Z")
    text = markdown.render(ticket)
    assert text.endswith("approval:\nresolved_by:\nresolutions: 0\nreopens: 0\nreassignments: 0\n---\n\n## Timeline\n")
    assert markdown.parse(text, "ticket") == ticket
    article = Article(id="KB-H4W8N1", title="t", created="2026-11-26T09:00:00Z")
    text = markdown.render(article)
    assert text.endswith("updated:\n---\n")
    assert markdown.parse(text, "kb") == article


@pytest.mark.parametrize("record", [GOLDEN_TICKET, full_ticket(), full_problem(), full_article()])
def test_saving_an_unchanged_record_changes_no_byte(record: model.Record, tmp_path: Path) -> None:
    path = tmp_path / "tickets" / "2026-11" / f"{record.id}.md"
    atomic_write(path, markdown.render(record))
    before = path.read_bytes()
    again = markdown.parse(path.read_text(encoding="utf-8"), record.kind)
    atomic_write(path, markdown.render(again))
    assert path.read_bytes() == before
    assert before == markdown.render(record).encode("utf-8")


# -- nothing in free text can forge or hide a timeline entry -----------------------------------------


def test_description_and_entry_texts_cannot_forge_or_hide_entries() -> None:
    ticket = Ticket(
        id="INC-7QK3F2",
        title="## Timeline",
        created="2026-11-26T09:00:00Z",
        description=HOSTILE,
        timeline=(
            Entry("APX51W3W", "2026-11-26T09:00:00Z", "Alice Moreau", "created", HOSTILE),
            Entry("0T55S9QH", "2026-11-26T09:05:00Z", "Carla Diaz", "note", "\n".join(FORGED_LINES)),
        ),
    )
    text = markdown.render(ticket)
    parsed = markdown.parse(text, "ticket")
    assert parsed == ticket
    assert len(parsed.timeline) == 2
    assert entries_in(text) == 2
    assert [line for line in text.split("\n") if line.rstrip() == "## Timeline"] == ["## Timeline"]
    assert markdown.render(parsed) == text


def test_escaped_lines_gain_one_backslash_in_the_file() -> None:
    description = "\n".join([
        "## Timeline",
        "### 2026-11-26T09:00:00Z · note · X <!-- ABCDEFGH -->",
        "\\## Timeline",
        "\\\\### 2026-11-26T09:00:00Z",
        "\\not special",
        "## Timeline ok",
    ])
    ticket = Ticket(id="INC-7QK3F2", title="t", created="2026-11-26T09:00:00Z", description=description)
    body = markdown.render(ticket).split("---\n", 2)[2]
    assert body == (
        "\n\\## Timeline\n"
        "\\### 2026-11-26T09:00:00Z · note · X <!-- ABCDEFGH -->\n"
        "\\\\## Timeline\n"
        "\\\\\\### 2026-11-26T09:00:00Z\n"
        "\\not special\n"
        "## Timeline ok\n"
        "\n## Timeline\n"
    )
    assert markdown.parse(markdown.render(ticket), "ticket").description == description


def test_a_hand_written_escape_reads_as_the_text_it_shows() -> None:
    text = GOLDEN.replace(
        "Since this morning the VPN drops every few minutes when I work from home.",
        "\\## Timeline\n\\\\### 2026-01-01T00:00:00Z · x · y <!-- ABCDEFGH -->",
    )
    parsed = markdown.parse(text, "ticket")
    assert parsed.description == "## Timeline\n\\### 2026-01-01T00:00:00Z · x · y <!-- ABCDEFGH -->"
    assert len(parsed.timeline) == 3
    assert markdown.render(parsed) == text


def test_description_with_timeline_heading_and_no_entries() -> None:
    ticket = Ticket(id="INC-7QK3F2", title="t", created="2026-11-26T09:00:00Z", description="## Timeline")
    parsed = markdown.parse(markdown.render(ticket), "ticket")
    assert parsed.description == "## Timeline"
    assert parsed.timeline == ()


# -- hypothesis: arbitrary tickets ----------------------------------------------------------------

# Titles are YAML scalars: any text except surrogates (unencodable in the UTF-8 file) and
# U+0085, whose YAML round trip is broken and pinned down deterministically by
# tests/test_yamlio.py::test_next_line_character_round_trips (left out here so that this test
# keeps looking for record-level failures). Titles from the CLI are normalize_line'd, which
# drops U+0085 anyway; hypothesis still tries newlines, ': ', '---' and every quote.
TITLE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85")
TITLES = st.one_of(
    st.text(TITLE_CHARS, min_size=1, max_size=60),
    st.sampled_from(["Disk: full", "---", "a\n---\nb", "- item", "#x", "yes", "0012", "x: y\n", "\n", "...", "'q'"]),
)
# Body text is not YAML: every character but surrogates, then normalised as itsm stores it.
BODY_CHARS = st.characters(blacklist_categories=("Cs",))
LINES = st.one_of(st.text(BODY_CHARS, max_size=30), st.sampled_from(FORGED_LINES))
FREE_TEXT = st.one_of(
    st.text(BODY_CHARS, max_size=80),
    st.lists(LINES, max_size=6).map("\n".join),
).map(model.normalize_text)
ACTORS = st.text(BODY_CHARS, min_size=1, max_size=30).map(model.normalize_line).filter(bool)
TIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
)
ENTRIES = st.builds(
    Entry,
    id=st.text(st.sampled_from(CROCKFORD), min_size=8, max_size=8),
    time=TIMES,
    actor=ACTORS,
    kind=st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True),
    text=FREE_TEXT,
)
TICKETS = st.builds(
    Ticket,
    id=st.just("INC-7QK3F2"),
    title=TITLES,
    created=TIMES,
    description=FREE_TEXT,
    timeline=st.lists(ENTRIES, max_size=5, unique_by=lambda e: e.id).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(TICKETS)
def test_arbitrary_tickets_round_trip(ticket: Ticket) -> None:
    assert "\n" not in "".join(e.actor for e in ticket.timeline)
    text = markdown.render(ticket)
    parsed = markdown.parse(text, "ticket")
    assert parsed == ticket
    assert markdown.render(parsed) == text
    assert entries_in(text) == len(ticket.timeline)


@settings(max_examples=100, deadline=None)
@given(TICKETS)
def test_arbitrary_tickets_round_trip_as_problems(ticket: Ticket) -> None:
    problem = Problem(
        id="PRB-2M9XD4", title=ticket.title, created=ticket.created,
        description=ticket.description, timeline=ticket.timeline,
    )
    text = markdown.render(problem)
    assert markdown.parse(text, "problem") == problem
    assert markdown.render(markdown.parse(text, "problem")) == text


# -- malformed files ------------------------------------------------------------------------------

BASE = [
    "---",  # 1
    "id: INC-7QK3F2",  # 2
    "title: VPN drops",  # 3
    "type: incident",  # 4
    "status: new",  # 5
    "level: 2",  # 6
    "kb:",  # 7
    "- KB-H4W8N1",  # 8
    "resolution:",  # 9
    "  kind: fix",  # 10
    "  summary: Rebooted",  # 11
    "created: 2026-11-26T09:00:00Z",  # 12
    "---",  # 13
    "",  # 14
    "The VPN drops.",  # 15
    "",  # 16
    "## Timeline",  # 17
    "",  # 18
    "### 2026-11-26T09:00:00Z · created · Alice Moreau <!-- 3F9KQ2ZD -->",  # 19
    "",  # 20
    "Recorded from phone.",  # 21
    "",  # 22
    "### 2026-11-26T09:05:00Z · call · Carla Diaz <!-- 0T55S9QH -->",  # 23
    "",  # 24
    "Called back.",  # 25
]


def base_with(**lines: str) -> str:
    """BASE with some lines replaced: base_with(l6="level: two")."""
    result = list(BASE)
    for key, value in lines.items():
        result[int(key[1:]) - 1] = value
    return "\n".join(result) + "\n"


def refused(text: str, kind: str = "ticket") -> RecordError:
    with pytest.raises(RecordError) as info:
        markdown.parse(text, kind, "tickets/2026-11/INC-7QK3F2.md")
    return info.value


def test_base_file_is_valid() -> None:
    ticket = markdown.parse(base_with(), "ticket")
    assert isinstance(ticket, Ticket)
    assert (ticket.level, ticket.kb, ticket.resolution) == (2, ("KB-H4W8N1",), Resolution("fix", "Rebooted"))
    assert ticket.description == "The VPN drops."
    assert [(e.id, e.kind, e.actor, e.text) for e in ticket.timeline] == [
        ("3F9KQ2ZD", "created", "Alice Moreau", "Recorded from phone."),
        ("0T55S9QH", "call", "Carla Diaz", "Called back."),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "id: INC-7QK3F2\ntitle: t\n",
        "Hello\n---\nid: INC-7QK3F2\n---\n",
        "\n".join(BASE[1:]) + "\n",
    ],
)
def test_missing_front_matter(text: str) -> None:
    error = refused(text)
    assert error.line == 1
    assert error.message == "no YAML front-matter: the file must start with a '---' line"
    assert str(error) == f"tickets/2026-11/INC-7QK3F2.md:1: {error.message}"


def test_unterminated_front_matter() -> None:
    # the closing '---' is missing: there is no front-matter block to read
    error = refused("\n".join(BASE[:12]) + "\n")
    assert error.line == 1
    error = refused("---\n")
    assert error.line == 1


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        ({"l5": "title: again"}, 5, "duplicate key 'title'"),
        ({"l11": "  kind: fix"}, 11, "duplicate key 'kind'"),
        ({"l6": "level: two"}, 6, "'level': must be a whole number"),
        ({"l6": "level: true"}, 6, "'level': must be a whole number"),
        ({"l6": "level: '2'"}, 6, "'level': must be a whole number"),
        ({"l7": "kb: notalist", "l8": "# (was a list)"}, 7, "'kb': must be a list of texts"),
        ({"l8": "- 12"}, 7, "'kb': must be a list of texts"),
        ({"l11": "  # no summary"}, 9, "'resolution': must be a mapping with 'kind', 'summary' and optionally 'code'"),
        ({"l9": "resolution: fixed", "l10": "#", "l11": "#"}, 9, "'resolution': must be a mapping with 'kind', 'summary' and optionally 'code'"),
        ({"l11": "  summary: 12"}, 9, "'resolution': must be a mapping with 'kind', 'summary' and optionally 'code'"),
        ({"l2": "id:"}, 2, "'id': must be a non-empty text"),
        ({"l3": "title: ''"}, 3, "'title': must be a non-empty text"),
        ({"l4": "type: [incident]"}, 4, "'type': must be a non-empty text"),
        ({"l5": "status: new", "l4": "major: yes"}, 4, "'major': must be true or false"),
        ({"l12": "created: &c 2026-11-26T09:00:00Z"}, 12, "YAML anchors and aliases are not allowed"),
        ({"l12": "created: !!python/object/apply:os.system [true]"}, 12,
         "YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed"),
        ({"l3": "title: x: y"}, 3, "mapping values are not allowed here"),
    ],
)
def test_bad_front_matter_names_the_line(lines: dict[str, str], line: int, message: str) -> None:
    error = refused(base_with(**lines))
    assert error.message == message
    assert error.line == line
    assert error.path == "tickets/2026-11/INC-7QK3F2.md"


def test_explicit_int_tag_with_hex_is_a_record_error() -> None:
    # Today this escapes as a bare ValueError, which `itsm list` and `itsm check` do not
    # catch: one hand-edited file stops every command that scans the desk.
    error = refused(base_with(l6="level: !!int 0x1F"))
    assert error.line == 6


@pytest.mark.parametrize("key", ["id", "title", "created"])
def test_missing_required_keys(key: str) -> None:
    number = {"id": 2, "title": 3, "created": 12}[key]
    error = refused(base_with(**{f"l{number}": "# removed"}))
    assert error.message == f"missing required key '{key}'"
    # a missing key has no line of its own: the error points at the front-matter's start
    assert error.line in (1, 2)


def test_front_matter_that_is_not_a_mapping() -> None:
    error = refused("---\n- a\n- b\n---\n")
    assert error.message == "front-matter must be a mapping of keys to values"
    assert error.line in (1, 2)


@pytest.mark.parametrize(
    "heading",
    [
        "### 2026-11-26T09:05:00Z · call · Carla Diaz",
        "### 2026-11-26T09:05:00Z · call · Carla Diaz <!-- 0t55s9qh -->",
        "### 2026-11-26T09:05:00Z · Call · Carla Diaz <!-- 0T55S9QH -->",
        "### 2026-11-26T09:05 · call · Carla Diaz <!-- 0T55S9QH -->",
        "### 2026-11-26T09:05:00Z - call - Carla Diaz <!-- 0T55S9QH -->",
        "### 2026-11-26T09:05:00Z · call ·  <!-- 0T55S9QH -->",
        "### 2026-11-26T09:05:00Z · call · Carla Diaz <!-- 0T55S9QH --> ",
        "## Timeline",
    ],
)
def test_malformed_entry_heading_names_its_line(heading: str) -> None:
    error = refused(base_with(l23=heading))
    assert error.line == 23
    assert error.message.startswith("malformed timeline entry heading")


def test_malformed_entry_heading_line_counts_from_the_file_start_with_crlf_and_bom() -> None:
    text = "\ufeff" + base_with(l23="### 2026-11-26T09:05:00Z · call · Carla Diaz").replace("\n", "\r\n")
    assert refused(text).line == 23


def test_text_between_timeline_heading_and_first_entry() -> None:
    error = refused(base_with(l18="stray text"))
    assert error.message == "text between '## Timeline' and its first entry"
    assert error.line == 18


def test_duplicate_entry_id() -> None:
    error = refused(base_with(l23="### 2026-11-26T09:05:00Z · call · Carla Diaz <!-- 3F9KQ2ZD -->"))
    assert error.message == "timeline entry id 3F9KQ2ZD appears twice"
    assert error.line == 23


def test_file_over_the_size_cap() -> None:
    padding = "x" * markdown.MAX_FILE_BYTES
    error = refused(base_with(l15=padding))
    assert error.message == f"file is larger than {markdown.MAX_FILE_BYTES // (1024 * 1024)} MiB"


def test_size_cap_counts_bytes_not_characters() -> None:
    # 3-byte characters: fewer than MAX_FILE_BYTES characters, but more bytes than that.
    padding = "€" * (markdown.MAX_FILE_BYTES // 2)
    text = base_with(l15=padding)
    assert len(text) < markdown.MAX_FILE_BYTES < len(text.encode("utf-8"))
    error = refused(text)
    assert error.message == f"file is larger than {markdown.MAX_FILE_BYTES // (1024 * 1024)} MiB"


def test_file_just_under_the_size_cap_is_read() -> None:
    text = base_with(l15="x")
    padding = "x" * (markdown.MAX_FILE_BYTES - len(text.encode("utf-8")) + 1)
    text = base_with(l15=padding)
    assert len(text.encode("utf-8")) == markdown.MAX_FILE_BYTES
    assert markdown.parse(text, "ticket").description == padding


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: "\ufeff" + t,
        lambda t: "\ufeff" + t.replace("\n", "\r\n"),
    ],
    ids=["crlf", "bom", "bom+crlf"],
)
def test_crlf_and_bom_are_accepted(transform: object) -> None:
    assert callable(transform)
    for text, kind in ((GOLDEN, "ticket"), (base_with(), "ticket"), (markdown.render(full_problem()), "problem")):
        assert markdown.parse(transform(text), kind) == markdown.parse(text, kind)
    assert markdown.render(markdown.parse(transform(GOLDEN), "ticket")) == GOLDEN
    error = refused(transform(base_with(l5="title: again")))
    assert error.line == 5


# -- standard files, JSON --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title", ["Disk: full", "---", "- item", "#hash", "'quoted'", '"dq"', "yes", "0012", "1:20", "null", "@at", "%pct", "x" * 300]
)
def test_python_frontmatter_reads_what_we_write(title: str) -> None:
    ticket = Ticket(
        id="INC-7QK3F2", title=title, created="2026-11-26T09:00:00Z",
        description="Body text.\n## Timeline",
        timeline=(Entry("APX51W3W", "2026-11-26T09:00:00Z", "Alice Moreau", "created", "Made."),),
    )
    post = frontmatter.loads(markdown.render(ticket))
    assert post.metadata["id"] == "INC-7QK3F2"
    assert post.metadata["title"] == title
    assert post.content.startswith("Body text.\n\\## Timeline\n\n## Timeline\n\n### 2026-11-26T09:00:00Z · created")


def test_python_frontmatter_reads_full_records() -> None:
    for record in (full_ticket(), full_problem(), full_article(), GOLDEN_TICKET):
        metadata = frontmatter.loads(markdown.render(record)).metadata
        assert (metadata["id"], metadata["title"]) == (record.id, record.title)
    metadata = frontmatter.loads(markdown.render(full_ticket())).metadata
    assert metadata["kb"] == ["KB-H4W8N1", "KB-0T55S9"]
    assert metadata["major"] is True
    assert metadata["level"] == 3
    assert metadata["resolution"] == {"kind": "workaround", "summary": "Moved logs to /data.\nRotation: daily.\n  - keep 7"}
    assert metadata["zeta"] == "written last, read first"


def test_to_json_gives_the_timeline_as_a_list_of_entries() -> None:
    data = GOLDEN_TICKET.to_json()
    assert data["timeline"] == [
        {
            "id": "APX51W3W",
            "time": "2026-11-26T09:00:00Z",
            "actor": "Alice Moreau",
            "kind": "created",
            "text": "Recorded from phone for maria.gonzalez@example.org: P2 (impact medium, urgency high); "
            "routed to network (level 2).",
            "changes": {
                "title": "VPN: drops every few minutes", "type": "incident", "status": "new", "priority": "P2",
                "impact": "medium", "urgency": "high", "category": "network/vpn", "group": "network", "level": 2,
                "reporter": "maria.gonzalez@example.org", "channel": "phone",
            },
        },
        {
            "id": "K2M4P8RT",
            "time": "2026-11-26T09:02:00Z",
            "actor": "Alice Moreau",
            "kind": "assign",
            "text": "owner (none) -> Carla Diaz",
            "changes": {"status": "assigned", "owner": "Carla Diaz"},
        },
        {
            "id": "0T55S9QH",
            "time": "2026-11-26T09:05:00Z",
            "actor": "Carla Diaz",
            "kind": "call",
            "text": "Called Maria: drops started after her router was swapped.",
            "changes": {"status": "in_progress"},
        },
    ]
    assert data["kind"] == "ticket"
    assert data["id"] == "INC-7QK3F2"
    assert data["description"] == GOLDEN_TICKET.description
    assert data["kb"] == []
    assert json.loads(json.dumps(data)) == data


def test_to_json_of_a_full_ticket() -> None:
    data = full_ticket().to_json()
    assert data["resolution"] == {"kind": "workaround", "summary": "Moved logs to /data.\nRotation: daily.\n  - keep 7"}
    assert data["kb"] == ["KB-H4W8N1", "KB-0T55S9"]
    assert data["major"] is True
    assert data["zeta"] == "written last, read first"
    assert [entry["id"] for entry in data["timeline"]] == ["APX51W3W", "0T55S9QH", "ZZZZZZZZ", "00000000"]
    assert data["timeline"][1] == {
        "id": "0T55S9QH", "time": "2026-11-26T09:05:00Z", "actor": "Carla Diaz", "kind": "call", "text": "",
        "changes": {},
    }
    assert all(set(entry) == {"id", "time", "actor", "kind", "text", "changes"} for entry in data["timeline"])
    json.dumps(data)
