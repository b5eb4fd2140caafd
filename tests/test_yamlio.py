"""The strict YAML reader and the canonical writer (itsm.yamlio)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.records import yamlio
from itsm.records.yamlio import YamlError

# -- the reader types only what a record needs -----------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2026-11-26T09:00:00Z",
        "2026-01-01",
        "2026-11-26 09:00:00",
        "2026-11-26t09:00:00.5+01:00",
    ],
)
def test_timestamps_stay_strings(raw: str) -> None:
    assert yamlio.load(f"created: {raw}\n").value == {"created": raw}


@pytest.mark.parametrize(
    "raw",
    ["0012", "0o12", "0x1F", "0b101", "1:20", "190:20:30", "1_000", "1e3", "1.5", ".5", ".inf", "-.inf", ".nan", "007"],
)
def test_no_octal_sexagesimal_hex_or_float_numbers(raw: str) -> None:
    assert yamlio.load(f"value: {raw}\n").value == {"value": raw}


@pytest.mark.parametrize("raw", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "Y", "N", "tRue", "nULL"])
def test_yaml11_booleans_stay_strings(raw: str) -> None:
    assert yamlio.load(f"flag: {raw}\n").value == {"flag": raw}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False)],
)
def test_true_and_false_are_booleans(raw: str, expected: bool) -> None:
    value = yamlio.load(f"flag: {raw}\n").value["flag"]
    assert value is expected


@pytest.mark.parametrize("raw", ["~", "null", "Null", "NULL", ""])
def test_null_forms_are_none(raw: str) -> None:
    assert yamlio.load(f"a: {raw}\nb: 1\n").value == {"a": None, "b": 1}


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("12", 12), ("-7", -7), ("+3", 3), ("123456789012345678901234567890", 123456789012345678901234567890)])
def test_integers_are_decimal(raw: str, expected: int) -> None:
    value = yamlio.load(f"level: {raw}\n").value["level"]
    assert type(value) is int
    assert value == expected


def test_quoted_scalars_are_always_strings() -> None:
    text = "a: '12'\nb: \"true\"\nc: ''\nd: '~'\ne: !!str 7\n"
    assert yamlio.load(text).value == {"a": "12", "b": "true", "c": "", "d": "~", "e": "7"}


def test_keys_are_taken_as_written() -> None:
    assert yamlio.load("1: a\ntrue: b\nnull: c\n2026-01-01: d\n").value == {
        "1": "a", "true": "b", "null": "c", "2026-01-01": "d",
    }


def test_lists_and_nested_mappings() -> None:
    text = "kb:\n- KB-1\n- KB-2\nresolution:\n  kind: fix\n  summary: |-\n    one\n    two\nempty: []\nnone: {}\n"
    assert yamlio.load(text).value == {
        "kb": ["KB-1", "KB-2"],
        "resolution": {"kind": "fix", "summary": "one\ntwo"},
        "empty": [],
        "none": {},
    }


def test_empty_document_is_none() -> None:
    assert yamlio.load("").value is None
    assert yamlio.load("# only a comment\n").value is None


# -- what the reader refuses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: &x 2\nc: *x\n", 2),
        ("a: 1\nb: 2\nc: *x\n", 3),
        ("a: 1\nb: &anchor\n  k: v\n", 2),
        ("a: 1\nb:\n- 1\n- &x 2\n", 4),
        ("a: 1\nbase: &b {k: v}\nother:\n  <<: *b\n", 2),
    ],
)
def test_anchors_and_aliases_are_refused(text: str, line: int) -> None:
    with pytest.raises(YamlError) as info:
        yamlio.load(text)
    assert info.value.message == "YAML anchors and aliases are not allowed"
    assert info.value.line == line


def test_billion_laughs_is_refused_quickly() -> None:
    rows = ['lol0: &lol0 "lol"']
    for n in range(1, 10):
        rows.append(f"lol{n}: &lol{n} [" + ", ".join([f"*lol{n - 1}"] * 10) + "]")
    text = "\n".join(rows) + "\n"
    started = time.perf_counter()
    with pytest.raises(YamlError) as info:
        yamlio.load(text)
    assert time.perf_counter() - started < 1.0
    assert info.value.message == "YAML anchors and aliases are not allowed"
    assert info.value.line == 1


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "a", 3),
        ("id: X\ntitle: t\n\n# note\ntitle: again\n", "title", 5),
        ("outer:\n  x: 1\n  y: 2\n  x: 3\n", "x", 4),
        ("a: 1\nb: {c: 1, c: 2}\n", "c", 2),
        ("list:\n- k: 1\n  k: 2\n", "k", 3),
    ],
)
def test_duplicate_keys_are_refused_with_the_line_of_the_second(text: str, key: str, line: int) -> None:
    with pytest.raises(YamlError) as info:
        yamlio.load(text)
    assert info.value.message == f"duplicate key '{key}'"
    assert info.value.line == line


@pytest.mark.parametrize(
    ("tag", "line"),
    [
        ('!!python/object/apply:os.system ["touch {marker}"]', 2),
        ("!!python/object/apply:os.system\n  - touch {marker}", 2),
        ("!!python/name:os.system ''", 2),
        ('!!python/object/new:subprocess.check_call [["touch", "{marker}"]]', 2),
        ("!!binary aGk=", 2),
        ("!!set {{a, b}}", 2),
        ("!!omap [a: 1]", 2),
        ("!!float 1", 2),
        ("!custom x", 2),
        ("!<tag:example.com,2000:x> y", 2),
    ],
)
def test_custom_tags_are_refused_and_never_run(tag: str, line: int, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = "a: 1\nb: " + tag.format(marker=marker) + "\n"
    with pytest.raises(YamlError) as info:
        yamlio.load(text)
    assert info.value.message.startswith("YAML tag ")
    assert info.value.message.endswith(" is not allowed")
    assert info.value.line == line
    assert not marker.exists()


@pytest.mark.parametrize("value", ["!!int 0x1F", "!!bool yes", "!!null abc"])
def test_standard_tags_cannot_smuggle_in_what_plain_scalars_refuse(value: str) -> None:
    # `!!int 0x1F` raises a bare ValueError (no line; a record file holding it crashes
    # every `itsm list`/`check`), `!!bool yes` silently reads as False and `!!null abc`
    # silently drops the text. A strict reader refuses all three, with the line.
    with pytest.raises(YamlError) as info:
        yamlio.load(f"a: 1\nb: {value}\n")
    assert info.value.line == 2


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(YamlError) as info:
        yamlio.load("a: 1\n? [1, 2]\n: x\n")
    assert info.value.message == "keys must be plain strings"
    assert info.value.line == 2


def test_a_second_document_is_refused() -> None:
    with pytest.raises(YamlError) as info:
        yamlio.load("x: 1\n---\ny: 2\n")
    assert info.value.line == 2


def test_bom_at_the_start_is_accepted() -> None:
    assert yamlio.load("\ufeffid: INC-7QK3F2\nlevel: 2\n").value == {"id": "INC-7QK3F2", "level": 2}
    with pytest.raises(YamlError) as info:
        yamlio.load("\ufeffa: 1\na: 2\n")
    assert info.value.line == 2


def test_size_cap() -> None:
    cap = yamlio.MAX_YAML_BYTES
    head = "title: "
    at_cap = head + "x" * (cap - len(head) - 1) + "\n"
    assert len(at_cap.encode("utf-8")) == cap
    assert yamlio.load(at_cap).value == {"title": "x" * (cap - len(head) - 1)}

    over = head + "x" * (cap - len(head)) + "\n"
    with pytest.raises(YamlError) as info:
        yamlio.load(over)
    assert info.value.line == 1
    assert info.value.message == f"YAML block is larger than {cap // 1024} KiB"

    # the cap counts bytes, not characters: 2-byte characters, fewer than `cap` of them
    wide = head + "é" * (cap // 2) + "\n"
    assert len(wide) < cap < len(wide.encode("utf-8"))
    with pytest.raises(YamlError):
        yamlio.load(wide)


def test_huge_document_is_refused_before_parsing() -> None:
    text = "a: [" + "1, " * (4 * yamlio.MAX_YAML_BYTES) + "1]\n"
    started = time.perf_counter()
    with pytest.raises(YamlError):
        yamlio.load(text)
    assert time.perf_counter() - started < 1.0


# -- error lines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: 2\n  c: 3\n", 3),
        ("a: 1\n\tb: 2\n", 2),
        ("a: 1\nb: 2\nc: 3\nd: @x\n", 4),
        ("a: 1\nb: 2\nc: 3\nd: 4\ne: %x\n", 5),
        ("a: 1\nb: 2\nc:\n  - 1\n  - 2\n d: 3\n", 6),
        ("a: 1\n\n\n\nb: !bad x\n", 5),
    ],
)
def test_error_line_is_the_line_of_the_fault(text: str, line: int) -> None:
    with pytest.raises(YamlError) as info:
        yamlio.load(text)
    assert info.value.line == line


def test_unterminated_quote_points_at_its_opening_line() -> None:
    # PyYAML's problem mark for an unclosed quote is the end of the stream (here line 6,
    # far below the typo); the context mark says where the quoted scalar began.
    text = "id: INC-7QK3F2\ntitle: 'VPN drops\ntype: incident\nstatus: new\nlevel: 2\n"
    with pytest.raises(YamlError) as info:
        yamlio.load(text)
    assert info.value.line == 2


NESTED = """\
# a comment first
id: INC-7QK3F2
resolution:
  kind: fix
  summary: |-
    line one
    line two
