"""Measured diagnosis quality on two labelled sets, written by people who never saw the ranking
(`tests/relevance.py` builds them and scores them; docs/search.md has the figures).

Set 1: tickets in users' words against the sample desk's KB articles and problems. Set 2:
another company's desk, built on a fresh `itsm init` desk — KB articles of every shape in
support's words, past tickets in users' words resolved with them, distractors that share
words but were fixed otherwise. Each prints its top-3 hit rate and MRR; the issue asks for at
least 90 % top-3 on both. Ranking is improved by analysis and boosts, never by editing cases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from itsm.search.index import SearchIndex
from tests.conftest import REPO
from tests.relevance import Scores, evaluate, set1_cases, set1_desk, set2_data, set2_desk

# Search relevance over two whole desks.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def set1(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return SearchIndex(set1_desk(tmp_path_factory.mktemp("set1") / "desk")).open_fresh()


@pytest.fixture(scope="module")
def set2(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchIndex, list[dict[str, Any]]]:
    desk, cases = set2_desk(tmp_path_factory.mktemp("set2") / "desk")
    return SearchIndex(desk).open_fresh(), cases


def report(name: str, scores: Scores, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\n{scores.line(name)}")
        for miss in scores.misses:
            print(f"  miss {miss}")


def test_the_labelled_sets_are_big_enough_and_sound() -> None:
    cases = set1_cases()
    assert len(cases) >= 30
    for case in cases:
        assert case["answers"], case
        for answer in case["answers"]:
            folder = "kb" if answer.startswith("KB-") else "problems"
            assert (REPO / folder / f"{answer}.md").is_file(), answer
    data = set2_data()
    keys = {item["key"] for item in (*data["kb"], *data["problems"])}
    assert len(data["queries"]) >= 30 and len(data["tickets"]) >= 30
    for query in data["queries"]:
        assert query["answers"] and set(query["answers"]) <= keys, query
    for ticket in data["tickets"]:
        assert set(ticket.get("kb") or []) <= keys and (ticket.get("problem") or "prb") and ticket["resolution"]
    shapes = [("## " in item["body"], "# " in item["body"]) for item in data["kb"]]
    assert any(not headed for headed, _ in shapes), "some articles must have no headings at all"


def test_set1_top3_hit_rate_reaches_90_percent(set1: SearchIndex, capsys: pytest.CaptureFixture[str]) -> None:
    scores = evaluate(set1, set1_cases())
    report("set 1 (sample desk)", scores, capsys)
    assert scores.top3 >= 0.90


def test_set2_top3_hit_rate_reaches_90_percent(set2: tuple[SearchIndex, list[dict[str, Any]]],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    index, cases = set2
    scores = evaluate(index, cases)
    report("set 2 (another desk, built fresh)", scores, capsys)
    assert scores.top3 >= 0.90


def test_set2_desk_is_valid(set2: tuple[SearchIndex, list[dict[str, Any]]]) -> None:
    from itsm.operations.desk_check import check_desk

    index, _ = set2
    assert [str(f) for f in check_desk(index.desk) if f.severity == "error"] == []
    assert Path(index.desk.root, ".itsm", "index").is_dir()
