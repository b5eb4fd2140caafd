"""Problem candidates (itsm/search/candidates.py): groups of similar incidents, by the search index.

The desks are made as a user makes them: `itsm init`, then `itsm new` with titles and
descriptions in users' own words; the real index is built from those files.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.search import candidates
from itsm.search.candidates import Group
from itsm.storage.store import Desk
from tests.conftest import NOW, run_cli

VPN = {
    "vpn-disconnecting": ("VPN keeps disconnecting",
                          "Working from home today and the VPN keeps disconnecting every few minutes, "
                          "Teams freezes each time. Please help, Northwind sales issue."),
    "vpn-drops": ("vpn drops every 10 minutes",
                  "at home on my own wifi the vpn connection drops every 10 minutes, have to reconnect "
                  "each time. please fix this issue, Northwind"),
    "vpn-home": ("Cannot stay connected to VPN from home",
                 "I connect to the VPN from home and after a few minutes it disconnects me again. "
                 "Please look into this issue. Regards, Northwind finance"),
}
PRINTER = {
    "printer-jam": ("Printer on 2nd floor jams",
                    "The printer by the kitchen on the 2nd floor jams on every job. Please send someone, "
                    "Northwind issue"),
    "printer-paper": ("paper jam in the second floor printer",
                      "paper keeps jamming in the printer on our floor, cant print the contracts. please "
                      "help with this Northwind issue"),
}
UNRELATED = {
    "password": ("Password reset please",
                 "I forgot my password after the holidays and cannot sign in. Please reset it, Northwind issue"),
    "laptop": ("New laptop for our new starter",
               "Jana Novak starts on Monday in Northwind accounts, please order a laptop and a docking station. "
               "Not an issue, a request"),
    "outlook": ("Outlook crashes on start",
                "Outlook closes as soon as I open it since this morning. Please help, Northwind issue"),
    "camera": ("Teams camera shows black",
               "In Teams calls my camera is just black, the light is on. Please check this Northwind issue"),
}


# The rest of the desk: a month of other tickets, each fault at most twice, in users' words
# (so the words users use anyway -- today, help, cannot, again, my -- are as common here as on
# a real desk, and the document frequencies the index gives are a real desk's, not nine
# tickets').
BACKGROUND = {
    f"bg{n:02d}": text for n, text in enumerate([
        ("Excel freezes when I open the budget file", "Since this morning Excel hangs on the Q3 budget sheet. Please help, Northwind issue"),
        ("cant open shared mailbox", "The sales shared mailbox disappeared from my Outlook today. please fix, Northwind issue"),
        ("Second monitor not detected", "My second screen stays black when I dock the laptop. Please look at this Northwind issue"),
        ("Keyboard keys not working", "Some keys on my keyboard do nothing, the E and R. please send a new one, Northwind issue"),
        ("Need access to the finance SharePoint site", "I moved to finance and cannot open the team site. Please give me access, Northwind issue"),
        ("Install Visio please", "I need Visio for process diagrams for a client project. Northwind issue, thanks"),
        ("SAP goods receipt error", "Cannot post goods receipt in SAP, it says period closed. please help today, Northwind issue"),
        ("Phone voicemail not working", "My desk phone says voicemail unavailable again. Please fix this issue, Northwind reception"),
        ("Teams meeting recording missing", "The recording of yesterday's all hands is not in the chat. please look into this Northwind issue"),
        ("Mouse very laggy", "The wireless mouse jumps around and lags all the time. please help, Northwind issue"),
        ("Office wifi slow in meeting room 4", "Video calls in room 4 keep freezing, the office wifi is really slow there. please check, Northwind issue"),
        ("Account locked after holiday", "I cannot sign in to anything since I came back, it says the account is locked. please unlock, Northwind issue"),
        ("Calendar invites not arriving", "Colleagues say they send me invites but my calendar shows nothing. please look at my Outlook, Northwind issue"),
        ("OneDrive not syncing", "OneDrive says sync paused and my files are not up to date on the laptop. please fix, Northwind issue"),
        ("New starter needs an email account", "Ana Lopez starts in marketing next week, please set up her email and Teams, Northwind request, not an issue"),
        ("Laptop battery drains fast", "The battery is empty after an hour, even when I do nothing. Please look at it, Northwind issue"),
        ("Cannot open PDF attachments", "Adobe says the file is damaged for every PDF I get by email today. please help, Northwind issue"),
        ("Website blocked by proxy", "The supplier portal is blocked by the proxy, I need it for orders. please unblock, Northwind issue"),
        ("Bluetooth headset keeps cutting out", "My headset loses the sound every few seconds in calls. please help, Northwind issue"),
        ("Projector in boardroom shows no signal", "The boardroom projector says no signal with my laptop. please send someone, Northwind issue"),
        ("Expense app crashes on upload", "The expense app closes when I upload a receipt photo from my phone. please fix, Northwind issue"),
        ("Shared drive folder missing", "The contracts folder on the S drive is gone since this morning. please restore it, Northwind issue"),
        ("MFA prompt on new phone", "I got a new phone and the authenticator has no account now, cannot approve sign in. please help, Northwind issue"),
        ("Windows update stuck at 30 percent", "The laptop has been on updates 30% for an hour, I cannot work. please help, Northwind issue"),
    ])
}


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One desk for the module, made by `itsm init` and `itsm new` (in the order VPN,
    printer, unrelated, background); name -> the ID itsm printed. The tests only read it."""
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text("[user]\n\tname = Test Runner\n\temail = runner@example.org\n"
                                     "[init]\n\tdefaultBranch = main\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ITSM_", "GIT_"))}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_CONFIG_NOSYSTEM="1",
               ITSM_NOW=NOW, ITSM_ACTOR="Alice Moreau")
    root = tmp_path_factory.mktemp("candidates") / "desk"
    assert run_cli(root.parent, "init", str(root), env=env).returncode == 0
    ids = {}
    for name, (title, description) in {**VPN, **PRINTER, **UNRELATED, **BACKGROUND}.items():
        done = run_cli(root, "new", title, "-d", description, "-q", env=env)
        assert done.returncode == 0, done.stderr
        ids[name] = done.stdout.strip()
    return root, ids