kb:
- KB-1
- KB-2
extra:
  deep:

    deeper: 1
"""


def test_parsed_lines_give_the_line_of_every_key_path() -> None:
    parsed = yamlio.load(NESTED)
    assert parsed.lines[("id",)] == 2
    assert parsed.lines[("resolution",)] == 3
    assert parsed.lines[("resolution", "kind")] == 4
    assert parsed.lines[("resolution", "summary")] == 5
    assert parsed.lines[("kb",)] == 8
    assert parsed.lines[("kb", 0)] == 9
    assert parsed.lines[("kb", 1)] == 10
    assert parsed.lines[("extra", "deep", "deeper")] == 14


def test_line_of_falls_back_to_the_deepest_known_prefix() -> None:
    parsed = yamlio.load(NESTED)
    assert parsed.line_of("resolution", "summary") == 5
    assert parsed.line_of("kb", 1) == 10
    assert parsed.line_of("kb", 7) == 8
    assert parsed.line_of("extra", "deep", "missing") == 12
    assert parsed.line_of("extra", "deep", "deeper", "x") == 14
    assert parsed.line_of("nope") == 2  # the document's own line: where the mapping starts
    assert parsed.line_of() == 2


# -- the writer ---------------------------------------------------------------------------------


def test_dump_style_is_fixed() -> None:
    data = {
        "id": "INC-7QK3F2",
        "title": "VPN: drops every few minutes",
        "created": "2026-11-26T09:00:00Z",
        "owner": None,
        "major": False,
        "level": 2,
        "kb": ["KB-H4W8N1"],
        "empty": [],
        "code": "0012",
        "answer": "yes",
        "summary": "one\ntwo",
    }
    assert yamlio.dump(data) == (
        "id: INC-7QK3F2\n"
        "title: 'VPN: drops every few minutes'\n"
        "created: 2026-11-26T09:00:00Z\n"
        "owner:\n"
        "major: false\n"
        "level: 2\n"
        "kb:\n- KB-H4W8N1\n"
        "empty: []\n"
        "code: '0012'\n"
        "answer: 'yes'\n"
        "summary: |-\n  one\n  two\n"
    )


def test_dump_keeps_key_order() -> None:
    data = {"zeta": "1", "alpha": "2", "mid": "3"}
    assert yamlio.dump(data) == "zeta: '1'\nalpha: '2'\nmid: '3'\n"


def test_long_lines_are_never_folded() -> None:
    plain = ("word " * 100).rstrip() + "s"
    assert len(plain) == 500
    assert yamlio.dump({"title": plain}) == f"title: {plain}\n"
    quoted = ("Disk: full " * 50)[:500]
    dumped = yamlio.dump({"title": quoted})
    assert dumped.count("\n") == 1
    assert yamlio.load(dumped).value == {"title": quoted}


TRICKY = [
    "Disk: full",
    "---",
    "...",
    "--- x",
    "- item",
    "-",
    "? key",
    "#hash",
    "a #not comment",
    "'quoted'",
    '"dq"',
    "it's",
    'say "hi"',
    "yes",
    "No",
    "on",
    "0012",
    "0o12",
    "0x1F",
    "1:20",
    "1_000",
    "1e3",
    ".inf",
    "12",
    "-7",
    "true",
    "False",
    "null",
    "~",
    "",
    "<<",
    "=",
    "@at",
    "`tick",
    "%pct",
    "!bang",
    "&amp",
    "*star",
    "|pipe",
    ">gt",
    "{brace}",
    "[bracket]",
    "a, b",
    "2026-11-26T09:00:00Z",
    "2026-01-01",
    "line one\nline two",
    "line one\n\n  indented\n",
    "\nleading newline",
    "trailing newlines\n\n\n",
    "\n",
    "\n\n",
    "  leading spaces",
    "trailing spaces  ",
    " ",
    "line \nwith trailing space",
    "\ttab first",
    "tab\tinside",
    "tab last\t",
    "multi\n\ttabbed\n",
    "carriage\rreturn",
    "crlf\r\nline",
    "nul\x00byte",
    "bell\x07 and escape\x1b[0m",
    "del\x7f",
    "\ufeffbom first",
    "zero\u200bwidth",
    "line\u2028separator",
    "para\u2029separator",
    "emoji 🔥💥 and 👩‍💻",
    "עברית: שלום",
    "مرحبا بالعالم",
    "mixed \u202eRTL override",
    "日本語のタイトル",
    "combining e\u0301",
    "\U0010fffd private plane",
    "\ufffd replacement",
    "back\\slash",
    "## Timeline",
    "### 2026-11-26T09:00:00Z · note · X <!-- ABCDEFGH -->",
    "x" * 500,
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_values_round_trip(text: str) -> None:
    data = {"title": text, "after": "kept"}
    dumped = yamlio.dump(data)
    assert yamlio.load(dumped).value == data
    assert yamlio.dump(yamlio.load(dumped).value) == dumped


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_keys_round_trip(text: str) -> None:
    data = {text: "value", "after": text}
    dumped = yamlio.dump(data)
    assert yamlio.load(dumped).value == data
    assert yamlio.dump(yamlio.load(dumped).value) == dumped


@pytest.mark.parametrize("text", ["a\x85b", "\x85", "line\n\x85next", "ends\n\x85"])
def test_next_line_character_round_trips(text: str) -> None:
    # U+0085 (NEL) is a YAML 1.1 line break; written raw inside a quoted or literal scalar
    # it is read back as a folded space or a newline. YAML can carry it ("\N" escape), and
    # it is reachable: free text keeps it (e.g. an e-mail decoded as Latin-1 where cp1252
    # meant '…') and resolution summaries / problem workarounds are front-matter values.
    data = {"summary": text}
    assert yamlio.load(yamlio.dump(data)).value == data
    assert yamlio.load(yamlio.dump({text: "v"})).value == {text: "v"}


# Any Unicode text except what cannot be in a YAML file at all: surrogates (category Cs)
# cannot be encoded as UTF-8, so no file can hold them. U+0085 is left out here only because
# test_next_line_character_round_trips pins it down deterministically (it fails today): this
# test keeps hunting for *other* failures instead of rediscovering that one.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85"), max_size=40)
SCALARS = st.one_of(TEXT, st.none(), st.booleans(), st.integers())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(TEXT, TEXT, max_size=8))
def test_text_dicts_round_trip(data: dict[str, str]) -> None:
    dumped = yamlio.dump(data)
    assert yamlio.load(dumped).value == data
    assert yamlio.dump(yamlio.load(dumped).value) == dumped


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(TEXT, VALUES, max_size=6))
def test_nested_values_round_trip(data: dict[str, Any]) -> None:
    dumped = yamlio.dump(data)
    assert yamlio.load(dumped).value == data
    assert yamlio.dump(yamlio.load(dumped).value) == dumped


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="ascii", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=600))
def test_printable_one_line_text_stays_on_one_line(text: str) -> None:
    dumped = yamlio.dump({"title": text})
    assert dumped.count("\n") == 1
    assert yamlio.load(dumped).value == {"title": text}
