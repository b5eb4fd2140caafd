"""README.md's tour works as written: its block runs top to bottom in a fresh home folder with
`bash -e`, the way a newcomer types it (the way sqlite-utils keeps its docs true).

Only what the tour needs is set: a HOME of its own, `itsm` on PATH, an `$EDITOR` that saves
nothing, and the pinned clock and git identity of every test.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import readme_block, run_cli, run_shell


def tour_block() -> str:
    return readme_block("A tour")


def test_the_tour_uses_nothing_a_fresh_desk_lacks() -> None:
    """No record ID of the sample desk (or any literal ID): the tour makes what it uses."""
    assert not re.search(r"\b(?:INC|REQ|PRB|KB)-[0-9A-Z]{3,}\b",
                         "\n".join(line.split("#", 1)[0] for line in tour_block().splitlines()), re.IGNORECASE)
    assert not re.search(r"\b(?:inc|prb|kb)-[0-9a-z]{3}\b", "\n".join(
        line.split("#", 1)[0] for line in tour_block().splitlines()))


@pytest.mark.process
def test_the_readme_tour_runs_as_written_in_a_fresh_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(Path(os.environ["GIT_CONFIG_GLOBAL"]).read_text())
    env = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "EDITOR": "true"}
    monkeypatch.delenv("ITSM_ACTOR")  # the tour says who acts
    done = run_shell(tour_block(), tmp_path, env)
    assert done.returncode == 0, f"the tour stopped:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    desk = home / "desk"

    def itsm_json(*args: str) -> object:
        done = run_cli(desk, *args, "--json", env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    tickets = {t["title"]: t for t in itsm_json("list")}  # type: ignore[union-attr]
    first = tickets["VPN drops every few minutes"]
    assert (first["status"], first["owner"], first["group"]) == ("closed", "Carla Diaz", "network")
    shown = itsm_json("show", first["id"])
    assert isinstance(shown, dict)
    kinds = [entry["kind"] for entry in shown["timeline"]]
    assert "hierarchical" in kinds and "escalate" in kinds
    told = next(e for e in shown["timeline"] if e["kind"] == "hierarchical")
    assert told["text"].startswith("told Noah Example:")  # the generated itsm.yaml's example manager
    assert tickets["VPN drops again"]["related"] == [first["id"]]
    second = tickets["kicked off the VPN every few minutes"]
    assert (second["major"], second["priority"]) == (True, "P1")
    problems = itsm_json("problem", "list")
    assert isinstance(problems, list) and [p["status"] for p in problems] == ["closed"]
    assert sorted(problems[0]["incidents"]) == sorted([first["id"], second["id"]])
    articles = itsm_json("kb", "list")
    assert isinstance(articles, list)
    assert sorted(a["title"] for a in articles) == ["VPN drops every few minutes at home",
                                                    "Wi-Fi drops in meeting rooms"]
    # `diagnose` put the article written in this tour first, with what to do.
    assert "1. KB-" in done.stdout and "Set the client's MTU to 1400 (Settings > Advanced)" in done.stdout
    request = tickets["Laptop and accounts for Tom Berg"]
    assert (request["type"], request["approval"], request["status"]) == ("request", "approved", "resolved")
    assert request["resolution"]["kind"] == "fulfilled"
    assert "itsm check: ok (4 tickets, 1 problem, 2 KB articles)" in done.stderr
    assert re.search(r"^itsm: error: PRB-\w+ still has open incidents: INC-\w+ \[new\]", done.stderr, re.MULTILINE)
