"""scripts/bench.py runs end to end at 1,000 tickets: the smoke test CI runs (docs/performance.md).

It asserts what the benchmark prints, never how fast anything was: every row of both tables
holds a measurement (or `error` for a command that failed, such as an option not there yet),
never a timeout, and the memory figures are the measured processes' own.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

# The benchmark script itself, at 1,000 tickets.
pytestmark = pytest.mark.slow

# Every row docs/performance.md describes, in the order the tables give them.
ROWS = [
    'itsm new "Bench ticket" -c network/vpn',
    'itsm log <open ticket> "Bench note"',
    'itsm resolve <open incident> --fix "Bench: restarted the service" (a different one each run)',
    "itsm ingest email <new message> (a different one each run)",
    "itsm ingest email <reply by In-Reply-To> (found through the read model)",
    "itsm show <5-char prefix>",
    "itsm list --limit 20",
    "itsm list --open",
    "itsm list --open --json > /dev/null",
    "itsm list --status closed --json > /dev/null",
    "itsm chase",
    "itsm search vpn",
    "itsm diagnose <open ticket>",
    "itsm report (every section, the last 12 weeks)",
    "itsm report -f html > /dev/null",
    "itsm report --as-of 2026-11-26T09:00:00Z (warm: its commit's model cached)",
    "itsm check",
    "itsm check --changed HEAD~3",
    "index update after one new ticket (in-process, no start-up)",
    "index update after a resolve --kb (in-process; the most used article)",
    "cold, fresh clone: itsm list --open (builds the read model; 1 run)",
    "cold, fresh clone: itsm search vpn (builds the search index too; 1 run)",
    "cold, fresh clone: itsm report --as-of 2026-11-26T09:00:00Z (builds that commit's model from git; 1 run)",
    "baseline: python -c pass",
    'baseline: python -c "import itsm.cli"',
    "baseline: git commit --allow-empty -m x",
    'baseline: grep -rl "status: new" tickets',
    "baseline: parse every front-matter (python, yaml.CSafeLoader, one process)",
]
IN_PROCESS = {label for label in ROWS if "(in-process" in label}
ERROR = r"error: exit \d+"
TIME_CELL = re.compile(rf"[\d,]+(\.\d)?( \([\d,]+(\.\d)?\))?|{ERROR}")
MEMORY_CELL = re.compile(rf"[\d,]+|{ERROR}")


def table_after(title: str, stdout: str) -> dict[str, str]:
    """The rows (label -> the 1,000-ticket cell) of the markdown table after `title`."""
    section = stdout.split(title, 1)[1]
    rows: dict[str, str] = {}
    for line in section.split("\n\n", 2)[1].splitlines()[2:]:  # the table, past its header and rule
        label, cell = (part.strip() for part in line.strip().strip("|").rsplit("|", 1))
        rows[label] = cell
    return rows


def test_the_benchmark_runs_at_1000_tickets() -> None:
    # --kb gives the `relearn` row an article to measure; --repeat 1: one warm-up, one run.
    done = subprocess.run(
        [sys.executable, "scripts/bench.py", "--sizes", "1000", "--repeat", "1", "--kb", "10"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    times = table_after("Wall time per command, ms", done.stdout)
    memory = table_after("Peak memory, MB (max over runs)", done.stdout)
    assert list(times) == ROWS
    assert list(memory) == ROWS
    for label in ROWS:
        assert TIME_CELL.fullmatch(times[label]), (label, times[label])
        if label in IN_PROCESS:
            assert memory[label] == "in-process"
        else:
            assert MEMORY_CELL.fullmatch(memory[label]), (label, memory[label])
    # The rows of the targets ran (only an option still to come may be an error).
    assert not any(times[label].startswith("error") for label in ROWS if "--changed" not in label), times
    # The memory is the measured process's own: started from the bench itself (itsm
    # imported, the generated desk held), `python -c pass` would read the bench's ~35+ MB.
    assert int(memory["baseline: python -c pass"].replace(",", "")) < 20