def incidents_of(ids: dict[str, str], *sets: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    texts = {name: text for tickets in sets for name, text in tickets.items()}
    return [(ids[name], *texts[name]) for name in ids if name in texts]


def test_three_vpn_tickets_in_different_words_are_one_group_and_nothing_else_joins(
        helpdesk: tuple[Path, dict[str, str]]) -> None:
    root, ids = helpdesk
    found = candidates.groups(Desk.open(root), incidents_of(ids, VPN, PRINTER, UNRELATED))
    assert [group.ids for group in found] == [(ids["vpn-disconnecting"], ids["vpn-drops"], ids["vpn-home"])]
    # The label: words the three share, as users wrote them (a stem shown as a word).
    assert found[0].terms[0] == "vpn"
    assert found[0].to_json() == {"ids": list(found[0].ids), "terms": list(found[0].terms)}


def test_the_whole_desk_as_the_window_gives_the_vpn_group_only(helpdesk: tuple[Path, dict[str, str]]) -> None:
    """Twenty-odd other tickets, each fault at most twice, none joins the VPN group nor
    makes one of its own."""
    root, ids = helpdesk
    found = candidates.groups(Desk.open(root), incidents_of(ids, VPN, PRINTER, UNRELATED, BACKGROUND))
    assert [group.ids for group in found] == [(ids["vpn-disconnecting"], ids["vpn-drops"], ids["vpn-home"])]


def test_two_similar_tickets_are_not_a_group_but_would_be_a_pair(helpdesk: tuple[Path, dict[str, str]]) -> None:
    root, ids = helpdesk
    incidents = incidents_of(ids, PRINTER, UNRELATED)
    assert candidates.groups(Desk.open(root), incidents) == []
    # Not because the two printer tickets look unalike: as a group of two they are one.
    pairs = candidates.groups(Desk.open(root), incidents, min_size=2)
    assert [group.ids for group in pairs] == [(ids["printer-jam"], ids["printer-paper"])]
    assert "printer" in pairs[0].terms


def test_words_every_ticket_has_make_no_group(helpdesk: tuple[Path, dict[str, str]]) -> None:
    """"please", "issue" and the company's name are in (nearly) every ticket: the index's
    document frequencies weigh them (nearly) 0, so the unrelated tickets stay apart, even
    in pairs."""
    root, ids = helpdesk
    assert candidates.groups(Desk.open(root), incidents_of(ids, UNRELATED), min_size=2) == []


def test_an_unusable_index_falls_back_to_the_windows_words_and_says_so(
        helpdesk: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, ids = helpdesk
    root = tmp_path / "copy"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".itsm"))
    # The index lock cannot be opened (a folder where the lock file goes): no index is built.
    (root / ".itsm").mkdir()
    (root / ".itsm" / "index.lock").mkdir()
    found = candidates.groups(Desk.open(root), incidents_of(ids, VPN, PRINTER, UNRELATED, BACKGROUND))
    assert [group.ids for group in found] == [(ids["vpn-disconnecting"], ids["vpn-drops"], ids["vpn-home"])]
    err = capsys.readouterr().err
    assert "problem candidates: the search index could not be used" in err
    assert "among these incidents only" in err
    assert not (root / ".itsm" / "index").exists()


