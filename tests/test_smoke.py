from __future__ import annotations

from pathlib import Path

from tests.conftest import RunItsm, git


def test_new_prints_id_and_commits(desk: Path, run_itsm: RunItsm) -> None:
    done = run_itsm("new", "Printer on floor 2 jams", "-c", "hardware/printer")
    assert done.returncode == 0, done.stderr
    ticket_id = done.stdout.strip()
    assert ticket_id.startswith("INC-")
    assert (desk / "tickets" / "2026-11" / f"{ticket_id}.md").is_file()
    assert git(desk, "log", "-1", "--format=%s %an").strip() == f"{ticket_id} new: Printer on floor 2 jams Alice Moreau"
