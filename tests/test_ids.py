"""Record IDs: minting, what a user may type, and finding the one record it names."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from itsm.core import ids
from itsm.core.errors import UsageError
from itsm.core.fileio import atomic_write
from itsm.core.model import Ticket
from itsm.operations import tickets
from itsm.records import markdown
from itsm.storage.store import Desk
from tests.conftest import NOW

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ACTOR = "Alice Moreau"
MONTH = NOW[:7]  # tickets are filed by month of creation; the clock is pinned by conftest


# -- minting ---------------------------------------------------------------------------------


def test_alphabet_is_crockford_base32_without_i_l_o_u() -> None:
    assert ids.ALPHABET == CROCKFORD
    assert len(set(ids.ALPHABET)) == 32
    assert not set("ILOU") & set(ids.ALPHABET)


@pytest.mark.parametrize("length", [4, 6, 9, 16])
@pytest.mark.parametrize("prefix", ["INC", "PRB", "KB", "ABCDEFGH"])
def test_mint_gives_prefix_dash_and_length_crockford_characters(prefix: str, length: int) -> None:
    for _ in range(50):
        minted = ids.mint(prefix, length)
        assert re.fullmatch(rf"{prefix}-[{CROCKFORD}]{{{length}}}", minted), minted
        assert ids.is_id(minted)


def test_ten_thousand_minted_ids_are_distinct_and_use_the_whole_alphabet() -> None:
    # 10 code characters: 32**10 codes, so a false alarm has odds of about 4e-8.
    # (With the default 6 characters, 10,000 draws would collide in ~5 % of runs by the
    # birthday bound; docs/ids.md explains why a desk redraws a taken code.)
    minted = [ids.mint("INC", 10) for _ in range(10_000)]
    assert len(set(minted)) == 10_000
    used = {ch for m in minted for ch in m.partition("-")[2]}
    assert used == set(CROCKFORD)


def test_entry_ids_are_eight_crockford_characters_and_distinct() -> None:
    minted = [ids.mint_entry_id() for _ in range(10_000)]
    assert all(re.fullmatch(f"[{CROCKFORD}]{{8}}", m) for m in minted)
    assert len(set(minted)) == 10_000


def test_desk_mints_the_configured_number_of_characters(desk: Path) -> None:
    ticket = tickets.new_ticket(Desk.open(desk), title="Default length", actor=ACTOR, commit=False)
    assert re.fullmatch(f"INC-[{CROCKFORD}]{{6}}", ticket.id), ticket.id

    (desk / "itsm.yaml").write_text("ids:\n  incident: INC\n  length: 9\n", encoding="utf-8")
    configured = Desk.open(desk)
    assert configured.config.id_length == 9
    ticket = tickets.new_ticket(configured, title="Longer IDs", actor=ACTOR, commit=False)
    assert re.fullmatch(f"INC-[{CROCKFORD}]{{9}}", ticket.id), ticket.id
    assert (desk / "tickets" / MONTH / f"{ticket.id}.md").is_file()


# -- parse_ref: what a user may type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("inc-7qk", ("INC", "7QK")),
        ("INC-7QK3F2", ("INC", "7QK3F2")),
        ("Inc-7Qk3f2", ("INC", "7QK3F2")),
        ("7qk3", (None, "7QK3")),
        ("7Q", (None, "7Q")),
        ("inc-i1lo", ("INC", "1110")),  # Crockford: I and L read as 1, O as 0
        ("INC-ILO0", ("INC", "1100")),
        ("prb-2m9xd", ("PRB", "2M9XD")),
        ("kb-h4w8n", ("KB", "H4W8N")),
        ("  inc-7qk  ", ("INC", "7QK")),  # surrounding blanks from a copy-paste
        ("ABCDEFGH-" + "Z" * 16, ("ABCDEFGH", "Z" * 16)),  # longest prefix and code
    ],
)
def test_parse_ref_accepts(typed: str, expected: tuple[str | None, str]) -> None:
    assert ids.parse_ref(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "../etc/passwd",
        "/etc/passwd",
        "INC-7QK/../x",
        "INC-7QK\x00",
        "7QK\x00../x",
        "",
        "   ",
        "\t\n",
        "INC-",
        "-7QK",
        "INC-7",
        "7",
        "INC-" + "7" * 17,
        "7" * 17,
        "ABCDEFGHI-7QK",  # 9-letter prefix
        "INC-7\uff31K",  # fullwidth Q
        "INC-7Q\u212a",  # Kelvin sign, upper-cases to nothing ASCII
        "\u0406NC-7QK",  # Cyrillic I
        "INC-7QK3F2.md",
        "~root",
        "INC-7QKU",  # U is not in the alphabet (and is not read as anything)
        "INC_7QK",
        "INC-7QK-3F",
        "INC 7QK",
        "INC-7QK\nINC-8AB",
        "C:\\tickets\\INC-7QK",
        "INC-7Q*",
        "INC-%2e%2e",
    ],
)
def test_parse_ref_refuses_with_one_clean_line(typed: str) -> None:
    with pytest.raises(UsageError) as info:
        ids.parse_ref(typed)
    line = info.value.one_line()
    assert "is not a record ID" in info.value.message
    assert "\n" not in line and "\r" not in line and "\x00" not in line
    assert len(info.value.message) < 120


def test_parse_ref_refusal_shows_control_characters_escaped() -> None:
    with pytest.raises(UsageError) as info:
        ids.parse_ref("INC-7QK\x00")
    assert info.value.message == "'INC-7QK\\x00' is not a record ID"


def test_parse_ref_refusal_shortens_overlong_input() -> None:
    with pytest.raises(UsageError) as info:
        ids.parse_ref("A" * 5000)
    assert info.value.message == "'" + "A" * 37 + "...' is not a record ID"


# -- Desk.resolve against a real desk ----------------------------------------------------------


def _plant_ticket(desk: Path, ticket_id: str) -> Path:
    """A ticket file with a chosen ID, written the way itsm writes one."""
    ticket = Ticket(id=ticket_id, title=f"Planted {ticket_id}", created=NOW)
    path = desk / "tickets" / MONTH / f"{ticket_id}.md"
    atomic_write(path, markdown.render(ticket))
    return path


def test_resolve_unique_prefix_case_insensitively(desk: Path) -> None:
    ticket = tickets.new_ticket(Desk.open(desk), title="VPN drops", actor=ACTOR)
    path = desk / "tickets" / MONTH / f"{ticket.id}.md"
    code = ticket.id.partition("-")[2]
    for typed in (ticket.id, ticket.id.lower(), f"inc-{code[:2].lower()}", code[:3].lower(), f"Inc-{code}"):
        assert Desk.open(desk).resolve(typed) == ("ticket", path), typed
    record, found = Desk.open(desk).load(ticket.id.lower())
    assert found == path
    assert record == ticket


def test_resolve_reads_i_l_as_one_and_o_as_zero(desk: Path) -> None:
    path = _plant_ticket(desk, "INC-1011AB")
    opened = Desk.open(desk)
    assert opened.resolve("inc-lOil") == ("ticket", path)
    assert opened.resolve("INC-IOI1ab") == ("ticket", path)
    record, _ = opened.load("inc-l0ll")
    assert record.id == "INC-1011AB"


def test_resolve_refuses_an_ambiguous_prefix_and_names_the_candidates(desk: Path) -> None:
    # A typed code needs at least two characters, so look for two tickets whose codes share
    # their first two (1,024 possibilities: a pair turns up after ~40 tickets on average).
    by_start: dict[str, str] = {}
    pair: tuple[str, str] | None = None
    for n in range(1100):  # pigeonhole: a pair is certain by the 1,025th ticket
        ticket = tickets.new_ticket(Desk.open(desk), title=f"Ticket {n}", actor=ACTOR, commit=False)
        start = ticket.id.partition("-")[2][:2]
        if start in by_start:
            pair = (by_start[start], ticket.id)
            break
        by_start[start] = ticket.id
    assert pair is not None
    start = pair[0].partition("-")[2][:2]
    for typed in (f"inc-{start.lower()}", f"INC-{start}", start.lower()):
        with pytest.raises(UsageError) as info:
            Desk.open(desk).resolve(typed)
        assert info.value.message == f"'{typed}' is ambiguous: {', '.join(sorted(pair))}"
        assert info.value.hint == "type more of the ID"
    # the whole ID of either one is still unique
    for ticket_id in pair:
        kind, path = Desk.open(desk).resolve(ticket_id.lower())
        assert (kind, path.stem) == ("ticket", ticket_id)


def test_resolve_refuses_an_unknown_code_and_an_unknown_prefix(desk: Path) -> None:
    ticket = tickets.new_ticket(Desk.open(desk), title="Printer jams", actor=ACTOR, commit=False)
    code = ticket.id.partition("-")[2]
    other = next(ch for ch in CROCKFORD if ch != code[0])
    opened = Desk.open(desk)
    for typed in (f"INC-{other}{other}", f"{other}{other}".lower(), f"PRB-{code}", f"KB-{code}"):
        with pytest.raises(UsageError) as info:
            opened.resolve(typed)
        assert info.value.message == f"no record matches '{typed}'"
    with pytest.raises(UsageError) as info:
        opened.resolve(f"XYZ-{code}")
    assert info.value.message == f"'XYZ-{code}': unknown ID prefix 'XYZ'"
    assert info.value.hint == "this desk uses INC, KB, PRB, REQ"


def test_resolve_refuses_the_wrong_kind(desk: Path) -> None:
    ticket = tickets.new_ticket(Desk.open(desk), title="Laptop request", actor=ACTOR, commit=False)
    code = ticket.id.partition("-")[2]
    opened = Desk.open(desk)
    with pytest.raises(UsageError) as info:
        opened.resolve(ticket.id, kinds=("problem",))
    assert info.value.message == f"'{ticket.id}' is a ticket ID; this command takes a problem"
    with pytest.raises(UsageError) as info:
        opened.resolve(ticket.id, kinds=("problem", "kb"))
    assert info.value.message == f"'{ticket.id}' is a ticket ID; this command takes a problem or a KB article"
    with pytest.raises(UsageError) as info:
        opened.load_ticket(f"PRB-{code}")  # a problem prefix where a ticket is wanted
    assert "is a problem ID" in info.value.message
    with pytest.raises(UsageError) as info:
        opened.resolve(code, kinds=("problem",))  # the bare code is not a problem's
    assert info.value.message == f"no record matches '{code}'"


def test_resolve_refuses_path_tricks_before_touching_the_file_system(desk: Path) -> None:
    tickets.new_ticket(Desk.open(desk), title="Something", actor=ACTOR, commit=False)
    opened = Desk.open(desk)
    for typed in ("../itsm.yaml", "../../etc/passwd", "tickets/2026-11", "INC-7QK/../../x", "INC-\x00"):
        with pytest.raises(UsageError) as info:
            opened.resolve(typed)
        assert "is not a record ID" in info.value.message


def _outside_record(tmp_path: Path, ticket_id: str) -> Path:
    """A perfectly valid record outside the desk: reading it would *succeed*."""
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    target = outside / f"{ticket_id}.md"
    target.write_text(markdown.render(Ticket(id=ticket_id, title="SECRET outside", created=NOW)), encoding="utf-8")
    return target


def test_a_record_file_linked_out_of_the_desk_is_refused(desk: Path, tmp_path: Path) -> None:
    ticket_id = "INC-7QK3F2"
    target = _outside_record(tmp_path, ticket_id)
    link = desk / "tickets" / MONTH / f"{ticket_id}.md"
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)
    opened = Desk.open(desk)
    for ref in (ticket_id, "inc-7qk"):
        with pytest.raises(UsageError) as info:
            opened.load(ref)
        assert info.value.message == f"tickets/{MONTH}/{ticket_id}.md is a link out of the desk; refusing to follow it"
        assert "SECRET" not in info.value.one_line()
    with pytest.raises(markdown.RecordError) as read_info:
        opened.read(link, "ticket")  # the scan used by list/check refuses it too
    assert read_info.value.path == f"tickets/{MONTH}/{ticket_id}.md"
    assert "SECRET" not in str(read_info.value)


def test_a_record_file_linked_inside_the_desk_is_followed(desk: Path) -> None:
    real = _plant_ticket(desk, "INC-2M9XD4")
    link = desk / "tickets" / MONTH / "INC-2M9XD5.md"
    os.symlink(real, link)
    kind, path = Desk.open(desk).resolve("INC-2M9XD5")
    assert (kind, path) == ("ticket", link)


def test_a_month_folder_linked_out_of_the_desk_is_refused(desk: Path, tmp_path: Path) -> None:
    # The same escape as a linked file, one level up: tickets/2026-12 -> /somewhere/else.
    ticket_id = "INC-8AB3F2"
    target = _outside_record(tmp_path, ticket_id)
    (desk / "tickets").mkdir(exist_ok=True)
    os.symlink(target.parent, desk / "tickets" / "2026-12")
    with pytest.raises(UsageError) as info:
        Desk.open(desk).load(ticket_id)
    assert "out of the desk" in info.value.message