def test_fewer_incidents_than_a_group_need_not_open_the_index(desk: Path) -> None:
    assert candidates.groups(Desk.open(desk), [("INC-A", "vpn drops", ""), ("INC-B", "vpn drops", "")]) == []
    assert not (desk / ".itsm" / "index").exists()


# -- the analysis is the index's ------------------------------------------------------------------


def test_words_split_as_the_index_analyser_does() -> None:
    """`Words` analyses each token once and remembers it; the terms are the analyser's own
    on whole texts (Wi-Fi, won't, GlobalProtect, dropping, numbers, punctuation)."""
    from itsm.search.index import _analyzer, analysis_words

    words = analysis_words(None)
    analyzer = _analyzer()
    texts = [
        "VPN drops; vpn dropping, VPN-dropped!! GlobalProtect won't connect to Wi-Fi (wifi / wi fi)",
        "Cannot stay connected to the VPN from home -- it's the 3rd time, ext. 2998, NWL-70325, 9:00",
        "Printer's paper jams: jammed, jamming... O'Brien's e-mail, e.g. a.b.c, ünïcödé wörds",
        "",
    ]
    for text in texts * 2:  # the second time from memory
        assert words(text) == [token.text for token in analyzer(text)]
    assert words.surface("drop") == "drops"
    assert words.surface("jam") == "jams"


# -- the rule, on vectors -------------------------------------------------------------------------


def brute_neighbours(vectors: list[dict[str, float]], threshold: float) -> list[set[int]]:
    found: list[set[int]] = [set() for _ in vectors]
    for i, j in itertools.combinations(range(len(vectors)), 2):
        if sum(weight * vectors[j].get(term, 0.0) for term, weight in vectors[i].items()) >= threshold:
            found[i].add(j)
            found[j].add(i)
    return found


VOCABULARY = [f"w{n}" for n in range(14)]
counts_strategy = st.lists(
    st.dictionaries(st.sampled_from(VOCABULARY), st.sampled_from([1.0, 2.0, 3.0, 0.5]), min_size=1, max_size=6),
    min_size=0, max_size=40)


@settings(max_examples=150, deadline=None)
@given(counts_strategy, st.sampled_from([0.1, 0.25, 0.5, 0.8]))
def test_similar_pairs_finds_exactly_the_pairs_comparing_every_pair_finds(
        analysed: list[dict[str, float]], threshold: float) -> None:
    frequencies = {term: 1 + n % 5 for n, term in enumerate(VOCABULARY)}
    idf = {term: math.log(20 / frequency) for term, frequency in frequencies.items()}
    vectors = [candidates._vector(counts, idf) for counts in analysed]
    fast = candidates.similar_pairs(vectors, threshold)
    slow = brute_neighbours(vectors, threshold - 1e-9)
    exact = brute_neighbours(vectors, threshold + 1e-9)
    # Equal, but for pairs within a rounding error of the threshold (summed in another order).
    for i in range(len(vectors)):
        assert exact[i] <= fast[i] <= slow[i]


@settings(max_examples=150, deadline=None)
@given(counts_strategy, st.integers(min_value=2, max_value=5), st.integers(min_value=1, max_value=4))
def test_groups_are_disjoint_big_enough_capped_largest_first_and_cohesive(
        analysed: list[dict[str, float]], min_size: int, limit: int) -> None:
    ids = [f"INC-{n:03d}" for n in range(len(analysed))]
    frequencies = {term: 1 + n % 5 for n, term in enumerate(VOCABULARY)}
    found = candidates.grouped(ids, analysed, 20, frequencies, min_size=min_size, limit=limit)
    members = [member for group in found for member in group.ids]
    assert len(members) == len(set(members))  # each incident in at most one group
    assert all(len(group.ids) >= min_size for group in found)
    assert len(found) <= limit
    assert [len(group.ids) for group in found] == sorted((len(group.ids) for group in found), reverse=True)
    assert all(list(group.ids) == sorted(group.ids) for group in found)  # in the order given
    # No chaining: every member is similar to more than half of the group's other members.
    idf = {term: math.log(20 / frequency) for term, frequency in frequencies.items()}
    vectors = {record_id: candidates._vector(counts, idf) for record_id, counts in zip(ids, analysed, strict=True)}
    for group in found:
        for member in group.ids:
            alike = sum(1 for other in group.ids if other != member and sum(
                weight * vectors[other].get(term, 0.0) for term, weight in vectors[member].items())
                >= candidates.SIMILAR - 1e-9)
            assert 2 * alike > len(group.ids) - 1, (group, member)


def test_a_ticket_about_two_faults_does_not_chain_their_groups() -> None:
    """Hand-made: three VPN tickets, three printer tickets and one about both. The bridge is
    similar to all six and is picked first as the centre; each ticket is similar to only three
    of the six others, not more than half, so the latest given are dropped one by one until
    the rest is cohesive: the bridge with the VPN tickets, and the printer tickets apart."""
    idf_one = {term: 1 for term in ("vpn", "drop", "home", "printer", "jam", "paper", "x", "y", "z", "p", "q", "r")}
    analysed = [
        {"vpn": 2.0, "drop": 2.0, "home": 1.0, "x": 1.0},
        {"vpn": 2.0, "drop": 1.0, "home": 1.0, "y": 1.0},
        {"vpn": 2.0, "drop": 2.0, "home": 1.0, "z": 1.0},
        {"vpn": 2.0, "drop": 2.0, "printer": 2.0, "jam": 2.0},  # the bridge
        {"printer": 2.0, "jam": 2.0, "paper": 1.0, "p": 1.0},
        {"printer": 2.0, "jam": 1.0, "paper": 1.0, "q": 1.0},
        {"printer": 2.0, "jam": 2.0, "paper": 1.0, "r": 1.0},
    ]
    found = candidates.grouped([f"T{n}" for n in range(7)], analysed, 100, idf_one)
    assert [group.ids for group in found] == [("T0", "T1", "T2", "T3"), ("T4", "T5", "T6")]
    assert found[0].terms[:2] == ("vpn", "drop")


@pytest.mark.process
def test_the_module_does_not_import_whoosh_before_it_is_needed() -> None:
    code = "import sys, itsm.search.candidates; print('whoosh' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ})
    assert done.stdout.strip() == "False"


def test_group_is_frozen() -> None:
    group = Group(("INC-A",), ("vpn",))
    assert group.to_json() == {"ids": ["INC-A"], "terms": ["vpn"]}


def test_identical_incidents_are_grouped_as_one_node_of_their_number() -> None:
    """Copies (the same alert filed again and again) group together, whatever their number,
    and their count decides the group's size; two copies are still no group of three, and a
    copy of a vector too light to be alike to itself does not join its copies."""
    vpn = {"vpn": 3.0, "drop": 2.0, "home": 1.0}
    printer = {"printer": 3.0, "jam": 2.0, "tray": 1.0}
    mail = {"outlook": 3.0, "password": 2.0, "prompt": 1.0}
    analysed = [vpn] * 5 + [printer] * 3 + [mail] * 2
    ids = [f"INC-{n:03d}" for n in range(len(analysed))]
    frequencies = {term: 10 for counts in analysed for term in counts}
    found = candidates.grouped(ids, analysed, 1000, frequencies)
    assert [group.ids for group in found] == [tuple(ids[0:5]), tuple(ids[5:8])]
    assert candidates.grouped(ids, analysed, 1000, frequencies, min_size=2)[-1].ids == tuple(ids[8:10])
    # 1,000 copies cost one comparison, not half a million.
    many = candidates.grouped([f"INC-{n:04d}" for n in range(1000)], [vpn] * 1000, 1000, frequencies)
    assert len(many) == 1 and len(many[0].ids) == 1000
    assert not candidates._self_alike({"a": 0.3, "b": 0.2}, 0.2)  # 0.09 + 0.04 < 0.20
    assert candidates._self_alike({"a": 0.3, "b": 0.4}, 0.2)
